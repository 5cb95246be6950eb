"""Transaction verification benchmarks (issue 4; run by `make bench`, not by `make test`).

The workload of refimpl.vectors.tx_bench (``mcref bench tx`` prints the same steps as CPU-time
medians): a 1-input, ring-11, 2-output block-version-3 transaction. ``verify`` vs
``verify_baseline`` is the whole RingCT verification with the fastest multiscalar
multiplication vs the one-term-at-a-time libsodium loop (``mcref bench tx`` prints their
ratio, ``msm_speedup``, from one run).

Medians on the shared 2-core machine (2026-11-22, process CPU time via ``mcref bench tx``):
verify 48 ms (of which the signing digest, Merlin over the prefix, 36 ms; the range proof of 3
commitments 8.4 ms; the MLSAG 3.6 ms), baseline verify 78 ms (x1.6; range proof alone 38 ms,
x4.6), validate (all 16 rules) 60 ms, prove 112 ms, MLSAG sign 3.9 ms.
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
