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

from sneakernet import fat
from sneakernet.fat import dirent, layout, source


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
        self.geometry = fat.compute_geometry(image_size, cluster_size, partition)
        self.image_size = image_size
        self.partition = partition
        self.label = label
        self.cluster_size = self.geometry.cluster_size
        self.cluster_count = self.geometry.cluster_count
        self.max_file_size = layout.MAX_FILE_SIZE
        self.root_own_slots = 1 if label else 0

    def file_clusters(self, size: int) -> int:
        return layout.clusters_for(size, self.cluster_size)

    def entry_slots(self, name: str) -> int:
        return dirent.entry_slots(name)

    def dir_clusters(self, slots: int) -> int:
        return layout.dir_clusters(slots, self.cluster_size)

    def fix_name(self, name: str) -> str:
        return source.fix_name(name)

    def fold(self, name: str) -> str:
        return dirent.fold(name)

    def measure(self, files: list[tuple[str, int]]) -> Measured:
        usage = fat.plan_capacity(
            files, self.image_size, self.cluster_size, self.partition, self.label
        )
        return Measured(usage.used_clusters, self.cluster_count, self.cluster_size)


def card_capacity(image_size: int, cluster_size: int | None = None) -> CapacityModel:
    return FatCapacity(image_size, cluster_size)
