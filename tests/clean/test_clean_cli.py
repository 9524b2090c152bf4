"""The clean, inspect and audit commands, from the operator's side."""

from __future__ import annotations

import json

from conftest import FIXTURES, assert_user_error, run_cli

FIXTURE = FIXTURES / "redstar" / "preview_bottle_firstuser.jpg"
ORIGINAL = FIXTURES / "redstar" / "preview_bottle_original.jpg"


def test_clean_handles_hostile_names_and_keeps_going(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    odd = src / "-rf ; $(touch pwned) `x` 'q'.jpg"
    odd.write_bytes(FIXTURE.read_bytes())
    (src / "notes with space.txt").write_text("plain words\n")
    (src / "blob.bin").write_bytes(bytes(range(256)) * 4)
    (src / "empty.jpg").write_bytes(b"")
    (src / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    out = tmp_path / "out"
    result = run_cli("clean", "--json", "-o", out, "--", src, cwd=tmp_path)
    assert result.code == 2, result.stderr
    assert not (tmp_path / "pwned").exists()
    summary = json.loads(result.stdout)
    assert (out / odd.name).read_bytes() == ORIGINAL.read_bytes()
    assert (out / "notes with space.txt").read_text() == "plain words\n"
    assert not (out / ".DS_Store").exists()
    assert not (out / "blob.bin").exists() and not (out / "empty.jpg").exists()
    failed = {e["src"].rsplit("/", 1)[-1] for e in summary["failed"]}
    assert failed == {"blob.bin", "empty.jpg"}
    assert "blob.bin" in result.stderr and "empty" in result.stderr
    assert "Traceback" not in result.stderr
    assert odd.read_bytes() == FIXTURE.read_bytes()  # original untouched
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_single_malformed_file_is_one_clear_line(tmp_path):
    bad = tmp_path / "cut.jpg"
    bad.write_bytes(ORIGINAL.read_bytes()[:5000])
    result = run_cli("clean", "-o", tmp_path / "out", bad)
    assert_user_error(result, "cut.jpg", "truncated JPEG")
    assert bad.read_bytes() == ORIGINAL.read_bytes()[:5000]
    assert list((tmp_path / "out").iterdir()) == []


def test_unknown_format_refused_unless_allowed(tmp_path):
    blob = tmp_path / "-blob.bin"
    blob.write_bytes(b"\x00\x01\x02" * 100)
    assert_user_error(run_cli("clean", "-o", tmp_path / "o1", "--", blob), "unknown format")
    result = run_cli("clean", "--allow-unknown", "-o", tmp_path / "o2", "--", blob)
    assert result.code == 0, result.stderr
    assert (tmp_path / "o2" / "-blob.bin").read_bytes() == blob.read_bytes()
    assert "unknown format" in result.stderr


def test_inplace_replaces_only_after_cleaning(tmp_path):
    target = tmp_path / "photo.jpg"
    target.write_bytes(FIXTURE.read_bytes())
    result = run_cli("clean", "--inplace", target)
    assert result.code == 0, result.stderr
    assert "warning" in result.stderr
    assert target.read_bytes() == ORIGINAL.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["photo.jpg"]


def test_clean_needs_exactly_one_destination(tmp_path):
    assert_user_error(run_cli("clean", FIXTURE), "-o OUTDIR or --inplace")


def test_inspect_reports_marks_as_json(tmp_path):
    result = run_cli("inspect", "--json", FIXTURE)
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    (findings,) = data["files"].values()
    assert findings[0]["value"] == "AC9A58CDZ364C"


def test_audit_folder_exit_status_and_deny_list(tmp_path):
    card = tmp_path / "card"
    card.mkdir()
    (card / "film.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n")
    result = run_cli("audit", card)
    assert result.code == 0, result.stdout + result.stderr
    (card / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (card / "readme.txt").write_text("made by Freedom Group volunteers\n")
    deny = tmp_path / "deny.txt"
    deny.write_text("# names\nfreedom group\nKim Volunteer\n")
    result = run_cli("audit", "--json", "--deny-list", deny, card)
    assert result.code == 1, result.stderr
    fields = {(f["where"], f["field"]) for f in json.loads(result.stdout)["findings"]}
    assert ("Thumbs.db", "OS debris") in fields
    assert ("readme.txt", "deny-list word in content") in fields
    assert_user_error(run_cli("audit", tmp_path / "missing"), "no such")


def test_output_over_the_original_is_refused_and_xml_is_not_text(tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(FIXTURE.read_bytes())
    assert_user_error(run_cli("clean", "-o", tmp_path, photo), "--inplace")
    assert photo.read_bytes() == FIXTURE.read_bytes()
    sidecar = tmp_path / "photo.xmp"
    sidecar.write_text('<?xml version="1.0"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/>')
    drawing = tmp_path / "map.kml"
    drawing.write_text('<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark/></kml>')
    for path in (sidecar, drawing):
        assert_user_error(run_cli("clean", "-o", tmp_path / "out", path), "unknown format")
