"""Document cleaners: nothing planted survives; text, pages and documents stay valid."""

from __future__ import annotations

import re
import struct
import subprocess
import zipfile
from xml.etree import ElementTree

import pytest
from clean_checks import metadata_left, survivors
from clean_corpus import PLANT, build

from conftest import require_tool
from sneakernet.clean import CleanError, clean_file, inspect_file, redstar


def _pdftext(path) -> str:
    exe = require_tool("pdftotext")
    return subprocess.run(
        [exe, "--", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _pages(path) -> int:
    exe = require_tool("pdfinfo")
    out = subprocess.run([exe, "--", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("Pages:")))


def test_pdf_rewritten_without_metadata_or_old_revisions(tmp_path):
    (sample,) = build(tmp_path, ["pdf"])
    src = tmp_path / sample.name
    fields = {f.field for f in inspect_file(src)}
    assert {"PDF:Info/Author", "PDF:revisions", "PDF:Annot/T", "trailing data"} <= fields
    out = tmp_path / "out" / "clean.pdf"
    out.parent.mkdir()
    clean_file(src, out)
    assert survivors(out, sample.planted) == []
    assert metadata_left(out) == []
    assert out.read_bytes().count(b"%%EOF") == 1
    assert _pdftext(out) == _pdftext(src) and "Second page words" in _pdftext(out)
    assert _pages(out) == _pages(src) == 2
    qpdf = require_tool("qpdf")
    assert subprocess.run([qpdf, "--check", "--", str(out)], capture_output=True).returncode == 0
    assert inspect_file(out) == []


def test_pdf_with_broken_xref_is_refused(tmp_path):
    (sample,) = build(tmp_path, ["pdf"])
    data = (tmp_path / sample.name).read_bytes()
    at = data.rindex(b"startxref")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(data[:at] + b"startxref\n999999\n%%EOF\n")
    with pytest.raises(CleanError, match="damaged PDF"):
        clean_file(broken, tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


ZIP_DOCS = ["docx", "xlsx", "pptx", "odt", "epub"]


def _reviewers(name: str) -> bool:
    """Comment parts, lists of commenters, custom XML data and thumbnails: removed by cleaning."""
    pattern = r"comment|people\.xml|persons/|authors\.xml|^customXml/|^docProps/thumbnail"
    return re.search(pattern, name, re.I) is not None


def _texts(path) -> list[str]:
    """Visible text of a document, read with the standard library only."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            if _reviewers(name):
                continue
            if name.endswith((".xml", ".xhtml")) and not name.startswith(("docProps/", "meta")):
                root = ElementTree.fromstring(z.read(name))
                for el in root.iter():
                    if el.tag.rsplit("}", 1)[-1] in ("t", "p") and el.text:
                        out.append(el.text)
    return out


@pytest.mark.parametrize("kind", ZIP_DOCS)
def test_zip_document_cleaned_and_still_valid(tmp_path, kind):
    (sample,) = build(tmp_path, [kind])
    src = tmp_path / sample.name
    found = inspect_file(src)
    assert any(f.field == "ZIP:member times" for f in found)
    out = tmp_path / "out" / sample.name
    out.parent.mkdir()
    report = clean_file(src, out)
    assert report.cleaner == sample.family
    assert survivors(out, sample.planted) == []
    assert metadata_left(out) == []
    assert inspect_file(out) == []
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert b.testzip() is None
        assert b.namelist() == [n for n in a.namelist() if not _reviewers(n)]
        assert {i.date_time for i in b.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert all(not i.extra for i in b.infolist())
        for name in b.namelist():
            if name.endswith((".xml", ".rels", ".opf", ".ncx", ".xhtml")):
                ElementTree.fromstring(b.read(name))  # still well-formed
        if kind in ("odt", "epub"):
            first = b.infolist()[0]
            assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    # Comments and deleted words (all planted) go; every other text stays.
    assert _texts(out) == [t for t in _texts(src) if PLANT.decode() not in t]
    assert any("usual place" in t for t in _texts(out)) or kind in ("xlsx", "pptx")
    again = tmp_path / "again" / sample.name
    again.parent.mkdir()
    clean_file(src, again)
    assert again.read_bytes() == out.read_bytes()  # deterministic


def test_docx_with_red_star_marks_in_growth_hint(tmp_path):
    (sample,) = build(tmp_path, ["docx"])
    src = tmp_path / sample.name
    with zipfile.ZipFile(src) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    marked = tmp_path / "marked.docx"
    structure = redstar.build_structure(["HDD0001", "HDD0002"])
    with zipfile.ZipFile(marked, "w", zipfile.ZIP_DEFLATED) as z:
        for n, (info, data) in enumerate(members):
            if n == 0:
                pad = bytearray(120)
                pad[24 : 24 + len(structure)] = structure
                info.extra = struct.pack("<HHHH", 0xA220, 4 + len(pad), 0xA028, len(pad)) + pad
            z.writestr(info, data)
    found = inspect_file(marked)
    assert [f.value for f in found if f.field.startswith("RedStar")] == ["HDD0001", "HDD0002"]
    out = tmp_path / "clean.docx"
    report = clean_file(marked, out)
    assert report.redstar_marks == ["HDD0001", "HDD0002"]
    assert redstar.find(out).count == 0
    assert survivors(out, sample.planted) == []


@pytest.mark.parametrize(
    "damage",
    [lambda d: d[: len(d) // 2], lambda d: d[:100] + b"\0" * 50 + d[150:], lambda d: b""],
    ids=["truncated", "overwritten", "empty"],
)
def test_corrupt_zip_documents_are_refused(tmp_path, damage):
    (sample,) = build(tmp_path, ["docx"])
    bad = tmp_path / "bad.docx"
    bad.write_bytes(damage((tmp_path / sample.name).read_bytes()))
    with pytest.raises(CleanError):
        clean_file(bad, tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()
