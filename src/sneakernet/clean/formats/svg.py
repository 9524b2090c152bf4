"""SVG: what a viewer draws stays byte for byte, what the editor left behind goes.

Drawing programs write far more than the drawing: `<metadata>` (RDF with
creator, rights, dates), Inkscape's and Sodipodi's elements and attributes
(`sodipodi:docname` is the file's name, `inkscape:export-filename` a path on
the author's computer, `inkscape:version` the tool), other editors' private
namespaces (Illustrator, Sketch, Affinity...), comments ("Generator: Adobe
Illustrator 24.0"), processing instructions, and `<desc>` elements that only
say which tool made the file ("Created with Sketch."). Those go, with the
namespace declarations that name the tools. Linked pictures given by an
absolute path or a `file:` address keep only their file name. Pictures
embedded as `data:` URLs are cleaned by their own cleaners and written back;
one that cannot be cleaned makes the whole file refused.

Kept: every SVG, XLink and XHTML element and attribute, `<title>` and any
`<desc>` that describes the picture (viewers show them as tooltips and screen
readers read them out: they are content), styles and scripts. The file is not
re-serialised: tags that lose nothing are copied as they are.
"""

from __future__ import annotations

import base64
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats._output import atomic_output

_KEPT_NAMESPACES = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/XML/1998/namespace",
}
_NAME = rb"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
_TOKEN = re.compile(
    rb"(?P<comment><!--.*?-->)"
    rb"|(?P<cdata><!\[CDATA\[.*?\]\]>)"
    rb"|(?P<doctype><!DOCTYPE\b(?:[^\[>]|\[.*?\])*>)"
    rb"|(?P<pi><\?.*?\?>)"
    rb"|(?P<end></(?P<end_name>" + _NAME + rb")\s*>)"
    rb"|(?P<start><(?P<name>"
    + _NAME
    + rb")(?P<attrs>(?:\s+"
    + _NAME
    + rb"\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(?P<empty>/?)>)"
    rb"|(?P<text>[^<]+)",
    re.S,
)
_KINDS = ("comment", "cdata", "doctype", "pi", "end", "start", "text")
_DEFAULT_NS = re.compile(rb"\sxmlns\s*=\s*(\"[^\"]*\"|'[^']*')")
_ATTR = re.compile(rb"(\s+)(" + _NAME + rb")(\s*=\s*)(\"[^\"]*\"|'[^']*')")
_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE\b(?:[^\[>]|\[.*?\])*>)\s*)*"
    rb"<(?:[A-Za-z_][\w.\-]*:)?svg\b",
    re.S | re.I,
)
_TOOL_DESC = re.compile(
    rb"^\s*(?:(?:created|generated|made|exported|produced|drawn)\s+(?:with|by|using|in)\b"
    rb"|generator\s*:)",
    re.I,
)
_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)[\w.\-]+;")
_ABSOLUTE = re.compile(rb"^(?:file:|/|[A-Za-z]:[\\/]|\\\\)", re.I)
_DATA_URL = re.compile(rb"^data:image/[\w.+\-]+;base64,", re.I)
_WHY_EDITOR = "editor data: file names, paths on the author's computer, tool versions"
_WHY_META = "document metadata: creator, rights, dates, tools"
_WHY_COMMENT = "comments name the tool, and often the author"


@dataclass
class _Result:
    findings: list[Finding] = field(default_factory=list)
    out: list[bytes] = field(default_factory=list)

    def note(self, where: str, value: bytes | str, why: str) -> None:
        self.findings.append(Finding(f"SVG:{where}", shorten(value, 160), why))


def _namespaces(data: bytes) -> dict[bytes, str]:
    """Prefix -> namespace URI, from every declaration in the file (b"" is the default)."""
    found: dict[bytes, str] = {b"xml": "http://www.w3.org/XML/1998/namespace"}
    for m in re.finditer(rb"\sxmlns(?::(" + _NAME + rb"))?\s*=\s*(\"[^\"]*\"|'[^']*')", data):
        found.setdefault(m.group(1) or b"", m.group(2)[1:-1].decode("utf-8", "replace"))
    return found


