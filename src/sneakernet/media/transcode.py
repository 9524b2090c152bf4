"""Turning one probed input into a file a profile's devices play.

Compliant files are remuxed (streams copied, identifying data dropped);
others are encoded with quality-based rate control under a bitrate cap, or
with a two-pass size-targeted encode when a size limit must be met.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

from sneakernet.errors import ItemFailed, UserError
from sneakernet.media import compliance, ffmpeg, subtitles
from sneakernet.media.ffmpeg import NEUTRAL_OUTPUT_OPTIONS, Command, Input, Output
from sneakernet.media.probe import MediaInfo
from sneakernet.media.profiles import Profile, bitrate_bits
from sneakernet.media.subtitles import SubtitleSource

# Drops every SEI NAL unit, among them x264's "options/version" user data.
H264_STRIP_SEI = ("-bsf:v", "filter_units=remove_types=6")
# Aim a little under a size target: the muxer adds an index and headers.
SIZE_TARGET_MARGIN = 0.975
LANGUAGE_ALIASES = {
    "ko": "kor",
    "en": "eng",
    "ja": "jpn",
    "zh": "chi",
    "zho": "chi",
    "ru": "rus",
    "fr": "fre",
    "fra": "fre",
    "de": "ger",
    "deu": "ger",
    "es": "spa",
}
SUBTITLE_CHOICES = ("auto", "burn", "soft", "none")

# Progress reports: fraction of this item's work done, 0..1.
FractionCallback = Callable[[float], None]


@dataclass(frozen=True)
class PrepareOptions:
    subtitles: str = "auto"  # auto, burn, soft or none
    audio_lang: str | None = None
    max_size: int | None = None  # bytes per output file
    threads: int = 0  # decoder threads per job (0: ffmpeg decides); output bytes do not change

    def cache_dict(self) -> dict:
        data = asdict(self)
        del data["threads"]
        return data


@dataclass
class Plan:
    action: str  # "remux", "encode" or "size-target"
    reasons: list[str]  # why the file does not comply (empty for remux)
    audio_index: int | None
    subtitle: SubtitleSource | None
    subtitle_mode: str  # "burn", "soft" or "none"
    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None  # None: keep the input's rate
    target_bytes: int | None = None
    crf: float | None = None  # chosen by the per-title search (profiles with a VMAF floor)
    predicted_vmaf: float | None = None
    measured_vmaf: float | None = None  # of the final encode, on the search's segments
    canvas: tuple[int, int] | None = None  # padded to this exact size (the players' screen)
    notes: list[str] = field(default_factory=list)


def normalise_language(lang: str) -> str:
    lang = lang.strip().lower()
    return LANGUAGE_ALIASES.get(lang, lang)


def choose_audio(info: MediaInfo, wanted: str | None) -> int | None:
    """Index of the audio track to keep: the wanted language, else Korean, else the first."""
    if not info.audio:
        return None
    for lang in [normalise_language(wanted)] if wanted else []:
        for track in info.audio:
            if track.language and normalise_language(track.language) == lang:
                return track.index
    for track in info.audio:
        if track.language and normalise_language(track.language) == "kor":
            return track.index
    return info.audio[0].index


def subtitle_mode(profile: Profile, requested: str) -> str:
    """The mode to use; a mode the profile's devices cannot show is a usage error."""
    if requested not in SUBTITLE_CHOICES:
        raise UserError(f"--subtitles must be one of {', '.join(SUBTITLE_CHOICES)}")
    if requested == "none":
        return "none"
    if requested == "auto":
        return profile.subtitles[0] if profile.subtitles else "none"
    if requested not in profile.subtitles:
        allowed = ", ".join(profile.subtitles) or "none"
        raise UserError(
            f"profile {profile.name!r} cannot show {requested} subtitles (it takes: {allowed})"
        )
    return requested


def _even(x: float) -> int:
    return max(2, int(round(x / 2)) * 2)


