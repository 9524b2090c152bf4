"""`sneakernet make`: from the library to audited card images in one resumable run."""

from __future__ import annotations

import functools
from pathlib import Path

from sneakernet import ui
from sneakernet.cliparse import Arg, Command
from sneakernet.commands.library import PROJECT_ARG
from sneakernet.commands.media import DASK_ARG, JOBS_ARG, pace_arg, paced_profile, run_with_progress
from sneakernet.commands.plan import (
    CARDS_ARG,
    COPIES_ARG,
    EXCLUDE_ARG,
    MAX_COPIES_ARG,
    MIN_COPIES_ARG,
    MUST_ARG,
    PARTIAL_ARG,
    QUOTA_ARG,
    SIZE_ARG,
    SIZE_OF_ARG,
    TIME_LIMIT_ARG,
    plan_options,
)
from sneakernet.errors import UserError
from sneakernet.sizes import describe_card_size, human_size, is_sold_size


def video_profile(name: str) -> str:
    """The project's `profile`, which says how videos are prepared: it must be a video profile."""
    from sneakernet.media.profiles import load_profiles

    profiles = load_profiles()
    kind = profiles.get(name).kind
    if kind != "video":
        videos = ", ".join(n for n, p in sorted(profiles.profiles.items()) if p.kind == "video")
        raise UserError(
            f"sneakernet.toml: profile {name!r} is a {kind} profile, but `profile` chooses how "
            f"videos are prepared (sound always as `music`, books as `ebook`); set one of {videos}"
        )
    return name


def _pace(profile: str, flag: str | None, configured: str) -> str:
    """The pace videos are prepared at: --pace, else the project's; normal for a
    profile with one speed."""
    from sneakernet.media.profiles import load_profiles, pace_of

    try:
        return pace_of(paced_profile(load_profiles().get(profile), flag or configured))
    except UserError as exc:
        if flag:
            raise
        raise UserError(f"sneakernet.toml: pace: {exc}") from None


def make(
    size: str | None,
    size_of: str | None,
    cards: int,
    copies: bool,
    out: Path | None,
    must: list[str],
    quota: list[str],
    exclude: list[str],
    allow_partial_groups: bool,
    deny_list: Path | None,
    time_limit: float,
    min_copies: list[str],
    max_copies: list[str],
    workers: int | None,
    dask: str | None,
    pace: str | None,
    project_dir: Path | None,
) -> None:
    """Prepare what the plan needs, plan, build one image per card, audit each."""
    from sneakernet.audit import audit, read_deny_list
    from sneakernet.library.project import find_project
    from sneakernet.make.estimates import with_estimates
    from sneakernet.make.job import run_make
    from sneakernet.make.prepare import MediaPool, cut_encyclopedia

    project = find_project(project_dir)
    options = plan_options(
        project, size, cards, copies, must, exclude, quota, allow_partial_groups, time_limit,
        size_of, min_copies, max_copies,
    )  # fmt: skip
    words = read_deny_list(deny_list) if deny_list else []
    out_dir = out if out is not None else project.root / "cards"

    def inspect(image: Path) -> list[str]:
        return [f"{f.where}: {f.field} {f.value} ({f.why})" for f in audit(image, words)]

    profile = video_profile(project.config.profile)
    pace = _pace(profile, pace, project.config.pace)
    with project.open_catalog() as catalog:
        catalog.backup()
        run = functools.partial(run_with_progress, dask=dask)
        prepare = MediaPool(profile, lambda js, n: run(js, n), workers, pace)
        estimate = functools.partial(with_estimates, device_profile=profile)
        try:
            result = run_make(
                catalog, project.cache_dir, out_dir, options, prepare, inspect, ui.info, estimate,
                cut_encyclopedia, profile=profile, pace=pace,
            )  # fmt: skip
        except KeyboardInterrupt:
            ui.error("interrupted: prepared items are kept; run the same command again to resume")
            raise SystemExit(130) from None
    for left in result.plan.left_out:
        if left.item_id in result.failed:
            ui.warn(f"item {left.item_id} ({left.name}) left out: {result.failed[left.item_id]}")
    from rich.table import Table

    table = Table(box=None, title=f"cards in {out_dir}", title_justify="left")
    for column in ("card", "items", "fill", "audit", "image SHA-256", "work"):
        table.add_column(column, no_wrap=True)
    for outcome in result.cards:
        built = outcome.built
        table.add_row(
            built.image.name,
            str(built.files),
            f"{built.fill * 100:.2f}%",
            "clean" if not outcome.findings else f"{len(outcome.findings)} FINDINGS",
            built.image_sha256[:16],
            "reused" if built.reused else "built",
        )
    ui.console.print(table)
    for outcome in result.cards:
        if outcome.built.tools_changed:
            ui.warn(
                f"{outcome.built.image.name} rebuilt with {'; '.join(outcome.built.tools_changed)}"
                ": its hashes differ from the last build's manifest"
            )
    plan = result.plan
    ui.info(
        f"value {plan.value:.1f}, proven bound {plan.bound:.1f}, gap {plan.gap * 100:.3f}%; "
        f"{result.prepared} item(s) prepared now; card size "
        + (describe_card_size(size) if size and is_sold_size(size) else human_size(plan.card_size))
    )
    error = result.median_estimate_error()
    if error is not None:
        ui.info(
            f"size estimates before converting: median error {error:.0%} "
            f"over {len(result.estimates)} item(s)"
        )
    if not result.clean:
        for outcome in result.cards:
            for finding in outcome.findings:
                ui.error(f"{outcome.built.image.name}: {finding}")
        raise SystemExit(1)


COMMANDS = {
    "make": Command(
        make,
        SIZE_ARG,
        SIZE_OF_ARG,
        CARDS_ARG,
        COPIES_ARG,
        Arg(
            "-o",
            "--output",
            dest="out",
            type=Path,
            metavar="DIR",
            help="Folder for images and manifests (default: PROJECT/cards).",
        ),
        MUST_ARG,
        QUOTA_ARG,
        EXCLUDE_ARG,
        PARTIAL_ARG,
        Arg(
            "--deny-list",
            type=Path,
            metavar="FILE",
            help="Words (names, places) the audit must not find, one a line.",
        ),
        TIME_LIMIT_ARG,
        MIN_COPIES_ARG,
        MAX_COPIES_ARG,
        JOBS_ARG,
        DASK_ARG,
        pace_arg("`pace` in sneakernet.toml, else normal"),
        PROJECT_ARG,
    ),
}
