"""Office 97-2003 (`.doc`, `.xls`, `.ppt`) and HWP 5 (`.hwp`): compound files.

Everything is changed in place, at the same length (see `cfb`): the file's
structure, every stream's size and every byte of text and layout stay as
they were.

Removed or zeroed:
- every property-set stream (`\\005SummaryInformation`,
  `\\005DocumentSummaryInformation`, HWP's `\\005HwpSummaryInformation`, and
  those of embedded objects): see `propset`;
- Word: the dates, revision count and editing time in the document
  properties (`Dop`), the last-modified time in the file header, the
  "saved by" history (names and paths of the last ten saves), the
  associated strings (template path, author, title), the auto-save source
  path and the routing slip (e-mail addresses);
- Excel: the user name of the last save (`WRITEACCESS`, "Calc" for
  LibreOffice);
- PowerPoint: the user name in `Current User`;
- HWP: the preview text and preview picture of the first page (a copy of
  the document as last saved);
- free sectors (where earlier saves left old text), stream slack, names of
  deleted streams, storage times.

Refused, with the reason, because they cannot be removed without rewriting
the document: comments (Word annotations, Excel notes, PowerPoint comments),
tracked changes (Word revision marks, Excel's revision log), fast-saved Word
files (they keep earlier text), macros (VBA), encrypted files, embedded
objects, HWP files with memos, tracked changes, document history, a
password, a digital signature or DRM, HWP distribution documents, and
compound files that are none of these documents (Outlook messages,
installers), whose streams hold data this cleaner does not know.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from sneakernet.clean.base import WHY_COMMENTS, CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import cfb, propset
from sneakernet.clean.formats._output import atomic_output

MACRO_STORAGES = {"Macros", "_VBA_PROJECT_CUR", "_VBA_PROJECT", "VBA"}
OBJECT_STORAGES = {"ObjectPool", "MBD", "_SX_DB_CUR"}
WHY_PEOPLE = "names a person"
SAVE_AS = "save it as DOCX/XLSX/PPTX (or HWPX) in an office program, and clean that"


class Plan:
    """What an inspector finds in a compound file, what cleaning does, what it cannot."""

    def __init__(self, c: cfb.Compound):
        self.c = c
        self.findings: list[Finding] = []
        self.refusals: list[str] = []
        self.edits: list[Callable[[], None]] = []

    def find(self, field: str, value: str, why: str) -> None:
        self.findings.append(Finding(field, shorten(value) or "present", why))

    def refuse(self, field: str, value: str, why: str, reason: str) -> None:
        self.find(field, value, why)
        self.refusals.append(reason)

    def patch(self, entry: cfb.Entry, at: int, data: bytes) -> None:
        """Overwrite bytes of a stream at an offset (applied when cleaning)."""

        def apply() -> None:
            stream = bytearray(self.c.read(entry))
            stream[at : at + len(data)] = data
            self.c.write(entry, bytes(stream))

        self.edits.append(apply)


def _kind(c: cfb.Compound) -> str:
    """Which document this compound file is; other kinds hold data we do not know."""
    for stream, kind in (
        ("WordDocument", "word"),
        ("Workbook", "excel"),
        ("Book", "excel"),
        ("PowerPoint Document", "powerpoint"),
    ):
        if stream in c.streams:
            return kind
    header = c.streams.get("FileHeader")
    if header is not None and c.read(header).startswith(HWP_SIGNATURE):
        return "hwp"
    shown = ", ".join(sorted(n.replace("\x05", "").replace("\x01", "") for n in c.streams)[:4])
    raise CleanError(
        f"a compound (OLE2) file that is not a Word, Excel, PowerPoint or HWP document"
        f" (streams {shown}...): an Outlook message, installer or other file whose data this"
        " cleaner does not know; leave it off the card"
    )


def _plan(c: cfb.Compound) -> Plan:
    kind = _kind(c)
    plan = Plan(c)
    for storage in c.storages():
        if storage.name in MACRO_STORAGES and not MACRO_STORAGES & set(storage.path[:-1]):
            plan.refuse(
                f"OLE2:{storage.joined}",
                "macros (VBA)",
                "program code that runs when the document opens",
                "it holds macros (VBA); save it without macros first",
            )
        elif storage.name in OBJECT_STORAGES and any(
            e.path[: len(storage.path)] == storage.path and e.path != storage.path
            for e in c.entries
        ):
            plan.refuse(
                f"OLE2:{storage.joined}",
                "embedded objects",
                "documents inside the document, each with its own metadata",
                f"it holds embedded objects this cleaner does not examine; {SAVE_AS}",
            )
    for name, entry in c.streams.items():
        data = c.read(entry)
        if propset.is_property_set(entry.name, data):
            where = "OLE2:" + name.replace("\x05", "")
            plan.findings += propset.findings(data, where)
            plan.edits.append(lambda e=entry, d=data: c.write(e, propset.neutralise(d)))
    {"word": _word, "excel": _excel, "powerpoint": _powerpoint, "hwp": _hwp}[kind](plan)
    _pictures(plan)
    for leftover in c.leftovers():
        plan.find("OLE2:container", leftover, "earlier contents and times, in unused space")
    plan.edits.append(c.scrub)
    return plan


# --- Word 97-2003 ---------------------------------------------------------------

NEUTRAL_LID = 0x0409  # the install language of the writing program: US English for all
CLX = 33
ANNOTATIONS, DOP, ASSOC, AUTOSAVE, ATN_OWNERS, RMARK, ROUTE, SAVED_BY, MODIFIED = (
    4,
    31,
    32,
    35,
    36,
    51,
    70,
    71,
    87,
)


def _sttb_strings(data: bytes) -> list[tuple[int, int, str]]:
    """(offset, byte length, text) of each string in an Sttb table."""
    out = []
    if len(data) < 6:
        return out
    wide = data[:2] == b"\xff\xff"
    pos = 2 if wide else 0
    (count,) = struct.unpack_from("<H", data, pos)
    (extra,) = struct.unpack_from("<H", data, pos + 2)
    pos += 4
    for _ in range(count):
        if wide:
            if pos + 2 > len(data):
                break
            (n,) = struct.unpack_from("<H", data, pos)
            raw = data[pos + 2 : pos + 2 + 2 * n]
            out.append((pos + 2, 2 * n, raw.decode("utf-16-le", "replace")))
            pos += 2 + 2 * n + extra
        else:
            if pos + 1 > len(data):
                break
            n = data[pos]
            out.append((pos + 1, n, data[pos + 1 : pos + 1 + n].decode("latin-1")))
            pos += 1 + n + extra
    return out


def _word(plan: Plan) -> None:
    c = plan.c
    word = c.streams["WordDocument"]
    fib = c.read(word)
    if len(fib) < 154 or struct.unpack_from("<H", fib, 0)[0] != 0xA5EC:
        raise CleanError("damaged Word document (no file information block)")
    (flags,) = struct.unpack_from("<H", fib, 10)
    if flags & 0x0100 or flags & 0x8000:
        raise CleanError("the Word document is encrypted; decrypt it in a word processor first")
    if flags & 0x0004:
        plan.refuse(
            "MSDOC:fast save",
            f"{(flags >> 4) & 0xF} quick saves",
            "a fast-saved document keeps text that was deleted or replaced",
            "it was fast-saved and keeps earlier text; save it again with fast save off",
        )
    # Fields readers must ignore, where writers leave their marks: the product
    # build in the header, and LibreOffice's "Caolan80" in the reserved words
    # before the Far East language id.
    (csw,) = struct.unpack_from("<H", fib, 32)
    reserved = [(4, 2), (34, max(0, min(2 * csw - 2, 26)))]
    marks = [fib[at : at + n] for at, n in reserved if any(fib[at : at + n])]
    if marks:
        shown = " ".join(shorten(m.replace(b"\x00", b"")) or m.hex() for m in marks)
        plan.find("MSDOC:writer marks", shown, "names the program that wrote the file")
        for at, n in reserved:
            plan.patch(word, at, bytes(n))
    (lid,) = struct.unpack_from("<H", fib, 6)
    if lid != NEUTRAL_LID:
        plan.find("MSDOC:install language", f"{lid:#06x}", "the language of the author's Word")
        plan.patch(word, 6, struct.pack("<H", NEUTRAL_LID))
    table_name = "1Table" if flags & 0x0200 else "0Table"
    table = c.streams.get(table_name)
    if table is None:
        raise CleanError(f"damaged Word document (no {table_name} stream)")
    tdata = c.read(table)
    pos = 32
    (csw,) = struct.unpack_from("<H", fib, pos)
    pos += 2 + 2 * csw
    (cslw,) = struct.unpack_from("<H", fib, pos)
    lengths = pos + 2  # FibRgLw97: the text's length in characters, per part
    pos += 2 + 4 * cslw
    if pos + 2 > len(fib):
        raise CleanError("damaged Word document (file information block cut short)")
    (pairs,) = struct.unpack_from("<H", fib, pos)
    blob = pos + 2
    pairs = min(pairs, (len(fib) - blob) // 8)

    def pair(i: int) -> tuple[int, int]:
        if i >= pairs:
            return 0, 0
        fc, lcb = struct.unpack_from("<II", fib, blob + 8 * i)
        if fc + lcb > len(tdata):
            return 0, 0
        return fc, lcb

    fc, lcb = pair(ANNOTATIONS)
    if lcb:
        owners = [s for _, _, s in _sttb_like_owners(tdata, *pair(ATN_OWNERS))]
        said = _comment_text(fib, lengths, tdata, *pair(CLX))
        plan.refuse(
            "MSDOC:comments",
            f"{max((lcb - 4) // 34, 1)} comments by "
            + (", ".join(owners) or "?")
            + (f": {said}" if said else ""),
            WHY_COMMENTS,
            "it holds comments, which this cleaner cannot cut out of a Word 97-2003 file; "
            + SAVE_AS,
        )
    fc, lcb = pair(RMARK)
    authors = [s for _, _, s in _sttb_strings(tdata[fc : fc + lcb])]
    named = [a for a in authors if a and a != "Unknown"]
    if named:
        plan.refuse(
            "MSDOC:revision authors",
            ", ".join(named),
            "tracked changes: words someone took out and who changed what",
            "it holds tracked changes (revision marks), which this cleaner cannot accept in a "
            "Word 97-2003 file; accept or reject them in a word processor, or " + SAVE_AS,
        )
    fc, lcb = pair(DOP)
    if lcb >= 38 and any(tdata[fc + 20 : fc + 38]):
        plan.find(
            "MSDOC:Dop", "dates, revision count, editing time", "when and how long it was edited"
        )
        plan.patch(table, fc + 20, bytes(18))
    for index, label, why in (
        (ASSOC, "associated strings", "template path, author and title"),
        (SAVED_BY, "saved by", "names and paths of the last saves"),
    ):
        fc, lcb = pair(index)
        named = False
        for at, n, text in _sttb_strings(tdata[fc : fc + lcb]):
            if text.strip("\x00"):
                named = True
                plan.find(f"MSDOC:{label}", text, why)
                plan.patch(table, fc + at, bytes(n))
        if named and index == SAVED_BY:  # optional: Word 2007 and later write none
            plan.patch(word, blob + 8 * index + 4, bytes(4))
    for index, label, why in (
        (AUTOSAVE, "auto-save source", "a path on the author's computer"),
        (ROUTE, "routing slip", "e-mail addresses"),
        (ATN_OWNERS, "comment authors", WHY_PEOPLE),
    ):
        fc, lcb = pair(index)
        if lcb and any(tdata[fc : fc + lcb]):
            plan.find(f"MSDOC:{label}", f"{lcb} bytes", why)
            plan.patch(table, fc, bytes(lcb))
            plan.patch(word, blob + 8 * index + 4, bytes(4))  # no longer described
    if pairs > MODIFIED and any(fib[blob + 8 * MODIFIED : blob + 8 * MODIFIED + 8]):
        plan.find("MSDOC:modified", "time of the last save", "when it was edited")
        plan.patch(word, blob + 8 * MODIFIED, bytes(8))


def _comment_text(fib: bytes, lengths: int, tdata: bytes, fc: int, lcb: int) -> str:
    """The comments' words, read through the piece table (empty when it cannot be read)."""
    try:
        clx, pos = tdata[fc : fc + lcb], 0
        while pos < len(clx) and clx[pos] == 0x01:  # property modifiers, skipped
            pos += 3 + struct.unpack_from("<H", clx, pos + 1)[0]
        if pos >= len(clx) or clx[pos] != 0x02:
            return ""
        (size,) = struct.unpack_from("<I", clx, pos + 1)
        plc = clx[pos + 5 : pos + 5 + size]
        n = (size - 4) // 12
        cps = struct.unpack_from(f"<{n + 1}I", plc)
        text = []
        for i in range(n):
            (where,) = struct.unpack_from("<I", plc, 4 * (n + 1) + 8 * i + 2)
            length = cps[i + 1] - cps[i]
            if where & 0x40000000:
                start = (where & 0x3FFFFFFF) // 2
                text.append(fib[start : start + length].decode("cp1252", "replace"))
            else:
                text.append(fib[where : where + 2 * length].decode("utf-16-le", "replace"))
        whole = "".join(text)
        main, notes, headers, _, comments = struct.unpack_from("<5i", fib, lengths + 4 * 3)
        start = main + notes + headers
        said = whole[start : start + comments]
    except (struct.error, ValueError):
        return ""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in said).split())


