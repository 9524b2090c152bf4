"""`sneakernet plan` and `sneakernet plan show`: what goes on each card."""

from __future__ import annotations

from pathlib import Path

import typer

from sneakernet import ui
from sneakernet.commands.library import PROJECT_OPTION
from sneakernet.library.project import Project, find_project
from sneakernet.sizes import human_size, parse_size

plan_app = typer.Typer(
    help="Choose what goes on a card of a given size, exactly to the byte.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def plan_options(
    project: Project,
    size: str | None,
    cards: int,
    copies: bool,
    must: list[str],
    exclude: list[str],
    quota: list[str],
    allow_partial_groups: bool,
    time_limit: float,
):
    """PlanOptions from the command line and the project's settings."""
    # The solver stack loads only when a plan is made, keeping other commands quick.
    from sneakernet.plan.model import parse_quota
    from sneakernet.plan.planner import PlanOptions

    return PlanOptions(
        size=parse_size(size) if size else project.config.card_size,
        cards=cards,
        copies=copies,
        must=must,
        exclude=exclude,
        quotas=[parse_quota(q) for q in quota],
        allow_partial_groups=allow_partial_groups,
        time_limit=time_limit,
        language=project.config.language,
    )


@plan_app.callback()
def plan(
    ctx: typer.Context,
    size: str | None = typer.Option(None, "--size", "-s", help="Card size, e.g. 16G, 256M."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the plan here."),
    cards: int = typer.Option(1, "--cards", "-n", min=1, help="Number of cards."),
    copies: bool = typer.Option(False, "--copies", help="All cards the same (copies)."),
    must: list[str] = typer.Option([], "--must", help="Tag, group or id that must go on."),
    quota: list[str] = typer.Option(
        [], "--quota", help="KIND=P% (at least) or KIND<=P% (at most) of the card."
    ),
    exclude: list[str] = typer.Option([], "--exclude", help="Tag, group or id to leave out."),
    allow_partial_groups: bool = typer.Option(
        False, "--allow-partial-groups", help="A series may go on as its first K episodes."
    ),
    time_limit: float = typer.Option(
        1.0, "--time-limit", min=0, help="Seconds of exact solving in all (0: greedy only)."
    ),
    gap: float = typer.Option(
        0.01, "--gap", min=0, help="Stop when proven within this % of the optimum (0: exact)."
    ),
    cluster_size: int | None = typer.Option(None, "--cluster-size", help="FAT cluster bytes."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON on stdout."),
    project_dir: Path | None = PROJECT_OPTION,
) -> None:
    """Plan cards: --size SIZE [-o plan.json] [--cards N] [--must ..] [--quota ..]."""
    if ctx.invoked_subcommand is not None:
        return
    from sneakernet.plan.planfile import plan_to_dict, show_plan, write_plan
    from sneakernet.plan.planner import make_plan

    project = find_project(project_dir)
    options = plan_options(
        project, size, cards, copies, must, exclude, quota, allow_partial_groups, time_limit
    )
    options.gap, options.cluster_size = gap / 100, cluster_size
    with project.open_catalog() as catalog:
        items = catalog.items()
    result = make_plan(items, options)
    if output is not None:
        write_plan(result, output)
    if as_json:
        ui.print_json(plan_to_dict(result))
        for warning in result.warnings:
            ui.warn(warning)
    else:
        show_plan(result, files=len(result.cards) == 1 or result.copies)
    if output is not None:
        ui.info(f"plan for {human_size(options.size)} written to {output}")
    ui.info(f"planned in {result.seconds:.2f} s")


@plan_app.command("show")
def show(plan_file: Path = typer.Argument(..., help="A plan written by `plan -o`.")) -> None:
    """Print a plan: per card the files in playback order, fill, value and gap."""
    from sneakernet.plan.planfile import read_plan, show_plan

    show_plan(read_plan(plan_file))


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
