"""What an original is: its kind (by content, not by name), duration and hash.

Video and audio are recognised by PyAV opening the streams, encyclopedias by
their magic bytes, and books (PDF, EPUB, plain text) by the cleaner that
recognises their content (`clean.book_format`, the one book classifier,
which `prepare --profile ebook` uses too). The extension is never trusted: a film
renamed `.txt` is still a film.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import av
import blake3

# Demuxers that present a still picture, or text art, as a video stream.
_NOT_MEDIA_FORMATS = {"image2", "gif", "webp", "ico", "apng", "bin", "tty", "xbin", "idf", "adf"}
_ZIM_MAGIC = (72173914).to_bytes(4, "little")  # 0x044D495A


@dataclass
class Probe:
    kind: str
    duration: float | None = None


def content_hash(path: Path) -> str:
    """BLAKE3 of the content: the item's identity wherever the file moves."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, blake3.blake3).hexdigest()


def _probe_av(path: Path) -> Probe | None:
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if set(container.format.name.split(",")) & _NOT_MEDIA_FORMATS or any(
                name.endswith("_pipe") for name in container.format.name.split(",")
            ):
                return None
            if not container.duration:
                return None  # no playing time: not something a player plays
            duration = container.duration / av.time_base
            video = [
                s
                for s in container.streams.video
                if not (s.disposition & av.stream.Disposition.attached_pic)
            ]
            if video:
                return Probe("video", duration)
            if container.streams.audio:
                return Probe("audio", duration)
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError):
        return None
    return None


def probe(path: Path) -> Probe:
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(_ZIM_MAGIC):
        return Probe("encyclopedia")
    media = _probe_av(path)
    if media is not None:
        return media
    from sneakernet.clean import book_format

    return Probe("book") if book_format(path) else Probe("other")
