"""ZIM (Kiwix encyclopedias): metadata naming makers cleaned, UUIDs derived, articles kept.

The work is done by `sneakernet.zim.cleaning`: only metadata, UUIDs and the
checksum change; every article, picture and search index byte is copied.
What article pages say of their makers is reported, marked kept.
"""

from __future__ import annotations

from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats._output import atomic_output

MAGIC = (72173914).to_bytes(4, "little")


class ZimCleaner:
    name = "zim"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head.startswith(MAGIC)

    def data_end(self, path: Path) -> int:
        from sneakernet.zim import format as zf

        try:
            return zf.data_end(path)
        except zf.ZimError as exc:
            raise CleanError(str(exc)) from None

    def inspect(self, path: Path) -> list[Finding]:
        from sneakernet.zim import cleaning
        from sneakernet.zim import format as zf

        try:
            found = cleaning.inspect_zim(path)
        except zf.ZimError as exc:
            raise CleanError(str(exc)) from None
        return [Finding(f.field, shorten(f.value), f.why, f.kept) for f in found]

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        from sneakernet.zim import cleaning
        from sneakernet.zim import format as zf

        try:
            with atomic_output(dst) as out:
                cleaning.clean_zim(src, out)
        except zf.ZimError as exc:
            raise CleanError(str(exc)) from None


cleaner = ZimCleaner()
