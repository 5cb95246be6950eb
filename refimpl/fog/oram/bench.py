"""Lookup latency of a view-shaped oblivious map against a plain dict (no CLI, no pytest).

The fog view store keeps ETxOutRecords in an oblivious map of 16-byte search keys and 240-byte
values (MobileCoin ``fog/view/enclave/impl/src/e_tx_out_store.rs``). A lookup accesses one
bucket in each of the map's two Path ORAMs, so its cost is set by the capacity (the ORAM
height) and not by how many records are stored; :func:`bench_view_lookup` measures it on an
empty map and again after filling, which shows that. Called by ``tools/bench`` and meant for
``mcref bench``.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from refimpl.errors import FogError
from refimpl.fog.oram.omap import OMAP_FOUND, ObliviousMap

VIEW_KEY_SIZE = 16
VIEW_VALUE_SIZE = 240
_DICT_BATCH = 1000


def view_map(capacity: int, records: int, seed: int = 1) -> tuple[ObliviousMap, dict[bytes, bytes]]:
    """A view-shaped map of ``capacity`` holding ``records`` random records, and the records."""
    source = random.Random(seed)
    omap = ObliviousMap(capacity, VIEW_KEY_SIZE, VIEW_VALUE_SIZE, rng=source.randbytes)
    stored = {}
    for _ in range(records):
        key, value = source.randbytes(VIEW_KEY_SIZE), source.randbytes(VIEW_VALUE_SIZE)
        omap.vartime_write(key, value, True)
        stored[key] = value
    return omap, stored


def _lookup_times_ms(omap: ObliviousMap, keys: list[bytes], lookups: int) -> list[float]:
    times = []
    for i in range(lookups):
        key = keys[i % len(keys)]
        start = time.perf_counter()
        omap.read(key)
        times.append((time.perf_counter() - start) * 1e3)
    return times


def bench_view_lookup(capacity: int, records: int, lookups: int) -> dict[str, Any]:
    """Median lookup latency (ms) of a view-shaped map of ``capacity`` before and after
    storing ``records`` records, the median per-lookup time (µs) of a dict holding the same
    records, and the ratio of the two medians."""
    if capacity < 1 or records < 1 or lookups < 1:
        raise FogError("fog.oram_bad_input", "capacity, records and lookups must be positive")
    source = random.Random(2)
    empty = ObliviousMap(capacity, VIEW_KEY_SIZE, VIEW_VALUE_SIZE, rng=source.randbytes)
    absent = [source.randbytes(VIEW_KEY_SIZE) for _ in range(lookups)]
    empty_ms = statistics.median(_lookup_times_ms(empty, absent, lookups))

    start = time.perf_counter()
    omap, plain = view_map(capacity, records)
    fill_s = time.perf_counter() - start
    keys = list(plain)
    checked = keys[:16]
    correct = all(omap.read(key) == (OMAP_FOUND, plain[key]) for key in checked)
    filled_ms = statistics.median(_lookup_times_ms(omap, keys, lookups))

    batches = []
    probe = [keys[i % len(keys)] for i in range(_DICT_BATCH)]
    for _ in range(max(5, lookups // 10)):
        start = time.perf_counter()
        for key in probe:
            plain[key]
        batches.append((time.perf_counter() - start) / _DICT_BATCH * 1e6)
    dict_us = statistics.median(batches)
    return {
        "capacity": omap.capacity,
        "records": records,
        "lookups": lookups,
        "oram_height": omap.oram1.height,
        "untrusted_levels": omap.oram1.storage.untrusted_levels,
        "fill_s": round(fill_s, 3),
        "lookups_correct": correct,
        "omap_empty_median_ms": round(empty_ms, 3),
        "omap_median_ms": round(filled_ms, 3),
        "dict_median_us": round(dict_us, 4),
        "ratio": round(filled_ms * 1e3 / dict_us),
    }
