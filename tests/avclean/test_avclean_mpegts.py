"""MPEG-TS and M2TS: service names, SEI and AAC fill neutralised in place, packets kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from avclean_media import (
    assert_nothing_left,
    audio_source,
    decode_all,
    decoded_audio,
    make_media,
    packets,
    video_source,
)

from conftest import run_cli
from sneakernet.clean import CleanError, CleanOptions, clean_file, inspect_file


def _crc32_mpeg2(data: bytes) -> int:
    """CRC-32/MPEG-2 as the standard defines it (check value 0x0376E6E7 for "123456789")."""
    crc = 0xFFFFFFFF
    for byte in data:
        for bit in range(7, -1, -1):
            top = (crc >> 31) ^ ((byte >> bit) & 1)
            crc = ((crc << 1) & 0xFFFFFFFF) ^ (0x04C11DB7 if top else 0)
    return crc


def _sdt_sections(data: bytes, size: int, lead: int) -> list[bytes]:
    found = []
    for at in range(lead, len(data) - 187, size):
        packet = data[at : at + 188]
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        if pid == 0x11 and packet[1] & 0x40:
            start = 5 + packet[4]
            length = ((packet[start + 1] & 0x0F) << 8) | packet[start + 2]
            found.append(packet[start : start + 3 + length])
    return found


CASES = {
    "named.ts": (["-metadata", "service_provider=PlantedProviderQx",
                  "-metadata", "service_name=PlantedServiceQx"], 188, 0),
    "default.ts": ([], 188, 0),
    "camcorder.m2ts": (["-mpegts_m2ts_mode", "1", "-metadata", "service_name=PlantedCamQx"], 192, 4),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_ts_names_and_encoder_strings_neutralised(tmp_path: Path, name: str) -> None:
    assert _crc32_mpeg2(b"123456789") == 0x0376E6E7
    args, size, lead = CASES[name]
    src = make_media(tmp_path / name, *video_source(), *audio_source(), "-c:v", "libx264",
                     "-c:a", "aac", *args, "-f", "mpegts")  # fmt: skip
    data = src.read_bytes()
    planted = [a.split("=")[1] for a in args if "=" in a]
    names = planted or ["FFmpeg", "Service01"]
    for text in [*names, "x264", "Lavc"]:
        assert text.encode() in data, text
    src.write_bytes(data + b"PlantedTrailerQx")
    fields = {f.field for f in inspect_file(src)}
    assert {"MPEG-TS:service name", "H264:SEI user data", "AAC:encoder string"} <= fields
    dst = tmp_path / ("clean-" + name)
    assert clean_file(src, dst, CleanOptions()).cleaner == "mpegts"
    assert_nothing_left(dst, [*names, "PlantedTrailerQx"], ("x264", "Lavc", "Lavf"))
    out = dst.read_bytes()
    assert len(out) == len(data), "every packet keeps its place"
    sections = _sdt_sections(out, size, lead)
    assert sections
    for section in sections:
        assert _crc32_mpeg2(section) == 0, "the SDT's CRC-32 is valid"
    assert inspect_file(dst) == []
    assert decode_all(dst) == decode_all(src)
    assert decoded_audio(dst) == decoded_audio(src)
    ours, theirs = packets(dst), packets(src)
    assert [len(p[1]) for p in ours] == [len(p[1]) for p in theirs]
    changed = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
    assert 1 <= len(changed) <= 2, "only the first video packet and the first AAC frame change"


def test_ts_refusals_are_one_line(tmp_path: Path) -> None:
    src = make_media(tmp_path / "a.ts", *video_source(), "-c:v", "libx264", "-f", "mpegts")
    data = bytearray(src.read_bytes())
    for at in range(0, len(data), 188):
        if ((data[at + 1] & 0x1F) << 8 | data[at + 2]) == 0x100:
            data[at + 3] |= 0x80  # scrambled
    bad = tmp_path / "scrambled.ts"
    bad.write_bytes(bytes(data))
    with pytest.raises(CleanError, match="scrambled"):
        clean_file(bad, tmp_path / "x.ts", CleanOptions())
    result = run_cli("clean", "-o", tmp_path / "out", bad)
    assert result.code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out" / "scrambled.ts").exists()
