"""Reviewers' traces in Office Open XML: comments, tracked changes, old revisions.

A comment is where a reviewer writes names, places and plans; a tracked
deletion keeps the words someone took out. Neither is what a reader of the
finished document sees, so both go:

- comment parts and the lists of people who commented (Word, Excel and
  PowerPoint, old and threaded comments, Excel's comment drawings) are
  dropped, with every relationship, content-type entry and reference
  pointing at them, and the anchors in the text (`commentRangeStart`,
  `commentRangeEnd`, `commentReference`);
- tracked changes are accepted: insertions and moved-to text keep their
  words and lose their wrappers; deletions and moved-away text are dropped
  with their words (a deleted table row or cell with all its text); records
  of earlier formatting are dropped;
- Excel's revision log of shared workbooks (old cell values) and its user
  list are dropped;
- what a reader never sees goes too: hidden runs (`w:vanish` in the run's own
  properties), document variables (`w:docVars`), custom XML data parts and
  the first-page thumbnail.

The XML is edited as bytes (never re-serialised), element by element, with
nesting respected; the namespace prefix bound to WordprocessingML is looked
up in each part, so documents from other producers are handled too.
"""

from __future__ import annotations

import posixpath
import re

from sneakernet.clean.base import WHY_COMMENT_ANCHORS, WHY_COMMENTS, Finding, shorten
from sneakernet.clean.formats import ziputil
from sneakernet.clean.formats.xmlrules import (
    drop_elements,
    drop_spans,
    element_spans,
    has_element,
    text_of,
    unwrap_elements,
)

REVIEW_PARTS = re.compile(
    r"word/(?:comments\w*|people)\.xml"
    r"|xl/comments\d*\.xml|xl/threadedComments/.*|xl/persons/.*"
    r"|xl/revisions/.*|xl/usernames\.xml"
    r"|ppt/comments/.*|ppt/commentAuthors\.xml|ppt/authors\.xml"
)
# The parts `keep_comments` keeps: the comments themselves and the lists of
# their authors (whose names the property rules blank).
COMMENT_PARTS = re.compile(
    r"word/(?:comments\w*|people)\.xml"
    r"|xl/comments\d*\.xml|xl/threadedComments/.*|xl/persons/.*"
    r"|ppt/comments/.*|ppt/commentAuthors\.xml|ppt/authors\.xml"
)
# Speaker notes: content, kept unless `drop_notes`.
NOTES_PARTS = re.compile(r"ppt/notesSlides/.*")
# Parts that are not what a reader sees: the thumbnail Office renders of the
# first page (as it was when last saved), and custom XML data parts (form data,
# SharePoint columns, add-in state).
HIDDEN_PARTS = re.compile(r"docProps/thumbnail\.\w+|customXml/.*")
WORD_PART = re.compile(r"word/.*\.xml")
VML_DRAWING = re.compile(r"xl/drawings/.*\.vml")
NS_R = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_W = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Accepted: the wrapper goes, the words stay.
UNWRAP = (b"ins", b"moveTo")
# Dropped with what they hold: deleted and moved-away text, old formatting,
# range marks of changes and comments, comment references.
DROP = (
    b"del",
    b"moveFrom",
    b"rPrChange",
    b"pPrChange",
    b"sectPrChange",
    b"tblPrChange",
    b"tblPrExChange",
    b"trPrChange",
    b"tcPrChange",
    b"tblGridChange",
    b"numberingChange",
    b"cellIns",
    b"cellMerge",
    b"moveFromRangeStart",
    b"moveFromRangeEnd",
    b"moveToRangeStart",
    b"moveToRangeEnd",
    b"customXmlDelRangeStart",
    b"customXmlDelRangeEnd",
    b"customXmlInsRangeStart",
    b"customXmlInsRangeEnd",
    b"customXmlMoveFromRangeStart",
    b"customXmlMoveFromRangeEnd",
    b"customXmlMoveToRangeStart",
    b"customXmlMoveToRangeEnd",
    b"commentRangeStart",
    b"commentRangeEnd",
    b"commentReference",
)
DELETED_TEXT = (b"del", b"moveFrom")
FORMAT_CHANGES = DROP[2:11]
ANCHORS = DROP[-3:]
# (container, its properties, the mark that deletes it)
DELETED_CONTAINERS = ((b"tr", b"trPr", b"del"), (b"tc", b"tcPr", b"cellDel"))
RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*?/>")
ATTR = re.compile(rb'\s([\w:]+)="([^"]*)"')
WHY_DELETED = "words someone took out, still in the file"


