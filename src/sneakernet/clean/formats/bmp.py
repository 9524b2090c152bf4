"""BMP (Windows bitmap): the pixels kept byte for byte, the headers normalised.

A bitmap holds no tags, but its headers can still carry what names someone:
a V4/V5 header may embed an ICC colour profile (whose description and
copyright name the maker, often the computer's display) or *link* one by
file name (a path on the author's computer); the reserved fields and the gap
between the headers and the pixels can hide bytes, and so can data after the
pixels. The cleaned file is rebuilt: file header, the same DIB header with
the profile replaced by "sRGB" (as the JPEG and PNG cleaners drop ICC
profiles), the colour table or bit masks, then the pixel array, unchanged.

Refused: OS/2 bitmap arrays and icons (`BA`, `CI`, `CP`, `IC`, `PT`), and
bitmaps whose pixels are an embedded JPEG or PNG (their own metadata would
ride along unread).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats._output import atomic_output, copy_range
from sneakernet.clean.formats.icc import profile_text

_HEADER_SIZES = (12, 40, 52, 56, 64, 108, 124)
_LCS_SRGB = 0x73524742  # 'sRGB'
_PROFILE_LINKED = 0x4C494E4B  # 'LINK'
_PROFILE_EMBEDDED = 0x4D424544  # 'MBED'
_BI_RGB, _BI_RLE8, _BI_RLE4, _BI_BITFIELDS, _BI_JPEG, _BI_PNG, _BI_ALPHABITFIELDS = range(7)
_WHY_PROFILE = (
    "a colour profile's description, copyright and file name can name a person or computer"
)
_WHY_HIDDEN = "hidden bytes a viewer skips but a hex editor shows"


@dataclass(frozen=True)
class _Layout:
    header: bytes  # the DIB header as read
    table: bytes  # bit masks and colour table that follow it
    pixels: int  # offset of the pixel array
    pixel_size: int
    gap: bytes  # between the table and the pixels
    reserved: bytes  # bfReserved1/2
    profile: bytes  # embedded profile bytes, or a linked profile's name
    profile_kind: int  # 0, or _PROFILE_LINKED / _PROFILE_EMBEDDED
    end: int  # where the bitmap's own data ends (pixels or profile)


def _layout(path: Path) -> _Layout:
    size = os.stat(path).st_size
    with open(path, "rb") as f:
        head = f.read(14 + 124)
        if len(head) < 18 or head[:2] != b"BM":
            raise CleanError("not a Windows BMP file")
        reserved = head[6:10]
        offset = struct.unpack_from("<I", head, 10)[0]
        header_size = struct.unpack_from("<I", head, 14)[0]
        if header_size not in _HEADER_SIZES:
            raise CleanError(f"unsupported BMP header ({header_size} bytes)")
        if len(head) < 14 + header_size:
            raise CleanError("truncated BMP: the header is cut short")
        header = head[14 : 14 + header_size]
        if header_size == 12:
            width, height, _planes, bits = struct.unpack_from("<HHHH", header, 4)
            compression, image_size, colours = _BI_RGB, 0, 0
            entry = 3
        else:
            width, height, _planes, bits, compression, image_size = struct.unpack_from(
                "<iiHHII", header, 4
            )
            colours = struct.unpack_from("<I", header, 32)[0]
            entry = 4
        if compression in (_BI_JPEG, _BI_PNG):
            raise CleanError(
                "a BMP holding a JPEG or PNG picture is not cleaned (its own metadata would "
                "stay): convert it to PNG first"
            )
        if compression > _BI_ALPHABITFIELDS or bits not in (1, 2, 4, 8, 16, 24, 32):
            raise CleanError("corrupt BMP: unknown compression or bit depth")
        masks = 0
        if header_size == 40 and compression in (_BI_BITFIELDS, _BI_ALPHABITFIELDS):
            masks = 12 if compression == _BI_BITFIELDS else 16
        if bits <= 8 and not colours:
            colours = 1 << bits
        table_end = 14 + header_size + masks + colours * entry
        if compression in (_BI_RGB, _BI_BITFIELDS, _BI_ALPHABITFIELDS):
            pixel_size = (bits * abs(width) + 31) // 32 * 4 * abs(height)
        else:
            pixel_size = image_size
        if pixel_size <= 0:
            raise CleanError("corrupt BMP: compressed pixels without their size")
        if table_end > offset or offset + pixel_size > size:
            raise CleanError(
                f"truncated BMP: the pixels need {offset + pixel_size} bytes, the file has {size}"
            )
        f.seek(14 + header_size)
        table = f.read(table_end - 14 - header_size)
        gap = f.read(offset - table_end)
        end = offset + pixel_size
        profile, kind = b"", 0
        if header_size == 124:
            cs_type = struct.unpack_from("<I", header, 56)[0]
            at, length = struct.unpack_from("<II", header, 112)
            if cs_type in (_PROFILE_LINKED, _PROFILE_EMBEDDED) and length:
                start = 14 + at
                if start + length > size:
                    raise CleanError("truncated BMP: the colour profile runs past the end")
                f.seek(start)
                profile, kind = f.read(length), cs_type
                end = max(end, start + length)
            elif cs_type in (_PROFILE_LINKED, _PROFILE_EMBEDDED):
                kind = cs_type
    return _Layout(header, table, offset, pixel_size, gap, reserved, profile, kind, end)


def _clean_header(header: bytes) -> bytes:
    if len(header) < 108:
        return header
    out = bytearray(header)
    cs_type = struct.unpack_from("<I", out, 56)[0]
    if cs_type in (_PROFILE_LINKED, _PROFILE_EMBEDDED):
        struct.pack_into("<I", out, 56, _LCS_SRGB)
    if len(out) == 124:
        struct.pack_into("<III", out, 112, 0, 0, 0)  # profile offset, size, reserved
    return bytes(out)


class BmpCleaner:
    name = "bmp"

    def sniff(self, head: bytes, path: Path) -> bool:
        return (
            len(head) >= 18
            and head[:2] == b"BM"
            and struct.unpack_from("<I", head, 14)[0] in _HEADER_SIZES
        )

    def data_end(self, path: Path) -> int:
        return _layout(path).end

    def inspect(self, path: Path) -> list[Finding]:
        layout = _layout(path)
        findings = []
        if layout.profile_kind == _PROFILE_EMBEDDED:
            findings.append(Finding("BMP:ICC profile", profile_text(layout.profile), _WHY_PROFILE))
        elif layout.profile_kind == _PROFILE_LINKED:
            name = layout.profile.split(b"\x00")[0].decode("latin-1")
            findings.append(Finding("BMP:linked profile", shorten(name) or "(empty)", _WHY_PROFILE))
        if len(layout.header) == 124 and layout.header[120:124] != bytes(4):
            findings.append(Finding("BMP:reserved", layout.header[120:124].hex(), _WHY_HIDDEN))
        if layout.reserved != bytes(4):
            findings.append(Finding("BMP:reserved", layout.reserved.hex(), _WHY_HIDDEN))
        if layout.gap.strip(b"\x00"):
            value = f"{len(layout.gap)} bytes before the pixels"
            findings.append(Finding("BMP:gap", value, _WHY_HIDDEN))
        return findings

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        layout = _layout(src)
        header = _clean_header(layout.header)
        offset = 14 + len(header) + len(layout.table)
        total = offset + layout.pixel_size
        with open(src, "rb") as f, atomic_output(dst) as out:
            out.write(b"BM" + struct.pack("<IHHI", total, 0, 0, offset))
            out.write(header + layout.table)
            copy_range(f, out, layout.pixels, layout.pixels + layout.pixel_size)


cleaner = BmpCleaner()
