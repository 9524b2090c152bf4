"""Office 97-2003 files (.doc, .xls, .ppt) from LibreOffice, cleaned from the command line.

Oracles: olefile reads every stream of the cleaned file, exiftool reads its
properties, and LibreOffice renders original and copy to PDF for pdftotext
to compare the visible text.
"""

from __future__ import annotations

import io
import struct
import subprocess
from pathlib import Path

import olefile
import pytest
from cfbwrite import build as cfb_build
from clean_checks import exiftool_tags
from lofixtures import PLANTED, VISIBLE, convert, make, with_pictures

from conftest import assert_user_error, require_tool, run_cli
from sneakernet.clean import inspect_file

KINDS = ("doc", "xls", "ppt")
# Tags exiftool may still print: the code page, the OLE class name, the
# Word header's format version and flags, zeroed dates, and counts.
HARMLESS = {
    "CodePage",
    "CompObjUserType",
    "CompObjUserTypeLen",
    "Identification",
    "LanguageCode",
    "DocFlags",
    "Word97",
    "Words",
    "Characters",
    "Pages",
    "Paragraphs",
    "Lines",
    "RevisionNumber",
    "TotalEditTime",
    "CurrentUser",
}
ZERO_DATES = {"CreateDate", "ModifyDate", "LastPrinted"}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("lo")
    out = {kind: make(kind, folder, f"plain-{kind}") for kind in KINDS}
    out["doc comment"] = make("doc", folder, "comment-doc", comment=True)
    out["doc tracked"] = make("doc", folder, "tracked-doc", tracked=True)
    out["xls comment"] = make("xls", folder, "comment-xls", comment=True)
    out["ppt comment"] = make("ppt", folder, "comment-ppt", comment=True)
    return out


def _streams(path: Path) -> dict[str, bytes]:
    with olefile.OleFileIO(str(path)) as ole:
        return {"/".join(p): ole.openstream(p).read() for p in ole.listdir()}


