"""Media: our prepare against bare ffmpeg (same arguments) and HandBrake, on one 60 s 720p source.

- overhead of `sneakernet prepare` over running its ffmpeg command by hand;
- quality (SSIM and VMAF against the source) at equal output size, and encoding time,
  against `HandBrakeCLI -Z "Very Fast 480p30"`;
- four files with the default --jobs: wall time against summed CPU time / cores,
  for `prepare` and for `make` (which prepares through the same pool).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import Result, drop_caches, notel_variant
from sneakernet.media import ffmpeg as ff
from sneakernet.media import health, jobs, transcode
from sneakernet.media.estimate import estimate_card_size
from sneakernet.media.probe import probe
from sneakernet.media.profiles import load_profiles
from sneakernet.media.quality import SAME_TAGS, vmaf_score

SECONDS = 60
LONG_SECONDS = 300  # a TV episode's order of length
REPEATS = 3


@dataclass
class Run:
    wall: float
    cpu: float  # user + system of the process and every child it waited for


def _run(argv: list[str], env: dict[str, str] | None = None) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv[0]} failed: {' '.join(map(str, argv))}")
    return Run(wall, usage.ru_utime + usage.ru_stime)


def _ffmpeg(*args: str) -> None:
    subprocess.run([ff.ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-v", "error", *args],
                   check=True)  # fmt: skip


def _make_source(path: Path, seconds: int) -> None:
    """720p test pattern with motion and light grain, and a tone."""
    _ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=25:duration={seconds},noise=alls=3:allf=t",
        "-f", "lavfi", "-i", f"sine=frequency=500:duration={seconds}:sample_rate=48000",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "192k", str(path),
    )  # fmt: skip


def _prepare(
    src: Path, out: Path, cache: Path, *extra: str, env: dict[str, str] | None = None
) -> tuple[Run, Path]:
    if cache.exists():
        shutil.rmtree(cache)
    drop_caches()
    argv = [sys.executable, "-m", "sneakernet", "prepare", str(src), "-o", str(out),
            "--cache", str(cache), *extra]  # fmt: skip
    run = _run(argv, env)
    return run, out / (src.stem + ".mp4")


def _ssim(output: Path, source: Path) -> float:
    v = probe(output).video[0]
    graph = (
        f"[1:v]{SAME_TAGS},scale={v.width}:{v.height}:flags=bicubic,setsar=1[ref];"
        f"[0:v]{SAME_TAGS},setsar=1[out];[out][ref]ssim"
    )
    proc = subprocess.run(
        [ff.ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(output), "-i", str(source),
         "-lavfi", graph, "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"SSIM .*All:([0-9.]+)", proc.stderr)
    assert match, proc.stderr[-500:]
    return float(match.group(1))


def _profile_with_crf(workdir: Path, crf: float) -> tuple[str, Path]:
    """The notel profile at a fixed CRF (to match an output size): its name and file."""
    name = f"notel-crf{crf:.2f}"
    return name, notel_variant(workdir, name, crf=crf)


# Each ffmpeg that prepare starts, run through this wrapper: the CPU seconds of
# every run are logged beside its arguments, so one prepare run is split into its
# encode, its health check's decode and the rest (prepare's own work). bash's
# `times` (run in the wrapper's own shell: a pipe's subshell has no children)
# gives the child's user and system time; the wrapper's start costs about 2 ms
# per run, which is counted against us.
_FFMPEG_LOGGER = """#!/bin/bash
"{real}" "$@"
status=$?
times >> "{log}"
printf '%s\\n' "$*" >> "{log}"
exit $status
"""


def _logged_ffmpeg(workdir: Path) -> tuple[Path, Path]:
    log, wrapper = workdir / "ffmpeg-cpu.log", workdir / "ffmpeg-logged"
    wrapper.write_text(_FFMPEG_LOGGER.format(real=ff.ffmpeg_exe(), log=log), "utf-8")
    wrapper.chmod(0o755)
    return wrapper, log


def _times_seconds(field: str) -> float:
    minutes, seconds = field.rstrip("s").split("m")
    return int(minutes) * 60 + float(seconds)


def _logged_runs(log: Path) -> list[tuple[float, str]]:
    """(CPU seconds, arguments) of every ffmpeg run in the log, which is then emptied."""
    runs = []
    lines = log.read_text("utf-8").splitlines()
    # Three lines a run: the wrapper's own times, its child's (ffmpeg), the arguments.
    for children, args in zip(lines[1::3], lines[2::3], strict=True):
        user, system = children.split()
        runs.append((_times_seconds(user) + _times_seconds(system), args))
    log.unlink()
    return runs


def _prepare_env(wrapper: Path) -> dict[str, str]:
    """prepare as installed by pip, which compiles the bytecode once (a checkout run
    with PYTHONDONTWRITEBYTECODE would compile every module on every start), with its
    ffmpeg runs logged."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["IMAGEIO_FFMPEG_EXE"] = str(wrapper)
    return env


