"""Short names: unique per folder, valid 8.3, stable; plain 8.3 names kept as they are."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sneakernet.fat.dirent import assign_short_names, fold, lfn_slots

VALID = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'()-@^_`{}~ ")

NAMES = st.lists(
    st.one_of(
        st.text(st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=20),
        st.sampled_from(["EP1.MP4", "README.TXT", "A", "FOO~1", "FOO~1.TXT"]),
        st.integers(0, 300).map(lambda i: f"track {i}.mp3"),
    ),
    max_size=120,
    unique_by=fold,
)


@settings(max_examples=200, deadline=None)
@given(NAMES)
def test_short_names_are_unique_valid_and_stable(names: list[str]):
    shorts = assign_short_names(names)
    assert len(set(shorts)) == len(shorts)
    for name, short in zip(names, shorts, strict=True):
        assert len(short) == 11 and set(short) <= VALID and short[0:1] != b" "
        if lfn_slots(name) == 0:  # a plain upper-case 8.3 name is stored as itself
            base, _, ext = name.partition(".")
            assert short == (base.ljust(8) + ext.ljust(3)).encode()
    assert assign_short_names(list(names)) == shorts


def test_tails_count_up_and_plain_names_win():
    names = ["Track one.mp3", "Track two.mp3", "TRACKO~1.MP3", "Track three.mp3"]
    assert assign_short_names(names) == [
        b"TRACKO~2MP3",
        b"TRACKT~1MP3",
        b"TRACKO~1MP3",
        b"TRACKT~2MP3",
    ]
