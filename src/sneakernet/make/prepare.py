"""Preparing one item for a card: a cleaned copy in the project's cache.

The copy is named by the original's content hash (nothing of the original's
name or place), kept in the cache folder of the tool versions that made it
(`toolchain.prepared_folder`), written under a temporary name by the cleaner and checked by
inspecting it again before it gets its final name. An item whose format no
cleaner knows fails with that reason rather than going on a card uncleaned.
"""

from __future__ import annotations

from pathlib import Path

from sneakernet.clean import CleanError, CleanOptions, clean_file
from sneakernet.errors import ItemFailed
from sneakernet.library.catalog import Item
from sneakernet.make.estimates import profile_for
from sneakernet.make.job import Prepared
from sneakernet.policy import atomic_path


def cached_name(item: Item) -> str:
    suffix = Path(item.path).suffix.lower()
    return f"{item.hash[:32]}{suffix if suffix.isascii() else ''}"


def prepare_item(item: Item, folder: Path, profile: str = "notel") -> Prepared:
    """Video for the device profile, audio for `music`, books as for `ebook`, the rest cleaned.

    `folder` is the prepared folder of the running tool versions
    (`toolchain.prepared_folder`); encodes are cached beside it in `media/`.
    """
    src = Path(item.path)
    if not src.is_file():
        raise ItemFailed("original missing (moved or deleted)")
    if src.stat().st_size != item.size:
        raise ItemFailed("the original changed since it was added; `sneakernet add` it again")
    folder.mkdir(parents=True, exist_ok=True)
    if item.kind in ("video", "audio"):
        kind_profile = profile_for(item.kind, profile)
        return _converted(item, src, folder, folder.parent / "media", kind_profile)
    dst = folder / cached_name(item)
    if item.kind == "book":
        return _book(src, dst)
    if not dst.is_file():
        try:
            clean_file(src, dst, CleanOptions())
        except CleanError as exc:
            raise ItemFailed(f"cannot clean it: {exc}") from None
    return Prepared(dst, dst.stat().st_size)


def _book(src: Path, dst: Path) -> Prepared:
    """The one book policy, the same as `prepare --profile ebook` (plain text as UTF-8 + BOM)."""
    from sneakernet.media import documents

    if not dst.is_file():
        with atomic_path(dst) as tmp:
            documents.prepare_book(src, tmp)
    return Prepared(dst, dst.stat().st_size)


def _converted(
    item: Item, src: Path, folder: Path, media_cache: Path, profile_name: str
) -> Prepared:
    """Remuxed or encoded for the profile's players, by the media pipeline (which cleans)."""
    from sneakernet.media import jobs, profiles, transcode

    profile = profiles.load_profiles().get(profile_name)
    extension = profile.extension or src.suffix.lstrip(".").lower()
    dst = folder / f"{item.hash[:32]}.{extension}"
    if not dst.is_file():
        job = jobs.Job(item.id, src, dst, profile, transcode.PrepareOptions(), media_cache)
        result = jobs.prepare_item(job)
        if result.status == "failed":
            raise ItemFailed(result.reason)
    return Prepared(dst, dst.stat().st_size)
