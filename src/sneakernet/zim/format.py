"""The ZIM container read and rewritten at the byte level, without libzim.

A ZIM file is an 80-byte header, a MIME type list, a directory (one entry,
"dirent", per path; a list of pointers to them in path order; optionally a
list of entry numbers in title order), clusters holding the content (each
either stored or compressed, several "blobs" each), a list of pointers to
the clusters, and an MD5 of everything before it.

`rewrite` copies a ZIM with some blobs replaced, and nothing else changed
but what must follow from it: the clusters holding replaced blobs are
written back stored (uncompressed: no compressor needed, and libzim reads
stored and compressed clusters alike), every later position is moved by the
size difference, the header's UUID and the UUIDs inside the Xapian search
indexes are set to values derived from the content, a full title index is
added when the file has none (readers built on libzim 8 and older, and
`zimcheck`, need it), and the checksum is computed anew. Every other byte is
copied as it was, in large blocks: cleaning a ZIM costs about a copy.
"""

from __future__ import annotations

import bisect
import hashlib
import struct
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

MAGIC = 72173914  # 0x044D495A, "ZIM\x04"
MAGIC_BYTES = MAGIC.to_bytes(4, "little")
HEADER = struct.Struct("<IHH16sIIQQQQIIQ")
NO_POSITION = 0xFFFFFFFFFFFFFFFF
NO_PAGE = 0xFFFFFFFF
REDIRECT, LINKTARGET, DELETED = 0xFFFF, 0xFFFE, 0xFFFD
STORED = (0, 1)  # cluster compression values meaning "not compressed"
EXTENDED = 0x10  # cluster flag: 8-byte blob offsets
XAPIAN_GLASS = b"\x0f\x0dXapian Glass"
XAPIAN_UUID_AT = len(XAPIAN_GLASS) + 2  # after the magic and the format version
CHECKSUM_SIZE = 16
COPY_CHUNK = 8 * 1024 * 1024


class ZimError(Exception):
    """Not a ZIM file, or a damaged one: the message says what is wrong."""


@dataclass
class Header:
    major: int
    minor: int
    uuid: bytes
    entry_count: int
    cluster_count: int
    path_ptr_pos: int
    title_ptr_pos: int
    cluster_ptr_pos: int
    mime_list_pos: int
    main_page: int
    layout_page: int
    checksum_pos: int

    def pack(self) -> bytes:
        return HEADER.pack(
            MAGIC, self.major, self.minor, self.uuid, self.entry_count, self.cluster_count,
            self.path_ptr_pos, self.title_ptr_pos, self.cluster_ptr_pos, self.mime_list_pos,
            self.main_page, self.layout_page, self.checksum_pos,
        )  # fmt: skip

    @property
    def has_title_index(self) -> bool:
        return self.title_ptr_pos not in (0, NO_POSITION)


@dataclass(slots=True)
class Dirent:
    index: int  # entry number, in path order
    offset: int  # where it sits in the file
    size: int
    mime: int  # index in the MIME list, or REDIRECT / LINKTARGET / DELETED
    namespace: str
    path: str
    title: str  # as stored: empty means "same as the path"
    cluster: int | None = None
    blob: int | None = None
    target: int | None = None  # redirect: entry number of the target

    @property
    def shown_title(self) -> str:
        return self.title or self.path

    @property
    def is_redirect(self) -> bool:
        return self.mime == REDIRECT


def read_header(f: BinaryIO, size: int) -> Header:
    f.seek(0)
    raw = f.read(HEADER.size)
    if len(raw) < HEADER.size or raw[:4] != MAGIC_BYTES:
        raise ZimError("not a ZIM file: no ZIM magic number at the start")
    fields = HEADER.unpack(raw)
    header = Header(*fields[1:])
    if header.major not in (5, 6):
        raise ZimError(f"unknown ZIM version {header.major}.{header.minor}")
    if header.checksum_pos + CHECKSUM_SIZE > size:
        raise ZimError(
            "truncated ZIM: the file ends before its checksum; it did not copy completely"
        )
    for name in ("path_ptr_pos", "cluster_ptr_pos", "mime_list_pos"):
        if getattr(header, name) >= header.checksum_pos:
            raise ZimError(f"damaged ZIM: the header's {name} points outside the file")
    if header.path_ptr_pos + 8 * header.entry_count > header.checksum_pos:
        raise ZimError("damaged ZIM: the directory runs past the end of the file")
    if header.cluster_ptr_pos + 8 * header.cluster_count > header.checksum_pos:
        raise ZimError("damaged ZIM: the cluster list runs past the end of the file")
    return header


