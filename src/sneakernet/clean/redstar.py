"""Red Star OS tracking watermarks: find, decode, count and remove them.

A Red Star OS machine appends `[24-byte mark] x N`, a 4-byte little-endian
length (24*N) and `EOF` to files it touches; each machine adds one mark, so
the marks name the chain of computers a file went through. In a DOCX the same
structure sits inside the first ZIP local header's 0xA220 "growth hint" extra
field instead. Each mark is DES-ECB ciphertext of `WM` + an id derived from a
disk serial, zero padded; removing the structure restores the original.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.lazy import lazy_import

DES = lazy_import("Crypto.Cipher.DES")  # loaded when a mark is found

MARK_SIZE = 24
MAGIC = b"EOF"
KEY = bytes([7, 6, 5, 4, 3, 2, 1, 0])
# Every mark ends in DES(8 zero bytes): the zero padding of the plaintext.
MARK_TAIL = bytes.fromhex("5a13a0e6294b75b1")
GROWTH_HINT_ID = 0xA220
GROWTH_HINT_SIGNATURE = 0xA028
# A trailer this long would be 10,000 machines: anything longer is not one.
MAX_MARKS = 10_000
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


@dataclass(frozen=True)
class Watermark:
    """One machine's mark: the raw ciphertext and the id it decodes to."""

    raw: bytes
    machine_id: str


@dataclass
class Marks:
    """Red Star marks found in one file, with where they sit."""

    trailer: list[Watermark] = field(default_factory=list)
    trailer_size: int = 0  # bytes to cut off the end (marks + length + EOF)
    docx: list[Watermark] = field(default_factory=list)
    docx_offset: int = 0  # where the structure starts inside the file
    docx_size: int = 0  # bytes of the structure to zero

    @property
    def count(self) -> int:
        return len(self.trailer) + len(self.docx)

    @property
    def all(self) -> list[Watermark]:
        return self.trailer + self.docx


def encode_mark(machine_id: str) -> bytes:
    """The mark a machine with this id would append (used to build test files)."""
    plain = (b"WM" + machine_id.encode("ascii")).ljust(MARK_SIZE, b"\0")
    if plain[-len(MARK_TAIL) :] != bytes(len(MARK_TAIL)):
        raise ValueError("machine id too long: the last 8 bytes of a mark are padding")
    return DES.new(KEY, DES.MODE_ECB).encrypt(plain)


def decode_mark(raw: bytes) -> str:
    """The id inside a mark, printable; '?' for bytes that are not text."""
    plain = DES.new(KEY, DES.MODE_ECB).decrypt(raw)
    body = plain[2:] if plain.startswith(b"WM") else plain
    body = body.rstrip(b"\0")
    return "".join(chr(b) if 32 <= b < 127 else "?" for b in body)


def build_structure(machine_ids: list[str]) -> bytes:
    """Marks + length + `EOF`, as Red Star writes it (for test files)."""
    marks = b"".join(encode_mark(m) for m in machine_ids)
    return marks + struct.pack("<I", len(marks)) + MAGIC


def _parse_structure(data: bytes, end: int) -> tuple[list[Watermark], int] | None:
    """Marks of a structure ending at `end` in `data`, and its total size."""
    if end < 7 or data[end - 3 : end] != MAGIC:
        return None
    (length,) = struct.unpack("<I", data[end - 7 : end - 3])
    if length == 0 or length % MARK_SIZE or length > MARK_SIZE * MAX_MARKS:
        return None
    start = end - 7 - length
    if start < 0:
        return None
    raws = [data[i : i + MARK_SIZE] for i in range(start, end - 7, MARK_SIZE)]
    if not all(raw.endswith(MARK_TAIL) for raw in raws):
        return None
    return [Watermark(raw, decode_mark(raw)) for raw in raws], length + 7


def _trailer(path: Path, size: int) -> tuple[list[Watermark], int]:
    with path.open("rb") as f:
        f.seek(max(0, size - 7))
        tail = f.read(7)
        if len(tail) < 7 or tail[4:] != MAGIC:
            return [], 0
        (length,) = struct.unpack("<I", tail[:4])
        if length == 0 or length % MARK_SIZE or length > MARK_SIZE * MAX_MARKS:
            return [], 0
        if length + 7 > size:
            return [], 0
        f.seek(size - 7 - length)
        data = f.read(length + 7)
    found = _parse_structure(data, len(data))
    return found if found else ([], 0)


def _docx_field(head: bytes) -> tuple[int, int] | None:
    """Offset and size of the padding inside the first local header's 0xA220 field."""
    if len(head) < LOCAL_HEADER.size or not head.startswith(b"PK\x03\x04"):
        return None
    fields = LOCAL_HEADER.unpack_from(head)
    name_len, extra_len = fields[9], fields[10]
    pos = LOCAL_HEADER.size + name_len
    extra_end = min(pos + extra_len, len(head))
    while pos + 4 <= extra_end:
        header_id, size = struct.unpack_from("<HH", head, pos)
        data_start, data_end = pos + 4, min(pos + 4 + size, extra_end)
        if header_id == GROWTH_HINT_ID and data_end - data_start >= 4:
            (signature,) = struct.unpack_from("<H", head, data_start)
            if signature == GROWTH_HINT_SIGNATURE:
                return data_start + 4, data_end - data_start - 4
        pos = data_start + size
    return None


def _docx_marks(head: bytes) -> tuple[list[Watermark], int, int]:
    """Marks written into the growth-hint padding: anywhere in it, zeros after."""
    located = _docx_field(head)
    if located is None:
        return [], 0, 0
    offset, size = located
    padding = head[offset : offset + size]
    # The structure ends at the last `EOF` whose preceding bytes parse as marks.
    search_end = len(padding)
    while True:
        at = padding.rfind(MAGIC, 0, search_end)
        if at < 0:
            return [], 0, 0
        found = _parse_structure(padding, at + 3)
        if found:
            marks, total = found
            return marks, offset + at + 3 - total, total
        search_end = at + 2


def find(path: Path) -> Marks:
    """Red Star marks in the file at `path`, in either placement."""
    size = path.stat().st_size
    marks = Marks()
    marks.trailer, marks.trailer_size = _trailer(path, size)
    with path.open("rb") as f:
        head = f.read(64 * 1024)
    marks.docx, marks.docx_offset, marks.docx_size = _docx_marks(head)
    return marks


def remove(src: Path, dst: Path, marks: Marks) -> None:
    """Copy src to dst without the marks: trailer cut off, DOCX field zeroed."""
    size = src.stat().st_size - marks.trailer_size
    with src.open("rb") as fin, dst.open("wb") as fout:
        remaining = size
        position = 0
        while remaining:
            chunk = fin.read(min(remaining, 8 * 1024 * 1024))
            if not chunk:
                break
            if marks.docx_size:
                chunk = _zero_range(chunk, position, marks.docx_offset, marks.docx_size)
            fout.write(chunk)
            position += len(chunk)
            remaining -= len(chunk)
        fout.flush()
        os.fsync(fout.fileno())


def _zero_range(chunk: bytes, position: int, offset: int, size: int) -> bytes:
    start = max(offset, position) - position
    end = min(offset + size, position + len(chunk)) - position
    if start >= end:
        return chunk
    return chunk[:start] + bytes(end - start) + chunk[end:]
