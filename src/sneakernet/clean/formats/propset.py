"""OLE property sets: the summary streams of Office 97-2003 and HWP files.

`\\005SummaryInformation`, `\\005DocumentSummaryInformation` and HWP's
`\\005HwpSummaryInformation` are property-set streams: a header, one or two
sections, each a table of (property id, offset) pairs and typed values. They
hold the author, the last editor, company, manager, title, subject,
keywords, comments, template, revision count, editing time, the dates of
creation, last save and last print, the name of the application, a
thumbnail, and user-defined properties (the second section).

Every property but the code page goes. The title, too: it is a property a
reader of the text does not see, and people write names into it. Each
section is written back at its own size, with only the code page left and
zeros after it, so the stream keeps its length and the compound file around
it does not change. The header's system identifier (the operating system
and its version) becomes a fixed value.
"""

from __future__ import annotations

import datetime
import struct

from sneakernet.clean.base import CleanError, Finding, shorten

CODEPAGE = 1
NEUTRAL_SYSTEM = b"\x00\x00\x02\x00"  # Win32, version 0.0
SUMMARY = {
    2: "title",
    3: "subject",
    4: "author",
    5: "keywords",
    6: "comments",
    7: "template",
    8: "last saved by",
    9: "revision number",
    10: "editing time",
    11: "last printed",
    12: "created",
    13: "last saved",
    14: "pages",
    15: "words",
    16: "characters",
    17: "thumbnail",
    18: "application",
    19: "security",
}
DOC_SUMMARY = {
    2: "category",
    3: "presentation format",
    12: "heading pairs",
    13: "titles of parts",
    14: "manager",
    15: "company",
    26: "content type",
    27: "content status",
    28: "language",
    29: "document version",
}
FMTID_SUMMARY = bytes.fromhex("e0859ff2f94f6810ab9108002b27b3d9")
FMTID_DOC_SUMMARY = bytes.fromhex("02d5cdd59c2e1b10939708002b2cf9ae")
FMTID_USER = bytes.fromhex("05d5cdd59c2e1b10939708002b2cf9ae")
FMTID_HWP = bytes.fromhex("60b6a29f6110d411b4c6006097c09d8c")
WHY = {
    "author": "names a person",
    "last saved by": "names a person",
    "manager": "names a person",
    "company": "names the organisation",
    "template": "a path on the author's computer",
    "application": "names the software",
    "thumbnail": "a picture of the document as last saved",
    "created": "when it was made",
    "last saved": "when it was edited",
    "last printed": "when it was printed",
    "editing time": "how long someone worked on it",
    "revision number": "how often it was saved",
}
VT_I2, VT_I4, VT_LPSTR, VT_LPWSTR, VT_FILETIME = 2, 3, 0x1E, 0x1F, 0x40


def _sections(data: bytes) -> list[tuple[bytes, int, int]]:
    """(format id, start, end) of each section."""
    if len(data) < 28 or data[:2] != b"\xfe\xff":
        raise CleanError("damaged property set (summary stream)")
    (count,) = struct.unpack_from("<I", data, 24)
    if count > 2 or len(data) < 28 + 20 * count:
        raise CleanError("damaged property set (summary stream)")
    out = []
    for i in range(count):
        fmtid = data[28 + 20 * i : 44 + 20 * i]
        (start,) = struct.unpack_from("<I", data, 44 + 20 * i)
        if start + 8 > len(data):
            raise CleanError("damaged property set (a section lies outside the stream)")
        (size,) = struct.unpack_from("<I", data, start)
        if size < 8 or start + size > len(data):
            raise CleanError("damaged property set (a section is longer than the stream)")
        out.append((fmtid, start, start + size))
    return out


