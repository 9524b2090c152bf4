"""Hours per 16 GB card at equal quality: per-title encodes against HandBrake and fixed CRF 23.

Four short generated sources of different complexity (static slides, a
talking head, high-motion noise, animation), 480p, each with a tone:

- HandBrake `-Z "Very Fast 480p30"` encodes each; its VMAF against the source
  (libvmaf, at the output size) is the quality to match;
- ours, per title: the notel profile with `vmaf_floor` set so that the
  search aims at HandBrake's VMAF on that source (`media.quality`);
- ours at the notel profile's fixed CRF 23, whatever the source.

Hours per card = card bytes / (bytes per second of the mix), for each of the
three; the ratio ours / HandBrake is the figure to beat (>= 1.3x), in at most
1.5x HandBrake's encode time (the search's sample encodes included). The VMAF
each output reaches is printed beside it, so "equal quality" can be checked.
Then prepare's own overhead over bare ffmpeg with the same arguments, without
the health check's full decode (<= 3 %), with the decode's time beside it.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from benchmarks.bench_media import _ffmpeg, _overhead, _run
from benchmarks.common import Result, drop_caches
from sneakernet.media import transcode
from sneakernet.media.probe import probe
from sneakernet.media.quality import MARGIN, vmaf_score

SECONDS = 20
CARD_BYTES = 16 * 10**9
SIZE = "720x480"
SOURCES = {
    "slides": f"color=c=navy:size={SIZE}:rate=25:duration={SECONDS},"
    "drawbox=x=40:y=40:w=560:h=60:color=white:t=fill,"
    "drawbox=x=40:y=140:w=400:h=30:color=yellow:t=fill,"
    "drawtext=text='%{eif\\:floor(t/5)\\:d}':x=60:y=220:fontsize=60:fontcolor=white",
    "talking": f"testsrc2=size={SIZE}:rate=25:duration={SECONDS},boxblur=8,eq=contrast=0.6",
    "noise": f"testsrc2=size={SIZE}:rate=25:duration={SECONDS},noise=alls=30:allf=t+u",
    "animation": f"mandelbrot=size={SIZE}:rate=25,trim=duration={SECONDS}",
}


def _make(path: Path, graph: str) -> None:
    _ffmpeg(
        "-f", "lavfi", "-i", graph,
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={SECONDS}:sample_rate=48000",
        "-c:v", "ffv1", "-pix_fmt", "yuv420p", "-c:a", "flac", "-shortest", str(path),
    )  # fmt: skip


def _floor_profile(workdir: Path, name: str, floor: float) -> Path:
    """The notel profile aiming at `floor` + the search's margin by VMAF, not one CRF."""
    text = (Path(transcode.__file__).parent.parent / "data" / "profiles" / "notel.toml").read_text()
    text = re.sub(r'(?m)^name = "notel"$', f'name = "{name}"', text)
    text = re.sub(r"(?m)^crf = (.*)$", rf"crf = \1\nvmaf_floor = {floor:.2f}", text)
    path = workdir / f"{name}.toml"
    path.write_text(text)
    return path


def _prepare(src: Path, out: Path, cache: Path, *extra: str):
    if cache.exists():
        shutil.rmtree(cache)
    drop_caches()
    argv = [sys.executable, "-m", "sneakernet", "prepare", str(src), "-o", str(out),
            "--cache", str(cache), "-j", "1", *extra]  # fmt: skip
    return _run(argv), out / (src.stem + ".mp4")


def _vmaf(output: Path, source: Path, workdir: Path) -> float:
    v = probe(output).video[0]
    return vmaf_score(output, source, v.width, v.height, workdir)


def _hours(total_bytes: int, seconds: float) -> float:
    return CARD_BYTES / (total_bytes / seconds) / 3600


def run(workdir: Path) -> list[Result]:
    handbrake = shutil.which("HandBrakeCLI")
    if handbrake is None:
        raise RuntimeError("HandBrakeCLI is not installed (make bench installs it)")
    results: list[Result] = []
    total = {"hb": 0, "ours": 0, "crf23": 0}
    time = {"hb": 0.0, "ours": 0.0, "crf23": 0.0}
    seconds = 0.0
    for name, graph in SOURCES.items():
        src = workdir / f"{name}.mkv"
        _make(src, graph)
        seconds += probe(src).duration
        hb_out = workdir / f"{name}-handbrake.mp4"
        drop_caches()
        hb = _run([handbrake, "-i", str(src), "-o", str(hb_out), "-Z", "Very Fast 480p30",
                   "--crop-mode", "none"])  # fmt: skip
        hb_vmaf = _vmaf(hb_out, src, workdir)
        profile = _floor_profile(workdir, f"notel-{name}", hb_vmaf - MARGIN)
        ours, ours_out = _prepare(src, workdir / f"ours-{name}", workdir / "cache-ours",
                                  "--profile", f"notel-{name}", "--profile-file", str(profile))  # fmt: skip
        fixed, fixed_out = _prepare(src, workdir / f"crf23-{name}", workdir / "cache-crf23",
                                    "--profile", "notel")  # fmt: skip
        sizes = {"hb": hb_out.stat().st_size, "ours": ours_out.stat().st_size,
                 "crf23": fixed_out.stat().st_size}  # fmt: skip
        for key, run_ in (("hb", hb), ("ours", ours), ("crf23", fixed)):
            total[key] += sizes[key]
            time[key] += run_.wall
        ours_vmaf, fixed_vmaf = _vmaf(ours_out, src, workdir), _vmaf(fixed_out, src, workdir)
        results += [
            Result(f"{name}: HandBrake VMAF / kbit/s", hb_vmaf, ""),
            Result(f"{name}:   HandBrake rate", sizes["hb"] * 8 / SECONDS / 1000, "kbit/s"),
            Result(f"{name}: ours per title VMAF", ours_vmaf, ""),
            Result(f"{name}:   ours per title rate", sizes["ours"] * 8 / SECONDS / 1000, "kbit/s"),
            Result(f"{name}:   ours / HandBrake bytes", sizes["ours"] / sizes["hb"], "x"),
            Result(f"{name}: ours CRF 23 VMAF", fixed_vmaf, ""),
            Result(f"{name}:   ours CRF 23 rate", sizes["crf23"] * 8 / SECONDS / 1000, "kbit/s"),
        ]
    hours = {k: _hours(v, seconds) for k, v in total.items()}
    results += [
        Result("hours per 16 GB card: HandBrake Very Fast 480p30", hours["hb"], "h"),
        Result("hours per 16 GB card: ours per title (HandBrake's VMAF)", hours["ours"], "h"),
        Result("hours per 16 GB card: ours at CRF 23", hours["crf23"], "h"),
        Result("hours ours per title / HandBrake", hours["ours"] / hours["hb"], "x", 1.3),
        Result("hours ours CRF 23 / HandBrake", hours["crf23"] / hours["hb"], "x"),
        Result(
            "encode time ours per title / HandBrake", time["ours"] / time["hb"], "x", 1.5, False
        ),  # fmt: skip
        Result("encode time ours CRF 23 / HandBrake", time["crf23"] / time["hb"], "x"),
    ]
    # Prepare's own overhead on the talking head (health decode apart).
    results += _overhead(workdir, workdir / "talking.mkv", repeats=2)
    return results
