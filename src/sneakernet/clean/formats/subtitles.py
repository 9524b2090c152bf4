"""SRT and SAMI subtitles: timed text only, passed through unchanged."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sneakernet.clean.base import CleanOptions, Finding
from sneakernet.clean.formats.text import as_utf8, looks_like_text

BOM = b"\xef\xbb\xbf"
SRT_START = re.compile(rb"^\s*\d+\s*\r?\n\s*\d+:\d\d:\d\d[,.]\d+\s*-->", re.S)


def strip_bom(head: bytes) -> bytes:
    return head[len(BOM) :] if head.startswith(BOM) else head


class PlainSubtitleCleaner:
    """SRT and SAMI carry only timed text: nothing to remove."""

    name = "subtitles"

    def sniff(self, head: bytes, path: Path) -> bool:
        if not looks_like_text(head):
            return False
        body = strip_bom(as_utf8(head))
        return bool(SRT_START.match(body)) or b"<sami" in body[:4096].lower()

    def inspect(self, path: Path) -> list[Finding]:
        return []

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        shutil.copyfile(src, dst)


cleaner = PlainSubtitleCleaner()
