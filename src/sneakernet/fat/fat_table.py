"""The file allocation table.

Every file and directory the writer places is one contiguous run of clusters,
so the table is a counting sequence with an end-of-chain mark at the end of
each run; it is built with array operations, not entry by entry.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Iterable

ENTRY_MASK = 0x0FFFFFFF
END_OF_CHAIN = 0x0FFFFFFF
BAD_CLUSTER = 0x0FFFFFF7
FREE = 0
MEDIA_ENTRY = 0x0FFFFF00  # FAT[0]: media byte in the low 8 bits
CLEAN_ENTRY = 0x0FFFFFFF  # FAT[1]: clean-shutdown and no-error bits set


def build_fat(runs: Iterable[tuple[int, int]], media: int = 0xF8) -> bytes:
    """The used prefix of one FAT for contiguous runs (first cluster, count), in order.

    Everything past the returned bytes is zero (free clusters).
    """
    runs = [(first, count) for first, count in runs if count]
    end = max((first + count for first, count in runs), default=2)
    table = array("I", range(1, end + 1))  # entry n points at n + 1
    table[0] = MEDIA_ENTRY | media
    table[1] = CLEAN_ENTRY
    used = bytearray(end)
    for first, count in runs:
        table[first + count - 1] = END_OF_CHAIN
        used[first : first + count] = b"\x01" * count
    if used.count(0) > 2:
        for cluster in range(2, end):
            if not used[cluster]:
                table[cluster] = FREE
    if table.itemsize != 4:  # pragma: no cover - every platform we run on has 4-byte 'I'
        raise RuntimeError("array('I') is not 32 bits here")
    if struct.pack("=I", 1) != struct.pack("<I", 1):  # pragma: no cover - big-endian hosts
        table.byteswap()
    return table.tobytes()


def parse_fat(data: bytes) -> array:
    """All entries of one FAT (top four bits masked off)."""
    table = array("I")
    table.frombytes(data[: len(data) // 4 * 4])
    if struct.pack("=I", 1) != struct.pack("<I", 1):  # pragma: no cover
        table.byteswap()
    return array("I", (entry & ENTRY_MASK for entry in table))


def is_end_of_chain(entry: int) -> bool:
    return entry >= 0x0FFFFFF8
