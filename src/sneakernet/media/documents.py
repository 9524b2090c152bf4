"""Books for old readers: cleaned, and plain text as UTF-8 with a byte-order mark.

Windows XP and 7 Notepad, and the text viewers of cheap players, guess the
encoding of a file without a byte-order mark as the local code page, which
turns Korean in UTF-8 into garbage; CP949 files break on Chinese phones. A
UTF-8 BOM and Windows line ends read correctly everywhere.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from sneakernet.errors import ItemFailed
from sneakernet.media.subtitles import decode_text


def normalise_text(data: bytes) -> bytes:
    """Any of UTF-8/16 (with or without BOM), CP949 or EUC-KR in; UTF-8 with BOM and CRLF out."""
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    return codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8")


BOOK_SUFFIXES = {".pdf", ".epub", ".txt"}  # what a folder given to `prepare` offers


def prepare_book(src: Path, dst: Path) -> None:
    """A cleaned copy of a PDF, EPUB or plain-text book at `dst` (a temporary name).

    The one book policy: `prepare --profile ebook` and `make` both come here,
    and what a book is is decided by content (`clean.book_format`).

    The format cleaners remove metadata, old PDF revisions and Red Star
    marks; plain text is then re-encoded as UTF-8 with BOM and CRLF.
    """
    from sneakernet.clean import CleanError, CleanOptions, book_format, clean_file

    try:
        kind = book_format(src)
    except FileNotFoundError:
        raise ItemFailed(f"{src.name}: no such file") from None
    if kind is None:
        raise ItemFailed(
            f"{src.name}: not a book (the ebook profile takes PDF, EPUB and plain text)"
        )
    try:
        clean_file(src, dst, CleanOptions())
    except CleanError as exc:
        raise ItemFailed(f"{src.name}: {exc}") from None
    except FileNotFoundError:
        raise ItemFailed(f"{src.name}: no such file") from None
    if kind == "text":  # `dst` is the caller's temporary name: rewriting it is safe
        dst.write_bytes(normalise_text(dst.read_bytes()))
