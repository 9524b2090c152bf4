"""The rungs a film can be planned at, and the encoder settings that make each.

Level 0 is the profile as it is (its CRF, quantiser or VMAF floor). Each
cheaper rung the profile lists adds its `step` to the rate control (CRF up,
MPEG-4 quantiser up, or the VMAF floor down) and scales the bitrate cap by
its size share, so a film bound by the cap shrinks as well. Before a film is
prepared, each rung's size is estimated as the best rung's estimated video rate
times the rung's size share (`media.estimate`); a rung whose estimated video
rate falls below the profile's `min_rate` is not offered, so no film is ever
planned below that hard minimum.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sneakernet.media.estimate import estimate_card_size, video_rate
from sneakernet.media.profiles import Profile, bitrate_bits


@dataclass(frozen=True)
class RungEstimate:
    level: int
    size: int  # bytes, estimated
    value: float  # share of the best rung's value
    vmaf: float | None  # estimated quality
    setting: str  # the encoder setting that gives it, e.g. "crf 26"


def rung_profile(profile: Profile, level: int) -> Profile:
    """The profile that encodes rung `level` (0: the profile itself)."""
    spec = profile.video
    if level == 0 or spec is None:
        return profile
    if level > len(spec.rungs):
        raise ValueError(f"profile {profile.name!r} has no rung {level}")
    rung = spec.rungs[level - 1]
    changes: dict = {}
    if spec.searches_crf:
        changes["vmaf_floor"] = spec.vmaf_floor - rung.step
    elif spec.crf is not None:
        changes["crf"] = spec.crf + rung.step
    elif spec.quality is not None:
        changes["quality"] = min(31, spec.quality + round(rung.step))
    if spec.maxrate:
        changes["maxrate"] = str(int(bitrate_bits(spec.maxrate) * rung.size))
        if spec.bufsize:
            changes["bufsize"] = str(int(bitrate_bits(spec.bufsize) * rung.size))
    return replace(profile, video=replace(spec, **changes))


def setting(profile: Profile) -> str:
    """What decides the rung's rate, as people read it."""
    spec = profile.video
    if spec is None:
        return ""
    if spec.searches_crf:
        return f"VMAF floor {spec.vmaf_floor:g}"
    if spec.crf is not None:
        return f"crf {spec.crf:g}"
    if spec.quality is not None:
        return f"q {spec.quality}"
    return ""


def rung_estimates(
    kind: str, size: int, duration: float | None, profile: Profile | None
) -> list[RungEstimate]:
    """The rungs a video may be planned at, best first, none below the hard minimum.

    One rung (the profile as it is) for anything that is not a video encoded by
    a video profile, or when the profile lists no cheaper rungs.
    """
    full = estimate_card_size(kind, size, duration, profile)
    if profile is None or profile.video is None or kind != "video" or not duration:
        return [RungEstimate(0, full, 1.0, None, "")]
    spec = profile.video
    vmaf = spec.typical_vmaf
    if spec.searches_crf:
        vmaf = spec.vmaf_floor
    out = [RungEstimate(0, full, 1.0, vmaf, setting(profile))]
    rate = video_rate(size, duration, profile)
    if profile.max_file_size and full >= int(profile.max_file_size * 0.95):
        return out  # size-targeted to the file limit: its rate is not the profile's
    minimum = bitrate_bits(spec.min_rate) if spec.min_rate else 0
    for level, rung in enumerate(spec.rungs, 1):
        if rate * rung.size < minimum:
            break
        if spec.searches_crf:
            rung_vmaf = spec.vmaf_floor - rung.step  # the rung's own floor
        else:
            rung_vmaf = None if vmaf is None else vmaf + rung.vmaf
        out.append(
            RungEstimate(
                level,
                estimate_card_size(kind, size, duration, profile, video_share=rung.size),
                rung.value,
                rung_vmaf,
                setting(rung_profile(profile, level)),
            )
        )
    return out
