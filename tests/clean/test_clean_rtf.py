"""RTF: properties, generator, revision and session tables, comments and picture metadata go."""

from __future__ import annotations

import re

import pytest
from clean_checks import exiftool_tags, survivors
from clean_corpus import make_png, planted

from sneakernet.clean import CleanError, clean_file, inspect_file

P = planted


def _rtf(tmp_path) -> tuple[bytes, list[str], bytes]:
    png_sample = make_png(tmp_path, ".picture.png")
    png = (tmp_path / png_sample.name).read_bytes().split(b"SNKPLANTAfterIEND")[0]
    hexed = png.hex()
    picture = "\r\n".join(hexed[i : i + 64] for i in range(0, len(hexed), 64))
    text = (
        "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}"
        f"{{\\*\\generator {P('RtfGenerator')} 10.0.19041;}}"
        f"{{\\info{{\\title {P('RtfTitle')}}}{{\\author {P('RtfAuthor')}}}"
        f"{{\\operator {P('RtfOperator')}}}{{\\*\\company {P('RtfCompany')}}}"
        "{\\creatim\\yr2019\\mo3\\dy4\\hr5\\min6}{\\revtim\\yr2019\\mo3\\dy4}{\\edmins42}}"
        f"{{\\*\\revtbl {{Unknown;}}{{{P('RtfReviser')};}}}}"
        "{\\*\\rsidtbl \\rsid1234567\\rsid7654321}"
        "\\pard\\plain\\insrsid1234567 Plain words, with \\{braces\\} and a \\\\ backslash."
        f"{{\\*\\atnid {P('RtfInitials')}}}{{\\*\\atnauthor {P('RtfCommenter')}}}"
        f"\\chatn{{\\*\\annotation{{\\*\\atndate 1234}}\\pard {P('RtfComment')}}}"
        "\\par\\pard Second paragraph.\\par"
        f"{{\\pict\\pngblip\\picw64\\pich48 \r\n{picture}\r\n}}"
        "\\par}"
    )
    strings = [P(s) for s in ("RtfGenerator", "RtfTitle", "RtfAuthor", "RtfOperator")]
    strings += [P(s) for s in ("RtfCompany", "RtfReviser", "RtfInitials", "RtfCommenter")]
    strings += [P("RtfComment"), "rsid1234567", "insrsid"]
    strings += [s for s in png_sample.planted if "AfterIEND" not in s]
    return text.encode(), strings, png


def _hex_picture(data: bytes) -> bytes:
    m = re.search(rb"\\pngblip[^{}]*?\s([0-9a-f\s]+)\}", data)
    return bytes.fromhex(re.sub(rb"\s", b"", m.group(1)).decode())


def test_rtf_cleaned_text_kept(tmp_path):
    data, strings, png = _rtf(tmp_path)
    src = tmp_path / "letter.rtf"
    src.write_bytes(data + b"\r\n" + P("AfterEnd").encode())
    shown = exiftool_tags(src)
    assert shown["RTF:Author"] == P("RtfAuthor") and shown["RTF:Company"] == P("RtfCompany")
    fields = {f.field for f in inspect_file(src)}
    assert {"RTF:info", "RTF:generator", "RTF:revtbl", "RTF:annotation", "trailing data"} <= fields
    assert any(f.startswith("RTF:picture:PNG") for f in fields)
    out = tmp_path / "clean.rtf"
    clean_file(src, out)
    assert survivors(out, [*strings, P("AfterEnd")]) == []
    left = exiftool_tags(out)
    assert not [k for k in left if k.startswith("RTF:")], left
    cleaned = out.read_bytes()
    assert b"\\pard\\plain Plain words, with \\{braces\\} and a \\\\ backslash." in cleaned
    assert b"Second paragraph." in cleaned and b"{\\fonttbl{\\f0 Times New Roman;}}" in cleaned
    assert cleaned.count(b"{") == cleaned.count(b"}") - cleaned.count(b"\\}") + cleaned.count(
        b"\\{"
    )
    picture = _hex_picture(cleaned)
    assert picture.startswith(b"\x89PNG") and picture != png
    import io

    from PIL import Image

    with Image.open(io.BytesIO(picture)) as b, Image.open(io.BytesIO(png)) as a:
        assert a.tobytes() == b.tobytes()
    assert inspect_file(out) == []


def test_rtf_with_tracked_changes_refused(tmp_path):
    src = tmp_path / "changed.rtf"
    src.write_bytes(b"{\\rtf1\\ansi kept {\\deleted\\revauth1 gone words} more\\par}")
    with pytest.raises(CleanError, match="tracked changes"):
        clean_file(src, tmp_path / "out.rtf")
    assert not (tmp_path / "out.rtf").exists()


def test_truncated_rtf_refused(tmp_path):
    src = tmp_path / "cut.rtf"
    src.write_bytes(b"{\\rtf1\\ansi{\\info{\\author x}} words")
    with pytest.raises(CleanError, match="truncated RTF"):
        clean_file(src, tmp_path / "out.rtf")
