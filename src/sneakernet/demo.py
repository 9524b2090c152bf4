"""The main job on generated sample content: a folder becomes a card image.

Kept small on purpose; later stages of the pipeline join it as they land.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sneakernet.fat import ImageOptions, open_volume, plan_image, scan_source, write_image

DEMO_CARD_SIZE = 256_000_000  # a "256 MB" card, as sold
SAMPLE_FILES = {
    **{f"드라마/series/ep{i}.mp4": 150_000 + 1000 * i for i in range(1, 11)},
    "노래/아리랑.mp3": 90_000,
    "책/어린 왕자.epub": 40_000,
    "책/😀 웃음 모음.txt": 1_200,
    "readme.txt": 300,
    ".DS_Store": 6_148,  # OS debris: left out of the card
}


@dataclass
class DemoResult:
    image: Path
    sha256: str
    rebuilt_sha256: str
    playback_order: list[str]
    left_out: list[str]
    free_bytes: int


def make_sample_folder(root: Path) -> Path:
    """Sample files with Korean and emoji names; content is generated, not downloaded."""
    for index, (rel, size) in enumerate(SAMPLE_FILES.items()):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        seed = hashlib.sha256(f"sample {index}".encode()).digest()
        path.write_bytes((seed * (size // len(seed) + 1))[:size])
    return root


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(4 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def run_demo(out_dir: Path) -> DemoResult:
    """Build the sample card into out_dir, list it, and rebuild it to show it is reproducible."""
    out_dir.mkdir(parents=True, exist_ok=True)
    image = out_dir / "card.img"
    options = ImageOptions(size=DEMO_CARD_SIZE, label="SAMPLE")
    with tempfile.TemporaryDirectory(prefix="sneakernet-demo-") as tmp:
        source = scan_source(make_sample_folder(Path(tmp) / "library"))
        plan = plan_image(source.root, options)
        write_image(plan, image)
        again = Path(tmp) / "again.img"
        write_image(plan_image(scan_source(Path(tmp) / "library").root, options), again)
        rebuilt = sha256_of(again)
    with open_volume(image) as volume:
        order = [entry.path for entry in volume.walk() if not entry.is_dir]
    return DemoResult(image, sha256_of(image), rebuilt, order, source.debris, plan.usage.free_bytes)
