"""Directory entries: 8.3 short entries, VFAT long-name entries, names and times.

Every name gets a long-name (LFN) record unless it already is a valid
upper-case 8.3 name, so Unicode names (Korean, emoji as surrogate pairs) show
on every system. Short names are ASCII, unique per directory, and assigned in
playback order, so the same tree always gets the same short names.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime

from sneakernet.errors import UserError

ENTRY_SIZE = 32
ATTR_READ_ONLY = 0x01
ATTR_HIDDEN = 0x02
ATTR_SYSTEM = 0x04
ATTR_VOLUME_ID = 0x08
ATTR_DIRECTORY = 0x10
ATTR_ARCHIVE = 0x20
ATTR_LFN = 0x0F
LFN_LAST = 0x40
DELETED = 0xE5
LFN_CHARS = 13
MAX_LFN_UNITS = 255

# Characters FAT forbids in long names (plus control characters below 0x20).
FORBIDDEN_CHARS = '"*/:<>?\\|'
# Allowed in long names but not in short names: replaced by '_' there.
_SHORT_REPLACED = "+,;=[]"
_SHORT_ALLOWED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'()-@^_`{}~")

_SHORT = struct.Struct("<11sBBBHHHHHHHI")
_LFN = struct.Struct("<B10sBBB12sH4s")


def name_problem(name: str) -> str | None:
    """Why FAT cannot store `name` as a long name, or None when it can."""
    bad = sorted({c for c in name if c in FORBIDDEN_CHARS or ord(c) < 0x20})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        return f"contains characters FAT forbids ({shown})"
    if name.endswith((".", " ")):
        return "ends in a dot or space, which FAT drops"
    if name in ("", ".", ".."):
        return "is not a valid file name"
    if utf16_units(name) > MAX_LFN_UNITS:
        return f"is longer than FAT's {MAX_LFN_UNITS} characters"
    return None


def check_name(name: str, where: str) -> None:
    problem = name_problem(name)
    if problem:
        raise UserError(f"{where!r}: name {problem}; rename it or use --fix-names")


def fold(name: str) -> str:
    """The form under which FAT treats two names as the same (one-to-one upper case)."""
    return "".join(u if len(u := c.upper()) == 1 else c for c in name)


def utf16_units(name: str) -> int:
    return len(name.encode("utf-16-le")) // 2


def lfn_slots(name: str) -> int:
    """Long-name records `name` needs (0 for a plain upper-case 8.3 name)."""
    if _plain_short(name) is not None:
        return 0
    return -(-utf16_units(name) // LFN_CHARS)


def entry_slots(name: str) -> int:
    """32-byte directory slots one file or folder named `name` takes."""
    return 1 + lfn_slots(name)


def _plain_short(name: str) -> bytes | None:
    """The 11-byte short name if `name` is exactly a valid upper-case 8.3 name."""
    base, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
    if not base or len(base) > 8 or len(ext) > 3 or (dot and not ext):
        return None
    if not all(c in _SHORT_ALLOWED for c in base + ext):
        return None
    return (base.ljust(8) + ext.ljust(3)).encode("ascii")


def _short_chars(text: str) -> tuple[str, bool]:
    """Upper-case ASCII short-name characters for `text`, and whether anything was lost."""
    out = []
    lossy = False
    for c in text.upper():
        if c in _SHORT_ALLOWED:
            out.append(c)
        elif c in " .":
            lossy = True
        else:
            out.append("_")
            lossy = True
    return "".join(out), lossy


def assign_short_names(names: list[str]) -> list[bytes]:
    """Unique 11-byte short names for the names of one directory, in the given order.

    Names that already are upper-case 8.3 names keep them; the others get a
    basis name, with a `~N` tail when characters were lost or it is taken.
    """
    taken: set[bytes] = {b".          ", b"..         "}
    plain = [_plain_short(name) for name in names]
    taken.update(p for p in plain if p is not None)
    next_tail: dict[bytes, int] = {}
    result = []
    for name, short in zip(names, plain, strict=True):
        if short is None:
            short = _generate_short(name, taken, next_tail)
            taken.add(short)
        result.append(short)
    return result


def _generate_short(name: str, taken: set[bytes], next_tail: dict[bytes, int]) -> bytes:
    """Basis name, else the lowest free `~N` tail (remembered per basis, so a
    folder of thousands of similar names stays fast)."""
    bare = name.lstrip(".")
    stem, dot, ext = bare.rpartition(".")
    if not dot:
        stem, ext = bare, ""
    base, lossy_base = _short_chars(stem)
    extension, lossy_ext = _short_chars(ext)
    lossy = (
        lossy_base or lossy_ext or bare != name or len(base) > 8 or len(extension) > 3 or not base
    )
    base = base or "_"
    extension = extension[:3]
    if not lossy:
        candidate = (base.ljust(8) + extension.ljust(3)).encode("ascii")
        if candidate not in taken:
            return candidate
    basis = (base.ljust(8) + extension.ljust(3)).encode("ascii")
    for n in range(next_tail.get(basis, 1), 1_000_000):
        tail = f"~{n}"
        candidate = ((base[: 8 - len(tail)] + tail).ljust(8) + extension.ljust(3)).encode("ascii")
        if candidate not in taken:
            next_tail[basis] = n + 1
            return candidate
    raise UserError(f"too many similar names next to {name!r} for FAT short names")


def short_checksum(short: bytes) -> int:
    total = 0
    for byte in short:
        total = (((total & 1) << 7) + (total >> 1) + byte) & 0xFF
    return total


def short_display(short: bytes) -> str:
    base = short[:8].rstrip(b" ").decode("ascii", "replace")
    ext = short[8:].rstrip(b" ").decode("ascii", "replace")
    return f"{base}.{ext}" if ext else base


@dataclass(frozen=True)
class FatTime:
    """One moment in FAT's encoding (local wall-clock time, 2-second steps)."""

    date: int
    time: int
    tenths: int  # creation-time 10 ms units (0..199)

    @classmethod
    def from_datetime(cls, moment: datetime) -> FatTime:
        if not 1980 <= moment.year <= 2107:
            raise UserError(f"timestamp {moment.isoformat()} is outside FAT's 1980-2107 range")
        date = ((moment.year - 1980) << 9) | (moment.month << 5) | moment.day
        time = (moment.hour << 11) | (moment.minute << 5) | (moment.second // 2)
        tenths = (moment.second % 2) * 100 + moment.microsecond // 10000
        return cls(date, time, tenths)


def decode_datetime(date: int, time: int = 0, tenths: int = 0) -> datetime | None:
    """A FAT date/time as a naive datetime, or None where the fields are empty or invalid."""
    if date == 0:
        return None
    try:
        extra = tenths // 100
        return datetime(
            1980 + (date >> 9),
            (date >> 5) & 0x0F,
            date & 0x1F,
            time >> 11,
            (time >> 5) & 0x3F,
            min(59, (time & 0x1F) * 2 + extra),
            (tenths % 100) * 10000,
        )
    except ValueError:
        return None


def pack_short(
    short: bytes, attributes: int, first_cluster: int, size: int, when: FatTime
) -> bytes:
    return _SHORT.pack(
        short,
        attributes,
        0,
        when.tenths,
        when.time,
        when.date,
        when.date,
        first_cluster >> 16,
        when.time,
        when.date,
        first_cluster & 0xFFFF,
        size,
    )


def pack_lfn(name: str, short: bytes) -> bytes:
    """The long-name records for `name`, in on-disk order (last part first)."""
    units = name.encode("utf-16-le")
    count = -(-len(units) // (2 * LFN_CHARS))
    padded = units + b"\x00\x00" if len(units) % (2 * LFN_CHARS) else units
    padded = padded.ljust(count * 2 * LFN_CHARS, b"\xff")
    checksum = short_checksum(short)
    records = []
    for index in range(count, 0, -1):
        part = padded[(index - 1) * 26 : index * 26]
        order = index | (LFN_LAST if index == count else 0)
        records.append(
            _LFN.pack(order, part[:10], ATTR_LFN, 0, checksum, part[10:22], 0, part[22:26])
        )
    return b"".join(records)


@dataclass(frozen=True)
class RawEntry:
    """One 32-byte short entry as read from disk."""

    short: bytes
    attributes: int
    first_cluster: int
    size: int
    created: datetime | None
    modified: datetime | None
    accessed: datetime | None
    nt_case: int


def unpack_short(raw: bytes) -> RawEntry:
    (
        short,
        attributes,
        nt_case,
        tenths,
        ctime,
        cdate,
        adate,
        cluster_hi,
        wtime,
        wdate,
        cluster_lo,
        size,
    ) = _SHORT.unpack(raw)
    return RawEntry(
        short,
        attributes,
        (cluster_hi << 16) | cluster_lo,
        size,
        decode_datetime(cdate, ctime, tenths),
        decode_datetime(wdate, wtime),
        decode_datetime(adate),
        nt_case,
    )


def unpack_lfn(raw: bytes) -> tuple[int, int, bytes]:
    """(order byte, checksum, 26 bytes of UTF-16 name part) of one long-name record."""
    order, part1, _attr, _type, checksum, part2, _cluster, part3 = _LFN.unpack(raw)
    return order, checksum, part1 + part2 + part3


def decode_lfn_units(units: bytes) -> str:
    """The name held in concatenated long-name parts (up to the 0x0000 terminator)."""
    for i in range(0, len(units), 2):
        if units[i : i + 2] == b"\x00\x00":
            units = units[:i]
            break
    return units.decode("utf-16-le", "replace")


def short_to_name(short: bytes, nt_case: int = 0) -> str:
    """The name a short entry shows when it has no long name (honouring NT case bits)."""
    raw = bytearray(short)
    if raw[0] == 0x05:
        raw[0] = 0xE5
    base = bytes(raw[:8]).rstrip(b" ").decode("cp437")
    ext = bytes(raw[8:]).rstrip(b" ").decode("cp437")
    if nt_case & 0x08:
        base = base.lower()
    if nt_case & 0x10:
        ext = ext.lower()
    return f"{base}.{ext}" if ext else base
