"""Inspect and clean one file, whatever its format.

Format cleaners only know their own structure. What every file needs is done
here: Red Star OS marks are removed first (they sit outside or beside the
format's own data), data after the end of the container is cut, the cleaned
copy is checked by inspecting it again, and it appears under its final name
only when complete. The source file is only ever read.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from sneakernet.clean import redstar, registry
from sneakernet.clean.base import (
    SNIFF_BYTES,
    Cleaner,
    CleanError,
    CleanOptions,
    Finding,
    kept_on_request,
)
from sneakernet.clean.formats import structured
from sneakernet.clean.formats.text import looks_like_text
from sneakernet.policy import atomic_path

COPY_CHUNK = 8 * 1024 * 1024


class UnknownFormat(CleanError):
    """No cleaner recognises this file's content."""


@runtime_checkable
class Bounded(Protocol):
    """A cleaner that can tell where its format's data ends in a file.

    Optional: clean_file cuts everything after that offset before cleaning,
    and inspect_file reports it.
    """

    def data_end(self, path: Path) -> int: ...


@dataclass
class CleanReport:
    """What cleaning one file did."""

    src: Path
    dst: Path
    cleaner: str  # format family, or "unknown" for a copy made with allow_unknown
    findings: list[Finding] = field(default_factory=list)  # what was removed
    kept: list[Finding] = field(default_factory=list)  # reported, left in place on purpose
    redstar_marks: list[str] = field(default_factory=list)  # decoded machine ids removed
    trailing_bytes: int = 0  # bytes after the end of the format's data, cut off

    def as_dict(self) -> dict:
        return {
            "src": str(self.src),
            "dst": str(self.dst),
            "cleaner": self.cleaner,
            "findings": [f.__dict__ for f in self.findings],
            "kept": [f.__dict__ for f in self.kept],
            "redstar_marks": self.redstar_marks,
            "trailing_bytes": self.trailing_bytes,
        }


def _redstar_findings(marks: redstar.Marks) -> list[Finding]:
    where = [("trailer", m) for m in marks.trailer] + [("DOCX growth hint", m) for m in marks.docx]
    return [
        Finding(
            f"RedStar:mark {i} ({place})",
            mark.machine_id,
            "Red Star OS watermark: names a computer the file passed through",
        )
        for i, (place, mark) in enumerate(where, 1)
    ]


def _trailing_finding(cleaner: Cleaner, count: int) -> Finding:
    return Finding(
        "trailing data",
        f"{count} bytes after the end of the {cleaner.name} data",
        "hidden bytes a viewer ignores but a hex editor shows",
    )


def _check_readable(path: Path) -> int:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise CleanError("no such file") from None
    if not path.is_file():
        raise CleanError("not a regular file")
    if size == 0:
        raise CleanError("empty file (0 bytes): nothing to clean; check that it copied completely")
    return size


def content_format(path: Path) -> str | None:
    """Name of the cleaner that knows this file's content (a Red Star trailer set aside)."""
    path = Path(path)
    end = path.stat().st_size - redstar.find(path).trailer_size
    with path.open("rb") as f:
        head = f.read(min(SNIFF_BYTES, end))
    cleaner = registry.choose(path, head)
    return cleaner.name if cleaner is not None else None


BOOK_FORMATS = ("pdf", "epub", "text")


def book_format(path: Path) -> str | None:
    """'pdf', 'epub' or 'text' when the content is a book a reader opens, else None.

    The one book classifier (`add` and `prepare --profile ebook`): by content
    alone, so plain text is a book whatever its name, and subtitles, HTML
    or XML are not.
    """
    kind = content_format(path)
    return kind if kind in BOOK_FORMATS else None


def _choose(path: Path) -> Cleaner:
    cleaner = registry.choose(path)
    if cleaner is None:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
        why = structured.kind(head) if looks_like_text(head) else None
        if why is not None:
            raise UnknownFormat(f"unknown format: {why} (no cleaner removes that)")
        raise UnknownFormat(
            "unknown format: no cleaner recognises this content "
            "(copy it anyway with --allow-unknown, at your own risk)"
        )
    return cleaner


def _data_end(cleaner: Cleaner, path: Path, size: int) -> int:
    if isinstance(cleaner, Bounded):
        return min(cleaner.data_end(path), size)
    return size


def _copy(src: Path, dst: Path, length: int, marks: redstar.Marks | None = None) -> None:
    """First `length` bytes of src into dst, with any DOCX marks zeroed."""
    with src.open("rb") as fin, dst.open("wb") as fout:
        position = 0
        while position < length:
            chunk = fin.read(min(COPY_CHUNK, length - position))
            if not chunk:
                break
            if marks is not None and marks.docx_size:
                chunk = redstar._zero_range(chunk, position, marks.docx_offset, marks.docx_size)
            fout.write(chunk)
            position += len(chunk)


