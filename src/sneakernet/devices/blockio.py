"""Low-level block device I/O: aligned buffers, exclusive direct opens, cache flushes.

Direct I/O (O_DIRECT) needs buffers aligned to the device's logical block
size; anonymous mmap memory is page aligned, which covers every real device.
Going around the kernel's page cache is what makes a read-back prove what the
card holds rather than what the kernel remembers.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
import stat
import struct
from dataclasses import dataclass

# ioctl numbers from <linux/fs.h>.
BLKGETSIZE64 = 0x80081272
BLKSSZGET = 0x1268
BLKFLSBUF = 0x1261
BLKZEROOUT = 0x127F

MIB = 1 << 20
CHUNK = 8 * MIB  # I/O size: large enough that per-call costs vanish next to the transfer


def aligned_buffer(size: int) -> mmap.mmap:
    """Zero-filled page-aligned memory suitable for O_DIRECT transfers."""
    return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)


@dataclass
class OpenDevice:
    """An exclusively opened block device (or, for tests, a regular file)."""

    path: str
    fd: int
    size: int
    logical_block: int

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def device_size(path: str) -> int:
    """Bytes of a block device (what the drive reports) or of a regular file; reads nothing."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if stat.S_ISBLK(st.st_mode):
            return struct.unpack("Q", fcntl.ioctl(fd, BLKGETSIZE64, b"\0" * 8))[0]
        return st.st_size
    finally:
        os.close(fd)


def open_device(path: str, *, write: bool) -> OpenDevice:
    """Open for direct I/O with O_EXCL so that a mounted or busy device fails with EBUSY."""
    flags = (os.O_RDWR if write else os.O_RDONLY) | os.O_DIRECT | os.O_CLOEXEC | os.O_EXCL
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if stat.S_ISBLK(st.st_mode):
            size = struct.unpack("Q", fcntl.ioctl(fd, BLKGETSIZE64, b"\0" * 8))[0]
            logical = struct.unpack("i", fcntl.ioctl(fd, BLKSSZGET, b"\0" * 4))[0]
        else:
            size, logical = st.st_size, 512
    except BaseException:
        os.close(fd)
        raise
    return OpenDevice(path, fd, size, logical)


def flush_device(dev: OpenDevice) -> None:
    """Push written data to the medium and drop the kernel's cached copy of it."""
    os.fsync(dev.fd)
    try:
        fcntl.ioctl(dev.fd, BLKFLSBUF, 0)
    except OSError as exc:  # regular files and unprivileged callers
        if exc.errno not in (errno.ENOTTY, errno.EPERM, errno.EACCES, errno.EINVAL):
            raise
    os.posix_fadvise(dev.fd, 0, 0, os.POSIX_FADV_DONTNEED)


def write_all(fd: int, view: memoryview, offset: int) -> None:
    """pwrite until the whole view is on the device (short writes are legal)."""
    done = 0
    while done < len(view):
        n = os.pwrite(fd, view[done:], offset + done)
        if n <= 0:
            raise OSError(errno.EIO, "device accepted no data")
        done += n


def read_all(fd: int, view: memoryview, offset: int) -> None:
    """pread until the view is full; a short read past the end is an error."""
    done = 0
    while done < len(view):
        n = os.preadv(fd, [view[done:]], offset + done)
        if n <= 0:
            raise OSError(errno.EIO, f"device returned no data at offset {offset + done}")
        done += n


def zero_out(dev: OpenDevice, offset: int, length: int) -> bool:
    """Ask the kernel to zero a range (the device's own zeroing where it has one).

    The kernel writes zero pages itself where the device has no such command.
    False when the request is refused (a regular file, an old kernel): write
    zeros instead. Never trusted without reading the range back.
    """
    try:
        fcntl.ioctl(dev.fd, BLKZEROOUT, struct.pack("QQ", offset, length))
    except OSError:
        return False
    return True
