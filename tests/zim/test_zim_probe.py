"""`sneakernet probe FILE.zim`: articles, media, size without pictures, metadata."""

from __future__ import annotations

import json
import subprocess

from zim_samples import PLANTED, make_zim

from conftest import require_tool, run_cli


def test_probe_reports_what_the_generator_wrote(tmp_path):
    sample = make_zim(tmp_path / "wiki.zim", 200)
    without = make_zim(tmp_path / "text.zim", 200, pictures_every=10**9)  # the same, no pictures
    result = run_cli("probe", "--json", sample.path)
    assert result.code == 0, result.stderr
    (found,) = json.loads(result.stdout)["files"]
    assert found["articles"] == len(sample.articles)
    assert found["redirects"] == len(sample.redirects)
    assert found["media"] == len(sample.picture_sizes)
    assert found["media_bytes"] == sum(sample.picture_sizes.values())
    assert found["other_files"] == 1  # the stylesheet
    assert found["main_page"] == sample.main
    assert found["fulltext_index"] and found["title_index"]
    for key, value in PLANTED.items():
        assert found["metadata"][key] == value
    assert found["metadata"]["Title"] == "Sample encyclopedia"
    real = without.path.stat().st_size
    assert abs(found["size_without_media"] - real) < 0.1 * real
    # The UUID as zimdump (the Debian libzim) reads it.
    info = subprocess.run([require_tool("zimdump"), "info", str(sample.path)],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert f"uuid: {found['uuid'].replace('-', '')}" in info.replace("-", "")
    table = run_cli("probe", sample.path)
    assert table.code == 0 and "size without pictures" in table.stderr + table.stdout


def test_probe_refuses_a_damaged_zim_and_mixed_targets(tmp_path):
    sample = make_zim(tmp_path / "wiki.zim", 10)
    cut = tmp_path / "cut.zim"
    cut.write_bytes(sample.path.read_bytes()[:5000])
    result = run_cli("probe", cut)
    assert result.code == 2 and "truncated ZIM" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    text = tmp_path / "a.txt"
    text.write_text("hello\n")
    mixed = run_cli("probe", sample.path, text)
    assert mixed.code == 2 and "separate calls" in mixed.stderr
