"""Quality by measurement: VMAF (libvmaf in the bundled ffmpeg) and a per-title CRF search.

A profile may state the quality its players need as a VMAF floor
(`vmaf_floor`, measured at the player's resolution) instead of trusting one
CRF for every film. `search_crf` encodes a few short segments spread across
the film at two or three CRFs (the middle one, then those on the floor's side
of it), measures each against the source scaled the same way, fits VMAF
against CRF (piecewise linear between the measured points, made monotone,
widened until it brackets the floor) and returns the highest CRF predicted to
reach the floor plus a small margin: a static talk comes out at a high CRF
and small, a film full of motion at a lower one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sneakernet.media import ffmpeg
from sneakernet.media.ffmpeg import Command, Input, Output
from sneakernet.media.probe import MediaInfo
from sneakernet.media.profiles import Profile

SEARCH_CRFS = (20.0, 27.0, 34.0)
SAMPLE_SECONDS = 2.0
SAMPLES = 3
MARGIN = 1.5  # VMAF points above the floor: samples are not the whole film
CRF_RANGE = (14.0, 42.0)
PLATEAU = 0.5  # VMAF points: a lower CRF that gains less than this gains nothing
REFINEMENTS = 2  # extra measurements at the fitted CRF
# The search and its check score every second frame of a sample: the same
# frames at every CRF, so the curve keeps its shape, for about 0.6x the time
# of scoring all (measured in docs/media.md, "Quality per title").
SAMPLE_SUBSAMPLE = 2


@dataclass(frozen=True)
class CrfSearch:
    crf: float
    predicted_vmaf: float
    measured: tuple[tuple[float, float], ...]  # (crf, mean VMAF over the samples)


# Both pictures of a comparison get the same colour tags (the pixels are not
# touched). Without it ffmpeg's filters, seeing one input tagged BT.709 (as
# HandBrake tags its output) and the other untagged, convert one between colour
# matrices before comparing: a copy with 0.6 mean difference scored VMAF 53.
SAME_TAGS = "setparams=range=tv:color_primaries=unknown:color_trc=unknown:colorspace=unknown"


def vmaf_score(
    distorted: Path,
    reference: Path,
    width: int,
    height: int,
    workdir: Path,
    reference_options: list[str] = (),
    distorted_options: list[str] = (),
    threads: int = 1,
    subsample: int = 1,
) -> float:
    """Mean VMAF of `distorted` against `reference`, both scaled to width x height:
    over every `subsample`-th frame, computed on `threads` threads (the score does
    not depend on them)."""
    log = workdir / "vmaf.json"
    graph = (
        f"[0:v]{SAME_TAGS},scale={width}:{height}:flags=bicubic,setsar=1,setpts=PTS-STARTPTS[d];"
        f"[1:v]{SAME_TAGS},scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p,"
        "setpts=PTS-STARTPTS[r];"
        f"[d][r]libvmaf=log_fmt=json:log_path={log.name}:n_threads={max(1, threads)}"
        f":n_subsample={max(1, subsample)}"
    )
    command = Command(
        [Input(distorted, list(distorted_options)), Input(reference, list(reference_options))],
        [Output(Path("-"), ["-lavfi", graph, "-f", "null"])],
    )
    argv = command.argv()
    argv[-1] = "-"
    ffmpeg.run(argv, cwd=workdir)
    data = json.loads(log.read_text("utf-8"))
    log.unlink()
    return float(data["pooled_metrics"]["vmaf"]["mean"])


def segments(duration: float, seconds: float = SAMPLE_SECONDS, count: int = SAMPLES):
    """(start, length) of `count` segments spread evenly across the film; a film
    no longer than the segments together is measured whole."""
    if duration <= seconds * count:
        return [(0.0, duration)]
    return [(max(0.0, (k + 0.5) * duration / count - seconds / 2), seconds) for k in range(count)]


def _cut(start: float, seconds: float) -> list[str]:
    """Input options that read one segment. No seek for a segment at 0: some
    containers (FLV without an index) yield nothing when asked to seek to 0."""
    return (["-ss", f"{start:.3f}"] if start > 0 else []) + ["-t", f"{seconds:.3f}"]


def _envelope(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The measurements made monotone: quality never rises with CRF (noise on still
    pictures can make it look so, and trusting that would overshoot)."""
    out, lowest = [], float("inf")
    for crf, score in sorted(points):
        lowest = min(lowest, score)
        out.append((crf, lowest))
    return out


def _predict(points: list[tuple[float, float]], crf: float) -> float:
    """Piecewise linear between measurements; no extrapolation past the last one."""
    points = _envelope(points)
    if crf <= points[0][0]:
        return points[0][1]
    for (c0, v0), (c1, v1) in zip(points, points[1:], strict=False):
        if crf <= c1:
            return v0 + (v1 - v0) * (crf - c0) / (c1 - c0)
    return float("-inf")  # beyond what was measured: unknown, so never chosen


