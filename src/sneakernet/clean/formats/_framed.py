"""Audio made of self-delimiting frames between tags (MP3, ADTS AAC).

Where the leading tags end, where the first frame sits past any junk, the run of
whole frames, and where the trailing tags begin: one walk for every such format,
given the format's own frame-header parser.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from sneakernet.clean.base import CleanError, Finding
from sneakernet.clean.formats import audiotags
from sneakernet.clean.formats._output import COPY_CHUNK, reader

RESYNC_WINDOW = 64 * 1024  # how far past the tags the first frame may sit


class FrameHeader(Protocol):
    @property
    def length(self) -> int: ...  # of the whole frame, header included


H = TypeVar("H", bound=FrameHeader)


@dataclass(frozen=True)
class FrameFormat(Generic[H]):
    parse: Callable[[bytes], H | None]  # a header from its first `header_size` bytes
    header_size: int


@dataclass
class Layout:
    tags: list[audiotags.Tag]
    audio_start: int
    audio_end: int  # end of the last whole frame
    tags_start: int  # where trailing tags begin (audio_end <= tags_start)
    junk: int  # bytes between the leading tags and the first frame, dropped


def first_frame(fmt: FrameFormat, head: bytes) -> int | None:
    """Offset of the first frame that another frame (or the end) follows."""
    n = fmt.header_size
    pos = head.find(b"\xff")
    while 0 <= pos <= len(head) - n:
        header = fmt.parse(head[pos : pos + n])
        if header is not None:
            following = head[pos + header.length : pos + header.length + n]
            if len(following) < n or fmt.parse(following) is not None:
                return pos
        pos = head.find(b"\xff", pos + 1)
    return None


def frames(fmt: FrameFormat[H], read_at, start: int, limit: int) -> Iterator[tuple[int, H]]:
    """(offset, header) of each whole frame in the run starting at `start`."""
    n = fmt.header_size
    pos = start
    block_at, block = start, read_at(start, COPY_CHUNK)
    while pos < limit:
        if pos + n > block_at + len(block):
            block_at, block = pos, read_at(pos, COPY_CHUNK)
        header = fmt.parse(block[pos - block_at : pos - block_at + n])
        if header is None or pos + header.length > limit:
            return
        yield pos, header
        pos += header.length


def layout(fmt: FrameFormat, path: Path, tag_name: str, no_frame: str, no_whole: str) -> Layout:
    """The file's tags and frames; CleanError with `no_frame` or `no_whole` when it has none."""
    size = os.stat(path).st_size
    if size == 0:
        raise CleanError("empty file: nothing to clean")
    with open(path, "rb") as f:
        read_at = reader(f)
        try:
            front = audiotags.leading_tags(read_at, size)
            start = front[-1].end if front else 0
            back = audiotags.trailing_tags(read_at, start, size)
        except ValueError as exc:
            raise CleanError(f"corrupt {tag_name} tag: {exc}") from None
        tags_start = back[-1].start if back else size
        junk = first_frame(fmt, read_at(start, RESYNC_WINDOW))
        if junk is None:
            raise CleanError(no_frame)
        end = start + junk
        for at, header in frames(fmt, read_at, start + junk, tags_start):
            end = at + header.length
        if end == start + junk:
            raise CleanError(no_whole)
        return Layout(front + back, start + junk, end, tags_start, junk)


def hidden_bytes(found: Layout) -> list[Finding]:
    """Bytes before the first frame and after the last that a player skips."""
    out = []
    if found.junk:
        out.append(
            Finding("File:DataBeforeAudio", f"{found.junk} bytes before the first frame",
                    "hidden bytes a player skips but a hex editor shows")
        )  # fmt: skip
    if found.audio_end < found.tags_start:
        out.append(
            Finding("File:TrailingData", f"{found.tags_start - found.audio_end} bytes after the last frame",
                    "hidden bytes a player ignores but a hex editor shows")
        )  # fmt: skip
    return out
