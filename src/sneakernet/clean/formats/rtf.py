"""RTF: the {\\info} group, generator, revision and session tables, comments, pictures' metadata.

RTF keeps its metadata in "destinations", groups that name what they hold:
`{\\info ...}` (title, author, operator, company, creation and revision
times, editing time), `{\\*\\generator ...}` (the word processor and its
build), `{\\*\\revtbl ...}` (names of everyone who tracked changes),
`{\\*\\rsidtbl ...}` and `\\rsidN`-style words (editing-session ids),
`{\\*\\annotation ...}` with `{\\*\\atnid}`, `{\\*\\atnauthor}`, `{\\*\\atndate}`
(reviewers' comments with names and times), `{\\*\\userprops}`, and
`{\\*\\datastore}` (custom XML). These groups are dropped whole; the text,
fonts, styles and layout stay byte for byte. Pictures (hex PNG/JPEG in
`{\\pict}`) are cleaned by their own cleaners and written back as hex.

Refused: tracked changes (`\\deleted`, `\\revised` text: accept them in a
word processor first) and raw binary data (`\\bin`), which this reader does
not walk.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten

DROPPED = {
    b"info": "document properties: author, operator, company, dates, editing time",
    b"generator": "names the word processor and its build",
    b"revtbl": "names everyone who tracked changes",
    b"rsidtbl": "editing-session ids link documents edited together",
    b"annotation": "reviewers' comments: where people write names, places and plans",
    b"atnid": "a reviewer's initials",
    b"atnauthor": "a reviewer's name",
    b"atndate": "when a reviewer commented",
    b"atnref": "a comment's reference",
    b"atrfstart": "where a comment starts",
    b"atrfend": "where a comment ends",
    b"userprops": "custom document properties",
    b"datastore": "custom XML data",
    b"xmlnstbl": "custom XML namespaces",
    b"passwordhash": "a password hash",
}
GROUP = re.compile(rb"\{(?:\\\*)?\s*\\([a-z]+)")
SESSION_WORD = re.compile(
    rb"\\(?:rsid|insrsid|charrsid|pararsid|sectrsid|tblrsid|delrsid|styrsid|rsidroot|"
    rb"crauth|crdate|revauth|revauthdel|revdttm|revdttmdel)-?\d+ ?"
)
REVISIONS = re.compile(rb"\\(?:deleted|revised)(?![a-z])")
PICTURE_HEX = re.compile(rb"(\\(?:pngblip|jpegblip)(?![a-z])[^{}]*?\s)([0-9a-fA-F\r\n]{16,})(\s*)$")
CONTROL_BEFORE = re.compile(rb"\\[a-z]+-?\d*$")


def _group_end(data: bytes, start: int) -> int:
    """Offset just past the group opened at `start`, escapes respected."""
    depth, i, n = 0, start, len(data)
    while i < n:
        c = data[i]
        if c == 0x5C:  # backslash: skip the escaped character
            i += 2
            continue
        if c == 0x7B:
            depth += 1
        elif c == 0x7D:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise CleanError("truncated RTF: a group is never closed")


def _dropped_groups(data: bytes) -> list[tuple[int, int, bytes]]:
    spans: list[tuple[int, int, bytes]] = []
    for m in GROUP.finditer(data):
        if spans and m.start() < spans[-1][1]:
            continue  # inside a group already dropped
        if m.start() > 0 and data[m.start() - 1] == 0x5C and not _escaped_backslash(data, m):
            continue  # an escaped brace
        word = m.group(1)
        if word in DROPPED:
            spans.append((m.start(), _group_end(data, m.start()), word))
    return spans


def _escaped_backslash(data: bytes, m: re.Match[bytes]) -> bool:
    run, i = 0, m.start() - 1
    while i >= 0 and data[i] == 0x5C:
        run += 1
        i -= 1
    return run % 2 == 0


def _session_gap(data: bytes, m: re.Match[bytes]) -> bytes:
    """What replaces a session-id word: its delimiter space, when a control word
    before it needs one to stay apart from the text after it."""
    ends_with_space = m.group(0).endswith(b" ")
    before = CONTROL_BEFORE.search(data, max(0, m.start() - 40), m.start())
    return b" " if ends_with_space and before is not None else b""


def _check(data: bytes) -> None:
    if not data.startswith(b"{\\rtf"):
        raise CleanError("not an RTF file")
    if re.search(rb"\\bin-?\d", data):
        raise CleanError("RTF with raw binary data (\\bin) is not supported; re-save it as DOCX")
    if REVISIONS.search(data):
        raise CleanError(
            "RTF with tracked changes: accept or reject them in a word processor first"
        )


def _pictures(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each picture's hex data."""
    out = []
    for m in re.finditer(rb"\{\\pict(?![a-z])", data):
        end = _group_end(data, m.start())
        body = data[m.start() : end - 1]
        # The picture's own nested groups ({\*\picprop ...}) come before its data.
        last = body.rfind(b"}")
        tail_at = m.start() + (last + 1 if last >= 0 else 0)
        hexdata = PICTURE_HEX.search(data, tail_at, end - 1)
        if hexdata:
            out.append((hexdata.start(2), hexdata.end(2)))
    return out


