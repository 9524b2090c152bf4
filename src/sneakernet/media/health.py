"""Is an output whole? Decode every frame and compare its duration with the input's.

The decode runs in ffmpeg (all cores, no Python per frame) with `-xerror`,
so the first damaged packet fails the check. `prepare` runs it beside the
encode (`LiveCheck`), on the packets as they are muxed, and then proves the
finished file holds those very packets; `check` decodes a finished file.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from sneakernet.errors import ItemFailed
from sneakernet.media import ffmpeg
from sneakernet.media.ffmpeg import Command, Input, Output


def duration_tolerance(expected: float) -> float:
    # Frame-rate changes and audio priming shift the end by a frame or two.
    return max(0.5, expected * 0.02)


def decoded_duration(path: Path, label: str | None = None, streams: Sequence[int] = ()) -> float:
    """Seconds of picture and sound (or of `streams`) that decode without error; else ItemFailed."""
    label = label or path.name
    ends: list[float] = []
    maps = [f"0:{index}" for index in streams] or ["0:v?", "0:a?"]
    command = Command(
        [Input(path)],
        [Output(Path("/dev/null"), [*(a for m in maps for a in ("-map", m)), "-f", "null"])],
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
    _check_duration(label, got, expected_duration)
    return got


def _check_duration(label: str, got: float, expected: float) -> None:
    if abs(got - expected) > duration_tolerance(expected):
        raise ItemFailed(f"{label}: output lasts {got:.2f} s but the input {expected:.2f} s")


class LiveCheck:
    """The health check run beside the encode instead of after it.

    A full decode of the output costs a tenth of a fast encode. The encode
    does not keep every core busy, so a second ffmpeg, at lower priority,
    decodes its packets as they are made: they reach it through a pipe from
    a tee of the very muxing that writes the file. When the file is done (and
    cleaned), one quick pass over it proves it holds exactly the packets that
    decoded, by comparing per-stream hashes of the packet data, and decodes
    its first seconds from the file itself (headers, extradata).

    Use as a context manager around `attach` and `verify`; the decoder never
    outlives it.
    """

    NICENESS = 10  # below the encoders, so it mostly takes what they leave idle
    PIPE_BYTES = 1 << 20  # slack so neither side waits on the other's every packet
    HEAD_SECONDS = "2"

    def __init__(self, workdir: Path, label: str) -> None:
        self.workdir, self.label = workdir, label
        self.decoder: subprocess.Popen | None = None
        self._write_fd: int | None = None
        self._progress = workdir / "decode.progress"
        self._hashes = workdir / "decode.streamhash"
        self._stderr = workdir / "decode.log"

    def __enter__(self) -> LiveCheck:
        return self

    def __exit__(self, *exc) -> None:
        self._close_pipe()
        if self.decoder is not None and self.decoder.poll() is None:
            self.decoder.kill()
            self.decoder.wait()

    def attach(self, command: Command) -> Command:
        """`command` with its (single) output also fed to a decoder started now."""
        (output,) = command.outputs
        read_fd, write_fd = os.pipe()
        try:
            _grow_pipe(write_fd, self.PIPE_BYTES)
            decoder = Command(
                [Input(Path("-"), url="pipe:0")],
                [
                    Output(self._progress.with_suffix(".null"), ["-map", "0", "-f", "null"]),
                    Output(self._hashes, ["-map", "0", "-c", "copy", "-f", "streamhash"]),
                ],
                global_options=["-xerror", "-progress", ffmpeg.file_url(self._progress)],
            )
            argv = decoder.argv()
            with open(self._stderr, "wb") as err:
                self.decoder = subprocess.Popen(
                    argv,
                    stdin=read_fd,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    preexec_fn=self._lower_priority,
                )
        finally:
            os.close(read_fd)
        self._write_fd = write_fd
        teed = ffmpeg.with_pipe_copy(output, write_fd)
        return replace(command, outputs=[teed], pass_fds=(*command.pass_fds, write_fd))

    def encoder_done(self) -> None:
        """The encoder has exited: the decoder sees the end of its input."""
        self._close_pipe()

    def decoder_failure(self) -> str | None:
        """Why the decoder failed (waiting for it), or None."""
        self.encoder_done()
        if self.decoder is None:
            return None
        if self.decoder.wait() == 0:
            return None
        return _last_lines(self._stderr.read_text(errors="replace")) or "decoder failed"

    def verify(self, path: Path, expected_duration: float) -> float:
        """Raise ItemFailed unless `path` holds the packets that decoded, of the right length."""
        check = Command(
            [Input(path)],
            [
                Output(Path("/dev/null"), ["-map", "0", "-t", self.HEAD_SECONDS, "-f", "null"]),
                Output(Path("-"), ["-map", "0", "-c", "copy", "-f", "streamhash"], url="pipe:1"),
            ],
            global_options=["-xerror"],
        )
        # The file's pass runs while the decoder finishes what the pipe still holds.
        proc = subprocess.Popen(
            check.argv(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            preexec_fn=ffmpeg._die_with_parent,
        )
        failure = self.decoder_failure()
        stdout, stderr = proc.communicate()
        if failure is not None:
            raise ItemFailed(f"{self.label}: output does not decode ({failure})")
        got = _last_out_time(self._progress.read_text())
        if got <= 0:
            raise ItemFailed(f"{self.label}: output holds no decodable picture or sound")
        _check_duration(self.label, got, expected_duration)
        if proc.returncode != 0:
            raise ItemFailed(f"{self.label}: output does not decode ({_last_lines(stderr)})")
        in_file, decoded = _stream_hashes(stdout), _stream_hashes(self._hashes.read_text())
        if in_file.keys() != decoded.keys():
            raise ItemFailed(
                f"{self.label}: the output file's streams differ from what was encoded"
            )
        # A cleaner may rewrite packets (LAME's name in MP3 frames): those
        # streams are decoded again, whole, from the file.
        changed = [index for index in in_file if in_file[index] != decoded[index]]
        if changed:
            _check_duration(self.label, decoded_duration(path, self.label, changed), got)
        return got

    def _close_pipe(self) -> None:
        if self._write_fd is not None:
            os.close(self._write_fd)
            self._write_fd = None

    @classmethod
    def _lower_priority(cls) -> None:
        os.nice(cls.NICENESS)
        ffmpeg._die_with_parent()


def _grow_pipe(fd: int, size: int) -> None:
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
    except OSError:
        pass  # a smaller pipe only means more waiting


def _stream_hashes(streamhash: str) -> dict[int, str]:
    """ffmpeg streamhash lines, `0,v,SHA256=...`, by stream index."""
    lines = (line.split(",", 2) for line in streamhash.split())
    return {int(index): digest for index, _, digest in lines}


def _last_out_time(progress: str) -> float:
    times = re.findall(r"(?m)^out_time_us=(\d+)$", progress)
    return int(times[-1]) / 1e6 if times else 0.0


def _last_lines(text: str) -> str:
    return " | ".join(line for line in text.strip().splitlines()[-3:])
