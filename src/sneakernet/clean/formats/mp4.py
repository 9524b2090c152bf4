"""MP4, MOV, M4A and M4V: remove metadata boxes and encoder strings, keep every sample.

The cleaned file is rebuilt from the sample tables, not patched: `ftyp`, then
one `mdat` holding exactly the bytes the tracks reference (in their original
order), then the cleaned `moov`. So nothing survives that a track does not
point to: no `udta`/`meta`/`uuid`/`free` boxes, no unreferenced bytes inside
`mdat`, no data after the last box. Inside `moov`, creation and modification
times become zero, handler names and compressor names become empty, timed
metadata tracks (GPS, camera data, timecode) are dropped, and user-data SEI
messages (x264/x265 settings) are cut out of H.264/HEVC samples, with sample
sizes and chunk offsets rewritten. Everything else is copied byte for byte.
"""

from __future__ import annotations

import re
import struct
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import aacfill, h264sei, mp3, mpeg4user
from sneakernet.clean.formats._boxes import (
    VISUAL_ENTRY_FIXED,
    Box,
    BoxError,
    iter_headers,
    parse_box,
    parse_boxes,
)
from sneakernet.clean.formats._output import atomic_output

# Top-level boxes that can start a QuickTime/MP4 file.
_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot", b"uuid"}
# Fragmented files keep samples in moof boxes: not rebuilt by this cleaner.
_FRAGMENT_BOXES = {b"moof", b"mfra", b"sidx", b"styp"}
# Children dropped wherever they appear inside moov.
_METADATA_BOXES = {b"udta", b"meta", b"uuid", b"free", b"skip", b"wide", b"ctab", b"pnot"}
# Tracks that carry what the viewer sees or hears; others (timed metadata such
# as GPS or camera motion, timecode, hint tracks) are dropped.
_CONTENT_HANDLERS = {b"vide", b"soun", b"subt", b"text", b"sbtl", b"clcp"}
_TIMED_BOXES = {b"mvhd", b"tkhd", b"mdhd"}
_WHY_META = "container metadata can name people, devices, places and software"


@dataclass(frozen=True)
class SampleFilter:
    """Cuts identifying bytes out of one codec's samples, leaving the rest as is."""

    field: str  # finding name, e.g. "H264:encoder string"
    strip: Callable[[bytes], bytes | None]  # cleaned sample, or None when unchanged
    texts: Callable[[bytes], list[bytes]]  # what an inspector would read
    why: str = "names the encoder, its version and settings"


def _nal_filter(length_size: int, hevc: bool) -> SampleFilter:
    return SampleFilter(
        "HEVC:encoder string" if hevc else "H264:encoder string",
        lambda sample: h264sei.strip_sample(sample, length_size, hevc),
        lambda sample: h264sei.sample_user_data(sample, length_size, hevc),
    )


def _chapter_title(sample: bytes) -> bytes:
    length = int.from_bytes(sample[:2], "big")
    return sample[2 : 2 + length]


# Chapter tracks keep their timing (chapter marks) but every title becomes empty.
_CHAPTER_FILTER = SampleFilter(
    "QuickTime:ChapterTitle",
    lambda sample: b"\x00\x00" if sample != b"\x00\x00" else None,
    lambda sample: [t for t in [_chapter_title(sample)] if t],
    "chapter titles are free text that can name anyone",
)

_MPEG4_FILTER = SampleFilter("MPEG4:encoder string", mpeg4user.blank, mpeg4user.texts)

_AAC_FILTER = SampleFilter(
    "AAC:encoder string",
    aacfill.strip_fill,
    lambda sample: [t for t in [aacfill.fill_text(sample)] if t],
)


@dataclass
class _Track:
    box: Box
    handler: bytes
    chunk_offsets: list[int]
    chunk_samples: list[tuple[int, int, int]]  # (first sample index, count, description index)
    sizes: array
    filters: dict[int, SampleFilter]  # sample description index -> what to cut from samples
    sizes_changed: bool = False
    mp3: bool = False  # MPEG audio whose ancillary bytes may name the encoder


