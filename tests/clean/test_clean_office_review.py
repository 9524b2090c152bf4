"""Reviewers' comments and tracked changes leave office documents; the text a reader sees stays."""

from __future__ import annotations

import posixpath
import re
import zipfile
from xml.etree import ElementTree

from clean_checks import survivors
from clean_corpus import PLANT, REVIEWED_TEXT, build, planted

from sneakernet.clean import clean_file, inspect_file

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _paragraphs(xml: bytes) -> list[str]:
    """Each paragraph's visible text, as a reader of the accepted document sees it."""
    root = ElementTree.fromstring(xml)
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]


def _dangling(z: zipfile.ZipFile) -> list[str]:
    """Relationship targets and content-type overrides naming parts that are not there."""
    names = set(z.namelist())
    out = []
    for name in names:
        if name.endswith(".rels"):
            folder = posixpath.dirname(posixpath.dirname(name))
            for rel in ElementTree.fromstring(z.read(name)):
                target = rel.get("Target")
                if rel.get("TargetMode") == "External":
                    continue
                path = (
                    target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                )
                if posixpath.normpath(path) not in names:
                    out.append(f"{name} -> {target}")
    for override in ElementTree.fromstring(z.read("[Content_Types].xml")):
        part = override.get("PartName")
        if part and part.lstrip("/") not in names:
            out.append(f"[Content_Types].xml -> {part}")
    return out


def test_docx_comments_and_revisions_removed_text_kept(tmp_path):
    (sample,) = build(tmp_path, ["docx-review"])
    src = tmp_path / sample.name
    found = {f.field: f.value for f in inspect_file(src)}
    assert "Dandong route" in found["OOXML:word/comments.xml"]
    deleted = found["OOXML:word/document.xml:deleted text"]
    for word in ("DeletedWords", "MovedAway", "DeletedRow", "DeletedParagraph"):
        assert planted(word) in deleted
    assert "OOXML:word/document.xml:formatting changes" in found
    assert planted("HiddenText") in found["OOXML:word/document.xml:hidden text"]
    assert planted("DocVariable") in found["OOXML:word/settings.xml:document variables"]
    assert planted("CustomXmlData") in found["OOXML:customXml/item1.xml"]
    assert "OOXML:docProps/thumbnail.jpeg" in found

    out = tmp_path / "out" / sample.name
    out.parent.mkdir()
    clean_file(src, out)
    assert survivors(out, sample.planted) == []
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        members = z.namelist()
        assert not [n for n in members if re.search(r"comment|people|customXml|thumb", n, re.I)]
        blob = b"".join(z.read(n) for n in members)
        assert PLANT not in blob and b"Dandong" not in blob
        for tag in (b"<w:del", b"<w:ins", b"<w:moveFrom", b"<w:moveTo", b"Change ", b"<w:comment",
                    b"<w:vanish/>", b"<w:docVar"):  # fmt: skip
            assert tag not in blob
        assert _dangling(z) == []
        document = z.read("word/document.xml")
    assert _paragraphs(document) == REVIEWED_TEXT
    assert inspect_file(out) == []


def _xlsx_with_note(path):
    """A workbook whose sheet carries a comment through its rels and a VML note box."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "http://schemas.openxmlformats.org/package/2006/content-types"
    sml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    members = {
        "[Content_Types].xml": f'<Types xmlns="{ct}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{sml}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sml}.worksheet+xml"/>'
        f'<Override PartName="/xl/comments1.xml" ContentType="{sml}.comments+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{pkg}"><Relationship Id="rId1"'
        f' Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{pkg}"><Relationship Id="rId1"'
        f' Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}" xmlns:r="{rel}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Cell text</t></is></c></row></sheetData>'
        '<legacyDrawing r:id="rId2"/></worksheet>',
        "xl/worksheets/_rels/sheet1.xml.rels": f'<Relationships xmlns="{pkg}">'
        f'<Relationship Id="rId1" Type="{rel}/comments" Target="../comments1.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}/vmlDrawing" Target="../drawings/vmlDrawing1.vml"/>'
        "</Relationships>",
        "xl/comments1.xml": f'<comments xmlns="{main}"><authors><author>x</author></authors>'
        f'<commentList><comment ref="A1" authorId="0"><text><r><t>{planted("SheetNote")}</t></r>'
        "</text></comment></commentList></comments>",
        "xl/drawings/vmlDrawing1.vml": '<xml xmlns:v="urn:schemas-microsoft-com:vml"'
        ' xmlns:x="urn:schemas-microsoft-com:office:excel"><v:shape><v:textbox><div>'
        f'{planted("SheetNoteBox")}</div></v:textbox><x:ClientData ObjectType="Note"/></v:shape></xml>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_xlsx_comment_and_its_note_drawing_removed(tmp_path):
    src = tmp_path / "book.xlsx"
    _xlsx_with_note(src)
    fields = {f.field for f in inspect_file(src)}
    assert {"OOXML:xl/comments1.xml", "OOXML:xl/drawings/vmlDrawing1.vml"} <= fields
    out = tmp_path / "out.xlsx"
    clean_file(src, out)
    assert survivors(out, [planted("SheetNote"), planted("SheetNoteBox")]) == []
    with zipfile.ZipFile(out) as z:
        assert _dangling(z) == []
        sheet = z.read("xl/worksheets/sheet1.xml")
        ElementTree.fromstring(sheet)
        assert b"legacyDrawing" not in sheet and b"Cell text" in sheet
        assert sorted(z.namelist()) == sorted(
            [
                "[Content_Types].xml",
                "_rels/.rels",
                "xl/workbook.xml",
                "xl/_rels/workbook.xml.rels",
                "xl/worksheets/sheet1.xml",
                "xl/worksheets/_rels/sheet1.xml.rels",
            ]
        )
    assert inspect_file(out) == []
