"""Paces: `--pace NAME` encodes with the x264 preset the profile lists for it.

x264's option string (which would name the preset) is stripped from every
output on purpose, so the preset is read from the ffmpeg command lines
prepare runs (an ffmpeg stand-in logs them) and from `prepare --json`; the
outputs are decoded with PyAV.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from mediagen import Clip, decode_all, make_clip
from test_media_cache import _calls, _counting_ffmpeg

from conftest import assert_user_error, run_cli
from sneakernet import toolchain

FRAMES = 50  # 2 s at 25 fps


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pace")
    return make_clip(folder / "clip.mkv", Clip(size="160x120", seconds=2))


def _prepare(clip: Path, out: Path, cache: Path, *extra, env=None):
    result = run_cli(
        "prepare", clip, "-o", out, "--cache", cache, "--json", *extra, env=env
    )  # fmt: skip
    assert result.code == 0, result.stderr
    (report,) = json.loads(result.stdout)
    return report, result


def _presets(calls: list[str]) -> set[str]:
    return {m for line in calls for m in re.findall(r"-preset (\S+)", line)}


def test_rush_encodes_with_its_preset_and_the_same_frames(clip, tmp_path):
    env, log = _counting_ffmpeg(tmp_path)
    cache = tmp_path / "cache"
    normal, _ = _prepare(clip, tmp_path / "normal", cache, "--profile", "notel", env=env)
    normal_calls = _calls(log)
    rush, _ = _prepare(
        clip, tmp_path / "rush", cache, "--profile", "notel", "--pace", "rush", env=env
    )  # fmt: skip
    rush_calls = _calls(log)[len(normal_calls) :]
    assert (normal["pace"], normal["preset"]) == ("normal", "faster")
    assert (rush["pace"], rush["preset"]) == ("rush", "veryfast")
    assert _presets(normal_calls) == {"faster"}
    assert _presets(rush_calls) == {"veryfast"}
    fast, slow = Path(rush["output"]), Path(normal["output"])
    assert fast.read_bytes() != slow.read_bytes()
    assert decode_all(fast)[0] == decode_all(slow)[0] == FRAMES


def test_the_cache_keeps_one_output_per_pace(clip, tmp_path):
    env, log = _counting_ffmpeg(tmp_path)
    cache = tmp_path / "cache"
    args = ("--profile", "phone")
    first, _ = _prepare(clip, tmp_path / "a", cache, *args, env=env)
    assert first["status"] == "done"
    encoded = len(_calls(log))
    patient, _ = _prepare(clip, tmp_path / "b", cache, *args, "--pace", "patient", env=env)
    assert patient["status"] == "done" and patient["preset"] == "slow"
    assert len(_calls(log)) > encoded  # a different pace: encoded again
    encoded = len(_calls(log))
    again, _ = _prepare(clip, tmp_path / "c", cache, *args, "--pace", "patient", env=env)
    assert again["status"] == "cached" and again["preset"] == "slow"
    normal, _ = _prepare(clip, tmp_path / "d", cache, *args, "--pace", "normal", env=env)
    assert normal["status"] == "cached" and normal["preset"] == "faster"
    assert len(_calls(log)) == encoded  # the same paces: nothing encoded
    assert Path(again["output"]).read_bytes() == Path(patient["output"]).read_bytes()
    assert Path(normal["output"]).read_bytes() == Path(first["output"]).read_bytes()


def test_unknown_pace_is_refused_before_any_work(clip, tmp_path):
    out = tmp_path / "out"
    result = run_cli("prepare", clip, "-o", out, "--profile", "notel", "--pace", "hasty",
                     "--cache", tmp_path / "cache")  # fmt: skip
    assert_user_error(result, "'hasty'", "normal", "rush", "patient")
    assert not (out / "clip.mp4").exists()
    assert not out.exists()


@pytest.mark.parametrize(
    "video",
    [
        'preset = "fastest"',
        'preset = "faster"\npaces = { rush = "turbo" }',
        'preset = "faster"\npaces = { normal = "slow" }',
        'preset = "faster"\npaces = "slow"',
    ],
)
def test_a_profile_file_with_a_bad_preset_is_refused(clip, tmp_path, video):
    profile = tmp_path / "bad.toml"
    profile.write_text(
        'name = "bad"\nkind = "video"\ncontainer = "mp4"\n'
        '[video]\ncodec = "h264"\nencoder = "libx264"\nmax_width = 160\nmax_height = 120\n'
        f"max_fps = 25\ncrf = 30\n{video}\n"
        '[audio]\ncodec = "aac"\nencoder = "aac"\nbitrate = "64k"\n',
        "utf-8",
    )
    out = tmp_path / "out"
    result = run_cli("prepare", clip, "-o", out, "--profile", "bad", "--profile-file", profile,
                     "--cache", tmp_path / "cache")  # fmt: skip
    assert_user_error(result, str(profile))
    assert not out.exists()


def test_a_profile_without_x264_takes_a_pace_as_a_no_op(clip, tmp_path):
    cache = tmp_path / "cache"
    plain, _ = _prepare(clip, tmp_path / "plain", cache, "--profile", "mp4player")
    rush, result = _prepare(
        clip, tmp_path / "rush", cache, "--profile", "mp4player", "--pace", "rush"
    )  # fmt: skip
    assert "mp4player" in result.stderr and "changes nothing" in result.stderr
    assert (rush["pace"], rush["preset"]) == ("normal", None)
    assert rush["status"] == "cached"  # the very same encode
    assert Path(rush["output"]).read_bytes() == Path(plain["output"]).read_bytes()


def _set(project: Path, line: str) -> None:
    config = project / "sneakernet.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r'(?m)^pace = ".*"$', line, text), "utf-8")


def _films(folder: Path) -> list[Path]:
    """The prepared films (beside each: a hidden note of the VMAF measured on it)."""
    return [p for p in folder.iterdir() if not p.name.startswith(".")]


def test_make_prepares_at_the_project_pace_and_the_flag_wins(tmp_path):
    films = tmp_path / "films"
    films.mkdir()
    make_clip(films / "film.mkv", Clip(size="160x120", seconds=2))
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    assert run_cli("add", films / "film.mkv", cwd=project).code == 0
    cache = project / ".sneakernet" / "cache"
    _set(project, 'pace = "rush"')
    rushed = run_cli("make", "--size", "48M", cwd=project)
    assert rushed.code == 0, rushed.stderr
    (fast,) = _films(toolchain.prepared_folder(cache, "notel", "rush"))
    assert not toolchain.prepared_folder(cache, "notel").exists()
    normal = run_cli("make", "--size", "48M", "--pace", "normal", cwd=project)
    assert normal.code == 0, normal.stderr
    (plain,) = _films(toolchain.prepared_folder(cache, "notel"))
    assert fast.read_bytes() != plain.read_bytes()
    assert decode_all(fast)[0] == decode_all(plain)[0] == FRAMES
    card = (project / "cards" / "card-01.img").read_bytes()
    assert plain.read_bytes() in card and fast.read_bytes() not in card
    refused = run_cli("make", "--size", "48M", "--pace", "hasty", cwd=project)
    assert_user_error(refused, "'hasty'", "rush")
    _set(project, 'pace = "hasty"')
    refused = run_cli("make", "--size", "48M", cwd=project)
    assert_user_error(refused, "sneakernet.toml", "'hasty'")