class Mp4Cleaner:
    name = "mp4"

    def sniff(self, head: bytes, path: Path) -> bool:
        return (
            len(head) >= 8
            and head[4:8] in _FIRST_BOXES
            and (head[4:8] != b"uuid" or len(head) >= 24)
        )

    def data_end(self, path: Path) -> int:
        """Where the last box ends; anything after it is not part of the movie."""
        with open(path, "rb") as f:
            return _Movie.read(f, path).end_of_boxes

    def inspect(self, path: Path) -> list[Finding]:
        with open(path, "rb") as f:
            movie = _Movie.read(f, path)
            findings = list(movie.findings)
            for track in movie.tracks:
                findings += _sample_findings(f, track)
                hidden = _mp3_ancillary(f, track)[1] if track.mp3 else None
                if hidden:
                    findings.append(mp3.ancillary_finding(hidden))
        return findings

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        with open(src, "rb") as f:
            movie = _Movie.read(f, src)
            music = movie.moov.extra.get("music")
            audio_only = all(t.handler == b"soun" for t in movie.tracks)
            if options.keep_music_tags and music and audio_only:
                assert movie.moov.children is not None
                movie.moov.children.append(music_udta(music))
            with atomic_output(dst) as out:
                movie.write(f, out)


class _Movie:
    """A parsed file: its ftyp, its cleaned moov and the tracks' sample tables."""

    def __init__(
        self,
        ftyp: Box | None,
        moov: Box,
        tracks: list[_Track],
        findings: list[Finding],
        end_of_boxes: int,
    ):
        self.end_of_boxes = end_of_boxes
        self.ftyp = ftyp
        self.moov = moov
        self.tracks = tracks
        self.findings = findings

    @classmethod
    def read(cls, f: BinaryIO, path: Path) -> _Movie:
        f.seek(0, 2)
        size = f.tell()
        if size == 0:
            raise CleanError("empty file: nothing to clean")
        findings: list[Finding] = []
        ftyp = moov = None
        end_of_boxes = 0
        pos = 0
        while pos < size:
            f.seek(pos)
            header = f.read(16)
            if len(header) < 8:
                break
            box_size, kind = struct.unpack_from(">I4s", header)
            head_len = 8
            if box_size == 1:
                if len(header) < 16:
                    break
                box_size = struct.unpack_from(">Q", header, 8)[0]
                head_len = 16
            elif box_size == 0:
                box_size = size - pos
            if not all(32 <= b < 127 for b in kind):
                break  # not a box any more: whatever follows is appended data
            if box_size < head_len:
                raise CleanError(
                    f"corrupt MP4: box {_name(kind)} at byte {pos} has size {box_size}"
                )
            if pos + box_size > size:
                if kind in (b"moov", b"ftyp") or moov is None:
                    raise CleanError(
                        f"truncated MP4: box {_name(kind)} at byte {pos} needs {box_size} bytes, "
                        f"only {size - pos} left; the file was cut short"
                    )
                break
            if kind in _FRAGMENT_BOXES:
                raise CleanError(
                    "fragmented MP4 (moof boxes) is not supported; remux it with "
                    "`ffmpeg -i IN -c copy OUT.mp4` first"
                )
            if kind == b"ftyp":
                f.seek(pos + head_len)
                ftyp = Box(kind, f.read(box_size - head_len))
            elif kind == b"moov":
                f.seek(pos + head_len)
                payload = f.read(box_size - head_len)
                try:
                    moov = parse_box(kind, payload)
                except BoxError as exc:
                    raise CleanError(f"corrupt MP4 movie header (moov): {exc}") from None
                if moov.child(b"cmov"):
                    raise CleanError("compressed QuickTime header (cmov) is not supported")
            elif kind not in (b"mdat",):
                findings.append(Finding(f"QuickTime:{_name(kind)}", f"{box_size} bytes", _WHY_META))
            pos += box_size
            end_of_boxes = pos
        if moov is None:
            raise CleanError("not a playable MP4/MOV: no movie header (moov box) found")
        tracks = _clean_moov(moov, findings, size)
        return cls(ftyp, moov, tracks, findings, end_of_boxes)

    def write(self, f: BinaryIO, out: BinaryIO) -> None:
        if self.ftyp is not None:
            out.write(self.ftyp.to_bytes())
        chunks = sorted(
            (offset, t, i) for t, track in enumerate(self.tracks)
            for i, offset in enumerate(track.chunk_offsets)
        )  # fmt: skip
        bound = 0
        for _offset, t, i in chunks:
            first, count, _ = self.tracks[t].chunk_samples[i]
            bound += sum(self.tracks[t].sizes[first : first + count])
        large = bound + 8 > 0xFFFFFFFF
        mdat_at = out.tell()
        out.write(struct.pack(">I4sQ", 1, b"mdat", 0) if large else struct.pack(">I4s", 0, b"mdat"))
        new_offsets: list[list[int]] = [[0] * len(t.chunk_offsets) for t in self.tracks]
        zeroed = {
            t: _mp3_ancillary(f, track)[0] for t, track in enumerate(self.tracks) if track.mp3
        }
        for offset, t, i in chunks:
            track = self.tracks[t]
            first, count, desc = track.chunk_samples[i]
            length = sum(track.sizes[first : first + count])
            f.seek(offset)
            data = f.read(length)
            if len(data) != length:
                raise CleanError(f"truncated MP4: samples at byte {offset} run past the end")
            new_offsets[t][i] = out.tell()
            if t in zeroed:
                data = _zero_ranges(data, zeroed[t], track.sizes, first, count)
            sample_filter = track.filters.get(desc)
            if sample_filter is not None:
                data = _strip_chunk(data, track, first, count, sample_filter)
            out.write(data)
        end = out.tell()
        out.seek(mdat_at)
        if large:
            out.write(struct.pack(">I4sQ", 1, b"mdat", end - mdat_at))
        else:
            out.write(struct.pack(">I4s", end - mdat_at, b"mdat"))
        out.seek(end)
        for track, offsets in zip(self.tracks, new_offsets, strict=True):
            _write_tables(track, offsets)
        out.write(self.moov.to_bytes())


