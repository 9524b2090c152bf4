"""HEIC / HEIF / AVIF still images: metadata items and thumbnails dropped, pictures kept.

A HEIF file is an ISO base media file whose `meta` box lists items: coded
pictures (`hvc1`, `av01`), grids of them, and metadata items (`Exif`, XMP as
a `mime` item, other `mime` or `uri ` items). `iinf` names the items, `iloc`
says where their bytes are, `iref` ties them together (`thmb`: a thumbnail
of, `cdsc`: describes, `dimg`: tile of, `auxl`: alpha or depth map of) and
`ipma` gives each its properties (`hvcC`, `ispe`, `colr`, `irot`...).

Cleaning drops every metadata item, every thumbnail, and every item that
only served dropped items (a thumbnail's alpha), and keeps `iinf`, `iloc`,
`iref`, `ipma` and `pitm` consistent. Item names are emptied, the handler's
name too, x265's settings (user-data SEI) are cut from `hvcC` and from the
coded pictures. The file is rebuilt as `ftyp`, `meta`, `mdat` holding
exactly the bytes the kept items use, in their original order; every other
top-level box and unreferenced byte goes. Picture bytes are copied as they
are (except the cut SEI).

Refused: image sequences with a movie box (`moov`: cleaned as MP4 only when
they have no `meta` of their own), items stored by reference to other
items (construction method 2) or in other files, entity groups that name a
dropped item, and a primary item that is itself metadata.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import exif, h264sei
from sneakernet.clean.formats._boxes import Box, BoxError, iter_headers
from sneakernet.clean.formats._output import atomic_output
from sneakernet.clean.formats.icc import profile_text
from sneakernet.clean.formats.mp4 import _clean_hvcc  # the one hvcC rule

IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"mif2", b"avif", b"avio", b"MiHE"}
_METADATA_TYPES = {b"Exif", b"mime", b"uri "}
_META_CHILDREN_KEPT = {
    b"hdlr",
    b"pitm",
    b"iloc",
    b"iinf",
    b"iref",
    b"iprp",
    b"idat",
    b"dinf",
    b"grpl",
}
_WHY_META = "photo metadata: camera, owner, software, dates and GPS position"
_WHY_THUMB = "a thumbnail can show what the picture showed before it was edited or cropped"
_MAX_ITEMS = 100_000


def _u(data: bytes, at: int, size: int) -> int:
    if size == 0:
        return 0
    if at + size > len(data):
        raise CleanError("corrupt HEIF: an item table is cut short")
    return int.from_bytes(data[at : at + size], "big")


@dataclass
class _Item:
    id: int
    type: bytes
    name: bytes
    version: int
    protection: int
    content_type: bytes = b""
    tail: bytes = b""  # what follows the name (content type, encoding, URI type)
    method: int = 0
    data_ref: int = 0
    extents: list[tuple[int, int]] = field(default_factory=list)  # (absolute offset, length)


@dataclass
class _Heif:
    ftyp: bytes
    meta_prefix: bytes  # version and flags
    children: list[tuple[bytes, bytes]]  # (type, payload) of meta's children
    items: dict[int, _Item]
    refs: list[tuple[bytes, int, list[int]]]  # (type, from, to)
    iref_version: int
    iloc_version: int
    primary: int
    pitm_version: int
    properties: list[tuple[bytes, bytes]]  # ipco children
    associations: dict[int, list[tuple[bool, int]]]  # item -> (essential, 1-based property)
    ipma_version: int
    ipma_flags: int
    idat: bytes
    dropped_boxes: list[bytes]  # top-level and meta children that go
    size: int


def _read_file(path: Path) -> tuple[bytes, list[tuple[bytes, int, int]]]:
    """The file and its top-level boxes, up to the first bytes that are not a box."""
    size = os.stat(path).st_size
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != size:
        raise CleanError("the file changed while being read")
    top = []
    pos = 0
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if length == 1 and pos + 16 <= len(data):
            length, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif length == 0:
            length = len(data) - pos
        if length < header or pos + length > len(data) or not kind.isalnum() and kind != b"uri ":
            break
        top.append((kind, pos + header, pos + length))
        pos += length
    return data, top


def _parse(path: Path) -> tuple[_Heif, bytes]:
    data, top = _read_file(path)
    kinds = [k for k, _, _ in top]
    if not kinds or kinds[0] != b"ftyp":
        raise CleanError("not a HEIF file: it does not start with ftyp")
    if b"moov" in kinds:
        raise CleanError(
            "a HEIF image sequence (with a movie box) is not cleaned: convert it to a still picture"
        )
    if kinds.count(b"meta") != 1:
        raise CleanError("corrupt HEIF: there must be exactly one meta box")
    _, fs, fe = top[0]
    _, ms, me = top[kinds.index(b"meta")]
    meta = data[ms:me]
    if len(meta) < 4:
        raise CleanError("corrupt HEIF: meta box cut short")
    try:
        children = [(k, meta[s:e]) for k, s, e in iter_headers(meta, 4)]
    except BoxError as exc:
        raise CleanError(f"corrupt HEIF: {exc}") from None
    box = dict(children)
    for needed in (b"iinf", b"iloc", b"pitm"):
        if needed not in box:
            raise CleanError(f"corrupt HEIF: no {needed.decode()} box")
    heif = _Heif(
        ftyp=data[fs:fe], meta_prefix=meta[:4], children=children, items={}, refs=[],
        iref_version=0, iloc_version=0, primary=0, pitm_version=0, properties=[],
        associations={}, ipma_version=0, ipma_flags=0, idat=box.get(b"idat", b""),
        dropped_boxes=[k for k, _, _ in top if k not in (b"ftyp", b"meta", b"mdat")]
        + [k for k, _ in children if k not in _META_CHILDREN_KEPT],
        size=len(data),
    )  # fmt: skip
    _parse_iinf(heif, box[b"iinf"])
    _parse_iloc(heif, box[b"iloc"])
    pitm = box[b"pitm"]
    heif.pitm_version = pitm[0] if pitm else 0
    heif.primary = _u(pitm, 4, 2 if heif.pitm_version == 0 else 4)
    if b"iref" in box:
        _parse_iref(heif, box[b"iref"])
    if b"iprp" in box:
        _parse_iprp(heif, box[b"iprp"])
    if heif.primary not in heif.items:
        raise CleanError("corrupt HEIF: the primary item is not listed")
    return heif, data


def _cstring(data: bytes, at: int) -> tuple[bytes, int]:
    end = data.find(b"\x00", at)
    if end < 0:
        return data[at:], len(data)
    return data[at:end], end + 1


def _parse_iinf(heif: _Heif, payload: bytes) -> None:
    version = payload[0] if payload else 0
    at = 4 + (2 if version == 0 else 4)
    try:
        infes = list(iter_headers(payload, at))
    except BoxError as exc:
        raise CleanError(f"corrupt HEIF item list: {exc}") from None
    for kind, s, e in infes[:_MAX_ITEMS]:
        if kind != b"infe":
            continue
        infe = payload[s:e]
        v = infe[0] if infe else 0
        if v < 2:
            raise CleanError("an old-style HEIF item list (infe version 0/1) is not cleaned")
        id_size = 2 if v == 2 else 4
        item_id = _u(infe, 4, id_size)
        protection = _u(infe, 4 + id_size, 2)
        pos = 4 + id_size + 2
        item_type = infe[pos : pos + 4]
        name, after = _cstring(infe, pos + 4)
        item = _Item(item_id, item_type, name, v, protection, tail=infe[after:])
        if item_type == b"mime":
            item.content_type = _cstring(infe, after)[0]
        heif.items[item_id] = item


def _parse_iloc(heif: _Heif, payload: bytes) -> None:
    version = payload[0] if payload else 0
    if version > 2:
        raise CleanError("corrupt HEIF: unknown item location version")
    heif.iloc_version = version
    sizes = _u(payload, 4, 1)
    offset_size, length_size = sizes >> 4, sizes & 15
    more = _u(payload, 5, 1)
    base_size, index_size = more >> 4, (more & 15 if version else 0)
    pos = 6
    count = _u(payload, pos, 2 if version < 2 else 4)
    pos += 2 if version < 2 else 4
    for _ in range(min(count, _MAX_ITEMS)):
        item_id = _u(payload, pos, 2 if version < 2 else 4)
        pos += 2 if version < 2 else 4
        method = 0
        if version:
            method = _u(payload, pos, 2) & 15
            pos += 2
        data_ref = _u(payload, pos, 2)
        base = _u(payload, pos + 2, base_size)
        pos += 2 + base_size
        extents = []
        extent_count = _u(payload, pos, 2)
        pos += 2
        for _ in range(extent_count):
            pos += index_size
            offset = _u(payload, pos, offset_size)
            length = _u(payload, pos + offset_size, length_size)
            pos += offset_size + length_size
            extents.append((base + offset, length))
        item = heif.items.get(item_id)
        if item is None:
            raise CleanError(f"corrupt HEIF: item {item_id} has a location but no entry")
        item.method, item.data_ref, item.extents = method, data_ref, extents


def _parse_iref(heif: _Heif, payload: bytes) -> None:
    heif.iref_version = version = payload[0] if payload else 0
    size = 2 if version == 0 else 4
    try:
        for kind, s, e in iter_headers(payload, 4):
            box = payload[s:e]
            source = _u(box, 0, size)
            count = _u(box, size, 2)
            targets = [_u(box, size + 2 + i * size, size) for i in range(count)]
            heif.refs.append((kind, source, targets))
    except BoxError as exc:
        raise CleanError(f"corrupt HEIF references: {exc}") from None


def _parse_iprp(heif: _Heif, payload: bytes) -> None:
    try:
        for kind, s, e in iter_headers(payload):
            box = payload[s:e]
            if kind == b"ipco":
                heif.properties = [(k, box[ps:pe]) for k, ps, pe in iter_headers(box)]
            elif kind == b"ipma":
                heif.ipma_version, heif.ipma_flags = box[0], _u(box, 1, 3)
                id_size = 2 if heif.ipma_version < 1 else 4
                wide = heif.ipma_flags & 1
                pos = 8
                for _ in range(min(_u(box, 4, 4), _MAX_ITEMS)):
                    item_id = _u(box, pos, id_size)
                    count = _u(box, pos + id_size, 1)
                    pos += id_size + 1
                    found = []
                    for _ in range(count):
                        value = _u(box, pos, 2 if wide else 1)
                        pos += 2 if wide else 1
                        bits = 15 if wide else 7
                        found.append((bool(value >> bits), value & ((1 << bits) - 1)))
                    heif.associations[item_id] = found
    except BoxError as exc:
        raise CleanError(f"corrupt HEIF properties: {exc}") from None


def _dropped(heif: _Heif) -> dict[int, str]:
    """Items that go, with why: metadata, thumbnails, and what served only them."""
    gone: dict[int, str] = {}
    for item in heif.items.values():
        if item.type in _METADATA_TYPES:
            gone[item.id] = "metadata"
    for kind, source, _ in heif.refs:
        if kind == b"thmb" and source in heif.items:
            gone[source] = "thumbnail"
    changed = True
    while changed:
        changed = False
        for kind, source, targets in heif.refs:
            if kind in (b"auxl", b"cdsc", b"prem", b"thmb") and source not in gone and targets:
                if all(t in gone for t in targets):
                    gone[source] = "serves only a dropped item"
                    changed = True
        for kind, source, targets in heif.refs:
            if kind in (b"dimg", b"base") and source in gone:
                for t in targets:
                    if t not in gone and not _used_elsewhere(heif, t, gone):
                        gone[t] = "part of a dropped item"
                        changed = True
    if heif.primary in gone:
        raise CleanError("the HEIF's primary item is metadata or a thumbnail: nothing to keep")
    return gone


def _used_elsewhere(heif: _Heif, item: int, gone: dict[int, str]) -> bool:
    return item == heif.primary or any(
        kind in (b"dimg", b"base") and source not in gone and item in targets
        for kind, source, targets in heif.refs
    )


def _item_bytes(data: bytes, heif: _Heif, item: _Item) -> bytes:
    if item.data_ref != 0:
        raise CleanError("a HEIF item stored in another file is not cleaned")
    if item.method == 2:
        raise CleanError("a HEIF item built from other items' bytes is not cleaned")
    source = heif.idat if item.method == 1 else data
    parts = []
    for offset, length in item.extents:
        if length == 0 or offset + length > len(source):
            raise CleanError(f"truncated HEIF: item {item.id}'s data runs past the end")
        parts.append(source[offset : offset + length])
    return b"".join(parts)


def _hvcc(heif: _Heif, item: _Item) -> bytes | None:
    for _, index in heif.associations.get(item.id, []):
        if 0 < index <= len(heif.properties) and heif.properties[index - 1][0] == b"hvcC":
            return heif.properties[index - 1][1]
    return None


def _picture_sei(heif: _Heif, item: _Item, payload: bytes) -> tuple[bytes | None, list[bytes]]:
    """(payload without user-data SEI or None, texts found) for an hvc1 item."""
    hvcc = _hvcc(heif, item) if item.type == b"hvc1" else None
    if hvcc is None or len(hvcc) < 23:
        return None, []
    length_size = (hvcc[21] & 3) + 1
    return (
        h264sei.strip_sample(payload, length_size, True),
        h264sei.sample_user_data(payload, length_size, True),
    )


def _findings(heif: _Heif, data: bytes, gone: dict[int, str]) -> list[Finding]:
    found = [Finding(f"HEIF:box {k.decode('latin-1')}", "dropped", "unneeded boxes can carry anything")
             for k in heif.dropped_boxes]  # fmt: skip
    for item in heif.items.values():
        why = gone.get(item.id)
        if why == "metadata":
            payload = _item_bytes(data, heif, item)
            if item.type == b"Exif" and len(payload) >= 4:
                start = 4 + int.from_bytes(payload[:4], "big")
                found += exif.findings(payload[start:], "HEIF:Exif")
            else:
                label = item.content_type.decode("latin-1") or item.type.decode("latin-1")
                found.append(Finding(f"HEIF:{label}", shorten(payload, 120), _WHY_META))
        elif why is not None:
            found.append(
                Finding(
                    f"HEIF:{why}", f"item {item.id} ({item.type.decode('latin-1')})", _WHY_THUMB
                )
            )
        else:
            if item.name:
                found.append(
                    Finding("HEIF:item name", shorten(item.name), "free text a tool wrote")
                )
            texts = _picture_sei(heif, item, _item_bytes(data, heif, item))[1]
            found += [Finding("HEVC:SEI user data", shorten(t), "names the encoder, its version and settings") for t in texts]  # fmt: skip
    for kind, payload in heif.properties:
        if kind == b"hvcC":
            _clean_hvcc(payload, found)
        elif kind == b"colr" and payload[:4] in (b"prof", b"rICC"):
            text = profile_text(payload[4:])
            if not text.endswith(" bytes"):
                found.append(
                    Finding(
                        "HEIF:ICC profile", text, "a colour profile's texts are kept", kept=True
                    )
                )
    hdlr = dict(heif.children).get(b"hdlr", b"")
    if hdlr[24:].strip(b"\x00"):
        found.append(Finding("HEIF:handler name", shorten(hdlr[24:]), "free text a tool wrote"))
    return found


def _box(kind: bytes, payload: bytes) -> bytes:
    return Box(kind, payload).to_bytes()


def _full(version: int, flags: int = 0) -> bytes:
    return bytes([version]) + flags.to_bytes(3, "big")


def _build(heif: _Heif, data: bytes, gone: dict[int, str]) -> bytes:
    kept = [i for i in heif.items.values() if i.id not in gone]
    mdat_parts: list[bytes] = []
    idat_parts: list[bytes] = []
    extents: dict[int, list[tuple[int, int, int]]] = {}  # id -> (method, offset in part, length)
    mdat_len = idat_len = 0
    for item in sorted(kept, key=lambda i: i.extents[0][0] if i.extents else 0):
        payload = _item_bytes(data, heif, item) if item.extents else b""
        stripped = _picture_sei(heif, item, payload)[0]
        payload = stripped if stripped is not None else payload
        if not item.extents:
            extents[item.id] = []
        elif item.method == 1:
            extents[item.id] = [(1, idat_len, len(payload))]
            idat_parts.append(payload)
            idat_len += len(payload)
        else:
            extents[item.id] = [(0, mdat_len, len(payload))]
            mdat_parts.append(payload)
            mdat_len += len(payload)
    mdat = b"".join(mdat_parts)
    wide_ids = any(i.id > 0xFFFF for i in kept)
    properties_kept = _kept_properties(heif, kept)

    def meta_bytes(mdat_start: int) -> bytes:
        out = b""
        for kind, payload in heif.children:
            if kind not in _META_CHILDREN_KEPT:
                continue
            if kind == b"hdlr":
                payload = payload[:24] + b"\x00"
            elif kind == b"iinf":
                payload = _iinf(kept)
            elif kind == b"iloc":
                payload = _iloc(kept, extents, mdat_start, wide_ids, bool(idat_parts))
            elif kind == b"iref":
                payload = _iref(heif, gone)
                if payload is None:
                    continue
            elif kind == b"iprp":
                payload = _iprp(heif, kept, properties_kept)
            elif kind == b"idat":
                payload = b"".join(idat_parts)
            elif kind == b"grpl":
                _check_groups(payload, gone)
            out += _box(kind, payload)
        return _box(b"meta", heif.meta_prefix + out)

    ftyp = _box(b"ftyp", heif.ftyp)
    size = len(meta_bytes(0))
    start = len(ftyp) + size + 8
    meta = meta_bytes(start)
    assert len(meta) == size
    return ftyp + meta + _box(b"mdat", mdat)


def _iinf(kept: list[_Item]) -> bytes:
    wide = len(kept) > 0xFFFF
    body = _full(1 if wide else 0) + len(kept).to_bytes(4 if wide else 2, "big")
    for item in kept:
        id_bytes = item.id.to_bytes(2 if item.version == 2 else 4, "big")
        infe = _full(item.version) + id_bytes + item.protection.to_bytes(2, "big")
        infe += item.type + b"\x00" + item.tail
        body += _box(b"infe", infe)
    return body


def _iloc(kept: list[_Item], extents, mdat_start: int, wide: bool, idat: bool) -> bytes:
    version = 2 if wide else (1 if idat else 0)
    body = _full(version) + bytes([0x44, 0x00])  # 4-byte offsets and lengths, no base offset
    body += len(kept).to_bytes(4 if version == 2 else 2, "big")
    for item in kept:
        body += item.id.to_bytes(4 if version == 2 else 2, "big")
        found = extents[item.id]
        method = found[0][0] if found else 0
        if version:
            body += method.to_bytes(2, "big")
        body += b"\x00\x00" + len(found).to_bytes(2, "big")  # data reference: this file
        for kind, offset, length in found:
            at = offset + (mdat_start if kind == 0 else 0)
            if at > 0xFFFFFFFF:
                raise CleanError("a HEIF larger than 4 GiB is not cleaned")
            body += struct.pack(">II", at, length)
    return body


def _iref(heif: _Heif, gone: dict[int, str]) -> bytes | None:
    size = 2 if heif.iref_version == 0 else 4
    body = b""
    for kind, source, targets in heif.refs:
        targets = [t for t in targets if t not in gone]
        if source in gone or not targets:
            continue
        ref = source.to_bytes(size, "big") + len(targets).to_bytes(2, "big")
        ref += b"".join(t.to_bytes(size, "big") for t in targets)
        body += _box(kind, ref)
    return _full(heif.iref_version) + body if body else None


def _kept_properties(heif: _Heif, kept: list[_Item]) -> list[int]:
    """1-based indexes of the properties kept items use, in their original order."""
    used = {index for item in kept for _, index in heif.associations.get(item.id, []) if index}
    return sorted(i for i in used if i <= len(heif.properties))


def _iprp(heif: _Heif, kept: list[_Item], properties: list[int]) -> bytes:
    renumber = {old: new for new, old in enumerate(properties, 1)}
    ipco = b""
    for old in properties:
        kind, payload = heif.properties[old - 1]
        if kind == b"hvcC":
            payload = _clean_hvcc(payload, [])
        ipco += _box(kind, payload)
    wide_index = len(properties) > 127
    wide_ids = any(i.id > 0xFFFF for i in kept)
    version = 1 if wide_ids else 0
    entries = [i for i in kept if i.id in heif.associations]
    ipma = _full(version, 1 if wide_index else 0) + len(entries).to_bytes(4, "big")
    for item in entries:
        found = [(e, renumber[i]) for e, i in heif.associations[item.id] if i in renumber]
        ipma += item.id.to_bytes(4 if wide_ids else 2, "big") + bytes([len(found)])
        for essential, index in found:
            if wide_index:
                ipma += ((essential << 15) | index).to_bytes(2, "big")
            else:
                ipma += bytes([(essential << 7) | index])
    return _box(b"ipco", ipco) + _box(b"ipma", ipma)


def _check_groups(payload: bytes, gone: dict[int, str]) -> None:
    for _, s, e in iter_headers(payload):
        box = payload[s:e]
        count = _u(box, 8, 4)
        ids = [_u(box, 12 + 4 * i, 4) for i in range(count)]
        if any(i in gone for i in ids):
            raise CleanError("a HEIF entity group names a metadata item or thumbnail: not cleaned")


def _brands(head: bytes) -> set[bytes]:
    if len(head) < 16 or head[4:8] != b"ftyp":
        return set()
    size = min(struct.unpack_from(">I", head)[0], len(head))
    return {head[8:12]} | {head[i : i + 4] for i in range(16, size - 3, 4)}


class HeifCleaner:
    name = "heif"

    def sniff(self, head: bytes, path: Path) -> bool:
        """A still-image brand first (image sequences with a movie go to the MP4 cleaner)."""
        return len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in IMAGE_BRANDS

    def data_end(self, path: Path) -> int:
        """Where the last whole box ends; anything after it is not part of the picture."""
        _, top = _read_file(path)
        return top[-1][2] if top else 0

    def inspect(self, path: Path) -> list[Finding]:
        heif, data = _parse(path)
        return _findings(heif, data, _dropped(heif))

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        heif, data = _parse(src)
        out = _build(heif, data, _dropped(heif))
        with atomic_output(dst) as f:
            f.write(out)


cleaner = HeifCleaner()
