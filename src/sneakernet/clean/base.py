"""The interface every format cleaner implements.

A cleaner is chosen by content (magic bytes), never by extension alone. It can
report what an inspector would find (`inspect`) and write a cleaned copy
(`clean`) without touching the original. Cleaners are lossless where the
format allows: they drop metadata, they do not re-encode.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# How much of a file's head `sniff` gets to look at.
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class Finding:
    """One thing an inspector could read from a file."""

    field: str  # where it sits, e.g. "ID3v2:TPE1", "EXIF:GPSLatitude", "H264:SEI user data"
    value: str  # what it says, printable and shortened
    why: str  # why it endangers someone, in a few words
    # Reported but deliberately left in place: what the reader needs, or content
    # kept byte for byte (a ZIM's article pages). Cleaning does not remove it.
    kept: bool = False


@dataclass(frozen=True)
class CleanOptions:
    keep_music_tags: bool = False  # keep title, artist, album, track number on audio
    keep_comments: bool = False  # keep reviewers' comments' text (their authors still go)
    drop_notes: bool = False  # remove speaker notes from presentations


# Why a reviewer's comment matters, and why its anchor does: the findings that
# `keep_comments` leaves in place on purpose.
WHY_COMMENTS = "reviewers' comments: where people write names, places and plans"
WHY_COMMENT_ANCHORS = "where reviewers commented"


def kept_on_request(finding: Finding, options: CleanOptions) -> bool:
    """Whether the options asked for this finding to stay (comments' text)."""
    return options.keep_comments and finding.why in (WHY_COMMENTS, WHY_COMMENT_ANCHORS)


class CleanError(Exception):
    """This file cannot be cleaned (malformed, truncated...): the message says why."""


class Cleaner(Protocol):
    name: str  # short family name shown to operators, e.g. "jpeg", "mp4"

    def sniff(self, head: bytes, path: Path) -> bool:
        """True when `head` (the first SNIFF_BYTES of the file) is this format."""
        ...

    def inspect(self, path: Path) -> list[Finding]:
        """Everything identifying in the file; raise CleanError when unreadable."""
        ...

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        """Write a cleaned copy of `src` to `dst` (a new file); never modify src."""
        ...


def shorten(value: object, limit: int = 200) -> str:
    """Printable, bounded rendering of a metadata value for findings."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
    else:
        text = str(value)
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
