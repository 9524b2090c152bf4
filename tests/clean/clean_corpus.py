"""A generated corpus of dirty files: identifying metadata planted in every field
the cleaners claim to remove. Used by the tests and by benchmarks/bench_clean.py.

Every planted value contains PLANT so that a plain byte search finds any survivor.
"""

from __future__ import annotations

import base64
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


def _exif_block(tag: str) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x013B] = planted(tag + "ExifArtist")
    exif[0x0131] = planted(tag + "ExifSoftware")
    exif[0x0132] = "2019:03:04 05:06:07"
    return exif.tobytes()


def make_gif(folder: Path, name: str = "animation.gif") -> Sample:
    frames = [_picture(seed=i).convert("P") for i in range(3)]
    path = folder / name
    frames[0].save(
        path,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        loop=0,
        duration=100,
        comment=planted("GifComment").encode(),
    )
    _exiftool(path, [f"-XMP-dc:Creator={planted('GifXmp')}"])
    data = path.read_bytes()
    # A private application extension before the trailer, then hidden bytes after it.
    app = (
        b"\x21\xff\x0bSNKPLANTAPP"
        + bytes([16])
        + planted("GifAppData").encode()[:16].ljust(16)
        + b"\0"
    )
    path.write_bytes(data[:-1] + app + b"\x3b" + planted("AfterTrailer").encode())
    strings = [planted("GifComment"), planted("GifXmp"), "SNKPLANTGifAppD", planted("AfterTrailer")]
    return Sample(name, "gif", strings)


def make_webp(folder: Path, name: str = "still.webp") -> Sample:
    path = folder / name
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><dc:creator>{planted("WebpXmp")}</dc:creator></rdf:RDF></x:xmpmeta>'
    _picture(seed=5).save(
        path,
        "WEBP",
        lossless=True,
        exif=_exif_block("Webp"),
        xmp=xmp.encode(),
        icc_profile=b"\0" * 20 + planted("WebpIcc").encode(),
    )
    path.write_bytes(path.read_bytes() + planted("AfterRiff").encode())
    strings = [planted(s) for s in ("WebpExifArtist", "WebpExifSoftware", "WebpXmp", "WebpIcc")]
    return Sample(name, "webp", strings + [planted("AfterRiff"), "2019:03:04 05:06:07"])


def make_tiff(folder: Path, name: str = "scan.tif") -> Sample:
    path = folder / name
    _picture(seed=7).save(path, "TIFF", compression="tiff_lzw")
    args, strings = _exif_args("Tiff")
    args += [f"-IPTC:By-line={planted('TiffIptc')}"]
    _exiftool(path, args)
    return Sample(name, "tiff", strings + [planted("TiffIptc")])


def icc_profile(description: str, copyright: str) -> bytes:
    """A small display ICC profile whose description and copyright are the given texts."""
    desc = description.encode() + b"\x00"
    desc_tag = b"desc" + bytes(4) + struct.pack(">I", len(desc)) + desc + bytes(4 + 4 + 3 + 67)
    cprt_tag = b"text" + bytes(4) + copyright.encode() + b"\x00"
    tags = [(b"desc", desc_tag), (b"cprt", cprt_tag)]
    table_end = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        data += bytes(-len(data) % 4)
        table += sig + struct.pack(">II", table_end + len(body), len(data))
        body += data
    size = table_end + len(body)
    header = struct.pack(">I4sI4s4s4s", size, b"lcms", 0x02100000, b"mntr", b"RGB ", b"XYZ ")
    header += struct.pack(">6H", 2019, 3, 4, 5, 6, 7) + b"acspAPPL" + bytes(4) + b"SNKPSNKP"
    header = header.ljust(128, b"\x00")
    return header + struct.pack(">I", len(tags)) + table + body


def bmp_v5(picture, profile: bytes = b"", linked: bytes = b"", gap: bytes = b"") -> bytes:
    """A 24-bit bottom-up BMP with a V5 header, an embedded or a linked colour profile."""
    width, height = picture.size
    row = (width * 3 + 3) // 4 * 4
    raw = picture.convert("RGB").tobytes("raw", "BGR", row, -1)
    offset = 14 + 124 + len(gap)
    extra = profile or linked
    cs_type = b"MBED"[::-1] if profile else b"LINK"[::-1] if linked else b"BGRs"
    header = struct.pack("<IiiHHIIiiII", 124, width, height, 1, 24, 0, len(raw), 2835, 2835, 0, 0)
    header += bytes(16) + cs_type + bytes(36 + 12) + struct.pack("<I", 4)
    header += struct.pack("<III", offset + len(raw) - 14 if extra else 0, len(extra), 0)
    total = offset + len(raw) + len(extra)
    return b"BM" + struct.pack("<IHHI", total, 0x534E, 0x4B50, offset) + header + gap + raw + extra


def make_bmp(folder: Path, name: str = "drawing.bmp") -> Sample:
    path = folder / name
    profile = icc_profile(planted("BmpIccDesc") + " Kim's display", planted("BmpIccCopy"))
    gap = planted("BmpGap").encode() + bytes(6)
    data = bmp_v5(_picture(seed=11), profile=profile, gap=gap)
    path.write_bytes(data + planted("BmpTrailer").encode())
    strings = [planted(s) for s in ("BmpIccDesc", "BmpIccCopy", "BmpGap", "BmpTrailer")]
    return Sample(name, "bmp", strings)


