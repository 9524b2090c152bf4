"""Matroska and WebM: tags, titles, names, apps, dates and non-font attachments removed.

The segment is rewritten element by element in its original order. Tags,
Void and unknown top-level elements are dropped; Info keeps only the time
scale and duration (muxing and writing application become empty strings);
tracks lose their names; chapters keep their times but lose their titles;
attachments are kept only when they are fonts (subtitles need them). Blocks
are copied as they are, except that user-data SEI (x264/x265 settings) and an
AAC encoder fill element are cut from the frames that carry them. Seek head
and cues are rebuilt with fixed-width positions, so they can be written
before the clusters they point to and patched once those are placed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import aacfill, h264sei, mp3, mpeg4user
from sneakernet.clean.formats._ebml import (
    CRC32,
    VOID,
    EbmlError,
    children,
    element,
    encode_id,
    encode_size,
    header,
    master,
    master_body,
    read_size,
    to_uint,
    uint,
)
from sneakernet.clean.formats._output import atomic_output

EBML_HEADER, DOCTYPE = 0x1A45DFA3, 0x4282
SEGMENT, SEEKHEAD, INFO, TRACKS = 0x18538067, 0x114D9B74, 0x1549A966, 0x1654AE6B
CLUSTER, CUES, CHAPTERS, TAGS, ATTACHMENTS = (
    0x1F43B675,
    0x1C53BB6B,
    0x1043A770,
    0x1254C367,
    0x1941A469,
)
TIMESTAMP_SCALE, DURATION, MUXING_APP, WRITING_APP = 0x2AD7B1, 0x4489, 0x4D80, 0x5741
TITLE, DATE_UTC, SEGMENT_UID = 0x7BA9, 0x4461, 0x73A4
TRACK_ENTRY, TRACK_NUMBER, TRACK_NAME, CODEC_ID, CODEC_PRIVATE, CODEC_NAME = (
    0xAE, 0xD7, 0x536E, 0x86, 0x63A2, 0x258688,
)  # fmt: skip
SIMPLE_BLOCK, BLOCK_GROUP, BLOCK, TRACK_TYPE = 0xA3, 0xA0, 0xA1, 0x83
CHAPTER_DISPLAY, EDITION_DISPLAY, CHAP_PROCESS = 0x80, 0x4520, 0x6944
ATTACHED_FILE, FILE_NAME, FILE_MIME, FILE_DESCRIPTION = 0x61A7, 0x466E, 0x4660, 0x467E
CUE_POINT, CUE_TRACK_POSITIONS, CUE_CLUSTER_POSITION, CUE_RELATIVE_POSITION = 0xBB, 0xB7, 0xF1, 0xF0
CUE_CODEC_STATE = 0xEA
SEEK, SEEK_ID, SEEK_POSITION = 0x4DBB, 0x53AB, 0x53AC
SIMPLE_TAG, TAG_NAME, TAG_STRING = 0x67C8, 0x45A3, 0x4487

# Level-1 elements kept (rewritten or copied); everything else is dropped.
_KEPT_TOP = {INFO, TRACKS, CLUSTER, CUES, CHAPTERS, ATTACHMENTS}
_SEEKABLE = (INFO, TRACKS, CHAPTERS, ATTACHMENTS, TAGS, CUES)
# SimpleTag names a music player shows (album title is ALBUM or TITLE at album level).
_MUSIC_TAGS = {"TITLE", "ARTIST", "ALBUM", "PART_NUMBER", "TRACKNUMBER"}
_FONT_MIMES = re.compile(
    r"^(font/|application/(x-truetype-font|x-font|vnd\.ms-opentype|font-sfnt))"
)
_FONT_NAMES = re.compile(r"\.(ttf|otf|ttc|woff2?)$", re.I)
# [Script Info] keys that change how subtitles render; credits and tool lines go.
_ASS_RENDER_KEYS = {"scripttype", "playresx", "playresy", "wrapstyle", "scaledborderandshadow",
                    "ycbcr matrix", "layoutresx", "layoutresy", "collisions", "playdepth",
                    "timer", "kerning"}  # fmt: skip
_WHY = "container metadata can name people, devices, places and software"
COPY_CHUNK = 8 * 1024 * 1024


@dataclass
class _Child:
    id: int
    offset: int  # of the element header, relative to the segment's data
    data_start: int  # absolute, in the file
    size: int


@dataclass
class _Segment:
    ebml_header: bytes
    data_start: int  # absolute position of the segment's payload
    top: list[_Child]
    filters: dict[int, Callable[[bytes], bytes | None]] = field(default_factory=dict)
    texts: dict[int, Callable[[bytes], list[bytes]]] = field(default_factory=dict)
    mp3_tracks: set[int] = field(default_factory=set)
    audio_only: bool = False
    # cluster offset -> block ordinal -> frame index -> zero ranges (MP3 ancillary bytes)
    zeros: dict[int, dict[int, dict[int, list[tuple[int, int]]]]] = field(default_factory=dict)


class MkvCleaner:
    name = "matroska"

    def sniff(self, head: bytes, path: Path) -> bool:
        if not head.startswith(b"\x1a\x45\xdf\xa3"):
            return False
        return b"matroska" in head[:64] or b"webm" in head[:64]

    def data_end(self, path: Path) -> int:
        with open(path, "rb") as f:
            segment = _read_layout(f)
        last = segment.top[-1]
        return last.data_start + last.size if segment.top else segment.data_start

    def inspect(self, path: Path) -> list[Finding]:
        findings: list[Finding] = []
        with open(path, "rb") as f:
            segment = _read_layout(f)
            for child in segment.top:
                if child.id != CLUSTER:
                    _element_findings(child, _read(f, child), findings)
            first_cluster = next((c for c in segment.top if c.id == CLUSTER), None)
            if first_cluster is not None and segment.texts:
                _block_findings(_read(f, first_cluster), segment, findings)
            hidden = _mp3_ancillary(f, segment)
            if hidden:
                findings.append(mp3.ancillary_finding(hidden))
        return findings

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        with open(src, "rb") as f, atomic_output(dst) as out:
            segment = _read_layout(f)
            _write(f, out, segment, options.keep_music_tags and segment.audio_only)


def _read(f: BinaryIO, child: _Child) -> bytes:
    f.seek(child.data_start)
    data = f.read(child.size)
    if len(data) != child.size:
        raise CleanError("truncated Matroska file: an element runs past the end")
    return data


def _read_layout(f: BinaryIO) -> _Segment:
    size = os.fstat(f.fileno()).st_size
    if size == 0:
        raise CleanError("empty file: nothing to clean")
    head = f.read(64 * 1024)
    try:
        element_id, ebml_size, start = header(head, 0)
        if element_id != EBML_HEADER or ebml_size is None:
            raise CleanError("not a Matroska file: no EBML header")
        ebml_header = head[: start + ebml_size]
        pos = start + ebml_size
        f.seek(pos)
        seg_head = f.read(16)
        element_id, seg_size, seg_start = header(seg_head, 0)
    except EbmlError as exc:
        raise CleanError(f"corrupt Matroska header: {exc}") from None
    if element_id != SEGMENT:
        raise CleanError("not a Matroska file: no segment after the EBML header")
    data_start = pos + seg_start
    end = size if seg_size is None else data_start + seg_size
    if end > size:
        raise CleanError(
            f"truncated Matroska file: the segment needs {end - size} more bytes than the file has"
        )
    top: list[_Child] = []
    at = data_start
    while at < end:
        f.seek(at)
        raw = f.read(16)
        try:
            element_id, child_size, child_start = header(raw, 0)
        except EbmlError:
            if seg_size is None:
                break  # unknown-size segment: whatever follows is not ours
            raise CleanError(f"corrupt Matroska element at byte {at}") from None
        if child_size is None:
            raise CleanError(
                "Matroska with elements of unknown size (a live recording) is not supported; "
                "remux it with `ffmpeg -i IN -c copy OUT.mkv` first"
            )
        if at + child_start + child_size > end:
            raise CleanError(f"truncated Matroska file: element {element_id:X} runs past the end")
        top.append(_Child(element_id, at - data_start, at + child_start, child_size))
        at += child_start + child_size
    segment = _Segment(ebml_header, data_start, top)
    for child in top:
        if child.id == TRACKS:
            _track_filters(_read(f, child), segment)
    return segment


def _track_filters(payload: bytes, segment: _Segment) -> None:
    kinds = {
        to_uint(dict(_children(e)).get(TRACK_TYPE, b"\x00"))
        for i, e in _children(payload)
        if i == TRACK_ENTRY
    }
    segment.audio_only = kinds == {2}
    for entry_id, entry in _children(payload):
        if entry_id != TRACK_ENTRY:
            continue
        fields = dict(_children(entry))
        number = to_uint(fields.get(TRACK_NUMBER, b"\x00"))
        codec = fields.get(CODEC_ID, b"").rstrip(b"\x00").decode("ascii", "replace")
        private = fields.get(CODEC_PRIVATE, b"")
        if codec == "V_MPEG4/ISO/AVC" and len(private) > 4:
            length, hevc = (private[4] & 3) + 1, False
        elif codec == "V_MPEGH/ISO/HEVC" and len(private) > 21:
            length, hevc = (private[21] & 3) + 1, True
        elif codec.startswith("V_MPEG4/ISO/") and codec != "V_MPEG4/ISO/AVC":
            segment.filters[number] = mpeg4user.blank
            segment.texts[number] = mpeg4user.texts
            continue
        elif codec == "A_MPEG/L3":
            segment.mp3_tracks.add(number)
            continue
        elif codec.startswith("A_AAC"):
            segment.filters[number] = aacfill.strip_fill
            segment.texts[number] = lambda frame: [t for t in [aacfill.fill_text(frame)] if t]
            continue
        else:
            continue
        segment.filters[number] = lambda frame, n=length, h=hevc: h264sei.strip_sample(frame, n, h)
        segment.texts[number] = lambda frame, n=length, h=hevc: h264sei.sample_user_data(
            frame, n, h
        )


def _children(payload: bytes) -> list[tuple[int, bytes]]:
    try:
        return children(payload)
    except EbmlError as exc:
        raise CleanError(f"corrupt Matroska element: {exc}") from None


def _has_crc(parts: list[tuple[int, bytes]]) -> bool:
    return any(i == CRC32 for i, _ in parts)


# --- rewriting the small level-1 elements -------------------------------------------------


def _clean_info(payload: bytes, keep_title: bool = False) -> bytes:
    parts = _children(payload)
    wanted = (TIMESTAMP_SCALE, DURATION, TITLE) if keep_title else (TIMESTAMP_SCALE, DURATION)
    kept = [element(i, p) for i, p in parts if i in wanted]
    kept += [element(MUXING_APP, b""), element(WRITING_APP, b"")]
    return master(INFO, kept, _has_crc(parts))


def _clean_tracks(payload: bytes) -> bytes:
    parts = _children(payload)
    entries = []
    for entry_id, entry in parts:
        if entry_id != TRACK_ENTRY:
            continue
        fields = _children(entry)
        codec = dict(fields).get(CODEC_ID, b"")
        kept = []
        for i, p in fields:
            if i in (TRACK_NAME, CODEC_NAME, VOID, CRC32):
                continue
            if i == CODEC_PRIVATE and codec.startswith(
                (b"S_TEXT/ASS", b"S_TEXT/SSA", b"S_ASS", b"S_SSA")
            ):
                p = clean_ass_header(p)
            elif i == CODEC_PRIVATE and codec.startswith(b"V_MPEG4/ISO/"):
                p = mpeg4user.blank(p) or p
            kept.append(element(i, p))
        entries.append(master(TRACK_ENTRY, kept, _has_crc(fields)))
    return master(TRACKS, entries, _has_crc(parts))


def clean_ass_header(private: bytes) -> bytes:
    """The [Script Info] of an ASS/SSA track without credits, titles and tool lines."""
    lines = private.decode("utf-8", "replace").splitlines(keepends=True)
    section = ""
    out = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped.lower()
        elif section == "[script info]" and stripped:
            key = stripped.split(":", 1)[0].strip().lower()
            if stripped.startswith(";") or key not in _ASS_RENDER_KEYS:
                continue
        out.append(line)
    return "".join(out).encode("utf-8")


def _clean_chapters(element_id: int, payload: bytes) -> bytes:
    parts = _children(payload)
    kept = []
    for i, p in parts:
        if i in (CHAPTER_DISPLAY, EDITION_DISPLAY, CHAP_PROCESS, VOID, CRC32):
            continue
        kept.append(_clean_chapters(i, p) if _is_chapter_master(i) else element(i, p))
    return master(element_id, kept, _has_crc(parts))


def _is_chapter_master(element_id: int) -> bool:
    return element_id in (0x45B9, 0xB6, 0x8F)  # EditionEntry, ChapterAtom, ChapterTrack


def _is_font(fields: dict[int, bytes]) -> bool:
    mime = fields.get(FILE_MIME, b"").decode("ascii", "replace").lower()
    name = fields.get(FILE_NAME, b"").decode("utf-8", "replace")
    return bool(_FONT_MIMES.match(mime) or _FONT_NAMES.search(name))


def _clean_attachments(payload: bytes) -> bytes | None:
    parts = _children(payload)
    files = []
    for i, p in parts:
        if i != ATTACHED_FILE:
            continue
        fields = _children(p)
        if _is_font(dict(fields)):
            kept = [element(k, v) for k, v in fields if k not in (FILE_DESCRIPTION, VOID, CRC32)]
            files.append(master(ATTACHED_FILE, kept, False))
    return master(ATTACHMENTS, files, _has_crc(parts)) if files else None


# --- clusters -----------------------------------------------------------------------------


@dataclass
class _ClusterMap:
    new_offset: int  # cluster's new position relative to the segment data
    shifts: list[tuple[int, int]]  # (old relative position of a changed block, bytes removed)

    def relative(self, old: int) -> int:
        return old - sum(removed for at, removed in self.shifts if at < old)


@dataclass
class _Block:
    """A block's frames: one, or several when the block is laced."""

    track: int
    head: bytes  # track number, timecode and flags
    frames: list[bytes]
    laced: bool

    def to_bytes(self) -> bytes:
        if not self.laced:
            return self.head + self.frames[0]
        # Written back with Xiph lacing, which any frame sizes fit.
        head = self.head[:-1] + bytes([(self.head[-1] & 0xF9) | 0x02])
        lace = bytes([len(self.frames) - 1])
        for frame in self.frames[:-1]:
            lace += b"\xff" * (len(frame) // 255) + bytes([len(frame) % 255])
        return head + lace + b"".join(self.frames)


def _lace_sizes(block: bytes, pos: int, lacing: int, count: int) -> tuple[list[int], int]:
    sizes: list[int] = []
    if lacing == 1:  # Xiph: each size as a run of 255s and a last byte
        for _ in range(count - 1):
            size = 0
            while True:
                byte = block[pos]
                pos += 1
                size += byte
                if byte != 255:
                    break
            sizes.append(size)
    elif lacing == 3:  # EBML: first size, then signed differences
        first, pos = read_size(block, pos)
        if first is None:
            raise EbmlError("unknown size in a lace")
        sizes.append(first)
        for _ in range(count - 2):
            start = pos
            raw, pos = read_size(block, pos)
            if raw is None:
                raise EbmlError("unknown size in a lace")
            sizes.append(sizes[-1] + raw - ((1 << (7 * (pos - start) - 1)) - 1))
    else:  # fixed: equal frames
        total = len(block) - pos
        if total % count:
            raise EbmlError("fixed lacing that does not divide the block")
        sizes = [total // count] * (count - 1)
    return sizes, pos


def _parse_block(block: bytes) -> _Block | None:
    """The frames of a Block or SimpleBlock; None when it does not parse."""
    if not block or not block[0]:
        return None
    width = 9 - block[0].bit_length()
    flags_at = width + 2
    if width > 8 or flags_at >= len(block):
        return None
    track = int.from_bytes(block[:width], "big") & ((1 << (7 * width)) - 1)
    head = block[: flags_at + 1]
    lacing = (block[flags_at] >> 1) & 3
    if lacing == 0:
        return _Block(track, head, [block[flags_at + 1 :]], False)
    try:
        count = block[flags_at + 1] + 1
        sizes, pos = _lace_sizes(block, flags_at + 2, lacing, count)
    except (IndexError, EbmlError):
        return None
    sizes.append(len(block) - pos - sum(sizes))
    if any(size < 0 for size in sizes):
        return None
    frames = []
    for size in sizes:
        frames.append(block[pos : pos + size])
        pos += size
    return _Block(track, head, frames, True)


def _clean_block(
    block: bytes, segment: _Segment, zeros: dict[int, list[tuple[int, int]]] | None
) -> bytes | None:
    """The block with its frames cleaned; None when nothing changed."""
    parsed = _parse_block(block)
    if parsed is None:
        return None
    changed = False
    for index, frame in enumerate(parsed.frames):
        if zeros and index in zeros:
            buffer = bytearray(frame)
            for at, length in zeros[index]:
                buffer[at : at + length] = bytes(length)
            frame = bytes(buffer)
            changed = True
        if parsed.track in segment.filters:
            cleaned = segment.filters[parsed.track](frame)
            if cleaned is not None:
                frame = cleaned
                changed = True
        parsed.frames[index] = frame
    return parsed.to_bytes() if changed else None


def _blocks(parts: list[tuple[int, bytes]]):
    """(child index, block payload) of every SimpleBlock and grouped Block, in order."""
    for index, (i, p) in enumerate(parts):
        if i == SIMPLE_BLOCK:
            yield index, p
        elif i == BLOCK_GROUP:
            for k, v in _children(p):
                if k == BLOCK:
                    yield index, v


def _clean_cluster(
    payload: bytes, segment: _Segment, zeros: dict[int, dict[int, list[tuple[int, int]]]]
) -> tuple[bytes, list[tuple[int, int]]] | None:
    """The cluster payload with cleaned blocks, and where it shrank; None when unchanged."""
    parts = _children(payload)
    out: list[bytes] = []
    shifts: list[tuple[int, int]] = []
    old_pos = 0
    changed = False
    ordinal = 0
    for i, p in parts:
        original = element(i, p)
        new = original
        if i == SIMPLE_BLOCK:
            cleaned = _clean_block(p, segment, zeros.get(ordinal))
            ordinal += 1
            if cleaned is not None:
                new = element(i, cleaned)
        elif i == BLOCK_GROUP:
            group = _children(p)
            inner = []
            for k, v in group:
                if k == BLOCK:
                    inner.append((k, _clean_block(v, segment, zeros.get(ordinal))))
                    ordinal += 1
                else:
                    inner.append((k, None))
            if any(c is not None for _, c in inner):
                new = element(i, b"".join(
                    element(k, c if c is not None else v) for (k, c), (_, v) in zip(inner, group, strict=True)
                ))  # fmt: skip
        if new is not original:
            changed = True
            shifts.append((old_pos, len(original) - len(new)))
        if i != CRC32:
            out.append(new)
        old_pos += len(original)
    if not changed:
        return None
    return master_body(out, _has_crc(parts)), shifts


def _mp3_ancillary(f: BinaryIO, segment: _Segment) -> bytes | None:
    """Fill segment.zeros with the MP3 tracks' ancillary bytes; return text found there."""
    if not segment.mp3_tracks:
        return None
    hidden = None
    for track in segment.mp3_tracks:
        frames: list[
            tuple[int, int, int, bytes]
        ] = []  # (cluster, block ordinal, frame index, frame)
        for child in segment.top:
            if child.id != CLUSTER:
                continue
            for ordinal, (_, block) in enumerate(_blocks(_children(_read(f, child)))):
                parsed = _parse_block(block)
                if parsed and parsed.track == track:
                    frames += [
                        (child.offset, ordinal, k, frame) for k, frame in enumerate(parsed.frames)
                    ]
        ranges, text = mp3.ancillary_by_piece([frame for _, _, _, frame in frames])
        hidden = hidden or text
        for index, piece_ranges in ranges.items():
            cluster, ordinal, k, _ = frames[index]
            segment.zeros.setdefault(cluster, {}).setdefault(ordinal, {})[k] = piece_ranges
    return hidden


def _block_findings(payload: bytes, segment: _Segment, findings: list[Finding]) -> None:
    """Encoder strings in one cluster's frames (encoders write them into the first)."""
    for _, block in _blocks(_children(payload)):
        parsed = _parse_block(block)
        if parsed is None or parsed.track not in segment.texts:
            continue
        for frame in parsed.frames:
            for text in segment.texts[parsed.track](frame):
                findings.append(
                    Finding("Matroska:encoder string in stream", shorten(text),
                            "names the encoder, its version and settings")
                )  # fmt: skip


# --- cues and seek head -------------------------------------------------------------------


def _clean_cues(payload: bytes, clusters: dict[int, _ClusterMap] | None) -> bytes:
    """Cues with every position in 8 bytes (size independent of the values)."""
    parts = _children(payload)
    points = []
    for i, p in parts:
        if i != CUE_POINT:
            continue
        point = []
        for k, v in _children(p):
            if k != CUE_TRACK_POSITIONS:
                point.append(element(k, v))
                continue
            fields = _children(v)
            cluster_pos = to_uint(dict(fields).get(CUE_CLUSTER_POSITION, b"\x00"))
            mapped = clusters.get(cluster_pos) if clusters is not None else None
            if clusters is not None and mapped is None:
                continue  # points at no cluster we wrote
            track = []
            for fk, fv in fields:
                if fk == CUE_CLUSTER_POSITION:
                    track.append(uint(fk, mapped.new_offset if mapped else 0, 8))
                elif fk == CUE_RELATIVE_POSITION:
                    # A position inside a block we shortened cannot be right any more: 0 is safe.
                    track.append(uint(fk, max(mapped.relative(to_uint(fv)), 0) if mapped else 0, 8))
                elif fk == CUE_CODEC_STATE:
                    continue
                else:
                    track.append(element(fk, fv))
            point.append(element(CUE_TRACK_POSITIONS, b"".join(track)))
        points.append(element(CUE_POINT, b"".join(point)))
    return master(CUES, points, _has_crc(parts))


def _seek_head(positions: dict[int, int]) -> bytes:
    seeks = [
        element(SEEK, element(SEEK_ID, encode_id(i)) + uint(SEEK_POSITION, positions.get(i, 0), 8))
        for i in _SEEKABLE
        if i in positions
    ]
    return master(SEEKHEAD, seeks, False)


# --- writing ------------------------------------------------------------------------------


def _music_tags(payload: bytes) -> bytes | None:
    """Tags holding only title, artist, album and track number (Matroska audio)."""
    parts = _children(payload)
    tags = []
    for i, p in parts:
        if i != 0x7373:  # Tag
            continue
        fields = _children(p)
        targets = [element(k, v) for k, v in fields if k == 0x63C0]
        simple = []
        for k, v in fields:
            if k != SIMPLE_TAG:
                continue
            inner = _children(v)
            name = dict(inner).get(TAG_NAME, b"").decode("utf-8", "replace").upper()
            if name in _MUSIC_TAGS:
                simple.append(
                    element(k, b"".join(element(a, b) for a, b in inner if a != SIMPLE_TAG))
                )
        if simple:
            tags.append(master(0x7373, targets + simple, False))
    return master(TAGS, tags, _has_crc(parts)) if tags else None


def _write(f: BinaryIO, out: BinaryIO, segment: _Segment, keep_music: bool = False) -> None:
    _mp3_ancillary(f, segment)
    out.write(segment.ebml_header)
    segment_at = out.tell()
    out.write(encode_id(SEGMENT) + encode_size(0, 8))
    base = out.tell()
    rewritten: dict[int, bytes] = {}  # by old offset
    for child in segment.top:
        if child.id in (INFO, TRACKS, CHAPTERS, ATTACHMENTS) or (keep_music and child.id == TAGS):
            data = _read(f, child)
            new = {
                INFO: lambda p: _clean_info(p, keep_music),
                TRACKS: _clean_tracks,
                CHAPTERS: lambda p: _clean_chapters(CHAPTERS, p),
                ATTACHMENTS: _clean_attachments,
                TAGS: _music_tags,
            }[child.id](data)
            if new is not None:
                rewritten[child.offset] = new
    kept = [c for c in segment.top if c.id in (CLUSTER, CUES) or c.offset in rewritten]
    if not any(c.id == CLUSTER for c in kept):
        raise CleanError("Matroska file without any cluster: no audio or video to keep")
    present = {c.id: 0 for c in kept if c.id in _SEEKABLE}
    seek_head_size = len(_seek_head(present))
    out.write(bytes(seek_head_size))
    positions: dict[int, int] = {}
    clusters: dict[int, _ClusterMap] = {}
    cues_at: tuple[int, bytes] | None = None
    for child in kept:
        here = out.tell() - base
        if child.id in _SEEKABLE and child.id not in positions:
            positions[child.id] = here
        if child.id == CLUSTER:
            clusters[child.offset] = _copy_cluster(f, out, child, segment, here)
        elif child.id == CUES:
            if cues_at is not None:
                continue
            payload = _read(f, child)
            cues_at = (out.tell(), payload)
            out.write(bytes(len(_clean_cues(payload, None))))
        else:
            out.write(rewritten[child.offset])
    end = out.tell()
    if cues_at is not None:
        out.seek(cues_at[0])
        cues = _clean_cues(cues_at[1], clusters)
        out.write(cues)
        # Dropped cue points leave room: fill it with a Void element.
        _write_void(out, len(_clean_cues(cues_at[1], None)) - len(cues))
    out.seek(base)
    out.write(_seek_head(positions))
    out.seek(segment_at)
    out.write(encode_id(SEGMENT) + encode_size(end - base, 8))
    out.seek(end)


def _write_void(out: BinaryIO, room: int) -> None:
    if room <= 0:
        return
    if room == 1:
        raise CleanError("internal layout error while rewriting Matroska cues")
    width = 1 if room - 2 < 127 else 8
    out.write(encode_id(VOID) + encode_size(room - 1 - width, width) + bytes(room - 1 - width))


def _copy_cluster(
    f: BinaryIO, out: BinaryIO, child: _Child, segment: _Segment, here: int
) -> _ClusterMap:
    """Write one cluster; its size field keeps its original width where it fits.

    Keeping the width keeps cluster sizes as they were, so optional hints such
    as PrevSize stay true for clusters that did not change.
    """
    size_width = child.data_start - (segment.data_start + child.offset) - len(encode_id(CLUSTER))
    f.seek(child.data_start)
    payload = f.read(child.size)
    if len(payload) != child.size:
        raise CleanError("truncated Matroska file: a cluster runs past the end")
    zeros = segment.zeros.get(child.offset, {})
    cleaned = _clean_cluster(payload, segment, zeros) if segment.filters or zeros else None
    body, shifts = cleaned if cleaned is not None else (payload, [])
    try:
        size_field = encode_size(len(body), size_width)
    except EbmlError:
        size_field = encode_size(len(body))
    out.write(encode_id(CLUSTER) + size_field + body)
    return _ClusterMap(here, shifts)


# --- findings -----------------------------------------------------------------------------


def _element_findings(child: _Child, payload: bytes, findings: list[Finding]) -> None:
    if child.id in (VOID, SEEKHEAD, CUES, CLUSTER):
        return
    parts = _children(payload) if child.id in _KEPT_TOP or child.id == TAGS else []
    if child.id == INFO:
        names = {TITLE: "Title", MUXING_APP: "MuxingApp", WRITING_APP: "WritingApp",
                 DATE_UTC: "DateUTC", SEGMENT_UID: "SegmentUID"}  # fmt: skip
        for i, p in parts:
            if i in names and p:
                value = p.hex() if i in (DATE_UTC, SEGMENT_UID) else p.decode("utf-8", "replace")
                findings.append(Finding(f"Matroska:{names[i]}", shorten(value), _WHY))
    elif child.id == TRACKS:
        entries = [entry for i, entry in parts if i == TRACK_ENTRY]
        for entry in entries:
            for i, p in _children(entry):
                if i in (TRACK_NAME, CODEC_NAME):
                    label = "TrackName" if i == TRACK_NAME else "CodecName"
                    findings.append(Finding(f"Matroska:{label}", shorten(p), _WHY))
                elif i == CODEC_PRIVATE and mpeg4user.texts(p):
                    for text in mpeg4user.texts(p):
                        findings.append(
                            Finding("Matroska:encoder string in codec setup", shorten(text), _WHY)
                        )
                elif i == CODEC_PRIVATE and clean_ass_header(p) != p and b"[Script Info]" in p:
                    findings.append(
                        Finding("Matroska:ASS Script Info", "credits or tool lines", _WHY)
                    )
    elif child.id == TAGS:
        tags = _simple_tags(payload) or [("Tags", f"{len(payload)} bytes")]
        for name, value in tags:
            findings.append(Finding(f"Matroska:Tag {name}", shorten(value), _WHY))
    elif child.id == CHAPTERS:
        if _clean_chapters(CHAPTERS, payload) != element(CHAPTERS, payload):
            texts = re.findall(rb"[\x20-\x7e]{3,}", payload)
            findings.append(Finding("Matroska:ChapterNames", shorten(b"; ".join(texts)), _WHY))
    elif child.id == ATTACHMENTS:
        for i, p in parts:
            if i == ATTACHED_FILE:
                fields = dict(_children(p))
                name = fields.get(FILE_NAME, b"").decode("utf-8", "replace")
                if not _is_font(fields) or FILE_DESCRIPTION in fields:
                    findings.append(
                        Finding(
                            "Matroska:Attachment", shorten(name), "attached files can be anything"
                        )
                    )
    elif child.id not in _KEPT_TOP and child.id not in (SEEKHEAD, VOID):
        findings.append(Finding(f"Matroska:element {child.id:X}", f"{child.size} bytes", _WHY))


def _simple_tags(payload: bytes) -> list[tuple[str, str]]:
    """(name, value) of every SimpleTag in a Tags, Tag or SimpleTag payload."""
    found = []
    for i, p in _children(payload):
        if i == 0x7373:  # Tag
            found += _simple_tags(p)
        elif i == SIMPLE_TAG:
            fields = dict(_children(p))
            name = fields.get(TAG_NAME, b"?").decode("utf-8", "replace")
            found.append((name, fields.get(TAG_STRING, b"").decode("utf-8", "replace")))
            found += _simple_tags(p)
    return found


cleaner = MkvCleaner()
