"""Building the planned cards: one image and one manifest per card.

The manifest (card paths, sizes and SHA-256 of every file, the image's
SHA-256) stays with the operator, never on the card. A card whose manifest
says it was built from exactly this card plan is not built again, so an
interrupted run resumes where it stopped and a repeated run does no work.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sneakernet import fat
from sneakernet.errors import UserError
from sneakernet.plan.planner import CardPlan, Plan
from sneakernet.policy import atomic_write

MANIFEST_FORMAT = "sneakernet-card-manifest"


@dataclass
class BuiltCard:
    index: int
    image: Path
    manifest: Path
    image_sha256: str
    files: int
    used_bytes: int
    data_bytes: int
    reused: bool

    @property
    def fill(self) -> float:
        return self.used_bytes / self.data_bytes if self.data_bytes else 0.0


def sha256_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def card_key(plan: Plan, card: CardPlan, sources: dict[int, Path]) -> str:
    """What decides the image's bytes: geometry, paths, sizes and each source's content."""
    digest = hashlib.sha256()
    digest.update(f"{plan.card_size}:{plan.cluster_size}\n".encode())
    for f in card.files:
        digest.update(f"{f.card_path}\0{f.size}\0{f.hash}\0{sources[f.item_id].name}\n".encode())
    return digest.hexdigest()


def card_tree(card: CardPlan, sources: dict[int, Path]) -> fat.Node:
    """The card's tree in playback order, each file pointing at the file to copy."""
    root = fat.tree_from_items([(f.card_path, f.size) for f in card.files])
    by_path = {f.card_path: sources[f.item_id] for f in card.files}
    for path, node in root.files():
        node.source = by_path[path]
    return root


def _write_json(path: Path, data: dict) -> None:
    atomic_write(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def _reusable(manifest: Path, image: Path, key: str, size: int) -> dict | None:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("format") != MANIFEST_FORMAT or data.get("card_key") != key:
        return None
    if not image.is_file() or image.stat().st_size != size:
        return None
    return data


def build_card(
    plan: Plan, card: CardPlan, sources: dict[int, Path], out_dir: Path, progress=None
) -> BuiltCard:
    """Image and manifest for one card, unless an identical build is already there."""
    name = f"card-{card.index:02d}"
    image, manifest = out_dir / f"{name}.img", out_dir / f"{name}.manifest.json"
    for f in card.files:
        source = sources[f.item_id]
        if source.stat().st_size != f.size:
            raise UserError(
                f"{f.card_path}: the file to copy is {source.stat().st_size} bytes, the plan "
                f"says {f.size}; plan again"
            )
    key = card_key(plan, card, sources)
    done = _reusable(manifest, image, key, plan.card_size)
    if done is not None:
        return BuiltCard(
            card.index, image, manifest, done["image_sha256"], len(card.files),
            done["used_bytes"], plan.data_bytes, True,
        )  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    built = fat.build_image(
        card_tree(card, sources),
        fat.ImageOptions(size=plan.card_size, cluster_size=plan.cluster_size),
        image,
        progress,
    )
    image_sha = sha256_file(image)
    _write_json(
        manifest,
        {
            "format": MANIFEST_FORMAT,
            "version": 1,
            "card": card.index,
            "card_key": key,
            "card_size": plan.card_size,
            "image": image.name,
            "image_sha256": image_sha,
            "used_bytes": built.usage.used_bytes,
            "free_bytes": built.usage.free_bytes,
            "files": [
                {
                    "card_path": f.card_path,
                    "size": f.size,
                    "sha256": sha256_file(sources[f.item_id]),
                    "item": f.item_id,
                }
                for f in card.files
            ],
        },
    )
    return BuiltCard(
        card.index, image, manifest, image_sha, len(card.files),
        built.usage.used_bytes, plan.data_bytes, False,
    )  # fmt: skip
