"""Image cleaners: nothing planted survives; pixels and scan data are unchanged."""

from __future__ import annotations

import pytest
from clean_checks import exiftool_tags, metadata_left, survivors
from clean_corpus import PLANT, build
from PIL import Image

from sneakernet.clean import CleanError, clean_file, inspect_file
from sneakernet.clean.formats import jpeg

IMAGES = ["jpeg", "jpeg-progressive", "png", "gif", "webp", "tiff", "bmp"]


@pytest.mark.parametrize("kind", IMAGES)
def test_image_cleaned_losslessly_and_nothing_survives(tmp_path, kind):
    (sample,) = build(tmp_path / "dirty", [kind])
    src = tmp_path / "dirty" / sample.name
    before = src.read_bytes()
    found = inspect_file(src)
    assert len(found) >= 3
    assert any(f.field == "trailing data" for f in found) or kind == "tiff"
    out = tmp_path / "clean" / sample.name
    out.parent.mkdir()
    report = clean_file(src, out)
    assert report.cleaner == sample.family
    assert report.trailing_bytes > 0 or kind == "tiff"
    assert src.read_bytes() == before
    assert survivors(out, sample.planted) == []
    assert PLANT not in out.read_bytes()
    assert metadata_left(out) == []
    assert inspect_file(out) == []
    with Image.open(src) as a, Image.open(out) as b:
        assert getattr(a, "n_frames", 1) == getattr(b, "n_frames", 1)
        for frame in range(getattr(a, "n_frames", 1)):
            a.seek(frame)
            b.seek(frame)
            assert a.size == b.size and a.mode == b.mode
            assert a.convert("RGBA").tobytes() == b.convert("RGBA").tobytes()
        assert a.info.get("progressive") == b.info.get("progressive")
        assert a.info.get("loop") == b.info.get("loop")


@pytest.mark.parametrize("kind", ["jpeg", "jpeg-progressive"])
def test_jpeg_scan_data_identical_and_orientation_kept(tmp_path, kind):
    (sample,) = build(tmp_path, [kind])
    src = tmp_path / sample.name
    out = tmp_path / "out.jpg"
    clean_file(src, out)
    scans = [
        [d[s.start : s.end] for s in jpeg.parse(d)[0] if s.marker == jpeg.SOS]
        for d in (src.read_bytes(), out.read_bytes())
    ]
    assert scans[0] == scans[1] and scans[0]
    assert exiftool_tags(out)["IFD0:Orientation"] == "Rotate 90 CW"


def test_truncated_jpeg_is_refused_and_nothing_written(tmp_path):
    (sample,) = build(tmp_path, ["jpeg"])
    src = tmp_path / sample.name
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(CleanError, match="truncated JPEG"):
        clean_file(cut, tmp_path / "out.jpg")
    assert not (tmp_path / "out.jpg").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([sample.name, "cut.jpg"])


def test_png_with_bad_checksum_is_refused(tmp_path):
    (sample,) = build(tmp_path, ["png"])
    data = bytearray((tmp_path / sample.name).read_bytes())
    data[40] ^= 0xFF
    bad = tmp_path / "bad.png"
    bad.write_bytes(bytes(data))
    with pytest.raises(CleanError, match="PNG"):
        clean_file(bad, tmp_path / "out.png")


def test_multipage_tiff_keeps_every_page(tmp_path):
    from clean_corpus import _exif_block, _picture

    src = tmp_path / "pages.tif"
    pages = [_picture(seed=s) for s in (1, 2, 3)]
    pages[0].save(src, "TIFF", save_all=True, append_images=pages[1:], exif=_exif_block("Pages"))
    assert b"SNKPLANTPagesExifArtist" in src.read_bytes()
    out = tmp_path / "out.tif"
    clean_file(src, out)
    assert PLANT not in out.read_bytes()
    with Image.open(src) as a, Image.open(out) as b:
        assert a.n_frames == b.n_frames == 3
        for frame in range(3):
            a.seek(frame)
            b.seek(frame)
            assert a.tobytes() == b.tobytes()
