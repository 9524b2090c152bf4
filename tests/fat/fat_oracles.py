"""Independent checks of FAT images: dosfstools and mtools, plus small file helpers."""

from __future__ import annotations

import hashlib
import os
import re
import struct
import subprocess
from pathlib import Path

from conftest import require_tool

MIB = 1024 * 1024
# mtools and fsck must read long names as UTF-8 whatever the machine's locale.
TOOL_ENV = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "MTOOLS_SKIP_CHECK": "1"}


def partition_offset(image: Path) -> int:
    """Byte offset of the first partition from the MBR, read by hand (0 for a bare volume)."""
    sector = image.read_bytes()[:512] if image.stat().st_size < MIB else _head(image)
    if sector[0] == 0xEB and sector[82:90] == b"FAT32   ":
        return 0
    assert sector[510:512] == b"\x55\xaa"
    kind = sector[446 + 4]
    start = struct.unpack_from("<I", sector, 446 + 8)[0]
    assert kind == 0x0C, kind
    return start * 512


def _head(image: Path) -> bytes:
    with open(image, "rb") as f:
        return f.read(512)


def volume_copy(image: Path, workdir: Path) -> Path:
    """The FAT volume alone (fsck.fat 4.2 has no offset option); sparse copy."""
    offset = partition_offset(image)
    if offset == 0:
        return image
    out = workdir / (image.name + ".volume")
    length = image.stat().st_size - offset
    with open(image, "rb") as src, open(out, "wb") as dst:
        dst.truncate(length)
        copied = 0
        while copied < length:
            n = os.copy_file_range(
                src.fileno(), dst.fileno(), length - copied, offset + copied, copied
            )
            assert n > 0
            copied += n
    return out


def fsck_clean(image: Path, workdir: Path) -> str:
    """Run `fsck.fat -n`; fail unless it reports nothing but the summary line."""
    fsck = require_tool("fsck.fat")
    volume = volume_copy(image, workdir)
    proc = subprocess.run([fsck, "-n", str(volume)], capture_output=True, text=True, env=TOOL_ENV)
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(lines) == 2 and " files, " in lines[1], proc.stdout + proc.stderr
    return lines[1]


def fsck_data_offset(image: Path, workdir: Path) -> int:
    """Byte offset of the data region in the whole image, as `fsck.fat -v` reports it."""
    fsck = require_tool("fsck.fat")
    volume = volume_copy(image, workdir)
    proc = subprocess.run(
        [fsck, "-n", "-v", str(volume)], capture_output=True, text=True, env=TOOL_ENV
    )
    match = re.search(r"Data area starts at byte (\d+)", proc.stdout)
    assert match, proc.stdout
    return partition_offset(image) + int(match.group(1))


def mtools_target(image: Path) -> str:
    offset = partition_offset(image)
    return f"{image}@@{offset}" if offset else str(image)


def mtools(tool: str, image: Path, *args: str) -> str:
    exe = require_tool(tool)
    proc = subprocess.run(
        [exe, "-i", mtools_target(image), *args], capture_output=True, text=True, env=TOOL_ENV
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def mcopy_all(image: Path, dest: Path) -> None:
    dest.mkdir()
    mtools("mcopy", image, "-s", "-n", "-p", "::/", str(dest) + "/")


def mdir_order(image: Path) -> dict[str, list[str]]:
    """Entry names per folder, in the order mdir lists them (directory-entry order)."""
    listing = mtools("mdir", image, "-/", "-b", "::")
    order: dict[str, list[str]] = {}
    for line in listing.splitlines():
        path = line.removeprefix("::/").rstrip("/")
        parent, _, name = path.rpartition("/")
        order.setdefault(parent, []).append(name)
    return order


def mshowfat_runs(image: Path, card_path: str) -> str:
    return mtools("mshowfat", image, "::/" + card_path).strip()


def tree_files(root: Path) -> dict[str, bytes]:
    """Relative path -> content of every file under root."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            digest.update(block)
    return digest.hexdigest()


def is_bmp(text: str) -> bool:
    return all(ord(c) < 0x10000 for c in text)
