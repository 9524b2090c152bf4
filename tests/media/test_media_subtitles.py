"""Korean subtitles: found, decoded from any encoding, parsed, and burned in visibly."""

from __future__ import annotations

import codecs
import json
import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from mediagen import (
    KOREAN_LINE,
    SRT_TEXT,
    Clip,
    add_bitmap_subtitle,
    ffmpeg,
    frame_at,
    make_clip,
)

from conftest import run_cli
from sneakernet.media import subtitles
from sneakernet.media.probe import probe

HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
PUNCTUATION = st.sampled_from(" .,!?0123456789")
# EUC-KR proper holds the 2,350 common syllables of KS X 1001 (two bytes each).
KS_X_1001 = [chr(c) for c in range(0xAC00, 0xD7A4) if len(chr(c).encode("euc-kr")) == 2]


def _korean_text(syllables):
    """A line of at least a dozen syllables with punctuation between them.

    A couple of CP949 bytes can happen to be valid UTF-8 too (no decoder can
    tell them apart); a subtitle line of a dozen syllables cannot.
    """
    return st.lists(
        st.tuples(syllables, st.one_of(st.just(""), PUNCTUATION)), min_size=12, max_size=60
    ).map(lambda pairs: "".join(a + b for a, b in pairs))


KOREAN_TEXT = _korean_text(HANGUL)
COMMON_KOREAN_TEXT = _korean_text(st.sampled_from(KS_X_1001))


SAMI = """<SAMI><HEAD><STYLE><!--
.KRCC { Name:Korean; lang:ko-KR; }
.ENCC { Name:English; lang:en-US; }
--></STYLE></HEAD><BODY>
<SYNC Start=200><P Class=ENCC>Hello there
<SYNC Start=200><P Class=KRCC>{line}<br>둘째 줄
<SYNC Start=1900><P Class=KRCC>&nbsp;
</BODY></SAMI>
"""

ASS = """[Script Info]
ScriptType: v4.00+
PlayResX: 384
PlayResY: 288

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Default,Gulim,24,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,0,2,10,10,10,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.20,0:00:01.90,Default,,0,0,0,,{\\fnBatang}{line}
"""


@settings(max_examples=60, deadline=None)
@given(text=KOREAN_TEXT, encoding=st.sampled_from(["cp949", "utf-8", "utf-8-sig"]))
def test_korean_text_decodes_from_common_encodings(text, encoding):
    assert subtitles.decode_text(text.encode(encoding)) == text


@settings(max_examples=30, deadline=None)
@given(text=COMMON_KOREAN_TEXT)
def test_euc_kr_text_decodes(text):
    assert subtitles.decode_text(text.encode("euc-kr")) == text


@settings(max_examples=30, deadline=None)
@given(text=KOREAN_TEXT, bom=st.sampled_from([codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE]))
def test_utf16_with_bom_decodes(text, bom):
    encoding = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    assert subtitles.decode_text(bom + text.encode(encoding)) == text


def test_utf16_without_bom_is_guessed():
    text = (SRT_TEXT * 5).replace("\n", "\r\n")
    assert subtitles.decode_text(text.encode("utf-16-le")) == text


def test_sami_prefers_the_korean_class():
    srt = subtitles.sami_to_srt(SAMI.replace("{line}", KOREAN_LINE))
    assert srt == f"1\n00:00:00,200 --> 00:00:01,900\n{KOREAN_LINE}\n둘째 줄\n"


def test_ass_styles_are_pointed_at_the_bundled_font():
    out = subtitles.force_font(ASS.replace("{line}", KOREAN_LINE))
    assert "Style: Default,NanumSquare,24" in out
    assert "Gulim" not in out and "\\fnBatang" not in out
    assert KOREAN_LINE in out


def test_sidecars_are_found_and_korean_is_preferred(tmp_path):
    video = make_clip(tmp_path / "film.mkv", Clip(acodec=None, seconds=0.2))
    (tmp_path / "film.en.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n")
    (tmp_path / "film.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHi again\n")
    (tmp_path / "film.kor.smi").write_bytes(SAMI.replace("{line}", KOREAN_LINE).encode("cp949"))
    (tmp_path / "film.part2.srt").write_text("not ours")
    (tmp_path / "other.ko.srt").write_text("not ours either")
    found = {s.path.name: s.korean for s in subtitles.find_sidecars(video)}
    assert found == {"film.en.srt": False, "film.srt": False, "film.kor.smi": True}
    assert subtitles.choose(probe(video)).path.name == "film.kor.smi"
    # Without a language tag, Hangul in the text marks a file as Korean.
    (tmp_path / "film.kor.smi").unlink()
    (tmp_path / "film.srt").write_bytes(SRT_TEXT.encode("cp949"))
    assert subtitles.choose(probe(video)).path.name == "film.srt"


