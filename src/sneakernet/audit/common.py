"""Checks shared by folder and filesystem audits: file content, deny-list (debris: policy)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from sneakernet.clean import CleanError, UnknownFormat, inspect_file
from sneakernet.errors import UserError
from sneakernet.policy import operator_file_reason, operator_name_reason

SCAN_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class AuditFinding:
    """One thing an inspector would find, and where."""

    where: str  # path inside the target, or "volume"
    field: str
    value: str
    why: str

    def as_dict(self) -> dict:
        return asdict(self)


def read_deny_list(path: Path) -> list[str]:
    """Words, one a line; blank lines and lines starting with '#' are ignored."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise UserError(f"cannot read deny list {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"deny list {path} is not UTF-8 text; save it as UTF-8") from None
    words = [line.strip() for line in text.splitlines()]
    return [w for w in words if w and not w.startswith("#")]


def _patterns(words: list[str]) -> list[tuple[str, list[bytes]]]:
    """Byte forms to look for: UTF-8 and UTF-16 (Office, Windows), case-folded."""
    out = []
    for word in words:
        forms = {word.lower().encode("utf-8"), word.lower().encode("utf-16-le")}
        out.append((word, sorted(forms)))
    return out


def words_in_name(where: str, name: str, words: list[str]) -> list[AuditFinding]:
    """Deny-list words in a name, and a name that is sneakernet's own bookkeeping."""
    lower = name.lower()
    reason = operator_name_reason(name)
    own = [AuditFinding(where, "sneakernet operator file", name, reason)] if reason else []
    return own + [
        AuditFinding(where, "deny-list word in name", word, "names the group or a person")
        for word in words
        if word.lower() in lower
    ]


def words_in_bytes(data: bytes, words: list[str]) -> set[str]:
    """Deny-list words present in data, also inside ZIP members (office, EPUB)."""
    found = set()
    lower = data.lower()
    for word, forms in _patterns(words):
        if any(form in lower for form in forms):
            found.add(word)
    if data.startswith(b"PK\x03\x04") and len(found) < len(words):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for info in z.infolist():
                    if info.file_size <= 256 * 1024 * 1024:
                        found |= words_in_bytes(z.read(info), words)
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError):
            pass
    return found


def words_in_file(path: Path, words: list[str]) -> set[str]:
    """Deny-list words in a file's bytes, read in overlapping chunks."""
    if not words:
        return set()
    size = path.stat().st_size
    if size <= SCAN_CHUNK * 4:
        return words_in_bytes(path.read_bytes(), words)
    overlap = max(len(f) for _, forms in _patterns(words) for f in forms)
    found: set[str] = set()
    with path.open("rb") as f:
        tail = b""
        while chunk := f.read(SCAN_CHUNK):
            found |= words_in_bytes(tail + chunk, words)
            tail = chunk[-overlap:]
    return found


def file_findings(path: Path, where: str, words: list[str]) -> list[AuditFinding]:
    """Everything `inspect` finds in one file, plus deny-list words in it.

    A file of sneakernet's own (a plan, a card manifest, a catalog: by
    content, whatever its name) is flagged: it lists the operator's library.
    """
    out: list[AuditFinding] = []
    name = where.rsplit("/", 1)[-1]
    if operator_name_reason(name) is None:  # the name is flagged with the other names
        reason = operator_file_reason(path, name)
        if reason is not None:
            out.append(AuditFinding(where, "sneakernet operator file", "content", reason))
    try:
        for f in inspect_file(path):
            if f.kept:  # what cleaning leaves on purpose (a reader's title, article text)
                continue
            out.append(AuditFinding(where, f.field, f.value, f.why))
    except UnknownFormat:
        out.append(
            AuditFinding(where, "unknown format", "", "cannot be checked for metadata; clean it")
        )
    except CleanError as exc:
        out.append(AuditFinding(where, "unreadable file", str(exc), "broken files draw attention"))
    except Exception as exc:  # a cleaner's bug must not hide the rest of the card
        text = f"{type(exc).__name__}: {exc}"
        out.append(AuditFinding(where, "could not be checked", text, "check this file by hand"))
    for word in sorted(words_in_file(path, words)):
        out.append(
            AuditFinding(where, "deny-list word in content", word, "names the group or a person")
        )
    return out


def bytes_findings(data: bytes, where: str, words: list[str]) -> list[AuditFinding]:
    """file_findings for content held in memory (files read from an image)."""
    with tempfile.TemporaryDirectory(prefix="sneakernet-audit-") as tmp:
        path = Path(tmp) / "file"
        path.write_bytes(data)
        return file_findings(path, where, words)
