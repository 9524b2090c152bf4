"""Text rules over the XML inside documents, applied to raw bytes.

Office readers reject documents whose namespace prefixes change, so the XML
is never parsed and re-serialised: each rule is a pattern that matches an
identifying value and a replacement that removes or neutralises it. A rule's
pattern must not match its own replacement, so a cleaned file shows nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sneakernet.clean.base import Finding, shorten

Replacement = bytes | Callable[[re.Match[bytes]], bytes]


@dataclass(frozen=True)
class Rule:
    label: str  # shown as the finding's field
    why: str
    members: re.Pattern[str]  # archive members it applies to
    pattern: re.Pattern[bytes]
    replacement: Replacement = b""


def rule(
    label: str,
    why: str,
    members: str,
    pattern: bytes,
    replacement: Replacement = b"",
    flags: int = 0,
) -> Rule:
    return Rule(label, why, re.compile(members), re.compile(pattern, re.S | flags), replacement)


def findings(rules: list[Rule], name: str, data: bytes, prefix: str) -> list[Finding]:
    out = []
    for r in rules:
        if not r.members.fullmatch(name):
            continue
        matches = [m.group(0) for m in r.pattern.finditer(data) if _changes(r, m)]
        if matches:
            sample = b" ".join(matches[:3])
            more = f" (+{len(matches) - 3} more)" if len(matches) > 3 else ""
            out.append(Finding(f"{prefix}:{name}:{r.label}", shorten(sample, 160) + more, r.why))
    return out


def _changes(r: Rule, m: re.Match[bytes]) -> bool:
    """Whether cleaning would alter this match (kept matches are not findings)."""
    new = r.replacement(m) if callable(r.replacement) else m.expand(r.replacement)
    return new != m.group(0)


def apply(rules: list[Rule], name: str, data: bytes) -> bytes:
    for r in rules:
        if r.members.fullmatch(name):
            data = r.pattern.sub(r.replacement, data)
    return data


ELEMENT_TEXT = re.compile(rb"<(?:[\w.-]+:)?([\w.-]+)(?:\s[^>]*)?>([^<]*[^<\s][^<]*)</", re.S)


def element_values(data: bytes) -> list[tuple[str, str]]:
    """(element name, text) of every element with text: properties files are flat."""
    return [
        (m.group(1).decode("latin-1"), shorten(m.group(2))) for m in ELEMENT_TEXT.finditer(data)
    ]
