"""HWPX, the Hangul word processor's ZIP+XML format (OWPML).

Removed: the package metadata in `Contents/content.hpf` (title, creator,
last editor, subject, description, keywords, dates), the application name
and build in `version.xml`, the first page's preview text
(`Preview/PrvText.txt`, emptied) and preview picture (`Preview/PrvImage.png`,
replaced by a blank pixel), tracked-change author names in the header,
metadata in embedded pictures, ZIP times. Text and layout are untouched.

Refused, with the reason: memos (Hangul's comments) and tracked changes in
the text, whose removal would mean rewriting the body, and any history part
(earlier versions of the document).
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from sneakernet.clean.base import WHY_COMMENTS, CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import xmlrules, ziputil
from sneakernet.clean.formats.xmlrules import rule, text_of

MIMETYPE = b"mimetypeapplication/hwp+zip"
PREVIEW_TEXT = "Preview/PrvText.txt"
PREVIEW_IMAGE = "Preview/PrvImage.png"
SECTION = re.compile(r"Contents/section\d+\.xml")


def _blank_png() -> bytes:
    """A 1x1 white PNG: the preview slot stays filled, with nothing in it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return len(body).to_bytes(4, "big") + kind + body + crc.to_bytes(4, "big")

    ihdr = (1).to_bytes(4, "big") * 2 + b"\x08\x00\x00\x00\x00"
    idat = zlib.compress(b"\x00\xff", 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


BLANK_PNG = _blank_png()
RULES = [
    rule(
        "metadata",
        "names the author and editor, with dates",
        r"Contents/content\.hpf",
        rb"(<(?:[\w.-]+:)?(?:meta|title)\b[^>]*>)[^<]+(</)",
        rb"\1\2",
    ),
    rule(
        "application",
        "names the software and its build",
        r"version\.xml",
        rb"(\s(?:application|appVersion)=\")[^\"]+(\")",
        rb"\1\2",
    ),
    rule(
        "track-change author",
        "names a person",
        r"Contents/header\.xml",
        rb"(<(?:[\w.-]+:)?trackChangeAuthor\b[^>]*?\sname=\")[^\"]+(\")",
        rb"\1\2",
    ),
]
MEMO = re.compile(rb"<(?:[\w.-]+:)?fieldBegin\b[^>]*\stype=\"MEMO\"|<(?:[\w.-]+:)?memo\b")
TRACKED = re.compile(rb"<(?:[\w.-]+:)?(?:insertBegin|deleteBegin)\b")
DELETED = re.compile(rb"<(?:[\w.-]+:)?deleteBegin\b.*?<(?:[\w.-]+:)?deleteEnd\b", re.S)


def _review(members: list[ziputil.Member]) -> tuple[list[Finding], list[str]]:
    """Findings for memos, tracked changes and history, and the refusals they bring."""
    found, refusals = [], []
    for m in members:
        if "history" in m.name.lower():
            found.append(Finding(f"HWPX:{m.name}", f"{len(m.data)} bytes", "earlier versions"))
            refusals.append("it keeps its document history; delete the history in Hangul first")
        if not SECTION.fullmatch(m.name):
            continue
        if MEMO.search(m.data):
            found.append(
                Finding(
                    f"HWPX:{m.name}:memos",
                    "memos",
                    WHY_COMMENTS,
                )
            )
            refusals.append(
                "it holds memos (comments), which this cleaner cannot cut out of an HWPX file;"
                " delete them in Hangul first"
            )
        if TRACKED.search(m.data):
            deleted = " | ".join(text_of(d.group(0)) for d in DELETED.finditer(m.data))
            found.append(
                Finding(
                    f"HWPX:{m.name}:tracked changes",
                    shorten(deleted) or "present",
                    "words someone took out and who changed what",
                )
            )
            refusals.append(
                "it holds tracked changes, which this cleaner cannot accept in an HWPX file;"
                " accept or reject them in Hangul first"
            )
    return found, refusals


def _findings(members: list[ziputil.Member]) -> list[Finding]:
    out, _ = _review(members)
    for m in members:
        if m.name == PREVIEW_TEXT and m.data.strip(b"\x00\xef\xbb\xbf \r\n"):
            text = m.data.decode("utf-8", "replace")
            out.append(Finding(f"HWPX:{m.name}", shorten(text), "the first page as last saved"))
        elif m.name == PREVIEW_IMAGE and m.data != BLANK_PNG:
            out.append(
                Finding(f"HWPX:{m.name}", f"{len(m.data)} bytes", "a picture of the first page")
            )
        else:
            out += xmlrules.findings(RULES, m.name, m.data, "HWPX")
    return out + ziputil.embedded_findings(
        [m for m in members if m.name not in (PREVIEW_IMAGE, PREVIEW_TEXT)]
    )


class HwpxCleaner:
    name = "hwpx"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(b"PK\x03\x04") and head[30 : 30 + len(MIMETYPE)] == MIMETYPE

    def data_end(self, path: Path) -> int:
        return ziputil.data_end(path)

    def inspect(self, path: Path) -> list[Finding]:
        members, archive = ziputil.read_members(path)
        return archive + _findings(members)

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        members, _ = ziputil.read_members(src)
        _, refusals = _review(members)
        if refusals:
            raise CleanError(refusals[0])
        for m in members:
            if m.name == PREVIEW_TEXT:
                m.data = b""
            elif m.name == PREVIEW_IMAGE:
                m.data = BLANK_PNG
            else:
                m.data = xmlrules.apply(RULES, m.name, m.data)
        ziputil.clean_embedded(
            [m for m in members if m.name not in (PREVIEW_IMAGE, PREVIEW_TEXT)], options
        )
        for m in members:
            m.stored = m.name == "mimetype"
        ziputil.write_members(dst, members)


cleaner = HwpxCleaner()
