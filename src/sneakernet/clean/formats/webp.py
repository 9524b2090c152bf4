"""WebP: drop EXIF, XMP and ICC chunks and clear their flags; image data untouched."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import exif

KEPT = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"}
# VP8X flag bits announcing the chunks that are dropped: ICC, EXIF, XMP.
DROPPED_FLAGS = 0x20 | 0x08 | 0x04


@dataclass
class Chunk:
    kind: bytes
    start: int
    end: int  # including the pad byte
    body: bytes


def parse(data: bytes) -> tuple[list[Chunk], int]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise CleanError("not a WebP file")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = 8 + riff_size
    if end > len(data):
        raise CleanError("truncated WebP: the file is shorter than its RIFF header says")
    chunks, pos = [], 12
    while pos < end:
        if pos + 8 > end:
            raise CleanError("corrupt WebP: a chunk header is cut off")
        kind, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        stop = pos + 8 + size + (size & 1)
        if pos + 8 + size > end:
            raise CleanError(f"corrupt WebP: chunk {kind!r} runs past the end")
        chunks.append(Chunk(kind, pos, min(stop, end), data[pos + 8 : pos + 8 + size]))
        pos = stop
    return chunks, end


def _finding(chunk: Chunk) -> list[Finding]:
    if chunk.kind == b"EXIF":
        body = chunk.body[6:] if chunk.body.startswith(b"Exif\0\0") else chunk.body
        return exif.findings(body, "WebP:EXIF")
    if chunk.kind == b"XMP ":
        return [Finding("WebP:XMP", shorten(chunk.body), "people, software, dates")]
    if chunk.kind == b"ICCP":
        return [Finding("WebP:ICC profile", shorten(chunk.body[:80]), "device or software")]
    return [Finding(f"WebP:{shorten(chunk.kind)}", shorten(chunk.body, 60), "unknown chunk")]


class WebpCleaner:
    name = "webp"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"

    def data_end(self, path: Path) -> int:
        return parse(path.read_bytes())[1]

    def inspect(self, path: Path) -> list[Finding]:
        chunks, _ = parse(path.read_bytes())
        found = [f for c in chunks if c.kind not in KEPT for f in _finding(c)]
        vp8x = next((c for c in chunks if c.kind == b"VP8X"), None)
        if vp8x and vp8x.body and vp8x.body[0] & DROPPED_FLAGS and not found:
            found.append(Finding("WebP:VP8X flags", hex(vp8x.body[0]), "announces metadata"))
        return found

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        data = src.read_bytes()
        chunks, _ = parse(data)
        parts = []
        for c in chunks:
            if c.kind not in KEPT:
                continue
            raw = data[c.start : c.end]
            if c.kind == b"VP8X" and c.body:
                raw = raw[:8] + bytes([c.body[0] & ~DROPPED_FLAGS & 0xFF]) + raw[9:]
            parts.append(raw)
        body = b"WEBP" + b"".join(parts)
        dst.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


cleaner = WebpCleaner()
