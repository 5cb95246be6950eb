"""Fog ORAM benchmarks (run by `make bench`, not by `make test`).

Lookup latency in view-shaped oblivious maps (16-byte keys, 240-byte values, as the fog view
store) of capacity 2^16 and 2^20, each holding RECORDS records (tools/bench/fog_oram_bench.py),
and a plain dict lookup of the same records. Goal: a 2^20 lookup well under 50 ms median.
``extra_info`` carries the ratio to the dict median measured in the same run.
"""

from __future__ import annotations

import statistics
import sys
import time
from itertools import cycle
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fog_oram_bench import RECORDS, view_map  # noqa: E402

from refimpl.fog.oram.omap import OMAP_FOUND, ObliviousMap  # noqa: E402

TARGET_2_20_SECONDS = 50e-3
_maps: dict[int, tuple[ObliviousMap, dict[bytes, bytes]]] = {}


def filled(capacity: int) -> tuple[ObliviousMap, dict[bytes, bytes]]:
    if capacity not in _maps:
        _maps[capacity] = view_map(capacity, RECORDS)
    return _maps[capacity]


def dict_lookup_seconds(records: dict[bytes, bytes]) -> float:
    keys = list(records)[:1000]
    batches = []
    for _ in range(50):
        start = time.perf_counter()
        for key in keys:
            records[key]
        batches.append((time.perf_counter() - start) / len(keys))
    return statistics.median(batches)


def _median(benchmark: Any) -> float | None:
    stats = benchmark.stats
    return None if stats is None or not stats.stats.rounds else float(stats.stats.median)


@pytest.mark.parametrize("log2_capacity", [16, 20])
def test_view_omap_lookup(benchmark: Any, log2_capacity: int) -> None:
    omap, records = filled(1 << log2_capacity)
    keys = cycle(list(records))
    code, _ = benchmark(lambda: omap.read(next(keys)))
    assert code == OMAP_FOUND
    benchmark.extra_info["records"] = len(records)
    benchmark.extra_info["oram_height"] = omap.oram1.height
    median = _median(benchmark)
    if median is not None:
        benchmark.extra_info["ratio_to_dict"] = round(median / dict_lookup_seconds(records))
        if log2_capacity == 20:
            assert median < TARGET_2_20_SECONDS, f"median {median * 1e3:.1f} ms >= 50 ms"


def test_view_dict_lookup(benchmark: Any) -> None:
    _, records = filled(1 << 16)
    keys = cycle(list(records))
    assert len(benchmark(lambda: records[next(keys)])) == 240
