"""`sneakernet image build|ls|extract`: FAT32 card images."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sneakernet import ui
from sneakernet.cliparse import Arg, Command, flag, json_flag
from sneakernet.errors import UserError
from sneakernet.sizes import human_size, parse_card_size, parse_size

# Show a progress bar only when there is enough to write for it to matter.
PROGRESS_THRESHOLD = 64 * 1024 * 1024


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


def build(
    src: Path,
    out: Path,
    size: str,
    label: str | None,
    serial: str | None,
    timestamp: str | None,
    order: Path | None,
    cluster_size: str | None,
    no_partition_table: bool,
    fix_names: bool,
    follow_symlinks: bool,
    json_output: bool,
) -> None:
    """Build a card image of SRC: reproducible, nothing but the files, in playback order."""
    from sneakernet.fat import (
        ImageOptions,
        iter_extents,
        parse_timestamp,
        plan_image,
        scan_source,
        write_image,
    )
    from sneakernet.fat.order import read_order_file

    image_size = parse_card_size(size)
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
    if ui.is_terminal() and total >= PROGRESS_THRESHOLD:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

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


def ls(image: Path, all_: bool, json_output: bool) -> None:
    """List the files in playback order with their sizes."""
    from sneakernet.fat import open_volume

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
    from rich.table import Table

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


def extract(image: Path, dest: Path) -> None:
    """Copy every file and folder out of a card image."""
    from sneakernet.fat import open_volume

    with open_volume(image) as volume:
        count = volume.extract(dest)
    ui.info(f"extracted {count} files into {dest}")


COMMANDS = {
    "image": Command(
        None,
        description="Build, list and extract FAT32 card images.",
        commands={
            "build": Command(
                build,
                Arg("src", type=Path, metavar="SRC", help="Folder whose contents go on the card."),
                Arg(
                    "-o",
                    "--output",
                    dest="out",
                    type=Path,
                    required=True,
                    metavar="IMAGE",
                    help="Image file to write (replaced atomically).",
                ),
                Arg(
                    "--size",
                    required=True,
                    help="Card size: 16G/16GB is a card sold as 16 GB (96 %, so genuine cards of that "
                    "class hold it); 512M, 16GiB or bytes are exact.",
                ),
                Arg("--label", help="Volume label (up to 11 ASCII characters)."),
                Arg(
                    "--serial",
                    help="Volume serial, 8 hex digits (default: derived from the content).",
                ),
                Arg(
                    "--timestamp",
                    metavar="TIME",
                    help="ISO 8601 time for every file (default: SOURCE_DATE_EPOCH, else 2000-01-01).",
                ),
                Arg(
                    "--order",
                    type=Path,
                    metavar="FILE",
                    help="File of relative paths to put first, in that order.",
                ),
                Arg(
                    "--cluster-size",
                    metavar="BYTES",
                    help="Cluster size in bytes (512 to 32768; default by card size).",
                ),
                flag("--no-partition-table", help="A bare FAT32 volume, without MBR."),
                flag("--fix-names", help="Rewrite names FAT cannot hold, and report each."),
                flag("--follow-symlinks", help="Put the targets of symbolic links on the card."),
                json_flag("Print a machine-readable summary on stdout.", dest="json_output"),
            ),
            "ls": Command(
                ls,
                Arg("image", type=Path, metavar="IMAGE", help="Card image (or device) to list."),
                flag(
                    "--all",
                    help="Also deleted entries, label, serial, OEM name, timestamps.",
                    dest="all_",
                ),
                json_flag("Machine-readable listing on stdout.", dest="json_output"),
            ),
            "extract": Command(
                extract,
                Arg("image", type=Path, metavar="IMAGE", help="Card image (or device) to read."),
                Arg(
                    "dest",
                    type=Path,
                    metavar="DEST",
                    help="New or empty folder to copy the files into.",
                ),
            ),
        },
    ),
}
