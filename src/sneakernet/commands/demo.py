"""`sneakernet demo`: the main job on generated sample content."""

from __future__ import annotations

from pathlib import Path

import typer

from sneakernet import ui
from sneakernet.demo import run_demo
from sneakernet.sizes import human_size


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", help="Folder for the demo card image."),
) -> None:
    """Build a card image from generated sample files, list it, and show it is reproducible."""
    result = run_demo(out)
    ui.info(f"built {result.image} ({human_size(result.image.stat().st_size)} card image)")
    for path in result.left_out:
        ui.info(f"  left out OS debris: {path}")
    ui.info("playback order on the card:")
    for index, path in enumerate(result.playback_order, 1):
        ui.info(f"  {index:2d}. {path}")
    ui.info(f"free on the card: {human_size(result.free_bytes)}")
    ui.info(f"SHA-256 {result.sha256}")
    same = "identical" if result.sha256 == result.rebuilt_sha256 else "DIFFERENT"
    ui.info(f"rebuilt from scratch: {same} (SHA-256 {result.rebuilt_sha256})")
    ui.info("anyone can rebuild it and compare the hash")
