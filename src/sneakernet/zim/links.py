"""Links inside ZIM article pages: found, resolved to entries, and cut when their target goes.

Pages link to each other with relative addresses (`Seoul`, `../A/Seoul`,
`Seoul#History`). `resolve` turns one into the path of an entry in the same
ZIM, or None for addresses outside it (`https://...`, `#top`, `mailto:`).
`rewrite` keeps a page as it is but for links to entries a subset leaves
out: an `<a>` becomes its plain text, an `<img>` or `<source>` showing a
dropped picture goes.
"""

from __future__ import annotations

import posixpath
import re
import urllib.parse
from collections.abc import Callable

_ANCHOR = re.compile(rb"<a\b([^>]*)>(.*?)</a\s*>", re.S | re.I)
_HREF = re.compile(rb"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.I)
_MEDIA_TAG = re.compile(rb"<(?:img|source)\b[^>]*>", re.I)
_SRC = re.compile(rb"""\b(src|srcset|poster)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.I)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _attr(match: re.Match | None) -> str | None:
    if match is None:
        return None
    raw = next(g for g in match.groups()[-3:] if g is not None)
    return raw.decode("utf-8", "replace")


def resolve(page: str, address: str) -> str | None:
    """The entry path `address` points at from the page at `page`, or None if outside."""
    import html

    address = html.unescape(address).strip()
    if not address or address.startswith(("#", "//")) or _SCHEME.match(address):
        return None
    address = address.split("#", 1)[0].split("?", 1)[0]
    if not address:
        return None
    address = urllib.parse.unquote(address)
    if address.startswith("/"):
        return None  # relative to the server, not to the ZIM
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page), address))
    if joined.startswith("../") or joined in ("..", "."):
        return None
    return joined


def hrefs(html: bytes) -> list[str]:
    """Every `<a href>` address of a page, in order."""
    out = []
    for match in _ANCHOR.finditer(html):
        value = _attr(_HREF.search(match.group(1)))
        if value is not None:
            out.append(value)
    return out


def media_sources(html: bytes) -> list[str]:
    """Every picture address of `<img>`/`<source>` tags (src, srcset, poster)."""
    out = []
    for tag in _MEDIA_TAG.findall(html):
        for match in _SRC.finditer(tag):
            value = _attr(match)
            if match.group(1).lower() == b"srcset":
                out += [part.strip().split()[0] for part in value.split(",") if part.strip()]
            else:
                out.append(value)
    return out


def rewrite(html: bytes, page: str, kept: Callable[[str], bool]) -> bytes:
    """`html` with links to entries `kept` rejects made plain text, and their pictures gone."""

    def anchor(match: re.Match) -> bytes:
        value = _attr(_HREF.search(match.group(1)))
        if value is None:
            return match.group(0)
        target = resolve(page, value)
        if target is None or kept(target):
            return match.group(0)
        return match.group(2)

    def media(match: re.Match) -> bytes:
        tag = match.group(0)
        for src in _SRC.finditer(tag):
            value = _attr(src)
            addresses = (
                [p.strip().split()[0] for p in value.split(",") if p.strip()]
                if src.group(1).lower() == b"srcset"
                else [value]
            )
            for address in addresses:
                target = resolve(page, address)
                if target is not None and not kept(target):
                    return b""
        return tag

    return _MEDIA_TAG.sub(media, _ANCHOR.sub(anchor, html))
