"""Reading the operator's folder into a card tree.

Refuses what FAT cannot hold or what could betray someone, leaves out OS
debris, and never depends on the order in which the OS lists a folder.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.errors import UserError
from sneakernet.fat import split
from sneakernet.fat.dirent import fold, name_problem, utf16_units
from sneakernet.fat.layout import MAX_FILE_SIZE
from sneakernet.fat.order import OrderRanks
from sneakernet.fat.tree import Node
from sneakernet.policy import is_debris


@dataclass
class SourceTree:
    """A scanned folder: the card tree plus what was left out or renamed."""

    root: Node
    debris: list[str] = field(default_factory=list)  # relative paths left out
    renames: list[tuple[str, str]] = field(default_factory=list)  # (source path, card name)

    @property
    def file_count(self) -> int:
        return sum(1 for _ in self.root.files())

    @property
    def total_bytes(self) -> int:
        return sum(node.size for _, node in self.root.files())


def fix_name(name: str) -> str:
    """A predictable FAT-safe rewrite: forbidden characters become '_', trailing dots/spaces go."""
    fixed = "".join("_" if (c in '"*/:<>?\\|' or ord(c) < 0x20) else c for c in name)
    fixed = fixed.rstrip(". ") or "_"
    while utf16_units(fixed) > 255:
        stem, dot, ext = fixed.rpartition(".")
        fixed = f"{stem[:-1]}.{ext}" if dot and len(ext) < 20 and stem[:-1] else fixed[:-1]
    return fixed


def _numbered(name: str, n: int) -> str:
    stem, dot, ext = name.rpartition(".")
    return f"{stem} ({n}).{ext}" if dot and stem else f"{name} ({n})"


def scan_source(
    src: Path,
    *,
    follow_symlinks: bool = False,
    fix_names: bool = False,
    order: list[str] | None = None,
) -> SourceTree:
    """The card tree for folder `src`, in playback order; UserError for anything refused."""
    src = Path(src)
    if not src.is_dir():
        raise UserError(f"{str(src)!r} is not a folder; give the folder to put on the card")
    ranks = OrderRanks(order or [])
    result = SourceTree(Node("", True))
    top = os.stat(src)
    _scan_dir(src, "", result.root, result, ranks, follow_symlinks, fix_names, {_ident(top)})
    ranks.check_all_found()
    return result


def _ident(st: os.stat_result) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


def _scan_dir(
    path: Path,
    rel: str,
    node: Node,
    result: SourceTree,
    ranks: OrderRanks,
    follow: bool,
    fix: bool,
    ancestors: set[tuple[int, int]],
) -> None:
    try:
        names = sorted(entry.name for entry in os.scandir(path))
    except OSError as exc:
        raise UserError(f"cannot read folder {rel.rstrip('/') or '.'!r}: {exc.strerror}") from None
    kept: list[tuple[str, str, Node]] = []  # (source name, source relative path, node)
    for name in names:
        relative = rel + name
        full = path / name
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            raise UserError(
                f"{relative!r}: name is not valid UTF-8; rename it (e.g. with convmv)"
            ) from None
        if is_debris(name):
            result.debris.append(relative)
            continue
        st = os.lstat(full)
        if stat.S_ISLNK(st.st_mode):
            if not follow:
                raise UserError(
                    f"{relative!r} is a symbolic link; copy the file in or use --follow-symlinks"
                )
            try:
                st = os.stat(full)
            except OSError:
                raise UserError(f"{relative!r} is a broken symbolic link; remove it") from None
        if stat.S_ISDIR(st.st_mode):
            if _ident(st) in ancestors:
                raise UserError(f"{relative!r} links back to a folder above it; remove the link")
            child = Node(name, True)
            _scan_dir(
                full, relative + "/", child, result, ranks, follow, fix, ancestors | {_ident(st)}
            )
        elif stat.S_ISREG(st.st_mode):
            try:
                os.close(os.open(full, os.O_RDONLY))
            except OSError as exc:
                raise UserError(f"cannot read {relative!r}: {exc.strerror}") from None
            if st.st_size > MAX_FILE_SIZE:
                if not split.is_zim(full):
                    raise UserError(
                        f"{relative!r} is {st.st_size} bytes; FAT32 cannot hold a file of 4 GiB "
                        "or more: split it or choose a profile that makes it smaller"
                    )
                # A ZIM goes in parts Kiwix opens as one: name.zimaa, name.zimab, ...
                for part, offset, length in split.zim_parts(name, st.st_size):
                    node_part = Node(part, False, length, full.absolute(), offset, st.st_size)
                    kept.append((name, relative, node_part))
                continue
            child = Node(name, False, st.st_size, full.absolute())
        else:
            raise UserError(
                f"{relative!r} is not a regular file or folder (a device, pipe or socket); remove it"
            )
        kept.append((name, relative, child))
    _name_children(kept, rel, result, fix)
    kept.sort(key=lambda item: ranks.key(item[1], item[2].name))
    node.children = [child for _, _, child in kept]


def _name_children(
    kept: list[tuple[str, str, Node]], rel: str, result: SourceTree, fix: bool
) -> None:
    """Check (or, with --fix-names, rewrite) names so FAT can store them unambiguously."""
    taken: dict[str, str] = {}
    if not fix:
        for name, relative, _ in kept:
            problem = name_problem(name)
            if problem:
                raise UserError(f"{relative!r}: name {problem}; rename it or use --fix-names")
            other = taken.setdefault(fold(name), name)
            if other != name:
                raise UserError(
                    f"{rel + other!r} and {relative!r} differ only in case, which FAT treats as "
                    "the same name; rename one or use --fix-names"
                )
        return
    pending = []
    for name, relative, child in kept:
        if name_problem(name) is None and fold(name) not in taken:
            taken[fold(name)] = name
        else:
            pending.append((relative, child))
    for relative, child in pending:
        candidate = fix_name(child.name)
        n = 1
        while fold(candidate) in taken:
            n += 1
            candidate = fix_name(_numbered(fix_name(child.name), n))
        taken[fold(candidate)] = candidate
        result.renames.append((relative, candidate))
        child.name = candidate
