"""Run every benchmark module (`benchmarks/bench_*.py`) or those named.

Each module has `run(workdir: Path) -> list[Result]`; results print as a table
of figures and ratios against the reference tools measured in the same run.
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import pkgutil
import sys
import tempfile
from pathlib import Path

from benchmarks.common import print_results


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    parser.add_argument(
        "--workdir", type=Path, help="where to put generated data (default: a temp dir)"
    )
    args = parser.parse_args()
    here = Path(__file__).parent
    names = args.names or sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules([str(here)])
        if m.name.startswith("bench_")
    )
    # An installed package has its bytecode compiled; a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module at every start.
    compileall.compile_dir(here.parent / "src", quiet=1)
    failed = False
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        with tempfile.TemporaryDirectory(dir=args.workdir, prefix=f"bench-{name}-") as tmp:
            print(f"\n== {name}", flush=True)
            results = module.run(Path(tmp))
        failed |= print_results(results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
