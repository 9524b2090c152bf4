"""The health check that decodes an encode's packets while it runs.

What it must show: a whole output passes with its decoded duration; a file
that is not what was decoded (changed, cut short) fails; packets that do not
decode fail the item with the decoder's reason; and feeding the decoder
changes nothing in the file the encoder writes.
"""

from __future__ import annotations

import os

import pytest
from mediagen import Clip, make_clip

from sneakernet.errors import ItemFailed
from sneakernet.media import ffmpeg as ff
from sneakernet.media import health

ENCODE = [
    "-map", "0:v:0", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
    "-map", "0:a:0", "-c:a", "aac", "-b:a", "64k",
    *ff.NEUTRAL_OUTPUT_OPTIONS, "-movflags", "+faststart", "-f", "mp4",
]  # fmt: skip
AVI_ENCODE = [
    "-map", "0:v:0", "-c:v", "mpeg4", "-vtag", "XVID", "-q:v", "5",
    "-map", "0:a:0", "-c:a", "libmp3lame", "-b:a", "96k",
    *ff.NEUTRAL_OUTPUT_OPTIONS, "-f", "avi",
]  # fmt: skip


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    folder = tmp_path_factory.mktemp("src")
    return make_clip(folder / "src.mkv", Clip(size="320x240", seconds=3))


def _encode_checked(src, dst, work, options=ENCODE):
    """Encode with the live check attached; returns the check, encoder finished."""
    live = health.LiveCheck(work, src.name)
    command = live.attach(ff.Command([ff.Input(src)], [ff.Output(dst, list(options))]))
    try:
        ff.run(command)
    finally:
        live.encoder_done()
    return live


def test_whole_output_passes_with_its_duration(source, tmp_path):
    out = tmp_path / "out.mp4"
    with _encode_checked(source, out, tmp_path) as live:
        assert abs(live.verify(out, 3.0) - 3.0) < 0.1


def test_duration_is_compared_with_the_input(source, tmp_path):
    out = tmp_path / "out.mp4"
    with (
        _encode_checked(source, out, tmp_path) as live,
        pytest.raises(ItemFailed, match="lasts 3.0"),
    ):
        live.verify(out, 9.0)


def test_a_changed_picture_byte_fails(source, tmp_path):
    out = tmp_path / "out.mp4"
    with _encode_checked(source, out, tmp_path) as live:
        data = bytearray(out.read_bytes())
        # A byte of coded picture in the middle of the file (faststart: moov is first).
        data[len(data) * 2 // 3] ^= 0x10
        out.write_bytes(bytes(data))
        with pytest.raises(ItemFailed, match="differ|does not decode"):
            live.verify(out, 3.0)


def test_a_file_cut_short_fails(source, tmp_path):
    out = tmp_path / "out.mp4"
    with _encode_checked(source, out, tmp_path) as live:
        os.truncate(out, out.stat().st_size * 3 // 4)
        with pytest.raises(ItemFailed):
            live.verify(out, 3.0)


def test_packets_that_do_not_decode_fail_with_the_decoders_reason(tmp_path):
    src = make_clip(tmp_path / "src.mkv", Clip(size="320x240", seconds=3, acodec=None))
    data = bytearray(src.read_bytes())
    for at in range(len(data) // 3, len(data) * 2 // 3, 97):
        data[at] ^= 0xFF  # garbage through the coded pictures, container left readable
    broken = tmp_path / "broken.mkv"
    broken.write_bytes(bytes(data))
    out = tmp_path / "out.mkv"
    copy = ["-map", "0:v:0", "-c", "copy", *ff.NEUTRAL_OUTPUT_OPTIONS, "-f", "matroska"]
    with health.LiveCheck(tmp_path, "broken.mkv") as live:
        command = live.attach(ff.Command([ff.Input(broken)], [ff.Output(out, copy)]))
        try:
            ff.run(command)
        except ff.FfmpegError:
            pass  # the decoder stopping breaks the encoder's pipe
        with pytest.raises(ItemFailed, match="does not decode"):
            live.verify(out, 3.0)


@pytest.mark.parametrize("options", [ENCODE, AVI_ENCODE], ids=["mp4", "avi"])
def test_the_file_is_byte_identical_to_an_encode_without_the_check(source, tmp_path, options):
    plain = tmp_path / "plain.out"
    ff.run(ff.Command([ff.Input(source)], [ff.Output(plain, list(options))]))
    checked = tmp_path / "checked.out"
    with _encode_checked(source, checked, tmp_path, options) as live:
        live.verify(checked, 3.0)
    assert checked.read_bytes() == plain.read_bytes()


def test_any_output_name_survives_the_tee(source, tmp_path):
    """The tee muxer parses its argument; names with its special characters stay names."""
    folder = tmp_path / "a|b [c]:d 'e' 한국\\"
    folder.mkdir()
    out = folder / "out put|[1].mp4"
    with _encode_checked(source, out, tmp_path) as live:
        live.verify(out, 3.0)
    assert sorted(p.name for p in folder.iterdir()) == ["out put|[1].mp4"]
