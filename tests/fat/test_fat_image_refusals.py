"""Every refusal of `image build`: one clear line, exit status 2, no image left behind."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import CliResult, assert_user_error, require_tool, run_cli


def small_tree(root: Path) -> Path:
    (root / "series").mkdir(parents=True)
    (root / "series" / "ep1.mp4").write_bytes(b"x" * 1000)
    (root / "notes.txt").write_bytes(b"hello")
    return root


def refused(src: Path, tmp_path: Path, *args: str, fragments: tuple[str, ...]) -> None:
    out = tmp_path / "out" / "card.img"
    out.parent.mkdir(exist_ok=True)
    result = run_cli("image", "build", src, "-o", out, *args)
    assert_user_error(result, *fragments)
    assert list(out.parent.iterdir()) == [], "nothing may be left behind"


@pytest.fixture
def src(tmp_path: Path) -> Path:
    return small_tree(tmp_path / "src")


def test_file_of_4_gib(src: Path, tmp_path: Path):
    with open(src / "huge.mkv", "wb") as f:
        f.truncate(4 * 1024**3)  # sparse: costs no disk
    refused(src, tmp_path, "--size", "8G", fragments=("huge.mkv", "4 GiB", "split"))


def test_content_does_not_fit_says_by_how_much(src: Path, tmp_path: Path):
    big = src / "big.bin"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024)
    out = tmp_path / "card.img"
    result = run_cli("image", "build", src, "-o", out, "--size", "48M")
    assert_user_error(result, "does not fit", "remove")
    assert not out.exists()
    shortfall = int(re.search(r"remove (\d+) bytes", result.stderr).group(1))
    # The figure is exact: one cluster less is still too much, the figure itself fits to the byte.
    os.truncate(big, 50 * 1024 * 1024 - shortfall + 512)
    assert_user_error(
        run_cli("image", "build", src, "-o", out, "--size", "48M"), "remove 512 bytes"
    )
    os.truncate(big, 50 * 1024 * 1024 - shortfall)
    result = run_cli("image", "build", src, "-o", out, "--size", "48M", "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["free_bytes"] == 0


def test_size_too_small_and_too_large(src: Path, tmp_path: Path):
    refused(src, tmp_path, "--size", "20M", fragments=("too small for FAT32", "at least"))
    refused(src, tmp_path, "--size", "3TB", fragments=("too large for FAT32",))
    refused(src, tmp_path, "--size", "48M", "--cluster-size", "32768", fragments=("too small",))
    refused(
        src, tmp_path, "--size", "48M", "--cluster-size", "3000", fragments=("cluster size 3000",)
    )
    refused(src, tmp_path, "--size", "lots", fragments=("cannot read size",))


def test_symlink_without_follow(src: Path, tmp_path: Path):
    (src / "link.txt").symlink_to(src / "notes.txt")
    refused(
        src, tmp_path, "--size", "48M", fragments=("link.txt", "symbolic link", "--follow-symlinks")
    )


def test_broken_symlink_and_loops_with_follow(src: Path, tmp_path: Path):
    (src / "gone.txt").symlink_to(src / "nowhere")
    refused(src, tmp_path, "--size", "48M", "--follow-symlinks", fragments=("gone.txt", "broken"))
    (src / "gone.txt").unlink()
    (src / "series" / "up").symlink_to(src)
    refused(
        src, tmp_path, "--size", "48M", "--follow-symlinks", fragments=("series/up", "links back")
    )


def test_pipe_is_refused(src: Path, tmp_path: Path):
    os.mkfifo(src / "pipe")
    refused(src, tmp_path, "--size", "48M", fragments=("pipe", "not a regular file"))


def _run_unprivileged(args: list[str], workdir: Path) -> CliResult:
    """Run the CLI as an unprivileged user, so that file permissions apply (root reads all)."""
    if os.geteuid() != 0:
        return run_cli(*args)
    setpriv = require_tool("setpriv")
    proc = subprocess.run(
        [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--",
         sys.executable, "-m", "sneakernet", *args],
        capture_output=True, text=True, cwd=workdir,
    )  # fmt: skip
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def test_unreadable_file_and_folder():
    # A world-traversable folder of our own: the unprivileged user must reach it.
    base = Path(tempfile.mkdtemp(prefix="fat-unreadable-"))
    try:
        base.chmod(0o777)
        src = small_tree(base / "src")
        for path in [src, *src.rglob("*")]:
            path.chmod(0o777 if path.is_dir() else 0o666)
        out_dir = base / "out"
        out_dir.mkdir(mode=0o777)
        out_dir.chmod(0o777)
        secret = src / "secret.txt"
        secret.write_bytes(b"x")
        secret.chmod(0)
        args = ["image", "build", str(src), "-o", str(out_dir / "c.img"), "--size", "48M"]
        result = _run_unprivileged(args, base)
        assert_user_error(result, "cannot read 'secret.txt'")
        secret.chmod(0o666)
        (src / "locked").mkdir()
        (src / "locked").chmod(0)
        result = _run_unprivileged(args, base)
        assert_user_error(result, "cannot read folder 'locked'")
        assert list(out_dir.iterdir()) == []
    finally:
        for path in base.rglob("*"):
            path.chmod(0o777)
        shutil.rmtree(base)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("what?.txt", "forbids ('?')"),
        ("a:b.txt", "forbids (':')"),
        ("tab\there.txt", "forbids ('\\t')"),
        ("dot at end.", "ends in a dot or space"),
        ("space at end ", "ends in a dot or space"),
    ],
)
def test_names_fat_cannot_hold(src: Path, tmp_path: Path, name: str, fragment: str):
    (src / "series" / name).write_bytes(b"x")
    refused(
        src,
        tmp_path,
        "--size",
        "48M",
        fragments=(repr(f"series/{name}")[:20], fragment, "--fix-names"),
    )


def test_names_differing_only_in_case(src: Path, tmp_path: Path):
    (src / "series" / "EP1.mp4").write_bytes(b"y")
    refused(src, tmp_path, "--size", "48M", fragments=("EP1.mp4", "ep1.mp4", "only in case"))


def test_too_many_entries_in_one_folder(src: Path, tmp_path: Path):
    crowded = src / "crowded"
    crowded.mkdir()
    stem = "a long name that takes six directory slots of 32 bytes"
    for i in range(11_000):  # 6 slots each: more than FAT's 65536
        (crowded / f"{stem} {i:05d}").touch()
    refused(src, tmp_path, "--size", "48M", fragments=("crowded", "too many entries"))


def test_bad_options(src: Path, tmp_path: Path):
    order = tmp_path / "order.txt"
    order.write_text("series/ep9.mp4\n")
    refused(
        src, tmp_path, "--size", "48M", "--order", order, fragments=("series/ep9.mp4", "not in SRC")
    )
    order.write_text("../escape\n")
    refused(src, tmp_path, "--size", "48M", "--order", order, fragments=("not a path relative",))
    refused(src, tmp_path, "--size", "48M", "--serial", "xyz", fragments=("--serial",))
    refused(src, tmp_path, "--size", "48M", "--label", "far too long a label", fragments=("label",))
    refused(src, tmp_path, "--size", "48M", "--label", "한국", fragments=("label",))
    refused(src, tmp_path, "--size", "48M", "--timestamp", "yesterday", fragments=("ISO 8601",))
    refused(src, tmp_path, "--size", "48M", "--timestamp", "1970-01-01", fragments=("1980-2107",))
    refused(tmp_path / "missing", tmp_path, "--size", "48M", fragments=("is not a folder",))


def test_output_inside_source_or_a_non_file(src: Path, tmp_path: Path):
    result = run_cli("image", "build", src, "-o", src / "card.img", "--size", "48M")
    assert_user_error(result, "inside SRC")
    assert not (src / "card.img").exists()
    result = run_cli("image", "build", src, "-o", "/dev/null", "--size", "48M")
    assert_user_error(result, "not a regular file")
    result = run_cli("image", "build", src, "-o", tmp_path / "no" / "card.img", "--size", "48M")
    assert_user_error(result, "does not exist")


def test_refusal_keeps_an_existing_image(src: Path, tmp_path: Path):
    out = tmp_path / "card.img"
    assert run_cli("image", "build", src, "-o", out, "--size", "48M").code == 0
    before = out.read_bytes()
    (src / "bad?.txt").write_bytes(b"x")
    assert_user_error(run_cli("image", "build", src, "-o", out, "--size", "48M"), "bad?.txt")
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.img", "src"]
