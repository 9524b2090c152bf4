"""Card images built from a plan: fsck.fat, mtools extraction against the manifest, reuse."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from planner_instances import sparse_items

from sneakernet.make.cards import build_card
from sneakernet.plan.planner import PlanOptions, make_plan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fat"))
from fat_oracles import fsck_clean, mcopy_all, mdir_order, sha256  # noqa: E402

MIB = 2**20
CARD = 48 * MIB


def test_built_card_matches_plan_and_manifest_and_is_reused(tmp_path):
    specs = [("video", 3 * MIB + n * 1001, 9, "드라마 1") for n in range(3)]
    specs += [("audio", 200_000 + n, 5, None) for n in range(4)] + [("book", 0, 3, None)]
    items = sparse_items(tmp_path / "lib", specs)
    for it in items:  # real, distinct content
        with open(it.path, "r+b") as f:
            f.write(hashlib.sha256(it.path.encode()).digest()[: it.size])
    plan = make_plan(items, PlanOptions(size=CARD))
    card = plan.cards[0]
    sources = {it.id: Path(it.path) for it in items}
    out = tmp_path / "cards"
    first = build_card(plan, card, sources, out)
    assert not first.reused and first.image.stat().st_size == CARD
    fsck_clean(first.image, tmp_path)
    manifest = json.loads(first.manifest.read_text(encoding="utf-8"))
    assert manifest["image_sha256"] == sha256(first.image) == first.image_sha256
    assert manifest["used_bytes"] == card.used_bytes
    extracted = tmp_path / "extracted"
    mcopy_all(first.image, extracted)
    on_card = {
        p.relative_to(extracted).as_posix(): sha256(p) for p in extracted.rglob("*") if p.is_file()
    }
    assert on_card == {f["card_path"]: f["sha256"] for f in manifest["files"]}
    # Episodes in playback order on the card itself.
    assert mdir_order(first.image)["영상/드라마 1"] == ["item1.bin", "item2.bin", "item3.bin"]
    # Nothing of the operator's machine in the manifest.
    assert str(tmp_path) not in first.manifest.read_text(encoding="utf-8")
    again = build_card(plan, card, sources, out)
    assert again.reused and again.image_sha256 == first.image_sha256
    # A changed plan rebuilds; the same plan rebuilt from scratch gives the same bytes.
    first.manifest.unlink()
    rebuilt = build_card(plan, card, sources, out)
    assert not rebuilt.reused and rebuilt.image_sha256 == first.image_sha256
