"""Finding the block devices that could be cards, from sysfs and /proc.

Everything here only reads /sys and /proc: listing devices or checking a
target never opens a device.
"""

from __future__ import annotations

import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path

SYS_BLOCK = Path("/sys/block")
SYS_DEV_BLOCK = Path("/sys/dev/block")

# Kernel devices that are never cards.
_NEVER_CARDS = ("ram", "zram", "sr", "fd", "nbd", "md", "dm-")


@dataclass
class Mount:
    device: tuple[int, int]
    source: str
    mount_point: str
    fstype: str


@dataclass
class BlockDevice:
    """What an operator needs to recognise a card, and what the safety rules need."""

    name: str
    path: str
    size: int
    vendor: str
    model: str
    transport: str  # usb, mmc, loop, ata, nvme, virtio, ...
    removable: bool
    read_only: bool
    partitions: list[str] = field(default_factory=list)
    holders: list[str] = field(default_factory=list)
    mount_points: list[str] = field(default_factory=list)
    swap: bool = False
    holds_root: bool = False
    backing_file: str | None = None

    @property
    def mounted(self) -> bool:
        return bool(self.mount_points) or self.swap

    def to_json(self) -> dict:
        data = asdict(self)
        data["mounted"] = self.mounted
        return data


def _read(path: Path, default: str = "") -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return default


def _dev_number(text: str) -> tuple[int, int]:
    major, minor = text.split(":")
    return int(major), int(minor)


def _unescape_mount_field(text: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as octal."""
    out, i = [], 0
    while i < len(text):
        code = text[i + 1 : i + 4]
        if text[i] == "\\" and len(code) == 3 and code.isdigit():
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def read_mounts(mountinfo: Path = Path("/proc/self/mountinfo")) -> list[Mount]:
    mounts = []
    for line in _read(mountinfo).splitlines():
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) < 5 or len(rest) < 2:
            continue
        mounts.append(
            Mount(
                device=_dev_number(fields[2]),
                source=_unescape_mount_field(rest[1]),
                mount_point=_unescape_mount_field(fields[4]),
                fstype=rest[0],
            )
        )
    return mounts


def _block_number(path: str) -> tuple[int, int] | None:
    """major:minor of a block device node, or None if path is not one."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISBLK(st.st_mode):
        return None
    return os.major(st.st_rdev), os.minor(st.st_rdev)


def read_swaps(swaps: Path = Path("/proc/swaps")) -> list[tuple[int, int]]:
    numbers = []
    for line in _read(swaps).splitlines()[1:]:
        parts = line.split()
        if parts:
            number = _block_number(_unescape_mount_field(parts[0]))
            if number:
                numbers.append(number)
    return numbers


def sysfs_node(number: tuple[int, int]) -> Path | None:
    """The /sys/devices/... directory of a device number."""
    link = SYS_DEV_BLOCK / f"{number[0]}:{number[1]}"
    return link.resolve() if link.exists() else None


def whole_disk_node(node: Path) -> Path:
    """A partition's parent disk; a disk is its own."""
    return node.parent if (node / "partition").exists() else node


def _underlying_disks(node: Path, seen: set[Path] | None = None) -> set[Path]:
    """The physical disks below a device: through partitions and dm/md slaves."""
    seen = seen if seen is not None else set()
    disk = whole_disk_node(node)
    if disk in seen:
        return seen
    seen.add(disk)
    for part in (node / "slaves", disk / "slaves"):
        if part.is_dir():
            for slave in part.iterdir():
                _underlying_disks(slave.resolve(), seen)
    return seen


def _mount_number(mount: Mount) -> tuple[int, int] | None:
    """A mount's block device; btrfs and some containers report major 0 in mountinfo."""
    if mount.device[0] != 0:
        return mount.device
    if mount.source.startswith("/dev/"):
        return _block_number(mount.source)
    return None


def root_disks(mounts: list[Mount] | None = None) -> set[Path]:
    """sysfs nodes of every disk that holds the root filesystem."""
    disks: set[Path] = set()
    for mount in mounts if mounts is not None else read_mounts():
        if mount.mount_point != "/":
            continue
        number = _mount_number(mount)
        node = sysfs_node(number) if number else None
        if node is not None:
            disks |= _underlying_disks(node)
    return disks


def _transport(node: Path, name: str) -> str:
    real = str(node)
    if name.startswith("loop"):
        return "loop"
    if "/usb" in real:
        return "usb"
    if name.startswith("mmcblk") or "/mmc" in real:
        return "mmc"
    if name.startswith("nvme"):
        return "nvme"
    if "/virtio" in real:
        return "virtio"
    if "/ata" in real:
        return "ata"
    if "/scsi" in real or "/host" in real:
        return "scsi"
    return "other"


def _numbers_of(node: Path) -> list[tuple[int, int]]:
    """Device numbers of a disk and of its partitions."""
    numbers = []
    for candidate in [node, *sorted(node.iterdir())]:
        dev = candidate / "dev"
        if candidate == node or (candidate / "partition").exists():
            text = _read(dev)
            if text:
                numbers.append(_dev_number(text))
    return numbers


def describe(node: Path, mounts: list[Mount], swaps: list[tuple[int, int]], roots: set[Path]):
    """Build a BlockDevice for one whole-disk sysfs node."""
    name = node.name
    partitions = sorted(child.name for child in node.iterdir() if (child / "partition").exists())
    holders = sorted(
        h.name
        for d in [node, *(node / p for p in partitions)]
        if (d / "holders").is_dir()
        for h in (d / "holders").iterdir()
    )
    numbers = set(_numbers_of(node))
    mount_points = sorted({m.mount_point for m in mounts if _mount_number(m) in numbers})
    backing = _read(node / "loop" / "backing_file") or None
    return BlockDevice(
        name=name,
        path=f"/dev/{name}",
        size=int(_read(node / "size", "0") or 0) * 512,
        vendor=_read(node / "device" / "vendor"),
        model=_read(node / "device" / "model") or _read(node / "device" / "name"),
        transport=_transport(node, name),
        removable=_read(node / "removable") == "1",
        read_only=_read(node / "ro") == "1",
        partitions=partitions,
        holders=holders,
        mount_points=mount_points,
        swap=any(s in numbers for s in swaps),
        holds_root=node in roots,
        backing_file=backing,
    )


def list_devices() -> list[BlockDevice]:
    """Every whole disk that could be a card target, loop devices with a backing file included."""
    mounts, swaps = read_mounts(), read_swaps()
    roots = root_disks(mounts)
    devices = []
    for entry in sorted(SYS_BLOCK.iterdir()):
        if entry.name.startswith(_NEVER_CARDS):
            continue
        node = entry.resolve()
        device = describe(node, mounts, swaps, roots)
        if device.transport == "loop" and not device.backing_file:
            continue  # unattached loop device
        devices.append(device)
    return devices


def find_device(path: str) -> tuple[BlockDevice, bool]:
    """Describe the device behind a path; the flag says whether the path is a partition."""
    number = _block_number(path)
    if number is None:
        raise FileNotFoundError(path)
    node = sysfs_node(number)
    if node is None:
        raise FileNotFoundError(path)
    mounts, swaps = read_mounts(), read_swaps()
    disk = whole_disk_node(node)
    return describe(disk, mounts, swaps, root_disks(mounts)), disk != node