def _track_stream(f: BinaryIO, track: _Track) -> bytes:
    """All samples of a track, in order (chunks hold consecutive samples)."""
    parts = []
    for i, (first, count, _) in enumerate(track.chunk_samples):
        f.seek(track.chunk_offsets[i])
        parts.append(f.read(sum(track.sizes[first : first + count])))
    return b"".join(parts)


def _mp3_ancillary(
    f: BinaryIO, track: _Track
) -> tuple[dict[int, list[tuple[int, int]]], bytes | None]:
    """Ancillary byte ranges per sample index, and the text found in them."""
    stream = _track_stream(f, track)
    samples = []
    pos = 0
    for size in track.sizes:
        samples.append(stream[pos : pos + size])
        pos += size
    return mp3.ancillary_by_piece(samples)


def _zero_ranges(
    data: bytes, ranges: dict[int, list[tuple[int, int]]], sizes: array, first: int, count: int
) -> bytes:
    if not any(s in ranges for s in range(first, first + count)):
        return data
    buffer = bytearray(data)
    pos = 0
    for s in range(first, first + count):
        for start, length in ranges.get(s, ()):
            buffer[pos + start : pos + start + length] = bytes(length)
        pos += sizes[s]
    return bytes(buffer)


def _strip_chunk(
    data: bytes, track: _Track, first: int, count: int, sample_filter: SampleFilter
) -> bytes:
    parts = []
    pos = 0
    changed = False
    for s in range(first, first + count):
        size = track.sizes[s]
        sample = data[pos : pos + size]
        pos += size
        cleaned = sample_filter.strip(sample)
        if cleaned is not None:
            track.sizes[s] = len(cleaned)
            track.sizes_changed = changed = True
            sample = cleaned
        parts.append(sample)
    return b"".join(parts) if changed else data


