"""FLV (Flash video): the `onMetaData` fields players need, and every audio/video tag.

An FLV file is a header, then tags (audio, video, script data), each with its
timestamp. The `onMetaData` script tag tells players the duration, picture
size, frame rate, codecs and where the key frames are; writers add their own
fields to it (`encoder`: "Lavf60.3.100", `metadatacreator`, `creationdate`,
title, artist, comments). Only the fields players use are kept; every other
script tag (`onXMPData`: XMP, `onCuePoint`, `onTextData`) goes, as do bytes
after the last tag. Inside the streams, x264's settings (user-data SEI) are
cut from H.264 packets, the encoder's fill element from the first AAC frame
(the shared AAC rule) and LAME's name from MP3 ancillary bytes. Tags change
size, so the key-frame index (`keyframes.filepositions`) and `filesize` are
rewritten to the new positions. Timestamps and every other byte of the
streams are kept.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import aacfill, h264sei, mp3
from sneakernet.clean.formats._output import atomic_output

# onMetaData fields players read: timing, size, codecs, the seek index.
PLAYER_FIELDS = {
    "duration", "width", "height", "framerate", "videocodecid", "audiocodecid",
    "videodatarate", "audiodatarate", "audiosamplerate", "audiosamplesize", "stereo",
    "filesize", "datasize", "videosize", "audiosize", "hasVideo", "hasAudio", "hasKeyframes",
    "hasMetadata", "hasCuePoints", "canSeekToEnd", "keyframes", "lasttimestamp",
    "lastkeyframetimestamp", "lastkeyframelocation", "audiodelay", "canseekontime",
    "AspectRatioX", "AspectRatioY", "totalframes", "totalduration",
}  # fmt: skip
_AUDIO, _VIDEO, _SCRIPT = 8, 9, 18
_WHY = "the writer's name and version, and tags that name people and dates"
_WHY_STREAM = "names the encoder, its version and settings"


@dataclass
class _Tag:
    type: int
    offset: int  # of the 11-byte header
    data: bytes
    timestamp: bytes  # the 4 timestamp bytes as written (24 bits + extension)
    stream: bytes  # stream id (3 bytes)


class _Amf:
    """Minimal AMF0 reader/writer for script data."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise CleanError("corrupt FLV: script data cut short")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def string(self) -> str:
        (n,) = struct.unpack(">H", self.take(2))
        return self.take(n).decode("utf-8", "replace")

    def value(self, depth: int = 0):
        if depth > 16:
            raise CleanError("corrupt FLV: script data nested too deep")
        kind = self.take(1)[0]
        if kind == 0:
            return struct.unpack(">d", self.take(8))[0]
        if kind == 1:
            return bool(self.take(1)[0])
        if kind == 2:
            return self.string()
        if kind in (3, 8):
            if kind == 8:
                self.take(4)
            found = {}
            while True:
                key = self.string()
                if not key and self.data[self.pos : self.pos + 1] == b"\x09":
                    self.pos += 1
                    return found
                found[key] = self.value(depth + 1)
        if kind in (5, 6):
            return None
        if kind == 10:
            (n,) = struct.unpack(">I", self.take(4))
            if n > len(self.data):
                raise CleanError("corrupt FLV: script array claims too many entries")
            return [self.value(depth + 1) for _ in range(n)]
        if kind == 11:
            self.take(10)
            return "(date)"
        if kind == 12:
            (n,) = struct.unpack(">I", self.take(4))
            return self.take(n).decode("utf-8", "replace")
        raise CleanError(f"corrupt FLV: unknown script data type {kind}")


def _write_value(value) -> bytes:
    if isinstance(value, bool):
        return b"\x01" + bytes([value])
    if isinstance(value, (int, float)):
        return b"\x00" + struct.pack(">d", float(value))
    if isinstance(value, str):
        raw = value.encode()
        return b"\x02" + struct.pack(">H", len(raw)) + raw
    if isinstance(value, dict):
        return b"\x03" + _write_pairs(value)
    if isinstance(value, list):
        return b"\x0a" + struct.pack(">I", len(value)) + b"".join(_write_value(v) for v in value)
    return b"\x05"


def _write_pairs(pairs: dict) -> bytes:
    out = b""
    for key, value in pairs.items():
        raw = key.encode()
        out += struct.pack(">H", len(raw)) + raw + _write_value(value)
    return out + b"\x00\x00\x09"