def _overhead(
    workdir: Path, src: Path, repeats: int = REPEATS, target: bool = True
) -> list[Result]:
    # At notel's arguments with its CRF fixed: the per-title search (notel's VMAF
    # floor) runs encodes bare ffmpeg has no counterpart of; its cost is given apart.
    fixed_name, fixed_file = _profile_with_crf(workdir, 23.0)
    profile = load_profiles([fixed_file]).get(fixed_name)
    _, threads = jobs.default_split(jobs.usable_cores(), 1)
    info = probe(src)
    options = transcode.PrepareOptions(threads=threads)
    plan = transcode.make_plan(info, profile, options)
    bare_out = workdir / "bare.mp4"
    commands = transcode.encode_commands(info, profile, plan, bare_out, workdir, None, threads)
    wrapper, log = _logged_ffmpeg(workdir)
    env = _prepare_env(wrapper)
    prepare_args = ("--profile", fixed_name, "--profile-file", str(fixed_file))
    _prepare(src, workdir / "warm-up", workdir / "cache-overhead", *prepare_args, env=env)
    log.unlink(missing_ok=True)
    # The machine may be shared: alternate the two, keep each one's best.
    bare_times, ours_times, health_times = [], [], []
    bare_cpus, ours_cpus, own_cpus, encode_cpus = [], [], [], []
    for _ in range(repeats):
        drop_caches()
        bare_runs = [_run(c.argv()) for c in commands]
        bare_times.append(sum(r.wall for r in bare_runs))
        bare_cpus.append(sum(r.cpu for r in bare_runs))
        ours, output = _prepare(
            src, workdir / "ours", workdir / "cache-overhead", *prepare_args, env=env
        )
        ours_times.append(ours.wall)
        ours_cpus.append(ours.cpu)
        runs = _logged_runs(log)
        # The health check decodes to the null muxer; every other run is the encode.
        encode = sum(cpu for cpu, args in runs if " -f null " not in f" {args} ")
        # What prepare itself spent: everything but its ffmpeg runs.
        own_cpus.append(ours.cpu - sum(cpu for cpu, _ in runs))
        encode_cpus.append(encode)
        health_start = time.perf_counter()
        health.decoded_duration(output)
        health_times.append(time.perf_counter() - health_start)
    bare, ours_best, health_seconds = min(bare_times), min(ours_times), min(health_times)
    # The same run's own CPU against its own encode: x264's CPU seconds for the same
    # arguments vary by 5-10 % from run to run with threads, far more than the target,
    # so an unpaired prepare-minus-bare difference measures that noise.
    shares = [own / encode * 100 for own, encode in zip(own_cpus, encode_cpus, strict=True)]
    searched, _ = _prepare(src, workdir / "searched", workdir / "cache-searched",
                           "--profile", "notel", env=env)  # fmt: skip
    log.unlink(missing_ok=True)
    label = f"{info.duration:.0f} s source"
    return [
        Result(
            f"{label}: notel's per-title search and check (its VMAF floor), extra (s)",
            searched.wall - ours_best,
            "s",
        ),  # fmt: skip
        Result(f"{label}: bare ffmpeg, notel arguments, best of {repeats} (s)", bare, "s"),
        Result(
            f"{label}: sneakernet prepare --profile notel, best of {repeats} (s)", ours_best, "s"
        ),
        Result(f"{label}: overhead over bare ffmpeg, all of it", (ours_best / bare - 1) * 100, "%"),
        Result(f"{label}: extra seconds, all of them", ours_best - bare, "s"),
        Result("  of which: the health check's full decode (s)", health_seconds, "s"),
        Result(
            "  the health check's full decode, share of the encode",
            health_seconds / bare * 100,
            "%",
        ),
        Result(
            f"{label}: overhead without the health check, wall",
            ((ours_best - health_seconds) / bare - 1) * 100,
            "%",
        ),
        Result(f"{label}: CPU, bare ffmpeg, best (s)", min(bare_cpus), "s"),
        Result(f"{label}: CPU, the same encode under prepare, best (s)", min(encode_cpus), "s"),
        Result(f"{label}: CPU, prepare's own work, median (s)", statistics.median(own_cpus), "s"),
        Result(
            f"{label}: overhead without the health check, CPU (own work / its encode, worst)",
            max(shares),
            "%",
        ),
        Result(
            f"{label}: overhead without the health check, CPU (own work / its encode, median)",
            statistics.median(shares),
            "%",
            3.0 if target else None,
            False,
        ),
    ]