def data_end(path: Path) -> int:
    """Where the ZIM's own bytes end (after the checksum): anything later is not ZIM."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        return read_header(f, size).checksum_pos + CHECKSUM_SIZE


def _read_list(f: BinaryIO, pos: int, count: int, code: str) -> array:
    f.seek(pos)
    values = array(code)
    raw = f.read(count * values.itemsize)
    if len(raw) != count * values.itemsize:
        raise ZimError("truncated ZIM: a pointer list is cut short")
    values.frombytes(raw)
    if values.itemsize > 1 and struct.pack("=H", 1) != struct.pack("<H", 1):
        values.byteswap()
    return values


def _read_mimes(f: BinaryIO, pos: int) -> list[str]:
    f.seek(pos)
    raw = f.read(64 * 1024)
    mimes = []
    start = 0
    while True:
        end = raw.find(b"\0", start)
        if end < 0:
            raise ZimError("damaged ZIM: the MIME type list does not end")
        if end == start:
            return mimes
        mimes.append(raw[start:end].decode("utf-8", "replace"))
        start = end + 1


_FIXED = struct.Struct("<HBc")
_U32 = struct.Struct("<I")
_TWO_U32 = struct.Struct("<II")


def _parse_dirent(buf: bytes, at: int, index: int, offset: int) -> Dirent:
    try:
        mime, parameter_len, namespace = _FIXED.unpack_from(buf, at)
        pos = at + 8
        cluster = blob = target = None
        if mime == REDIRECT:
            (target,) = _U32.unpack_from(buf, pos)
            pos += 4
        elif mime < DELETED:
            cluster, blob = _TWO_U32.unpack_from(buf, pos)
            pos += 8
        end = buf.index(0, pos)
        path = buf[pos:end].decode("utf-8", "replace")
        title_end = buf.index(0, end + 1)
        title = buf[end + 1 : title_end].decode("utf-8", "replace")
        pos = title_end + 1 + parameter_len
    except (struct.error, ValueError):
        raise ZimError(f"damaged ZIM: directory entry {index} is cut short") from None
    ns = "C" if namespace == b"C" else namespace.decode("latin-1")
    return Dirent(index, offset, pos - at, mime, ns, path, title, cluster, blob, target)


class ZimStructure:
    """The directory and cluster layout of one ZIM file, read once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with open(self.path, "rb") as f:
            f.seek(0, 2)
            self.size = f.tell()
            self.header = h = read_header(f, self.size)
            self.mimes = _read_mimes(f, h.mime_list_pos)
            self.path_ptrs = _read_list(f, h.path_ptr_pos, h.entry_count, "Q")
            self.cluster_ptrs = _read_list(f, h.cluster_ptr_pos, h.cluster_count, "Q")
            self.title_ptrs = (
                _read_list(f, h.title_ptr_pos, h.entry_count, "I") if h.has_title_index else None
            )
        if any(p >= h.checksum_pos for p in self.path_ptrs):
            raise ZimError("damaged ZIM: a directory entry lies outside the file")
        if any(p >= h.checksum_pos for p in self.cluster_ptrs):
            raise ZimError("damaged ZIM: a cluster lies outside the file")
        self._cluster_order = sorted(range(h.cluster_count), key=self.cluster_ptrs.__getitem__)
        self._cluster_rank = {c: k for k, c in enumerate(self._cluster_order)}
        self._region_starts: list[int] | None = None
        self._entries: list[Dirent] | None = None

    # Directory

    def entries(self) -> list[Dirent]:
        """Every entry, in path order, read once."""
        if self._entries is None:
            self._entries = list(self.dirents())
        return self._entries

    def dirents(self) -> Iterator[Dirent]:
        """Every entry, in path order (entry number order)."""
        ptrs = self.path_ptrs
        if not len(ptrs):
            return
        low, high = min(ptrs), max(ptrs)
        with open(self.path, "rb") as f:
            if high - low <= 512 * 1024 * 1024:  # the usual case: one block in memory
                f.seek(low)
                buf = f.read(high - low + 8192)
                for index, offset in enumerate(ptrs):
                    yield _parse_dirent(buf, offset - low, index, offset)
                return
            for index, offset in enumerate(ptrs):
                f.seek(offset)
                yield _parse_dirent(f.read(8192), 0, index, offset)

    def dirent(self, index: int) -> Dirent:
        with open(self.path, "rb") as f:
            offset = self.path_ptrs[index]
            f.seek(offset)
            return _parse_dirent(f.read(8192), 0, index, offset)

    # Clusters

    def cluster_span(self, number: int) -> tuple[int, int]:
        """Start and end of cluster `number` in the file."""
        start = self.cluster_ptrs[number]
        at = self._cluster_rank[number]
        if at + 1 < len(self._cluster_order):
            end = self.cluster_ptrs[self._cluster_order[at + 1]]
        else:
            end = self.header.checksum_pos
        # Whatever else follows the cluster (directory entries, pointer lists) ends it too.
        if self._region_starts is None:
            h = self.header
            self._region_starts = sorted(
                {*self.path_ptrs, h.path_ptr_pos, h.cluster_ptr_pos, h.mime_list_pos}
                | ({h.title_ptr_pos} if h.has_title_index else set())
            )
        k = bisect.bisect_right(self._region_starts, start)
        if k < len(self._region_starts):
            end = min(end, self._region_starts[k])
        return start, end

    def cluster_info(self, number: int) -> tuple[int, bool]:
        """(compression, extended offsets) of a cluster."""
        with open(self.path, "rb") as f:
            f.seek(self.cluster_ptrs[number])
            info = f.read(1)
        if not info:
            raise ZimError(f"truncated ZIM: cluster {number} is missing")
        return info[0] & 0x0F, bool(info[0] & EXTENDED)

    def stored_blobs(self, number: int) -> list[tuple[int, int]]:
        """(start, end) in the file of each blob of a stored (uncompressed) cluster."""
        compression, extended = self.cluster_info(number)
        if compression not in STORED:
            raise ValueError("compressed cluster")
        start, end = self.cluster_span(number)
        width = 8 if extended else 4
        with open(self.path, "rb") as f:
            f.seek(start + 1)
            first = int.from_bytes(f.read(width), "little")
            count = first // width
            if first % width or count < 1 or start + 1 + first > end:
                raise ZimError(f"damaged ZIM: cluster {number} has a bad blob table")
            f.seek(start + 1)
            raw = f.read(first)
        offsets = [int.from_bytes(raw[i : i + width], "little") for i in range(0, first, width)]
        if offsets != sorted(offsets) or start + 1 + offsets[-1] > end:
            raise ZimError(f"damaged ZIM: cluster {number} has a bad blob table")
        return [(start + 1 + a, start + 1 + b) for a, b in zip(offsets, offsets[1:], strict=False)]


