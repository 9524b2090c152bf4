import pytest
from hypothesis import given
from hypothesis import strategies as st

from sneakernet.errors import UserError
from sneakernet.sizes import parse_size


@pytest.mark.parametrize(
    "text,expected",
    [
        ("512M", 512_000_000),
        ("16G", 16_000_000_000),
        ("16GB", 16_000_000_000),
        ("16GiB", 16 * 2**30),
        ("256MiB", 256 * 2**20),
        ("1048576", 1048576),
        ("1.5G", 1_500_000_000),
        (" 8 gb ", 8_000_000_000),
    ],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "16X", "-5M", "1.5", "12 G B"])
def test_parse_size_refuses(text):
    with pytest.raises(UserError, match="size"):
        parse_size(text)


@given(st.integers(min_value=0, max_value=2**50))
def test_plain_bytes_round_trip(n):
    assert parse_size(str(n)) == n
