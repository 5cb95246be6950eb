"""Transaction verification benchmarks (issue 4; run by `make bench`, not by `make test`).

The workload of refimpl.vectors.tx_bench (``mcref bench tx`` prints the same steps as CPU-time
medians): a 1-input, ring-11, 2-output block-version-3 transaction. ``verify`` vs
``verify_baseline`` is the whole RingCT verification with the fastest multiscalar
multiplication vs the one-term-at-a-time libsodium loop (``mcref bench tx`` prints their
ratio, ``msm_speedup``, from one run).

Figures (medians, process CPU time via ``mcref bench tx``, with the C Keccak/STROBE and C
multiscalar multiplication) are kept in docs/ringct.md, beside what is native.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from refimpl.vectors.tx_bench import TxBenchWorkload


@cache
def workload() -> TxBenchWorkload:
    w = TxBenchWorkload()
    w.verify()
    return w


def test_tx_verify(benchmark: Any) -> None:
    benchmark(workload().verify)


def test_tx_verify_baseline_msm(benchmark: Any) -> None:
    benchmark(workload().verify_baseline)


def test_tx_validate_all_rules(benchmark: Any) -> None:
    benchmark(workload().validate)


def test_tx_prove(benchmark: Any) -> None:
    benchmark.pedantic(workload().prove, rounds=5, iterations=1)


def test_tx_signing_digest(benchmark: Any) -> None:
    benchmark(workload().signing_digest)


def test_tx_range_proof_prove(benchmark: Any) -> None:
    benchmark.pedantic(workload().range_proof_prove, rounds=5, iterations=1)


def test_tx_range_proof_verify(benchmark: Any) -> None:
    benchmark(workload().range_proof_verify)


def test_tx_range_proof_verify_baseline_msm(benchmark: Any) -> None:
    benchmark(workload().range_proof_verify_baseline)


def test_tx_mlsag_sign_ring_11(benchmark: Any) -> None:
    benchmark(workload().mlsag_sign)


def test_tx_mlsag_verify_ring_11(benchmark: Any) -> None:
    benchmark(workload().mlsag_verify)