def _sttb_like_owners(tdata: bytes, fc: int, lcb: int) -> list[tuple[int, int, str]]:
    """Comment authors: a sequence of (count, UTF-16 text) strings."""
    out, pos, end = [], fc, fc + lcb
    while pos + 2 <= end:
        (n,) = struct.unpack_from("<H", tdata, pos)
        out.append(
            (pos + 2, 2 * n, tdata[pos + 2 : pos + 2 + 2 * n].decode("utf-16-le", "replace"))
        )
        pos += 2 + 2 * n
    return out


# --- Excel 97-2003 ----------------------------------------------------------------

WRITEACCESS, NOTE = 0x005C, 0x001C


def _excel(plan: Plan) -> None:
    c = plan.c
    for gone in ("Revision Log", "User Names"):
        if gone in c.streams:
            plan.refuse(
                f"XLS:{gone}",
                "shared-workbook revision log",
                "old cell values and who changed them",
                "it holds a shared workbook's change history; " + SAVE_AS,
            )
    entry = c.streams.get("Workbook") or c.streams["Book"]
    data = c.read(entry)
    pos = 0
    notes = 0
    while pos + 4 <= len(data):
        kind, n = struct.unpack_from("<HH", data, pos)
        body = data[pos + 4 : pos + 4 + n]
        if kind == WRITEACCESS and n >= 3:
            blank = b"\x01\x00\x00" + b" " * (n - 3)
            if body != blank:
                plan.find("XLS:WRITEACCESS", body[3:].decode("latin-1").strip(), WHY_PEOPLE)
                plan.patch(entry, pos + 4, blank)
        elif kind == NOTE:
            notes += 1
        pos += 4 + n
    if notes:
        plan.refuse(
            "XLS:comments",
            f"{notes} cell comments",
            WHY_COMMENTS,
            "it holds cell comments, which this cleaner cannot cut out of an Excel 97-2003 file; "
            + SAVE_AS,
        )


