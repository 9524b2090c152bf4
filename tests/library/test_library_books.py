"""One book policy: `add` + `make` and `prepare --profile ebook` give one file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import run_cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fat"))
from fat_oracles import fsck_clean, mcopy_all  # noqa: E402

STORY = "옛날 옛적에\n호랑이가 살았습니다.\n"


def test_a_text_book_is_one_file_through_make_and_prepare(tmp_path: Path):
    originals = tmp_path / "originals"
    originals.mkdir()
    (originals / "story.txt").write_bytes(STORY.encode("cp949"))  # a Korean book, CP949, LF
    # Text whatever its name says, and a non-text file whatever its name says.
    (originals / "notes").write_bytes(STORY.encode("utf-8"))
    (originals / "fake.txt").write_bytes(b"\x00\x01\x02 binary " * 20)
    original_bytes = {p.name: p.read_bytes() for p in originals.iterdir()}

    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    added = run_cli("add", *sorted(originals.iterdir()), cwd=project)
    assert added.code == 0, added.stderr
    kinds = {
        it["name"]: it["kind"] for it in json.loads(run_cli("ls", "--json", cwd=project).stdout)
    }
    assert kinds == {"story.txt": "book", "notes": "book", "fake.txt": "other"}

    made = run_cli("make", "--size", "48M", cwd=project)
    assert made.code == 0, made.stderr
    image = project / "cards" / "card-01.img"
    fsck_clean(image, tmp_path)
    extracted = tmp_path / "extracted"
    mcopy_all(image, extracted)
    on_card = {p.name: p.read_bytes() for p in extracted.rglob("*") if p.is_file()}

    prepared = tmp_path / "prepared"
    result = run_cli("prepare", originals / "story.txt", "-o", prepared, "--profile", "ebook")
    assert result.code == 0, result.stderr
    book = (prepared / "story.txt").read_bytes()
    assert book == b"\xef\xbb\xbf" + STORY.replace("\n", "\r\n").encode("utf-8")
    assert on_card["story.txt"] == book  # the same bytes both ways
    assert on_card["notes"] == book  # classified by content, not by name
    assert {p.name: p.read_bytes() for p in originals.iterdir()} == original_bytes


def test_prepare_ebook_refuses_a_txt_that_is_not_text(tmp_path: Path):
    fake = tmp_path / "fake.txt"
    fake.write_bytes(b"\x00\x01\x02 binary " * 20)
    result = run_cli("prepare", fake, "-o", tmp_path / "out", "--profile", "ebook", "--json")
    assert result.code != 0
    assert (
        "fake.txt" in result.stderr + result.stdout
        and "not a book" in result.stderr + result.stdout
    )
    assert not (tmp_path / "out" / "fake.txt").exists()
