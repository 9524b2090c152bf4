"""HEIC and AVIF files built item by item: pictures from real encoders, planted metadata items.

AVIF pictures come from Pillow (libavif), HEVC pictures from the bundled
ffmpeg's libx265 (a one-frame MP4 whose sample and hvcC are lifted out), so
every picture is what a real encoder wrote; the HEIF wrapping around them is
written here, with Exif, XMP, thumbnails and an alpha plane of the thumbnail.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.media import ffmpeg


@dataclass
class Item:
    id: int
    type: bytes
    data: bytes
    properties: list[tuple[bytes, bytes]] = field(default_factory=list)
    name: bytes = b""
    content_type: bytes = b""


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", len(payload) + 8, kind) + payload


def full(kind: bytes, version: int, payload: bytes, flags: int = 0) -> bytes:
    return box(kind, bytes([version]) + flags.to_bytes(3, "big") + payload)


def children(data: bytes, start: int = 0) -> list[tuple[bytes, bytes]]:
    out, pos = [], start
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        out.append((kind, data[pos + 8 : pos + size]))
        pos += size
    return out


def ispe(width: int, height: int) -> tuple[bytes, bytes]:
    return b"ispe", bytes(4) + struct.pack(">II", width, height)


def build(brand: bytes, items: list[Item], refs: list[tuple[bytes, int, list[int]]],
          primary: int = 1, extra_top: bytes = b"") -> bytes:  # fmt: skip
    ftyp = box(b"ftyp", brand + bytes(4) + brand + b"mif1miaf")
    hdlr = full(b"hdlr", 0, bytes(4) + b"pict" + bytes(12) + b"PlantedHandlerQx\x00")
    pitm = full(b"pitm", 0, struct.pack(">H", primary))
    infes = b""
    for it in items:
        tail = it.content_type + b"\x00" if it.type == b"mime" else b""
        infes += full(b"infe", 2, struct.pack(">HH", it.id, 0) + it.type + it.name + b"\x00" + tail)
    iinf = full(b"iinf", 0, struct.pack(">H", len(items)) + infes)
    iref = full(b"iref", 0, b"".join(
        box(k, struct.pack(">HH", src, len(to)) + b"".join(struct.pack(">H", t) for t in to))
        for k, src, to in refs))  # fmt: skip
    ipco, ipma_entries = b"", b""
    index = 0
    for it in items:
        assoc = b""
        for kind, payload in it.properties:
            index += 1
            ipco += box(kind, payload)
            assoc += bytes([0x80 | index if kind in (b"hvcC", b"av1C") else index])
        if assoc:
            ipma_entries += struct.pack(">HB", it.id, len(it.properties)) + assoc
    count = sum(1 for it in items if it.properties)
    iprp = box(
        b"iprp", box(b"ipco", ipco) + full(b"ipma", 0, struct.pack(">I", count) + ipma_entries)
    )

    def meta(mdat_start: int) -> bytes:
        entries, pos = b"", mdat_start
        for it in items:
            entries += struct.pack(">HHHII", it.id, 0, 1, pos, len(it.data))
            pos += len(it.data)
        iloc = full(b"iloc", 0, bytes([0x44, 0x00]) + struct.pack(">H", len(items)) + entries)
        return full(b"meta", 0, hdlr + pitm + iloc + iinf + iref + iprp)

    size = len(meta(0))
    start = len(ftyp) + size + len(extra_top) + 8
    mdat = box(b"mdat", b"".join(it.data for it in items))
    return ftyp + meta(start) + extra_top + mdat


def avif_picture(width: int, height: int, seed: int) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """(av01 item data, its properties) from a picture Pillow encodes."""
    from clean_corpus import _picture

    out = io.BytesIO()
    _picture(width, height, seed).save(out, "AVIF", quality=90)
    data = out.getvalue()
    top = dict(children(data))
    meta = dict(children(top[b"meta"], 4))
    ipco = dict(children(dict(children(meta[b"iprp"]))[b"ipco"]))
    iloc = meta[b"iloc"]
    offset, length = struct.unpack_from(">II", iloc, 4 + 2 + 2 + 2 + 2 + 2)
    return data[offset : offset + length], [(b"av1C", ipco[b"av1C"]), ispe(width, height)]


def hevc_picture(folder: Path, size: str = "64x48") -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """(hvc1 item data, its properties) from one x265 frame (with x265's settings SEI)."""
    mp4 = folder / f"frame-{size}.mp4"
    ffmpeg.run([ffmpeg.ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                f"testsrc=size={size}:rate=1", "-frames:v", "1", "-c:v", "libx265",
                "-x265-params", "log-level=error", "-tag:v", "hvc1", ffmpeg.file_url(mp4)])  # fmt: skip
    data = mp4.read_bytes()
    top = dict(children(data))
    node = top[b"moov"]
    for kind in (b"trak", b"mdia", b"minf", b"stbl"):
        node = dict(children(node))[kind]
    stsd = dict(children(node))[b"stsd"]
    entry = dict(children(stsd, 8))[b"hvc1"]
    hvcc = dict(children(entry, 78))[b"hvcC"]
    width, height = map(int, size.split("x"))
    return top[b"mdat"], [(b"hvcC", hvcc), ispe(width, height)]


def exif_item(artist: str, software: str) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x013B] = artist
    exif[0x0131] = software
    exif[0x0132] = "2019:03:04 05:06:07"
    raw = exif.tobytes()
    raw = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw
    return struct.pack(">I", 0) + raw


def xmp_item(creator: str) -> bytes:
    return (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        b'22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"<dc:creator>"
        + creator.encode()
        + b"</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def phone_photo(folder: Path, codec: str, plant: str) -> tuple[bytes, list[str]]:
    """A photo as a phone writes it: picture, Exif, XMP, a thumbnail with its own alpha plane."""
    if codec == "hevc":
        picture, props = hevc_picture(folder, "64x48")
        thumb, thumb_props = hevc_picture(folder, "32x24")
        kind, brand = b"hvc1", b"heic"
    else:
        picture, props = avif_picture(64, 48, 1)
        thumb, thumb_props = avif_picture(16, 12, 2)
        kind, brand = b"av01", b"avif"
    alpha_props = [
        *thumb_props,
        (b"auxC", bytes(4) + b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha\x00"),
    ]
    items = [
        Item(1, kind, picture, props, name=f"{plant}PictureName".encode()),
        Item(2, b"Exif", exif_item(f"{plant}Artist", f"{plant}Software")),
        Item(3, b"mime", xmp_item(f"{plant}Creator"), content_type=b"application/rdf+xml"),
        Item(4, kind, thumb, thumb_props, name=f"{plant}ThumbName".encode()),
        Item(5, kind, thumb, alpha_props),
    ]
    refs = [(b"cdsc", 2, [1]), (b"cdsc", 3, [1]), (b"thmb", 4, [1]), (b"auxl", 5, [4])]
    extra = box(b"uuid", b"\x11" * 16 + f"{plant}UuidBox".encode()) + box(b"free", bytes(8))
    data = build(brand, items, refs, extra_top=extra)
    planted = [f"{plant}{s}" for s in ("PictureName", "Artist", "Software", "Creator",
                                       "ThumbName", "UuidBox")] + ["PlantedHandlerQx"]  # fmt: skip
    return data, planted
