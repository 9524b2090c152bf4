"""Formats recognised only to be refused: never copied dirty, even with --allow-unknown."""

from __future__ import annotations

from pathlib import Path

import pytest
from avclean_media import audio_source, make_media, video_source

from conftest import run_cli
from sneakernet.clean import CleanError, content_format, inspect_file

PROGRAM_STREAMS = {
    "disc.vob": ["-c:v", "mpeg2video", "-c:a", "ac3", "-f", "vob"],
    "program.mpg": ["-r", "25", "-c:v", "mpeg1video", "-c:a", "mp2", "-f", "mpeg"],
}


@pytest.mark.parametrize("name", sorted(PROGRAM_STREAMS))
def test_mpeg_program_streams_refused_with_the_reason(tmp_path: Path, name: str) -> None:
    src = make_media(tmp_path / name, *video_source(), *audio_source(), *PROGRAM_STREAMS[name])
    before = src.read_bytes()
    assert content_format(src) == "mpeg-ps"
    with pytest.raises(CleanError, match="program streams"):
        inspect_file(src)
    for extra in ([], ["--allow-unknown"]):
        out = tmp_path / ("out" + "".join(extra))
        result = run_cli("clean", *extra, "-o", out, src)
        assert result.code == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "prepare" in lines[0], lines
        assert not (out / name).exists()
    assert src.read_bytes() == before
