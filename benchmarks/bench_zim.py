"""ZIM encyclopedias: cleaning and cutting to size against a plain copy, and what a subset keeps.

One generated ZIM (linked articles, pictures, planted metadata). Timed in the
same run: `cp` of its bytes, `sneakernet clean` of it, and a subset of half
its text. Then two subsets of the same budget are compared: ours (the main
page, its links, then the most linked articles) and the first N articles in
title order; the value of a subset is the in-links its articles cover.
Targets: cleaning takes at most 3 times a plain synced copy (it reads the
directory and sample pages twice, checks its output and computes the MD5);
ours covers more in-links than title order.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

from benchmarks.common import Result, drop_caches, time_call, time_command

REPO = Path(__file__).resolve().parent.parent
ARTICLES = 4000
GB = 10**9


def _source(workdir: Path, name: str, big_blobs: tuple[int, ...] = ()) -> Path:
    sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "zim")]
    from zim_samples import make_zim

    from sneakernet.zim.cleaning import quiet_stdout

    with quiet_stdout():
        sample = make_zim(workdir / name, ARTICLES, picture_side=160, words_per_article=600,
                          big_blobs=big_blobs)  # fmt: skip
    return sample.path


def _title_order(s):
    """The same survey, kept in title order: the 'first N articles' subset."""
    from sneakernet.zim import subset

    class TitleOrder(subset.Survey):
        @property
        def order(self) -> list[str]:
            rest = sorted(
                (a for a in self.articles if a != self.main), key=lambda a: self.titles[a] or a
            )
            return [self.main, *rest]

        @property
        def forced(self) -> int:
            return 1

    return TitleOrder(**{f.name: getattr(s, f.name) for f in dataclasses.fields(s)})


def run(workdir: Path) -> list[Result]:
    from sneakernet.zim import subset

    # Cleaning is timed on a ZIM of about 1 GB (the articles and 768 MiB of other files),
    # so that start-up and per-entry work weigh as in a real encyclopedia.
    heavy = _source(workdir, "heavy.zim", (256 * 2**20,) * 3)
    heavy_gb = GB / heavy.stat().st_size
    drop_caches()
    cp = time_command(["cp", str(heavy), str(workdir / "cp.zim")])
    drop_caches()
    # A plain copy of the bytes, synced like the cleaned copy (cp may clone them in the kernel).
    copy = time_command(
        ["dd", f"if={heavy}", f"of={workdir / 'copy.zim'}", "bs=8M", "conv=fsync"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    drop_caches()
    clean = time_command(
        [sys.executable, "-m", "sneakernet", "clean", "-o", str(workdir / "clean"), str(heavy)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    heavy.unlink()
    src = _source(workdir, "wiki.zim")
    size = src.stat().st_size
    per_gb = GB / size
    results: list[Result] = [
        Result("ZIM cleaned (articles and large files)", GB / heavy_gb / 2**20, "MiB"),
        Result("ZIM cut (articles and pictures)", size / 2**20, "MiB"),
    ]
    drop_caches()
    small_copy = time_command(
        ["dd", f"if={src}", f"of={workdir / 'copy2.zim'}", "bs=8M", "conv=fsync"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results += [
        Result("cp: seconds per GB", cp.seconds * heavy_gb, "s"),
        Result("plain copy (dd, synced): seconds per GB", copy.seconds * heavy_gb, "s"),
        Result("clean: seconds per GB", clean.seconds * heavy_gb, "s"),
        Result("clean / plain copy time", clean.seconds / copy.seconds, "x", 3.0, False),
        Result("clean: peak memory", clean.peak_rss_mb, "MB"),
    ]

    survey = subset.survey(src)
    budget = survey.size_without_media() // 2
    drop_caches()
    ours_result = {}
    timing = time_call(
        lambda: ours_result.setdefault(
            "r", subset.make_subset(src, budget, workdir / "ours.zim", None, close_enough=32768)
        )
    )
    ours = ours_result["r"]
    results += [
        Result("subset to half the text: seconds per GB of ZIM", timing.seconds * per_gb, "s"),
        Result("subset / plain copy time", timing.seconds / small_copy.seconds, "x"),
        Result("subset: libzim builds to reach the size", ours.builds, ""),
        Result("subset: bytes left of the budget", budget - ours.size, "B"),
    ]
    baseline = subset.make_subset(
        src, budget, workdir / "title.zim", _title_order(survey), close_enough=32768
    )

    def covered(articles: list[str]) -> int:
        return sum(survey.in_links[a] for a in articles)

    mb = budget / 10**6
    ours_value, base_value = covered(ours.kept_articles), covered(baseline.kept_articles)
    results += [
        Result("articles kept per MB: most linked first", ours.articles_kept / mb, "/MB"),
        Result("articles kept per MB: first N in title order", baseline.articles_kept / mb, "/MB"),
        Result("in-links covered per MB: most linked first", ours_value / mb, "/MB"),
        Result("in-links covered per MB: title order", base_value / mb, "/MB"),
        Result("in-links covered: ours / title order", ours_value / max(base_value, 1), "x", 1.0),
    ]
    return results