def svg_drawing(folder: Path) -> tuple[bytes, list[str]]:
    """An Inkscape drawing with editor data, metadata, comments and two dirty pictures."""
    parts = folder / "svg-parts"  # the embedded pictures, made beside the corpus
    parts.mkdir(parents=True, exist_ok=True)
    return _svg_drawing(parts)


def _svg_drawing(folder: Path) -> tuple[bytes, list[str]]:
    png = make_png(folder)
    jpeg = make_jpeg(folder)
    png_data = base64.b64encode((folder / png.name).read_bytes()).decode()
    jpeg_data = base64.b64encode((folder / jpeg.name).read_bytes()).decode()
    jpeg_data = "\n".join(jpeg_data[i : i + 76] for i in range(0, len(jpeg_data), 76))
    P = planted  # noqa: N806
    text = f"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) by {P("CommentAuthor")} -->
<svg
   width="64" height="48" viewBox="0 0 64 48" version="1.1" id="svg5"
   inkscape:version="1.2.2 ({P("InkVersion")}, 2022-12-01)"
   sodipodi:docname="{P("DocName")}.svg"
   inkscape:export-filename="/home/{P("ExportUser")}/map.png"
   xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
   xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
   xmlns:xlink="http://www.w3.org/1999/xlink"
   xmlns="http://www.w3.org/2000/svg"
   xmlns:sketch="http://www.bohemiancoding.com/sketch/ns"
   xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
   xmlns:cc="http://creativecommons.org/ns#"
   xmlns:dc="http://purl.org/dc/elements/1.1/">
  <title id="t1">Route map</title>
  <desc>Created with Sketch {P("SketchVersion")}.</desc>
  <desc>A river and two roads</desc>
  <?inkscape-note {P("ProcessingNote")}?>
  <sodipodi:namedview id="namedview7" pagecolor="#ffffff" inkscape:window-width="1920">
    <inkscape:grid id="grid1" originx="{P("GridOrigin")}" />
  </sodipodi:namedview>
  <metadata id="metadata1"><rdf:RDF><cc:Work rdf:about="">
    <dc:creator><cc:Agent><dc:title>{P("RdfCreator")}</dc:title></cc:Agent></dc:creator>
    <dc:date>2021-03-04</dc:date><dc:rights>{P("RdfRights")}</dc:rights>
  </cc:Work></rdf:RDF></metadata>
  <g inkscape:label="{P("LayerLabel")}" inkscape:groupmode="layer" id="layer1"
     sketch:type="MSArtboardGroup">
    <rect style="fill:#ff0000;stroke:#0000ff" width="30" height="20" x="2" y="3" />
    <circle cx="40" cy="30" r="8" fill="#00aa00"/>
    <image x="0" y="30" width="16" height="12" xlink:href="data:image/png;base64,{png_data}"/>
    <image x="20" y="30" width="16" height="12" href="data:image/jpeg;base64,{jpeg_data}"/>
    <image x="40" y="0" width="4" height="4"
      xlink:href="file:///home/{P("LinkUser")}/photo.jpg"
      sodipodi:absref="/home/{P("LinkUser")}/photo.jpg"/>
    <text x="5" y="15"><![CDATA[a < b]]> &amp; more</text>
  </g>
