"""A subset of a ZIM that fits a byte budget: the most linked articles, pictures last.

What goes, in this order, until the budget is spent:

1. the main page, every article it links to, and every file that is neither
   an article nor a picture (stylesheets, scripts, fonts: pages need them);
2. the other articles, most linked first: the number of other articles that
   link to one is a good offline measure of how much it matters;
3. only when every article is in, pictures (and other media), those of the
   most linked articles first, each one that still fits.

Links to articles left out become their plain text, pictures left out lose
their `<img>` tag, and redirects go with their target. The file is written by
libzim (with its full-text and title search indexes) and then finished by
`format.rewrite`: cleaned metadata, UUIDs derived from the content, a full
title index, so the same source and budget give the same bytes.

The size of a ZIM is known only once written (compression, search indexes),
so the number of articles is found by a few builds, each one aimed by the
sizes the previous ones measured; pictures are stored uncompressed, so
their cost is known in advance and the last gap is filled with them.
"""

from __future__ import annotations

import re
import tempfile
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.policy import atomic_output
from sneakernet.zim import cleaning, links
from sneakernet.zim import format as zf
from sneakernet.zim.metadata import ILLUSTRATION, verdict

MEDIA_PREFIXES = ("image/", "video/", "audio/")
MAX_BUILDS = 8
# Bytes each kept entry adds besides its content: directory entry (about 16
# bytes plus path and title), path and title pointers, blob offset.
ENTRY_OVERHEAD = 36
_ILLUSTRATION_SIZE = re.compile(r"^Illustration_(\d+)x(\d+)@1$")


class SubsetError(Exception):
    """The budget cannot hold a useful subset, or the ZIM cannot be cut: the message says why."""


@dataclass
class Survey:
    """What a ZIM holds, as a subset needs it: pages, pictures, links, sizes."""

    path: Path
    size: int
    main: str
    articles: list[str]  # HTML pages, in path order
    media: list[str]
    assets: list[str]  # every other file
    redirects: dict[str, str]  # redirect path -> final target path
    titles: dict[str, str]
    front: set[str]
    mimetypes: dict[str, str]
    sizes: dict[str, int]  # content bytes of each entry
    in_links: dict[str, int]  # article -> number of other articles linking to it
    main_links: list[str]  # articles the main page links to, in order
    page_media: dict[str, list[str]]  # article -> media it shows
    text_ratio: float  # compressed / uncompressed bytes of the compressed clusters
    media_bytes: int  # bytes of media blobs, stored
    metadata: dict[str, bytes]  # cleaned values, the empty ones left out
    language: str
    index: dict[str, int] = field(default_factory=dict)  # path -> entry number

    @property
    def order(self) -> list[str]:
        """Articles in the order they are kept: the main page, its links, then most linked."""
        first = [self.main] + [a for a in self.main_links if a != self.main]
        seen = set(first)
        rest = sorted(
            (a for a in self.articles if a not in seen), key=lambda a: (-self.in_links[a], a)
        )
        return first + rest

    @property
    def forced(self) -> int:
        """How many of `order` always go (the main page and what it links to)."""
        return 1 + len({a for a in self.main_links if a != self.main})

    def size_without_media(self) -> int:
        """About what the ZIM takes without its pictures and other media."""
        return (
            self.size - self.media_bytes - sum(ENTRY_OVERHEAD + len(m.encode()) for m in self.media)
        )


def _content(archive, index: int) -> bytes:
    return bytes(archive._get_entry_by_id(index).get_item().content)


def _final(dirents: list[zf.Dirent], d: zf.Dirent) -> zf.Dirent | None:
    seen = 0
    while d.is_redirect:
        if d.target is None or d.target >= len(dirents) or seen > 64:
            return None
        d = dirents[d.target]
        seen += 1
    return d if d.cluster is not None else None


