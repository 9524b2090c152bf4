"""Preparing one item for a card: a cleaned copy in the project's cache.

The copy is named by the original's content hash (nothing of the original's
name or place), kept in the cache folder of the tool versions that made it
(`toolchain.prepared_folder`), written under a temporary name by the cleaner and checked by
inspecting it again before it gets its final name. An item whose format no
cleaner knows fails with that reason rather than going on a card uncleaned.

`MediaPool` prepares many items at once: videos and songs through the same
executors as `sneakernet prepare` (a local process pool, or a Dask cluster),
books and the rest here, one after another (they take seconds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean import CleanError, CleanOptions, clean_file
from sneakernet.errors import ItemFailed
from sneakernet.library.catalog import Item
from sneakernet.make.estimates import profile_for, rung_suffix
from sneakernet.make.job import Prepared
from sneakernet.policy import atomic_path


def cached_name(item: Item) -> str:
    suffix = Path(item.path).suffix.lower()
    return f"{item.hash[:32]}{suffix if suffix.isascii() else ''}"


def prepare_item(
    item: Item, folder: Path, profile: str = "notel", pace: str = "normal"
) -> Prepared:
    """Video for the device profile at `pace`, audio for `music`, books as for `ebook`,
    the rest cleaned.

    `folder` is the prepared folder of the running tool versions
    (`toolchain.prepared_folder`); encodes are cached beside it in `media/`.
    """
    src = _original(item)
    folder.mkdir(parents=True, exist_ok=True)
    if item.kind in ("video", "audio"):
        kind_profile = profile_for(item.kind, profile)
        return _converted(item, src, folder, folder.parent / "media", kind_profile, pace)
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


def _original(item: Item) -> Path:
    src = Path(item.path)
    if not src.is_file():
        raise ItemFailed("original missing (moved or deleted)")
    if src.stat().st_size != item.size:
        raise ItemFailed("the original changed since it was added; `sneakernet add` it again")
    return src


def _converted_name(item: Item, src: Path, folder: Path, profile) -> Path:
    """Named by the original's hash, and the rung when it is a cheaper one."""
    extension = profile.extension or src.suffix.lstrip(".").lower()
    return folder / f"{item.hash[:32]}{rung_suffix(_level(item))}.{extension}"


def _level(item: Item) -> int:
    return item.rung.level if item.rung is not None and item.kind == "video" else 0


def _profile_at_rung(profile, item: Item, pace: str):
    """The profile that encodes the rung the plan chose for the item (`media.ladder`),
    at `pace` (`profiles.with_pace`; sound has one speed)."""
    from sneakernet.media.ladder import rung_profile
    from sneakernet.media.profiles import with_pace

    return rung_profile(with_pace(profile, pace), _level(item))


def _converted(
    item: Item, src: Path, folder: Path, media_cache: Path, profile_name: str, pace: str
) -> Prepared:
    """Remuxed or encoded for the profile's players, by the media pipeline (which cleans)."""
    from sneakernet.media import jobs, profiles, transcode

    profile = _profile_at_rung(profiles.load_profiles().get(profile_name), item, pace)
    dst = _converted_name(item, src, folder, profile)
    if not dst.is_file():
        job = jobs.Job(item.id, src, dst, profile, transcode.PrepareOptions(), media_cache)
        result = jobs.prepare_item(job)
        if result.status == "failed":
            raise ItemFailed(result.reason)
        _keep_quality(dst, result)
    return Prepared(dst, dst.stat().st_size)


def quality_path(prepared: Path) -> Path:
    """Beside a prepared film: the VMAF measured on it, when its profile measures it."""
    return prepared.with_name(f".{prepared.stem}.quality.json")


def _keep_quality(dst: Path, result) -> None:
    import json

    if getattr(result, "vmaf", None) is None:
        return
    with atomic_path(quality_path(dst)) as tmp:
        tmp.write_text(json.dumps({"crf": result.crf, "vmaf": result.vmaf}), encoding="utf-8")


