"""Cheap MP4/MP5 players: AVI, MPEG-4 Part 2 with no B-frames, MP2 sound, the exact screen size.

Every picture's type is read back with PyAV, and every AVI chunk is checked to
carry one MPEG-4 picture (a "packed bitstream" puts two in one chunk).
"""

from __future__ import annotations

import av
import numpy as np
import pytest
from av.video.frame import PictureType
from mediagen import Clip, make_clip

from conftest import run_cli
from sneakernet.errors import UserError
from sneakernet.media.profiles import load_profiles, parse_profile

VOP_START = b"\x00\x00\x01\xb6"  # one per coded picture


def _check_no_b_frames(path) -> int:
    """Decode every picture; none may be a B-frame, and each packet holds one picture."""
    pictures = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "mpeg4"
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            assert bytes(packet).count(VOP_START) == 1, "packed bitstream: several pictures"
            for frame in packet.decode():
                assert PictureType(frame.pict_type).name in ("I", "P"), frame.pict_type
                pictures += 1
    return pictures


def _prepare(tmp_path, source, profile):
    out = tmp_path / ("out-" + profile)
    result = run_cli(
        "prepare", source, "-o", out, "--profile", profile, "--cache", tmp_path / "cache"
    )
    assert result.code == 0, result.stderr
    return out / (source.stem + ".avi")


@pytest.mark.parametrize(
    ("size", "picture"),
    [("320x180", (320, 180)), ("160x160", (240, 240)), ("640x480", (320, 240))],
)
def test_mp4player_output_is_exact_screen_size_padded_no_b_frames_mp2(tmp_path, size, picture):
    # A high-motion source, so an encoder allowed B-frames would use them.
    clip = Clip("mkv", "libx264", size=size, fps="25", seconds=2.0, acodec="aac")
    source = make_clip(tmp_path / "film.mkv", clip)
    output = _prepare(tmp_path, source, "mp4player")
    assert _check_no_b_frames(output) == 50
    with av.open(str(output)) as c:
        assert c.format.name == "avi"
        video = c.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (320, 240)
        assert video.codec_context.codec_tag == "XVID"
        assert [a.codec_context.name for a in c.streams.audio] == ["mp2"]
        frame = next(c.decode(video)).to_ndarray(format="gray")
    assert frame.shape == (240, 320)
    # The picture keeps its shape: black bars around it, not stretched to fill.
    pw, ph = picture
    x0, y0 = (320 - pw) // 2, (240 - ph) // 2
    bars = np.concatenate(
        [frame[: max(y0 - 2, 0)].ravel(), frame[240 - max(y0 - 2, 0) :].ravel(),
         frame[:, : max(x0 - 2, 0)].ravel(), frame[:, 320 - max(x0 - 2, 0) :].ravel()]
    )  # fmt: skip
    if pw < 320 or ph < 240:
        assert bars.size and bars.max() <= 20  # black (video range starts at 16)
    inside = frame[y0 + 4 : y0 + ph - 4, x0 + 4 : x0 + pw - 4]
    assert inside.std() > 30  # testsrc's colour bars fill the picture area


def test_mp4player_refits_a_compliant_looking_avi(tmp_path):
    # MPEG-4/MP2 AVI already, but 352x288: not the screen size, so it is encoded again.
    clip = Clip("avi", "mpeg4", size="352x288", fps="25", seconds=1.0, acodec="mp2",
                extra=("-bf", "2", "-vtag", "XVID"))  # fmt: skip
    source = make_clip(tmp_path / "film.avi", clip)
    output = _prepare(tmp_path, source, "mp4player")
    _check_no_b_frames(output)
    with av.open(str(output)) as c:
        cc = c.streams.video[0].codec_context
        assert (cc.width, cc.height) == (320, 240)


def test_notel_avi_never_emits_b_frames_or_packed_bitstreams(tmp_path):
    # The source has B-frames in a packed bitstream's worth of reordering.
    clip = Clip("avi", "mpeg4", size="320x240", fps="25", seconds=2.0, acodec="libmp3lame",
                extra=("-bf", "2"))  # fmt: skip
    source = make_clip(tmp_path / "film.avi", clip)
    with av.open(str(source)) as c:
        kinds = {PictureType(f.pict_type).name for f in c.decode(c.streams.video[0])}
    assert "B" in kinds  # the oracle sees B-frames when they are there
    output = _prepare(tmp_path, source, "notel-avi")
    assert _check_no_b_frames(output) == 50


def test_screen_must_be_even_width_x_height():
    base = load_profiles().get("mp4player").to_dict()
    for bad in ("320", "321x240", "axb", "0x240"):
        data = {**base, "video": {**base["video"], "screen": bad}}
        data["video"].pop("profiles")
        with pytest.raises(UserError, match="screen must be WIDTHxHEIGHT"):
            parse_profile(data, "test.toml")
