"""`set --fill`: an encyclopedia cut to the space a card has left.

Judged by zimcheck, by following every link of the dumped subset (zimdump),
by an in-link count made here from what the generator wrote, and by the card
image itself (fsck.fat, mtools).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zim_oracles import kiwix_serve, zimcheck, zimdump_tree
from zim_pages import dead_links
from zim_samples import PLANTED, make_zim

from conftest import run_cli
from sneakernet import fat
from sneakernet.library.catalog import Item
from sneakernet.plan.planner import PlanOptions, make_plan
from sneakernet.zim import subset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "library"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fat"))
from fat_oracles import fsck_clean, mcopy_all, mtools  # noqa: E402
from planner_instances import job_setup, sparse_items  # noqa: E402

MIB = 2**20
CLUSTER = 4096


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return make_zim(tmp_path_factory.mktemp("fill") / "wiki.zim", 1500, picture_side=64)


def _kept_articles(tree: dict[str, bytes], sample) -> set[str]:
    return {p for p in sample.articles if p in tree and not tree[p].startswith(b"-> ")}


def _check_top_linked(sample, kept: set[str]) -> None:
    """Kept articles are the most linked (counted here), besides the main page and its links."""
    counts = sample.in_links()
    forced = {sample.main, *sample.links[sample.main]}
    rest_kept = [counts[a] for a in kept - forced]
    dropped = [counts[a] for a in set(sample.articles) - kept - forced]
    assert forced <= kept
    if rest_kept and dropped:
        assert min(rest_kept) >= max(dropped), (min(rest_kept), max(dropped))


def test_text_subset_keeps_most_linked_articles_without_dead_links(source, tmp_path):
    s = subset.survey(source.path)
    budget = s.size_without_media() // 2
    out = tmp_path / "sub.zim"
    result = subset.make_subset(source.path, budget, out, s, close_enough=CLUSTER)
    assert result.size == out.stat().st_size <= budget
    assert budget - result.size < CLUSTER  # the card ends full to the last cluster
    assert result.media_kept == 0 and 0 < result.articles_kept < result.articles_total
    zimcheck(out)  # includes its own check of internal links
    tree = zimdump_tree(out, tmp_path / "dump")
    kept = _kept_articles(tree, source)
    assert len(kept) == result.articles_kept
    assert dead_links(tree, kept) == []
    assert not any(p.startswith("images/") for p in tree)  # pictures go before articles
    _check_top_linked(source, kept)
    # A link to a dropped article is now its text; links to kept ones are untouched.
    page = next(a for a in sorted(kept) if set(source.links[a]) - kept)
    gone = next(t for t in source.links[page] if t not in kept)
    assert source.articles[gone].encode() in tree[page]
    assert f'href="{gone}"'.encode() not in tree[page]
    for target in source.links[page]:
        if target in kept:
            assert f'href="{target}"'.encode() in tree[page]
    data = out.read_bytes().lower()
    for value in PLANTED.values():
        assert value.lower().encode() not in data


def test_subset_with_pictures_fills_to_the_last_picture_and_is_deterministic(source, tmp_path):
    s = subset.survey(source.path)
    budget = s.size_without_media() + (s.media_bytes // 3)
    out = tmp_path / "sub.zim"
    result = subset.make_subset(source.path, budget, out, s, close_enough=CLUSTER)
    assert result.articles_kept == result.articles_total
    assert 0 < result.media_kept < result.media_total
    assert result.size <= budget
    tree = zimdump_tree(out, tmp_path / "dump")
    kept_pictures = {p for p in tree if p.startswith("images/")}
    dropped = {p: n for p, n in source.picture_sizes.items() if p not in kept_pictures}
    # Less is left than the smallest picture left out needs (or than a cluster).
    assert budget - result.size < max(CLUSTER, min(dropped.values()) + 64)
    assert dead_links(tree, _kept_articles(tree, source)) == []
    zimcheck(out)
    # Pictures of the most linked pages first.
    counts = source.in_links()

    def rank(pic):
        return max(counts[a] for a, pics in source.pictures.items() if pic in pics)

    assert min(rank(p) for p in kept_pictures) >= max(rank(p) for p in dropped) - 1
    again = tmp_path / "again.zim"
    subset.make_subset(source.path, budget, again, s, close_enough=CLUSTER)
    assert again.read_bytes() == out.read_bytes()
    with kiwix_serve(out) as (book,):
        status, body, _ = book.main_page()
        assert status == 200 and b"Welcome" in body
        top = max(source.articles, key=lambda a: counts[a] if a != source.main else -1)
        assert top in book.suggest(source.articles[top])
        assert book.search(source.articles[top])  # the full-text index answers


def test_too_little_room_for_the_main_page_is_refused(source, tmp_path):
    with pytest.raises(subset.SubsetError, match="main page"):
        subset.make_subset(source.path, 20_000, tmp_path / "tiny.zim")
    assert not (tmp_path / "tiny.zim").exists()


def _zim_item(path: Path, n: int, priority: int = 4) -> Item:
    return Item(n, f"{n:064x}", str(path), path.stat().st_size, "encyclopedia", priority,
                fill=True)  # fmt: skip


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(films=st.lists(st.integers(1, 30 * MIB), min_size=1, max_size=4),
       card=st.sampled_from([48 * MIB, 64 * MIB, 100 * MIB]), cards=st.integers(1, 3))  # fmt: skip
def test_planned_fill_takes_the_card_to_its_last_cluster(tmp_path_factory, films, card, cards):
    folder = tmp_path_factory.mktemp("plan")
    items = sparse_items(folder, [("video", size, 8, None) for size in films])
    big = folder / "wiki.zim"
    with open(big, "wb") as f:
        f.truncate(3 * card)  # larger than any card: it must be cut
    items.append(_zim_item(big, len(items) + 1))
    plan = make_plan(items, PlanOptions(size=card, cards=cards, time_limit=0.2))
    filled = [c for c in plan.cards if any(f.fill for f in c.files)]
    assert filled
    for c in plan.cards:
        files = [(f.card_path, f.size) for f in c.files]
        fill = [f for f in c.files if f.fill]
        if not fill:
            continue
        (f,) = fill
        assert f.size % plan.cluster_size == 0
        assert fat.plan_capacity(files, card).fits
        bigger = [(p, s + plan.cluster_size if p == f.card_path else s) for p, s in files]
        assert not fat.plan_capacity(bigger, card).fits  # not one more cluster would fit
    ids = [f.item_id for c in plan.cards for f in c.files if not f.fill]
    assert len(ids) == len(set(ids))  # each film on one card


def test_whole_zim_goes_on_when_it_fits(source, tmp_path):
    items = sparse_items(tmp_path, [("video", 5 * MIB, 8, None)])
    items.append(_zim_item(source.path, 2))
    plan = make_plan(items, PlanOptions(size=48 * MIB))
    (zim,) = [f for f in plan.cards[0].files if f.item_id == 2]
    assert not zim.fill and zim.size == source.path.stat().st_size


def _free_bytes(image: Path) -> int:
    listing = mtools("mdir", image, "-/", "-a", "::")
    line = next(line for line in listing.splitlines() if "bytes free" in line)
    return int(line.split("bytes free")[0].split()[-1].replace(",", "").replace(" ", ""))


def test_make_gives_every_card_of_a_set_its_own_subset(source, tmp_path):
    from sneakernet.make.job import Prepared, run_make
    from sneakernet.make.prepare import cut_encyclopedia, prepare_item

    specs = [("video", 34 * MIB, 9, None), ("video", 33 * MIB, 8, None)]
    catalog, cache, out = job_setup(tmp_path, specs)
    zim = tmp_path / "lib" / "wiki.zim"
    shutil.copy(source.path, zim)
    from sneakernet.library.probe import content_hash

    zim_id = catalog.add(
        Item(0, content_hash(zim), str(zim), zim.stat().st_size, "encyclopedia", 4)
    )
    catalog.set_fill(zim_id, True)

    def prepare(item, folder):
        if item.kind == "encyclopedia":
            return prepare_item(item, folder)
        dst = folder / f"{item.hash[-16:]}.mp4"
        with open(dst, "wb") as f:
            f.truncate(item.size)
        return Prepared(dst, item.size)

    events = []
    options = PlanOptions(size=48 * MIB, cards=2)
    result = run_make(catalog, cache, out, options, prepare, lambda _i: [], events.append,
                      cut=cut_encyclopedia)  # fmt: skip
    assert len(result.subsets) == 2
    assert result.subsets[0].room != result.subsets[1].room
    assert any("of 1,501 articles" in e for e in events)
    for outcome, cut in zip(result.cards, result.subsets, strict=True):
        image = outcome.built.image
        fsck_clean(image, tmp_path)
        extracted = tmp_path / f"card{outcome.built.index}"
        mcopy_all(image, extracted)
        (on_card,) = extracted.rglob("*.zim")
        assert on_card.read_bytes() == cut.path.read_bytes()
        zimcheck(on_card)
        tree = zimdump_tree(on_card, tmp_path / f"dump{outcome.built.index}")
        # Full to the last cluster, or less left than the smallest picture left out needs.
        dropped = [n for p, n in source.picture_sizes.items() if p not in tree]
        smallest = min(dropped, default=0) + 64
        assert _free_bytes(image) < max(result.plan.cluster_size, smallest)
        kept = _kept_articles(tree, source)
        assert len(kept) == cut.articles_kept
        assert dead_links(tree, kept) == []
        _check_top_linked(source, kept)


def test_set_fill_cli_plan_and_make(source, tmp_path):
    originals = tmp_path / "originals"
    originals.mkdir()
    shutil.copy(source.path, originals / "wiki.zim")
    (originals / "book.txt").write_text("A long story.\n" * 2_300_000, encoding="utf-8")
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    assert run_cli("add", originals / "book.txt", originals / "wiki.zim", cwd=project).code == 0
    refused = run_cli("set", "1", "--fill", cwd=project)
    assert refused.code == 2 and "not an encyclopedia" in refused.stderr
    assert run_cli("set", "2", "--fill", cwd=project).code == 0
    listed = run_cli("ls", cwd=project)
    assert "fills what is left" in listed.stderr + listed.stdout
    made = run_cli("make", "--size", "48MiB", cwd=project)
    assert made.code == 0, made.stderr
    assert "articles" in made.stderr and " clean " in made.stderr
    image = project / "cards" / "card-01.img"
    fsck_clean(image, tmp_path)
    assert _free_bytes(image) < 64 * 1024  # less than a picture
    extracted = tmp_path / "extracted"
    mcopy_all(image, extracted)
    (zim,) = extracted.rglob("*.zim")
    zimcheck(zim)
    assert zim.stat().st_size < source.path.stat().st_size


@pytest.mark.slow
def test_card_with_300_mb_left_after_the_films(tmp_path):
    """The issue's case at full size: 300 MB left, a ZIM larger than that, one card."""
    from sneakernet.make.job import Prepared, run_make
    from sneakernet.make.prepare import cut_encyclopedia, prepare_item

    source = make_zim(tmp_path / "big.zim", 2400, picture_side=256, pictures_every=1)
    card = 1024 * MIB
    capacity = fat.compute_geometry(card, None, True)
    data = capacity.cluster_count * capacity.cluster_size
    films = data - 300 * 10**6
    specs = [("video", films // 2, 9, None), ("video", films - films // 2 - 2 * MIB, 8, None)]
    catalog, cache, out = job_setup(tmp_path, specs)
    from sneakernet.library.probe import content_hash

    zim_id = catalog.add(Item(0, content_hash(source.path), str(source.path),
                              source.path.stat().st_size, "encyclopedia", 4))  # fmt: skip
    catalog.set_fill(zim_id, True)
    assert source.path.stat().st_size > 300 * 10**6

    def prepare(item, folder):
        if item.kind == "encyclopedia":
            return prepare_item(item, folder)
        dst = folder / f"{item.hash[-16:]}.mp4"
        with open(dst, "wb") as f:
            f.truncate(item.size)
        return Prepared(dst, item.size)

    result = run_make(catalog, cache, out, PlanOptions(size=card), prepare, lambda _i: [],
                      lambda _e: None, cut=cut_encyclopedia)  # fmt: skip
    (cut,) = result.subsets
    assert 290 * 10**6 < cut.room <= 300 * 10**6 + 2 * MIB
    assert cut.articles_kept == cut.articles_total and 0 < cut.media_kept < cut.media_total
    image = result.cards[0].built.image
    fsck_clean(image, tmp_path)
    extracted = tmp_path / "extracted"
    mcopy_all(image, extracted)
    (on_card,) = extracted.rglob("*.zim")
    zimcheck(on_card)
    tree = zimdump_tree(on_card, tmp_path / "dump")
    assert dead_links(tree, _kept_articles(tree, source)) == []
    dropped = [n for p, n in source.picture_sizes.items() if p not in tree]
    assert _free_bytes(image) < max(result.plan.cluster_size, min(dropped) + 64)
