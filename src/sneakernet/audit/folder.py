"""Audit a folder: every file's findings, debris names, deny-list words."""

from __future__ import annotations

import os
from pathlib import Path

from sneakernet.audit.common import AuditFinding, file_findings, words_in_name
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
            if name in filenames and path.is_file() and not path.is_symlink():
                findings += file_findings(path, where, words)
    return findings
