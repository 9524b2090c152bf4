"""The cache: a second run encodes nothing; a killed run resumes and leaves no partial file."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from mediagen import Clip, decode_all, make_clip

from conftest import interruptible_popen, run_cli
from sneakernet.media.cache import PART_MARK
from sneakernet.media.ffmpeg import ffmpeg_exe


def _counting_ffmpeg(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An ffmpeg stand-in that logs each call, then runs the real one."""
    log = tmp_path / "ffmpeg-calls.log"
    wrapper = tmp_path / "ffmpeg-wrapper"
    wrapper.write_text(
        f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{ffmpeg_exe()}" "$@"\n', encoding="utf-8"
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return {"IMAGEIO_FFMPEG_EXE": str(wrapper)}, log


def _calls(log: Path) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [line for line in lines if "-version" not in line]


def _partial_files(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob("*") if PART_MARK in p.name]


def test_second_run_does_no_encoding(tmp_path):
    env, log = _counting_ffmpeg(tmp_path)
    source = make_clip(tmp_path / "film.mkv", Clip(size="320x240", acodec="ac3"))
    args = ("prepare", source, "-o", tmp_path / "out", "--profile", "notel",
            "--cache", tmp_path / "cache", "--json")  # fmt: skip
    first = run_cli(*args, env=env)
    assert first.code == 0, first.stderr
    assert json.loads(first.stdout)[0]["status"] == "done"
    encoded = _calls(log)
    assert encoded, "the first run must have called ffmpeg"
    output = tmp_path / "out" / "film.mp4"
    before = output.read_bytes()
    output.unlink()
    second = run_cli(*args, env=env)
    assert second.code == 0, second.stderr
    assert json.loads(second.stdout)[0]["status"] == "cached"
    assert _calls(log) == encoded  # no new ffmpeg call
    assert output.read_bytes() == before
    # A changed option is a different output: encoded again.
    third = run_cli(*args, "--audio-lang", "eng", env=env)
    assert third.code == 0 and json.loads(third.stdout)[0]["status"] == "done"


def _slow_items(tmp_path):
    """Three items long enough to interrupt mid-run, with output and cache folders."""
    src = tmp_path / "src"
    src.mkdir()
    sources = [
        make_clip(src / f"item{n}.mkv", Clip(size="640x480", seconds=4, fps="30", acodec="ac3"))
        for n in range(3)
    ]
    return sources, tmp_path / "out", tmp_path / "cache"


def test_killed_run_resumes_without_partial_files(tmp_path):
    env, log = _counting_ffmpeg(tmp_path)
    sources, out, store = _slow_items(tmp_path)
    args = ["prepare", *map(str, sources), "-o", str(out), "--profile", "notel",
            "--cache", str(store), "--jobs", "1", "--json"]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "sneakernet", *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill it once the first item is stored and the second is being encoded.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stored = list((store / "objects").rglob("*.mp4")) if store.exists() else []
        if stored and sum("-pass" not in c and "item1" in c for c in _calls(log)) >= 1:
            break
        assert proc.poll() is None, "the run finished before it could be interrupted"
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)  # the kernel takes the orphaned encoders down with their parent
    finished_before = {p.name for p in out.iterdir()} if out.exists() else set()
    assert len(finished_before) < 3
    calls_before = len(_calls(log))
    result = run_cli(*args, env=env)
    assert result.code == 0, result.stderr
    items = json.loads(result.stdout)
    statuses = [item["status"] for item in items]
    assert statuses[0] == "cached" and statuses.count("done") >= 1, statuses
    assert not any("item0" in call for call in _calls(log)[calls_before:])
    assert sorted(p.name for p in out.iterdir()) == ["item0.mp4", "item1.mp4", "item2.mp4"]
    assert _partial_files(out, store) == []
    assert list((store / "tmp").iterdir()) == []
    for n in range(3):
        frames, _ = decode_all(out / f"item{n}.mp4")
        assert frames == 120


def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(tmp_path):
    sources, out, store = _slow_items(tmp_path)
    args = ["prepare", *map(str, sources), "-o", str(out), "--profile", "notel",
            "--cache", str(store), "--jobs", "2"]  # fmt: skip
    proc = interruptible_popen(
        [sys.executable, "-m", "sneakernet", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a terminal job
    )
    deadline = time.monotonic() + 120
    while not (store.exists() and list((store / "tmp").glob(f"*{PART_MARK}*"))):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, stderr)
    assert "Traceback" not in stderr, stderr
    assert "run the same command again" in stderr
    assert _partial_files(out, store) == []
    result = run_cli(*args)
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["item0.mp4", "item1.mp4", "item2.mp4"]
    assert _partial_files(out, store) == []
