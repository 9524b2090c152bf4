"""WAV (RIFF WAVE, RF64): only the chunks that play are kept.

`fmt `, `fact`, `data` (and RF64's `ds64`) are copied byte for byte; LIST/INFO
(title, artist, software, dates), `bext` (broadcast originator, dates, coding
history), `iXML`, `id3 `, `_PMX` (XMP), cue/label lists, JUNK and anything
else go, as do bytes after the RIFF length. `--keep-music-tags` writes a
LIST/INFO with title, artist, album and track number only.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats._output import atomic_output, copy_range
from sneakernet.clean.formats._riff import Chunk, chunks, riff_header

_KEPT = (b"fmt ", b"fact", b"data", b"ds64")
_WHY = "tags and broadcast fields can name people, places, dates and software"
# LIST/INFO ids for the fields music players show.
INFO_MUSIC = {
    b"INAM": "title",
    b"IART": "artist",
    b"IPRD": "album",
    b"ITRK": "track",
    b"IPRT": "track",
}


def _layout(f: BinaryIO) -> tuple[bytes, list[Chunk], int]:
    size = os.fstat(f.fileno()).st_size
    if size == 0:
        raise CleanError("empty file: nothing to clean")
    tag, _, declared = riff_header(f, (b"WAVE",))
    sizes = None
    end = 8 + declared
    if tag == b"RF64":
        f.seek(12)
        ds64 = f.read(36)
        if ds64[:4] != b"ds64" or len(ds64) < 36:
            raise CleanError("corrupt RF64 file: no ds64 chunk first")
        riff_size, data_size = struct.unpack_from("<QQ", ds64, 8)
        end = 8 + riff_size
        sizes = {b"data": data_size}
    if end > size:
        raise CleanError(f"truncated WAV: the header promises {end} bytes, the file has {size}")
    found = chunks(f, 12, end, "WAV", sizes)
    ids = {c.id for c in found}
    if b"fmt " not in ids or b"data" not in ids:
        raise CleanError("corrupt WAV: no fmt or data chunk")
    return tag, found, end


def info_items(payload: bytes) -> list[tuple[bytes, str]]:
    items = []
    pos = 4
    while pos + 8 <= len(payload):
        kind, length = struct.unpack_from("<4sI", payload, pos)
        text = payload[pos + 8 : pos + 8 + length].split(b"\x00")[0]
        try:
            value = text.decode("utf-8")  # what current tools write
        except UnicodeDecodeError:
            value = text.decode("latin-1")
        items.append((kind, value))
        pos += 8 + length + (length & 1)
    return items


def _read(f: BinaryIO, chunk: Chunk) -> bytes:
    f.seek(chunk.data)
    return f.read(chunk.size)


def _findings(f: BinaryIO, chunk: Chunk) -> list[Finding]:
    name = chunk.id.decode("latin-1").strip()
    if chunk.id == b"LIST":
        payload = _read(f, chunk)
        if payload[:4] == b"INFO":
            return [
                Finding(f"RIFF:INFO {k.decode('latin-1')}", shorten(v), _WHY)
                for k, v in info_items(payload)
            ]
        return [Finding(f"RIFF:LIST {payload[:4].decode('latin-1')}", f"{chunk.size} bytes", _WHY)]
    if chunk.id in (b"bext", b"iXML", b"_PMX", b"id3 ", b"ID3 ", b"cart"):
        texts = [t for t in _read(f, chunk).split(b"\x00") if t.strip()]
        value = shorten(b" ".join(texts)) if texts else f"{chunk.size} bytes"
        return [Finding(f"RIFF:{name}", value, _WHY)]
    return [Finding(f"RIFF:{name}", f"{chunk.size} bytes", "unneeded chunks can carry anything")]


def info_list(fields: dict[bytes, str]) -> bytes:
    body = b"INFO"
    for kind, value in fields.items():
        raw = value.encode("utf-8") + b"\x00"  # Korean titles survive
        body += kind + struct.pack("<I", len(raw)) + raw + (b"\x00" if len(raw) & 1 else b"")
    return b"LIST" + struct.pack("<I", len(body)) + body


def _music_fields(f: BinaryIO, found: list[Chunk]) -> dict[bytes, str]:
    kept: dict[bytes, str] = {}
    for chunk in found:
        if chunk.id == b"LIST":
            payload = _read(f, chunk)
            if payload[:4] == b"INFO":
                for kind, value in info_items(payload):
                    if kind in INFO_MUSIC and value and kind not in kept:
                        kept[b"ITRK" if kind == b"IPRT" else kind] = value
    return kept


def copy_chunk(f: BinaryIO, out: BinaryIO, chunk: Chunk) -> None:
    """The chunk with its header, padded to an even length."""
    copy_range(f, out, chunk.offset, chunk.data + chunk.size)
    if chunk.size & 1:
        out.write(b"\x00")


class WavCleaner:
    name = "wav"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE"

    def data_end(self, path: Path) -> int:
        with open(path, "rb") as f:
            return _layout(f)[2]

    def inspect(self, path: Path) -> list[Finding]:
        with open(path, "rb") as f:
            _, found, _ = _layout(f)
            return [x for c in found if c.id not in _KEPT for x in _findings(f, c)]

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        with open(src, "rb") as f, atomic_output(dst) as out:
            tag, found, _ = _layout(f)
            out.write(tag + b"\x00\x00\x00\x00WAVE")
            for chunk in found:
                if chunk.id in _KEPT:
                    copy_chunk(f, out, chunk)
            if options.keep_music_tags and (fields := _music_fields(f, found)):
                out.write(info_list(fields))
            total = out.tell()
            if tag == b"RF64":
                out.seek(12 + 8)
                out.write(struct.pack("<Q", total - 8))
            else:
                out.seek(4)
                out.write(struct.pack("<I", total - 8))
            out.seek(total)


cleaner = WavCleaner()