def output_size(info: MediaInfo, max_w: int, max_h: int) -> tuple[int, int]:
    """Largest even size within the box keeping the displayed aspect (square pixels)."""
    v = info.video[0]
    # ffmpeg turns rotated pictures upright before our filters see them.
    shown_h = v.width if v.rotation % 180 else v.height
    display_w = shown_h * float(v.display_aspect)
    scale = min(1.0, max_w / display_w, max_h / shown_h)
    return min(_even(display_w * scale), max_w), min(_even(shown_h * scale), max_h)


def output_fps(fps: float, max_fps: float) -> Fraction | None:
    """Halve (or third...) a too-high rate so motion stays even: 60 -> 30, 50 -> 25."""
    if fps <= max_fps + 0.01 or fps <= 0:
        return None
    rate = Fraction(fps).limit_denominator(1001)
    return rate / math.ceil(fps / max_fps - 1e-6)


def make_plan(info: MediaInfo, profile: Profile, options: PrepareOptions) -> Plan:
    if profile.kind == "video" and not info.video:
        raise ItemFailed(f"{info.path.name}: no video stream (use the music profile for audio)")
    if not info.video and not info.audio:
        raise ItemFailed(f"{info.path.name}: no video or audio stream")
    if profile.kind == "audio" and not info.audio:
        raise ItemFailed(f"{info.path.name}: no audio stream")
    if info.duration <= 0:
        raise ItemFailed(f"{info.path.name}: cannot tell its duration (corrupt or truncated?)")
    audio_index = choose_audio(info, options.audio_lang)
    mode = subtitle_mode(profile, options.subtitles)
    source = subtitles.choose(info) if mode != "none" and profile.kind == "video" else None
    if source is None:
        mode = "none"
    elif mode == "soft" and source.kind == "bitmap-stream":
        mode = "burn" if "burn" in profile.subtitles else "none"
    reasons = compliance.check(info, profile, audio_index)
    if profile.video is not None and info.video and info.video[0].codec == "mpeg4":
        reasons.append("MPEG-4 Part 2 streams carry encoder user data that remuxing cannot drop")
    if mode == "burn":
        reasons.append(f"subtitles {source.describe()} must be burned in")
    if options.max_size is not None and info.size > options.max_size:
        reasons.append(f"file is larger than --max-size ({info.size} > {options.max_size})")
    plan = Plan("remux", reasons, audio_index, source, mode)
    if not reasons:
        return plan
    plan.action = "encode"
    if profile.video is not None:
        screen = profile.video.screen_size
        box = screen or (profile.video.max_width, profile.video.max_height)
        plan.width, plan.height = output_size(info, *box)
        if screen is not None:
            plan.canvas = screen
        plan.fps = output_fps(info.video[0].fps, profile.video.max_fps)
    if options.max_size is not None:
        plan.action, plan.target_bytes = "size-target", options.max_size
    elif profile.max_file_size and profile.video is not None and profile.video.maxrate:
        worst = (
            (bitrate_bits(profile.video.maxrate) + bitrate_bits(profile.audio.bitrate))
            * info.duration
            / 8
        )
        if worst > profile.max_file_size * 0.95:
            plan.action, plan.target_bytes = "size-target", int(profile.max_file_size * 0.95)
            plan.notes.append("long item: size-targeted to stay under the profile's file limit")
    return plan


# --- commands --------------------------------------------------------------------


def _container_options(profile: Profile) -> list[str]:
    if profile.container == "mp4":
        return ["-movflags", "+faststart", "-f", "mp4"]
    if profile.container == "mp3":
        return ["-id3v2_version", "0", "-write_id3v1", "0", "-write_xing", "0", "-f", "mp3"]
    return ["-f", profile.container]