def _write_tables(track: _Track, offsets: list[int]) -> None:
    stbl = track.box.find(b"mdia", b"minf", b"stbl")
    assert stbl is not None and stbl.children is not None
    wide = bool(offsets) and max(offsets) > 0xFFFFFFFF
    if wide:
        table = Box(
            b"co64",
            struct.pack(">II", 0, len(offsets)) + struct.pack(f">{len(offsets)}Q", *offsets),
        )
    else:
        table = Box(
            b"stco",
            struct.pack(">II", 0, len(offsets)) + struct.pack(f">{len(offsets)}I", *offsets),
        )
    for i, child in enumerate(stbl.children):
        if child.type in (b"stco", b"co64"):
            stbl.children[i] = table
        elif child.type in (b"stsz", b"stz2") and track.sizes_changed:
            sizes = array("I", track.sizes)
            if struct.pack("=I", 1) != struct.pack(">I", 1):
                sizes.byteswap()
            stbl.children[i] = Box(b"stsz", struct.pack(">III", 0, 0, len(sizes)) + sizes.tobytes())


def _name(kind: bytes) -> str:
    return kind.decode("latin-1")


# iTunes-style items a music player shows: title, artist, album, track number.
MUSIC_ITEMS = (b"\xa9nam", b"\xa9ART", b"\xa9alb", b"trkn")


def _music_items(box: Box) -> dict[bytes, bytes]:
    """The four music items (their 'data' payloads) in a udta or meta box."""
    found: dict[bytes, bytes] = {}
    payload = box.payload()
    if box.type == b"udta":
        for kind, start, end in _safe_headers(payload, 0):
            if kind == b"meta":
                found |= _music_items(Box(kind, payload[start:end]))
    elif box.type == b"meta":
        offset = 0 if payload[4:8] == b"hdlr" else 4
        for kind, start, end in _safe_headers(payload, offset):
            if kind != b"ilst":
                continue
            ilst = payload[start:end]
            for item, i_start, i_end in _safe_headers(ilst, 0):
                if item not in MUSIC_ITEMS:
                    continue
                for sub, d_start, d_end in _safe_headers(ilst[i_start:i_end], 0):
                    if sub == b"data":
                        found.setdefault(item, ilst[i_start + d_start : i_start + d_end])
    return found


def music_udta(items: dict[bytes, bytes]) -> Box:
    """udta/meta/ilst holding only the given music items, as iTunes writes it."""
    handler = Box(b"hdlr", bytes(8) + b"mdir" + b"appl" + bytes(8) + b"\x00")
    ilst = Box(
        b"ilst", b"", [Box(k, b"", [Box(b"data", items[k])]) for k in MUSIC_ITEMS if k in items]
    )
    return Box(b"udta", b"", [Box(b"meta", bytes(4), [handler, ilst])])


def _clean_moov(moov: Box, findings: list[Finding], file_size: int) -> list[_Track]:
    assert moov.children is not None
    kept: list[Box] = []
    dropped_ids: set[int] = set()
    music: dict[bytes, bytes] = {}
    for child in moov.children:
        if child.type in _METADATA_BOXES:
            findings += _metadata_findings(child, "QuickTime")
            if child.type in (b"udta", b"meta"):
                music |= _music_items(child)
            continue
        if child.type == b"trak":
            handler = _handler_type(child)
            if handler not in _CONTENT_HANDLERS:
                findings.append(
                    Finding("QuickTime:Track", f"{_name(handler or b'none')} track",
                            "timed metadata tracks can hold GPS positions, device data or timecode")
                )  # fmt: skip
                dropped_ids.add(_track_id(child))
                continue
        kept.append(child)
    moov.children = kept
    moov.extra["music"] = music
    chapters = _chapter_track_ids(kept)
    tracks = []
    for child in moov.children:
        _clean_tree(child, findings, _handler_type(child) if child.type == b"trak" else None)
        if child.type == b"trak":
            _drop_references(child, dropped_ids)
            track = _read_track(child, file_size)
            if _track_id(child) in chapters:
                track.filters = dict.fromkeys(
                    range(1, 1 + _description_count(child)), _CHAPTER_FILTER
                )
            tracks.append(track)
    if not tracks:
        raise CleanError("MP4 has no audio, video or subtitle track to keep")
    return tracks


