"""MP3 (MPEG audio): tags cut off, encoder version blanked, frames copied as they are.

ID3v2 tags (front or appended), ID3v1 and its enhanced block, APEv2 and
Lyrics3 are removed; bytes after the last whole frame go too. The first frame
of many files is a silent Xing/Info frame whose LAME extension names the
encoder and its version ("LAME3.100", "Lavc60.3"): that name becomes the bare
"LAME" marker, which readers need to find the gapless-playback delays stored
next to it, and the extension's checksum is recomputed. Audio frames are
untouched. `--keep-music-tags` writes back one small ID3v2.3 tag with title,
artist, album and track number only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import _framed, audiotags
from sneakernet.clean.formats._output import atomic_output

_BITRATES = {
    (3, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (3, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (3, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (2, 1): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
NEUTRAL_ENCODER = b"LAME" + bytes(5)
_WHY_TAG = "tags can name people, sources, dates and software"


@dataclass(frozen=True)
class FrameHeader:
    length: int
    mpeg1: bool
    mono: bool
    crc: bool


def frame_header(head: bytes) -> FrameHeader | None:
    """The MPEG audio frame starting at head[0], or None if it is not one."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    version = (head[1] >> 3) & 3
    layer = (head[1] >> 1) & 3
    bitrate_index = head[2] >> 4
    rate_index = (head[2] >> 2) & 3
    if version == 1 or layer == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    bitrate = _BITRATES[(3 if version == 3 else 2, layer)][bitrate_index] * 1000
    rate = _RATES[version][rate_index]
    padding = (head[2] >> 1) & 1
    if layer == 3:  # Layer I
        length = (12 * bitrate // rate + padding) * 4
    elif layer == 1 and version != 3:  # Layer III, MPEG-2/2.5
        length = 72 * bitrate // rate + padding
    else:
        length = 144 * bitrate // rate + padding
    return FrameHeader(length, version == 3, head[3] >> 6 == 3, not head[1] & 1)


def crc16(data: bytes) -> int:
    """CRC-16 (polynomial 0x8005, reflected) as used by the LAME tag."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def lame_encoder_offset(frame: bytes, header: FrameHeader) -> int | None:
    """Offset of the 9-byte encoder name in a Xing/Info frame's LAME extension."""
    side = (17 if header.mono else 32) if header.mpeg1 else (9 if header.mono else 17)
    pos = 4 + side + (2 if header.crc else 0)
    if frame[pos : pos + 4] not in (b"Xing", b"Info"):
        return None
    flags = int.from_bytes(frame[pos + 4 : pos + 8], "big")
    pos += (
        8 + 4 * bool(flags & 1) + 4 * bool(flags & 2) + 100 * bool(flags & 4) + 4 * bool(flags & 8)
    )
    if pos + 36 > len(frame):
        return None
    return pos


MP3 = _framed.FrameFormat(frame_header, 4)


def _layout(path: Path) -> _framed.Layout:
    return _framed.layout(
        MP3, path, "MP3",
        "not an MP3: no MPEG audio frame where the audio should start",
        "truncated MP3: not one whole audio frame",
    )  # fmt: skip


def _first_frame(audio: bytes | bytearray) -> bytes:
    """The first frame of the audio (a Xing/Info frame in many files)."""
    header = frame_header(bytes(audio[:4]))
    assert header is not None  # the layout starts the audio at a frame
    return bytes(audio[: header.length])


class Mp3Cleaner:
    name = "mp3"

    def sniff(self, head: bytes, path: Path) -> bool:
        """An MPEG audio frame followed by another one (or by a tag, or the end).

        Layer I is not accepted without an ID3 tag: its sync pattern is the
        UTF-16 byte order mark (FF FE), which starts many text files.
        """
        tagged = head.startswith(b"ID3")
        head = audiotags.after_leading_tags(head, path)
        if not head:
            return tagged  # an ID3 tag cut short: almost surely an MP3, let clean say so
        if tagged and frame_header(head[:4]) is None:
            return _framed.first_frame(MP3, head) is not None  # junk between tag and audio
        header = frame_header(head[:4])
        if header is None or (not tagged and (head[1] >> 1) & 3 == 3):
            return False
        following = head[header.length : header.length + 8]
        if len(following) >= 4:
            return frame_header(following) is not None or following.startswith(
                (b"TAG", b"APETAGEX", b"ID3")
            )
        return len(head) == header.length  # exactly one frame, and the file ends there

    def inspect(self, path: Path) -> list[Finding]:
        layout = _layout(path)
        findings = audiotags.tag_findings(layout.tags, _WHY_TAG)
        with open(path, "rb") as f:
            audio = bytes(_audio(f, layout))
        first = _first_frame(audio)
        header = frame_header(first)
        at = lame_encoder_offset(first, header) if header else None
        if at is not None and first[at : at + 9] != NEUTRAL_ENCODER:
            findings.append(
                Finding("MPEG:Encoder", shorten(first[at : at + 9]), "names the encoder and its version")
            )  # fmt: skip
        hidden = ancillary_text(audio)
        if hidden:
            findings.append(ancillary_finding(hidden))
        return findings + _framed.hidden_bytes(layout)

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        layout = _layout(src)
        with open(src, "rb") as f, atomic_output(dst) as out:
            if options.keep_music_tags:
                out.write(audiotags.build_id3v23(audiotags.music_fields(layout.tags)))
            audio = _audio(f, layout)
            first = _neutral_first_frame(_first_frame(audio))
            audio[: len(first)] = first
            blank_ancillary(audio)
            out.write(audio)


def _audio(f, layout: _framed.Layout) -> bytearray:
    f.seek(layout.audio_start)
    audio = bytearray(f.read(layout.audio_end - layout.audio_start))
    if len(audio) != layout.audio_end - layout.audio_start:
        raise CleanError("the MP3 shrank while being read")
    return audio


def _neutral_first_frame(frame: bytes) -> bytes:
    header = frame_header(frame)
    at = lame_encoder_offset(frame, header) if header else None
    if at is None or frame[at : at + 9] == NEUTRAL_ENCODER:
        return frame
    data = bytearray(frame)
    stored = int.from_bytes(frame[at + 34 : at + 36], "big")
    # The checksum covers the frame up to itself (LAME); some writers cover a
    # fixed 190 bytes. Keep whichever held; leave one that held for neither.
    span = next((n for n in (at + 34, 190) if crc16(frame[:n]) == stored), None)
    data[at : at + 9] = NEUTRAL_ENCODER
    if span is not None:
        data[at + 34 : at + 36] = crc16(bytes(data[:span])).to_bytes(2, "big")
    return bytes(data)


cleaner = Mp3Cleaner()


def _side_info(frame: bytes, header: FrameHeader) -> tuple[int, int, int]:
    """(side info end, main_data_begin, main data length in bytes) of a Layer III frame."""
    start = 4 + (2 if header.crc else 0)
    channels = 1 if header.mono else 2
    if header.mpeg1:
        side, begin_bits, private = (17 if header.mono else 32), 9, (5 if header.mono else 3)
        skip, blocks, block_bits = begin_bits + private + 4 * channels, 2 * channels, 59
    else:
        side, begin_bits, private = (9 if header.mono else 17), 8, (1 if header.mono else 2)
        skip, blocks, block_bits = begin_bits + private, channels, 63
    bits = int.from_bytes(frame[start : start + side], "big")
    total = side * 8
    main_data_begin = bits >> (total - begin_bits)
    used_bits = 0
    for block in range(blocks):
        shift = total - skip - block * block_bits - 12
        used_bits += (bits >> shift) & 0xFFF
    return start + side, main_data_begin, (used_bits + 7) // 8


def _is_layer3(head: bytes) -> bool:
    return (head[1] >> 1) & 3 == 1


def ancillary_ranges(stream: bytes | bytearray) -> list[tuple[int, int]]:
    """Byte ranges in a run of MP3 frames that no frame's audio uses.

    Layer III frames keep their audio in a shared reservoir: each frame's main
    data starts `main_data_begin` bytes before its own data and runs for the
    bits its granules declare. Whatever lies outside all of those is ancillary
    data, where LAME writes its name and version over and over. Zeroing it
    changes no decoded sample. A Xing/Info frame is left alone.
    """
    regions: list[tuple[int, int]] = []  # (file start, length) of each frame's data part
    used: list[tuple[int, int]] = []  # (virtual start, virtual end) of main data
    virtual = 0
    pos = 0
    first = True
    while pos + 4 <= len(stream):
        header = frame_header(bytes(stream[pos : pos + 4]))
        if header is None or pos + header.length > len(stream):
            break
        frame = bytes(stream[pos : pos + header.length])
        if not _is_layer3(frame):
            return []
        if first and lame_encoder_offset(frame, header) is not None:
            pos += header.length
            first = False
            continue
        first = False
        data_start, begin, length = _side_info(frame, header)
        size = header.length - data_start
        if size < 0:
            break
        used.append((virtual - begin, virtual - begin + length))
        regions.append((pos + data_start, size))
        virtual += size
        pos += header.length
    # Walk the virtual reservoir, marking every byte outside the used ranges.
    free: list[tuple[int, int]] = []
    used.sort()
    merged: list[list[int]] = []
    for start, end in used:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    virtual = 0
    index = 0
    for file_start, size in regions:
        cursor = virtual
        while cursor < virtual + size:
            while index < len(merged) and merged[index][1] <= cursor:
                index += 1
            if index < len(merged) and merged[index][0] <= cursor:
                cursor = min(merged[index][1], virtual + size)
                continue
            next_used = merged[index][0] if index < len(merged) else virtual + size
            stop = min(next_used, virtual + size)
            free.append((file_start + cursor - virtual, stop - cursor))
            cursor = stop
        virtual += size
    return free


def blank_ancillary(stream: bytearray) -> int:
    """Zero the ancillary bytes of a run of frames in place; how many were not zero."""
    changed = 0
    for start, length in ancillary_ranges(stream):
        if any(stream[start : start + length]):
            changed += 1
            stream[start : start + length] = bytes(length)
    return changed


def ancillary_text(stream: bytes) -> bytes | None:
    """Readable text hidden in ancillary bytes (for inspection)."""
    pieces = b"".join(stream[s : s + n] for s, n in ancillary_ranges(stream))
    found = re.findall(rb"[\x20-\x7e]{6,}", pieces)
    return found[0] if found else None


def ancillary_by_piece(
    pieces: list[bytes],
) -> tuple[dict[int, list[tuple[int, int]]], bytes | None]:
    """Ancillary ranges of an MP3 stream split into pieces (samples, blocks, chunks).

    Returns {piece index: [(offset in piece, length)]} for ranges that hold
    something other than zeros, and the readable text found there.
    """
    stream = b"".join(pieces)
    starts = [0]
    for piece in pieces:
        starts.append(starts[-1] + len(piece))
    found: dict[int, list[tuple[int, int]]] = {}
    index = 0
    for start, length in ancillary_ranges(stream):
        if not any(stream[start : start + length]):
            continue
        end = start + length
        while start < end:
            while starts[index + 1] <= start:
                index += 1
            stop = min(end, starts[index + 1])
            found.setdefault(index, []).append((start - starts[index], stop - start))
            start = stop
    return found, ancillary_text(stream)


def ancillary_finding(text: bytes) -> Finding:
    return Finding("MPEG:AncillaryData", shorten(text), "encoders hide their name and version here")
