"""Audit a folder: every file's findings, debris names, deny-list words."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from sneakernet.audit.common import AuditFinding, file_findings, words_in_name
from sneakernet.fat import split
from sneakernet.policy import debris_reason


def audit_folder(root: Path, words: list[str]) -> list[AuditFinding]:
    findings: list[AuditFinding] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        base = Path(dirpath)
        for name in sorted(dirnames) + sorted(filenames):
            path = base / name
            where = path.relative_to(root).as_posix()
            reason = debris_reason(name)
            if reason:
                findings.append(AuditFinding(where, "OS debris", name, reason))
            findings += words_in_name(where, name, words)
        files = [
            n for n in sorted(filenames) if (base / n).is_file() and not (base / n).is_symlink()
        ]
        for group in split.group_parts(files):
            where = (base / group[0]).relative_to(root).as_posix()
            if len(group) == 1:
                findings += file_findings(base / group[0], where, words)
                continue
            # The parts of a split ZIM are read as the one file they make.
            with tempfile.TemporaryDirectory(prefix="sneakernet-audit-") as tmp:
                whole = Path(tmp) / "file"
                with whole.open("wb") as out:
                    for part in group:
                        with (base / part).open("rb") as f:
                            shutil.copyfileobj(f, out, 8 * 1024 * 1024)
                findings += file_findings(whole, f"{where} (+{len(group) - 1} parts)", words)
    return findings
