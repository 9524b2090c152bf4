"""Adding originals to the catalog.

A file becomes one item. In a folder, files that read as episodes become a
group (a series) whose members keep natural order (`ep2` before `ep10`), the
order players will show them; every other file is an item of its own
(`grouping` decides, folder by folder).
The content hash decides identity: a file seen before under another name is
recognised as moved when the old path is gone, and reported as a duplicate
when both copies still exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sneakernet.errors import UserError
from sneakernet.library.catalog import Catalog, Item
from sneakernet.library.probe import content_hash, probe
from sneakernet.policy import (
    PROJECT_STATE,
    is_cache_folder,
    is_debris,
    is_project_folder,
    natural_key,
    operator_file_reason,
)


def _is_debris(name: str) -> bool:
    return name.startswith(".") or is_debris(name)


def _folder_reason(folder: Path, top: bool) -> str | None:
    """Why a folder met while adding is left out whole, or None.

    A sneakernet project below the added folder (its settings, catalog,
    cards and plans), a make output folder (card images beside their
    manifests) and a cache are never taken.
    """
    if not top and is_project_folder(folder):
        return "a sneakernet project folder (the operator's bookkeeping)"
    if is_cache_folder(folder):
        return "a cache folder (CACHEDIR.TAG)"
    try:
        names = {e.name for e in os.scandir(folder) if e.is_file(follow_symlinks=False)}
    except OSError:
        return None
    for name in names:
        stem = name.removesuffix(".manifest.json")
        if stem != name and f"{stem}.img" in names and operator_file_reason(folder / name):
            return "a sneakernet card folder (card images with their manifests)"
    return None


def folder_files(folder: Path, left_out: list[tuple[Path, str]] | None = None) -> list[Path]:
    """Regular files under `folder`, in natural order.

    Debris and hidden files are left out, and so is sneakernet's own
    bookkeeping (`policy.operator_file_reason`, project and cache folders);
    each of the latter is appended to `left_out` with its reason.
    """
    found: list[Path] = []
    skipped = left_out if left_out is not None else []
    for dirpath, dirnames, filenames in os.walk(folder):
        base = Path(dirpath)
        if (reason := _folder_reason(base, top=base == Path(folder))) is not None:
            skipped.append((base, reason))
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if not _is_debris(d)]
        for name in filenames:
            if _is_debris(name):
                continue
            path = base / name
            if (reason := operator_file_reason(path)) is not None:
                skipped.append((path, reason))
            else:
                found.append(path)
    files = [p for p in found if p.is_file() and not p.is_symlink()]
    return sorted(files, key=lambda p: natural_key(p.relative_to(folder).as_posix()))


def _refuse_operator_file(path: Path) -> None:
    """A file given by name that is sneakernet's own, or inside its state or a cache."""
    reason = operator_file_reason(path)
    if reason is None:
        for parent in path.resolve().parents:
            if parent.name == PROJECT_STATE or is_cache_folder(parent):
                reason = f"inside {parent} (sneakernet's catalog and cache, or a cache)"
                break
    if reason is not None:
        raise UserError(f"{path} is {reason}: it never goes on a card; add media files instead")


