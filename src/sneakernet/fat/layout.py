"""FAT32 geometry: the one place that decides where every region of a card lies.

The writer, the reader's sanity checks and the capacity planner all take their
numbers from here, so "it fits" in a plan means it fits on the card.

Choices (see docs/fat.md):
- 512-byte sectors, two FATs, root directory at cluster 2.
- With a partition table the volume starts at 4 MiB (the SD Association's
  alignment); the reserved region is stretched so the data region starts on a
  4 MiB boundary of the card (flash erase blocks), with or without MBR.
- Default cluster sizes follow the table Windows' format uses for FAT32, so
  every player firmware has met them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sneakernet.errors import UserError
from sneakernet.fat.dirent import entry_slots
from sneakernet.fat.tree import Node, tree_from_items
from sneakernet.sizes import human_size

SECTOR = 512
NUM_FATS = 2
MIN_RESERVED_SECTORS = 32
ROOT_CLUSTER = 2
FSINFO_SECTOR = 1
BACKUP_BOOT_SECTOR = 6
ALIGNMENT = 4 * 1024 * 1024
PARTITION_START = ALIGNMENT
# FAT32 is recognised by its cluster count alone (Microsoft FAT spec).
MIN_CLUSTERS = 65525
MAX_CLUSTERS = 0x0FFFFFF4
MAX_VOLUME_SECTORS = 0xFFFFFFFF
CLUSTER_SIZES = (512, 1024, 2048, 4096, 8192, 16384, 32768)
MAX_FILE_SIZE = 2**32 - 1
# A directory holds at most 65536 entries of 32 bytes (2 MiB).
MAX_DIR_SLOTS = 65536
DIRENT_SIZE = 32

# (volume sectors up to and including, cluster bytes): Windows' FAT32 table.
_DEFAULT_CLUSTER_TABLE = (
    (532_480, 512),  # up to 260 MiB
    (16_777_216, 4096),  # up to 8 GiB
    (33_554_432, 8192),  # up to 16 GiB
    (67_108_864, 16384),  # up to 32 GiB
)


class LayoutError(UserError):
    """The requested card cannot be laid out (size, cluster size, capacity)."""


@dataclass(frozen=True)
class Geometry:
    """Where everything is, in bytes from the start of the card image."""

    image_size: int
    volume_offset: int  # 0 without partition table
    volume_sectors: int
    cluster_size: int
    reserved_sectors: int
    fat_sectors: int  # per FAT
    cluster_count: int

    @property
    def partitioned(self) -> bool:
        return self.volume_offset > 0

    @property
    def sectors_per_cluster(self) -> int:
        return self.cluster_size // SECTOR

    @property
    def hidden_sectors(self) -> int:
        return self.volume_offset // SECTOR

    def fat_offset(self, index: int) -> int:
        return self.volume_offset + (self.reserved_sectors + index * self.fat_sectors) * SECTOR

    @property
    def data_offset(self) -> int:
        return self.fat_offset(NUM_FATS)

    def cluster_offset(self, cluster: int) -> int:
        return self.data_offset + (cluster - 2) * self.cluster_size

    @property
    def max_cluster(self) -> int:
        """Highest valid cluster number."""
        return self.cluster_count + 1

    @property
    def data_bytes(self) -> int:
        return self.cluster_count * self.cluster_size


def default_cluster_size(volume_bytes: int) -> int:
    sectors = volume_bytes // SECTOR
    for limit, size in _DEFAULT_CLUSTER_TABLE:
        if sectors <= limit:
            return size
    return 32768


def _align_up(value: int, step: int) -> int:
    return -(-value // step) * step


def _solve(volume_offset: int, volume_sectors: int, cluster_size: int) -> tuple[int, int, int]:
    """(reserved sectors, FAT sectors, cluster count) for one volume."""
    spc = cluster_size // SECTOR
    start = volume_offset // SECTOR
    align = ALIGNMENT // SECTOR
    fat = 1
    while True:
        data_start = _align_up(start + MIN_RESERVED_SECTORS + NUM_FATS * fat, align)
        reserved = data_start - start - NUM_FATS * fat
        clusters = max(0, (volume_sectors - reserved - NUM_FATS * fat) // spc)
        needed = -(-(clusters + 2) * 4 // SECTOR)
        if needed <= fat:
            return reserved, fat, clusters
        fat = needed


def _geometry(image_size: int, cluster_size: int, partition: bool) -> Geometry:
    volume_offset = PARTITION_START if partition else 0
    volume_sectors = max(0, (image_size - volume_offset) // SECTOR)
    reserved, fat, clusters = _solve(volume_offset, volume_sectors, cluster_size)
    return Geometry(
        image_size, volume_offset, volume_sectors, cluster_size, reserved, fat, clusters
    )


def minimum_image_size(cluster_size: int = 512, partition: bool = True) -> int:
    """Smallest card size (whole MiB) that holds a FAT32 volume with these clusters."""
    low, high = 1, 1 << 20  # in MiB
    while low < high:
        mid = (low + high) // 2
        if _geometry(mid << 20, cluster_size, partition).cluster_count >= MIN_CLUSTERS:
            high = mid
        else:
            low = mid + 1
    return low << 20


def compute_geometry(
    image_size: int, cluster_size: int | None = None, partition: bool = True
) -> Geometry:
    """The layout of a card of exactly `image_size` bytes, or a LayoutError saying why not."""
    if cluster_size is not None and cluster_size not in CLUSTER_SIZES:
        raise LayoutError(
            f"cluster size {cluster_size} is not one of {', '.join(map(str, CLUSTER_SIZES))}"
        )
    volume_offset = PARTITION_START if partition else 0
    volume_bytes = image_size - volume_offset
    if volume_bytes // SECTOR > MAX_VOLUME_SECTORS:
        raise LayoutError(
            f"size {human_size(image_size)} is too large for FAT32 "
            f"(at most {human_size(MAX_VOLUME_SECTORS * SECTOR + volume_offset)})"
        )
    if cluster_size is None:
        candidates = [c for c in CLUSTER_SIZES if c <= default_cluster_size(volume_bytes)][::-1]
    else:
        candidates = [cluster_size]
    for size in candidates:
        geometry = _geometry(image_size, size, partition)
        if geometry.cluster_count > MAX_CLUSTERS:
            raise LayoutError(
                f"{geometry.cluster_count} clusters of {size} bytes are too many for FAT32; "
                "use a larger --cluster-size"
            )
        if geometry.cluster_count >= MIN_CLUSTERS:
            return geometry
    smallest = minimum_image_size(candidates[-1], partition)
    raise LayoutError(
        f"size {human_size(image_size)} is too small for FAT32 with {candidates[-1]}-byte "
        f"clusters: at least {smallest} bytes ({human_size(smallest)}) are needed"
    )


def clusters_for(size: int, cluster_size: int) -> int:
    """Clusters a file of `size` bytes occupies (an empty file occupies none)."""
    return -(-size // cluster_size)


def dir_clusters(slots: int, cluster_size: int) -> int:
    """Clusters a directory of `slots` 32-byte entries occupies (at least one)."""
    return max(1, clusters_for(slots * DIRENT_SIZE, cluster_size))


# ---------------------------------------------------------------------------
# Placement: which clusters each folder and file takes, and whether it fits.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """How much of a card a tree takes (exact: the writer places it the same way)."""

    geometry: Geometry
    used_clusters: int
    directory_clusters: int
    file_clusters: int

    @property
    def cluster_size(self) -> int:
        return self.geometry.cluster_size

    @property
    def fits(self) -> bool:
        return self.used_clusters <= self.geometry.cluster_count

    @property
    def used_bytes(self) -> int:
        return self.used_clusters * self.cluster_size

    @property
    def free_bytes(self) -> int:
        """Free space left on the card (negative when it does not fit)."""
        return (self.geometry.cluster_count - self.used_clusters) * self.cluster_size

    @property
    def shortfall_bytes(self) -> int:
        """By how much the content is too large (0 when it fits)."""
        return max(0, -self.free_bytes)


@dataclass(frozen=True)
class ItemCost:
    """What one file adds: its data clusters and its slots in its folder."""

    clusters: int
    dir_slots: int

    def bytes(self, cluster_size: int) -> int:
        return self.clusters * cluster_size


def item_cost(name: str, size: int, cluster_size: int) -> ItemCost:
    """Cheap per-file cost for a planner adding items one by one.

    It leaves out folder growth (a folder grows by a whole cluster when its
    slots spill over), so confirm the final choice with `measure`/`plan_capacity`.
    """
    return ItemCost(clusters_for(size, cluster_size), entry_slots(name))


def directory_slots(node: Node, is_root: bool, has_label: bool) -> int:
    """32-byte slots a folder's entries take, including '.', '..' or the volume label."""
    own = (1 if has_label else 0) if is_root else 2
    return own + sum(entry_slots(child.name) for child in node.children)