def _audio_options(profile: Profile, plan: Plan, copy: bool = False) -> list[str]:
    """Encode the chosen track to the profile's audio, or copy it as it is."""
    if plan.audio_index is None or profile.audio is None:
        return ["-an"]
    if copy:
        return ["-map", f"0:a:{plan.audio_index}", "-c:a", "copy"]
    a = profile.audio
    return [
        "-map", f"0:a:{plan.audio_index}",
        "-c:a", a.encoder, "-b:a", a.bitrate, "-ac", str(a.channels), "-ar", str(a.sample_rate),
    ]  # fmt: skip


def _filter_chain(
    profile: Profile, plan: Plan, subtitle_file: Path | None, interlaced: bool
) -> list[str]:
    spec = profile.video
    assert spec is not None
    chain = ["bwdif=mode=send_frame:deint=interlaced"] if interlaced else []
    chain += [f"scale={plan.width}:{plan.height}:flags=bicubic", "setsar=1"]
    if plan.canvas is not None and plan.canvas != (plan.width, plan.height):
        canvas_w, canvas_h = plan.canvas
        # Even offsets keep the chroma planes aligned with the picture.
        x = (canvas_w - plan.width) // 4 * 2
        y = (canvas_h - plan.height) // 4 * 2
        chain.append(f"pad={canvas_w}:{canvas_h}:{x}:{y}:black")
    if plan.fps is not None:
        chain.append(f"fps={plan.fps.numerator}/{plan.fps.denominator}")
    if subtitle_file is not None:
        # Run from the work folder, so neither name needs filter escaping.
        sub = f"subtitles=filename={subtitle_file.name}:fontsdir=fonts"
        if subtitle_file.suffix != ".ass":
            sub += f":force_style='FontName={subtitles.FONT_NAME},Outline=1.5,Shadow=0.5'"
        chain.append(sub)
    chain.append(f"format={spec.pix_fmt}")
    return chain


def _video_encoder_options(profile: Profile, plan: Plan, fps: float) -> list[str]:
    spec = profile.video
    assert spec is not None
    gop = max(1, round(spec.gop_seconds * fps))
    opts = ["-c:v", spec.encoder, "-g", str(gop), "-threads", str(spec.threads)]
    if spec.encoder == "libx264":
        if spec.preset:
            opts += ["-preset", spec.preset]
        if spec.encoder_profile:
            opts += ["-profile:v", spec.encoder_profile]
        if spec.level is not None:
            opts += ["-level:v", f"{spec.level:g}"]
        # sync-lookahead=0: x264's threaded lookahead, on by default with
        # frame threads, now and then (one encode in seven on a busy machine) gives
        # different bytes for the same film and options; without it the same
        # source always makes the same file, so cards rebuild bit for bit.
        opts += ["-x264-params", "open-gop=0:sync-lookahead=0"]
        opts += list(H264_STRIP_SEI)
    if spec.encoder == "mpeg4":
        # No B-frames: the players that take MPEG-4 Part 2 stutter or refuse
        # them, and without them there is nothing to pack (no DivX "packed
        # bitstream", one picture per AVI chunk).
        opts += ["-bf", "0"]
    if spec.tag:
        opts += ["-vtag", spec.tag]
    if plan.target_bytes is None:
        if spec.crf is not None:
            opts += ["-crf", f"{spec.crf:g}"]
        if spec.quality is not None:
            opts += ["-q:v", str(spec.quality)]
        if spec.maxrate:
            opts += ["-maxrate", spec.maxrate, "-bufsize", spec.bufsize or spec.maxrate]
    return opts


def _size_target_bitrate(info: MediaInfo, profile: Profile, plan: Plan) -> int:
    assert plan.target_bytes is not None
    audio_bps = bitrate_bits(profile.audio.bitrate) if plan.audio_index is not None else 0
    video_bps = plan.target_bytes * SIZE_TARGET_MARGIN * 8 / info.duration - audio_bps
    if video_bps < 50_000:
        raise ItemFailed(
            f"{info.path.name}: {plan.target_bytes} bytes is too small for "
            f"{info.duration:.0f} s of video; allow a larger --max-size"
        )
    # A size limit is a ceiling, not padding: past twice the profile's cap the
    # players' buffers would overflow, so the file then comes out smaller.
    if profile.video is not None and profile.video.maxrate:
        video_bps = min(video_bps, 2 * bitrate_bits(profile.video.maxrate))
    return int(video_bps)


