"""Inputs in every common container and codec come out playable on each profile."""

from __future__ import annotations

import json
from fractions import Fraction

from mediagen import Clip, audio_stream, decode_all, make_clip, video_stream

from conftest import run_cli
from sneakernet.media.probe import probe
from sneakernet.media.profiles import load_profiles

# name -> clip; each is tiny, except the one about 1080p and odd sizes.
MATRIX = {
    "h264-aac.mkv": Clip("mkv", "libx264", fps="25", acodec="aac"),
    "hevc-ac3-51.mp4": Clip("mp4", "libx265", fps="30000/1001", acodec="ac3", channels=6),
    "mpeg4-mp3-mono.avi": Clip("avi", "mpeg4", fps="25", acodec="libmp3lame", channels=1),
    "h264-60fps.mov": Clip("mov", "libx264", fps="60", acodec="aac"),
    "vp9-opus-51.mkv": Clip("mkv", "libvpx-vp9", fps="25", acodec="libopus", channels=6),
    "odd-1918x1080.mkv": Clip("mkv", "libx264", size="1918x1080", fps="25", seconds=0.4),
    "anamorphic-720x576.mkv": Clip("mkv", "libx264", size="720x576", sar="64/45", seconds=0.6),
    "four-three-640x480.mp4": Clip("mp4", "libx264", size="640x480", acodec=None),
    "interlaced-tff.mkv": Clip(
        "mkv",
        "libx264",
        size="720x576",
        sar="16/15",
        extra=("-flags", "+ilme+ildct", "-x264-params", "tff=1"),
    ),  # fmt: skip
}


def _display_aspect(clip: Clip) -> Fraction:
    w, h = (int(x) for x in clip.size.split("x"))
    sar = Fraction(clip.sar) if clip.sar else Fraction(1)
    return Fraction(w, h) * sar


def _check_against_profile(path, profile, clip: Clip) -> None:
    spec, aspec = profile.video, profile.audio
    v = video_stream(path)
    assert v.codec == spec.codec
    assert not spec.profiles or v.profile in spec.profiles, v.profile
    if spec.level is not None:
        assert v.level is not None and v.level <= spec.level + 1e-9, v.level
    assert v.width <= spec.max_width and v.height <= spec.max_height, (v.width, v.height)
    assert v.width % 2 == 0 and v.height % 2 == 0
    assert abs(Fraction(v.width, v.height) / _display_aspect(clip) - 1) < 0.02
    assert float(v.fps) <= spec.max_fps + 0.01
    if float(Fraction(clip.fps)) >= 50:
        assert abs(float(v.fps) - float(Fraction(clip.fps)) / 2) < 0.01  # 60 -> 30, evenly
    assert v.pix_fmt == spec.pix_fmt
    assert not probe(path).video[0].interlaced
    audio = audio_stream(path)
    if clip.acodec is None:
        assert audio is None
    else:
        codec, a_profile, channels, rate = audio
        assert codec == aspec.codec and channels == aspec.channels and rate == aspec.sample_rate
        if codec == "aac":
            assert a_profile == "LC"
    frames, audio_seconds = decode_all(path)
    expected = clip.seconds * min(float(Fraction(clip.fps)), spec.max_fps)
    assert abs(frames - expected) <= 2, (frames, expected)
    if clip.acodec:
        assert abs(audio_seconds - clip.seconds) < 0.15, audio_seconds


def test_every_format_becomes_a_notel_file(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    inputs = [make_clip(src / name, clip) for name, clip in MATRIX.items()]
    out = tmp_path / "out"
    result = run_cli(
        "prepare", *inputs, "-o", out, "--profile", "notel", "--cache", tmp_path / "cache", "--json"
    )
    assert result.code == 0, result.stderr
    items = {item["src"]: item for item in json.loads(result.stdout)}
    profile = load_profiles().get("notel")
    assert probe(src / "interlaced-tff.mkv").video[0].interlaced
    for name, clip in MATRIX.items():
        item = items[str(src / name)]
        assert item["status"] in ("done", "remuxed"), item
        output = out / (name.rsplit(".", 1)[0] + ".mp4")
        assert item["output"] == str(output)
        _check_against_profile(output, profile, clip)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        name.rsplit(".", 1)[0] + ".mp4" for name in MATRIX
    )


def test_phone_and_avi_profiles(tmp_path):
    clip = Clip("mkv", "libx264", size="854x480", fps="30000/1001", acodec="ac3", channels=6)
    source = make_clip(tmp_path / "film.mkv", clip)
    for name in ("phone", "notel-avi"):
        out = tmp_path / name
        result = run_cli(
            "prepare", source, "-o", out, "--profile", name, "--cache", tmp_path / "cache"
        )
        assert result.code == 0, result.stderr
        profile = load_profiles().get(name)
        output = out / f"film.{profile.extension}"
        _check_against_profile(output, profile, clip)
        if name == "notel-avi":
            import av

            with av.open(str(output)) as c:
                assert c.format.name == "avi"
                assert c.streams.video[0].codec_context.codec_tag == "XVID"


def test_phone_video_stored_turned_comes_out_upright(tmp_path):
    from mediagen import ffmpeg

    flat = make_clip(tmp_path / "flat.mp4", Clip("mp4", size="1280x720", seconds=0.4))
    turned = tmp_path / "portrait.mp4"
    ffmpeg("-display_rotation:v:0", "90", "-i", str(flat), "-c", "copy", str(turned))
    info = probe(turned)
    assert info.video[0].rotation in (90, 270)
    out = tmp_path / "out"
    result = run_cli("prepare", turned, "-o", out, "--profile", "notel",
                     "--cache", tmp_path / "cache")  # fmt: skip
    assert result.code == 0, result.stderr
    v = video_stream(out / "portrait.mp4")
    assert (v.width, v.height) == (270, 480)  # 720x1280 as shown, fitted into 720x480
    assert probe(out / "portrait.mp4").video[0].rotation == 0
