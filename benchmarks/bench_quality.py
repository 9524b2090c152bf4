"""Hours per 16 GB card at equal quality: per-title encodes against HandBrake and fixed CRF 23.

Four generated sources of three minutes each, of different complexity (static
slides, a talking head, high-motion noise, animation), 480p, each with a tone:

- HandBrake `-Z "Very Fast 480p30"` encodes each; its VMAF against the source
  (libvmaf, at the output size, every third frame) is the quality to match;
- ours, per title: the notel profile with `vmaf_floor` set so that the
  search aims at HandBrake's VMAF on that source (`media.quality`);
- ours at the notel profile's fixed CRF 23, whatever the source.

Hours per card = card bytes / (bytes per second of the mix), for each of the
three; the ratio ours / HandBrake is the figure to beat (>= 1.3x), in at most
1.5x HandBrake's encode time (wall, the whole `prepare` run against the whole
HandBrake run). The search's sample encodes cost the same for a three-minute
source as for a film, so the sources are long enough for that fixed cost to
weigh about as it does on short films; the same projected to 90-minute films
is printed beside it. The VMAF each output reaches is printed beside it, so
"equal quality" can be checked; the lowest difference ours - HandBrake's in
the mix is printed too. The noise in the mix is grain and motion HandBrake
codes at about 1.3 Mbit/s. Heavier noise (HandBrake spends 12 Mbit/s on it,
20 s of it) is shown apart and not counted: notel's bitrate cap, what its
players take, holds it far below HandBrake's quality, so no encode for these
players can match it and "equal quality" has no meaning there. Prepare's own
overhead over bare ffmpeg is held in bench_media, on a 60 s source.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_media import _ffmpeg, _run
from benchmarks.common import Result, drop_caches, notel_variant
from sneakernet.media.probe import probe
from sneakernet.media.quality import MARGIN, vmaf_score

SECONDS = 180  # long enough that the search's fixed cost weighs about as on films
HEAVY_SECONDS = 20
CARD_BYTES = 16 * 10**9
SIZE = "720x480"
SOURCES = {
    "slides": f"color=c=navy:size={SIZE}:rate=25:duration={{d}},"
    "drawbox=x=40:y=40:w=560:h=60:color=white:t=fill,"
    "drawbox=x=40:y=140:w=400:h=30:color=yellow:t=fill,"
    "drawtext=text='%{eif\\:floor(t/5)\\:d}':x=60:y=220:fontsize=60:fontcolor=white",
    "talking": f"testsrc2=size={SIZE}:rate=25:duration={{d}},boxblur=8,eq=contrast=0.6",
    "noise": f"testsrc2=size={SIZE}:rate=25:duration={{d}},noise=alls=8:allf=t+u",
    # The first 23 s of the zoom, over and over: further in, the set's detail
    # grows past what notel's cap allows (HandBrake spent 8.5 Mbit/s on two
    # minutes of it), and that is the heavy noise's case, not animation's. 23 s,
    # not 20: the search's samples, 60 s apart, would all land on the same scene.
    "animation": f"mandelbrot=size={SIZE}:rate=25,trim=duration=23,loop=loop=-1:size=575,"
    "trim=duration={d}",
}
HEAVY_NOISE = f"testsrc2=size={SIZE}:rate=25:duration={{d}},noise=alls=30:allf=t+u"


def _make(path: Path, graph: str, seconds: int) -> None:
    _ffmpeg(
        "-f", "lavfi", "-i", graph.replace("{d}", str(seconds)),
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate=48000",
        "-c:v", "ffv1", "-pix_fmt", "yuv420p", "-c:a", "flac", "-shortest", str(path),
    )  # fmt: skip


def _floor_profile(workdir: Path, name: str, floor: float) -> Path:
    """The notel profile aiming at `floor` + the search's margin by VMAF, not one CRF."""
    return notel_variant(workdir, name, floor=floor)


def _prepare(src: Path, out: Path, cache: Path, *extra: str):
    """(wall seconds, output, prepare's report of the item: CRF and VMAF)."""
    if cache.exists():
        shutil.rmtree(cache)
    drop_caches()
    argv = [sys.executable, "-m", "sneakernet", "prepare", str(src), "-o", str(out),
            "--cache", str(cache), "-j", "1", "--json", *extra]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    (report,) = json.loads(proc.stdout)
    return wall, out / (src.stem + ".mp4"), report


def _vmaf(output: Path, source: Path, workdir: Path) -> float:
    v = probe(output).video[0]
    # Every third frame of the whole output, the same frames for all three encodes.
    return vmaf_score(output, source, v.width, v.height, workdir, threads=os.cpu_count() or 1,
                      subsample=3)  # fmt: skip


def _hours(total_bytes: int, seconds: float) -> float:
    return CARD_BYTES / (total_bytes / seconds) / 3600


