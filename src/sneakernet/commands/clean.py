"""`sneakernet clean`, `inspect` and `audit`: remove and find what identifies people."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet import ui
from sneakernet.cliparse import Arg, Command, flag, json_flag
from sneakernet.errors import UserError

# The cleaners (and their PDF library) are imported when a command runs, so
# that every other command starts fast.


@contextlib.contextmanager
def _progress(total: int, what: str) -> Iterator:
    """A progress bar on stderr when it is a terminal; `advance()` after each item."""
    if not ui.is_terminal() or total < 2:
        yield lambda: None
        return
    from rich.progress import Progress

    with Progress(console=ui.console, transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda: bar.advance(task)


@dataclass
class Job:
    src: Path
    dst: Path


@dataclass
class Outcome:
    cleaned: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    skipped_debris: list[str] = field(default_factory=list)


def _jobs(sources: list[Path], outdir: Path | None, outcome: Outcome) -> list[Job]:
    """(source, destination) for every file; folders keep their relative paths."""
    from sneakernet.policy import debris_reason

    jobs: list[Job] = []
    out_resolved = outdir.resolve() if outdir else None
    for src in sources:
        if src.is_dir():
            for dirpath, dirnames, filenames in os.walk(src):
                base = Path(dirpath)
                # Never descend into the output folder or OS debris folders.
                dirnames[:] = sorted(
                    d
                    for d in dirnames
                    if (base / d).resolve() != out_resolved and not debris_reason(d)
                )
                for name in sorted(filenames):
                    path = base / name
                    if debris_reason(name):
                        outcome.skipped_debris.append(str(path))
                        continue
                    if path.is_symlink():
                        outcome.failed.append({"src": str(path), "error": "symbolic link: skipped"})
                        continue
                    rel = path.relative_to(src)
                    jobs.append(Job(path, (outdir / rel) if outdir else path))
        elif src.exists() or src.is_symlink():
            jobs.append(Job(src, (outdir / src.name) if outdir else src))
        else:
            outcome.failed.append({"src": str(src), "error": "no such file or folder"})
    return jobs


def clean_command(
    sources: list[Path],
    output: Path | None,
    inplace: bool,
    keep_music_tags: bool,
    allow_unknown: bool,
    as_json: bool,
    keep_comments: bool = False,
    drop_notes: bool = False,
) -> None:
    """Write cleaned copies: metadata, Red Star marks and hidden trailing data removed."""
    from sneakernet.clean import CleanOptions

    if inplace == (output is not None):
        raise UserError("give either -o OUTDIR or --inplace (exactly one)")
    if inplace:
        ui.warn("--inplace replaces the original files; keep a backup of your library")
    outcome = Outcome()
    jobs = _jobs(sources, output, outcome)
    if keep_comments:
        ui.warn(
            "--keep-comments keeps reviewers' comments in office documents: their text can name"
            " people, places and plans (their authors and dates are still removed)"
        )
    options = CleanOptions(
        keep_music_tags=keep_music_tags, keep_comments=keep_comments, drop_notes=drop_notes
    )
    taken: set[Path] = set()
    with _progress(len(jobs), "cleaning") as advance:
        for job in jobs:
            _clean_one(job, options, allow_unknown, inplace, outcome, taken)
            advance()
    for entry in outcome.failed:
        ui.error(f"{entry['src']}: {entry['error']}")
    if outcome.skipped_debris and not as_json:
        ui.info(f"skipped {len(outcome.skipped_debris)} OS debris file(s) (.DS_Store, Thumbs.db…)")
    if as_json:
        ui.print_json(outcome.__dict__)
    if outcome.failed:
        raise SystemExit(2)


def _clean_one(
    job: Job, options, allow_unknown: bool, inplace: bool, outcome: Outcome, taken: set[Path]
) -> None:
    from sneakernet.clean import CleanError, UnknownFormat, clean_file

    key = job.dst.resolve()
    if not inplace and key == job.src.resolve():
        outcome.failed.append(
            {"src": str(job.src), "error": "the copy would replace the original; use --inplace"}
        )
        return
    if key in taken:
        outcome.failed.append({"src": str(job.src), "error": f"a second file would be {job.dst}"})
        return
    taken.add(key)
    try:
        job.dst.parent.mkdir(parents=True, exist_ok=True)
        report = clean_file(job.src, job.dst, options, allow_unknown=allow_unknown)
    except UnknownFormat as exc:
        outcome.unknown.append(str(job.src))
        outcome.failed.append({"src": str(job.src), "error": str(exc)})
        return
    except CleanError as exc:
        outcome.failed.append({"src": str(job.src), "error": f"{exc}; nothing written"})
        return
    except OSError as exc:
        outcome.failed.append({"src": str(job.src), "error": f"{exc.strerror or exc}"})
        return
    except Exception as exc:  # a cleaner's bug must not stop the other files
        if ui.state.debug:
            raise
        message = f"could not be cleaned ({type(exc).__name__}: {exc}); nothing written"
        outcome.failed.append({"src": str(job.src), "error": message})
        return
    if report.cleaner == "unknown":
        ui.warn(f"{job.src}: unknown format, copied unchanged (not checked for metadata)")
    outcome.cleaned.append(report.as_dict())
    removed = len(report.findings)
    extras = []
    if report.redstar_marks:
        extras.append(f"{len(report.redstar_marks)} Red Star mark(s)")
    if report.trailing_bytes:
        extras.append(f"{report.trailing_bytes} trailing bytes")
    more = f", {', '.join(extras)}" if extras else ""
    ui.info(f"{job.src} -> {job.dst} [{report.cleaner}]: {removed} finding(s) removed{more}")
    for kept in report.kept:
        if kept.field.startswith("ZIM:article") or kept.field.startswith("ZIM:source"):
            ui.warn(f"{job.src}: kept {kept.field}: {kept.value} ({kept.why})")


def _table(title: str, columns: list[str], rows: list) -> None:
    """Findings as a table on stderr (stdout is kept for --json)."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title), title_justify="left", show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        cells = [getattr(row, c) for c in columns]
        table.add_row(
            *(escape("yes" if c is True else "" if c is False else str(c)) for c in cells)
        )
    ui.console.print(table if rows else escape(title))


