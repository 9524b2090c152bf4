"""Subtitles and text: ASS credits removed, dialogue kept; SRT, SAMI, text unchanged."""

from __future__ import annotations

from clean_checks import survivors
from clean_corpus import build

from sneakernet.clean import clean_file, inspect_file


def _events(data: bytes) -> list[bytes]:
    return [line for line in data.splitlines() if line.startswith(b"Dialogue:")]


def test_ass_loses_credits_and_paths_but_keeps_dialogue_and_styles(tmp_path):
    (sample,) = build(tmp_path, ["ass"])
    src = tmp_path / sample.name
    fields = {f.field for f in inspect_file(src)}
    assert "ASS:Original Translation" in fields and "ASS:Comment event" in fields
    out = tmp_path / "clean.ass"
    report = clean_file(src, out)
    assert report.cleaner == "ass"
    assert survivors(out, sample.planted) == []
    data, before = out.read_bytes(), src.read_bytes()
    assert _events(data) == _events(before) and len(_events(data)) == 2
    for needed in (b"PlayResX: 1280", b"[V4+ Styles]", b"Style: Default,Arial", b"\xef\xbb\xbf"):
        assert needed in data
    assert inspect_file(out) == []


def test_srt_sami_and_legacy_encoded_text_pass_through(tmp_path):
    files = {
        "a.srt": "1\r\n00:00:01,000 --> 00:00:02,500\r\n첫 줄\r\n".encode(),
        "b.smi": b"<SAMI><BODY><SYNC Start=1000><P>hello</P></SYNC></BODY></SAMI>",
        "c.txt": "북한 텍스트 파일\n".encode("euc-kr"),
        "d.html": b"<html><body><p>page</p></body></html>",
    }
    expected = {"a.srt": "subtitles", "b.smi": "subtitles", "c.txt": "text", "d.html": "text"}
    for name, data in files.items():
        src = tmp_path / name
        src.write_bytes(data)
        out = tmp_path / f"out-{name}"
        assert clean_file(src, out).cleaner == expected[name]
        assert out.read_bytes() == data