def _without_marks(src: Path, marks: redstar.Marks, workdir: Path) -> Path:
    if not marks.count:
        return src
    unmarked = workdir / "unmarked"
    _copy(src, unmarked, src.stat().st_size - marks.trailer_size, marks)
    return unmarked


def inspect_file(path: Path) -> list[Finding]:
    """Everything identifying an inspector could read from the file."""
    path = Path(path)
    size = _check_readable(path)
    marks = redstar.find(path)
    findings = _redstar_findings(marks)
    with tempfile.TemporaryDirectory(prefix="sneakernet-inspect-") as tmp:
        work = _without_marks(path, marks, Path(tmp))
        cleaner = _choose(work)
        work_size = size - marks.trailer_size
        findings += cleaner.inspect(work)
        end = _data_end(cleaner, work, work_size)
        if end < work_size:
            findings.append(_trailing_finding(cleaner, work_size - end))
    return findings


def clean_file(
    src: Path,
    dst: Path,
    options: CleanOptions | None = None,
    *,
    allow_unknown: bool = False,
    formats: tuple[str, ...] | None = None,
) -> CleanReport:
    """Write a cleaned copy of src to dst (which may be src itself: in place).

    The copy is written under a temporary name, checked by inspecting it, and
    renamed to dst only when complete. Raises CleanError (UnknownFormat for an
    unknown format unless allow_unknown) and leaves dst untouched on failure.
    With `formats` (cleaner module names, e.g. registry.MEDIA_FORMATS) the file
    must be one of them, and only their cleaners are loaded.
    """
    src, dst = Path(src), Path(dst)
    options = options or CleanOptions()
    size = _check_readable(src)
    marks = redstar.find(src)
    # Working copies sit beside the destination: same disk, sized for it.
    with (
        atomic_path(dst) as partial,
        tempfile.TemporaryDirectory(prefix=".sneakernet-", dir=dst.parent) as tmp,
    ):
        work = _without_marks(src, marks, Path(tmp))
        work_size = size - marks.trailer_size
        cleaner = registry.choose(work, formats=formats)
        if cleaner is None:
            if formats is not None:  # never copied as it is, even with allow_unknown
                raise CleanError(f"not one of the expected formats ({', '.join(formats)})")
            if not allow_unknown:
                _choose(work)  # raises UnknownFormat with the operator's message
            _copy(work, partial, work_size)
            report = CleanReport(src, dst, "unknown")
        else:
            findings, trailing = _clean_known(
                cleaner, work, work_size, partial, options, Path(tmp), formats
            )
            removed = [f for f in findings if not f.kept]
            kept = [f for f in findings if f.kept]
            report = CleanReport(src, dst, cleaner.name, removed, kept, [], trailing)
        report.redstar_marks = [m.machine_id for m in marks.all]
        _check_unmarked(partial)
    return report


def _clean_known(
    cleaner: Cleaner,
    work: Path,
    size: int,
    partial: Path,
    options: CleanOptions,
    tmp: Path,
    formats: tuple[str, ...] | None = None,
) -> tuple[list[Finding], int]:
    """Findings removed and trailing bytes cut, with the checked copy at `partial`."""
    findings = cleaner.inspect(work)
    end = _data_end(cleaner, work, size)
    trailing = size - end
    if trailing:
        cut = tmp / "cut"
        _copy(work, cut, end)
        work = cut
    cleaner.clean(work, partial, options)
    _verify(cleaner, partial, options, formats)
    return findings, trailing


def _verify(
    cleaner: Cleaner, path: Path, options: CleanOptions, formats: tuple[str, ...] | None = None
) -> None:
    """The cleaned copy must still be this format and show nothing identifying."""
    again = registry.choose(path, formats=formats)
    if again is None or again.name != cleaner.name:
        raise CleanError(f"the cleaned copy is no longer a valid {cleaner.name} file")
    left = [f for f in again.inspect(path) if not f.kept and not kept_on_request(f, options)]
    if left and not options.keep_music_tags:
        raise CleanError(f"cleaning left {left[0].field} behind; the file was not written")
    size = path.stat().st_size
    if _data_end(again, path, size) < size:
        raise CleanError("the cleaned copy has data after its end; the file was not written")


def _check_unmarked(path: Path) -> None:
    if redstar.find(path).count:
        raise CleanError("the cleaned copy still carries a Red Star mark; the file was not written")
