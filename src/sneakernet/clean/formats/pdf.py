"""PDF: rewritten whole, without Info, XMP, document ID, or old revisions.

An incremental update appends changes and leaves every earlier revision in the
file, readable with a hex editor; rewriting keeps only what the last revision
shows. Text stays text: content streams are copied, never rasterised. Also
removed: per-object XMP, application private data (PieceInfo), modification
dates, markup-annotation authors and dates, embedded-file dates, and EXIF in
JPEG images. The document ID is replaced by qpdf's fixed neutral one, both elements.
"""

from __future__ import annotations

from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import jpeg, ziputil
from sneakernet.lazy import lazy_import

pikepdf = lazy_import("pikepdf")  # 40 ms of imports that most cleaning never needs

# What qpdf writes for a static ID: the same for every document, so it says nothing.
NEUTRAL_ID = bytes.fromhex("31415926535897932384626433832795")
PRIVATE_KEYS = ("/Metadata", "/PieceInfo", "/LastModified")
ANNOT_KEYS = ("/T", "/M", "/CreationDate", "/NM")
EMBEDDED_PARAM_KEYS = ("/CreationDate", "/ModDate", "/Mac", "/CheckSum")
TAIL_BYTES = 64 * 1024


def _text(value: object) -> str:
    """Printable form of any PDF object (strings may hold undecodable bytes)."""
    try:
        return shorten(value)
    except (UnicodeDecodeError, ValueError, pikepdf.PdfError):
        try:
            return shorten(bytes(value))
        except (TypeError, ValueError, pikepdf.PdfError):
            return shorten(repr(value))


def _open(path: Path) -> pikepdf.Pdf:
    try:
        return pikepdf.open(path, attempt_recovery=False)
    except pikepdf.PasswordError:
        raise CleanError("encrypted PDF: remove the password first, then clean it") from None
    except pikepdf.PdfError as exc:
        raise CleanError(
            f"damaged PDF ({shorten(exc, 120)}): repair it by re-saving from a PDF viewer"
        ) from None


def _dicts(pdf: pikepdf.Pdf):
    for obj in pdf.objects:
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            yield obj


def _is_markup_annot(obj) -> bool:
    return obj.get("/Type") == "/Annot" and obj.get("/Subtype") not in ("/Widget", "/Link")


def _is_dct_image(obj) -> bool:
    if not isinstance(obj, pikepdf.Stream) or obj.get("/Subtype") != "/Image":
        return False
    filters = obj.get("/Filter")
    return filters == "/DCTDecode" or (
        isinstance(filters, pikepdf.Array) and list(filters) == [pikepdf.Name.DCTDecode]
    )


def _findings(path: Path, pdf: pikepdf.Pdf) -> list[Finding]:
    out = []
    info = pdf.trailer.get("/Info")
    if info is not None:
        for key, value in info.items():
            out.append(Finding(f"PDF:Info{key}", _text(value), "author, tool or dates"))
        if not len(info.keys()):
            out.append(Finding("PDF:Info", "empty", "document information dictionary"))
    ids = pdf.trailer.get("/ID")
    if ids is not None and any(bytes(i) != NEUTRAL_ID for i in ids):
        out.append(Finding("PDF:ID", bytes(ids[0]).hex(), "a unique id that links copies"))
    for obj in _dicts(pdf):
        where = f"object {obj.objgen[0]}"
        for key in PRIVATE_KEYS:
            if key in obj:
                value = obj[key]
                text = value.read_bytes() if isinstance(value, pikepdf.Stream) else value
                out.append(Finding(f"PDF:{key[1:]} ({where})", _text(text), "editing data"))
        if _is_markup_annot(obj):
            for key in ANNOT_KEYS:
                if key in obj:
                    out.append(Finding(f"PDF:Annot{key}", _text(obj[key]), "comment author"))
        params = obj.get("/Params") if obj.get("/Type") == "/EmbeddedFile" else None
        if params is not None:
            for key in EMBEDDED_PARAM_KEYS:
                if key in params:
                    out.append(Finding(f"PDF:EmbeddedFile{key}", _text(params[key]), "dates"))
        if _is_dct_image(obj):
            try:
                found = jpeg.findings_of(obj.read_raw_bytes())
            except CleanError:
                found = []
            out += [Finding(f"PDF:image {where}:{f.field}", f.value, f.why) for f in found]
    out += ziputil.embedded_findings([member for _, member in _attachments(pdf)])
    revisions = _revisions(path)
    if revisions > 1:
        out.append(
            Finding("PDF:revisions", f"{revisions} saved versions", "earlier edits stay readable")
        )
    return out


