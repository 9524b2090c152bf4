"""The whole job on a generated sample library: add, plan, prepare, build, audit.

The samples carry what inspectors look for: author names in a PDF and an
EPUB, GPS positions and a camera serial in photos, ID3 tags in songs, a Red
Star OS watermark, Korean subtitles in CP949, OS debris. Everything is
generated here; nothing is downloaded.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from sneakernet.clean import redstar
from sneakernet.media import ffmpeg

AUTHOR = "Pak Yong-ho"  # the name every sample tries to leak
SUBTITLES = "1\n00:00:00,000 --> 00:00:00,900\n안녕하세요, 동무.\n\n2\n00:00:01,000 --> 00:00:01,900\n다음 회에 계속.\n"


@dataclass
class SampleLibrary:
    root: Path
    series: Path
    singles: list[Path]
    planted: list[str]  # strings that must not reach the card


def _picture(seed: int, width: int = 96, height: int = 64) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (1, 1, 3), dtype=np.uint8)
    ramp = np.linspace(0, 120, width, dtype=np.uint8)[None, :, None]
    return np.clip(base + ramp + rng.integers(0, 30, (height, width, 3)), 0, 255).astype(np.uint8)


def _tone(out, stream, hertz: int, seconds: int, frame_size: int, rate: int = 22050) -> None:
    """A sine tone into an audio stream, then the encoder flushed."""
    tone = (np.sin(np.arange(rate * seconds) * (2 * np.pi * hertz / rate)) * 6000).astype(np.int16)
    for start in range(0, len(tone), frame_size):
        chunk = tone[start : start + frame_size].reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
        frame.rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)


def write_video(path: Path, seed: int, title: str | None = None) -> Path:
    """Two seconds of MPEG-4 video and AAC audio; the container title names the author."""
    with av.open(str(path), "w") as out:
        if title:
            out.metadata["title"] = title
            out.metadata["artist"] = AUTHOR
        video = out.add_stream("mpeg4", rate=Fraction(10, 1))
        video.width, video.height, video.pix_fmt = 96, 64, "yuv420p"
        audio = out.add_stream("aac", rate=22050, layout="mono")
        for n in range(20):
            frame = av.VideoFrame.from_ndarray(_picture(seed + n), format="rgb24")
            for packet in video.encode(frame):
                out.mux(packet)
        _tone(out, audio, 200 + seed, seconds=2, frame_size=1024)
        for packet in video.encode():
            out.mux(packet)
    return path


def write_song(path: Path, seed: int, title: str) -> Path:
    """One second of MP3 with ID3 tags naming the author."""
    with av.open(str(path), "w", format="mp3") as out:
        out.metadata.update({"title": title, "artist": AUTHOR, "comment": "ripped at home"})
        stream = out.add_stream("mp3", rate=22050, layout="mono")
        _tone(out, stream, 300 + seed, seconds=1, frame_size=1152)
    return path


def _ifd(entries: list[tuple[int, int, int, bytes]], start: int) -> bytes:
    """One little-endian TIFF directory at offset `start`, values after it."""
    data_at = start + 2 + 12 * len(entries) + 4
    head, data = struct.pack("<H", len(entries)), b""
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            head += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
        else:
            head += struct.pack("<HHII", tag, kind, count, data_at + len(data))
            data += value + (b"\0" if len(value) % 2 else b"")
    return head + b"\0\0\0\0" + data


def _exif_with_gps(lat: float, lon: float) -> bytes:
    def ascii_(text: str) -> bytes:
        return text.encode() + b"\0"

    def degrees(value: float) -> bytes:
        d = int(value)
        m = int((value - d) * 60)
        s = round(((value - d) * 60 - m) * 60 * 100)
        return struct.pack("<6I", d, 1, m, 1, s, 100)

    def ifd0(gps_at: int) -> bytes:
        return _ifd(
            [
                (0x010F, 2, len(ascii_("Canon")), ascii_("Canon")),
                (0x0110, 2, len(ascii_("EOS 5D")), ascii_("EOS 5D")),
                (0x013B, 2, len(ascii_(AUTHOR)), ascii_(AUTHOR)),  # Artist
                (0x8825, 4, 1, struct.pack("<I", gps_at)),
            ],
            8,
        )

    gps_at = 8 + len(ifd0(0))
    gps = _ifd(
        [
            (1, 2, 2, b"N\0"),
            (2, 5, 3, degrees(lat)),
            (3, 2, 2, b"E\0"),
            (4, 5, 3, degrees(lon)),
        ],
        gps_at,
    )
    tiff = b"II*\0" + struct.pack("<I", 8) + ifd0(gps_at) + gps
    body = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def write_photo(path: Path, seed: int, lat: float, lon: float) -> Path:
    """A JPEG whose EXIF gives the camera, the photographer and where it was taken."""
    tmp = path.with_suffix(".raw.jpg")
    with av.open(str(tmp), "w", format="mjpeg") as out:
        stream = out.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuvj420p"
        frame = av.VideoFrame.from_ndarray(_picture(seed), format="rgb24")
        for packet in [*stream.encode(frame.reformat(format="yuvj420p")), *stream.encode()]:
            out.mux(packet)
    jpeg = tmp.read_bytes()
    tmp.unlink()
    path.write_bytes(jpeg[:2] + _exif_with_gps(lat, lon) + jpeg[2:])
    return path


def write_pdf(path: Path) -> Path:
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont="/Helvetica"
        )
    )
    page = pikepdf.Page(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 300, 200],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pdf.make_stream(b"BT /F1 14 Tf 20 100 Td (A free book) Tj ET"),
        )
    )
    pdf.pages.append(page)
    pdf.docinfo["/Author"] = AUTHOR
    pdf.docinfo["/Creator"] = "Hangul Office on RedStar-PC-07"
    pdf.save(path, static_id=True)
    return path


def write_epub(path: Path) -> Path:
    opf = f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
 <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
  <dc:identifier id="id">urn:uuid:2b6c1a52-5a7e-4b1e-9e59-3d0f6f0c9a11</dc:identifier>
  <dc:title>어린 왕자</dc:title><dc:language>ko</dc:language>
  <dc:creator>{AUTHOR}</dc:creator><dc:contributor>{AUTHOR}</dc:contributor>
 </metadata>
 <manifest><item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/></manifest>
 <spine><itemref idref="c1"/></spine>
</package>"""
    container = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
 <rootfiles><rootfile full-path="content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""
    chapter = '<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>1</title></head><body><p>어느 날 어린 왕자가 말했다.</p></body></html>'
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        for name, text in (
            ("META-INF/container.xml", container),
            ("content.opf", opf),
            ("c1.xhtml", chapter),
        ):
            z.writestr(zipfile.ZipInfo(name), text, zipfile.ZIP_DEFLATED)
    return path


