"""Books for old readers: plain text as UTF-8 with a byte-order mark.

Windows XP and 7 Notepad, and the text viewers of cheap players, guess the
encoding of a file without a byte-order mark as the local code page, which
turns Korean in UTF-8 into garbage; CP949 files break on Chinese phones. A
UTF-8 BOM and Windows line ends read correctly everywhere.
"""

from __future__ import annotations

import codecs

from sneakernet.media.subtitles import decode_text


def normalise_text(data: bytes) -> bytes:
    """Any of UTF-8/16 (with or without BOM), CP949 or EUC-KR in; UTF-8 with BOM and CRLF out."""
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    return codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8")
