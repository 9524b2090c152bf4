"""What a ZIM holds, read from its directory: articles, media, sizes, metadata.

Fast on any size of ZIM: only the directory, the metadata and the blob
tables of stored clusters are read (the sizes of entries in compressed
clusters come from libzim).
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.zim import cleaning
from sneakernet.zim import format as zf
from sneakernet.zim.subset import ENTRY_OVERHEAD, MEDIA_PREFIXES


@dataclass
class ZimProbe:
    path: str
    size: int
    uuid: str
    articles: int  # HTML pages
    redirects: int
    media: int  # pictures, video, sound
    media_bytes: int
    other_files: int  # stylesheets, scripts, fonts...
    size_without_media: int
    main_page: str | None
    fulltext_index: bool
    title_index: bool
    metadata: dict[str, str] = field(default_factory=dict)


def probe(path: Path) -> ZimProbe:
    path = Path(path)
    structure = zf.ZimStructure(path)
    dirents = structure.entries()
    archive = cleaning.open_archive(path)
    mimes = structure.mimes
    articles = redirects = media = other = 0
    media_bytes = media_overhead = 0
    stored: dict[int, list[tuple[int, int]]] = {}
    for d in dirents:
        if d.namespace != "C":
            continue
        if d.is_redirect:
            redirects += 1
            continue
        if d.cluster is None:
            continue
        mime = mimes[d.mime] if d.mime < len(mimes) else ""
        if mime.startswith("text/html"):
            articles += 1
        elif mime.startswith(MEDIA_PREFIXES):
            media += 1
            if d.cluster not in stored:
                compression, _ = structure.cluster_info(d.cluster)
                stored[d.cluster] = (
                    structure.stored_blobs(d.cluster) if compression in zf.STORED else []
                )
            spans = stored[d.cluster]
            if d.blob < len(spans):
                media_bytes += spans[d.blob][1] - spans[d.blob][0]
            else:
                media_bytes += archive._get_entry_by_id(d.index).get_item().size
            media_overhead += ENTRY_OVERHEAD + len(d.path.encode())
        else:
            other += 1
    metadata = {}
    for d in dirents:
        if d.namespace == "M" and d.cluster is not None:
            raw = bytes(archive._get_entry_by_id(d.index).get_item().content)
            if d.path.startswith("Illustration_"):
                metadata[d.path] = f"PNG picture, {len(raw)} bytes"
            else:
                metadata[d.path] = raw.decode("utf-8", "replace")
    main = None
    h = structure.header
    if h.main_page != zf.NO_PAGE and h.main_page < len(dirents):
        target = dirents[h.main_page]
        for _ in range(64):
            if not target.is_redirect or target.target is None or target.target >= len(dirents):
                break
            target = dirents[target.target]
        main = target.path
    names = {f"{d.namespace}/{d.path}" for d in dirents}
    return ZimProbe(
        path=str(path),
        size=structure.size,
        uuid=str(uuidlib.UUID(bytes=h.uuid)),
        articles=articles,
        redirects=redirects,
        media=media,
        media_bytes=media_bytes,
        other_files=other,
        size_without_media=structure.size - media_bytes - media_overhead,
        main_page=main,
        fulltext_index="X/fulltext/xapian" in names,
        title_index="X/title/xapian" in names,
        metadata=metadata,
    )
