"""ADTS AAC (`.aac`): tags cut off, encoder names cut out of fill elements.

An ADTS stream is a run of frames, each with a 7-byte header (9 with a CRC).
Writers put ID3v2 tags in front and APEv2/ID3v1 tags behind, and encoders
open the first frame with a fill element spelling their name and version
("Lavc60.3.100"). Tags and bytes outside the frames go; the fill element is
removed by the one AAC fill rule (`aacfill`), which the MP4 and Matroska
cleaners use too, and the frame's length field is rewritten. Every other
frame is copied bit for bit. `--keep-music-tags` writes back one small
ID3v2.3 tag with title, artist, album and track number only.

A text-bearing fill in a frame with a CRC, or in a frame holding several raw
data blocks, cannot be cut without recomputing what the decoder checks or
re-aligning the blocks, so such a file is refused with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import _framed, aacfill, audiotags
from sneakernet.clean.formats._output import atomic_output, reader

_WHY_TAG = "tags can name people, sources, dates and software"
_WHY_FILL = "names the encoder and its version"


@dataclass(frozen=True)
class AdtsHeader:
    length: int  # whole frame, header included
    header: int  # 7, or 9 with a CRC
    blocks: int  # raw data blocks in the frame

    @property
    def crc(self) -> bool:
        return self.header == 9


def adts_header(head: bytes) -> AdtsHeader | None:
    """The ADTS frame header at head[0], or None if it is not one."""
    if len(head) < 7 or head[0] != 0xFF or head[1] & 0xF6 != 0xF0:
        return None
    if (head[2] >> 2) & 0x0F > 12:  # sampling frequency index 13-15: reserved
        return None
    header = 7 if head[1] & 1 else 9
    length = ((head[3] & 0x03) << 11) | (head[4] << 3) | (head[5] >> 5)
    if length < header + 1:
        return None
    return AdtsHeader(length, header, (head[6] & 0x03) + 1)


def with_length(frame: bytes, length: int) -> bytes:
    """The frame's header rewritten to declare `length` bytes."""
    head = bytearray(frame[:7])
    head[3] = (head[3] & 0xFC) | (length >> 11)
    head[4] = (length >> 3) & 0xFF
    head[5] = (head[5] & 0x1F) | ((length & 0x07) << 5)
    return bytes(head) + frame[7:]


ADTS = _framed.FrameFormat(adts_header, 7)


def _layout(path: Path) -> _framed.Layout:
    return _framed.layout(
        ADTS, path, "AAC",
        "not an ADTS AAC file: no AAC frame where the audio should start",
        "truncated ADTS AAC file: not one whole frame",
    )  # fmt: skip


def _each_frame(f, layout: _framed.Layout):
    """(header, frame bytes) of every frame, in order."""
    read_at = reader(f)
    for at, header in _framed.frames(ADTS, read_at, layout.audio_start, layout.audio_end):
        yield header, read_at(at, header.length)


def _clean_frame(header: AdtsHeader, frame: bytes) -> bytes:
    payload = frame[header.header :]
    stripped = aacfill.strip_fill(payload)
    if stripped is None:
        return frame
    if header.crc or header.blocks > 1:
        raise CleanError(
            "an encoder name sits in an AAC frame with a CRC or several raw blocks; "
            "it cannot be cut losslessly (convert the file with `prepare` instead)"
        )
    return with_length(frame[: header.header] + stripped, header.header + len(stripped))


class AdtsCleaner:
    name = "aac"

    def sniff(self, head: bytes, path: Path) -> bool:
        """An ADTS frame right after any ID3v2 tags, followed by another frame or the end.

        After an ID3 tag, junk may sit before the first frame (as some tools leave).
        """
        tagged = head.startswith(b"ID3")
        head = audiotags.after_leading_tags(head, path)
        header = adts_header(head[:7])
        if header is None:
            return tagged and _framed.first_frame(ADTS, head) is not None
        following = head[header.length : header.length + 7]
        if len(following) >= 7:
            return adts_header(following) is not None or following.startswith(
                (b"TAG", b"APETAGEX", b"ID3", b"LYRICS")
            )
        return len(head) <= header.length + 7

    def inspect(self, path: Path) -> list[Finding]:
        layout = _layout(path)
        findings = audiotags.tag_findings(layout.tags, _WHY_TAG)
        texts: list[bytes] = []
        with open(path, "rb") as f:
            for header, frame in _each_frame(f, layout):
                text = aacfill.fill_text(frame[header.header :])
                if text:
                    texts.append(text)
        if texts:
            more = f" (in {len(texts)} frames)" if len(texts) > 1 else ""
            findings.append(Finding("AAC:encoder string", shorten(texts[0]) + more, _WHY_FILL))
        return findings + _framed.hidden_bytes(layout)

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        layout = _layout(src)
        with open(src, "rb") as f, atomic_output(dst) as out:
            if options.keep_music_tags:
                out.write(audiotags.build_id3v23(audiotags.music_fields(layout.tags)))
            for header, frame in _each_frame(f, layout):
                out.write(_clean_frame(header, frame))


cleaner = AdtsCleaner()
