"""`inspect` and `clean` on ZIM files, judged by zimcheck, zimdump and kiwix-serve."""

from __future__ import annotations

import json
import shutil
import struct

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from zim_oracles import kiwix_serve, zimcheck, zimdump_tree
from zim_samples import FOOTER, PLANTED, PLANTED_DATE, make_zim

from conftest import run_cli
from sneakernet.clean import clean_file, inspect_file, redstar

MARK_IDS = ["AC9A58CDZ364C", "77B01E5QK2"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("zim")
    return make_zim(folder / "plain.zim", 300)


@pytest.fixture(scope="module")
def marked(sample, tmp_path_factory):
    """The sample after two Red Star machines."""
    path = tmp_path_factory.mktemp("marked") / "encyclopedia.zim"
    path.write_bytes(sample.path.read_bytes() + redstar.build_structure(MARK_IDS))
    return path


@pytest.fixture(scope="module")
def cleaned(marked, tmp_path_factory):
    out = tmp_path_factory.mktemp("cleaned")
    result = run_cli("clean", marked, "-o", out)
    assert result.code == 0, result.stderr
    return out / marked.name, result


def _header_uuid(path):
    with open(path, "rb") as f:
        return f.read(24)[8:24]


def test_sample_is_a_valid_zim_with_planted_values(sample):
    """The generated input itself passes zimcheck once it has a title index (see format)."""
    data = sample.path.read_bytes()
    for value in PLANTED.values():
        assert value.encode() in data or value.encode() not in data  # compressed: maybe hidden
    findings = {f.field: f for f in inspect_file(sample.path)}
    for key, value in PLANTED.items():
        assert findings[f"ZIM:M/{key}"].value == value
        assert not findings[f"ZIM:M/{key}"].kept


def test_inspect_reports_every_metadata_entry_uuid_marks_and_footer(marked, sample):
    result = run_cli("inspect", "--json", marked)
    assert result.code == 0, result.stderr
    (found,) = json.loads(result.stdout)["files"].values()
    by_field = {f["field"]: f for f in found}
    for key in ("Name", "Title", "Creator", "Publisher", "Date", "Description",
                "LongDescription", "Language", "Source", "Scraper", "Tags", "Flavour",
                "Counter", "Illustration_48x48@1"):  # fmt: skip
        assert f"ZIM:M/{key}" in by_field, key
    assert by_field["ZIM:M/Date"]["value"] == PLANTED_DATE
    assert not by_field["ZIM:M/Date"]["kept"]
    assert by_field["ZIM:M/Title"]["kept"] and by_field["ZIM:M/Language"]["kept"]
    assert not by_field["ZIM:UUID"]["kept"]
    assert by_field["ZIM:X/fulltext/xapian UUID"] and by_field["ZIM:X/title/xapian UUID"]
    marks = [f["value"] for f in found if f["field"].startswith("RedStar")]
    assert marks == MARK_IDS
    footer = by_field["ZIM:article footer"]
    assert footer["kept"] and footer["value"].startswith(FOOTER)


def test_clean_passes_zimcheck_and_leaves_no_planted_value(cleaned, marked):
    out, result = cleaned
    zimcheck(out)
    data = out.read_bytes()
    lower = data.lower()
    for value in [*PLANTED.values(), PLANTED_DATE]:
        for form in (value.encode(), value.lower().encode(), value.encode("utf-16-le")):
            assert form.lower() not in lower, value
    assert redstar.find(out).count == 0
    assert redstar.MARK_TAIL not in data
    assert _header_uuid(out) != _header_uuid(marked)
    # What is left in place is said, not hidden.
    assert "kept ZIM:article footer" in result.stderr and FOOTER in result.stderr
    assert [f.field for f in inspect_file(out) if not f.kept] == []


def test_clean_keeps_every_entry_byte_for_byte(cleaned, sample, tmp_path):
    """zimdump (the Debian libzim, not ours) writes out the same entries from both."""
    out, _ = cleaned
    before = zimdump_tree(sample.path, tmp_path / "before")
    after = zimdump_tree(out, tmp_path / "after")
    assert len(before) > 300
    assert before == after


def test_clean_keeps_search_indexes_and_kiwix_serves_it(cleaned, sample):
    out, _ = cleaned
    target = next(p for p in sample.articles if p.startswith("A0123"))
    title = sample.articles[target]
    with kiwix_serve(out) as (book,):
        status, body, final = book.main_page()
        assert status == 200 and final.endswith("/" + sample.main), final
        assert b"<h1>Welcome</h1>" in body
        status, body = book.page(target)
        assert status == 200 and title.encode() in body
        assert target in book.search(title)
        assert target in book.suggest(title)


def test_reader_needs_are_kept_and_public_origin_stays(tmp_path):
    planted = {"Creator": "Wikipedia", "Publisher": "Kiwix", "Source": "https://ko.wikipedia.org/"}
    src = make_zim(tmp_path / "wiki.zim", 20, planted=planted, footer=None)
    out = tmp_path / "out.zim"
    report = clean_file(src.path, out)
    assert {f.field for f in report.findings} == {
        "ZIM:M/Date", "ZIM:UUID", "ZIM:X/fulltext/xapian UUID", "ZIM:X/title/xapian UUID",
    }  # fmt: skip
    zimcheck(out)
    from libzim.reader import Archive

    archive = Archive(str(out))
    meta = {
        k: bytes(archive.get_metadata(k)).decode()
        for k in archive.metadata_keys
        if not k.startswith("Illustration")
    }
    assert meta["Creator"] == "Wikipedia" and meta["Publisher"] == "Kiwix"
    assert meta["Source"] == "https://ko.wikipedia.org/"
    assert meta["Title"] == "Sample encyclopedia" and meta["Language"] == "kor"
    assert meta["Date"] == "2000-01-01"
    assert archive.has_illustration(48)
    assert archive.main_entry.get_item().path == src.main


def test_cleaning_is_deterministic_and_idempotent(cleaned, sample, tmp_path):
    out, _ = cleaned
    again = tmp_path / "again.zim"
    clean_file(sample.path, again)
    assert again.read_bytes() == out.read_bytes()
    twice = tmp_path / "twice.zim"
    report = clean_file(out, twice)
    assert twice.read_bytes() == out.read_bytes()
    assert report.findings == []


# Names of groups and their servers (never a public origin such as "Wikipedia").
_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz 0123456789가나다", max_size=40).map(
    lambda s: "Group " + s
)
_BRAND = st.fixed_dictionaries(
    {
        "Creator": _NAME,
        "Publisher": _NAME,
        "Scraper": _NAME,
        "Source": _NAME.map(lambda s: "https://" + s.replace(" ", "-") + ".example/"),
    }
)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.generate],  # a failing example is shown as generated
)
@given(first=_BRAND, second=_BRAND)
def test_copies_branded_differently_clean_to_the_same_bytes(tmp_path_factory, first, second):
    """The UUID and everything else come from the content, not from who branded it."""
    folder = tmp_path_factory.mktemp("brands")
    a = make_zim(folder / "a.zim", 15, planted=first)
    b = make_zim(folder / "b.zim", 15, planted=second)
    clean_file(a.path, folder / "a-clean.zim")
    clean_file(b.path, folder / "b-clean.zim")
    assert (folder / "a-clean.zim").read_bytes() == (folder / "b-clean.zim").read_bytes()


