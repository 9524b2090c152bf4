"""GIF: keep what plays the picture, drop comments and foreign application data.

Kept: header, screen descriptor, colour tables, frames, graphic-control and
plain-text extensions and the looping extension (NETSCAPE2.0/ANIMEXTS1.0).
Dropped: comment extensions, XMP, ICC and any other application extension,
and everything after the trailer. Frame data is copied byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten

LOOPING_APPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")
GRAPHIC_CONTROL, PLAIN_TEXT, COMMENT, APPLICATION = 0xF9, 0x01, 0xFE, 0xFF


@dataclass
class Block:
    start: int
    end: int
    kind: str  # "header", "frame", "extension", "trailer"
    label: int = 0
    payload: bytes = b""  # extension data, sub-blocks joined


def _sub_blocks(data: bytes, pos: int) -> tuple[bytes, int]:
    parts = []
    while True:
        if pos >= len(data):
            raise CleanError("truncated GIF: a data block runs past the end of the file")
        size = data[pos]
        pos += 1
        if size == 0:
            return b"".join(parts), pos
        parts.append(data[pos : pos + size])
        pos += size


def _table_size(packed: int) -> int:
    return 3 * (1 << ((packed & 7) + 1)) if packed & 0x80 else 0


def parse(data: bytes) -> tuple[list[Block], int]:
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise CleanError("not a GIF file")
    pos = 13 + _table_size(data[10])
    blocks = [Block(0, pos, "header")]
    while True:
        if pos >= len(data):
            raise CleanError("truncated GIF: no trailer")
        start, introducer = pos, data[pos]
        if introducer == 0x3B:
            blocks.append(Block(start, pos + 1, "trailer"))
            return blocks, pos + 1
        if introducer == 0x21 and pos + 1 < len(data):
            payload, pos = _sub_blocks(data, pos + 2)
            blocks.append(Block(start, pos, "extension", data[start + 1], payload))
        elif introducer == 0x2C and pos + 10 <= len(data):
            pos += 10 + _table_size(data[pos + 9]) + 1  # descriptor, table, LZW code size
            _, pos = _sub_blocks(data, pos)
            blocks.append(Block(start, pos, "frame"))
        else:
            raise CleanError(f"corrupt GIF: unexpected byte 0x{introducer:02X} at {pos}")


def _kept(block: Block) -> bool:
    if block.kind != "extension":
        return True
    if block.label in (GRAPHIC_CONTROL, PLAIN_TEXT):
        return True
    return block.label == APPLICATION and block.payload[:11] in LOOPING_APPS


def _finding(block: Block) -> Finding:
    if block.label == COMMENT:
        return Finding("GIF:comment", shorten(block.payload), "free text, often the tool")
    if block.label == APPLICATION:
        app = shorten(block.payload[:11], 20)
        return Finding(f"GIF:application {app}", shorten(block.payload[11:], 80), "tool data")
    return Finding(f"GIF:extension 0x{block.label:02X}", shorten(block.payload, 80), "unknown")


class GifCleaner:
    name = "gif"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head[:6] in (b"GIF87a", b"GIF89a")

    def data_end(self, path: Path) -> int:
        return parse(path.read_bytes())[1]

    def inspect(self, path: Path) -> list[Finding]:
        blocks, _ = parse(path.read_bytes())
        return [_finding(b) for b in blocks if not _kept(b)]

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        data = src.read_bytes()
        blocks, _ = parse(data)
        dst.write_bytes(b"".join(data[b.start : b.end] for b in blocks if _kept(b)))


cleaner = GifCleaner()