def remux_command(info: MediaInfo, profile: Profile, plan: Plan, dst: Path) -> Command:
    if profile.video is None:
        # Music: the MP3 is copied; the MP3 cleaner then zeroes the encoder's
        # name that LAME writes into spare bits (lossless).
        opts = ["-vn", "-sn", "-dn", *_audio_options(profile, plan, copy=True)]
    else:
        # With a picture, the sound is encoded again: it costs seconds a film and
        # leaves no other encoder's fill data behind.
        opts = ["-map", "0:v:0", "-c:v", "copy", "-sn", "-dn", *_audio_options(profile, plan)]
        if info.video[0].codec == "h264":
            opts += list(H264_STRIP_SEI)
    opts += [*NEUTRAL_OUTPUT_OPTIONS, *_container_options(profile)]
    return Command([Input(info.path)], [Output(dst, opts)])


def encode_commands(
    info: MediaInfo,
    profile: Profile,
    plan: Plan,
    dst: Path,
    workdir: Path,
    subtitle_file: Path | None,
    threads: int,
) -> list[Command]:
    """One command, or two for a two-pass size-targeted encode."""
    in_opts = ["-threads", str(threads)] if threads else []
    inputs = [Input(info.path, in_opts)]
    tail = [*NEUTRAL_OUTPUT_OPTIONS, *_container_options(profile)]
    if profile.video is None:  # audio profile
        opts = ["-vn", "-sn", "-dn", *_audio_options(profile, plan)]
        return [Command(inputs, [Output(dst, opts + tail)])]
    chain = ",".join(_filter_chain(profile, plan, subtitle_file, info.video[0].interlaced))
    if plan.subtitle_mode == "burn" and plan.subtitle and plan.subtitle.kind == "bitmap-stream":
        graph = f"[0:v:0][0:s:{plan.subtitle.stream_index}]overlay=eof_action=pass,{chain}[v]"
        video_map = ["-filter_complex", graph, "-map", "[v]"]
    else:
        video_map = ["-map", "0:v:0", "-vf", chain]
    fps = float(plan.fps) if plan.fps else info.video[0].fps or 25.0
    venc = _video_encoder_options(profile, plan, fps)
    common = [*video_map, "-sn", "-dn", *venc]
    if plan.target_bytes is None:
        opts = [*common, *_audio_options(profile, plan), *tail]
        return [Command(inputs, [Output(dst, opts)])]
    bitrate = _size_target_bitrate(info, profile, plan)
    cap = max(bitrate * 2, bitrate_bits(profile.video.maxrate or "0"))
    if profile.video.maxrate:
        cap = min(cap, 2 * bitrate_bits(profile.video.maxrate))
    rate = ["-b:v", str(bitrate), "-maxrate", str(cap), "-bufsize", str(cap * 2)]
    log = ["-passlogfile", str(workdir / "pass")]
    first = [*common, *rate, "-pass", "1", *log, "-an", "-f", "null"]
    second = [*common, *rate, "-pass", "2", *log, *_audio_options(profile, plan), *tail]
    return [
        Command(inputs, [Output(Path(os.devnull), first)]),
        Command(inputs, [Output(dst, second)]),
    ]


