"""FLAC: metadata blocks other than stream info and seek table removed; frames copied.

Vorbis comments (tags and the encoder's vendor string), pictures, cue sheets,
application blocks and padding go, as do ID3 tags some tools put around the
stream. With `--keep-music-tags` a comment block with title, artist, album and
track number (and an empty vendor string) is written back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import audiotags, vorbiscomment
from sneakernet.clean.formats._output import atomic_output, copy_range, reader

STREAMINFO, PADDING, APPLICATION, SEEKTABLE, VORBIS_COMMENT, CUESHEET, PICTURE = range(7)
_KEPT = (STREAMINFO, SEEKTABLE)
_NAMES = {PADDING: "Padding", APPLICATION: "Application", VORBIS_COMMENT: "VorbisComment",
          CUESHEET: "CueSheet", PICTURE: "Picture"}  # fmt: skip
_TAIL_WINDOW = 4 * 1024 * 1024  # the last frame lies within this many bytes of the end
_WHY = "tags, pictures and vendor strings can name people, sources and software"


@dataclass
class _Flac:
    blocks: list[tuple[int, bytes]]
    tags: list[audiotags.Tag]
    frames_start: int
    frames_end: int  # end of the last whole frame
    size: int


def _read(path: Path) -> _Flac:
    size = os.stat(path).st_size
    with open(path, "rb") as f:
        read_at = reader(f)
        try:
            front = audiotags.leading_tags(read_at, size)
        except ValueError as exc:
            raise CleanError(f"corrupt ID3 tag in front of FLAC: {exc}") from None
        pos = front[-1].end if front else 0
        if read_at(pos, 4) != b"fLaC":
            raise CleanError("not a FLAC file: no fLaC marker")
        pos += 4
        blocks = []
        while True:
            head = read_at(pos, 4)
            if len(head) < 4:
                raise CleanError("truncated FLAC: metadata block header cut short")
            kind, length = head[0] & 0x7F, int.from_bytes(head[1:4], "big")
            body = read_at(pos + 4, length)
            if len(body) != length:
                raise CleanError("truncated FLAC: a metadata block runs past the end")
            blocks.append((kind, body))
            pos += 4 + length
            if head[0] & 0x80:
                break
        if not blocks or blocks[0][0] != STREAMINFO:
            raise CleanError("corrupt FLAC: the first metadata block is not STREAMINFO")
        try:
            back = audiotags.trailing_tags(read_at, pos, size)
        except ValueError as exc:
            raise CleanError(f"corrupt tag after FLAC frames: {exc}") from None
        end = back[-1].start if back else size
        if end <= pos or read_at(pos, 2)[:1] != b"\xff":
            raise CleanError("truncated FLAC: no audio frames after the metadata")
        window = max(pos, end - _TAIL_WINDOW)
        last = frames_end(read_at(window, end - window))
        if last is None:
            raise CleanError("corrupt FLAC: no whole audio frame found at the end")
        end = window + last
    return _Flac(blocks, front + back, pos, end, size)


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


_CRC16_TABLE = []
for _n in range(256):
    _c = _n << 8
    for _ in range(8):
        _c = ((_c << 1) ^ 0x8005) & 0xFFFF if _c & 0x8000 else (_c << 1) & 0xFFFF
    _CRC16_TABLE.append(_c)


def _frame_header_length(data: bytes, pos: int) -> int | None:
    """Length of a frame header at pos whose CRC-8 checks out, else None."""
    if pos + 6 > len(data) or data[pos] != 0xFF or data[pos + 1] not in (0xF8, 0xF9):
        return None
    block_code, rate_code = data[pos + 2] >> 4, data[pos + 2] & 0x0F
    if block_code == 0 or rate_code == 0x0F:
        return None
    # The frame number is UTF-8 coded: its first byte's leading ones give its length.
    ones = 8 - (data[pos + 4] ^ 0xFF).bit_length()
    if ones == 1 or ones > 7:
        return None
    extra = max(ones - 1, 0)
    length = 5 + extra
    length += {6: 1, 7: 2}.get(block_code, 0) + {12: 1, 13: 2, 14: 2}.get(rate_code, 0)
    if pos + length >= len(data) or _crc8(data[pos : pos + length]) != data[pos + length]:
        return None
    return length + 1


def frames_end(tail: bytes) -> int | None:
    """Where the last whole frame in `tail` ends, or None when no frame checks out.

    The last frame is the last header whose CRC-8 holds; it ends where the
    running CRC-16 of its bytes equals the two bytes that follow. The last
    such place is taken, so a chance match inside the audio cannot cut it.
    """
    pos = len(tail)
    while (pos := tail.rfind(b"\xff", 0, pos)) >= 0:
        if _frame_header_length(tail, pos) is None:
            continue
        crc = 0
        last = None
        for at in range(pos, len(tail) - 2):
            crc = ((crc << 8) & 0xFFFF) ^ _CRC16_TABLE[(crc >> 8) ^ tail[at]]
            if crc == (tail[at + 1] << 8 | tail[at + 2]) and at > pos + 4:
                last = at + 3
        if last is not None:
            return last
    return None


class FlacCleaner:
    name = "flac"

    def sniff(self, head: bytes, path: Path) -> bool:
        return audiotags.after_leading_tags(head, path).startswith(b"fLaC")

    def inspect(self, path: Path) -> list[Finding]:
        flac = _read(path)
        findings = audiotags.tag_findings(flac.tags, _WHY)
        tags_start = min(
            (t.start for t in flac.tags if t.start >= flac.frames_end), default=flac.size
        )
        if flac.frames_end < tags_start:
            findings.append(
                Finding("File:TrailingData", f"{tags_start - flac.frames_end} bytes after the last frame",
                        "hidden bytes a player ignores but a hex editor shows")
            )  # fmt: skip
        for kind, body in flac.blocks:
            if kind == VORBIS_COMMENT:
                try:
                    vendor, comments = vorbiscomment.parse(body)
                except vorbiscomment.CommentError as exc:
                    raise CleanError(f"corrupt FLAC comment block: {exc}") from None
                if vendor:
                    findings.append(
                        Finding(
                            "Vorbis:Vendor", shorten(vendor), "names the encoder and its version"
                        )
                    )
                findings += [Finding(f"Vorbis:{k}", shorten(v), _WHY) for k, v in comments]
            elif kind == PICTURE:
                findings.append(
                    Finding("FLAC:Picture", f"{len(body)} bytes", "cover art can show anything")
                )
            elif kind not in _KEPT and kind != PADDING:
                name = _NAMES.get(kind, f"block type {kind}")
                findings.append(Finding(f"FLAC:{name}", f"{len(body)} bytes", _WHY))
        return findings

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        flac = _read(src)
        blocks = [(k, b) for k, b in flac.blocks if k in _KEPT]
        if options.keep_music_tags:
            comments: list[tuple[str, str]] = []
            for kind, body in flac.blocks:
                if kind == VORBIS_COMMENT:
                    comments += vorbiscomment.parse(body)[1]
            kept = vorbiscomment.music_only(comments)
            if kept:
                blocks.append((VORBIS_COMMENT, vorbiscomment.build(kept)))
        with open(src, "rb") as f, atomic_output(dst) as out:
            out.write(b"fLaC")
            for i, (kind, body) in enumerate(blocks):
                last = 0x80 if i == len(blocks) - 1 else 0
                out.write(bytes([kind | last]) + len(body).to_bytes(3, "big") + body)
            copy_range(f, out, flac.frames_start, flac.frames_end)


cleaner = FlacCleaner()
