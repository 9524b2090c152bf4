"""The planning problem: what could go on a card, where, and at what cost.

Items become units (an item, or a whole series when groups are all or
nothing); each unit lives in a folder on the card (by kind, then series).
Costs are in clusters, computed by the card's CapacityModel, and folders are
modelled exactly: a folder takes as many clusters as its entries need.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace

from sneakernet.errors import UserError
from sneakernet.fat import split
from sneakernet.library.catalog import Item
from sneakernet.plan.capacity import CapacityModel

MIB = 2**20
KIND_FOLDERS = {
    "ko": {
        "video": "영상",
        "audio": "음악",
        "book": "책",
        "encyclopedia": "백과사전",
        "other": "기타",
    },
    "en": {
        "video": "Video",
        "audio": "Music",
        "book": "Books",
        "encyclopedia": "Encyclopedia",
        "other": "Other",
    },
}


@dataclass
class PlanFile:
    """One file of the card: which item, where on the card, how large."""

    item_id: int
    hash: str
    name: str
    kind: str
    card_path: str
    size: int
    size_estimated: bool
    priority: int
    group: str | None = None
    position: int | None = None
    # A subset of the item (a ZIM cut to fill the card): `size` is the space it
    # may take; `make` writes the subset and puts in its exact size.
    fill: bool = False
    # One part of a file FAT32 cannot hold whole (a ZIM of 4 GiB or more, `fat.split`):
    # the part holds `size` bytes from `offset` of the item's file of `whole` bytes.
    offset: int = 0
    whole: int | None = None
    # A video planned at one of its rungs (`plan.rungs`): which, its quality
    # (estimated VMAF until prepared) and the encoder setting that gives it.
    rung: int | None = None
    vmaf: float | None = None
    setting: str = ""
    vmaf_measured: bool = False


@dataclass
class Directory:
    path: str
    parent: int | None  # None for the root
    name_slots: int  # slots of this folder's own entry in its parent
    own_slots: int  # '.' and '..' (or the volume label in the root)


@dataclass
class Unit:
    """What the solver chooses or not: one item, or a whole series."""

    index: int
    files: list[PlanFile]
    kind: str
    priority: int
    data_clusters: int
    slots: int  # directory slots taken in `directory`
    directory: int
    group: str | None = None
    previous: int | None = None  # a series taken in part: the episode before this one
    must: bool = False
    value: float = 0.0
    kind_clusters: dict[str, int] = field(default_factory=dict)  # data clusters per file kind
    # The same item (or series) at another rung: every unit of one choice has the
    # index of its first (level 0) unit here; at most one of them goes on a card.
    choice: int | None = None
    level: int = 0
    value_share: float = 1.0  # of the level 0 unit's value

    @property
    def label(self) -> str:
        if self.group and len(self.files) > 1:
            return f"series {self.group!r} ({len(self.files)} files)"
        f = self.files[0]
        return f"{f.name!r} (item {f.item_id})"

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class Quota:
    kind: str
    share: float  # fraction of the card's data clusters
    at_least: bool

    def __str__(self) -> str:
        return f"{self.kind}{'=' if self.at_least else '<='}{self.share * 100:g}%"


@dataclass
class Problem:
    capacity: CapacityModel
    units: list[Unit]
    dirs: list[Directory]
    quotas: list[Quota] = field(default_factory=list)

    def alternatives(self, unit: Unit) -> list[Unit]:
        """The unit and its other rungs (just the unit when it has none), best first."""
        if unit.choice is None:
            return [unit]
        return self.choices()[unit.choice]

    def choices(self) -> dict[int, list[Unit]]:
        """Per choice (its level 0 unit's index), its units best first."""
        groups: dict[int, list[Unit]] = {}
        for u in self.units:
            if u.choice is not None:
                groups.setdefault(u.choice, []).append(u)
        return groups

    def group_key(self, unit: Unit) -> int:
        """One number per item (or series) whatever its rung: for counting copies."""
        return unit.index if unit.choice is None else unit.choice

    def quota_clusters(self, quota: Quota) -> int:
        exact = quota.share * self.capacity.cluster_count
        return int(exact) if not quota.at_least else -int(-exact // 1)


@dataclass
class LeftOut:
    item_id: int
    name: str
    reason: str


_QUOTA_RE = re.compile(r"^\s*([a-z]+)\s*(<=|>=|=)\s*(\d+(?:\.\d+)?)\s*%?\s*$")
# The same without shell metacharacters: `video:max=80%`, `book:min=5%`.
_QUOTA_WORDS_RE = re.compile(r"^\s*([a-z]+)\s*:\s*(min|max)\s*=\s*(\d+(?:\.\d+)?)\s*%?\s*$")


def parse_quota(text: str) -> Quota:
    """`video=60%`, `video>=60%` or `video:min=60%` (at least); `book<=5%` or
    `book:max=5%` (at most). The `:max=` spelling needs no quoting in a shell."""
    from sneakernet.library.catalog import KINDS

    match = _QUOTA_RE.match(text) or _QUOTA_WORDS_RE.match(text)
    if not match or match.group(1) not in KINDS:
        raise UserError(
            f"cannot read quota {text!r}: write KIND:min=P% (at least) or KIND:max=P% "
            f"(at most), KIND one of {', '.join(KINDS)}"
        )
    share = float(match.group(3)) / 100
    if share > 1:
        raise UserError(f"quota {text!r} is more than 100%")
    return Quota(match.group(1), share, match.group(2) not in ("<=", "max"))


def source_of(item: Item) -> str | None:
    """The file that will be copied: the prepared file, else the original; None if gone."""
    if item.prepared_path and os.path.isfile(item.prepared_path):
        return item.prepared_path
    if os.path.isfile(item.path):
        return item.path
    return None


class _Names:
    """Unique, FAT-safe names within each folder, assigned in a fixed order."""

    def __init__(self, capacity: CapacityModel) -> None:
        self.capacity = capacity
        self.taken: dict[str, set[str]] = {}

    def claim(self, folder: str, wanted: str) -> str:
        name = self.capacity.fix_name(wanted)
        taken = self.taken.setdefault(folder, set())
        candidate, folded, n = name, self.capacity.fold(name), 1
        while folded in taken:
            n += 1
            stem, dot, ext = name.rpartition(".")
            candidate = f"{stem} ({n}).{ext}" if dot and stem else f"{name} ({n})"
            folded = self.capacity.fold(candidate)
        taken.add(folded)
        return candidate


def _value_share(item: Item, level: int) -> float:
    """The share of its best rung's value an item keeps at `level` (1 without rungs)."""
    if not item.rungs or len(item.rungs) < 2:
        return 1.0
    return item.rungs[min(level, len(item.rungs) - 1)].value


def build_problem(
    items: list[Item],
    capacity: CapacityModel,
    *,
    language: str = "ko",
    allow_partial_groups: bool = False,
    must: set[int] = frozenset(),
    excluded: set[int] = frozenset(),
    quotas: list[Quota] = (),
) -> tuple[Problem, list[LeftOut], list[str]]:
    """Units and folders for the items that can be planned; the rest with reasons."""
    left_out: list[LeftOut] = []
    warnings: list[str] = []
    usable: list[Item] = []
    sources: dict[int, str] = {}
    for item in items:
        if item.id in excluded:
            continue
        name = os.path.basename(item.path)
        if item.state == "failed":
            left_out.append(LeftOut(item.id, name, f"preparation failed: {item.state_reason}"))
            continue
        source = source_of(item)
        if source is None:
            left_out.append(LeftOut(item.id, name, "original missing (moved or deleted)"))
            warnings.append(
                f"item {item.id} ({name}): original not found; left out "
                "(`sneakernet add` it again from its new place)"
            )
            continue
        if item.card_size_estimate > capacity.max_file_size and item.kind != "encyclopedia":
            left_out.append(
                LeftOut(
                    item.id,
                    name,
                    "4 GiB or more: FAT32 cannot hold one file that large; "
                    "prepare it smaller or split it",
                )
            )
            continue
        usable.append(item)
        sources[item.id] = source

    folders = KIND_FOLDERS[language]
    dirs = [Directory("", None, 0, capacity.root_own_slots)]
    dir_index: dict[str, int] = {"": 0}
    names = _Names(capacity)

    def folder(parent_path: str, wanted: str, key: str) -> int:
        if key in dir_index:
            return dir_index[key]
        name = names.claim(parent_path, wanted)
        path = f"{parent_path}/{name}" if parent_path else name
        dirs.append(Directory(path, dir_index[parent_path], capacity.entry_slots(name), 2))
        dir_index[key] = dir_index[path] = len(dirs) - 1
        return dir_index[key]

    groups: dict[str, list[Item]] = {}
    singles: list[Item] = []
    for item in usable:
        (groups.setdefault(item.group, []) if item.group else singles).append(item)

    units: list[Unit] = []

    def make_files(item: Item, folder_path: str) -> list[PlanFile]:
        """The item's file on the card, or its parts when FAT32 cannot hold it whole."""
        original = os.path.basename(item.path)
        # A prepared copy keeps the original's name with its own extension.
        stem = os.path.splitext(original)[0] if item.prepared_path else original
        suffix = os.path.splitext(sources[item.id])[1] if item.prepared_path else ""
        size = item.card_size_estimate
        parts = split.zim_parts(stem + suffix, size)
        whole = size if len(parts) > 1 else None
        return [
            PlanFile(
                item_id=item.id,
                hash=item.hash,
                name=original,
                kind=item.kind,
                card_path=f"{folder_path}/{names.claim(folder_path, part)}",
                size=length,
                size_estimated=item.size_is_estimate,
                priority=item.priority,
                group=item.group,
                position=item.position,
                offset=offset,
                whole=whole,
            )
            for part, offset, length in parts
        ]

    def at_rung(files: list[PlanFile], item: Item, level: int) -> list[PlanFile]:
        """The item's file at one of its rungs (the lowest it has when asked for lower)."""
        own = [f for f in files if f.item_id == item.id]
        if not item.rungs or len(own) != 1:
            return files
        rung = item.rungs[min(level, len(item.rungs) - 1)]
        estimated = item.prepared_size is None or rung.size != item.prepared_size
        return [
            replace(f, size=rung.size, size_estimated=estimated, rung=rung.level,
                    vmaf=rung.vmaf, setting=rung.setting, vmaf_measured=rung.vmaf_measured)
            if f.item_id == item.id
            else f
            for f in files
        ]  # fmt: skip

    def levels(members: list[Item]) -> int:
        return max((len(m.rungs or ()) for m in members), default=0)

    def add_choice(members: list[Item], files: list[PlanFile], kind: str, directory: int,
                   **extra) -> None:  # fmt: skip
        """One unit, or one per rung when the items have rungs (a choice of one)."""
        count = levels(members)
        if count < 2:
            for m in members:
                files = at_rung(files, m, 0)
            add_unit(files, kind, directory, **extra)
            return
        first = None
        sized = {m.id: m.card_size_estimate for m in members}
        total = sum(sized.values()) or 1
        for level in range(count):
            variant = files
            for m in members:
                variant = at_rung(variant, m, level)
            share = sum(sized[m.id] * _value_share(m, level) for m in members) / total
            unit = add_unit(variant, kind, directory, level=level, value_share=share, **extra)
            first = unit.index if first is None else first
            unit.choice = first

    def add_unit(files: list[PlanFile], kind: str, directory: int, **extra) -> Unit:
        unit = Unit(
            index=len(units),
            files=files,
            kind=kind,
            priority=max(f.priority for f in files),
            data_clusters=sum(capacity.file_clusters(f.size) for f in files),
            slots=sum(capacity.entry_slots(f.card_path.rsplit("/", 1)[1]) for f in files),
            directory=directory,
            must=any(f.item_id in must for f in files),
            **extra,
        )
        units.append(unit)
        return unit

    for item in sorted(singles, key=lambda it: it.id):
        kind_dir = folder("", folders[item.kind], item.kind)
        add_choice([item], make_files(item, dirs[kind_dir].path), item.kind, kind_dir)

    for group_name in sorted(groups):
        members = sorted(groups[group_name], key=lambda it: (it.position or 0, it.id))
        kinds = [m.kind for m in members]
        kind = max(dict.fromkeys(kinds), key=kinds.count)
        kind_dir = folder("", folders[kind], kind)
        group_dir = folder(dirs[kind_dir].path, group_name, f"{kind}\0{group_name}")
        files = [f for m in members for f in make_files(m, dirs[group_dir].path)]
        if allow_partial_groups:
            # Episodes taken in part are planned at their best rung only.
            for m in members:
                files = at_rung(files, m, 0)
            previous = None
            for f in files:
                previous = add_unit([f], kind, group_dir, group=group_name, previous=previous)
                previous = previous.index
        else:
            add_choice(members, files, kind, group_dir, group=group_name)

    # A series taken in part must keep its first episodes: a must-have episode
    # makes every earlier one a must too.
    for unit in reversed(units):
        if unit.must and unit.previous is not None:
            units[unit.previous].must = True

    for unit in units:
        for f in unit.files:
            clusters = capacity.file_clusters(f.size)
            unit.kind_clusters[f.kind] = unit.kind_clusters.get(f.kind, 0) + clusters
        cost_bytes = unit.data_clusters * capacity.cluster_size + 32 * unit.slots
        unit.value = unit.priority * cost_bytes / MIB
    # A lower rung is worth a share of its item's best rung, not of its own smaller size.
    for unit in units:
        if unit.choice is not None:
            unit.value = units[unit.choice].value * unit.value_share
    return Problem(capacity, units, dirs, list(quotas)), left_out, warnings
