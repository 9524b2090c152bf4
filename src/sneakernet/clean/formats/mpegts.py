"""MPEG transport streams (`.ts`, camcorder `.mts`/`.m2ts`): names neutralised in place.

A transport stream is a run of 188-byte packets (192 in M2TS, with a 4-byte
time code in front). Muxers name themselves in the Service Description Table
(SDT): FFmpeg writes provider "FFmpeg" and service "Service01" unless told
otherwise, and a user's `-metadata service_name=...` lands there too. Event
tables (EIT) carry programme titles and descriptions. Inside the streams,
x264's settings and camcorders' own records (AVCHD's date, time, GPS and
camera settings) are user-data SEI messages in the H.264 video, and encoders
name themselves in the first AAC frame's fill element.

Nothing moves: the SDT's service descriptors lose their names (the section
gets shorter and is padded with stuffing bytes, its CRC-32 recomputed), EIT
packets become null packets, and SEI messages are replaced by filler data of
the same size (as in AVI), AAC fill text by zeros (the shared AAC rule), so
every packet keeps its place, size and timing. Bytes after the last whole
packet go.

Refused: an SDT section spread over several packets, and scrambled video.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sneakernet.clean.base import CleanError, CleanOptions, Finding, shorten
from sneakernet.clean.formats import aacfill, adts, h264sei
from sneakernet.clean.formats._output import atomic_output

_SDT_PID, _EIT_PID, _NULL_PID = 0x11, 0x12, 0x1FFF
_VIDEO_TYPES = {0x1B: False}  # stream_type -> HEVC (H.264 only: HEVC SEI is not blanked here)
_AAC_TYPES = {0x0F, 0x06}  # 0x06: private data, which M2TS muxers use for ADTS AAC too
_WHY_SDT = "the muxer's name, or a service and provider name someone typed"
_WHY_SEI = "encoder settings, or a camcorder's date, time, GPS position and settings"


def crc32_mpeg(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = (
                ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF
                if crc & 0x80000000
                else (crc << 1) & 0xFFFFFFFF
            )
    return crc


@dataclass
class _Stream:
    pid: int
    kind: str  # "video", "hevc", "aac"
    pieces: list[tuple[int, int, int]] = field(default_factory=list)  # (file offset, start, end)


def _packet_size(data: bytes) -> tuple[int, int]:
    """(packet size, offset of the sync byte in each packet)."""
    for size, lead in ((188, 0), (192, 4)):
        if len(data) >= size and all(
            data[i + lead] == 0x47 for i in range(0, min(len(data) - size + 1, size * 8), size)
        ):
            return size, lead
    raise CleanError("not an MPEG transport stream: no sync byte every 188 or 192 bytes")


def _payload(packet: bytes) -> tuple[int, bool, int]:
    """(pid, payload_unit_start, payload offset within the 188 bytes)."""
    pid = ((packet[1] & 0x1F) << 8) | packet[2]
    start = bool(packet[1] & 0x40)
    control = (packet[3] >> 4) & 3
    pos = 4
    if control in (2, 3):
        pos += 1 + packet[4]
    if control in (0, 2) or pos > 188:
        pos = 188
    return pid, start, pos


class _Ts:
    def __init__(self, path: Path) -> None:
        self.data = bytearray(path.read_bytes())
        if not self.data:
            raise CleanError("empty file: nothing to clean")
        self.size, self.lead = _packet_size(bytes(self.data))
        self.count = len(self.data) // self.size
        self.findings: list[Finding] = []
        self.streams: dict[int, _Stream] = {}
        self._find_streams()

    def packets(self):
        for n in range(self.count):
            at = n * self.size + self.lead
            packet = self.data[at : at + 188]
            if packet[0] != 0x47:
                raise CleanError(f"corrupt MPEG-TS: lost sync at packet {n}")
            yield at, packet

    def _section(self, packet: bytes, pos: int) -> bytes | None:
        pointer = packet[pos]
        start = pos + 1 + pointer
        if start + 3 > 188:
            return None
        length = ((packet[start + 1] & 0x0F) << 8) | packet[start + 2]
        return bytes(packet[start : start + 3 + length])

    def _find_streams(self) -> None:
        pmt_pids: set[int] = set()
        for _, packet in self.packets():
            pid, start, pos = _payload(packet)
            if not start or pos >= 188:
                continue
            section = self._section(packet, pos)
            if not section:
                continue
            if pid == 0 and section[0] == 0x00:
                for i in range(8, len(section) - 4, 4):
                    number = int.from_bytes(section[i : i + 2], "big")
                    if number:
                        pmt_pids.add(int.from_bytes(section[i + 2 : i + 4], "big") & 0x1FFF)
            elif pid in pmt_pids and section[0] == 0x02:
                info = int.from_bytes(section[10:12], "big") & 0x0FFF
                i = 12 + info
                while i + 5 <= len(section) - 4:
                    stream_type = section[i]
                    es_pid = int.from_bytes(section[i + 1 : i + 3], "big") & 0x1FFF
                    es_info = int.from_bytes(section[i + 3 : i + 5], "big") & 0x0FFF
                    if stream_type in _VIDEO_TYPES:
                        kind = "hevc" if _VIDEO_TYPES[stream_type] else "video"
                        self.streams[es_pid] = _Stream(es_pid, kind)
                    elif stream_type in _AAC_TYPES:
                        self.streams[es_pid] = _Stream(es_pid, "aac")
                    i += 5 + es_info
        for at, packet in self.packets():
            pid, start, pos = _payload(packet)
            stream = self.streams.get(pid)
            if stream is None or pos >= 188:
                continue
            if packet[3] & 0xC0:
                raise CleanError("scrambled MPEG-TS video or sound is not cleaned")
            if start:  # skip the PES header
                head = packet[pos : pos + 9]
                if head[:3] != b"\x00\x00\x01" or len(head) < 9:
                    continue
                pos += 9 + head[8]
            if pos < 188:
                stream.pieces.append((at, pos, 188))

    def clean(self) -> None:
        for at, packet in self.packets():
            pid = _payload(packet)[0]
            if pid == _SDT_PID:
                self._clean_sdt(at, packet)
            elif pid == _EIT_PID:
                self.findings.append(
                    Finding(
                        "MPEG-TS:EIT",
                        "event information table",
                        "programme titles and descriptions",
                    )
                )
                self.data[at : at + 188] = b"\x47\x1f\xff\x10" + b"\xff" * 184
        for stream in self.streams.values():
            self._clean_stream(stream)

    def _clean_sdt(self, at: int, packet: bytes) -> None:
        pid, start, pos = _payload(packet)
        if pos >= 188:
            return  # no payload
        if not start:
            raise CleanError("an MPEG-TS service table spread over several packets is not cleaned")
        start_at = pos + 1 + packet[pos]
        section = self._section(packet, pos)
        if section is None or start_at + len(section) > 188 or section[0] != 0x42:
            if section is not None and section[0] in (0x42, 0x46):
                raise CleanError(
                    "an MPEG-TS service table spread over several packets is not cleaned"
                )
            return
        out = bytearray(section[:11])
        i = 11
        changed = False
        while i + 5 <= len(section) - 4:
            head = bytearray(section[i : i + 5])
            loop = int.from_bytes(head[3:5], "big") & 0x0FFF
            descriptors = section[i + 5 : i + 5 + loop]
            new = b""
            j = 0
            while j + 2 <= len(descriptors):
                tag, length = descriptors[j], descriptors[j + 1]
                body = descriptors[j + 2 : j + 2 + length]
                if tag == 0x48 and len(body) >= 2:
                    provider = body[2 : 2 + body[1]]
                    k = 2 + body[1]
                    service = body[k + 1 : k + 1 + body[k]] if k < len(body) else b""
                    for what, name in (("service provider", provider), ("service name", service)):
                        if name:
                            self.findings.append(
                                Finding(f"MPEG-TS:{what}", shorten(name), _WHY_SDT)
                            )
                            changed = True
                    new += bytes([0x48, 3, body[0], 0, 0])
                else:
                    new += descriptors[j : j + 2 + length]
                j += 2 + length
            head[3] = (head[3] & 0xF0) | (len(new) >> 8)
            head[4] = len(new) & 0xFF
            out += head + new
            i += 5 + loop
        if not changed:
            return
        length = len(out) - 3 + 4
        out[1] = (out[1] & 0xF0) | (length >> 8)
        out[2] = length & 0xFF
        out += crc32_mpeg(bytes(out)).to_bytes(4, "big")
        region = bytes(out).ljust(len(section), b"\xff")
        self.data[at + start_at : at + start_at + len(section)] = region

    def _clean_stream(self, stream: _Stream) -> None:
        blob = bytearray(b"".join(self.data[a + s : a + e] for a, s, e in stream.pieces))
        if stream.kind == "video":
            texts = []
            for start, end, cleaned in h264sei.annexb_user_data(bytes(blob)):
                texts += h264sei.user_data_strings(bytes(blob[start:end]), False)
                replacement = h264sei.same_size_replacement(end - start, cleaned)
                if replacement is None:
                    raise CleanError(
                        "an SEI message in MPEG-TS video is too short to blank in place"
                    )
                blob[start:end] = replacement
            if texts:
                self.findings.append(Finding("H264:SEI user data", shorten(texts[0]), _WHY_SEI))
        elif adts.adts_header(bytes(blob[:7])) is not None:  # private data only when ADTS
            texts = []
            pos = 0
            while pos + 7 <= len(blob):
                header = adts.adts_header(bytes(blob[pos : pos + 7]))
                if header is None:
                    pos += 1
                    continue
                frame = bytes(blob[pos : pos + header.length])
                text = aacfill.fill_text(frame[header.header :])
                blanked = aacfill.blank_fill(frame[header.header :])
                if blanked is not None:
                    if text:
                        texts.append(text)
                    blob[pos + header.header : pos + header.length] = blanked
                pos += header.length
            if texts:
                self.findings.append(
                    Finding(
                        "AAC:encoder string", shorten(texts[0]), "names the encoder and its version"
                    )
                )
        cursor = 0
        for a, s, e in stream.pieces:
            self.data[a + s : a + e] = blob[cursor : cursor + e - s]
            cursor += e - s


class MpegTsCleaner:
    name = "mpegts"

    def sniff(self, head: bytes, path: Path) -> bool:
        for size, lead in ((188, 0), (192, 4)):
            if len(head) >= size * 3 and all(
                head[i + lead] == 0x47 for i in range(0, min(len(head) - size + 1, size * 16), size)
            ):
                return True
        return False

    def data_end(self, path: Path) -> int:
        size = os.stat(path).st_size
        with open(path, "rb") as f:
            head = f.read(192 * 8)
        packet, _ = _packet_size(head)
        return size - size % packet

    def inspect(self, path: Path) -> list[Finding]:
        ts = _Ts(path)
        ts.clean()
        return list(dict.fromkeys(ts.findings))  # the SDT repeats every few packets

    def clean(self, src: Path, dst: Path, options: CleanOptions) -> None:
        ts = _Ts(src)
        ts.clean()
        with atomic_output(dst) as f:
            f.write(bytes(ts.data[: ts.count * ts.size]))


cleaner = MpegTsCleaner()
