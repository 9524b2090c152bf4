"""`sneakernet probe` tells media files from block devices by what they are."""

from __future__ import annotations

import json

from devices_helpers import loop_file

from conftest import assert_user_error, imported_modules, run_cli, within
from sneakernet.media import ffmpeg

MIB = 1 << 20


def _clip(path):
    """A half-second test picture, written by the bundled ffmpeg."""
    source = "testsrc=size=64x48:rate=10:duration=0.5"
    ffmpeg.run([ffmpeg.ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i", source,
                ffmpeg.file_url(path)])  # fmt: skip
    return path


def test_probe_on_a_media_file_reads_its_streams(tmp_path):
    clip = _clip(tmp_path / "-clip.mp4")
    result = run_cli("probe", "--json", "--", clip)
    assert result.code == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert report["video"][0]["width"] == 64


def test_probe_on_a_device_runs_the_capacity_probe(tmp_path):
    with loop_file(tmp_path, "card", 24 * MIB) as dev:
        result = run_cli("probe", dev, "--yes", "--json")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)["devices"][0]
    assert report["probe"] == "genuine" and report["real_size"] == 24 * MIB


def test_probe_refuses_files_and_devices_together(tmp_path):
    clip = _clip(tmp_path / "clip.mp4")
    with loop_file(tmp_path, "card", 24 * MIB) as dev:
        result = run_cli("probe", str(clip), dev, "--yes")
        before = open(dev, "rb").read(MIB)
    assert_user_error(result, dev, "separate calls")
    assert before == bytes(MIB)  # nothing was written to the device


def test_device_options_on_media_files_are_refused(tmp_path):
    clip = _clip(tmp_path / "clip.mp4")
    assert_user_error(run_cli("probe", str(clip), "--full"), "--full")


def test_each_kind_of_target_loads_only_its_own_stack(tmp_path):
    clip = _clip(tmp_path / "clip.mp4")
    code, modules = imported_modules("probe", "--json", clip)
    assert code == 0 and "sneakernet.media.probe" in modules
    assert within(modules, "sneakernet.devices") == [] and within(modules, "rich") == []
    with loop_file(tmp_path, "card", 24 * MIB) as dev:
        on_device = imported_modules("probe", dev, "--yes", "--json")
        probe_device = imported_modules("probe-device", dev, "--yes", "--json")
    for code, modules in (on_device, probe_device):
        assert code == 0 and "sneakernet.devices.probe" in modules
        for package in ("sneakernet.media", "sneakernet.fat", "sneakernet.clean", "rich"):
            assert within(modules, package) == [], package
