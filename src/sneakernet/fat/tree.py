"""What goes on a card: a tree of folders and files in playback order.

The same tree feeds the capacity arithmetic (sizes only) and the writer
(sizes and source files), so both count exactly the same entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sneakernet.errors import UserError


@dataclass(eq=False)
class Node:
    """A folder or file on the card. Children are kept in playback order."""

    name: str
    is_dir: bool
    size: int = 0
    source: Path | None = None
    source_offset: int = 0  # where the file's bytes start in `source` (a part of it)
    source_size: int | None = None  # for a part: the size of the whole source
    children: list[Node] = field(default_factory=list)
    # Filled in by layout.place():
    short: bytes = b""
    first_cluster: int = 0
    cluster_count: int = 0

    def walk(self, prefix: str = "") -> Iterator[tuple[str, Node]]:
        """(card path, node) for every descendant, depth first, in playback order."""
        for child in self.children:
            path = f"{prefix}{child.name}"
            yield path, child
            if child.is_dir:
                yield from child.walk(path + "/")

    def files(self) -> Iterator[tuple[str, Node]]:
        return ((p, n) for p, n in self.walk() if not n.is_dir)

    def dirs(self) -> Iterator[Node]:
        """This folder and every folder below it, depth first."""
        yield self
        for child in self.children:
            if child.is_dir:
                yield from child.dirs()


def tree_from_items(items: Iterable[tuple[str, int]]) -> Node:
    """A tree from (card path, size) pairs, e.g. for capacity planning.

    Folders are created as needed; within a folder, entries keep the order of
    first appearance. A path ending in '/' is an (empty) folder.
    """
    root = Node("", True)
    index: dict[tuple[int, str], Node] = {}
    for path, size in items:
        is_dir = path.endswith("/")
        parts = PurePosixPath(path.strip("/")).parts
        if not parts or any(p in (".", "..") for p in parts):
            raise UserError(f"card path {path!r} is not a relative path")
        parent = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            key = (id(parent), part)
            node = index.get(key)
            if node is None:
                node = Node(part, is_dir or not last, 0 if (is_dir or not last) else size)
                parent.children.append(node)
                index[key] = node
            elif last or not node.is_dir:
                raise UserError(f"card path {path!r} is listed twice or under a file")
            parent = node
    return root
