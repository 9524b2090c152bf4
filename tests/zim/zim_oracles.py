"""Independent judges of a ZIM file: zimcheck, zimdump (libzim 8, Debian) and kiwix-serve."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import require_tool


def zimcheck(path: Path) -> str:
    """Run every zimcheck test; fail with its report unless it passes."""
    proc = subprocess.run(
        [require_tool("zimcheck"), "-A", "-D", str(path)], capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "Overall Test Status: Pass" in report, report
    return report


def zimdump_tree(path: Path, into: Path) -> dict[str, bytes]:
    """Every user entry zimdump writes out (redirects as symlinks): path -> bytes or link."""
    into.mkdir(parents=True)
    proc = subprocess.run(
        [require_tool("zimdump"), "dump", f"--dir={into}", "--redirect", str(path)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out: dict[str, bytes] = {}
    for p in sorted(into.rglob("*")):
        rel = p.relative_to(into).as_posix()
        if p.is_symlink():
            out[rel] = b"-> " + str(p.readlink()).encode()
        elif p.is_file():
            out[rel] = p.read_bytes()
    return out


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, timeout: float = 10) -> tuple[int, bytes, str]:
    """(status, body, final URL) of a GET on loopback."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read(), response.geturl()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), url


class Served:
    def __init__(self, base: str, book: str) -> None:
        self.base, self.book = base, book

    def get(self, path: str) -> tuple[int, bytes, str]:
        return fetch(f"{self.base}{path}")

    def page(self, entry: str) -> tuple[int, bytes]:
        status, body, _ = self.get(f"/{self.book}/{urllib.parse.quote(entry)}")
        return status, body

    def main_page(self) -> tuple[int, bytes, str]:
        return self.get(f"/{self.book}/")

    def search(self, pattern: str) -> list[str]:
        """Entry paths of the full-text search results."""
        query = urllib.parse.urlencode({"content": self.book, "pattern": pattern})
        status, body, _ = self.get(f"/search?{query}")
        assert status == 200, body[:300]
        found = re.findall(rf'href="/{re.escape(self.book)}/([^"]+)"'.encode(), body)
        return [urllib.parse.unquote(f.decode()) for f in found if f]

    def suggest(self, term: str) -> list[str]:
        """Entry paths kiwix-serve suggests for a title prefix (the title index)."""
        import json

        query = urllib.parse.urlencode({"content": self.book, "term": term})
        status, body, _ = self.get(f"/suggest?{query}")
        assert status == 200, body[:300]
        return [s["path"] for s in json.loads(body) if s.get("kind") == "path"]


@contextlib.contextmanager
def kiwix_serve(*zims: Path):
    """kiwix-serve on 127.0.0.1 and a free port, serving `zims`; stopped afterwards."""
    port = free_port()
    proc = subprocess.Popen(
        [require_tool("kiwix-serve"), "--address=127.0.0.1", f"--port={port}", *map(str, zims)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body, _ = fetch(f"{base}/catalog/v2/entries", timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"kiwix-serve did not start: {proc.stderr.read()!r}")
            time.sleep(0.2)
        books = re.findall(rb'<link type="text/html" href="/([^"]+)"', body)
        assert books, body[:500]
        yield [Served(base, b.decode()) for b in books]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
