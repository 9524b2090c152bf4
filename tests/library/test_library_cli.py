"""The library from the operator's side: init, add, ls, set, rm, plan, plan show."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from library_samples import write_audio, write_epub, write_pdf, write_video, write_zim

from conftest import assert_user_error, run_cli
from sneakernet.library.catalog import MIGRATIONS, SCHEMA_VERSION, Catalog


@pytest.fixture
def originals(tmp_path: Path) -> Path:
    src = tmp_path / "originals"
    (src / "드라마").mkdir(parents=True)
    for n in (10, 2, 1):
        write_video(src / "드라마" / f"ep{n}.mp4", seed=n)
    (src / "드라마" / ".DS_Store").write_bytes(b"debris")
    (src / "드라마" / "ep2.ko.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\n안녕\n")
    write_video(src / "film.mkv", seed=99)
    write_video(src / "disguised.txt", seed=98, fmt="matroska")  # a film under a misleading name
    write_audio(src / "song.wav")
    write_pdf(src / "book.pdf")
    write_epub(src / "novel.epub")
    write_zim(src / "wiki.zim")
    (src / "notes.txt").write_text("just text", encoding="utf-8")
    return src


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    result = run_cli("init", root)
    assert result.code == 0, result.stderr
    return root


def ls_json(project: Path) -> list[dict]:
    result = run_cli("ls", "--json", "--project", project)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_init_creates_config_catalog_and_cache(project: Path):
    assert (project / "sneakernet.toml").is_file()
    assert (project / ".sneakernet" / "cache").is_dir()
    with sqlite3.connect(project / ".sneakernet" / "catalog.sqlite") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    again = run_cli("init", project)
    assert again.code == 0 and "already" in again.stderr


def test_add_probes_kinds_by_content_and_groups_folders(project, originals):
    result = run_cli("add", originals / "드라마", "--priority", "8", "--tag", "drama", cwd=project)
    assert result.code == 0, result.stderr
    assert "ep2.ko.srt: subtitles kept with their video" in result.stderr
    names = [originals / n for n in ("film.mkv", "disguised.txt", "song.wav", "book.pdf")]
    names += [originals / n for n in ("novel.epub", "wiki.zim", "notes.txt")]
    assert run_cli("add", *names, cwd=project).code == 0
    items = {it["name"]: it for it in ls_json(project)}
    assert {it: items[it]["kind"] for it in items} == {
        "ep1.mp4": "video",
        "ep2.mp4": "video",
        "ep10.mp4": "video",
        "film.mkv": "video",
        "disguised.txt": "video",
        "song.wav": "audio",
        "book.pdf": "book",
        "novel.epub": "book",
        "wiki.zim": "encyclopedia",
        "notes.txt": "book",  # plain text is a book, as for `prepare --profile ebook`
    }
    # The folder is a series in natural order; debris is not added.
    series = sorted((it["position"], name) for name, it in items.items() if it["group"])
    assert series == [(1, "ep1.mp4"), (2, "ep2.mp4"), (3, "ep10.mp4")]
    assert all(
        it["group"] == "드라마" and it["priority"] == 8 for _, it in items.items() if it["group"]
    )
    assert items["ep1.mp4"]["tags"] == ["drama"]
    assert items["film.mkv"]["duration"] == pytest.approx(1.0, abs=0.3)
    assert items["song.wav"]["size"] == (originals / "song.wav").stat().st_size


def test_duplicate_is_reported_and_moved_file_recognised(project, originals, tmp_path):
    assert run_cli("add", originals / "film.mkv", cwd=project).code == 0
    copy = tmp_path / "copy of film.mkv"
    shutil.copy(originals / "film.mkv", copy)
    dup = run_cli("add", copy, cwd=project)
    assert dup.code == 0 and "same content as item 1" in dup.stderr
    moved = tmp_path / "renamed.mkv"
    os.rename(originals / "film.mkv", moved)
    result = run_cli("add", moved, cwd=project)
    assert result.code == 0 and "moved" in result.stderr
    items = ls_json(project)
    assert len(items) == 1 and items[0]["path"] == str(moved) and items[0]["id"] == 1


def test_project_found_from_a_subfolder_and_by_option(project, originals, tmp_path):
    deep = project / "a" / "b"
    deep.mkdir(parents=True)
    assert run_cli("add", originals / "song.wav", cwd=deep).code == 0
    assert len(ls_json(project)) == 1
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert_user_error(run_cli("ls", cwd=outside), "not inside a sneakernet project")
    assert_user_error(run_cli("ls", "--project", outside), "not a sneakernet project")


def test_set_and_rm(project, originals):
    run_cli("add", originals / "드라마", cwd=project)
    assert run_cli("set", "드라마", "--priority", "9", "--tag", "k", cwd=project).code == 0
    items = ls_json(project)
    assert {it["priority"] for it in items} == {9} and all(it["tags"] == ["k"] for it in items)
    assert run_cli("set", "2", "--untag", "k", cwd=project).code == 0
    assert [it["tags"] for it in ls_json(project) if it["id"] == 2] == [[]]
    assert run_cli("rm", "1", cwd=project).code == 0
    assert [it["id"] for it in ls_json(project)] == [2, 3]
    assert (originals / "드라마" / "ep1.mp4").exists()  # originals untouched
    assert_user_error(run_cli("rm", "77", cwd=project), "no item matches '77'")
    assert_user_error(run_cli("set", "2", cwd=project), "nothing to set")


def test_catalog_of_an_older_schema_is_migrated(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[0](db)  # the first released layout
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO items(hash, path, size, kind, priority, tags, series, episode)"
        " VALUES ('ab', '/x/ep1.mp4', 10, 'video', 7, 'drama, korean', 'show', 1)"
    )
    db.execute("INSERT INTO items(hash, path, size, kind) VALUES ('cd', '/x/b.pdf', 5, 'book')")
    db.close()
    with Catalog.open(path) as catalog:
        assert catalog.migrated_from == 1
        first, second = catalog.items()
    assert (first.group, first.position, first.tags, first.priority) == (
        "show",
        1,
        ("drama", "korean"),
        7,
    )
    assert (second.group, second.tags, second.state) == (None, (), "new")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_plan_cli_writes_plan_and_show_prints_it(project, originals, tmp_path):
    run_cli("add", originals / "드라마", "--priority", "9", cwd=project)
    run_cli("add", originals / "song.wav", originals / "book.pdf", cwd=project)
    out = tmp_path / "plan.json"
    result = run_cli("plan", "--size", "64M", "-o", out, "--json", cwd=project)
    assert result.code == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert json.loads(result.stdout) == data
    paths = [f["card_path"] for f in data["cards"][0]["files"]]
    assert "영상/드라마/ep1.mp4" in paths and "음악/song.wav" in paths and "책/book.pdf" in paths
    assert paths.index("영상/드라마/ep2.mp4") < paths.index("영상/드라마/ep10.mp4")
    assert data["gap"] <= 1e-4 and data["bound"] >= data["value"] > 0
    # No path of the originals (which name the operator's folders) in the plan.
    assert str(originals) not in out.read_text(encoding="utf-8")
    shown = run_cli("plan", "show", out)
    assert shown.code == 0 and "영상/드라마/ep10.mp4" in shown.stderr and "full" in shown.stderr


def test_plan_edge_cases(project, originals, tmp_path):
    assert_user_error(run_cli("plan", "--size", "64M", cwd=project), "library is empty")
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        f.truncate(70 * 2**20)
    run_cli("add", big, cwd=project)
    assert_user_error(
        run_cli("plan", "--size", "64M", cwd=project), "nothing fits", "big.bin", "holds"
    )
    run_cli("add", originals / "song.wav", originals / "book.pdf", cwd=project)
    os.unlink(originals / "book.pdf")
    result = run_cli("plan", "--size", "64M", "--json", cwd=project)
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    reasons = {lo["name"]: lo["reason"] for lo in data["left_out"]}
    assert "larger than the card" in reasons["big.bin"]
    assert "original missing" in reasons["book.pdf"]
    assert "book.pdf" in result.stderr  # reported to the operator
    assert [f["name"] for f in data["cards"][0]["files"]] == ["song.wav"]
    assert_user_error(run_cli("plan", "--size", "64M", "--quota", "films=5", cwd=project), "quota")
    assert_user_error(run_cli("plan", "--size", "1M", cwd=project), "too small")
    assert_user_error(run_cli("plan", "show", tmp_path / "none.json"), "cannot read plan")


def test_quota_spellings_that_need_no_quoting_mean_the_same(tmp_path):
    from sneakernet.plan.model import parse_quota

    assert parse_quota("video:max=80%") == parse_quota("video<=80%")
    assert parse_quota("book:min=5%") == parse_quota("book>=5%") == parse_quota("book=5%")
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    (tmp_path / "a.txt").write_text("자유\n", encoding="utf-8")
    assert run_cli("add", tmp_path / "a.txt", cwd=project).code == 0
    # Through a real shell, unquoted, as the README writes it.
    proc = subprocess.run(
        ["/bin/sh", "-c", f"{sys.executable} -m sneakernet plan --size 64M --quota video:max=80%"],
        cwd=project, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert_user_error(run_cli("plan", "--quota", "video:most=8%", cwd=project), "KIND:max=P%")
