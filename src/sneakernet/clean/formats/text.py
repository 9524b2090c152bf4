"""Plain text: passed through unchanged.

Text has no metadata container; what matters is that it is text and nothing
is hidden after it (Red Star trailers are cut by the caller). Binary data
is not accepted here, so unknown binary formats stay refused; neither is
text with a structure of its own (see structured), which fails closed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sneakernet.clean.base import CleanOptions, Finding

ALLOWED_CONTROLS = set(b"\t\n\r\f\x1b")


UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}


def utf16_encoding(data: bytes) -> str | None:
    """The UTF-16 codec of text that starts with a UTF-16 byte-order mark."""
    return UTF16_BOMS.get(data[:2])


def as_utf8(data: bytes) -> bytes:
    """UTF-16 text (Windows "Unicode" files) as UTF-8 bytes; other data unchanged."""
    encoding = utf16_encoding(data)
    if encoding is None:
        return data
    body = data[2 : len(data) - (len(data) % 2)]
    return body.decode(encoding, "replace").encode("utf-8")


def in_own_encoding(original: bytes, utf8: bytes) -> bytes:
    """Text processed as UTF-8 written back in the original's UTF-16, if it was."""
    encoding = utf16_encoding(original)
    if encoding is None:
        return utf8
    return original[:2] + utf8.decode("utf-8").encode(encoding)


def looks_like_text(head: bytes) -> bool:
    """No NUL bytes and almost no control characters: text in any 8-bit encoding.

    Legacy encodings (EUC-KR, CP949, GB18030) are common for subtitles and
    books, so UTF-8 validity is not required.
    """
    head = as_utf8(head)
    if not head or b"\0" in head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in ALLOWED_CONTROLS)
    return controls * 100 <= len(head)


class TextCleaner:
    """Plain text only: structured text (XML, XMP, PostScript, RTF, vCard...) is refused."""

    name = "text"

    def sniff(self, head: bytes, path: Path) -> bool:
        from sneakernet.clean.formats import structured

        return looks_like_text(head) and structured.kind(head) is None

    def inspect(self, path: Path) -> list[Finding]:
        return []

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        shutil.copyfile(src, dst)


cleaner = TextCleaner()
