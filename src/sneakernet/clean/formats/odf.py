"""OpenDocument (ODT, ODS, ODP): meta.xml, annotation and change authors, printers.

meta.xml (creator, generator with build, dates, editing time and cycles,
template path, user-defined fields) is replaced by an empty one. Authors and
dates of comments and tracked changes are blanked (dates get a neutral
value where the schema needs one), revision-session ids are removed and the
printer and database names in settings.xml are emptied. Comments
(`office:annotation`) go with their text, and tracked changes are accepted:
the change record (which keeps deleted text) and the marks in the text go. `mimetype` stays the
first, uncompressed member, as readers require.
"""

from __future__ import annotations

import re
from pathlib import Path

from sneakernet.clean.base import WHY_COMMENTS, CleanOptions, Finding, shorten
from sneakernet.clean.formats import xmlrules, ziputil
from sneakernet.clean.formats.xmlrules import rule

MIMETYPE_PREFIX = b"mimetypeapplication/vnd.oasis.opendocument."
NEUTRAL_DATE = b"2000-01-01T00:00:00"
XML = r".*\.xml"
# The document's own properties and settings, and those of each embedded object ("Object 1/").
META = r"(?:.*/)?meta\.xml"
SETTINGS = r"(?:.*/)?settings\.xml"
PRIVATE_SETTINGS = rb"PrinterName|PrinterSetup|PrintFaxName|CurrentDatabase\w*"
RULES = [
    rule("creator", "names a person", XML, rb"(<dc:creator>)[^<]+(</dc:creator>)", rb"\1\2"),
    rule(
        "initials",
        "a person's initials",
        XML,
        rb"(<meta:creator-initials>)[^<]+(</meta:creator-initials>)",
        rb"\1\2",
    ),
    rule(
        "date",
        "when a person edited",
        XML,
        rb"(<dc:date>)(?!" + NEUTRAL_DATE + rb"<)[^<]+(</dc:date>)",
        rb"\g<1>" + NEUTRAL_DATE + rb"\g<2>",
    ),
    rule(
        "rsid",
        "revision-session ids link documents edited together",
        XML,
        rb"\sofficeooo:(?:rsid|paragraph-rsid)=\"[^\"]*\"",
    ),
    rule(
        "printer",
        "names the printer, computer or database",
        SETTINGS,
        rb"(<config:config-item config:name=\"(?:"
        + PRIVATE_SETTINGS
        + rb")\" config:type=\"[^\"]*\">)"
        rb"[^<]+(</config:config-item>)",
        rb"\1\2",
    ),
    rule(
        "session id",
        "revision-session ids link documents edited together",
        SETTINGS,
        rb"(<config:config-item config:name=\"Rsid(?:Root)?\" config:type=\"int\">)(?!0<)[^<]+(<)",
        rb"\g<1>0\g<2>",
    ),
]
# Reviewers' traces: comments (with their end marks) and the record of tracked
# changes, which holds deleted text. Accepting every change is dropping the
# record and the marks in the text: inserted text already stands in the body.
REVIEW_ELEMENTS = (
    b"office:annotation",
    b"office:annotation-end",
    b"officeooo:annotation",  # LibreOffice's comments on presentation and drawing pages
    b"text:tracked-changes",
    b"table:tracked-changes",
    b"text:change-start",
    b"text:change-end",
    b"text:change",
)
WHY_REVIEW = {
    b"office:annotation": WHY_COMMENTS,
    b"officeooo:annotation": WHY_COMMENTS,
    b"text:tracked-changes": "tracked changes: deleted words and who changed what",
    b"table:tracked-changes": "tracked changes: old cell contents and who changed what",
}
# Speaker notes of a presentation page: removed only with `drop_notes`.
NOTES = b"presentation:notes"
# Text a reader never sees: spans in a character style that hides them, and
# hidden-text fields (`text:hidden-text`, `text:hidden-paragraph`).
HIDDEN_STYLE = re.compile(
    rb'<style:style\b[^>]*?style:name="([^"]+)"[^>]*?style:family="text"[^>]*>'
    rb'(?:(?!</style:style>).)*?text:display="none"',
    re.S,
)
HIDDEN_FIELDS = (b"text:hidden-text", b"text:hidden-paragraph")
SPAN_STYLE = re.compile(rb'<text:span\b[^>]*?\stext:style-name="([^"]+)"')
OFFICE_VERSION = re.compile(rb'office:version="([^"]*)"')


