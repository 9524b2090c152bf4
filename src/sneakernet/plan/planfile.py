"""plan.json: what goes on each card, written for `make` and for people.

It names items by catalog id and content hash, never by where the originals
live, and holds no time or machine detail: the same library and options give
the same file.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from sneakernet import ui
from sneakernet.errors import UserError
from sneakernet.plan.model import LeftOut, PlanFile
from sneakernet.plan.planner import CardPlan, Plan
from sneakernet.policy import PLAN_FORMAT, atomic_write
from sneakernet.sizes import human_size

FORMAT = PLAN_FORMAT
VERSION = 1


def plan_to_dict(plan: Plan) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "card_size": plan.card_size,
        "cluster_size": plan.cluster_size,
        "data_bytes": plan.data_bytes,
        "copies": plan.copies,
        "value": round(plan.value, 6),
        "bound": round(plan.bound, 6),
        "gap": round(plan.gap, 9),
        "greedy_value": round(plan.greedy_value, 6),
        "solver": plan.solver,
        "status": plan.status,
        "constraints": plan.constraints,
        "cards": [
            {
                "index": card.index,
                "value": round(card.value, 6),
                "used_bytes": card.used_bytes,
                "free_bytes": card.free_bytes,
                "free_note": card.free_note,
                "files": [asdict(f) for f in card.files],
            }
            for card in plan.cards
        ],
        "left_out": [asdict(lo) for lo in plan.left_out],
        "warnings": plan.warnings,
        # Derived from the cards (read back from them, not from here).
        "cards_per_item": {str(i): k for i, k in sorted(plan.cards_per_item().items())},
    }


def plan_from_dict(data: dict) -> Plan:
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise UserError("not a sneakernet plan (or from another version); make it with `plan -o`")
    cards = [
        CardPlan(
            c["index"],
            [PlanFile(**f) for f in c["files"]],
            c["value"],
            c["used_bytes"],
            c["free_bytes"],
            c["free_note"],
        )
        for c in data["cards"]
    ]
    return Plan(
        card_size=data["card_size"],
        cluster_size=data["cluster_size"],
        data_bytes=data["data_bytes"],
        cards=cards,
        copies=data["copies"],
        value=data["value"],
        bound=data["bound"],
        solver=data["solver"],
        status=data["status"],
        greedy_value=data["greedy_value"],
        seconds=0.0,
        left_out=[LeftOut(**lo) for lo in data["left_out"]],
        warnings=data["warnings"],
        constraints=data["constraints"],
    )


def write_plan(plan: Plan, path: Path) -> None:
    """Write to a temporary name, then rename: never a half-written plan."""
    text = json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    try:
        atomic_write(path, text)
    except OSError as exc:
        where = path.parent if not path.parent.is_dir() else path
        raise UserError(
            f"cannot write the plan to {path}: {exc.strerror} ({where}); "
            "give -o a file in a folder that exists and you can write"
        ) from None


def read_plan(path: Path) -> Plan:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return plan_from_dict(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"cannot read plan {path}: {exc}; make a new one with `plan -o`") from exc


def rung_text(f: PlanFile) -> str:
    """`0 (crf 23)`: the rung and the setting that makes it; empty without rungs."""
    if f.rung is None:
        return ""
    return f"{f.rung} ({f.setting})" if f.setting else str(f.rung)


def vmaf_text(f: PlanFile) -> str:
    """The rung's VMAF, `~` when it is the profile's estimate, not measured on the
    prepared copy (profiles with a VMAF floor measure it)."""
    if f.vmaf is None:
        return "" if f.rung is None else "?"
    return f"{f.vmaf:.1f}" + ("" if f.vmaf_measured else "~")


def show_plan(plan: Plan, files: bool = True) -> None:
    """Per card: the files in playback order, then fill, value and the free-space note."""
    for card in plan.cards:
        if plan.copies and card.index > 1:
            break
        title = "every card (copies)" if plan.copies else f"card {card.index}"
        if files:
            from rich.table import Table  # only for people: `plan --json` goes without

            table = Table(title=title, box=None, title_justify="left")
            rungs = any(f.rung is not None for f in card.files)
            columns = ["#", "path on card", "size", "prio", "item"]
            columns += ["rung", "VMAF"] if rungs else []
            for column in columns:
                table.add_column(column, no_wrap=column != "path on card")
            for n, f in enumerate(card.files, 1):
                size = human_size(f.size) + ("~" if f.size_estimated else "")
                if f.fill:
                    size = f"≤{human_size(f.size)} (subset)"
                row = [str(n), f.card_path, size, str(f.priority), str(f.item_id)]
                if rungs:
                    row += [rung_text(f), vmaf_text(f)]
                table.add_row(*row)
            ui.console.print(table)
        fill = card.used_bytes / plan.data_bytes * 100 if plan.data_bytes else 0
        ui.info(
            f"{title}: {len(card.files)} files, {human_size(card.used_bytes)} used, "
            f"{human_size(card.free_bytes)} free ({fill:.2f}% full), value {card.value:.1f}"
        )
        ui.info(f"  {card.free_note}")
    count = len(plan.cards)
    ui.info(
        f"{count} card(s){' (identical copies)' if plan.copies else ''} of "
        f"{human_size(plan.card_size)}: value {plan.value:.1f}, proven bound {plan.bound:.1f}, "
        f"gap {plan.gap * 100:.3f}% ({plan.solver}; {plan.status}); "
        f"plain greedy {plan.greedy_value:.1f}"
    )
    if not plan.copies and len(plan.cards) > 1:
        _show_set(plan)
    if any(f.size_estimated for c in plan.cards for f in c.files):
        ui.info("sizes marked ~ are estimates; `prepare` gives the exact ones")
    lowered = [f for c in plan.cards for f in c.files if f.rung]
    if lowered:
        ui.info(
            f"{len(lowered)} film(s) at a cheaper rung to fit the card: "
            + ", ".join(f"{f.name} (rung {rung_text(f)})" for f in lowered[:5])
            + (", ..." if len(lowered) > 5 else "")
        )
    if plan.left_out:
        ui.info(f"{len(plan.left_out)} item(s) left out:")
        for lo in plan.left_out[:20]:
            ui.info(f"  {lo.item_id} {lo.name}: {lo.reason}")
        if len(plan.left_out) > 20:
            ui.info(f"  ... and {len(plan.left_out) - 20} more (see the plan file)")
    for warning in plan.warnings:
        ui.warn(warning)


def _show_set(plan: Plan) -> None:
    """For a set of distinct cards: how many items, and which are on more than one card."""
    counts = plan.cards_per_item()
    names = {f.item_id: f.name for c in plan.cards for f in c.files}
    several = sorted((i for i, k in counts.items() if k > 1), key=lambda i: (-counts[i], i))
    line = f"the set: {len(counts)} distinct item(s)"
    if several:
        shown = ", ".join(f"{names[i]} ×{counts[i]}" for i in several[:10])
        more = f" and {len(several) - 10} more" if len(several) > 10 else ""
        line += f"; {len(several)} on more than one card: {shown}{more}"
    else:
        line += ", each on one card"
    ui.info(line)
