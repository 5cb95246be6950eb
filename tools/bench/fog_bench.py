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

import sys

from refimpl.cli import main as cli_main


def main(argv: list[str]) -> int:
    """``mcref bench fog`` with these arguments (one implementation of the report)."""
    return cli_main(["bench", "fog", *argv])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