def _expand(paths: list[Path]) -> list[Path]:
    """Files as given; folders replaced by the files under them, in name order."""
    out = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
        else:
            out.append(path)
    return out


def inspect_command(files: list[Path], as_json: bool) -> None:
    """List what an inspector could read from each file: field, value, why it matters."""
    from sneakernet.clean import CleanError, inspect_file

    results: dict[str, list[dict]] = {}
    errors: dict[str, str] = {}
    for path in _expand(files):
        try:
            findings = inspect_file(path)
        except CleanError as exc:
            errors[str(path)] = str(exc)
            continue
        except OSError as exc:
            errors[str(path)] = exc.strerror or str(exc)
            continue
        except Exception as exc:  # a cleaner's bug must not stop the other files
            if ui.state.debug:
                raise
            errors[str(path)] = f"could not be inspected ({type(exc).__name__}: {exc})"
            continue
        results[str(path)] = [f.__dict__ for f in findings]
        if not as_json:
            kept = sum(f.kept for f in findings)
            title = f"{path}: {len(findings) - kept} finding(s)" + (
                f", {kept} kept (marked 'yes': the reader needs it, or article content)"
                if kept
                else ""
            )
            columns = ["field", "value", "why"] + (["kept"] if kept else [])
            _table(title, columns, findings)
    for name, message in errors.items():
        ui.error(f"{name}: {message}")
    if as_json:
        ui.print_json({"files": results, "errors": errors})
    if errors:
        raise SystemExit(2)


def audit_command(target: Path, deny_list: Path | None, as_json: bool) -> None:
    """Look at a card as an inspector would. Exit 0: nothing found, 1: findings, 2: error."""
    from sneakernet.audit import audit as run_audit
    from sneakernet.audit import read_deny_list

    words = read_deny_list(deny_list) if deny_list else []
    if ui.is_terminal():
        with ui.console.status(f"auditing {target}"):
            findings = run_audit(target, words)
    else:
        findings = run_audit(target, words)
    if as_json:
        ui.print_json({"target": str(target), "findings": [f.as_dict() for f in findings]})
    else:
        _table(
            f"{len(findings)} finding(s) on {target}", ["where", "field", "value", "why"], findings
        )
    if findings:
        raise SystemExit(1)


COMMANDS = {
    "clean": Command(
        clean_command,
        Arg("sources", type=Path, nargs="+", metavar="SRC", help="Files or folders to clean."),
        Arg(
            "-o",
            "--output",
            type=Path,
            metavar="OUTDIR",
            help="Folder for the cleaned copies (same relative paths).",
        ),
        flag("--inplace", help="Replace each original once its cleaned copy is checked."),
        flag("--keep-music-tags", help="Keep title, artist, album, track number on audio."),
        flag("--allow-unknown", help="Copy files of unknown formats unchanged (with a warning)."),
        flag(
            "--keep-comments",
            help="Keep reviewers' comments in office documents (authors removed; with a warning).",
        ),
        flag("--drop-notes", help="Remove speaker notes from presentations (kept by default)."),
        json_flag("Print a JSON summary on stdout."),
    ),
    "inspect": Command(
        inspect_command,
        Arg("files", type=Path, nargs="+", metavar="FILE", help="Files (or folders) to inspect."),
        json_flag("Print findings as JSON on stdout."),
    ),
    "audit": Command(
        audit_command,
        Arg("target", type=Path, metavar="TARGET", help="FAT image, block device or folder."),
        Arg(
            "--deny-list",
            type=Path,
            metavar="FILE",
            help="Words (one a line) that must appear nowhere.",
        ),
        json_flag("Print findings as JSON on stdout."),
    ),
}
