"""Audio/video cleaning: speed against a plain remux, and what mat2 and exiftool leave.

1. A generated ~100 MB H.264/AAC MP4 is cleaned by ours (in process, through
   `clean_file`, which also inspects and verifies; and through the CLI) and
   remuxed by `ffmpeg -c copy` in the same run. Target: ours in process at
   most 1.5x the remux.
2. One dirty file per container (tags, names, dates, pictures, encoder strings
   and appended data planted) is cleaned by ours, mat2 and `exiftool -all=`.
   For each we count planted strings still in the bytes or in exiftool's view,
   encoder strings still in the bytes, and what `sneakernet inspect` still
   finds. Target: nothing survives ours.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.common import Result, drop_caches, time_call, time_command

REPO = Path(__file__).resolve().parent.parent
BIG_SECONDS = 45  # ~100 MB at the settings below
RUNS = 3


def _big_mp4(workdir: Path) -> Path:
    from sneakernet.media import ffmpeg

    out = workdir / "big.mp4"
    argv = [ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
            "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={BIG_SECONDS}",
            "-f", "lavfi", "-i", f"sine=duration={BIG_SECONDS}",
            "-c:v", "libx264", "-preset", "ultrafast", "-qp", "2", "-c:a", "aac",
            "-metadata", "title=BenchTitle", ffmpeg.file_url(out)]  # fmt: skip
    ffmpeg.run(argv)
    return out


def _best(fn) -> float:
    times = []
    for _ in range(RUNS):
        drop_caches()
        times.append(fn())
    return min(times)


def _speed(workdir: Path) -> list[Result]:
    from sneakernet.clean import clean_file
    from sneakernet.media import ffmpeg

    src = _big_mp4(workdir)
    size_mb = src.stat().st_size / 1e6
    remux_out = workdir / "remux.mp4"
    remux = _best(lambda: time_command(
        [ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
         "-i", ffmpeg.file_url(src), "-map", "0", "-c", "copy", ffmpeg.file_url(remux_out)]
    ).seconds)  # fmt: skip
    ours_out = workdir / "ours.mp4"

    def ours_call() -> float:
        ours_out.unlink(missing_ok=True)
        return time_call(lambda: clean_file(src, ours_out)).seconds

    ours = _best(ours_call)
    cli_dir = workdir / "cli"

    def ours_cli() -> float:
        shutil.rmtree(cli_dir, ignore_errors=True)
        return time_command(
            [sys.executable, "-m", "sneakernet", "clean", "-o", str(cli_dir), "--", str(src)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ).seconds  # fmt: skip

    cli = _best(ours_cli)
    return [
        Result(f"MP4 size cleaned ({size_mb:.0f} MB)", size_mb, "MB"),
        Result("ffmpeg -c copy remux", remux, "s"),
        Result("ours, clean_file (clean + inspect + verify)", ours, "s"),
        Result("ours, `sneakernet clean` CLI (with start-up)", cli, "s"),
        Result("ours clean_file / ffmpeg remux", ours / remux, "x", 1.5, False),
        Result("ours CLI / ffmpeg remux", cli / remux, "x"),
    ]


def _exiftool_view(path: Path) -> str:
    exe = shutil.which("exiftool") or "exiftool"
    proc = subprocess.run([exe, "-j", "-a", "-G1", "-ee", "-U", "--", str(path)],
                          capture_output=True, text=True, errors="replace", check=False)  # fmt: skip
    try:
        tags = json.loads(proc.stdout)[0]
    except (ValueError, IndexError):
        return ""
    return json.dumps({k: v for k, v in tags.items() if not k.startswith(("System:", "ExifTool:"))},
                      ensure_ascii=False)  # fmt: skip


def _left(path: Path, planted: list[str], markers: list[str]) -> tuple[int, int, int]:
    """(planted strings, encoder strings, inspect findings) still in a cleaned file."""
    from sneakernet.clean import CleanError, inspect_file

    data = path.read_bytes()
    view = _exiftool_view(path)
    strings = sum(1 for s in planted if s.encode() in data or s in view)
    encoders = sum(1 for m in markers if m.encode() in data)
    try:
        findings = len(inspect_file(path))
    except CleanError:
        findings = -1
    return strings, encoders, findings


def _timed(argv: list[str]) -> float:
    import time

    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def _survival(workdir: Path) -> list[Result]:
    sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "avclean")]
    import avclean_corpus

    # The peers refuse files with bytes after the container's end (exiftool:
    # "possible garbage at end of file"), so they get a corpus without them;
    # ours cleans both.
    with_trailer = workdir / "corpus" / "with-trailer"
    avclean_corpus.build(with_trailer, trailer=True)
    dirty = workdir / "corpus" / "dirty"
    samples = avclean_corpus.build(dirty, trailer=False)
    markers = avclean_corpus.ENCODER_MARKERS
    outputs: dict[str, tuple[float, dict[str, Path]]] = {}
    for tool, source in (("ours", dirty), ("ours, appended data", with_trailer)):
        out_dir = workdir / "corpus" / tool.replace(", ", "-").replace(" ", "-")
        seconds = _timed(
            [sys.executable, "-m", "sneakernet", "clean", "-o", str(out_dir), "--", str(source)]
        )
        outputs[tool] = (seconds, {s.name: out_dir / s.name for s in samples})

    mat2_dir = workdir / "corpus" / "mat2"
    shutil.copytree(dirty, mat2_dir)
    files = [str(mat2_dir / s.name) for s in samples]
    mat2 = _timed([shutil.which("mat2") or "mat2", "--", *files])
    outputs["mat2"] = (mat2, {
        s.name: mat2_dir / f"{Path(s.name).stem}.cleaned{Path(s.name).suffix}" for s in samples
    })  # fmt: skip

    exif_dir = workdir / "corpus" / "exiftool"
    shutil.copytree(dirty, exif_dir)
    exe = shutil.which("exiftool") or "exiftool"
    exif = _timed(
        [
            exe,
            "-q",
            "-q",
            "-all=",
            "-overwrite_original",
            "--",
            *(str(exif_dir / s.name) for s in samples),
        ]
    )
    outputs["exiftool -all="] = (exif, {s.name: exif_dir / s.name for s in samples})

    results: list[Result] = []
    for tool, (seconds, files_out) in outputs.items():
        sums = [0, 0, 0]
        failed = []
        source = with_trailer if tool == "ours, appended data" else dirty
        planted = {
            s.name: s.planted + (["TrailerQz"] if source == with_trailer else []) for s in samples
        }
        total = sum(len(p) for p in planted.values())
        for s in samples:
            out = files_out[s.name]
            if not out.exists():  # refused or failed: the dirty file is what remains
                failed.append(s.name)
                out = source / s.name
            left = _left(out, planted[s.name], markers)
            for i in range(3):
                sums[i] += max(left[i], 0)
            results.append(Result(
                f"{tool}: {s.name} planted/encoder strings, findings",
                left[0] + left[1] + max(left[2], 0), "", None, False,
            ))  # fmt: skip
            print(f"    {tool:<15} {s.name:<11} planted {left[0]}/{len(planted[s.name])}  "
                  f"encoder {left[1]}  inspect findings {left[2]}", flush=True)  # fmt: skip
        print(f"  {tool} refused or failed: {', '.join(failed) or 'none'}", flush=True)
        target = 0 if tool.startswith("ours") else None
        results += [
            Result(f"{tool}: planted strings surviving (of {total})", sums[0], "", target, False),
            Result(f"{tool}: encoder strings surviving", sums[1], "", target, False),
            Result(f"{tool}: inspect findings left", sums[2], "", target, False),
            Result(f"{tool}: time for {len(samples)} files", seconds, "s"),
        ]
    return results


def run(workdir: Path) -> list[Result]:
    return _speed(workdir) + _survival(workdir)