def _prefix(data: bytes) -> bytes:
    m = re.search(rb'xmlns(?::([\w.-]+))?="' + re.escape(NS_W) + rb'"', data)
    return (m.group(1) or b"") if m else b"w"


def _qn(prefix: bytes, local: bytes) -> bytes:
    return prefix + b":" + local if prefix else local


def _deleted_containers(data: bytes, prefix: bytes) -> list[tuple[int, int]]:
    """Table rows and cells marked deleted (their properties carry the mark)."""
    spans = []
    for container, props, mark in DELETED_CONTAINERS:
        for start, end in element_spans(data, _qn(prefix, container), nested=True):
            inner = data[start:end]
            prop_spans = element_spans(inner, _qn(prefix, props))
            if prop_spans and has_element(
                inner[prop_spans[0][0] : prop_spans[0][1]], _qn(prefix, mark)
            ):
                spans.append((start, end))
    return spans


def accept_revisions(data: bytes, keep_anchors: bool = False) -> bytes:
    """A WordprocessingML part with every tracked change accepted and no comment anchors."""
    prefix = _prefix(data)
    data = drop_spans(data, _deleted_containers(data, prefix))
    dropped = DROP[: -len(ANCHORS)] if keep_anchors else DROP
    data = drop_elements(data, *(_qn(prefix, n) for n in dropped))
    return unwrap_elements(data, *(_qn(prefix, n) for n in UNWRAP))


def word_findings(name: str, data: bytes) -> list[Finding]:
    prefix = _prefix(data)
    out = []
    deleted = [data[s:e] for s, e in _deleted_containers(data, prefix)]
    for local in DELETED_TEXT:
        deleted += [data[s:e] for s, e in element_spans(data, _qn(prefix, local))]
    if deleted:
        texts = [t for t in (text_of(d) for d in deleted) if t]
        shown = " | ".join(texts) if texts else f"{len(deleted)} deletion marks"
        out.append(Finding(f"OOXML:{name}:deleted text", shorten(shown), WHY_DELETED))
    inserted = [data[s:e] for local in UNWRAP for s, e in element_spans(data, _qn(prefix, local))]
    if inserted:
        texts = [t for t in (text_of(d) for d in inserted) if t]
        shown = " | ".join(texts) if texts else f"{len(inserted)} insertion marks"
        out.append(
            Finding(
                f"OOXML:{name}:tracked insertions",
                shorten(shown),
                "a record of who changed what (accepted into the text)",
            )
        )
    changes = sum(len(element_spans(data, _qn(prefix, n))) for n in FORMAT_CHANGES)
    if changes:
        out.append(
            Finding(
                f"OOXML:{name}:formatting changes",
                f"{changes} records",
                "earlier formatting, kept as revision history",
            )
        )
    anchors = sum(len(element_spans(data, _qn(prefix, n))) for n in ANCHORS)
    if anchors:
        out.append(
            Finding(f"OOXML:{name}:comment anchors", f"{anchors} marks", WHY_COMMENT_ANCHORS)
        )
    return out


def _is_comment_drawing(data: bytes) -> bool:
    """An Excel VML drawing that only holds comment boxes."""
    kinds = re.findall(rb'ObjectType="([^"]*)"', data)
    return bool(kinds) and all(k == b"Note" for k in kinds)


def review_part(m: ziputil.Member, keep_comments: bool = False, drop_notes: bool = False) -> bool:
    """Whether the whole member is dropped by cleaning (reviewers' or hidden material)."""
    if drop_notes and NOTES_PARTS.fullmatch(m.name):
        return True
    if keep_comments and COMMENT_PARTS.fullmatch(m.name):
        return False
    if REVIEW_PARTS.fullmatch(m.name) or HIDDEN_PARTS.fullmatch(m.name):
        return True
    is_note_drawing = bool(VML_DRAWING.fullmatch(m.name)) and _is_comment_drawing(m.data)
    return is_note_drawing and not keep_comments


def part_findings(m: ziputil.Member) -> list[Finding]:
    if m.name.startswith("docProps/thumbnail"):
        why = "a picture of the first page as it was when last saved"
        return [Finding(f"OOXML:{m.name}", f"{len(m.data)} bytes", why)]
    if m.name.startswith("customXml/"):
        if m.name.endswith(".rels") or "itemProps" in m.name:
            return []  # bookkeeping of the data part, reported with it
        text = text_of(m.data) or f"{len(m.data)} bytes"
        return [Finding(f"OOXML:{m.name}", shorten(text), "custom XML data: form and site data")]
    text = text_of(m.data) or "present"
    return [Finding(f"OOXML:{m.name}", shorten(text), WHY_COMMENTS)]


