"""What an inspector would find on a card image, a device or a folder.

`audit(target, deny_words)` returns every finding; the CLI turns them into a
table or JSON and an exit status (0 nothing found, 1 findings, 2 error).
"""

from sneakernet.audit.common import AuditFinding, read_deny_list
from sneakernet.audit.run import audit

__all__ = ["AuditFinding", "audit", "read_deny_list"]
