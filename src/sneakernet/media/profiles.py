"""Device profiles: what a class of players can play, as data.

Profiles are TOML files. The built-in ones ship in `sneakernet/data/profiles`;
operators add their own with `--profile-file` (a file with the same keys; a
user profile with a built-in name replaces it).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from sneakernet.errors import UserError
from sneakernet.sizes import parse_size

KINDS = ("video", "audio", "document")
SUBTITLE_MODES = ("burn", "soft")
# x264's presets, fastest first: the same CRF gives fewer bytes (and takes longer)
# further along.
X264_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast",
    "medium", "slow", "slower", "veryslow", "placebo",
)  # fmt: skip
NORMAL_PACE = "normal"  # the profile's own `preset`
_PACE_NAME = re.compile(r"[a-z][a-z0-9_-]*")


@dataclass(frozen=True)
class RungSpec:
    """One cheaper rung a film may be planned at (`media.ladder`).

    `step` is added to the profile's rate control (CRF, or the MPEG-4
    quantiser; taken off the VMAF floor when the profile has one); `size` and
    `value` are the shares of the best rung's size and value the planner counts;
    `vmaf` is the estimated change of quality (negative) for a profile without a
    floor; with one, the rung's own floor is its estimate.
    """

    step: float
    size: float
    value: float
    vmaf: float = 0.0


@dataclass(frozen=True)
class VideoSpec:
    codec: str  # codec name as PyAV/ffmpeg reports it, e.g. "h264"
    encoder: str  # ffmpeg encoder, e.g. "libx264"
    max_width: int
    max_height: int
    max_fps: float
    pix_fmt: str = "yuv420p"
    profiles: tuple[str, ...] = ()  # accepted codec profiles (empty: any)
    encoder_profile: str | None = None
    level: float | None = None  # highest accepted level, e.g. 3.1
    crf: float | None = None  # quality-based rate control (x264)
    quality: int | None = None  # fixed quantiser scale (MPEG-4 Part 2)
    maxrate: str | None = None  # bitrate cap, e.g. "2000k"
    typical_rate: str | None = None  # usual rate at this quality: size estimates (`estimate`)
    bufsize: str | None = None
    preset: str | None = None
    gop_seconds: float = 2.0
    tag: str | None = None  # container fourcc, e.g. "XVID"
    # Exact picture size the players need, e.g. "320x240": the film is fitted
    # inside and padded with black bars, never stretched.
    screen: str | None = None
    # Quality the players need, as VMAF at the output size: each title's CRF is
    # then searched (`media.quality`) instead of `crf` being used as it is.
    vmaf_floor: float | None = None
    # Encoder threads. Fixed, not taken from the machine: x264 (and the MPEG-4
    # encoder's slices) write different bytes for different thread counts, and
    # the same inputs must give the same card on any computer.
    threads: int = 4
    # Cheaper rungs the planner may choose when a card is nearly full, best first,
    # and the hard minimum: no rung whose estimated video rate is below `min_rate`.
    rungs: tuple[RungSpec, ...] = ()
    min_rate: str | None = None
    # What the quality setting usually gives, as VMAF at the output size (the
    # plan's estimate before a film is prepared).
    typical_vmaf: float | None = None
    # Encoder speeds the station may choose (`with_pace`): pace name -> x264
    # preset, "normal" being `preset`; `pace` is the one this profile encodes at.
    # Only `preset` decides the bytes: neither is part of the cache key.
    paces: dict[str, str | None] = field(default_factory=dict, hash=False)
    pace: str = NORMAL_PACE

    @property
    def searches_crf(self) -> bool:
        """Each title's CRF is searched for the VMAF floor (`media.quality`)."""
        return self.vmaf_floor is not None and self.crf is not None

    @property
    def screen_size(self) -> tuple[int, int] | None:
        if self.screen is None:
            return None
        width, _, height = self.screen.lower().partition("x")
        return int(width), int(height)


