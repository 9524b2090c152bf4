"""Finding counterfeit capacity, the way f3probe does, with keyed blocks.

Fake drives claim more space than their flash has. Two kinds exist:
wraparound (the controller ignores high address bits, so writes far out land
on the start again) and limbo (writes beyond the real size vanish: reads give
zeros or garbage). Many also keep a small write cache that answers reads of
recent writes, hiding the loss.

Quick probe: write keyed 4 KiB blocks at positions spread geometrically over
the claimed size (every 10 % of the offset, refined to 0.5 % around the edge
of a limbo drive, so the real size comes out within 1 %), at every power of
two (where wraparound drives alias block 0),
then write more data than any plausible write cache, flush, and read the
samples back. A block that reads back with another offset's tag is an alias
(wraparound: the distances between aliases give the real size); one that
does not read back at all is lost (limbo when every loss lies above the last
good block, damaged otherwise). The top of the device, where the first
cache-flushing write goes, is checked in a second round flushed at the bottom.

Probe inside a write (`write --probe quick`): the same keyed blocks go only
where the card must end up zero (past the image), before the image is
written; the image and the zeroing are the cache-flushing data, and the
blocks are read back after everything else. A genuine drive costs a few
dozen 4 KiB writes instead of the quick probe's 70-140 MiB. It only detects;
a drive caught by it gets the quick probe for its verdict and real size.
Why detection is sound: the last block is always sampled, so on a wraparound
drive it shares its flash with an earlier address, which the write either
writes (the block is gone when checked) or reads expecting image or zeros
(a mismatch, or a unit that gets zeroed, and the block is gone); on a limbo
drive it is beyond the real size and lost.

Full probe: every byte of the device gets keyed data (the start twice, to push
the end out of a write cache), then everything is read back, like
f3write/f3read; it also leaves the device wiped of its past.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sneakernet.devices.blockio import CHUNK, aligned_buffer, flush_device, read_all, write_all
from sneakernet.devices.keyed import BLOCK, KeyedPattern
from sneakernet.devices.runner import Context, DeviceFailure
from sneakernet.sizes import human_size

GENUINE, WRAPAROUND, LIMBO, DAMAGED = "genuine", "wraparound", "limbo", "damaged"

STEP = 1.1  # geometric spacing of the first samples
FINE_STEP = 0.005  # spacing of the refining samples: real size within 0.5 %
DENSE_BLOCKS = 16  # the first blocks are all sampled
MAX_FLUSH = 64 << 20  # more than the write cache of any flash drive seen in the wild
FIRST_FLUSH = 4 << 20  # the cheap first round


@dataclass
class ProbeResult:
    verdict: str
    claimed: int
    real: int
    detail: str = ""

    @property
    def genuine(self) -> bool:
        return self.verdict == GENUINE

    def failure(self) -> DeviceFailure:
        """What a device that is not genuine fails with."""
        real = f", real size about {human_size(self.real)}" if self.real else ""
        detail = f" ({self.detail})" if self.detail else ""
        return DeviceFailure(f"fake or faulty capacity: {self.verdict}{real}{detail}")


def require_genuine(ctx: Context, result: ProbeResult) -> None:
    ctx.state.probe_verdict, ctx.state.real_size = result.verdict, result.real
    if not result.genuine:
        raise result.failure()


def sample_positions(size: int) -> list[int]:
    """Block-aligned positions: dense at the start, geometric, powers of two, last block."""
    last = size - size % BLOCK - BLOCK
    positions = {i * BLOCK for i in range(DENSE_BLOCKS) if i * BLOCK <= last}
    p = float(DENSE_BLOCKS * BLOCK)
    while p <= last:
        positions.add(int(p) - int(p) % BLOCK)
        p = max(p * STEP, p + BLOCK)
    power = BLOCK
    while power <= last:
        positions.add(power)
        power *= 2
    if last >= 0:
        positions.add(last)
    return sorted(positions)


def refine_positions(results: dict[int, int | None | bool]) -> list[int]:
    """Fine samples between the last block that survived and the first one lost."""
    good = max(p for p, r in results.items() if r is True)
    lost = min(p for p, r in results.items() if r is None and p > good)
    step = max(BLOCK, int(good * FINE_STEP) // BLOCK * BLOCK)
    return [p for p in range(good + step, lost, step) if p not in results]


def flush_size(size: int) -> int:
    return max(BLOCK, min(MAX_FLUSH, size // 8) // BLOCK * BLOCK)


class _Prober:
    def __init__(self, ctx: Context, pattern: KeyedPattern) -> None:
        self.ctx, self.pattern = ctx, pattern
        self.fd = ctx.device.fd
        self.block = memoryview(aligned_buffer(BLOCK))
        self.big = memoryview(aligned_buffer(CHUNK))
        self.unwritable: set[int] = set()

    def write_samples(self, positions: list[int]) -> None:
        for pos in positions:
            self.pattern.fill(self.block, pos)
            try:
                write_all(self.fd, self.block, pos)
            except OSError:
                self.unwritable.add(pos)
            self.ctx.advance(BLOCK)

    def write_region(self, start: int, end: int) -> None:
        """Keyed data over a range: pushes earlier samples out of any write cache."""
        off = start
        while off < end:
            n = min(CHUNK, end - off)
            view = self.big[:n]
            self.pattern.fill(view, off)
            try:
                write_all(self.fd, view, off)
            except OSError:
                pass  # a region that cannot be written still flushed the cache
            self.ctx.advance(n)
            off += n

    def sync(self) -> None:
        try:
            flush_device(self.ctx.device)
        except OSError:
            pass

    def read_samples(self, positions: list[int]) -> dict[int, int | None | bool]:
        """Per position: True (good), an int (alias: the offset it was written for), None (lost)."""
        results: dict[int, int | None | bool] = {}
        for pos in positions:
            try:
                read_all(self.fd, self.block, pos)
            except OSError:
                results[pos] = None
            else:
                origin = self.pattern.origin(self.block)
                if origin == pos and pos not in self.unwritable:
                    results[pos] = True
                else:
                    results[pos] = origin if origin is not None and origin != pos else None
            self.ctx.advance(BLOCK)
        return results


def classify(size: int, results: dict[int, int | None | bool]) -> ProbeResult:
    """Turn per-sample outcomes into a verdict and the real size."""
    aliases = [abs(pos - origin) for pos, origin in results.items() if _is_alias(origin)]
    lost = sorted(pos for pos, r in results.items() if r is None)
    good = sorted(pos for pos, r in results.items() if r is True)
    if aliases:
        real = 0
        for distance in aliases:
            real = math.gcd(real, distance)
        return ProbeResult(
            WRAPAROUND,
            size,
            real,
            f"{len(aliases)} blocks read back data written {real} bytes away",
        )
    if not lost:
        return ProbeResult(GENUINE, size, size)
    if not good or lost[0] == 0:
        return ProbeResult(DAMAGED, size, 0, "the first block cannot be read back")
    if lost[0] > good[-1]:
        real = good[-1] + BLOCK
        return ProbeResult(LIMBO, size, real, f"data beyond offset {real} is lost")
    return ProbeResult(
        DAMAGED,
        size,
        lost[0],
        f"{len(lost)} of {len(results)} sample blocks lost; first at offset {lost[0]}",
    )


def _is_alias(r: int | None | bool) -> bool:
    return r is not None and r is not True and r is not False


def _quick_round(
    ctx: Context, pattern: KeyedPattern, positions: list[int], flush: int
) -> dict[int, int | None | bool]:
    """Write samples, push them out of any cache, read them back (top of device separately)."""
    size = ctx.device.size
    top_start = (size - flush) // BLOCK * BLOCK
    low = [p for p in positions if p < top_start]
    top = [p for p in positions if p >= top_start]
    prober = _Prober(ctx, pattern)
    ctx.begin("probe", 2 * BLOCK * len(positions) + (size - top_start) + (flush if top else 0))
    prober.write_samples(low)
    prober.write_region(top_start, size)
    prober.sync()
    results = prober.read_samples(low)
    if top:
        prober.write_samples(top)
        prober.write_region(0, flush)
        prober.sync()
        results.update(prober.read_samples(top))
    return results


def _cache_may_hide(
    positions: list[int], results: dict[int, int | None | bool], size: int, flush: int
) -> bool:
    """Whether a write cache could have answered for some of these samples.

    Samples are written in ascending order, so a cache holds the highest ones
    of each round. When the highest sample of each round reads back lost, no
    sample of that round came from a cache, and every outcome is the medium's.
    """
    top_start = (size - flush) // BLOCK * BLOCK
    rounds = ([p for p in positions if p < top_start], [p for p in positions if p >= top_start])
    return any(group and results[max(group)] is not None for group in rounds)


def quick_probe(ctx: Context, pattern: KeyedPattern | None = None) -> ProbeResult:
    """Coarse samples first, refined around the edge of a limbo drive.

    A cheap round comes first; a write cache can hide losses but never invent
    them, so a wraparound or limbo found there stands, and anything else is
    settled by a round that flushes more than any plausible cache. The fine
    samples get the large flush too unless their outcome proves no cache
    answered for them.
    """
    pattern = pattern or KeyedPattern()
    size = ctx.device.size
    if size < 2 * BLOCK:
        raise DeviceFailure("device too small to probe")
    positions = sample_positions(size)
    for flush in sorted({min(FIRST_FLUSH, flush_size(size)), flush_size(size)}):
        results = _quick_round(ctx, pattern, positions, flush)
        result = classify(size, results)
        if result.verdict == LIMBO:
            fine = refine_positions(results)
            if fine:
                fine_results = _quick_round(ctx, pattern, fine, flush)
                if _cache_may_hide(fine, fine_results, size, flush):
                    fine_results = _quick_round(ctx, pattern, fine, flush_size(size))
                results.update(fine_results)
                result = classify(size, results)
        if result.verdict in (WRAPAROUND, LIMBO):
            break
    ctx.state.probe_verdict, ctx.state.real_size = result.verdict, result.real
    return result


def full_probe(ctx: Context, pattern: KeyedPattern | None = None) -> ProbeResult:
    """Keyed data over the whole device, then all of it read back."""
    import blake3  # only the full probe hashes; the quick one starts without it

    pattern = pattern or KeyedPattern()
    dev = ctx.device
    size = dev.size - dev.size % BLOCK
    prober = _Prober(ctx, pattern)
    flush = flush_size(size)
    ctx.begin("probe write", size + flush)
    prober.write_region(0, size)
    # The same data again over the start pushes the device's end out of any write cache.
    prober.write_region(0, flush)
    prober.sync()
    ctx.begin("probe read", size)
    buf, want = prober.big, memoryview(aligned_buffer(CHUNK))
    results: dict[int, int | None | bool] = {}
    off = 0
    while off < size:
        n = min(CHUNK, size - off)
        view = buf[:n]
        try:
            read_all(dev.fd, view, off)
        except OSError:
            for b in range(off, off + n, BLOCK):
                results[b] = None
        else:
            pattern.fill(want[:n], off)
            if blake3.blake3(view).digest() != blake3.blake3(want[:n]).digest():
                for i in range(0, n, BLOCK):
                    got = view[i : i + BLOCK]
                    if got != want[i : i + BLOCK]:
                        origin = pattern.origin(got)
                        results[off + i] = origin if origin is not None else None
            results.setdefault(off, True)
            results.setdefault(off + n - BLOCK, True)
        ctx.advance(n)
        off += n
    result = classify(size, results)
    if result.verdict == LIMBO:
        result.real = min(p for p, r in results.items() if r is None)
    ctx.state.probe_verdict, ctx.state.real_size = result.verdict, result.real
    return result


class EmbeddedProbe:
    """Keyed blocks a write puts past the image first and checks after everything else.

    The blocks sit where the card must end up zero; the writer treats them as
    part of what the device must hold until `settle` has read them back, and
    `erase` zeros them before the first MiB is written.
    """

    def __init__(self, ctx: Context, start: int, pattern: KeyedPattern | None = None) -> None:
        self.ctx = ctx
        self.pattern = pattern or KeyedPattern()
        size = ctx.device.size
        self.positions = [p for p in sample_positions(size) if p >= start]
        self.flush_needed = flush_size(size)  # distinct bytes to write after the blocks
        self._prober = _Prober(ctx, self.pattern)

    def write(self) -> None:
        self.ctx.begin("probe", BLOCK * len(self.positions))
        self._prober.write_samples(self.positions)

    def inside(self, off: int, n: int) -> list[int]:
        """Block positions within [off, off + n)."""
        return [p for p in self.positions if off <= p < off + n]

    def overlay(self, out: memoryview, off: int) -> None:
        """Put the blocks that lie within out (which starts at device offset off) into it."""
        for p in self.inside(off, len(out)):
            self.pattern.fill(out[p - off : p - off + BLOCK], p)

    def settle(self) -> None:
        """Read the blocks back; a drive that lost or moved any gets the quick probe's verdict."""
        ctx = self.ctx
        ctx.begin("probe", BLOCK * len(self.positions))
        results = self._prober.read_samples(self.positions)
        if all(r is True for r in results.values()):
            ctx.state.probe_verdict, ctx.state.real_size = GENUINE, ctx.device.size
            return
        bad = sorted(p for p, r in results.items() if r is not True)
        result = quick_probe(ctx)
        if result.genuine:
            result = ProbeResult(
                DAMAGED,
                ctx.device.size,
                bad[0],
                f"{len(bad)} of {len(results)} probe blocks written before the image "
                f"did not read back; first at offset {bad[0]}",
            )
        require_genuine(ctx, result)

    def erase(self) -> None:
        zeros = memoryview(aligned_buffer(BLOCK))
        self.ctx.begin("zero", BLOCK * len(self.positions))
        for pos in self.positions:
            try:
                write_all(self.ctx.device.fd, zeros, pos)
            except OSError as exc:
                raise DeviceFailure(f"write error at offset {pos}: {exc.strerror}") from exc
            self.ctx.advance(BLOCK)
