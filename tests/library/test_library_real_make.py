"""`make` on a library shaped like a group's: films, a season, an album, books, photos.

Two films are larger than the card before conversion and small after it. The
card must hold every film (they fit once converted), be fsck-clean and
audit-clean, and leave off nothing that would still fit in its free space.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from library_samples import big_film, write_audio, write_video
from PIL import Image

from conftest import run_cli

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "fat"))
sys.path.insert(0, str(HERE.parent / "clean"))
from clean_corpus import PLANT, make_epub, make_jpeg, make_pdf  # noqa: E402
from fat_oracles import fsck_clean, mcopy_all  # noqa: E402

MIB = 2**20
CARD = "40MiB"
BIG = ["The Sea (1998).mkv", "바다로 가자.mkv"]
SMALL = ["127 Hours.mp4", "300 (2006).avi", "Winter Sonata - Director's Cut.mp4"]


def noisy_photo(path: Path, seed: int) -> None:
    """A camera-sized photo that no cleaner can shrink: about 7 MB of JPEG noise."""
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (2000, 3000, 3), dtype=np.uint8)).save(
        path, "JPEG", quality=95
    )


def real_library(root: Path) -> Path:
    films = root / "films"
    films.mkdir(parents=True)
    for seed, name in enumerate(BIG):
        big_film(films / name, seed, seconds=7)
    for seed, name in enumerate(SMALL):
        write_video(films / name, seed=seed)
    season = root / "드라마" / "시즌1"
    season.mkdir(parents=True)
    for n in range(1, 9):
        write_video(season / f"Our.Town.S01E{n:02d}.720p.mp4", seed=10 + n)
    album = root / "music" / "Arirang Songs"
    album.mkdir(parents=True)
    for n, title in enumerate(["Arirang", "Doraji", "Onggheya"], 1):
        write_audio(album / f"{n:02d} {title}.wav", seed=n)
    books = root / "books"
    books.mkdir()
    make_pdf(books, "Freedom 1.pdf")
    make_pdf(books, "Freedom 2.pdf")
    make_epub(books, "The Little Prince.epub")
    for side in books.glob(".img-*"):
        side.unlink()
    photos = root / "photos"
    photos.mkdir()
    make_jpeg(photos, "IMG_0001.jpg")
    for n in range(2, 9):
        noisy_photo(photos / f"IMG_000{n}.jpg", seed=n)
    return root


def test_make_on_a_real_library_fills_the_card_with_what_fits_after_conversion(tmp_path):
    library = real_library(tmp_path / "library")
    assert all((library / "films" / n).stat().st_size > 40 * MIB for n in BIG)
    originals = {p: p.read_bytes() for p in library.rglob("*") if p.is_file()}
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    added = run_cli("add", library, cwd=project)
    assert added.code == 0, added.stderr
    said = " ".join(added.stderr.split())
    assert "library/films: 5 separate items" in said
    assert "library/드라마/시즌1: series '드라마 시즌1' of 8 episodes" in said

    made = run_cli("make", "--size", CARD, cwd=project)
    assert made.code == 0, made.stderr
    image = project / "cards" / "card-01.img"
    fsck_clean(image, tmp_path)
    audited = run_cli("audit", image, cwd=project)
    assert audited.code == 0, audited.stdout + audited.stderr
    assert PLANT not in image.read_bytes()

    manifest = json.loads((project / "cards" / "card-01.manifest.json").read_text("utf-8"))
    listed = json.loads(run_cli("ls", "--json", cwd=project).stdout)
    by_id = {it["id"]: it for it in listed}
    on_card = {f["item"] for f in manifest["files"]}
    films = {it["id"] for it in listed if Path(it["path"]).parent.name == "films"}
    assert films <= on_card  # every film fits once converted, the two big ones too
    extracted = tmp_path / "extracted"
    mcopy_all(image, extracted)
    assert len([p for p in extracted.rglob("*") if p.is_file()]) == len(manifest["files"])

    # Left off only what does not fit: each item left out is larger than the free space.
    card_free = manifest["free_bytes"]
    left = [it for it in listed if it["id"] not in on_card]
    assert left, "the library is about twice the card: something must be left out"
    for it in left:
        size = it["prepared_size"] or it["size"]
        assert size > card_free, (it["path"], size, card_free)
    used = sum(f["size"] for f in manifest["files"])
    whole = used + sum(it["prepared_size"] or it["size"] for it in left)
    assert 0.3 < used / whole < 0.8
    assert all(by_id[i]["prepared_size"] for i in films)
    big = [it for it in listed if Path(it["path"]).name in BIG]
    assert len(big) == 2 and all(it["prepared_size"] < 10 * MIB for it in big)
    # The originals are untouched.
    assert {p: p.read_bytes() for p in library.rglob("*") if p.is_file()} == originals
