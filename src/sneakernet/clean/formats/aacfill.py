"""Remove an encoder's name from the first AAC frame without re-encoding.

FFmpeg's AAC encoder (and others) open their first raw_data_block with a fill
element (ID_FIL) whose bytes spell the encoder and its version, e.g.
"Lavc60.3.100". A fill element carries nothing a decoder needs, so it is cut
out at bit level; the rest of the frame is kept bit for bit (shifted), and the
frame is padded with zero bits to a whole byte, as after ID_END.

One fill text is read by decoders: libfaac's "libfaac 1.28" tells FFmpeg's
decoder to skip the encoder's first 1024 samples. Cutting it would make the
sound start 23 ms early, so its version becomes the neutral "libfaac 1.0"
(same element, same length, same meaning) instead.
"""

from __future__ import annotations

import re

_ID_FIL = 6
_FILL_TYPES = (0, 1, 2)  # EXT_FILL, EXT_FILL_DATA, EXT_DATA_ELEMENT: no audio in them
_TEXT = re.compile(rb"[\x20-\x7e]{4,}")
# What FFmpeg's decoder matches ("libfaac %d.%d") to skip libfaac's start-up frame.
NEUTRAL_FAAC = b"libfaac 1.0"
_FAAC = re.compile(rb"libfaac [\x20-\x7e]*")


def leading_fill(frame: bytes) -> tuple[int, bytes] | None:
    """(length in bits, payload) of a fill element opening the frame, if any."""
    if len(frame) < 2 or frame[0] >> 5 != _ID_FIL:
        return None
    bits = int.from_bytes(frame[:3].ljust(3, b"\x00"), "big")
    count = (bits >> 17) & 0x0F
    header = 7
    if count == 15:
        count += ((bits >> 9) & 0xFF) - 1
        header = 15
    length = header + 8 * count
    if length > len(frame) * 8 or count == 0:
        return None
    value = int.from_bytes(frame, "big") >> (len(frame) * 8 - length)
    payload = (value & ((1 << (8 * count)) - 1)).to_bytes(count, "big")
    if payload[0] >> 4 not in _FILL_TYPES:
        return None
    # Writers byte-align the text inside the element, so look at the frame's
    # own bytes too, not only at the element payload (which is 7 bits off).
    return length, payload + b"\x00" + frame[: (length + 7) // 8]


def fill_text(frame: bytes) -> bytes | None:
    """Readable text in a leading fill element (for inspection)."""
    found = leading_fill(frame)
    if found is None:
        return None
    runs = [run for run in _TEXT.findall(found[1]) if run != NEUTRAL_FAAC]
    return b" ".join(runs) if runs else None


def strip_fill(frame: bytes) -> bytes | None:
    """The frame without a text-bearing leading fill element; None if there is none.

    A libfaac fill keeps its place with the neutral version instead.
    """
    found = leading_fill(frame)
    if found is None or not _TEXT.search(found[1]):
        return None
    length = found[0]
    faac = _FAAC.search(frame, 0, (length + 7) // 8)
    if faac is not None and len(faac.group()) >= len(NEUTRAL_FAAC):
        neutral = NEUTRAL_FAAC.ljust(len(faac.group()), b"\x00")
        kept = frame[: faac.start()] + neutral + frame[faac.end() :]
        return kept if kept != frame else None
    rest_bits = len(frame) * 8 - length
    rest = int.from_bytes(frame, "big") & ((1 << rest_bits) - 1)
    size = (rest_bits + 7) // 8
    return (rest << (size * 8 - rest_bits)).to_bytes(size, "big")


def blank_fill(frame: bytes) -> bytes | None:
    """The frame with a leading fill element's text zeroed, same length; None if unchanged.

    For containers that cannot change a frame's size in place (MPEG-TS): the
    element stays, its text bytes become zeros (a libfaac fill its neutral
    version, as in `strip_fill`).
    """
    found = leading_fill(frame)
    if found is None or not _TEXT.search(found[1]):
        return None
    length = found[0]
    faac = _FAAC.search(frame, 0, (length + 7) // 8)
    if faac is not None and len(faac.group()) >= len(NEUTRAL_FAAC):
        return strip_fill(frame)
    first = 3 if (frame[0] >> 1) & 0x0F == 15 else 2  # the first byte after the element header
    out = bytearray(frame)
    for run in _TEXT.finditer(frame, first, length // 8):
        out[run.start() : run.end()] = bytes(run.end() - run.start())
    return bytes(out) if out != frame else None


def is_aac_esds(entry_payload: bytes) -> bool:
    """True when an 'mp4a' sample entry's esds declares AAC (object type 0x40/0x66-0x68)."""
    return esds_object_type(entry_payload) in (0x40, 0x66, 0x67, 0x68)


def esds_object_type(entry_payload: bytes) -> int | None:
    """The objectTypeIndication in an 'mp4a' sample entry's esds (0x6B: MP3)."""
    at = entry_payload.find(b"esds")
    if at < 0:
        return None
    data = entry_payload[at + 8 :]  # skip type, version and flags
    pos = 0

    def descriptor(pos: int) -> tuple[int, int]:
        tag = data[pos]
        pos += 1
        for _ in range(4):
            byte = data[pos]
            pos += 1
            if not byte & 0x80:
                break
        return tag, pos

    try:
        tag, pos = descriptor(pos)
        if tag != 0x03:
            return None
        flags = data[pos + 2]
        pos += 3
        if flags & 0x80:
            pos += 2
        if flags & 0x40:
            pos += 1 + data[pos]
        if flags & 0x20:
            pos += 2
        tag, pos = descriptor(pos)
        return data[pos] if tag == 0x04 else None
    except IndexError:
        return None
