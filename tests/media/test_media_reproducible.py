"""The same film and options always encode to the same bytes.

Cards are rebuilt and compared by their image's hash (`make --jobs 1` and
`--jobs 2` must agree), and the cache keys a film's output by its source, so
an encode that now and then comes out different breaks both. x264 on
several threads is the part that could: each run here goes through the
commands prepare runs, on a noisy 720p film (where a stray difference
shows), with the decoder on one thread or two, two encodes at a time as
`make --jobs 2` runs them: the stray output came under load.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from mediagen import ffmpeg

from sneakernet.media import ffmpeg as ff
from sneakernet.media.probe import probe
from sneakernet.media.profiles import load_profiles
from sneakernet.media.transcode import PrepareOptions, encode_commands, make_plan

RUNS = 24


def test_a_noisy_film_encodes_to_the_same_bytes_every_time(tmp_path: Path):
    source = tmp_path / "film.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=1280x720:r=25:d=3,noise=alls=9:allf=t",
           "-f", "lavfi", "-i", "sine=f=450:d=3",
           "-c:v", "mpeg4", "-q:v", "2", "-c:a", "aac", "-shortest", str(source))  # fmt: skip
    notel = load_profiles().get("notel")
    assert notel.video is not None and notel.video.threads > 1
    # At a CRF the search picks for this film, as prepare then encodes it.
    profile = replace(notel, video=replace(notel.video, crf=28.5))
    info = probe(source)

    def encode(run: int) -> str:
        options = PrepareOptions(threads=1 + run % 2)
        plan = make_plan(info, profile, options)
        assert plan.action == "encode"
        out = tmp_path / f"out-{run}.mp4"
        (command,) = encode_commands(info, profile, plan, out, tmp_path, None, options.threads)
        ff.run(command, cwd=tmp_path)
        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        out.unlink()
        return digest

    with ThreadPoolExecutor(2) as pool:
        digests = set(pool.map(encode, range(RUNS)))
    assert len(digests) == 1, f"{len(digests)} different outputs in {RUNS} encodes"
