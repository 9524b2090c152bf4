"""AVI cleaning: INFO, stream names, JUNK text and stream encoder strings blanked in place."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import pytest
from avclean_media import (
    assert_nothing_left,
    assert_planted,
    audio_source,
    decoded_audio,
    make_media,
    metadata_args,
    packets,
    video_source,
)

from sneakernet.clean import CleanError, CleanOptions, clean_file, inspect_file

TAGS = {"title": "PlantedTitleQx", "artist": "PlantedArtistQx", "comment": "PlantedCommentQx",
        "copyright": "PlantedOwnerQx", "date": "2018-01-01"}  # fmt: skip
PLANTED = ["PlantedTitleQx", "PlantedArtistQx", "PlantedCommentQx", "PlantedOwnerQx",
           "PlantedStreamQx", "PlantedTrailerQx"]  # fmt: skip
MARKERS = ("x264", "Lavf", "Lavc", "LAME3", "LAME4", "(alpha")


def _pictures(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [f.to_ndarray().tobytes() for f in container.decode(video=0)]


@pytest.fixture
def dirty_avi(tmp_path: Path) -> Path:
    path = make_media(tmp_path / "clip.avi", *video_source(), *audio_source(),
                      "-c:v", "libx264", "-c:a", "libmp3lame", *metadata_args(TAGS),
                      "-metadata:s:v", "title=PlantedStreamQx")  # fmt: skip
    path.write_bytes(path.read_bytes() + b"PlantedTrailerQx")
    return path


def test_avi_everything_blanked_nothing_moved(dirty_avi: Path, tmp_path: Path) -> None:
    assert_planted(dirty_avi, PLANTED, ("x264", "Lavf", "LAME"))
    fields = {f.field for f in inspect_file(dirty_avi)}
    assert {
        "AVI:strn",
        "AVI:LIST",
        "H264:encoder string",
        "MPEG:encoder string",
        "trailing data",
    } <= fields
    dst = tmp_path / "clean.avi"
    assert clean_file(dirty_avi, dst, CleanOptions()).cleaner == "avi"

    assert_nothing_left(dst, PLANTED, MARKERS)
    assert inspect_file(dst) == []
    assert dst.stat().st_size == dirty_avi.stat().st_size - len("PlantedTrailerQx")
    ours, theirs = packets(dst), packets(dirty_avi)
    assert [(s, len(p)) for s, p in ours] == [(s, len(p)) for s, p in theirs], "nothing moved"
    changed_video = [
        i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b and a[0] == 0
    ]
    assert changed_video == [0], "only the frame carrying the SEI changed"
    assert _pictures(dst) == _pictures(dirty_avi)
    assert decoded_audio(dst) == decoded_audio(dirty_avi)


def test_truncated_avi_is_refused(dirty_avi: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.avi"
    cut.write_bytes(dirty_avi.read_bytes()[:4000])
    with pytest.raises(CleanError, match="truncated AVI"):
        clean_file(cut, tmp_path / "out.avi", CleanOptions())


def _ffmpeg_errors(path: Path) -> str:
    """What the bundled ffmpeg complains about while decoding every frame."""
    from sneakernet.media import ffmpeg

    argv = [ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-i"]
    proc = subprocess.run(
        [*argv, ffmpeg.file_url(path), "-f", "null", "-"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


@pytest.fixture
def mpeg4_avi(tmp_path: Path) -> Path:
    # Key frames every 5 frames: FFmpeg repeats its name in each of them.
    return make_media(tmp_path / "asp.avi", *video_source(2), *audio_source(2),
                      "-c:v", "mpeg4", "-g", "5", "-bf", "2", "-c:a", "libmp3lame")  # fmt: skip


def test_avi_mpeg4_encoder_name_blanked_pictures_identical(mpeg4_avi: Path, tmp_path: Path):
    data = mpeg4_avi.read_bytes()
    assert data.count(b"Lavc") >= 4 and b"FMP4" in data
    fields = {f.field: f.value for f in inspect_file(mpeg4_avi)}
    assert "Lavc" in fields["MPEG4:encoder string"]
    dst = tmp_path / "clean.avi"
    clean_file(mpeg4_avi, dst, CleanOptions())
    assert_nothing_left(dst, [], MARKERS)
    for marker in (b"Lavc", b"FFmpeg", b"XviD", b"DivX", b"Lavf"):
        assert marker not in dst.read_bytes()
    assert inspect_file(dst) == []
    assert dst.stat().st_size == mpeg4_avi.stat().st_size, "nothing moved"
    assert _ffmpeg_errors(dst) == ""
    assert _pictures(dst) == _pictures(mpeg4_avi)
    assert len(_pictures(dst)) == 20
    assert decoded_audio(dst) == decoded_audio(mpeg4_avi)


def test_avi_mpeg4_from_ffmpeg_tagged_xvid_is_refused(tmp_path: Path):
    src = make_media(tmp_path / "tagged.avi", *video_source(), "-c:v", "mpeg4", "-vtag", "XVID")
    before = src.read_bytes()
    dst = tmp_path / "out" / "tagged.avi"
    dst.parent.mkdir()
    with pytest.raises(CleanError, match="tagged XVID but FFmpeg wrote it"):
        clean_file(src, dst, CleanOptions())
    assert list(dst.parent.iterdir()) == []
    assert src.read_bytes() == before
