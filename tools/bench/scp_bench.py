"""SCP simulator throughput: a 100-node mesh (threshold 67), 10 slots of 10 values each.

Prints messages processed per second and wall time per slot, as medians over ``--runs`` runs
(each with its own seed). The rate per core divides by the process's CPU time, so that other
load on a shared machine does not count against it; the wall-clock rate is printed beside it.
Usage::

    TMPDIR=.tmp .venv/bin/python tools/bench/scp_bench.py [--nodes 100] [--threshold 67]
        [--slots 10] [--values 10] [--runs 3]

Goal (issue 3): at least 20,000 messages per second per core. The same workload runs under
pytest-benchmark in tools/bench/test_bench_scp.py (``make bench``).
"""

from __future__ import annotations

import argparse
import statistics
import time

from refimpl.consensus.sim.network import SimConfig, SimResult, simulate
from refimpl.consensus.sim.topology import mesh


def bench_config(nodes: int = 100, threshold: int = 67, slots: int = 10, values: int = 10,
                 seed: int = 0) -> SimConfig:
    """The benchmark workload: no faults, every value proposed by about half the nodes."""
    return SimConfig(topology=mesh(nodes, threshold), slots=slots, values_per_slot=values,
                     seed=seed, label={"topology": "mesh", "nodes": nodes,
                                       "threshold": threshold})


def timed_run(config: SimConfig) -> tuple[SimResult, float, float]:
    """Run once; returns the result, wall seconds and CPU seconds of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = simulate(config)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--threshold", type=int, default=67)
    parser.add_argument("--slots", type=int, default=10)
    parser.add_argument("--values", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cpu_rates, wall_rates, per_slot = [], [], []
    for seed in range(args.runs):
        config = bench_config(args.nodes, args.threshold, args.slots, args.values, seed)
        result, wall, cpu = timed_run(config)
        assert result.agreement and result.all_externalized, "the benchmark run must finish"
        cpu_rates.append(result.messages / cpu)
        wall_rates.append(result.messages / wall)
        per_slot.append(wall / args.slots)
        print(f"run {seed}: {result.messages} messages, {wall:.2f} s wall, {cpu:.2f} s CPU "
              f"({cpu_rates[-1]:,.0f} msg/s per core, {wall_rates[-1]:,.0f} msg/s wall, "
              f"{per_slot[-1]:.3f} s/slot)", flush=True)
    print(f"median over {args.runs} runs: {statistics.median(cpu_rates):,.0f} messages/s per "
          f"core (CPU time), {statistics.median(wall_rates):,.0f} messages/s wall, "
          f"{statistics.median(per_slot):.3f} s wall time per slot "
          f"({args.nodes} nodes, threshold {args.threshold}, {args.slots} slots x "
          f"{args.values} values)")


if __name__ == "__main__":
    main()
