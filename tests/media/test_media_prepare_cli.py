"""`prepare`, `probe` and `profiles` from the operator's side: options, bad input, exit codes."""

from __future__ import annotations

import json

from mediagen import Clip, audio_peak, ffmpeg, make_clip

from conftest import assert_user_error, imported_modules, run_cli


def test_profiles_lists_builtins_and_user_files(tmp_path):
    result = run_cli("profiles", "--json")
    assert result.code == 0, result.stderr
    profiles = json.loads(result.stdout)
    assert {"notel", "notel-avi", "phone", "pc", "music", "ebook"} <= set(profiles)
    notel = profiles["notel"]
    assert notel["container"] == "mp4" and notel["video"]["level"] == 3.1
    assert notel["video"]["max_width"] == 720 and notel["audio"]["bitrate"] == "96k"
    assert notel["max_file_size"] < 4 * 2**30 + 1
    custom = tmp_path / "tiny.toml"
    custom.write_text(
        'name = "tiny"\nkind = "video"\ncontainer = "mp4"\nsubtitles = ["burn"]\n'
        '[video]\ncodec = "h264"\nencoder = "libx264"\nmax_width = 160\nmax_height = 120\n'
        'max_fps = 15\ncrf = 30\npreset = "ultrafast"\n'
        '[audio]\ncodec = "aac"\nencoder = "aac"\nbitrate = "48k"\nchannels = 1\n'
        "sample_rate = 22050\n"
    )
    result = run_cli("profiles", "--json", "--profile-file", custom)
    assert json.loads(result.stdout)["tiny"]["video"]["max_fps"] == 15
    source = make_clip(tmp_path / "in.mkv", Clip(size="320x240", fps="30"))
    out = tmp_path / "out"
    result = run_cli("prepare", source, "-o", out, "--profile", "tiny", "--profile-file", custom,
                     "--cache", tmp_path / "cache")  # fmt: skip
    assert result.code == 0, result.stderr
    probed = json.loads(run_cli("probe", out / "in.mp4", "--json").stdout)[0]
    assert probed["video"][0]["width"] == 160 and probed["video"][0]["fps"] == 15
    assert probed["audio"][0]["channels"] == 1 and probed["audio"][0]["sample_rate"] == 22050


def test_bad_profile_file_and_unknown_profile_are_usage_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [unclosed\n")
    assert_user_error(run_cli("profiles", "--profile-file", bad), "not valid TOML")
    incomplete = tmp_path / "incomplete.toml"
    incomplete.write_text('name = "x"\nkind = "video"\ncontainer = "mp4"\n')
    assert_user_error(run_cli("profiles", "--profile-file", incomplete), "needs [video]")
    source = make_clip(tmp_path / "in.mkv", Clip(seconds=0.2))
    result = run_cli("prepare", source, "-o", tmp_path / "o", "--profile", "no-such")
    assert_user_error(result, "unknown profile 'no-such'", "notel")
    assert_user_error(run_cli("probe", source, "--profile", "nope"), "unknown profile")


def test_probe_reports_streams_sidecars_and_compliance(tmp_path):
    source = make_clip(
        tmp_path / "film.mkv",
        Clip(size="1918x1080", fps="60", seconds=0.2, acodec="ac3", channels=6),
    )
    (tmp_path / "film.ko.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\n안녕\n")
    result = run_cli("probe", source, "--profile", "notel", "--json")
    assert result.code == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert report["video"][0]["codec"] == "h264"
    assert (report["video"][0]["width"], report["video"][0]["height"]) == (1918, 1080)
    assert report["audio"][0]["codec"] == "ac3" and report["audio"][0]["channels"] == 6
    assert report["sidecars"] == [{"path": str(tmp_path / "film.ko.srt"), "korean": True}]
    assert report["complies"] is False
    text = " | ".join(report["reasons"])
    for fragment in ("container is matroska", "1918x1080", "frame rate is 60", "ac3"):
        assert fragment in text, (fragment, text)
    human = run_cli("probe", source, "--profile", "notel")
    assert human.code == 0 and "does not comply with notel" in human.stderr


def test_bad_items_fail_alone_and_the_rest_carry_on(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    good = make_clip(src / "good.mkv", Clip(size="320x240", acodec="ac3"))
    (src / "notes.mkv").write_text("this is not a film\n")
    audio_only = make_clip(src / "song.mkv", Clip(vcodec="libx264", acodec="aac"))
    ffmpeg("-i", str(audio_only), "-vn", "-c:a", "copy", str(src / "song.m4a"))
    whole = make_clip(src / "whole.mp4", Clip(size="320x240", seconds=2, acodec="aac",
                                               extra=("-movflags", "+faststart")))  # fmt: skip
    truncated = src / "cut.mp4"
    truncated.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.55)])
    out = tmp_path / "out"
    result = run_cli(
        "prepare", good, src / "notes.mkv", src / "song.m4a", truncated, src / "missing.mkv",
        "-o", out, "--profile", "notel", "--cache", tmp_path / "cache", "--json",
    )  # fmt: skip
    assert result.code == 1, result.stderr
    items = {item["src"].rsplit("/", 1)[1]: item for item in json.loads(result.stdout)}
    assert items["good.mkv"]["status"] == "done"
    assert "not a readable media file" in items["notes.mkv"]["reason"]
    assert "no video stream" in items["song.m4a"]["reason"]
    # The truncated file encodes "fine"; the health check catches the short output.
    assert "output lasts" in items["cut.mp4"]["reason"], items["cut.mp4"]
    assert "no such file" in items["missing.mkv"]["reason"]
    assert sorted(p.name for p in out.iterdir()) == ["good.mp4"]
    assert list((tmp_path / "cache" / "tmp").iterdir()) == []
    for name in ("notes.mkv", "song.m4a", "cut.mp4", "missing.mkv"):
        assert name in result.stderr  # one line per failed item
    silent = make_clip(src / "silent.mkv", Clip(acodec=None, seconds=0.3))
    music = run_cli("prepare", silent, src / "song.m4a", "-o", tmp_path / "music",
                    "--profile", "music", "--cache", tmp_path / "cache", "--json")  # fmt: skip
    assert music.code == 1
    by_name = {i["src"].rsplit("/", 1)[1]: i for i in json.loads(music.stdout)}
    assert "no audio stream" in by_name["silent.mkv"]["reason"]
    assert by_name["song.m4a"]["status"] == "done"
    assert sorted(p.name for p in (tmp_path / "music").iterdir()) == ["song.mp3"]


