"""SVG: editor data, metadata, comments and tool descriptions go; the drawing renders the same."""

from __future__ import annotations

import base64
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from clean_checks import exiftool_tags, survivors
from clean_corpus import svg_drawing

from conftest import run_cli
from sneakernet.clean import CleanError, clean_file, inspect_file
from sneakernet.media import ffmpeg

SVG_NS = "{http://www.w3.org/2000/svg}"


def _render(path: Path) -> bytes:
    """The picture as FFmpeg's librsvg decoder draws it (RGBA bytes)."""
    proc = subprocess.run(
        [ffmpeg.ffmpeg_exe(), "-v", "error", "-c:v", "librsvg", "-i", str(path),
         "-f", "rawvideo", "-pix_fmt", "rgba", "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    assert proc.stdout
    return proc.stdout


def _shape(path: Path) -> list[tuple[str, dict[str, str], str]]:
    """SVG elements with their un-namespaced attributes and text, as expat reads them."""
    out = []
    for el in ET.parse(path).getroot().iter():
        if isinstance(el.tag, str) and el.tag.startswith(SVG_NS):
            attrs = {k: v for k, v in el.attrib.items() if not k.startswith("{") and k != "href"}
            out.append((el.tag, attrs, (el.text or "").strip()))
    return out


@pytest.fixture
def dirty_svg(tmp_path: Path) -> tuple[Path, list[str]]:
    data, planted_values = svg_drawing(tmp_path)
    path = tmp_path / "map.svg"
    path.write_bytes(data)
    return path, planted_values


def test_svg_editor_data_removed_drawing_unchanged(dirty_svg, tmp_path: Path) -> None:
    src, planted_values = dirty_svg
    before = exiftool_tags(src)
    assert any(k.startswith(("SVG-inkscape", "SVG-sodipodi", "XMP-")) for k in before)
    fields = {f.field for f in inspect_file(src)}
    assert {"SVG:comment", "SVG:editor attribute", "SVG:editor element", "SVG:metadata",
            "SVG:namespace", "SVG:tool description", "SVG:processing instruction",
            "SVG:file path"} <= fields  # fmt: skip
    assert any(f.startswith("SVG:embedded picture 1:PNG") for f in fields), fields
    assert any(f.startswith("SVG:embedded picture 2:") for f in fields), fields
    out = tmp_path / "clean" / "map.svg"
    out.parent.mkdir()
    assert clean_file(src, out).cleaner == "svg"
    assert survivors(out, planted_values) == []
    for marker in (b"inkscape", b"sodipodi", b"Sketch", b"rdf:", b"2021-03-04", b"<!--"):
        assert marker not in out.read_bytes(), marker
    tags = exiftool_tags(out)
    groups = {k.split(":", 1)[0] for k in tags if ":" in k}
    assert groups <= {"ExifTool", "System", "File", "Composite", "SVG", "SVG-xlink"}, groups
    assert tags["SVG:Title"] == "Route map" and tags["SVG:Desc"] == "A river and two roads"
    assert inspect_file(out) == []
    assert _render(out) == _render(src), "the drawing renders pixel for pixel the same"
    dropped = [s for s in _shape(src) if "Sketch" in s[2] or s[0] == SVG_NS + "metadata"]
    assert len(dropped) == 2
    assert _shape(out) == [s for s in _shape(src) if s not in dropped]


def test_embedded_pictures_cleaned_and_kept_pixel_for_pixel(dirty_svg, tmp_path: Path) -> None:
    from PIL import Image

    src, _ = dirty_svg
    out = tmp_path / "out.svg"
    clean_file(src, out)

    def pictures(path: Path) -> list[bytes]:
        urls = re.findall(rb"data:image/\w+;base64,([A-Za-z0-9+/=\s]+)", path.read_bytes())
        return [base64.b64decode(re.sub(rb"\s", b"", u)) for u in urls]

    for i, (old, new) in enumerate(zip(pictures(src), pictures(out), strict=True)):
        a, b = tmp_path / f"a{i}", tmp_path / f"b{i}"
        a.write_bytes(old)
        b.write_bytes(new)
        assert inspect_file(a) and inspect_file(b) == []
        with Image.open(a) as x, Image.open(b) as y:
            assert x.convert("RGBA").tobytes() == y.convert("RGBA").tobytes()


def test_plain_svg_is_left_byte_for_byte(tmp_path: Path) -> None:
    src = tmp_path / "plain.svg"
    src.write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">\n'
        b'  <title>A square</title><rect width="4" height="4" fill="red"/>\n</svg>'
    )
    assert inspect_file(src) == []
    out = tmp_path / "out.svg"
    clean_file(src, out)
    assert out.read_bytes() == src.read_bytes()


@pytest.mark.parametrize(
    "body, reason",
    [
        (b'<image href="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA"/>', "embedded picture"),
        (b'<image href="data:image/x-foo;base64,' + base64.b64encode(b"\x00\x01" * 40) + b'"/>',
         "embedded picture"),
        (b"<g><rect/></g", "not well-formed"),
        (b"<g></rect>", "wrong element"),
        (b"<text>&ns_ai;</text>", "entities"),
    ],
)  # fmt: skip
def test_what_cannot_be_cleaned_is_refused(tmp_path: Path, body: bytes, reason: str) -> None:
    src = tmp_path / "bad.svg"
    src.write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg">' + body + b"</svg>")
    with pytest.raises(CleanError, match=reason):
        clean_file(src, tmp_path / "out.svg")
    assert not (tmp_path / "out.svg").exists()
    result = run_cli("clean", "-o", tmp_path / "cli", src)
    assert result.code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "cli" / "bad.svg").exists()


def test_truncated_svg_is_refused(dirty_svg, tmp_path: Path) -> None:
    src, _ = dirty_svg
    data = src.read_bytes()
    cut = tmp_path / "cut.svg"
    cut.write_bytes(data[: data.index(b"</g>")])
    with pytest.raises(CleanError, match="truncated SVG"):
        clean_file(cut, tmp_path / "out.svg")


def test_utf16_svg_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "wide.svg"
    src.write_bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'.encode("utf-16"))
    result = run_cli("clean", "-o", tmp_path / "cli", src)
    assert result.code == 2