</svg>
<!-- {P("AfterRoot")} -->
"""
    names = ["CommentAuthor", "InkVersion", "DocName", "ExportUser", "SketchVersion",
             "ProcessingNote", "GridOrigin", "RdfCreator", "RdfRights", "LayerLabel", "LinkUser",
             "AfterRoot"]  # fmt: skip
    return text.encode(), [P(n) for n in names] + png.planted + jpeg.planted


def make_svg(folder: Path, name: str = "map.svg") -> Sample:
    data, strings = svg_drawing(folder.parent / f"{folder.name}-svg")
    (folder / name).write_bytes(data)
    return Sample(name, "svg", strings)


def make_heif(folder: Path, codec: str) -> Sample:
    from heif_samples import phone_photo

    name = "phone.heic" if codec == "hevc" else "phone.avif"
    parts = folder.parent / f"{folder.name}-heif"  # encoder outputs, not corpus files
    parts.mkdir(parents=True, exist_ok=True)
    data, strings = phone_photo(parts, codec, planted("Heif"))
    (folder / name).write_bytes(data + planted("HeifTrailer").encode())
    return Sample(name, "heif", [*strings, planted("HeifTrailer")])


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
    attached, attached_planted = _jpeg_bytes(folder, "pdf-attachment")
    pdf.attachments["photo.jpg"] = pikepdf.AttachedFileSpec(pdf, attached, mime_type="image/jpeg")
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
    return Sample(name, "pdf", strings + attached_planted)


def _zip(path: Path, members: list[tuple[str, bytes]], stored_first: bool = False) -> None:
    import zipfile

    members = _with_part_types(members)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (name, data) in enumerate(members):
            info = zipfile.ZipInfo(name, (2019, 3, 4, 5, 6, 7))
            stored = stored_first and i == 0
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def _jpeg_bytes(folder: Path, stem: str) -> tuple[bytes, list[str]]:
    sample = make_jpeg(folder, f".{stem}.jpg")
    path = folder / sample.name
    data = path.read_bytes()
    path.unlink()
    return data, [s for s in sample.planted if "AfterEOI" not in s]


CT = b"http://schemas.openxmlformats.org/package/2006/content-types"
RELS = b"http://schemas.openxmlformats.org/package/2006/relationships"
W = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOC_TEXT = ["The meeting is at the usual place.", "Bring the second reel."]


def _core_props(tag: str) -> bytes:
    p = planted
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        b' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        + f"<dc:title>{p(tag + 'Title')}</dc:title><dc:creator>{p(tag + 'Creator')}</dc:creator>"
        f"<cp:lastModifiedBy>{p(tag + 'LastModifiedBy')}</cp:lastModifiedBy>"
        f"<cp:keywords>{p(tag + 'Keywords')}</cp:keywords><cp:revision>7</cp:revision>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2019-03-04T05:06:07Z</dcterms:created>'
        "</cp:coreProperties>".encode()
    )


def _app_props(tag: str) -> bytes:
    p = planted
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        + f"<Template>C:\\Users\\{p(tag + 'User')}\\Normal.dotm</Template><TotalTime>93</TotalTime>"
        f"<Application>{p(tag + 'Application')}</Application><Company>{p(tag + 'Company')}</Company>"
        f"<Manager>{p(tag + 'Manager')}</Manager><AppVersion>16.0000</AppVersion></Properties>".encode()
    )


def _custom_props(tag: str) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
        b' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Owner">'
        + f"<vt:lpwstr>{planted(tag + 'CustomOwner')}</vt:lpwstr></property></Properties>".encode()
    )


def _props_planted(tag: str) -> list[str]:
    names = ["Title", "Creator", "LastModifiedBy", "Keywords", "User", "Application", "Company"]
    return [planted(tag + n) for n in names + ["Manager", "CustomOwner"]]


OOXML = "application/vnd.openxmlformats-officedocument."
PART_TYPES = {
    "word/comments.xml": OOXML + "wordprocessingml.comments+xml",
    "word/settings.xml": OOXML + "wordprocessingml.settings+xml",
    "word/people.xml": OOXML + "wordprocessingml.people+xml",
    "xl/comments1.xml": OOXML + "spreadsheetml.comments+xml",
    "xl/persons/person.xml": "application/vnd.ms-excel.person+xml",
    "ppt/commentAuthors.xml": OOXML + "presentationml.commentAuthors+xml",
    "ppt/comments/comment1.xml": OOXML + "presentationml.comments+xml",
    "word/commentsExtended.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml",
    "word/commentsIds.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsIds+xml",
}


def _with_part_types(members: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Declare each member's content type, as Office does."""
    overrides = "".join(
        f'<Override PartName="/{name}" ContentType="{PART_TYPES[name]}"/>'
        for name, _ in members
        if name in PART_TYPES
    ).encode()
    return [
        (
            name,
            data.replace(b"</Types>", overrides + b"</Types>")
            if name == "[Content_Types].xml"
            else data,
        )
        for name, data in members
    ]


def _content_types(main: bytes, main_type: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="' + CT + b'">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Default Extension="jpeg" ContentType="image/jpeg"/>'
        b'<Override PartName="/' + main + b'" ContentType="' + main_type + b'"/>'
        b'<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        b'<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        b'<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
        b"</Types>"
    )


def _package_rels(main: bytes) -> bytes:
    base = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="'
        + RELS
        + b'">'
        b'<Relationship Id="rId1" Type="' + base + b'/officeDocument" Target="' + main + b'"/>'
        b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        b'<Relationship Id="rId3" Type="'
        + base
        + b'/extended-properties" Target="docProps/app.xml"/>'
        b'<Relationship Id="rId4" Type="'
        + base
        + b'/custom-properties" Target="docProps/custom.xml"/>'
        b"</Relationships>"
    )


def _office_package(tag: str, main: bytes, main_type: bytes) -> list[tuple[str, bytes]]:
    """The members every Office document has: types, relationships, properties."""
    return [
        ("[Content_Types].xml", _content_types(main, main_type)),
        ("_rels/.rels", _package_rels(main)),
        ("docProps/core.xml", _core_props(tag)),
        ("docProps/app.xml", _app_props(tag)),
        ("docProps/custom.xml", _custom_props(tag)),
    ]


def _sharepoint_properties() -> bytes:
    p = planted
    return (
        '<?xml version="1.0"?><p:properties xmlns:p="http://schemas.microsoft.com/office/2006/metadata/properties">'
        "<documentManagement><SharedWithUsers><UserInfo>"
        f"<DisplayName>{p('SharePointUser')}</DisplayName><AccountId>{p('SharePointAccount')}</AccountId>"
        "</UserInfo></SharedWithUsers>"
        f"<_dlc_DocIdUrl><Url>https://{p('SharePointSite')}.example/doc</Url></_dlc_DocIdUrl>"
        "</documentManagement></p:properties>"
    ).encode()


