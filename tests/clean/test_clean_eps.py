"""PostScript and EPS: every comment naming a maker, tool, title or date goes, previews go,
and the page Ghostscript draws stays pixel for pixel."""

from __future__ import annotations

import base64
import io
import json
import random
import struct
import subprocess
from pathlib import Path

import pytest
from clean_checks import cleaned_or_refused, exiftool_tags, survivors
from clean_corpus import planted
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from conftest import assert_user_error, require_tool, run_cli
from sneakernet.clean import inspect_file

P = planted
VALUES = ["EpsCreator", "EpsTitle", "EpsFor", "EpsAuthor", "EpsTool", "EpsNote", "EpsPreview"]


def _a85_lines() -> list[str]:
    """Inline picture data in ASCII85 with a line that begins with `%`: data, not a comment."""
    for seed in range(10_000):
        data = random.Random(seed).randbytes(64)
        text = base64.a85encode(data).decode()
        lines = [text[i : i + 16] for i in range(0, len(text), 16)]
        if any(line.startswith("%") for line in lines[1:]):
            return lines
    raise AssertionError("no seed gives a line beginning with %")


def _eps(docinfo: bool = False) -> bytes:
    lines = [
        "%!PS-Adobe-3.0 EPSF-3.0",
        f"%%Creator: {P('EpsCreator')} 11.2",
        f"%%Title: /home/{P('EpsTitle')}/figure.eps",
        f"%%For: {P('EpsFor')}",
        f"%%Author: {P('EpsAuthor')}",
        "%%CreationDate: Mon Mar  4 05:06:07 2019",
        "%%BoundingBox: 0 0 40 40",
        "%%LanguageLevel: 2",
        "%%Pages: 1",
        "%%EndComments",
        "%%BeginPreview: 8 8 1 8",
        f"% {P('EpsPreview')}",
        "% FF00FF00FF00FF00",
        "%%EndPreview",
        "%%BeginProlog",
        f"%AI5_FileFormat {P('EpsTool')} 24.0",
        "/box { newpath 0 0 moveto 40 0 lineto 40 40 lineto 0 40 lineto closepath } def",
        "%%EndProlog",
        "%%Page: 1 1",
        f"% drawn for {P('EpsNote')}",
        "0.8 setgray box fill",
        "gsave 4 4 translate 32 32 scale",
        "8 8 8 [8 0 0 -8 0 8] currentfile /ASCII85Decode filter image",
        *_a85_lines(),
        "~>",
        "grestore",
    ]
    if docinfo:
        lines.insert(17, f"[ /Author ({P('EpsAuthor')}) /DOCINFO pdfmark")
    lines += ["showpage", "%%Trailer", "%%EOF", ""]
    return "\n".join(lines).encode()


def _dos_eps(ps: bytes) -> bytes:
    preview = b"II*\x00" + P("EpsPreview").encode() + bytes(64)
    header = struct.pack("<4s6IH", b"\xc5\xd0\xd3\xc6", 30, len(ps), 0, 0, 30 + len(ps),
                         len(preview), 0xFFFF)  # fmt: skip
    return header + ps + preview


def _drawn(path: Path, tmp: Path) -> bytes:
    """The page as Ghostscript draws it (RGB pixels)."""
    png = tmp / f"{path.name}.png"
    subprocess.run(
        [require_tool("gs"), "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dEPSCrop",
         "-sDEVICE=png16m", "-r72", f"-sOutputFile={png}", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    with Image.open(io.BytesIO(png.read_bytes())) as im:
        return im.convert("RGB").tobytes()


@pytest.mark.parametrize("wrapped", [False, True], ids=["eps", "dos-eps"])
def test_eps_loses_every_planted_comment_and_preview_and_draws_the_same(tmp_path, wrapped):
    ps = _eps()
    src = tmp_path / "figure.eps"
    src.write_bytes(_dos_eps(ps) if wrapped else ps)
    shown = json.dumps(exiftool_tags(src))
    assert P("EpsCreator") in shown and P("EpsFor") in shown  # real metadata to exiftool
    fields = [f.field for f in inspect_file(src)]
    assert "PS:%%Creator" in fields and "PS:%%For" in fields, fields
    assert ("EPS:TIFF preview" in fields) == wrapped
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert result.code == 0, result.stderr
    out = tmp_path / "out" / "figure.eps"
    assert survivors(out, [P(v) for v in VALUES]) == []
    data = out.read_bytes()
    assert data.startswith(b"%!PS-Adobe-3.0 EPSF-3.0\n") and b"%%BoundingBox: 0 0 40 40" in data
    assert b"2019" not in data and b"II*\x00" not in data
    assert all(line in data for line in (x.encode() for x in _a85_lines()))
    tags = exiftool_tags(out)
    left = [k for k in tags if k.split(":")[-1] in ("Creator", "Title", "For", "Author",
                                                    "CreateDate", "Software")]  # fmt: skip
    assert left == [], left
    plain = tmp_path / "plain.eps"
    plain.write_bytes(ps)
    assert _drawn(out, tmp_path) == _drawn(plain, tmp_path)
    assert inspect_file(out) == []
    assert src.read_bytes() == (_dos_eps(ps) if wrapped else ps)


def test_a_docinfo_pdfmark_is_refused_with_the_reason(tmp_path):
    src = tmp_path / "figure.eps"
    src.write_bytes(_eps(docinfo=True))
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert_user_error(result, "figure.eps", "DOCINFO")
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


@settings(max_examples=80, deadline=None)
@given(cut=st.integers(min_value=0, max_value=2000), flip=st.integers(min_value=0, max_value=2000))
def test_damaged_eps_is_refused_in_one_line_or_cleans_clean(tmp_path_factory, cut, flip):
    tmp = tmp_path_factory.mktemp("d")
    data = bytearray(_dos_eps(_eps()))
    data[flip % len(data)] ^= 0x41
    src = tmp / "damaged.eps"
    src.write_bytes(bytes(data[: max(1, len(data) - cut)]))
    cleaned_or_refused(src, tmp / "out.eps")