def _properties(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """(id, type, offset of the value) of every property in a section."""
    (count,) = struct.unpack_from("<I", data, start + 4)
    if 8 + 8 * count > end - start:
        raise CleanError("damaged property set (too many properties for the section)")
    out = []
    for i in range(count):
        pid, off = struct.unpack_from("<II", data, start + 8 + 8 * i)
        if pid == 0:  # the dictionary of user-defined names has no type word
            out.append((pid, -1, start + off))
            continue
        if off + 4 > end - start:
            raise CleanError("damaged property set (a value lies outside its section)")
        (vt,) = struct.unpack_from("<I", data, start + off)
        out.append((pid, vt & 0xFFFF, start + off))
    return out


def _value(data: bytes, vt: int, at: int, codepage: int) -> str:
    try:
        if vt == VT_LPSTR:
            (n,) = struct.unpack_from("<I", data, at + 4)
            raw = data[at + 8 : at + 8 + min(n, 4096)].split(b"\x00")[0]
            enc = "utf-8" if codepage in (65001, -535) else f"cp{codepage}"
            try:
                return raw.decode(enc)
            except (LookupError, UnicodeDecodeError):
                return raw.decode("latin-1")
        if vt == VT_LPWSTR:
            (n,) = struct.unpack_from("<I", data, at + 4)
            return (
                data[at + 8 : at + 8 + 2 * min(n, 4096)]
                .decode("utf-16-le", "replace")
                .strip("\x00")
            )
        if vt == VT_FILETIME:
            (t,) = struct.unpack_from("<Q", data, at + 4)
            return _filetime(t)
        if vt == VT_I4:
            (n,) = struct.unpack_from("<i", data, at + 4)
            return "" if n == 0 else str(n)
        if vt == VT_I2:
            (n,) = struct.unpack_from("<h", data, at + 4)
            return "" if n == 0 else str(n)
    except struct.error:
        return "unreadable"
    return "present"


def _filetime(t: int) -> str:
    """A date (or, below a year's worth, a duration such as the editing time)."""
    if t == 0:
        return ""
    seconds = t // 10_000_000
    if seconds < 366 * 86400:
        return f"{seconds // 3600} h {seconds // 60 % 60} min"
    when = datetime.datetime(1601, 1, 1) + datetime.timedelta(seconds=seconds)
    return when.isoformat(sep=" ")


def findings(data: bytes, where: str) -> list[Finding]:
    """Every property but the code page, with its value where it is text."""
    out = []
    for fmtid, start, end in _sections(data):
        names = SUMMARY if fmtid in (FMTID_SUMMARY, FMTID_HWP) else DOC_SUMMARY
        props = _properties(data, start, end)
        codepage = next(
            (
                struct.unpack_from("<h", data, at + 4)[0]
                for pid, vt, at in props
                if pid == CODEPAGE and at + 6 <= end
            ),
            1252,
        )
        for pid, vt, at in props:
            if pid == CODEPAGE:
                continue
            if fmtid == FMTID_USER or pid == 0 or pid >= 0x80000000:
                name = "user-defined property" if pid != 0 else "user-defined names"
                why = "values and names someone added"
            else:
                name = names.get(pid, f"property {pid}")
                why = WHY.get(name, "document properties")
            value = "present" if vt == -1 else _value(data, vt, at, codepage)
            out.append(Finding(f"{where}:{name}", shorten(value) or "(empty)", why))
    if data[8:10] != b"\x00\x00":
        version = f"{data[8]}.{data[9]}"
        out.append(Finding(f"{where}:system", version, "the operating system's version"))
    return out


def neutralise(data: bytes) -> bytes:
    """The same stream, at the same length, with nothing but each section's code page."""
    out = bytearray(data)
    out[8:12] = NEUTRAL_SYSTEM
    for _, start, end in _sections(data):
        keep = [
            (pid, data[at : at + 8])
            for pid, vt, at in _properties(data, start, end)
            if pid == CODEPAGE and vt == VT_I2 and at + 8 <= end
        ][:1]
        if 8 + 16 * len(keep) > end - start:
            keep = []
        body = bytearray(struct.pack("<II", end - start, len(keep)))
        for pid, _value_bytes in keep:
            body += struct.pack("<II", pid, 8 + 8 * len(keep))
        for _, value_bytes in keep:
            body += value_bytes
        out[start:end] = bytes(body) + bytes(end - start - len(body))
    return bytes(out)


def is_property_set(name: str, data: bytes) -> bool:
    return name.startswith("\x05") and data[:2] == b"\xfe\xff" and len(data) >= 28
