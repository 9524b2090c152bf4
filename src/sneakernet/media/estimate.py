"""How large an item will be on the card, before it is converted.

A film is planned by what the profile will make of it, not by its original
size: a 6 GB rip is about 1 GB for a Notel player. From what the catalog
knows (kind, duration, original size) and the profile:

- video: duration x (video rate + audio rate) / 8, plus container overhead.
  The video rate is the profile's `typical_rate` (what its quality setting
  usually gives for a film at its resolution), never above its bitrate cap
  (`maxrate`), and never above the original's own rate (re-encoding a small
  file does not make it larger; a file that complies is only remuxed);
- audio: duration x the profile's constant bit rate, plus tag-free framing;
- books and everything else: the original's size (cleaning changes little).

Each estimate is checked against the real size once the item is prepared
(`make` reports the error) and the plan is made again with real sizes, so a
wrong estimate costs a replan, never a card that does not fit.
"""

from __future__ import annotations

from sneakernet.media.profiles import Profile, bitrate_bits

CONTAINER_OVERHEAD = 0.015  # MP4/AVI indexes and packet headers, share of the payload


def video_rate(size: int, duration: float, profile: Profile) -> float:
    """Bits per second the profile's video is expected to take for this original."""
    assert profile.video is not None
    audio_bps = bitrate_bits(profile.audio.bitrate) if profile.audio else 0
    source_bps = size * 8 / duration
    cap = bitrate_bits(profile.video.maxrate) if profile.video.maxrate else source_bps
    typical = bitrate_bits(profile.video.typical_rate) if profile.video.typical_rate else cap
    return min(typical, cap, max(source_bps - audio_bps, 0.0))


def estimate_card_size(
    kind: str,
    size: int,
    duration: float | None,
    profile: Profile | None,
    video_share: float = 1.0,
) -> int:
    """Bytes the prepared copy is expected to take (before the card's cluster rounding).

    `video_share` scales the video rate: a cheaper rung (`media.ladder`).
    """
    if profile is None or not duration or duration <= 0:
        return size
    audio_bps = bitrate_bits(profile.audio.bitrate) if profile.audio else 0
    if kind == "video" and profile.kind == "video" and profile.video is not None:
        video_bps = video_rate(size, duration, profile) * video_share
        payload = duration * (video_bps + audio_bps) / 8
    elif kind == "audio" and profile.kind == "audio":
        payload = duration * audio_bps / 8
    else:
        return size
    estimate = int(payload * (1 + CONTAINER_OVERHEAD)) + 4096
    if profile.max_file_size:
        estimate = min(estimate, int(profile.max_file_size * 0.95))
    return estimate
