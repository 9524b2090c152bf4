"""Per-title quality: each output reaches the profile's VMAF floor, and easy films come out small.

The floor is checked on the whole output against the whole source at the
output's size, with libvmaf (an independent measurement from the search's
samples).
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mediagen import ffmpeg

from conftest import run_cli
from sneakernet.media.quality import (
    CRF_RANGE,
    MARGIN,
    REFINEMENTS,
    SEARCH_CRFS,
    fit_crf,
    plan_search,
    vmaf_score,
)

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
        "--profile-file", profile, "--cache", tmp / "cache", "-j", "1", "--json",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    reports = {Path(r["src"]).stem: r for r in json.loads(result.stdout)}
    return tmp, sources, {name: out / f"{name}.mp4" for name in sources}, reports


def test_every_output_reaches_the_floor_on_the_whole_film(prepared):
    tmp, sources, outputs, _ = prepared
    for name, output in outputs.items():
        with av.open(str(output)) as c:
            cc = c.streams.video[0].codec_context
            size = (cc.width, cc.height)
        assert size == (320, 240)
        score = vmaf_score(output, sources[name], *size, tmp)
        assert score >= FLOOR, (name, score)


def test_static_sources_come_out_much_smaller_than_high_motion(prepared):
    _, _, outputs, _ = prepared
    sizes = {name: path.stat().st_size for name, path in outputs.items()}
    assert sizes["slides"] * 5 < sizes["noise"], sizes
    assert sizes["talking"] * 2 < sizes["noise"], sizes


def test_fit_takes_the_highest_crf_predicted_to_reach_the_floor():
    points = [(20.0, 96.0), (27.0, 90.0), (34.0, 80.0)]
    crf = fit_crf(points, 88.0, margin=0.0)
    assert 27.0 <= crf <= 29.0  # 90 -> 80 over 7 CRF: 88 at 28.4
    # None reaches it: the cheapest within half a point of the best tried (96 at 20).
    assert fit_crf(points, 99.0, margin=0.0) == 20.5
    assert fit_crf([(20.0, 99.0), (34.0, 98.0)], 90.0, margin=0.0) == 34.0  # never past a sample
    # Quality that seems to rise with CRF (noise on still pictures) is not trusted.
    assert fit_crf([(20.0, 97.0), (27.0, 86.0), (34.0, 98.0)], 88.0, margin=0.0) < 27.0


def test_the_final_encode_is_measured_on_the_samples_and_reported(prepared):
    _, _, _, reports = prepared
    for report in reports.values():
        assert report["crf"] is not None and report["vmaf"] is not None, report
        # The output's samples hold what the search predicted (a whole encode of a
        # still picture does better than a 2 s sample of it: never worse)...
        assert report["vmaf"] >= FLOOR, report
        assert report["vmaf"] >= report["predicted_vmaf"] - 3, report
    # ...and the CRFs differ by source: the searched CRF reaches the encode.
    crfs = {name: r["crf"] for name, r in reports.items()}
    assert crfs["slides"] > crfs["noise"], crfs


def test_a_film_held_down_by_the_cap_is_searched_under_the_cap(tmp_path):
    """Measured without the cap, noise would be predicted to reach the floor at a CRF
    the capped final encode cannot honour: the report would promise quality the
    output has not. Measured under the cap, the prediction is what comes out."""
    src = tmp_path / "noise.mkv"
    ffmpeg("-f", "lavfi", "-i", SOURCES["noise"], "-c:v", "ffv1", "-pix_fmt", "yuv420p", str(src))
    profile = tmp_path / "capped.toml"
    profile.write_text(
        'name = "capped"\nkind = "video"\ncontainer = "mp4"\nextension = "mp4"\n'
        'subtitles = ["burn"]\n[video]\ncodec = "h264"\nencoder = "libx264"\n'
        'max_width = 320\nmax_height = 240\nmax_fps = 30\ncrf = 23\npreset = "veryfast"\n'
        f'maxrate = "150k"\nbufsize = "300k"\nvmaf_floor = {FLOOR}\ngop_seconds = 5\n'
        'threads = 1\n[audio]\ncodec = "aac"\nencoder = "aac"\nbitrate = "64k"\n',
        "utf-8",
    )
    result = run_cli(
        "prepare", src, "-o", tmp_path / "out", "--profile", "capped", "--profile-file",
        profile, "--cache", tmp_path / "cache", "-j", "1", "--json",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert report["vmaf"] >= report["predicted_vmaf"] - 3, report
    # The floor is out of reach under the cap: the cheapest CRF of the best it allows,
    # not the lowest CRF tried.
    assert report["crf"] > 14, report


def test_fit_under_a_cap_takes_the_cheapest_crf_of_the_plateau():
    capped = [(14.0, 83.0), (20.0, 82.9), (27.0, 80.0), (34.0, 75.0)]
    crf = fit_crf(capped, 90.0, margin=0.0)
    assert 20.0 <= crf <= 21.0, crf


def test_a_film_whose_samples_fail_is_still_made_at_the_profiles_crf(tmp_path, monkeypatch):
    """A file the search cannot sample (ffmpeg refuses a segment) is not lost:
    it is encoded at the profile's own CRF, and the note says why."""
    from sneakernet.media import ffmpeg as ff
    from sneakernet.media import quality, transcode
    from sneakernet.media.probe import probe
    from sneakernet.media.profiles import load_profiles

    src = tmp_path / "talking.mkv"
    ffmpeg("-f", "lavfi", "-i", SOURCES["talking"], "-c:v", "ffv1", "-pix_fmt", "yuv420p", str(src))

    def refuse(*args, **kwargs):
        raise ff.FfmpegError("ffmpeg failed (status 234): matches no streams")

    monkeypatch.setattr(quality, "search_crf", refuse)
    profile = load_profiles().get("notel")
    assert profile.video.vmaf_floor is not None  # the default profile searches per title
    info = probe(src)
    plan = transcode.make_plan(info, profile, transcode.PrepareOptions())
    dst = tmp_path / "out.mp4"
    transcode.produce(info, profile, plan, transcode.PrepareOptions(), dst, tmp_path)
    assert plan.crf is None and plan.measured_vmaf is None
    assert any("quality search failed" in note for note in plan.notes), plan.notes
    with av.open(str(dst)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 150


def test_the_notel_profile_sizes_each_film_by_its_floor(tmp_path):
    """The default profile: still slides are encoded at a higher CRF than moving
    animation, and both reach notel's floor on the whole output. (Full-frame noise
    would not: notel's bitrate cap, what its players take, holds it below.)"""
    from sneakernet.media.profiles import load_profiles

    floor = load_profiles().get("notel").video.vmaf_floor
    sources = {}
    for name in ("slides", "animation"):
        src = tmp_path / f"{name}.mkv"
        ffmpeg("-f", "lavfi", "-i", SOURCES[name], "-c:v", "ffv1", "-pix_fmt", "yuv420p", str(src))
        sources[name] = src
    out = tmp_path / "out"
    result = run_cli("prepare", *sources.values(), "-o", out, "--profile", "notel",
                     "--cache", tmp_path / "cache", "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    reports = {Path(r["src"]).stem: r for r in json.loads(result.stdout)}
    assert reports["slides"]["crf"] > reports["animation"]["crf"], reports
    for name, src in sources.items():
        output = out / f"{name}.mp4"
        assert vmaf_score(output, src, 320, 240, tmp_path) >= floor, name


def test_vmaf_ignores_colour_tags_and_compares_the_pixels(tmp_path):
    """An encode tagged BT.709 (as HandBrake tags its output) against an untagged
    source: ffmpeg would convert one between colour matrices before comparing and
    score a near copy as poor. PyAV, reading the pixels, is the oracle."""
    import numpy as np

    src = tmp_path / "talking.mkv"
    ffmpeg("-f", "lavfi", "-i", SOURCES["talking"], "-c:v", "ffv1", "-pix_fmt", "yuv420p", str(src))
    plain, tagged = tmp_path / "plain.mp4", tmp_path / "tagged.mp4"
    ffmpeg("-i", str(src), "-c:v", "libx264", "-crf", "16", "-preset", "veryfast", str(plain))
    # The same stream with BT.709 written into it: tags only, not one pixel changed.
    ffmpeg("-i", str(plain), "-c", "copy", "-bsf:v",
           "h264_metadata=colour_primaries=1:transfer_characteristics=1:matrix_coefficients=1",
           str(tagged))  # fmt: skip
    with av.open(str(tagged)) as t, av.open(str(src)) as s:
        assert t.streams.video[0].codec_context.colorspace == 1  # BT.709, the case at hand
        pairs = zip(t.decode(video=0), s.decode(video=0), strict=True)
        diff = np.mean([np.abs(a.to_ndarray().astype(int) - b.to_ndarray().astype(int)).mean()
                        for a, b in pairs])  # fmt: skip
    assert diff < 1.5, diff  # a near copy, pixel for pixel
    assert vmaf_score(tagged, src, 320, 240, tmp_path) > 90


# The search's schedule on curves of known shape: VMAF falling ever faster with
# CRF, as x264's does, from a top between 80 and 100.
curves = st.builds(
    lambda top, fall, power: lambda crf: top - fall * ((crf - 10.0) / 32.0) ** power,
    st.floats(80.0, 100.0),
    st.floats(5.0, 60.0),
    st.floats(1.0, 2.5),
)


@settings(max_examples=300, deadline=None)
@given(curves, st.floats(70.0, 97.0))
def test_the_search_reaches_the_floor_near_the_cheapest_crf_and_skips_the_far_side(curve, floor):
    asked: list[float] = []

    def measure(crf: float) -> float:
        asked.append(crf)
        return curve(crf)

    found = plan_search(measure, floor)
    target = floor + MARGIN
    low, middle, high = SEARCH_CRFS
    # The middle CRF first; then only the side of it where the floor lies.
    assert asked[0] == middle
    assert (high in asked) != (low in asked)
    assert (high in asked) == (curve(middle) >= target)
    half_steps = [CRF_RANGE[0] + k / 2 for k in range(int((CRF_RANGE[1] - CRF_RANGE[0]) * 2) + 1)]
    reaching = [c for c in half_steps if curve(c) >= target]
    if reaching and min(asked) <= max(reaching):
        # Reached on the curve itself, and at most 1.5 CRF below the cheapest that does.
        assert curve(found.crf) >= target - 1e-9
        assert found.crf >= max(reaching) - 1.5
    assert len(asked) <= 2 + 4 + REFINEMENTS  # two to start, a few widenings, the refits
