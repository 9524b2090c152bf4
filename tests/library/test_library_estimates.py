"""Planning before converting: films are planned at what the profile makes of them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from library_samples import big_film
from planner_instances import job_setup

from conftest import run_cli
from sneakernet.make.job import Prepared, run_make
from sneakernet.media.estimate import estimate_card_size
from sneakernet.media.profiles import load_profiles
from sneakernet.plan.planner import PlanOptions

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fat"))
from fat_oracles import fsck_clean, mdir_order  # noqa: E402

MIB = 2**20


def test_estimates_follow_the_profile():
    notel = load_profiles().get("notel")
    hour = 3600.0
    rip = estimate_card_size("video", 6 * 10**9, hour, notel)
    # 1200 kbit/s typical video + 96 kbit/s audio for an hour, plus container overhead.
    assert rip == pytest.approx(hour * 1_296_000 / 8 * 1.015, rel=0.001)
    small = estimate_card_size("video", 300 * 10**6, hour, notel)  # already below the rate
    assert small <= 300 * 10**6 * 1.02
    song = estimate_card_size("audio", 40 * 10**6, 200.0, load_profiles().get("music"))
    assert song == pytest.approx(200 * 192_000 / 8, rel=0.02)
    assert estimate_card_size("book", 12345, None, None) == 12345


def test_films_larger_than_the_card_are_planned_converted_and_go_on(tmp_path):
    films = tmp_path / "library" / "films"
    films.mkdir(parents=True)
    names = ["The Sea (1998).mkv", "Mountain Road.mkv", "바다로 가자.mkv"]
    for seed, name in enumerate(names):
        big_film(films / name, seed)
    card = "48MiB"
    assert all((films / n).stat().st_size > 48 * MIB for n in names)
    project = tmp_path / "proj"
    assert run_cli("init", project).code == 0
    assert run_cli("add", films, cwd=project).code == 0
    planned = run_cli("plan", "--size", card, "--json", cwd=project)
    assert planned.code == 0, planned.stderr
    files = json.loads(planned.stdout)["cards"][0]["files"]
    assert len(files) == 3 and all(f["size_estimated"] for f in files)
    made = run_cli("make", "--size", card, cwd=project)
    assert made.code == 0, made.stderr
    said = " ".join(made.stderr.split())
    assert "size estimates before converting: median error" in said
    assert said.count(", estimated ") == 3
    image = project / "cards" / "card-01.img"
    fsck_clean(image, tmp_path)
    assert sorted(mdir_order(image)["영상"]) == sorted(Path(n).stem + ".mp4" for n in names)


class OffEstimatePreparer:
    """Prepares to the estimate times a factor: estimates wrong by up to ±30 %."""

    def __init__(self, factors: list[float]) -> None:
        self.factors = factors
        self.calls = 0

    def __call__(self, item, folder: Path) -> Prepared:
        factor = self.factors[self.calls % len(self.factors)]
        self.calls += 1
        out = folder / f"{item.hash[-16:]}.mp4"
        with open(out, "wb") as f:
            f.write(item.hash.encode() * 4)
            f.truncate(int(item.card_size_estimate * factor))
        return Prepared(out, out.stat().st_size)


def halving(items):
    for it in items:
        if it.prepared_size is None:
            it.estimated_size = it.size // 2
    return items


@pytest.mark.parametrize("factors", [[1.3], [0.7], [1.3, 0.7, 1.1, 0.9], [0.7, 1.3]])
def test_no_card_overflows_when_estimates_are_wrong_by_30_percent(tmp_path, factors):
    specs = [("video", (9 + n % 5) * MIB, 10 - n % 7, None) for n in range(14)]
    catalog, cache, out = job_setup(tmp_path, specs)
    preparer = OffEstimatePreparer(factors)
    options = PlanOptions(size=40 * MIB, cards=2)
    result = run_make(catalog, cache, out, options, preparer, lambda _i: [], estimate=halving)
    for built in result.cards:
        fsck_clean(built.built.image, tmp_path)
        assert built.built.used_bytes <= built.built.data_bytes
    chosen = {f.item_id for card in result.plan.cards for f in card.files}
    assert chosen and all(not f.size_estimated for c in result.plan.cards for f in c.files)
    # Each estimate recorded against the real size.
    assert set(result.estimates) == {it.id for it in catalog.items() if it.prepared_size}
    for est, real in result.estimates.values():
        assert real in (int(est * f) for f in factors)
    catalog.close()


def test_make_on_all_cores_builds_the_same_card_as_one_job(tmp_path):
    films = tmp_path / "library" / "films"
    films.mkdir(parents=True)
    for seed in range(4):
        big_film(films / f"Film {chr(65 + seed)}.mkv", seed, seconds=3)
    hashes = []
    for jobs in ("1", "2"):
        project = tmp_path / f"proj-{jobs}"
        assert run_cli("init", project).code == 0
        assert run_cli("add", films, cwd=project).code == 0
        made = run_cli("make", "--size", "48MiB", "--jobs", jobs, cwd=project)
        assert made.code == 0, made.stderr
        manifest = json.loads((project / "cards" / "card-01.manifest.json").read_text())
        assert len(manifest["files"]) == 4
        hashes.append(manifest["image_sha256"])
    assert hashes[0] == hashes[1]
