"""Size estimates for items not prepared yet, from the profiles `make` will use.

Video is estimated for the project's device profile, audio for `music`,
everything else at its original size (`media.estimate` has the model).
"""

from __future__ import annotations

from collections.abc import Iterable

from sneakernet.library.catalog import Item


def profile_for(kind: str, device_profile: str) -> str | None:
    """The profile `make` prepares an item of this kind with (None: cleaned as it is)."""
    return {"video": device_profile, "audio": "music"}.get(kind)


def with_estimates(items: Iterable[Item], device_profile: str) -> list[Item]:
    """The items, each not yet prepared given `estimated_size` for its profile."""
    from sneakernet.media.estimate import estimate_card_size
    from sneakernet.media.profiles import load_profiles

    profiles = load_profiles()
    out = []
    for item in items:
        name = profile_for(item.kind, device_profile)
        if item.prepared_size is None and name is not None:
            profile = profiles.get(name)
            item.estimated_size = estimate_card_size(item.kind, item.size, item.duration, profile)
        out.append(item)
    return out
