"""FFmpeg's name in MPEG-4 Part 2 (Xvid-style) video, blanked without moving a byte.

FFmpeg's MPEG-4 encoder writes "Lavc60.3.100" as user data after the
video object layer header (in the first frame, or in the codec setup of
MP4/MKV). Decoders only use such strings to work around bugs of encoder
builds from before 2010, so the text is overwritten with spaces (user data
may hold any bytes but a start code). In MP4 and Matroska the codec ids leave
decoders nothing else to guess from. In AVI FFmpeg falls back to the FourCC
(XVID, DIVX...) to pick an IDCT when no string names the encoder, so there
the string is blanked only under other FourCCs (FFmpeg's own FMP4, DX50...),
where decoding does not change; an FFmpeg file tagged XVID is refused. Xvid and DivX
strings are left alone everywhere: decoders need them to choose the matching
IDCT and to unpack packed B-frames.
"""

from __future__ import annotations

import re

_USER_DATA = b"\x00\x00\x01\xb2"
# The printable run an FFmpeg build leaves: "Lavc60.3.100", "FFmpeg v0.5 / libavcodec...".
_ENCODER = re.compile(rb"(Lavc|FFmpe)[\x20-\x7e]*")


def runs(data: bytes) -> list[tuple[int, int]]:
    found = []
    pos = data.find(_USER_DATA)
    while pos >= 0:
        match = _ENCODER.match(data, pos + 4)
        if match:
            found.append(match.span())
        pos = data.find(_USER_DATA, pos + 4)
    return found


def texts(data: bytes) -> list[bytes]:
    return [data[start:end] for start, end in runs(data)]


def blank(data: bytes) -> bytes | None:
    """The buffer with FFmpeg's user-data text replaced by spaces; None when there is none."""
    found = runs(data)
    if not found:
        return None
    out = bytearray(data)
    for start, end in found:
        out[start:end] = b" " * (end - start)
    return bytes(out)
