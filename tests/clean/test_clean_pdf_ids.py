"""PDF document IDs: every PDF that carries one is cleaned, and the ID is gone.

Most real PDFs carry a trailer `/ID` that is unique per document and survives
copying: two cards with the same book would be linkable by it. The PDFs here
carry random IDs in the shapes real files have: a plain file, one with object
and cross-reference streams, a linearised one, one with an incremental update,
and one with an owner password only. A file that needs a password to open is
refused. `pdftotext` and `qpdf` are the independent oracles: the text is the
same before and after, and qpdf reads the neutral ID from the cleaned trailer.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys

import pytest

from conftest import REPO, assert_user_error, require_tool, run_cli

NEUTRAL_HEX = "31415926535897932384626433832795"
WORDS = "Pages of a book that must survive cleaning 1234"


def _text_pdf(path, mode: str, rng: random.Random) -> list[bytes]:
    """Write a one-page text PDF in the given shape; returns the planted ID elements."""
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    for line in range(2):
        page = pdf.add_blank_page(page_size=(400, 200))
        page.obj.Contents = pdf.make_stream(
            f"BT /F1 12 Tf 20 150 Td ({WORDS} {line}) Tj ET".encode()
        )
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    kwargs: dict = {"object_stream_mode": pikepdf.ObjectStreamMode.disable}
    if mode == "objstream":
        kwargs = {"object_stream_mode": pikepdf.ObjectStreamMode.generate}
    elif mode == "linearized":
        kwargs["linearize"] = True
    elif mode == "owner-password":
        kwargs["encryption"] = pikepdf.Encryption(owner="owner secret", user="", aes=True)
    elif mode == "user-password":
        kwargs["encryption"] = pikepdf.Encryption(owner="owner secret", user="reader", aes=True)
    pdf.save(path, **kwargs)
    data = path.read_bytes()
    first, second = (rng.randbytes(16) for _ in range(2))
    if mode in ("owner-password", "user-password"):
        # The ID takes part in the encryption key: keep the one qpdf chose.
        with pikepdf.open(path, password="owner secret") as saved:
            return [bytes(x) for x in saved.trailer.ID]
    # Give the file a random ID of the same length, so every offset stays valid.
    found = re.findall(rb"/ID\s*\[\s*<([0-9a-fA-F]{32})>\s*<([0-9a-fA-F]{32})>\s*\]", data)
    assert found, "the generated PDF has no /ID to replace"
    for old_first, old_second in set(found):
        data = data.replace(old_first, first.hex().encode()).replace(
            old_second, second.hex().encode()
        )
    if mode == "incremental":
        # A later revision: a new title; its trailer keeps the first element, per the spec.
        with pikepdf.open(path) as saved:
            root, size = saved.Root.objgen[0], int(saved.trailer.Size)
        prev = int(data[data.rindex(b"startxref") + 9 :].split()[0])
        obj = f"{size} 0 obj\n<< /Title (Second edition) >>\nendobj\n".encode()
        xref_at = len(data) + len(obj)
        second = rng.randbytes(16)
        update = (
            f"xref\n{size} 1\n{len(data):010d} 00000 n \n"
            f"trailer\n<< /Size {size + 1} /Root {root} 0 R /Info {size} 0 R /Prev {prev} "
            f"/ID [<{first.hex()}><{second.hex()}>] >>\nstartxref\n{xref_at}\n%%EOF\n"
        ).encode()
        data += obj + update
    path.write_bytes(data)
    return [first, second]


def _pdftotext(path) -> str:
    return subprocess.run(
        [require_tool("pdftotext"), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _qpdf_trailer_ids(path) -> list[str]:
    out = subprocess.run(
        [require_tool("qpdf"), "--show-object=trailer", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"/ID\s*\[\s*<([0-9a-fA-F]*)>\s*<([0-9a-fA-F]*)>\s*\]", out)
    return [x.lower() for x in found.groups()] if found else []


def _traces(data: bytes, ids: list[bytes]) -> list[str]:
    """Every form in which one of the original ID elements could sit in a file."""
    return [
        i.hex()
        for i in ids
        if i != bytes.fromhex(NEUTRAL_HEX)
        and (i in data or i.hex().encode() in data or i.hex().upper().encode() in data)
    ]


MODES = ["plain", "objstream", "linearized", "incremental", "owner-password"]


@pytest.mark.parametrize("mode", MODES)
def test_pdf_with_a_random_id_is_cleaned_and_keeps_its_text(tmp_path, mode):
    src = tmp_path / "books"
    src.mkdir()
    book = src / f"{mode}.pdf"
    ids = _text_pdf(book, mode, random.Random(mode))
    original = book.read_bytes()
    assert _traces(original, ids), "the planted ID must be findable in the original"
    before = _pdftotext(book)
    assert WORDS in before

    listed = run_cli("inspect", "--json", book)
    assert listed.code == 0, listed.stderr
    (findings,) = json.loads(listed.stdout)["files"].values()
    assert "PDF:ID" in {f["field"] for f in findings}

    out = tmp_path / "clean"
    result = run_cli("clean", "-o", out, src)
    assert result.code == 0, result.stdout + result.stderr
    cleaned = out / book.name
    assert _pdftotext(cleaned) == before
    assert _traces(cleaned.read_bytes(), ids) == []
    assert _qpdf_trailer_ids(cleaned) == [NEUTRAL_HEX, NEUTRAL_HEX]
    subprocess.run([require_tool("qpdf"), "--check", str(cleaned)], check=True, capture_output=True)
    again = run_cli("inspect", "--json", cleaned)
    assert again.code == 0, again.stderr
    (findings,) = json.loads(again.stdout)["files"].values()
    assert findings == []
    assert book.read_bytes() == original  # the original is never modified


def test_pdf_that_needs_a_password_is_refused_in_one_line(tmp_path):
    src = tmp_path / "books"
    src.mkdir()
    book = src / "locked.pdf"
    _text_pdf(book, "user-password", random.Random(7))
    out = tmp_path / "clean"
    result = run_cli("clean", "-o", out, book)
    assert_user_error(result, "password")
    assert not (out / "locked.pdf").exists()


OLDEST = REPO / ".venv-oldest" / "bin" / "python"


def test_pdf_ids_with_the_oldest_pikepdf_the_project_allows(tmp_path):
    """The same cleaning with the lowest pikepdf in pyproject's range (`make test` installs it)."""
    if not OLDEST.exists():
        pytest.fail("the oldest-pikepdf environment is missing: run `make test` to create it")
    probe = subprocess.run(
        [str(OLDEST), "-c", "import pikepdf; print(pikepdf.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    lowest = re.search(r'"pikepdf>=([0-9.]+)"', (REPO / "pyproject.toml").read_text()).group(1)
    assert probe.stdout.strip().startswith(lowest), probe.stdout
    for mode in MODES:
        book = tmp_path / f"{mode}.pdf"
        ids = _text_pdf(book, mode, random.Random(mode + "-oldest"))
        before = _pdftotext(book)
        out = tmp_path / f"{mode}.clean.pdf"
        env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
        script = (
            "import sys; from pathlib import Path; from sneakernet.clean.api import clean_file; "
            "clean_file(Path(sys.argv[1]), Path(sys.argv[2]))"
        )
        done = subprocess.run(
            [str(OLDEST), "-c", script, str(book), str(out)],
            capture_output=True,
            text=True,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert _pdftotext(out) == before
        assert _traces(out.read_bytes(), ids) == [], mode
        assert _qpdf_trailer_ids(out) == [NEUTRAL_HEX, NEUTRAL_HEX]
    assert sys.executable != str(OLDEST)
