"""Remove encoder settings from H.264/HEVC bitstreams without re-encoding.

x264 and x265 write their version and full command line into the first
access unit as a "user data unregistered" SEI message (payload type 5). We
drop exactly those messages: an SEI NAL unit holding nothing else is removed,
one that also carries timing or other messages is rebuilt without them. Every
other NAL unit is copied byte for byte.
"""

from __future__ import annotations

import re

USER_DATA_UNREGISTERED = 5

_EMULATION = re.compile(b"\x00\x00\x03")
_NEEDS_ESCAPE = re.compile(b"\x00\x00(?=[\x00-\x03])")


def _unescape(ebsp: bytes) -> bytes:
    return _EMULATION.sub(b"\x00\x00", ebsp) if b"\x00\x00\x03" in ebsp else ebsp


def _escape(rbsp: bytes) -> bytes:
    return _NEEDS_ESCAPE.sub(b"\x00\x00\x03", rbsp)


def _read_sei_number(rbsp: bytes, pos: int) -> tuple[int, int]:
    value = 0
    while pos < len(rbsp) and rbsp[pos] == 0xFF:
        value += 255
        pos += 1
    if pos >= len(rbsp):
        raise ValueError("SEI message cut short")
    return value + rbsp[pos], pos + 1


def _write_sei_number(value: int) -> bytes:
    return b"\xff" * (value // 255) + bytes([value % 255])


def sei_messages(rbsp: bytes) -> list[tuple[int, bytes]]:
    """(payload type, payload) of each SEI message in an SEI RBSP (header removed)."""
    messages = []
    pos = 0
    # The RBSP ends with a stop bit byte (0x80); anything before it is messages.
    end = len(rbsp)
    while end > 0 and rbsp[end - 1] == 0:
        end -= 1
    while pos < end - 1 or (pos == end - 1 and rbsp[pos] != 0x80):
        ptype, pos = _read_sei_number(rbsp, pos)
        psize, pos = _read_sei_number(rbsp, pos)
        if pos + psize > end:
            raise ValueError("SEI payload runs past its NAL unit")
        messages.append((ptype, rbsp[pos : pos + psize]))
        pos += psize
    return messages


def is_sei(nal: bytes, hevc: bool) -> bool:
    if hevc:
        return len(nal) > 2 and ((nal[0] >> 1) & 0x3F) in (39, 40)
    return len(nal) > 1 and (nal[0] & 0x1F) == 6


def clean_sei_nal(nal: bytes, hevc: bool) -> bytes | None:
    """The NAL unit without user-data SEI messages; None when nothing is left.

    Returns the input object itself when it holds no such message.
    """
    header = 2 if hevc else 1
    try:
        messages = sei_messages(_unescape(nal[header:]))
    except ValueError:
        # Not parseable as SEI: keep the unit unchanged rather than guess.
        return nal
    kept = [(t, p) for t, p in messages if t != USER_DATA_UNREGISTERED]
    if len(kept) == len(messages):
        return nal
    if not kept:
        return None
    rbsp = b"".join(_write_sei_number(t) + _write_sei_number(len(p)) + p for t, p in kept)
    return nal[:header] + _escape(rbsp + b"\x80")


def user_data_strings(nal: bytes, hevc: bool) -> list[bytes]:
    """Payloads (after the 16-byte UUID) of user-data SEI messages in a NAL unit."""
    header = 2 if hevc else 1
    try:
        messages = sei_messages(_unescape(nal[header:]))
    except ValueError:
        return []
    return [p[16:] for t, p in messages if t == USER_DATA_UNREGISTERED]


def split_length_prefixed(sample: bytes, length_size: int) -> list[bytes] | None:
    """NAL units of one length-prefixed sample; None when the lengths do not add up."""
    nals = []
    pos = 0
    size = len(sample)
    while pos < size:
        if pos + length_size > size:
            return None
        n = int.from_bytes(sample[pos : pos + length_size], "big")
        pos += length_size
        if pos + n > size:
            return None
        nals.append(sample[pos : pos + n])
        pos += n
    return nals


def strip_sample(sample: bytes, length_size: int, hevc: bool) -> bytes | None:
    """The sample without user-data SEI; None when it had none (keep it as is)."""
    # Fast path: look at NAL headers only; most samples carry no SEI at all.
    pos = 0
    size = len(sample)
    found = False
    while pos + length_size < size:
        n = int.from_bytes(sample[pos : pos + length_size], "big")
        first = sample[pos + length_size]
        kind = ((first >> 1) & 0x3F) if hevc else (first & 0x1F)
        if kind in ((39, 40) if hevc else (6,)):
            found = True
            break
        pos += length_size + n
    if not found:
        return None
    nals = split_length_prefixed(sample, length_size)
    if nals is None:
        return None
    out = []
    changed = False
    for nal in nals:
        if is_sei(nal, hevc):
            cleaned = clean_sei_nal(nal, hevc)
            if cleaned is not nal:
                changed = True
                if cleaned is None:
                    continue
                nal = cleaned
        out.append(len(nal).to_bytes(length_size, "big") + nal)
    return b"".join(out) if changed else None


def sample_user_data(sample: bytes, length_size: int, hevc: bool) -> list[bytes]:
    """User-data SEI payloads found in one sample (for inspection)."""
    nals = split_length_prefixed(sample, length_size) or []
    found: list[bytes] = []
    for nal in nals:
        if is_sei(nal, hevc):
            found += user_data_strings(nal, hevc)
    return found


_START_CODE = re.compile(b"\x00\x00\x01")
FILLER_NAL = 12


def filler_nal(length: int) -> bytes:
    """A filler-data NAL unit (type 12) of exactly `length` bytes; decoders discard it."""
    return bytes([FILLER_NAL]) + b"\xff" * (length - 2) + b"\x80"


def annexb_user_data(data: bytes) -> list[tuple[int, int, bytes | None]]:
    """SEI units holding user data in an Annex B (start-code) H.264 buffer.

    Each is (start, end, cleaned NAL or None when nothing else was in it);
    `end` excludes trailing zero bytes that belong to the next start code.
    """
    found = []
    starts = [m.end() for m in _START_CODE.finditer(data)]
    for i, start in enumerate(starts):
        if start >= len(data) or (data[start] & 0x1F) != 6:
            continue
        end = starts[i + 1] - 3 if i + 1 < len(starts) else len(data)
        while end > start and data[end - 1] == 0:
            end -= 1
        nal = data[start:end]
        cleaned = clean_sei_nal(nal, False)
        if cleaned is not nal:
            found.append((start, end, cleaned))
    return found


def same_size_replacement(length: int, cleaned: bytes | None) -> bytes | None:
    """Bytes to put in place of an SEI unit of `length` bytes without moving anything.

    The remaining SEI (if any) is kept, followed by a start code and a filler
    unit covering the rest. None when the room is too small for that.
    """
    if cleaned is None:
        return filler_nal(length) if length >= 2 else None
    rest = length - len(cleaned) - 3
    if rest < 2:
        return None
    return cleaned + b"\x00\x00\x01" + filler_nal(rest)
