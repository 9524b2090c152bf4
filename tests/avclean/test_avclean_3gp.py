"""3GP (camera phones): cleaned by the MP4 cleaner, 3GPP user data and encoder strings gone."""

from __future__ import annotations

from pathlib import Path

import pytest
from avclean_media import (
    assert_nothing_left,
    assert_planted,
    decode_all,
    decoded_audio,
    exiftool_tags,
    make_media,
    metadata_args,
    packets,
)

from sneakernet.clean import CleanOptions, clean_file, inspect_file

PLANTED = {"title": "PlantedTitleQx", "artist": "PlantedArtistQx", "comment": "PlantedDescQx",
           "copyright": "PlantedOwnerQx", "creation_time": "2022-04-05T06:07:08Z"}  # fmt: skip
STRINGS = [v for k, v in PLANTED.items() if k != "creation_time"]
SOURCES = ["-f", "lavfi", "-i", "testsrc=size=176x144:rate=10:duration=1",
           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000:duration=1"]  # fmt: skip
CODECS = {
    "h264-aac": ["-c:v", "libx264", "-c:a", "aac"],
    "h263-amr": ["-c:v", "h263", "-c:a", "libopencore_amrnb", "-ar", "8000", "-ac", "1"],
}


@pytest.mark.parametrize("codecs", sorted(CODECS))
def test_3gp_cleaned_as_mp4_packets_kept(tmp_path: Path, codecs: str) -> None:
    src = make_media(tmp_path / "phone.3gp", *SOURCES, *CODECS[codecs],
                     *metadata_args(PLANTED), "-f", "3gp")  # fmt: skip
    assert src.read_bytes()[8:11] == b"3gp", "a 3GPP brand"
    assert_planted(src, STRINGS)
    shown = exiftool_tags(src)
    assert "PlantedArtistQx" in shown and "2022" in shown
    assert any("PlantedTitleQx" in f.value for f in inspect_file(src))
    dst = tmp_path / "clean.3gp"
    assert clean_file(src, dst, CleanOptions()).cleaner == "mp4"
    assert_nothing_left(dst, STRINGS)
    after = exiftool_tags(dst)
    assert "2022" not in after and "Author" not in after and "Title" not in after
    assert dst.read_bytes()[8:11] == b"3gp", "the 3GPP brand is kept"
    assert inspect_file(dst) == []
    assert decode_all(dst) == decode_all(src)
    ours, theirs = packets(dst), packets(src)
    if codecs == "h263-amr":
        assert ours == theirs, "no encoder string in H.263/AMR: every packet identical"
    else:
        # x264's SEI and the AAC fill go from the first packets; the rest are identical.
        assert [p for p in ours if p[0] == 0][1:] == [p for p in theirs if p[0] == 0][1:]
        assert [p for p in ours if p[0] == 1][1:] == [p for p in theirs if p[0] == 1][1:]
        assert decoded_audio(dst) == decoded_audio(src)