def _empty_meta(original: bytes) -> bytes:
    version = OFFICE_VERSION.search(original)
    attr = b' office:version="' + version.group(1) + b'"' if version else b""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        + attr
        + b"><office:meta/></office:document-meta>"
    )


def _review_findings(name: str, data: bytes) -> list[Finding]:
    out = []
    for qname, why in WHY_REVIEW.items():
        spans = xmlrules.element_spans(data, qname)
        if spans:
            texts = [xmlrules.text_of(data[s:e]) for s, e in spans]
            shown = " | ".join(t for t in texts if t) or f"{len(spans)} present"
            out.append(Finding(f"ODF:{name}:{qname.decode()}", shorten(shown), why))
    marks = sum(len(xmlrules.element_spans(data, q)) for q in REVIEW_ELEMENTS[5:])
    if marks:
        out.append(Finding(f"ODF:{name}:change marks", f"{marks} marks", "where text was changed"))
    return out


def _hidden_spans(data: bytes) -> list[tuple[int, int]]:
    """Spans and fields of text that LibreOffice and Word never show."""
    if b"text:display" not in data and b"text:hidden-" not in data:
        return []
    hidden = set(HIDDEN_STYLE.findall(data))
    spans = []
    if hidden:
        for start, end in xmlrules.element_spans(data, b"text:span", nested=True):
            style = SPAN_STYLE.match(data, start)
            if style and style.group(1) in hidden:
                spans.append((start, end))
    for qname in HIDDEN_FIELDS:
        spans += xmlrules.element_spans(data, qname)
    return spans


def _hidden_findings(name: str, data: bytes) -> list[Finding]:
    spans = _hidden_spans(data)
    if not spans:
        return []
    shown = " | ".join(t for t in (xmlrules.text_of(data[s:e]) for s, e in spans) if t)
    return [
        Finding(f"ODF:{name}:hidden text", shorten(shown) or "present", "text a reader never sees")
    ]


def _is_meta(name: str) -> bool:
    return re.fullmatch(META, name) is not None


def _meta_findings(name: str, data: bytes) -> list[Finding]:
    body = data.split(b"<office:meta>", 1)[-1] if b"<office:meta>" in data else b""
    out = [
        Finding(f"ODF:{name}:{e}", t, "document properties")
        for e, t in xmlrules.element_values(body)
    ]
    if b"<meta:" in body and not out:
        out.append(Finding(f"ODF:{name}", "statistics and properties", "document properties"))
    return out


class OdfCleaner:
    name = "odf"

    def sniff(self, head: bytes, path: Path) -> bool:
        return (
            head.startswith(b"PK\x03\x04")
            and head[30 : 30 + len(MIMETYPE_PREFIX)] == MIMETYPE_PREFIX
        )

    def data_end(self, path: Path) -> int:
        return ziputil.data_end(path)

    def inspect(self, path: Path) -> list[Finding]:
        members, out = ziputil.read_members(path)
        for m in members:
            if _is_meta(m.name):
                out += _meta_findings(m.name, m.data)
            else:
                if m.name.endswith(".xml"):
                    out += _review_findings(m.name, m.data)
                    out += _hidden_findings(m.name, m.data)
                out += xmlrules.findings(RULES, m.name, m.data, "ODF")
        return out + ziputil.embedded_findings(members)

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        members, _ = ziputil.read_members(src)
        for m in members:
            if _is_meta(m.name):
                m.data = _empty_meta(m.data)
            else:
                if m.name.endswith(".xml"):
                    dropped = REVIEW_ELEMENTS[3:] if options.keep_comments else REVIEW_ELEMENTS
                    if options.drop_notes:
                        dropped += (NOTES,)
                    m.data = xmlrules.drop_elements(m.data, *dropped)
                    m.data = xmlrules.drop_spans(m.data, _hidden_spans(m.data))
                m.data = xmlrules.apply(RULES, m.name, m.data)
            m.stored = m.name == "mimetype"
        ziputil.clean_embedded(members, options)
        members.sort(key=lambda m: m.name != "mimetype")
        ziputil.write_members(dst, members)


cleaner = OdfCleaner()
