"""ZIM files generated with libzim for the tests: articles with links and pictures.

`make_zim` writes a small encyclopedia the way a scraper would: a main page,
articles that link to each other with a skewed (few very linked, many rarely
linked) pattern, pictures, a stylesheet, redirects, the metadata Kiwix
readers and `zimcheck` expect, and identifying values planted where scrapers
and groups put them (Creator, Publisher, Source, Scraper, a footer).
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from libzim.writer import Creator, Hint, Item, StringProvider

# Identifying values planted in the metadata: none may survive cleaning.
PLANTED = {
    "Creator": "Hanbit Freedom Network",
    "Publisher": "Seoul Courier Team",
    "Source": "https://wiki.hanbit-freedom.example/mirror",
    "Scraper": "zimkit-hanbit 4.7.1",
}
PLANTED_DATE = "2026-11-30"
# A "made by" footer in every article: content, kept, but reported.
FOOTER = "Made by Bridge Volunteers with zimkit"
WORDS = (
    "river mountain history science music library city language school museum "
    "festival garden harbour railway bridge island village market forest winter"
).split()


class _RandomProvider:
    """Incompressible content of `size` bytes, made as it is written (never all in memory)."""

    def __new__(cls, size: int, seed: int):
        from libzim.writer import Blob, ContentProvider

        class Provider(ContentProvider):
            def get_size(self) -> int:
                return size

            def gen_blob(self):
                rng = random.Random(seed)
                left = size
                while left:
                    n = min(8 * 1024 * 1024, left)
                    yield Blob(rng.randbytes(n))
                    left -= n

        return Provider()


class _BigItem(Item):
    def __init__(self, path: str, size: int, seed: int):
        super().__init__()
        self.path, self.size, self.seed = path, size, seed

    def get_path(self) -> str:
        return self.path

    def get_title(self) -> str:
        return ""

    def get_mimetype(self) -> str:
        return "application/octet-stream"

    def get_contentprovider(self):
        return _RandomProvider(self.size, self.seed)

    def get_hints(self):
        return {Hint.FRONT_ARTICLE: False, Hint.COMPRESS: False}


class _Item(Item):
    def __init__(self, path: str, title: str, mimetype: str, content: bytes, front: bool):
        super().__init__()
        self.path, self.title, self.mimetype = path, title, mimetype
        self.content, self.front = content, front

    def get_path(self) -> str:
        return self.path

    def get_title(self) -> str:
        return self.title

    def get_mimetype(self) -> str:
        return self.mimetype

    def get_contentprovider(self):
        return StringProvider(self.content)

    def get_hints(self):
        return {Hint.FRONT_ARTICLE: self.front, Hint.COMPRESS: self.mimetype.startswith("text")}


@dataclass
class Sample:
    path: Path
    main: str
    articles: dict[str, str]  # path -> title
    links: dict[str, list[str]]  # article -> articles it links to (as written)
    pictures: dict[str, list[str]]  # article -> pictures it shows
    picture_sizes: dict[str, int]
    redirects: dict[str, str]  # path -> target
    metadata: dict[str, str] = field(default_factory=dict)

    def in_links(self) -> dict[str, int]:
        """How many other articles link to each article (each linking page counted once)."""
        counts = dict.fromkeys(self.articles, 0)
        for source, targets in self.links.items():
            for target in set(targets):
                if target != source:
                    counts[target] += 1
        return counts


def png(width: int, height: int, seed: int, noise: bool = True) -> bytes:
    from PIL import Image

    rng = random.Random(seed)
    if noise:
        data = rng.randbytes(width * height * 3)
        image = Image.frombytes("RGB", (width, height), data)
    else:
        image = Image.new("RGB", (width, height), (rng.randrange(256), 90, 160))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def article_title(n: int) -> str:
    return f"{WORDS[n % len(WORDS)].title()} {WORDS[(n * 7 + 3) % len(WORDS)]} {n}"


def make_zim(
    path: Path,
    articles: int = 300,
    *,
    seed: int = 1,
    picture_side: int = 48,
    pictures_every: int = 2,
    words_per_article: int = 120,
    planted: dict[str, str] | None = None,
    footer: str | None = FOOTER,
    big_blob: int = 0,
    big_blobs: tuple[int, ...] = (),
) -> Sample:
    """Write a ZIM of `articles` articles (plus the main page) to `path`."""
    rng = random.Random(seed)
    planted = dict(PLANTED if planted is None else planted)
    # One order of the metadata whatever the caller's: the same content packs the same.
    planted = {k: planted[k] for k in sorted(planted)}
    paths = [f"A{n:04d}_{article_title(n).split()[0]}" for n in range(articles)]
    titles = {p: article_title(n) for n, p in enumerate(paths)}
    # Zipf-like popularity: article k is picked with weight 1/(k+1).
    weights = [1 / (k + 1) for k in range(articles)]
    order = paths[:]
    rng.shuffle(order)
    links: dict[str, list[str]] = {}
    pictures: dict[str, list[str]] = {}
    picture_sizes: dict[str, int] = {}
    items: list[_Item] = []
    main = "Main_Page"
    main_targets = order[:8]
    links[main] = main_targets
    for n, p in enumerate(paths):
        count = rng.randint(2, 9)
        targets = [t for t in rng.choices(order, weights, k=count) if t != p]
        links[p] = targets
        pictures[p] = [f"images/pic{n:04d}.png"] if n % pictures_every == 0 else []
    body_words = lambda k: " ".join(rng.choice(WORDS) for _ in range(k))  # noqa: E731
    for n, p in enumerate(paths):
        parts = [f"<p>{body_words(words_per_article // 3)}</p>"]
        for t in links[p]:
            parts.append(
                f'<p>{body_words(8)} <a href="{t}" title="{titles[t]}">{titles[t]}</a></p>'
            )
        for pic in pictures[p]:
            parts.append(
                f'<figure><img src="{pic}" alt="picture"><figcaption>{body_words(4)}</figcaption></figure>'
            )
        foot = f'<footer class="zk-footer">{footer}</footer>' if footer else ""
        html = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{titles[p]}</title>'
            f'<link rel="stylesheet" href="style.css"></head><body><h1>{titles[p]}</h1>'
            + "".join(parts)
            + f'<p><a href="https://en.wikipedia.org/wiki/{WORDS[n % len(WORDS)]}">external</a></p>'
            + f"{foot}</body></html>"
        )
        items.append(_Item(p, titles[p], "text/html", html.encode(), True))
        for k, pic in enumerate(pictures[p]):
            side = picture_side if n % 3 else max(8, picture_side // 2)  # sizes vary
            data = png(side, side, seed * 100_000 + n * 10 + k)
            picture_sizes[pic] = len(data)
            items.append(_Item(pic, "", "image/png", data, False))
    main_html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Main page</title>'
        '<link rel="stylesheet" href="style.css"></head><body><h1>Welcome</h1><ul>'
        + "".join(f'<li><a href="{t}">{titles[t]}</a></li>' for t in main_targets)
        + "</ul></body></html>"
    )
    items.append(_Item(main, "Main page", "text/html", main_html.encode(), True))
    items.append(_Item("style.css", "", "text/css", b"body{font-family:sans-serif}", False))
    if big_blob:
        items.append(
            _Item("blob.bin", "", "application/octet-stream", rng.randbytes(big_blob), False)
        )
    redirects = {f"Redirect_{k}": order[k] for k in range(3)}
    metadata = {
        "Name": "sample_ko_all",
        "Title": "Sample encyclopedia",
        "Description": "A small generated encyclopedia",
        "LongDescription": "A small generated encyclopedia with linked articles and pictures",
        "Language": "kor",
        "Date": PLANTED_DATE,
        "Tags": "wikipedia;_pictures:yes",
        "Flavour": "maxi",
        **planted,
    }
    with Creator(path).config_indexing(True, "eng").config_nbworkers(1) as creator:
        creator.set_mainpath(main)
        for name, value in metadata.items():
            creator.add_metadata(name, value)
        creator.add_illustration(48, png(48, 48, seed, noise=False))
        rng.shuffle(items)
        for item in items:
            creator.add_item(item)
        for k, size in enumerate(big_blobs):  # streamed: files of several GiB
            creator.add_item(_BigItem(f"data/blob{k}.bin", size, seed * 1000 + k))
        for source, target in redirects.items():
            creator.add_redirection(
                source, f"Redirect {source}", target, {Hint.FRONT_ARTICLE: True}
            )
    return Sample(
        path,
        main,
        {**titles, main: "Main page"},
        links,
        pictures,
        picture_sizes,
        redirects,
        metadata,
    )


HREF = re.compile(rb'<a\s[^>]*href="([^"]*)"')
