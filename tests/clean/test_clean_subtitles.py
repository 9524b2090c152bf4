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
    expected = {"a.srt": "subtitles", "b.smi": "subtitles", "c.txt": "text", "d.html": "html"}
    for name, data in files.items():
        src = tmp_path / name
        src.write_bytes(data)
        out = tmp_path / f"out-{name}"
        assert clean_file(src, out).cleaner == expected[name]
        assert out.read_bytes() == data


def test_html_loses_author_tool_and_saved_from_address(tmp_path):
    (sample,) = build(tmp_path, ["html"])
    src = tmp_path / sample.name
    assert {f.field.rsplit(":", 1)[-1] for f in inspect_file(src)} == {"meta", "saved from"}
    out = tmp_path / "clean.html"
    clean_file(src, out)
    assert survivors(out, sample.planted) == []
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    assert "usual place" in text


def test_utf16_subtitles_and_pages_are_cleaned_in_their_own_encoding(tmp_path):
    (ass,) = build(tmp_path, ["ass"])
    (page,) = build(tmp_path, ["html"])
    for sample, cleaner in ((ass, "ass"), (page, "html")):
        text = (tmp_path / sample.name).read_text("utf-8").lstrip("\ufeff")
        src = tmp_path / f"utf16-{sample.name}"
        src.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
        out = tmp_path / f"clean-{sample.name}"
        assert clean_file(src, out).cleaner == cleaner
        data = out.read_bytes()
        assert data.startswith(b"\xff\xfe")
        decoded = data[2:].decode("utf-16-le")
        assert not [s for s in sample.planted if s in decoded]
        assert "PlayResX: 1280" in decoded or "usual place" in decoded
    srt = tmp_path / "unicode.srt"
    srt.write_bytes(
        b"\xff\xfe" + "1\r\n00:00:01,000 --> 00:00:02,000\r\n안녕\r\n".encode("utf-16-le")
    )
    assert clean_file(srt, tmp_path / "out.srt").cleaner == "subtitles"
    assert (tmp_path / "out.srt").read_bytes() == srt.read_bytes()
