"""BMP: colour profiles (embedded or linked by file name) and hidden bytes go, pixels stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from clean_checks import exiftool_tags, metadata_left, survivors
from clean_corpus import _picture, bmp_v5, icc_profile, planted
from PIL import Image

from conftest import run_cli
from sneakernet.clean import CleanError, clean_file, inspect_file


def _same_pixels(a: Path, b: Path) -> None:
    with Image.open(a) as x, Image.open(b) as y:
        assert x.size == y.size and x.mode == y.mode
        assert x.convert("RGBA").tobytes() == y.convert("RGBA").tobytes()


def test_linked_profile_path_removed(tmp_path: Path) -> None:
    path = "C:\\Users\\" + planted("BmpUser") + "\\AppData\\display.icm"
    src = tmp_path / "linked.bmp"
    src.write_bytes(bmp_v5(_picture(seed=3), linked=path.encode("latin-1") + b"\x00"))
    assert exiftool_tags(src)["File:ColorSpace"] == "Linked Color Profile"
    (found,) = [f for f in inspect_file(src) if f.field == "BMP:linked profile"]
    assert planted("BmpUser") in found.value
    out = tmp_path / "out.bmp"
    clean_file(src, out)
    assert survivors(out, [planted("BmpUser")]) == []
    tags = exiftool_tags(out)
    assert tags["File:ColorSpace"] == "sRGB" and tags.get("File:ProfileSize", 0) == 0
    assert metadata_left(out) == []
    _same_pixels(src, out)


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "RGBA"])
def test_plain_bitmaps_keep_their_bytes(tmp_path: Path, mode: str) -> None:
    """Pillow writes nothing identifying: the cleaned copy is the same file."""
    src = tmp_path / f"{mode}.bmp"
    picture = _picture(seed=4, width=37, height=21)
    picture.convert(mode).save(src, "BMP")
    assert inspect_file(src) == []
    out = tmp_path / "out.bmp"
    assert clean_file(src, out).cleaner == "bmp"
    assert out.read_bytes() == src.read_bytes()
    _same_pixels(src, out)


def test_cli_cleans_a_profiled_bitmap(tmp_path: Path) -> None:
    src = tmp_path / "drawing.bmp"
    src.write_bytes(bmp_v5(_picture(seed=8), profile=icc_profile(planted("Desc"), planted("Copy"))))
    result = run_cli("clean", "-o", tmp_path / "out", src)
    assert result.code == 0, result.stderr
    out = tmp_path / "out" / "drawing.bmp"
    assert survivors(out, [planted("Desc"), planted("Copy")]) == []
    assert metadata_left(out) == []
    _same_pixels(src, out)


def test_embedded_png_and_truncation_refused(tmp_path: Path) -> None:
    src = tmp_path / "png.bmp"
    data = bytearray(bmp_v5(_picture(seed=2)))
    data[14 + 16 : 14 + 20] = (5).to_bytes(4, "little")  # BI_PNG
    src.write_bytes(bytes(data))
    with pytest.raises(CleanError, match="JPEG or PNG"):
        clean_file(src, tmp_path / "x.bmp")
    cut = tmp_path / "cut.bmp"
    cut.write_bytes(bmp_v5(_picture(seed=2))[:500])
    result = run_cli("clean", "-o", tmp_path / "out", cut)
    assert result.code == 2 and "truncated BMP" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "cut.bmp").exists()
