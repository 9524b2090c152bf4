"""The one place that builds and runs ffmpeg commands.

ffmpeg is the static binary shipped in the imageio-ffmpeg wheel, so nothing
from the host's packages is needed at run time. Every path is passed as a
`file:` URL so that a file name can never be read as an option or a protocol,
and commands are argument lists, never a shell.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
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
    "-metadata:s", "encoder=",  # else MP4 keeps "Lavc libx264" as compressor name
)  # fmt: skip


class FfmpegError(RuntimeError):
    """ffmpeg exited with an error; the message carries its last lines."""


@cache
def ffmpeg_exe() -> str:
    """Path of the bundled static ffmpeg (or the one IMAGEIO_FFMPEG_EXE names).

    The bundled binary is taken by its name: imageio-ffmpeg's own lookup runs
    it with `-version` first, one more process in every worker and batch.
    """
    import imageio_ffmpeg

    if not os.environ.get("IMAGEIO_FFMPEG_EXE"):
        try:
            from imageio_ffmpeg._definitions import FNAME_PER_PLATFORM, get_platform
            from imageio_ffmpeg._utils import _get_bin_dir
        except ImportError:  # another layout: its public lookup below
            pass
        else:
            bundled = Path(_get_bin_dir()) / FNAME_PER_PLATFORM.get(get_platform(), "")
            if bundled.is_file() and os.access(bundled, os.X_OK):
                return str(bundled)
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


# Progress reports: seconds of output written so far.
ProgressCallback = Callable[[float], None]


def _load_prctl():
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    return ctypes.CDLL(None, use_errno=True).prctl


# Loaded before any fork: the child must only call it, not import anything.
_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Make the kernel kill ffmpeg when the process that started it dies.

    An interrupted batch must not leave encoders running on their own.
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


def run(
    command: Command | Sequence[str],
    *,
    timeout: float | None = None,
    cwd: str | os.PathLike | None = None,
    on_progress: ProgressCallback | None = None,
) -> None:
    """Run ffmpeg to completion; raise FfmpegError with its last error lines.

    With `on_progress`, ffmpeg reports through `-progress pipe:1` and the
    callback gets the output time in seconds as it advances.
    """
    argv = command.argv() if isinstance(command, Command) else list(command)
    if on_progress is None:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            cwd=cwd,
            preexec_fn=_die_with_parent,
        )
        returncode, stderr = proc.returncode, proc.stderr
    else:
        argv = [argv[0], "-progress", "pipe:1", "-nostats", *argv[1:]]
        returncode, stderr = _run_with_progress(argv, cwd, timeout, on_progress)
    if returncode == -signal.SIGINT or (returncode == 255 and "received signal 2" in stderr):
        # Ctrl-C reaches ffmpeg with the rest of the process group: the operator
        # interrupted the batch, the item did not fail.
        raise KeyboardInterrupt
    if returncode != 0:
        tail = " | ".join(line for line in stderr.strip().splitlines()[-3:])
        raise FfmpegError(f"ffmpeg failed (status {returncode}): {tail}")


_OUT_TIME = re.compile(r"^out_time_us=(\d+)$")


def _run_with_progress(
    argv: list[str], cwd, timeout: float | None, on_progress: ProgressCallback
) -> tuple[int, str]:
    import tempfile

    with tempfile.TemporaryFile(mode="w+", errors="replace") as err:
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            errors="replace",
            cwd=cwd,
            preexec_fn=_die_with_parent,
        )
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                match = _OUT_TIME.match(line.strip())
                if match:
                    on_progress(int(match.group(1)) / 1e6)
            proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        return proc.returncode, err.read()


@cache
def identity() -> str:
    """Which ffmpeg build this is, for cache keys: file name (with its version) and size.

    A stat, not `ffmpeg -version`: it is asked once per worker process.
    """
    exe = Path(ffmpeg_exe())
    return f"{exe.name}:{exe.stat().st_size}"
