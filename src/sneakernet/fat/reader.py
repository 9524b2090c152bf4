"""Reading a FAT32 card image or block device, ours or anyone's.

Made for checking cards as an inspector would: besides the files it shows
deleted entries, long-name records without a file, unallocated clusters and
the slack after each file's last byte, so an audit can look for leftovers.
Read-only: it never writes to what it opens.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sneakernet.errors import UserError
from sneakernet.fat import dirent
from sneakernet.fat.boot_sector import (
    BootSector,
    FsInfo,
    looks_like_fat_boot_sector,
    parse_boot_sector,
    parse_fsinfo,
)
from sneakernet.fat.fat_table import BAD_CLUSTER, FREE, is_end_of_chain, parse_fat
from sneakernet.fat.layout import MIN_CLUSTERS, SECTOR
from sneakernet.fat.mbr import FAT_PARTITION_TYPES, Partition, parse_partitions
from sneakernet.policy import atomic_output

READ_CHUNK = 4 * 1024 * 1024
MAX_DIR_BYTES = 65536 * 32


@dataclass(frozen=True)
class Entry:
    """One directory entry as found on the card."""

    path: str  # '/'-separated, relative to the root ('' parts never)
    name: str  # long name, else the short name
    short_name: str  # 8.3 as stored ('' for an orphan long name)
    is_dir: bool
    size: int
    attributes: int
    created: datetime | None
    modified: datetime | None
    accessed: datetime | None
    first_cluster: int
    clusters: tuple[int, ...] = ()
    deleted: bool = False  # marked 0xE5: a deleted file, recoverable by forensic tools
    orphan_long_name: bool = False  # long-name records with no valid short entry after them
    entry_offset: int = 0  # byte offset of the short entry (or first orphan record) in the image
    has_long_name: bool = False

    @property
    def fragments(self) -> list[tuple[int, int]]:
        """Runs of consecutive clusters: (first cluster, count)."""
        runs: list[tuple[int, int]] = []
        for cluster in self.clusters:
            if runs and runs[-1][0] + runs[-1][1] == cluster:
                runs[-1] = (runs[-1][0], runs[-1][1] + 1)
            else:
                runs.append((cluster, 1))
        return runs

    @property
    def contiguous(self) -> bool:
        return len(self.fragments) <= 1


@dataclass(frozen=True)
class Region:
    """A byte range of the image, e.g. free space or the slack after a file."""

    offset: int
    length: int
    kind: str  # "unallocated", "file slack", "directory slack", or a `zero_regions` kind
    path: str = ""


@dataclass
class _LongName:
    parts: dict[int, bytes] = field(default_factory=dict)
    count: int = 0
    checksum: int = -1
    offset: int = 0
    broken: bool = False

    def text(self) -> str:
        units = b"".join(self.parts[i] for i in sorted(self.parts))
        return dirent.decode_lfn_units(units)


class FatVolume:
    """An open FAT32 volume; use as a context manager or call close()."""

    def __init__(self, path: str | os.PathLike, offset: int | None = None) -> None:
        self.path = Path(path)
        try:
            self._fd = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            raise UserError(f"cannot open {str(self.path)!r}: {exc.strerror}") from None
        mode = os.fstat(self._fd).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISBLK(mode)):
            os.close(self._fd)
            kind = "a folder" if stat.S_ISDIR(mode) else "not a file or block device"
            raise UserError(
                f"{str(self.path)!r} is {kind}; give a card image file or a device "
                "(`sneakernet image build` makes an image of a folder)"
            )
        try:
            self._open(offset)
        except BaseException:
            os.close(self._fd)
            raise

    def _open(self, offset: int | None) -> None:
        self.size = os.lseek(self._fd, 0, os.SEEK_END)
        first = self.read_at(0, SECTOR)
        self.partition: Partition | None = None
        if offset is None:
            if looks_like_fat_boot_sector(first) and first[22:24] != b"\x00\x00":
                raise UserError(f"{str(self.path)!r}: the volume is FAT12/16, not FAT32")
            if _is_fat32_boot(first):
                offset = 0
            else:
                fat_parts = [p for p in parse_partitions(first) if p.type in FAT_PARTITION_TYPES]
                if not fat_parts:
                    raise UserError(
                        f"{str(self.path)!r} holds neither a FAT32 volume nor a partition table "
                        "with a FAT partition"
                    )
                self.partition = fat_parts[0]
                offset = self.partition.offset
        self.volume_offset = offset
        boot_raw = self.read_at(offset, SECTOR)
        if not _is_fat32_boot(boot_raw):
            raise UserError(f"{str(self.path)!r}: no FAT32 volume at byte {offset}")
        self.boot: BootSector = parse_boot_sector(boot_raw)
        b = self.boot
        self.cluster_size = b.cluster_size
        self.fat_offset = offset + b.reserved_sectors * b.bytes_per_sector
        self.data_offset = self.fat_offset + b.num_fats * b.fat_sectors * b.bytes_per_sector
        self.cluster_count = b.cluster_count
        if self.cluster_count < MIN_CLUSTERS:
            raise UserError(f"{str(self.path)!r}: the volume is FAT12/16, not FAT32")
        self.backup_boot: BootSector | None = None
        if b.backup_boot_sector not in (0, 0xFFFF):
            raw = self.read_at(offset + b.backup_boot_sector * b.bytes_per_sector, SECTOR)
            if _is_fat32_boot(raw):
                self.backup_boot = parse_boot_sector(raw)
        self.fsinfo: FsInfo | None = parse_fsinfo(
            self.read_at(offset + b.fsinfo_sector * b.bytes_per_sector, SECTOR)
        )
        fat_bytes = self.read_at(self.fat_offset, b.fat_sectors * b.bytes_per_sector)
        self.fat = parse_fat(fat_bytes)[: self.cluster_count + 2]
        self.root_label: str | None = None
        self._label_scanned = False

    # -- plumbing -----------------------------------------------------------
    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> FatVolume:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read_at(self, offset: int, length: int) -> bytes:
        data = os.pread(self._fd, length, offset)
        return data.ljust(length, b"\x00") if len(data) < length else data

    def cluster_offset(self, cluster: int) -> int:
        return self.data_offset + (cluster - 2) * self.cluster_size

    @property
    def oem_name(self) -> str:
        return self.boot.oem_name.decode("latin-1")

    @property
    def serial(self) -> int:
        return self.boot.volume_id

    @property
    def boot_label(self) -> str:
        return self.boot.volume_label.decode("latin-1").rstrip()

    @property
    def label(self) -> str | None:
        """The volume label in the root directory (what Windows shows), or None."""
        if not self._label_scanned:
            list(self._scan_dir(self.boot.root_cluster, "", True, root=True))
        return self.root_label

    # -- clusters -----------------------------------------------------------
    def is_valid_cluster(self, cluster: int) -> bool:
        return 2 <= cluster < self.cluster_count + 2

    def chain(self, first: int) -> list[int]:
        """Clusters of a chain, stopping at its end, a free or bad entry, or a loop."""
        clusters: list[int] = []
        seen: set[int] = set()
        cluster = first
        while self.is_valid_cluster(cluster) and cluster not in seen:
            clusters.append(cluster)
            seen.add(cluster)
            nxt = self.fat[cluster]
            if is_end_of_chain(nxt) or nxt in (FREE, BAD_CLUSTER):
                break
            cluster = nxt
        return clusters

    def unallocated_runs(self) -> Iterator[tuple[int, int]]:
        """(first cluster, count) of every run of free clusters."""
        fat = self.fat
        end = self.cluster_count + 2
        cluster = 2
        while cluster < end:
            if fat[cluster] == FREE:
                start = cluster
                while cluster < end and fat[cluster] == FREE:
                    cluster += 1
                yield (start, cluster - start)
            else:
                cluster += 1

    def unallocated_regions(self) -> Iterator[Region]:
        for first, count in self.unallocated_runs():
            yield Region(self.cluster_offset(first), count * self.cluster_size, "unallocated")

    # -- directories --------------------------------------------------------
    def walk(self, include_deleted: bool = False) -> Iterator[Entry]:
        """Every entry, depth first in directory-entry (playback) order.

        With include_deleted, deleted entries and orphan long names are
        included (deleted folders are listed but not entered).
        """
        yield from self._walk(self.boot.root_cluster, "", include_deleted, {self.boot.root_cluster})

    def _walk(self, cluster: int, prefix: str, deleted: bool, seen: set[int]) -> Iterator[Entry]:
        # An explicit stack: a hostile card may nest folders deeper than Python recurses.
        root = self.boot.root_cluster
        stack = [self._scan_dir(cluster, prefix, deleted, root=cluster == root)]
        while stack:
            entry = next(stack[-1], None)
            if entry is None:
                stack.pop()
                continue
            yield entry
            if entry.is_dir and not entry.deleted and not entry.orphan_long_name:
                first = entry.first_cluster
                if first in seen or not self.is_valid_cluster(first):
                    continue
                seen.add(first)  # each folder is entered once, even if linked twice
                stack.append(self._scan_dir(first, entry.path + "/", deleted, root=False))

    def files(self) -> Iterator[Entry]:
        return (e for e in self.walk() if not e.is_dir)

    def directory_clusters(self, first: int) -> list[int]:
        return self.chain(first)

    def _dir_bytes(self, first: int) -> tuple[bytes, list[int]]:
        # A folder holds at most 65536 entries (2 MiB): a longer chain is damage, not data.
        clusters = self.chain(first)[: -(-MAX_DIR_BYTES // self.cluster_size)]
        data = b"".join(self.read_at(self.cluster_offset(c), self.cluster_size) for c in clusters)
        return data, clusters

    def _entry_offset(self, clusters: list[int], index: int) -> int:
        position = index * dirent.ENTRY_SIZE
        return self.cluster_offset(clusters[position // self.cluster_size]) + (
            position % self.cluster_size
        )

    def _scan_dir(self, first: int, prefix: str, deleted: bool, root: bool) -> Iterator[Entry]:
        data, clusters = self._dir_bytes(first)
        pending = _LongName()
        dead_parts: list[bytes] = []
        for index in range(len(data) // dirent.ENTRY_SIZE):
            raw = data[index * 32 : index * 32 + 32]
            lead, attributes = raw[0], raw[11]
            if lead == 0x00:
                break
            offset = self._entry_offset(clusters, index)
            if lead == dirent.DELETED:
                if attributes == dirent.ATTR_LFN:
                    dead_parts.append(dirent.unpack_lfn(raw)[2])
                    continue
                if deleted and raw[:11] not in (b".          ", b"..         "):
                    yield self._make_entry(raw, prefix, offset, dead_parts, deleted=True)
                dead_parts = []
                continue
            if attributes == dirent.ATTR_LFN:
                order, checksum, units = dirent.unpack_lfn(raw)
                if order & dirent.LFN_LAST:
                    if pending.parts and deleted:
                        yield self._orphan(pending, prefix)
                    pending = _LongName({order & 0x1F: units}, order & 0x1F, checksum, offset)
                elif (
                    pending.parts
                    and checksum == pending.checksum
                    and (order & 0x1F) not in pending.parts
                ):
                    pending.parts[order & 0x1F] = units
                else:
                    if deleted:
                        if pending.parts:
                            yield self._orphan(pending, prefix)
                        yield self._orphan(_LongName({1: units}, 1, checksum, offset), prefix)
                    pending = _LongName()
                continue
            dead_parts = []
            short = raw[:11]
            if attributes & dirent.ATTR_VOLUME_ID and not attributes & dirent.ATTR_DIRECTORY:
                if root and self.root_label is None:
                    self.root_label = short.decode("cp437").rstrip()
                if pending.parts and deleted:
                    yield self._orphan(pending, prefix)
                pending = _LongName()
                continue
            if short in (b".          ", b"..         "):
                pending = _LongName()
                continue
            long_name = None
            if pending.parts:
                complete = len(pending.parts) == pending.count and set(pending.parts) == set(
                    range(1, pending.count + 1)
                )
                if complete and pending.checksum == dirent.short_checksum(short):
                    long_name = pending.text()
                elif deleted:
                    yield self._orphan(pending, prefix)
            pending = _LongName()
            yield self._make_entry(raw, prefix, offset, long_name=long_name)
        if pending.parts and deleted:
            yield self._orphan(pending, prefix)
        if root:
            self._label_scanned = True

    def _make_entry(
        self,
        raw: bytes,
        prefix: str,
        offset: int,
        dead_parts: list[bytes] | None = None,
        deleted: bool = False,
        long_name: str | None = None,
    ) -> Entry:
        info = dirent.unpack_short(raw)
        short = dirent.short_to_name(info.short, info.nt_case)
        if deleted:
            short = "?" + short[1:]
            if dead_parts:
                long_name = dirent.decode_lfn_units(b"".join(reversed(dead_parts)))
        name = long_name or short
        is_dir = bool(info.attributes & dirent.ATTR_DIRECTORY)
        if deleted:
            count = max(1, -(-info.size // self.cluster_size)) if info.first_cluster else 0
            clusters = tuple(
                c
                for c in range(info.first_cluster, info.first_cluster + count)
                if self.is_valid_cluster(c)
            )
        else:
            clusters = tuple(self.chain(info.first_cluster)) if info.first_cluster else ()
        return Entry(
            path=prefix + name,
            name=name,
            short_name=dirent.short_to_name(info.short) if not deleted else short,
            is_dir=is_dir,
            size=0 if is_dir else info.size,
            attributes=info.attributes,
            created=info.created,
            modified=info.modified,
            accessed=info.accessed,
            first_cluster=info.first_cluster,
            clusters=clusters,
            deleted=deleted,
            entry_offset=offset,
            has_long_name=long_name is not None,
        )

    def _orphan(self, pending: _LongName, prefix: str) -> Entry:
        name = pending.text()
        return Entry(
            path=prefix + name,
            name=name,
            short_name="",
            is_dir=False,
            size=0,
            attributes=dirent.ATTR_LFN,
            created=None,
            modified=None,
            accessed=None,
            first_cluster=0,
            orphan_long_name=True,
            entry_offset=pending.offset,
            has_long_name=True,
        )

    # -- file contents ------------------------------------------------------
    def iter_content(self, entry: Entry, chunk: int = READ_CHUNK) -> Iterator[bytes]:
        """A file's bytes, streamed in chunks of consecutive clusters."""
        remaining = entry.size
        for first, count in entry.fragments:
            offset = self.cluster_offset(first)
            length = min(remaining, count * self.cluster_size)
            while length > 0:
                data = self.read_at(offset, min(chunk, length))
                yield data
                offset += len(data)
                length -= len(data)
                remaining -= len(data)
            if remaining <= 0:
                break
        if remaining > 0:
            raise UserError(f"{entry.path!r}: its cluster chain is shorter than its size")

    def read_file(self, entry: Entry) -> bytes:
        return b"".join(self.iter_content(entry))

    def slack_regions(self) -> Iterator[Region]:
        """Bytes after each file's end in its last cluster, and after each folder's last entry."""
        for entry in self.walk():
            if entry.is_dir or not entry.clusters:
                continue
            used = entry.size % self.cluster_size
            if used and len(entry.clusters) * self.cluster_size >= entry.size:
                last = entry.clusters[(entry.size - 1) // self.cluster_size]
                offset = self.cluster_offset(last) + used
                yield Region(offset, self.cluster_size - used, "file slack", entry.path)
        folders = [(self.boot.root_cluster, "")] + [
            (e.first_cluster, e.path) for e in self.walk() if e.is_dir
        ]
        for first, path in folders:
            data, clusters = self._dir_bytes(first)
            end = next(
                (i for i in range(0, len(data), dirent.ENTRY_SIZE) if data[i] == 0), len(data)
            )
            if end < len(data):
                yield Region(
                    self._entry_offset(clusters, end // 32),
                    self.cluster_size - end % self.cluster_size,
                    "directory slack",
                    path,
                )
                for extra in clusters[end // self.cluster_size + 1 :]:
                    yield Region(
                        self.cluster_offset(extra), self.cluster_size, "directory slack", path
                    )

    @property
    def volume_end(self) -> int:
        """The byte just past the volume, as its boot sector gives it."""
        return self.volume_offset + self.boot.total_sectors * self.boot.bytes_per_sector

    def zero_regions(self) -> Iterator[Region]:
        """Every byte outside the file system's structure and data: these must all be zero.

        The MBR's boot code and the gap before the partition, reserved sectors
        that are none of boot sector, FSInfo, their backups or the signature-only
        third sector (all bytes but its signature), FSInfo's reserved bytes, FAT
        entries past the last cluster, the sectors after the last whole cluster,
        and everything after the volume up to the end of the image or device.
        Free clusters and slack are `unallocated_regions` and `slack_regions`.
        """
        b = self.boot
        bps = b.bytes_per_sector
        if self.volume_offset:
            yield Region(0, 440, "MBR boot code")
            yield Region(SECTOR, self.volume_offset - SECTOR, "gap before the partition")
        structure = {0, b.fsinfo_sector}
        if b.backup_boot_sector not in (0, 0xFFFF):
            structure |= {b.backup_boot_sector, b.backup_boot_sector + 1}
        for sector in range(b.reserved_sectors):
            at = self.volume_offset + sector * bps
            if sector in structure:
                continue
            signature_only = sector in (2, b.backup_boot_sector + 2)
            yield Region(at, bps - 2 if signature_only else bps, "reserved sectors")
        for fsinfo in sorted({b.fsinfo_sector, b.backup_boot_sector + 1} & structure - {0}):
            at = self.volume_offset + fsinfo * bps
            yield Region(at + 4, 480, "reserved sectors")
            yield Region(at + 496, 12, "reserved sectors")
        fat_bytes = b.fat_sectors * bps
        used = (self.cluster_count + 2) * 4
        for index in range(b.num_fats):
            start = self.fat_offset + index * fat_bytes
            if used < fat_bytes:
                yield Region(start + used, fat_bytes - used, "FAT padding")
        last = self.cluster_offset(self.cluster_count + 2)
        if last < self.volume_end:
            yield Region(last, self.volume_end - last, "after the last cluster")
        if self.size > self.volume_end:
            yield Region(self.volume_end, self.size - self.volume_end, "after the volume")

    def fat_copies_differ(self) -> list[int]:
        """The numbers (2, 3, ...) of the FAT copies that are not byte-identical to the first."""
        size = self.boot.fat_sectors * self.boot.bytes_per_sector
        first = self.read_at(self.fat_offset, size)
        return [
            index + 1
            for index in range(1, self.boot.num_fats)
            if self.read_at(self.fat_offset + index * size, size) != first
        ]

    # -- copying out --------------------------------------------------------
    def extract(self, dest: Path, progress=None) -> int:
        """Copy every file and folder into `dest` (created; must be empty). Returns file count.

        Each file is written under a temporary name and renamed when whole
        (`policy.atomic_output`), so a full disk or an error leaves no
        truncated file under a final name.
        """
        dest = Path(dest)
        if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
            raise UserError(f"{str(dest)!r} exists and is not an empty folder; choose a new one")
        try:
            dest.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"cannot create {str(dest)!r}: {exc.strerror}; choose a folder you can write"
            ) from None
        count = 0
        for entry in self.walk():
            parts = entry.path.split("/")
            if any(p in ("", ".", "..") or "\\" in p or "\0" in p for p in parts):
                raise UserError(f"the image holds an unsafe name {entry.path!r}; not extracting it")
            target = dest.joinpath(*parts)
            try:
                if entry.is_dir:
                    target.mkdir(exist_ok=True)
                    continue
                if target.exists():
                    raise FileExistsError(errno.EEXIST, "the image holds this name twice")
                with atomic_output(target) as out:
                    for data in self.iter_content(entry):
                        out.write(data)
                        if progress:
                            progress(len(data))
            except OSError as exc:
                raise UserError(
                    f"cannot extract {entry.path!r}: {exc.strerror}; {count} files were "
                    f"extracted whole into {str(dest)!r}, nothing of this one"
                ) from None
            count += 1
        return count


def _is_fat32_boot(sector: bytes) -> bool:
    if not looks_like_fat_boot_sector(sector):
        return False
    boot = parse_boot_sector(sector)
    return (
        boot.reserved_sectors > 0
        and boot.num_fats in (1, 2)
        and boot.total_sectors > 0
        and boot.fat_sectors > 0
        and sector[22:24] == b"\x00\x00"  # FAT32 keeps its FAT size in the 32-bit field
    )


def open_volume(path: str | os.PathLike, offset: int | None = None) -> FatVolume:
    """Open an image file or block device, with or without partition table (read-only)."""
    return FatVolume(path, offset)
