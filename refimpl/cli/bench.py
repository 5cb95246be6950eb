"""``mcref bench tx [--json] [--rounds N]``: the transaction benchmark (issue 4, "Must show");
``mcref bench fog [--json] [--quick]``: the fog benchmarks (refimpl/fog/bench.py).

Runs refimpl.vectors.tx_bench.measure (a 1-input, ring-11, 2-output block-version-3
transaction; medians in milliseconds): ``verify_ms`` and ``baseline_verify_ms`` (the code path
before issue 13, timed in the same run) with their ratio ``verify_speedup``;
``block_verify_ms_per_tx`` and ``baseline_block_verify_ms_per_tx`` for a 100-transaction block
(one batch vs one by one) with ``block_speedup``; ``msm_speedup``, the C multiscalar
multiplication against the one-term-at-a-time libsodium loop on the baseline path; and the
parts. ``--json`` prints the document, otherwise a table.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from refimpl.cli.output import print_json, print_table
from refimpl.errors import CliError


def register(sub: Any) -> None:
    bench = sub.add_parser("bench", help="benchmarks")
    bench_sub = bench.add_subparsers(dest="bench_command", required=True)
    tx = bench_sub.add_parser("tx", help="transaction verify/prove medians")
    tx.add_argument("--json", action="store_true", help="print the medians as JSON")
    tx.add_argument("--rounds", type=int, default=7, help="timed runs per step (default 7)")
    tx.set_defaults(handler=_bench_tx)
    fog = bench_sub.add_parser("fog", help="fog view query latency, ingest throughput, ORAM cost")
    fog.add_argument("--json", action="store_true", help="print the report as JSON")
    fog.add_argument("--quick", action="store_true", help="fewer records, queries and chunks")
    fog.set_defaults(handler=_bench_fog)


def _bench_tx(args: argparse.Namespace) -> int:
    from refimpl.vectors.tx_bench import measure

    if not 1 <= args.rounds <= 1000:
        raise CliError("cli.usage", "--rounds must be in 1..1000")
    result = measure(args.rounds)
    if args.json:
        print_json(result)
    else:
        print_table(["measure", "value"], [[k, v] for k, v in result.items()])
    return 0


def _bench_fog(args: argparse.Namespace) -> int:
    from refimpl.fog.bench import FULL, QUICK, report_rows, run_fog_bench

    report = run_fog_bench(QUICK if args.quick else FULL,
                           progress=lambda step: print(f"fog bench: {step}", file=sys.stderr))
    if args.json:
        print_json(report)
    else:
        print_table(["measure", "value"], report_rows(report))
    return 0
