"""Oracle checks on cleaned files: exiftool, raw bytes, zip members, PDF streams."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

from conftest import require_tool

# exiftool groups that only ever hold metadata (as opposed to image structure).
METADATA_GROUPS = {
    "IFD0",
    "IFD1",
    "ExifIFD",
    "GPS",
    "InteropIFD",
    "MakerNotes",
    "IPTC",
    "Photoshop",
    "ICC_Profile",
    "ICC-header",
    "ICC-meta",
    "XMP",
    "PDF",
    "PDF-Info",
    "FlashPix",
}
ALLOWED = {("IFD0", "Orientation"), ("PDF", "PDFVersion"), ("PDF", "Linearized")}
ALLOWED |= {("PDF", "PageCount")}
# Compound files: the text encoding, the OLE class name ("Microsoft Word 97"),
# and the property-set header's neutral system identifier.
ALLOWED |= {("FlashPix", t) for t in ("CodePage", "CompObjUserType", "CompObjUserTypeLen")}
ALLOWED |= {("FlashPix", "System")}
# The Word header's format version and its file-structure flags.
ALLOWED |= {("FlashPix", t) for t in ("Identification", "DocFlags", "Word97", "LanguageCode")}
# What a TIFF page needs to be drawn: image structure, not metadata.
TIFF_STRUCTURE = """ImageWidth ImageHeight BitsPerSample Compression PhotometricInterpretation
StripOffsets SamplesPerPixel RowsPerStrip StripByteCounts PlanarConfiguration XResolution
YResolution ResolutionUnit Predictor SubfileType ExtraSamples SampleFormat ColorMap TileWidth
TileLength TileOffsets TileByteCounts YCbCrSubSampling YCbCrPositioning""".split()
ALLOWED |= {("IFD0", name) for name in TIFF_STRUCTURE}
ALLOWED |= {("PDF", f"EmbeddedImage{s}") for s in ("", "ColorSpace", "Filter", "Height", "Width")}


def exiftool_tags(path: Path) -> dict[str, object]:
    exe = require_tool("exiftool")
    proc = subprocess.run(
        [exe, "-j", "-a", "-G1", "-ee", "-U", "--", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(proc.stdout)[0]


def metadata_left(path: Path) -> list[str]:
    """exiftool tags in metadata groups (besides a bare orientation flag)."""
    left = []
    for key, value in exiftool_tags(path).items():
        if ":" not in key or value == "":  # an emptied field shows nothing
            continue
        group, tag = key.split(":", 1)
        if (group, tag) in ALLOWED:
            continue
        if group in METADATA_GROUPS or group.startswith(("XMP-", "ICC")):
            left.append(key)
    return left


def expanded_bytes(path: Path) -> bytes:
    """The file's bytes plus every zip member's and every decompressed PDF stream's."""
    data = path.read_bytes()
    parts = [data]
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts += [z.read(name) for name in z.namelist()]
    if data.startswith(b"%PDF"):
        exe = require_tool("qpdf")
        proc = subprocess.run(
            [exe, "--qdf", "--object-streams=disable", "--decode-level=all", "--", str(path), "-"],
            capture_output=True,
            check=False,
        )
        parts.append(proc.stdout)
    return b"\n".join(parts)


def survivors(path: Path, planted: list[str]) -> list[str]:
    """Planted strings still anywhere in the file (bytes, members, streams, exiftool)."""
    blob = expanded_bytes(path)
    tags = json.dumps(exiftool_tags(path), ensure_ascii=False)
    found = []
    for s in planted:
        forms = [s.encode(), s.encode("utf-16-le"), s.encode("utf-16-be")]
        if any(f in blob for f in forms) or s in tags:
            found.append(s)
    return found


def cleaned_or_refused(src: Path, dst: Path) -> bytes | None:
    """Clean a damaged file: a one-line refusal with nothing at `dst` (None), or a copy
    that re-inspects clean (its bytes). The original is never changed."""
    from sneakernet.clean import CleanError, clean_file, inspect_file

    before = src.read_bytes()
    try:
        clean_file(src, dst)
    except CleanError as exc:
        assert str(exc) and "\n" not in str(exc)
        assert not dst.exists()
        out = None
    else:
        left = [f for f in inspect_file(dst) if not f.kept]
        assert left == [], f"the cleaned copy re-inspects with {left[0].field}"
        out = dst.read_bytes()
    assert src.read_bytes() == before
    return out
