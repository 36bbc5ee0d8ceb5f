"""Run the benchmarks (``make bench``): every ``tests/bench/bench_*.py`` in turn, or one.

    .venv/bin/python -m tests.bench.run                      # all of them, default arguments
    .venv/bin/python -m tests.bench.run fanout --sizes 100   # one, with its own arguments
    .venv/bin/python -m tests.bench.run --list

Each benchmark is run as its own script would be (``__main__``, its own argv), so every one
keeps its command-line interface. The exit status is the worst of theirs.
"""

from __future__ import annotations

import runpy
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks() -> dict[str, Path]:
    return {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}


def run_one(path: Path, argv: list[str]) -> int:
    print(f"=== {path.stem} {' '.join(argv)}".rstrip(), flush=True)
    saved = sys.argv
    sys.argv = [str(path), *argv]
    started = time.monotonic()
    try:
        runpy.run_path(str(path), run_name="__main__")
        status = 0
    except SystemExit as exit_:
        code = exit_.code
        status = code if isinstance(code, int) else (0 if code is None else 1)
    finally:
        sys.argv = saved
    print(f"=== {path.stem}: exit {status} after {time.monotonic() - started:.0f} s", flush=True)
    return status


def main(argv: list[str]) -> int:
    found = benchmarks()
    if argv[:1] == ["--list"]:
        print("\n".join(found))
        return 0
    if argv and not argv[0].startswith("-"):
        name = argv[0].removeprefix("bench_").removesuffix(".py")
        if name not in found:
            print(f"No benchmark {argv[0]!r}; there are: {', '.join(found)}", file=sys.stderr)
            return 2
        return run_one(found[name], argv[1:])
    return max((run_one(path, argv) for path in found.values()), default=0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
