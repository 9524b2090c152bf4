"""`sneakernet plan` and `sneakernet plan show`: what goes on each card."""

from __future__ import annotations

from pathlib import Path

from sneakernet import ui
from sneakernet.cliparse import Arg, Command, flag, float_range, int_range, json_flag
from sneakernet.commands.library import PROJECT_ARG
from sneakernet.errors import UserError
from sneakernet.sizes import describe_card_size, human_size, is_sold_size, parse_card_size

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: typing is slow to import
if TYPE_CHECKING:
    from sneakernet.library.project import Project

# Options `plan` and `make` share.
SIZE_ARG = Arg(
    "-s",
    "--size",
    help="Card size: 16G is a card sold as 16 GB (planned at 96 %, so every genuine one "
    "holds it); 256M, 16GiB or bytes are exact.",
)
SIZE_OF_ARG = Arg(
    "--size-of",
    metavar="DEVICE",
    help="Plan for exactly the size of this drive (or image file); reads nothing from it.",
)
CARDS_ARG = Arg("-n", "--cards", type=int_range(1), default=1, metavar="N", help="Number of cards.")
COPIES_ARG = flag("--copies", help="All cards the same (copies).")
MUST_ARG = Arg(
    "--must", action="append", default=[], metavar="REF", help="Tag, group or id that must go on."
)
QUOTA_ARG = Arg(
    "--quota",
    action="append",
    default=[],
    metavar="QUOTA",
    help="KIND=P% (at least) or KIND<=P% (at most) of the card; KIND:min=P% and "
    "KIND:max=P% need no quoting in a shell.",
)
EXCLUDE_ARG = Arg(
    "--exclude", action="append", default=[], metavar="REF", help="Tag, group or id to leave out."
)
PARTIAL_ARG = flag("--allow-partial-groups", help="A series may go on as its first K episodes.")
MIN_COPIES_ARG = Arg(
    "--min-copies",
    action="append",
    default=[],
    metavar="REF=K",
    help="With --cards N: the item, group or tag goes on at least K of the cards.",
)
MAX_COPIES_ARG = Arg(
    "--max-copies",
    action="append",
    default=[],
    metavar="REF=K",
    help="With --cards N: the item, group or tag goes on at most K cards (default 1).",
)


def parse_copies(texts: list[str], flag_name: str) -> list[tuple[str, int]]:
    """`drama=3` -> ("drama", 3)."""
    out = []
    for text in texts:
        ref, eq, k = text.rpartition("=")
        if not eq or not ref.strip() or not k.strip().isdigit():
            raise UserError(f"cannot read {flag_name} {text!r}: write REF=K, e.g. drama=3")
        out.append((ref.strip(), int(k)))
    return out


TIME_LIMIT_ARG = Arg(
    "--time-limit",
    type=float_range(0),
    default=1.0,
    metavar="SECONDS",
    help="Seconds of exact solving in all (0: greedy only).",
)


def resolve_card_size(size: str | None, size_of: str | None, default: int | None) -> int:
    """Bytes of the card: --size (sold sizes at their safe capacity), --size-of, or default."""
    if size is not None and size_of is not None:
        raise UserError("give --size or --size-of, not both")
    if size_of is not None:
        from sneakernet.devices.blockio import device_size

        try:
            return device_size(size_of)
        except OSError as exc:
            raise UserError(
                f"cannot read the size of {size_of}: {exc.strerror}; give a drive or an image file"
            ) from None
    if size is not None:
        return parse_card_size(size)
    if default is None:
        raise UserError("give the card size with --size (e.g. 16G) or --size-of DEVICE")
    return default


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
    size_of: str | None = None,
    min_copies: list[str] = (),
    max_copies: list[str] = (),
):
    """PlanOptions from the command line and the project's settings."""
    # The solver stack loads only when a plan is made, keeping other commands quick.
    from sneakernet.plan.model import parse_quota
    from sneakernet.plan.planner import PlanOptions

    return PlanOptions(
        size=resolve_card_size(size, size_of, project.config.card_size),
        cards=cards,
        copies=copies,
        must=must,
        exclude=exclude,
        quotas=[parse_quota(q) for q in quota],
        allow_partial_groups=allow_partial_groups,
        time_limit=time_limit,
        language=project.config.language,
        min_copies=parse_copies(list(min_copies), "--min-copies"),
        max_copies=parse_copies(list(max_copies), "--max-copies"),
    )


def plan(
    size: str | None,
    size_of: str | None,
    output: Path | None,
    cards: int,
    copies: bool,
    must: list[str],
    quota: list[str],
    exclude: list[str],
    allow_partial_groups: bool,
    min_copies: list[str],
    max_copies: list[str],
    time_limit: float,
    gap: float,
    cluster_size: int | None,
    as_json: bool,
    project_dir: Path | None,
) -> None:
    """Choose what goes on a card of a given size, exactly to the byte."""
    from sneakernet.library.project import find_project
    from sneakernet.make.estimates import with_estimates
    from sneakernet.plan.planfile import plan_to_dict, show_plan, write_plan
    from sneakernet.plan.planner import make_plan

    project = find_project(project_dir)
    options = plan_options(
        project, size, cards, copies, must, exclude, quota, allow_partial_groups, time_limit,
        size_of, min_copies, max_copies,
    )  # fmt: skip
    options.gap, options.cluster_size = gap / 100, cluster_size
    with project.open_catalog() as catalog:
        items = with_estimates(catalog.items(), project.config.profile)
    result = make_plan(items, options)
    if size is not None and is_sold_size(size) and not as_json:
        ui.info(f"card size {describe_card_size(size)}")
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


def show(plan_file: Path) -> None:
    """Print a plan: per card the files in playback order, fill, value and gap."""
    from sneakernet.plan.planfile import read_plan, show_plan

    show_plan(read_plan(plan_file))


COMMANDS = {
    "plan": Command(
        plan,
        SIZE_ARG,
        SIZE_OF_ARG,
        Arg("-o", "--output", type=Path, metavar="FILE", help="Write the plan here."),
        CARDS_ARG,
        COPIES_ARG,
        MUST_ARG,
        QUOTA_ARG,
        EXCLUDE_ARG,
        PARTIAL_ARG,
        MIN_COPIES_ARG,
        MAX_COPIES_ARG,
        TIME_LIMIT_ARG,
        Arg(
            "--gap",
            type=float_range(0),
            default=0.01,
            metavar="PERCENT",
            help="Stop when proven within this % of the optimum (0: exact).",
        ),
        Arg("--cluster-size", type=int, metavar="BYTES", help="FAT cluster bytes."),
        json_flag("Print the plan as JSON on stdout."),
        PROJECT_ARG,
        commands={
            "show": Command(
                show,
                Arg("plan_file", type=Path, metavar="PLAN", help="A plan written by `plan -o`."),
            ),
        },
    ),
}
