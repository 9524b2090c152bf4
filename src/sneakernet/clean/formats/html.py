"""HTML and XHTML: author and tool `<meta>` tags, and the saved-from address.

Browsers that save a page write `<!-- saved from url=(N)ADDRESS -->` at the
top; editors add `<meta name="generator">` and author names. The page itself
is left byte for byte as it was.
"""

from __future__ import annotations

import re
from pathlib import Path

from sneakernet.clean.base import CleanOptions, Finding
from sneakernet.clean.formats import xmlrules
from sneakernet.clean.formats.text import as_utf8, in_own_encoding, looks_like_text
from sneakernet.clean.formats.xmlrules import rule

META_NAMES = (
    rb"author|generator|creator|publisher|copyright|progid|originator|dc\.[\w.]+|dcterms\.[\w.]+"
)
RULES = [
    rule(
        "meta",
        "names a person or the tool that made the page",
        r".*",
        rb"<meta\b[^>]*\bname\s*=\s*[\"']?(?:" + META_NAMES + rb")[\"'\s>/][^>]*>",
        flags=re.I,
    ),
    rule(
        "saved from",
        "the address the page was saved from",
        r".*",
        rb"<!--\s*saved from url=\(\d+\).*?-->[ \t]*\r?\n?",
        flags=re.I,
    ),
]
HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)


class HtmlCleaner:
    name = "html"

    def sniff(self, head: bytes, path: Path) -> bool:
        body = as_utf8(head[:8192])
        body = body[3:] if body.startswith(b"\xef\xbb\xbf") else body
        return looks_like_text(head) and bool(HTML_START.match(body))

    def inspect(self, path: Path) -> list[Finding]:
        return xmlrules.findings(RULES, path.name, as_utf8(path.read_bytes()), "HTML")

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        data = src.read_bytes()
        dst.write_bytes(in_own_encoding(data, xmlrules.apply(RULES, src.name, as_utf8(data))))


cleaner = HtmlCleaner()
