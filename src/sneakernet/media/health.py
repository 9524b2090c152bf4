"""Is an output whole? Decode every frame and compare its duration with the input's.

The decode runs in ffmpeg (all cores, no Python per frame) with `-xerror`,
so the first damaged packet fails the check.
"""

from __future__ import annotations

from pathlib import Path

from sneakernet.errors import ItemFailed
from sneakernet.media import ffmpeg
from sneakernet.media.ffmpeg import Command, Input, Output


def duration_tolerance(expected: float) -> float:
    # Frame-rate changes and audio priming shift the end by a frame or two.
    return max(0.5, expected * 0.02)


def decoded_duration(path: Path, label: str | None = None) -> float:
    """Seconds of picture and sound that decode without error; else ItemFailed."""
    label = label or path.name
    ends: list[float] = []
    command = Command(
        [Input(path)],
        [Output(Path("/dev/null"), ["-map", "0:v?", "-map", "0:a?", "-f", "null"])],
        global_options=["-xerror"],
    )
    try:
        ffmpeg.run(command, on_progress=ends.append)
    except ffmpeg.FfmpegError as exc:
        raise ItemFailed(f"{label}: output does not decode ({exc})") from None
    if not ends or ends[-1] <= 0:
        raise ItemFailed(f"{label}: output holds no decodable picture or sound")
    return ends[-1]


def check(path: Path, expected_duration: float, label: str | None = None) -> float:
    """Raise ItemFailed when the output is broken or shorter/longer than expected.

    `label` names the item in messages (the output may still have a temporary name).
    """
    label = label or path.name
    got = decoded_duration(path, label)
    if abs(got - expected_duration) > duration_tolerance(expected_duration):
        raise ItemFailed(
            f"{label}: output lasts {got:.2f} s but the input {expected_duration:.2f} s"
        )
    return got
