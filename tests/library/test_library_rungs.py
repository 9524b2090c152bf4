"""Films planned at one of their rungs: exact against brute force, through `plan` and `make`."""

from __future__ import annotations

import json
import subprocess

import imageio_ffmpeg
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from planner_instances import brute_force, card_files, fits, sparse_items

from conftest import run_cli
from sneakernet.library.catalog import ItemRung
from sneakernet.media.profiles import bitrate_bits, load_profiles
from sneakernet.plan.capacity import card_capacity
from sneakernet.plan.planner import PlanOptions, make_plan

MIB = 2**20
CARD = 48 * MIB
SHARES = ((1.0, 1.0), (0.72, 0.95), (0.52, 0.88))


def with_rungs(items, levels: list[int]):
    """Sparse video items given rungs at the shares of the built-in video profiles."""
    for item, count in zip(items, levels, strict=True):
        if item.kind == "video" and count > 1:
            item.rungs = tuple(
                ItemRung(n, max(1, int(item.size * size)), value, 90.0 - 3 * n, f"crf {23 + 3 * n}")
                for n, (size, value) in enumerate(SHARES[:count])
            )
    return items


item_spec = st.tuples(
    st.sampled_from(["video", "video", "book"]),
    st.integers(1, 20 * MIB),
    st.integers(1, 10),
    st.sampled_from([None, None, None, "series"]),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(item_spec, min_size=1, max_size=4),
    levels=st.lists(st.integers(1, 3), min_size=4, max_size=4),
)
def test_plan_with_rungs_equals_brute_force(tmp_path_factory, specs, levels):
    items = with_rungs(sparse_items(tmp_path_factory.mktemp("items"), specs), levels[: len(specs)])
    best, _ = brute_force(items, CARD)
    assume(best > 0)
    plan = make_plan(items, PlanOptions(size=CARD, gap=0))
    assert plan.value == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert plan.bound >= plan.value - 1e-9
    assert fits(card_files(plan), CARD)
    ids = [f.item_id for f in plan.cards[0].files]
    assert len(ids) == len(set(ids)), "an item at two rungs"
    by_id = {it.id: it for it in items}
    for f in plan.cards[0].files:
        rungs = by_id[f.item_id].rungs
        if rungs:
            assert f.size == rungs[f.rung].size


def test_two_cards_never_carry_one_film_twice_at_two_rungs(tmp_path):
    items = with_rungs(sparse_items(tmp_path, [("video", 18 * MIB, 5, None)] * 5), [3] * 5)
    plan = make_plan(items, PlanOptions(size=CARD, cards=2, gap=0))
    ids = [f.item_id for card in plan.cards for f in card.files]
    assert sorted(ids) == sorted(set(ids))
    assert len(ids) == 5  # four at full rung would not fit two cards of 48 MiB
    assert any(f.rung for card in plan.cards for f in card.files)


# --- through the command line, on a generated library --------------------------------

SECONDS = 30


