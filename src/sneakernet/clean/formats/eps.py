"""PostScript and EPS: header comments, previews, document-info marks.

A PostScript file's own metadata is in its comments. The Document Structuring
Conventions put `%%Creator` (the program and its version), `%%Title` (often a
file path), `%%CreationDate` and `%%For` (the user's login name) in the
header, and programs add comments of their own anywhere. Comments are never
drawn, so every comment line goes (a line of inline image data that happens to
begin with `%` is told apart and kept), except the structural ones readers and
printers use (`%!PS-Adobe-3.0 EPSF-3.0`, `%%BoundingBox`, `%%Pages`,
`%%Page`, `%%BeginProlog`... `%%EOF`). Previews go too:
an EPSI preview (`%%BeginPreview`...`%%EndPreview`, a hex thumbnail in
comments) and the TIFF or WMF preview of a DOS EPS binary header, which is
written out as the plain EPS it wraps. Data sections (`%%BeginData`,
`%%BeginBinary`) are copied byte for byte.

Refused with the reason: a `/DOCINFO pdfmark` (author, title and creator set
for PDF conversion, inside the program itself) and a DOS EPS header that does
not point inside the file.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten

DOS_EPS_MAGIC = b"\xc5\xd0\xd3\xc6"
# Structural comments a reader, a printer or an importer relies on; every other comment goes.
STRUCTURAL = re.compile(
    rb"%!PS|%%(?:BoundingBox|HiResBoundingBox|ExactBoundingBox|Pages|Page|PageOrder|"
    rb"Orientation|PageBoundingBox|PageOrientation|DocumentMedia|PageMedia|LanguageLevel|"
    rb"Extensions|DocumentData|DocumentNeededResources|DocumentSuppliedResources|"
    rb"DocumentNeededFonts|DocumentSuppliedFonts|DocumentFonts|PageFonts|PageResources|"
    rb"IncludeResource|IncludeFont|BeginResource|EndResource|BeginFont|EndFont|"
    rb"BeginProcSet|EndProcSet|BeginFile|EndFile|BeginDocument|EndDocument|"
    rb"BeginProlog|EndProlog|BeginSetup|EndSetup|BeginPageSetup|EndPageSetup|"
    rb"BeginDefaults|EndDefaults|PageTrailer|Trailer|EndComments|EOF|"
    rb"BeginData|EndData|BeginBinary|EndBinary|\+)(?![A-Za-z])"
)
WHY = {
    b"Creator": "names the program and its version",
    b"Title": "a title, often the file's path on the maker's computer",
    b"CreationDate": "when it was made",
    b"For": "the maker's user name",
    b"Author": "names a person",
    b"Routing": "names the people it was sent to",
    b"Copyright": "names a person or organisation",
}
WHY_OTHER = "a comment: never drawn, may hold names, paths and tools"
WHY_PREVIEW = "a preview picture: a second copy, made by the maker's tool"
DOCINFO = re.compile(rb"/DOCINFO\s+pdfmark")
# A comment line: `%` then a word and a space, colon or line end, or nothing. Inline image
# data in ASCII85 can begin with `%` too, but is a run of punctuation and letters with
# no space: such a line is data, and stays.
COMMENT = re.compile(rb"%(?:%?[A-Za-z][\w.-]*(?::|[ \t]|\r|\n|$)|[ \t\r\n]|$|!)")
LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n|$)")


def _postscript(data: bytes) -> tuple[bytes, list[Finding]]:
    """The PostScript program, and the previews a DOS EPS header wraps around it."""
    if not data.startswith(DOS_EPS_MAGIC):
        return data, []
    if len(data) < 30:
        raise CleanError("truncated DOS EPS header")
    ps_at, ps_len, wmf_at, wmf_len, tiff_at, tiff_len = struct.unpack_from("<6I", data, 4)
    if ps_at < 30 or ps_at + ps_len > len(data) or ps_len == 0:
        raise CleanError("damaged DOS EPS header: its PostScript section is not inside the file")
    found = [
        Finding(f"EPS:{kind} preview", f"{length} bytes", WHY_PREVIEW)
        for kind, length in (("WMF", wmf_len), ("TIFF", tiff_len))
        if length
    ]
    return data[ps_at : ps_at + ps_len], found


def _lines(ps: bytes) -> list[tuple[bytes, bool, str]]:
    """Each line, whether it stays, and why it goes ('' when it stays)."""
    out: list[tuple[bytes, bool, str]] = []
    verbatim = preview = False
    for m in LINE.finditer(ps):
        line = m.group(0)
        if not line:
            break
        if verbatim:
            out.append((line, True, ""))
            verbatim = not line.startswith((b"%%EndData", b"%%EndBinary"))
            continue
        if preview:
            out.append((line, False, WHY_PREVIEW))
            preview = not line.startswith(b"%%EndPreview")
            continue
        if line.startswith(b"%%BeginPreview"):
            out.append((line, False, WHY_PREVIEW))
            preview = True
            continue
        if not COMMENT.match(line) or STRUCTURAL.match(line):
            out.append((line, True, ""))
            verbatim = line.startswith((b"%%BeginData", b"%%BeginBinary"))
            continue
        key = re.match(rb"%%([A-Za-z]+)", line)
        out.append((line, False, WHY.get(key.group(1), WHY_OTHER) if key else WHY_OTHER))
    return out


def _check(ps: bytes) -> None:
    if not ps.startswith(b"%!PS"):
        raise CleanError("not PostScript: it does not begin with %!PS")
    if DOCINFO.search(ps):
        raise CleanError(
            "PostScript with a /DOCINFO pdfmark: it sets an author, title and creator for PDF"
            " conversion inside the program; remove it in the program that made the file"
        )


class EpsCleaner:
    name = "eps"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith((b"%!PS", DOS_EPS_MAGIC))

    def inspect(self, path: Path) -> list[Finding]:
        ps, out = _postscript(path.read_bytes())
        _check(ps)
        gone = [(line, why) for line, keep, why in _lines(ps) if not keep]
        previews = sum(1 for _, why in gone if why == WHY_PREVIEW)
        for line, why in gone:
            if why == WHY_PREVIEW:
                continue
            key = re.match(rb"%%([A-Za-z]+)", line)
            field = f"PS:%%{key.group(1).decode()}" if key else "PS:comment"
            out.append(Finding(field, shorten(line.strip().decode("latin-1")), why))
        if previews:
            out.append(Finding("EPS:EPSI preview", f"{previews} lines", WHY_PREVIEW))
        return out

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        ps, _ = _postscript(src.read_bytes())
        _check(ps)
        dst.write_bytes(b"".join(line for line, keep, _ in _lines(ps) if keep))


cleaner = EpsCleaner()