def _visible_text(path: Path, folder: Path) -> str:
    folder.mkdir(exist_ok=True)
    pdf = convert(path, "pdf", folder)
    proc = subprocess.run(
        [require_tool("pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(proc.stdout.split())


def _planted_in(data: bytes) -> list[str]:
    found = []
    for value in PLANTED.values():
        for encoded in (value.encode(), value.encode("utf-16-le")):
            if encoded in data:
                found.append(value)
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_properties_leave_and_the_document_stays(files, tmp_path, kind):
    src = files[kind]
    before = src.read_bytes()
    assert _planted_in(before), "the fixture must carry the planted values"
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert result.code == 0, result.stderr
    out = tmp_path / "out" / src.name
    data = out.read_bytes()
    assert src.read_bytes() == before
    assert len(data) == len(before)
    assert _planted_in(data) == []
    assert b"Caolan80" not in data  # LibreOffice's mark in Word's reserved header words
    streams_before, streams_after = _streams(src), _streams(out)
    assert {k: len(v) for k, v in streams_after.items()} == {
        k: len(v) for k, v in streams_before.items()
    }
    for name, stream in streams_after.items():
        assert _planted_in(stream) == [], name
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        meta = ole.get_metadata()
        for field in ("title", "subject", "author", "keywords", "comments", "last_saved_by"):
            assert getattr(meta, field) in (None, b""), field
        assert meta.create_time is None and meta.last_saved_time is None
        assert meta.creating_application is None and meta.company is None
    tags = exiftool_tags(out)
    for key, value in tags.items():
        group, _, tag = key.partition(":")
        if group not in ("FlashPix", "MS-DOC"):
            continue
        if tag == "System":
            assert value == "Windows", value  # no version: the neutral identifier
        elif tag in ZERO_DATES:
            assert str(value).startswith("0000:00:00"), (key, value)
        else:
            assert tag in HARMLESS or tag.startswith("CodePage"), (key, value)
        assert "Plant" not in str(value)
    assert inspect_file(out) == []
    text_before = _visible_text(src, tmp_path / "pdf-before")
    assert VISIBLE in text_before
    assert _visible_text(out, tmp_path / "pdf-after") == text_before


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("doc comment", "comments"),
        ("doc tracked", "tracked changes"),
        ("xls comment", "cell comments"),
        ("ppt comment", "comments"),
    ],
)
def test_comments_and_tracked_changes_are_refused(files, tmp_path, key, fragment):
    src = files[key]
    before = src.read_bytes()
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert_user_error(result, src.name, fragment, "DOCX")
    assert not list((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True
    assert src.read_bytes() == before
    fields = [f.field for f in inspect_file(src)]
    assert any("comments" in f or "revision" in f for f in fields), fields


def test_inspect_shows_the_comment_text_and_its_author(files):
    found = {f.field: f.value for f in inspect_file(files["doc comment"])}
    assert "PlantReviewerQ" in found["MSDOC:comments"]
    assert "PlantCommentTextQ" in found["MSDOC:comments"]


def test_inspect_shows_the_revision_author(files):
    found = {f.field: f.value for f in inspect_file(files["doc tracked"])}
    assert "PlantReviewerQ" in found["MSDOC:revision authors"]
    assert "PlantCreatorQ" in found["OLE2:SummaryInformation:author"]


def _decoded_pictures(streams: dict[str, bytes]) -> list[bytes]:
    """Pixels of every JPEG and PNG that Pillow finds in the streams."""
    from PIL import Image

    out = []
    for data in streams.values():
        for magic in (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"):
            at = data.find(magic)
            while at >= 0:
                try:
                    out.append(Image.open(io.BytesIO(data[at:])).convert("RGB").tobytes())
                except OSError:
                    pass
                at = data.find(magic, at + 1)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_picture_metadata_is_zeroed_where_it_lies(tmp_path, kind):
    src = with_pictures(kind, tmp_path)
    before = src.read_bytes()
    assert b"PlantCameraMakeQ" in before and b"PlantPngAuthorQ" in before
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert result.code == 0, result.stderr
    out = tmp_path / "out" / src.name
    data = out.read_bytes()
    for planted in (b"PlantCameraMakeQ", b"PlantSoftwareQ", b"PlantPngAuthorQ", b"Exif\x00\x00"):
        assert planted not in data
    pixels_before = _decoded_pictures(_streams(src))
    assert len(pixels_before) >= 2
    assert _decoded_pictures(_streams(out)) == pixels_before


def _sttb(strings: list[str]) -> bytes:
    out = b"\xff\xff" + struct.pack("<HH", len(strings), 0)
    for s in strings:
        out += struct.pack("<H", len(s)) + s.encode("utf-16-le")
    return out


def _word_with_history(src: Path, dst: Path) -> list[str]:
    """The LibreOffice .doc rebuilt with Word's saved-by history, associated strings and
    auto-save path appended to its table stream (LibreOffice writes none of them)."""
    streams = _streams(src)
    word = bytearray(streams["WordDocument"])
    table = bytearray(streams["1Table"])
    saved_by = ["PlantSaverQ", "C:\\Users\\PlantSaverQ\\letter.doc"]
    assoc = ["", "C:\\Templates\\PlantTemplateQ.dot", "PlantAssocTitleQ"] + [""] * 15
    autosave = "C:\\Users\\PlantSaverQ\\autosave.asd".encode("utf-16-le")
    pos = 32
    pos += 2 + 2 * struct.unpack_from("<H", word, pos)[0]
    pos += 2 + 4 * struct.unpack_from("<H", word, pos)[0]
    blob = pos + 2
    for index, data in ((71, _sttb(saved_by)), (32, _sttb(assoc)), (35, autosave)):
        struct.pack_into("<II", word, blob + 8 * index, len(table), len(data))
        table += data
    streams["WordDocument"], streams["1Table"] = bytes(word), bytes(table)
    dst.write_bytes(cfb_build(streams))
    return ["PlantSaverQ", "PlantTemplateQ", "PlantAssocTitleQ"]


def test_word_history_associated_strings_and_autosave_path_are_zeroed(files, tmp_path):
    src = tmp_path / "history.doc"
    planted = _word_with_history(files["doc"], src)
    for value in planted:
        assert value.encode("utf-16-le") in src.read_bytes()
    fields = {f.field for f in inspect_file(src)}
    assert {"MSDOC:saved by", "MSDOC:associated strings", "MSDOC:auto-save source"} <= fields
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert result.code == 0, result.stderr
    out = tmp_path / "out" / src.name
    data = out.read_bytes()
    for value in planted:
        assert value.encode("utf-16-le") not in data and value.encode() not in data
    assert "SavedBy" not in str(exiftool_tags(out))
    assert _visible_text(out, tmp_path / "after") == _visible_text(src, tmp_path / "before")