def _clean_tree(box: Box, findings: list[Finding], handler: bytes | None = None) -> None:
    """Neutralise times and names in place and drop metadata children, recursively."""
    if box.type in _TIMED_BOXES:
        box.prefix = _zero_times(box, findings)
    elif box.type == b"hdlr" and len(box.prefix) > 24:
        name = box.prefix[24:].strip(b"\x00")
        if box.prefix[24:25] and box.prefix[24] == len(box.prefix) - 25:
            name = box.prefix[25:]  # QuickTime counted string
        if name.strip(b"\x00 "):
            findings.append(
                Finding("QuickTime:HandlerName", shorten(name), "names the muxing software")
            )
        # QuickTime's component manufacturer, flags and mask (ISO: reserved, zero):
        # cameras write their maker's code there.
        vendor = box.prefix[12:16]
        if any(box.prefix[12:24]):
            findings.append(
                Finding(
                    "QuickTime:HandlerVendorID",
                    shorten(vendor if any(vendor) else box.prefix[16:24]),
                    "names the camera maker or the muxing software",
                )
            )
        box.prefix = box.prefix[:12] + bytes(12) + b"\x00"
    elif box.type == b"dref":
        _check_self_contained(box)
    if box.type == b"stsd" and box.children is not None:
        for i, entry in enumerate(box.children):
            box.children[i] = _clean_sample_entry(entry, findings, handler)
    if box.children is not None and box.type != b"stsd":
        kept = []
        for child in box.children:
            if child.type in _METADATA_BOXES:
                findings += _metadata_findings(child, "QuickTime")
                continue
            _clean_tree(child, findings, handler)
            kept.append(child)
        box.children = kept


def _zero_times(box: Box, findings: list[Finding]) -> bytes:
    data = bytearray(box.prefix)
    width = 8 if data[:1] == b"\x01" else 4
    if len(data) < 4 + 2 * width:
        raise CleanError(f"corrupt MP4: {_name(box.type)} box too short")
    for at, label in ((4, "CreateDate"), (4 + width, "ModifyDate")):
        stamp = int.from_bytes(data[at : at + width], "big")
        if stamp:
            findings.append(
                Finding(f"QuickTime:{_name(box.type)}:{label}", _mac_time(stamp),
                        "a date can tie the file to when and where it was made")
            )  # fmt: skip
        data[at : at + width] = bytes(width)
    return bytes(data)


def _mac_time(stamp: int) -> str:
    import datetime

    try:
        moment = datetime.datetime(1904, 1, 1) + datetime.timedelta(seconds=stamp)
    except OverflowError:
        return str(stamp)
    return moment.isoformat(sep=" ")


def _check_self_contained(dref: Box) -> None:
    try:
        for _kind, start, _end in iter_headers(dref.prefix, 8):
            flags = int.from_bytes(dref.prefix[start + 1 : start + 4], "big")
            if not flags & 1:
                raise CleanError(
                    "MP4 refers to media in other files (data reference); "
                    "make it self-contained with `ffmpeg -c copy` first"
                )
    except BoxError:
        raise CleanError("corrupt MP4 data reference box (dref)") from None


def _clean_sample_entry(entry: Box, findings: list[Finding], handler: bytes | None) -> Box:
    data = bytearray(entry.prefix)
    # Video and sound entries (QuickTime layout) carry a vendor code at 12..16;
    # other entry kinds keep their own fields there.
    if handler in (b"vide", b"soun") and len(data) >= 16 and any(data[12:16]):
        findings.append(
            Finding("QuickTime:VendorID", shorten(bytes(data[12:16])), "names the muxing software")
        )
        data[12:16] = bytes(4)
    if handler != b"vide" or len(data) < VISUAL_ENTRY_FIXED:
        entry.prefix = bytes(data)
        return entry
    # Visual sample entry: a counted compressor name, then child boxes.
    compressor = bytes(data[43 : 43 + min(data[42], 31)])
    if compressor.strip(b"\x00 "):
        findings.append(
            Finding(
                "QuickTime:CompressorName", shorten(compressor), "names the encoder and its version"
            )
        )
    data[42:74] = bytes(32)
    try:
        children = parse_boxes(bytes(data[VISUAL_ENTRY_FIXED:]))
    except BoxError:
        entry.prefix = bytes(data)
        return entry
    kept = []
    for child in children:
        if child.type in _METADATA_BOXES:
            findings += _metadata_findings(child, "QuickTime")
            continue
        if child.type == b"hvcC":
            child.prefix = _clean_hvcc(child.prefix, findings)
        elif child.type == b"esds":
            for text in mpeg4user.texts(child.prefix):
                findings.append(
                    Finding(
                        "MPEG4:encoder string", shorten(text), "names the encoder and its version"
                    )
                )
            child.prefix = mpeg4user.blank(child.prefix) or child.prefix
        kept.append(child)
    return Box(entry.type, bytes(data[:VISUAL_ENTRY_FIXED]), kept)


