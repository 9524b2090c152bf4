"""Keyed pseudo-random data that says where it belongs.

Every 4 KiB block written by the probe, the full test and `wipe --random`
starts with a 16-byte tag naming the offset it was written for, and the rest
is BLAKE3 keyed-XOF output at that offset. A fresh random key per run means
a drive cannot return data from an earlier run or a pattern it could guess
(a block counts as ours only when all of it matches), and a block read back
from the wrong place names the offset it was written for, which is how a
wraparound drive betrays its real size. BLAKE3 rather than AES-CTR: twice
the speed here, and it loads in a millisecond instead of twenty.
"""

from __future__ import annotations

import os
import struct

import blake3

BLOCK = 4096
_TAG = 16
_MAGIC = b"SNKN"


class KeyedPattern:
    def __init__(self, key: bytes | None = None) -> None:
        self.key = key if key is not None else os.urandom(32)
        self._xof = blake3.blake3(key=self.key)

    def fill(self, out: memoryview, offset: int) -> None:
        """Write the pattern for [offset, offset + len(out)) into out; offset block aligned."""
        length = len(out)
        assert offset % BLOCK == 0 and length % BLOCK == 0
        out[:] = self._xof.digest(length=length, seek=offset)
        for i in range(length // BLOCK):
            out[i * BLOCK : i * BLOCK + _TAG] = _tag(offset + i * BLOCK)

    def block(self, offset: int) -> bytes:
        buf = bytearray(BLOCK)
        self.fill(memoryview(buf), offset)
        return bytes(buf)

    def origin(self, data: bytes | memoryview) -> int | None:
        """The offset a block read back was written for, or None if it is not ours intact."""
        head = bytes(data[:_TAG])
        if head[:8] != _MAGIC + b"\0\0\0\0":
            return None
        offset = struct.unpack("<Q", head[8:16])[0]
        if offset % BLOCK:
            return None
        return offset if bytes(data[:BLOCK]) == self.block(offset) else None


def _tag(offset: int) -> bytes:
    return _MAGIC + struct.pack("<IQ", 0, offset)