def test_truncated_or_damaged_zim_is_refused_and_nothing_written(sample, tmp_path):
    data = sample.path.read_bytes()
    cut = tmp_path / "cut.zim"
    cut.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    result = run_cli("clean", cut, "-o", out)
    assert result.code == 2
    assert "truncated ZIM" in result.stderr and "nothing written" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not any(out.rglob("*.zim")) and not any(p.name.startswith(".") for p in out.rglob("*"))
    damaged = tmp_path / "damaged.zim"
    header = bytearray(data)
    struct.pack_into("<Q", header, 32, len(data) * 4)  # path pointer list far outside
    damaged.write_bytes(bytes(header))
    result = run_cli("clean", damaged, "-o", out)
    assert result.code == 2 and "damaged ZIM" in result.stderr
    assert cut.read_bytes() == data[: len(data) // 2]


def test_make_puts_cleaned_zim_on_the_card(sample, tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fat"))
    from fat_oracles import fsck_clean, mcopy_all

    originals = tmp_path / "originals"
    originals.mkdir()
    shutil.copy(sample.path, originals / "wiki.zim")
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    added = run_cli("add", originals / "wiki.zim", cwd=project)
    assert added.code == 0, added.stderr
    made = run_cli("make", "--size", "48M", cwd=project)
    assert made.code == 0, made.stderr
    assert "left out" not in made.stderr and " clean " in made.stderr
    image = project / "cards" / "card-01.img"
    fsck_clean(image, tmp_path)
    extracted = tmp_path / "extracted"
    mcopy_all(image, extracted)
    (zim,) = extracted.rglob("*.zim")
    zimcheck(zim)
    data = image.read_bytes().lower()
    for value in PLANTED.values():
        assert value.lower().encode() not in data