def _overhead_long(workdir: Path) -> list[Result]:
    """The same on a longer source: which part of the overhead is fixed per item."""
    src = workdir / "source-720p-long.mkv"
    _make_source(src, LONG_SECONDS)
    return _overhead(workdir, src, repeats=2, target=False)


def _against_handbrake(workdir: Path, src: Path) -> list[Result]:
    handbrake = shutil.which("HandBrakeCLI")
    if handbrake is None:
        raise RuntimeError("HandBrakeCLI is not installed (make bench installs it)")
    hb_out = workdir / "handbrake.mp4"
    drop_caches()
    # No automatic cropping, so that both outputs show the whole picture for SSIM.
    hb = _run([handbrake, "-i", str(src), "-o", str(hb_out), "-Z", "Very Fast 480p30",
               "--crop-mode", "none"])  # fmt: skip
    hb_size = hb_out.stat().st_size
    # Our quality mode at HandBrake's size: find the CRF that lands there.
    crf, size, run, output = 23.0, 0, None, None
    for _ in range(4):
        name, file = _profile_with_crf(workdir, crf)
        run, output = _prepare(src, workdir / f"crf{crf:.2f}", workdir / "cache-hb",
                               "--profile", name, "--profile-file", str(file))  # fmt: skip
        size = output.stat().st_size
        if abs(size / hb_size - 1) <= 0.03:
            break
        crf = max(10.0, min(40.0, crf + 6 * math.log2(size / hb_size)))
    assert run is not None and output is not None
    ours_ssim, hb_ssim = _ssim(output, src), _ssim(hb_out, src)
    v = probe(hb_out).video[0]
    ours_vmaf = vmaf_score(output, src, v.width, v.height, workdir)
    hb_vmaf = vmaf_score(hb_out, src, v.width, v.height, workdir)
    # The size-targeted two-pass mode, aimed at HandBrake's size.
    sized_run, sized = _prepare(src, workdir / "sized", workdir / "cache-sized",
                                "--profile", "notel", "--max-size", str(hb_size))  # fmt: skip
    sized_ssim = _ssim(sized, src)
    return [
        Result("HandBrake Very Fast 480p30: time (s)", hb.wall, "s"),
        Result("HandBrake: size (MB)", hb_size / 1e6, "MB"),
        Result("HandBrake: SSIM", hb_ssim),
        Result(f"ours (notel, CRF {crf:.2f}): size / HandBrake's", size / hb_size, "x"),
        Result("ours at equal size: SSIM", ours_ssim),
        Result("SSIM ours - HandBrake at equal size", ours_ssim - hb_ssim, "", 0.0, True),
        Result("HandBrake: VMAF", hb_vmaf),
        Result("ours at equal size: VMAF", ours_vmaf),
        Result("VMAF ours - HandBrake at equal size", ours_vmaf - hb_vmaf, "", 0.0, True),
        Result("time ours / HandBrake", run.wall / hb.wall, "x", 1.0, False),
        Result("--max-size two-pass: size / target", sized.stat().st_size / hb_size, "x"),
        Result("--max-size two-pass: SSIM - HandBrake", sized_ssim - hb_ssim),
        Result("--max-size two-pass: time / HandBrake", sized_run.wall / hb.wall, "x"),
    ]


