"""Cleaned files carry nothing about where and when they were cleaned."""

from __future__ import annotations

import getpass
import json
import socket
import time

from clean_checks import expanded_bytes
from clean_corpus import BUILDERS, build

from conftest import run_cli


def test_outputs_name_no_host_user_path_tool_or_build_time(tmp_path):
    dirty = tmp_path / "dirty"
    samples = build(dirty, [k for k in BUILDERS if k != "jpeg-progressive"])
    out = tmp_path / "out"
    result = run_cli("clean", "--json", "-o", out, dirty, env={"TZ": "Asia/Pyongyang"})
    assert result.code == 0, result.stderr
    assert len(json.loads(result.stdout)["cleaned"]) == len(samples)
    traces = {
        socket.gethostname(),
        getpass.getuser(),
        str(tmp_path),
        tmp_path.name,
        "sneakernet",
        "pikepdf",
        "qpdf",
        "python",
        time.strftime("%Y:%m:%d"),
        time.strftime("%Y-%m-%d"),
        time.strftime("D:%Y%m"),
    }
    # "root" is also a PDF keyword (/Root); any other user name must not appear.
    traces = {t for t in traces if len(t) >= 4 and t != "root"}
    for s in samples:
        blob = expanded_bytes(out / s.name).lower()
        left = [t for t in traces if t.lower().encode() in blob]
        assert left == [], (s.name, left)