def survey(path: Path) -> Survey:
    """Read the directory and every page once: links, pictures, sizes."""
    path = Path(path)
    structure = zf.ZimStructure(path)
    dirents = structure.entries()
    archive = cleaning.open_archive(path)
    mimes = structure.mimes
    user = [d for d in dirents if d.namespace == "C"]
    if not user and any(d.namespace == "A" for d in dirents):
        raise SubsetError(
            "this ZIM uses the old layout (made before 2021); only a newer ZIM can be cut "
            "to size (download it again from Kiwix)"
        )
    index = {d.path: d.index for d in user}
    articles, media, assets = [], [], []
    redirects: dict[str, str] = {}
    mimetypes: dict[str, str] = {}
    for d in user:
        if d.is_redirect:
            target = _final(dirents, d)
            if target is not None and target.namespace == "C":
                redirects[d.path] = target.path
            continue
        if d.cluster is None:
            continue
        mime = mimes[d.mime] if d.mime < len(mimes) else "application/octet-stream"
        mimetypes[d.path] = mime
        if mime.startswith("text/html"):
            articles.append(d.path)
        elif mime.startswith(MEDIA_PREFIXES):
            media.append(d.path)
        else:
            assets.append(d.path)
    h = structure.header
    if h.main_page == zf.NO_PAGE or h.main_page >= len(dirents):
        raise SubsetError("this ZIM has no main page; a subset needs one to start from")
    main_entry = _final(dirents, dirents[h.main_page])
    if main_entry is None or main_entry.path not in mimetypes:
        raise SubsetError("this ZIM's main page is missing")
    main = main_entry.path
    if main not in articles:
        raise SubsetError("this ZIM's main page is not an HTML page")
    article_set, media_set = set(articles), set(media)

    def final_path(p: str | None) -> str | None:
        if p is None:
            return None
        return redirects.get(p, p)

    in_links = dict.fromkeys(articles, 0)
    page_media: dict[str, list[str]] = {}
    sizes: dict[str, int] = {}
    main_links: list[str] = []
    for a in articles:
        page = _content(archive, index[a])
        sizes[a] = len(page)
        targets = {final_path(links.resolve(a, h)) for h in links.hrefs(page)}
        for t in targets:
            if t in article_set and t != a:
                in_links[t] += 1
        if a == main:
            for href in links.hrefs(page):
                t = final_path(links.resolve(a, href))
                if t in article_set and t not in main_links:
                    main_links.append(t)
        shown = []
        for src in links.media_sources(page):
            t = final_path(links.resolve(a, src))
            if t in media_set and t not in shown:
                shown.append(t)
        page_media[a] = shown
    by_index = {d.index: d for d in user}
    for p in media + assets:
        d = by_index[index[p]]
        sizes[p] = archive._get_entry_by_id(d.index).get_item().size
    front = _front_articles(structure, dirents, archive, articles)
    compressed, raw = 0, 0
    stored_media = 0
    for d in user:
        if d.cluster is None:
            continue
        compression, _ = structure.cluster_info(d.cluster)
        if compression not in zf.STORED:
            raw += sizes.get(d.path, 0)
        elif d.path in media_set:
            stored_media += sizes[d.path]
    for c in range(h.cluster_count):
        if structure.cluster_info(c)[0] not in zf.STORED:
            start, end = structure.cluster_span(c)
            compressed += end - start
    media_bytes = sum(sizes[m] for m in media)
    return Survey(
        path=path,
        size=structure.size,
        main=main,
        articles=articles,
        media=media,
        assets=assets,
        redirects=redirects,
        titles={d.path: d.title for d in user},
        front=front,
        mimetypes=mimetypes,
        sizes=sizes,
        in_links=in_links,
        main_links=main_links,
        page_media=page_media,
        text_ratio=min(1.0, compressed / raw) if raw else 1.0,
        media_bytes=media_bytes,
        metadata=_clean_metadata(structure, dirents, archive),
        language=_language(archive),
        index=index,
    )


def _front_articles(structure, dirents, archive, articles) -> set[str]:
    listing = next(
        (d for d in dirents if d.namespace == "X" and d.path == "listing/titleOrdered/v1"), None
    )
    if listing is None or listing.cluster is None:
        return set(articles)
    values = array("I")
    values.frombytes(_content(archive, listing.index))
    return {dirents[i].path for i in values if i < len(dirents) and dirents[i].namespace == "C"}


def _clean_metadata(structure, dirents, archive) -> dict[str, bytes]:
    out = {}
    for d in dirents:
        if d.namespace != "M" or d.cluster is None or d.path == "Counter":
            continue
        raw = _content(archive, d.index)
        v = verdict(d.path, raw)
        value = raw if v.replacement is None else v.replacement.encode()
        if value:
            out[d.path] = value
    return out


def _language(archive) -> str:
    try:
        raw = bytes(archive.get_metadata("Language")).decode("utf-8", "replace")
    except RuntimeError:
        return "eng"
    first = raw.split(",")[0].strip()
    return first if re.fullmatch(r"[a-z]{2,3}", first) else "eng"