def stored_cluster(blobs: list[bytes]) -> bytes:
    """A stored cluster holding `blobs`, in order."""
    total = sum(len(b) for b in blobs)
    extended = (len(blobs) + 1) * 4 + total > 0xFFFFFFFF
    width = 8 if extended else 4
    offsets, at = [], (len(blobs) + 1) * width
    for blob in blobs:
        offsets.append(at)
        at += len(blob)
    offsets.append(at)
    table = b"".join(o.to_bytes(width, "little") for o in offsets)
    return bytes([1 | (EXTENDED if extended else 0)]) + table + b"".join(blobs)


def title_order(dirents: list[tuple[str, str, int]]) -> bytes:
    """The full title index: entry numbers sorted by namespace, then title (bytes)."""
    keys = sorted((ns.encode("latin-1") + title.encode("utf-8"), i) for ns, title, i in dirents)
    values = array("I", (i for _, i in keys))
    if struct.pack("=H", 1) != struct.pack("<H", 1):
        values.byteswap()
    return values.tobytes()


def derived_uuid(seed: bytes, what: bytes = b"zim") -> bytes:
    """A version-4-shaped UUID from the content: the same content, the same UUID."""
    raw = bytearray(hashlib.sha256(b"sneakernet-zim-uuid\0" + what + b"\0" + seed).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    return bytes(raw)


@dataclass
class Rewrite:
    """What `rewrite` changes: blobs by (cluster, blob), and a UUID or how to derive it."""

    blobs: dict[tuple[int, int], bytes] = field(default_factory=dict)
    # Called with each cluster whose blobs must be read through a decompressor
    # (a compressed cluster holding a replaced blob): (cluster, blob count) -> blobs.
    read_cluster: Callable[[int, int], list[bytes]] | None = None
    uuid: bytes | None = None  # None: derived from the content
    title_index: bool = True  # add a full title index when the file has none


@dataclass
class RewriteResult:
    uuid: bytes
    size: int
    clusters_rebuilt: int
    title_index_added: bool
    xapian_indexes: int


def _blob_counts(structure: ZimStructure, dirents: list[Dirent]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for d in dirents:
        if d.cluster is not None:
            counts[d.cluster] = max(counts.get(d.cluster, 0), d.blob + 1)
    return counts


def _cluster_blobs(
    structure: ZimStructure, cluster: int, counts: dict[int, int], change: Rewrite
) -> list[bytes]:
    """The blobs of one cluster: read directly when stored, else through `change.read_cluster`."""
    compression, _ = structure.cluster_info(cluster)
    if compression in STORED:
        blobs = []
        with open(structure.path, "rb") as f:
            for a, b in structure.stored_blobs(cluster):
                f.seek(a)
                blobs.append(f.read(b - a))
        return blobs
    if change.read_cluster is None:
        raise ZimError(f"cluster {cluster} is compressed and no reader was given")
    return change.read_cluster(cluster, counts.get(cluster, 0))


def _rebuilt_clusters(
    structure: ZimStructure, dirents: list[Dirent], change: Rewrite
) -> dict[int, list[bytes]]:
    """The new blobs of every cluster holding a replaced blob."""
    by_cluster: dict[int, dict[int, bytes]] = {}
    for (cluster, blob), data in change.blobs.items():
        by_cluster.setdefault(cluster, {})[blob] = data
    counts = _blob_counts(structure, dirents)
    rebuilt = {}
    for cluster, replaced in sorted(by_cluster.items()):
        blobs = _cluster_blobs(structure, cluster, counts, change)
        for blob, data in replaced.items():
            if blob >= len(blobs):
                raise ZimError(f"damaged ZIM: cluster {cluster} has no blob {blob}")
            blobs[blob] = data
        rebuilt[cluster] = blobs
    return rebuilt


def _xapian_places(
    structure: ZimStructure, dirents: list[Dirent], skip: set[int]
) -> list[tuple[int, str]]:
    """(file offset of the UUID, index name) of each Xapian index in a stored cluster."""
    found = []
    with open(structure.path, "rb") as f:
        for d in dirents:
            if d.namespace not in ("X", "Z") or d.cluster is None or d.cluster in skip:
                continue
            compression, _ = structure.cluster_info(d.cluster)
            if compression not in STORED:
                continue
            start, end = structure.stored_blobs(d.cluster)[d.blob]
            f.seek(start)
            head = f.read(XAPIAN_UUID_AT + 16)
            if head.startswith(XAPIAN_GLASS) and end - start >= len(head):
                found.append((start + XAPIAN_UUID_AT, f"{d.namespace}/{d.path}"))
    return found


def xapian_uuids(structure: ZimStructure, dirents: list[Dirent]) -> dict[str, bytes]:
    """The UUID each Xapian index in a stored cluster carries now, by index name."""
    out = {}
    with open(structure.path, "rb") as f:
        for at, name in _xapian_places(structure, dirents, set()):
            f.seek(at)
            out[name] = f.read(16)
    return out


def _patch_rebuilt_xapian(rebuilt: dict[int, bytes], dirents, uuid: bytes) -> int:
    """Xapian UUIDs inside clusters that are rebuilt anyway (rare): set in memory."""
    count = 0
    for d in dirents:
        if d.namespace in ("X", "Z") and d.cluster in rebuilt:
            data = bytearray(rebuilt[d.cluster])
            width = 8 if data[0] & EXTENDED else 4
            at = 1 + int.from_bytes(data[1 + d.blob * width : 1 + (d.blob + 1) * width], "little")
            if data[at : at + len(XAPIAN_GLASS)] == XAPIAN_GLASS:
                name = f"{d.namespace}/{d.path}".encode()
                data[at + XAPIAN_UUID_AT : at + XAPIAN_UUID_AT + 16] = derived_uuid(uuid, name)
                rebuilt[d.cluster] = bytes(data)
                count += 1
    return count


@dataclass
class RewritePlan:
    """Everything `write_rewrite` needs, worked out from the directory and a few clusters."""

    structure: ZimStructure
    header: Header  # the new header, UUID set
    replaced: list[tuple[int, int, object]]  # (start, end, new bytes or the name of a list)
    path_ptrs: array
    cluster_ptrs: array
    titles: bytes  # a full title index to add before the checksum, or b""
    patches: list[tuple[int, bytes]]  # (position in the original, bytes) inside copied ranges
    xapian: dict[str, bytes]  # index name -> the UUID it will carry
    rebuilt: dict[int, bytes]

    @property
    def uuid(self) -> bytes:
        return self.header.uuid


def _blob_sizes(
    structure: ZimStructure, cluster: int, counts: dict[int, int], change: Rewrite
) -> list[int]:
    compression, _ = structure.cluster_info(cluster)
    if compression in STORED:
        return [b - a for a, b in structure.stored_blobs(cluster)]
    return [len(blob) for blob in _cluster_blobs(structure, cluster, counts, change)]


def content_seed(
    structure: ZimStructure,
    dirents: list[Dirent],
    new_blobs: dict[int, list[bytes]],
    change: Rewrite,
) -> bytes:
    """A digest of the content, leaving out UUIDs, the checksum and the metadata's packing.

    It covers the directory, the MIME types, every metadata value as written,
    the size of every other blob of the clusters holding metadata, and the
    size of every other cluster, which stands for its bytes (reading them all
    would double the time a clean takes). So cleaning a cleaned file derives
    the same UUID, and so does any copy of the same content.
    """
    h = structure.header
    seed = hashlib.sha256()
    for d in dirents:
        seed.update(f"{d.namespace}\0{d.path}\0{d.title}\0{d.mime}\0{d.cluster}\0{d.blob}"
                    f"\0{d.target}\n".encode())  # fmt: skip
    metadata = {
        (d.cluster, d.blob) for d in dirents if d.namespace == "M" and d.cluster is not None
    }
    holding = sorted({c for c, _ in metadata})
    counts = _blob_counts(structure, dirents)
    for c in holding:
        if c in new_blobs:
            blobs = new_blobs[c]
            sizes = [len(b) for b in blobs]
        else:
            blobs = None
            sizes = _blob_sizes(structure, c, counts, change)
        seed.update(f"{c}:{sizes}\n".encode())
        for blob in sorted(b for cc, b in metadata if cc == c):
            if blobs is None and structure.cluster_info(c)[0] in STORED:
                start, end = structure.stored_blobs(c)[blob]  # just this blob, not the cluster
                with open(structure.path, "rb") as f:
                    f.seek(start)
                    value = f.read(end - start)
            else:
                if blobs is None:
                    blobs = _cluster_blobs(structure, c, counts, change)
                value = blobs[blob]
            seed.update(hashlib.sha256(value).digest())
    for c in range(h.cluster_count):
        if c not in holding:
            start, end = structure.cluster_span(c)
            seed.update(f"{c}:{end - start}\n".encode())
    seed.update("\0".join(structure.mimes).encode())
    seed.update(f"{h.main_page}:{h.layout_page}".encode())
    return seed.digest()


def plan_rewrite(src: Path, change: Rewrite, structure: ZimStructure | None = None) -> RewritePlan:
    structure = structure or ZimStructure(src)
    h = structure.header
    dirents = structure.entries()
    new_blobs = _rebuilt_clusters(structure, dirents, change)
    rebuilt = {c: stored_cluster(blobs) for c, blobs in new_blobs.items()}

    replaced: list[tuple[int, int, object]] = [(0, HEADER.size, "header")]
    for cluster, data in rebuilt.items():
        start, end = structure.cluster_span(cluster)
        replaced.append((start, end, data))
    replaced.append((h.path_ptr_pos, h.path_ptr_pos + 8 * h.entry_count, "path_ptrs"))
    replaced.append((h.cluster_ptr_pos, h.cluster_ptr_pos + 8 * h.cluster_count, "cluster_ptrs"))
    replaced.sort(key=lambda r: r[0])
    for (_, end, _), (start, _, _) in zip(replaced, replaced[1:], strict=False):
        if start < end:
            raise ZimError("damaged ZIM: clusters and pointer lists overlap")
    starts = [r[0] for r in replaced]
    growth = []
    total = 0
    for start, end, data in replaced:
        if isinstance(data, bytes):
            total += len(data) - (end - start)
        growth.append(total)

    def moved(position: int) -> int:
        """New position of what started at `position` (never inside a replaced range)."""
        k = bisect.bisect_right(starts, position) - 1
        if k < 0:
            return position
        if position == starts[k]:
            return position + (growth[k - 1] if k else 0)
        return position + growth[k]

    add_titles = change.title_index and not h.has_title_index
    titles = (
        title_order([(d.namespace, d.shown_title, d.index) for d in dirents]) if add_titles else b""
    )
    checksum_pos = moved(h.checksum_pos)
    if add_titles:
        title_pos = checksum_pos
    else:
        title_pos = moved(h.title_ptr_pos) if h.has_title_index else h.title_ptr_pos
    uuid = change.uuid or derived_uuid(content_seed(structure, dirents, new_blobs, change))
    header = Header(
        h.major, h.minor, uuid, h.entry_count, h.cluster_count, moved(h.path_ptr_pos),
        title_pos, moved(h.cluster_ptr_pos), moved(h.mime_list_pos), h.main_page,
        h.layout_page, checksum_pos + len(titles),
    )  # fmt: skip
    xapian = {name: derived_uuid(uuid, name.encode()) for _, name in
              _xapian_places(structure, dirents, set())}  # fmt: skip
    _patch_rebuilt_xapian(rebuilt, dirents, uuid)
    patches = sorted(
        (at, xapian[name]) for at, name in _xapian_places(structure, dirents, set(rebuilt))
    )
    return RewritePlan(
        structure, header, replaced,
        array("Q", (moved(p) for p in structure.path_ptrs)),
        array("Q", (moved(p) for p in structure.cluster_ptrs)),
        titles, patches, xapian, rebuilt,
    )  # fmt: skip


def write_rewrite(plan: RewritePlan, out: BinaryIO) -> RewriteResult:
    """Stream the rewritten ZIM to `out`: copied blocks, replaced ranges, a new checksum."""
    structure = plan.structure

    def fill(kind: str) -> bytes:
        if kind == "header":
            return plan.header.pack()
        values = plan.path_ptrs if kind == "path_ptrs" else plan.cluster_ptrs
        if struct.pack("=H", 1) != struct.pack("<H", 1):
            values = array("Q", values)
            values.byteswap()
        return values.tobytes()

    md5 = hashlib.md5()
    written = 0
    # The checksum is computed in a second thread while the main one reads and
    # writes (both release the interpreter lock on large blocks), in order.
    hasher = ThreadPoolExecutor(max_workers=1)
    pending: deque[Future] = deque()

    def emit(data: bytes) -> None:
        nonlocal written
        pending.append(hasher.submit(md5.update, data))
        out.write(data)
        written += len(data)
        while len(pending) > 4:
            pending.popleft().result()

    try:
        _copy_all(plan, structure, emit, fill)
        emit(plan.titles)
        while pending:
            pending.popleft().result()
    finally:
        hasher.shutdown(wait=True)
    out.write(md5.digest())
    return RewriteResult(
        plan.uuid, written + CHECKSUM_SIZE, len(plan.rebuilt), bool(plan.titles), len(plan.xapian)
    )


def _copy_all(plan: RewritePlan, structure: ZimStructure, emit, fill) -> None:
    with open(structure.path, "rb") as f:
        position = 0

        def copy_to(stop: int) -> None:
            nonlocal position
            f.seek(position)
            while position < stop:
                block = f.read(min(COPY_CHUNK, stop - position))
                if not block:
                    raise ZimError("the ZIM file shrank while being read")
                for at, value in plan.patches:
                    lo, hi = max(at, position), min(at + len(value), position + len(block))
                    if lo < hi:
                        block = bytearray(block)
                        block[lo - position : hi - position] = value[lo - at : hi - at]
                emit(bytes(block))
                position += len(block)

        for start, end, data in plan.replaced:
            copy_to(start)
            emit(fill(data) if isinstance(data, str) else data)
            position = end
        copy_to(structure.header.checksum_pos)


def rewrite(src: Path, out: BinaryIO, change: Rewrite) -> RewriteResult:
    """Write to `out` the ZIM at `src` with `change` applied (see the module's docstring)."""
    return write_rewrite(plan_rewrite(src, change), out)
