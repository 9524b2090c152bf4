"""Parsing and printing sizes the way operators write them.

`G`/`GB` are decimal and `GiB` binary; a bare number is bytes.

A card size written in gigabytes or terabytes (`16G`, `16GB`, `1TB`) names a
card *as sold*. A "16 GB" card is not 16,000,000,000 bytes: genuine ones hold
less (15,931,539,456 is a common microSD figure, 7,948,206,080 a common "8 GB"
stick, many 16 GB sticks about 15.5e9), and drives of one model differ. An
image planned for the printed figure is refused by most real cards, so
`parse_card_size` plans such a size at `SOLD_CAPACITY_SHARE` of it, rounded
down to whole MiB: 16G is 15,359,541,248 bytes, which every genuine card sold
as 16 GB that we know of holds. What that gives up: up to 4 % of a card. To
use all of one drive, give its exact size in bytes or `--size-of DEVICE`.
Sizes in other units (`256M`, `16GiB`, bytes) are taken exactly.
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


SOLD_CAPACITY_SHARE = 0.96
_SOLD_UNITS = frozenset({"G", "GB", "T", "TB"})
MIB = 2**20


def is_sold_size(text: str) -> bool:
    """True for a size naming a card as sold (`16G`, `16 GB`, `1TB`)."""
    match = _SIZE_RE.match(str(text))
    return bool(match) and match.group(2).upper() in _SOLD_UNITS


def sold_capacity(nominal: int) -> int:
    """Bytes every genuine card sold as `nominal` bytes holds, in whole MiB."""
    return int(nominal * SOLD_CAPACITY_SHARE) // MIB * MIB


def parse_card_size(text: str) -> int:
    """The bytes to plan a card for: `16G` is a card sold as 16 GB, the rest exact."""
    size = parse_size(text)
    return sold_capacity(size) if is_sold_size(text) else size


def describe_card_size(text: str) -> str:
    """`15,359,541,248 bytes (a card sold as 16G: 96 %, so genuine cards of that class hold it)`."""
    size = parse_card_size(text)
    if not is_sold_size(text):
        return f"{size:,} bytes"
    share = round(SOLD_CAPACITY_SHARE * 100)
    return f"{size:,} bytes (a card sold as {text.strip()}: {share} %, so genuine cards of that class hold it)"


def human_size(n: int) -> str:
    """Short binary-unit rendering for tables and progress."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")