# --- PowerPoint 97-2003 -------------------------------------------------------------

COMMENT10, USER_EDIT = 0x2EE0, 0x0FF5
# Extension data (comments, among others) sits in binary tag blobs, which are
# atoms by their version but hold records.
TAG_BLOB = 0x138B


def _records(data: bytes, start: int, end: int, depth: int = 0):
    pos = start
    while pos + 8 <= end:
        ver, kind, n = struct.unpack_from("<HHI", data, pos)
        yield kind, pos, n, depth
        if (ver & 0xF == 0xF or kind == TAG_BLOB) and depth < 16:
            yield from _records(data, pos + 8, min(end, pos + 8 + n), depth + 1)
        pos += 8 + n


def _powerpoint(plan: Plan) -> None:
    c = plan.c
    data = c.read(c.streams["PowerPoint Document"])
    comments = sum(1 for kind, *_ in _records(data, 0, len(data)) if kind == COMMENT10)
    edits = sum(1 for kind, _, _, depth in _records(data, 0, len(data)) if kind == USER_EDIT)
    if comments:
        plan.refuse(
            "PPT:comments",
            f"{comments} comments",
            WHY_COMMENTS,
            "it holds comments, which this cleaner cannot cut out of a PowerPoint 97-2003 file; "
            + SAVE_AS,
        )
    if edits > 1:
        plan.refuse(
            "PPT:incremental saves",
            f"{edits} saves",
            "earlier versions of the slides, kept by incremental saving",
            "it was saved incrementally and keeps earlier versions; " + SAVE_AS,
        )
    user = c.streams.get("Current User")
    if user is not None:
        cu = c.read(user)
        if len(cu) >= 28:
            (n,) = struct.unpack_from("<H", cu, 20)
            names = [(28, n), (28 + n + 4, 2 * n)]  # ANSI, then UTF-16 after relVersion
            named = [(at, k) for at, k in names if at + k <= len(cu) and any(cu[at : at + k])]
            if named:
                plan.find("PPT:Current User", cu[28 : 28 + n].decode("latin-1"), WHY_PEOPLE)
            for at, length in named:
                plan.patch(user, at, bytes(length))


