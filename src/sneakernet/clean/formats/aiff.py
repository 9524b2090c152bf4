"""AIFF and AIFF-C: only the chunks that play are kept.

`COMM` (channels, rate, sample size, and AIFF-C's compression type), `SSND`
(the samples), AIFF-C's `FVER` and `INST` (loop points, numbers only) are
copied byte for byte. The text chunks `NAME`, `AUTH`, `(c) `, `ANNO`, `COMT`
(comments with their dates), `ID3 `/`id3 ` tags, `MARK` (marker names),
`APPL` (application data), `MIDI` and any other chunk go, as do bytes after
the FORM length. `--keep-music-tags` keeps the `NAME` (title) and `AUTH`
(artist) chunks as they are.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import audiotags
from sneakernet.clean.formats._output import atomic_output, copy_range
from sneakernet.clean.formats._riff import Chunk, chunks

_KEPT = (b"COMM", b"SSND", b"FVER", b"INST")
_MUSIC = (b"NAME", b"AUTH")
_TEXT = {b"NAME": "title", b"AUTH": "author", b"(c) ": "copyright", b"ANNO": "annotation"}
_WHY = "text chunks and tags can name people, places, dates and software"


def _layout(f: BinaryIO) -> tuple[bytes, list[Chunk], int]:
    size = os.fstat(f.fileno()).st_size
    f.seek(0)
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"FORM" or head[8:12] not in (b"AIFF", b"AIFC"):
        raise CleanError("not an AIFF file")
    end = 8 + struct.unpack_from(">I", head, 4)[0]
    if end > size:
        raise CleanError(f"truncated AIFF: the header promises {end} bytes, the file has {size}")
    found = chunks(f, 12, end, "AIFF", byte_order=">")
    ids = [c.id for c in found]
    if ids.count(b"COMM") != 1 or ids.count(b"SSND") > 1:
        raise CleanError("corrupt AIFF: there must be one COMM chunk and at most one SSND")
    if head[8:12] == b"AIFC" and b"FVER" not in ids:
        raise CleanError("corrupt AIFF-C: no FVER chunk")
    return head[8:12], found, end


def _read(f: BinaryIO, chunk: Chunk) -> bytes:
    f.seek(chunk.data)
    return f.read(chunk.size)


def _findings(f: BinaryIO, chunk: Chunk) -> list[Finding]:
    name = chunk.id.decode("latin-1")
    if chunk.id in _TEXT:
        value = shorten(_read(f, chunk).rstrip(b"\x00")) or "(empty)"
        return [Finding(f"AIFF:{_TEXT[chunk.id]}", value, _WHY)]
    if chunk.id == b"COMT":
        return [Finding("AIFF:comments", _comments(_read(f, chunk)), _WHY)]
    if chunk.id in (b"ID3 ", b"id3 "):
        tag = _read(f, chunk)
        if audiotags.id3v2_size(tag) is not None:
            items = audiotags.id3v2_items(tag)
            found = audiotags.tag_findings([audiotags.Tag("ID3v2", 0, len(tag), items)], _WHY)
            if found:
                return found
        return [Finding("AIFF:ID3", f"{chunk.size} bytes", _WHY)]
    return [
        Finding(f"AIFF:{name.strip()}", f"{chunk.size} bytes", "unneeded chunks can carry anything")
    ]


def _comments(payload: bytes) -> str:
    """COMT: count, then (timestamp, marker, length, text) records."""
    if len(payload) < 2:
        return "(empty)"
    texts = []
    pos = 2
    for _ in range(struct.unpack_from(">H", payload)[0]):
        if pos + 8 > len(payload):
            break
        length = struct.unpack_from(">H", payload, pos + 6)[0]
        texts.append(payload[pos + 8 : pos + 8 + length])
        pos += 8 + length + (length & 1)
    return shorten(b" / ".join(texts)) or f"{len(payload)} bytes"


class AiffCleaner:
    name = "aiff"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC")

    def data_end(self, path: Path) -> int:
        with open(path, "rb") as f:
            return _layout(f)[2]

    def inspect(self, path: Path) -> list[Finding]:
        with open(path, "rb") as f:
            _, found, _ = _layout(f)
            return [x for c in found if c.id not in _KEPT for x in _findings(f, c)]

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        keep = _KEPT + (_MUSIC if options.keep_music_tags else ())
        with open(src, "rb") as f, atomic_output(dst) as out:
            form, found, _ = _layout(f)
            out.write(b"FORM\x00\x00\x00\x00" + form)
            for chunk in found:
                if chunk.id in keep:
                    copy_range(f, out, chunk.offset, chunk.data + chunk.size)
                    if chunk.size & 1:
                        out.write(b"\x00")
            total = out.tell()
            out.seek(4)
            out.write(struct.pack(">I", total - 8))
            out.seek(total)


cleaner = AiffCleaner()