def _picture_cleaned(hexdata: bytes, options: CleanOptions | None) -> tuple[bytes, list[Finding]]:
    from sneakernet.clean.api import clean_file, inspect_file

    raw = bytes.fromhex(re.sub(rb"\s", b"", hexdata).decode("ascii"))
    with tempfile.TemporaryDirectory(prefix="sneakernet-rtf-") as tmp:
        src, dst = Path(tmp) / "picture", Path(tmp) / "cleaned"
        src.write_bytes(raw)
        try:
            found = inspect_file(src)
            if options is None:
                return hexdata, found
            clean_file(src, dst, options)
        except CleanError as exc:
            raise CleanError(f"a picture in the RTF cannot be cleaned ({exc})") from None
        cleaned = dst.read_bytes().hex().encode()
    lines = [cleaned[i : i + 128] for i in range(0, len(cleaned), 128)]
    return b"\r\n".join(lines), found


class RtfCleaner:
    name = "rtf"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(b"{\\rtf")

    def data_end(self, path: Path) -> int:
        return _group_end(path.read_bytes(), 0)

    def inspect(self, path: Path) -> list[Finding]:
        data = path.read_bytes()
        data = data[: _group_end(data, 0)]
        _check(data)
        out = []
        for start, end, word in _dropped_groups(data):
            text = re.sub(rb"\\[a-z]+-?\d* ?|[{}]", b" ", data[start:end])
            out.append(Finding(f"RTF:{word.decode()}", shorten(text), DROPPED[word]))
        words = SESSION_WORD.findall(data)
        if words:
            sample = b" ".join(w.strip() for w in words[:3])
            out.append(Finding("RTF:session ids", shorten(sample), DROPPED[b"rsidtbl"]))
        for start, end in _pictures(data):
            _, found = _picture_cleaned(data[start:end], None)
            out += [Finding(f"RTF:picture:{f.field}", f.value, f.why) for f in found]
        return out

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        data = src.read_bytes()
        data = data[: _group_end(data, 0)]
        _check(data)
        pieces, at = [], 0
        for start, end, _word in _dropped_groups(data):
            pieces.append(data[at:start])
            at = end
        pieces.append(data[at:])
        data = b"".join(pieces)
        data = SESSION_WORD.sub(lambda m: _session_gap(data, m), data)
        out, at = [], 0
        for start, end in _pictures(data):
            cleaned, _ = _picture_cleaned(data[start:end], options)
            out += [data[at:start], cleaned]
            at = end
        out.append(data[at:])
        dst.write_bytes(b"".join(out))


cleaner = RtfCleaner()
