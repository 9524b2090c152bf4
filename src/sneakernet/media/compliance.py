"""Does a file already play on a profile's devices? Reasons when it does not."""

from __future__ import annotations

from sneakernet.media.probe import CONTAINER_EXTENSIONS, CONTAINER_FORMATS, MediaInfo
from sneakernet.media.profiles import Profile


def check(info: MediaInfo, profile: Profile, audio_index: int | None = None) -> list[str]:
    """Every reason the file (video 0, the chosen audio) does not fit the profile."""
    reasons: list[str] = []
    formats = CONTAINER_FORMATS.get(profile.container, {profile.container})
    if info.format not in formats:
        reasons.append(f"container is {info.format.split(',')[0]}, needs {profile.container}")
    elif info.path.suffix.lower() not in CONTAINER_EXTENSIONS.get(profile.container, set()):
        reasons.append(
            f"file name ends in {info.path.suffix or 'nothing'}, needs .{profile.extension}"
        )
    if profile.max_file_size and info.size >= profile.max_file_size:
        reasons.append(f"file is {info.size} bytes, limit {profile.max_file_size}")
    spec = profile.video
    if spec is not None:
        if not info.video:
            reasons.append("no video stream")
        else:
            v = info.video[0]
            if v.codec != spec.codec:
                reasons.append(f"video codec is {v.codec}, needs {spec.codec}")
            if spec.profiles and v.profile not in spec.profiles:
                reasons.append(f"video profile is {v.profile}, needs {' or '.join(spec.profiles)}")
            if spec.level is not None and (v.level is None or v.level > spec.level + 1e-6):
                reasons.append(f"video level is {v.level}, needs at most {spec.level:g}")
            if v.width > spec.max_width or v.height > spec.max_height:
                reasons.append(
                    f"picture is {v.width}x{v.height}, needs at most {spec.max_width}x{spec.max_height}"
                )
            screen = spec.screen_size
            if screen is not None and (v.width, v.height) != screen:
                reasons.append(
                    f"picture is {v.width}x{v.height}, the players need exactly {spec.screen}"
                )
            if v.width % 2 or v.height % 2:
                reasons.append(f"picture is {v.width}x{v.height}, needs even dimensions")
            if v.sample_aspect not in ("1:1", "0:1"):
                reasons.append(f"pixels are not square ({v.sample_aspect})")
            if v.fps > spec.max_fps + 0.01:
                reasons.append(f"frame rate is {v.fps:g}, needs at most {spec.max_fps:g}")
            if v.rotation:
                reasons.append(f"picture is stored turned by {v.rotation}° (players ignore that)")
            if v.interlaced:
                reasons.append("picture is interlaced (players would show combing)")
            if v.pix_fmt != spec.pix_fmt:
                reasons.append(f"pixel format is {v.pix_fmt}, needs {spec.pix_fmt}")
            if spec.tag and v.codec_tag.upper() != spec.tag.upper():
                reasons.append(f"codec tag is {v.codec_tag or 'none'}, needs {spec.tag}")
    aspec = profile.audio
    if aspec is not None:
        if not info.audio:
            if spec is None:
                reasons.append("no audio stream")
        else:
            a = info.audio[audio_index or 0]
            if a.codec != aspec.codec:
                reasons.append(f"audio codec is {a.codec}, needs {aspec.codec}")
            elif a.codec == "aac" and a.profile not in (None, "LC"):
                reasons.append(f"audio is AAC {a.profile}, needs AAC-LC")
            if a.channels > aspec.channels:
                reasons.append(f"audio has {a.channels} channels, needs at most {aspec.channels}")
            if a.bit_rate and a.bit_rate > aspec.keep_up_to_bits():
                reasons.append(
                    f"audio bitrate is {a.bit_rate // 1000}k, needs about {aspec.bitrate}"
                )
    if spec is None and aspec is not None and profile.kind == "audio" and info.video:
        reasons.append("has a picture stream (cover art) that players may choke on")
    return reasons
