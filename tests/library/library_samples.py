"""Tiny generated originals for library and planner tests."""

from __future__ import annotations

import subprocess
import zipfile
from fractions import Fraction
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np


def write_video(path: Path, frames: int = 5, seed: int = 0, fmt: str | None = None) -> Path:
    """A few frames of MPEG-4 video in whatever container the suffix names."""
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream("mpeg4", rate=Fraction(5, 1))
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        rng = np.random.default_rng(seed)
        for _ in range(frames):
            image = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def write_audio(path: Path, seconds: float = 0.5, seed: int = 0) -> Path:
    """A short tone in WAV (PCM), distinct per seed."""
    rate = 8000
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=rate, layout="mono")
        t = np.arange(int(rate * seconds)) / rate
        samples = (np.sin(2 * np.pi * (220 + seed) * t) * 8000).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def write_pdf(path: Path, text: str = "hello") -> Path:
    body = f"BT /F1 12 Tf 10 10 Td ({text}) Tj ET".encode()
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/Contents 4 0 R>>endobj\n"
        + f"4 0 obj<</Length {len(body)}>>stream\n".encode()
        + body
        + b"\nendstream endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return path


def write_epub(path: Path, title: str = "book") -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("content.xhtml", f"<html><body>{title}</body></html>")
    return path


def write_zim(path: Path) -> Path:
    path.write_bytes((72173914).to_bytes(4, "little") + b"\x05\x00\x00\x00" + bytes(120))
    return path


def big_film(path: Path, seed: int, seconds: int = 10) -> Path:
    """A 720p MPEG-4 rip at a high rate: ~70 MB, far larger than the card."""
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=s=1280x720:r=25:d={seconds},noise=alls={6 + seed}:allf=t",
         "-f", "lavfi", "-i", f"sine=f={300 + 50 * seed}:d={seconds}",
         "-c:v", "mpeg4", "-q:v", "2", "-c:a", "aac", "-b:a", "128k", "-shortest", str(path)],
        check=True, timeout=300,
    )  # fmt: skip
    return path
