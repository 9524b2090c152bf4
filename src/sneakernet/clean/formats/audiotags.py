"""Tag blocks found around audio streams: ID3v2, ID3v1, APEv2, Lyrics3.

Used by the MP3 cleaner (and the FLAC one, which may carry a stray ID3v2 tag
in front). Reading is tolerant (tags are only reported and cut), writing
produces the one small tag `--keep-music-tags` asks for.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from sneakernet.clean.base import Finding, shorten

# The four fields a music player needs to show what plays.
MUSIC_FIELDS = ("title", "artist", "album", "track")
ID3_FRAMES = {"TIT2": "title", "TPE1": "artist", "TALB": "album", "TRCK": "track",
              "TT2": "title", "TP1": "artist", "TAL": "album", "TRK": "track"}  # fmt: skip
APE_KEYS = {"title": "title", "artist": "artist", "album": "album", "track": "track"}


@dataclass
class Tag:
    kind: str  # "ID3v2", "ID3v1", "APEv2", "Lyrics3"
    start: int
    end: int
    items: list[tuple[str, str]]  # (field, printable value)


def syncsafe(data: bytes) -> int:
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


def id3v2_size(head: bytes) -> int | None:
    """Total size of an ID3v2 tag starting at head[0], or None if there is none."""
    if len(head) < 10 or head[:3] != b"ID3" or head[3] > 4 or any(b & 0x80 for b in head[6:10]):
        return None
    footer = 10 if head[5] & 0x10 else 0
    return 10 + syncsafe(head[6:10]) + footer


def _decode_text(encoding: int, raw: bytes) -> str:
    codec = {0: "latin-1", 1: "utf-16", 2: "utf-16-be", 3: "utf-8"}.get(encoding, "latin-1")
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return " / ".join(part for part in text.split("\x00") if part)


def id3v2_items(tag: bytes) -> list[tuple[str, str]]:
    """(frame id, value) of every frame in an ID3v2 tag; pictures and blobs by size."""
    version = tag[3]
    flags = tag[5]
    body = tag[10 : 10 + syncsafe(tag[6:10])]
    if flags & 0x80 and version < 4:
        body = body.replace(b"\xff\x00", b"\xff")  # whole-tag unsynchronisation
    pos = 0
    if flags & 0x40 and len(body) >= 4:  # extended header
        ext = syncsafe(body[:4]) if version == 4 else struct.unpack(">I", body[:4])[0] + 4
        pos = ext
    items = []
    id_len, header_len = (3, 6) if version == 2 else (4, 10)
    while pos + header_len <= len(body) and body[pos] not in (0,):
        frame_id = body[pos : pos + id_len].decode("latin-1")
        if version == 2:
            size = int.from_bytes(body[pos + 3 : pos + 6], "big")
        elif version == 4:
            size = syncsafe(body[pos + 4 : pos + 8])
        else:
            size = struct.unpack(">I", body[pos + 4 : pos + 8])[0]
        data = body[pos + header_len : pos + header_len + size]
        pos += header_len + size
        if frame_id.startswith("T") and data:
            items.append((frame_id, _decode_text(data[0], data[1:])))
        elif frame_id in ("COMM", "COM", "USLT", "ULT") and len(data) > 4:
            items.append((frame_id, _decode_text(data[0], data[4:])))
        elif frame_id.startswith("W") and frame_id != "WXXX":
            items.append((frame_id, data.decode("latin-1", "replace")))
        else:
            items.append((frame_id, f"{len(data)} bytes"))
    return items


def id3v1_items(tag: bytes) -> list[tuple[str, str]]:
    fields = [("title", tag[3:33]), ("artist", tag[33:63]), ("album", tag[63:93]),
              ("year", tag[93:97]), ("comment", tag[97:127])]  # fmt: skip
    items = []
    for name, raw in fields:
        text = raw.split(b"\x00")[0].decode("latin-1").strip()
        if text:
            items.append((name, text))
    if tag[125] == 0 and tag[126]:
        items.append(("track", str(tag[126])))
    return items


def ape_items(body: bytes, count: int) -> list[tuple[str, str]]:
    items = []
    pos = 0
    for _ in range(count):
        if pos + 8 > len(body):
            break
        size, flags = struct.unpack_from("<II", body, pos)
        key_end = body.find(b"\x00", pos + 8)
        if key_end < 0:
            break
        key = body[pos + 8 : key_end].decode("ascii", "replace")
        value = body[key_end + 1 : key_end + 1 + size]
        pos = key_end + 1 + size
        text = value.decode("utf-8", "replace") if not flags & 0x06 else f"{len(value)} bytes"
        items.append((key, text))
    return items


def after_leading_tags(head: bytes, path, length: int = 4096) -> bytes:
    """The bytes that follow any ID3v2 tags at the start (read from the file if needed)."""
    start = 0
    while (size := id3v2_size(head[start : start + 10])) is not None:
        start += size
    if start + 4 <= len(head):
        return head[start:]
    try:
        with open(path, "rb") as f:
            f.seek(start)
            return f.read(length)
    except OSError:
        return b""


def leading_tags(read_at, size: int) -> list[Tag]:
    """ID3v2 tags at the start of a file (there may be several in a row)."""
    tags = []
    pos = 0
    while pos < size:
        head = read_at(pos, 10)
        length = id3v2_size(head)
        if length is None:
            break
        if pos + length > size:
            raise ValueError(f"ID3v2 tag at byte {pos} runs past the end of the file")
        tags.append(Tag("ID3v2", pos, pos + length, id3v2_items(read_at(pos, length))))
        pos += length
    return tags


def trailing_tags(read_at, start: int, size: int) -> list[Tag]:
    """Tags at the end: ID3v1 (+ enhanced), APEv2, Lyrics3, appended ID3v2; outermost first."""
    tags: list[Tag] = []
    end = size
    while end > start:
        if end - start >= 128 and read_at(end - 128, 3) == b"TAG":
            tag = read_at(end - 128, 128)
            tags.append(Tag("ID3v1", end - 128, end, id3v1_items(tag)))
            end -= 128
            if end - start >= 227 and read_at(end - 227, 4) == b"TAG+":
                tags.append(Tag("ID3v1", end - 227, end, [("enhanced tag", "227 bytes")]))
                end -= 227
            continue
        if end - start >= 32 and read_at(end - 32, 8) == b"APETAGEX":
            footer = read_at(end - 32, 32)
            _version, body_size, count, flags = struct.unpack_from("<IIII", footer, 8)
            total = body_size + (32 if flags & 0x80000000 else 0)
            if total > end - start or body_size < 32:
                raise ValueError("APEv2 tag claims more bytes than the file holds")
            body = read_at(end - body_size, body_size - 32)
            tags.append(Tag("APEv2", end - total, end, ape_items(body, count)))
            end -= total
            continue
        if end - start >= 15 and read_at(end - 9, 9) == b"LYRICS200":
            length = int(read_at(end - 15, 6) or b"0") if read_at(end - 15, 6).isdigit() else -1
            if length < 0 or length + 15 > end - start:
                raise ValueError("Lyrics3 tag with an invalid size")
            tags.append(Tag("Lyrics3", end - 15 - length, end, [("lyrics", f"{length} bytes")]))
            end -= 15 + length
            continue
        if end - start >= 10 and read_at(end - 10, 3) == b"3DI":
            footer = read_at(end - 10, 10)
            length = 20 + syncsafe(footer[6:10])
            if length > end - start:
                raise ValueError("appended ID3v2 tag claims more bytes than the file holds")
            tag = read_at(end - length, length)
            tags.append(Tag("ID3v2", end - length, end, id3v2_items(tag)))
            end -= length
            continue
        break
    return tags


def music_fields(tags: list[Tag]) -> dict[str, str]:
    """Title, artist, album and track number, preferring ID3v2 over APEv2 over ID3v1."""
    found: dict[str, str] = {}
    for kind in ("ID3v2", "APEv2", "ID3v1"):
        for tag in tags:
            if tag.kind != kind:
                continue
            for name, value in tag.items:
                field = ID3_FRAMES.get(name) if kind == "ID3v2" else APE_KEYS.get(name.lower())
                if field and value and field not in found:
                    found[field] = value
    return found


def build_id3v23(fields: dict[str, str]) -> bytes:
    """A minimal ID3v2.3 tag (widely read by old players) with only these fields."""
    frame_ids = {"title": "TIT2", "artist": "TPE1", "album": "TALB", "track": "TRCK"}
    frames = b""
    for name in MUSIC_FIELDS:
        value = fields.get(name)
        if not value:
            continue
        try:
            data = b"\x00" + value.encode("latin-1")
        except UnicodeEncodeError:
            data = b"\x01" + value.encode("utf-16")  # with byte order mark
        frames += frame_ids[name].encode() + struct.pack(">IH", len(data), 0) + data
    if not frames:
        return b""
    size = len(frames)
    safe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x03\x00\x00" + safe + frames


def tag_findings(tags: list[Tag], why: str) -> list[Finding]:
    return [
        Finding(f"{tag.kind}:{name}", shorten(value), why)
        for tag in tags
        for name, value in (tag.items or [("tag", f"{tag.end - tag.start} bytes")])
    ]
