"""Inspecting and cleaning one ZIM file.

Cleaning rewrites only the metadata (`metadata.verdict`), the UUIDs (the
file's and its search indexes', derived from the content) and the checksum,
through `format.rewrite`: every article, picture and index byte is copied as
it was. Article pages are content and stay byte for byte; what they show of
their makers ("made by" footers, tool names, source addresses that are not a
public site) is reported, marked kept, so the operator can judge it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sneakernet.zim import format as zf
from sneakernet.zim.metadata import is_public_host, url_host, verdict

# Article pages read when looking for footers and source addresses: a
# scraper puts the same footer on every page, so a spread-out sample finds it.
SAMPLE_PAGES = 256
_FOOTER = re.compile(
    rb"<footer\b[^>]*>(.*?)</footer>"
    rb"|<(div|p|section|span)\b[^>]*\b(?:class|id)=\"[^\"]*footer[^\"]*\"[^>]*>(.*?)</\2>",
    re.S | re.I,
)
_COMMENT = re.compile(rb"<!--(.*?)-->", re.S)
_GENERATOR = re.compile(rb"<meta\b[^>]*\bname=\"generator\"[^>]*\bcontent=\"([^\"]*)\"", re.I)
_SOURCE_TAG = re.compile(
    rb"<link\b[^>]*\brel=\"canonical\"[^>]*>|<base\b[^>]*>|<meta\b[^>]*\bproperty=\"og:url\"[^>]*>",
    re.I,
)
_URL_ATTR = re.compile(rb"\b(?:href|content|src)=\"([^\"]+)\"", re.I)
_PRIVATE_URL = re.compile(
    rb"\b(?:href|src)=\"((?:file:|https?://(?:localhost|127\.|10\.|192\.168\.|"
    rb"172\.(?:1[6-9]|2\d|3[01])\.))[^\"]*)\"",
    re.I,
)
_MAKER = re.compile(
    r"\b(?:made|generated|created|scraped|produced|built|compiled|packaged|converted|archived)"
    r"\s+(?:by|with|using)\b|\bpowered by\b|\b(?:mwoffliner|zimit|warc2zim|zimwriterfs|sotoki|"
    r"youtube2zim|gutenberg2zim|nautilus|zimfarm|httrack|wget)\b",
    re.I,
)
_TAG = re.compile(rb"<[^>]*>")


@dataclass(frozen=True)
class ZimFinding:
    field: str
    value: str
    why: str
    kept: bool = False  # reported, deliberately left in place


@contextlib.contextmanager
def quiet_stdout():
    """libzim's writer prints progress and Xapian notes on the process's own stdout and
    stderr (not Python's): send both nowhere while it writes."""
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


def open_archive(path: Path):
    """libzim's reader of the file (quietly: it prints notes about search languages)."""
    from libzim.reader import Archive

    try:
        with quiet_stdout():
            return Archive(str(path))
    except RuntimeError as exc:
        raise zf.ZimError(f"libzim cannot open it: {exc}") from None


def _entry_content(archive, index: int) -> bytes:
    return bytes(archive._get_entry_by_id(index).get_item().content)


def _metadata(dirents: list[zf.Dirent]) -> list[zf.Dirent]:
    return [d for d in dirents if d.namespace == "M" and d.cluster is not None]


def _changes(archive, dirents: list[zf.Dirent]) -> tuple[zf.Rewrite, list]:
    """The blob replacements cleaning makes, and the verdict on each metadata entry."""
    by_blob: dict[int, dict[int, int]] = {}
    for d in dirents:
        if d.cluster is not None:
            by_blob.setdefault(d.cluster, {}).setdefault(d.blob, d.index)

    def read_cluster(cluster: int, count: int) -> list[bytes]:
        blobs = by_blob.get(cluster, {})
        return [_entry_content(archive, blobs[b]) if b in blobs else b"" for b in range(count)]

    change = zf.Rewrite(read_cluster=read_cluster)
    verdicts = []
    for d in _metadata(dirents):
        raw = _entry_content(archive, d.index)
        v = verdict(d.path, raw)
        verdicts.append(v)
        if v.replacement is not None:
            change.blobs[(d.cluster, d.blob)] = v.replacement.encode("utf-8")
    return change, verdicts


def _shown(key: str, value: str, raw_len: int) -> str:
    if key.startswith("Illustration_"):
        return f"PNG picture, {raw_len} bytes"
    return value


def _uuid_text(raw: bytes) -> str:
    import uuid

    return str(uuid.UUID(bytes=raw))


def inspect_zim(path: Path) -> list[ZimFinding]:
    """Every metadata entry, the UUIDs, and makers' traces in article pages."""
    structure = zf.ZimStructure(path)
    dirents = structure.entries()
    archive = open_archive(path)
    change, verdicts = _changes(archive, dirents)
    plan = zf.plan_rewrite(path, change, structure)
    found: list[ZimFinding] = []
    for v in verdicts:
        shown = _shown(v.key, v.value, v.size)
        if v.replacement is None:
            found.append(ZimFinding(f"ZIM:M/{v.key}", shown, v.why, kept=True))
        else:
            found.append(ZimFinding(f"ZIM:M/{v.key}", shown, v.why))
    if structure.header.uuid != plan.uuid:
        found.append(
            ZimFinding(
                "ZIM:UUID",
                _uuid_text(structure.header.uuid),
                "a number given to this one file when it was made: links every copy to it",
            )
        )
    else:
        found.append(
            ZimFinding(
                "ZIM:UUID", _uuid_text(plan.uuid), "derived from the content alone", kept=True
            )
        )
    for name, now in zf.xapian_uuids(structure, dirents).items():
        if now != plan.xapian.get(name):
            found.append(
                ZimFinding(
                    f"ZIM:{name} UUID",
                    _uuid_text(now),
                    "the search index's own number, given when the file was made",
                )
            )
    found += _page_findings(archive, structure, dirents)
    return found


def _sample(structure: zf.ZimStructure, dirents: list[zf.Dirent]) -> list[int]:
    html = {i for i, m in enumerate(structure.mimes) if m.startswith("text/html")}
    pages = [d.index for d in dirents if d.namespace in ("C", "A") and d.mime in html]
    if len(pages) > SAMPLE_PAGES:
        step = len(pages) / SAMPLE_PAGES
        pages = [pages[int(k * step)] for k in range(SAMPLE_PAGES)]
    main = structure.header.main_page
    if main != zf.NO_PAGE and main < len(dirents):
        target = dirents[main]
        while target.is_redirect and target.target is not None and target.target < len(dirents):
            if target.target == target.index:
                break
            target = dirents[target.target]
        if target.index not in pages and target.mime in html:
            pages.insert(0, target.index)
    return pages


def _text(html: bytes) -> str:
    return " ".join(_TAG.sub(b" ", html).decode("utf-8", "replace").split())


def _page_findings(archive, structure, dirents) -> list[ZimFinding]:
    footers: Counter[str] = Counter()
    tools: Counter[str] = Counter()
    hosts: Counter[str] = Counter()
    pages = _sample(structure, dirents)
    for index in pages:
        try:
            page = _entry_content(archive, index)
        except RuntimeError:
            continue
        for match in _FOOTER.finditer(page):
            body = match.group(1) if match.group(1) is not None else match.group(3)
            urls = [u.decode("utf-8", "replace") for u in _URL_ATTR.findall(body or b"")]
            text = _text(body or b"")
            public = all(is_public_host(url_host(u)) for u in urls if "://" in u)
            if text and (_MAKER.search(text) or not public):
                footers[text[:160]] += 1
            for u in urls:
                if "://" in u and not is_public_host(url_host(u)):
                    hosts[url_host(u)] += 1
        for comment in _COMMENT.findall(page):
            text = " ".join(comment.decode("utf-8", "replace").split())
            if _MAKER.search(text):
                tools[text[:160]] += 1
        for generator in _GENERATOR.findall(page):
            tools[generator.decode("utf-8", "replace")[:160]] += 1
        for tag in _SOURCE_TAG.findall(page):
            for u in _URL_ATTR.findall(tag):
                host = url_host(u.decode("utf-8", "replace"))
                if "://" in u.decode("latin-1") and not is_public_host(host):
                    hosts[host] += 1
        for u in _PRIVATE_URL.findall(page):
            hosts[url_host(u.decode("utf-8", "replace")) or "file:"] += 1
    read = len(pages)
    out = []
    for text, n in footers.most_common(5):
        out.append(ZimFinding("ZIM:article footer", f"{text} ({n} of {read} pages read)",
                              "a footer naming who or what made the pages", kept=True))  # fmt: skip
    for text, n in tools.most_common(5):
        out.append(ZimFinding("ZIM:article tool mark", f"{text} ({n} of {read} pages read)",
                              "names the tool that made the pages", kept=True))  # fmt: skip
    for host, n in hosts.most_common(5):
        out.append(ZimFinding("ZIM:source URL in articles", f"{host} ({n} of {read} pages read)",
                              "the server the pages were taken from", kept=True))  # fmt: skip
    return out


def clean_zim(src: Path, out: BinaryIO) -> zf.RewriteResult:
    """Write the cleaned copy of the ZIM at `src` to `out`."""
    structure = zf.ZimStructure(src)
    dirents = structure.entries()
    change, _ = _changes(open_archive(src), dirents)
    return zf.write_rewrite(zf.plan_rewrite(src, change, structure), out)
