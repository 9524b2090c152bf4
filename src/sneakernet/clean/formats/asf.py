"""ASF (WMA, WMV): the header keeps what players need; packets are copied as they are.

An ASF file is a header object, a data object holding the packets, and
index objects. The header's children describe the file and its streams,
and carry the metadata: the Content Description object (title, author,
copyright, description), the Extended Content Description (WM/EncodingSettings
"Lavf...", WM/ToolName, WM/AlbumArtist, pictures...), the Metadata and
Metadata Library objects inside the Header Extension, Script Commands (URLs
and captions), Markers (named chapter points), the Codec List (the encoder's
names for its codecs), Content Branding (a banner and a copyright address)
and padding. Those go; so does every header object this cleaner does not
know. The File Properties object keeps everything but its creation date
(zeroed) and gets the new file size; the Metadata object keeps only the
picture's aspect ratio (AspectRatioX/Y), which players use. The data object
and the indexes (whose positions count from the first packet) are copied
byte for byte. Data after the last object goes.

Refused: DRM-protected files (content encryption, digital signatures) and
streams with names of their own.
"""

from __future__ import annotations

import struct
import uuid
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats._output import atomic_output, copy_range, file_size


def _guid(text: str) -> bytes:
    return uuid.UUID(text).bytes_le


HEADER = _guid("75B22630-668E-11CF-A6D9-00AA0062CE6C")
DATA = _guid("75B22636-668E-11CF-A6D9-00AA0062CE6C")
FILE_PROPERTIES = _guid("8CABDCA1-A947-11CF-8EE4-00C00C205365")
HEADER_EXTENSION = _guid("5FBF03B5-A92E-11CF-8EE3-00C00C205365")
METADATA = _guid("C5F8CBEA-5BAF-4877-8467-AA8C44FA4CCA")
EXTENDED_STREAM = _guid("14E6A5CB-C672-4332-8399-A96952065B5A")
# Header objects players need, kept byte for byte.
KEPT = {
    _guid("B7DC0791-A9B7-11CF-8EE6-00C00C205365"),  # stream properties
    _guid("7BF875CE-468D-11D1-8D82-006097C9A2B2"),  # stream bitrate properties
    _guid("D6E229DC-35DA-11D1-9034-00A0C90349BE"),  # bitrate mutual exclusion
    _guid("75B22635-668E-11CF-A6D9-00AA0062CE6C"),  # error correction
}
KEPT_EXTENSION = {
    _guid("7C4346A9-EFE0-4BFC-B229-393EDE415C85"),  # language list
    _guid("D6E229DF-35DA-11D1-9034-00A0C90349BE"),  # index parameters
    _guid("26F18B5D-4584-47EC-9F5F-0E651F0452C9"),  # compatibility
    _guid("A08649CF-4775-4670-8A16-6E35357566CD"),  # advanced mutual exclusion
    _guid("D1465A40-5A79-4338-B71B-E36B8FD6C249"),  # group mutual exclusion
    _guid("D4FED15B-88D3-454F-81F0-ED5C45999E24"),  # stream prioritization
    _guid("A69609E6-517B-11D2-B6AF-00C04FD908E9"),  # bandwidth sharing
}
KEPT_TOP = {
    _guid("33000890-E5B1-11CF-89F4-00A0C90349CB"),  # simple index
    _guid("D6E229D3-35DA-11D1-9034-00A0C90349BE"),  # index
    _guid("FEB103F8-12AD-4C64-840F-2A1D2F7AD48C"),  # media object index
    _guid("3CB73FD0-0C4A-4803-953D-EDF7B6228F0C"),  # timecode index
}
PROTECTED = {
    _guid("2211B3FB-BD23-11D2-B4B7-00A0C955FC6E"): "content encryption",
    _guid("298AE614-2622-4C17-B935-DAE07EE9289C"): "extended content encryption",
    _guid("2211B3FC-BD23-11D2-B4B7-00A0C955FC6E"): "digital signature",
}
NAMES = {
    _guid("75B22633-668E-11CF-A6D9-00AA0062CE6C"): "Content Description",
    _guid("D2D0A440-E307-11D2-97F0-00A0C95EA850"): "Extended Content Description",
    _guid("1EFB1A30-0B62-11D0-A39B-00A0C90348F6"): "Script Command",
    _guid("F487CD01-A951-11CF-8EE6-00C00C205365"): "Marker",
    _guid("86D15240-311D-11D0-A3A4-00A0C90348F6"): "Codec List",
    _guid("2211B3FA-BD23-11D2-B4B7-00A0C955FC6E"): "Content Branding",
    _guid("1806D474-CADF-4509-A4BA-9AABCB96AAE8"): "Padding",
    _guid("44231C94-9498-49D1-A141-1D134E457054"): "Metadata Library",
    METADATA: "Metadata",
}
PLAYER_METADATA = {"AspectRatioX", "AspectRatioY"}
# FILETIME zero (1601) and the Unix epoch (what FFmpeg writes): no one's date.
_NEUTRAL_DATES = {0, 116444736000000000}
_WHY = "titles, authors, tool names and settings, dates, pictures"


