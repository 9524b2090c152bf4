"""Comments, tracked changes, hidden text and speaker notes, judged by LibreOffice.

The documents are written by LibreOffice from flat OpenDocument with planted
values; after `sneakernet clean`, LibreOffice renders original and copy to
PDF and pdftotext reads both: the text a reader sees is unchanged, and what
was removed is nowhere in the file.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from lofixtures import PLANTED, VISIBLE, convert, make

from conftest import require_tool, run_cli
from sneakernet.clean import inspect_file

NOTES = "PlantSpeakerNotesQ"
REMOVED = [v for k, v in PLANTED.items() if k not in ("comment",)]


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("review")
    out = {
        ext: make(ext, folder, f"reviewed-{ext}", comment=True, tracked=True, hidden=True)
        for ext in ("docx", "odt")
    }
    for ext in ("pptx", "odp"):
        out[ext] = make(ext, folder, f"slides-{ext}", comment=True, notes=NOTES)
    return out


def _visible(path: Path, folder: Path) -> str:
    folder.mkdir(exist_ok=True)
    pdf = convert(path, "pdf", folder)
    text = subprocess.run(
        [require_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())


def _everything(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return path.read_bytes() + b"".join(z.read(n) for n in z.namelist())


@pytest.mark.parametrize("ext", ["docx", "odt"])
def test_libreoffice_sees_the_same_text_and_none_of_the_removed(docs, tmp_path, ext):
    src = docs[ext]
    before = _everything(src)
    for value in ("PlantCommentTextQ", "PlantDeletedTextQ", "PlantHiddenTextQ"):
        assert value.encode() in before
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert result.code == 0, result.stderr
    out = tmp_path / "out" / src.name
    after = _everything(out)
    for value in PLANTED.values():
        assert value.encode() not in after, value
    shown_before = _visible(src, tmp_path / "before")
    shown_after = _visible(out, tmp_path / "after")
    # LibreOffice shows a tracked deletion struck through; accepted, it is gone.
    assert "PlantDeletedTextQ" in shown_before
    assert shown_after == " ".join(shown_before.replace("PlantDeletedTextQ", "").split())
    assert VISIBLE in shown_after


@pytest.mark.parametrize("ext", ["docx", "odt"])
def test_inspect_shows_each_comment_and_deletion(docs, ext):
    values = " ".join(f.value for f in inspect_file(docs[ext]))
    assert "PlantCommentTextQ" in values
    assert "PlantDeletedTextQ" in values


@pytest.mark.parametrize("ext", ["docx", "odt", "pptx", "odp"])
def test_keep_comments_keeps_their_text_not_their_authors(docs, tmp_path, ext):
    src = docs[ext]
    result = run_cli("clean", "--keep-comments", "-o", tmp_path / "out", src)
    assert result.code == 0, result.stderr
    assert "--keep-comments" in result.stderr and "warning" in result.stderr.lower()
    out = tmp_path / "out" / src.name
    after = _everything(out)
    assert b"PlantCommentTextQ" in after
    for value in REMOVED:
        assert value.encode() not in after, value
    assert VISIBLE in _visible(out, tmp_path / "pdf")  # LibreOffice still opens it


@pytest.mark.parametrize("ext", ["pptx", "odp"])
def test_speaker_notes_stay_unless_dropped(docs, tmp_path, ext):
    src = docs[ext]
    assert run_cli("clean", "-o", tmp_path / "kept", src).code == 0
    assert NOTES.encode() in _everything(tmp_path / "kept" / src.name)
    result = run_cli("clean", "--drop-notes", "-o", tmp_path / "dropped", src)
    assert result.code == 0, result.stderr
    out = tmp_path / "dropped" / src.name
    assert NOTES.encode() not in _everything(out)
    assert VISIBLE in _visible(out, tmp_path / "pdf")