def write_film_with_subtitles(path: Path, work: Path) -> Path:
    """An MKV film with an embedded Korean subtitle stream."""
    video = write_video(work / "film-source.mp4", seed=50, title="A film")
    srt = work / "film.srt"
    srt.write_text(SUBTITLES, encoding="utf-8")
    ffmpeg.run(
        ffmpeg.Command(
            [ffmpeg.Input(video), ffmpeg.Input(srt)],
            [ffmpeg.Output(path, ["-map", "0", "-map", "1", "-c", "copy", "-c:s", "srt"])],
        )
    )
    return path


def make_sample_library(root: Path, work: Path) -> SampleLibrary:
    series = root / "우리 동네 드라마"
    series.mkdir(parents=True)
    for n in (1, 2, 3):
        write_video(series / f"{n}회.mp4", seed=n, title=f"episode {n}")
        subtitles = SUBTITLES.replace("다음 회에", f"{n + 1}회에")
        (series / f"{n}회.srt").write_bytes(subtitles.encode("cp949"))
    (series / ".DS_Store").write_bytes(b"\0\0\0\1Bud1" + bytes(64))
    singles = [
        write_film_with_subtitles(root / "영화.mkv", work),
        write_song(root / "아리랑.mp3", 1, "아리랑"),
        write_song(root / "도라지.mp3", 2, "도라지 타령"),
        write_pdf(root / "자유.pdf"),
        write_epub(root / "어린 왕자.epub"),
        write_photo(root / "서울.jpg", 3, 37.5665, 126.9780),
        write_photo(root / "산.jpg", 4, 38.1, 127.2),
    ]
    marked = root / "사진 (복사).jpg"
    write_photo(marked, 5, 39.0392, 125.7625)
    with open(marked, "ab") as f:
        f.write(redstar.build_structure(["0A1B2C3D4E"]))
    singles.append(marked)
    return SampleLibrary(root, series, singles, [AUTHOR, "Canon", "RedStar-PC-07"])


@dataclass
class LibraryDemo:
    result: object  # MakeResult
    library: SampleLibrary
    debris: list[str]
    leaked: list[str]  # planted strings found in the image (should be none)


PRIORITIES = {"video": 8, "audio": 6, "book": 7, "other": 5, "encyclopedia": 4}


def run_library_demo(out_dir: Path, card_size: int, on_event=lambda _msg: None) -> LibraryDemo:
    """Sample library -> project -> make (prepare, plan, build, audit) into out_dir."""
    import tempfile

    from sneakernet.audit import audit
    from sneakernet.library.adding import add_paths, folder_files
    from sneakernet.library.probe import probe
    from sneakernet.library.project import init_project
    from sneakernet.make.job import run_make
    from sneakernet.make.prepare import prepare_item
    from sneakernet.plan.planner import PlanOptions

    with tempfile.TemporaryDirectory(prefix="sneakernet-demo-library-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        library = make_sample_library(Path(tmp) / "library", work)
        debris = sorted(
            p.name
            for p in library.series.iterdir()
            if p.is_file() and p not in folder_files(library.series)
        )
        project, _ = init_project(Path(tmp) / "project")
        with project.open_catalog() as catalog:
            add_paths(catalog, [library.series], priority=9)
            for path in library.singles:
                add_paths(catalog, [path], priority=PRIORITIES[probe(path).kind])

            def inspect(image: Path) -> list[str]:
                return [f"{f.where}: {f.field} {f.value}" for f in audit(image, [AUTHOR])]

            result = run_make(
                catalog,
                project.cache_dir,
                out_dir,
                PlanOptions(size=card_size, language=project.config.language),
                prepare_item,
                inspect,
                on_event,
            )
    leaked = []
    for card in result.cards:
        data = card.built.image.read_bytes()
        leaked += [word for word in library.planted if word.encode() in data]
    return LibraryDemo(result, library, debris, leaked)