def _film(path, seed: int) -> None:
    """A short 320x240 film at a high rate: the notel estimate is its typical rate."""
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=s=320x240:r=25:d={SECONDS},noise=alls={20 + seed}:allf=t",
         "-f", "lavfi", "-i", f"sine=f={300 + 40 * seed}:d={SECONDS}",
         "-c:v", "mpeg4", "-q:v", "2", "-c:a", "aac", "-b:a", "128k", "-shortest", str(path)],
        check=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def films(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rungs")
    folder = tmp / "films"
    folder.mkdir()
    for n in range(10):
        _film(folder / f"film {n:02d}.mkv", n)
    return tmp, folder


def _project(tmp, folder, name):
    project = tmp / name
    assert run_cli("init", project).code == 0
    assert run_cli("add", folder, "--no-series", cwd=project).code == 0
    return project


def _card_for(full_sizes: list[int], films_worth: float) -> int:
    """The smallest card size (in 64 KiB steps) whose files area holds `films_worth`
    films at full rung, slack for folders included."""
    need = films_worth * sum(full_sizes) / len(full_sizes)
    size = 40 * MIB
    while True:
        cap = card_capacity(size)
        if cap.cluster_count * cap.cluster_size - 64 * 1024 >= need:
            return size
        size += 64 * 1024


def _roomy(project) -> list[dict]:
    planned = run_cli("plan", "--size", "1GB", "--json", cwd=project)
    assert planned.code == 0, planned.stderr
    roomy = json.loads(planned.stdout)["cards"][0]["files"]
    assert len(roomy) == 10 and {f["rung"] for f in roomy} == {0}
    return roomy


def _min_bytes(seconds: float) -> float:
    """Bytes of a film at the profile's hard minimum video rate (sound as always)."""
    notel = load_profiles().get("notel")
    return seconds * (bitrate_bits(notel.video.min_rate) + bitrate_bits(notel.audio.bitrate)) / 8


@pytest.mark.parametrize("worth", [9.6, 9.8])
def test_card_short_of_ten_films_takes_ten_with_one_at_a_lower_rung(films, worth):
    """The lowest rung keeps about 55 % of a film's bytes (the sound is not made
    cheaper), so a card for 9.6 films or more takes ten with one film lowered."""
    tmp, folder = films
    project = _project(tmp, folder, f"plan-{worth}")
    roomy = _roomy(project)
    full = [f["size"] for f in roomy]
    size = _card_for(full, worth)
    cap = card_capacity(size)
    assert cap.cluster_count * cap.cluster_size < sum(full)  # ten do not fit at full rung
    planned = run_cli("plan", "--size", str(size), "--json", cwd=project)
    assert planned.code == 0, planned.stderr
    files = json.loads(planned.stdout)["cards"][0]["files"]
    assert len(files) == 10
    rungs = sorted(f["rung"] for f in files)
    assert rungs[:9] == [0] * 9 and rungs[9] >= 1
    notel = load_profiles().get("notel").video
    lowered = next(f for f in files if f["rung"])
    assert lowered["size"] < full[0] and lowered["vmaf"] < roomy[0]["vmaf"]
    step = notel.rungs[lowered["rung"] - 1].step
    assert lowered["setting"] == f"VMAF floor {notel.vmaf_floor - step:g}"  # the floor goes down
    assert lowered["vmaf"] == notel.vmaf_floor - step
    assert all(f["size"] >= _min_bytes(SECONDS) for f in files)  # never below the minimum
    # People see the rung and its VMAF.
    shown = run_cli("plan", "--size", str(size), cwd=project)
    assert shown.code == 0, shown.stderr
    text = " ".join(shown.stdout.split() + shown.stderr.split())
    assert "rung" in text and "VMAF" in text and "cheaper rung" in text


def test_card_for_nine_and_a_half_takes_ten_lowering_as_few_as_it_can(films):
    tmp, folder = films
    project = _project(tmp, folder, "plan-9.5")
    full = [f["size"] for f in _roomy(project)]
    planned = run_cli("plan", "--size", str(_card_for(full, 9.5)), "--json", cwd=project)
    files = json.loads(planned.stdout)["cards"][0]["files"]
    assert len(files) == 10
    assert sum(1 for f in files if f["rung"]) == 2  # one at the lowest rung needs 9.55
    assert all(f["size"] >= _min_bytes(SECONDS) for f in files)


def test_no_rung_below_the_hard_minimum_on_a_card_far_too_small(films):
    tmp, folder = films
    project = _project(tmp, folder, "tiny")
    full = [f["size"] for f in _roomy(project)]
    size = 40 * MIB  # the smallest card: room for about eight films at full rung
    planned = run_cli("plan", "--size", str(size), "--json", cwd=project)
    files = json.loads(planned.stdout)["cards"][0]["files"]
    assert sum(f["size"] for f in files) <= size < sum(full)
    assert sum(1 for f in files if f["rung"]) >= 3
    assert min(f["size"] for f in files) >= _min_bytes(SECONDS)
    assert max(f["rung"] for f in files) <= len(load_profiles().get("notel").video.rungs)


# --- make: only the chosen rung is prepared ----------------------------------------


class RungPreparer:
    """Writes each item at exactly its chosen rung's size, named as `make` names rungs."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, item, folder):
        from sneakernet.make.estimates import rung_suffix
        from sneakernet.make.job import Prepared

        level = item.rung.level if item.rung is not None else None
        self.calls.append((item.id, level))
        out = folder / f"{item.hash[-16:]}{rung_suffix(level or 0)}.mp4"
        with open(out, "wb") as f:
            f.truncate(item.rung.size if item.rung is not None else item.card_size_estimate)
        return Prepared(out, out.stat().st_size)


def test_make_prepares_each_film_once_at_the_rung_the_plan_chose(tmp_path):
    from planner_instances import job_setup

    from sneakernet.make.job import run_make

    catalog, cache, out = job_setup(tmp_path, [("video", 8 * MIB, 5, None)] * 5)

    def estimate(items):
        return with_rungs([it for it in items], [3 if it.prepared_size is None else 0
                                                 for it in items])  # fmt: skip

    preparer = RungPreparer()
    result = run_make(catalog, cache, out, PlanOptions(size=CARD), preparer, lambda _i: [],
                      estimate=estimate)  # fmt: skip
    files = result.plan.cards[0].files
    assert len(files) == 5  # 40 MiB of films at full rung, 40 MiB of files a card: one lowered
    assert sorted(level for _, level in preparer.calls) == [0, 0, 0, 0, 1]
    assert len({i for i, _ in preparer.calls}) == 5  # each film prepared once
    lowered = [i for i, level in preparer.calls if level]
    assert catalog.get(lowered[0]).prepared_path.endswith("-r1.mp4")
    catalog.close()


def test_the_rung_setting_reaches_the_encode_and_the_cache_key(tmp_path):
    """Rung 1 of notel is its VMAF floor - 3 with the cap scaled: a different, smaller encode."""
    from dataclasses import replace

    from sneakernet.library.catalog import Item
    from sneakernet.make.prepare import prepare_item

    src = tmp_path / "film.mkv"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2,noise=alls=12:allf=t",
         "-f", "lavfi", "-i", "sine=f=440:d=2", "-c:v", "mpeg4", "-q:v", "2",
         "-c:a", "aac", "-shortest", str(src)],
        check=True, timeout=120,
    )  # fmt: skip
    item = Item(1, "ab" * 32, str(src), src.stat().st_size, "video", duration=2.0)
    folder = tmp_path / "prepared"
    sizes = {}
    for level in (0, 1):
        rung = ItemRung(level, 1, 1.0, None, "")
        done = prepare_item(replace(item, rung=rung), folder, "notel")
        sizes[level] = done.size
        assert done.path.name.endswith("-r1.mp4" if level else "ab.mp4")
    assert sizes[1] < sizes[0] * 0.9, sizes
    media = list((tmp_path / "media" / "objects").rglob("*.mp4"))
    assert len(media) == 2  # two cache keys: the rung's floor is part of it


def test_a_prepared_film_is_planned_with_the_vmaf_measured_on_it(tmp_path):
    from types import SimpleNamespace

    from sneakernet.library.catalog import Item
    from sneakernet.make.estimates import with_estimates
    from sneakernet.make.prepare import _keep_quality
    from sneakernet.plan.planfile import vmaf_text

    copy = tmp_path / "prepared" / ("cd" * 16 + "-r1.mp4")
    copy.parent.mkdir()
    copy.write_bytes(b"x" * 1000)
    item = Item(1, "cd" * 32, str(tmp_path / "film.mkv"), 10**8, "video", duration=600.0,
                state="prepared", prepared_size=1000, prepared_path=str(copy))  # fmt: skip
    (estimated,) = with_estimates([item], "notel")
    assert [r.level for r in estimated.rungs] == [0, 1]  # a better rung may be offered again
    assert not estimated.rungs[-1].vmaf_measured and estimated.rungs[-1].size == 1000
    _keep_quality(copy, SimpleNamespace(crf=26.0, vmaf=91.25))
    item.rungs = None
    (measured,) = with_estimates([item], "notel")
    assert measured.rungs[-1].vmaf == 91.25 and measured.rungs[-1].vmaf_measured
    (f,) = make_plan([measured], PlanOptions(size=CARD)).cards[0].files
    assert f.rung == 0 and vmaf_text(f) == "90.0~"  # the better rung: its floor, an estimate
    measured.rungs = measured.rungs[-1:]
    (f,) = make_plan([measured], PlanOptions(size=CARD)).cards[0].files
    assert f.rung == 1 and vmaf_text(f) in ("91.2", "91.3")  # measured: no ~
