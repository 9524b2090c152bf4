"""Encoder strings inside MP4 and Matroska streams: LAME in MP3 audio, FFmpeg in MPEG-4 Part 2 video."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from avclean_media import (
    assert_nothing_left,
    assert_planted,
    audio_source,
    decoded_audio,
    make_media,
    packets,
    video_source,
)

from sneakernet.clean import CleanOptions, clean_file, inspect_file


@pytest.mark.parametrize("name", ["clip.mp4", "clip.mkv"])
def test_mp3_track_ancillary_bytes_zeroed(tmp_path: Path, name: str) -> None:
    src = make_media(tmp_path / name, *video_source(), *audio_source(),
                     "-c:v", "libx264", "-c:a", "libmp3lame", "-ac", "2")  # fmt: skip
    assert_planted(src, [], ("LAME",))
    assert "MPEG:AncillaryData" in {f.field for f in inspect_file(src)}
    dst = tmp_path / f"clean-{name}"
    clean_file(src, dst, CleanOptions())
    assert_nothing_left(dst, [], ("LAME", "Lavc", "Lavf", "x264"))
    assert inspect_file(dst) == []
    audio_src = [p for p in packets(src) if p[0] == 1]
    audio_dst = [p for p in packets(dst) if p[0] == 1]
    assert [len(p) for _, p in audio_dst] == [len(p) for _, p in audio_src]
    assert decoded_audio(dst) == decoded_audio(src)


@pytest.mark.parametrize("name", ["part2.mp4", "part2.mkv"])
def test_mpeg4_part2_encoder_user_data_blanked(tmp_path: Path, name: str) -> None:
    src = make_media(tmp_path / name, *video_source(), "-c:v", "mpeg4")
    assert "encoder string" in " ".join(f.field for f in inspect_file(src))
    dst = tmp_path / f"clean-{name}"
    clean_file(src, dst, CleanOptions())
    assert_nothing_left(dst, [], ("Lavc", "Lavf"))
    assert inspect_file(dst) == []
    assert _pictures(dst) == _pictures(src)
    assert [len(p) for _, p in packets(dst)] == [len(p) for _, p in packets(src)]


def _pictures(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [f.to_ndarray().tobytes() for f in container.decode(video=0)]