def test_korean_audio_is_chosen_unless_another_language_is_asked_for(tmp_path):
    # Track 1 (English) is silent, track 2 (Korean) is a tone.
    source = tmp_path / "two-tracks.mkv"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1",
        "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=1",
        "-f", "lavfi", "-i", "sine=frequency=600:duration=1:sample_rate=48000",
        "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-preset", "ultrafast",
        "-c:a", "aac", "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=kor",
        "-t", "1", str(source),
    )  # fmt: skip
    for lang, loud in ((None, True), ("en", False), ("kor", True)):
        out = tmp_path / f"out-{lang}"
        extra = ["--audio-lang", lang] if lang else []
        result = run_cli("prepare", source, "-o", out, "--profile", "notel",
                         "--cache", tmp_path / "cache", *extra)  # fmt: skip
        assert result.code == 0, result.stderr
        assert (audio_peak(out / "two-tracks.mp4") > 0.1) is loud, lang


def test_max_size_lands_within_five_percent(tmp_path):
    source = tmp_path / "noisy.mkv"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=480x270:rate=25:duration=4,noise=alls=30:allf=t",
        "-f", "lavfi", "-i", "sine=duration=4:sample_rate=48000",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-c:a", "aac", str(source),
    )  # fmt: skip
    target = 300_000
    assert source.stat().st_size > target
    out = tmp_path / "out"
    result = run_cli("prepare", source, "-o", out, "--profile", "notel", "--max-size", "300k",
                     "--cache", tmp_path / "cache")  # fmt: skip
    assert result.code == 0, result.stderr
    size = (out / "noisy.mp4").stat().st_size
    assert abs(size - target) <= 0.05 * target, size
    too_small = run_cli("prepare", source, "-o", tmp_path / "o2", "--profile", "notel",
                        "--max-size", "20k", "--cache", tmp_path / "cache")  # fmt: skip
    assert too_small.code == 1 and "too small" in too_small.stderr
    # A generous limit is a ceiling, not padding: the bitrate stays playable.
    roomy = run_cli("prepare", source, "-o", tmp_path / "o3", "--profile", "notel",
                    "--max-size", "50M", "--cache", tmp_path / "cache")  # fmt: skip
    assert roomy.code == 0, roomy.stderr
    assert (tmp_path / "o3" / "noisy.mp4").stat().st_size < (4_000_000 + 128_000) * 4 / 8 * 1.1


