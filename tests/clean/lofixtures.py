"""Office 97-2003 files made by LibreOffice from flat OpenDocument with planted values."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import require_tool

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.2"'
)
# Planted in the document properties: none of them may survive cleaning.
PLANTED = {
    "title": "PlantTitleQ",
    "subject": "PlantSubjectQ",
    "creator": "PlantCreatorQ",
    "author": "PlantLastAuthorQ",
    "keyword": "PlantKeywordQ",
    "description": "PlantCommentsQ",
    "user name": "PlantUserNameQ",
    "user value": "PlantUserValueQ",
    "comment author": "PlantReviewerQ",
    "comment": "PlantCommentTextQ",
    "deleted": "PlantDeletedTextQ",
    "hidden": "PlantHiddenTextQ",
}
VISIBLE = "Visible words stay here."
META = (
    "<office:meta><dc:title>PlantTitleQ</dc:title><dc:subject>PlantSubjectQ</dc:subject>"
    "<meta:initial-creator>PlantCreatorQ</meta:initial-creator>"
    "<dc:creator>PlantLastAuthorQ</dc:creator><meta:keyword>PlantKeywordQ</meta:keyword>"
    "<dc:description>PlantCommentsQ</dc:description>"
    "<meta:creation-date>2019-03-04T05:06:07</meta:creation-date>"
    "<dc:date>2020-03-04T05:06:07</dc:date><meta:editing-cycles>17</meta:editing-cycles>"
    "<meta:editing-duration>PT5H3M</meta:editing-duration>"
    '<meta:user-defined meta:name="PlantUserNameQ">PlantUserValueQ</meta:user-defined>'
    "</office:meta>"
)
COMMENT = (
    "<office:annotation><dc:creator>PlantReviewerQ</dc:creator>"
    "<dc:date>2021-01-02T03:04:05</dc:date><text:p>PlantCommentTextQ</text:p>"
    "</office:annotation>"
)
TRACKED = (
    '<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion>'
    "<office:change-info><dc:creator>PlantReviewerQ</dc:creator>"
    "<dc:date>2021-01-02T03:04:05</dc:date></office:change-info>"
    "<text:p>PlantDeletedTextQ</text:p></text:deletion></text:changed-region>"
    "</text:tracked-changes>"
)


HIDDEN_STYLE = (
    '<office:automatic-styles><style:style style:name="T1" style:family="text">'
    '<style:text-properties text:display="none"/></style:style></office:automatic-styles>'
)


def _flat(kind: str, body: str) -> str:
    mime = f"application/vnd.oasis.opendocument.{kind}"
    styles = HIDDEN_STYLE if kind == "text" else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {NS} '
        f'office:mimetype="{mime}">{META}{styles}<office:body>{body}</office:body>'
        "</office:document>"
    )


def text_body(comment: bool = False, tracked: bool = False, hidden: bool = False) -> str:
    changes = TRACKED if tracked else ""
    mark = '<text:change text:change-id="ct1"/>' if tracked else ""
    note = COMMENT if comment else ""
    secret = '<text:span text:style-name="T1">PlantHiddenTextQ</text:span>' if hidden else ""
    return f"<office:text>{changes}<text:p>{note}{VISIBLE}{secret}{mark}</text:p></office:text>"


def sheet_body(comment: bool = False) -> str:
    note = COMMENT if comment else ""
    return (
        '<office:spreadsheet><table:table table:name="Sheet1"><table:table-row>'
        f'<table:table-cell office:value-type="string">{note}<text:p>{VISIBLE}</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet>"
    )


def slides_body(comment: bool = False, notes: str = "") -> str:
    note = COMMENT if comment else ""
    speaker = (
        f"<presentation:notes><draw:frame><draw:text-box><text:p>{notes}</text:p>"
        "</draw:text-box></draw:frame></presentation:notes>"
        if notes
        else ""
    )
    return (
        '<office:presentation><draw:page draw:name="p1">'
        '<draw:frame svg:x="1cm" svg:y="1cm" svg:width="20cm" svg:height="3cm">'
        f"<draw:text-box><text:p>{VISIBLE}</text:p></draw:text-box></draw:frame>"
        f"{note}{speaker}</draw:page></office:presentation>"
    )


KINDS = {"doc": ("text", "fodt"), "xls": ("spreadsheet", "fods"), "ppt": ("presentation", "fodp")}
KINDS |= {"docx": KINDS["doc"], "odt": KINDS["doc"], "pptx": KINDS["ppt"], "odp": KINDS["ppt"]}


def convert(src: Path, fmt: str, outdir: Path) -> Path:
    """LibreOffice headless: src converted to `fmt` in outdir."""
    exe = require_tool("soffice")
    profile = outdir / ".lo-profile"
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(src),
        ],
        capture_output=True,
        check=True,
        timeout=180,
    )
    out = outdir / (src.stem + "." + fmt.split(":")[0])
    assert out.exists(), f"LibreOffice did not write {out.name}"
    return out


def make(ext: str, folder: Path, name: str = "planted", **body) -> Path:
    """A .doc/.xls/.ppt (or .odt...) with every planted property and the given extras."""
    kind, flat = KINDS[ext]
    maker = {"text": text_body, "spreadsheet": sheet_body, "presentation": slides_body}[kind]
    src = folder / f"{name}.{flat}"
    src.write_text(_flat(kind, maker(**body)), encoding="utf-8")
    return convert(src, ext, folder)


def pictures() -> tuple[bytes, bytes]:
    """A JPEG with camera EXIF and a PNG with an author text chunk, both small."""
    import io

    from PIL import Image, PngImagePlugin

    picture = Image.new("RGB", (32, 24), (200, 30, 40))
    exif = Image.Exif()
    exif[0x010F] = "PlantCameraMakeQ"
    exif[0x0131] = "PlantSoftwareQ"
    jpeg = io.BytesIO()
    picture.save(jpeg, "JPEG", exif=exif.tobytes())
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "PlantPngAuthorQ")
    png = io.BytesIO()
    picture.save(png, "PNG", pnginfo=info)
    return jpeg.getvalue(), png.getvalue()


def _frame(data: bytes) -> str:
    import base64

    return (
        '<draw:frame svg:x="1cm" svg:y="5cm" svg:width="3cm" svg:height="2cm"><draw:image>'
        f"<office:binary-data>{base64.b64encode(data).decode()}</office:binary-data>"
        "</draw:image></draw:frame>"
    )


def with_pictures(ext: str, folder: Path) -> Path:
    """A .doc, .xls or .ppt showing both pictures."""
    kind, flat = KINDS[ext]
    frames = "".join(_frame(p) for p in pictures())
    if kind == "text":
        body = f"<office:text><text:p>{VISIBLE}{frames}</text:p></office:text>"
    elif kind == "spreadsheet":
        table = '<table:table table:name="Sheet1">'
        body = sheet_body().replace(table, f"{table}<table:shapes>{frames}</table:shapes>")
    else:
        body = slides_body().replace("</draw:page>", frames + "</draw:page>")
    src = folder / f"pictures-{ext}.{flat}"
    src.write_text(_flat(kind, body), encoding="utf-8")
    return convert(src, ext, folder)
