"""Folders as libraries hold them: films apart, seasons and albums as series."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from library_samples import write_audio, write_epub, write_pdf, write_video

from conftest import assert_user_error, run_cli
from sneakernet.library.catalog import MIGRATIONS, Catalog
from sneakernet.library.grouping import decide, episode_number

FILMS = ["The Sea (1998).mp4", "127 Hours.mp4", "바다로 가자.mkv", "300 (2006).avi",
         "Winter Sonata - Director's Cut.mp4"]  # fmt: skip


def real_library(root: Path) -> Path:
    """Shaped like a group's library: films, a season, an album, books, photos."""
    for n, name in enumerate(FILMS):
        write_video((root / "films").joinpath(name) if (root / "films").is_dir()
                    else _mkdir(root / "films") / name, seed=n)  # fmt: skip
    season = _mkdir(root / "드라마" / "시즌1")
    for n in range(1, 9):
        write_video(season / f"Our.Town.S01E{n:02d}.720p.mp4", seed=10 + n)
    album = _mkdir(root / "music" / "Arirang Songs")
    for n, title in enumerate(["Arirang", "Doraji", "Onggheya"], 1):
        write_audio(album / f"{n:02d} {title}.wav", seed=n)
    books = _mkdir(root / "books")
    write_pdf(books / "Freedom 1.pdf", "one")
    write_pdf(books / "Freedom 2.pdf", "two")  # numbered, but books are never episodes
    write_epub(books / "The Little Prince.epub")
    photos = _mkdir(root / "photos")
    for n in (1, 2, 3):
        (photos / f"IMG_000{n}.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes([n]) * 200)
    return root


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def items(project: Path) -> list[dict]:
    listed = run_cli("ls", "--json", cwd=project)
    assert listed.code == 0, listed.stderr
    return json.loads(listed.stdout)


def test_add_of_a_library_root_groups_seasons_and_albums_only(tmp_path):
    library = real_library(tmp_path / "library")
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    added = run_cli("add", library, cwd=project)
    assert added.code == 0, added.stderr
    said = " ".join(added.stderr.split())
    assert "library/films: 5 separate items (no episode numbering in the names)" in said
    assert "library/드라마/시즌1: series '드라마 시즌1' of 8 episodes" in said
    assert "library/music/Arirang Songs: series 'Arirang Songs' of 3 episodes" in said
    assert "library/books: 3 separate items" in said
    assert "library/photos: 3 separate items" in said
    found = items(project)
    by_name = {Path(it["path"]).name: it for it in found}
    assert all(by_name[name]["group"] is None for name in FILMS)
    season = sorted(
        (it for it in found if it["group"] == "드라마 시즌1"), key=lambda it: it["position"]
    )
    assert [Path(it["path"]).name for it in season] == [
        f"Our.Town.S01E{n:02d}.720p.mp4" for n in range(1, 9)
    ]
    assert [it["position"] for it in season] == list(range(1, 9))
    assert {it["group"] for it in found} == {None, "드라마 시즌1", "Arirang Songs"}


def test_series_overrides_and_set_group_afterwards(tmp_path):
    library = real_library(tmp_path / "library")
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    forced = run_cli("add", library / "films", "--series", cwd=project)
    assert forced.code == 0, forced.stderr
    assert {it["group"] for it in items(project)} == {"films"}
    loose = run_cli("add", library / "드라마", "--no-series", cwd=project)
    assert loose.code == 0 and "8 separate items (--no-series)" in " ".join(loose.stderr.split())
    assert run_cli("set", "films", "--ungroup", cwd=project).code == 0
    assert {it["group"] for it in items(project)} == {None}
    ids = [str(it["id"]) for it in items(project) if "S01E0" in it["path"]][:3]
    assert run_cli("set", *ids, "--group", "Our Town", cwd=project).code == 0
    grouped = sorted((it for it in items(project) if it["group"]), key=lambda it: it["position"])
    assert [Path(it["path"]).name[:15] for it in grouped] == [
        "Our.Town.S01E01", "Our.Town.S01E02", "Our.Town.S01E03"
    ]  # fmt: skip
    assert_user_error(run_cli("set", ids[0], "--group", "x", "--ungroup", cwd=project), "not both")


def test_catalog_with_folder_groups_migrates_to_episode_groups(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:2]:
        migration(db)
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO groups(id, name) VALUES (1, 'films'), (2, 'Drama S1'), (3, 'drama')")
    rows = [
        ("a", "/lib/films/The Sea.mp4", 1, 1), ("b", "/lib/films/Mountain Road.mp4", 1, 2),
        ("c", "/lib/x/Picked One.mp4", 2, 1), ("d", "/lib/y/Picked Two.mp4", 2, 2),
        ("e", "/lib/drama/drama 1회.mp4", 3, 1), ("f", "/lib/drama/drama 2회.mp4", 3, 2),
        ("g", "/lib/drama/making of.mp4", 3, 3),
    ]  # fmt: skip
    for digest, where, group, position in rows:
        db.execute(
            "INSERT INTO items(hash, path, size, kind, group_id, position)"
            " VALUES (?, ?, 1, 'video', ?, ?)",
            (digest, where, group, position),
        )
    db.close()
    with Catalog.open(path) as catalog:
        groups = {Path(it.path).name: it.group for it in catalog.items()}
    assert groups == {
        "The Sea.mp4": None, "Mountain Road.mp4": None,  # a folder of films, guessed
        "Picked One.mp4": "Drama S1", "Picked Two.mp4": "Drama S1",  # named by the user
        "drama 1회.mp4": "drama", "drama 2회.mp4": "drama", "making of.mp4": None,
    }  # fmt: skip


MARKERS = ["Show.S01E{n:02d}", "Show {n}x{n:02d}", "쇼 {n}회", "쇼 제{n}화", "EP{n:02d} 쇼",
           "Show - Episode {n}", "쇼 第{n}集", "Show {n:03d}"]  # fmt: skip


@given(
    marker=st.sampled_from(MARKERS),
    numbers=st.sets(st.integers(1, 99), min_size=2, max_size=12),
    suffix=st.sampled_from([".mp4", ".mkv", ".avi", ".mp3"]),
)
def test_numbered_episodes_are_one_series_in_number_order(marker, numbers, suffix):
    root = Path("/lib/show")
    files = [root / (marker.format(n=n) + suffix) for n in sorted(numbers, key=str)]
    (decision,) = decide(root, files)
    assert decision.group == "show" and not decision.separate
    assert [episode_number(p.name) or int(p.stem.split()[-1]) for p in decision.episodes] == sorted(
        numbers
    )


TITLE = st.text(alphabet="abcdefghij 가나다라마", min_size=1, max_size=12).filter(str.strip)


@given(titles=st.sets(TITLE, min_size=2, max_size=8), suffix=st.sampled_from([".mp4", ".mkv"]))
def test_titles_without_numbers_stay_separate(titles, suffix):
    root = Path("/lib/films")
    names = {t.strip() + suffix for t in titles}
    files = [root / n for n in names if not n.startswith(".")]
    decisions = decide(root, files)
    assert all(d.group is None and len(d.separate) == len(files) for d in decisions)


@given(numbers=st.sets(st.integers(1, 9999), min_size=2, max_size=10))
def test_pictures_and_books_are_never_episodes(numbers):
    root = Path("/lib/photos")
    files = [root / f"IMG_{n:04d}.jpg" for n in numbers] + [root / f"Vol {n}.pdf" for n in numbers]
    (decision,) = decide(root, files)
    assert decision.group is None and len(decision.separate) == len(files)


def test_two_albums_of_the_same_name_stay_two_series(tmp_path):
    for artist in ("Kim", "Lee"):
        album = _mkdir(tmp_path / "music" / artist / "Greatest Hits")
        for n in (1, 2):
            write_audio(album / f"0{n} Song {artist}{n}.wav", seed=n + 10 * ord(artist[0]))
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    assert run_cli("add", tmp_path / "music" / "Kim", cwd=project).code == 0
    assert run_cli("add", tmp_path / "music", cwd=project).code == 0  # Kim again, and Lee
    groups = {}
    for it in items(project):
        groups.setdefault(it["group"], []).append((it["position"], Path(it["path"]).name))
    assert groups == {
        "Greatest Hits": [(1, "01 Song Kim1.wav"), (2, "02 Song Kim2.wav")],
        "Lee Greatest Hits": [(1, "01 Song Lee1.wav"), (2, "02 Song Lee2.wav")],
    }
