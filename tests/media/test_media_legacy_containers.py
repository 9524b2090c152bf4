"""Old and broadcast containers (WMV, FLV, VOB, MPEG-TS, M2TS, 3GP, RealMedia) reach every video profile.

`clean` refuses or cleans these files; `make` converts them. This checks that
`prepare` reads each of them, as the bundled ffmpeg writes them, and turns it
into a file each video profile's players accept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mediagen import audio_stream, decode_all, ffmpeg, video_stream

from conftest import run_cli
from sneakernet.media.profiles import load_profiles

SECONDS = 1.0
# name -> ffmpeg output options (after the testsrc and sine inputs)
LEGACY = {
    "camera.wmv": ["-c:v", "wmv2", "-c:a", "wmav2", "-f", "asf"],
    "clip.flv": ["-c:v", "flv1", "-c:a", "libmp3lame", "-ar", "44100", "-f", "flv"],
    "stream.flv": ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-f", "flv"],
    "disc.vob": ["-c:v", "mpeg2video", "-c:a", "ac3", "-f", "vob"],
    "program.mpg": ["-c:v", "mpeg1video", "-c:a", "mp2", "-f", "mpeg"],
    "broadcast.ts": ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-f", "mpegts"],
    "camcorder.mts": ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "ac3", "-f", "mpegts",
                      "-mpegts_m2ts_mode", "1"],
    "phone.3gp": ["-s", "176x144", "-c:v", "h263", "-c:a", "libopencore_amrnb", "-ar", "8000",
                  "-ac", "1", "-f", "3gp"],
    "old.rm": ["-c:v", "rv20", "-c:a", "ac3", "-f", "rm"],
}  # fmt: skip
VIDEO_PROFILES = sorted(n for n, p in load_profiles().profiles.items() if p.kind == "video")


def _make(folder: Path, name: str) -> Path:
    path = folder / name
    ffmpeg("-f", "lavfi", "-i", f"testsrc=size=160x120:rate=25:duration={SECONDS}",
           "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
           "-pix_fmt", "yuv420p", *LEGACY[name], str(path))  # fmt: skip
    return path


@pytest.fixture(scope="module")
def legacy_inputs(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("legacy")
    return [_make(folder, name) for name in LEGACY]


def test_profiles_listed() -> None:
    assert {"notel", "notel-avi", "phone", "pc", "mp4player"} <= set(VIDEO_PROFILES)


@pytest.mark.parametrize("profile_name", VIDEO_PROFILES)
def test_legacy_containers_convert_to_every_video_profile(tmp_path, legacy_inputs, profile_name):
    profile = load_profiles().get(profile_name)
    out = tmp_path / "out"
    result = run_cli("prepare", *legacy_inputs, "-o", out, "--profile", profile_name,
                     "--cache", tmp_path / "cache", "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    items = {item["src"]: item for item in json.loads(result.stdout)}
    spec, aspec = profile.video, profile.audio
    for src in legacy_inputs:
        item = items[str(src)]
        assert item["status"] in ("done", "remuxed"), item
        output = Path(item["output"])
        assert output.suffix == "." + profile.extension
        v = video_stream(output)
        assert v.codec == spec.codec, (src.name, v.codec)
        if spec.screen_size:
            assert (v.width, v.height) == spec.screen_size
        assert v.width <= spec.max_width and v.height <= spec.max_height
        assert float(v.fps) <= spec.max_fps + 0.01 and v.pix_fmt == spec.pix_fmt
        codec, _, channels, rate = audio_stream(output)
        assert (codec, channels, rate) == (aspec.codec, aspec.channels, aspec.sample_rate)
        frames, audio_seconds = decode_all(output)
        assert abs(frames - SECONDS * min(25, spec.max_fps)) <= 2, (src.name, frames)
        assert abs(audio_seconds - SECONDS) < 0.15, (src.name, audio_seconds)
