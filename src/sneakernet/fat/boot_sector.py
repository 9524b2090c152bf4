"""The FAT32 boot sector (BPB), the FSInfo sector and their backups.

No tool name, no version, no build time: the OEM name is the one most
firmware expects (`MSWIN4.1`) and the boot code only halts.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from sneakernet.fat.layout import (
    BACKUP_BOOT_SECTOR,
    FSINFO_SECTOR,
    NUM_FATS,
    ROOT_CLUSTER,
    SECTOR,
    Geometry,
)

OEM_NAME = b"MSWIN4.1"
NO_LABEL = b"NO NAME    "
MEDIA_FIXED = 0xF8
_JUMP = b"\xeb\x58\x90"
# cli; hlt; jmp back to hlt: a volume that is started by mistake just stops.
_HALT_CODE = b"\xfa\xf4\xeb\xfd"
_BPB = struct.Struct("<3s8sHBHBHHBHHHIIIHHIHH12sBBBI11s8s")
_FSINFO_LEAD, _FSINFO_STRUCT, _FSINFO_TRAIL = 0x41615252, 0x61417272, 0xAA550000
UNKNOWN = 0xFFFFFFFF


@dataclass(frozen=True)
class BootSector:
    """The fields of a FAT32 boot sector that matter to readers and auditors."""

    oem_name: bytes
    bytes_per_sector: int
    sectors_per_cluster: int
    reserved_sectors: int
    num_fats: int
    media: int
    sectors_per_track: int
    heads: int
    hidden_sectors: int
    total_sectors: int
    fat_sectors: int
    ext_flags: int
    root_cluster: int
    fsinfo_sector: int
    backup_boot_sector: int
    drive_number: int
    volume_id: int
    volume_label: bytes
    fs_type: bytes

    @property
    def cluster_size(self) -> int:
        return self.bytes_per_sector * self.sectors_per_cluster

    @property
    def cluster_count(self) -> int:
        data = self.total_sectors - self.reserved_sectors - self.num_fats * self.fat_sectors
        return data // self.sectors_per_cluster


@dataclass(frozen=True)
class FsInfo:
    free_count: int
    next_free: int


def build_boot_sector(geometry: Geometry, volume_id: int, label: bytes | None) -> bytes:
    bpb = _BPB.pack(
        _JUMP,
        OEM_NAME,
        SECTOR,
        geometry.sectors_per_cluster,
        geometry.reserved_sectors,
        NUM_FATS,
        0,  # root entries: none on FAT32
        0,  # 16-bit total sectors: unused
        MEDIA_FIXED,
        0,  # 16-bit FAT size: unused
        63,
        255,
        geometry.hidden_sectors,
        geometry.volume_sectors,
        geometry.fat_sectors,
        0,  # both FATs mirrored
        0,  # version 0.0
        ROOT_CLUSTER,
        FSINFO_SECTOR,
        BACKUP_BOOT_SECTOR,
        bytes(12),
        0x80,
        0,
        0x29,  # extended boot signature: the three fields below are valid
        volume_id,
        label or NO_LABEL,
        b"FAT32   ",
    )
    return (bpb + _HALT_CODE).ljust(510, b"\x00") + b"\x55\xaa"


def build_fsinfo(free_count: int, next_free: int) -> bytes:
    sector = bytearray(SECTOR)
    struct.pack_into("<I", sector, 0, _FSINFO_LEAD)
    struct.pack_into("<IIII", sector, 484, _FSINFO_STRUCT, free_count, next_free, 0)
    struct.pack_into("<I", sector, 508, _FSINFO_TRAIL)
    return bytes(sector)


def build_reserved_region(
    geometry: Geometry, volume_id: int, label: bytes | None, free_count: int, next_free: int
) -> dict[int, bytes]:
    """Sector number (within the volume) -> contents, for every non-zero reserved sector."""
    boot = build_boot_sector(geometry, volume_id, label)
    fsinfo = build_fsinfo(free_count, next_free)
    # The third boot-region sector carries only the signature, as Microsoft's formatter writes it.
    third = bytes(510) + b"\x55\xaa"
    return {
        0: boot,
        FSINFO_SECTOR: fsinfo,
        2: third,
        BACKUP_BOOT_SECTOR: boot,
        BACKUP_BOOT_SECTOR + 1: fsinfo,
        BACKUP_BOOT_SECTOR + 2: third,
    }


def looks_like_fat_boot_sector(sector: bytes) -> bool:
    if len(sector) < SECTOR or sector[510:512] != b"\x55\xaa" or sector[0] not in (0xEB, 0xE9):
        return False
    bytes_per_sector, spc = struct.unpack_from("<HB", sector, 11)
    return bytes_per_sector in (512, 1024, 2048, 4096) and spc in (1, 2, 4, 8, 16, 32, 64, 128)


def parse_boot_sector(sector: bytes) -> BootSector:
    fields = _BPB.unpack_from(sector)
    (
        _jump,
        oem,
        bps,
        spc,
        reserved,
        fats,
        _root_entries,
        total16,
        media,
        fat16,
        spt,
        heads,
        hidden,
        total32,
        fat32,
        ext_flags,
        _version,
        root_cluster,
        fsinfo,
        backup,
        _reserved,
        drive,
        _reserved1,
        _boot_sig,
        volume_id,
        label,
        fs_type,
    ) = fields
    return BootSector(
        oem,
        bps,
        spc,
        reserved,
        fats,
        media,
        spt,
        heads,
        hidden,
        total32 or total16,
        fat32 or fat16,
        ext_flags,
        root_cluster,
        fsinfo,
        backup,
        drive,
        volume_id,
        label,
        fs_type,
    )


def parse_fsinfo(sector: bytes) -> FsInfo | None:
    lead = struct.unpack_from("<I", sector, 0)[0]
    sig, free, next_free = struct.unpack_from("<III", sector, 484)
    if lead != _FSINFO_LEAD or sig != _FSINFO_STRUCT:
        return None
    return FsInfo(free, next_free)
