"""RIFF chunk lists (WAV, AVI), and their big-endian IFF twin (AIFF): where each chunk
sits, without reading payloads."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from sneakernet.clean.base import CleanError


@dataclass(frozen=True)
class Chunk:
    id: bytes
    offset: int  # of the 8-byte header
    size: int  # payload size as declared (without the pad byte)

    @property
    def data(self) -> int:
        return self.offset + 8

    @property
    def end(self) -> int:
        return self.offset + 8 + self.size + (self.size & 1)


def chunks(
    f: BinaryIO,
    start: int,
    end: int,
    what: str,
    sizes: dict[bytes, int] | None = None,
    byte_order: str = "<",
) -> list[Chunk]:
    """The chunks between start and end; `sizes` overrides 0xFFFFFFFF sizes (RF64).

    `byte_order` is ">" for IFF files (AIFF), whose chunk sizes are big-endian.
    """
    found = []
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        kind, size = struct.unpack(byte_order + "4sI", f.read(8))
        if size == 0xFFFFFFFF and sizes and kind in sizes:
            size = sizes[kind]
        chunk = Chunk(kind, pos, size)
        if chunk.data + size > end:
            raise CleanError(
                f"truncated {what}: chunk {kind.decode('latin-1')!r} at byte {pos} runs past the end"
            )
        found.append(chunk)
        pos = chunk.end
    return found


def riff_header(f: BinaryIO, forms: tuple[bytes, ...]) -> tuple[bytes, bytes, int]:
    """(RIFF/RF64 tag, form type, declared size) of the file's first chunk."""
    f.seek(0)
    head = f.read(12)
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] not in forms:
        raise CleanError("not a RIFF " + "/".join(x.decode().strip() for x in forms) + " file")
    return head[:4], head[8:12], struct.unpack_from("<I", head, 4)[0]
