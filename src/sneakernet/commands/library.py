"""`sneakernet init`, `add`, `ls`, `rm`, `set`: keeping the library."""

from __future__ import annotations

import argparse
from pathlib import Path

from sneakernet import ui
from sneakernet.cliparse import Arg, Command, int_range, json_flag
from sneakernet.errors import UserError
from sneakernet.sizes import human_size

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: typing is slow to import
if TYPE_CHECKING:
    from sneakernet.library.catalog import Item

PROJECT_ARG = Arg(
    "-C",
    "--project",
    dest="project_dir",
    type=Path,
    metavar="DIR",
    help="Project folder (default: nearest sneakernet.toml above here).",
)
PRIORITY = int_range(1, 10)
TAG_ARG = Arg(
    "-t", "--tag", action="append", default=[], metavar="TAG", help="Tag to attach (repeatable)."
)
REFS_ARG = Arg(
    "refs", nargs="+", metavar="REF", help="Item ids, hash prefixes, group names or tags."
)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _state(item: Item) -> str:
    if not Path(item.path).exists():
        return "missing: original not found"
    if item.state == "failed":
        return f"failed: {item.state_reason}"
    return item.state


def item_json(item: Item) -> dict:
    from dataclasses import asdict

    data = asdict(item)
    data["tags"] = list(item.tags)
    data["name"] = item.name
    data["card_size_estimate"] = item.card_size_estimate
    data["state"] = _state(item)
    return data


def init(directory: Path) -> None:
    """Create a project: sneakernet.toml and the catalog in .sneakernet/."""
    from sneakernet.library.project import init_project

    project, created = init_project(directory)
    if created:
        ui.info(f"created project in {project.root}")
    else:
        ui.info(f"{project.root} is already a project; catalog checked")


def add(
    paths: list[Path],
    priority: int,
    tag: list[str],
    group: str | None,
    series: bool | None,
    project_dir: Path | None,
) -> None:
    """Record originals in the catalog (they stay where they are)."""
    from rich.progress import Progress

    from sneakernet.library.adding import add_paths  # PyAV loads only when probing
    from sneakernet.library.project import find_project

    project = find_project(project_dir)
    with (
        project.open_catalog() as catalog,
        Progress(console=ui.console, transient=True) as progress,
    ):
        task = progress.add_task("hashing and probing", total=None)
        outcomes = add_paths(
            catalog,
            paths,
            priority=priority,
            tags=tuple(tag),
            group=group,
            series=series,
            on_file=lambda _path: progress.advance(task),
            on_sidecar=lambda path: ui.info(f"{path.name}: subtitles kept with their video"),
            on_decision=lambda decision, root: ui.info(decision.describe(root)),
            on_left_out=lambda path, why: ui.info(f"left out {path}: {why}"),
        )
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if outcome.status == "added":
            where = (
                f" [{outcome.item.group} #{outcome.item.position}]" if outcome.item.group else ""
            )
            ui.info(f"added {outcome.item.id}: {outcome.path.name} ({outcome.item.kind}){where}")
        elif outcome.status == "duplicate":
            ui.warn(f"{outcome.path}: {outcome.detail}")
        else:
            ui.info(f"{outcome.status} {outcome.item.id}: {outcome.path.name} ({outcome.detail})")
    ui.info(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))


def ls(as_json: bool, project_dir: Path | None) -> None:
    """List the items: kind, duration, sizes, priority, tags, group, state."""
    from sneakernet.library.project import find_project
    from sneakernet.make.estimates import with_estimates

    project = find_project(project_dir)
    with project.open_catalog() as catalog:
        items = with_estimates(catalog.items(), project.config.profile)
    if as_json:
        ui.print_json([item_json(it) for it in items])
        return
    if not items:
        ui.info("the library is empty; add files with `sneakernet add PATH`")
        return
    from rich.table import Table

    table = Table(box=None)
    for column in ("id", "kind", "name", "length", "size", "card size", "prio", "tags"):
        table.add_column(column, no_wrap=column != "name")
    table.add_column("group", no_wrap=True)
    table.add_column("state")
    for it in items:
        card = human_size(it.card_size_estimate) + (" (est.)" if it.size_is_estimate else "")
        if it.fill:
            card = "fills what is left"
        group = f"{it.group} #{it.position}" if it.group else ""
        table.add_row(
            str(it.id),
            it.kind,
            it.name,
            _duration(it.duration),
            human_size(it.size),
            card,
            str(it.priority),
            ",".join(it.tags),
            group,
            _state(it),
        )
    ui.console.print(table)


