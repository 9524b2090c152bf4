"""HWP 5 (a compound file) and compound files with macros, built by hand, cleaned by the CLI.

olefile, an independent reader, checks every stream of the result.
"""

from __future__ import annotations

import io
import struct

import olefile
import pytest
from cfbwrite import build, filetime, hwp_records, lpstr, noise, property_set
from clean_checks import cleaned_or_refused
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import assert_user_error, run_cli
from sneakernet.clean import CleanError, inspect_file
from sneakernet.clean.formats.propset import FMTID_HWP, FMTID_SUMMARY

AUTHOR = "작성자PlantAuthorQ"
TEXT = "본문 Visible body text".encode("utf-16-le")
# A paragraph header, its text and a control large enough for ordinary sectors.
BODY = hwp_records([(0x42, bytes(22)), (0x43, TEXT), (0x47, noise(6000))])
DOC_INFO = hwp_records([(0x10, bytes(26)), (0x15, bytes(72))])
PREVIEW = "미리보기 PlantPreviewQ".encode("utf-16-le")
PLANTED = [AUTHOR.encode(), b"PlantTitleQ", PREVIEW, "PlantOldStreamQ".encode("utf-16-le")]


def file_header(flags: int = 1) -> bytes:
    head = b"HWP Document File" + bytes(15) + struct.pack("<II", 0x05000300, flags)
    return head + bytes(256 - len(head))


def hwp(flags: int = 1, extra: dict | None = None, stale: tuple[str, ...] = ()) -> bytes:
    summary = property_set(
        FMTID_HWP,
        {
            2: lpstr("PlantTitleQ"),
            4: lpstr(AUTHOR),
            8: lpstr(AUTHOR),
            12: filetime(132277719670000000),
            13: filetime(132277719670000000),
        },
    )
    tree = {
        "FileHeader": file_header(flags),
        "DocInfo": DOC_INFO,
        "BodyText": {"Section0": BODY},
        "\x05HwpSummaryInformation": summary,
        "PrvText": PREVIEW,
        "PrvImage": b"\x89PNG\r\n\x1a\n" + bytes(40),
        **(extra or {}),
    }
    return build(tree, times=b"\x11" * 16, stale=stale)


def _streams(data: bytes) -> dict[str, bytes]:
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        return {"/".join(p): ole.openstream(p).read() for p in ole.listdir()}


def test_hwp_summary_preview_and_traces_go_body_stays(tmp_path):
    src = tmp_path / "문서.hwp"
    src.write_bytes(hwp(stale=("PlantOldStreamQ",)))
    before = src.read_bytes()
    assert all(p in before for p in PLANTED)
    found = {f.field for f in inspect_file(src)}
    assert {"OLE2:HwpSummaryInformation:author", "HWP:PrvText", "HWP:PrvImage"} <= found
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert result.code == 0, result.stderr
    data = (tmp_path / "out" / src.name).read_bytes()
    assert src.read_bytes() == before and len(data) == len(before)
    for planted in PLANTED:
        assert planted not in data
    streams = _streams(data)
    assert streams["BodyText/Section0"] == BODY
    assert streams["FileHeader"] == file_header()
    assert set(streams["PrvText"]) == {0}
    for stream in streams.values():
        assert all(p not in stream for p in PLANTED)
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        assert ole.getproperties("\x05HwpSummaryInformation") == {1: -535}
        for entry in ole.direntries:
            if entry is not None:
                assert entry.createTime == 0 and entry.modifyTime == 0
    assert inspect_file(tmp_path / "out" / src.name) == []


@pytest.mark.parametrize(
    ("flags", "extra", "fragment"),
    [
        (1 | 0x40, None, "document history"),
        (1, {"DocHistory": {"VersionLog0": b"old"}}, "document history"),
        (1 | 0x80, None, "digitally signed"),
        (1, {"Macros": {"VBA": {"dir": b"code"}}}, "macros"),
        (1, {"ObjectPool": {"_1": {"Ole": b"x"}}}, "embedded objects"),
        (1 | 0x04, None, "distribution document"),
        (1, {"BodyText": {"Section0": hwp_records([(0x42, bytes(22)), (0x5D, b"m")])}}, "memos"),
        (1, {"DocInfo": hwp_records([(0x10, bytes(26)), (0x61, b"a")])}, "tracked changes"),
    ],
)
def test_hwp_with_history_macros_or_objects_is_refused(tmp_path, flags, extra, fragment):
    src = tmp_path / "doc.hwp"
    src.write_bytes(hwp(flags, extra))
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert_user_error(result, "doc.hwp", fragment)
    assert not (tmp_path / "out" / "doc.hwp").exists()


def test_compound_files_of_other_kinds_are_refused(tmp_path):
    """An Outlook message or installer is OLE2 too, with names in streams we do not know."""
    src = tmp_path / "mail.msg"
    summary = property_set(FMTID_SUMMARY, {4: lpstr("PlantAuthorQ")})
    sender = "PlantSender@example.org".encode("utf-16-le")
    src.write_bytes(build({"\x05SummaryInformation": summary, "__substg1.0_0C1F001F": sender}))
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert_user_error(result, "mail.msg", "not a Word, Excel, PowerPoint or HWP document")
    assert not (tmp_path / "out" / "mail.msg").exists()


SAMPLES = [hwp(), hwp(stale=("PlantOldStreamQ",))]


@settings(
    max_examples=int(__import__("os").environ.get("CLEAN_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_damaged_compound_files_fail_cleanly_or_come_out_clean(tmp_path_factory, data):
    original = data.draw(st.sampled_from(SAMPLES))
    if data.draw(st.booleans()):
        damaged = original[: data.draw(st.integers(0, len(original) - 1))]
    else:
        raw = bytearray(original)
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= 1 << data.draw(st.integers(0, 7))
        damaged = bytes(raw)
    tmp = tmp_path_factory.mktemp("fuzz")
    src, dst = tmp / "damaged.hwp", tmp / "out.hwp"
    src.write_bytes(damaged)
    try:
        inspect_file(src)
    except CleanError as exc:
        assert str(exc) and "\n" not in str(exc)
    out = cleaned_or_refused(src, dst)
    assert out is None or AUTHOR.encode() not in out