def _label_info() -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8" standalone="yes"?>'
        '<clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata">'
        f'<clbl:label id="{{1}}" enabled="1" method="Standard" siteId="{{{planted("TenantId")}}}"'
        ' removed="0"/></clbl:labelList>'
    ).encode()


def make_docx(folder: Path, name: str = "letter.docx") -> Sample:
    p = planted
    image, image_planted = _jpeg_bytes(folder, "docx-image")
    paragraphs = "".join(
        f'<w:p w:rsidR="00A1{i}B2C" w:rsidRDefault="00D4E5F6"><w:r w:rsidRPr="0012AB34"><w:t>{t}</w:t></w:r></w:p>'
        for i, t in enumerate(DOC_TEXT)
    )
    tracked = (
        f'<w:p><w:ins w:id="1" w:author="{p("DocxInsAuthor")}" w:date="2019-03-04T05:06:07Z">'
        "<w:r><w:t>Inserted words.</w:t></w:r></w:ins></w:p>"
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W.decode()}">'
        f'<w:body>{paragraphs}{tracked}<w:sectPr w:rsidR="00A1B2C3"/></w:body></w:document>'
    ).encode()
    comments = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="{W.decode()}">'
        f'<w:comment w:id="0" w:author="{p("DocxCommentAuthor")}" w:initials="{p("DocxInitials")}"'
        ' w:date="2019-03-04T05:06:07Z"><w:p><w:r><w:t>'
        f"{p('DocxCommentText')}</w:t></w:r></w:p></w:comment></w:comments>"
    ).encode()
    settings = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:settings xmlns:w="{W.decode()}">'
        '<w:rsids><w:rsidRoot w:val="00A1B2C3"/><w:rsid w:val="00D4E5F6"/></w:rsids>'
        '<w15:docId xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"'
        f' w15:val="{{{p("DocxDocId")}}}"/></w:settings>'
    ).encode()
    people = (
        '<?xml version="1.0" encoding="UTF-8"?><w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
        f'<w15:person w15:author="{p("DocxPerson")}"><w15:presenceInfo w15:providerId="AD"'
        f' w15:userId="{p("DocxUserId")}"/></w15:person></w15:people>'
    ).encode()
    doc_rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="' + RELS + b'">'
        b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"'
        + f' Target="file:///C:/Users/{p("DocxLinkUser")}/secret.doc" TargetMode="External"/>'.encode()
        + b'<Relationship Id="rId10" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"'
        b' Target="media/image1.jpeg"/></Relationships>'
    )
    members = [
        *_office_package(
            "Docx",
            b"word/document.xml",
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        ),
        ("word/document.xml", document),
        ("word/comments.xml", comments),
        ("word/settings.xml", settings),
        ("word/people.xml", people),
        ("word/_rels/document.xml.rels", doc_rels),
        ("word/media/image1.jpeg", image),
        ("docMetadata/LabelInfo.xml", _label_info()),
        ("customXml/item1.xml", _sharepoint_properties()),
    ]
    path = folder / name
    _zip(path, members)
    strings = _props_planted("Docx") + [
        p(s) for s in ("DocxInsAuthor", "DocxCommentAuthor", "DocxInitials", "DocxCommentText")
    ]
    strings += [
        p("DocxPerson"),
        p("DocxUserId"),
        p("DocxLinkUser"),
        "00A1B2C3",
        "00D4E5F6",
        "0012AB34",
    ]
    strings += [p("SharePointUser"), p("SharePointAccount"), p("SharePointSite")]
    strings += [p("DocxDocId"), p("TenantId"), "2019-03-04T05:06:07Z"] + image_planted
    return Sample(name, "office", strings)


W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
# What a reader of the reviewed document sees, paragraph by paragraph.
REVIEWED_TEXT = [
    "The meeting is at the usual place.",
    "Bring the second reel. Inserted words.",
    "Moved here.",
    "Bold now. Shown.",
    "Kept cell.",
    "",
]


