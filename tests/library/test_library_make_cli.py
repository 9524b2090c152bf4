"""`sneakernet make` end to end on a small library, judged by fsck.fat and mtools."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from conftest import FIXTURES, run_cli

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "fat"))
sys.path.insert(0, str(HERE.parent / "clean"))
from clean_corpus import PLANT, make_epub, make_html, make_jpeg, make_pdf  # noqa: E402
from fat_oracles import fsck_clean, mcopy_all, sha256  # noqa: E402


def test_make_builds_clean_audited_card_and_resumes_without_work(tmp_path):
    originals = tmp_path / "originals"
    (originals / "photos").mkdir(parents=True)
    make_pdf(originals, "report.pdf")
    make_epub(originals, "novel.epub")
    make_html(originals, "page.html")
    make_jpeg(originals / "photos", "photo1.jpg")
    make_jpeg(originals / "photos", "photo2.jpg", progressive=True)
    for p in originals.glob("**/.img-*"):
        p.unlink()  # side files the PDF generator leaves
    shutil.copy(FIXTURES / "redstar" / "preview_bottle_firstuser.jpg", originals / "rs.jpg")
    (originals / "mystery.bin").write_bytes(b"\x00\x01unknown format" * 10)
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    added = run_cli("add", *sorted(originals.glob("*.*")), cwd=project)
    assert added.code == 0, added.stderr
    assert run_cli("add", originals / "photos", "--priority", "9", cwd=project).code == 0

    first = run_cli("make", "--size", "48M", cwd=project)
    assert first.code == 0, first.stderr
    assert " clean " in first.stderr
    # The file no cleaner knows is left out, with the reason, not put on the card raw.
    assert "item 1 (mystery.bin) left out: cannot clean it" in first.stderr
    cards = project / "cards"
    image = cards / "card-01.img"
    manifest = json.loads((cards / "card-01.manifest.json").read_text(encoding="utf-8"))
    fsck_clean(image, tmp_path)
    extracted = tmp_path / "extracted"
    mcopy_all(image, extracted)
    on_card = {
        p.relative_to(extracted).as_posix(): sha256(p) for p in extracted.rglob("*") if p.is_file()
    }
    assert on_card == {f["card_path"]: f["sha256"] for f in manifest["files"]}
    assert len(on_card) == 6  # everything but the file no cleaner knows
    assert manifest["image_sha256"] == sha256(image)
    # Independent of the audit: no planted identifying string, no Red Star mark, anywhere.
    data = image.read_bytes()
    assert PLANT not in data
    assert bytes.fromhex("5a13a0e6294b75b1") not in data
    # Nothing of the operator's machine in what the job leaves.
    for path in cards.iterdir():
        assert str(tmp_path).encode() not in path.read_bytes()[:4_000_000], path

    second = run_cli("make", "--size", "48M", cwd=project)
    assert second.code == 0, second.stderr
    assert "preparing" not in second.stderr and "reused" in second.stderr
    assert sha256(image) == manifest["image_sha256"]


def test_make_fails_on_audit_findings(tmp_path):
    originals = tmp_path / "originals"
    originals.mkdir()
    (originals / "letter.txt").write_text("Meet Kim Chol-su at the bridge.\n", encoding="utf-8")
    project = tmp_path / "proj"
    run_cli("init", project)
    run_cli("add", originals / "letter.txt", cwd=project)
    deny = tmp_path / "deny.txt"
    deny.write_text("Chol-su\n", encoding="utf-8")
    result = run_cli("make", "--size", "48M", "--deny-list", deny, cwd=project)
    assert result.code == 1, result.stderr
    assert "FINDINGS" in result.stderr and "Chol-su" in result.stderr
