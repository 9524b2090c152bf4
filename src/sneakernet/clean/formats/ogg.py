"""Ogg Vorbis, Opus, Theora and Speex: comment headers emptied, every other page kept.

Each logical stream's comment header (tags, cover art, and the vendor string
naming the encoder and its version) is replaced by an empty one with an empty
vendor string (or title, artist, album and track number with
`--keep-music-tags`). The header pages are paginated again; the stream's later
pages get new sequence numbers and checksums but keep their packets byte for
byte. Bytes after the last page are dropped.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import vorbiscomment
from sneakernet.clean.formats._output import atomic_output

_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))
_WHY = "tags, cover art and vendor strings can name people, sources and software"


def ogg_crc(page: bytes) -> int:
    """Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, no inversion).

    zlib computes the reflected form of the same polynomial, so the bytes go in
    bit-reversed and the result comes out bit-reversed.
    """
    register = zlib.crc32(page.translate(_REVERSED), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{register:032b}"[::-1], 2)


@dataclass
class _Page:
    offset: int
    length: int
    flags: int
    granule: int
    serial: int
    sequence: int
    lacing: bytes


@dataclass(frozen=True)
class _Codec:
    """Where a codec keeps its comments: packet index, prefix, framing bit."""

    name: str
    headers: int  # number of header packets
    comment_index: int
    prefix: bytes
    framing: bool


_SKELETON = b"fishead\x00"
_CODECS = (
    (b"\x01vorbis", _Codec("Vorbis", 3, 1, b"\x03vorbis", True)),
    (b"OpusHead", _Codec("Opus", 2, 1, b"OpusTags", False)),
    (b"\x80theora", _Codec("Theora", 3, 1, b"\x81theora", False)),
    (b"Speex   ", _Codec("Speex", 2, 1, b"", False)),
)


@dataclass
class _Stream:
    codec: _Codec
    header_pages: list[int] = field(default_factory=list)  # indexes into the page list
    packets: list[bytes] = field(default_factory=list)


def _read_pages(f: BinaryIO) -> tuple[list[_Page], int]:
    size = os.fstat(f.fileno()).st_size
    if size == 0:
        raise CleanError("empty file: nothing to clean")
    pages: list[_Page] = []
    pos = 0
    while pos + 27 <= size:
        f.seek(pos)
        head = f.read(27)
        if head[:4] != b"OggS":
            break
        lacing = f.read(head[26])
        length = 27 + len(lacing) + sum(lacing)
        if len(lacing) != head[26] or pos + length > size:
            raise CleanError(f"truncated Ogg file: the page at byte {pos} runs past the end")
        _, flags, granule, serial, sequence, _ = struct.unpack_from("<BBqIII", head, 4)
        pages.append(_Page(pos, length, flags, granule, serial, sequence, lacing))
        pos += length
    if not pages:
        raise CleanError("not an Ogg file: no page at the start")
    return pages, pos


def _page_packets(f: BinaryIO, page: _Page) -> list[tuple[bytes, bool]]:
    """(piece, whether the packet ends on this page) for each packet piece on the page."""
    f.seek(page.offset + 27 + len(page.lacing))
    data = f.read(page.length - 27 - len(page.lacing))
    pieces = []
    start = pos = 0
    for value in page.lacing:
        pos += value
        if value < 255:
            pieces.append((data[start:pos], True))
            start = pos
    if start < pos or (page.lacing and page.lacing[-1] == 255):
        pieces.append((data[start:pos], False))
    return pieces


def _streams(f: BinaryIO, pages: list[_Page]) -> dict[int, _Stream]:
    streams: dict[int, _Stream] = {}
    skeletons: set[int] = set()
    partial: dict[int, bytes] = {}
    for index, page in enumerate(pages):
        if page.flags & 0x02:  # beginning of stream: find the codec
            first = _page_packets(f, page)
            magic = first[0][0] if first else b""
            codec = next((c for m, c in _CODECS if magic.startswith(m)), None)
            if magic.startswith(_SKELETON):
                skeletons.add(page.serial)
                continue  # an index of the other streams: no comments, copied as it is
            if codec is None:
                raise CleanError(
                    f"Ogg stream with codec {shorten(magic[:8])!r} is not supported "
                    "(Vorbis, Opus, Theora and Speex are)"
                )
            streams[page.serial] = _Stream(codec, [index])
            streams[page.serial].packets.append(first[0][0])
            continue
        stream = streams.get(page.serial)
        if stream is None:
            if page.serial in skeletons:
                continue
            raise CleanError("corrupt Ogg file: a page belongs to no stream that began")
        if len(stream.packets) >= stream.codec.headers:
            continue
        stream.header_pages.append(index)
        for piece, complete in _page_packets(f, page):
            data = partial.pop(page.serial, b"") + piece
            if complete:
                stream.packets.append(data)
            else:
                partial[page.serial] = data
        if len(stream.packets) > stream.codec.headers or (
            len(stream.packets) == stream.codec.headers and page.serial in partial
        ):
            raise CleanError("Ogg stream whose audio starts on a header page is not supported")
    for stream in streams.values():
        if len(stream.packets) < stream.codec.headers:
            raise CleanError("truncated Ogg file: a stream's header packets are incomplete")
    return streams


def _comment_block(stream: _Stream) -> bytes:
    packet = stream.packets[stream.codec.comment_index]
    prefix = stream.codec.prefix
    if not packet.startswith(prefix):
        raise CleanError(f"corrupt Ogg {stream.codec.name} stream: no comment header")
    return packet[len(prefix) :]


def _parse_comments(stream: _Stream) -> tuple[str, list[tuple[str, str]]]:
    try:
        return vorbiscomment.parse(_comment_block(stream))
    except vorbiscomment.CommentError as exc:
        raise CleanError(f"corrupt Ogg comment header: {exc}") from None


def _paginate(packets: list[bytes], serial: int, first_sequence: int) -> list[bytes]:
    """Header packets laid out on fresh pages (granule 0, at most 255 segments a page)."""
    segments: list[tuple[int, bytes, bool]] = []  # (lacing value, data, ends packet)
    for packet in packets:
        for at in range(0, len(packet) // 255 * 255, 255):
            segments.append((255, packet[at : at + 255], False))
        tail = len(packet) % 255
        segments.append((tail, packet[len(packet) - tail :], True))
    pages = []
    continued = False
    for start in range(0, len(segments), 255):
        chunk = segments[start : start + 255]
        ends_packet = any(ends for _, _, ends in chunk)
        granule = 0 if ends_packet else -1
        header = struct.pack("<4sBBqIIIB", b"OggS", 0, 0x01 if continued else 0, granule,
                             serial, first_sequence + len(pages), 0, len(chunk))  # fmt: skip
        page = bytearray(header + bytes(v for v, _, _ in chunk) + b"".join(d for _, d, _ in chunk))
        struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
        pages.append(bytes(page))
        continued = not chunk[-1][2]
    return pages


def _renumbered(raw: bytes, sequence: int) -> bytes:
    page = bytearray(raw)
    struct.pack_into("<II", page, 18, sequence, 0)
    struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
    return bytes(page)


class OggCleaner:
    name = "ogg"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(b"OggS\x00")

    def data_end(self, path: Path) -> int:
        with open(path, "rb") as f:
            return _read_pages(f)[1]

    def inspect(self, path: Path) -> list[Finding]:
        findings = []
        with open(path, "rb") as f:
            pages, _ = _read_pages(f)
            for stream in _streams(f, pages).values():
                vendor, comments = _parse_comments(stream)
                name = stream.codec.name
                if vendor:
                    findings.append(
                        Finding(
                            f"{name}:Vendor", shorten(vendor), "names the encoder and its version"
                        )
                    )
                for key, value in comments:
                    if key == "METADATA_BLOCK_PICTURE":
                        value = f"picture, {len(value)} characters"
                    findings.append(Finding(f"{name}:{key}", shorten(value), _WHY))
        return findings

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        with open(src, "rb") as f, atomic_output(dst) as out:
            pages, _ = _read_pages(f)
            streams = _streams(f, pages)
            replacement: dict[int, list[bytes]] = {}  # first header page index -> new pages
            skipped: set[int] = set()
            shift: dict[
                int, tuple[int, int]
            ] = {}  # serial -> (last header page, page count change)
            for serial, stream in streams.items():
                _, comments = _parse_comments(stream)
                kept = vorbiscomment.music_only(comments) if options.keep_music_tags else []
                block = vorbiscomment.build(kept)
                packet = stream.codec.prefix + block + (b"\x01" if stream.codec.framing else b"")
                packets = list(stream.packets[1:])
                packets[stream.codec.comment_index - 1] = packet
                old = stream.header_pages[1:]
                if not old:
                    raise CleanError(f"corrupt Ogg {stream.codec.name} stream: headers on one page")
                new = _paginate(packets, serial, pages[old[0]].sequence)
                replacement[old[0]] = new
                skipped.update(old[1:])
                shift[serial] = (old[-1], len(new) - len(old))
            for index, page in enumerate(pages):
                if index in replacement:
                    out.writelines(replacement[index])
                    continue
                if index in skipped:
                    continue
                f.seek(page.offset)
                raw = f.read(page.length)
                last_header, delta = shift.get(page.serial, (0, 0))
                if delta and index > last_header:
                    raw = _renumbered(raw, page.sequence + delta)
                out.write(raw)


cleaner = OggCleaner()
