"""ASS/SSA subtitles: credits, tool lines and author paths removed.

An ASS file's `[Script Info]` names translators, editors, timers and the
tool and its version; Aegisub adds sections with the paths of the video and
audio files on the author's disk. Only the lines a renderer needs are kept.
Lines are handled as bytes so any text encoding survives unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

from sneakernet.clean.base import CleanOptions, Finding, shorten
from sneakernet.clean.formats.subtitles import strip_bom
from sneakernet.clean.formats.text import as_utf8, in_own_encoding

# [Script Info] keys a renderer reads; everything else there is credits or notes.
RENDER_KEYS = {
    b"scripttype",
    b"playresx",
    b"playresy",
    b"playdepth",
    b"wrapstyle",
    b"timer",
    b"scaledborderandshadow",
    b"ycbcr matrix",
    b"collisions",
    b"layoutresx",
    b"layoutresy",
    b"kerning",
    b"language",
}
# Sections no renderer needs (they hold the author's file paths and tool state).
DROPPED_SECTIONS = {b"[aegisub project garbage]", b"[aegisub extradata]"}
SECTION = re.compile(rb"^\s*\[[^\]]+\]\s*$")


def _walk(data: bytes):
    """(section, line, keep) for every line of an ASS/SSA script."""
    section = b""
    for line in data.splitlines(keepends=True):
        bare = strip_bom(line).strip()
        if SECTION.match(bare):
            section = bare.lower()
            yield section, line, section not in DROPPED_SECTIONS
            continue
        if section in DROPPED_SECTIONS:
            yield section, line, False
        elif section == b"[script info]":
            key = bare.split(b":", 1)[0].strip().lower()
            yield section, line, not bare or (b":" in bare and key in RENDER_KEYS)
        elif section == b"[events]" and bare.lower().startswith(b"comment:"):
            yield section, line, False
        else:
            yield section, line, True


class AssCleaner:
    name = "ass"

    def sniff(self, head: bytes, path: Path) -> bool:
        return strip_bom(as_utf8(head)).lstrip().lower().startswith(b"[script info]")

    def inspect(self, path: Path) -> list[Finding]:
        findings = []
        for section, line, keep in _walk(as_utf8(path.read_bytes())):
            if keep:
                continue
            text = line.strip()
            if section == b"[events]":
                field = "ASS:Comment event"
            elif section == b"[script info]":
                field = f"ASS:{shorten(text.split(b':', 1)[0].lstrip(b';!: '), 40) or 'comment'}"
            else:
                field = f"ASS:{shorten(section, 40)}"
            findings.append(Finding(field, shorten(text), "credits, tool, notes or file paths"))
        return findings

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        data = src.read_bytes()
        kept = b"".join(line for _, line, keep in _walk(as_utf8(data)) if keep)
        dst.write_bytes(in_own_encoding(data, kept))


cleaner = AssCleaner()
