"""The README as a new user meets it: a fresh clone, `make demo`, the first card.

The repository is cloned into an empty folder (nothing beside it), `make
demo` sets it up from the lock, and the commands of "A card from start to
finish" run in a shell exactly as written there, against a library shaped
like the README's (`~/library/films`, `drama-s1`, `books`). Two changes
only, both to keep the test small: the card size is 256MB instead of 16GB,
and the device commands (`probe`, `write`) are left to the device tests.
Then a second virtual environment is installed from the same lock and builds
the same card again: the image must be byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

SMALL_CARD = "256MB"
DEVICE_COMMANDS = ("sneakernet probe", "sneakernet write")


def first_card_commands() -> list[str]:
    """The shell lines of the README's "A card from start to finish"."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## A card from start to finish", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    lines = [line for line in block.splitlines() if line.strip()]
    return [
        line.replace("16GB", SMALL_CARD) for line in lines if not line.startswith(DEVICE_COMMANDS)
    ]


def run(cmd: list[str] | str, cwd: Path, env: dict, timeout: float = 1200) -> str:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
        shell=isinstance(cmd, str), executable="/bin/bash" if isinstance(cmd, str) else None,
    )  # fmt: skip
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout + proc.stderr


def make_library(python: Path, home: Path, env: dict) -> None:
    """Two films, a drama season of three episodes and two books, as a user keeps them."""
    script = """
import sys
from pathlib import Path
from sneakernet.demo_library import write_epub, write_pdf, write_video
lib = Path(sys.argv[1])
for folder in ("films", "drama-s1", "books"):
    (lib / folder).mkdir(parents=True)
write_video(lib / "films" / "The Sea (1998).mp4", seed=11, title="The Sea")
write_video(lib / "films" / "Mountain Road.mp4", seed=12, title="Mountain Road")
for n in (1, 2, 3):
    write_video(lib / "drama-s1" / f"Drama S01E0{n}.mp4", seed=20 + n, title=f"episode {n}")
write_pdf(lib / "books" / "Freedom.pdf")
write_epub(lib / "books" / "The Little Prince.epub")
"""
    run([str(python), "-c", script, str(home / "library")], home, env)


def sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@pytest.mark.timeout(2400)
def test_readme_from_a_fresh_clone_gives_the_same_card_from_two_fresh_installs(tmp_path):
    if shutil.which("git") is None or shutil.which("make") is None:
        pytest.fail("git and make are needed to run the README; apt-get install git make")
    alone = tmp_path / "alone"  # the clone has nothing beside it
    alone.mkdir()
    clone = alone / "sneakernet"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=300)
    assert sorted(p.name for p in alone.iterdir()) == ["sneakernet"]
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    # A new user's home; pip may reuse the machine's download cache (same hashes).
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    env["HOME"] = str(home)
    env["PATH"] = ":".join(p for p in env["PATH"].split(":") if ".venv" not in p)

    out = run(["make", "demo"], clone, env)
    assert "audit: clean" in out and "rebuilt from scratch: identical" in out
    make_library(clone / ".venv" / "bin" / "python", home, env)

    def first_card(venv: str, where: Path) -> Path:
        where.mkdir()
        script = "set -e\n. " + str(clone / venv / "bin" / "activate") + "\n"
        script += "\n".join(first_card_commands()) + "\n"
        run(script, where, env)  # `set -e`: any command that fails fails the test
        return where / "cards" / "cards" / "card-01.img"

    image = first_card(".venv", home / "first")
    audit = run([str(clone / ".venv" / "bin" / "sneakernet"), "audit", image], image.parent, env)
    assert audit.startswith("0 finding(s)")
    manifest = json.loads(image.with_name("card-01.manifest.json").read_text(encoding="utf-8"))
    tools = manifest["toolchain"]
    assert {"sneakernet", "ffmpeg", "x264", "pikepdf", "qpdf", "av"} <= set(tools)
    data = image.read_bytes()
    for trace in ("x264 - core", "Lavf", "Lavc", str(home)):
        assert trace.encode() not in data  # tool versions stay in the operator's manifest

    run(["make", "venv", "VENV=.venv-second"], clone, env)
    again = first_card(".venv-second", home / "second")
    assert sha256(again) == sha256(image)
