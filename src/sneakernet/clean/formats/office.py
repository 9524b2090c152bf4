"""Office Open XML (DOCX, XLSX, PPTX): properties, people, revision ids, times.

Removed: core, extended and custom properties (author, last editor, company,
template path, editing time, dates), comment and revision authors and dates,
revision-session ids (rsids, which link documents edited in one session),
sign-in ids of co-authors, the absolute path Excel stores, file-path link
targets, and metadata in pictures. Reviewers' comments and tracked changes
go too (see officereview). The text a reader sees and the layout are untouched.
"""

from __future__ import annotations

from pathlib import Path

from sneakernet.clean.base import CleanOptions, Finding
from sneakernet.clean.formats import officereview, xmlrules, ziputil
from sneakernet.clean.formats.xmlrules import rule

XML = r".*\.xml"
RULES = [
    rule(
        "rsid",
        "revision-session ids link documents edited together",
        XML,
        rb"\s[\w]+:rsid\w*=\"[^\"]*\"",
    ),
    rule(
        "rsids",
        "revision-session ids link documents edited together",
        XML,
        rb"<w:rsids>.*?</w:rsids>",
    ),
    rule("author", "names a person", XML, rb"(\s[\w]+:author=\")[^\"]+(\")", rb"\1\2"),
    rule("date", "when a person edited", XML, rb"\s[\w]+:(?:date|dateUtc)=\"[^\"]*\""),
    rule("initials", "a person's initials", XML, rb"\s[\w]+:initials=\"[^\"]*\""),
    rule("presence", "sign-in id of a person", XML, rb"<w15:presenceInfo\b[^>]*/>"),
    rule("absolute path", "folder on the author's computer", XML, rb"<x15ac:absPath\b[^>]*/>"),
    rule("revision pointer", "document id across saves", XML, rb"<xr:revisionPtr\b[^>]*/>"),
    rule(
        "comment author",
        "names a person",
        r"xl/comments\d*\.xml",
        rb"(<author>)[^<]+(</author>)",
        rb"\1\2",
    ),
    rule(
        "person",
        "names or signs in a person",
        r"(xl/persons/.*|ppt/authors|ppt/commentAuthors)\.xml",
        rb"(\s(?:displayName|userId|providerId|name|initials)=\")[^\"]+(\")",
        rb"\1\2",
    ),
    rule(
        "comment time",
        "when a person commented",
        r"(ppt/comments/.*|xl/threadedComments/.*)",
        rb"\s(?:dt|dT|created)=\"[^\"]*\"",
    ),
    rule(
        "refreshed by",
        "names a person",
        r"xl/pivotCache/.*\.xml",
        rb"\s(?:refreshedBy|refreshedDate|refreshedDateIso)=\"[^\"]*\"",
    ),
    rule(
        "document id",
        "one id for every copy and version of the document",
        XML,
        rb"<w1[45]:docId\b[^>]*/>",
    ),
    rule(
        "tenant id",
        "names the organisation's Microsoft 365 tenant",
        r"docMetadata/.*\.xml",
        rb"(\ssiteId=\")[^\"]+(\")",
        rb"\1\2",
    ),
    rule(
        "editing client",
        "ids and times of the apps that edited it",
        r"ppt/revisionInfo\.xml",
        rb"<p\d+:client\b[^>]*/>",
    ),
    rule(
        "SharePoint",
        "names the people and the site the document was shared on",
        r"customXml/item\d+\.xml",
        rb"(<(?:\w+:)?(DisplayName|AccountId|_dlc_DocId|_dlc_DocIdItemGuid|Url)\b[^>]*>)[^<]+(</)",
        rb"\1\3",
    ),
    rule(
        "file link",
        "a path on the author's computer",
        r".*\.rels",
        rb"(Target=\")file:[^\"]*(\")",
        rb"\1about:blank\2",
    ),
]

NS_VT = b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
EMPTY_PROPERTIES = {
    "docProps/core.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>',
    "docProps/app.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties" xmlns:vt="' + NS_VT + b'"/>',
    "docProps/custom.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'custom-properties" xmlns:vt="' + NS_VT + b'"/>',
}


def _findings(members: list[ziputil.Member]) -> list[Finding]:
    out = []
    for m in members:
        if officereview.review_part(m):
            out += officereview.part_findings(m)
            if officereview.COMMENT_PARTS.fullmatch(m.name):
                out += xmlrules.findings(RULES, m.name, m.data, "OOXML")  # kept on request
            continue
        if officereview.WORD_PART.fullmatch(m.name):
            out += officereview.word_findings(m.name, m.data)
            out += officereview.hidden_findings(m.name, m.data)
        if m.name in EMPTY_PROPERTIES:
            for element, text in xmlrules.element_values(m.data):
                out.append(Finding(f"OOXML:{m.name}:{element}", text, "document properties"))
        else:
            out += xmlrules.findings(RULES, m.name, m.data, "OOXML")
    return out + ziputil.embedded_findings(members)


class OfficeCleaner:
    name = "office"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(b"PK\x03\x04") and b"[Content_Types].xml" in head

    def data_end(self, path: Path) -> int:
        return ziputil.data_end(path)

    def inspect(self, path: Path) -> list[Finding]:
        members, archive = ziputil.read_members(path)
        return archive + _findings(members)

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        members, _ = ziputil.read_members(src)
        members = officereview.remove_review(members, options.keep_comments, options.drop_notes)
        for m in members:
            if m.name in EMPTY_PROPERTIES:
                m.data = EMPTY_PROPERTIES[m.name]
            else:
                m.data = xmlrules.apply(RULES, m.name, m.data)
        ziputil.clean_embedded(members, options)
        for m in members:
            m.stored = False
        ziputil.write_members(dst, members)


cleaner = OfficeCleaner()
