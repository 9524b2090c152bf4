"""Encoder strings inside AVI streams, neutralised without moving a byte.

AVI indexes point at absolute offsets, so stream data is patched in place:
an H.264 SEI unit carrying x264's settings becomes a filler-data unit of the
same size (decoders discard filler), FFmpeg's name in MPEG-4 Part 2 user
data ("Lavc60.3.100", in every key frame) becomes spaces, and the ancillary bytes of MP3 audio
(where LAME writes its name and version) are zeroed. Decoded pictures and
sound are unchanged.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from sneakernet.clean.base import CleanError, shorten
from sneakernet.clean.formats import h264sei, mp3, mpeg4user
from sneakernet.clean.formats._riff import Chunk, chunks

_H264_TAGS = {b"H264", b"h264", b"X264", b"x264", b"AVC1", b"avc1", b"DAVC", b"VSSH"}
# MPEG-4 Part 2 (ASP) video, by FourCC (compared in upper case).
_MPEG4_TAGS = {b"FMP4", b"XVID", b"DIVX", b"DX50", b"MP4V", b"M4S2", b"MP4S", b"3IV2",
               b"XVIX", b"RMP4", b"ZMP4", b"SIPP", b"DXGM", b"BLZ0", b"UMP4", b"WV1F"}  # fmt: skip
# FourCCs from which FFmpeg's decoder guesses the encoder (Xvid, DivX 4) when no user
# data names one, and then decodes with that encoder's IDCT and bug workarounds.
_GUESSED_TAGS = {b"XVID", b"XVIX", b"RMP4", b"ZMP4", b"SIPP", b"DIVX"}
_MP3_FORMAT = 0x55


@dataclass
class _Stream:
    kind: bytes  # b"vids" or b"auds"
    handler: bytes
    codec: int | bytes | None = None  # biCompression (video) or wFormatTag (audio)
    pieces: list[tuple[int, int]] = field(default_factory=list)  # (file offset, size)


def _read(f: BinaryIO, offset: int, size: int) -> bytes:
    f.seek(offset)
    return f.read(size)


def _streams(f: BinaryIO, riffs: list[Chunk]) -> list[_Stream]:
    streams: list[_Stream] = []
    for riff in riffs:
        for chunk in chunks(f, riff.data + 4, riff.data + riff.size, "AVI"):
            if chunk.id != b"LIST":
                continue
            form = _read(f, chunk.data, 4)
            inner = chunks(f, chunk.data + 4, chunk.data + chunk.size, "AVI")
            if form == b"hdrl":
                for strl in inner:
                    if strl.id == b"LIST" and _read(f, strl.data, 4) == b"strl":
                        streams.append(_stream_header(f, strl))
            elif form == b"movi":
                _collect(f, inner, streams)
    return streams


def _stream_header(f: BinaryIO, strl: Chunk) -> _Stream:
    stream = _Stream(b"", b"")
    for part in chunks(f, strl.data + 4, strl.data + strl.size, "AVI"):
        if part.id == b"strh" and part.size >= 8:
            head = _read(f, part.data, 8)
            stream.kind, stream.handler = head[:4], head[4:8]
        elif part.id == b"strf":
            body = _read(f, part.data, min(part.size, 20))
            if stream.kind == b"vids" and len(body) >= 20:
                stream.codec = body[16:20]
            elif stream.kind == b"auds" and len(body) >= 2:
                stream.codec = struct.unpack_from("<H", body)[0]
    return stream


def _collect(f: BinaryIO, inner: list[Chunk], streams: list[_Stream]) -> None:
    for chunk in inner:
        if chunk.id == b"LIST":
            if _read(f, chunk.data, 4) == b"rec ":
                _collect(f, chunks(f, chunk.data + 4, chunk.data + chunk.size, "AVI"), streams)
            continue
        number = chunk.id[:2]
        if number.isdigit() and int(number) < len(streams) and chunk.size:
            streams[int(number)].pieces.append((chunk.data, chunk.size))


def _is_h264(stream: _Stream) -> bool:
    return stream.kind == b"vids" and (stream.handler in _H264_TAGS or stream.codec in _H264_TAGS)


def _is_mpeg4(stream: _Stream) -> bool:
    tags = {t.upper() for t in (stream.handler, stream.codec) if isinstance(t, bytes)}
    return stream.kind == b"vids" and bool(tags & _MPEG4_TAGS)


def _guessed_tag(stream: _Stream) -> bytes | None:
    for tag in (stream.codec, stream.handler):
        if isinstance(tag, bytes) and tag.upper() in _GUESSED_TAGS:
            return tag
    return None


def _is_mp3(stream: _Stream) -> bool:
    return stream.kind == b"auds" and stream.codec == _MP3_FORMAT


def stream_patches(
    f: BinaryIO, riffs: list[Chunk], refuse: bool = False
) -> tuple[list[tuple[int, bytes]], list[tuple[str, bytes]]]:
    """(file offset, replacement bytes) patches, and the texts they remove.

    With `refuse`, raises CleanError for an encoder string that cannot be
    removed without changing the decoded pictures.
    """
    patches: list[tuple[int, bytes]] = []
    texts: list[tuple[str, bytes]] = []
    for stream in _streams(f, riffs):
        if _is_h264(stream):
            for offset, size in stream.pieces:
                data = _read(f, offset, size)
                if b"\x00\x00\x01\x06" not in data and b"\x00\x00\x01\x26" not in data:
                    continue
                for start, end, cleaned in h264sei.annexb_user_data(data):
                    replacement = h264sei.same_size_replacement(end - start, cleaned)
                    if replacement is not None:
                        patches.append((offset + start, replacement))
                        texts += [
                            ("H264", t) for t in h264sei.user_data_strings(data[start:end], False)
                        ]
        elif _is_mpeg4(stream):
            found: list[bytes] = []
            for offset, size in stream.pieces:
                data = _read(f, offset, size)
                if b"\x00\x00\x01\xb2" not in data:
                    continue
                for start, end in mpeg4user.runs(data):
                    patches.append((offset + start, b" " * (end - start)))
                    found.append(data[start:end])
            texts += [("MPEG4", t) for t in found]
            tag = _guessed_tag(stream)
            if found and tag is not None and refuse:
                raise CleanError(
                    f"AVI: the MPEG-4 video is tagged {tag.decode('latin-1')} but FFmpeg wrote it"
                    f" ({shorten(found[0], 40)}); without that name decoders would take it for"
                    " Xvid/DivX and decode slightly different pictures, so it is not blanked."
                    " Convert it with `sneakernet make`, or re-tag it first"
                    " (ffmpeg -i IN -c copy -vtag FMP4 OUT.avi)"
                )
        elif _is_mp3(stream):
            pieces = [_read(f, o, s) for o, s in stream.pieces]
            ranges, hidden = mp3.ancillary_by_piece(pieces)
            if hidden:
                texts.append(("MPEG", hidden))
            for index, piece_ranges in ranges.items():
                offset = stream.pieces[index][0]
                patches += [(offset + start, bytes(length)) for start, length in piece_ranges]
    return patches, texts
