"""Plain text and HTML: passed through unchanged.

Text has no metadata container; what matters is that it is text and nothing
is hidden after it (Red Star trailers are cut by the caller). Binary data
is not accepted here, so unknown binary formats stay refused.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sneakernet.clean.base import CleanOptions, Finding

ALLOWED_CONTROLS = set(b"\t\n\r\f\x1b")


def looks_like_text(head: bytes) -> bool:
    """No NUL bytes and almost no control characters: text in any 8-bit encoding.

    Legacy encodings (EUC-KR, CP949, GB18030) are common for subtitles and
    books, so UTF-8 validity is not required.
    """
    if not head or b"\0" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in ALLOWED_CONTROLS)
    return controls * 100 <= len(head)


class TextCleaner:
    name = "text"

    def sniff(self, head: bytes, path: Path) -> bool:
        return looks_like_text(head)

    def inspect(self, path: Path) -> list[Finding]:
        return []

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        shutil.copyfile(src, dst)


cleaner = TextCleaner()