def _prepare_subtitle(info: MediaInfo, plan: Plan, workdir: Path) -> Path | None:
    """A UTF-8 subtitle file in the work folder, with the font folder beside it."""
    source = plan.subtitle
    if source is None or source.kind == "bitmap-stream":
        return None
    fonts = workdir / "fonts"
    if not fonts.exists():
        fonts.symlink_to(subtitles.font_dir(), target_is_directory=True)
    if source.path is not None:
        return subtitles.sidecar_to_utf8(source.path, workdir)
    raw = workdir / "embedded.ass"
    ffmpeg.run(
        Command(
            [Input(info.path)],
            [Output(raw, ["-map", f"0:s:{source.stream_index}", "-c:s", "ass", "-f", "ass"])],
        )
    )
    target = workdir / "subtitle.ass"
    target.write_text(subtitles.force_font(raw.read_text("utf-8", errors="replace")), "utf-8")
    return target


def soft_subtitle(info: MediaInfo, plan: Plan, workdir: Path, dst: Path) -> None:
    """Write the chosen text track as a UTF-8 SRT (for players that show sidecars)."""
    source = plan.subtitle
    assert source is not None
    if source.path is not None:
        src = subtitles.sidecar_to_utf8(source.path, workdir)
        inputs, maps = [Input(src)], ["-map", "0:s:0"]
    else:
        inputs, maps = [Input(info.path)], ["-map", f"0:s:{source.stream_index}"]
    opts = [*maps, "-c:s", "srt", *NEUTRAL_OUTPUT_OPTIONS, "-f", "srt"]
    ffmpeg.run(Command(inputs, [Output(dst, opts)]))


def produce(
    info: MediaInfo,
    profile: Profile,
    plan: Plan,
    options: PrepareOptions,
    dst: Path,
    workdir: Path,
    on_progress: FractionCallback | None = None,
) -> None:
    """Write the output for `plan` to `dst` (a temporary name the caller renames)."""
    if plan.action == "remux":
        commands = [remux_command(info, profile, plan, dst)]
    else:
        spec = profile.video
        if plan.action == "encode" and spec is not None and spec.searches_crf:
            from dataclasses import replace

            from sneakernet.media.quality import search_crf

            try:
                found = search_crf(info, profile, plan, workdir, spec.vmaf_floor,
                                   threads=options.threads)  # fmt: skip
            except ffmpeg.FfmpegError as exc:
                # Samples this file will not give (an odd container, a damaged
                # stretch): the film is still made, at the profile's own CRF.
                plan.notes.append(
                    f"quality search failed on its samples ({str(exc)[:80]}): "
                    f"encoded at CRF {spec.crf:g}"
                )
            else:
                plan.crf, plan.predicted_vmaf = found.crf, found.predicted_vmaf
                plan.notes.append(f"CRF {found.crf:g} for VMAF {spec.vmaf_floor:g}")
                profile = replace(profile, video=replace(spec, crf=found.crf))
        sub_file = _prepare_subtitle(info, plan, workdir) if plan.subtitle_mode == "burn" else None
        commands = encode_commands(info, profile, plan, dst, workdir, sub_file, options.threads)
    searched = plan.crf is not None and plan.action == "encode"
    total = max(info.duration, 1e-3) * len(commands)
    for n, command in enumerate(commands):
        done_before = n * info.duration

        def report(seconds: float, base: float = done_before) -> None:
            if on_progress is not None:
                on_progress(min(1.0, (base + seconds) / total))

        try:
            ffmpeg.run(command, cwd=workdir, on_progress=report)
        except ffmpeg.FfmpegError as exc:
            raise ItemFailed(f"{info.path.name}: {exc}") from None
    if searched:
        # The final encode measured on the same segments: what the players get.
        from sneakernet.media.quality import sampled_vmaf

        width, height = plan.canvas or (plan.width, plan.height)
        try:
            plan.measured_vmaf = sampled_vmaf(dst, info, width, height, workdir, options.threads)
        except ffmpeg.FfmpegError:
            plan.notes.append("VMAF of the output could not be measured on its samples")
        else:
            plan.notes.append(f"VMAF {plan.measured_vmaf:.1f} measured on samples of the output")
