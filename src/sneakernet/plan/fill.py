"""Encyclopedias that fill what a card has left (`sneakernet set REF --fill`).

Such an item is a budget, not an item: once the other items of a card are
chosen, the card's remaining clusters go to it. When the whole (cleaned) ZIM
fits, it goes on whole; otherwise the card gets a file of the largest size
that still fits, measured with the image writer's own arithmetic, which
`make` fills with a subset of the ZIM (`zim.subset`). Each card of a set gets
its own. One encyclopedia fills a card: with several marked, the one of
highest priority (then the lowest id) does.
"""

from __future__ import annotations

import os

from sneakernet.fat import split
from sneakernet.library.catalog import Item
from sneakernet.plan.capacity import CapacityModel
from sneakernet.plan.model import KIND_FOLDERS, MIB, LeftOut, PlanFile
from sneakernet.plan.model import source_of as _source_of
from sneakernet.sizes import human_size

# Less room than this makes no useful encyclopedia: the card stays as it is.
MIN_SUBSET = 1 * MIB


def fillers(items: list[Item], excluded: set[int]) -> list[Item]:
    """The items marked to fill, best first (the first one fills the cards)."""
    chosen = [
        it
        for it in items
        if it.fill and it.kind == "encyclopedia" and it.id not in excluded and it.state != "failed"
    ]
    return sorted(chosen, key=lambda it: (-it.priority, it.id))


def _path(card_files: list[PlanFile], item: Item, capacity: CapacityModel, language: str) -> str:
    folder = capacity.fix_name(KIND_FOLDERS[language]["encyclopedia"])
    existing = {f.card_path.rsplit("/", 1)[0] for f in card_files}
    for path in existing:  # a folder of that name already on the card, in its spelling
        if capacity.fold(path) == capacity.fold(folder):
            folder = path
    stem, ext = os.path.splitext(item.name)
    name = capacity.fix_name(stem + (ext.lower() if ext.lower() == ".zim" else ".zim"))
    taken = {capacity.fold(f.card_path) for f in card_files}
    candidate, n = name, 1
    while capacity.fold(f"{folder}/{candidate}") in taken:
        n += 1
        candidate = capacity.fix_name(f"{os.path.splitext(name)[0]} ({n}).zim")
    return f"{folder}/{candidate}"


def card_files(path: str, size: int) -> list[tuple[str, int]]:
    """The file at `path` as it goes on the card: whole, or in parts from 4 GiB on."""
    folder, name = path.rsplit("/", 1)
    return [(f"{folder}/{part}", length) for part, _, length in split.zim_parts(name, size)]


def fits(files: list[tuple[str, int]], path: str, size: int, capacity: CapacityModel) -> bool:
    return capacity.measure(files + card_files(path, size)).fits


def largest_fit(files: list[tuple[str, int]], path: str, capacity: CapacityModel, most: int) -> int:
    """The largest size (a whole number of clusters, at most `most`) a ZIM at `path` can
    have with `files` on the card, in parts if need be: 0 when not one cluster fits."""
    cs = capacity.cluster_size
    low, high = 0, most // cs
    if fits(files, path, high * cs, capacity):
        return min(high * cs, most)
    while high - low > 1:  # fits at `low` clusters, not at `high`
        middle = (low + high) // 2
        if fits(files, path, middle * cs, capacity):
            low = middle
        else:
            high = middle
    return low * cs


def plan_files(item: Item, path: str, size: int, subset: bool) -> list[PlanFile]:
    """The item's files on the card: one, or its parts (a subset is split once it is made)."""
    parts = [(path, 0, size)] if subset else [
        (f"{path.rsplit('/', 1)[0]}/{name}", offset, length)
        for name, offset, length in split.zim_parts(path.rsplit("/", 1)[1], size)
    ]  # fmt: skip
    whole = size if len(parts) > 1 else None
    return [
        PlanFile(
            item_id=item.id,
            hash=item.hash,
            name=item.name,
            kind=item.kind,
            card_path=part_path,
            size=length,
            size_estimated=item.size_is_estimate and not subset,
            priority=item.priority,
            fill=subset,
            offset=offset,
            whole=whole,
        )
        for part_path, offset, length in parts
    ]


def split_subset(f: PlanFile, size: int) -> list[PlanFile]:
    """A subset's planned file, once made `size` bytes: itself, or its parts."""
    import dataclasses

    folder, name = f.card_path.rsplit("/", 1)
    parts = split.zim_parts(name, size)
    if len(parts) == 1:
        return [dataclasses.replace(f, size=size)]
    return [
        dataclasses.replace(
            f, card_path=f"{folder}/{part}", size=length, offset=offset, whole=size
        )  # fmt: skip
        for part, offset, length in parts
    ]


def fill_cards(cards, items: list[Item], capacity: CapacityModel, language: str) -> list[LeftOut]:
    """Give each card's remaining space to the first filler; the others are left out."""
    left: list[LeftOut] = []
    if not items:
        return left
    item, others = items[0], items[1:]
    for other in others:
        left.append(
            LeftOut(other.id, other.name, f"item {item.id} ({item.name}) fills the space left")
        )
    if _source_of(item) is None:
        left.append(LeftOut(item.id, item.name, "original missing (moved or deleted)"))
        return left
    whole = item.card_size_estimate
    placed = False
    for card in cards:
        files = [(f.card_path, f.size) for f in card.files]
        path = _path(card.files, item, capacity, language)
        room = largest_fit(files, path, capacity, capacity.cluster_count * capacity.cluster_size)
        if whole <= room or fits(files, path, whole, capacity):
            size, subset = whole, False
        elif room >= MIN_SUBSET:
            size, subset = room, True
        else:
            continue
        card.files.extend(plan_files(item, path, size, subset))
        # A subset is measured in the parts it will be split into.
        for_measure = [(f.card_path, f.size) for f in card.files if not f.fill]
        if subset:
            for_measure += card_files(path, size)
        measured = capacity.measure(for_measure)
        card.value += item.priority * size / MIB
        card.used_bytes, card.free_bytes = measured.used_bytes, measured.free_bytes
        card.free_note = (
            f"the space left is filled by {'a subset of ' if subset else ''}{item.name} "
            f"({human_size(size)})"
        )
        placed = True
    if not placed:
        left.append(
            LeftOut(item.id, item.name, f"less than {human_size(MIN_SUBSET)} left on the card")
        )
    return left
