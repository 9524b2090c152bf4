"""Generated test media: tiny clips made with the bundled ffmpeg, and checks with PyAV."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from sneakernet.media.ffmpeg import ffmpeg_exe

KOREAN_LINE = "안녕하세요, 한국어 자막입니다"
SRT_TEXT = f"1\n00:00:00,200 --> 00:00:01,900\n{KOREAN_LINE}\n"
PLANTED = "PLANTED-SECRET-7f3a"


def ffmpeg(*args: str) -> None:
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", *args],
        check=True,
    )


@dataclass
class Clip:
    """What to generate; defaults make a tiny, fast clip."""

    container: str = "mkv"
    vcodec: str = "libx264"
    size: str = "160x120"
    fps: str = "25"
    seconds: float = 1.0
    acodec: str | None = "aac"
    channels: int = 2
    sar: str | None = None
    extra: tuple[str, ...] = ()


def make_clip(path: Path, clip: Clip = Clip()) -> Path:
    """A testsrc picture (moving, with a counter) and a sine tone."""
    args = [
        "-f", "lavfi", "-i", f"testsrc=size={clip.size}:rate={clip.fps}:duration={clip.seconds}",
    ]  # fmt: skip
    if clip.acodec:
        layout = {1: "mono", 2: "stereo", 6: "5.1"}[clip.channels]
        args += [
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={clip.seconds}:sample_rate=48000",
        ]
        args += ["-filter_complex", f"[1:a]aformat=channel_layouts={layout}[a]", "-map", "0:v"]
        args += ["-map", "[a]", "-c:a", clip.acodec]
        if clip.acodec == "libopus":
            args += ["-b:a", "64k"]
    else:
        args += ["-map", "0:v"]
    vf = "format=yuv420p" + (f",setsar={clip.sar}" if clip.sar else "")
    args += ["-vf", vf, "-c:v", clip.vcodec]
    if clip.vcodec in ("libx264", "libx265"):
        args += ["-preset", "ultrafast"]
    if clip.vcodec == "libx265":
        args += ["-x265-params", "log-level=error"]
    if clip.vcodec == "libvpx-vp9":
        args += ["-deadline", "realtime", "-cpu-used", "8"]
    args += [*clip.extra, str(path)]
    ffmpeg(*args)
    return path


@dataclass
class Stream:
    codec: str
    profile: str | None
    level: float | None
    width: int
    height: int
    fps: Fraction
    pix_fmt: str


def video_stream(path: Path) -> Stream:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        cc = s.codec_context
        level = cc.level / 10 if cc.codec.canonical_name == "h264" and cc.level > 0 else None
        return Stream(
            cc.codec.canonical_name,
            cc.profile,
            level,
            cc.width,
            cc.height,
            s.average_rate,
            cc.pix_fmt,
        )


def audio_stream(path: Path):
    with av.open(str(path)) as c:
        if not c.streams.audio:
            return None
        cc = c.streams.audio[0].codec_context
        return cc.codec.canonical_name, cc.profile, cc.channels, cc.sample_rate


def decode_all(path: Path) -> tuple[int, float]:
    """Decode every frame (raises on damage); (video frames, seconds of audio)."""
    frames, audio = 0, 0.0
    with av.open(str(path)) as c:
        for frame in c.decode(*[s for s in c.streams if s.type in ("video", "audio")]):
            if isinstance(frame, av.VideoFrame):
                frames += 1
            else:
                audio += frame.samples / frame.sample_rate
    return frames, audio


def frame_at(path: Path, seconds: float) -> np.ndarray:
    """Luma plane of the first frame at or after `seconds`."""
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        for frame in c.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                return frame.to_ndarray(format="gray").astype(np.int16)
    raise AssertionError(f"no frame at {seconds} s in {path}")


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.size]


def audio_peak(path: Path) -> float:
    peak = 0.0
    with av.open(str(path)) as c:
        for frame in c.decode(c.streams.audio[0]):
            peak = max(peak, float(np.abs(frame.to_ndarray()).max()))
    return peak


def _dvd_run(width: int, colour: int) -> bytes:
    """One run of 64..255 pixels in DVD subpicture RLE: 6 zero bits, count, colour."""
    assert 64 <= width <= 255
    return ((width << 2) | colour).to_bytes(2, "big")


def dvd_subpicture(x: int, y: int, width: int, height: int, show_ticks: int = 100) -> bytes:
    """A DVD (VobSub) subtitle packet: a filled box, shown for `show_ticks` (1/90 s * 1024)."""
    top = b"".join(_dvd_run(width, 1) for _ in range(0, height, 2))
    bottom = b"".join(_dvd_run(width, 1) for _ in range(1, height, 2))
    top_at, bottom_at = 4, 4 + len(top)
    control_at = bottom_at + len(bottom)
    x2, y2 = x + width - 1, y + height - 1
    area = bytes([x >> 4, ((x & 15) << 4) | (x2 >> 8), x2 & 255,
                  y >> 4, ((y & 15) << 4) | (y2 >> 8), y2 & 255])  # fmt: skip
    commands = (
        b"\x01"  # start display
        + b"\x03\x01\x10"  # palette entries for the four colours
        + b"\x04\x00\xf0"  # colour 1 opaque, the rest transparent
        + b"\x05" + area
        + b"\x06" + top_at.to_bytes(2, "big") + bottom_at.to_bytes(2, "big")
        + b"\xff"
    )  # fmt: skip
    control = (0).to_bytes(2, "big") + control_at.to_bytes(2, "big") + commands
    stop_at = control_at + len(control)
    stop = show_ticks.to_bytes(2, "big") + stop_at.to_bytes(2, "big") + b"\x02\xff"
    body = top + bottom + control + stop
    return (4 + len(body)).to_bytes(2, "big") + control_at.to_bytes(2, "big") + body


def add_bitmap_subtitle(video: Path, dst: Path, start_ms: int = 300) -> Path:
    """Copy of `video` (MKV) with a VobSub track holding one box in the lower part."""
    with av.open(str(video)) as src, av.open(str(dst), "w", format="matroska") as out:
        vin = src.streams.video[0]
        width, height = vin.codec_context.width, vin.codec_context.height
        vout = out.add_stream_from_template(vin)
        sout = out.add_stream("dvdsub")
        palette = ", ".join(["000000", "ffffff"] + ["000000"] * 14)
        sout.codec_context.extradata = f"size: {width}x{height}\npalette: {palette}\n".encode()
        sout.time_base = Fraction(1, 1000)
        for packet in src.demux(vin):
            if packet.dts is None:
                continue
            packet.stream = vout
            out.mux(packet)
        box = av.Packet(dvd_subpicture(width // 8, height * 3 // 4, 200, height // 6))
        box.stream = sout
        box.time_base = Fraction(1, 1000)
        box.pts = box.dts = start_ms
        box.duration = 1500
        out.mux(box)
    return dst
