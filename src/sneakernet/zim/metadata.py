"""Which ZIM metadata a reader needs, which names a group or a tool, and what replaces it.

Kiwix readers show Title, Description, Language and the Illustration, and
use Name, Flavour, Tags and Counter to file the book: those are kept. Creator
and Publisher are kept when they name the public origin of the content
(Wikipedia, Kiwix...) and otherwise become "-"; a Source that is not a public
site is emptied; the Date becomes one fixed day; the Scraper (the tool and
its version) and every entry no reader uses are emptied. The entries stay in
place, so the directory keeps its shape and `zimcheck` still finds the
metadata it requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kept as they are: what readers show or file the book by.
READER_KEEPS = (
    "Name", "Title", "Description", "LongDescription", "Language", "License", "Tags",
    "Flavour", "Counter",
)  # fmt: skip
ILLUSTRATION = re.compile(r"^Illustration_\d+x\d+@\d+$")
# Kept only when they name the public origin; else replaced.
ORIGIN_KEYS = ("Creator", "Publisher", "Source")
NEUTRAL_NAME = "-"
# The one date every cleaned ZIM carries (the same day cleaned documents carry).
NEUTRAL_DATE = "2000-01-01"

# Public origins of content: the projects and publishers whose names are on
# every copy Kiwix distributes, so keeping them says nothing about who made a card.
PUBLIC_CREATORS = {
    "wikipedia", "wiktionary", "wikivoyage", "wikibooks", "wikiquote", "wikisource",
    "wikinews", "wikiversity", "wikispecies", "wikidata", "wikimedia", "wikimedia commons",
    "mediawiki", "위키백과", "위키낱말사전", "위키여행", "위키책", "위키인용집", "위키문헌",
    "위키뉴스", "위키배움터", "project gutenberg", "ted", "stack exchange", "openstreetmap",
    NEUTRAL_NAME,
}  # fmt: skip
PUBLIC_PUBLISHERS = {"kiwix", "openzim", "kiwix & openzim", "kiwix and openzim", NEUTRAL_NAME}
PUBLIC_HOSTS = (
    "wikipedia.org", "wikimedia.org", "wiktionary.org", "wikivoyage.org", "wikibooks.org",
    "wikiquote.org", "wikisource.org", "wikinews.org", "wikiversity.org", "wikidata.org",
    "mediawiki.org", "wikimediafoundation.org", "creativecommons.org", "gnu.org",
    "kiwix.org", "openzim.org", "gutenberg.org", "ted.com", "stackexchange.com",
    "stackoverflow.com", "openstreetmap.org",
)  # fmt: skip


@dataclass(frozen=True)
class MetadataVerdict:
    key: str
    value: str  # as found, decoded
    replacement: str | None  # None: kept as it is
    why: str
    size: int = 0  # bytes of the value


def url_host(text: str) -> str:
    """The host of a URL or bare domain (`ko.wikipedia.org`, `https://x.org/a`), lower case."""
    text = text.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*:(//)?", "", text)
    host = re.split(r"[/?#]", text, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]
    return host.split(":", 1)[0].strip(".")


def is_public_host(host: str) -> bool:
    return any(host == h or host.endswith("." + h) for h in PUBLIC_HOSTS)


def is_public_origin(key: str, value: str) -> bool:
    folded = value.strip().casefold()
    if key == "Creator":
        return folded in PUBLIC_CREATORS
    if key == "Publisher":
        return folded in PUBLIC_PUBLISHERS
    if key == "Source":
        return folded == "" or is_public_host(url_host(folded))
    return False


def verdict(key: str, raw: bytes) -> MetadataVerdict:
    """What cleaning does with metadata entry `key` holding `raw`."""
    value = raw.decode("utf-8", "replace")
    v = _verdict(key, value)
    return MetadataVerdict(v.key, v.value, v.replacement, v.why, len(raw))


def _verdict(key: str, value: str) -> MetadataVerdict:
    if key in READER_KEEPS or ILLUSTRATION.match(key):
        return MetadataVerdict(key, value, None, "the reader shows it or files the book by it")
    if key in ORIGIN_KEYS:
        if is_public_origin(key, value):
            return MetadataVerdict(key, value, None, "names the public origin of the content")
        return MetadataVerdict(
            key,
            value,
            "" if key == "Source" else NEUTRAL_NAME,
            "names who made or passed on this copy (a group, a person or their server)",
        )
    if key == "Date":
        if value == NEUTRAL_DATE:
            return MetadataVerdict(key, value, None, "the fixed neutral date")
        return MetadataVerdict(key, value, NEUTRAL_DATE, "dates when this copy was made")
    if key == "Scraper":
        why = "names the tool and version that made the file"
    else:
        why = "metadata no reader needs: it can name people, tools or places"
    return MetadataVerdict(key, value, None if value == "" else "", why)