# --- HWP 5 --------------------------------------------------------------------------

HWP_SIGNATURE = b"HWP Document File"
HWP_COMPRESSED, HWP_DISTRIBUTION = 0x01, 0x04
# Record tags (HWP 5.0 specification, HWPTAG_BEGIN = 0x10): memos in the body,
# tracked changes and their authors in the document information.
HWP_MEMO_LIST, HWP_TRACK_CHANGE, HWP_TRACK_CHANGE_AUTHOR = 0x5D, 0x60, 0x61
HWP_REFUSED = (
    (0x02, "it is password-protected; remove the password in Hangul first"),
    (0x10, "it is DRM-protected"),
    (0x40, "it keeps its document history (earlier versions); delete the history in Hangul"),
    (0x80, "it is digitally signed"),
)


def _hwp_tags(data: bytes, compressed: bool) -> set[int]:
    """The record tags of a DocInfo or BodyText section stream."""
    if compressed:
        try:
            data = zlib.decompressobj(-15).decompress(data, 256 << 20)
        except zlib.error:
            raise CleanError(
                "damaged HWP document (a compressed stream does not inflate)"
            ) from None
    tags, pos = set(), 0
    while pos + 4 <= len(data):
        (head,) = struct.unpack_from("<I", data, pos)
        size, pos = head >> 20, pos + 4
        if size == 0xFFF:
            if pos + 4 > len(data):
                break
            (size,) = struct.unpack_from("<I", data, pos)
            pos += 4
        tags.add(head & 0x3FF)
        pos += size
    if pos > len(data):
        raise CleanError("damaged HWP document (a record runs past its stream)")
    return tags


