"""Corpus samples of the document formats cleaned in place: Office 97-2003, HWP 5, HWPX.

Every planted value carries clean_corpus.PLANT, as in the rest of the corpus.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import lofixtures
from cfbwrite import build, filetime, hwp_records, lpstr, property_set
from clean_corpus import PLANT, Sample

from sneakernet.clean.formats.propset import FMTID_DOC_SUMMARY, FMTID_HWP

TAG = PLANT.decode() + "Lo"
META_KEYS = ("title", "subject", "creator", "author", "keyword", "description")
META_KEYS += ("user name", "user value")


def make_office97(folder: Path, ext: str) -> Sample:
    """A LibreOffice .doc/.xls/.ppt with every document property planted."""
    kind, flat = lofixtures.KINDS[ext]
    maker = {
        "text": lofixtures.text_body,
        "spreadsheet": lofixtures.sheet_body,
        "presentation": lofixtures.slides_body,
    }[kind]
    with tempfile.TemporaryDirectory(prefix="sneakernet-lo-") as tmp:
        work = Path(tmp)  # LibreOffice's profile and the flat source stay out of the corpus
        src = work / f"office97-{ext}.{flat}"
        src.write_text(lofixtures._flat(kind, maker()).replace("Plant", TAG), encoding="utf-8")
        made = lofixtures.convert(src, ext, work)
        target = folder / made.name
        shutil.copyfile(made, target)
    planted = [lofixtures.PLANTED[k].replace("Plant", TAG) for k in META_KEYS]
    return Sample(target.name, "ole2", planted)


def make_hwp(folder: Path) -> Sample:
    """An HWP 5 compound file: summary properties, previews, storage times."""
    values = {k: f"{TAG}Hwp{k}" for k in ("Title", "Author", "Editor", "Preview", "Company")}
    summary = property_set(
        FMTID_HWP,
        {
            2: lpstr(values["Title"]),
            4: lpstr(values["Author"]),
            8: lpstr(values["Editor"]),
            12: filetime(132277719670000000),
        },
    )
    header = b"HWP Document File" + bytes(15) + b"\x00\x03\x00\x05\x01\x00\x00\x00"
    tree = {
        "FileHeader": header + bytes(256 - len(header)),
        "DocInfo": hwp_records([(0x10, bytes(26))]),
        "BodyText": {"Section0": hwp_records([(0x43, "본문 본문 본문".encode("utf-16-le"))])},
        "\x05HwpSummaryInformation": summary,
        "\x05DocumentSummaryInformation": property_set(
            FMTID_DOC_SUMMARY, {15: lpstr(values["Company"])}
        ),
        "PrvText": values["Preview"].encode(),
    }
    (folder / "hangul.hwp").write_bytes(build(tree, times=b"\x22" * 16))
    return Sample("hangul.hwp", "ole2", list(values.values()))


def make_hwpx(folder: Path) -> Sample:
    """An HWPX package: content.hpf metadata, application build, previews."""
    import zipfile

    values = {k: f"{TAG}Hwpx{k}" for k in ("Title", "Creator", "Editor", "App", "Preview")}
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><opf:package xmlns:opf="http://www.idpf.org/2007/'
        f'opf/"><opf:metadata><opf:title>{values["Title"]}</opf:title>'
        '<opf:language>ko</opf:language><opf:meta name="creator" content="text">'
        f'{values["Creator"]}</opf:meta><opf:meta name="lastsaveby" content="text">'
        f"{values['Editor']}</opf:meta></opf:metadata></opf:package>"
    )
    version = (
        '<?xml version="1.0" encoding="UTF-8"?><hv:HCFVersion xmlns:hv="http://www.hancom.co.kr/'
        f'hwpml/2011/version" major="5" minor="1" application="{values["App"]}"/>'
    )
    section = (
        '<?xml version="1.0" encoding="UTF-8"?><hs:sec xmlns:hs="http://www.hancom.co.kr/hwpml/'
        '2011/section" xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph"><hp:p><hp:run>'
        "<hp:t>본문</hp:t></hp:run></hp:p></hs:sec>"
    )
    when = (2022, 2, 3, 4, 5, 6)
    with zipfile.ZipFile(folder / "hangul.hwpx", "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype", when), "application/hwp+zip")
        for name, text in (
            ("version.xml", version),
            ("Contents/content.hpf", content),
            ("Contents/section0.xml", section),
            ("Preview/PrvText.txt", values["Preview"]),
        ):
            z.writestr(zipfile.ZipInfo(name, when), text, zipfile.ZIP_DEFLATED)
    return Sample("hangul.hwpx", "hwpx", list(values.values()))
