"""A generated corpus of dirty files: identifying metadata planted in every field
the cleaners claim to remove. Used by the tests and by benchmarks/bench_clean.py.

Every planted value contains PLANT so that a plain byte search finds any survivor.
"""

from __future__ import annotations

import io
import random
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PLANT = b"SNKPLANT"


@dataclass
class Sample:
    name: str  # file name in the corpus folder
    family: str  # which cleaner should take it
    planted: list[str] = field(default_factory=list)  # strings that must not survive


def planted(tag: str) -> str:
    return f"{PLANT.decode()}{tag}"


def _exiftool(path: Path, args: list[str]) -> None:
    exe = shutil.which("exiftool")
    if exe is None:
        raise RuntimeError("exiftool is needed to build the corpus")
    subprocess.run(
        [exe, "-q", "-overwrite_original", *args, "--", str(path)],
        check=True,
        capture_output=True,
    )


def _picture(width: int = 64, height: int = 48, seed: int = 1):
    from PIL import Image

    rng = random.Random(seed)
    img = Image.new("RGB", (width, height))
    img.putdata(
        [
            (rng.randrange(256), (x * 5) % 256, (y * 7) % 256)
            for y in range(height)
            for x in range(width)
        ]
    )
    return img


EXIF_TAGS = {
    "Artist": "Artist",
    "Copyright": "Copyright",
    "Make": "Make",
    "Model": "Model",
    "Software": "Software",
    "HostComputer": "HostComputer",
    "ImageDescription": "ImageDescription",
    "SerialNumber": "BodySerial",
    "OwnerName": "OwnerName",
    "LensSerialNumber": "LensSerial",
    "UserComment": "UserComment",
    "ImageUniqueID": "UniqueID",
}


def _exif_args(prefix: str) -> tuple[list[str], list[str]]:
    args, strings = [], []
    for tag, label in EXIF_TAGS.items():
        value = planted(f"{prefix}{label}")
        args.append(f"-EXIF:{tag}={value}")
        strings.append(value)
    args += [
        "-EXIF:DateTimeOriginal=2019:03:04 05:06:07",
        "-EXIF:GPSLatitude=39.0392",
        "-EXIF:GPSLatitudeRef=N",
        "-EXIF:GPSLongitude=125.7625",
        "-EXIF:GPSLongitudeRef=E",
        f"-XMP-dc:Creator={planted(prefix + 'XmpCreator')}",
        f"-XMP-dc:Description={planted(prefix + 'XmpDescription')}",
        f"-XMP-xmp:CreatorTool={planted(prefix + 'CreatorTool')}",
    ]
    strings += [planted(prefix + s) for s in ("XmpCreator", "XmpDescription", "CreatorTool")]
    strings += ["2019:03:04 05:06:07"]
    return args, strings


def make_jpeg(folder: Path, name: str = "photo.jpg", progressive: bool = False) -> Sample:
    path = folder / name
    img = _picture(seed=len(name))
    thumb = folder / f".thumb-{name}"
    _picture(16, 12, seed=9).save(thumb, "JPEG", comment=planted("ThumbComment").encode())
    img.save(path, "JPEG", quality=90, progressive=progressive, comment=planted("Comment").encode())
    args, strings = _exif_args("Jpeg")
    args += [
        f"-IPTC:By-line={planted('IptcByline')}",
        f"-IPTC:City={planted('IptcCity')}",
        f"-IPTC:Caption-Abstract={planted('IptcCaption')}",
        "-EXIF:Orientation#=6",
        f"-ThumbnailImage<={thumb}",
    ]
    _exiftool(path, args)
    thumb.unlink()
    # A private APP15 block, then something hidden after the end of the image.
    data = path.read_bytes()
    app15 = b"\xff\xef" + struct.pack(">H", 2 + 20) + planted("App15").encode().ljust(20, b"\0")
    hidden = planted("AfterEOI").encode()
    path.write_bytes(data[:2] + app15 + data[2:] + hidden)
    strings += [planted(s) for s in ("IptcByline", "IptcCity", "IptcCaption", "Comment")]
    strings += [planted("ThumbComment"), planted("App15"), planted("AfterEOI")]
    return Sample(name, "jpeg", strings)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def make_png(folder: Path, name: str = "picture.png") -> Sample:
    from PIL import PngImagePlugin

    path = folder / name
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", planted("PngAuthor"))
    info.add_text("Comment", planted("PngZComment"), zip=True)
    info.add_itxt("Description", planted("PngIDescription"), lang="ko", tkey="Desc")
    buf = io.BytesIO()
    _picture(seed=3).save(buf, "PNG", pnginfo=info)
    data = buf.getvalue()
    exif_block = (
        b"MM\0*\0\0\0\x08\0\x01"
        + struct.pack(">HHII", 0x013B, 2, 16, 26)
        + b"\0\0\0\0"
        + planted("PngExifArtist").encode()[:15].ljust(16, b"\0")
    )
    extra = (
        _chunk(b"tIME", struct.pack(">HBBBBB", 2019, 3, 4, 5, 6, 7))
        + _chunk(b"eXIf", exif_block)
        + _chunk(b"prVt", planted("PngPrivate").encode())
        + _chunk(b"iCCP", b"SNKPLANTPngIcc\0\0" + zlib.compress(b"profile"))
    )
    iend = data.rindex(b"IEND") - 4
    idat = data.index(b"IDAT") - 4
    data = data[:idat] + extra + data[idat:iend] + data[iend:] + planted("AfterIEND").encode()
    path.write_bytes(data)
    _exiftool(path, [f"-XMP-dc:Creator={planted('PngXmp')}"])
    strings = [planted(s) for s in ("PngAuthor", "PngZComment", "PngIDescription", "PngPrivate")]
    strings += [planted("PngXmp"), planted("AfterIEND"), "SNKPLANTPngEx", "SNKPLANTPngIcc"]
    return Sample(name, "png", strings)


BUILDERS: dict[str, Callable[[Path], Sample]] = {
    "jpeg": make_jpeg,
    "jpeg-progressive": lambda d: make_jpeg(d, "progressive.jpg", progressive=True),
    "png": make_png,
}


def build(folder: Path, only: list[str] | None = None) -> list[Sample]:
    folder.mkdir(parents=True, exist_ok=True)
    return [builder(folder) for key, builder in BUILDERS.items() if not only or key in only]