def _script(data: bytes) -> tuple[str, object]:
    amf = _Amf(data)
    kind = amf.take(1)[0]
    if kind != 2:
        raise CleanError("corrupt FLV: a script tag without a name")
    name = amf.string()
    return name, (amf.value() if amf.pos < len(data) else None)


def _layout(path: Path) -> tuple[bytes, list[_Tag], int]:
    data = path.read_bytes()
    if len(data) < 13 or data[:3] != b"FLV":
        raise CleanError("not an FLV file")
    (offset,) = struct.unpack_from(">I", data, 5)
    if offset < 9 or offset + 4 > len(data):
        raise CleanError("corrupt FLV: bad header size")
    tags = []
    pos = offset + 4
    while pos + 11 <= len(data):
        kind = data[pos] & 0x1F
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        if kind not in (_AUDIO, _VIDEO, _SCRIPT) or data[pos] & 0x20:
            if not tags:
                raise CleanError("corrupt FLV: the first tag is not audio, video or script data")
            break  # not a tag: data after the last tag (cut as trailing data)
        if pos + 11 + size + 4 > len(data):
            if pos + 11 + size <= len(data):  # the last tag without its size field
                tags.append(
                    _Tag(
                        kind,
                        pos,
                        data[pos + 11 : pos + 11 + size],
                        data[pos + 4 : pos + 8],
                        data[pos + 8 : pos + 11],
                    )
                )
                pos = len(data)
                break
            raise CleanError(f"truncated FLV: the tag at byte {pos} runs past the end")
        tags.append(
            _Tag(
                kind,
                pos,
                data[pos + 11 : pos + 11 + size],
                data[pos + 4 : pos + 8],
                data[pos + 8 : pos + 11],
            )
        )
        pos += 11 + size + 4
    if not tags:
        raise CleanError("truncated FLV: no tags")
    return data[:offset], tags, pos


def _avc_length_size(tags: list[_Tag]) -> int | None:
    for tag in tags:
        if (
            tag.type == _VIDEO
            and len(tag.data) > 10
            and tag.data[0] & 0x0F == 7
            and tag.data[1] == 0
        ):
            return (tag.data[5 + 4] & 3) + 1
    return None


def _is_aac_frame(tag: _Tag) -> bool:
    return tag.type == _AUDIO and len(tag.data) > 2 and tag.data[0] >> 4 == 10 and tag.data[1] == 1


def _is_mp3(tag: _Tag) -> bool:
    return tag.type == _AUDIO and len(tag.data) > 1 and tag.data[0] >> 4 in (2, 14)


def _is_avc_nalus(tag: _Tag) -> bool:
    return tag.type == _VIDEO and len(tag.data) > 5 and tag.data[0] & 0x0F == 7 and tag.data[1] == 1


class _Cleaned:
    """What cleaning does to each tag, and what inspection reports."""

    def __init__(self, tags: list[_Tag]) -> None:
        self.findings: list[Finding] = []
        self.payloads: list[bytes | None] = []  # None: the tag goes
        self.metadata: dict | None = None  # the onMetaData fields kept
        length_size = _avc_length_size(tags)
        mp3_tags = [i for i, t in enumerate(tags) if _is_mp3(t)]
        mp3_ranges, mp3_text = mp3.ancillary_by_piece([tags[i].data[1:] for i in mp3_tags])
        mp3_at = {tag_index: mp3_ranges.get(n, []) for n, tag_index in enumerate(mp3_tags)}
        if mp3_text:
            self.findings.append(mp3.ancillary_finding(mp3_text))
        sei_texts: list[bytes] = []
        aac_texts: list[bytes] = []
        for i, tag in enumerate(tags):
            data = tag.data
            if tag.type == _SCRIPT:
                self.payloads.append(self._script(data))
                continue
            if _is_avc_nalus(tag) and length_size:
                sei_texts += h264sei.sample_user_data(data[5:], length_size, False)
                stripped = h264sei.strip_sample(data[5:], length_size, False)
                if stripped is not None:
                    data = data[:5] + stripped
            elif _is_aac_frame(tag):
                text = aacfill.fill_text(data[2:])
                if text:
                    aac_texts.append(text)
                stripped = aacfill.strip_fill(data[2:])
                if stripped is not None:
                    data = data[:2] + stripped
            elif mp3_at.get(i):
                blob = bytearray(data)
                for start, length in mp3_at[i]:
                    blob[1 + start : 1 + start + length] = bytes(length)
                data = bytes(blob)
            self.payloads.append(data)
        if sei_texts:
            self.findings.append(Finding("H264:encoder string", shorten(sei_texts[0]), _WHY_STREAM))
        if aac_texts:
            self.findings.append(Finding("AAC:encoder string", shorten(aac_texts[0]), _WHY_STREAM))

    def _script(self, data: bytes) -> bytes | None:
        name, value = _script(data)
        if name != "onMetaData" or not isinstance(value, dict):
            self.findings.append(Finding(f"FLV:{name}", shorten(str(value)), _WHY))
            return None
        kept = {}
        for key, item in value.items():
            if key in PLAYER_FIELDS and not isinstance(item, str):
                kept[key] = item
            else:
                self.findings.append(Finding(f"FLV:onMetaData {key}", shorten(str(item)), _WHY))
        self.metadata = kept
        return b""  # written last, once the new positions are known


