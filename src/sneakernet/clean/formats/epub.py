"""EPUB: the package document loses creators, contributors, publisher, dates.

The identifier is replaced by one derived from the book's text, so it names
no shop, buyer or tool yet stays the same for the same book (readers use it
to keep reading positions apart). Tool metadata (`<meta>` other than the
cover and the required modification date, which gets a neutral value) and
the NCX author are removed; pictures are cleaned by their own cleaners.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding
from sneakernet.clean.formats import html, xmlrules, ziputil
from sneakernet.clean.formats.xmlrules import rule

MIMETYPE = b"mimetypeapplication/epub+zip"
NEUTRAL_MODIFIED = b"2000-01-01T00:00:00Z"
ROOTFILE = re.compile(rb"<rootfile\b[^>]*\bfull-path=\"([^\"]+)\"")
DROPPED_DC = rb"creator|contributor|publisher|date|source"
IDENTIFIER = re.compile(rb"(<dc:identifier\b[^>]*>)(.*?)(</dc:identifier>)", re.S)
NCX_UID = re.compile(rb"(<meta\s+name=\"dtb:uid\"\s+content=\")([^\"]*)(\")")
META = re.compile(rb"<meta\b[^>]*?(?:/>|>.*?</meta>)", re.S)
KEPT_META = re.compile(
    rb"\bname=\"cover\"|property=\"dcterms:modified\">" + NEUTRAL_MODIFIED + rb"<"
)
MODIFIED = re.compile(rb"(<meta\b[^>]*property=\"dcterms:modified\"[^>]*>)[^<]*(</meta>)")


def _drop_meta(match: re.Match[bytes]) -> bytes:
    return match.group(0) if KEPT_META.search(match.group(0)) else b""


OPF_RULES = [
    rule(
        "dc",
        "names people, shops or dates",
        r".*\.opf",
        rb"<dc:(" + DROPPED_DC + rb")\b[^>]*?(?:/>|>.*?</dc:\1>)",
    ),
    rule("meta", "tool, person or date details", r".*\.opf", META.pattern, _drop_meta),
]
NCX_RULES = [
    rule("docAuthor", "names a person", r".*\.ncx", rb"<docAuthor\b.*?</docAuthor>"),
    rule(
        "generator",
        "names the tool and its version",
        r".*\.ncx",
        rb"<meta\s+name=\"dtb:generator\"[^>]*/>",
    ),
]


def _opf_name(members: list[ziputil.Member]) -> str:
    container = next((m for m in members if m.name == "META-INF/container.xml"), None)
    found = ROOTFILE.search(container.data) if container else None
    if not found:
        raise CleanError("broken EPUB: META-INF/container.xml names no package document")
    return found.group(1).decode("utf-8", "replace")


def _is_page(name: str) -> bool:
    return name.endswith((".xhtml", ".html", ".htm"))


def neutral_identifier(members: list[ziputil.Member]) -> bytes:
    """urn:uuid derived from the book's text documents only (as cleaned)."""
    digest = hashlib.sha256()
    for m in sorted(members, key=lambda m: m.name):
        if _is_page(m.name):
            digest.update(m.name.encode() + b"\0" + xmlrules.apply(html.RULES, m.name, m.data))
    return b"urn:uuid:" + str(uuid.UUID(bytes=digest.digest()[:16], version=4)).encode()


def _meta_rules_findings(m: ziputil.Member) -> list[Finding]:
    return xmlrules.findings(OPF_RULES + NCX_RULES, m.name, m.data, "EPUB")


def _page_findings(members: list[ziputil.Member]) -> list[Finding]:
    return [
        f
        for m in members
        if _is_page(m.name)
        for f in xmlrules.findings(html.RULES, m.name, m.data, "EPUB")
    ]


class EpubCleaner:
    name = "epub"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(b"PK\x03\x04") and head[30 : 30 + len(MIMETYPE)] == MIMETYPE

    def data_end(self, path: Path) -> int:
        return ziputil.data_end(path)

    def inspect(self, path: Path) -> list[Finding]:
        members, out = ziputil.read_members(path)
        opf = _opf_name(members)
        neutral = neutral_identifier(members)
        for m in members:
            if m.name == opf or m.name.endswith(".ncx"):
                out += _meta_rules_findings(m)
                ids = [g[1] for g in IDENTIFIER.findall(m.data)] + [
                    g[1] for g in NCX_UID.findall(m.data)
                ]
                out += [
                    Finding(
                        f"EPUB:{m.name}:identifier",
                        i.decode("utf-8", "replace"),
                        "links the copy to a shop or buyer",
                    )
                    for i in ids
                    if i.strip() != neutral
                ]
        return out + _page_findings(members) + ziputil.embedded_findings(members)

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        members, _ = ziputil.read_members(src)
        opf = _opf_name(members)
        neutral = neutral_identifier(members)
        for m in members:
            if m.name == opf:
                m.data = MODIFIED.sub(rb"\g<1>" + NEUTRAL_MODIFIED + rb"\g<2>", m.data)
                m.data = xmlrules.apply(OPF_RULES, m.name, m.data)
                m.data = IDENTIFIER.sub(lambda g: g.group(1) + neutral + g.group(3), m.data)
            elif _is_page(m.name):
                m.data = xmlrules.apply(html.RULES, m.name, m.data)
            elif m.name.endswith(".ncx"):
                m.data = xmlrules.apply(NCX_RULES, m.name, m.data)
                m.data = NCX_UID.sub(lambda g: g.group(1) + neutral + g.group(3), m.data)
            m.stored = m.name == "mimetype"
        ziputil.clean_embedded(members, options)
        members.sort(key=lambda m: m.name != "mimetype")
        ziputil.write_members(dst, members)


cleaner = EpubCleaner()
