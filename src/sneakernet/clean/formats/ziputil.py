"""Reading ZIP-based documents safely and writing them back deterministically.

Office, OpenDocument and EPUB files are ZIP archives. Every archive member
carries a modification time (when, and in which time zone, it was edited) and
may carry extra fields with owner ids; rewritten members get one fixed time
and no extra fields, so the same document always gives the same bytes.
Pictures inside the archive are cleaned by their own cleaners.
"""

from __future__ import annotations

import errno
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 6
EOCD = b"PK\x05\x06"
MAX_MEMBER = 1024 * 1024 * 1024


@dataclass
class Member:
    name: str
    data: bytes
    stored: bool  # written without compression (EPUB/ODF `mimetype` must be)


def read_members(path: Path) -> tuple[list[Member], list[Finding]]:
    """All members in archive order, and findings about the archive itself."""
    findings: list[Finding] = []
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            members = []
            for info in infos:
                if info.file_size > MAX_MEMBER:
                    raise CleanError(f"archive member {info.filename} is larger than 1 GiB")
                members.append(
                    Member(info.filename, z.read(info), info.compress_type == zipfile.ZIP_STORED)
                )
            if z.comment:
                findings.append(Finding("ZIP:comment", shorten(z.comment), "free text"))
    except (zipfile.BadZipFile, zlib.error, EOFError, struct.error) as exc:
        raise CleanError(f"corrupt ZIP archive ({shorten(exc, 100)})") from None
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
        # A damaged directory offset puts a member before the file's start: the seek fails.
        raise CleanError(
            "corrupt ZIP archive (a member lies before the start of the file)"
        ) from None
    except RuntimeError as exc:
        raise CleanError(f"cannot read ZIP archive: {shorten(exc, 100)}") from None
    except NotImplementedError:
        raise CleanError("ZIP archive uses an unsupported compression method") from None
    dates = sorted({i.date_time for i in infos if i.date_time != FIXED_TIME})
    if dates:
        shown = ", ".join("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}".format(*d) for d in dates[:3])
        findings.append(
            Finding("ZIP:member times", shown, "when (and in which zone) it was edited")
        )
    if any(i.extra for i in infos):
        findings.append(Finding("ZIP:extra fields", "present", "may hold owner ids and times"))
    return members, findings


def write_members(dst: Path, members: list[Member]) -> None:
    """Members in the given order, fixed times, no extra fields, no comment."""
    with zipfile.ZipFile(dst, "w") as z:
        for member in members:
            info = zipfile.ZipInfo(member.name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_STORED if member.stored else zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            z.writestr(info, member.data, compresslevel=None if member.stored else COMPRESS_LEVEL)


def data_end(path: Path) -> int:
    """Offset just past the end-of-central-directory record (and its comment)."""
    size = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(0, size - 66 * 1024))
        tail = f.read()
    at = tail.rfind(EOCD)
    while at >= 0:
        if at + 22 <= len(tail):
            (comment_len,) = struct.unpack_from("<H", tail, at + 20)
            end = size - len(tail) + at + 22 + comment_len
            if end <= size:
                return end
        at = tail.rfind(EOCD, 0, at)
    raise CleanError("corrupt ZIP archive (no end-of-central-directory record)")


def _embedded(member: Member, tmp: Path):
    """The cleaner for a member's content (pictures, nested documents), if any."""
    from sneakernet.clean import registry

    cleaner = registry.choose(tmp, member.data[:65536])
    if cleaner is None or cleaner.name in ("text", "subtitles", "ass"):
        return None
    return cleaner


def embedded_findings(members: list[Member]) -> list[Finding]:
    """Findings inside pictures and nested documents the archive carries."""
    out = []
    with tempfile.TemporaryDirectory(prefix="sneakernet-zip-") as tmp:
        path = Path(tmp) / "member"
        for member in members:
            if member.name.endswith((".xml", ".rels", ".xhtml", ".html", ".css")):
                continue
            cleaner = _embedded(member, path)
            if cleaner is None:
                continue
            path.write_bytes(member.data)
            try:
                found = cleaner.inspect(path)
            except CleanError:
                continue
            out += [Finding(f"{member.name}:{f.field}", f.value, f.why) for f in found]
    return out


def clean_embedded(members: list[Member], options: CleanOptions) -> None:
    """Replace pictures and nested documents by their cleaned copies, in place."""
    from sneakernet.clean.api import clean_file

    with tempfile.TemporaryDirectory(prefix="sneakernet-zip-") as tmp:
        src, dst = Path(tmp) / "member", Path(tmp) / "cleaned"
        for member in members:
            if member.name.endswith((".xml", ".rels", ".xhtml", ".html", ".css")):
                continue
            if _embedded(member, src) is None:
                continue
            src.write_bytes(member.data)
            try:
                clean_file(src, dst, options)
            except CleanError:
                continue  # leave a picture we cannot parse as it is
            member.data = dst.read_bytes()
