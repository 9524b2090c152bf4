"""Small pieces: ffmpeg progress, the health check, job splits, books."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mediagen import Clip, make_clip

from sneakernet.errors import ItemFailed
from sneakernet.media import ffmpeg as ff
from sneakernet.media import health, jobs


def test_progress_reports_output_time(tmp_path):
    seen: list[float] = []
    command = ff.Command(
        [ff.Input(tmp_path / "x", ["-f", "lavfi"])],
        [ff.Output(tmp_path / "y.mkv", ["-c:v", "ffv1"])],
    )
    argv = command.argv()
    argv[argv.index("file:" + str(tmp_path / "x"))] = "testsrc=size=64x48:rate=25:duration=3"
    ff.run(argv, on_progress=seen.append)
    assert seen and seen == sorted(seen)
    assert abs(seen[-1] - 3.0) < 0.1


def test_ffmpeg_failure_carries_its_message(tmp_path):
    with pytest.raises(ff.FfmpegError, match="status"):
        ff.run(ff.Command([ff.Input(tmp_path / "missing.mkv")], [ff.Output(tmp_path / "o.mp4")]))


def test_health_check_rejects_truncated_and_garbage(tmp_path):
    whole = make_clip(tmp_path / "whole.mkv", Clip(size="160x120", seconds=2))
    assert abs(health.check(whole, 2.0) - 2.0) < 0.1
    with pytest.raises(ItemFailed, match="lasts"):
        health.check(whole, 4.0)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(5000))
    with pytest.raises(ItemFailed):
        health.check(garbage, 2.0)


@pytest.mark.parametrize(
    ("cores", "items", "expected"),
    [
        (2, 4, (2, 1)),
        (2, 1, (1, 2)),
        (4, 8, (4, 1)),
        (16, 8, (8, 2)),
        (32, 100, (16, 2)),
        (1, 5, (1, 1)),
    ],
)
def test_default_split_uses_every_core(cores, items, expected):
    n_jobs, threads = jobs.default_split(cores, items)
    assert (n_jobs, threads) == expected
    assert n_jobs * threads <= cores


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(
        st.text(alphabet=st.sampled_from("가나다라마바사아자차카타파하 .,!?abc123"), max_size=30),
        min_size=1,
        max_size=8,
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp949", "utf-16"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_books_become_utf8_with_bom_and_crlf(lines, encoding, newline):
    from sneakernet.media.documents import normalise_text

    # A real book opens with more than a few syllables (a couple alone can be
    # valid in both CP949 and UTF-8).
    lines = ["옛날 옛적에 호랑이가 담배 먹던 시절에", *lines]
    text = newline.join(lines)
    out = normalise_text(text.encode(encoding))
    assert out.startswith(b"\xef\xbb\xbf")
    assert out[3:].decode("utf-8") == "\r\n".join(lines)
