"""Benchmark (``make bench``, not a timed test): the SCP simulator on a 100-node mesh.

100 nodes, each trusting 67 of the other 99, 10 slots of 10 values each, no faults. Reports the
median wall time of a run (pytest-benchmark) and, in ``extra_info``, messages processed per
CPU second (per core) and wall time per slot. Goal (issue 3): >= 20,000 messages per second
per core.
``tools/bench/scp_bench.py`` prints the same figures as medians without pytest.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from scp_bench import bench_config, timed_run  # noqa: E402

SLOTS = 10


def test_bench_scp_mesh_100_nodes(benchmark: Any) -> None:
    seeds = iter(range(1000))
    rates: list[float] = []
    per_slot: list[float] = []

    def one_run() -> None:
        result, wall, cpu = timed_run(bench_config(slots=SLOTS, seed=next(seeds)))
        assert result.agreement and result.all_externalized
        rates.append(result.messages / cpu)
        per_slot.append(wall / SLOTS)

    benchmark.pedantic(one_run, rounds=3, iterations=1)
    rates.sort()
    per_slot.sort()
    benchmark.extra_info["messages_per_cpu_second_median"] = round(rates[len(rates) // 2])
    benchmark.extra_info["wall_seconds_per_slot_median"] = round(per_slot[len(per_slot) // 2], 4)
