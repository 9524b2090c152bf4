"""`sneakernet profiles`, `probe` and `prepare`: media the players people have can play."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from sneakernet import ui
from sneakernet.cliparse import Arg, Command, int_range, json_flag
from sneakernet.errors import ItemFailed, UserError
from sneakernet.sizes import human_size, parse_size

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: typing is slow to import
if TYPE_CHECKING:
    from sneakernet.media import jobs
    from sneakernet.media.profiles import Profile

# The media stack (PyAV, ffmpeg, Dask) and Rich load inside the commands, so
# that importing this module (as `probe` does for devices) costs nothing.

PROFILE_FILE_ARG = Arg(
    "--profile-file",
    type=Path,
    action="append",
    default=[],
    metavar="FILE",
    help="Extra profile definitions (TOML); may be given several times.",
)


def pace_arg(default: str) -> Arg:
    """--pace, for `prepare` and `make` (which differ in their default)."""
    return Arg(
        "--pace",
        metavar="NAME",
        help="Encoder speed: normal (the profile's x264 preset) or a pace the profile lists "
        "(built-in H.264 profiles: rush, faster and bigger; patient, slower and smaller); "
        f"default: {default}.",
    )


def paced_profile(profile: Profile, pace: str) -> Profile:
    """`profile` at `pace` (`profiles.with_pace`), with a note when the pace changes nothing."""
    from sneakernet.media.profiles import pace_of, with_pace

    paced = with_pace(profile, pace)
    if pace_of(paced) != pace:
        encoder = profile.video.encoder if profile.video is not None else "no video encoder"
        ui.info(
            f"note: profile {profile.name!r} ({encoder}) has one speed: pace {pace!r} "
            "changes nothing"
        )
    return paced


def profiles_command(profile_file: list[Path], as_json: bool) -> None:
    """List device profiles: what each class of players can play."""
    from sneakernet.media.profiles import load_profiles

    profiles = load_profiles(profile_file).profiles
    if as_json:
        ui.print_json({name: p.to_dict() for name, p in sorted(profiles.items())})
        return
    from rich.table import Table

    table = Table("profile", "kind", "container", "video", "audio", "subtitles")
    for name, p in sorted(profiles.items()):
        video = ""
        if p.video:
            video = f"{p.video.codec} {p.video.encoder_profile or ''} ≤{p.video.max_width}x{p.video.max_height}"
        audio = f"{p.audio.codec} {p.audio.bitrate}" if p.audio else ""
        table.add_row(name, p.kind, p.container, video, audio, ",".join(p.subtitles))
    ui.console.print(table)


def probe_command(
    files: list[Path], profile_name: str | None, profile_file: list[Path], as_json: bool
) -> None:
    """Show streams, codecs, sizes, subtitles found, and compliance with a profile."""
    from sneakernet.media import compliance, subtitles, transcode
    from sneakernet.media.probe import probe
    from sneakernet.media.profiles import load_profiles

    profile = load_profiles(profile_file).get(profile_name) if profile_name else None
    reports, failed = [], False
    for path in files:
        try:
            info = probe(path)
        except ItemFailed as exc:
            failed = True
            reports.append({"path": str(path), "error": str(exc)})
            if not as_json:
                ui.error(str(exc))
            continue
        report = info.to_dict()
        report["sidecars"] = [
            {"path": str(s.path), "korean": s.korean} for s in subtitles.find_sidecars(path)
        ]
        chosen = subtitles.choose(info)
        report["subtitle_choice"] = chosen.describe() if chosen else None
        if profile is not None:
            audio = transcode.choose_audio(info, None)
            reasons = compliance.check(info, profile, audio)
            report["profile"] = profile.name
            report["complies"] = not reasons
            report["reasons"] = reasons
        reports.append(report)
        if not as_json:
            _print_probe(report)
    if as_json:
        ui.print_json(reports)
    if failed:
        raise SystemExit(1)


def _print_probe(report: dict) -> None:
    ui.console.print(
        f"[bold]{report['path']}[/]  {report['format'].split(',')[0]}, "
        f"{report['duration']:.2f} s, {human_size(report['size'])}"
    )
    for v in report["video"]:
        ui.info(
            f"  video #{v['index']}: {v['codec']} {v['profile'] or ''} level {v['level']}, "
            f"{v['width']}x{v['height']} (SAR {v['sample_aspect']}), {v['fps']:g} fps, {v['pix_fmt']}"
        )
    for a in report["audio"]:
        ui.info(
            f"  audio #{a['index']}: {a['codec']} {a['profile'] or ''}, {a['channels']} ch, "
            f"{a['sample_rate']} Hz, language {a['language'] or '?'}"
        )
    for s in report["subtitles"]:
        kind = "text" if s["is_text"] else "bitmap"
        ui.info(
            f"  subtitles #{s['index']}: {s['codec']} ({kind}), language {s['language'] or '?'}"
        )
    for s in report["sidecars"]:
        ui.info(f"  sidecar: {Path(s['path']).name}{' (Korean)' if s['korean'] else ''}")
    if report.get("subtitle_choice"):
        ui.info(f"  subtitles used: {report['subtitle_choice']}")
    if "complies" in report:
        if report["complies"]:
            ui.console.print(
                f"  [green]complies with {report['profile']}[/]: remuxed, not re-encoded"
            )
        else:
            ui.console.print(f"  [yellow]does not comply with {report['profile']}[/]:")
            for reason in report["reasons"]:
                ui.info(f"    - {reason}")


# Files taken from a folder given as SRC; subtitle sidecars are found per video.
MEDIA_SUFFIXES = {
    ".mkv", ".mp4", ".m4v", ".avi", ".mov", ".wmv", ".flv", ".webm", ".ts", ".m2ts",
    ".mpg", ".mpeg", ".vob", ".3gp", ".mp3", ".m4a", ".aac", ".ac3", ".flac", ".ogg",
    ".opus", ".wav", ".wma",
}  # fmt: skip


def _expand(sources: list[Path], outdir: Path, suffixes: set[str]) -> list[tuple[Path, Path]]:
    """(input, output path without extension); folders keep their layout."""
    out_resolved = outdir.resolve()
    items = []
    for src in sources:
        if not src.is_dir():
            items.append((src, Path(src.stem)))
            continue
        for path in sorted(src.rglob("*")):
            if (
                path.is_file()
                and path.suffix.lower() in suffixes
                and not any(part.startswith(".") for part in path.relative_to(src).parts)
                and out_resolved not in path.resolve().parents
            ):
                items.append((path, path.relative_to(src).with_suffix("")))
    if not items:
        raise UserError("no files of this profile's kind found in the given folders")
    return items


def _output_names(items: list[tuple[Path, Path]], outdir: Path, profile: Profile) -> list[Path]:
    names: dict[Path, Path] = {}
    outputs = []
    for src, stem in items:
        ext = profile.extension or src.suffix.lstrip(".")
        dst = outdir / stem.parent / f"{stem.name}.{ext}"
        if dst in names:
            raise UserError(f"{src} and {names[dst]} would both become {dst}: rename one of them")
        if src.resolve() == dst.resolve():
            raise UserError(f"{src} would be overwritten: choose another output folder")
        names[dst] = src
        outputs.append(dst)
    return outputs


def prepare_command(
    sources: list[Path],
    outdir: Path,
    profile_name: str,
    profile_file: list[Path],
    workers: int | None,
    dask: str | None,
    max_size: str | None,
    subtitle_mode: str,
    audio_lang: str | None,
    pace: str | None,
    cache_dir: Path | None,
    as_json: bool,
) -> None:
    """Make files the profile's devices play: remux what complies, encode the rest."""
    from sneakernet.media import cache, jobs, transcode
    from sneakernet.media.profiles import load_profiles

    profile = paced_profile(load_profiles(profile_file).get(profile_name), pace or "normal")
    transcode.subtitle_mode(profile, subtitle_mode)  # refuse an impossible mode up front
    size_limit = parse_size(max_size) if max_size else None
    if outdir.exists() and not outdir.is_dir():
        raise UserError(f"output {outdir} exists and is not a folder")
    if profile.kind == "document":  # the books' module is not loaded for films
        from sneakernet.media.documents import BOOK_SUFFIXES as wanted
    else:
        wanted = MEDIA_SUFFIXES
    items = _expand(sources, outdir, wanted)
    outputs = _output_names(items, outdir, profile)
    for folder in sorted({dst.parent for dst in outputs}):
        folder.mkdir(parents=True, exist_ok=True)
        cache.remove_stale_parts(folder)
    cores = jobs.usable_cores()
    n_jobs, threads = jobs.default_split(cores, len(items))
    if workers is not None:
        n_jobs, threads = workers, max(1, cores // workers)
    store = cache.Cache(cache_dir or cache.default_cache_dir())
    store.clean_leftovers()
    options = transcode.PrepareOptions(subtitle_mode, audio_lang, size_limit, threads)
    job_list = [
        jobs.Job(n, src, dst, profile, options, store.root)
        for n, ((src, _), dst) in enumerate(zip(items, outputs, strict=True))
    ]
    try:
        results = run_with_progress(job_list, n_jobs, dask)
    except KeyboardInterrupt:
        ui.error("interrupted: finished items are kept; run the same command again to resume")
        raise SystemExit(130) from None
    results.sort(key=lambda r: r.number)
    if as_json:
        ui.print_json([r.__dict__ for r in results])
    else:
        _print_summary(results)
    if any(r.status == "failed" for r in results):
        raise SystemExit(1)


# Shared with `make`, which prepares through the same executors.
JOBS_ARG = Arg(
    "-j",
    "--jobs",
    dest="workers",
    type=int_range(1),
    metavar="N",
    help="Items encoded at once (default: one per core, one per two cores above four).",
)
DASK_ARG = Arg(
    "--dask",
    metavar="ADDRESS",
    help="Run on a Dask cluster at ADDRESS (needs shared storage).",
)


def run_with_progress(job_list: list[jobs.Job], n_jobs: int, dask: str | None) -> list:
    """Run every item, with progress bars when stderr is a terminal (JSON goes to stdout)."""
    from sneakernet.media import jobs

    def run(progress) -> Iterator:
        if dask:
            return jobs.run_dask(job_list, dask, progress)
        return jobs.run_local(job_list, n_jobs, progress)

    results = []
    if not ui.is_terminal():
        for result in run(lambda number, fraction: None):
            results.append(result)
            if result.status == "failed":
                ui.error(result.reason)
        return results
    from rich.progress import (
        BarColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=ui.console, transient=False) as bars:
        overall = bars.add_task(f"all {len(job_list)} items", total=len(job_list))
        per_item: dict[int, TaskID] = {}
        fractions: dict[int, float] = {}
        finished: set[int] = set()

        def progress(number: int, fraction: float) -> None:
            if number in finished:
                return
            if number not in per_item:
                per_item[number] = bars.add_task(job_list[number].src.name[:40], total=1.0)
            fractions[number] = fraction
            bars.update(per_item[number], completed=fraction)
            bars.update(overall, completed=sum(fractions.values()))

        start = time.perf_counter()
        for result in run(progress):
            results.append(result)
            progress(result.number, 1.0)
            finished.add(result.number)
            if result.number in per_item:
                bars.remove_task(per_item.pop(result.number))
            if result.status == "failed":
                ui.error(result.reason)
        bars.update(
            overall, description=f"all {len(job_list)} items ({time.perf_counter() - start:.0f} s)"
        )
    return results


def _print_summary(results: list) -> None:
    quality = any(r.crf is not None for r in results)
    columns = ["item", "result", "size", "time"] + (["CRF", "VMAF"] if quality else [])
    rows = []
    for r in results:
        colour = {"failed": "red", "cached": "cyan"}.get(r.status, "green")
        row = [Path(r.src).name, (r.status, colour),
               human_size(r.size) if r.size else "", f"{r.seconds:.1f} s"]  # fmt: skip
        if quality:
            row += [
                "" if r.crf is None else f"{r.crf:g}",
                "" if r.vmaf is None else f"{r.vmaf:.1f} (predicted {r.predicted_vmaf:.1f})",
            ]
        rows.append([*row, r.reason or ""])
    ui.table([*columns, "reason"], rows)
    counts = {
        s: sum(r.status == s for r in results) for s in ("done", "remuxed", "cached", "failed")
    }
    ui.info(", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing to do")


COMMANDS = {
    "profiles": Command(
        profiles_command,
        PROFILE_FILE_ARG,
        json_flag("Print the profiles as JSON on stdout."),
    ),
    "prepare": Command(
        prepare_command,
        Arg(
            "sources",
            type=Path,
            nargs="+",
            metavar="SRC",
            help="Video or audio files, or folders of them (their layout is kept).",
        ),
        Arg(
            "-o",
            "--output",
            dest="outdir",
            type=Path,
            required=True,
            metavar="OUTDIR",
            help="Folder for the prepared files.",
        ),
        Arg(
            "--profile",
            dest="profile_name",
            required=True,
            metavar="NAME",
            help="Device profile (see `profiles`).",
        ),
        PROFILE_FILE_ARG,
        JOBS_ARG,
        DASK_ARG,
        Arg(
            "--max-size",
            metavar="SIZE",
            help="Size limit per output file, e.g. 700M: a size-targeted encode.",
        ),
        Arg(
            "--subtitles",
            dest="subtitle_mode",
            default="auto",
            metavar="MODE",
            help="auto (the profile's choice), burn, soft (sidecar SRT) or none.",
        ),
        Arg(
            "--audio-lang",
            metavar="LANG",
            help="Audio language to keep, e.g. ko or eng (default: Korean, else first).",
        ),
        pace_arg("normal"),
        Arg(
            "--cache",
            dest="cache_dir",
            type=Path,
            metavar="DIR",
            help="Cache folder (default: $SNEAKERNET_CACHE or ~/.cache/sneakernet/media).",
        ),
        json_flag("Print results as JSON on stdout."),
    ),
}
