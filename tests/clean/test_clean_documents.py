"""Document cleaners: nothing planted survives; text, pages and documents stay valid."""

from __future__ import annotations

import subprocess

import pytest
from clean_checks import metadata_left, survivors
from clean_corpus import build

from conftest import require_tool
from sneakernet.clean import CleanError, clean_file, inspect_file


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
