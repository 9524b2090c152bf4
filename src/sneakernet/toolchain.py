"""The versions of everything that shapes a card's bytes, and what changed.

A card is reproducible only for the same tool versions: another ffmpeg or
x264 encodes a film to other bytes, another qpdf writes a PDF differently,
another HiGHS may choose another set of files. `versions()` names them all
(sneakernet and every package it runs on, the bundled ffmpeg build, its
x264, the qpdf inside pikepdf, zlib and Python). The operator-side manifest
records them, never the card. `prepared_folder()` names the cache folder of
prepared copies after them and the device profile, so copies made by other versions are made again
instead of mixing two tool sets on one card.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
import zlib
from functools import cache
from importlib import metadata
from pathlib import Path

PROJECT = "sneakernet"


def _runtime_packages() -> list[str]:
    """The packages `pip install sneakernet` brings (not the test or cluster extras)."""
    names = []
    for text in metadata.requires(PROJECT) or []:
        requirement, _, marker = text.partition(";")
        if "extra" not in marker:
            names.append(re.match(r"[A-Za-z0-9._-]+", requirement.strip()).group(0))
    return sorted(names, key=str.lower)


def _x264_core(exe: str) -> str:
    """The x264 build inside the ffmpeg binary, read from the SEI of a one-frame encode."""
    try:
        out = subprocess.run(
            [exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi",
             "-i", "color=c=black:s=16x16:d=0.04", "-frames:v", "1", "-c:v", "libx264",
             "-f", "h264", "-"],
            capture_output=True, timeout=60, check=False,
        ).stdout  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    found = re.search(rb"x264 - core (\d+)(?: (r\d+))?", out)
    if not found:
        return "unavailable"
    return " ".join(part.decode() for part in found.groups() if part)


@cache
def versions() -> dict[str, str]:
    """Name -> version of everything that decides a card's bytes, in a stable order."""
    found = {PROJECT: metadata.version(PROJECT)}
    for name in _runtime_packages():
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    import imageio_ffmpeg
    import pikepdf

    from sneakernet.media.ffmpeg import ffmpeg_exe

    found["ffmpeg"] = imageio_ffmpeg.get_ffmpeg_version()
    found["x264"] = _x264_core(ffmpeg_exe())
    found["qpdf"] = pikepdf.__libqpdf_version__
    found["zlib"] = zlib.ZLIB_RUNTIME_VERSION
    found["python"] = platform.python_version()
    return found


def fingerprint(found: dict[str, str] | None = None) -> str:
    """A short name for one set of versions."""
    text = json.dumps(versions() if found is None else found, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def prepared_folder(cache_dir: Path, profile: str, pace: str = "normal") -> Path:
    """Where prepared copies made by exactly these versions for this device profile,
    at this pace, live (`prepared-TOOLS-PROFILE`, or `...-PROFILE@PACE`).

    A copy made for another profile (another resolution, codec or bitrate) or
    another pace (another x264 preset) is never reused: changing `profile` or
    `pace` prepares again.
    """
    at = "" if pace == "normal" else f"@{pace}"
    return cache_dir / f"prepared-{fingerprint()}-{profile}{at}"


def differences(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """'ffmpeg X instead of Y' for each tool whose version changed, added or removed."""
    notes = []
    for name in sorted(set(before) | set(now), key=str.lower):
        old, new = before.get(name, "none"), now.get(name, "none")
        if old != new:
            notes.append(f"{name} {new} instead of {old}")
    return notes
