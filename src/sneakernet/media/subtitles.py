"""Finding, decoding and preparing subtitles, Korean first.

Korean subtitles arrive as sidecar files in CP949/EUC-KR, UTF-8 or UTF-16,
often as SAMI (.smi), or as streams inside MKV/MP4. Everything is turned into
a UTF-8 file whose styles name the bundled Korean font, so burn-in never
depends on fonts installed on the machine.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sneakernet.media.probe import MediaInfo

SIDECAR_SUFFIXES = (".srt", ".smi", ".sami", ".ass", ".ssa", ".vtt")
KOREAN_TAGS = {"ko", "kor", "korean", "kr", "ko-kr", "kor-kr", "한국어", "한글"}
FONT_FILE = "NanumSquareR.ttf"
FONT_NAME = "NanumSquare"
LANGUAGE_NAMES = KOREAN_TAGS | {"english", "chinese", "japanese", "russian"}
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}([-_][a-z]{2,4})?$")
BITMAP_CODECS = {"hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle", "xsub"}


@dataclass(frozen=True)
class SubtitleSource:
    """One subtitle track: a sidecar file or a stream inside the video."""

    kind: str  # "sidecar", "text-stream" or "bitmap-stream"
    korean: bool
    path: Path | None = None  # sidecar file
    stream_index: int | None = None  # index among the video file's subtitle streams
    language: str | None = None

    def describe(self) -> str:
        lang = "Korean" if self.korean else (self.language or "unknown language")
        if self.path is not None:
            return f"{self.path.name} ({lang})"
        return f"{self.kind} #{self.stream_index} ({lang})"


def font_dir() -> Path:
    """Folder holding the bundled Korean font (with its OFL licence)."""
    return Path(str(resources.files("sneakernet") / "data" / "fonts"))


def _has_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" or "\u3131" <= ch <= "\u318e" for ch in text)


def decode_text(data: bytes) -> str:
    """Decode subtitle bytes: BOMs first, then strict UTF-8, CP949, then a guess.

    CP949 is a superset of EUC-KR, so it reads both. The guess from
    charset-normalizer is the last resort (UTF-16 without BOM, other scripts).
    A few bytes can be valid in both UTF-8 and CP949; UTF-8 wins then, and
    any real subtitle file is long enough for that never to matter.
    """
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace")
    for name in ("utf-8", "cp949"):
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("cp949", errors="replace")


def _lang_tag(video: Path, candidate: Path) -> str | None:
    middle = candidate.name[len(video.stem) : -len(candidate.suffix)].strip(".").lower()
    return middle or None


def find_sidecars(video: Path) -> list[SubtitleSource]:
    """Subtitle files next to the video: name.srt, name.ko.srt, name.kor.smi, ..."""
    found = []
    try:
        siblings = sorted(video.parent.iterdir())
    except OSError:
        return []
    for candidate in siblings:
        if (
            candidate == video
            or not candidate.is_file()
            or candidate.suffix.lower() not in SIDECAR_SUFFIXES
            or not candidate.name.startswith(video.stem + ".")
        ):
            continue
        tag = _lang_tag(video, candidate)
        if tag is not None and not _LANGUAGE_TAG.match(tag) and tag not in LANGUAGE_NAMES:
            continue  # belongs to another video, e.g. name.part2.srt for name.part2.mkv
        korean = tag in KOREAN_TAGS if tag else _sidecar_is_korean(candidate)
        found.append(SubtitleSource("sidecar", korean, path=candidate, language=tag))
    return found


def _sidecar_is_korean(path: Path) -> bool:
    try:
        return _has_hangul(decode_text(path.read_bytes()[:200_000]))
    except OSError:
        return False


def embedded_tracks(info: MediaInfo) -> list[SubtitleSource]:
    tracks = []
    for sub in info.subtitles:
        if sub.codec in BITMAP_CODECS:
            kind = "bitmap-stream"
        elif sub.is_text:
            kind = "text-stream"
        else:
            continue
        korean = (sub.language or "") in KOREAN_TAGS
        tracks.append(SubtitleSource(kind, korean, stream_index=sub.index, language=sub.language))
    return tracks


def choose(info: MediaInfo) -> SubtitleSource | None:
    """The track to show: Korean before others, text before bitmap, sidecar before stream."""
    candidates = find_sidecars(info.path) + embedded_tracks(info)
    if not candidates:
        return None
    order = {"sidecar": 0, "text-stream": 1, "bitmap-stream": 2}
    return min(candidates, key=lambda c: (not c.korean, order[c.kind]))


def content_hash(source: SubtitleSource | None) -> str:
    """Part of the cache key: a changed sidecar file means a new output."""
    if source is None:
        return "none"
    if source.path is not None:
        return hashlib.sha256(source.path.read_bytes()).hexdigest()
    return f"{source.kind}:{source.stream_index}"


# --- SAMI -----------------------------------------------------------------

_SYNC = re.compile(r"<sync\s+start\s*=\s*[\"']?(\d+)[^>]*>(.*?)(?=<sync|</body|\Z)", re.I | re.S)
_P_CLASS = re.compile(r"<p[^>]*class\s*=\s*[\"']?([\w-]+)[^>]*>(.*?)(?=<p[\s>]|\Z)", re.I | re.S)
_BR = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")


def _sami_text(fragment: str) -> str:
    text = _BR.sub("\n", fragment)
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def sami_to_srt(text: str) -> str:
    """SAMI (.smi) to SRT; with several language classes the Korean one wins."""
    cues: list[tuple[int, dict[str, str]]] = []
    for match in _SYNC.finditer(text):
        start = int(match.group(1))
        body = match.group(2)
        classes = {cls.lower(): _sami_text(frag) for cls, frag in _P_CLASS.findall(body)}
        if not classes:
            classes = {"": _sami_text(body)}
        cues.append((start, classes))
    names = {name for _, classes in cues for name in classes}
    korean = [n for n in names if n.startswith("kr") or n.startswith("ko")]
    chosen = korean[0] if korean else (sorted(names)[0] if names else "")
    blocks = []
    for i, (start, classes) in enumerate(cues):
        line = classes.get(chosen, "")
        if not line:
            continue
        end = cues[i + 1][0] if i + 1 < len(cues) else start + 4000
        if end <= start:
            continue
        blocks.append(f"{len(blocks) + 1}\n{_srt_time(start)} --> {_srt_time(end)}\n{line}\n")
    return "\n".join(blocks)


def _srt_time(ms: int) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


# --- ASS font rewriting -------------------------------------------------------

_FN_OVERRIDE = re.compile(r"\\fn[^\\}]*")


def force_font(ass: str) -> str:
    """Point every ASS style and inline font switch at the bundled Korean font."""
    out = []
    section = ""
    fontname_col = 1
    for line in ass.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped.lower()
        elif section in ("[v4+ styles]", "[v4 styles]") and stripped.lower().startswith("format:"):
            cols = [c.strip().lower() for c in stripped.split(":", 1)[1].split(",")]
            fontname_col = cols.index("fontname") if "fontname" in cols else 1
        elif section in ("[v4+ styles]", "[v4 styles]") and stripped.lower().startswith("style:"):
            head, rest = line.split(":", 1)
            fields = rest.split(",")
            if len(fields) > fontname_col:
                fields[fontname_col] = FONT_NAME
            line = head + ":" + ",".join(fields)
        elif stripped.lower().startswith("dialogue:"):
            line = _FN_OVERRIDE.sub("", line)
        out.append(line)
    return "\n".join(out) + "\n"


def sidecar_to_utf8(path: Path, workdir: Path) -> Path:
    """A UTF-8 copy of the sidecar in a format libass reads (SRT, ASS or VTT)."""
    text = decode_text(path.read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
    suffix = path.suffix.lower()
    if suffix in (".smi", ".sami"):
        text, suffix = sami_to_srt(text), ".srt"
    elif suffix in (".ass", ".ssa"):
        text = force_font(text)
    target = workdir / f"subtitle{suffix}"
    target.write_text(text, encoding="utf-8")
    return target
