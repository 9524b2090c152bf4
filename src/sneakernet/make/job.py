"""`make`: prepare what the plan needs, plan with exact sizes, build, audit.

Preparing changes sizes (a film is converted for the player, a book is
cleaned), so the job plans with what it knows, prepares the items chosen
that are not prepared yet, and plans again with their exact sizes, until
every planned item is prepared. Only prepared copies ever go on a card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sneakernet.library.catalog import Catalog, Item
from sneakernet.make.cards import BuiltCard, build_card
from sneakernet.plan.planfile import write_plan
from sneakernet.plan.planner import Plan, PlanOptions, make_plan


@dataclass
class Prepared:
    path: Path  # in the project's cache
    size: int


class Preparer(Protocol):
    def __call__(self, item: Item, folder: Path) -> Prepared:
        """Convert and clean one item into `folder`; raise ItemFailed with the reason."""


Auditor = Callable[[Path], list[str]]  # image -> what an inspector would find


@dataclass
class CardOutcome:
    built: BuiltCard
    findings: list[str] = field(default_factory=list)


@dataclass
class Subset:
    """An encyclopedia cut to fill one card."""

    card: int
    item_id: int
    path: Path
    size: int
    room: int  # bytes the plan gave it
    articles_kept: int
    articles_total: int
    media_kept: int
    media_total: int


# (item, room in bytes, where to write, cluster size) -> the subset written
Cutter = Callable[[Item, int, Path, int], Subset]


@dataclass
class MakeResult:
    plan: Plan
    cards: list[CardOutcome]
    prepared: int
    failed: dict[int, str]
    subsets: list[Subset] = field(default_factory=list)
    # item id -> (estimated bytes, real bytes) for each item prepared in this run
    estimates: dict[int, tuple[int, int]] = field(default_factory=dict)

    def median_estimate_error(self) -> float | None:
        """Median of |real - estimate| / real over the items prepared now."""
        errors = sorted(abs(real - est) / real for est, real in self.estimates.values() if real)
        if not errors:
            return None
        middle = len(errors) // 2
        return errors[middle] if len(errors) % 2 else (errors[middle - 1] + errors[middle]) / 2

    @property
    def clean(self) -> bool:
        return all(not c.findings for c in self.cards)


def is_prepared(item: Item, folder: Path, rung: int | None = None) -> bool:
    """Prepared, by the tool versions running now (their cache folder is `folder`), and
    at the rung the plan chose (`rung`; None: any)."""
    from sneakernet.make.estimates import prepared_rung

    if item.state != "prepared" or not item.prepared_path:
        return False
    path = Path(item.prepared_path)
    if rung is not None and prepared_rung(item.prepared_path) != rung:
        return False
    return path.parent == folder and path.is_file()


def _prepare_all(prepare: Preparer, items: list[Item], folder: Path):
    """(item, Prepared or ItemFailed) for each item: all at once when the preparer can."""
    from sneakernet.errors import ItemFailed

    many = getattr(prepare, "many", None)
    if many is not None:
        yield from many(items, folder)
        return
    for item in items:
        try:
            yield item, prepare(item, folder)
        except ItemFailed as exc:
            yield item, exc


def run_make(
    catalog: Catalog,
    cache_dir: Path,
    out_dir: Path,
    options: PlanOptions,
    prepare: Preparer,
    audit: Auditor,
    on_event: Callable[[str], None] = lambda _msg: None,
    estimate: Callable[[list[Item]], list[Item]] = lambda items: items,
    cut: Cutter | None = None,
    *,
    profile: str = "notel",
    pace: str = "normal",
) -> MakeResult:
    """Plan (items not prepared yet at `estimate`'s sizes), prepare, plan again, build."""
    from sneakernet.errors import ItemFailed
    from sneakernet.toolchain import prepared_folder

    # Copies made by other tool versions, or for another device profile or pace, are
    # made again.
    folder = prepared_folder(cache_dir, profile, pace)
    folder.mkdir(parents=True, exist_ok=True)

    prepared = 0
    failed: dict[int, str] = {}
    estimates: dict[int, tuple[int, int]] = {}
    while True:  # each round prepares or fails at least one item, so it ends
        items = estimate(catalog.items())
        plan = make_plan(items, options)
        by_id = {it.id: it for it in items}
        # A file that fills a card is a subset, made below: the whole item is not prepared.
        planned: dict[int, int | None] = {}
        for card in plan.cards:
            for f in card.files:
                if not f.fill:
                    planned.setdefault(f.item_id, f.rung)
        missing = [by_id[i] for i, rung in planned.items()
                   if not is_prepared(by_id[i], folder, rung)]  # fmt: skip
        for item in missing:  # the preparer encodes only the rung the plan chose
            rung = planned[item.id]
            item.rung = next((r for r in item.rungs or () if r.level == rung), None)
        if not missing:
            break
        on_event(f"preparing {len(missing)} item(s): " + ", ".join(it.name for it in missing[:5])
                 + (", ..." if len(missing) > 5 else ""))  # fmt: skip
        for item, result in _prepare_all(prepare, missing, folder):
            if isinstance(result, ItemFailed):
                catalog.set_failed(item.id, str(result))
                failed[item.id] = str(result)
                continue
            if result.path.parent != folder:
                raise ValueError(f"preparer wrote {result.path}, outside {folder}")
            catalog.set_prepared(item.id, str(result.path), result.size)
            prepared += 1
            guess = item.rung.size if item.rung is not None else item.card_size_estimate
            estimates[item.id] = (guess, result.size)
            if guess and result.size:
                on_event(
                    f"prepared {item.id}: {result.size:,} bytes, estimated {guess:,} "
                    f"({(guess - result.size) / result.size:+.0%})"
                )
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = {it.id: Path(it.prepared_path) for it in catalog.items() if it.state == "prepared"}
    subsets = _cut_subsets(plan, catalog, folder, cut, on_event, failed)
    write_plan(plan, out_dir / "plan.json")
    cards = []
    # Copies are identical: one image serves them all.
    for card in plan.cards[:1] if plan.copies else plan.cards:
        on_event(f"building card {card.index}")
        card_sources = {**sources, **{s.item_id: s.path for s in subsets if s.card == card.index}}
        built = build_card(plan, card, card_sources, out_dir)
        on_event(f"auditing card {card.index}")
        cards.append(CardOutcome(built, audit(built.image)))
    return MakeResult(plan, cards, prepared, failed, subsets=subsets, estimates=estimates)


def _cut_subsets(plan: Plan, catalog: Catalog, folder: Path, cut, on_event, failed) -> list[Subset]:
    """Write the subset each card's filling file asks for; put its exact size in the plan.

    A subset that cannot be made leaves its card without it (the reason is
    reported as an item failure).
    """
    from sneakernet.errors import ItemFailed
    from sneakernet.plan.fill import split_subset

    subsets: list[Subset] = []
    made: dict[tuple[int, int], Subset] = {}
    for card in plan.cards[:1] if plan.copies else plan.cards:
        for f in list(card.files):
            if not f.fill:
                continue
            item = catalog.get(f.item_id)
            key = (f.item_id, f.size)
            try:
                if cut is None:
                    raise ItemFailed("this job cannot cut encyclopedias to size")
                if key not in made:
                    on_event(f"card {card.index}: cutting {item.name} to {f.size:,} bytes")
                    made[key] = cut(item, f.size, folder, plan.cluster_size)
            except ItemFailed as exc:
                failed[f.item_id] = str(exc)
                card.files.remove(f)
                continue
            done = made[key]
            subset = Subset(card.index, f.item_id, done.path, done.size, f.size,
                            done.articles_kept, done.articles_total, done.media_kept,
                            done.media_total)  # fmt: skip
            subsets.append(subset)
            # The subset as it goes on the card: whole, or in parts from 4 GiB on.
            at = card.files.index(f)
            card.files[at : at + 1] = split_subset(f, done.size)
            on_event(
                f"card {card.index}: {item.name}: {done.articles_kept:,} of "
                f"{done.articles_total:,} articles, {done.media_kept:,} of {done.media_total:,} "
                f"pictures and media, {done.size:,} bytes ({f.size - done.size:,} bytes "
                "of the space left unused)"
            )
    return subsets
