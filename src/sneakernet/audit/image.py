"""Audit a FAT32 image or block device as an inspector would, without mounting.

The volume is read with sneakernet's FAT reader: its boot sector (OEM name,
label, serial), every directory entry including deleted ones, the free
clusters and the slack after each file, and every file's content, which goes
through the same checks as a file in a folder.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path

from sneakernet.audit.common import (
    AuditFinding,
    file_findings,
    words_in_bytes,
    words_in_name,
)
from sneakernet.fat import FatVolume, open_volume, split
from sneakernet.policy import debris_reason

# OEM names that say nothing beyond "a FAT volume" (Windows 95 and later).
NEUTRAL_OEM = {"MSWIN4.1", "MSDOS5.0"}
# The OEM name sneakernet's image writer uses, with a serial derived from the
# card's content; any other formatter derives it from the moment of formatting.
CONTENT_SERIAL_OEM = "MSWIN4.1"
TOOL_WORDS = (
    "mkfs",
    "mkdosfs",
    "linux",
    "ubuntu",
    "bsd",
    "macos",
    "untitled",
    "rufus",
    "etcher",
    "ventoy",
    "sneakernet",
)
NO_LABEL = {"", "NO NAME"}
HIDDEN, SYSTEM, VOLUME_ID = 0x02, 0x04, 0x08
SCAN_CHUNK = 8 * 1024 * 1024


def _volume_findings(volume: FatVolume, words: list[str]) -> list[AuditFinding]:
    out = []
    oem = volume.oem_name.strip()
    if oem not in NEUTRAL_OEM:
        out.append(
            AuditFinding("volume", "OEM name", oem, "names the tool that formatted the card")
        )
    if oem != CONTENT_SERIAL_OEM:
        # Windows and mkfs.fat derive the serial from the time of formatting.
        out.append(
            AuditFinding(
                "volume",
                "volume serial",
                f"{volume.serial >> 16:04X}-{volume.serial & 0xFFFF:04X}",
                "made from the moment the card was formatted: links it to a machine and a time",
            )
        )
    backup = volume.backup_boot
    if backup is not None:
        for field, primary, copy in (
            ("label", volume.boot.volume_label, backup.volume_label),
            ("OEM name", volume.boot.oem_name, backup.oem_name),
        ):
            if primary != copy:
                shown = copy.decode("latin-1").strip()
                out.append(
                    AuditFinding(
                        "volume",
                        f"backup boot sector {field}",
                        shown,
                        "differs from the boot sector: an earlier name of the card",
                    )
                )
    for where, label in (("boot sector", volume.boot_label), ("root folder", volume.label or "")):
        label = label.strip()
        if label.upper() in NO_LABEL:
            continue
        if any(word in label.lower() for word in TOOL_WORDS):
            out.append(AuditFinding("volume", f"label ({where})", label, "names a tool"))
        out += [
            AuditFinding("volume", f"label ({where})", label, f"holds the deny-listed word {w!r}")
            for w in words
            if w.lower() in label.lower()
        ]
    return out


def _time_findings(moments: Counter, access_days: Counter) -> list[AuditFinding]:
    out = []
    if len(access_days) > 1:
        shown = ", ".join(str(d) for d, _ in access_days.most_common(3))
        out.append(
            AuditFinding(
                "volume",
                "access dates differ",
                f"{len(access_days)} different days: {shown}",
                "tell on which days files were opened",
            )
        )
    if len(moments) > 1:
        shown = ", ".join(m.isoformat(" ") for m, _ in moments.most_common(3))
        out.append(
            AuditFinding(
                "volume",
                "timestamps differ",
                f"{len(moments)} different times: {shown}",
                "tell when each file was copied, and in which order",
            )
        )
    elif moments:
        (moment,) = moments
        if (moment.hour, moment.minute, moment.second) != (0, 0, 0):
            out.append(
                AuditFinding(
                    "volume",
                    "timestamp",
                    moment.isoformat(" "),
                    "looks like the moment the card was built",
                )
            )
    return out


def _entry_findings(
    volume: FatVolume, words: list[str]
) -> tuple[list[AuditFinding], Counter, Counter]:
    out: list[AuditFinding] = []
    moments: Counter = Counter()
    access_days: Counter = Counter()
    last_end = 0
    for entry in volume.walk(include_deleted=True):
        where = entry.path or entry.name
        if entry.orphan_long_name:
            out.append(AuditFinding(where, "orphan long name", entry.name, "a deleted file's name"))
            out += words_in_name(where, entry.name, words)
            continue
        if entry.deleted:
            out.append(
                AuditFinding(
                    where, "deleted entry", entry.name, "recoverable name (and maybe data)"
                )
            )
            out += words_in_name(where, entry.name, words)
            continue
        for moment in (entry.created, entry.modified):
            if isinstance(moment, datetime):
                moments[moment] += 1
        if isinstance(entry.accessed, datetime):
            access_days[entry.accessed.date()] += 1
        reason = debris_reason(entry.name)
        if reason:
            out.append(AuditFinding(where, "OS debris", entry.name, reason))
        out += words_in_name(where, entry.name, words)
        if entry.attributes & (HIDDEN | SYSTEM):
            flags = "+".join(
                n for n, bit in (("hidden", HIDDEN), ("system", SYSTEM)) if entry.attributes & bit
            )
            out.append(AuditFinding(where, "attributes", flags, "hidden files draw attention"))
        if entry.is_dir or not entry.clusters:
            continue
        if not entry.contiguous:
            out.append(
                AuditFinding(
                    where, "fragmented", f"{len(entry.fragments)} pieces", "slow or broken playback"
                )
            )
        if entry.clusters[0] < last_end:
            out.append(
                AuditFinding(
                    where,
                    "out of playback order",
                    "stored before the file listed ahead of it",
                    "players read the card out of order",
                )
            )
        last_end = max(last_end, entry.clusters[-1])
    return out, moments, access_days


def _residue(volume: FatVolume, words: list[str]) -> list[AuditFinding]:
    """Non-zero bytes anywhere that must be zero: every byte of the image is accounted for.

    Free clusters, slack after files and folders, and every byte outside the
    file system's structure (`FatVolume.zero_regions`: before the partition,
    reserved sectors, FAT padding, after the volume).
    """
    out = []
    regions = [("unallocated", r) for r in volume.unallocated_regions()]
    regions += [(r.kind, r) for r in volume.slack_regions()]
    regions += [(r.kind, r) for r in volume.zero_regions()]
    dirty: Counter = Counter()
    found_words: set[str] = set()
    examples: dict[str, str] = {}
    for kind, region in regions:
        offset, remaining = region.offset, region.length
        while remaining > 0:
            size = min(SCAN_CHUNK, remaining)
            data = volume.read_at(offset, size)
            if data.count(0) != len(data):
                dirty[kind] += len(data) - data.count(0)
                first = offset + next(i for i, byte in enumerate(data) if byte)
                examples.setdefault(kind, f"{region.path}, byte {first}" if region.path
                                    else f"byte {first}")  # fmt: skip
                if words:
                    found_words |= words_in_bytes(data, words)
            offset += size
            remaining -= size
    why = {
        "unallocated": "data from the card's past, recoverable with forensic tools",
        "file slack": "old data after a file's end, recoverable",
        "directory slack": "old directory entries after a folder's end",
        "MBR boot code": "boot code or hidden data before the partition table",
        "gap before the partition": "hidden data outside the file system",
        "reserved sectors": "hidden data in the file system's reserved sectors",
        "FAT padding": "hidden data in the allocation table past the last cluster",
        "after the last cluster": "hidden data at the end of the volume",
        "after the volume": "hidden data past the file system",
    }
    for kind, count in sorted(dirty.items()):
        out.append(
            AuditFinding(
                "volume",
                f"non-zero {kind}",
                f"{count} bytes (first at {examples[kind]})",
                why[kind],
            )
        )
    out += [
        AuditFinding("volume", "deny-list word in free space", w, "names the group or a person")
        for w in sorted(found_words)
    ]
    return out


def _consistency_findings(volume: FatVolume, words: list[str]) -> list[AuditFinding]:
    """A truncated image, FAT copies that disagree, and deny-listed words in the boot code."""
    out = []
    if volume.size < volume.volume_end:
        out.append(
            AuditFinding(
                "volume",
                "truncated",
                f"{volume.size} of {volume.volume_end} bytes",
                "the image or device ends before its file system: incomplete or damaged",
            )
        )
    for copy in volume.fat_copies_differ():
        out.append(
            AuditFinding(
                "volume", "FAT copies differ", f"FAT {copy}", "an earlier state of the card"
            )
        )
    if words:
        boot = volume.read_at(volume.volume_offset, 512)
        out += [
            AuditFinding(
                "volume", "deny-list word in the boot sector", w, "names the group or a person"
            )
            for w in sorted(words_in_bytes(boot, words))
        ]
    return out


def _file_content_findings(volume: FatVolume, words: list[str]) -> list[AuditFinding]:
    """Each file's content; the parts of a split ZIM are read as the one file they make."""
    out = []
    entries = {e.path: e for e in volume.files()}
    with tempfile.TemporaryDirectory(prefix="sneakernet-audit-") as tmp:
        for group in split.group_parts(list(entries)):
            copy = Path(tmp) / "file"
            with copy.open("wb") as f:
                for path in group:
                    for chunk in volume.iter_content(entries[path]):
                        f.write(chunk)
            where = group[0] if len(group) == 1 else f"{group[0]} (+{len(group) - 1} parts)"
            out += file_findings(copy, where, words)
    return out


def audit_volume(target: Path, words: list[str]) -> list[AuditFinding]:
    """Every finding on a FAT32 image or device (UserError when it is not one)."""
    with open_volume(target) as volume:
        findings = _volume_findings(volume, words)
        entry_findings, moments, access_days = _entry_findings(volume, words)
        findings += entry_findings + _time_findings(moments, access_days)
        findings += _consistency_findings(volume, words)
        findings += _residue(volume, words)
        findings += _file_content_findings(volume, words)
    return findings
