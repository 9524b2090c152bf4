"""A small corpus of dirty audio/video files, one per container, for comparisons.

Each sample lists the strings planted in it (tags, names, dates, pictures) and
the encoder strings the writers left; a cleaner must leave none of them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from sneakernet.media import ffmpeg

ENCODER_MARKERS = ["x264 - core", "Lavf", "Lavc", "LAME3", "LAME4"]


@dataclass
class Sample:
    name: str
    planted: list[str]


def _run(out: Path, *args: str) -> Path:
    argv = [ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    ffmpeg.run([*argv, *args, ffmpeg.file_url(out)])
    return out


def _tags(prefix: str) -> tuple[list[str], list[str]]:
    values = {
        "title": f"{prefix}TitleQz",
        "artist": f"{prefix}ArtistQz",
        "album": f"{prefix}AlbumQz",
        "comment": f"{prefix}CommentQz",
        "copyright": f"{prefix}OwnerQz",
    }
    args: list[str] = []
    for key, value in values.items():
        args += ["-metadata", f"{key}={value}"]
    return args, list(values.values())


VIDEO = ["-f", "lavfi", "-i", "testsrc=size=128x96:rate=10:duration=1"]
AUDIO = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]


def build(folder: Path, trailer: bool = True) -> list[Sample]:
    folder.mkdir(parents=True, exist_ok=True)
    cover = _run(
        folder.parent / "cover.png", "-f", "lavfi", "-i", "color=c=red:s=16x16", "-frames:v", "1"
    )
    picture = [
        "-i",
        f"file:{cover}",
        "-map",
        "0",
        "-map",
        "1",
        "-c:v",
        "png",
        "-disposition:v",
        "attached_pic",
    ]
    samples = []

    def add(name: str, prefix: str, *args: str, extra: list[str] = ()) -> None:
        tag_args, planted = _tags(prefix)
        _run(folder / name, *args, *tag_args)
        samples.append(Sample(name, planted + list(extra)))

    when = ["-metadata", "creation_time=2021-03-04T05:06:07Z"]
    add(
        "movie.mp4",
        "Mp4",
        *VIDEO,
        *AUDIO,
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        *when,
        "-metadata:s:v",
        "handler_name=Mp4HandlerQz",
        extra=["Mp4HandlerQz"],
    )
    add(
        "movie.mov",
        "Mov",
        *VIDEO,
        *AUDIO,
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        *when,
        "-metadata",
        "location=+39.0392+125.7625/",
        extra=["+39.0392+125.7625"],
    )
    add("song.m4a", "M4a", *AUDIO, *picture, "-c:a", "aac")
    add(
        "movie.mkv",
        "Mkv",
        *VIDEO,
        *AUDIO,
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        *when,
        "-metadata:s:v",
        "title=MkvTrackQz",
        extra=["MkvTrackQz"],
    )
    add(
        "song.mp3",
        "Mp3",
        *AUDIO,
        *picture,
        "-c:a",
        "libmp3lame",
        "-ac",
        "2",
        "-id3v2_version",
        "3",
        "-write_id3v1",
        "1",
    )
    add("song.flac", "Flac", *AUDIO, *picture, "-c:a", "flac")
    add("song.aac", "Aac", *AUDIO, "-c:a", "aac", "-write_id3v2", "1", "-write_apetag", "1")
    add("song.aiff", "Aiff", *AUDIO, "-c:a", "pcm_s16be", "-write_id3v2", "1")
    add("clip.flv", "Flv", *VIDEO, *AUDIO, "-c:v", "libx264", "-c:a", "aac",
        "-flvflags", "add_keyframe_index")  # fmt: skip
    add("clip.ts", "Ts", *VIDEO, *AUDIO, "-c:v", "libx264", "-c:a", "aac",
        "-metadata", "service_name=TsServiceQz", extra=["TsServiceQz"])  # fmt: skip
    add("clip.wmv", "Wmv", *VIDEO, *AUDIO, "-c:v", "wmv2", "-c:a", "wmav2", "-f", "asf")
    add("song.ogg", "Ogg", *AUDIO, "-c:a", "libvorbis")
    add("song.opus", "Opus", *AUDIO, "-c:a", "libopus")
    add(
        "take.wav",
        "Wav",
        *AUDIO,
        "-c:a",
        "pcm_s16le",
        "-write_bext",
        "1",
        "-metadata",
        "originator=WavStudioQz",
        extra=["WavStudioQz"],
    )
    add(
        "clip.avi",
        "Avi",
        *VIDEO,
        *AUDIO,
        "-c:v",
        "libx264",
        "-c:a",
        "libmp3lame",
        "-metadata:s:v",
        "title=AviStreamQz",
        extra=["AviStreamQz"],
    )
    # Data appended after the container's end (how Red Star-like trailers and
    # hidden payloads ride along).
    for sample in samples if trailer else []:
        with open(folder / sample.name, "ab") as f:
            f.write(b"TrailerQz" + struct.pack("<I", 0))
        sample.planted.append("TrailerQz")
    return samples
