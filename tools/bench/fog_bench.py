"""Fog benchmarks in one run (issue 11): view query latency, ingest throughput, ORAM cost.

The measuring code is ``refimpl/fog/bench.py`` (also ``mcref bench fog``): a single-key view
query over gRPC and the attested NX channel against an in-process view store at oblivious-map
capacities 2^16 and 2^20 and through a router over two stores, with its p50 against
MobileCoin's 0.14 s; ``IngestEnclave.ingest_txs`` TxOuts/s at the local network's and
MobileCoin's default user capacity; an ORAM lookup against a dict lookup
(:func:`refimpl.fog.oram.bench.bench_view_lookup`). Medians and ratios, the load average noted.

``.venv/bin/python tools/bench/fog_bench.py [--quick] [--json]``: ``--quick`` runs in well under
a minute; the full run takes a few minutes. ``make bench`` runs tools/bench/test_bench_fog.py.
"""

from __future__ import annotations

import argparse
import sys

from refimpl.cli.output import print_json, print_table
from refimpl.fog.bench import FULL, QUICK, report_rows, run_fog_bench


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer records, queries, chunks")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = run_fog_bench(QUICK if args.quick else FULL,
                           progress=lambda step: print(f"fog bench: {step}", file=sys.stderr))
    if args.json:
        print_json(report)
    else:
        print_table(["measure", "value"], report_rows(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
