"""Choose how to audit a target: a folder directly, an image or device through the FAT reader."""

from __future__ import annotations

from pathlib import Path

from sneakernet.audit.common import AuditFinding
from sneakernet.audit.folder import audit_folder
from sneakernet.audit.image import audit_volume
from sneakernet.errors import UserError


def audit(target: Path, words: list[str] | None = None) -> list[AuditFinding]:
    """Every finding on the target; UserError when it cannot be read at all."""
    words = words or []
    try:
        if target.is_dir():
            return audit_folder(target, words)
        if not target.exists():
            raise UserError(f"{target}: no such file, folder or device")
        return audit_volume(target, words)
    except OSError as exc:
        raise UserError(
            f"{target}: cannot read it ({exc.strerror or exc}); check the device"
        ) from None