def _clean_hvcc(payload: bytes, findings: list[Finding]) -> bytes:
    """hvcC may carry x265's settings as an SEI parameter array: drop that SEI."""
    if len(payload) < 23:
        return payload
    out = bytearray(payload[:23])
    pos = 23
    arrays = 0
    try:
        for _ in range(payload[22]):
            array_header = payload[pos]
            kind = array_header & 0x3F
            count = int.from_bytes(payload[pos + 1 : pos + 3], "big")
            pos += 3
            nals = []
            for _ in range(count):
                n = int.from_bytes(payload[pos : pos + 2], "big")
                nal: bytes | None = payload[pos + 2 : pos + 2 + n]
                pos += 2 + n
                if kind in (39, 40) and nal is not None:
                    for text in h264sei.user_data_strings(nal, True):
                        findings.append(
                            Finding("HEVC:SEI user data", shorten(text),
                                    "names the encoder, its version and settings")
                        )  # fmt: skip
                    nal = h264sei.clean_sei_nal(nal, True)
                if nal is not None:
                    nals.append(nal)
            if nals:
                arrays += 1
                out += bytes([array_header]) + len(nals).to_bytes(2, "big")
                for nal in nals:
                    out += len(nal).to_bytes(2, "big") + nal
    except IndexError:
        return payload
    out[22] = arrays
    return bytes(out) + payload[pos:]


def _handler_type(trak: Box) -> bytes | None:
    hdlr = trak.find(b"mdia", b"hdlr")
    return hdlr.prefix[8:12] if hdlr is not None and len(hdlr.prefix) >= 12 else None


def _track_id(trak: Box) -> int:
    tkhd = trak.child(b"tkhd")
    if tkhd is None or len(tkhd.prefix) < 24:
        return 0
    at = 20 if tkhd.prefix[0] == 1 else 12
    return int.from_bytes(tkhd.prefix[at : at + 4], "big")


def _chapter_track_ids(boxes: list[Box]) -> set[int]:
    """Tracks other tracks name as their chapter list (QuickTime 'chap' references)."""
    ids: set[int] = set()
    for trak in boxes:
        tref = trak.child(b"tref") if trak.type == b"trak" else None
        for ref in (tref.children if tref else None) or ():
            if ref.type == b"chap":
                ids |= {
                    int.from_bytes(ref.prefix[i : i + 4], "big")
                    for i in range(0, len(ref.prefix) - 3, 4)
                }
    return ids


def _description_count(trak: Box) -> int:
    stsd = trak.find(b"mdia", b"minf", b"stbl", b"stsd")
    return len(stsd.children or ()) if stsd else 0


def _drop_references(trak: Box, dropped: set[int]) -> None:
    tref = trak.child(b"tref")
    if tref is None or not dropped or tref.children is None:
        return
    kept = []
    for ref in tref.children:
        ids = [
            int.from_bytes(ref.prefix[i : i + 4], "big") for i in range(0, len(ref.prefix) - 3, 4)
        ]
        ids = [i for i in ids if i not in dropped]
        if ids:
            kept.append(Box(ref.type, b"".join(i.to_bytes(4, "big") for i in ids)))
    tref.children = kept
    if not kept:
        assert trak.children is not None
        trak.children.remove(tref)


