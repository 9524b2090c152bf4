"""Is an output whole? Decode every frame and compare its duration with the input's."""

from __future__ import annotations

from pathlib import Path

from sneakernet.errors import ItemFailed


def duration_tolerance(expected: float) -> float:
    # Frame-rate changes and audio priming shift the end by a frame or two.
    return max(0.5, expected * 0.02)


def decoded_duration(path: Path, label: str) -> float:
    """Time from the first to the end of the last decoded frame; decoding errors raise ItemFailed."""
    import av

    end, first = 0.0, None
    try:
        with av.open(str(path)) as container:
            streams = [s for s in container.streams if s.type in ("video", "audio")]
            if not streams:
                raise ItemFailed(f"{label}: output has no video or audio stream")
            for stream in streams:
                stream.codec_context.thread_type = "AUTO"
            for frame in container.decode(*streams):
                if frame.pts is None or frame.time_base is None:
                    continue
                start = float(frame.pts * frame.time_base)
                if frame.duration:
                    length = float(frame.duration * frame.time_base)
                elif hasattr(frame, "samples") and frame.sample_rate:
                    length = frame.samples / frame.sample_rate
                else:
                    length = 0.0
                end = max(end, start + length)
                first = start if first is None else min(first, start)
    except av.error.FFmpegError as exc:
        raise ItemFailed(f"{label}: output does not decode ({exc})") from None
    if first is None:
        raise ItemFailed(f"{label}: output holds no decodable frame")
    return end - max(0.0, first)


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
