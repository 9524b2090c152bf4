"""TIFF: rewritten with only the tags needed to show each page.

TIFF keeps its metadata as tags beside the image tags (Artist, Software,
HostComputer, DateTime, EXIF and GPS sub-directories, XMP, IPTC, Photoshop
data, ICC profiles). Each page's directory is rebuilt with the image tags
alone and the strip or tile data copied byte for byte. Old-style JPEG TIFFs,
BigTIFF and camera raw files (DNG, NEF, CR2...) are refused rather than
half-cleaned.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding
from sneakernet.clean.formats import exif

# Tags a viewer needs to draw a page (TIFF 6.0 baseline and extensions).
IMAGE_TAGS = {
    254,
    255,
    256,
    257,
    258,
    259,
    262,
    266,
    273,
    274,
    277,
    278,
    279,
    282,
    283,
    284,
    290,
    291,
    292,
    293,
    296,
    301,
    317,
    318,
    319,
    320,
    321,
    322,
    323,
    324,
    325,
    338,
    339,
    340,
    341,
    347,
    529,
    530,
    531,
    532,
}
# Camera raw files built on TIFF (DNG, NEF, CR2, ARW, PEF...): the picture sits in
# sub-directories or in a sensor layout (CFA) beside a small preview, and needs the
# camera's colour data to be drawn. Rebuilding only the viewer's tags would keep
# the preview and silently drop the picture, so they are refused.
DNG_VERSION, SUB_IFDS, PHOTOMETRIC, COMPRESSION = 50706, 330, 262, 259
RAW_PHOTOMETRIC = {32803, 34892}  # CFA, LinearRaw
# Compressions of ordinary TIFF pages; anything else is a camera maker's own.
KNOWN_COMPRESSIONS = {1, 2, 3, 4, 5, 6, 7, 8, 32773, 32946, 34712, 34887, 34925, 50000, 50001}
OFFSETS_TO_COUNTS = {273: 279, 324: 325}  # StripOffsets -> StripByteCounts, TileOffsets -> ...
OLD_JPEG = 6


@dataclass
class Tag:
    tag: int
    type: int
    count: int
    raw: bytes  # value bytes, in the file's byte order


def _pages(data: bytes) -> tuple[str, list[list[Tag]]]:
    try:
        order = exif.byte_order(data)
    except exif.TiffError:
        if data[:4] in (b"II+\0", b"MM\0+"):
            raise CleanError("BigTIFF is not supported; convert it to PNG first") from None
        raise CleanError("not a TIFF file") from None
    pages, seen = [], set()
    try:
        (offset,) = struct.unpack_from(order + "I", data, 4)
        while offset and offset not in seen:
            seen.add(offset)
            entries, offset = exif.read_ifd(data, order, offset)
            tags = []
            for tag, typ, count, field_at in entries:
                size = exif.TYPE_SIZES.get(typ, 1) * count
                at = field_at if size <= 4 else struct.unpack_from(order + "I", data, field_at)[0]
                if at + size > len(data):
                    raise CleanError(f"corrupt TIFF: tag {tag} points past the end of the file")
                tags.append(Tag(tag, typ, count, data[at : at + size]))
            pages.append(tags)
    except (exif.TiffError, struct.error) as exc:
        raise CleanError(f"corrupt TIFF: {exc}") from None
    if not pages:
        raise CleanError("corrupt TIFF: no image directory")
    return order, pages


def _raw_reason(data: bytes, order: str, pages: list[list[Tag]]) -> str | None:
    """Why this TIFF is a camera raw file, or None for an ordinary TIFF."""
    if data[8:10] == b"CR":
        return "a Canon CR2 raw file"
    for tags in pages:
        by_tag = {t.tag: t for t in tags}
        if DNG_VERSION in by_tag:
            return "a DNG raw file"
        if SUB_IFDS in by_tag:
            return "a camera raw file (its picture sits in sub-directories beside a preview)"
        if PHOTOMETRIC in by_tag and set(_numbers(order, by_tag[PHOTOMETRIC])) & RAW_PHOTOMETRIC:
            return "a camera raw file (sensor data)"
        if COMPRESSION in by_tag and not set(_numbers(order, by_tag[COMPRESSION])) <= (
            KNOWN_COMPRESSIONS
        ):
            return "a camera raw file (a camera maker's own compression)"
    return None


def _refuse_raw(data: bytes, order: str, pages: list[list[Tag]]) -> None:
    why = _raw_reason(data, order, pages)
    if why is not None:
        raise CleanError(
            f"{why}: cleaning it without losing the picture is not supported, and its"
            " previews, serial numbers and camera data identify the camera; convert it to"
            " TIFF or JPEG in a raw developer first"
        )


def _numbers(order: str, tag: Tag) -> list[int]:
    fmt = {3: "H", 4: "I", 16: "Q"}.get(tag.type)
    if fmt is None:
        raise CleanError(f"corrupt TIFF: tag {tag.tag} has type {tag.type}")
    return list(struct.unpack(order + fmt * tag.count, tag.raw))


def _image_pieces(data: bytes, order: str, tags: dict[int, Tag]) -> tuple[int, list[bytes]]:
    """Which offsets tag the page uses and the strips or tiles it points to."""
    if 259 in tags and _numbers(order, tags[259])[0] == OLD_JPEG:
        raise CleanError("old-style JPEG TIFF is not supported; convert it to PNG or JPEG first")
    for offsets_tag, counts_tag in OFFSETS_TO_COUNTS.items():
        if offsets_tag in tags and counts_tag in tags:
            offsets = _numbers(order, tags[offsets_tag])
            counts = _numbers(order, tags[counts_tag])
            if len(offsets) != len(counts):
                raise CleanError("corrupt TIFF: strip offsets and sizes disagree")
            if any(o + c > len(data) for o, c in zip(offsets, counts, strict=True)):
                raise CleanError("truncated TIFF: image data runs past the end of the file")
            return offsets_tag, [data[o : o + c] for o, c in zip(offsets, counts, strict=True)]
    raise CleanError("corrupt TIFF: a page has no image data")


def _write(order: str, pages: list[tuple[list[Tag], int, list[bytes]]]) -> bytes:
    out = bytearray((b"II*\0" if order == "<" else b"MM\0*") + b"\0\0\0\0")
    ifd_pointer = 4
    for tags, offsets_tag, pieces in pages:
        new_offsets = []
        for piece in pieces:
            new_offsets.append(len(out))
            out += piece
            if len(out) & 1:
                out += b"\0"
        entries = []
        for t in tags:
            if t.tag == offsets_tag:
                t = Tag(
                    t.tag,
                    4,
                    len(new_offsets),
                    struct.pack(order + "I" * len(new_offsets), *new_offsets),
                )
            entries.append(t)
        ifd_at = len(out)
        struct.pack_into(order + "I", out, ifd_pointer, ifd_at)
        values_at = ifd_at + 2 + 12 * len(entries) + 4
        directory = bytearray(struct.pack(order + "H", len(entries)))
        values = bytearray()
        for t in entries:
            if len(t.raw) <= 4:
                field = t.raw.ljust(4, b"\0")
            else:
                field = struct.pack(order + "I", values_at + len(values))
                values += t.raw + (b"\0" if len(t.raw) & 1 else b"")
            directory += struct.pack(order + "HHI", t.tag, t.type, t.count) + field
        ifd_pointer = ifd_at + len(directory)
        out += directory + b"\0\0\0\0" + values
    return bytes(out)


class TiffCleaner:
    name = "tiff"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+")

    def inspect(self, path: Path) -> list[Finding]:
        data = path.read_bytes()
        _refuse_raw(data, *_pages(data))  # refuse what cannot be cleaned
        try:
            entries = exif.entries(data)
        except (exif.TiffError, struct.error) as exc:
            raise CleanError(f"corrupt TIFF: {exc}") from None
        found = []
        for entry in entries:
            if entry.ifd.startswith("IFD") and entry.tag in IMAGE_TAGS:
                continue
            found += exif.findings_for([entry], "TIFF")
        return found

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        data = src.read_bytes()
        order, pages = _pages(data)
        _refuse_raw(data, order, pages)
        rebuilt = []
        for tags in pages:
            by_tag = {t.tag: t for t in tags}
            offsets_tag, pieces = _image_pieces(data, order, by_tag)
            kept = sorted((t for t in tags if t.tag in IMAGE_TAGS), key=lambda t: t.tag)
            rebuilt.append((kept, offsets_tag, pieces))
        dst.write_bytes(_write(order, rebuilt))


cleaner = TiffCleaner()
