"""Reading the texts of an ICC colour profile (description, copyright, maker, model).

Only for inspection: BMP drops an embedded profile, HEIF keeps it and shows
its texts as kept.
"""

from __future__ import annotations

import struct

from sneakernet.clean.base import shorten

_ICC_TEXT_TAGS = {b"desc": "description", b"cprt": "copyright", b"dmnd": "maker", b"dmdd": "model"}


def _icc_text(data: bytes) -> str:
    """The text of one ICC tag of type desc, text or mluc."""
    kind = data[:4]
    if kind == b"desc" and len(data) >= 12:
        length = struct.unpack_from(">I", data, 8)[0]
        return data[12 : 12 + length].split(b"\x00")[0].decode("latin-1")
    if kind == b"text":
        return data[8:].split(b"\x00")[0].decode("latin-1")
    if kind == b"mluc" and len(data) >= 28:
        length, at = struct.unpack_from(">II", data, 20)
        return data[at : at + length].decode("utf-16-be", "replace")
    return ""


def profile_text(profile: bytes) -> str:
    """The readable tags of an ICC profile (description, copyright, maker), for inspection."""
    texts = []
    try:
        count = struct.unpack_from(">I", profile, 128)[0]
        for i in range(min(count, 100)):
            sig, at, length = struct.unpack_from(">4sII", profile, 132 + 12 * i)
            if sig in _ICC_TEXT_TAGS and (text := _icc_text(profile[at : at + length]).strip()):
                texts.append(f"{_ICC_TEXT_TAGS[sig]}: {text}")
    except struct.error:
        pass
    return shorten("; ".join(texts)) or f"{len(profile)} bytes"
