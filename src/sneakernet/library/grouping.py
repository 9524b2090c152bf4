"""Which files of a folder are a series, and which stand alone.

A library is folders of films, albums, books and a few real series. A folder
is a series only when its files read as episodes: `S01E02`, `1x02`, `EP02`,
`Episode 2`, `02화`, `제2화`, `1회`, `第2集`, names that differ only in a number
(`Drama 01.mp4`, `Drama 02.mp4`), or track numbers counting up from 1 at the
start of the names (`01 Arirang.mp3`, `02 Doraji.mp3`). Only video and audio can be episodes: `IMG_0001.jpg`,
`IMG_0002.jpg` are photos, not a series. Everything else in the folder is an
item of its own. A folder of folders is decided leaf folder by leaf folder,
never as one group. An album is a series like a season: its tracks go on a
card together and in order (a half album is worth little to a listener).

`decide(folder, files, series=None)` returns one `FolderDecision` per folder
that holds files; `series=True/False` overrides the guess (`add --series`,
`--no-series`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.policy import natural_key

# Suffixes of files that may be episodes (a guess by name; `add` still probes content).
EPISODE_SUFFIXES = frozenset(
    ".mp4 .m4v .mkv .avi .mov .wmv .mpg .mpeg .ts .m2ts .webm .flv .3gp .rmvb .vob .divx "
    ".mp3 .m4a .aac .flac .ogg .oga .opus .wav .wma".split()
)

_EPISODE_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"\bS\d{1,2}\s*[._-]?\s*E(\d{1,4})\b",  # S01E02, s1.e2
        r"(?<![\dx])\d{1,2}x(\d{1,3})\b",  # 1x02
        r"\b(?:EP|E)\.?\s*(\d{1,4})\b",  # EP02, E02, Ep. 2
        r"\bEpisode\s*(\d{1,4})\b",
        r"제\s*(\d{1,4})\s*[화회부]",  # 제2화
        r"(\d{1,4})\s*[화회부](?![가-힣])",  # 02화, 1회
        r"第\s*(\d{1,4})\s*[集話话回]",  # 第2集
    )
]
_NUMBER = re.compile(r"\d+")
_LEADING = re.compile(r"^(\d{1,3})(?:\s*[-._)]\s*|\s+)\S")  # "01 Arirang", "2. Doraji"
# Leaf names that mean nothing without their parent ("드라마/시즌1").
_GENERIC_LEAF = re.compile(r"^(season|series|시즌|disc|disk|cd|part|vol\.?|s)?\s*\d+$", re.I)


@dataclass
class FolderDecision:
    folder: Path
    group: str | None  # None: every file is its own item
    episodes: list[Path] = field(default_factory=list)  # in playback order
    separate: list[Path] = field(default_factory=list)
    why: str = ""

    def describe(self, root: Path) -> str:
        try:
            where = self.folder.relative_to(root.parent).as_posix()
        except ValueError:
            where = self.folder.name
        parts = []
        if self.group is not None:
            parts.append(f"series {self.group!r} of {len(self.episodes)} episodes")
        if self.separate:
            noun = "item" if len(self.separate) == 1 else "items"
            parts.append(f"{len(self.separate)} separate {noun}")
        return f"{where}: {' and '.join(parts)} ({self.why})"


def episode_key(name: str) -> tuple[int, ...] | None:
    """The numbers of a file name's episode marker (`S02E05` -> (2, 5)), if it has one."""
    stem = Path(name).stem
    for pattern in _EPISODE_PATTERNS:
        found = pattern.search(stem)
        if found:
            return tuple(int(n) for n in _NUMBER.findall(found.group(0)))
    return None


def episode_number(name: str) -> int | None:
    """The episode number a file name carries, if it reads as an episode."""
    key = episode_key(name)
    return key[-1] if key else None


def _numbered_run(stems: list[str]) -> bool:
    """Names that differ only in one number, each number different (`Drama 01`, `Drama 02`)."""
    shapes = {_NUMBER.sub("#", s.strip().lower()) for s in stems}
    if len(shapes) != 1 or "#" not in next(iter(shapes)):
        return False
    runs = [tuple(int(n) for n in _NUMBER.findall(s)) for s in stems]
    columns = list(zip(*runs, strict=True))
    return any(len(set(column)) == len(stems) for column in columns)


def _track_numbers(stems: list[str]) -> bool:
    """Album-style names: each starts with its number, and they count up from 1 (or 0)
    with few gaps, so titles that begin with a number (`300`, `127 Hours`) stay films."""
    found = [_LEADING.match(s) for s in stems]
    if not all(found):
        return False
    numbers = sorted(int(m.group(1)) for m in found)
    return len(set(numbers)) == len(numbers) and numbers[0] <= 1 and numbers[-1] <= len(numbers) + 2


def group_name(folder: Path) -> str:
    """The folder's name, with its parent's when the name alone says nothing (`시즌1`)."""
    name = folder.name
    if _GENERIC_LEAF.match(name.strip()) and folder.parent.name:
        return f"{folder.parent.name} {name}"
    return name


def _decide_one(folder: Path, files: list[Path], series: bool | None) -> FolderDecision:
    media = [f for f in files if f.suffix.lower() in EPISODE_SUFFIXES]
    if series is False:
        return FolderDecision(folder, None, [], files, "--no-series")
    if series is True:
        return FolderDecision(folder, group_name(folder), files, [], "--series")
    marked = [f for f in media if episode_key(f.name) is not None]
    keys = {(episode_key(f.name), f.suffix.lower()) for f in marked}
    if len(marked) >= 2 and len(keys) == len(marked):
        episodes = marked
        why = "episode numbers in the names"
    elif len(media) >= 2 and _numbered_run([f.stem for f in media]):
        episodes = media
        why = "names that differ only in a number"
    elif len(media) >= 2 and _track_numbers([f.stem for f in media]):
        episodes = media
        why = "track numbers leading the names"
    else:
        return FolderDecision(folder, None, [], files, "no episode numbering in the names")
    episodes = sorted(episodes, key=lambda p: natural_key(p.name))
    rest = [f for f in files if f not in episodes]
    return FolderDecision(folder, group_name(folder), episodes, rest, why)


def decide(root: Path, files: list[Path], series: bool | None = None) -> list[FolderDecision]:
    """One decision per folder under `root` that holds files, in natural order."""
    by_folder: dict[Path, list[Path]] = {}
    for f in files:
        by_folder.setdefault(f.parent, []).append(f)
    ordered = sorted(by_folder, key=lambda d: natural_key(d.relative_to(root).as_posix()))
    return [_decide_one(d, by_folder[d], series) for d in ordered]
