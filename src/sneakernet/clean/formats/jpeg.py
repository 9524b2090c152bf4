"""JPEG: drop every segment decoding does not need; never re-encode.

Kept: quantisation and Huffman tables, frame and scan headers with their
entropy-coded data, restart intervals, the JFIF header (without thumbnail)
and Adobe's colour-transform segment. Dropped: EXIF, XMP, IPTC/Photoshop,
ICC profiles, MPF, comments, any other APPn, and everything after EOI. A
non-default EXIF orientation is kept as a fresh EXIF block holding nothing
else, so the picture still shows the right way up.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import exif

SOI, EOI, SOS, COM = 0xD8, 0xD9, 0xDA, 0xFE
APP0, APP1, APP2, APP13, APP14 = 0xE0, 0xE1, 0xE2, 0xED, 0xEE
STANDALONE = {0x01, *range(0xD0, 0xD8)}
# Segments a decoder needs (tables, frames, scans, restart interval, arithmetic
# conditioning, hierarchical progression, expand reference, number of lines).
DECODING = {0xC4, 0xCC, 0xDB, 0xDD, 0xDC, 0xDE, 0xDF} | (
    set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
)
EXIF_ID = b"Exif\0\0"
XMP_IDS = (b"http://ns.adobe.com/xap/1.0/\0", b"http://ns.adobe.com/xmp/extension/\0")


@dataclass
class Segment:
    marker: int
    start: int  # offset of the 0xFF of the marker
    end: int  # offset just past the segment (and its entropy-coded data for SOS)
    body: bytes  # payload after the length field (headers only for SOS)


def parse(data: bytes) -> tuple[list[Segment], int]:
    """Segments between SOI and EOI, and the offset just past EOI."""
    if not data.startswith(b"\xff\xd8"):
        raise CleanError("not a JPEG file (no start-of-image marker)")
    segments: list[Segment] = []
    pos = 2
    size = len(data)
    while True:
        if pos + 2 > size:
            raise CleanError("truncated JPEG: the data ends before the end-of-image marker")
        if data[pos] != 0xFF:
            raise CleanError(f"corrupt JPEG: expected a marker at byte {pos}")
        while pos + 1 < size and data[pos + 1] == 0xFF:
            pos += 1
        marker = data[pos + 1]
        if marker == EOI:
            return segments, pos + 2
        if marker in STANDALONE:
            segments.append(Segment(marker, pos, pos + 2, b""))
            pos += 2
            continue
        if pos + 4 > size:
            raise CleanError("truncated JPEG: a segment header is cut off")
        (length,) = struct.unpack_from(">H", data, pos + 2)
        end = pos + 2 + length
        if length < 2 or end > size:
            raise CleanError("truncated JPEG: a segment runs past the end of the file")
        body = data[pos + 4 : end]
        if marker == SOS:
            end = _scan_end(data, end)
        segments.append(Segment(marker, pos, end, body))
        pos = end


def _scan_end(data: bytes, pos: int) -> int:
    """Offset of the first marker after entropy-coded data (stuffing and RSTn skipped)."""
    find = data.find
    while True:
        pos = find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise CleanError("truncated JPEG: the image data ends before the end-of-image marker")
        following = data[pos + 1]
        if following == 0 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos


def _segment_findings(seg: Segment, data: bytes) -> list[Finding]:
    body, marker = seg.body, seg.marker
    if marker == APP0:
        if body.startswith(b"JFIF\0") and len(body) >= 14 and body[12] * body[13]:
            return [Finding("JFIF:thumbnail", f"{body[12]}x{body[13]} preview", "a second copy")]
        if body.startswith(b"JFIF\0"):
            return []
        return [Finding("APP0", shorten(body[:40]), "extension block (thumbnail or tool data)")]
    if marker == APP1 and body.startswith(EXIF_ID):
        return exif.findings(body[len(EXIF_ID) :], "EXIF")
    if marker == APP1 and body.startswith(XMP_IDS):
        xmp = body.split(b"\0", 1)[1]
        return [Finding("XMP", shorten(xmp), "editing history, people, software, dates")]
    if marker == APP13:
        return [Finding("IPTC/Photoshop", shorten(body), "captions, bylines, places, software")]
    if marker == APP2 and body.startswith(b"ICC_PROFILE\0"):
        return [Finding("ICC profile", shorten(body[14:], 80), "device and software of origin")]
    if marker == APP14 and body.startswith(b"Adobe"):
        return []
    if marker == COM:
        return [Finding("JPEG:comment", shorten(body), "free text, often the tool that made it")]
    if APP0 <= marker <= 0xEF:
        label = shorten(body[:24], 40)
        return [Finding(f"APP{marker - APP0}", label, "maker or tool data block")]
    if marker in DECODING or marker == SOS or marker in STANDALONE:
        return []
    return [Finding(f"JPEG:marker 0x{marker:02X}", f"{len(body)} bytes", "unknown block")]


def _output(seg: Segment, data: bytes) -> bytes:
    """Bytes to write for a segment; empty to drop it."""
    if seg.marker in DECODING or seg.marker == SOS or seg.marker in STANDALONE:
        return data[seg.start : seg.end]
    if seg.marker == APP0 and seg.body.startswith(b"JFIF\0") and len(seg.body) >= 14:
        jfif = seg.body[:12] + b"\0\0"  # no thumbnail
        return b"\xff\xe0" + struct.pack(">H", len(jfif) + 2) + jfif
    if seg.marker == APP14 and seg.body.startswith(b"Adobe"):
        return data[seg.start : seg.end]
    return b""


def _orientation_segment(rotation: int) -> bytes:
    block = EXIF_ID + exif.orientation_exif(rotation)
    return b"\xff\xe1" + struct.pack(">H", len(block) + 2) + block


def _load(data: bytes) -> tuple[list[Segment], int]:
    segments, end = parse(data)
    if not any(s.marker == SOS for s in segments):
        raise CleanError("corrupt JPEG: no image data (no start-of-scan)")
    return segments, end


def findings_of(data: bytes) -> list[Finding]:
    """What an inspector reads from JPEG bytes (also used for JPEGs inside documents)."""
    segments, _ = _load(data)
    return [f for seg in segments for f in _segment_findings(seg, data)]


def cleaned(data: bytes) -> bytes:
    """The JPEG without metadata: same tables and scans, byte for byte."""
    segments, _ = _load(data)
    rotation = 1
    for seg in segments:
        if seg.marker == APP1 and seg.body.startswith(EXIF_ID):
            rotation = exif.orientation(seg.body[len(EXIF_ID) :])
            break
    parts = [b"\xff\xd8"]
    pending_orientation = rotation != 1
    for seg in segments:
        out = _output(seg, data)
        if out and pending_orientation and seg.marker != APP0:
            # Right after JFIF, before the tables, as EXIF readers expect.
            parts.append(_orientation_segment(rotation))
            pending_orientation = False
        parts.append(out)
    parts.append(b"\xff\xd9")
    return b"".join(parts)


class JpegCleaner:
    name = "jpeg"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(b"\xff\xd8\xff")

    def data_end(self, path: Path) -> int:
        return _load(path.read_bytes())[1]

    def inspect(self, path: Path) -> list[Finding]:
        return findings_of(path.read_bytes())

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        dst.write_bytes(cleaned(src.read_bytes()))


cleaner = JpegCleaner()