def _text(raw: bytes) -> str:
    return raw.decode("utf-16-le", "replace").rstrip("\x00")


def _objects(data: bytes, start: int, end: int, what: str) -> list[tuple[bytes, bytes]]:
    found = []
    pos = start
    while pos + 24 <= end:
        guid = data[pos : pos + 16]
        (size,) = struct.unpack_from("<Q", data, pos + 16)
        if size < 24 or pos + size > end:
            raise CleanError(f"corrupt ASF: an object in the {what} runs past its end")
        found.append((guid, data[pos + 24 : pos + size]))
        pos += size
    return found


def _values(guid: bytes, body: bytes) -> list[tuple[str, str]]:
    """(name, value) pairs an inspector reads from a metadata object."""
    out: list[tuple[str, str]] = []
    try:
        if NAMES.get(guid) == "Content Description":
            lengths = struct.unpack_from("<5H", body)
            pos = 10
            for label, n in zip(
                ("Title", "Author", "Copyright", "Description", "Rating"), lengths, strict=True
            ):
                if n and (value := _text(body[pos : pos + n])):
                    out.append((label, value))
                pos += n
        elif NAMES.get(guid) == "Extended Content Description":
            (count,) = struct.unpack_from("<H", body)
            pos = 2
            for _ in range(count):
                (n,) = struct.unpack_from("<H", body, pos)
                name = _text(body[pos + 2 : pos + 2 + n])
                kind, m = struct.unpack_from("<HH", body, pos + 2 + n)
                raw = body[pos + 6 + n : pos + 6 + n + m]
                out.append((name, _text(raw) if kind == 0 else f"{m} bytes"))
                pos += 6 + n + m
        elif guid in (METADATA, _guid("44231C94-9498-49D1-A141-1D134E457054")):
            for name, kind, raw, _ in _metadata_records(body):
                out.append((name, _text(raw) if kind == 0 else f"{len(raw)} bytes"))
        elif NAMES.get(guid) == "Codec List":
            (count,) = struct.unpack_from("<I", body, 16)
            pos = 20
            for _ in range(min(count, 64)):
                pos += 2  # codec type
                texts = []
                for _ in range(2):  # name and description, lengths in characters
                    (n,) = struct.unpack_from("<H", body, pos)
                    texts.append(_text(body[pos + 2 : pos + 2 + 2 * n]))
                    pos += 2 + 2 * n
                (n,) = struct.unpack_from("<H", body, pos)  # codec information, in bytes
                pos += 2 + n
                out.append(("codec", " ".join(t for t in texts if t)))
    except struct.error:
        out.append(("unreadable", f"{len(body)} bytes"))
    return out


def _metadata_records(body: bytes) -> list[tuple[str, int, bytes, bytes]]:
    """(name, data type, data, the record's bytes) of a Metadata (Library) object."""
    if len(body) < 2:
        raise CleanError("corrupt ASF: a metadata object cut short")
    (count,) = struct.unpack_from("<H", body)
    pos = 2
    found = []
    for _ in range(count):
        if pos + 12 > len(body):
            raise CleanError("corrupt ASF: a metadata record runs past its object")
        _lang, _stream, n, kind, m = struct.unpack_from("<HHHHI", body, pos)
        end = pos + 12 + n + m
        if end > len(body):
            raise CleanError("corrupt ASF: a metadata record runs past its object")
        found.append(
            (_text(body[pos + 12 : pos + 12 + n]), kind, body[pos + 12 + n : end], body[pos:end])
        )
        pos = end
    return found


def _object(guid: bytes, body: bytes) -> bytes:
    return guid + struct.pack("<Q", 24 + len(body)) + body


