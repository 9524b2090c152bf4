import pytest
from hypothesis import given
from hypothesis import strategies as st

from sneakernet.errors import UserError
from sneakernet.sizes import parse_card_size, parse_size


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


# Capacities genuine drives report, as seen in the field: a common "16 GB"
# microSD card and a common "8 GB" USB stick.
GENUINE = {"16G": [15_931_539_456], "8G": [7_948_206_080]}


@pytest.mark.parametrize("sold", sorted(GENUINE))
def test_a_card_size_as_sold_fits_every_genuine_card_of_that_class(sold):
    planned = parse_card_size(sold)
    assert planned == parse_card_size(sold.replace("G", " GB"))
    assert planned % 2**20 == 0
    assert all(planned <= real for real in GENUINE[sold])
    # ... and gives up little: at most 4 % of the printed figure.
    assert planned >= 0.959 * parse_size(sold)


@pytest.mark.parametrize("exact", ["256M", "16GiB", "15931539456", "48MB"])
def test_other_units_are_exact(exact):
    assert parse_card_size(exact) == parse_size(exact)


@given(st.integers(min_value=1, max_value=2048))
def test_sold_sizes_shrink_monotonically(n):
    assert parse_card_size(f"{n}G") < parse_card_size(f"{n + 1}G")
    assert parse_card_size(f"{n}G") < parse_size(f"{n}G")