def measure(root: Node, geometry: Geometry, has_label: bool = False) -> Usage:
    """Clusters the tree needs on this geometry, without placing it."""
    dir_total = 0
    for directory in root.dirs():
        slots = directory_slots(directory, directory is root, has_label)
        if slots > MAX_DIR_SLOTS:
            raise LayoutError(
                f"folder {directory.name or '/'!r} has too many entries for FAT "
                f"({slots} of {MAX_DIR_SLOTS} 32-byte slots; long names take several): "
                "split it into subfolders"
            )
        dir_total += dir_clusters(slots, geometry.cluster_size)
    file_total = sum(clusters_for(node.size, geometry.cluster_size) for _, node in root.files())
    return Usage(geometry, dir_total + file_total, dir_total, file_total)


def place(root: Node, geometry: Geometry, has_label: bool = False) -> Usage:
    """Assign every folder and file one contiguous run of clusters.

    Folders come first (root at cluster 2, then depth first), then files in
    playback order, so a player reading the card front to back never seeks
    back. Raises LayoutError saying by how much the content does not fit.
    """
    usage = measure(root, geometry, has_label)
    if not usage.fits:
        raise LayoutError(
            f"content does not fit: {human_size(usage.used_bytes)} needed but the card holds "
            f"{human_size(geometry.data_bytes)}; remove {usage.shortfall_bytes} bytes "
            f"({human_size(usage.shortfall_bytes)}) or use a larger card"
        )
    cluster = ROOT_CLUSTER
    for directory in root.dirs():
        slots = directory_slots(directory, directory is root, has_label)
        directory.first_cluster = cluster
        directory.cluster_count = dir_clusters(slots, geometry.cluster_size)
        cluster += directory.cluster_count
    for _, node in root.files():
        node.cluster_count = clusters_for(node.size, geometry.cluster_size)
        node.first_cluster = cluster if node.cluster_count else 0
        cluster += node.cluster_count
    return usage


def plan_capacity(
    items: Iterable[tuple[str, int]],
    image_size: int,
    cluster_size: int | None = None,
    partition: bool = True,
    label: str | None = None,
) -> Usage:
    """Exact bytes used and free for (card path, size) pairs on a card of `image_size`.

    `usage.fits` tells whether it fits; `usage.shortfall_bytes` by how much not.
    Raises LayoutError for an impossible card size or a folder with too many entries.
    """
    geometry = compute_geometry(image_size, cluster_size, partition)
    return measure(tree_from_items(items), geometry, has_label=bool(label))
