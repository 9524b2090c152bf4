"""`sneakernet image build|ls|extract`: FAT32 card images."""

from __future__ import annotations

import os
import re
from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from sneakernet import ui
from sneakernet.errors import UserError
from sneakernet.fat import (
    ImageOptions,
    iter_extents,
    open_volume,
    parse_timestamp,
    plan_image,
    scan_source,
    write_image,
)
from sneakernet.fat.order import read_order_file
from sneakernet.sizes import human_size, parse_size

image_app = typer.Typer(help="Build, list and extract FAT32 card images.", no_args_is_help=True)
# Show a progress bar only when there is enough to write for it to matter.
PROGRESS_THRESHOLD = 64 * 1024 * 1024


def register(app: typer.Typer) -> None:
    app.add_typer(image_app, name="image")


def parse_serial(text: str) -> int:
    match = re.fullmatch(r"([0-9A-Fa-f]{4})-?([0-9A-Fa-f]{4})", text.strip())
    if not match:
        raise UserError(f"--serial {text!r} must be 8 hexadecimal digits, e.g. 1A2B-3C4D")
    return int(match.group(1) + match.group(2), 16)


def format_serial(serial: int) -> str:
    return f"{serial >> 16:04X}-{serial & 0xFFFF:04X}"


def _check_output(src: Path, out: Path) -> None:
    if out.exists() and not out.is_file():
        raise UserError(
            f"{str(out)!r} exists and is not a regular file; image build writes image files only"
        )
    src_real, out_real = src.resolve(), out.resolve()
    if out_real.is_relative_to(src_real):
        raise UserError(f"{str(out)!r} is inside SRC; write the image outside the folder it holds")


