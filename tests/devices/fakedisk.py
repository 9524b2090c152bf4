"""A misbehaving flash drive, emulated for tests: FUSE file + loop device.

The FUSE file system exposes one file, `disk`, whose size is the capacity the
drive claims; a loop device on top turns it into a real block device, so the
code under test runs unchanged (O_DIRECT, O_EXCL, ioctls). The file system
runs with direct_io, so every read and write of the loop device reaches this
process, which can then behave like a fake or failing drive:

- wraparound: offsets are taken modulo the real size;
- limbo: writes beyond the real size vanish, reads there return zeros
  (or garbage with --garbage);
- a small write cache in front of both, answering reads of recent writes;
- an I/O error for any request touching one offset;
- a flipped bit in whatever is read at one offset;
- a pause before every write (a slow card);
- read and write rates (bytes per second), like a real card's: one clock for
  both, since a card does one thing at a time (USB mass storage and SD both
  run one command after the other), so reading does not overlap writing;
- old contents: random data everywhere (a donated drive) or in a few places;
- a log of every write (offset, length, whether it held non-zero bytes), to
  observe the order in which a writer touched the device.

Run: python fakedisk.py MOUNTPOINT --claimed N [--real N] [--mode wrap|limbo] ...
"""

from __future__ import annotations

import argparse
import errno
import mmap
import os
import stat
import time
from collections import OrderedDict

from mfusepy import FUSE, FuseOSError, Operations

SECTOR = 512


class FakeDisk(Operations):
    use_ns = True  # utimens in nanoseconds (unused: the disk file is never touched)

    def __init__(self, args: argparse.Namespace) -> None:
        self.claimed = args.claimed
        self.real = args.real or args.claimed
        self.mode = args.mode
        self.garbage = args.garbage
        # Anonymous memory: zero until written, so a large drive costs only what is written.
        self.store = mmap.mmap(-1, self.real)
        self.cache: OrderedDict[int, bytes] = OrderedDict()
        self.cache_sectors = args.cache // SECTOR
        self.eio_at = args.eio_at
        self.flip_at = args.flip_at
        self.log = open(args.log, "a", buffering=1) if args.log else None  # noqa: SIM115
        self.now = time.time()
        self.delay = args.delay
        self.read_rate, self.write_rate = args.read_rate, args.write_rate
        self.busy_until = 0.0
        if args.fill_random:
            step = 16 << 20
            for at in range(0, self.real, step):
                n = min(step, self.real - at)
                self.store[at : at + n] = os.urandom(n)
        for spot in filter(None, (args.dirty or "").split(",")):
            at, n = map(int, spot.split(":"))
            self.store[at : at + n] = os.urandom(n)

    def _throttle(self, n: int, rate: float, arrived: float) -> None:
        """Take n / rate seconds of the drive's one clock (reads and writes queue up).

        The clock counts from when the request arrived, with 20 ms
        of credit for the gaps between requests, so that the emulator's own
        overhead does not slow the drive below its rate.
        """
        if not rate:
            return
        self.busy_until = max(self.busy_until, arrived - 0.02) + n / rate
        delay = self.busy_until - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    # --- file system plumbing -------------------------------------------------
    def getattr(self, path, fh=None):
        if path == "/":
            return {"st_mode": stat.S_IFDIR | 0o755, "st_nlink": 2}
        if path == "/disk":
            return {
                "st_mode": stat.S_IFREG | 0o600,
                "st_nlink": 1,
                "st_size": self.claimed,
                "st_mtime": self.now,
                "st_ctime": self.now,
                "st_atime": self.now,
            }
        raise FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return [".", "..", "disk"]

    def open(self, path, flags):
        if path != "/disk":
            raise FuseOSError(errno.ENOENT)
        return 0

    def truncate(self, path, length, fh=None):
        return 0

    def flush(self, path, fh):
        return 0

    def fsync(self, path, datasync, fh):
        return 0

    # --- the emulated medium ----------------------------------------------------
    def _check_fault(self, offset: int, length: int) -> None:
        if self.eio_at is not None and offset <= self.eio_at < offset + length:
            raise FuseOSError(errno.EIO)

    def _pieces(self, offset: int, length: int):
        """Split a request where the mapping changes: (logical, physical or None, size)."""
        end = offset + length
        while offset < end:
            if offset < self.real:
                n = min(end, self.real) - offset
                yield offset, offset, n
            elif self.mode == "wrap":
                phys = offset % self.real
                n = min(end - offset, self.real - phys)
                yield offset, phys, n
            else:
                n = end - offset
                yield offset, None, n
            offset += n

    def read(self, path, size, offset, fh):
        size = max(0, min(size, self.claimed - offset))
        arrived = time.monotonic()
        self._check_fault(offset, size)
        out = bytearray(size)
        for logical, phys, n in self._pieces(offset, size):
            at = logical - offset
            if phys is not None:
                out[at : at + n] = self.store[phys : phys + n]
            elif self.garbage:
                out[at : at + n] = os.urandom(n)
        if self.cache:
            first, last = offset // SECTOR, (offset + size - 1) // SECTOR
            for sector in range(first, last + 1):
                data = self.cache.get(sector)
                if data is not None:
                    at = sector * SECTOR - offset
                    lo, hi = max(0, at), min(size, at + SECTOR)
                    out[lo:hi] = data[lo - at : hi - at]
        if self.flip_at is not None and offset <= self.flip_at < offset + size:
            out[self.flip_at - offset] ^= 0x01
        self._throttle(size, self.read_rate, arrived)
        return bytes(out)

    def write(self, path, data, offset, fh):
        arrived = time.monotonic()
        self._check_fault(offset, len(data))
        if self.delay:
            time.sleep(self.delay)
        if self.log:
            self.log.write(f"{offset} {len(data)} {int(any(data))}\n")
        for logical, phys, n in self._pieces(offset, len(data)):
            if phys is not None:
                at = logical - offset
                self.store[phys : phys + n] = data[at : at + n]
        if self.cache_sectors:
            for at in range(0, len(data), SECTOR):
                sector = (offset + at) // SECTOR
                self.cache[sector] = bytes(data[at : at + SECTOR])
                self.cache.move_to_end(sector)
            while len(self.cache) > self.cache_sectors:
                self.cache.popitem(last=False)
        self._throttle(len(data), self.write_rate, arrived)
        return len(data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mountpoint")
    parser.add_argument("--claimed", type=int, required=True)
    parser.add_argument("--real", type=int, default=0)
    parser.add_argument("--mode", choices=("wrap", "limbo"), default="limbo")
    parser.add_argument("--garbage", action="store_true")
    parser.add_argument("--cache", type=int, default=0, help="write cache size in bytes")
    parser.add_argument("--eio-at", type=int, default=None)
    parser.add_argument("--flip-at", type=int, default=None)
    parser.add_argument("--log", default=None)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per write request")
    parser.add_argument("--read-rate", type=float, default=0.0, help="bytes per second")
    parser.add_argument("--write-rate", type=float, default=0.0, help="bytes per second")
    parser.add_argument("--fill-random", action="store_true", help="old data everywhere")
    parser.add_argument("--dirty", default="", help="old data at OFFSET:LENGTH,...")
    args = parser.parse_args()
    FUSE(
        FakeDisk(args),
        args.mountpoint,
        foreground=True,
        nothreads=True,
        direct_io=True,
    )


if __name__ == "__main__":
    main()
