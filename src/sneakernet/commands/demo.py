"""`sneakernet demo`: the main job on generated sample content."""

from __future__ import annotations

from pathlib import Path

from sneakernet import ui
from sneakernet.cliparse import Arg, Command
from sneakernet.sizes import human_size


def demo(out: Path) -> None:
    """Build a card image from generated sample files, list it, and show it is reproducible."""
    from sneakernet.demo import run_demo

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
    _library_demo(out / "library-cards")


def _library_demo(out: Path) -> None:
    """The whole job: sample library -> plan -> prepare -> card image -> audit."""
    from sneakernet.demo import DEMO_CARD_SIZE
    from sneakernet.demo_library import run_library_demo

    ui.info("")
    ui.info("the whole job on a sample library (films, a series, songs, books, photos):")
    demo = run_library_demo(out, DEMO_CARD_SIZE, ui.info)
    result = demo.result
    for name in demo.debris:
        ui.info(f"  left out OS debris: {name}")
    for left in result.plan.left_out:
        ui.info(f"  left out {left.name}: {left.reason.split(' (')[0]}")
    card = result.cards[0]
    ui.info(f"on {card.built.image} ({card.built.fill * 100:.3f}% full):")
    for index, f in enumerate(result.plan.cards[0].files, 1):
        ui.info(f"  {index:2d}. {f.card_path}")
    ui.info(f"audit: {'clean' if not card.findings else f'{len(card.findings)} findings'}")
    for finding in card.findings:
        ui.info(f"  {finding}")
    leaked = ", ".join(demo.leaked) or "none"
    ui.info(f"identifying strings planted in the samples found on the card: {leaked}")
    if card.findings or demo.leaked:
        raise SystemExit(1)


COMMANDS = {
    "demo": Command(
        demo,
        Arg(
            "--out",
            type=Path,
            default=Path("demo-out"),
            metavar="DIR",
            help="Folder for the demo card image.",
        ),
    ),
}
