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


def make_pdf(folder: Path, name: str = "report.pdf") -> Sample:
    """Two pages of text, a JPEG with EXIF, XMP, Info, an annotation, an old revision."""
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    jpeg_sample = make_jpeg(folder, f".img-{name}.jpg")
    jpeg_path = folder / jpeg_sample.name
    image = pikepdf.Stream(pdf, jpeg_path.read_bytes().split(PLANT + b"AfterEOI")[0])
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height = 64, 48
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
    image.Filter = pikepdf.Name.DCTDecode
    jpeg_path.unlink()
    for number, words in enumerate(["First page words", "Second page words"], 1):
        page = pdf.add_blank_page(page_size=(300, 200))
        text = f"BT /F1 12 Tf 20 150 Td ({words}) Tj ET q 64 0 0 48 20 20 cm /Im1 Do Q"
        page.obj.Contents = pdf.make_stream(text.encode())
        page.obj.Resources = pikepdf.Dictionary(
            Font=pikepdf.Dictionary(F1=font), XObject=pikepdf.Dictionary(Im1=image)
        )
        page.obj.PieceInfo = pikepdf.Dictionary(
            Illustrator=pikepdf.Dictionary(Private=pikepdf.String(planted(f"PieceInfo{number}")))
        )
        page.obj.LastModified = pikepdf.String("D:20190304050607")
    note = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Text,
        Rect=[10, 10, 30, 30],
        Contents=pikepdf.String("a note"),
        T=pikepdf.String(planted("AnnotAuthor")),
        M=pikepdf.String("D:20190304050607"),
        NM=pikepdf.String(planted("AnnotId")),
    )
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(note)]))
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [planted("XmpCreator")]
        meta["xmp:CreatorTool"] = planted("XmpTool")
    pdf.trailer.Info = pdf.make_indirect(
        pikepdf.Dictionary(
            Author=pikepdf.String(planted("OldAuthor")),
            Creator=pikepdf.String(planted("Creator")),
            Producer=pikepdf.String(planted("Producer")),
            Title=pikepdf.String(planted("Title")),
            CreationDate=pikepdf.String("D:20190304050607"),
        )
    )
    buf = io.BytesIO()
    pdf.save(buf, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    data = buf.getvalue()
    with pikepdf.open(io.BytesIO(data)) as saved:
        root = saved.Root.objgen[0]
        size = int(saved.trailer.Size)
    prev = int(data[data.rindex(b"startxref") + 9 :].split()[0])
    # An incremental update: a new Info; the old one stays in the file.
    offset = len(data)
    obj = f"{size} 0 obj\n<< /Author ({planted('NewAuthor')}) >>\nendobj\n".encode()
    xref_at = offset + len(obj)
    update = (
        f"xref\n{size} 1\n{offset:010d} 00000 n \n"
        f"trailer\n<< /Size {size + 1} /Root {root} 0 R /Info {size} 0 R /Prev {prev} >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    path = folder / name
    path.write_bytes(data + obj + update + planted("AfterEOF").encode())
    strings = [planted(s) for s in ("OldAuthor", "NewAuthor", "Creator", "Producer", "Title")]
    strings += [planted(s) for s in ("XmpCreator", "XmpTool", "AnnotAuthor", "AnnotId")]
    strings += [planted("PieceInfo1"), planted("PieceInfo2"), planted("AfterEOF"), "20190304050607"]
    strings += [s for s in jpeg_sample.planted if "AfterEOI" not in s and "App15" not in s]
    return Sample(name, "pdf", strings)


BUILDERS: dict[str, Callable[[Path], Sample]] = {
    "jpeg": make_jpeg,
    "jpeg-progressive": lambda d: make_jpeg(d, "progressive.jpg", progressive=True),
    "png": make_png,
    "pdf": make_pdf,
}


def build(folder: Path, only: list[str] | None = None) -> list[Sample]:
    folder.mkdir(parents=True, exist_ok=True)
    return [builder(folder) for key, builder in BUILDERS.items() if not only or key in only]
