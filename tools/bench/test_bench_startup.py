"""Benchmarks (``make bench``): whole-process start-up of ``mcref`` commands.

Each benchmark starts one process per round (tools/bench/startup_bench.py has the command
list and prints CPU medians and ratios without pytest); the extra info holds the median CPU
seconds the kernel charged the process. ``mcref quorum check`` on the Stellar 2025 snapshot must
stay under 0.5 s of CPU (issue 16); figures in docs/architecture.md ("Start-up").
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from startup_bench import COMMANDS, command_line, environment, run_once  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
QUORUM_CHECK = "mcref quorum check <stellar 2025>"


@pytest.mark.parametrize(("label", "argv", "code"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_bench_startup(benchmark: Any, label: str, argv: list[str], code: str | None) -> None:
    cmd = command_line(argv, code, None)
    env = environment(None)
    cpu: list[float] = []

    def one() -> None:
        cpu.append(run_once(cmd, env, ROOT)[0])

    benchmark.pedantic(one, rounds=7, iterations=1, warmup_rounds=1)
    benchmark.extra_info["cpu_median_s"] = round(statistics.median(cpu), 3)
    if label == QUORUM_CHECK:
        assert statistics.median(cpu) < 0.5, cpu