@dataclass(frozen=True)
class Selection:
    articles: int  # how many of `Survey.order`
    media: tuple[str, ...] = ()


@dataclass
class SubsetResult:
    path: Path
    size: int
    budget: int
    articles_kept: int
    articles_total: int
    media_kept: int
    media_total: int
    builds: int
    kept_articles: list[str]

    @property
    def slack(self) -> int:
        return self.budget - self.size


def _writer_item(path: str, title: str, mime: str, data: bytes, front: bool, compress: bool):
    from libzim.writer import Hint, Item, StringProvider

    class _Item(Item):
        def get_path(self) -> str:
            return path

        def get_title(self) -> str:
            return title

        def get_mimetype(self) -> str:
            return mime

        def get_contentprovider(self):
            return StringProvider(data)

        def get_hints(self):
            return {Hint.FRONT_ARTICLE: front, Hint.COMPRESS: compress}

    return _Item()


class Builder:
    """Writes subsets of one surveyed ZIM, measuring each."""

    def __init__(self, s: Survey, workdir: Path) -> None:
        self.s = s
        self.workdir = workdir
        self.order = s.order
        self.builds = 0
        self._archive = cleaning.open_archive(s.path)

    def kept_paths(self, sel: Selection) -> set[str]:
        kept = set(self.order[: sel.articles]) | set(sel.media) | set(self.s.assets)
        kept |= {r for r, t in self.s.redirects.items() if t in kept}
        return kept

    def build(self, sel: Selection) -> tuple[Path, int]:
        """Write the subset with libzim; (file, size it will have once finished)."""
        from libzim.writer import Creator, Hint

        self.builds += 1
        s = self.s
        kept = self.kept_paths(sel)
        out = self.workdir / f"build-{self.builds}.zim"
        with cleaning.quiet_stdout():
            creator = Creator(out).config_indexing(True, s.language).config_nbworkers(1)
            creator.config_verbose(False)
        with cleaning.quiet_stdout(), creator:
            creator.set_mainpath(s.main)
            for key, value in sorted(s.metadata.items()):
                if ILLUSTRATION.match(key):
                    size = _ILLUSTRATION_SIZE.match(key)
                    if size and size.group(1) == size.group(2):
                        creator.add_illustration(int(size.group(1)), value)
                    continue
                creator.add_metadata(key, value)
            for p in sorted(kept - set(s.redirects)):
                data = _content(self._archive, s.index[p])
                mime = s.mimetypes[p]
                if p in s.sizes and mime.startswith("text/html"):
                    data = links.rewrite(data, p, kept.__contains__)
                media = mime.startswith(MEDIA_PREFIXES)
                creator.add_item(
                    _writer_item(p, s.titles.get(p, ""), mime, data, p in s.front, not media)
                )
            for r in sorted(kept & set(s.redirects)):
                creator.add_redirection(
                    r, s.titles.get(r, ""), s.redirects[r], {Hint.FRONT_ARTICLE: r in s.front}
                )
        structure = zf.ZimStructure(out)
        extra = 0 if structure.header.has_title_index else 4 * structure.header.entry_count
        return out, structure.size + extra


def _media_cost(s: Survey, m: str) -> int:
    return s.sizes[m] + ENTRY_OVERHEAD + len(m.encode())


def _media_order(s: Survey) -> list[str]:
    seen: dict[str, None] = {}
    for a in s.order:
        for m in s.page_media.get(a, ()):
            seen.setdefault(m, None)
    for m in s.media:  # media no page shows come last
        seen.setdefault(m, None)
    return list(seen)


def make_subset(
    src: Path,
    budget: int,
    dst: Path,
    survey_of: Survey | None = None,
    on_build: Callable[[int, int], None] = lambda _n, _size: None,
    close_enough: int = 1,
) -> SubsetResult:
    """Write to `dst` the largest subset of the ZIM at `src` that takes at most `budget` bytes.

    The search stops as soon as less than `close_enough` bytes are left (a
    card's cluster size: a smaller gap frees nothing), or when the next
    article or picture does not fit.
    """
    s = survey_of or survey(src)
    order = s.order
    total = len(order)
    dst = Path(dst)
    with tempfile.TemporaryDirectory(prefix=".sneakernet-zim-", dir=dst.parent) as tmp:
        builder = Builder(s, Path(tmp))
        measured: dict[Selection, tuple[Path, int]] = {}

        def size_of(sel: Selection) -> int:
            if sel not in measured:
                measured[sel] = builder.build(sel)
                on_build(builder.builds, measured[sel][1])
            return measured[sel][1]

        best = _choose(s, budget, size_of, builder, max(1, close_enough))
        path, size = measured[best]
        with atomic_output(dst) as out:
            cleaning.clean_zim(path, out)  # UUIDs from the content, a full title index
    return SubsetResult(
        dst, dst.stat().st_size, budget, best.articles, total, len(best.media), len(s.media),
        builder.builds, order[: best.articles],
    )  # fmt: skip


