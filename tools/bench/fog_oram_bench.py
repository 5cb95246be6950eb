"""Fog ORAM benchmark workloads: lookups in view-shaped oblivious maps against a plain dict.

The fog view store keeps ETxOutRecords in an oblivious map of 16-byte keys and 240-byte values
(MobileCoin ``fog/view/enclave/impl/src/e_tx_out_store.rs``; four records per 1024-byte ORAM
block). A lookup reads one bucket of each of the map's two Path ORAMs whatever the key, so its
cost is set by the capacity (ORAM height 11 at 2^16, 15 at 2^20) and not by the fill;
:func:`bench_view_lookup` (``refimpl/fog/oram/bench.py``, also for ``mcref bench``) measures
an empty map and a filled one to show it.

Run by ``make bench`` through tools/bench/test_bench_fog_oram.py; ``python
tools/bench/fog_oram_bench.py [records] [lookups]`` prints the figures for both capacities.
"""

from __future__ import annotations

import json
import sys

from refimpl.fog.oram.bench import bench_view_lookup, view_map

CAPACITIES = (1 << 16, 1 << 20)
RECORDS = 1 << 12  # records stored before timing lookups (fill cost ~ records x insert time)

__all__ = ["CAPACITIES", "RECORDS", "bench_view_lookup", "view_map"]


def main(argv: list[str]) -> int:
    records = int(argv[0]) if argv else RECORDS
    lookups = int(argv[1]) if len(argv) > 1 else 200
    for capacity in CAPACITIES:
        print(json.dumps(bench_view_lookup(capacity, records, lookups)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