def _revisions(path: Path) -> int:
    """How many times the file was saved (each save ends in %%EOF)."""
    count = 0
    with path.open("rb") as f:
        tail = b""
        while chunk := f.read(8 * 1024 * 1024):
            count += (tail + chunk).count(b"%%EOF") - tail.count(b"%%EOF")
            tail = chunk[-4:]
    return count


def _scrub(pdf: pikepdf.Pdf) -> None:
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
    for obj in _dicts(pdf):
        for key in PRIVATE_KEYS:
            if key in obj:
                del obj[key]
        if _is_markup_annot(obj):
            for key in ANNOT_KEYS:
                if key in obj:
                    del obj[key]
        params = obj.get("/Params") if obj.get("/Type") == "/EmbeddedFile" else None
        if params is not None:
            for key in EMBEDDED_PARAM_KEYS:
                if key in params:
                    del params[key]
        if _is_dct_image(obj):
            try:
                obj.write(jpeg.cleaned(obj.read_raw_bytes()), filter=pikepdf.Name.DCTDecode)
            except CleanError:
                pass


def _attachments(pdf: pikepdf.Pdf) -> list[tuple[pikepdf.Stream, ziputil.Member]]:
    """Files embedded in the PDF, as archive members named by object number."""
    found = []
    for obj in _dicts(pdf):
        if isinstance(obj, pikepdf.Stream) and obj.get("/Type") == "/EmbeddedFile":
            try:
                data = obj.read_bytes()
            except pikepdf.PdfError:
                continue
            found.append((obj, ziputil.Member(f"PDF:attachment {obj.objgen[0]}", data, False)))
    return found


def _clean_attachments(pdf: pikepdf.Pdf, options: CleanOptions) -> None:
    """Embedded pictures and documents replaced by their cleaned copies."""
    found = _attachments(pdf)
    originals = [member.data for _, member in found]
    ziputil.clean_embedded([member for _, member in found], options)
    for (obj, member), original in zip(found, originals, strict=True):
        if member.data is not original:
            obj.write(member.data)
            if "/Params" in obj:
                obj.Params.Size = len(member.data)


class PdfCleaner:
    name = "pdf"

    def sniff(self, head: bytes, path: Path) -> bool:
        return head[:1024].lstrip(b"\0\r\n\t ").startswith(b"%PDF-")

    def data_end(self, path: Path) -> int:
        size = path.stat().st_size
        with path.open("rb") as f:
            f.seek(max(0, size - TAIL_BYTES))
            tail = f.read()
        at = tail.rfind(b"%%EOF")
        if at < 0:
            return size
        end = size - len(tail) + at + 5
        rest = tail[at + 5 : at + 7]
        return end + len(rest) - len(rest.lstrip(b"\r\n")) if rest[:1] in (b"\r", b"\n") else end

    def inspect(self, path: Path) -> list[Finding]:
        with _open(path) as pdf:
            return _findings(path, pdf)

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        with _open(src) as pdf:
            _scrub(pdf)
            _clean_attachments(pdf, options)
            # Without an /ID to keep, qpdf writes the static one in both places;
            # qpdf 12 keeps a document's own first element even with static_id.
            if "/ID" in pdf.trailer:
                del pdf.trailer["/ID"]
            try:
                pdf.save(
                    dst,
                    static_id=True,
                    fix_metadata_version=False,
                    preserve_pdfa=False,
                    linearize=False,
                    encryption=False,
                )
            except pikepdf.PdfError as exc:
                raise CleanError(f"cannot rewrite PDF: {shorten(exc, 120)}") from None


cleaner = PdfCleaner()