def test_folders_are_walked_and_keep_their_layout(tmp_path):
    library = tmp_path / "library"
    (library / "Season 1").mkdir(parents=True)
    (library / ".trash").mkdir()
    make_clip(library / "Season 1" / "ep1.mkv", Clip(seconds=0.4))
    (library / "Season 1" / "ep1.ko.srt").write_text("1\n00:00:00,000 --> 00:00:00,300\n안녕\n")
    make_clip(library / "film.avi", Clip("avi", "mpeg4", seconds=0.4, acodec="libmp3lame"))
    make_clip(library / ".trash" / "old.mkv", Clip(seconds=0.2))
    (library / "notes.txt").write_text("not media")
    out = library / "prepared"  # inside the library: must not be read back as input
    result = run_cli("prepare", library, "-o", out, "--profile", "notel",
                     "--cache", tmp_path / "cache", "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    made = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert made == ["Season 1/ep1.mp4", "film.mp4"]
    again = run_cli("prepare", library, "-o", out, "--profile", "notel",
                    "--cache", tmp_path / "cache", "--json")  # fmt: skip
    assert [i["status"] for i in json.loads(again.stdout)] == ["cached", "cached"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_user_error(run_cli("prepare", empty, "-o", tmp_path / "o", "--profile", "notel"),
                      "no files of this profile's kind")  # fmt: skip


def _red_star_trailer(machine_id: bytes) -> bytes:
    """One Red Star OS mark as the public research describes it, built independently."""
    from Crypto.Cipher import DES

    mark = DES.new(bytes(range(7, -1, -1)), DES.MODE_ECB).encrypt(
        b"WM" + machine_id.ljust(22, b"\0")
    )
    assert mark.endswith(bytes.fromhex("5a13a0e6294b75b1"))
    return mark + (24).to_bytes(4, "little") + b"EOF"


def test_ebook_profile_cleans_books_and_normalises_text(tmp_path):
    books = tmp_path / "books"
    books.mkdir()
    story = "옛날 옛적에\n호랑이가 살았습니다.\n"
    (books / "story.txt").write_bytes(story.encode("cp949") + _red_star_trailer(b"S2Z8J9AB"))
    (books / "film.mkv").write_bytes(b"not a book")  # skipped: not a book suffix
    out = tmp_path / "out"
    result = run_cli("prepare", books, "-o", out, "--profile", "ebook", "--json")
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["story.txt"]
    data = (out / "story.txt").read_bytes()
    assert data == b"\xef\xbb\xbf" + story.replace("\n", "\r\n").encode("utf-8")
    assert (books / "story.txt").read_bytes().endswith(b"EOF")  # original untouched


def test_progress_shows_on_a_terminal_even_with_json(tmp_path):
    """stdout carries the JSON alone; the bars go to stderr, and only on a terminal."""
    source = make_clip(tmp_path / "film.mkv", Clip(size="320x240", seconds=2))
    runs = {}
    for terminal in ("1", "0"):
        out = tmp_path / f"out-{terminal}"
        result = run_cli("prepare", source, "-o", out, "--profile", "phone", "--json",
                         "--cache", tmp_path / f"cache-{terminal}",
                         env={"TTY_COMPATIBLE": terminal})  # fmt: skip
        assert result.code == 0, result.stderr
        assert json.loads(result.stdout)[0]["status"] == "done"
        runs[terminal] = result.stderr
    assert "all 1 items" in runs["1"] and "100%" in runs["1"]
    assert "all 1 items" not in runs["0"]


def test_piped_summary_is_plain_columns_and_one_film_loads_only_what_it_needs(tmp_path):
    # From a script or a log (stderr not a terminal) the summary is plain text in
    # columns, and one film does not pay for the pool, the books or Rich.
    film = make_clip(tmp_path / "film.mkv", Clip(size="320x240", seconds=1))
    (tmp_path / "notes.mkv").write_text("not a film\n")
    out = tmp_path / "out"
    result = run_cli("prepare", film, tmp_path / "notes.mkv", "-o", out, "--profile", "notel",
                     "--cache", tmp_path / "cache", "-j", "1")  # fmt: skip
    assert result.code == 1, result.stderr
    lines = result.stderr.splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("item "))
    table = lines[header : header + 3]
    assert table[0].split() == ["item", "result", "size", "time", "CRF", "VMAF", "reason"]
    assert table[1].split()[:2] == ["film.mkv", "done"] and "KiB" in table[1]
    assert table[2].split()[:2] == ["notes.mkv", "failed"]
    assert "not a readable media file" in table[2]
    # The columns line up: each header word starts where its cells start.
    assert table[1].index("done") == table[2].index("failed") == table[0].index("result")
    assert not any(ch in result.stderr for ch in "┏━│└")
    assert lines[-1] == "1 done, 1 failed"
    code, modules = imported_modules("prepare", film, "-o", tmp_path / "again", "--profile",
                                     "notel", "--cache", tmp_path / "cache2")  # fmt: skip
    assert code == 0
    assert "sneakernet.media.jobs" in modules and "av" in modules  # it did prepare
    assert not {"rich", "multiprocessing", "concurrent.futures",
                "sneakernet.media.documents"} & modules  # fmt: skip
