"""Quorum-intersection timings on the Stellar 2025 snapshot (637 nodes, 104 validators):
medians of (1) the whole ``mcref quorum check`` command as a subprocess, (2) the intersection
check alone on a loaded FBAS, (3) the minimum blocking set alone.

Usage::

    TMPDIR=.tmp .venv/bin/python tools/bench/quorum_bench.py [--runs 15] [--file FILE.json]

Anchor (python-fbas on the same snapshot, docs/quorum.md "Timings"): 0.46 s whole process, 36 ms for
the check alone, 5.5 s for its minimal blocking set. Goals: whole command <= 1 s, check
<= 20 ms, minimal blocking set <= 1 s. The same workloads run under pytest-benchmark in
tools/bench/test_bench_quorum.py (``make bench``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from refimpl.formal import quorum
from refimpl.formal.fbas_model import Fbas, load_stellarbeat

ROOT = Path(__file__).resolve().parents[2]
STELLAR_2025 = ROOT / "data" / "fbas" / "stellar_pubnet_obsrvr_2025-07-20.json"
MCREF = Path(sys.executable).with_name("mcref")


def whole_command(path: Path = STELLAR_2025) -> None:
    """One ``mcref quorum check FILE --json`` process, from exec to exit."""
    env = dict(os.environ)
    env.setdefault("TMPDIR", str(ROOT / ".tmp"))
    done = subprocess.run([str(MCREF), "quorum", "check", str(path), "--json"],
                          capture_output=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"mcref quorum check failed: {done.stderr.decode()}")


def check_alone(fbas: Fbas) -> None:
    assert quorum.check_intersection(fbas).intersecting


def blocking_alone(fbas: Fbas) -> None:
    assert quorum.minimal_blocking_set(fbas).size == 6


def median_seconds(step: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--file", type=Path, default=STELLAR_2025)
    args = parser.parse_args()
    fbas = load_stellarbeat(args.file)
    check_alone(fbas)  # warm up Z3
    whole = median_seconds(lambda: whole_command(args.file), args.runs)
    check = median_seconds(lambda: check_alone(fbas), args.runs)
    blocking = median_seconds(lambda: blocking_alone(fbas), args.runs)
    print(f"{args.file.name}, medians of {args.runs} runs:")
    print(f"  whole command (subprocess)  {whole:8.3f} s    goal <= 1 s    (python-fbas 0.46 s)")
    print(f"  intersection check alone    {check * 1e3:8.2f} ms   goal <= 20 ms  "
          "(python-fbas 36 ms)")
    print(f"  minimal blocking set alone  {blocking * 1e3:8.2f} ms   goal <= 1 s    "
          "(python-fbas 5.5 s)")


if __name__ == "__main__":
    main()