def _four_files(workdir: Path, src: Path) -> list[Result]:
    folder = workdir / "four"
    folder.mkdir()
    parts = []
    for n in range(4):
        part = folder / f"part{n}.mkv"
        quarter = SECONDS // 4
        _ffmpeg(
            "-ss", str(n * quarter), "-t", str(quarter), "-i", str(src), "-c", "copy", str(part)
        )
        parts.append(part)
    cores = jobs.usable_cores()
    cache = workdir / "cache-four"
    drop_caches()
    run = _run([sys.executable, "-m", "sneakernet", "prepare", *map(str, parts), "-o",
                str(workdir / "four-out"), "--profile", "notel", "--cache", str(cache)])  # fmt: skip
    ideal = run.cpu / cores
    n_jobs, _ = jobs.default_split(cores, 4)
    # What the machine gives right now: the four bare encodes started at once.
    profile = load_profiles().get("notel")
    procs, start, cpu = [], time.perf_counter(), 0.0
    for n, part in enumerate(parts):
        info = probe(part)
        plan = transcode.make_plan(info, profile, transcode.PrepareOptions())
        (command,) = transcode.encode_commands(
            info, profile, plan, workdir / f"bare-part{n}.mp4", workdir, None, 0
        )
        procs.append(subprocess.Popen(command.argv()))
    for proc in procs:
        _, _, usage = os.wait4(proc.pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
    bare_wall = time.perf_counter() - start
    # The main job on the same four files: `make` prepares through the same pool.
    project = workdir / "four-project"
    subprocess.run([sys.executable, "-m", "sneakernet", "init", str(project)], check=True,
                   capture_output=True)  # fmt: skip
    subprocess.run([sys.executable, "-m", "sneakernet", "add", str(folder), "--no-series"],
                   cwd=project, check=True, capture_output=True)  # fmt: skip
    drop_caches()
    made = _run([sys.executable, "-m", "sneakernet", "make", "--size", "256MB",
                 "-C", str(project)])  # fmt: skip
    notel = load_profiles().get("notel")
    errors = sorted(
        abs(estimate_card_size("video", p.stat().st_size, probe(p).duration, notel) - real) / real
        for p in parts
        for real in [(workdir / "four-out" / f"{p.stem}.mp4").stat().st_size]
    )
    return [
        Result(
            "size estimate before converting: median |error|", errors[len(errors) // 2] * 100, "%"
        ),  # fmt: skip
        Result("make, 4 files, default --jobs: wall (s)", made.wall, "s"),
        Result("make: wall / (CPU / cores)", made.wall / (made.cpu / cores), "x", 1.15, False),
        Result("make wall / prepare wall (the bare pool)", made.wall / run.wall, "x"),
        Result(f"4 files, default --jobs ({n_jobs} at once): wall (s)", run.wall, "s"),
        Result("4 files: summed CPU / cores (s)", ideal, "s"),
        Result("4 files: wall / (CPU / cores)", run.wall / ideal, "x", 1.15, False),
        Result("  same, 4 bare ffmpeg encodes started at once", bare_wall / (cpu / cores), "x"),
        Result(
            "  ours / the bare run (what the shared machine allowed)",
            (run.wall / ideal) / (bare_wall / (cpu / cores)),
            "x",
        ),  # fmt: skip
        Result("load average (1 min) at the end", os.getloadavg()[0], ""),
    ]


def run(workdir: Path) -> list[Result]:
    src = workdir / "source-720p.mkv"
    _make_source(src, SECONDS)
    results = [Result("load average (1 min) at the start", os.getloadavg()[0], "")]
    results += _overhead(workdir, src)
    results += _overhead_long(workdir)
    results += _against_handbrake(workdir, src)
    results += _four_files(workdir, src)
    return results
