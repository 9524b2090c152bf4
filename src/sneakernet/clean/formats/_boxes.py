"""ISO base media (MP4/QuickTime) box trees: parse, edit, write back."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

# Boxes whose payload is only child boxes.
CONTAINERS = frozenset(
    {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex", b"tref"}
)
VISUAL_ENTRY_FIXED = 78  # bytes of a visual sample entry before its child boxes


class BoxError(ValueError):
    """The box structure is inconsistent (sizes run past their parent)."""


@dataclass
class Box:
    type: bytes
    prefix: bytes  # payload before the children; the whole payload of a leaf
    children: list[Box] | None = None
    extra: dict = field(default_factory=dict)

    def child(self, kind: bytes) -> Box | None:
        return next((c for c in self.children or () if c.type == kind), None)

    def find(self, *path: bytes) -> Box | None:
        node: Box | None = self
        for kind in path:
            node = node.child(kind) if node else None
        return node

    def payload(self) -> bytes:
        if self.children is None:
            return self.prefix
        return self.prefix + b"".join(c.to_bytes() for c in self.children)

    def to_bytes(self) -> bytes:
        payload = self.payload()
        if len(payload) + 8 <= 0xFFFFFFFF:
            return struct.pack(">I4s", len(payload) + 8, self.type) + payload
        return struct.pack(">I4sQ", 1, self.type, len(payload) + 16) + payload


def iter_headers(data: bytes, start: int = 0, end: int | None = None):
    """(type, payload start, payload end) of each box in data[start:end]."""
    end = len(data) if end is None else end
    pos = start
    while pos < end:
        if end - pos < 8:
            if not any(data[pos:end]):
                return  # QuickTime may close a list with a zero terminator
            raise BoxError(f"{end - pos} stray bytes where a box header should be")
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if end - pos < 16:
                raise BoxError("box header cut short")
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise BoxError(f"box {kind!r} at {pos} claims {size} bytes, past its parent")
        yield kind, pos + header, pos + size
        pos += size


def parse_boxes(data: bytes) -> list[Box]:
    boxes = []
    for kind, start, end in iter_headers(data):
        boxes.append(parse_box(kind, data[start:end]))
    return boxes


def parse_box(kind: bytes, payload: bytes) -> Box:
    if kind in CONTAINERS:
        return Box(kind, b"", parse_boxes(payload))
    if kind == b"stsd" and len(payload) >= 8:
        return Box(
            kind, payload[:8], [Box(k, payload[s:e]) for k, s, e in iter_headers(payload, 8)]
        )
    return Box(kind, payload)
