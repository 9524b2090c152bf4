"""Writing a card image in one sequential pass.

The image is described as extents in increasing offset order (metadata bytes
or a file's contents); everything between them is zero. A file sink seeks
over the zeros (the image is sparse), a device sink can write them.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sneakernet.errors import UserError
from sneakernet.fat import boot_sector, dirent, fat_table, mbr
from sneakernet.fat.layout import (
    NUM_FATS,
    SECTOR,
    Geometry,
    Usage,
    compute_geometry,
    place,
)
from sneakernet.fat.tree import Node
from sneakernet.policy import atomic_path

# The moment every timestamp on a card shows unless the operator picks one.
DEFAULT_TIMESTAMP = datetime(2000, 1, 1, 0, 0, 0)
COPY_CHUNK = 64 * 1024 * 1024
COPY_THREADS = 8
_READ_BUFFER = 8 * 1024 * 1024


@dataclass(frozen=True)
class ImageOptions:
    size: int
    cluster_size: int | None = None
    partition: bool = True
    label: str | None = None
    serial: int | None = None
    timestamp: datetime = DEFAULT_TIMESTAMP


@dataclass(frozen=True)
class Extent:
    """Bytes at `offset`: either `data`, or `length` bytes read from `source`."""

    offset: int
    length: int
    data: bytes | None = None
    source: Path | None = None
    source_offset: int = 0  # a part of `source` starting there
    source_size: int | None = None  # for a part: the size of the whole source


@dataclass
class ImagePlan:
    """Everything decided before the first byte is written."""

    root: Node
    geometry: Geometry
    usage: Usage
    volume_id: int
    disk_signature: int
    label: bytes | None
    when: dirent.FatTime

    @property
    def free_clusters(self) -> int:
        return self.geometry.cluster_count - self.usage.used_clusters

    @property
    def next_free(self) -> int:
        nxt = 2 + self.usage.used_clusters
        return nxt if nxt <= self.geometry.max_cluster else boot_sector.UNKNOWN


def label_bytes(label: str | None) -> bytes | None:
    """The 11-byte volume label, or None; refuses what old firmware cannot show."""
    if not label:
        return None
    text = label.upper()
    if (
        len(text) > 11
        or not text.isascii()
        or any(c in '"*+,./:;<=>?[\\]|' or ord(c) < 0x20 for c in text)
        or text.startswith(" ")
    ):
        raise UserError(
            f"label {label!r} must be at most 11 ASCII letters, digits, spaces or - _ ! # $ % & ' ( ) @ ^ ` {{ }} ~"
        )
    return text.ljust(11).encode("ascii")


def _content_id(root: Node, geometry: Geometry, label: bytes | None, when: dirent.FatTime) -> bytes:
    """A digest of what the card holds (paths, sizes, order) and how it is laid out.

    Never the build time: the serial it yields is the same on every rebuild.
    """
    digest = hashlib.sha256()
    digest.update(
        struct.pack(
            "<QQII", geometry.image_size, geometry.volume_offset, geometry.cluster_size, when.date
        )
    )
    digest.update(struct.pack("<HH", when.time, when.tenths) + (label or b""))
    for path, node in root.walk():
        digest.update(path.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(struct.pack("<?Q", node.is_dir, node.size))
    return digest.digest()


def plan_image(root: Node, options: ImageOptions) -> ImagePlan:
    """Lay out `root` on a card; LayoutError/UserError when it cannot be made."""
    geometry = compute_geometry(options.size, options.cluster_size, options.partition)
    label = label_bytes(options.label)
    when = dirent.FatTime.from_datetime(options.timestamp)
    usage = place(root, geometry, has_label=label is not None)
    for directory in root.dirs():
        shorts = dirent.assign_short_names([child.name for child in directory.children])
        for child, short in zip(directory.children, shorts, strict=True):
            child.short = short
    digest = _content_id(root, geometry, label, when)
    volume_id = (
        options.serial if options.serial is not None else int.from_bytes(digest[:4], "little")
    )
    disk_signature = int.from_bytes(digest[4:8], "little") or 1
    return ImagePlan(root, geometry, usage, volume_id, disk_signature, label, when)


def directory_bytes(plan: ImagePlan, directory: Node, parent: Node | None) -> bytes:
    """The full contents (all clusters) of one folder."""
    when = plan.when
    parts = []
    if parent is None:
        if plan.label:
            parts.append(dirent.pack_short(plan.label, dirent.ATTR_VOLUME_ID, 0, 0, when))
    else:
        parent_cluster = 0 if parent is plan.root else parent.first_cluster
        parts.append(
            dirent.pack_short(
                b".          ", dirent.ATTR_DIRECTORY, directory.first_cluster, 0, when
            )
        )
        parts.append(
            dirent.pack_short(b"..         ", dirent.ATTR_DIRECTORY, parent_cluster, 0, when)
        )
    for child in directory.children:
        if dirent.lfn_slots(child.name):
            parts.append(dirent.pack_lfn(child.name, child.short))
        attributes = dirent.ATTR_DIRECTORY if child.is_dir else dirent.ATTR_ARCHIVE
        size = 0 if child.is_dir else child.size
        parts.append(dirent.pack_short(child.short, attributes, child.first_cluster, size, when))
    data = b"".join(parts)
    return data.ljust(directory.cluster_count * plan.geometry.cluster_size, b"\x00")


def iter_extents(plan: ImagePlan) -> Iterator[Extent]:
    """Every non-zero region of the image, in increasing offset order."""
    g = plan.geometry
    if g.partitioned:
        yield Extent(
            0, SECTOR, mbr.build_mbr(g.hidden_sectors, g.volume_sectors, plan.disk_signature)
        )
    reserved = boot_sector.build_reserved_region(
        g, plan.volume_id, plan.label, plan.free_clusters, plan.next_free
    )
    for sector in sorted(reserved):
        yield Extent(g.volume_offset + sector * SECTOR, SECTOR, reserved[sector])
    runs = [(d.first_cluster, d.cluster_count) for d in plan.root.dirs()]
    runs += [(n.first_cluster, n.cluster_count) for _, n in plan.root.files()]
    fat = fat_table.build_fat(runs)
    for index in range(NUM_FATS):
        yield Extent(g.fat_offset(index), len(fat), fat)
    parents: dict[int, Node | None] = {id(plan.root): None}
    for directory in plan.root.dirs():
        for child in directory.children:
            parents[id(child)] = directory
        data = directory_bytes(plan, directory, parents[id(directory)])
        yield Extent(g.cluster_offset(directory.first_cluster), len(data), data)
    for _, node in plan.root.files():
        if node.size:
            yield Extent(
                g.cluster_offset(node.first_cluster),
                node.size,
                source=node.source,
                source_offset=node.source_offset,
                source_size=node.source_size,
            )


ProgressCallback = Callable[[int], None]
STREAM_BLOCK = 4 * 1024 * 1024


def stream_image(plan: ImagePlan, block_size: int = STREAM_BLOCK) -> Iterator[bytes]:
    """The whole image, zeros included, as consecutive blocks of `block_size` bytes
    (the last may be shorter): for sinks that must overwrite every byte, such as
    a donated drive whose old contents must not survive."""
    block = bytearray()
    position = 0
    zeros = bytes(block_size)

    def take(data) -> Iterator[bytes]:
        nonlocal block
        view = memoryview(data)
        while view:
            room = block_size - len(block)
            block += view[:room]
            view = view[room:]
            if len(block) == block_size:
                yield bytes(block)
                block = bytearray()

    for extent in iter_extents(plan):
        while position < extent.offset:
            step = min(extent.offset - position, block_size)
            yield from take(zeros[:step])
            position += step
        if extent.data is not None:
            yield from take(extent.data)
        else:
            with open(extent.source, "rb", buffering=0) as f:
                f.seek(extent.source_offset)
                remaining = extent.length
                while remaining:
                    data = f.read(min(block_size, remaining))
                    if not data:
                        raise UserError(
                            f"{str(extent.source)!r} shrank while the card was being built; build again"
                        )
                    yield from take(data)
                    remaining -= len(data)
        position = extent.offset + extent.length
    end = plan.geometry.image_size
    while position < end:
        step = min(end - position, block_size)
        yield from take(zeros[:step])
        position += step
    if block:
        yield bytes(block)


def _copy_file(
    source: Path,
    expected: int,
    out_fd: int,
    offset: int,
    progress,
    start: int = 0,
    whole: int | None = None,
) -> None:
    """Copy `expected` bytes of `source` from `start`: all of it, or one part of a
    file of `whole` bytes."""
    try:
        src_fd = os.open(source, os.O_RDONLY)
    except OSError as exc:
        raise UserError(f"cannot read {str(source)!r}: {exc.strerror}") from None
    try:
        size = os.fstat(src_fd).st_size
        if size != (whole if whole is not None else expected):
            raise UserError(f"{str(source)!r} changed while the card was being built; build again")
        done = 0
        use_kernel_copy = hasattr(os, "copy_file_range")
        buffer = None
        while done < expected:
            want = min(COPY_CHUNK, expected - done)
            n = 0
            if use_kernel_copy:
                try:
                    n = os.copy_file_range(src_fd, out_fd, want, start + done, offset + done)
                except OSError:
                    use_kernel_copy = False
            if not use_kernel_copy:
                if buffer is None:
                    buffer = bytearray(_READ_BUFFER)
                view = memoryview(buffer)[: min(_READ_BUFFER, want)]
                n = os.preadv(src_fd, [view], start + done)
                if n:
                    os.pwrite(out_fd, view[:n], offset + done)
            if n == 0:
                raise UserError(
                    f"{str(source)!r} shrank while the card was being built; build again"
                )
            done += n
            if progress:
                progress(n)
    finally:
        os.close(src_fd)


def write_extents(plan: ImagePlan, out_fd: int, progress: ProgressCallback | None = None) -> None:
    """Write every extent to an open file, leaving zero regions as holes.

    Reading the library is the slow side (a cold disk answers faster to
    several requests at once), so a few threads copy files at the same time,
    in image order, a bounded window ahead; the kernel copies the bytes
    (copy_file_range), so memory stays flat. Each byte is written once.
    """
    window: deque[Future] = deque()
    with ThreadPoolExecutor(max_workers=COPY_THREADS) as pool:
        try:
            for extent in iter_extents(plan):
                if extent.data is not None:
                    os.pwrite(out_fd, extent.data, extent.offset)
                    if progress:
                        progress(extent.length)
                    continue
                window.append(
                    pool.submit(
                        _copy_file,
                        extent.source,
                        extent.length,
                        out_fd,
                        extent.offset,
                        progress,
                        extent.source_offset,
                        extent.source_size,
                    )
                )
                if len(window) >= 4 * COPY_THREADS:
                    window.popleft().result()
            while window:
                window.popleft().result()
        except BaseException:
            for future in window:
                future.cancel()
            raise


def write_image(
    plan: ImagePlan, out: Path, progress: ProgressCallback | None = None, sync: bool = True
) -> None:
    """Write the card image to `out` atomically (`policy.atomic_path`).

    `sync=False` skips the fsyncs, for throw-away images (tests).
    """
    out = Path(out)
    directory = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise UserError(f"{str(out)!r} is a folder; give a file name for the image")
    if not directory.is_dir():
        raise UserError(f"folder {str(directory)!r} does not exist; create it first")
    try:
        with atomic_path(out, sync=sync) as tmp:
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                os.fchmod(fd, 0o644)
                os.ftruncate(fd, plan.geometry.image_size)
                write_extents(plan, fd, progress)
            finally:
                os.close(fd)
    except OSError as exc:
        raise UserError(f"cannot write {str(out)!r}: {exc.strerror or exc}") from None


def build_image(root: Node, options: ImageOptions, out: Path, progress=None) -> ImagePlan:
    """Plan and write in one call; returns the plan (geometry, usage, serial)."""
    plan = plan_image(root, options)
    write_image(plan, out, progress)
    return plan


def parse_timestamp(text: str | None, source_date_epoch: str | None = None) -> datetime:
    """--timestamp (ISO 8601), else SOURCE_DATE_EPOCH, else the fixed default.

    A time with a zone is converted to UTC; FAT stores wall-clock time without zone.
    """
    if text:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise UserError(
                f"--timestamp {text!r} is not ISO 8601; write e.g. 2020-01-01T00:00:00"
            ) from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment
    if source_date_epoch:
        try:
            return datetime.fromtimestamp(int(source_date_epoch), UTC).replace(tzinfo=None)
        except (ValueError, OverflowError, OSError):
            raise UserError(
                f"SOURCE_DATE_EPOCH={source_date_epoch!r} is not a number of seconds"
            ) from None
    return DEFAULT_TIMESTAMP
