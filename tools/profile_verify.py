"""Profile RingCT verification (issue 13): cProfile over the ``mcref bench tx`` workload, printed
as a call tree (a text flame graph: each line a function, its cumulative time per verification
and its share, children indented below their caller).

    .venv/bin/python tools/profile_verify.py [--runs 30] [--min-share 1.5]

Prints three trees: ``verify_tx_baseline`` (the code path before issue 13), ``verify_tx`` and a
100-transaction block through ``batch_verify.verify_batch`` (per transaction). cProfile adds
its own cost to every Python call, so the shares of Python glue are overstated; the absolute
medians are ``mcref bench tx``'s. docs/ringct.md keeps a copy of the output.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
from collections.abc import Callable
from typing import Any

from refimpl.transaction.batch_verify import verify_batch
from refimpl.transaction.rct_signature import verify_tx, verify_tx_baseline
from refimpl.vectors.tx_bench import BLOCK_SIZE, BLOCK_VERSION, TxBenchWorkload

Func = tuple[str, int, str]


def _name(func: Func) -> str:
    path, line, name = func
    if path == "~":
        return name.strip("<>")
    short = path.split("/refimpl/")[-1] if "/refimpl/" in path else path.rsplit("/", 1)[-1]
    return f"{short}:{line} {name}"


def call_tree(stats: pstats.Stats, root: str, per: int, min_share: float) -> list[str]:
    """The tree under the function named ``root``, times in ms per ``per`` calls."""
    raw: dict[Func, Any] = stats.stats  # type: ignore[attr-defined]
    callees: dict[Func, list[tuple[Func, float]]] = {}
    for func, (_cc, _nc, _tt, _ct, callers) in raw.items():
        for caller, (_c, _n, _t, cum) in callers.items():
            callees.setdefault(caller, []).append((func, cum))
    start = next(f for f in raw if f[2] == root)
    total = raw[start][3]
    lines: list[str] = []

    def walk(func: Func, cum: float, depth: int, seen: frozenset[Func]) -> None:
        share = 100 * cum / total
        if share < min_share or depth > 9:
            return
        lines.append(f"{'  ' * depth}{cum / per * 1e3:7.3f} ms {share:5.1f}%  {_name(func)}")
        if func in seen:
            return
        for child, child_cum in sorted(callees.get(func, []), key=lambda c: -c[1]):
            walk(child, child_cum, depth + 1, seen | {func})

    walk(start, total, 0, frozenset())
    return lines


def profile(action: Callable[[], object], runs: int) -> pstats.Stats:
    action()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        action()
    profiler.disable()
    return pstats.Stats(profiler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--min-share", type=float, default=1.5)
    args = parser.parse_args()
    w = TxBenchWorkload()
    cases: list[tuple[str, str, Callable[[], object], int]] = [
        ("verify_tx_baseline (before issue 13)", "verify_tx_baseline",
         lambda: verify_tx_baseline(w.tx, BLOCK_VERSION, w.rng), args.runs),
        ("verify_tx", "verify_tx", lambda: verify_tx(w.tx, BLOCK_VERSION, w.rng), args.runs),
        (f"verify_batch of {BLOCK_SIZE} transactions, per transaction", "verify_batch",
         lambda: verify_batch(w.block, BLOCK_VERSION, w.rng), max(1, args.runs // 10)),
    ]
    for title, root, action, runs in cases:
        stats = profile(action, runs)
        per = runs * (BLOCK_SIZE if root == "verify_batch" else 1)
        print(f"## {title} ({runs} runs, cProfile)")
        print("\n".join(call_tree(stats, root, per, args.min_share)))
        print()


if __name__ == "__main__":
    main()
