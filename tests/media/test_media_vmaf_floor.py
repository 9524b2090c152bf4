"""Per-title quality: each output reaches the profile's VMAF floor, and easy films come out small.

The floor is checked on the whole output against the whole source at the
output's size, with libvmaf (an independent measurement from the search's
samples).
"""

from __future__ import annotations

import av
import pytest
from mediagen import ffmpeg

from conftest import run_cli
from sneakernet.media.quality import fit_crf, vmaf_score

FLOOR = 88.0
SOURCES = {
    # static slides: two still pictures
    "slides": "color=c=navy:size=320x240:rate=25:duration=6,"
    "drawbox=x=20:y=20:w=280:h=40:color=white:t=fill,"
    "drawbox=x=20:y=80:w=200:h=20:color=yellow:t=fill",
    # talking head: a small moving patch on a still background
    "talking": "testsrc2=size=320x240:rate=25:duration=6,crop=320:240,boxblur=8,eq=contrast=0.6",
    # high motion: full-frame temporal noise over moving patterns
    "noise": "testsrc2=size=320x240:rate=25:duration=6,noise=alls=40:allf=t+u",
    # animation: flat colours that move
    "animation": "mandelbrot=size=320x240:rate=25,trim=duration=6",
}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vmaf")
    profile = tmp / "floor.toml"
    profile.write_text(
        'name = "floor"\nkind = "video"\ncontainer = "mp4"\nextension = "mp4"\n'
        'subtitles = ["burn"]\n'
        "[video]\n"
        'codec = "h264"\nencoder = "libx264"\nmax_width = 320\nmax_height = 240\n'
        'max_fps = 30\ncrf = 23\npreset = "veryfast"\nencoder_profile = "main"\n'
        f"vmaf_floor = {FLOOR}\ngop_seconds = 5\nthreads = 1\n"
        "[audio]\n"
        'codec = "aac"\nencoder = "aac"\nbitrate = "64k"\n',
        "utf-8",
    )
    sources = {}
    for name, graph in SOURCES.items():
        src = tmp / f"{name}.mkv"
        ffmpeg("-f", "lavfi", "-i", graph, "-c:v", "ffv1", "-pix_fmt", "yuv420p", str(src))
        sources[name] = src
    out = tmp / "out"
    result = run_cli(
        "prepare", *sources.values(), "-o", out, "--profile", "floor",
        "--profile-file", profile, "--cache", tmp / "cache", "-j", "1",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    return tmp, sources, {name: out / f"{name}.mp4" for name in sources}


def test_every_output_reaches_the_floor_on_the_whole_film(prepared):
    tmp, sources, outputs = prepared
    for name, output in outputs.items():
        with av.open(str(output)) as c:
            cc = c.streams.video[0].codec_context
            size = (cc.width, cc.height)
        assert size == (320, 240)
        score = vmaf_score(output, sources[name], *size, tmp)
        assert score >= FLOOR, (name, score)


def test_static_sources_come_out_much_smaller_than_high_motion(prepared):
    _, _, outputs = prepared
    sizes = {name: path.stat().st_size for name, path in outputs.items()}
    assert sizes["slides"] * 5 < sizes["noise"], sizes
    assert sizes["talking"] * 2 < sizes["noise"], sizes


def test_fit_takes_the_highest_crf_predicted_to_reach_the_floor():
    points = [(20.0, 96.0), (27.0, 90.0), (34.0, 80.0)]
    crf = fit_crf(points, 88.0, margin=0.0)
    assert 27.0 <= crf <= 29.0  # 90 -> 80 over 7 CRF: 88 at 28.4
    assert fit_crf(points, 99.0, margin=0.0) == 20.0  # none reaches it: the lowest tried
    assert fit_crf([(20.0, 99.0), (34.0, 98.0)], 90.0, margin=0.0) == 34.0  # never past a sample
    # Quality that seems to rise with CRF (noise on still pictures) is not trusted.
    assert fit_crf([(20.0, 97.0), (27.0, 86.0), (34.0, 98.0)], 88.0, margin=0.0) < 27.0
