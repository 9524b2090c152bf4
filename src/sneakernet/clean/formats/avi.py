"""AVI: INFO lists, stream names, dates, JUNK text and stream encoder strings blanked in place.

AVI indexes (idx1, OpenDML indx/ix##) hold absolute or movi-relative file
offsets, so nothing moves: each identifying chunk (LIST/INFO with ISFT and
the rest, `strn` stream names, `IDIT`/`ISMP` dates and timecodes, unknown
chunks) becomes a JUNK chunk of the same size filled with zeros, and existing
JUNK chunks are zeroed. Indexes are copied byte for byte, stream data too
except for encoder strings (see avistreams); bytes after the last RIFF chunk
are dropped.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import BinaryIO

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats._output import atomic_output, copy_range
from sneakernet.clean.formats._riff import Chunk, chunks, riff_header
from sneakernet.clean.formats.avistreams import stream_patches
from sneakernet.clean.formats.wav import info_items

_WHY = "tags and names can point to people, places, dates and software"
_STRUCTURE = {b"avih", b"strh", b"strf", b"strd", b"indx", b"vprp", b"dmlh"}
_TOP_KEPT = {b"idx1", b"JUNK"}
_LISTS_KEPT = {b"hdrl", b"strl", b"movi", b"odml", b"rec "}


def _riffs(f: BinaryIO) -> tuple[list[Chunk], int]:
    """The RIFF AVI chunk and any RIFF AVIX chunks after it; end of the last."""
    size = os.fstat(f.fileno()).st_size
    if size == 0:
        raise CleanError("empty file: nothing to clean")
    riff_header(f, (b"AVI ",))
    found = []
    pos = 0
    while pos + 12 <= size:
        f.seek(pos)
        kind, length, form = struct.unpack("<4sI4s", f.read(12))
        if kind != b"RIFF" or form not in (b"AVI ", b"AVIX"):
            break
        if pos + 8 + length > size:
            raise CleanError(f"truncated AVI: the RIFF chunk at byte {pos} runs past the end")
        found.append(Chunk(kind, pos, length))
        pos += 8 + length + (length & 1)
    return found, min(pos, size)


def _blanks(f: BinaryIO) -> tuple[list[tuple[Chunk, str]], int]:
    """Chunks to turn into zeroed JUNK, with what each held; and the end of the data."""
    riffs, end = _riffs(f)
    marked: list[tuple[Chunk, str]] = []

    def walk(children: list[Chunk], top: bool) -> None:
        for chunk in children:
            if chunk.id == b"LIST":
                f.seek(chunk.data)
                form = f.read(4)
                if form in _LISTS_KEPT:
                    if form != b"movi":
                        walk(chunks(f, chunk.data + 4, chunk.data + chunk.size, "AVI"), False)
                    continue
                f.seek(chunk.data)
                payload = f.read(chunk.size)
                if form == b"INFO":
                    items = info_items(payload)
                    what = "; ".join(f"{k.decode('latin-1')}={v}" for k, v in items if v)
                else:
                    what = f"LIST {form.decode('latin-1')}"
                marked.append((chunk, what or "INFO list"))
            elif chunk.id in _STRUCTURE or (top and chunk.id in _TOP_KEPT):
                if chunk.id == b"JUNK":
                    marked.append((chunk, ""))
            else:
                f.seek(chunk.data)
                text = f.read(min(chunk.size, 4096)).split(b"\x00")
                marked.append(
                    (
                        chunk,
                        f"{chunk.id.decode('latin-1')}: "
                        + shorten(b" ".join(t for t in text if t)),
                    )
                )

    for riff in riffs:
        walk(chunks(f, riff.data + 4, riff.data + riff.size, "AVI"), True)
    return marked, end


def _is_zero(f: BinaryIO, chunk: Chunk) -> bool:
    f.seek(chunk.data)
    remaining = chunk.size
    while remaining:
        block = f.read(min(remaining, 1 << 20))
        if block.strip(b"\x00"):
            return False
        remaining -= len(block)
    return True


class AviCleaner:
    name = "avi"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head[:4] == b"RIFF" and head[8:12] == b"AVI "

    def data_end(self, path: Path) -> int:
        with open(path, "rb") as f:
            return _riffs(f)[1]

    def inspect(self, path: Path) -> list[Finding]:
        findings = []
        with open(path, "rb") as f:
            marked, _ = _blanks(f)
            for chunk, what in marked:
                if chunk.id == b"JUNK" and _is_zero(f, chunk):
                    continue
                label = chunk.id.decode("latin-1").strip()
                findings.append(
                    Finding(f"AVI:{label}", shorten(what or f"{chunk.size} bytes of text"), _WHY)
                )
            _, texts = stream_patches(f, _riffs(f)[0])
        for codec, text in texts:
            findings.append(
                Finding(
                    f"{codec}:encoder string", shorten(text), "names the encoder and its version"
                )
            )
        return findings

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        with open(src, "rb") as f, atomic_output(dst) as out:
            marked, end = _blanks(f)
            patches, _ = stream_patches(f, _riffs(f)[0], refuse=True)
            copy_range(f, out, 0, end)
            for offset, replacement in patches:
                out.seek(offset)
                out.write(replacement)
            for chunk, _ in marked:
                out.seek(chunk.offset)
                out.write(b"JUNK" + struct.pack("<I", chunk.size))
                remaining = chunk.size
                while remaining:
                    step = min(remaining, 1 << 20)
                    out.write(bytes(step))
                    remaining -= step
            out.seek(end)


cleaner = AviCleaner()