def _unpack(fmt: str, data: bytes, count: int, at: int) -> tuple:
    try:
        return struct.unpack_from(f">{count}{fmt}", data, at)
    except struct.error:
        raise CleanError("corrupt MP4 sample table: it is shorter than its entry count") from None


def _read_track(trak: Box, file_size: int) -> _Track:
    stbl = trak.find(b"mdia", b"minf", b"stbl")
    if stbl is None:
        raise CleanError("corrupt MP4: a track has no sample table (stbl)")
    stco, co64 = stbl.child(b"stco"), stbl.child(b"co64")
    stsz, stz2, stsc = stbl.child(b"stsz"), stbl.child(b"stz2"), stbl.child(b"stsc")
    if (stco or co64) is None or (stsz or stz2) is None or stsc is None:
        raise CleanError("corrupt MP4: a track's sample table lacks offsets, sizes or chunks")
    if co64 is not None:
        offsets = list(_unpack("Q", co64.prefix, _count(co64), 8))
    else:
        assert stco is not None
        offsets = list(_unpack("I", stco.prefix, _count(stco), 8))
    if stsz is not None:
        fixed, count = struct.unpack_from(">II", stsz.prefix, 4)
        sizes = (
            array("I", [fixed] * count)
            if fixed
            else array("I", _unpack("I", stsz.prefix, count, 12))
        )
    else:
        assert stz2 is not None
        sizes = _read_stz2(stz2)
    runs = _unpack("I", stsc.prefix, 3 * _count(stsc), 8)
    chunk_samples: list[tuple[int, int, int]] = []
    sample = 0
    entries = [runs[i : i + 3] for i in range(0, len(runs), 3)]
    for n, (first_chunk, per_chunk, desc) in enumerate(entries):
        last = entries[n + 1][0] - 1 if n + 1 < len(entries) else len(offsets)
        for _chunk in range(first_chunk, last + 1):
            if len(chunk_samples) >= len(offsets):
                break
            chunk_samples.append((sample, per_chunk, desc))
            sample += per_chunk
    if len(chunk_samples) != len(offsets) or sample > len(sizes):
        raise CleanError("corrupt MP4: chunk and sample counts disagree")
    for (first, count, _), offset in zip(chunk_samples, offsets, strict=True):
        if offset + sum(sizes[first : first + count]) > file_size:
            raise CleanError("truncated MP4: sample data runs past the end of the file")
    track = _Track(
        trak, _handler_type(trak) or b"", offsets, chunk_samples, sizes, _sample_filters(stbl)
    )
    stsd = stbl.child(b"stsd")
    track.mp3 = any(
        e.type == b".mp3"
        or (e.type == b"mp4a" and aacfill.esds_object_type(e.prefix) in (0x69, 0x6B))
        for e in (stsd.children if stsd else None) or ()
    )
    return track


def _count(box: Box) -> int:
    if len(box.prefix) < 8:
        raise CleanError(f"corrupt MP4: {_name(box.type)} box too short")
    return int.from_bytes(box.prefix[4:8], "big")


def _read_stz2(box: Box) -> array:
    field_bits = box.prefix[7]
    count = int.from_bytes(box.prefix[8:12], "big")
    body = box.prefix[12:]
    if field_bits == 16:
        return array("I", _unpack("H", body, count, 0))
    if field_bits == 8:
        return array("I", body[:count])
    if field_bits == 4:
        values = [v for b in body for v in (b >> 4, b & 15)]
        return array("I", values[:count])
    raise CleanError("corrupt MP4: compact sample sizes with an invalid field size")


def _codec_config(entry: Box, kind: bytes) -> bytes | None:
    """A sample entry's avcC/hvcC payload, even when its children did not parse as boxes."""
    child = entry.child(kind)
    if child is not None:
        return child.prefix
    at = entry.prefix.find(kind, VISUAL_ENTRY_FIXED - 4)
    if entry.children is None and at >= 4:
        size = int.from_bytes(entry.prefix[at - 4 : at], "big")
        return entry.prefix[at + 4 : at - 4 + size]
    return None