def make_reviewed_docx(folder: Path, name: str = "reviewed.docx") -> Sample:
    """A document under review: comments, deletions, moves, old formatting, a deleted row.

    Also what a reader never sees: a hidden run, a document variable, custom XML
    data and a thumbnail.
    """
    p = planted
    thumbnail, thumbnail_planted = _jpeg_bytes(folder, "docx-thumbnail")
    w = W.decode()
    who = f'w:author="{p("ReviewAuthor")}" w:date="2019-03-04T05:06:07Z"'
    body = (
        '<w:p><w:commentRangeStart w:id="0"/><w:r><w:t>The meeting is at the usual place.</w:t></w:r>'
        '<w:commentRangeEnd w:id="0"/><w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr>'
        '<w:commentReference w:id="0"/></w:r></w:p>'
        '<w:p><w:r><w:t xml:space="preserve">Bring the </w:t></w:r>'
        f'<w:del w:id="1" {who}><w:r><w:delText xml:space="preserve">{p("DeletedWords")} </w:delText></w:r></w:del>'
        "<w:r><w:t>second reel.</w:t></w:r>"
        f'<w:ins w:id="2" {who}><w:r><w:t xml:space="preserve"> Inserted words.</w:t></w:r></w:ins></w:p>'
        f'<w:p><w:moveFromRangeStart w:id="3" {who} w:name="move1"/>'
        f'<w:moveFrom w:id="4" {who}><w:r><w:t>{p("MovedAway")}</w:t></w:r></w:moveFrom>'
        '<w:moveFromRangeEnd w:id="3"/>'
        f'<w:moveToRangeStart w:id="5" {who} w:name="move1"/>'
        f'<w:moveTo w:id="6" {who}><w:r><w:t>Moved here.</w:t></w:r></w:moveTo>'
        '<w:moveToRangeEnd w:id="5"/></w:p>'
        f'<w:p><w:pPr><w:pPrChange w:id="7" {who}><w:pPr><w:jc w:val="center"/></w:pPr></w:pPrChange></w:pPr>'
        f'<w:r><w:rPr><w:b/><w:rPrChange w:id="8" {who}><w:rPr><w:rFonts w:ascii="{p("OldFont")}"/>'
        "</w:rPr></w:rPrChange></w:rPr><w:t>Bold now.</w:t></w:r>"
        f"<w:r><w:rPr><w:vanish/></w:rPr><w:t>{p('HiddenText')}</w:t></w:r>"
        '<w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t xml:space="preserve"> Shown.</w:t></w:r></w:p>'
        "<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid>"
        f'<w:tr><w:trPr><w:del w:id="9" {who}/></w:trPr><w:tc><w:p><w:r><w:delText>{p("DeletedRow")}'
        "</w:delText></w:r></w:p></w:tc></w:tr>"
        "<w:tr><w:tc><w:p><w:r><w:t>Kept cell.</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        f'<w:p><w:pPr><w:rPr><w:del w:id="10" {who}/></w:rPr></w:pPr>'
        f'<w:del w:id="11" {who}><w:r><w:delText>{p("DeletedParagraph")}</w:delText></w:r></w:del></w:p>'
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{w}">'
        f"<w:body>{body}<w:sectPr/></w:body></w:document>"
    ).encode()
    comments = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="{w}">'
        f'<w:comment w:id="0" {who} w:initials="RA"><w:p><w:r><w:annotationRef/></w:r>'
        f"<w:r><w:t>{p('AskMrPark')} about the Dandong route</w:t></w:r></w:p></w:comment></w:comments>"
    ).encode()
    comments_ex = (
        f'<?xml version="1.0" encoding="UTF-8"?><w15:commentsEx xmlns:w15="{W15}">'
        f'<w15:commentEx w15:paraId="{p("ParaId")[:8]}" w15:done="0"/></w15:commentsEx>'
    ).encode()
    comments_ids = (
        '<?xml version="1.0" encoding="UTF-8"?><w16cid:commentsIds'
        ' xmlns:w16cid="http://schemas.microsoft.com/office/word/2016/wordml/cid">'
        f'<w16cid:commentId w16cid:paraId="0A0B0C0D" w16cid:durableId="{p("DurableId")}"/>'
        "</w16cid:commentsIds>"
    ).encode()
    people = (
        f'<?xml version="1.0" encoding="UTF-8"?><w15:people xmlns:w15="{W15}">'
        f'<w15:person w15:author="{p("Reviewer")}"/></w15:people>'
    ).encode()
    base = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{kind}" Target="{target}"/>'
        for i, (kind, target) in enumerate(
            [
                (f"{base}/comments", "comments.xml"),
                (
                    "http://schemas.microsoft.com/office/2011/relationships/commentsExtended",
                    "commentsExtended.xml",
                ),
                (
                    "http://schemas.microsoft.com/office/2016/09/relationships/commentsIds",
                    "/word/commentsIds.xml",
                ),
                ("http://schemas.microsoft.com/office/2011/relationships/people", "people.xml"),
                (f"{base}/settings", "settings.xml"),
                (f"{base}/customXml", "../customXml/item1.xml"),
            ],
            1,
        )
    )
    doc_rels = f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS.decode()}">{rels}</Relationships>'
    settings = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:settings xmlns:w="{w}"><w:trackRevisions/>'
        f'<w:docVars><w:docVar w:name="Owner" w:val="{p("DocVariable")}"/></w:docVars></w:settings>'
    )
    members = [
        *_office_package(
            "Review",
            b"word/document.xml",
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        ),
        ("word/document.xml", document),
        ("word/comments.xml", comments),
        ("word/commentsExtended.xml", comments_ex),
        ("word/commentsIds.xml", comments_ids),
        ("word/people.xml", people),
        ("word/settings.xml", settings.encode()),
        ("word/_rels/document.xml.rels", doc_rels.encode()),
        ("customXml/item1.xml", f"<form><owner>{p('CustomXmlData')}</owner></form>".encode()),
        ("docProps/thumbnail.jpeg", thumbnail),
    ]
    members[1] = (
        "_rels/.rels",
        members[1][1].replace(
            b"</Relationships>",
            b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/package/2006/'
            b'relationships/metadata/thumbnail" Target="docProps/thumbnail.jpeg"/></Relationships>',
        ),
    )
    _zip(folder / name, members)
    strings = _props_planted("Review") + [p("HiddenText"), p("DocVariable"), p("CustomXmlData")]
    strings += [s for s in thumbnail_planted if "AfterEOI" not in s]
    strings += [p(s) for s in ("ReviewAuthor", "DeletedWords", "MovedAway", "OldFont")]
    strings += [p(s) for s in ("DeletedRow", "DeletedParagraph", "AskMrPark", "DurableId")]
    strings += [p("ParaId")[:8], p("Reviewer"), "Dandong"]
    return Sample(name, "office", strings)


