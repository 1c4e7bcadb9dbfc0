"""Run every benchmark: each ``benchmarks/*_bench.py`` module's ``main()`` in turn (`make bench`).

A module's ``main`` is called without arguments; a ``main`` that needs
arguments is run as its script would be (``python -m benchmarks.NAME``, its
``__main__`` block supplies the defaults). Timings are printed, never asserted:
performance is not a unit test.
"""

from __future__ import annotations

import importlib
import inspect
import runpy
import sys
import time
from pathlib import Path


def run(name: str) -> None:
    module = importlib.import_module(name)
    required = [
        p
        for p in inspect.signature(module.main).parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if not required:
        module.main()
        return
    saved = sys.argv
    sys.argv = [name]
    try:
        runpy.run_module(name, run_name="__main__")
    finally:
        sys.argv = saved


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
