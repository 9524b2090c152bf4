"""EBML (Matroska/WebM) elements: read headers, split masters, write elements back."""

from __future__ import annotations

import zlib

CRC32 = 0xBF
VOID = 0xEC


class EbmlError(ValueError):
    """An element header is malformed or runs past its parent."""


def _vint_length(data: bytes, pos: int, longest: int, what: str) -> int:
    """Bytes taken by the VINT at pos: one more than the leading zero bits of its first byte."""
    if pos >= len(data):
        raise EbmlError(f"element {what} cut short")
    length = 9 - data[pos].bit_length() if data[pos] else 9
    if length > longest or pos + length > len(data):
        raise EbmlError(f"invalid element {what} at {pos}")
    return length


def read_id(data: bytes, pos: int) -> tuple[int, int]:
    """(element id with its length marker, position after it)."""
    length = _vint_length(data, pos, 4, "id")
    return int.from_bytes(data[pos : pos + length], "big"), pos + length


def read_size(data: bytes, pos: int) -> tuple[int | None, int]:
    """(size, position after it); size None when it is 'unknown' (all ones)."""
    length = _vint_length(data, pos, 8, "size")
    value = int.from_bytes(data[pos : pos + length], "big") & ((1 << (7 * length)) - 1)
    if value == (1 << (7 * length)) - 1:
        return None, pos + length
    return value, pos + length


def header(data: bytes, pos: int) -> tuple[int, int | None, int]:
    """(id, size, payload start) of the element at pos."""
    element_id, pos = read_id(data, pos)
    size, pos = read_size(data, pos)
    return element_id, size, pos


def children(payload: bytes) -> list[tuple[int, bytes]]:
    """(id, payload) of each child of a master element."""
    found = []
    pos = 0
    while pos < len(payload):
        element_id, size, start = header(payload, pos)
        if size is None or start + size > len(payload):
            raise EbmlError(f"element {element_id:X} runs past its parent")
        found.append((element_id, payload[start : start + size]))
        pos = start + size
    return found


def encode_id(element_id: int) -> bytes:
    return element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")


def encode_size(size: int, width: int = 0) -> bytes:
    """Size as an EBML VINT: shortest form, or exactly `width` bytes."""
    length = width or 1
    while not width and size >= (1 << (7 * length)) - 1:
        length += 1
    if size >= (1 << (7 * length)) - 1:
        raise EbmlError(f"size {size} does not fit in {length} bytes")
    return ((1 << (7 * length)) | size).to_bytes(length, "big")


def element(element_id: int, payload: bytes) -> bytes:
    return encode_id(element_id) + encode_size(len(payload)) + payload


def uint(element_id: int, value: int, width: int = 0) -> bytes:
    """An unsigned integer element, in `width` bytes when given (so its size is fixed)."""
    length = width or max(1, (value.bit_length() + 7) // 8)
    return element(element_id, value.to_bytes(length, "big"))


def master_body(parts: list[bytes], with_crc: bool) -> bytes:
    """A master's payload; with a fresh CRC-32 child first when the original had one."""
    body = b"".join(parts)
    if with_crc:
        body = element(CRC32, zlib.crc32(body).to_bytes(4, "little")) + body
    return body


def master(element_id: int, parts: list[bytes], with_crc: bool) -> bytes:
    return element(element_id, master_body(parts, with_crc))


def to_uint(payload: bytes) -> int:
    return int.from_bytes(payload, "big")
