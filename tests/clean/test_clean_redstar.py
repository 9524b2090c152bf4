"""Red Star OS watermarks: found, decoded, counted and removed exactly."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from sneakernet.clean import clean_file, inspect_file, redstar

REDSTAR = FIXTURES / "redstar"
MACHINE_IDS = st.lists(
    st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=14),
    min_size=1,
    max_size=5,
)


def test_fixture_cleaned_equals_original_byte_for_byte(tmp_path):
    out = tmp_path / "out.jpg"
    report = clean_file(REDSTAR / "preview_bottle_firstuser.jpg", out)
    assert out.read_bytes() == (REDSTAR / "preview_bottle_original.jpg").read_bytes()
    assert len(report.redstar_marks) == 1
    assert report.redstar_marks[0].startswith("AC9A58CD")


def test_fixture_mark_is_reported_with_its_id():
    findings = inspect_file(REDSTAR / "preview_bottle_firstuser.jpg")
    marks = [f for f in findings if f.field.startswith("RedStar")]
    assert len(marks) == 1
    assert marks[0].value == "AC9A58CDZ364C"
    assert inspect_file(REDSTAR / "preview_bottle_original.jpg") == []


def test_every_mark_ends_with_the_encrypted_padding():
    assert redstar.encode_mark("X1").endswith(redstar.MARK_TAIL)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ids=MACHINE_IDS, body=st.binary(min_size=1, max_size=300))
def test_chain_of_machines_on_text_is_counted_and_cut(tmp_path, ids, body):
    text = b"line of text\n" + body.replace(b"\0", b"a")
    text = bytes(b if b >= 32 or b in b"\n\t" else 65 for b in text)
    src = tmp_path / "note.txt"
    src.write_bytes(text + redstar.build_structure(ids))
    found = redstar.find(src)
    assert [m.machine_id for m in found.trailer] == ids
    out = tmp_path / "clean.txt"
    report = clean_file(src, out)
    assert out.read_bytes() == text
    assert report.redstar_marks == ids


def _docx_with_growth_hint(marks: bytes, padding: int = 200) -> bytes:
    """A zip whose first local header carries Office's 0xA220 growth-hint field."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("[Content_Types].xml", (2020, 1, 1, 0, 0, 0))
        pad = bytearray(padding)
        pad[30 : 30 + len(marks)] = marks
        info.extra = struct.pack("<HHHH", 0xA220, 4 + padding, 0xA028, padding) + bytes(pad)
        z.writestr(info, b"<Types/>")
        z.writestr("word/document.xml", b"<w:document>hello</w:document>")
    data = buf.getvalue()
    # Only the local header keeps the field, as Office writes it.
    return data


def test_marks_in_docx_growth_hint_are_found_and_zeroed(tmp_path):
    ids = ["DISK1SERIAL", "DISK2SERIAL", "DISK3"]
    src = tmp_path / "letter.zip"
    src.write_bytes(_docx_with_growth_hint(redstar.build_structure(ids)))
    found = redstar.find(src)
    assert [m.machine_id for m in found.docx] == ids
    out = tmp_path / "letter-clean.zip"
    redstar.remove(src, out, found)
    data = out.read_bytes()
    assert redstar.find(out).count == 0
    assert b"EOF" not in data[:400]
    assert len(data) == src.stat().st_size
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        assert z.read("word/document.xml") == b"<w:document>hello</w:document>"


def test_garbage_that_only_ends_in_eof_is_not_a_mark(tmp_path):
    src = tmp_path / "x.txt"
    src.write_bytes(b"a" * 100 + struct.pack("<I", 24) + b"EOF")
    assert redstar.find(src).count == 0


@pytest.mark.parametrize("count", [1, 4])
def test_jpeg_with_several_marks_restores_original(tmp_path, count):
    original = (REDSTAR / "preview_bottle_original.jpg").read_bytes()
    src = tmp_path / "photo.jpg"
    src.write_bytes(original + redstar.build_structure([f"M{i}" for i in range(count)]))
    out = tmp_path / "out.jpg"
    report = clean_file(src, out)
    assert out.read_bytes() == original
    assert len(report.redstar_marks) == count


def test_source_is_never_modified(tmp_path):
    src = tmp_path / "in.jpg"
    data = (REDSTAR / "preview_bottle_firstuser.jpg").read_bytes()
    src.write_bytes(data)
    clean_file(src, tmp_path / "out.jpg")
    assert src.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jpg", "out.jpg"]
