"""Size estimates for items not prepared yet, from the profiles `make` will use.

Video is estimated for the project's device profile, audio for `music`,
everything else at its original size (`media.estimate` has the model). A
video also gets its rungs (`media.ladder`): the sizes the planner may choose
between. A video already prepared is planned at the rung it was prepared at,
with its exact size, or at a better rung (estimated from the prepared size)
when one would now fit: it is then prepared again at that rung.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from sneakernet.library.catalog import Item, ItemRung

# A prepared copy of a cheaper rung is named `HASH-rN.ext` (rung 0: `HASH.ext`).
_RUNG_NAME = re.compile(r"-r(\d+)$")


def profile_for(kind: str, device_profile: str) -> str | None:
    """The profile `make` prepares an item of this kind with (None: cleaned as it is)."""
    return {"video": device_profile, "audio": "music"}.get(kind)


def prepared_rung(path: str | None) -> int:
    """The rung a prepared copy was made at, from its name."""
    if not path:
        return 0
    match = _RUNG_NAME.search(Path(path).stem)
    return int(match.group(1)) if match else 0


def rung_suffix(level: int) -> str:
    return f"-r{level}" if level else ""


def with_estimates(items: Iterable[Item], device_profile: str) -> list[Item]:
    """The items, each not yet prepared given `estimated_size` for its profile, videos
    their rungs."""
    from sneakernet.media.ladder import rung_estimates
    from sneakernet.media.profiles import load_profiles

    profiles = load_profiles()
    out = []
    for item in items:
        name = profile_for(item.kind, device_profile)
        profile = profiles.get(name) if name is not None else None
        if name is not None and (item.prepared_size is None or item.kind == "video"):
            ladder = rung_estimates(item.kind, item.size, item.duration, profile)
            if item.prepared_size is None:
                item.estimated_size = ladder[0].size
                rungs = [ItemRung(r.level, r.size, r.value, r.vmaf, r.setting) for r in ladder]
            else:
                rungs = _prepared_rungs(item, ladder)
            item.rungs = tuple(rungs) if item.kind == "video" and len(ladder) > 0 else None
        out.append(item)
    return out


def _prepared_rungs(item: Item, ladder) -> list[ItemRung]:
    """A prepared video: its rung at the exact size, after the better rungs estimated
    from it (the shares of the rungs, as before preparing)."""
    level = min(prepared_rung(item.prepared_path), len(ladder) - 1)
    real = item.prepared_size or 0
    at = ladder[level]
    rungs = [
        ItemRung(r.level, int(real * r.size / at.size) if at.size else real, r.value, r.vmaf,
                 r.setting)
        for r in ladder[:level]
    ]  # fmt: skip
    vmaf, measured = _measured_vmaf(item.prepared_path), True
    if vmaf is None:
        vmaf, measured = at.vmaf, False
    rungs.append(ItemRung(at.level, real, at.value, vmaf, at.setting, measured))
    return rungs


def _measured_vmaf(prepared_path: str | None) -> float | None:
    """The VMAF `make` measured on a prepared film (profiles with a VMAF floor)."""
    import json

    from sneakernet.make.prepare import quality_path

    if not prepared_path:
        return None
    try:
        data = json.loads(quality_path(Path(prepared_path)).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    vmaf = data.get("vmaf")
    return float(vmaf) if isinstance(vmaf, (int, float)) else None
