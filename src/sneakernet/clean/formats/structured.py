"""Text that is not plain text: formats with fields of their own.

Anything that decodes as text used to be passed through as plain text, with
whatever metadata its format carries. These formats are recognised here so
that the text cleaner refuses them (each with the reason an operator can act
on) unless a cleaner of their own took them first (HTML, SAMI, ASS come
before the text cleaner in the registry, and so does RTF).
"""

from __future__ import annotations

import re

from sneakernet.clean.formats.text import as_utf8

_LEAD = rb"^(?:\xef\xbb\xbf)?\s*"
KINDS: tuple[tuple[str, re.Pattern[bytes]], ...] = tuple(
    (why, re.compile(_LEAD + pattern, re.I))
    for why, pattern in (
        (
            "an XMP sidecar: its whole content is metadata (creator, GPS position, tools,"
            " editing history); leave it off the card",
            rb"(?:<\?xml[^>]*>\s*)?(?:<\?xpacket\b|<x:x[am]pmeta\b|<rdf:RDF\b)",
        ),
        (
            "PostScript/EPS: its header comments name the creator, title and date"
            " (%%Creator, %%Title, %%CreationDate); convert it to PDF first",
            rb"%!PS",
        ),
        ("a vCard: names, e-mail addresses and phone numbers", rb"BEGIN:VCARD\b"),
        ("an iCalendar file: organisers, attendees and places", rb"BEGIN:VCALENDAR\b"),
        (
            "a FITS header: observer, telescope, dates and software",
            rb"SIMPLE  =\s+T\b",
        ),
        (
            "an e-mail message: its headers name senders, recipients and servers",
            rb"(?:Return-Path|Received|Delivered-To|Message-ID|MIME-Version|From|To|Date|"
            rb"Subject|X-[\w-]+):[^\n]*\r?\n(?:[ \t]|[\w-]+:)",
        ),
        ("JSON: structured fields of unknown meaning", rb"(?:\{\s*\"|\[\s*[\[{\"])"),
        (
            "markup (XML or SGML) without a cleaner of its own: its elements may carry metadata",
            rb"<[!?\w]",
        ),
    )
)


def kind(head: bytes) -> str | None:
    """Why this text is not plain text, or None when it is."""
    body = as_utf8(head[:8192])
    for why, pattern in KINDS:
        if pattern.match(body):
            return why
    return None
