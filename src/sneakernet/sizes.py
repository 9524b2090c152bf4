"""Parsing and printing sizes the way operators write them.

Cards are sold in decimal units (a "16 GB" card holds 16e9 bytes), so `G`/`GB`
are decimal and `GiB` binary. A bare number is bytes.
"""

import re

from sneakernet.errors import UserError

_UNITS = {
    "": 1,
    "B": 1,
    "K": 10**3,
    "KB": 10**3,
    "M": 10**6,
    "MB": 10**6,
    "G": 10**9,
    "GB": 10**9,
    "T": 10**12,
    "TB": 10**12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")


def parse_size(text: str) -> int:
    """Return the size in bytes for '512M', '16G', '16GB', '16GiB' or '1048576'."""
    match = _SIZE_RE.match(str(text))
    unit = match.group(2).upper() if match else None
    if not match or unit not in _UNITS:
        raise UserError(
            f"cannot read size {text!r}: write e.g. 512M, 16G, 16GB (decimal), 16GiB (binary) or bytes"
        )
    value = float(match.group(1)) * _UNITS[unit]
    if value != int(value):
        raise UserError(f"size {text!r} is not a whole number of bytes")
    return int(value)


def human_size(n: int) -> str:
    """Short binary-unit rendering for tables and progress."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")
