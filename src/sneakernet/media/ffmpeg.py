"""The one place that builds and runs ffmpeg commands.

ffmpeg is the static binary shipped in the imageio-ffmpeg wheel, so nothing
from the host's packages is needed at run time. Every path is passed as a
`file:` URL so that a file name can never be read as an option or a protocol,
and commands are argument lists, never a shell.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

# Output options that keep identifying data out of what ffmpeg writes:
# no global/stream metadata or chapters carried over from the input, and no
# encoder or muxer version strings (bitexact).
NEUTRAL_OUTPUT_OPTIONS: tuple[str, ...] = (
    "-map_metadata", "-1",
    "-map_chapters", "-1",
    "-fflags", "+bitexact",
    "-flags:v", "+bitexact",
    "-flags:a", "+bitexact",
)  # fmt: skip


class FfmpegError(RuntimeError):
    """ffmpeg exited with an error; the message carries its last lines."""


@cache
def ffmpeg_exe() -> str:
    """Path of the bundled static ffmpeg."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def file_url(path: str | os.PathLike) -> str:
    """An absolute `file:` URL, so names like `-x` or `http:a` stay file names."""
    return "file:" + str(Path(path).absolute())


@dataclass
class Input:
    path: Path
    options: list[str] = field(default_factory=list)  # options placed before -i


@dataclass
class Output:
    path: Path
    options: list[str] = field(default_factory=list)  # codec, map, filter options


@dataclass
class Command:
    """An ffmpeg invocation as data, turned into argv by `argv()`."""

    inputs: list[Input]
    outputs: list[Output]
    global_options: list[str] = field(default_factory=list)

    def argv(self) -> list[str]:
        args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
        args += self.global_options
        for inp in self.inputs:
            args += [*inp.options, "-i", file_url(inp.path)]
        for out in self.outputs:
            args += [*out.options, file_url(out.path)]
        return args


def run(command: Command | Sequence[str], *, timeout: float | None = None) -> None:
    """Run ffmpeg to completion; raise FfmpegError with its last error lines."""
    argv = command.argv() if isinstance(command, Command) else list(command)
    proc = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=timeout)
    if proc.returncode != 0:
        tail = " | ".join(line for line in proc.stderr.strip().splitlines()[-3:])
        raise FfmpegError(f"ffmpeg failed (status {proc.returncode}): {tail}")