@image_app.command("build")
def build(
    src: Path = typer.Argument(..., help="Folder whose contents go on the card."),
    out: Path = typer.Option(
        ..., "-o", "--output", help="Image file to write (replaced atomically)."
    ),
    size: str = typer.Option(
        ..., "--size", help="Card size: 512M, 16G, 16GB (decimal), 16GiB or bytes."
    ),
    label: str = typer.Option(None, "--label", help="Volume label (up to 11 ASCII characters)."),
    serial: str = typer.Option(
        None, "--serial", help="Volume serial, 8 hex digits (default: derived from the content)."
    ),
    timestamp: str = typer.Option(
        None,
        "--timestamp",
        help="ISO 8601 time for every file (default: SOURCE_DATE_EPOCH, else 2000-01-01).",
    ),
    order: Path = typer.Option(
        None, "--order", help="File of relative paths to put first, in that order."
    ),
    cluster_size: str = typer.Option(
        None, "--cluster-size", help="Cluster size in bytes (512 to 32768; default by card size)."
    ),
    no_partition_table: bool = typer.Option(
        False, "--no-partition-table", help="A bare FAT32 volume, without MBR."
    ),
    fix_names: bool = typer.Option(
        False, "--fix-names", help="Rewrite names FAT cannot hold, and report each."
    ),
    follow_symlinks: bool = typer.Option(
        False, "--follow-symlinks", help="Put the targets of symbolic links on the card."
    ),
    json_output: bool = typer.Option(
        False, "--json", help="Print a machine-readable summary on stdout."
    ),
) -> None:
    """Build a card image of SRC: reproducible, nothing but the files, in playback order."""
    image_size = parse_size(size)
    cluster = parse_size(cluster_size) if cluster_size else None
    _check_output(src, out)
    options = ImageOptions(
        size=image_size,
        cluster_size=cluster,
        partition=not no_partition_table,
        label=label,
        serial=parse_serial(serial) if serial else None,
        timestamp=parse_timestamp(timestamp, os.environ.get("SOURCE_DATE_EPOCH")),
    )
    order_paths = read_order_file(order) if order else None
    tree = scan_source(src, follow_symlinks=follow_symlinks, fix_names=fix_names, order=order_paths)
    plan = plan_image(tree.root, options)
    total = tree.total_bytes
    if ui.console.is_terminal and total >= PROGRESS_THRESHOLD and not json_output:
        columns = (TextColumn("writing"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
        with Progress(*columns, console=ui.console, transient=True) as progress:
            task = progress.add_task("write", total=sum(e.length for e in iter_extents(plan)))
            write_image(plan, out, lambda n: progress.advance(task, n))
    else:
        write_image(plan, out)
    g = plan.geometry
    summary = {
        "image": str(out),
        "size": g.image_size,
        "partition_table": g.partitioned,
        "cluster_size": g.cluster_size,
        "files": tree.file_count,
        "file_bytes": total,
        "used_bytes": plan.usage.used_bytes,
        "free_bytes": plan.usage.free_bytes,
        "serial": format_serial(plan.volume_id),
        "label": label.upper() if label else None,
        "timestamp": options.timestamp.isoformat(),
        "left_out": tree.debris,
        "renamed": [{"from": a, "to": b} for a, b in tree.renames],
        "order": [path for path, _ in tree.root.files()],
    }
    if json_output:
        ui.print_json(summary)
        return
    for path in tree.debris:
        ui.info(f"left out OS debris: {path}")
    for before, after in tree.renames:
        ui.info(f"renamed: {before} -> {after}")
    ui.info(
        f"wrote {out}: {tree.file_count} files ({human_size(total)}), "
        f"{human_size(plan.usage.free_bytes)} free of {human_size(g.data_bytes)}, "
        f"{g.cluster_size}-byte clusters, serial {format_serial(plan.volume_id)}"
    )


def _entry_json(entry) -> dict:
    return {
        "path": entry.path,
        "is_dir": entry.is_dir,
        "size": entry.size,
        "short_name": entry.short_name,
        "attributes": entry.attributes,
        "created": entry.created.isoformat() if entry.created else None,
        "modified": entry.modified.isoformat() if entry.modified else None,
        "accessed": entry.accessed.date().isoformat() if entry.accessed else None,
        "first_cluster": entry.first_cluster,
        "fragments": len(entry.fragments),
        "deleted": entry.deleted,
        "orphan_long_name": entry.orphan_long_name,
    }


@image_app.command("ls")
def ls(
    image: Path = typer.Argument(..., help="Card image (or device) to list."),
    all_: bool = typer.Option(
        False, "--all", help="Also deleted entries, label, serial, OEM name, timestamps."
    ),
    json_output: bool = typer.Option(False, "--json", help="Machine-readable listing on stdout."),
) -> None:
    """List the files in playback order with their sizes."""
    with open_volume(image) as volume:
        entries = list(volume.walk(include_deleted=all_))
        header = {
            "oem_name": volume.oem_name,
            "serial": format_serial(volume.serial),
            "label": volume.label,
            "boot_sector_label": volume.boot_label,
            "cluster_size": volume.cluster_size,
            "partition_offset": volume.volume_offset,
            "free_clusters_fsinfo": volume.fsinfo.free_count if volume.fsinfo else None,
        }
    if json_output:
        data = {"entries": [_entry_json(e) for e in entries]}
        if all_:
            data["volume"] = header
        ui.print_json(data)
        return
    if all_:
        for key, value in header.items():
            ui.out.print(f"{key}: {value}", markup=False, highlight=False)
    table = Table(box=None, pad_edge=False)
    table.add_column("size", justify="right")
    if all_:
        table.add_column("modified")
        table.add_column("note")
    table.add_column("path")
    for entry in entries:
        size = "<dir>" if entry.is_dir else str(entry.size)
        row = [size]
        if all_:
            note = (
                "deleted" if entry.deleted else "orphan long name" if entry.orphan_long_name else ""
            )
            row += [entry.modified.isoformat(sep=" ") if entry.modified else "", note]
        row.append(entry.path + ("/" if entry.is_dir else ""))
        table.add_row(*row)
    ui.out.print(table, markup=False, highlight=False)


@image_app.command("extract")
def extract(
    image: Path = typer.Argument(..., help="Card image (or device) to read."),
    dest: Path = typer.Argument(..., help="New or empty folder to copy the files into."),
) -> None:
    """Copy every file and folder out of a card image."""
    with open_volume(image) as volume:
        count = volume.extract(dest)
    ui.info(f"extracted {count} files into {dest}")
