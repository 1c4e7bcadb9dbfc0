"""Run every benchmark: each ``benchmarks/*_bench.py`` module's ``main()`` in turn (`make bench`).

Each ``main`` runs with its default sizes when called without arguments
(``python -m benchmarks.NAME ...`` takes others). Timings are printed, never
asserted: performance is not a unit test.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def run(name: str) -> None:
    importlib.import_module(name).main()


def main() -> int:
    failed = []
    for path in sorted(Path(__file__).resolve().parent.glob("*_bench.py")):
        name = f"benchmarks.{path.stem}"
        print(f"\n######## {name}", flush=True)
        start = time.perf_counter()
        try:
            run(name)
        except Exception as exc:  # one broken benchmark must not hide the others
            print(f"{name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            failed.append(name)
        print(f"######## {name}: {time.perf_counter() - start:.1f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
