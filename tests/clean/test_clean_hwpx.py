"""HWPX (ZIP+XML) built by hand with planted values, cleaned from the command line."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from clean_checks import cleaned_or_refused, exiftool_tags
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from conftest import assert_user_error, run_cli
from sneakernet.clean import inspect_file

HP = 'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph"'
HH = 'xmlns:hh="http://www.hancom.co.kr/hwpml/2011/head"'
OPF = 'xmlns:opf="http://www.idpf.org/2007/opf/"'
PLANTED = ["홍길동PlantCreatorQ", "PlantEditorQ", "PlantTitleQ", "2019-03-04T05:06:07Z"]
PLANTED += ["PlantAppQ", "PlantBuildQ", "PlantPreviewQ", "PlantTrackerQ"]
BODY_TEXT = "본문은 그대로 Visible body"


def section(extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><hs:sec {HP} '
        'xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section">'
        f"<hp:p><hp:run><hp:t>{BODY_TEXT}</hp:t></hp:run>{extra}</hp:p></hs:sec>"
    ).encode()


def hwpx(path: Path, body: bytes | None = None, extra: dict[str, bytes] | None = None) -> Path:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><opf:package {OPF}><opf:metadata>'
        "<opf:title>PlantTitleQ</opf:title><opf:language>ko</opf:language>"
        '<opf:meta name="creator" content="text">홍길동PlantCreatorQ</opf:meta>'
        '<opf:meta name="lastsaveby" content="text">PlantEditorQ</opf:meta>'
        '<opf:meta name="CreatedDate" content="text">2019-03-04T05:06:07Z</opf:meta>'
        '</opf:metadata><opf:manifest><opf:item id="section0" href="Contents/section0.xml"'
        ' media-type="application/xml"/></opf:manifest><opf:spine>'
        '<opf:itemref idref="section0"/></opf:spine></opf:package>'
    ).encode()
    version = (
        b'<?xml version="1.0" encoding="UTF-8"?><hv:HCFVersion '
        b'xmlns:hv="http://www.hancom.co.kr/hwpml/2011/version" major="5" minor="1"'
        b' application="PlantAppQ" appVersion="PlantBuildQ"/>'
    )
    header = (
        f'<?xml version="1.0" encoding="UTF-8"?><hh:head {HH}><hh:trackChangeAuthors>'
        '<hh:trackChangeAuthor id="1" name="PlantTrackerQ" mark="1"/>'
        "</hh:trackChangeAuthors></hh:head>"
    ).encode()
    picture = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(picture, "PNG")
    members = {
        "version.xml": version,
        "META-INF/container.xml": b'<?xml version="1.0"?><ocf:container xmlns:ocf="urn:oasis:names:tc:opendocument:xmlns:container"/>',
        "Contents/content.hpf": content,
        "Contents/header.xml": header,
        "Contents/section0.xml": body or section(),
        "Preview/PrvText.txt": "미리보기 PlantPreviewQ".encode(),
        "Preview/PrvImage.png": picture.getvalue(),
        **(extra or {}),
    }
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", (2021, 5, 6, 7, 8, 10)), "application/hwp+zip")
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, (2021, 5, 6, 7, 8, 10)), data, zipfile.ZIP_DEFLATED)
    return path


def test_hwpx_metadata_previews_and_times_go_text_stays(tmp_path):
    src = hwpx(tmp_path / "보고서.hwpx")
    fields = {f.field for f in inspect_file(src)}
    assert {"HWPX:Preview/PrvText.txt", "HWPX:Contents/content.hpf:metadata"} <= fields
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert result.code == 0, result.stderr
    out = tmp_path / "out" / src.name
    data = out.read_bytes()
    with zipfile.ZipFile(out) as z:
        infos = z.infolist()
        assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        members = {i.filename: z.read(i) for i in infos}
    for value in PLANTED:
        assert value.encode() not in data
        for name, member in members.items():
            assert value.encode() not in member, (value, name)
    for name, member in members.items():
        if name.endswith((".xml", ".hpf")):
            ElementTree.fromstring(member)  # still well-formed
    assert BODY_TEXT in members["Contents/section0.xml"].decode()
    assert b"<opf:language>ko</opf:language>" in members["Contents/content.hpf"]
    assert members["Preview/PrvText.txt"] == b""
    assert Image.open(io.BytesIO(members["Preview/PrvImage.png"])).size == (1, 1)
    assert inspect_file(out) == []
    tags = exiftool_tags(out)
    assert not [k for k in tags if "Date" in k and "ZIP" in k and "1980" not in str(tags[k])]
    assert "Plant" not in str(tags)


@pytest.mark.parametrize(
    ("body", "extra", "fragment"),
    [
        (section('<hp:ctrl><hp:fieldBegin type="MEMO" id="1"/></hp:ctrl>'), None, "memos"),
        (
            section("<hp:deleteBegin Id='1' TcId='1'/><hp:t>PlantGoneQ</hp:t><hp:deleteEnd/>"),
            None,
            "tracked changes",
        ),
        (None, {"Contents/history.xml": b"<history/>"}, "history"),
    ],
)
def test_hwpx_with_memos_changes_or_history_is_refused(tmp_path, body, extra, fragment):
    src = hwpx(tmp_path / "doc.hwpx", body, extra)
    before = src.read_bytes()
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert_user_error(result, "doc.hwpx", fragment)
    assert not (tmp_path / "out" / "doc.hwpx").exists()
    assert src.read_bytes() == before


@settings(
    max_examples=int(__import__("os").environ.get("CLEAN_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_damaged_hwpx_fails_cleanly_or_comes_out_clean(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("fuzz")
    original = hwpx(tmp / "sample.hwpx").read_bytes()
    if data.draw(st.booleans()):
        damaged = original[: data.draw(st.integers(0, len(original) - 1))]
    else:
        raw = bytearray(original)
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= 1 << data.draw(st.integers(0, 7))
        damaged = bytes(raw)
    src, dst = tmp / "damaged.hwpx", tmp / "out.hwpx"
    src.write_bytes(damaged)
    out = cleaned_or_refused(src, dst)
    assert out is None or b"PlantCreatorQ" not in out


def test_a_directory_offset_past_its_place_is_refused_as_corrupt(tmp_path):
    # Found by the fuzz test above: the end record's directory offset raised, so
    # every member lay before the file's start and the read's seek failed.
    raw = bytearray(hwpx(tmp_path / "doc.hwpx").read_bytes())
    end = raw.rindex(b"PK\x05\x06")
    offset = int.from_bytes(raw[end + 16 : end + 20], "little")
    raw[end + 16 : end + 20] = (offset + 1000).to_bytes(4, "little")
    src = tmp_path / "doc.hwpx"
    src.write_bytes(bytes(raw))
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert_user_error(result, "doc.hwpx", "corrupt ZIP archive")
    assert not (tmp_path / "out" / "doc.hwpx").exists()
    assert src.read_bytes() == bytes(raw)