def _sample_filters(stbl: Box) -> dict[int, SampleFilter]:
    found: dict[int, SampleFilter] = {}
    stsd = stbl.child(b"stsd")
    for index, entry in enumerate((stsd.children if stsd else None) or (), start=1):
        avcc, hvcc = _codec_config(entry, b"avcC"), _codec_config(entry, b"hvcC")
        if avcc is not None and len(avcc) > 4:
            found[index] = _nal_filter((avcc[4] & 3) + 1, False)
        elif hvcc is not None and len(hvcc) > 21:
            found[index] = _nal_filter((hvcc[21] & 3) + 1, True)
        elif entry.type == b"mp4v":
            found[index] = _MPEG4_FILTER
        elif entry.type == b"mp4a" and aacfill.is_aac_esds(entry.prefix):
            found[index] = _AAC_FILTER
    return found


def _sample_findings(f: BinaryIO, track: _Track, samples: int = 3) -> list[Finding]:
    """Encoder strings in the first samples of each track (where encoders put them)."""
    findings = []
    for i, (first, count, desc) in enumerate(track.chunk_samples):
        sample_filter = track.filters.get(desc)
        if sample_filter is None or first >= samples:
            continue
        f.seek(track.chunk_offsets[i])
        pos = 0
        data = f.read(sum(track.sizes[first : first + count]))
        for s in range(first, min(first + count, samples)):
            sample = data[pos : pos + track.sizes[s]]
            pos += track.sizes[s]
            for text in sample_filter.texts(sample):
                findings.append(
                    Finding(sample_filter.field, shorten(text), sample_filter.why)
                )  # fmt: skip
    return findings


def _metadata_findings(box: Box, group: str) -> list[Finding]:
    """One finding per readable item inside a metadata box we drop."""
    items: list[tuple[str, str]] = []
    _walk_metadata(box.type, box.payload(), [], items)
    if not items:
        items = [(_name(box.type), f"{len(box.payload())} bytes")]
    return [Finding(f"{group}:{name}", shorten(value), _WHY_META) for name, value in items]


def _walk_metadata(
    kind: bytes, payload: bytes, keys: list[str], items: list[tuple[str, str]]
) -> None:
    if kind == b"meta":
        offset = 0 if payload[4:8] == b"hdlr" else 4  # QuickTime meta has no version field
        _walk_children(payload[offset:], keys, items)
    elif kind in (b"udta", b"ilst"):
        _walk_children(payload, keys, items)
    elif kind == b"keys":
        for _k, start, end in _safe_headers(payload, 8):
            keys.append(payload[start:end].decode("utf-8", "replace"))
    elif kind in (b"hdlr", b"free", b"skip"):
        return
    else:
        name = _name(kind)
        index = int.from_bytes(kind, "big")
        if 0 < index <= len(keys):
            name = keys[index - 1]
        data = [payload[s + 8 : e] for k, s, e in _safe_headers(payload, 0) if k == b"data"]
        texts = (
            [t for d in data for t in _printable_runs(d, 2)] if data else _printable_runs(payload)
        )
        value = "; ".join(texts) if texts else f"{len(payload)} bytes"
        items.append((name, value))


def _walk_children(payload: bytes, keys: list[str], items: list[tuple[str, str]]) -> None:
    for kind, start, end in _safe_headers(payload, 0):
        _walk_metadata(kind, payload[start:end], keys, items)


def _safe_headers(payload: bytes, start: int) -> list[tuple[bytes, int, int]]:
    found = []
    try:
        for header in iter_headers(payload, start):
            found.append(header)
    except BoxError:
        pass
    return found


_STRUCTURE = re.compile(rb"^.{0,4}(meta|hdlr|mdir|appl|ilst|data|keys|mdta|udta|free)+$", re.S)


def _printable_runs(data: bytes, minimum: int = 4) -> list[str]:
    runs = re.findall(rb"[\x20-\x7e]{%d,}" % minimum, data)
    return [r.decode("ascii") for r in runs if not _STRUCTURE.match(r)]


cleaner = Mp4Cleaner()