class _Walker:
    def __init__(self, data: bytes, clean_images: bool, workdir: Path | None) -> None:
        self.data = data
        self.ns = _namespaces(data)
        self.result = _Result()
        self.clean_images = clean_images
        self.workdir = workdir
        self.images = 0

    def kept_prefix(self, name: bytes) -> bool:
        prefix = name.split(b":", 1)[0] if b":" in name else None
        if prefix is None or prefix == b"xml":
            return True
        return self.ns.get(prefix) in _KEPT_NAMESPACES

    def _kept_element(self, m: re.Match[bytes]) -> bool:
        """An SVG/XHTML element, by its prefix or by the default namespace it declares."""
        if not self.kept_prefix(m.group("name")):
            return False
        default = _DEFAULT_NS.search(m.group("attrs"))
        return (
            default is None or default.group(1)[1:-1].decode("utf-8", "replace") in _KEPT_NAMESPACES
        )

    def walk(self) -> bytes:
        data, res = self.data, self.result
        pos, stack, root_closed = 0, [], False
        skip: list[bytes] | None = None  # open elements of a subtree being dropped
        desc: list | None = None  # a <desc> held back until its text is known
        while pos < len(data):
            m = _TOKEN.match(data, pos)
            if m is None:
                raise CleanError(f"malformed SVG at byte {pos}: not well-formed XML")
            pos = m.end()
            kind = next(k for k in _KINDS if m.group(k) is not None)
            token = m.group(0)
            if kind == "start":
                name = m.group("name")
                empty = bool(m.group("empty"))
                if root_closed:
                    raise CleanError("malformed SVG: elements after the root element")
                if skip is not None:
                    if not empty:
                        skip.append(name)
                    continue
                local = name.split(b":")[-1]
                if local == b"metadata" or not self._kept_element(m):
                    what = "metadata" if local == b"metadata" else "editor element"
                    res.note(
                        what,
                        self._subtree_text(m),
                        _WHY_META if what == "metadata" else _WHY_EDITOR,
                    )
                    if not empty:
                        skip = [name]
                    continue
                tag = self._start_tag(m)
                if not stack and local != b"svg":
                    raise CleanError("not an SVG picture: the root element is not <svg>")
                if local == b"desc" and not empty:
                    desc = [tag]
                    stack.append(name)
                    continue
                if desc is not None:
                    desc.append(tag)
                else:
                    res.out.append(tag)
                if not empty:
                    stack.append(name)
                elif not stack:
                    root_closed = True
                continue
            if kind == "end":
                name = m.group("end_name")
                if skip is not None:
                    if skip.pop() != name:
                        raise CleanError(
                            f"malformed SVG: </{name.decode('latin-1')}> closes the wrong element"
                        )
                    if not skip:
                        skip = None
                    continue
                if not stack or stack.pop() != name:
                    raise CleanError(
                        f"malformed SVG: </{name.decode('latin-1')}> closes the wrong element"
                    )
                if desc is not None and name.split(b":")[-1] == b"desc":
                    desc.append(token)
                    self._flush_desc(desc)
                    desc = None
                elif desc is not None:
                    desc.append(token)
                else:
                    res.out.append(token)
                if not stack:
                    root_closed = True
                continue
            if skip is not None:
                continue
            if kind == "comment":
                res.note("comment", token[4:-3].strip(), _WHY_COMMENT)
                continue
            if kind == "pi":
                if token[:6].lower() == b"<?xml " and not stack and not res.out:
                    res.out.append(token)
                else:
                    res.note("processing instruction", token, "instructions for other tools")
                continue
            if kind == "doctype":
                if b"[" in token:
                    res.note(
                        "DOCTYPE internal subset", token, "entity declarations can carry anything"
                    )
                    continue
                res.out.append(token)
                continue
            if kind == "text" and root_closed:
                if token.strip():
                    res.note("after the root element", token, "hidden text a viewer ignores")
                continue
            (desc if desc is not None else res.out).append(token)
        if skip is not None or stack or not root_closed:
            raise CleanError("truncated SVG: the root element is not closed")
        out = b"".join(res.out)
        if _ENTITY.search(out):
            raise CleanError(
                "an SVG using entities of its own (an editor's DOCTYPE) is not cleaned: "
                "re-save it as plain SVG"
            )
        return out

    def _flush_desc(self, desc: list[bytes]) -> None:
        text = b"".join(t for t in desc[1:-1] if not t.startswith(b"<"))
        if _TOOL_DESC.match(text):
            self.result.note("tool description", text.strip(), "names the tool that made the file")
        else:
            self.result.out.extend(desc)

    def _subtree_text(self, m: re.Match[bytes]) -> bytes:
        """The readable text of the element opening at m (for inspection)."""
        if m.group("empty"):
            return m.group(0)
        end = self.data.find(b"</" + m.group("name"), m.end())
        inner = self.data[m.start() : end if end >= 0 else m.end() + 2000]
        text = re.sub(rb"<[^>]*>", b" ", inner)
        text = b" ".join(text.split())
        attrs = b" ".join(a.group(2) + b"=" + a.group(4) for a in _ATTR.finditer(m.group("attrs")))
        return m.group("name") + b" " + (text or attrs)

    def _start_tag(self, m: re.Match[bytes]) -> bytes:
        attrs = m.group("attrs")
        kept, changed = [], False
        for a in _ATTR.finditer(attrs):
            space, name, eq, value = a.groups()
            if name.startswith(b"xmlns:"):
                prefix = name[6:]
                if self.ns.get(prefix) not in _KEPT_NAMESPACES:
                    self.result.note(
                        "namespace", name + b"=" + value, "names the editor that made the file"
                    )
                    changed = True
                    continue
            elif name != b"xmlns" and not self.kept_prefix(name):
                self.result.note("editor attribute", name + b"=" + value, _WHY_EDITOR)
                changed = True
                continue
            elif name.split(b":")[-1] == b"href":
                new = self._href(value[1:-1])
                if new is not None:
                    value = value[:1] + new + value[-1:]
                    changed = True
            kept.append(space + name + eq + value)
        if not changed:
            return m.group(0)
        tail = m.group(0)[m.end("attrs") - m.start() :]
        return b"<" + m.group("name") + b"".join(kept) + tail

    def _href(self, value: bytes) -> bytes | None:
        if _DATA_URL.match(value):
            return self._image(value)
        if _ABSOLUTE.match(value):
            name = re.split(rb"[\\/]", value)[-1]
            self.result.note("file path", value, "a path on the author's computer")
            return name
        return None

    def _image(self, value: bytes) -> bytes | None:
        """An embedded picture cleaned by its own cleaner; None when it shows nothing."""
        from sneakernet.clean import api  # the registry imports this module

        head = _DATA_URL.match(value).group(0)
        try:
            raw = base64.b64decode(re.sub(rb"\s+", b"", value[len(head) :]), validate=True)
        except ValueError:
            raise CleanError("an SVG's embedded picture is not valid base64") from None
        self.images += 1
        with tempfile.TemporaryDirectory(prefix=".sneakernet-svg-", dir=self.workdir) as tmp:
            src = Path(tmp) / "embedded"
            src.write_bytes(raw)
            try:
                found = [f for f in api.inspect_file(src) if not f.kept]
            except CleanError as exc:
                raise CleanError(f"an SVG's embedded picture cannot be cleaned: {exc}") from None
            for f in found:
                self.result.findings.append(
                    Finding(f"SVG:embedded picture {self.images}:{f.field}", f.value, f.why)
                )
            if not found or not self.clean_images:
                return None
            dst = Path(tmp) / "cleaned"
            try:
                api.clean_file(src, dst)
            except CleanError as exc:
                raise CleanError(f"an SVG's embedded picture cannot be cleaned: {exc}") from None
            return head + base64.b64encode(dst.read_bytes())


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] == b"\x00\x00\xfe\xff":
        raise CleanError("a UTF-16 SVG is not cleaned: re-save it as UTF-8")
    return data


class SvgCleaner:
    name = "svg"

    def sniff(self, head: bytes, path: Path) -> bool:
        return bool(_START.match(head[:8192]))

    def inspect(self, path: Path) -> list[Finding]:
        walker = _Walker(_read(path), clean_images=False, workdir=None)
        walker.walk()
        return walker.result.findings

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        walker = _Walker(_read(src), clean_images=True, workdir=dst.parent)
        out = walker.walk()
        with atomic_output(dst) as f:
            f.write(out)


cleaner = SvgCleaner()
