"""What a card holds, in the image writer's own arithmetic.

The planner talks to the card layout through `CapacityModel` only: cluster
size and count, the clusters a file or folder takes, the directory slots a
name takes, and an exact measurement of a whole card tree. `FatCapacity`
answers with the FAT32 layout module, the same code that writes the image, so
a planned card always builds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Measured:
    """Exact use of a card by a tree of files."""

    used_clusters: int
    cluster_count: int
    cluster_size: int

    @property
    def fits(self) -> bool:
        return self.used_clusters <= self.cluster_count

    @property
    def free_bytes(self) -> int:
        return (self.cluster_count - self.used_clusters) * self.cluster_size

    @property
    def used_bytes(self) -> int:
        return self.used_clusters * self.cluster_size


class CapacityModel(Protocol):
    image_size: int
    cluster_size: int
    cluster_count: int
    max_file_size: int
    root_own_slots: int  # slots the root holds besides its children (volume label)

    def file_clusters(self, size: int) -> int: ...

    def entry_slots(self, name: str) -> int: ...

    def dir_clusters(self, slots: int) -> int: ...

    def fix_name(self, name: str) -> str: ...

    def fold(self, name: str) -> str: ...

    def measure(self, files: list[tuple[str, int]]) -> Measured: ...


class FatCapacity:
    """CapacityModel backed by `sneakernet.fat`: the writer's geometry and entry counts."""

    def __init__(
        self,
        image_size: int,
        cluster_size: int | None = None,
        partition: bool = True,
        label: str | None = None,
    ) -> None:
        from sneakernet.fat import layout

        self._layout = layout
        self.geometry = layout.compute_geometry(image_size, cluster_size, partition)
        self.image_size = image_size
        self.partition = partition
        self.label = label
        self.cluster_size = self.geometry.cluster_size
        self.cluster_count = self.geometry.cluster_count
        self.max_file_size = layout.MAX_FILE_SIZE
        self.root_own_slots = 1 if label else 0

    def file_clusters(self, size: int) -> int:
        return self._layout.clusters_for(size, self.cluster_size)

    def entry_slots(self, name: str) -> int:
        from sneakernet.fat import dirent

        return dirent.entry_slots(name)

    def dir_clusters(self, slots: int) -> int:
        return self._layout.dir_clusters(slots, self.cluster_size)

    def fix_name(self, name: str) -> str:
        from sneakernet.fat import source

        return source.fix_name(name)

    def fold(self, name: str) -> str:
        from sneakernet.fat import dirent

        return dirent.fold(name)

    def measure(self, files: list[tuple[str, int]]) -> Measured:
        usage = self._layout.plan_capacity(
            files, self.image_size, self.cluster_size, self.partition, self.label
        )
        return Measured(usage.used_clusters, self.cluster_count, self.cluster_size)


class StandInCapacity:
    """Temporary FAT32 arithmetic used until the layout module is available."""

    def __init__(self, image_size: int, cluster_size: int | None = None, label=None) -> None:
        self.image_size = image_size
        self.cluster_size = cluster_size or (512 if image_size <= 300 * 2**20 else 4096)
        volume = image_size - 4 * 2**20
        fat_bytes = -(-(volume // self.cluster_size + 2) * 4 // 512) * 512 * 2
        data = volume - -(-(32 * 512 + fat_bytes) // (4 * 2**20)) * 4 * 2**20
        self.cluster_count = data // self.cluster_size
        self.max_file_size = 2**32 - 1
        self.root_own_slots = 1 if label else 0

    def file_clusters(self, size: int) -> int:
        return -(-size // self.cluster_size)

    def entry_slots(self, name: str) -> int:
        return 1 + -(-len(name.encode("utf-16-le")) // 26)

    def dir_clusters(self, slots: int) -> int:
        return max(1, -(-slots * 32 // self.cluster_size))

    def fix_name(self, name: str) -> str:
        return "".join("_" if c in '"*/:<>?\\|' or ord(c) < 32 else c for c in name).rstrip(". ")

    def fold(self, name: str) -> str:
        return name.upper()

    def measure(self, files: list[tuple[str, int]]) -> Measured:
        dirs: dict[str, int] = {"": self.root_own_slots}
        used = 0
        for path, size in files:
            parts = path.split("/")
            for depth in range(len(parts)):
                parent = "/".join(parts[:depth])
                here = "/".join(parts[: depth + 1])
                if depth < len(parts) - 1 and here not in dirs:
                    dirs[here] = 2
                    dirs[parent] += self.entry_slots(parts[depth])
            dirs["/".join(parts[:-1])] += self.entry_slots(parts[-1])
            used += self.file_clusters(size)
        used += sum(self.dir_clusters(s) for s in dirs.values())
        return Measured(used, self.cluster_count, self.cluster_size)


def card_capacity(image_size: int, cluster_size: int | None = None) -> CapacityModel:
    try:
        import sneakernet.fat.layout  # noqa: F401
    except ImportError:
        return StandInCapacity(image_size, cluster_size)
    return FatCapacity(image_size, cluster_size)