def _hidden_runs(data: bytes, prefix: bytes) -> list[tuple[int, int]]:
    """Runs whose own properties hide them (`w:vanish`): text a reader never sees."""
    vanish = re.compile(rb"<" + re.escape(_qn(prefix, b"vanish")) + rb"(?:\s[^>]*?)?/>", re.S)
    off = re.compile(rb'\s(?:[\w.-]+:)?val="(?:0|false|off)"')
    spans = []
    for start, end in element_spans(data, _qn(prefix, b"r"), nested=True):
        run = data[start:end]
        props = element_spans(run, _qn(prefix, b"rPr"))
        if not props:
            continue
        own = run[props[0][0] : props[0][1]]
        if any(not off.search(m.group(0)) for m in vanish.finditer(own)):
            spans.append((start, end))
    return spans


def hide_nothing(data: bytes) -> bytes:
    """A WordprocessingML part without hidden runs and document variables."""
    prefix = _prefix(data)
    data = drop_spans(data, _hidden_runs(data, prefix))
    return drop_elements(data, _qn(prefix, b"docVars"))


def hidden_findings(name: str, data: bytes) -> list[Finding]:
    prefix = _prefix(data)
    out = []
    hidden = [text_of(data[s:e]) for s, e in _hidden_runs(data, prefix)]
    if hidden:
        shown = " | ".join(t for t in hidden if t) or f"{len(hidden)} runs"
        out.append(Finding(f"OOXML:{name}:hidden text", shorten(shown), "text a reader never sees"))
    for s, e in element_spans(data, _qn(prefix, b"docVars")):
        values = re.findall(rb'\s(?:[\w.-]+:)?val="([^"]*)"', data[s:e])
        shown = " | ".join(v.decode("utf-8", "replace") for v in values) or "present"
        out.append(Finding(f"OOXML:{name}:document variables", shorten(shown), "hidden values"))
    return out


def _source_of_rels(name: str) -> str:
    """`word/_rels/document.xml.rels` describes `word/document.xml`."""
    folder, base = posixpath.split(name)
    parent = posixpath.dirname(folder) if posixpath.basename(folder) == "_rels" else folder
    return posixpath.join(parent, base.removesuffix(".rels"))


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def remove_review(
    members: list[ziputil.Member], keep_comments: bool = False, drop_notes: bool = False
) -> list[ziputil.Member]:
    """The members without comments and revisions, with their references cut.

    `keep_comments` keeps the comments (and their anchors); `drop_notes`
    removes speaker notes too.
    """
    gone = {m.name for m in members if review_part(m, keep_comments, drop_notes)}
    gone |= {
        m.name for m in members if m.name.endswith(".rels") and _source_of_rels(m.name) in gone
    }
    kept = [m for m in members if m.name not in gone]
    dropped_ids: dict[str, set[bytes]] = {}
    for m in kept:
        if m.name.endswith(".rels"):
            source = _source_of_rels(m.name)

            def cut(match: re.Match[bytes], source: str = source) -> bytes:
                attrs = dict(ATTR.findall(match.group(0)))
                target = attrs.get(b"Target", b"").decode("utf-8", "replace")
                external = attrs.get(b"TargetMode") == b"External"
                if not external and _resolve(source, target) in gone:
                    dropped_ids.setdefault(source, set()).add(attrs.get(b"Id", b""))
                    return b""
                return match.group(0)

            m.data = RELATIONSHIP.sub(cut, m.data)
        elif m.name == "[Content_Types].xml":
            m.data = re.sub(
                rb'<Override\b[^>]*?PartName="/([^"]*)"[^>]*?/>',
                lambda o: b"" if o.group(1).decode("utf-8", "replace") in gone else o.group(0),
                m.data,
            )
    for m in kept:
        ids = dropped_ids.get(m.name)
        if ids:
            # Elements that refer to a dropped relationship (`<legacyDrawing r:id=.../>`).
            for prefix in re.findall(rb'xmlns:([\w.-]+)="' + re.escape(NS_R) + b'"', m.data):
                m.data = re.sub(
                    rb"<[\w:.-]+(?:\s[^>]*?)?\s" + re.escape(prefix) + rb':id="([^"]*)"[^>]*?/>',
                    lambda e, ids=ids: b"" if e.group(1) in ids else e.group(0),
                    m.data,
                )
        if WORD_PART.fullmatch(m.name):
            m.data = hide_nothing(accept_revisions(m.data, keep_anchors=keep_comments))
    return kept
