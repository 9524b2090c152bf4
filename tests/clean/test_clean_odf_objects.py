"""An ODF document's embedded objects (charts, formulas: `Object 1/`) carry their own
meta.xml and settings.xml; they are cleaned as the document's own are."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from conftest import run_cli

NS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
PLANTED = ["Kim Planted", "LibreOffice/7.4", "2023-05-01T10:00:00", "OfficePrinter-Dandong"]


def _meta() -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta xmlns:office="{NS_OFFICE}" '
        'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.2"><office:meta>'
        "<dc:creator>Kim Planted</dc:creator><meta:generator>LibreOffice/7.4</meta:generator>"
        "<meta:creation-date>2023-05-01T10:00:00</meta:creation-date>"
        "</office:meta></office:document-meta>"
    )


def _settings() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-settings '
        f'xmlns:office="{NS_OFFICE}" '
        'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0" office:version="1.2">'
        '<office:settings><config:config-item-set config:name="ooo:configuration-settings">'
        '<config:config-item config:name="PrinterName" config:type="string">'
        "OfficePrinter-Dandong</config:config-item>"
        "</config:config-item-set></office:settings></office:document-settings>"
    )


def _odt_with_an_object(path: Path) -> None:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="Object 1/" '
        'manifest:media-type="application/vnd.oasis.opendocument.chart"/>'
        "</manifest:manifest>"
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{NS_OFFICE}" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2"><office:body>'
        '<office:text><text:p>The report<draw:frame><draw:object xlink:href="./Object 1"/>'
        "</draw:frame></text:p></office:text></office:body></office:document-content>"
    )
    chart = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{NS_OFFICE}" '
        'office:version="1.2"><office:body><office:chart/></office:body></office:document-content>'
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
        z.writestr("meta.xml", _meta())
        z.writestr("settings.xml", _settings())
        z.writestr("Object 1/content.xml", chart)
        z.writestr("Object 1/meta.xml", _meta())
        z.writestr("Object 1/settings.xml", _settings())


def test_embedded_objects_lose_their_own_metadata_and_settings(tmp_path):
    src = tmp_path / "report.odt"
    _odt_with_an_object(src)
    before = src.read_bytes()
    seen = run_cli("inspect", "--json", src)
    assert seen.code == 0, seen.stderr
    fields = [f["field"] for f in next(iter(json.loads(seen.stdout)["files"].values()))]
    assert "ODF:Object 1/meta.xml:generator" in fields, fields
    assert any(f.startswith("ODF:Object 1/settings.xml") for f in fields), fields
    result = run_cli("clean", src, "-o", tmp_path / "out")
    assert result.code == 0, result.stderr
    assert src.read_bytes() == before
    out = tmp_path / "out" / "report.odt"
    with zipfile.ZipFile(out) as z:
        members = {n: z.read(n) for n in z.namelist()}
    assert members["Object 1/content.xml"] and b"The report" in members["content.xml"]
    for name, data in members.items():
        for value in PLANTED:
            assert value.encode() not in data, f"{value} survives in {name}"
