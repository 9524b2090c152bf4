"""Pace: what each x264 preset a profile's paces may choose costs in bytes and in time.

On generated 20 s 480p sources of bench_quality (a talking head, animation,
static slides), for the presets veryfast, faster (the built-in profiles'
normal pace), medium and slow, all through `sneakernet prepare --pace` of
the notel profile (its bitrate cap, H.264 Main, closed GOPs):

- per title: the profile with a VMAF floor (`FLOOR`), so each preset gets the
  CRF the search finds for it: the output's bytes, its VMAF on the whole
  output (libvmaf, at the output size) and prepare's wall time (the search's
  sample encodes, the final encode and its check, all at that preset);
- at equal quality: fixed CRFs (`CRFS`), each output's bytes and whole VMAF,
  and the bytes each preset needs for the VMAF faster reaches at the middle
  CRF (log-bytes interpolated between its points, or extrapolated along the
  nearest two). The search aims at its floor
  by three sample points and a margin, so its outputs land a point or two
  apart in VMAF, more than the presets differ: this is the bytes-per-quality
  figure; then the time of those fixed-CRF encodes.

Bytes and time are given relative to faster, per source and summed, and
HandBrakeCLI -Z "Very Fast 480p30" on the same sources is the reference time.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

from benchmarks.bench_media import _run
from benchmarks.bench_quality import SOURCES, _make, _prepare, _vmaf
from benchmarks.common import Result, drop_caches, notel_variant

FLOOR = 90.0
CRFS = (24, 28, 32)
PRESETS = ("veryfast", "faster", "medium", "slow")
REFERENCE = "faster"
NAMES = ("talking", "animation", "slides")


def _pace_profile(workdir: Path, name: str, crf: float | None = None) -> Path:
    """The notel profile with one pace per measured preset, named after it; a VMAF floor,
    or `crf` as a fixed CRF."""
    if crf is None:
        path = notel_variant(workdir, name, floor=FLOOR)
    else:
        path = notel_variant(workdir, name, crf=crf)
    text = path.read_text()
    paces = ", ".join(f'{p} = "{p}"' for p in PRESETS)
    text, count = re.subn(r"(?m)^paces = .*$", f"paces = {{ {paces} }}", text)
    if count != 1:
        raise RuntimeError("notel.toml has no `paces` line to replace")
    path.write_text(text)
    return path


def _at_pace(src: Path, workdir: Path, profile: Path, preset: str):
    """(bytes, wall seconds, CRF reported or None, VMAF of the whole output)."""
    name = profile.stem
    seconds, out, report = _prepare(
        src, workdir / f"{src.stem}-{name}-{preset}", workdir / "cache",
        "--profile", name, "--profile-file", str(profile), "--pace", preset,
    )  # fmt: skip
    if report["preset"] != preset:
        raise RuntimeError(f"prepare used preset {report['preset']!r}, not {preset!r}")
    return out.stat().st_size, seconds, report["crf"], _vmaf(out, src, workdir)


def _bytes_at(points: list[tuple[float, int]], vmaf: float) -> float:
    """Bytes for `vmaf` along (VMAF, bytes) points, log-bytes interpolated between the two
    points around it (past the ends: along the nearest segment)."""
    points = sorted(points)
    pairs = list(zip(points, points[1:], strict=False))
    (v0, b0), (v1, b1) = next(
        (pair for pair in pairs if pair[0][0] <= vmaf <= pair[1][0]),
        pairs[0] if vmaf < points[0][0] else pairs[-1],
    )
    t = (vmaf - v0) / (v1 - v0) if v1 > v0 else 0.0
    return math.exp(math.log(b0) + t * (math.log(b1) - math.log(b0)))


def run(workdir: Path) -> list[Result]:
    handbrake = shutil.which("HandBrakeCLI")
    if handbrake is None:
        raise RuntimeError("HandBrakeCLI is not installed (make bench installs it)")
    floor = _pace_profile(workdir, "notel-floor")
    fixed = {crf: _pace_profile(workdir, f"notel-crf{crf}", crf) for crf in CRFS}
    results: list[Result] = []
    searched = {p: [0, 0.0] for p in PRESETS}  # bytes, seconds
    equal = {p: [0.0, 0.0] for p in PRESETS}  # bytes at the common VMAF, encode seconds
    hb_wall = 0.0
    for name in NAMES:
        src = workdir / f"{name}.mkv"
        _make(src, SOURCES[name])
        drop_caches()
        hb = _run([handbrake, "-i", str(src), "-o", str(workdir / f"{name}-hb.mp4"),
                   "-Z", "Very Fast 480p30", "--crop-mode", "none"])  # fmt: skip
        hb_wall += hb.wall
        results.append(Result(f"{name}: HandBrake Very Fast 480p30 encode time", hb.wall, "s"))
        search = {p: _at_pace(src, workdir, floor, p) for p in PRESETS}
        ref_bytes, ref_seconds = search[REFERENCE][:2]
        for preset, (nbytes, seconds, crf, vmaf) in search.items():
            searched[preset][0] += nbytes
            searched[preset][1] += seconds
            results += [
                Result(f"{name} {preset}, VMAF floor {FLOOR:g}: bytes", nbytes, "B"),
                Result(f"{name} {preset}:   CRF found", crf, ""),
                Result(f"{name} {preset}:   VMAF, whole output", vmaf, ""),
                Result(f"{name} {preset}:   prepare wall time", seconds, "s"),
                Result(f"{name} {preset}:   bytes / {REFERENCE}'s", nbytes / ref_bytes, "x"),
                Result(f"{name} {preset}:   time / {REFERENCE}'s", seconds / ref_seconds, "x"),
            ]
        curves = {p: {crf: _at_pace(src, workdir, fixed[crf], p) for crf in CRFS} for p in PRESETS}
        target = curves[REFERENCE][CRFS[len(CRFS) // 2]][3]
        sizes = {
            p: _bytes_at([(m[3], m[0]) for m in c.values()], target) for p, c in curves.items()
        }
        times = {p: sum(m[1] for m in c.values()) for p, c in curves.items()}
        for preset, curve in curves.items():
            for crf, (nbytes, _, _, vmaf) in curve.items():
                results.append(
                    Result(f"{name} {preset}, CRF {crf}: bytes (VMAF {vmaf:.2f})", nbytes, "B")
                )
            equal[preset][0] += sizes[preset]
            equal[preset][1] += times[preset]
            results += [
                Result(f"{name} {preset}:   bytes at VMAF {target:.2f} / {REFERENCE}'s",
                       sizes[preset] / sizes[REFERENCE], "x"),
                Result(f"{name} {preset}:   {len(CRFS)} encodes' time / {REFERENCE}'s",
                       times[preset] / times[REFERENCE], "x"),
            ]  # fmt: skip
    for preset in PRESETS:
        results += [
            Result(f"all {len(NAMES)} sources {preset}, per title: bytes / {REFERENCE}'s",
                   searched[preset][0] / searched[REFERENCE][0], "x"),
            Result(f"  {preset}, per title: time / {REFERENCE}'s",
                   searched[preset][1] / searched[REFERENCE][1], "x"),
            Result(f"  {preset}, per title: time / HandBrake's",
                   searched[preset][1] / hb_wall, "x"),
            Result(f"  {preset}, equal VMAF: bytes / {REFERENCE}'s",
                   equal[preset][0] / equal[REFERENCE][0], "x"),
            Result(f"  {preset}, fixed CRF: encode time / {REFERENCE}'s",
                   equal[preset][1] / equal[REFERENCE][1], "x"),
            Result(f"  {preset}, fixed CRF: encode time / HandBrake's",
                   equal[preset][1] / len(CRFS) / hb_wall, "x"),
        ]  # fmt: skip
    return results
