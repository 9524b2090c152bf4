"""Running many items: one item's pipeline, a local process pool, or Dask.

One item: probe, plan, look up the cache, encode into a private folder,
check the output's health, store it, then place it in the output folder.
Every executor runs exactly this function, so the Dask path and the local
path give byte-identical outputs.

Dask assumes shared storage: the inputs, the output folder and the cache
folder must be visible under the same paths on every worker (NFS, SMB or a
cluster file system).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.errors import ItemFailed
from sneakernet.media import cache, ffmpeg, health, subtitles, transcode
from sneakernet.media.probe import probe
from sneakernet.media.profiles import Profile
from sneakernet.media.transcode import PrepareOptions
from sneakernet.policy import atomic_path

# Progress events sent from workers: (item number, fraction done).
ProgressSink = Callable[[int, float], None]


@dataclass(frozen=True)
class Job:
    number: int
    src: Path
    dst: Path  # final name in the output folder
    profile: Profile
    options: PrepareOptions
    cache_dir: Path


@dataclass
class ItemResult:
    number: int
    src: str
    status: str  # "done", "remuxed", "cached" or "failed"
    output: str | None = None
    reason: str = ""
    seconds: float = 0.0
    size: int = 0
    cpu_seconds: float = 0.0
    extra_outputs: list[str] = field(default_factory=list)
    # Profiles with a VMAF floor: the CRF the search chose, the VMAF it predicted,
    # and the VMAF of the final encode measured on the same samples.
    crf: float | None = None
    predicted_vmaf: float | None = None
    vmaf: float | None = None
    # Video encoded (not remuxed): the pace of the profile and the x264 preset it
    # gave (None for encoders without presets).
    pace: str | None = None
    preset: str | None = None


def default_split(cores: int, items: int) -> tuple[int, int]:
    """(jobs, decoder threads per job).

    Each encoder runs a fixed number of threads (the profile's, so output
    bytes never depend on the machine), and one encode cannot keep many cores
    busy on small pictures; several encodes side by side can. So: one job per
    core on machines with up to four cores, one job per two cores on bigger
    ones, never more jobs than items. Decoding gets the cores split evenly.
    """
    cores = max(1, cores)
    items = max(1, items)
    jobs = cores if cores <= 4 else max(1, cores // 2)
    jobs = max(1, min(jobs, items))
    threads = max(1, cores // jobs)
    return jobs, threads


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _cpu_children() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


def prepare_item(job: Job, progress: ProgressSink | None = None) -> ItemResult:
    """The whole pipeline for one item; failures become a result, never an exception."""
    start, cpu_start = time.perf_counter(), _cpu_children()
    result = ItemResult(job.number, str(job.src), "failed")
    try:
        _prepare(job, result, progress)
    except ItemFailed as exc:
        result.reason = str(exc)
    except OSError as exc:
        result.reason = f"{job.src.name}: {exc.strerror or exc}"
    result.seconds = time.perf_counter() - start
    result.cpu_seconds = _cpu_children() - cpu_start
    return result


def _prepare(job: Job, result: ItemResult, progress: ProgressSink | None) -> None:
    def report(fraction: float) -> None:
        if progress is not None:
            progress(job.number, fraction)

    if job.profile.kind == "document":
        _prepare_book(job, result)
        report(1.0)
        return
    info = probe(job.src)
    check_still(info)
    plan = transcode.make_plan(info, job.profile, job.options)
    store = cache.Cache(job.cache_dir)
    key = cache.make_key(
        input=cache.file_hash(job.src),
        profile=job.profile.cache_dict(),
        subtitle=subtitles.content_hash(plan.subtitle),
        options=job.options.cache_dict(),
        ffmpeg=ffmpeg.identity(),
    )
    spec = job.profile.video
    if spec is not None and plan.action != "remux":
        result.pace = spec.pace
        result.preset = spec.preset if spec.encoder == "libx264" else None
    suffix = job.dst.suffix
    soft = plan.subtitle_mode == "soft"
    if store.has(key, suffix) and (not soft or store.has(key, ".srt")):
        result.status = "cached"
        _read_quality(store.path(key, QUALITY_SUFFIX), result)
    else:
        with store.workspace(key) as work:
            tmp = work / f"output{cache.PART_MARK}{os.getpid()}{suffix}"
            transcode.produce(info, job.profile, plan, job.options, tmp, work, report)
            _clean_output(tmp, job.src.name)
            health.check(tmp, info.duration, job.src.name)
            if soft:
                srt = work / f"subtitle{cache.PART_MARK}{os.getpid()}.srt"
                transcode.soft_subtitle(info, plan, work, srt)
                store.commit(key, ".srt", srt)
            if plan.crf is not None:
                result.crf, result.predicted_vmaf = plan.crf, plan.predicted_vmaf
                result.vmaf = plan.measured_vmaf
                quality = work / f"quality{cache.PART_MARK}{os.getpid()}.json"
                quality.write_text(json.dumps({"crf": plan.crf, "predicted_vmaf":
                                   plan.predicted_vmaf, "vmaf": plan.measured_vmaf}), "utf-8")  # fmt: skip
                store.commit(key, QUALITY_SUFFIX, quality)
            store.commit(key, suffix, tmp)
        result.status = "remuxed" if plan.action == "remux" else "done"
    cache.place(store.path(key, suffix), job.dst)
    if soft:
        sidecar = job.dst.with_suffix(".srt")
        cache.place(store.path(key, ".srt"), sidecar)
        result.extra_outputs.append(str(sidecar))
    result.output = str(job.dst)
    result.size = job.dst.stat().st_size
    report(1.0)


QUALITY_SUFFIX = ".quality.json"  # beside a cached output: its CRF and VMAF


def _read_quality(path: Path, result: ItemResult) -> None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return
    result.crf, result.predicted_vmaf, result.vmaf = (
        data.get("crf"), data.get("predicted_vmaf"), data.get("vmaf"))  # fmt: skip


def check_still(info) -> None:
    """Refuse what no profile can honestly make of this file (ItemFailed).

    A still picture is not a video: encoding it would give a film of one frame.
    """
    name = info.path.name
    still = info.still_picture
    if still is not None:
        raise ItemFailed(
            f"{name}: a still picture ({still}), not a video; `prepare` makes videos and "
            "sound: put pictures on a card as they are (`sneakernet clean` cleans them)"
        )


def _clean_output(path: Path, label: str) -> None:
    """The format's cleaner over our own output, as over any file.

    ffmpeg is told to write nothing identifying; the cleaner also drops what
    its muxers insist on (empty MP4 user-data boxes, default handler names)
    and what encoders hide in the streams (LAME's name in MP3 spare bits).
    """
    from sneakernet.clean import CleanError, clean_file
    from sneakernet.clean.registry import MEDIA_FORMATS

    try:  # in place, through the shared atomic writer
        clean_file(path, path, formats=MEDIA_FORMATS)
    except CleanError as exc:
        raise ItemFailed(f"{label}: the output could not be cleaned ({exc})") from None


def _prepare_book(job: Job, result: ItemResult) -> None:
    """Books are cheap to clean: no cache, a temporary name, then a rename."""
    from sneakernet.media import documents  # not loaded for a batch of films

    with atomic_path(job.dst) as tmp:
        documents.prepare_book(job.src, tmp)
    result.status = "done"
    result.output = str(job.dst)
    result.size = job.dst.stat().st_size


# --- local process pool ------------------------------------------------------------

_QUEUE = None


def _worker_init(queue) -> None:
    global _QUEUE
    _QUEUE = queue
    ffmpeg._die_with_parent()  # a killed batch takes its workers with it


def _worker_progress(number: int, fraction: float) -> None:
    if _QUEUE is not None:
        _QUEUE.put((number, fraction))


INTERRUPTED = "interrupted"  # a worker saw Ctrl-C before the batch did


def _run_in_worker(job: Job) -> ItemResult:
    try:
        return prepare_item(job, _worker_progress)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group
        return ItemResult(job.number, str(job.src), "failed", reason=INTERRUPTED)


def run_local(jobs: list[Job], workers: int, progress: ProgressSink) -> Iterator[ItemResult]:
    """Results as items finish; progress events are relayed while waiting."""
    if workers <= 1 or len(jobs) <= 1:  # no pool to start: one item after another, here
        for job in jobs:
            yield prepare_item(job, progress)
        return
    # Not loaded for one item: a fixed cost of prepare's per item.
    import multiprocessing
    import queue as queue_module
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    ctx = multiprocessing.get_context("spawn")
    events = ctx.Queue()
    with ProcessPoolExecutor(
        max_workers=max(1, workers), mp_context=ctx, initializer=_worker_init, initargs=(events,)
    ) as pool:
        pending = {pool.submit(_run_in_worker, job) for job in jobs}
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            while True:
                try:
                    progress(*events.get_nowait())
                except queue_module.Empty:
                    break
            for future in done:
                result = future.result()
                if result.status == "failed" and result.reason == INTERRUPTED:
                    raise KeyboardInterrupt  # the whole batch was interrupted, not this item
                yield result


# --- Dask ---------------------------------------------------------------------------


def run_dask(jobs: list[Job], address: str, progress: ProgressSink) -> Iterator[ItemResult]:
    """The same items on a Dask distributed cluster (shared storage assumed)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        from sneakernet.errors import UserError

        raise UserError(
            "--dask needs dask.distributed: pip install 'sneakernet[cluster]'"
        ) from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        from sneakernet.errors import UserError

        raise UserError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        futures = [client.submit(prepare_item, job, pure=False) for job in jobs]
        for future in as_completed(futures):
            result = future.result()
            progress(result.number, 1.0)
            yield result
