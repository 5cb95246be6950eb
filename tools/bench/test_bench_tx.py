"""Transaction verification benchmarks (issues 4 and 13; run by `make bench`, not `make test`).

The workload of refimpl.vectors.tx_bench (``mcref bench tx`` prints the same steps as CPU-time
medians): a 1-input, ring-11, 2-output block-version-3 transaction. ``verify`` is the RingCT
verification as ``verify_tx`` does it now, ``verify_baseline`` the code path before issue 13
(``verify_tx_baseline``; ``mcref bench tx`` prints their ratio, ``verify_speedup``),
``verify_libsodium_msm`` that baseline with the one-term-at-a-time libsodium multiscalar
multiplication (``msm_speedup`` = libsodium / baseline). ``block_verify_100`` verifies a
100-transaction block in one batch (refimpl/transaction/batch_verify.py), its baseline the same
100 one after the other (``block_speedup``). No timing is asserted here.

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


def test_tx_verify_baseline(benchmark: Any) -> None:
    benchmark(workload().verify_baseline)


def test_tx_verify_libsodium_msm(benchmark: Any) -> None:
    benchmark.pedantic(workload().verify_libsodium, rounds=5, iterations=1)


def test_tx_block_verify_100(benchmark: Any) -> None:
    benchmark.pedantic(workload().verify_block, rounds=5, iterations=1, warmup_rounds=1)


def test_tx_block_verify_100_baseline(benchmark: Any) -> None:
    benchmark.pedantic(workload().verify_block_baseline, rounds=5, iterations=1)


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


def test_tx_mlsag_verify_ring_11_baseline(benchmark: Any) -> None:
    benchmark(workload().mlsag_verify_baseline)
