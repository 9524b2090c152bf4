"""Reading a dumped ZIM the way a browser follows it: every link and picture address."""

from __future__ import annotations

import posixpath
import re
import urllib.parse

A_HREF = re.compile(rb"<a\s[^>]*?href=\"([^\"]*)\"", re.I)
IMG_SRC = re.compile(rb"<img\s[^>]*?src=\"([^\"]*)\"", re.I)


def internal(page: str, address: bytes) -> str | None:
    """The dumped path an address on `page` points at, None for other sites and anchors."""
    text = address.decode()
    if not text or text.startswith("#") or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", text):
        return None
    text = urllib.parse.unquote(text.split("#")[0].split("?")[0])
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), text))


def dead_links(tree: dict[str, bytes], pages: set[str]) -> list[tuple[str, str]]:
    """(page, address) for every `<a href>` and `<img src>` pointing at nothing in `tree`."""
    dead = []
    for page in sorted(pages):
        html = tree[page]
        for address in A_HREF.findall(html) + IMG_SRC.findall(html):
            target = internal(page, address)
            if target is not None and target not in tree:
                dead.append((page, address.decode()))
    return dead