def _encode_three(workdir: Path, handbrake: str, name: str, graph: str, fixed: Path, seconds: int):
    """HandBrake, ours per title at HandBrake's VMAF, ours at CRF 23, on one source:
    (sizes, wall seconds, VMAFs, prepare's report of the per-title encode)."""
    src = workdir / f"{name}.mkv"
    _make(src, graph, seconds)
    hb_out = workdir / f"{name}-handbrake.mp4"
    drop_caches()
    hb = _run([handbrake, "-i", str(src), "-o", str(hb_out), "-Z", "Very Fast 480p30",
               "--crop-mode", "none"])  # fmt: skip
    hb_vmaf = _vmaf(hb_out, src, workdir)
    profile = _floor_profile(workdir, f"notel-{name}", hb_vmaf - MARGIN)
    ours_wall, ours_out, report = _prepare(
        src, workdir / f"ours-{name}", workdir / "cache-ours",
        "--profile", f"notel-{name}", "--profile-file", str(profile),
    )  # fmt: skip
    fixed_wall, fixed_out, _ = _prepare(src, workdir / f"crf23-{name}", workdir / "cache-crf23",
                                        "--profile", "notel-crf23", "--profile-file", str(fixed))  # fmt: skip
    sizes = {"hb": hb_out.stat().st_size, "ours": ours_out.stat().st_size,
             "crf23": fixed_out.stat().st_size}  # fmt: skip
    walls = {"hb": hb.wall, "ours": ours_wall, "crf23": fixed_wall}
    vmafs = {"hb": hb_vmaf, "ours": _vmaf(ours_out, src, workdir),
             "crf23": _vmaf(fixed_out, src, workdir)}  # fmt: skip
    return sizes, walls, vmafs, report


def _source_results(name: str, sizes, vmafs, report, seconds: int) -> list[Result]:
    return [
        Result(f"{name}: HandBrake VMAF", vmafs["hb"], ""),
        Result(f"{name}:   HandBrake rate", sizes["hb"] * 8 / seconds / 1000, "kbit/s"),
        Result(f"{name}: ours per title: CRF found", report["crf"], ""),
        Result(f"{name}:   VMAF predicted by the search", report["predicted_vmaf"], ""),
        Result(f"{name}:   VMAF on samples of the output", report["vmaf"], ""),
        Result(f"{name}:   VMAF, whole output", vmafs["ours"], ""),
        Result(f"{name}:   VMAF - HandBrake's", vmafs["ours"] - vmafs["hb"], ""),
        Result(f"{name}:   rate", sizes["ours"] * 8 / seconds / 1000, "kbit/s"),
        Result(f"{name}:   bytes / HandBrake's", sizes["ours"] / sizes["hb"], "x"),
        Result(f"{name}: ours CRF 23 VMAF", vmafs["crf23"], ""),
        Result(f"{name}:   rate", sizes["crf23"] * 8 / seconds / 1000, "kbit/s"),
    ]


def run(workdir: Path) -> list[Result]:
    handbrake = shutil.which("HandBrakeCLI")
    if handbrake is None:
        raise RuntimeError("HandBrakeCLI is not installed (make bench installs it)")
    fixed = notel_variant(workdir, "notel-crf23", crf=23)
    results: list[Result] = []
    total = {"hb": 0, "ours": 0, "crf23": 0}
    spent = {"hb": 0.0, "ours": 0.0, "crf23": 0.0}
    seconds = 0.0
    lowest = 100.0  # the worst VMAF difference ours - HandBrake's in the mix
    for name, graph in SOURCES.items():
        sizes, walls, vmafs, report = _encode_three(workdir, handbrake, name, graph, fixed,
                                                    SECONDS)  # fmt: skip
        seconds += SECONDS
        for key in total:
            total[key] += sizes[key]
            spent[key] += walls[key]
        lowest = min(lowest, vmafs["ours"] - vmafs["hb"])
        results += _source_results(name, sizes, vmafs, report, SECONDS)
        (workdir / f"{name}.mkv").unlink()  # lossless sources are large
    hours = {k: _hours(v, seconds) for k, v in total.items()}
    search = (spent["ours"] - spent["crf23"]) / len(SOURCES)
    # A 90-minute film: the search's samples cost the same, the encodes scale.
    film = 90 * 60 / SECONDS
    long_ratio = (search * len(SOURCES) + spent["crf23"] * film) / (spent["hb"] * film)
    results += [
        Result("hours per 16 GB card: HandBrake Very Fast 480p30", hours["hb"], "h"),
        Result("hours per 16 GB card: ours per title (HandBrake's VMAF)", hours["ours"], "h"),
        Result("hours per 16 GB card: ours at CRF 23", hours["crf23"], "h"),
        Result("hours ours per title / HandBrake", hours["ours"] / hours["hb"], "x", 1.3),
        Result("  lowest VMAF ours - HandBrake's among the four (equal quality)", lowest, ""),
        Result("hours ours CRF 23 / HandBrake", hours["crf23"] / hours["hb"], "x"),
        Result(
            f"encode time ours per title / HandBrake ({SECONDS} s sources, wall)",
            spent["ours"] / spent["hb"],
            "x",
            1.5,
            False,
        ),  # fmt: skip
        Result("  of which the CRF search and check, per title (s)", search, "s"),
        Result(
            "  the same projected to 90-minute films (search cost fixed, encodes scaled)",
            long_ratio,
            "x",
        ),  # fmt: skip
        Result("encode time ours CRF 23 / HandBrake", spent["crf23"] / spent["hb"], "x"),
    ]
    # Outside the mix: noise so heavy that HandBrake spends 12 Mbit/s on it, six
    # times what notel's players take (the cap); shown, not counted.
    sizes, _, vmafs, report = _encode_three(workdir, handbrake, "heavy noise", HEAVY_NOISE, fixed,
                                            HEAVY_SECONDS)  # fmt: skip
    results += _source_results("heavy noise (not in the mix)", sizes, vmafs, report,
                               HEAVY_SECONDS)  # fmt: skip
    return results
