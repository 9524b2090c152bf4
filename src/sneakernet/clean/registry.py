"""Every cleaner, in the order files are offered to them.

The first cleaner whose `sniff` accepts a file's head handles it, so more
specific formats come before general ones (subtitles before plain text).
Each entry names a module of `sneakernet.clean.formats` that exposes its
cleaner as `cleaner`; adding a format is adding one line here.
"""

from __future__ import annotations

import importlib
from functools import cache
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

# The sound and video containers, for a caller that knows its file is one of
# them (prepare, checking its own output): only their modules are imported.
MEDIA_FORMATS: tuple[str, ...] = (
    "mp4", "mkv", "flac", "adts", "mp3", "ogg", "wav", "aiff", "avi", "flv", "mpegts", "asf",
)  # fmt: skip
# Recognised only to be refused with the reason (never copied, even with --allow-unknown).
REFUSED_FORMATS: tuple[str, ...] = ("mpeg_ps",)


def _cleaner(module: str) -> Cleaner:
    return importlib.import_module(f"sneakernet.clean.formats.{module}").cleaner


def _refused(name: str) -> Cleaner:
    return getattr(importlib.import_module("sneakernet.clean.formats.refused"), name)


@cache
def cleaners(formats: tuple[str, ...] | None = None) -> tuple[Cleaner, ...]:
    """Every cleaner in offering order, or only those of `formats` (module names).

    A module is imported when it is first offered a file, so a caller that
    names its formats does not pay for the other thirty.
    """
    if formats is None:
        everyone = [_cleaner(n) for n in FORMAT_MODULES]
        return (*everyone, *(_refused(n) for n in REFUSED_FORMATS))
    unknown = set(formats) - set(FORMAT_MODULES)
    if unknown:
        raise ValueError(f"no cleaner module named {sorted(unknown)}")
    return tuple(_cleaner(n) for n in FORMAT_MODULES if n in formats)


def choose(
    path: Path, head: bytes | None = None, formats: tuple[str, ...] | None = None
) -> Cleaner | None:
    """The cleaner for this file's content, or None when no cleaner knows it.

    With `formats`, only those cleaners are offered the file.
    """
    if head is None:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    for cleaner in cleaners(formats):
        if cleaner.sniff(head, path):
            return cleaner
    return None