def _choose(
    s: Survey, budget: int, size_of: Callable[[Selection], int], builder, close_enough: int
) -> Selection:
    order = s.order
    n = len(order)
    forced = s.forced
    first = Selection(forced)
    if size_of(first) > budget:
        raise SubsetError(
            f"{budget:,} bytes cannot hold even the main page and the {forced - 1} "
            f"article(s) it links to ({size_of(first):,} bytes)"
        )
    # Estimated cost of each article in the subset: its compressed page and entry.
    costs = [s.sizes[a] * s.text_ratio + ENTRY_OVERHEAD + len(a.encode()) for a in order]
    cumulative = [0.0]
    for c in costs:
        cumulative.append(cumulative[-1] + c)
    all_text = Selection(n)
    estimate_all = s.size_without_media()
    lo = (forced, size_of(first), True)  # (articles, size, measured)
    hi = (n, estimate_all, False)
    if estimate_all <= budget:
        all_size = size_of(all_text)
        if all_size <= budget:
            return _fill_media(s, budget, size_of, all_size, close_enough)
        hi = (n, all_size, True)
    # Aim by interpolating between the nearest sizes below and above the budget
    # (regula falsi; the Illinois rule halves the weight of an end kept twice,
    # so the aim does not creep from one side).
    weight_lo = weight_hi = 1.0
    last_side = None
    while hi[0] - lo[0] > 1 and builder.builds < MAX_BUILDS and budget - lo[1] >= close_enough:
        k_lo, a_lo, _ = lo
        k_hi, a_hi, _ = hi
        below = (budget - a_lo) * weight_lo
        above = (a_hi - budget) * weight_hi
        if below + above <= 0:
            target_cost = cumulative[k_hi]
        else:
            share = below / (below + above)
            target_cost = cumulative[k_lo] + share * (cumulative[k_hi] - cumulative[k_lo])
        k = _index_at(cumulative, target_cost)
        k = min(max(k, k_lo + 1), k_hi - 1)
        size = size_of(Selection(k))
        side = "lo" if size <= budget else "hi"
        if side == "lo":
            lo = (k, size, True)
        else:
            hi = (k, size, True)
        if side == last_side:
            if side == "lo":
                weight_hi /= 2
            else:
                weight_lo /= 2
        else:
            weight_lo = weight_hi = 1.0
        last_side = side
    return Selection(lo[0])


def _index_at(cumulative: list[float], cost: float) -> int:
    import bisect

    return max(0, bisect.bisect_right(cumulative, cost) - 1)


def _fill_media(s: Survey, budget: int, size_of, all_size: int, close_enough: int) -> Selection:
    """Every article is in: add pictures, most linked pages' first, each one that fits."""
    n = len(s.order)
    candidates = _media_order(s)
    chosen: list[str] = []
    room = budget - all_size
    for m in candidates:
        cost = _media_cost(s, m)
        if cost <= room:
            chosen.append(m)
            room -= cost
    best = Selection(n)
    rounds = 0
    while chosen:
        sel = Selection(n, tuple(chosen))
        size = size_of(sel)
        if size <= budget:
            best = sel
            room = budget - size
            if room < close_enough:
                break
            more = [m for m in candidates if m not in set(chosen) and _media_cost(s, m) <= room]
            if not more:
                break
            added = []
            for m in more:
                if _media_cost(s, m) <= room:
                    added.append(m)
                    room -= _media_cost(s, m)
            keep = set(chosen) | set(added)
            chosen = [m for m in candidates if m in keep]
        else:
            over = size - budget
            while chosen and over > 0:
                over -= _media_cost(s, chosen.pop())
        rounds += 1
        if rounds >= MAX_BUILDS:
            break
    return best
