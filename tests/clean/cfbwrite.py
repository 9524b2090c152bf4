"""A minimal compound-file (OLE2, version 3) writer, for building test files.

olefile reads compound files but cannot create one, so HWP 5 documents and
files with macro storages are built here: streams under 4 KiB go into the
mini stream, larger ones into ordinary 512-byte sectors, as the format
requires. Siblings are chained through their right links (a valid, if
unbalanced, directory tree).
"""

from __future__ import annotations

import struct

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Tree = dict[str, "bytes | Tree"]


def _pad(data: bytes, unit: int) -> bytes:
    return data + bytes(-len(data) % unit)


def build(tree: Tree, *, times: bytes = bytes(16), stale: tuple[str, ...] = ()) -> bytes:
    """A compound file holding `tree` (name -> stream bytes, or name -> sub-tree).

    `stale` names are left in unused directory entries, as writers leave the
    names of deleted streams.
    """
    entries: list[dict] = [{"name": "Root Entry", "kind": 5, "child": NOSTREAM, "right": NOSTREAM}]

    def add(children: Tree) -> int:
        first = NOSTREAM
        previous = None
        for name, value in children.items():
            index = len(entries)
            entry = {"name": name, "right": NOSTREAM, "child": NOSTREAM}
            entries.append(entry)
            if isinstance(value, dict):
                entry["kind"] = 1
                entry["child"] = add(value)
            else:
                entry["kind"], entry["data"] = 2, value
            if previous is None:
                first = index
            else:
                previous["right"] = index
            previous = entry
        return first

    entries[0]["child"] = add(tree)
    entries += [{"name": n, "kind": 0, "child": NOSTREAM, "right": NOSTREAM} for n in stale]
    mini = bytearray()
    minifat: list[int] = []
    big: list[tuple[dict, bytes]] = []
    for e in entries:
        data = e.get("data")
        if data is None:
            continue
        e["size"] = len(data)
        if not data:
            e["start"] = END
        elif len(data) < CUTOFF:
            e["start"] = len(mini) // MINI
            n = -(-len(data) // MINI)
            minifat += [e["start"] + i + 1 for i in range(n - 1)] + [END]
            mini += _pad(data, MINI)
        else:
            big.append((e, data))
    dir_bytes_len = _pad(bytes(128 * len(entries)), SECTOR)
    n_dir = len(dir_bytes_len) // SECTOR
    n_minifat = -(-len(minifat) * 4 // SECTOR) if minifat else 0
    n_mini = -(-len(mini) // SECTOR)
    n_big = sum(-(-len(d) // SECTOR) for _, d in big)
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + n_dir + n_minifat + n_mini + n_big:
        n_fat += 1
    fat: list[int] = [FATSECT] * n_fat
    body = bytearray()

    def chain(data: bytes) -> int:
        start = n_fat + len(body) // SECTOR
        count = -(-len(data) // SECTOR)
        fat.extend([start + i + 1 for i in range(count - 1)] + [END])
        body.extend(_pad(data, SECTOR))
        return start

    dir_start = n_fat  # written last, into its reserved place
    fat.extend([dir_start + i + 1 for i in range(n_dir - 1)] + [END])
    body.extend(bytes(n_dir * SECTOR))
    minifat_start = chain(struct.pack(f"<{len(minifat)}I", *minifat)) if minifat else END
    entries[0]["start"] = chain(bytes(mini)) if mini else END
    entries[0]["size"] = len(mini)
    for e, data in big:
        e["start"] = chain(data)
    fat += [FREE] * (n_fat * (SECTOR // 4) - len(fat))
    directory = bytearray()
    for e in entries:
        name = e["name"].encode("utf-16-le") + b"\x00\x00"
        rec = bytearray(128)
        rec[: len(name)] = name
        struct.pack_into("<HBB", rec, 64, len(name), e["kind"], 1)
        struct.pack_into("<III", rec, 68, NOSTREAM, e["right"], e["child"])
        if e["kind"] != 2:
            rec[100:116] = times
        struct.pack_into("<IQ", rec, 116, e.get("start", 0), e.get("size", 0))
        directory += rec
    body[: len(directory)] = directory
    header = bytearray(512)
    header[:8] = MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into(
        "<IIIIIIII", header, 44, n_fat, dir_start, 0, CUTOFF, minifat_start, n_minifat, END, 0
    )
    difat = list(range(n_fat))[:109] + [FREE] * (109 - min(n_fat, 109))
    struct.pack_into("<109I", header, 76, *difat)
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return bytes(header) + fat_bytes + bytes(body)


def property_set(fmtid: bytes, props: dict[int, tuple[int, bytes]]) -> bytes:
    """A one-section property-set stream: id -> (type, value bytes after the type)."""
    values = b""
    table = b""
    offset = 8 + 8 * (len(props) + 1)
    items = [(1, (2, struct.pack("<hH", -535, 0)))] + list(props.items())  # UTF-8 code page
    table_entries = []
    for pid, (vt, raw) in items:
        blob = _pad(struct.pack("<I", vt) + raw, 4)
        table_entries.append((pid, offset + len(values)))
        values += blob
    for pid, off in table_entries:
        table += struct.pack("<II", pid, off)
    section = struct.pack("<II", 8 + len(table) + len(values), len(items)) + table + values
    header = b"\xfe\xff\x00\x00" + b"\x05\x01\x02\x00" + bytes(16) + struct.pack("<I", 1)
    return header + fmtid + struct.pack("<I", 48) + section


def lpstr(text: str) -> tuple[int, bytes]:
    raw = text.encode("utf-8") + b"\x00"
    return 0x1E, struct.pack("<I", len(raw)) + raw


def filetime(value: int) -> tuple[int, bytes]:
    return 0x40, struct.pack("<Q", value)


def hwp_records(records: list[tuple[int, bytes]], compress: bool = True) -> bytes:
    """An HWP 5 record stream (DocInfo or a BodyText section), raw-deflated like Hangul's."""
    import zlib

    out = b""
    for tag, payload in records:
        if len(payload) < 0xFFF:
            out += struct.pack("<I", tag | len(payload) << 20) + payload
        else:
            out += struct.pack("<II", tag | 0xFFF << 20, len(payload)) + payload
    if not compress:
        return out
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(out) + packer.flush()


def noise(n: int) -> bytes:
    """Bytes that do not compress, the same every run."""
    import hashlib

    out, block = b"", b"seed"
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return out[:n]
