"""Camera raw files built on TIFF are refused, never cut down to their preview."""

from __future__ import annotations

import struct

import pytest
from clean_checks import exiftool_tags

from conftest import assert_user_error, run_cli
from sneakernet.clean import CleanError, clean_file, inspect_file

SHORT, LONG, ASCII, BYTE = 3, 4, 2, 1


def _tiff(ifds: list[list[tuple[int, int, object]]], strips: list[bytes], sub: bool) -> bytes:
    """Little-endian TIFF: IFD0 (+ a SubIFD when `sub`), each with one strip."""
    out = bytearray(b"II*\0\0\0\0\0")
    strip_at = []
    for strip in strips:
        strip_at.append(len(out))
        out += strip
    ifd_at: list[int] = []
    pointer_fields: list[int] = []
    for index, entries in enumerate(ifds):
        entries = sorted(
            [*entries, (273, LONG, [strip_at[index]]), (279, LONG, [len(strips[index])])]
            + ([(330, LONG, [0])] if sub and index == 0 else [])
        )
        if len(out) & 1:
            out += b"\0"
        ifd_at.append(len(out))
        values = bytearray()
        values_at = len(out) + 2 + 12 * len(entries) + 4
        directory = bytearray(struct.pack("<H", len(entries)))
        for tag, typ, value in entries:
            if typ == ASCII:
                raw = value.encode() + b"\0"
                count = len(raw)
            else:
                fmt = {SHORT: "H", LONG: "I", BYTE: "B"}[typ]
                raw = struct.pack("<" + fmt * len(value), *value)
                count = len(value)
            if tag == 330:
                pointer_fields.append(len(out) + len(directory) + 8)
            if len(raw) <= 4:
                field = raw.ljust(4, b"\0")
            else:
                field = struct.pack("<I", values_at + len(values))
                values += raw + (b"\0" if len(raw) & 1 else b"")
            directory += struct.pack("<HHI", tag, typ, count) + field
        out += directory + b"\0\0\0\0" + values
    struct.pack_into("<I", out, 4, ifd_at[0])
    for field in pointer_fields:
        struct.pack_into("<I", out, field, ifd_at[1])
    return bytes(out)


def _thumbnail_ifd(extra: list) -> list:
    return [(254, LONG, [1]), (256, LONG, [8]), (257, LONG, [6]), (258, SHORT, [8, 8, 8]),
            (259, SHORT, [1]), (262, SHORT, [2]), (277, SHORT, [3]), (278, LONG, [6]),
            (271, ASCII, "PlantedMakeQx"), (272, ASCII, "PlantedModelQx"), *extra]  # fmt: skip


def _raw_ifd() -> list:
    return [(254, LONG, [0]), (256, LONG, [16]), (257, LONG, [12]), (258, SHORT, [16]),
            (259, SHORT, [1]), (262, SHORT, [32803]), (277, SHORT, [1]), (278, LONG, [12]),
            (33421, SHORT, [2, 2]), (33422, BYTE, [0, 1, 1, 2])]  # fmt: skip


def _dng() -> bytes:
    dng = [(50706, BYTE, [1, 4, 0, 0]), (50708, ASCII, "PlantedCameraQx")]
    return _tiff([_thumbnail_ifd(dng), _raw_ifd()], [bytes(8 * 6 * 3), bytes(16 * 12 * 2)], True)


def _nef_like() -> bytes:
    return _tiff([_thumbnail_ifd([]), _raw_ifd()], [bytes(8 * 6 * 3), bytes(16 * 12 * 2)], True)


def _raw_in_ifd0() -> bytes:
    return _tiff([_raw_ifd()], [bytes(16 * 12 * 2)], False)


@pytest.mark.parametrize(
    ("make", "name", "why"),
    [
        (_dng, "photo.dng", "a DNG raw file"),
        (_nef_like, "photo.nef", "sub-directories beside a preview"),
        (_raw_in_ifd0, "photo.pef", "sensor data"),
    ],
)
def test_raw_photo_refused_not_reduced_to_its_preview(tmp_path, make, name, why):
    src = tmp_path / name
    src.write_bytes(make())
    tags = exiftool_tags(src)
    assert tags.get("IFD0:Make") == "PlantedMakeQx" or "sensor" in why
    if "DNG" in why:
        assert tags["IFD0:DNGVersion"] == "1.4.0.0"
        assert tags["IFD0:UniqueCameraModel"] == "PlantedCameraQx"
    if "preview" in why or "DNG" in why:
        assert tags["SubIFD:CFAPattern2"]  # the raw picture is in the sub-directory
    with pytest.raises(CleanError, match=why):
        inspect_file(src)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CleanError, match="without losing the picture"):
        clean_file(src, out / name)
    assert list(out.iterdir()) == []
    result = run_cli("clean", "-o", out, "--", src)
    assert_user_error(result, name, why, "raw developer")
    assert list(out.iterdir()) == []
    assert src.read_bytes() == make()


def test_ordinary_tiff_still_cleaned(tmp_path):
    plain = [(256, LONG, [8]), (257, LONG, [6]), (258, SHORT, [8, 8, 8]), (259, SHORT, [1]),
             (262, SHORT, [2]), (277, SHORT, [3]), (278, LONG, [6]),
             (271, ASCII, "PlantedMakeQx")]  # fmt: skip
    src = tmp_path / "scan.tif"
    src.write_bytes(_tiff([plain], [bytes(range(144))], False))
    out = tmp_path / "clean.tif"
    clean_file(src, out)
    assert b"PlantedMakeQx" not in out.read_bytes()
    assert bytes(range(144)) in out.read_bytes()
    assert inspect_file(out) == []