@dataclass(frozen=True)
class AudioSpec:
    codec: str
    encoder: str
    bitrate: str
    channels: int = 2
    sample_rate: int = 48000
    # The highest rate a file that otherwise complies keeps as it is (remuxed,
    # not encoded again); default 1.25 x `bitrate`.
    keep_up_to: str | None = None

    def keep_up_to_bits(self) -> int:
        if self.keep_up_to is not None:
            return bitrate_bits(self.keep_up_to)
        return int(bitrate_bits(self.bitrate) * 1.25)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    kind: str
    container: str  # ffmpeg muxer name ("mp4", "avi", "mp3") or "any"
    extension: str
    subtitles: tuple[str, ...] = ()  # modes this device accepts, first is the default
    max_file_size: int | None = None  # bytes; FAT32 cannot hold 4 GiB or more
    video: VideoSpec | None = None
    audio: AudioSpec | None = None
    source: str = "built-in"

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `--json` and for cache keys."""
        return asdict(self)

    def cache_dict(self) -> dict[str, Any]:
        """What decides the output's bytes (not descriptions or size estimates)."""
        data = self.to_dict()
        data.pop("source")
        data.pop("description")
        if data.get("video"):
            for planning_only in (
                "typical_rate", "rungs", "min_rate", "typical_vmaf", "paces", "pace",
            ):  # fmt: skip
                data["video"].pop(planning_only, None)
        return data


