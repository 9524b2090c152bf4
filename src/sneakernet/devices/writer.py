"""Writing an image to a device, reading it back, and wiping.

Order of a write: blank the first MiB (so an interrupted card cannot pass
for its old self), write the image and then zeros to the very end, flush,
read everything after the first MiB back and compare, and only then write
and check the first MiB (partition table, boot sector). A card whose write
was interrupted therefore never looks finished.
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
)
from sneakernet.devices.keyed import BLOCK, KeyedPattern
from sneakernet.devices.runner import Context, DeviceFailure
from sneakernet.sizes import human_size

HEAD = MIB
_ZEROS = memoryview(aligned_buffer(CHUNK))  # never written to: shared by all workers


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


def _buffers() -> tuple[memoryview, memoryview]:
    return memoryview(aligned_buffer(CHUNK)), memoryview(aligned_buffer(CHUNK))


def write_image(ctx: Context, image: ImageSource, *, verify: bool = True) -> None:
    """Put the image and zeros to the end on the device; the first MiB goes last."""
    dev = ctx.device
    if dev.size < image.size:
        raise DeviceFailure(
            f"device holds {human_size(dev.size)}, image needs {human_size(image.size)}"
        )
    head = min(HEAD, dev.size)
    buf, scratch = _buffers()
    ctx.begin("write", dev.size)
    zeros = _ZEROS[:head]
    try:
        write_all(dev.fd, zeros, 0)
        flush_device(dev)
    except OSError as exc:
        raise DeviceFailure(f"write error at offset 0: {exc.strerror}") from exc
    _write_range(ctx, image, head, dev.size, buf, verify)
    _flush(dev)
    ctx.state.write_rate = ctx.rate()
    if verify:
        ctx.begin("verify", dev.size)
        _verify_range(ctx, image, head, dev.size, buf, scratch)
        verify_rate = ctx.rate()
    ctx.begin("write", head)
    _write_range(ctx, image, 0, head, buf, verify)
    _flush(dev)
    if verify:
        ctx.begin("verify", head)
        _verify_range(ctx, image, 0, head, buf, scratch)
        ctx.state.verified = True
        ctx.state.verify_rate = verify_rate


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