class _Asf:
    def __init__(self, path: Path) -> None:
        size = file_size(path)
        with open(path, "rb") as f:
            head = f.read(30)
            if len(head) < 30 or head[:16] != HEADER:
                raise CleanError("not an ASF file")
            header_size, count = struct.unpack_from("<QI", head, 16)
            if header_size < 30 or header_size > size:
                raise CleanError(
                    f"truncated ASF: the header claims {header_size} bytes, the file has {size}"
                )
            header = head + f.read(header_size - 30)
        self.reserved = header[28:30]
        self.children = _objects(header, 30, header_size, "header")
        if len(self.children) != count:
            raise CleanError("corrupt ASF: the header's object count is wrong")
        self.header_size = header_size
        self.findings: list[Finding] = []
        self.top: list[tuple[int, int]] = []  # (offset, size) of the objects after the header
        with open(path, "rb") as f:
            pos = header_size
            while pos + 24 <= size:
                f.seek(pos)
                guid = f.read(16)
                (length,) = struct.unpack("<Q", f.read(8))
                if length < 24 or pos + length > size:
                    if guid == DATA:
                        raise CleanError("truncated ASF: the data object runs past the end")
                    break
                if guid == DATA or guid in KEPT_TOP:
                    self.top.append((pos, length))
                else:
                    self.findings.append(
                        Finding(
                            "ASF:object after the data",
                            f"{length} bytes",
                            "unneeded objects can carry anything",
                        )
                    )
                pos += length
            self.end = pos
        if not self.top or self.top[0][0] != header_size:
            raise CleanError("corrupt ASF: no data object after the header")
        self.header = self._clean_header()

    def _drop(self, guid: bytes, body: bytes) -> None:
        name = NAMES.get(guid)
        if name is None:
            self.findings.append(
                Finding(
                    f"ASF:unknown object {uuid.UUID(bytes_le=guid)}",
                    f"{len(body)} bytes",
                    "unneeded objects can carry anything",
                )
            )
            return
        values = _values(guid, body)
        if not values and name != "Padding":
            values = [("object", f"{len(body)} bytes")]
        for key, value in values:
            self.findings.append(Finding(f"ASF:{name} {key}", shorten(value), _WHY))
        if name == "Padding" and body.strip(b"\x00"):
            self.findings.append(
                Finding("ASF:Padding", f"{len(body)} bytes, not all zero", "hidden bytes")
            )

    def _clean_header(self) -> list[bytes]:
        out = []
        for guid, body in self.children:
            if guid in PROTECTED:
                raise CleanError(f"a protected ASF file ({PROTECTED[guid]}) is not cleaned")
            if guid == FILE_PROPERTIES:
                if len(body) < 56:
                    raise CleanError("corrupt ASF: file properties cut short")
                (stamp,) = struct.unpack_from("<Q", body, 24)
                if stamp not in _NEUTRAL_DATES:
                    self.findings.append(
                        Finding("ASF:Creation Date", f"FILETIME {stamp}", "when the file was made")
                    )
                    body = body[:24] + bytes(8) + body[32:]
                out.append(_object(guid, body))
            elif guid == HEADER_EXTENSION:
                out.append(_object(guid, self._clean_extension(body)))
            elif guid in KEPT:
                out.append(_object(guid, body))
            else:
                self._drop(guid, body)
        return out

    def _clean_extension(self, body: bytes) -> bytes:
        if len(body) < 22:
            raise CleanError("corrupt ASF: header extension cut short")
        (size,) = struct.unpack_from("<I", body, 18)
        if 22 + size > len(body):
            raise CleanError("corrupt ASF: header extension runs past its end")
        kept = b""
        for guid, child in _objects(body, 22, 22 + size, "header extension"):
            if guid in PROTECTED:
                raise CleanError(f"a protected ASF file ({PROTECTED[guid]}) is not cleaned")
            if guid == EXTENDED_STREAM:
                if len(child) >= 64 and struct.unpack_from("<H", child, 60)[0]:
                    raise CleanError(
                        "an ASF file whose streams have names of their own is not cleaned"
                    )
                kept += _object(guid, child)
            elif guid in KEPT_EXTENSION:
                kept += _object(guid, child)
            elif guid == METADATA:
                records = _metadata_records(child)
                needed = [r for r in records if r[0] in PLAYER_METADATA]
                dropped = [r for r in records if r[0] not in PLAYER_METADATA]
                for name, kind, raw, _ in dropped:
                    self.findings.append(
                        Finding(
                            f"ASF:Metadata {name}",
                            shorten(_text(raw) if kind == 0 else f"{len(raw)} bytes"),
                            _WHY,
                        )
                    )
                if needed:
                    kept += _object(
                        guid, struct.pack("<H", len(needed)) + b"".join(r[3] for r in needed)
                    )
            else:
                self._drop(guid, child)
        return body[:18] + struct.pack("<I", len(kept)) + kept


class AsfCleaner:
    name = "asf"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head[:16] == HEADER

    def data_end(self, path: Path) -> int:
        return _Asf(path).end

    def inspect(self, path: Path) -> list[Finding]:
        return _Asf(path).findings

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        asf = _Asf(src)
        body = b"".join(asf.header)
        header_size = 30 + len(body)
        total = header_size + sum(length for _, length in asf.top)
        parts = []
        for part in asf.header:
            if part[:16] == FILE_PROPERTIES:
                part = part[: 24 + 16] + struct.pack("<Q", total) + part[24 + 24 :]
            parts.append(part)
        header = (
            HEADER + struct.pack("<QI", header_size, len(parts)) + asf.reserved + b"".join(parts)
        )
        with open(src, "rb") as f, atomic_output(dst) as out:
            out.write(header)
            for offset, length in asf.top:
                copy_range(f, out, offset, offset + length)


cleaner = AsfCleaner()
