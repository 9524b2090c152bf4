"""Refusals: nothing is ever opened for writing on a device the rules reject."""

from __future__ import annotations

import json
import os
import pty
import stat
import subprocess
import sys
import textwrap

import pytest
from devices_helpers import loop_file

from conftest import CliResult, assert_user_error, require_tool, run_cli
from sneakernet.devices.discovery import BlockDevice
from sneakernet.devices.safety import refusal_reasons

MIB = 1 << 20


def _image(tmp_path, size=MIB):
    path = tmp_path / "card.img"
    path.write_bytes(os.urandom(size))
    return path


def _root_disk() -> str:
    """The disk holding /, found by util-linux (an oracle independent of our sysfs code)."""
    source = subprocess.run(
        [require_tool("findmnt"), "-no", "SOURCE", "/"], capture_output=True, text=True
    ).stdout.strip()
    parent = subprocess.run(
        [require_tool("lsblk"), "-no", "PKNAME", source], capture_output=True, text=True
    ).stdout.strip()
    return f"/dev/{parent.splitlines()[0]}" if parent else source


# Runs the real CLI with an audit hook that kills the process before any
# device node other than a loop device could be opened for writing.
_GUARDED = textwrap.dedent(
    """
    import os, sys
    def guard(event, args):
        if event == "open" and isinstance(args[0], (str, bytes)):
            path = os.fsdecode(args[0])
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            if path.startswith("/dev/") and not path.startswith(("/dev/loop", "/dev/null", "/dev/tty")):
                if flags & (os.O_WRONLY | os.O_RDWR):
                    os.write(2, b"GUARD: device opened for writing\\n")
                    os._exit(99)
    sys.addaudithook(guard)
    from sneakernet.cli import main
    main(sys.argv[1:])
    """
)


@pytest.mark.parametrize(
    "command",
    [
        ["write", "IMAGE", "ROOT", "--yes", "--force-non-removable", "--probe", "none"],
        ["wipe", "ROOT", "--yes", "--force-non-removable"],
        ["probe-device", "ROOT", "--yes", "--force-non-removable"],
    ],
)
def test_root_disk_is_refused_without_opening_it(tmp_path, command):
    root = _root_disk()
    image = _image(tmp_path)
    argv = [str(image) if a == "IMAGE" else root if a == "ROOT" else a for a in command]
    proc = subprocess.run(
        [sys.executable, "-c", _GUARDED, *argv], capture_output=True, text=True, timeout=120
    )
    assert "GUARD" not in proc.stderr
    assert_user_error(CliResult(proc.returncode, proc.stdout, proc.stderr), root, "root filesystem")


def test_mounted_device_is_refused(tmp_path):
    mkfs = require_tool("mkfs.ext2")
    image = _image(tmp_path)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    with loop_file(tmp_path, "fs", 8 * MIB) as dev:
        subprocess.run([mkfs, "-q", "-F", dev], check=True, capture_output=True)
        subprocess.run(["mount", dev, str(mnt)], check=True)
        try:
            listed = json.loads(run_cli("devices", "--json").stdout)
            mine = next(d for d in listed if d["path"] == dev)
            assert mine["mounted"] and mine["mount_points"] == [str(mnt)]
            result = run_cli("write", image, dev, "--yes", "--probe", "none")
            wiped = run_cli("wipe", dev, "--yes")
        finally:
            subprocess.run(["umount", str(mnt)], check=True)
    assert_user_error(result, dev, f"mounted at {mnt}")
    assert_user_error(wiped, dev, "mounted at")


def test_device_smaller_than_image_is_refused(tmp_path):
    image = _image(tmp_path, 5 * MIB)
    with loop_file(tmp_path, "small", 4 * MIB) as dev:
        before = (tmp_path / "small.img").read_bytes()
        result = run_cli("write", image, dev, "--yes")
        after = (tmp_path / "small.img").read_bytes()
    assert_user_error(result, dev, "needed")
    assert before == after


def test_device_busy_elsewhere_is_refused(tmp_path):
    image = _image(tmp_path)
    with loop_file(tmp_path, "busy", 4 * MIB) as dev:
        fd = os.open(dev, os.O_RDONLY | os.O_EXCL)
        try:
            result = run_cli("write", image, dev, "--yes", "--probe", "none")
        finally:
            os.close(fd)
    assert_user_error(result, dev, "exclusively")


def test_confirmation_is_required_without_a_terminal(tmp_path):
    image = _image(tmp_path)
    with loop_file(tmp_path, "ask", 4 * MIB) as dev:
        result = run_cli("write", image, dev, input="")
    assert result.code == 2 and "--yes" in result.stderr


