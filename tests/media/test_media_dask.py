"""The Dask path runs the same item pipeline and gives byte-identical outputs."""

from __future__ import annotations

import json

from distributed import LocalCluster
from mediagen import SRT_TEXT, Clip, make_clip

from conftest import run_cli


def test_dask_outputs_equal_local_outputs(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    sources = [
        make_clip(src / "subtitled.mkv", Clip(size="320x240", seconds=2, acodec="ac3")),
        make_clip(src / "sixty.mov", Clip("mov", size="480x270", fps="60", acodec="aac")),
    ]
    (src / "subtitled.ko.srt").write_bytes(SRT_TEXT.encode("cp949"))
    local = run_cli("prepare", *sources, "-o", tmp_path / "local", "--profile", "notel",
                    "--cache", tmp_path / "cache-local", "--json")  # fmt: skip
    assert local.code == 0, local.stderr
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        remote = run_cli("prepare", *sources, "-o", tmp_path / "dask", "--profile", "notel",
                         "--cache", tmp_path / "cache-dask", "--dask", cluster.scheduler_address,
                         "--json")  # fmt: skip
    assert remote.code == 0, remote.stderr
    assert [i["status"] for i in json.loads(remote.stdout)] == ["done", "done"]
    for name in ("subtitled.mp4", "sixty.mp4"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


def test_unreachable_scheduler_is_a_usage_error(tmp_path):
    source = make_clip(tmp_path / "in.mkv", Clip(seconds=0.2))
    result = run_cli("prepare", source, "-o", tmp_path / "out", "--profile", "notel",
                     "--cache", tmp_path / "cache", "--dask", "tcp://127.0.0.1:9")  # fmt: skip
    assert result.code == 2, result.stderr
    assert "cannot reach the Dask scheduler" in result.stderr


def test_outputs_do_not_depend_on_the_job_split(tmp_path):
    sources = [
        make_clip(tmp_path / f"in{n}.mkv", Clip(size="480x270", seconds=1.5, acodec="ac3"))
        for n in range(2)
    ]
    runs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        result = run_cli("prepare", *sources, "-o", out, "--profile", "notel", "--jobs", jobs,
                         "--cache", tmp_path / f"cache{jobs}")  # fmt: skip
        assert result.code == 0, result.stderr
        runs[jobs] = [(out / f"in{n}.mp4").read_bytes() for n in range(2)]
    alone = run_cli("prepare", sources[0], "-o", tmp_path / "alone", "--profile", "notel",
                    "--cache", tmp_path / "cache-alone")  # fmt: skip
    assert alone.code == 0, alone.stderr
    assert runs["1"] == runs["2"]
    assert (tmp_path / "alone" / "in0.mp4").read_bytes() == runs["1"][0]
