"""Every cleaner, in the order files are offered to them.

The first cleaner whose `sniff` accepts a file's head handles it, so more
specific formats come before general ones (subtitles before plain text).
Each entry names a module of `sneakernet.clean.formats` that exposes its
cleaner as `cleaner`; adding a format is adding one line here.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from sneakernet.clean.base import SNIFF_BYTES, Cleaner

FORMAT_MODULES: tuple[str, ...] = (
    "jpeg",
    "png",
    "gif",
    "bmp",
    "webp",
    "tiff",
    "pdf",
    "office",
    "odf",
    "epub",
    "ole",
    "hwpx",
    "heif",  # before mp4: the same boxes, a still-image brand
    "mp4",
    "mkv",
    "flac",
    "adts",  # before mp3: an ID3 tag opens both
    "mp3",
    "ogg",
    "wav",
    "aiff",
    "avi",
    "flv",
    "mpegts",
    "asf",
    "zim",
    "rtf",
    "eps",
    "ass",
    "svg",
    "subtitles",
    "html",
    "text",  # keep last: accepts any text
)

CLEANERS: list[Cleaner] = [
    importlib.import_module(f"sneakernet.clean.formats.{name}").cleaner for name in FORMAT_MODULES
]
# Recognised only to be refused with the reason (never copied, even with --allow-unknown).
REFUSED_FORMATS: tuple[str, ...] = ("mpeg_ps",)
CLEANERS += [
    getattr(importlib.import_module("sneakernet.clean.formats.refused"), name)
    for name in REFUSED_FORMATS
]


def choose(path: Path, head: bytes | None = None) -> Cleaner | None:
    """The cleaner for this file's content, or None when no cleaner knows it."""
    if head is None:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    for cleaner in CLEANERS:
        if cleaner.sniff(head, path):
            return cleaner
    return None