def _hwp(plan: Plan) -> None:
    c = plan.c
    header = c.read(c.streams["FileHeader"])
    if len(header) < 40:
        raise CleanError("damaged HWP document (file header cut short)")
    (flags,) = struct.unpack_from("<I", header, 36)
    for bit, reason in HWP_REFUSED:
        if flags & bit:
            plan.refuse("HWP:FileHeader", f"flags {flags:#x}", "protected or versioned", reason)
    if flags & HWP_DISTRIBUTION:
        plan.refuse(
            "HWP:FileHeader",
            "distribution document",
            "an encrypted body this cleaner cannot read",
            "it is a distribution document whose body is encrypted; this cleaner cannot check it",
        )
        return
    compressed = bool(flags & HWP_COMPRESSED)
    info = c.streams.get("DocInfo")
    if info is not None and {HWP_TRACK_CHANGE, HWP_TRACK_CHANGE_AUTHOR} & _hwp_tags(
        c.read(info), compressed
    ):
        plan.refuse(
            "HWP:DocInfo",
            "tracked changes",
            "words someone took out and who changed what",
            "it holds tracked changes, which this cleaner cannot accept in an HWP file;"
            " accept or reject them in Hangul first",
        )
    sections = [e for n, e in c.streams.items() if n.startswith("BodyText/")]
    if any(HWP_MEMO_LIST in _hwp_tags(c.read(e), compressed) for e in sections):
        plan.refuse(
            "HWP:BodyText",
            "memos",
            WHY_COMMENTS,
            "it holds memos (comments), which this cleaner cannot cut out of an HWP file;"
            " delete them in Hangul first",
        )
    if any(s.name == "DocHistory" for s in c.storages()):
        plan.refuse(
            "HWP:DocHistory",
            "document history",
            "earlier versions of the text",
            HWP_REFUSED[2][1],
        )
    for name, why in (
        ("PrvText", "the first page's text as last saved"),
        ("PrvImage", "a picture of the first page as last saved"),
    ):
        entry = c.streams.get(name)
        if entry is not None and entry.size and any(c.read(entry)):
            plan.find(f"HWP:{name}", f"{entry.size} bytes", why)
            plan.edits.append(lambda e=entry: c.write(e, bytes(e.size)))


# --- pictures inside any stream -------------------------------------------------

JPEG_SOI = b"\xff\xd8\xff"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_TEXT = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}
PNG_NEUTRAL = b"prVt"  # a private ancillary chunk every reader skips
# Left in a stream after cleaning, these mean metadata we could not reach.
MARKERS = (b"Exif\x00\x00", b"http://ns.adobe.com/xap/1.0/", b"<x:xmpmeta")
WHY_PICTURE = "camera, GPS position, software and dates inside a picture"


