"""Building the planned cards: one image and one manifest per card.

The manifest (card paths, sizes and SHA-256 of every file, the image's
SHA-256, and the versions of every tool that shaped those bytes) stays with
the operator, never on the card. A card whose manifest says it was built
from exactly this card plan by the same tool versions is not built again, so
an interrupted run resumes where it stopped and a repeated run does no work.
A card rebuilt by other versions says which changed: its hashes will differ.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet import fat
from sneakernet.errors import UserError
from sneakernet.plan.planner import CardPlan, Plan
from sneakernet.policy import MANIFEST_FORMAT, atomic_write
from sneakernet.toolchain import differences, fingerprint, versions


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
    # "ffmpeg X instead of Y" for each tool that differs from the card's last build
    tools_changed: list[str] = field(default_factory=list)

    @property
    def fill(self) -> float:
        return self.used_bytes / self.data_bytes if self.data_bytes else 0.0


def sha256_file(path: Path, offset: int = 0, length: int | None = None) -> str:
    """SHA-256 of the file, or of `length` bytes from `offset` (one part of it)."""
    with open(path, "rb") as f:
        if length is None:
            return hashlib.file_digest(f, "sha256").hexdigest()
        f.seek(offset)
        digest = hashlib.sha256()
        while length > 0:
            block = f.read(min(8 * 1024 * 1024, length))
            if not block:
                break
            digest.update(block)
            length -= len(block)
        return digest.hexdigest()


def card_key(plan: Plan, card: CardPlan, sources: dict[int, Path]) -> str:
    """What decides the image's bytes: tools, geometry, paths, sizes, each source's content."""
    digest = hashlib.sha256()
    digest.update(f"{fingerprint()}:{plan.card_size}:{plan.cluster_size}\n".encode())
    for f in card.files:
        digest.update(f"{f.card_path}\0{f.size}\0{f.hash}\0{sources[f.item_id].name}\n".encode())
        if f.whole is not None:
            digest.update(f"part {f.offset} of {f.whole}\n".encode())
    return digest.hexdigest()


def card_tree(card: CardPlan, sources: dict[int, Path]) -> fat.Node:
    """The card's tree in playback order, each file pointing at the file to copy."""
    root = fat.tree_from_items([(f.card_path, f.size) for f in card.files])
    by_path = {f.card_path: f for f in card.files}
    for path, node in root.files():
        f = by_path[path]
        node.source = sources[f.item_id]
        if f.whole is not None:  # one part of a file FAT32 cannot hold whole
            node.source_offset, node.source_size = f.offset, f.whole
    return root


def _write_json(path: Path, data: dict) -> None:
    atomic_write(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def _read_manifest(manifest: Path) -> dict | None:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return None
    return data


def _reusable(data: dict | None, image: Path, key: str, size: int) -> bool:
    if data is None or data.get("card_key") != key:
        return False
    return image.is_file() and image.stat().st_size == size


def tools_changed(previous: dict | None) -> list[str]:
    """What differs from the tools that built the card last time (nothing if unknown)."""
    before = previous.get("toolchain") if previous else None
    if not isinstance(before, dict):
        return []
    return differences({str(k): str(v) for k, v in before.items()}, versions())


def build_card(
    plan: Plan, card: CardPlan, sources: dict[int, Path], out_dir: Path, progress=None
) -> BuiltCard:
    """Image and manifest for one card, unless an identical build is already there."""
    name = f"card-{card.index:02d}"
    image, manifest = out_dir / f"{name}.img", out_dir / f"{name}.manifest.json"
    for f in card.files:
        source = sources[f.item_id]
        expected = f.size if f.whole is None else f.whole
        if source.stat().st_size != expected:
            raise UserError(
                f"{f.card_path}: the file to copy is {source.stat().st_size} bytes, the plan "
                f"says {expected}; plan again"
            )
    key = card_key(plan, card, sources)
    done = _read_manifest(manifest)
    if _reusable(done, image, key, plan.card_size):
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
            "version": 2,
            "card": card.index,
            "card_key": key,
            "card_size": plan.card_size,
            "toolchain": versions(),
            "image": image.name,
            "image_sha256": image_sha,
            "used_bytes": built.usage.used_bytes,
            "free_bytes": built.usage.free_bytes,
            "files": [
                {
                    "card_path": f.card_path,
                    "size": f.size,
                    "sha256": sha256_file(sources[f.item_id], f.offset, f.size)
                    if f.whole is not None
                    else sha256_file(sources[f.item_id]),
                    "item": f.item_id,
                }
                for f in card.files
            ],
        },
    )
    return BuiltCard(
        card.index, image, manifest, image_sha, len(card.files),
        built.usage.used_bytes, plan.data_bytes, False, tools_changed(done),
    )  # fmt: skip
