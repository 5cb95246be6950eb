"""bench_view_lookup returns the documented figures (refimpl/fog/oram/bench.py)."""

from __future__ import annotations

import pytest

from refimpl.errors import FogError
from refimpl.fog.oram.bench import bench_view_lookup, view_map
from refimpl.fog.oram.omap import OMAP_FOUND


def test_bench_view_lookup_small() -> None:
    result = bench_view_lookup(64, 8, 5)
    assert result["capacity"] == 64 and result["records"] == 8 and result["lookups"] == 5
    assert result["lookups_correct"] is True
    assert result["omap_median_ms"] > 0 and result["omap_empty_median_ms"] > 0
    assert result["dict_median_us"] > 0 and result["ratio"] >= 1
    assert result["oram_height"] == 1  # 8 buckets of 4 records per ORAM: height log2(8) - 2


def test_view_map_holds_its_records() -> None:
    omap, records = view_map(64, 10, seed=3)
    assert len(records) == 10 and len(omap) == 10
    assert all(omap.read(key) == (OMAP_FOUND, value) for key, value in records.items())


@pytest.mark.parametrize("args", [(0, 1, 1), (64, 0, 1), (64, 1, 0)])
def test_bench_rejects_empty_workloads(args: tuple[int, int, int]) -> None:
    with pytest.raises(FogError) as caught:
        bench_view_lookup(*args)
    assert caught.value.code == "fog.oram_bad_input"