def fit_crf(points: list[tuple[float, float]], floor: float, margin: float = MARGIN) -> float:
    """Highest measured-range CRF (in half steps) predicted to reach floor + margin.

    When none does (the bitrate cap holds the quality down, or the source is
    that hard), the highest CRF within `PLATEAU` points of the best measured:
    the cheapest encode of the best quality the profile allows, not the
    lowest CRF tried, which would spend bytes under the cap for nothing.
    """
    points = _envelope(points)
    best = points[0][1]
    target = floor + margin if best >= floor + margin else best - PLATEAU
    crf = points[0][0]
    step = points[0][0]
    while step <= points[-1][0] + 1e-9:
        if _predict(points, step) >= target:
            crf = step
        step += 0.5
    return crf


def search_crf(
    info: MediaInfo,
    profile: Profile,
    plan,
    workdir: Path,
    floor: float,
    crfs: tuple[float, ...] = SEARCH_CRFS,
    threads: int = 1,
) -> CrfSearch:
    """Encode samples at `crfs`, measure them, and fit the cheapest CRF meeting `floor`."""
    from sneakernet.media.transcode import encode_commands

    spec = profile.video
    assert spec is not None and spec.crf is not None
    sample_plan = replace(plan, subtitle=None, subtitle_mode="none", audio_index=None,
                          target_bytes=None)  # fmt: skip
    parts = segments(info.duration)

    def measure(crf: float) -> float:
        # With the profile's bitrate cap, as the final encode will have it: a film the
        # cap holds down is measured as it will come out.
        trial = replace(profile, video=replace(spec, crf=crf))
        scores = []
        for n, (start, seconds) in enumerate(parts):
            cut = _cut(start, seconds)
            out = workdir / f"sample-{n}.{profile.extension}"
            (command,) = encode_commands(info, trial, sample_plan, out, workdir, None, 0)
            command.inputs[0].options = [*cut, *command.inputs[0].options]
            ffmpeg.run(command, cwd=workdir)
            scores.append(
                vmaf_score(out, info.path, plan.width, plan.height, workdir, reference_options=cut,
                           threads=threads, subsample=SAMPLE_SUBSAMPLE)
            )  # fmt: skip
            out.unlink()
        return sum(scores) / len(scores)

    return plan_search(measure, floor, crfs)


def plan_search(
    measure: Callable[[float], float], floor: float, crfs: tuple[float, ...] = SEARCH_CRFS
) -> CrfSearch:
    """Which CRFs to measure, and the fit: `measure(crf)` gives the mean VMAF of
    the samples at that CRF (the costly part); the cheapest CRF meeting `floor`."""
    measured: list[tuple[float, float]] = []

    def at(crf: float) -> float:
        measured.append((crf, measure(crf)))
        return measured[-1][1]

    # The middle CRF first, then the side of it the floor lies on: the other
    # side's point would never enter the fit (piecewise linear between the two
    # measurements around the floor), so it is not paid for.
    target = floor + MARGIN
    middle = crfs[len(crfs) // 2]
    at(middle)
    for crf in crfs:
        if crf != middle and (crf > middle) == (measured[0][1] >= target):
            at(crf)
    # Widen the range while its ends do not bracket the floor.
    while min(measured)[1] < target and min(measured)[0] > CRF_RANGE[0]:
        before = min(measured)[1]
        if at(max(CRF_RANGE[0], min(measured)[0] - 6)) < before + PLATEAU:
            break  # held down by the cap: a lower CRF buys nothing
    while _envelope(measured)[-1][1] >= target and max(measured)[0] < CRF_RANGE[1]:
        at(min(CRF_RANGE[1], max(measured)[0] + 6))
    # Refine: a straight line between CRFs 7 apart misjudges the curve (VMAF
    # falls faster at high CRFs), so the fitted CRF is measured too and the fit
    # redone, until it lands on (or half a step from) a measured CRF.
    crf = fit_crf(measured, floor)
    for _ in range(REFINEMENTS):
        if any(abs(crf - c) <= 0.5 for c, _ in measured):
            break
        at(crf)
        crf = fit_crf(measured, floor)
    return CrfSearch(crf, _predict(measured, crf), tuple(measured))


def sampled_vmaf(
    output: Path, info: MediaInfo, width: int, height: int, workdir: Path, threads: int = 1
) -> float:
    """Mean VMAF of a finished encode on the search's segments (the same starts and
    lengths), against the source: the check that the final encode reached what the
    samples predicted."""
    scores = []
    for start, seconds in segments(info.duration):
        cut = _cut(start, seconds)
        scores.append(
            vmaf_score(output, info.path, width, height, workdir, reference_options=cut,
                       distorted_options=cut, threads=threads, subsample=SAMPLE_SUBSAMPLE)
        )  # fmt: skip
    return sum(scores) / len(scores)
