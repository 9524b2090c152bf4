"""The text cleaner takes plain text only: structured text is refused, HTML loses its <meta>."""

from __future__ import annotations

import json

import pytest
from clean_checks import exiftool_tags, survivors
from clean_corpus import planted
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import assert_user_error, run_cli
from sneakernet.clean import UnknownFormat, clean_file, content_format, inspect_file

P = planted


def _xmp() -> str:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
        ' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/"'
        f' xmp:CreatorTool="{P("XmpTool")}" exif:GPSLatitude="39,1.5N">'
        f"<dc:creator><rdf:Seq><rdf:li>{P('XmpCreator')}</rdf:li></rdf:Seq></dc:creator>"
        '</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>\n'
    )


def _vcard() -> str:
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{P('VcardName')}\r\n"
        f"EMAIL:{P('VcardMail')}@example.org\r\nEND:VCARD\r\n"
    )


def _ical() -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\nBEGIN:VEVENT\r\n"
        f"ORGANIZER:mailto:{P('IcalOrganizer')}@example.org\r\nSUMMARY:{P('IcalPlace')}\r\n"
        "DTSTART:20190304T050607Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _fits() -> str:
    cards = ["SIMPLE  =                    T", "BITPIX  =                    8",
             "NAXIS   =                    0", f"OBSERVER= '{P('FitsObserver')}'",
             "DATE-OBS= '2019-03-04T05:06:07'", "END"]  # fmt: skip
    header = "".join(c.ljust(80) for c in cards)
    return header.ljust(2880)


def _json() -> str:
    return json.dumps({"author": P("JsonAuthor"), "created": "2019-03-04"}, indent=2) + "\n"


def _mail() -> str:
    return (
        f"From: {P('MailFrom')} <a@example.org>\nTo: b@example.org\n"
        "Subject: route\n\nSee you there.\n"
    )


def _kml() -> str:
    return (
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark>'
        f"<name>{P('KmlPlace')}</name></Placemark></kml>\n"
    )


STRUCTURED = {
    "sidecar.xmp": (_xmp, "XMP sidecar"),
    "friend.vcf": (_vcard, "vCard"),
    "meeting.ics": (_ical, "iCalendar"),
    "sky.fits": (_fits, "FITS"),
    "data.json": (_json, "JSON"),
    "note.eml": (_mail, "e-mail"),
    "places.kml": (_kml, "markup"),
}
# What exiftool itself reads from each (the planted values are real metadata).
EXIFTOOL_SHOWS = {
    "sidecar.xmp": "XmpCreator",
    "friend.vcf": "VcardName",
    "meeting.ics": "IcalOrganizer",
    "sky.fits": "FitsObserver",
}


@pytest.mark.parametrize("name", sorted(STRUCTURED))
def test_structured_text_refused_with_its_reason(tmp_path, name):
    make, reason = STRUCTURED[name]
    src = tmp_path / name
    src.write_bytes(make().encode())
    if name in EXIFTOOL_SHOWS:
        assert P(EXIFTOOL_SHOWS[name]) in json.dumps(exiftool_tags(src))
    assert content_format(src) is None
    with pytest.raises(UnknownFormat, match=reason):
        inspect_file(src)
    out = tmp_path / "out"
    result = run_cli("clean", "-o", out, "--", src)
    assert_user_error(result, name, reason)
    assert not out.exists() or list(out.iterdir()) == []
    assert src.read_bytes() == make().encode()


def _lead() -> st.SearchStrategy[str]:
    return st.sampled_from(["", "\ufeff", "\n", "  \r\n", "\ufeff\t"])


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(sorted(STRUCTURED)),
    lead=_lead(),
    encoding=st.sampled_from(["utf-8", "utf-16"]),
)
def test_no_structured_text_passes_as_text(tmp_path_factory, kind, lead, encoding):
    path = tmp_path_factory.mktemp("s") / kind
    text = lead + STRUCTURED[kind][0]()
    data = text.encode(encoding)
    if encoding == "utf-8" and text.startswith("\ufeff"):
        data = b"\xef\xbb\xbf" + text[1:].encode()
    path.write_bytes(data)
    assert content_format(path) is None


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        st.characters(whitelist_categories=("L", "N", "Zs"), whitelist_characters=".,;!?\n-'"),
        min_size=1,
    ).filter(lambda t: t.strip() and t.lstrip()[0].isalnum())
)
def test_prose_is_still_plain_text(tmp_path_factory, prose):
    path = tmp_path_factory.mktemp("p") / "book.txt"
    path.write_text(prose, encoding="utf-8")
    assert content_format(path) == "text"


def test_html_meta_dublin_core_and_tool_comments_removed(tmp_path):
    page = (
        "<!DOCTYPE html>\n<html><head>\n"
        '<meta charset="utf-8">\n<meta name="viewport" content="width=device-width">\n'
        f'<link rel="schema.DC" href="http://purl.org/dc/elements/1.1/">\n'
        f'<meta name="DC.creator" content="{P("DcCreator")}">\n'
        f'<meta name="dc:Creator" content="{P("DcColonCreator")}">\n'
        f'<meta property="og:site_name" content="{P("OgSite")}">\n'
        f'<meta name="description" content="{P("Description")}">\n'
        f'<meta name="keywords" content="{P("Keywords")}">\n'
        f'<meta itemprop="author" content="{P("ItemAuthor")}">\n'
        f'<meta http-equiv="last-modified" content="{P("Modified")}">\n'
        f'<link rel="author" href="mailto:{P("LinkAuthor")}@example.org">\n'
        f"<!-- Generated by {P('HtmlTool')} 4.2 -->\n"
        "<title>News</title></head><body><p>The meeting is at the usual place.</p></body></html>\n"
    )
    src = tmp_path / "page.html"
    src.write_text(page, encoding="utf-8")
    values = ["DcCreator", "DcColonCreator", "OgSite", "Description", "Keywords", "ItemAuthor"]
    values += ["Modified", "LinkAuthor", "HtmlTool"]
    assert P("DcCreator") in json.dumps(exiftool_tags(src))
    out = tmp_path / "clean.html"
    clean_file(src, out)
    assert survivors(out, [P(v) for v in values]) == []
    text = out.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in text and 'name="viewport"' in text
    assert "<p>The meeting is at the usual place.</p>" in text and "<title>News</title>" in text
    assert "purl.org/dc" not in text
    shown = {k for k in exiftool_tags(out) if k.startswith("HTML")}
    assert shown <= {"HTML:Title", "HTML:Viewport"}, shown  # what a reader needs
    assert inspect_file(out) == []


@pytest.mark.parametrize("name", ["sidecar.xmp", "meeting.ics", "friend.vcf"])
def test_make_leaves_structured_text_off_with_the_reason(tmp_path, name):
    from sneakernet.errors import ItemFailed
    from sneakernet.library.catalog import Item
    from sneakernet.library.probe import probe
    from sneakernet.make.prepare import prepare_item

    make, reason = STRUCTURED[name]
    src = tmp_path / name
    src.write_bytes(make().encode())
    kind = probe(src).kind
    assert kind == "other"  # not a book: plain text books are the only text on a card
    item = Item(1, "ab" * 32, str(src), src.stat().st_size, kind)
    with pytest.raises(ItemFailed, match=reason):
        prepare_item(item, tmp_path / "prepared")
    assert not (tmp_path / "prepared").exists() or list((tmp_path / "prepared").iterdir()) == []