def _jpeg_segments(data: bytes, at: int) -> list[tuple[int, int]] | None:
    """(payload start, payload length) of a JPEG's APPn and COM segments, or None."""
    pos, out = at + 2, []
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the header is complete
            return out
        (n,) = struct.unpack_from(">H", data, pos + 2)
        if n < 2 or pos + 2 + n > len(data):
            return None
        payload = (pos + 4, n - 2)
        if 0xE1 <= marker <= 0xEF or marker == 0xFE:
            if not data[pos + 4 : pos + 4 + n - 2].startswith(b"Adobe"):  # colour transform
                out.append(payload)
        pos += 2 + n
    return None


def _png_chunks(data: bytes, at: int) -> list[tuple[int, int]] | None:
    """(chunk start, data length) of a PNG's text and time chunks, or None."""
    pos, out = at + 8, []
    while pos + 12 <= len(data):
        (n,) = struct.unpack_from(">I", data, pos)
        kind = data[pos + 4 : pos + 8]
        if pos + 12 + n > len(data) or not kind.isalpha():
            return None
        if kind in PNG_TEXT:
            out.append((pos, n))
        if kind == b"IEND":
            return out
        pos += 12 + n
    return None


def _pictures(plan: Plan) -> None:
    """Zero metadata of JPEG and PNG pictures where they lie; report what stays out of reach."""
    c = plan.c
    for name, entry in c.streams.items():
        data = c.read(entry)
        if propset.is_property_set(entry.name, data):
            continue
        if name.startswith("BinData/"):  # HWP keeps pictures compressed
            try:
                data = zlib.decompressobj(-15).decompress(data, 64 << 20)
            except zlib.error:
                pass
            if any(m in data for m in MARKERS):
                plan.refuse(
                    f"HWP:{name}",
                    "picture metadata",
                    WHY_PICTURE,
                    "a picture in it carries camera data (EXIF or XMP); clean the pictures and"
                    " insert them again, or save as HWPX and clean that",
                )
            continue
        zeroed: list[tuple[int, int]] = []
        at = data.find(JPEG_SOI)
        while at >= 0:
            for start, n in _jpeg_segments(data, at) or []:
                if any(data[start : start + n]):
                    zeroed.append((start, n))
                    plan.patch(entry, start, bytes(n))
            at = data.find(JPEG_SOI, at + 3)
        at = data.find(PNG_SIGNATURE)
        while at >= 0:
            for start, n in _png_chunks(data, at) or []:
                body = PNG_NEUTRAL + bytes(n)
                zeroed.append((start + 8, n))
                plan.patch(entry, start + 4, body + struct.pack(">I", zlib.crc32(body)))
            at = data.find(PNG_SIGNATURE, at + 8)
        if zeroed:
            plan.find(f"OLE2:{name}:pictures", f"{len(zeroed)} metadata blocks", WHY_PICTURE)
        left = bytearray(data)
        for start, n in zeroed:
            left[start : start + n] = bytes(n)
        if any(m in left for m in MARKERS):
            plan.refuse(
                f"OLE2:{name}:picture metadata",
                "EXIF or XMP",
                WHY_PICTURE,
                "a picture in it carries camera data (EXIF or XMP) this cleaner cannot reach; "
                + SAVE_AS,
            )


# --- the cleaner ------------------------------------------------------------------


def _load(path: Path) -> cfb.Compound:
    data = path.read_bytes()
    try:
        return cfb.Compound(data)
    except (struct.error, IndexError, ValueError) as exc:
        raise CleanError(f"damaged compound (OLE2) file ({shorten(exc, 80)})") from None


def _planned(path: Path) -> Plan:
    c = _load(path)
    try:
        return _plan(c)
    except (struct.error, IndexError, ValueError) as exc:
        raise CleanError(
            f"damaged document inside the compound file ({shorten(exc, 80)})"
        ) from None


class OleCleaner:
    name = "ole2"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(cfb.MAGIC)

    def data_end(self, path: Path) -> int:
        return _load(path).data_end()

    def inspect(self, path: Path) -> list[Finding]:
        return _planned(path).findings

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        plan = _planned(src)
        if plan.refusals:
            raise CleanError(plan.refusals[0])
        for edit in plan.edits:
            edit()
        with atomic_output(dst) as out:
            out.write(plan.c.buf)


cleaner = OleCleaner()
