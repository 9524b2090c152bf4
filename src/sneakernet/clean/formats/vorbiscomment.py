"""Vorbis comments (FLAC, Ogg Vorbis, Opus, Theora): read them, write a neutral one."""

from __future__ import annotations

import struct

from sneakernet.clean.base import CleanError

# Field names a music player shows; `--keep-music-tags` keeps only these.
MUSIC_KEYS = ("TITLE", "ARTIST", "ALBUM", "TRACKNUMBER")


class CommentError(CleanError):
    """The comment block's lengths run past its end."""


def parse(data: bytes) -> tuple[str, list[tuple[str, str]]]:
    """(vendor string, [(FIELD, value)]) of a comment block (without any packet prefix)."""
    try:
        (vendor_len,) = struct.unpack_from("<I", data, 0)
        pos = 4 + vendor_len
        vendor = data[4:pos].decode("utf-8", "replace")
        (count,) = struct.unpack_from("<I", data, pos)
        pos += 4
        comments = []
        for _ in range(count):
            (length,) = struct.unpack_from("<I", data, pos)
            raw = data[pos + 4 : pos + 4 + length]
            if len(raw) != length:
                raise CommentError("corrupt comment block: a comment runs past its end")
            pos += 4 + length
            key, _, value = raw.decode("utf-8", "replace").partition("=")
            comments.append((key.upper(), value))
    except struct.error:
        raise CommentError("corrupt comment block: it is cut short") from None
    return vendor, comments


def build(comments: list[tuple[str, str]], vendor: str = "") -> bytes:
    """A comment block with an empty (neutral) vendor string unless one is given."""
    out = (
        struct.pack("<I", len(vendor.encode())) + vendor.encode() + struct.pack("<I", len(comments))
    )
    for key, value in comments:
        raw = f"{key}={value}".encode()
        out += struct.pack("<I", len(raw)) + raw
    return out


def music_only(comments: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Title, artist, album and track number, first of each, in that order."""
    first: dict[str, str] = {}
    for key, value in comments:
        if key in MUSIC_KEYS and key not in first:
            first[key] = value
    return [(key, first[key]) for key in MUSIC_KEYS if key in first]
