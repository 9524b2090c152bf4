"""Compound File Binary (OLE2), the container of Office 97-2003 and HWP 5 files.

A compound file is a little FAT file system inside a file: fixed-size
sectors, a sector allocation table, a directory of storages (folders) and
streams (files), and a mini stream holding streams smaller than 4 KiB in
64-byte mini sectors. This module reads that structure and lets a cleaner
overwrite a stream's bytes where they lie, at the same length, so the file
stays valid for every reader and nothing else moves.

It also zeroes what a reader never uses but a hex editor shows: sectors and
mini sectors marked free (where earlier saves left old text), the slack after
each stream's end in its last sector, unused directory entries (names of
deleted streams) and the creation and modification times of every storage.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from sneakernet.clean.base import CleanError

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FREE = 0xFFFFFFFF
END = 0xFFFFFFFE
SPECIAL = 0xFFFFFFFA  # FATSECT, DIFSECT and above are never part of a chain
NOSTREAM = 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
ENTRY_SIZE = 128
MAX_ENTRIES = 1 << 20


@dataclass
class Entry:
    index: int
    name: str
    kind: int
    start: int
    size: int
    path: tuple[str, ...] = ()

    @property
    def joined(self) -> str:
        return "/".join(self.path)


def _bad(why: str) -> CleanError:
    return CleanError(f"damaged compound (OLE2) file: {why}")


class Compound:
    """A compound file held in memory, editable in place."""

    def __init__(self, data: bytes):
        if len(data) < 512 or not data.startswith(MAGIC):
            raise _bad("no compound-file header")
        self.buf = bytearray(data)
        (major, order, shift, mini_shift) = struct.unpack_from("<HHHH", data, 26)
        if order != 0xFFFE or (major, shift) not in ((3, 9), (4, 12)) or mini_shift != 6:
            raise _bad("unknown header version or sector size")
        self.ssz = 1 << shift
        self.mini = 64
        (n_fat, first_dir, _, self.cutoff, first_minifat, n_minifat, first_difat, n_difat) = (
            struct.unpack_from("<IIIIIIII", data, 44)
        )
        if self.cutoff != 4096:
            raise _bad("unusual mini-stream cutoff")
        self.sectors = (len(data) - self.ssz) // self.ssz
        self.fat = self._read_fat(n_fat, first_difat, n_difat)
        self._fat_sectors = set(self._fat_sector_ids)
        self.minifat = self._read_ints(self._chain(first_minifat)) if n_minifat else []
        self._dir_chain = self._chain(first_dir)
        self.entries = self._read_directory()
        root = self.entries[0]
        self._mini_chain = self._chain(root.start) if root.size else []
        if root.size > len(self._mini_chain) * self.ssz:
            raise _bad("the mini stream is shorter than its directory entry says")
        self.streams = {e.joined: e for e in self.entries if e.kind == STREAM and e.path}
        for e in self.streams.values():
            self.extents(e)  # every chain is checked once, up front

    # --- reading the structure -------------------------------------------------

    def _offset(self, sid: int) -> int:
        if sid >= self.sectors:
            raise _bad("a sector lies beyond the end of the file (truncated?)")
        return (sid + 1) * self.ssz

    def _sector(self, sid: int) -> bytes:
        at = self._offset(sid)
        return bytes(self.buf[at : at + self.ssz])

    def _read_ints(self, sids: list[int]) -> list[int]:
        out: list[int] = []
        for sid in sids:
            out += struct.unpack(f"<{self.ssz // 4}I", self._sector(sid))
        return out

    def _read_fat(self, n_fat: int, first_difat: int, n_difat: int) -> list[int]:
        ids = list(struct.unpack_from("<109I", self.buf, 76))
        sid, seen = first_difat, set()
        for _ in range(n_difat):
            if sid >= SPECIAL or sid in seen:
                raise _bad("broken DIFAT chain")
            seen.add(sid)
            words = struct.unpack(f"<{self.ssz // 4}I", self._sector(sid))
            ids += words[:-1]
            sid = words[-1]
        ids = [i for i in ids if i < SPECIAL][:n_fat]
        if len(ids) != n_fat:
            raise _bad("fewer FAT sectors than the header says")
        self._fat_sector_ids = ids
        return self._read_ints(ids)

    def _chain(self, start: int, table: list[int] | None = None) -> list[int]:
        table = self.fat if table is None else table
        out, seen, sid = [], set(), start
        while sid != END:
            if sid >= len(table) or sid in seen:
                raise _bad("a sector chain is broken or loops")
            seen.add(sid)
            out.append(sid)
            sid = table[sid]
        return out

    def _read_directory(self) -> list[Entry]:
        raw = b"".join(self._sector(s) for s in self._dir_chain)
        count = min(len(raw) // ENTRY_SIZE, MAX_ENTRIES)
        entries = []
        self._links: list[tuple[int, int, int]] = []
        for i in range(count):
            rec = raw[i * ENTRY_SIZE : (i + 1) * ENTRY_SIZE]
            (name_len,) = struct.unpack_from("<H", rec, 64)
            kind = rec[66]
            left, right, child = struct.unpack_from("<III", rec, 68)
            start, size = struct.unpack_from("<IQ", rec, 116)
            if self.ssz == 512:
                size &= 0xFFFFFFFF
            name = rec[: max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
            entries.append(Entry(i, name, kind, start, size))
            self._links.append((left, right, child))
        if not entries or entries[0].kind != ROOT:
            raise _bad("no root entry")
        self._walk(entries, 0, ())
        return entries

    def _walk(self, entries: list[Entry], root: int, path: tuple[str, ...]) -> None:
        """Give every reachable entry its path (storage names, then its own)."""
        stack, seen = [(self._links[root][2], path)], {root}
        while stack:
            i, where = stack.pop()
            if i == NOSTREAM:
                continue
            if i >= len(entries) or i in seen:
                raise _bad("the directory tree is broken")
            seen.add(i)
            e = entries[i]
            if e.kind not in (STORAGE, STREAM):
                raise _bad("the directory tree is broken")
            e.path = (*where, e.name)
            left, right, child = self._links[i]
            stack += [(left, where), (right, where)]
            if e.kind == STORAGE:
                stack.append((child, e.path))
        self._reachable = seen

    def extents(self, e: Entry) -> list[tuple[int, int]]:
        """Where the stream's bytes lie in the file: (offset, length) pieces, in order."""
        if e.size == 0:
            return []
        if e.size < self.cutoff and e.kind == STREAM:
            unit, chain = self.mini, self._chain(e.start, self.minifat)
            place = self._mini_offset
        else:
            unit, chain = self.ssz, self._chain(e.start)
            place = self._offset
        if len(chain) * unit < e.size:
            raise _bad(f"stream {e.joined or e.name} is longer than its sectors")
        out, left = [], e.size
        for sid in chain:
            if left <= 0:
                break
            n = min(unit, left)
            at = place(sid)
            if at + n > len(self.buf):
                raise _bad("a stream runs past the end of the file (truncated?)")
            out.append((at, n))
            left -= n
        return out

    def _mini_offset(self, msid: int) -> int:
        pos = msid * self.mini
        index = pos // self.ssz
        if index >= len(self._mini_chain) or pos + self.mini > self.entries[0].size + self.mini:
            raise _bad("a mini sector lies beyond the mini stream")
        return self._offset(self._mini_chain[index]) + pos % self.ssz

    # --- streams ------------------------------------------------------------------

    def storages(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == STORAGE and e.path]

    def read(self, e: Entry) -> bytes:
        return b"".join(bytes(self.buf[a : a + n]) for a, n in self.extents(e))

    def write(self, e: Entry, data: bytes) -> None:
        """Overwrite a stream with data of exactly its length."""
        if len(data) != e.size:
            raise ValueError("a stream is rewritten at its own length only")
        pos = 0
        for at, n in self.extents(e):
            self.buf[at : at + n] = data[pos : pos + n]
            pos += n

    # --- what a reader never uses ---------------------------------------------------

    def scrub(self) -> None:
        """Zero free sectors, slack, unused directory entries and storage times."""
        used_mini = self._used_mini()
        for sid, nxt in enumerate(self.fat[: self.sectors]):
            if nxt == FREE:
                at = self._offset(sid)
                self.buf[at : at + self.ssz] = bytes(self.ssz)
        for msid, nxt in enumerate(self.minifat):
            if nxt == FREE and msid not in used_mini:
                try:
                    at = self._mini_offset(msid)
                except CleanError:
                    break
                self.buf[at : at + self.mini] = bytes(self.mini)
        for e in [*self.streams.values(), self.entries[0]]:
            pieces = self.extents(e) if e.kind == STREAM else self._root_extents()
            if not pieces:
                continue
            at, n = pieces[-1]
            unit = self.mini if (e.kind == STREAM and e.size < self.cutoff) else self.ssz
            self.buf[at + n : at + unit] = bytes(unit - n)
        self._scrub_directory()

    def _root_extents(self) -> list[tuple[int, int]]:
        root = self.entries[0]
        if not root.size:
            return []
        out, left = [], root.size
        for sid in self._mini_chain:
            n = min(self.ssz, left)
            if n <= 0:
                break
            out.append((self._offset(sid), n))
            left -= n
        return out

    def _used_mini(self) -> set[int]:
        used: set[int] = set()
        for e in self.streams.values():
            if 0 < e.size < self.cutoff:
                used.update(self._chain(e.start, self.minifat))
        return used

    def _dir_offset(self, index: int) -> int:
        per = self.ssz // ENTRY_SIZE
        return self._offset(self._dir_chain[index // per]) + (index % per) * ENTRY_SIZE

    def _scrub_directory(self) -> None:
        unused = bytes(68) + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM) + bytes(48)
        for e in self.entries:
            at = self._dir_offset(e.index)
            if e.index not in self._reachable:
                self.buf[at : at + ENTRY_SIZE] = unused
            else:
                self.buf[at + 100 : at + 116] = bytes(16)  # creation and modification times

    def leftovers(self) -> list[str]:
        """What `scrub` would zero, described: free sectors holding data, old names, times."""
        out = []
        free = sum(
            1
            for sid, nxt in enumerate(self.fat[: self.sectors])
            if nxt == FREE and any(self._sector(sid))
        )
        if free:
            out.append(f"{free} free sectors still holding data")
        stale = [
            e.name for e in self.entries if e.index not in self._reachable and e.kind and e.name
        ]
        if stale:
            out.append("names of deleted streams: " + ", ".join(stale[:5]))
        timed = [
            e.joined or "root"
            for e in self.entries
            if e.index in self._reachable and any(self._entry_bytes(e.index)[100:116])
        ]
        if timed:
            out.append("creation or modification times of " + ", ".join(timed[:5]))
        return out

    def _entry_bytes(self, index: int) -> bytes:
        at = self._dir_offset(index)
        return bytes(self.buf[at : at + ENTRY_SIZE])

    def data_end(self) -> int:
        """Just past the last sector the allocation table describes."""
        last = max((s for s, v in enumerate(self.fat) if v != FREE), default=-1)
        return min(len(self.buf), (last + 2) * self.ssz)