def _typed_on_a_terminal(argv: list[str], typed: str) -> CliResult:
    """Run the CLI with a terminal for stdin, as an operator at a console, and type `typed`."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sneakernet", *argv],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(master, typed.encode())
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(slave)
        os.close(master)
    return CliResult(proc.returncode, out, err)


def test_confirmation_on_a_terminal(tmp_path):
    with loop_file(tmp_path, "ask", 24 * MIB) as dev:
        refused = _typed_on_a_terminal(["probe-device", dev], "n\n")
        untouched = (tmp_path / "ask.img").read_bytes() == bytes(24 * MIB)
        retyped = _typed_on_a_terminal(["probe-device", dev, "--json"], "perhaps\nyes\n")
    assert "This will overwrite test data on:" in refused.stderr
    assert "Everything on these devices will be lost. Go on? [y/N]: " in refused.stderr
    assert refused.code == 2 and "nothing was written: not confirmed" in refused.stderr
    assert untouched
    assert retyped.code == 0, retyped.stderr
    assert "Error: invalid input" in retyped.stderr
    assert json.loads(retyped.stdout)["devices"][0]["probe"] == "genuine"


def test_paths_that_are_not_devices_are_refused(tmp_path):
    image = _image(tmp_path)
    assert_user_error(run_cli("write", image, tmp_path / "nope", "--yes"), "does not exist")
    assert_user_error(run_cli("write", image, image, "--yes"), "not a block device")
    assert_user_error(run_cli("write", tmp_path / "missing.img", image, "--yes"), "image")


def test_loop_devices_are_listed_with_their_backing_file(tmp_path):
    with loop_file(tmp_path, "listed", 4 * MIB) as dev:
        listed = json.loads(run_cli("devices", "--json").stdout)
    mine = next(d for d in listed if d["path"] == dev)
    assert mine["transport"] == "loop" and mine["size"] == 4 * MIB
    assert mine["backing_file"] == str(tmp_path / "listed.img")
    assert not mine["mounted"]


def _disk(**overrides) -> BlockDevice:
    fields = dict(
        name="sdz",
        path="/dev/sdz",
        size=8 * 10**9,
        vendor="",
        model="",
        transport="ata",
        removable=False,
        read_only=False,
    )
    fields.update(overrides)
    return BlockDevice(**fields)


def test_rules_for_removable_holders_swap_and_read_only():
    def reasons(device, force=False):
        return " ".join(
            refusal_reasons(device, is_partition=False, needed=10**9, force_non_removable=force)
        )

    assert "--force-non-removable" in reasons(_disk())
    assert reasons(_disk(), force=True) == ""
    assert reasons(_disk(transport="usb")) == ""
    assert reasons(_disk(transport="mmc")) == ""
    assert reasons(_disk(transport="loop")) == ""
    assert reasons(_disk(removable=True)) == ""
    assert "md0" in reasons(_disk(removable=True, holders=["md0"]))
    assert "swap" in reasons(_disk(removable=True, swap=True))
    assert "read-only" in reasons(_disk(removable=True, read_only=True))
    assert "root filesystem" in reasons(_disk(holds_root=True), force=True)
    assert "needed" in reasons(_disk(removable=True, size=10**8))


def _mbr_with_one_partition(path, size):
    """A disk image whose MBR holds one Linux partition from 1 MiB to the end."""
    sectors = size // 512
    entry = bytes([0, 0, 0, 0, 0x83, 0, 0, 0]) + (2048).to_bytes(4, "little")
    entry += (sectors - 2048).to_bytes(4, "little")
    mbr = bytearray(512)
    mbr[446 : 446 + 16] = entry
    mbr[510:512] = b"\x55\xaa"
    with open(path, "wb") as f:
        f.write(mbr)
        f.truncate(size)


def _partition_node(tmp_path, dev: str) -> str:
    """The first partition of a loop device as a device node (made here if nothing made one)."""
    name = os.path.basename(dev)
    sysfs = f"/sys/block/{name}/{name}p1"
    if not os.path.exists(sysfs):
        subprocess.run([require_tool("partx"), "-a", dev], check=True, capture_output=True)
    with open(f"{sysfs}/dev") as f:
        major, minor = map(int, f.read().split(":"))
    node = f"/dev/{name}p1"
    if not os.path.exists(node):
        node = str(tmp_path / f"{name}p1")
        os.mknod(node, 0o600 | stat.S_IFBLK, os.makedev(major, minor))
    return node


def test_mounted_partition_protects_its_disk_and_partitions_are_refused(tmp_path):
    mkfs = require_tool("mkfs.ext2")
    image = _image(tmp_path)
    backing = tmp_path / "parted.img"
    _mbr_with_one_partition(backing, 16 * MIB)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    losetup = require_tool("losetup")
    dev = subprocess.run(
        [losetup, "--find", "--show", "--partscan", str(backing)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    try:
        part = _partition_node(tmp_path, dev)
        subprocess.run([mkfs, "-q", "-F", part], check=True, capture_output=True)
        subprocess.run(["mount", part, str(mnt)], check=True)
        try:
            whole = run_cli("write", image, dev, "--yes", "--probe", "none")
            partition = run_cli("wipe", part, "--yes")
        finally:
            subprocess.run(["umount", str(mnt)], check=True)
    finally:
        subprocess.run([losetup, "-d", dev], check=True)
    assert_user_error(whole, dev, f"mounted at {mnt}")
    assert_user_error(partition, part, f"partition; give the whole device {dev}")
    assert "mounted at" in partition.stderr
