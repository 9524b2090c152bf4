"""Writing an image to a device, reading it back, and wiping.

Writing is the expensive direction on flash (cheap cards write at 10-30 MB/s
and read 3-5 times faster), so a write puts on the device only what must
change and proves the rest by reading it. Order of a write:

1. blank the first MiB, so an interrupted card cannot pass for its old self;
2. probe (quick): keyed blocks at far offsets past the image (`probe.EmbeddedProbe`);
3. write: every 4 MiB unit of the image that holds data. A unit of the image
   that is all zeros (its free space) must end up zero, like everything past
   the image, and is treated like it;
4. blank-check: read each unit that must end up zero. Its first 64 KiB come
   first: old data there settles it without reading the rest. A unit that
   reads back all 00 bytes is proven by that read and never written;
5. zero: zeros over the units that did not read blank, and (only when the
   image is smaller than a write cache could be) over a few blank ones, so
   that the probe's blocks are pushed out of any cache; flush. With verify,
   through BLKZEROOUT (the device's own zeroing where it has one; the kernel
   writes zero pages otherwise), else plain writes;
6. verify: read back every unit written in 3 and 5 (BLAKE3 per unit);
7. probe: read the keyed blocks back, then zero them;
8. only now write the first MiB (partition table, boot sector), flush, and
   read it and the probe's places back.

A card whose write was interrupted therefore never looks finished. Blank
means 00 only: a unit of erased FF bytes is rewritten with zeros, so every
byte past the image reads 00 and `verify` can promise exactly the image
followed by zeros (the whole device hashes the same on every card).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

import blake3

from sneakernet.devices.blockio import (
    CHUNK,
    MIB,
    OpenDevice,
    aligned_buffer,
    flush_device,
    read_all,
    write_all,
    zero_out,
)
from sneakernet.devices.keyed import BLOCK, KeyedPattern
from sneakernet.devices.runner import Context, DeviceFailure
from sneakernet.sizes import human_size

HEAD = MIB
UNIT = 4 * MIB  # what is written, blank-checked or zeroed at once: a flash allocation unit
PEEK = 64 * 1024  # read first in a unit that must be blank: old data there settles it
_ZEROS = memoryview(aligned_buffer(CHUNK))  # never written to: shared by all workers
_ZERO_DIGESTS: dict[int, bytes] = {}


def _digest(view: memoryview) -> bytes:
    return blake3.blake3(view).digest()


@dataclass
class ImageSource:
    """The image, read through the page cache so that N workers read it from disk once.

    Chunk hashes are shared between workers: whichever reaches a chunk first
    hashes it, the others reuse the digest when they verify.
    """

    path: str
    size: int = 0
    _fd: int = -1
    _hashes: dict[tuple[int, int], bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        self.size = os.fstat(self._fd).st_size

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def fill(self, out: memoryview, offset: int) -> None:
        """The bytes a device must hold at [offset, offset+len): image, then zeros."""
        n = 0
        if offset < self.size:
            # Ask the kernel to read the following chunks while this one goes to the device.
            os.posix_fadvise(self._fd, offset + len(out), 2 * len(out), os.POSIX_FADV_WILLNEED)
            want = min(len(out), self.size - offset)
            while n < want:
                got = os.preadv(self._fd, [out[n:want]], offset + n)
                if got <= 0:
                    raise DeviceFailure(f"the image {self.path} shrank while being written")
                n += got
        if n < len(out):
            out[n:] = bytes(len(out) - n)

    def content(self, offset: int, length: int, buf: memoryview) -> memoryview:
        """A view of the expected bytes: the shared zero buffer past the image, else buf filled."""
        if offset >= self.size:
            return _ZEROS[:length]
        view = buf[:length]
        self.fill(view, offset)
        return view

    def expected_digest(self, offset: int, length: int, scratch: memoryview) -> bytes:
        key = (offset, length) if offset < self.size else (-1, length)
        with self._lock:
            digest = self._hashes.get(key)
            if digest is None:
                digest = _digest(self.content(offset, length, scratch))
                self._hashes[key] = digest
        return digest

    def remember(self, offset: int, view: memoryview) -> None:
        key = (offset, len(view)) if offset < self.size else (-1, len(view))
        if key not in self._hashes:
            digest = _digest(view)
            with self._lock:
                self._hashes.setdefault(key, digest)


def _chunks(start: int, end: int):
    off = start
    while off < end:
        n = min(CHUNK, end - off)
        yield off, n
        off += n


def _first_difference(a: memoryview, b: memoryview) -> int:
    """Index of the first differing byte of two equal-length views (known to differ)."""
    step = BLOCK
    for i in range(0, len(a), step):
        if a[i : i + step] != b[i : i + step]:
            for j in range(i, min(i + step, len(a))):
                if a[j] != b[j]:
                    return j
    return 0


def _write_chunk(dev: OpenDevice, view: memoryview, off: int) -> None:
    try:
        write_all(dev.fd, view, off)
    except OSError as exc:
        raise DeviceFailure(f"write error at offset {off}: {exc.strerror}") from exc


def _read_chunk(ctx: Context, view: memoryview, off: int) -> None:
    try:
        read_all(ctx.device.fd, view, off)
    except OSError as exc:
        bad = _first_unreadable(ctx.device, view, off)
        ctx.state.first_bad_offset = bad
        raise DeviceFailure(f"read error at offset {bad}: {exc.strerror}") from exc


def _first_unreadable(dev: OpenDevice, view: memoryview, off: int) -> int:
    """Narrow a failed chunk read down to the first block that cannot be read."""
    for at in range(0, len(view), BLOCK):
        try:
            read_all(dev.fd, view[at : at + BLOCK], off + at)
        except OSError:
            return off + at
    return off


def _write_range(
    ctx: Context, image: ImageSource, start: int, end: int, buf: memoryview, hashing: bool
) -> None:
    dev = ctx.device
    for off, n in _chunks(start, end):
        view = image.content(off, n, buf)
        if hashing:
            image.remember(off, view)
        _write_chunk(dev, view, off)
        ctx.advance(n)


def _verify_range(
    ctx: Context,
    image: ImageSource,
    start: int,
    end: int,
    buf: memoryview,
    scratch: memoryview,
) -> None:
    for off, n in _chunks(start, end):
        view = buf[:n]
        _read_chunk(ctx, view, off)
        if _digest(view) != image.expected_digest(off, n, scratch):
            expected = image.content(off, n, scratch)
            bad = off + _first_difference(view, expected)
            ctx.state.first_bad_offset = bad
            raise DeviceFailure(f"verify mismatch: first bad byte at offset {bad}")
        ctx.advance(n)


def _is_zero(view: memoryview) -> bool:
    n = len(view)
    zero = _ZERO_DIGESTS.get(n)
    if zero is None:
        zero = _ZERO_DIGESTS.setdefault(n, _digest(_ZEROS[:n]))
    return _digest(view) == zero


def _units(start: int, end: int):
    """[start, end) cut at multiples of UNIT (flash allocation units are aligned)."""
    off = start
    while off < end:
        n = min(end, (off // UNIT + 1) * UNIT) - off
        yield off, n
        off += n


def _buffers() -> tuple[memoryview, memoryview]:
    return memoryview(aligned_buffer(CHUNK)), memoryview(aligned_buffer(CHUNK))


Units = list[tuple[int, int]]


def write_image(
    ctx: Context, image: ImageSource, *, verify: bool = True, probe: bool = False
) -> None:
    """Put the image on the device and make everything else read 00; the first MiB goes last.

    probe: detect fake capacity with keyed blocks that ride along with the
    write (a drive caught gets the quick probe's verdict and fails).
    """
    dev = ctx.device
    if dev.size < image.size:
        raise DeviceFailure(
            f"device holds {human_size(dev.size)}, image needs {human_size(image.size)}"
        )
    _ImageWrite(ctx, image, verify=verify, probe=probe).run()


class _ImageWrite:
    def __init__(self, ctx: Context, image: ImageSource, *, verify: bool, probe: bool) -> None:
        from sneakernet.devices.probe import EmbeddedProbe

        self.ctx, self.image, self.verify = ctx, image, verify
        self.dev = ctx.device
        size = self.dev.size
        self.head = min(HEAD, size)
        # Units from here on hold nothing of the image.
        self.tail = min(size, max(self.head, -(-image.size // UNIT) * UNIT))
        self.probe = EmbeddedProbe(ctx, self.tail) if probe else None
        self.buf, self.scratch = _buffers()
        self.zero_out = True  # until the kernel refuses BLKZEROOUT once

    def run(self) -> None:
        ctx, dev = self.ctx, self.dev
        ctx.begin("write", self.head)
        try:
            write_all(dev.fd, _ZEROS[: self.head], 0)
            flush_device(dev)
        except OSError as exc:
            raise DeviceFailure(f"write error at offset 0: {exc.strerror}") from exc
        ctx.advance(self.head)
        if self.probe is not None and not self.probe.positions:
            # No room past the image for the blocks: the stand-alone probe first.
            from sneakernet.devices.probe import quick_probe, require_genuine

            require_genuine(ctx, quick_probe(ctx))
            self.probe = None
        if self.probe is not None:
            self.probe.write()
        written, must_be_zero = self._write_image()
        dirty = self._blank_check(must_be_zero)
        dirty += self._padding(written, dirty, must_be_zero)
        self._zero(dirty)
        if self.verify:
            ctx.state.verified = False
            try:
                ctx.begin("verify", sum(n for _, n in written + dirty))
                for off, n in sorted(written + dirty):
                    self._verify_unit(off, n)
            except DeviceFailure:
                if self.probe is not None:  # a fake drive says so rather than "mismatch"
                    self.probe.settle()
                raise
        positions: list[int] = []
        if self.probe is not None:
            self.probe.settle()
            self.probe.erase()
            positions, self.probe = self.probe.positions, None
        ctx.begin("write", self.head)
        _write_range(ctx, self.image, 0, self.head, self.buf, self.verify)
        _flush(dev)
        if self.verify:
            ctx.begin("verify", self.head + BLOCK * len(positions))
            self._verify_unit(0, self.head)
            for pos in positions:
                self._verify_unit(pos, BLOCK)
            ctx.state.verified = True

    def _write_image(self) -> tuple[Units, Units]:
        """Write the units of the image that hold data; return them, and what must be zero."""
        ctx, image = self.ctx, self.image
        ctx.begin("write", self.tail - self.head)
        written, zero = [], []
        for off, n in _units(self.head, self.tail):
            view = image.content(off, n, self.buf)
            if _is_zero(view):
                zero.append((off, n))
            else:
                if self.verify:
                    image.remember(off, view)
                _write_chunk(self.dev, view, off)
                written.append((off, n))
            ctx.advance(n)
        return written, zero + list(_units(self.tail, self.dev.size))

    def _expected(self, off: int, n: int, out: memoryview) -> memoryview:
        """What the device must hold at [off, off + n) until the probe's blocks are erased."""
        if self.probe is None or not self.probe.inside(off, n):
            return self.image.content(off, n, out)
        view = out[:n]
        self.image.fill(view, off)
        self.probe.overlay(view, off)
        return view

    def _reads_as_expected(self, off: int, n: int) -> bool:
        """Read [off, off + n) and compare; a range that cannot be read is not blank."""
        view = self.buf[:n]
        try:
            read_all(self.dev.fd, view, off)
        except OSError:
            return False
        if self.probe is None or not self.probe.inside(off, n):
            return _is_zero(view)
        return _digest(view) == _digest(self._expected(off, n, self.scratch))

    def _blank_check(self, units: Units) -> Units:
        """Read every unit that must end up zero; return those that do not read blank."""
        self.ctx.begin("blank-check", sum(n for _, n in units))
        dirty = []
        for off, n in units:
            peek = min(PEEK, n)
            blank = self._reads_as_expected(off, peek)
            if blank and peek < n:
                blank = self._reads_as_expected(off + peek, n - peek)
            if not blank:
                dirty.append((off, n))
            self.ctx.advance(n)
        return dirty

    def _padding(self, written: Units, dirty: Units, must_be_zero: Units) -> Units:
        """Blank units to zero anyway when too little is written to push the probe out of a cache.

        A drive's write cache holds the most recent writes; the probe's blocks
        are read back only after this many distinct bytes were written after them.
        """
        if self.probe is None:
            return []
        missing = self.probe.flush_needed - sum(n for _, n in written + dirty)
        taken, chosen = set(dirty), []
        for unit in must_be_zero:
            if missing <= 0:
                break
            if unit not in taken:
                chosen.append(unit)
                missing -= unit[1]
        return chosen

    def _zero(self, units: Units) -> None:
        """Zeros over each unit (around the probe's blocks, which stay until checked)."""
        ctx = self.ctx
        ctx.begin("zero", sum(n for _, n in units))
        for off, n in units:
            at = off
            for pos in self.probe.inside(off, n) if self.probe is not None else []:
                if pos > at:
                    self._zero_range(at, pos - at)
                at = pos + BLOCK
            if at < off + n:
                self._zero_range(at, off + n - at)
            ctx.advance(n)
        _flush(self.dev)

    def _zero_range(self, off: int, n: int) -> None:
        # The device's own zeroing only when the verify reads the result back.
        if not (self.verify and self.zero_out and zero_out(self.dev, off, n)):
            self.zero_out = False
            _write_chunk(self.dev, _ZEROS[:n], off)

    def _verify_unit(self, off: int, n: int) -> None:
        view = self.buf[:n]
        _read_chunk(self.ctx, view, off)
        if self.probe is not None and self.probe.inside(off, n):
            good = _digest(view) == _digest(self._expected(off, n, self.scratch))
        else:
            good = _digest(view) == self.image.expected_digest(off, n, self.scratch)
        if not good:
            expected = self._expected(off, n, self.scratch)
            bad = off + _first_difference(view, expected)
            self.ctx.state.first_bad_offset = bad
            raise DeviceFailure(f"verify mismatch: first bad byte at offset {bad}")
        self.ctx.advance(n)


def verify_image(ctx: Context, image: ImageSource) -> None:
    """Read the whole device back and compare with image + zeros."""
    dev = ctx.device
    if dev.size < image.size:
        raise DeviceFailure(
            f"device holds {human_size(dev.size)}, image needs {human_size(image.size)}"
        )
    buf, scratch = _buffers()
    ctx.begin("verify", dev.size)
    ctx.state.verified = False
    _verify_range(ctx, image, 0, dev.size, buf, scratch)
    ctx.state.verify_rate = ctx.rate()
    ctx.state.verified = True


def _flush(dev: OpenDevice) -> None:
    try:
        flush_device(dev)
    except OSError as exc:
        raise DeviceFailure(f"flush failed: {exc.strerror}") from exc


def wipe(ctx: Context, *, random: bool = False) -> None:
    """Overwrite the whole device (zeros or keyed random), then read it all back."""
    dev = ctx.device
    pattern = KeyedPattern() if random else None
    buf, expected = _buffers()
    size = dev.size - dev.size % BLOCK if random else dev.size
    ctx.begin("wipe", dev.size)
    zero_digests: dict[int, bytes] = {}
    for off, n in _chunks(0, dev.size):
        view = _ZEROS[:n] if pattern is None else buf[:n]
        if pattern is not None:
            _fill_wipe(view, off, pattern, size)
        _write_chunk(dev, view, off)
        ctx.advance(n)
    _flush(dev)
    ctx.state.write_rate = ctx.rate()
    ctx.begin("verify", dev.size)
    ctx.state.verified = False
    for off, n in _chunks(0, dev.size):
        view = buf[:n]
        _read_chunk(ctx, view, off)
        want = expected[:n]
        if pattern is None:
            if n not in zero_digests:
                zero_digests[n] = _digest(_ZEROS[:n])
            good = _digest(view) == zero_digests[n]
        else:
            _fill_wipe(want, off, pattern, size)
            good = _digest(view) == _digest(want)
        if not good:
            _fill_wipe(want, off, pattern, size)
            bad = off + _first_difference(view, want)
            ctx.state.first_bad_offset = bad
            raise DeviceFailure(f"wipe read-back mismatch: first bad byte at offset {bad}")
        ctx.advance(n)
    ctx.state.verify_rate = ctx.rate()
    ctx.state.verified = True


def _fill_wipe(view: memoryview, off: int, pattern: KeyedPattern | None, keyed_end: int) -> None:
    """Zeros, or keyed blocks (a tail smaller than one block is zeros)."""
    if pattern is None:
        view[:] = _ZEROS[: len(view)]
        return
    keyed = max(0, min(len(view), keyed_end - off))
    if keyed:
        pattern.fill(view[:keyed], off)
    if keyed < len(view):
        view[keyed:] = bytes(len(view) - keyed)
