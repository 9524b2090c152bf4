"""Zero the ancillary bits of MPEG audio Layer III frames.

LAME fills the bits a frame does not need for sound with its name and
version ("LAME3.100..."), hundreds of times in a song. Decoders ignore those
bits, so setting them to zero leaves the sound bit-for-bit the same and the
encoder unnamed. A frame's sound data (its "main data") may begin in earlier
frames (the bit reservoir), so the bits in use are worked out across the
whole stream from each frame's side information; everything else is zeroed.
"""

from __future__ import annotations

from dataclasses import dataclass

_BITRATES = {  # kbit/s by bitrate index, Layer III
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000), 25: (11025, 12000, 8000)}


class NotMp3(ValueError):
    """The bytes are not a plain stream of Layer III frames."""


@dataclass
class _Frame:
    data_start: int  # file offset of the main-data area (after header, CRC, side info)
    data_end: int  # file offset of the frame's end
    main_data_begin: int  # bytes back into earlier frames' data areas
    main_bits: int  # bits of sound data for this frame


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, n: int) -> int:
        value = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3]
            value = (value << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return value


def _parse_frame(buf: bytes, offset: int) -> tuple[_Frame, int] | None:
    if offset + 4 > len(buf) or buf[offset] != 0xFF or (buf[offset + 1] & 0xE0) != 0xE0:
        return None
    b1, b2, b3 = buf[offset + 1], buf[offset + 2], buf[offset + 3]
    version_bits, layer_bits = (b1 >> 3) & 3, (b1 >> 1) & 3
    if layer_bits != 1 or version_bits == 1:
        return None
    version = {3: 1, 2: 2, 0: 25}[version_bits]
    lsf = version != 1
    has_crc = not (b1 & 1)
    bitrate_index, rate_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
    if bitrate_index in (0, 15) or rate_index == 3:
        return None
    bitrate = _BITRATES[2 if lsf else 1][bitrate_index] * 1000
    rate = _RATES[version][rate_index]
    length = (72 if lsf else 144) * bitrate // rate + padding
    mono = (b3 >> 6) == 3
    channels = 1 if mono else 2
    side_len = (9 if mono else 17) if lsf else (17 if mono else 32)
    side_start = offset + 4 + (2 if has_crc else 0)
    if offset + length > len(buf) or side_start + side_len > offset + length:
        return None
    bits = _Bits(buf[side_start : side_start + side_len])
    main_bits = 0
    if lsf:
        main_data_begin = bits.read(8)
        bits.read(1 if mono else 2)
        for _ in range(channels):
            main_bits += bits.read(12)
            bits.read(63 - 12)
    else:
        main_data_begin = bits.read(9)
        bits.read(5 if mono else 3)
        bits.read(4 * channels)
        for _ in range(2 * channels):
            main_bits += bits.read(12)
            bits.read(59 - 12)
    frame = _Frame(side_start + side_len, offset + length, main_data_begin, main_bits)
    return frame, offset + length


def zero_ancillary(data: bytes) -> bytes:
    """The same stream with every bit outside the frames' sound data set to zero.

    `data` must be Layer III frames only (no ID3 tags), as our muxer writes them.
    """
    frames: list[_Frame] = []
    offset = 0
    while offset < len(data):
        parsed = _parse_frame(data, offset)
        if parsed is None:
            raise NotMp3(f"no Layer III frame at byte {offset}")
        frame, offset = parsed
        frames.append(frame)
    # The data areas of all frames, end to end, form one bit stream.
    area = bytearray()
    starts = []
    for frame in frames:
        starts.append(len(area))
        area += data[frame.data_start : frame.data_end]
    covered = []
    for frame, start in zip(frames, starts, strict=True):
        begin = (start - frame.main_data_begin) * 8
        if begin < 0:
            raise NotMp3("a frame's sound data starts before the stream")
        covered.append((begin, min(begin + frame.main_bits, len(area) * 8)))
    position = 0
    for begin, end in sorted(covered):
        if begin > position:
            _zero_bits(area, position, begin)
        position = max(position, end)
    _zero_bits(area, position, len(area) * 8)
    out = bytearray(data)
    for frame, start in zip(frames, starts, strict=True):
        size = frame.data_end - frame.data_start
        out[frame.data_start : frame.data_end] = area[start : start + size]
    return bytes(out)


def _zero_bits(buf: bytearray, start: int, end: int) -> None:
    """Clear bits [start, end) of `buf`, most significant bit first."""
    while start < end and start & 7:
        buf[start >> 3] &= ~(0x80 >> (start & 7)) & 0xFF
        start += 1
    whole_end = end & ~7
    if start < whole_end:
        buf[start >> 3 : whole_end >> 3] = bytes((whole_end - start) >> 3)
        start = whole_end
    while start < end:
        buf[start >> 3] &= ~(0x80 >> (start & 7)) & 0xFF
        start += 1