def split_sidecars(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """Subtitle files named after a video next to them travel with it, not as items.

    (`ep1.srt`, `ep1.ko.srt` belong to `ep1.mp4`; preparing the video burns them in.)
    """
    from sneakernet.media.subtitles import SIDECAR_SUFFIXES

    others = [f for f in files if f.suffix.lower() not in SIDECAR_SUFFIXES]
    stems = {(f.parent, f.stem) for f in others}
    sidecars = [
        f
        for f in files
        if f.suffix.lower() in SIDECAR_SUFFIXES
        and any((f.parent, f.name[:i]) in stems for i in range(1, len(f.name)) if f.name[i] == ".")
    ]
    return [f for f in files if f not in sidecars], sidecars


def _unique_group(name: str, folder: Path, taken: dict[str, Path]) -> str:
    """`name`, or a longer one when another folder's series already has it."""
    candidates = [name, f"{folder.parent.name} {folder.name}"]
    candidates += [f"{candidates[1]} ({n})" for n in range(2, 1000)]
    for candidate in candidates:
        if taken.get(candidate, folder) == folder:
            taken[candidate] = folder
            return candidate
    raise UserError(f"too many series named {name!r}; give one a name with --group")


@dataclass
class AddOutcome:
    path: Path
    status: str  # added, moved, known, duplicate
    item: Item
    detail: str = ""


def _check_name(path: Path) -> None:
    """Refuse a name the catalog and a card cannot hold: one that is not valid UTF-8."""
    try:
        str(path.resolve()).encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        raise UserError(
            f"{shown}: the name is not valid UTF-8 (written by another system's encoding); "
            "rename it, e.g. `convmv -f cp949 -t utf8 --notest FILE`, then add again"
        ) from None


def add_file(
    catalog: Catalog,
    path: Path,
    *,
    priority: int,
    tags: tuple[str, ...],
    group: str | None,
    position: int | None,
) -> AddOutcome:
    path = path.resolve()
    try:
        digest = content_hash(path)
    except OSError as exc:
        raise UserError(
            f"cannot read {path}: {exc.strerror}; check the file and its permissions"
        ) from exc
    known = catalog.by_hash(digest)
    if known is not None:
        old = Path(known.path)
        if old == path:
            return AddOutcome(path, "known", known, "already in the library")
        if old.exists():
            return AddOutcome(
                path, "duplicate", known, f"same content as item {known.id} ({old}); not added"
            )
        catalog.move(known.id, str(path))
        return AddOutcome(path, "moved", catalog.get(known.id), f"moved from {old}")
    info = probe(path)
    item = Item(
        id=0,
        hash=digest,
        path=str(path),
        size=path.stat().st_size,
        kind=info.kind,
        priority=priority,
        tags=tags,
        group=group,
        position=position,
        duration=info.duration,
    )
    item.id = catalog.add(item)
    return AddOutcome(path, "added", item)


def add_paths(
    catalog: Catalog,
    paths: list[Path],
    *,
    priority: int = 5,
    tags: tuple[str, ...] = (),
    group: str | None = None,
    series: bool | None = None,
    on_file=None,
    on_sidecar=None,
    on_decision=None,
    on_left_out=None,
) -> list[AddOutcome]:
    """Add files and folders; a folder's episodes become a group (all of it: `group`).

    `series` True/False overrides the guess for every folder; `on_decision`
    gets each folder's `FolderDecision` and the added root, before any file is
    read; `on_left_out(path, reason)` hears of each of sneakernet's own files
    or folders met inside a folder and not taken.
    """
    from sneakernet.library.grouping import decide

    if not 1 <= priority <= 10:
        raise UserError(f"priority must be between 1 and 10, not {priority}")
    plan: list[tuple[Path, str | None]] = []
    # Each series' folder, so two albums both called "Greatest Hits" stay two series.
    taken = {it.group: Path(it.path).parent for it in catalog.items() if it.group}
    for path in paths:
        _check_name(path)
        if not path.exists():
            raise UserError(f"{path} does not exist; check the path")
        if path.is_dir():
            left_out: list[tuple[Path, str]] = []
            found = folder_files(path, left_out)
            if on_left_out:
                for skipped, reason in left_out:
                    on_left_out(skipped, reason)
            for file in found:
                _check_name(file)
            files, sidecars = split_sidecars(found)
            if on_sidecar:
                for sidecar in sidecars:
                    on_sidecar(sidecar)
            if not files:
                raise UserError(f"{path} holds no files to add")
            if group is not None:
                plan.extend((f, group) for f in files)
                continue
            root = path.resolve()
            for decision in decide(root, [f.resolve() for f in files], series):
                if decision.group is not None:
                    decision.group = _unique_group(decision.group, decision.folder, taken)
                if on_decision:
                    on_decision(decision, root)
                plan.extend((f, decision.group) for f in decision.episodes)
                plan.extend((f, None) for f in decision.separate)
        elif path.is_file():
            _refuse_operator_file(path)
            plan.append((path, group))
        else:
            raise UserError(f"{path} is not a regular file or folder")
    next_position: dict[str, int] = {}
    outcomes = []
    for file, group_name in plan:
        position = None
        if group_name is not None:
            if group_name not in next_position:
                next_position[group_name] = catalog.group_size(group_name) + 1
            position = next_position[group_name]
        outcome = add_file(
            catalog, file, priority=priority, tags=tags, group=group_name, position=position
        )
        if outcome.status == "added" and group_name is not None:
            next_position[group_name] += 1
        outcomes.append(outcome)
        if on_file:
            on_file(file)
    return outcomes
