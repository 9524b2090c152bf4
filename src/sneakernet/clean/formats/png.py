"""PNG (and APNG): keep the chunks that draw the picture, drop the rest.

Pixel data (IDAT/fdAT) is copied byte for byte. Text chunks, EXIF, times,
ICC profiles (they name the device or software) and any private or unknown
chunk are dropped, as is everything after IEND.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import exif

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks needed to show the image as its author meant: critical, colour
# interpretation, transparency, physical size, animation.
KEPT = {
    b"IHDR",
    b"PLTE",
    b"IDAT",
    b"IEND",
    b"tRNS",
    b"gAMA",
    b"cHRM",
    b"sRGB",
    b"sBIT",
    b"bKGD",
    b"pHYs",
    b"acTL",
    b"fcTL",
    b"fdAT",
    b"cICP",
    b"mDCv",
    b"cLLi",
}
WHY = {
    b"tEXt": "free text: author, software, comments",
    b"zTXt": "compressed free text: author, software, comments",
    b"iTXt": "international text, often XMP",
    b"eXIf": "EXIF: camera, software, place, time",
    b"tIME": "time of the last edit",
    b"iCCP": "colour profile naming the device or software",
}


@dataclass
class Chunk:
    kind: bytes
    start: int
    end: int
    body: bytes


def parse(data: bytes) -> tuple[list[Chunk], int]:
    """Chunks up to IEND and the offset just past IEND; CRCs are checked."""
    if not data.startswith(SIGNATURE):
        raise CleanError("not a PNG file (bad signature)")
    chunks: list[Chunk] = []
    pos = len(SIGNATURE)
    while True:
        if pos + 12 > len(data):
            raise CleanError("truncated PNG: the data ends before the IEND chunk")
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if end > len(data):
            raise CleanError(f"truncated PNG: chunk {kind!r} runs past the end of the file")
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(kind + body) != crc:
            raise CleanError(f"corrupt PNG: chunk {kind.decode('latin-1')} fails its checksum")
        chunks.append(Chunk(kind, pos, end, body))
        pos = end
        if kind == b"IEND":
            return chunks, pos


def _text_value(chunk: Chunk) -> str:
    keyword, _, rest = chunk.body.partition(b"\0")
    if chunk.kind == b"zTXt":
        try:
            rest = zlib.decompress(rest[1:])
        except zlib.error:
            rest = b"(undecodable)"
    elif chunk.kind == b"iTXt":
        compressed = rest[:1] == b"\1"
        text = rest[2:].split(b"\0", 2)[-1]
        try:
            rest = zlib.decompress(text) if compressed else text
        except zlib.error:
            rest = b"(undecodable)"
    return f"{keyword.decode('latin-1')}: {shorten(rest)}"


def _findings(chunk: Chunk) -> list[Finding]:
    if chunk.kind in KEPT:
        return []
    if chunk.kind in (b"tEXt", b"zTXt", b"iTXt"):
        return [Finding(f"PNG:{chunk.kind.decode()}", _text_value(chunk), WHY[chunk.kind])]
    if chunk.kind == b"eXIf":
        return exif.findings(chunk.body, "PNG:eXIf")
    label = chunk.kind.decode("latin-1")
    why = WHY.get(chunk.kind, "private or unknown chunk: may hold anything")
    return [Finding(f"PNG:{label}", shorten(chunk.body, 80), why)]


class PngCleaner:
    name = "png"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(SIGNATURE)

    def data_end(self, path: Path) -> int:
        return parse(path.read_bytes())[1]

    def inspect(self, path: Path) -> list[Finding]:
        chunks, _ = parse(path.read_bytes())
        return [f for chunk in chunks for f in _findings(chunk)]

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        data = src.read_bytes()
        chunks, _ = parse(data)
        kept = [data[c.start : c.end] for c in chunks if c.kind in KEPT]
        dst.write_bytes(SIGNATURE + b"".join(kept))


cleaner = PngCleaner()