@dataclass
class ProfileSet:
    profiles: dict[str, Profile] = field(default_factory=dict)

    def get(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(sorted(self.profiles))
            raise UserError(
                f"unknown profile {name!r}: choose one of {known}, or add one with --profile-file"
            ) from None


def bitrate_bits(rate: str) -> int:
    """Bits per second from ffmpeg's notation: "128k", "2M" or "96000"."""
    rate = rate.strip().lower()
    scale = {"k": 1000, "m": 1_000_000}.get(rate[-1])
    return int(float(rate[:-1]) * scale) if scale else int(rate)


def _bytes_or_none(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return parse_size(str(value))


def _paces(video: dict[str, Any], source: str) -> dict[str, str | None]:
    """The paces of an x264 profile, "normal" (its `preset`) first; none for other encoders.

    Every preset named must be one of x264's (a UserError naming the file).
    """
    if video.get("pace", NORMAL_PACE) != NORMAL_PACE:  # "normal": to_dict's own round trip
        raise UserError(
            f"profile file {source}: a profile lists `paces`; which one is used is "
            "chosen by --pace (or `pace` in sneakernet.toml), not in the profile"
        )
    listed = video.get("paces", {})
    if not isinstance(listed, dict):
        raise UserError(
            f'profile file {source}: paces must be a table, e.g. paces = {{ rush = "veryfast" }}'
        )
    if video.get("encoder") != "libx264":
        if listed:
            raise UserError(
                f"profile file {source}: paces choose x264 presets, but the encoder is "
                f"{video.get('encoder')!r}, which has none"
            )
        return {}
    preset = video.get("preset")
    for name, value in [("preset", preset), *((f"paces.{k}", v) for k, v in listed.items())]:
        if value is not None and value not in X264_PRESETS:
            raise UserError(
                f"profile file {source}: {name} = {value!r} is not an x264 preset "
                f"(one of {', '.join(X264_PRESETS)})"
            )
    for name in listed:
        if name == NORMAL_PACE:
            raise UserError(
                f"profile file {source}: the normal pace is the profile's `preset`; "
                "set that instead of paces.normal"
            )
        if not _PACE_NAME.fullmatch(name):
            raise UserError(
                f"profile file {source}: pace name {name!r} must be lower-case letters, "
                "digits, - or _, starting with a letter"
            )
    return {NORMAL_PACE: preset, **listed}


def with_pace(profile: Profile, pace: str) -> Profile:
    """The profile encoding at `pace`: `preset` replaced by the pace's x264 preset.

    "normal" is always the profile's own preset. A pace the profile does not
    list is a UserError naming the paces it has. A profile without an x264
    encoder (MPEG-4 Part 2, or sound only) has one speed: it comes back as it
    is, at the normal pace, whatever was asked (`pace_of` tells the caller).
    """
    spec = profile.video
    if spec is None or spec.encoder != "libx264":
        return profile
    choices = {NORMAL_PACE: spec.preset, **spec.paces}
    if pace not in choices:
        raise UserError(
            f"profile {profile.name!r} has no pace {pace!r}: its paces are "
            + ", ".join(f"{name} ({preset or 'x264 default'})" for name, preset in choices.items())
        )
    return replace(profile, video=replace(spec, preset=choices[pace], pace=pace))


def pace_of(profile: Profile) -> str:
    """The pace the profile encodes at ("normal" for profiles without x264)."""
    return profile.video.pace if profile.video is not None else NORMAL_PACE


def parse_profile(data: dict[str, Any], source: str) -> Profile:
    """Build a Profile from TOML data; a mistake is a UserError naming the file."""
    try:
        video = data.get("video")
        audio = data.get("audio")
        profile = Profile(
            name=str(data["name"]),
            description=str(data.get("description", "")),
            kind=str(data["kind"]),
            container=str(data["container"]),
            extension=str(data.get("extension", data["container"])),
            subtitles=tuple(data.get("subtitles", ())),
            max_file_size=_bytes_or_none(data.get("max_file_size")),
            video=None
            if video is None
            else VideoSpec(
                **{
                    **video,
                    "profiles": tuple(video.get("profiles", ())),
                    "rungs": tuple(RungSpec(**r) for r in video.get("rungs", ())),
                    "paces": _paces(video, source),
                }
            ),
            audio=None if audio is None else AudioSpec(**audio),
            source=source,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"profile file {source} is not valid ({exc}): see docs/media.md") from None
    if profile.video is not None and profile.video.screen is not None:
        try:
            width, height = profile.video.screen_size
        except ValueError:
            width = height = 0
        if width <= 0 or height <= 0 or width % 2 or height % 2:
            raise UserError(
                f"profile {profile.name!r} in {source}: screen must be WIDTHxHEIGHT "
                f"in even pixels, e.g. 320x240 (got {profile.video.screen!r})"
            )
    for rung in profile.video.rungs if profile.video is not None else ():
        if not (rung.step > 0 and 0 < rung.size < 1 and 0 < rung.value <= 1):
            raise UserError(
                f"profile {profile.name!r} in {source}: each rung needs step > 0, "
                f"0 < size < 1 and 0 < value <= 1 (got {rung})"
            )
    if profile.kind not in KINDS:
        raise UserError(f"profile {profile.name!r} in {source}: kind must be one of {KINDS}")
    if profile.kind == "video" and (profile.video is None or profile.audio is None):
        raise UserError(
            f"profile {profile.name!r} in {source}: a video profile needs [video] and [audio]"
        )
    if profile.kind == "audio" and profile.audio is None:
        raise UserError(f"profile {profile.name!r} in {source}: an audio profile needs [audio]")
    bad = set(profile.subtitles) - set(SUBTITLE_MODES)
    if bad:
        raise UserError(
            f"profile {profile.name!r} in {source}: unknown subtitle modes {sorted(bad)}"
        )
    return profile


def _read_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"profile file {source} is not valid TOML: {exc}") from None


def builtin_profiles() -> dict[str, Profile]:
    folder = resources.files("sneakernet") / "data" / "profiles"
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            profile = parse_profile(_read_toml(entry.read_text("utf-8"), entry.name), "built-in")
            found[profile.name] = profile
    return found


def load_profiles(extra_files: list[Path] | None = None) -> ProfileSet:
    """Built-in profiles plus the operator's files (which win on a name clash)."""
    profiles = builtin_profiles()
    for path in extra_files or []:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise UserError(f"cannot read profile file {path}: {exc.strerror}") from None
        data = _read_toml(text, str(path))
        entries = data.get("profile", [data]) if isinstance(data.get("profile"), list) else [data]
        for entry in entries:
            profile = parse_profile(entry, str(path))
            profiles[profile.name] = profile
    return ProfileSet(profiles)
