"""Reading TIFF-structured metadata (EXIF blocks in JPEG, PNG, WebP; TIFF files).

Only reading: cleaners drop EXIF whole (keeping at most the orientation,
written fresh by `orientation_exif`), so nothing here rewrites a block.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from sneakernet.clean.base import Finding, shorten

TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
SUB_IFDS = {0x8769: "ExifIFD", 0x8825: "GPS", 0xA005: "InteropIFD"}
ORIENTATION = 0x0112

TAG_NAMES = {
    0x010D: "DocumentName",
    0x010E: "ImageDescription",
    0x010F: "Make",
    0x0110: "Model",
    0x0112: "Orientation",
    0x0131: "Software",
    0x0132: "ModifyDate",
    0x013B: "Artist",
    0x013C: "HostComputer",
    0x8298: "Copyright",
    0x02BC: "XMP",
    0x83BB: "IPTC",
    0x8649: "Photoshop",
    0x8773: "ICC_Profile",
    0x9003: "DateTimeOriginal",
    0x9004: "CreateDate",
    0x9010: "OffsetTime",
    0x927C: "MakerNote",
    0x9286: "UserComment",
    0xA420: "ImageUniqueID",
    0xA430: "OwnerName",
    0xA431: "SerialNumber",
    0xA433: "LensMake",
    0xA434: "LensModel",
    0xA435: "LensSerialNumber",
    0x0001: "GPSLatitudeRef",
    0x0002: "GPSLatitude",
    0x0003: "GPSLongitudeRef",
    0x0004: "GPSLongitude",
    0x0006: "GPSAltitude",
    0x0007: "GPSTimeStamp",
    0x001D: "GPSDateStamp",
    0x9C9B: "XPTitle",
    0x9C9C: "XPComment",
    0x9C9D: "XPAuthor",
    0x9C9E: "XPKeywords",
    0x9C9F: "XPSubject",
    0x0201: "ThumbnailOffset",
    0x0202: "ThumbnailLength",
}


@dataclass(frozen=True)
class Entry:
    ifd: str
    tag: int
    type: int
    value: object

    @property
    def name(self) -> str:
        return TAG_NAMES.get(self.tag, f"Tag0x{self.tag:04X}")


class TiffError(ValueError):
    pass


def byte_order(data: bytes) -> str:
    if data[:4] == b"II*\0":
        return "<"
    if data[:4] == b"MM\0*":
        return ">"
    raise TiffError("not a TIFF structure")


def read_value(data: bytes, order: str, typ: int, count: int, field_at: int) -> tuple[object, int]:
    """Decoded value of one IFD entry and the offset of its raw bytes."""
    size = TYPE_SIZES.get(typ, 1) * count
    at = field_at if size <= 4 else struct.unpack_from(order + "I", data, field_at)[0]
    if at + size > len(data):
        raise TiffError("IFD entry points outside the data")
    raw = data[at : at + size]
    if typ == 2:
        return raw.split(b"\0", 1)[0].decode("latin-1"), at
    if typ in (3, 8):
        return list(struct.unpack(order + ("H" if typ == 3 else "h") * count, raw)), at
    if typ in (4, 9, 13):
        return list(struct.unpack(order + ("I" if typ != 9 else "i") * count, raw)), at
    if typ in (5, 10):
        nums = struct.unpack(order + ("I" if typ == 5 else "i") * (2 * count), raw)
        return [f"{nums[i]}/{nums[i + 1]}" for i in range(0, len(nums), 2)], at
    return raw, at


def read_ifd(data: bytes, order: str, offset: int) -> tuple[list[tuple[int, int, int, int]], int]:
    """Raw entries (tag, type, count, field offset) of one IFD and the next IFD offset."""
    if offset + 2 > len(data):
        raise TiffError("IFD offset outside the data")
    (count,) = struct.unpack_from(order + "H", data, offset)
    end = offset + 2 + 12 * count
    if end + 4 > len(data):
        raise TiffError("IFD runs past the end of the data")
    entries = []
    for i in range(count):
        tag, typ, n = struct.unpack_from(order + "HHI", data, offset + 2 + 12 * i)
        entries.append((tag, typ, n, offset + 2 + 12 * i + 8))
    (next_ifd,) = struct.unpack_from(order + "I", data, end)
    return entries, next_ifd


def entries(data: bytes) -> list[Entry]:
    """Every entry of every IFD (main chain and sub-IFDs) in a TIFF structure."""
    order = byte_order(data)
    (first,) = struct.unpack_from(order + "I", data, 4)
    found: list[Entry] = []
    seen: set[int] = set()
    queue = [(first, "IFD0")]
    chain = 0
    while queue:
        offset, name = queue.pop(0)
        if offset == 0 or offset in seen:
            continue
        seen.add(offset)
        raw_entries, next_ifd = read_ifd(data, order, offset)
        for tag, typ, count, field_at in raw_entries:
            if name in ("IFD0", "IFD1") and tag in SUB_IFDS:
                (sub,) = struct.unpack_from(order + "I", data, field_at)
                queue.append((sub, SUB_IFDS[tag]))
                continue
            if name == "ExifIFD" and tag in SUB_IFDS:
                (sub,) = struct.unpack_from(order + "I", data, field_at)
                queue.append((sub, SUB_IFDS[tag]))
                continue
            try:
                value, _ = read_value(data, order, typ, count, field_at)
            except (TiffError, struct.error):
                value = b""
            found.append(Entry(name, tag, typ, value))
        if name.startswith("IFD") and next_ifd:
            chain += 1
            queue.append((next_ifd, f"IFD{chain}"))
    return found


def findings(data: bytes, prefix: str) -> list[Finding]:
    """One finding per EXIF entry except a plain orientation flag."""
    try:
        all_entries = entries(data)
    except (TiffError, struct.error):
        return [Finding(f"{prefix}", "unreadable EXIF block", "may hold anything; dropped whole")]
    if not all_entries:
        return [Finding(prefix, "empty EXIF block", "metadata block; dropped")]
    kept = [e for e in all_entries if not (e.ifd == "IFD0" and e.tag == ORIENTATION)]
    return findings_for(kept, prefix)


def findings_for(found: list[Entry], prefix: str) -> list[Finding]:
    out = []
    for e in found:
        value = e.value
        if isinstance(value, list):
            value = ", ".join(map(str, value[:8]))
        why = "location" if e.ifd == "GPS" else "camera, software, person or time details"
        out.append(Finding(f"{prefix}:{e.ifd}:{e.name}", shorten(value), why))
    return out


def orientation(data: bytes) -> int:
    """The IFD0 orientation (1 when absent or unreadable)."""
    try:
        order = byte_order(data)
        (first,) = struct.unpack_from(order + "I", data, 4)
        raw_entries, _ = read_ifd(data, order, first)
    except (TiffError, struct.error):
        return 1
    for tag, typ, _count, field_at in raw_entries:
        if tag == ORIENTATION and typ == 3:
            (value,) = struct.unpack_from(order + "H", data, field_at)
            return value if 1 <= value <= 8 else 1
    return 1


def orientation_exif(value: int) -> bytes:
    """A minimal TIFF structure holding only the orientation flag."""
    ifd = struct.pack(">H", 1) + struct.pack(">HHIHH", ORIENTATION, 3, 1, value, 0)
    return b"MM\0*" + struct.pack(">I", 8) + ifd + struct.pack(">I", 0)
