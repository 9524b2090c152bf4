"""Keyed pseudo-random data that says where it belongs.

Every 4 KiB block written by the probe, the full test and `wipe --random`
starts with a 16-byte tag, AES(key, magic + offset), followed by AES-CTR
keystream for that offset. A fresh random key per run means a drive cannot
return data from an earlier run or a pattern it could guess, and a block read
back from the wrong place names the offset it was written for, which is how
a wraparound drive betrays its real size.
"""

from __future__ import annotations

import os
import struct

from Crypto.Cipher import AES

BLOCK = 4096
_TAG = 16
_MAGIC = b"SNKN"


class KeyedPattern:
    def __init__(self, key: bytes | None = None) -> None:
        self.key = key if key is not None else os.urandom(16)
        self._ecb = AES.new(self.key, AES.MODE_ECB)

    def _stream(self, offset: int, length: int, out: memoryview) -> None:
        ctr = AES.new(self.key, AES.MODE_CTR, nonce=b"", initial_value=offset // 16)
        ctr.encrypt(bytes(length), output=out)

    def fill(self, out: memoryview, offset: int) -> None:
        """Write the pattern for [offset, offset + len(out)) into out; offset block aligned."""
        length = len(out)
        assert offset % BLOCK == 0 and length % BLOCK == 0
        self._stream(offset, length, out)
        count = length // BLOCK
        headers = b"".join(_MAGIC + struct.pack("<IQ", 0, offset + i * BLOCK) for i in range(count))
        tags = self._ecb.encrypt(headers)
        for i in range(count):
            out[i * BLOCK : i * BLOCK + _TAG] = tags[i * _TAG : (i + 1) * _TAG]

    def block(self, offset: int) -> bytes:
        buf = bytearray(BLOCK)
        self.fill(memoryview(buf), offset)
        return bytes(buf)

    def origin(self, data: bytes | memoryview) -> int | None:
        """The offset a block read back was written for, or None if it is not ours intact."""
        plain = self._ecb.decrypt(bytes(data[:_TAG]))
        if plain[:4] != _MAGIC or plain[4:8] != b"\0\0\0\0":
            return None
        offset = struct.unpack("<Q", plain[8:16])[0]
        return offset if bytes(data[:BLOCK]) == self.block(offset) else None
