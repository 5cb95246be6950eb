"""Verification speed of this checkout against an older commit, in one session (issue 13).

``mcref bench tx`` compares ``verify_tx`` with ``verify_tx_baseline``, the old Python path kept
callable; both call the C primitives of *this* build, so a speed-up made inside those shows in
neither. This tool measures the old code whole, C included: it extracts ``--commit`` (default
78cfc9c, where issue 13 started) with ``git archive`` into a temporary directory, builds its C
extensions there (``setup.py build_ext --inplace``), then runs the same measurement in
alternating subprocesses, old and new, ``--pairs`` times: the 1-input ring-11 2-output
transaction of ``mcref bench tx`` (``verify_tx``) and a 100-transaction block of 10 distinct
transactions (one by one before issue 13, ``batch_verify.verify_batch`` after it), medians of
process CPU time over ``--rounds``. Prints JSON with the medians over pairs and the ratios.

    .venv/bin/python tools/bench_verify_vs_commit.py [--commit 78cfc9c] [--pairs 3] [--rounds 9]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Runs in either tree (only APIs that exist at both commits, batch_verify if present).
MEASURE = r"""
import json, statistics, sys, time
from refimpl.vectors.tx_fixtures import TxFixture, seeded_rng, sign_draft
from refimpl.transaction.rct_signature import verify_tx
try:
    from refimpl.transaction.batch_verify import verify_batch
except ImportError:
    verify_batch = None
rounds = int(sys.argv[1])
tx = sign_draft(TxFixture("mcref bench tx", 3).draft(num_inputs=1), "mcref bench tx signature")
distinct = [tx] + [
    sign_draft(TxFixture(f"mcref bench block {k}", 3).draft(num_inputs=1), f"mcref bench block {k}")
    for k in range(1, 10)
]
block = [distinct[i % 10] for i in range(100)]
rng = seeded_rng("mcref bench vs commit")

def single():
    verify_tx(tx, 3, rng)

def whole_block():
    if verify_batch is None:
        for t in block:
            verify_tx(t, 3, rng)
    elif not all(v.ok for v in verify_batch(block, 3, rng)):
        raise SystemExit("a block transaction does not verify")

single(); whole_block()
times = {"verify_ms": [], "block_verify_ms_per_tx": []}
for _ in range(rounds):
    start = time.process_time(); single()
    times["verify_ms"].append((time.process_time() - start) * 1e3)
    start = time.process_time(); whole_block()
    times["block_verify_ms_per_tx"].append((time.process_time() - start) * 1e3 / len(block))
print(json.dumps({k: statistics.median(v) for k, v in times.items()}))
"""


def _run(tree: Path | None, rounds: int) -> dict[str, float]:
    """One measurement in a subprocess: the old tree first on the path, or this checkout."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(rounds)],
        check=True, capture_output=True, text=True, env=env, cwd=tree or ROOT,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _extract_and_build(commit: str, where: Path) -> Path:
    tree = where / "tree"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--inplace"],
        cwd=tree, check=True, capture_output=True,
    )
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", default="78cfc9c")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mcref-bench-commit-") as tmp:
        tree = _extract_and_build(args.commit, Path(tmp))
        runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for _ in range(args.pairs):
            runs["before"].append(_run(tree, args.rounds))
            runs["after"].append(_run(None, args.rounds))
    medians = {
        f"{side}_{key}": round(statistics.median(r[key] for r in results), 3)
        for side, results in runs.items()
        for key in ("verify_ms", "block_verify_ms_per_tx")
    }
    report: dict[str, object] = {"commit": args.commit, "pairs": args.pairs,
                                 "rounds": args.rounds, "clock": "process CPU time", **medians}
    report["verify_speedup"] = round(medians["before_verify_ms"] / medians["after_verify_ms"], 3)
    report["block_speedup"] = round(
        medians["before_block_verify_ms_per_tx"] / medians["after_block_verify_ms_per_tx"], 3
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