def make_xlsx(folder: Path, name: str = "budget.xlsx") -> Sample:
    p = planted
    workbook = (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        ' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
        ' xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"'
        ' xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision">'
        '<mc:AlternateContent><mc:Choice Requires="x15">'
        f'<x15ac:absPath url="C:\\Users\\{p("XlsxPathUser")}\\Documents\\"/></mc:Choice></mc:AlternateContent>'
        f'<xr:revisionPtr revIDLastSave="0" documentId="8_{{{p("XlsxDocumentId")}}}"/>'
        '<sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>'
    ).encode()
    comments = (
        '<?xml version="1.0" encoding="UTF-8"?><comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<authors><author>{p('XlsxCommentAuthor')}</author></authors><commentList>"
        f'<comment ref="A1" authorId="0"><text><r><t>{p("XlsxCommentText")}</t></r></text></comment>'
        "</commentList></comments>"
    ).encode()
    person = (
        '<?xml version="1.0" encoding="UTF-8"?><personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
        f'<person displayName="{p("XlsxPerson")}" id="{{1}}" userId="{p("XlsxUserId")}" providerId="AD"/></personList>'
    ).encode()
    members = [
        *_office_package(
            "Xlsx",
            b"xl/workbook.xml",
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        ),
        ("xl/workbook.xml", workbook),
        ("xl/comments1.xml", comments),
        ("xl/persons/person.xml", person),
    ]
    _zip(folder / name, members)
    strings = _props_planted("Xlsx") + [p(s) for s in ("XlsxPathUser", "XlsxDocumentId")]
    strings += [p("XlsxCommentAuthor"), p("XlsxPerson"), p("XlsxUserId"), p("XlsxCommentText")]
    return Sample(name, "office", strings)


def make_pptx(folder: Path, name: str = "slides.pptx") -> Sample:
    p = planted
    authors = (
        '<?xml version="1.0" encoding="UTF-8"?><p:cmAuthorLst xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
        f'<p:cmAuthor id="1" name="{p("PptxAuthor")}" initials="{p("PptxInitials")}" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>'
    ).encode()
    comment = (
        b'<?xml version="1.0" encoding="UTF-8"?><p:cmLst xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
        b'<p:cm authorId="1" dt="2019-03-04T05:06:07.000" idx="1"><p:pos x="10" y="10"/><p:text>'
        + planted("PptxCommentText").encode()
        + b"</p:text></p:cm></p:cmLst>"
    )
    revision_info = (
        '<?xml version="1.0"?><p1510:revInfo'
        ' xmlns:p1510="http://schemas.microsoft.com/office/powerpoint/2015/10/main"><p1510:revLst>'
        f'<p1510:client id="{{{p("PptxClientId")}}}" v="2254" dt="2019-03-04T05:06:07.000"/>'
        "</p1510:revLst></p1510:revInfo>"
    ).encode()
    members = [
        *_office_package(
            "Pptx",
            b"ppt/presentation.xml",
            b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        ),
        (
            "ppt/presentation.xml",
            b'<?xml version="1.0"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>',
        ),
        ("ppt/commentAuthors.xml", authors),
        ("ppt/comments/comment1.xml", comment),
        ("ppt/revisionInfo.xml", revision_info),
    ]
    _zip(folder / name, members)
    strings = _props_planted("Pptx") + [p("PptxAuthor"), p("PptxInitials"), "2019-03-04T05:06:07"]
    strings += [p("PptxClientId"), p("PptxCommentText")]
    return Sample(name, "office", strings)


