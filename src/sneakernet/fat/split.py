"""Files FAT32 cannot hold whole (4 GiB or more) that readers open in parts.

Kiwix readers open a ZIM given as consecutive parts `name.zimaa`,
`name.zimab`, ... as if it were one file, so a ZIM of 4 GiB or more goes on a
FAT32 card that way: parts of `PART_SIZE` bytes (the last one shorter), in
name order. Only a ZIM is split (known by its magic number, not its name);
any other file that large is refused. The planner counts the parts and
`image build` and `make` write them in order from the one file.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from sneakernet.fat.layout import MAX_FILE_SIZE

# 4 GiB - 64 KiB: under FAT32's limit, and a whole number of clusters of any size.
PART_SIZE = 2**32 - 2**16
ZIM_MAGIC = (72173914).to_bytes(4, "little")


def is_zim(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == ZIM_MAGIC


def part_suffix(n: int) -> str:
    """`aa`, `ab`, ..., `az`, `ba`, ... (as `split` and Kiwix name them)."""
    letters = string.ascii_lowercase
    if n >= len(letters) ** 2:
        raise ValueError("more than 676 parts")
    return letters[n // 26] + letters[n % 26]


def part_name(name: str, n: int) -> str:
    base = name[:-4] if name.lower().endswith(".zim") else name
    return f"{base}.zim{part_suffix(n)}"


def zim_parts(name: str, size: int, part_size: int = PART_SIZE) -> list[tuple[str, int, int]]:
    """(name, offset, length) of each part of a ZIM of `size` bytes; one entry, the
    file itself, when FAT32 holds it whole."""
    if size <= MAX_FILE_SIZE:
        return [(name, 0, size)]
    return [
        (part_name(name, n), offset, min(part_size, size - offset))
        for n, offset in enumerate(range(0, size, part_size))
    ]


_PART = re.compile(r"^(.*\.zim)([a-z])([a-z])$", re.I)


def part_of(path: str) -> tuple[str, int] | None:
    """(the whole file's path, part number) when `path` names a ZIM part, else None."""
    match = _PART.match(path)
    if not match:
        return None
    first, second = match.group(2).lower(), match.group(3).lower()
    return match.group(1), (ord(first) - 97) * 26 + ord(second) - 97


def group_parts(paths: list[str]) -> list[list[str]]:
    """The paths in order, the parts of one ZIM gathered (in part order) into one group.

    A group is formed only by parts numbered from `aa` without a gap, as a
    reader would open them; anything else stays a file of its own.
    """
    wholes: dict[str, list[tuple[int, str]]] = {}
    for p in paths:
        found = part_of(p)
        if found:
            wholes.setdefault(found[0].lower(), []).append((found[1], p))
    grouped: dict[str, list[str]] = {}
    for key, parts in wholes.items():
        parts.sort()
        if [n for n, _ in parts] == list(range(len(parts))):
            grouped[key] = [p for _, p in parts]
    out, done = [], set()
    for p in paths:
        found = part_of(p)
        key = found[0].lower() if found else None
        if key in grouped:
            if key not in done:
                out.append(grouped[key])
                done.add(key)
        else:
            out.append([p])
    return out
