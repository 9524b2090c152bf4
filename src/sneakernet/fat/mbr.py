"""The master boot record: one FAT32 (LBA) partition, no boot code.

The disk signature is never zero: Windows writes one onto a card whose
signature is zero, which would change the card after it was checked.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

SECTOR = 512
TYPE_FAT32_LBA = 0x0C
FAT_PARTITION_TYPES = {0x01, 0x04, 0x06, 0x0B, 0x0C, 0x0E}
_ENTRY = struct.Struct("<B3sB3sII")
_HEADS, _SECTORS_PER_TRACK = 255, 63


@dataclass(frozen=True)
class Partition:
    index: int
    bootable: bool
    type: int
    start_lba: int
    sector_count: int

    @property
    def offset(self) -> int:
        return self.start_lba * SECTOR

    @property
    def size(self) -> int:
        return self.sector_count * SECTOR


def _chs(lba: int) -> bytes:
    cylinder = lba // (_HEADS * _SECTORS_PER_TRACK)
    if cylinder > 1023:
        return bytes((0xFE, 0xFF, 0xFF))
    head = (lba // _SECTORS_PER_TRACK) % _HEADS
    sector = lba % _SECTORS_PER_TRACK + 1
    return bytes((head, sector | ((cylinder >> 2) & 0xC0), cylinder & 0xFF))


def build_mbr(start_lba: int, sector_count: int, disk_signature: int) -> bytes:
    """Sector 0 of a card with a single FAT32 LBA partition."""
    entry = _ENTRY.pack(
        0x00,
        _chs(start_lba),
        TYPE_FAT32_LBA,
        _chs(start_lba + sector_count - 1),
        start_lba,
        sector_count,
    )
    signature = struct.pack("<I", disk_signature or 1)
    return bytes(440) + signature + bytes(2) + entry + bytes(48) + b"\x55\xaa"


def parse_partitions(sector: bytes) -> list[Partition]:
    """The used primary partition entries of an MBR (empty when there is no valid MBR)."""
    if len(sector) < SECTOR or sector[510:512] != b"\x55\xaa":
        return []
    partitions = []
    for index in range(4):
        status, _chs_start, kind, _chs_end, start, count = _ENTRY.unpack_from(
            sector, 446 + 16 * index
        )
        if kind and count and status in (0x00, 0x80):
            partitions.append(Partition(index, status == 0x80, kind, start, count))
    return partitions
