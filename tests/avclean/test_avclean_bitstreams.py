"""Properties of the bit-level functions the container cleaners rely on."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sneakernet.clean.formats import _ebml, aacfill, h264sei, vorbiscomment
from sneakernet.clean.formats.ogg import ogg_crc


@given(st.binary(max_size=300))
def test_emulation_prevention_round_trips(rbsp: bytes) -> None:
    escaped = h264sei._escape(rbsp)
    assert h264sei._unescape(escaped) == rbsp
    for i in range(len(escaped) - 2):
        assert not (escaped[i] == 0 and escaped[i + 1] == 0 and escaped[i + 2] <= 2)


_messages = st.lists(
    st.tuples(st.integers(0, 300), st.binary(max_size=300)), min_size=1, max_size=4
)


@given(_messages, st.booleans())
def test_only_user_data_messages_are_cut(messages: list[tuple[int, bytes]], hevc: bool) -> None:
    rbsp = b"".join(
        h264sei._write_sei_number(t) + h264sei._write_sei_number(len(p)) + p for t, p in messages
    )
    header = b"\x4e\x01" if hevc else b"\x06"
    nal = header + h264sei._escape(rbsp + b"\x80")
    kept = [(t, p) for t, p in messages if t != h264sei.USER_DATA_UNREGISTERED]
    cleaned = h264sei.clean_sei_nal(nal, hevc)
    if len(kept) == len(messages):
        assert cleaned is nal
    elif not kept:
        assert cleaned is None
    else:
        assert cleaned is not None
        assert h264sei.sei_messages(h264sei._unescape(cleaned[len(header) :])) == kept


@given(st.integers(2, 400))
def test_filler_keeps_the_exact_size(length: int) -> None:
    filler = h264sei.filler_nal(length)
    assert len(filler) == length and filler[0] & 0x1F == 12 and b"\x00" not in filler


@given(
    st.text(alphabet="abcdefLavc0123456789.", min_size=4, max_size=40),
    st.binary(min_size=1, max_size=200),
)
def test_aac_fill_element_is_cut_at_bit_level(text: str, rest: bytes) -> None:
    payload = b"\x00" + text.encode()  # extension type 0 (fill), then the text
    count = len(payload)
    bits = (aacfill._ID_FIL << 4) | min(count, 15)
    width = 7
    if count >= 15:
        bits = (bits << 8) | (count - 14)
        width = 15
    value = (bits << (8 * count)) | int.from_bytes(payload, "big")
    width += 8 * count
    rest_bits = len(rest) * 8
    frame_value = (value << rest_bits) | int.from_bytes(rest, "big")
    total = width + rest_bits
    size = (total + 7) // 8
    frame = (frame_value << (size * 8 - total)).to_bytes(size, "big")
    stripped = aacfill.strip_fill(frame)
    assert stripped is not None and stripped.startswith(rest)
    assert len(stripped) - len(rest) <= 1 and not any(stripped[len(rest) :])


@given(st.integers(0, 2**56 - 2))
def test_ebml_sizes_round_trip(size: int) -> None:
    encoded = _ebml.encode_size(size)
    assert _ebml.read_size(encoded, 0) == (size, len(encoded))
    assert _ebml.read_size(_ebml.encode_size(size, 8), 0) == (size, 8)


def _ogg_crc_reference(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = (
                ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF
                if crc & 0x80000000
                else (crc << 1) & 0xFFFFFFFF
            )
    return crc


@given(st.binary(max_size=500))
def test_ogg_crc_matches_the_bitwise_definition(data: bytes) -> None:
    assert ogg_crc(data) == _ogg_crc_reference(data)


_fields = st.lists(
    st.tuples(st.sampled_from(["TITLE", "ARTIST", "ALBUM", "TRACKNUMBER", "COMMENT", "ENCODER"]),
              st.text(max_size=30)),
    max_size=8,
)  # fmt: skip


@given(_fields, st.text(max_size=30))
def test_vorbis_comments_round_trip(fields: list[tuple[str, str]], vendor: str) -> None:
    assert vorbiscomment.parse(vorbiscomment.build(fields, vendor)) == (vendor, fields)
    kept = vorbiscomment.music_only(fields)
    assert [k for k, _ in kept] == [k for k in vorbiscomment.MUSIC_KEYS if k in dict(fields)]


def _ebml_signed(value: int) -> bytes:
    for width in range(1, 9):
        bias = (1 << (7 * width - 1)) - 1
        if -bias <= value <= bias:
            return _ebml.encode_size(value + bias, width)
    raise ValueError(value)


@given(
    st.lists(st.binary(max_size=600), min_size=2, max_size=6),
    st.sampled_from(["xiph", "ebml", "fixed"]),
)
def test_laced_blocks_split_into_their_frames(frames: list[bytes], lacing: str) -> None:
    from sneakernet.clean.formats.mkv import _parse_block

    if lacing == "fixed":
        frames = [frames[0]] * len(frames)
    head = b"\x81\x00\x00" + bytes([{"xiph": 0x82, "ebml": 0x86, "fixed": 0x84}[lacing]])
    lace = bytes([len(frames) - 1])
    if lacing == "xiph":
        for f in frames[:-1]:
            lace += b"\xff" * (len(f) // 255) + bytes([len(f) % 255])
    elif lacing == "ebml":
        lace += _ebml.encode_size(len(frames[0]))
        for prev, f in zip(frames[:-2], frames[1:-1], strict=True):
            lace += _ebml_signed(len(f) - len(prev))
    parsed = _parse_block(head + lace + b"".join(frames))
    assert parsed is not None and parsed.track == 1 and parsed.frames == frames
    again = _parse_block(parsed.to_bytes())
    assert again is not None and again.frames == frames
