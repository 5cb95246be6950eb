"""SCP simulator throughput: a 100-node mesh (threshold 67), 10 slots of 10 values each.

Prints messages processed per second and wall time per slot, as medians over ``--runs`` runs
(each with its own seed). Usage::

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


def timed_run(config: SimConfig) -> tuple[SimResult, float]:
    started = time.perf_counter()
    result = simulate(config)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--threshold", type=int, default=67)
    parser.add_argument("--slots", type=int, default=10)
    parser.add_argument("--values", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rates, per_slot = [], []
    for seed in range(args.runs):
        config = bench_config(args.nodes, args.threshold, args.slots, args.values, seed)
        result, seconds = timed_run(config)
        assert result.agreement and result.all_externalized, "the benchmark run must finish"
        rates.append(result.messages / seconds)
        per_slot.append(seconds / args.slots)
        print(f"run {seed}: {result.messages} messages in {seconds:.2f} s "
              f"({rates[-1]:,.0f} msg/s, {per_slot[-1]:.3f} s/slot)", flush=True)
    print(f"median over {args.runs} runs: {statistics.median(rates):,.0f} messages/s, "
          f"{statistics.median(per_slot):.3f} s wall time per slot "
          f"({args.nodes} nodes, threshold {args.threshold}, {args.slots} slots x "
          f"{args.values} values)")


if __name__ == "__main__":
    main()
