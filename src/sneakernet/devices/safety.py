"""Refusing targets that must never be written.

Rules (checked from sysfs and /proc only, before any device is opened):
the disk holding `/`; a device with a mounted filesystem or active swap (on
itself or a partition); a device with holders (RAID, LVM, device-mapper); a
partition instead of a whole device; a read-only device; a device smaller than
the image; a non-removable disk unless the operator forces it.

Loop devices report removable=0 but are files, not disks: they count as
removable targets, which is how tests and dry runs work. USB and MMC (SD)
devices count as removable whatever their flag says, because SD readers and
many USB sticks report 0.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sneakernet.devices.discovery import BlockDevice, find_device
from sneakernet.errors import UserError
from sneakernet.sizes import human_size

CARD_TRANSPORTS = ("usb", "mmc", "loop")


class SafetyRefusal(UserError):
    """One or more targets must not be written: nothing was opened."""


@dataclass
class Target:
    """A device the safety rules accepted, under the name the operator gave."""

    given: str
    device: BlockDevice


def counts_as_removable(device: BlockDevice) -> bool:
    return device.removable or device.transport in CARD_TRANSPORTS


def refusal_reasons(
    device: BlockDevice, *, is_partition: bool, needed: int, force_non_removable: bool
) -> list[str]:
    """Every reason not to write the device, most serious first; empty when it is safe."""
    reasons = []
    if device.holds_root:
        reasons.append("it holds the running system's root filesystem /")
    if is_partition:
        reasons.append(f"it is a partition; give the whole device {device.path}")
    if device.mount_points:
        reasons.append(f"it is mounted at {', '.join(device.mount_points)}; unmount it first")
    if device.swap:
        reasons.append("it is in use as swap; swapoff it first")
    if device.holders:
        reasons.append(f"it is in use by {', '.join(device.holders)} (RAID, LVM or device-mapper)")
    if device.read_only:
        reasons.append("it is read-only (check the card's lock switch)")
    if not counts_as_removable(device) and not force_non_removable:
        reasons.append(
            f"it is a non-removable {device.transport} disk; "
            "pass --force-non-removable if you really mean it"
        )
    if device.size < needed:
        reasons.append(f"it holds {human_size(device.size)} but {human_size(needed)} are needed")
    if device.size == 0:
        reasons.append("it has no medium (size 0)")
    return reasons


def check_targets(
    paths: list[str], *, needed: int = 0, force_non_removable: bool = False
) -> list[Target]:
    """Accept all targets or refuse with one line naming each refused device and why."""
    targets: list[Target] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for given in paths:
        try:
            device, is_partition = find_device(given)
        except FileNotFoundError:
            kind = "does not exist" if not os.path.exists(given) else "is not a block device"
            problems.append(f"{given} {kind}")
            continue
        if device.path in seen:
            problems.append(f"{given} is the same device as {seen[device.path]}")
            continue
        seen[device.path] = given
        reasons = refusal_reasons(
            device,
            is_partition=is_partition,
            needed=needed,
            force_non_removable=force_non_removable,
        )
        if reasons:
            problems.append(f"{given}: {'; '.join(reasons)}")
        else:
            targets.append(Target(given, device))
    if problems:
        raise SafetyRefusal("refusing to write: " + " | ".join(problems))
    return targets
