"""Cleaning: what survives and how long it takes, ours against mat2 and `exiftool -all=`.

All three clean the same generated corpus (identifying metadata planted in
every field our cleaners claim to remove) in one run. For each tool and
format we count planted strings still readable anywhere in the output (bytes,
zip members, decompressed PDF streams, exiftool's view) and metadata tags
exiftool still shows. Targets: nothing survives ours; ours is no slower than
mat2 over the whole corpus.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from benchmarks.common import Result, time_command

REPO = Path(__file__).resolve().parent.parent
COPIES = 4  # corpus copies, so per-file costs dominate start-up


def _corpus(workdir: Path):
    sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "clean")]
    import clean_corpus

    dirty = workdir / "dirty"
    samples = clean_corpus.build(dirty)
    for copy in range(1, COPIES):
        for s in samples:
            src = dirty / s.name
            shutil.copyfile(src, dirty / f"{src.stem}-{copy}{src.suffix}")
    return dirty, samples


def _fresh_copy(dirty: Path, target: Path) -> list[Path]:
    shutil.copytree(dirty, target)
    return sorted(target.iterdir())


def _survival(outputs: dict[str, Path], samples) -> tuple[dict, dict, list[str]]:
    from clean_checks import metadata_left, survivors

    strings, fields, refused = defaultdict(int), defaultdict(int), []
    for s in samples:
        out = outputs.get(s.name)
        if out is None or not out.exists():  # refused or failed: the dirty file stays as it was
            strings[s.name] += len(s.planted)
            refused.append(s.name)
            continue
        strings[s.name] += len(survivors(out, s.planted))
        fields[s.name] += len(metadata_left(out))
    return strings, fields, refused


def run(workdir: Path) -> list[Result]:
    dirty, samples = _corpus(workdir)
    files = len(list(dirty.iterdir()))
    results: list[Result] = []

    ours_out = workdir / "ours"
    ours = time_command(
        [sys.executable, "-m", "sneakernet", "clean", "-o", str(ours_out), "--", str(dirty)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ours_outputs = {s.name: ours_out / s.name for s in samples}

    mat2_files = _fresh_copy(dirty, workdir / "mat2")
    mat2 = _timed_tolerant([shutil.which("mat2") or "mat2", "--", *map(str, mat2_files)])
    mat2_outputs = {
        s.name: workdir / "mat2" / f"{Path(s.name).stem}.cleaned{Path(s.name).suffix}"
        for s in samples
    }

    exif_dir = workdir / "exiftool"
    _fresh_copy(dirty, exif_dir)
    exiftool = _timed_tolerant(
        [
            shutil.which("exiftool") or "exiftool",
            "-q",
            "-q",
            "-all=",
            "-overwrite_original",
            str(exif_dir),
        ]
    )
    exif_outputs = {s.name: exif_dir / s.name for s in samples}

    total_planted = sum(len(s.planted) for s in samples)
    for tool, outputs in (
        ("ours", ours_outputs),
        ("mat2", mat2_outputs),
        ("exiftool -all=", exif_outputs),
    ):
        strings, fields, refused = _survival(outputs, samples)
        print(f"  {tool} refused or failed: {', '.join(refused) or 'none'}", flush=True)
        target = 0 if tool == "ours" else None
        for name in sorted(strings):
            results.append(
                Result(f"{tool}: {name} planted strings surviving", strings[name], "", None, False)
            )
            results.append(
                Result(f"{tool}: {name} metadata tags left", fields[name], "", None, False)
            )
        results.append(
            Result(
                f"{tool}: planted strings surviving, all formats (of {total_planted})",
                sum(strings.values()),
                "",
                target,
                False,
            )
        )
        results.append(
            Result(
                f"{tool}: metadata tags left, all formats", sum(fields.values()), "", target, False
            )
        )
        results.append(
            Result(f"{tool}: files refused, left dirty", len(refused), "", target, False)
        )
    results += [
        Result(f"ours: time for {files} files", ours.seconds, "s"),
        Result(f"mat2: time for {files} files", mat2, "s"),
        Result(f"exiftool -all=: time for {files} files", exiftool, "s"),
        Result("ours / mat2 time", ours.seconds / mat2, "x", 1.0, False),
    ]
    return results


def _timed_tolerant(argv: list[str]) -> float:
    """Wall time of a peer run; peers exit non-zero when they skip a file, that is fine."""
    import time

    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start
