"""What a media file holds, read in process with PyAV (no ffprobe needed)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from sneakernet.errors import ItemFailed

# ffmpeg's format names (PyAV `container.format.name`) per profile container.
CONTAINER_FORMATS = {
    "mp4": {"mov,mp4,m4a,3gp,3g2,mj2"},
    "avi": {"avi"},
    "mp3": {"mp3"},
    "mkv": {"matroska,webm"},
}
# libavcodec's field orders tt, bb, tb, bt (0 is unknown, 1 progressive).
_INTERLACED_FIELD_ORDERS = (2, 3, 4, 5)
CONTAINER_EXTENSIONS = {"mp4": {".mp4", ".m4v"}, "avi": {".avi"}, "mp3": {".mp3"}}


@dataclass
class VideoStream:
    index: int  # index among the file's video streams
    codec: str
    profile: str | None
    level: float | None  # e.g. 3.1
    width: int
    height: int
    fps: float
    pix_fmt: str | None
    sample_aspect: str  # "1:1" for square pixels
    codec_tag: str
    interlaced: bool = False  # coded as fields (TV and DVD sources)
    rotation: int = 0  # degrees the picture is turned for display (phone videos)

    @property
    def display_aspect(self) -> Fraction:
        """Width / height as shown, after pixel aspect and rotation."""
        num, den = (int(x) for x in self.sample_aspect.split(":"))
        sar = Fraction(num, den) if num and den else Fraction(1)
        aspect = Fraction(self.width, self.height) * sar
        return 1 / aspect if self.rotation % 180 else aspect


@dataclass
class AudioStream:
    index: int  # index among the file's audio streams
    codec: str
    profile: str | None
    channels: int
    sample_rate: int
    bit_rate: int | None
    language: str | None


@dataclass
class SubtitleStream:
    index: int  # index among the file's subtitle streams
    codec: str
    language: str | None
    is_text: bool


@dataclass
class MediaInfo:
    path: Path
    format: str
    duration: float  # seconds
    size: int
    video: list[VideoStream] = field(default_factory=list)
    audio: list[AudioStream] = field(default_factory=list)
    subtitles: list[SubtitleStream] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data

    @property
    def still_picture(self) -> str | None:
        """The picture codec when the file is one still picture (a photo), else None.

        ffmpeg opens a JPEG or PNG as a one-frame "video"; encoding it would
        give a film of a single frame, which is no video at all.
        """
        if self.audio or len(self.video) != 1:
            return None
        codec = self.video[0].codec
        if self.format in STILL_FORMATS or self.format.endswith("_pipe"):
            return codec
        if codec in STILL_CODECS and self.duration <= 0.1:
            return codec
        return None


# Containers and codecs ffmpeg reads still pictures through.
STILL_FORMATS = {"image2", "jpeg_pipe", "png_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe"}
STILL_CODECS = {"mjpeg", "png", "bmp", "webp", "tiff", "jpeg2000", "jpegls"}


def _level(codec: str, raw: int | None) -> float | None:
    if raw is None or raw < 0:
        return None
    if codec in ("h264",):
        return raw / 10
    if codec in ("hevc",):
        return raw / 30
    return float(raw)


def _language(metadata: dict[str, str]) -> str | None:
    lang = metadata.get("language") or metadata.get("LANGUAGE")
    return lang.lower() if lang and lang.lower() != "und" else None


def probe(path: Path) -> MediaInfo:
    """Read streams and duration; an unreadable file is an ItemFailed with the reason."""
    import av

    path = Path(path)
    try:
        size = path.stat().st_size
        container = av.open(str(path), metadata_errors="replace")
    except FileNotFoundError:
        raise ItemFailed(f"{path.name}: no such file") from None
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise ItemFailed(f"{path.name}: not a readable media file ({_reason(exc)})") from None
    with container:
        info = MediaInfo(path=path, format=container.format.name, duration=0.0, size=size)
        counts = {"video": 0, "audio": 0, "subtitle": 0}
        durations = []
        for stream in container.streams:
            kind = stream.type
            if kind not in counts:
                continue
            n = counts[kind]
            counts[kind] += 1
            cc = stream.codec_context
            if kind != "subtitle":
                durations.append(_stream_duration(stream))
            if kind == "video":
                if cc.codec.name in ("png", "mjpeg") and stream.disposition & 0x400:
                    continue  # attached cover art, not a picture stream
                rate = stream.average_rate or stream.guessed_rate or stream.base_rate
                sar = cc.sample_aspect_ratio or Fraction(1)
                info.video.append(
                    VideoStream(
                        index=n,
                        codec=cc.codec.canonical_name,
                        profile=cc.profile,
                        level=_level(cc.codec.canonical_name, getattr(cc, "level", None)),
                        width=cc.width,
                        height=cc.height,
                        fps=round(float(rate), 3) if rate else 0.0,
                        pix_fmt=cc.pix_fmt,
                        sample_aspect=f"{sar.numerator}:{sar.denominator}",
                        codec_tag=_tag(cc.codec_tag),
                        interlaced=getattr(cc, "field_order", 0) in _INTERLACED_FIELD_ORDERS,
                    )
                )
            elif kind == "audio":
                info.audio.append(
                    AudioStream(
                        index=n,
                        codec=cc.codec.canonical_name,
                        profile=cc.profile,
                        channels=cc.channels,
                        sample_rate=cc.sample_rate,
                        bit_rate=cc.bit_rate or None,
                        language=_language(stream.metadata),
                    )
                )
            else:
                info.subtitles.append(
                    SubtitleStream(
                        index=n,
                        codec=cc.codec.canonical_name,
                        language=_language(stream.metadata),
                        is_text=bool(cc.codec.text_sub),
                    )
                )
        if info.video:
            info.video[0].rotation = _rotation(container)
        # Picture and sound decide the length; a late subtitle must not.
        known = [d for d in durations if d]
        if known:
            info.duration = max(known)
        elif container.duration is not None:
            info.duration = container.duration / 1_000_000
    return info


def _rotation(container: Any) -> int:
    """Display rotation of the first picture stream, from its first decoded frame."""
    import av

    stream = next((s for s in container.streams.video), None)
    if stream is None:
        return 0
    try:
        container.seek(0)
        for frame in container.decode(stream):
            return int(round(getattr(frame, "rotation", 0) or 0)) % 360
    except (av.error.FFmpegError, ValueError):
        return 0
    return 0


def _stream_duration(stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = stream.metadata.get("DURATION") or stream.metadata.get("duration")
    if tag:
        try:
            h, m, sec = tag.split(":")
            return int(h) * 3600 + int(m) * 60 + float(sec)
        except ValueError:
            return None
    return None


def _tag(tag: Any) -> str:
    if isinstance(tag, str):
        return tag.strip("\x00")
    return ""


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[0].strip() or type(exc).__name__