# (jobs, n_jobs) -> results as they finish; `commands.media` gives one with progress bars.
Runner = Callable[[list, int], Iterable]


@dataclass
class MediaPool:
    """A Preparer that also prepares many items at once (`many`), on all cores."""

    profile: str = "notel"
    run: Runner | None = None  # None: the local pool without progress
    workers: int | None = None  # None: `jobs.default_split` of the usable cores
    pace: str = "normal"  # of the video encodes (`profiles.with_pace`)

    def __call__(self, item: Item, folder: Path) -> Prepared:
        return prepare_item(item, folder, self.profile, self.pace)

    def many(self, items: list[Item], folder: Path) -> Iterator[tuple[Item, Prepared | ItemFailed]]:
        """Each item with its prepared copy or why it failed, as each finishes."""
        from sneakernet.media import jobs, profiles, transcode

        folder.mkdir(parents=True, exist_ok=True)
        known = profiles.load_profiles()
        job_list, waiting = [], []
        for item in items:
            name = profile_for(item.kind, self.profile)
            if name is None:
                try:
                    yield item, prepare_item(item, folder, self.profile, self.pace)
                except ItemFailed as exc:
                    yield item, exc
                continue
            try:
                src = _original(item)
            except ItemFailed as exc:
                yield item, exc
                continue
            profile = _profile_at_rung(known.get(name), item, self.pace)
            dst = _converted_name(item, src, folder, profile)
            if dst.is_file():
                yield item, Prepared(dst, dst.stat().st_size)
                continue
            waiting.append(item)
            job_list.append((src, dst, profile))
        if not job_list:
            return
        cores = jobs.usable_cores()
        n_jobs, threads = jobs.default_split(cores, len(job_list))
        if self.workers is not None:
            n_jobs, threads = self.workers, max(1, cores // self.workers)
        options = transcode.PrepareOptions(threads=threads)
        media_cache = folder.parent / "media"
        batch = [
            jobs.Job(n, src, dst, profile, options, media_cache)
            for n, (src, dst, profile) in enumerate(job_list)
        ]
        run = self.run or (lambda js, n: jobs.run_local(js, n, lambda _n, _f: None))
        for result in run(batch, n_jobs):
            item, dst = waiting[result.number], batch[result.number].dst
            if result.status == "failed":
                yield item, ItemFailed(result.reason)
            else:
                _keep_quality(dst, result)
                yield item, Prepared(dst, dst.stat().st_size)


def cut_encyclopedia(item: Item, room: int, folder: Path, cluster_size: int):
    """The subset of the ZIM `item` that fills `room` bytes, kept in the prepared folder.

    Named by the original's hash and the room, so a card of the same room
    reuses it; the counts of what it holds are kept beside it.
    """
    import json

    from sneakernet.make.job import Subset
    from sneakernet.zim import format as zf
    from sneakernet.zim import subset

    src = _original(item)
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / f"{item.hash[:32]}-{room}.zim"
    counts = folder / f".{item.hash[:32]}-{room}.json"
    if not (dst.is_file() and counts.is_file()):
        try:
            result = subset.make_subset(src, room, dst, close_enough=cluster_size)
        except (subset.SubsetError, zf.ZimError) as exc:
            raise ItemFailed(f"cannot cut it to {room:,} bytes: {exc}") from None
        data = {
            "articles_kept": result.articles_kept,
            "articles_total": result.articles_total,
            "media_kept": result.media_kept,
            "media_total": result.media_total,
        }
        with atomic_path(counts) as tmp:
            tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
    data = json.loads(counts.read_text(encoding="utf-8"))
    return Subset(0, item.id, dst, dst.stat().st_size, room, data["articles_kept"],
                  data["articles_total"], data["media_kept"], data["media_total"])  # fmt: skip
