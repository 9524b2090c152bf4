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

from sneakernet.clean.base import CleanError, Finding, shorten

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


def _tag(qname: bytes) -> re.Pattern[bytes]:
    """Opening, closing and empty tags of one element name (never a longer name)."""
    return re.compile(rb"<(/?)" + re.escape(qname) + rb"(?=[\s/>])[^>]*?(/?)>")


def element_spans(data: bytes, qname: bytes, nested: bool = False) -> list[tuple[int, int]]:
    """(start, end) of every `qname` element, empty or not, nesting respected.

    Only the outermost ones, unless `nested` (then inner ones too, in order of end).
    """
    spans: list[tuple[int, int]] = []
    opened: list[int] = []
    for m in _tag(qname).finditer(data):
        if m.group(1):  # </qname>
            if not opened:
                raise CleanError(f"malformed XML: a stray </{qname.decode()}>")
            start = opened.pop()
            if nested or not opened:
                spans.append((start, m.end()))
        elif m.group(2):  # <qname .../>
            if nested or not opened:
                spans.append((m.start(), m.end()))
        else:
            opened.append(m.start())
    if opened:
        raise CleanError(f"malformed XML: <{qname.decode()}> is never closed")
    return spans


def drop_spans(data: bytes, spans: list[tuple[int, int]]) -> bytes:
    out, at = [], 0
    for start, end in sorted(spans):
        if start < at:
            continue  # inside a span already dropped
        out.append(data[at:start])
        at = end
    out.append(data[at:])
    return b"".join(out)


def drop_elements(data: bytes, *qnames: bytes) -> bytes:
    """Remove these elements with everything inside them."""
    for qname in qnames:
        data = drop_spans(data, element_spans(data, qname))
    return data


def unwrap_elements(data: bytes, *qnames: bytes) -> bytes:
    """Remove these elements' tags and keep what they contain."""
    for qname in qnames:
        data = _tag(qname).sub(b"", data)
    return data


def has_element(data: bytes, qname: bytes) -> bool:
    return _tag(qname).search(data) is not None


_TEXT = re.compile(rb">([^<]+)<")


def text_of(data: bytes) -> str:
    """The character data of an XML fragment, runs joined, entities left as written."""
    parts = (t.decode("utf-8", "replace").strip() for t in _TEXT.findall(data))
    return " ".join(t for t in parts if t)