def _metadata_bytes(kept: dict) -> bytes:
    head = b"\x02" + struct.pack(">H", 10) + b"onMetaData"
    return head + b"\x08" + struct.pack(">I", len(kept)) + _write_pairs(kept)


def _tag_bytes(tag: _Tag, payload: bytes) -> bytes:
    head = bytes([tag.type]) + len(payload).to_bytes(3, "big") + tag.timestamp + tag.stream
    return head + payload + struct.pack(">I", 11 + len(payload))


def _remap(kept: dict, moved: dict[int, int], total: int) -> dict:
    out = dict(kept)
    if "filesize" in out:
        out["filesize"] = float(total)
    frames = out.get("keyframes")
    if isinstance(frames, dict) and isinstance(frames.get("filepositions"), list):
        frames = dict(frames)
        frames["filepositions"] = [_new_position(p, moved) for p in frames["filepositions"]]
        out["keyframes"] = frames
    if isinstance(out.get("lastkeyframelocation"), float):
        out["lastkeyframelocation"] = float(_new_position(out["lastkeyframelocation"], moved))
    return out


def _new_position(position, moved: dict[int, int]):
    if not isinstance(position, (int, float)):
        return position
    old = int(position)
    if old in moved:
        return float(moved[old])
    # A position inside the previous tag's size field or slightly off: nearest tag before it.
    before = [k for k in moved if k <= old]
    return float(moved[max(before)] + (old - max(before))) if before else float(old)


class FlvCleaner:
    name = "flv"

    def sniff(self, head: bytes, path: Path) -> bool:
        return len(head) >= 9 and head[:3] == b"FLV" and head[3] == 1

    def data_end(self, path: Path) -> int:
        return _layout(path)[2]

    def inspect(self, path: Path) -> list[Finding]:
        _, tags, _ = _layout(path)
        return _Cleaned(tags).findings

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        header, tags, _ = _layout(src)
        cleaned = _Cleaned(tags)
        metadata = cleaned.metadata
        first_meta = next(
            (i for i, t in enumerate(tags) if t.type == _SCRIPT and cleaned.payloads[i] == b""),
            None,
        )
        # Positions first with a metadata tag of the final size (its numbers are fixed-size).
        meta_payload = _metadata_bytes(metadata) if metadata is not None else b""
        moved: dict[int, int] = {}
        pos = len(header) + 4
        for i, tag in enumerate(tags):
            payload = cleaned.payloads[i]
            if i == first_meta:
                payload = meta_payload
            if payload is None or (payload == b"" and i != first_meta):
                continue
            moved[tag.offset] = pos
            pos += 11 + len(payload) + 4
        total = pos
        if metadata is not None:
            meta_payload = _metadata_bytes(_remap(metadata, moved, total))
        with atomic_output(dst) as out:
            out.write(header + b"\x00\x00\x00\x00")
            for i, tag in enumerate(tags):
                payload = cleaned.payloads[i]
                if i == first_meta:
                    payload = meta_payload
                if payload is None or (payload == b"" and i != first_meta):
                    continue
                out.write(_tag_bytes(tag, payload))


cleaner = FlvCleaner()