def rm(refs: list[str], project_dir: Path | None) -> None:
    """Remove items from the catalog (the originals are not touched)."""
    from sneakernet.library.project import find_project

    project = find_project(project_dir)
    with project.open_catalog() as catalog:
        items = catalog.resolve(refs)
        removed = catalog.remove(it.id for it in items)
    ui.info(f"removed {removed} item(s) from the catalog; originals left in place")


def set_(
    refs: list[str],
    priority: int | None,
    tag: list[str],
    untag: list[str],
    group: str | None,
    ungroup: bool,
    fill: bool | None,
    project_dir: Path | None,
) -> None:
    """Change priority, tags or series of items, or let an encyclopedia fill cards."""
    nothing = priority is None and not tag and not untag and group is None and not ungroup
    if nothing and fill is None:
        raise UserError(
            "nothing to set: give --priority, --tag, --untag, --group, --ungroup or --fill"
        )
    if group is not None and ungroup:
        raise UserError("give --group NAME or --ungroup, not both")
    from sneakernet.library.project import find_project

    project = find_project(project_dir)
    with project.open_catalog() as catalog:
        items = catalog.resolve(refs)
        if fill:
            wrong = [it for it in items if it.kind != "encyclopedia"]
            if wrong:
                raise UserError(
                    f"item {wrong[0].id} ({wrong[0].name}) is {wrong[0].kind}, not an "
                    "encyclopedia: only a ZIM can be cut to fill a card"
                )
        for it in items:
            if fill is not None:
                catalog.set_fill(it.id, fill)
            if priority is not None:
                catalog.set_priority(it.id, priority)
            catalog.add_tags(it.id, tag)
            catalog.remove_tags(it.id, untag)
        if group is not None or ungroup:
            catalog.set_group([it.id for it in items], group)
    ui.info(f"updated {len(items)} item(s)")


COMMANDS = {
    "init": Command(
        init,
        Arg(
            "directory",
            type=Path,
            nargs="?",
            default=Path("."),
            metavar="DIR",
            help="Folder to make a project (created if needed).",
        ),
    ),
    "add": Command(
        add,
        Arg(
            "paths",
            type=Path,
            nargs="+",
            metavar="PATH",
            help="Files, or folders (a folder's episodes become a series, other files items).",
        ),
        Arg("-p", "--priority", type=PRIORITY, default=5, help="1 (low) to 10."),
        TAG_ARG,
        Arg("-g", "--group", metavar="NAME", help="Put every file given into this one series."),
        Arg(
            "--series",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Each folder is a series (--series) or holds separate items (--no-series), "
            "instead of guessing from episode numbering in the names.",
        ),
        PROJECT_ARG,
    ),
    "ls": Command(
        ls,
        json_flag("Machine-readable list on stdout."),
        PROJECT_ARG,
    ),
    "rm": Command(rm, REFS_ARG, PROJECT_ARG),
    "set": Command(
        set_,
        REFS_ARG,
        Arg("-p", "--priority", type=PRIORITY, help="1 (low) to 10."),
        TAG_ARG,
        Arg(
            "--untag",
            action="append",
            default=[],
            metavar="TAG",
            help="Tag to remove (repeatable).",
        ),
        Arg("-g", "--group", metavar="NAME", help="Make the items (a) series NAME, in name order."),
        Arg("--ungroup", action="store_true", help="Make each item stand alone."),
        Arg(
            "--fill",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="An encyclopedia (ZIM) fills what each card has left after the other items, "
            "as a subset of its most linked articles (--no-fill: an item like the others).",
        ),
        PROJECT_ARG,
    ),
}