def make_odt(folder: Path, name: str = "minutes.odt") -> Sample:
    p = planted
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:officeooo="http://openoffice.org/2009/office"'
        ' xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
        ' xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0"'
    )
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ns} office:version="1.3"><office:meta>'
        f"<meta:generator>{p('OdtGenerator')}</meta:generator><meta:initial-creator>{p('OdtInitialCreator')}</meta:initial-creator>"
        f"<dc:creator>{p('OdtCreator')}</dc:creator><meta:creation-date>2019-03-04T05:06:07</meta:creation-date>"
        f'<meta:template xlink:href="file:///home/{p("OdtTemplateUser")}/t.ott"/>'
        f'<meta:user-defined meta:name="Owner">{p("OdtUserField")}</meta:user-defined>'
        "<meta:editing-cycles>12</meta:editing-cycles></office:meta></office:document-meta>"
    ).encode()
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.3">'
        '<office:automatic-styles><style:style style:name="P1" style:family="paragraph">'
        '<style:text-properties officeooo:rsid="0012ab34" officeooo:paragraph-rsid="0056cd78"/></style:style>'
        "</office:automatic-styles><office:body><office:text>"
        '<text:tracked-changes><text:changed-region text:id="ct1"><text:insertion><office:change-info>'
        f"<dc:creator>{p('OdtChangeAuthor')}</dc:creator><dc:date>2019-03-04T05:06:07</dc:date>"
        "</office:change-info></text:insertion></text:changed-region>"
        '<text:changed-region text:id="ct2"><text:deletion><office:change-info>'
        "<dc:date>2019-03-04T05:06:07</dc:date></office:change-info>"
        f"<text:p>{p('OdtDeletedText')}</text:p></text:deletion></text:changed-region></text:tracked-changes>"
        f'<text:p text:style-name="P1">{DOC_TEXT[0]}<text:change text:change-id="ct2"/>'
        '<text:change-start text:change-id="ct1"/><text:change-end text:change-id="ct1"/><office:annotation><dc:creator>{p("OdtCommentAuthor")}</dc:creator>'
        "<dc:date>2019-03-04T05:06:07</dc:date><meta:creator-initials>"
        f"{p('OdtInitials')}</meta:creator-initials><text:p>{p('OdtCommentText')}</text:p></office:annotation></text:p>"
        f"<text:p>{DOC_TEXT[1]}</text:p></office:text></office:body></office:document-content>"
    ).encode()
    settings = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-settings {ns}><office:settings>'
        '<config:config-item-set config:name="ooo:configuration-settings">'
        f'<config:config-item config:name="PrinterName" config:type="string">{p("OdtPrinter")}</config:config-item>'
        f'<config:config-item config:name="PrinterSetup" config:type="base64Binary">{p("OdtPrinterSetup")}</config:config-item>'
        '<config:config-item config:name="Rsid" config:type="int">1234567</config:config-item>'
        "</config:config-item-set></office:settings></office:document-settings>"
    ).encode()
    thumb_sample = make_png(folder, ".odt-thumb.png")
    thumb = (folder / thumb_sample.name).read_bytes().split(PLANT + b"AfterIEND")[0]
    (folder / thumb_sample.name).unlink()
    manifest = (
        b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        b'<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        b'<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        b'<manifest:file-entry manifest:full-path="settings.xml" manifest:media-type="text/xml"/>'
        b'<manifest:file-entry manifest:full-path="Thumbnails/thumbnail.png" manifest:media-type="image/png"/>'
        b"</manifest:manifest>"
    )
    members = [
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("meta.xml", meta),
        ("content.xml", content),
        ("settings.xml", settings),
        ("Thumbnails/thumbnail.png", thumb),
        ("META-INF/manifest.xml", manifest),
    ]
    _zip(folder / name, members, stored_first=True)
    strings = [p(s) for s in ("OdtGenerator", "OdtInitialCreator", "OdtCreator", "OdtTemplateUser")]
    strings += [
        p(s) for s in ("OdtUserField", "OdtChangeAuthor", "OdtCommentAuthor", "OdtInitials")
    ]
    strings += [p("OdtDeletedText"), p("OdtCommentText")]
    strings += [
        p("OdtPrinter"),
        p("OdtPrinterSetup"),
        "0012ab34",
        "0056cd78",
        "1234567",
        "2019-03-04T05:06:07",
    ]
    strings += [s for s in thumb_sample.planted if "AfterIEND" not in s]
    return Sample(name, "odf", strings)


def make_epub(folder: Path, name: str = "novel.epub") -> Sample:
    p = planted
    cover, cover_planted = _jpeg_bytes(folder, "epub-cover")
    container = (
        b'<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
        b'<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        b"</rootfiles></container>"
    )
    opf = (
        '<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">'
        f'<dc:identifier id="uid">urn:isbn:{p("EpubIdentifier")}</dc:identifier><dc:title>A Novel</dc:title>'
        "<dc:language>ko</dc:language>"
        f'<dc:creator id="creator" opf:file-as="{p("EpubFileAs")}">{p("EpubCreator")}</dc:creator>'
        f'<meta refines="#creator" property="role" scheme="marc:relators">{p("EpubRole")}</meta>'
        f"<dc:contributor>{p('EpubContributor')}</dc:contributor><dc:publisher>{p('EpubPublisher')}</dc:publisher>"
        f"<dc:date>2019-03-04</dc:date><dc:source>{p('EpubSource')}</dc:source>"
        f'<meta name="calibre:timestamp" content="{p("EpubCalibre")}"/>'
        '<meta property="dcterms:modified">2019-03-04T05:06:07Z</meta>'
        '<meta name="cover" content="cover-image"/></metadata>'
        '<manifest><item id="ch1" href="ch1.xhtml" media-type="application/xhtml+xml"/>'
        '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>'
        '<item id="cover-image" href="cover.jpg" media-type="image/jpeg"/></manifest>'
        '<spine toc="ncx"><itemref idref="ch1"/></spine></package>'
    ).encode()
    ncx = (
        '<?xml version="1.0" encoding="UTF-8"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><head>'
        f'<meta name="dtb:uid" content="urn:isbn:{p("EpubIdentifier")}"/>'
        f'<meta name="dtb:generator" content="{p("EpubGenerator")}"/></head>'
        f"<docTitle><text>A Novel</text></docTitle><docAuthor><text>{p('EpubNcxAuthor')}</text></docAuthor>"
        '<navMap><navPoint id="n1" playOrder="1"><navLabel><text>One</text></navLabel>'
        '<content src="ch1.xhtml"/></navPoint></navMap></ncx>'
    ).encode()
    chapter = (
        '<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>One</title>'
        f'<meta name="generator" content="{p("EpubPageGenerator")}"/></head>'
        f"<body><p>{DOC_TEXT[0]}</p><p>{DOC_TEXT[1]}</p></body></html>"
    ).encode()
    members = [
        ("mimetype", b"application/epub+zip"),
        ("META-INF/container.xml", container),
        ("OEBPS/content.opf", opf),
        ("OEBPS/toc.ncx", ncx),
        ("OEBPS/ch1.xhtml", chapter),
        ("OEBPS/cover.jpg", cover),
    ]
    _zip(folder / name, members, stored_first=True)
    strings = [
        p(s) for s in ("EpubIdentifier", "EpubFileAs", "EpubCreator", "EpubRole", "EpubContributor")
    ]
    strings += [
        p(s)
        for s in ("EpubPublisher", "EpubSource", "EpubCalibre", "EpubGenerator", "EpubNcxAuthor")
    ]
    strings += [p("EpubPageGenerator"), "2019-03-04"] + cover_planted
    return Sample(name, "epub", strings)


