"""Generating dirty media with the bundled ffmpeg, and the oracles that judge a cleaned file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av

from conftest import require_tool
from sneakernet.media import ffmpeg

# Strings every writer in these tests leaves unless a cleaner removes them.
ENCODER_MARKERS = ("x264", "x265", "Lavf", "Lavc", "libVorbis", "Xiph", "LAME", "libopus")


def make_media(path: Path, *args: str) -> Path:
    """Run the bundled ffmpeg with lavfi sources (testsrc video, sine audio)."""
    argv = [ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    ffmpeg.run([*argv, *args, ffmpeg.file_url(path)])
    return path


def video_source(seconds: float = 1) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc=size=128x96:rate=10:duration={seconds}"]


def audio_source(seconds: float = 1) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]


def metadata_args(planted: dict[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in planted.items():
        args += ["-metadata", f"{key}={value}"]
    return args


def exiftool_tags(path: Path) -> str:
    tool = require_tool("exiftool")
    proc = subprocess.run(
        [tool, "-a", "-G1", "-ee", "-U", "--", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
    )
    assert proc.returncode == 0, proc.stderr
    # The file system's own view (name, dates of the temporary file) is not in the file.
    lines = proc.stdout.splitlines()
    return "\n".join(line for line in lines if not line.startswith(("[System]", "[ExifTool]")))


def assert_nothing_left(
    path: Path, planted: list[str], markers: tuple[str, ...] = ENCODER_MARKERS
) -> None:
    """No planted string or encoder marker in exiftool's view or anywhere in the bytes."""
    shown = exiftool_tags(path)
    data = path.read_bytes()
    for text in [*planted, *markers]:
        assert text not in shown, f"exiftool still shows {text!r} in {path.name}"
        assert text.encode() not in data, f"{text!r} still in the bytes of {path.name}"
        assert text.encode("utf-16-le") not in data, f"{text!r} (UTF-16) still in {path.name}"


def assert_planted(path: Path, planted: list[str], markers: tuple[str, ...] = ()) -> None:
    """The input really carries what the test claims to have planted."""
    data = path.read_bytes()
    for text in [*planted, *markers]:
        assert text.encode() in data or text.encode("utf-16-le") in data, f"fixture lacks {text!r}"


def packets(path: Path) -> list[tuple[int, bytes]]:
    with av.open(str(path)) as container:
        return [(p.stream.index, bytes(p)) for p in container.demux() if p.size]


def decoded_audio(path: Path) -> bytes:
    with av.open(str(path)) as container:
        return b"".join(bytes(f.to_ndarray().tobytes()) for f in container.decode(audio=0))


def decode_all(path: Path) -> dict[str, int]:
    """Decode every stream to the end (raises on a broken stream); frame counts per kind."""
    counts: dict[str, int] = {}
    with av.open(str(path)) as container:
        streams = [s for s in container.streams if s.type in ("video", "audio")]
        for frame in container.decode(*streams):
            kind = "video" if isinstance(frame, av.VideoFrame) else "audio"
            counts[kind] = counts.get(kind, 0) + 1
    return counts