def test_font_and_licence_ship_with_the_package():
    folder = subtitles.font_dir()
    assert (folder / subtitles.FONT_FILE).stat().st_size > 100_000
    licence = (folder / "OFL-NanumSquare.txt").read_text()
    assert "SIL OPEN FONT LICENSE" in licence


def _lower_and_upper_difference(a: Path, b: Path, at: float) -> tuple[float, float]:
    fa, fb = frame_at(a, at), frame_at(b, at)
    assert fa.shape == fb.shape
    h = fa.shape[0]
    diff = abs(fa - fb)
    return float(diff[int(h * 0.7) :].mean()), float(diff[: int(h * 0.5)].mean())


def test_subtitles_are_burned_in_from_every_source(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    base = make_clip(src / "plain.mkv", Clip(size="320x240", seconds=2, acodec="aac"))
    sources = {
        "srt-cp949": ("film.srt", SRT_TEXT.encode("cp949")),
        "srt-utf8": ("film.ko.srt", SRT_TEXT.encode("utf-8")),
        "smi": ("film.kor.smi", SAMI.replace("{line}", KOREAN_LINE).encode("cp949")),
        "ass": ("film.ass", ASS.replace("{line}", KOREAN_LINE).encode("utf-8-sig")),
    }
    inputs = []
    for name, (sidecar, data) in sources.items():
        folder = src / name
        folder.mkdir()
        shutil.copy(base, folder / "film.mkv")
        (folder / sidecar).write_bytes(data)
        inputs.append(folder / "film.mkv")
    # An embedded subtitle stream (Korean), in a copy of the same picture.
    (src / "s.srt").write_bytes(SRT_TEXT.encode())
    embedded = src / "embedded.mkv"
    ffmpeg("-i", str(base), "-i", str(src / "s.srt"), "-map", "0", "-map", "1", "-c", "copy",
           "-c:s", "srt", "-metadata:s:s:0", "language=kor", str(embedded))  # fmt: skip
    # A bitmap (VobSub) track: overlaid, not rendered by libass.
    bitmap = add_bitmap_subtitle(base, src / "bitmap.mkv")
    outputs = {}
    for n, path in enumerate([*inputs, embedded, bitmap]):
        out = tmp_path / f"out{n}"
        result = run_cli(
            "prepare", path, "-o", out, "--profile", "notel", "--cache", tmp_path / "cache"
        )
        assert result.code == 0, result.stderr
        outputs[path] = next(out.iterdir())
    reference_dir = tmp_path / "reference"
    result = run_cli(
        "prepare", base, "-o", reference_dir, "--profile", "notel", "--subtitles", "none",
        "--cache", tmp_path / "cache",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    reference = reference_dir / "plain.mp4"
    for path, output in outputs.items():
        lower, upper = _lower_and_upper_difference(output, reference, 1.0)
        assert lower > 2.0, (path, lower)  # text drawn over the bottom of the picture
        # and nowhere else (the top half differs only by coding noise: each film's
        # CRF is searched, and x264 spends bits differently with text present)
        assert upper < 1.5, (path, upper)
        # Before the first cue and after the last, the pictures agree.
        lower_before, _ = _lower_and_upper_difference(output, reference, 0.04)
        assert lower_before < 1.5, (path, lower_before)


def test_soft_subtitles_become_a_utf8_srt_sidecar(tmp_path):
    video = make_clip(tmp_path / "film.mkv", Clip(size="320x240", seconds=2))
    (tmp_path / "film.ko.srt").write_bytes(SRT_TEXT.encode("cp949"))
    out = tmp_path / "out"
    result = run_cli(
        "prepare", video, "-o", out, "--profile", "pc", "--subtitles", "soft",
        "--cache", tmp_path / "cache", "--json",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["film.mp4", "film.srt"]
    text = (out / "film.srt").read_text("utf-8")
    assert KOREAN_LINE in text and "00:00:00,200 --> 00:00:01,900" in text
    assert json.loads(result.stdout)[0]["extra_outputs"] == [str(out / "film.srt")]


def test_soft_subtitles_on_a_burn_only_profile_is_a_usage_error(tmp_path):
    video = make_clip(tmp_path / "film.mkv", Clip(seconds=0.2))
    result = run_cli("prepare", video, "-o", tmp_path / "out", "--profile", "notel",
                     "--subtitles", "soft", "--cache", tmp_path / "cache")  # fmt: skip
    assert result.code == 2, result.stderr
    assert "cannot show soft subtitles" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