def make_html(folder: Path, name: str = "page.html") -> Sample:
    p = planted
    page = (
        f"<!-- saved from url=(0042)http://{p('HtmlSavedFrom')}.example/page -->\n"
        "<!DOCTYPE html>\n<html><head><title>News</title>\n"
        f'<meta name="author" content="{p("HtmlAuthor")}">\n'
        f"<META NAME=Generator CONTENT='{p('HtmlGenerator')}'>\n"
        '<meta charset="utf-8">\n'
        f"</head><body><p>{DOC_TEXT[0]}</p></body></html>\n"
    )
    (folder / name).write_text(page, encoding="utf-8")
    return Sample(name, "html", [p("HtmlSavedFrom"), p("HtmlAuthor"), p("HtmlGenerator")])


def make_ass(folder: Path, name: str = "film.ass") -> Sample:
    p = planted
    script = (
        "\ufeff[Script Info]\n"
        f"; Script generated by {p('AssTool')} 3.2.2\n"
        f"; http://www.{p('AssSite')}.org/\n"
        f"Title: {p('AssTitle')}\n"
        f"Original Script: {p('AssOriginalScript')}\n"
        f"Original Translation: {p('AssTranslator')}\n"
        f"Original Timing: {p('AssTimer')}\n"
        f"Script Updated By: {p('AssUpdater')}\n"
        "ScriptType: v4.00+\nPlayResX: 1280\nPlayResY: 720\nWrapStyle: 0\n"
        "ScaledBorderAndShadow: yes\nYCbCr Matrix: TV.709\n\n"
        "[Aegisub Project Garbage]\n"
        f"Audio File: C:\\Users\\{p('AssPathUser')}\\film.mkv\n"
        f"Video File: C:\\Users\\{p('AssPathUser')}\\film.mkv\n\n"
        "[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        "Style: Default,Arial,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,2,2,10,10,10,1\n\n"
        "[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,,안녕하세요, 친구\n"
        f"Comment: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,,{p('AssTranslatorNote')}\n"
        "Dialogue: 0,0:00:04.00,0:00:06.00,Default,,0,0,0,,{\\i1}Second line{\\i0}\n"
    )
    (folder / name).write_text(script, encoding="utf-8")
    keys = ["AssTool", "AssSite", "AssTitle", "AssOriginalScript", "AssTranslator", "AssTimer"]
    strings = [p(k) for k in keys + ["AssUpdater", "AssPathUser", "AssTranslatorNote"]]
    return Sample(name, "ass", strings)


BUILDERS: dict[str, Callable[[Path], Sample]] = {
    "jpeg": make_jpeg,
    "jpeg-progressive": lambda d: make_jpeg(d, "progressive.jpg", progressive=True),
    "png": make_png,
    "gif": make_gif,
    "webp": make_webp,
    "tiff": make_tiff,
    "bmp": make_bmp,
    "svg": make_svg,
    "heic": lambda d: make_heif(d, "hevc"),
    "avif": lambda d: make_heif(d, "av1"),
    "pdf": make_pdf,
    "ass": make_ass,
    "html": make_html,
    "docx": make_docx,
    "docx-review": make_reviewed_docx,
    "xlsx": make_xlsx,
    "pptx": make_pptx,
    "odt": make_odt,
    "epub": make_epub,
    "doc": lambda d: _docs().make_office97(d, "doc"),
    "xls": lambda d: _docs().make_office97(d, "xls"),
    "ppt": lambda d: _docs().make_office97(d, "ppt"),
    "hwp": lambda d: _docs().make_hwp(d),
    "hwpx": lambda d: _docs().make_hwpx(d),
}


def _docs():
    """Office 97-2003 (made by LibreOffice) and Hangul samples, in their own module."""
    import docs_corpus

    return docs_corpus


def build(folder: Path, only: list[str] | None = None) -> list[Sample]:
    folder.mkdir(parents=True, exist_ok=True)
    return [builder(folder) for key, builder in BUILDERS.items() if not only or key in only]
