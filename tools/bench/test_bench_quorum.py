"""Benchmarks (``make bench``, not timed tests): quorum intersection on Stellar 2025.

Medians of the whole ``mcref quorum check`` command as a subprocess, of the intersection check
alone and of the minimum blocking set alone. Goals (issue 7): whole command <= 1 s, check <=
20 ms, minimal blocking set <= 1 s; anchor python-fbas at 0.46 s, 36 ms and 5.5 s.
``tools/bench/quorum_bench.py`` prints the same medians without pytest.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from quorum_bench import (  # noqa: E402
    STELLAR_2025,
    blocking_alone,
    check_alone,
    whole_command,
)

from refimpl.formal.fbas_model import Fbas, load_stellarbeat  # noqa: E402


@pytest.fixture(scope="module")
def stellar_2025() -> Fbas:
    return load_stellarbeat(STELLAR_2025)


def test_bench_quorum_whole_command(benchmark: Any) -> None:
    benchmark.pedantic(whole_command, rounds=7, iterations=1, warmup_rounds=1)


def test_bench_quorum_check_alone(benchmark: Any, stellar_2025: Fbas) -> None:
    benchmark.pedantic(check_alone, args=(stellar_2025,), rounds=30, iterations=1,
                       warmup_rounds=2)


def test_bench_quorum_minimal_blocking_set(benchmark: Any, stellar_2025: Fbas) -> None:
    benchmark.pedantic(blocking_alone, args=(stellar_2025,), rounds=30, iterations=1,
                       warmup_rounds=2)
