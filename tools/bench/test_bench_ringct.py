"""RingCT crypto benchmarks (pytest-benchmark; ``make bench``, never ``make test``).

* MLSAG sign and verify at ring size 11 (MobileCoin ``ring_signature/mlsag*.rs``);
* prove and verify one aggregated 2x64-bit range proof (``range_proofs/mod.rs``), and batch
  verification of two;
* multiscalar multiplication of 128/256/512 terms with each implementation of
  refimpl/crypto/msm.py, and with the C fixed-base table (all points fixed, table prebuilt).
  The speed-up of each over the libsodium loop (the one-at-a-time baseline) is printed at the
  end of this module from the medians of the same run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from refimpl.crypto import bulletproofs as bp
from refimpl.crypto import msm
from refimpl.crypto.pedersen import commit, value_generator
from refimpl.crypto.ring_signature import sign, verify
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.crypto.rng import Hc128Rng

_rng = Hc128Rng.from_seed(b"mcref ringct benchmarks".ljust(32, b"\0"))
H0 = value_generator(0)
MESSAGE = bytes(range(32))
_MEDIANS: dict[str, float] = {}


def _median(benchmark: BenchmarkFixture) -> float | None:
    stats = benchmark.stats
    return None if stats is None or not stats.stats.rounds else float(stats.stats.median)


def _ring_11() -> tuple[list[tuple[Point, Point]], Scalar, Scalar, Scalar, Point]:
    ring = [(Point.random(_rng), Point.random(_rng)) for _ in range(11)]
    x, b, pb = Scalar.random(_rng), Scalar.random(_rng), Scalar.random(_rng)
    ring[5] = (Point.mul_base(x), commit(1234, b, 0))
    return ring, x, b, pb, commit(1234, pb, 0)


RING, X, B, PB, PSEUDO = _ring_11()
SIG = sign(MESSAGE, RING, 5, X, 1234, B, PB, H0, _rng)


def test_mlsag_sign_ring_11(benchmark: BenchmarkFixture) -> None:
    sig = benchmark(sign, MESSAGE, RING, 5, X, 1234, B, PB, H0, _rng)
    verify(sig, MESSAGE, RING, PSEUDO)


def test_mlsag_verify_ring_11(benchmark: BenchmarkFixture) -> None:
    benchmark(verify, SIG, MESSAGE, RING, PSEUDO)


BLINDINGS = [Scalar.random(_rng), Scalar.random(_rng)]
PROOF, COMMITMENTS = bp.prove_multiple([1_000_000, 2**64 - 1], BLINDINGS, H0, _rng)


def test_range_proof_prove_2x64(benchmark: BenchmarkFixture) -> None:
    proof, _ = benchmark(bp.prove_multiple, [1_000_000, 2**64 - 1], BLINDINGS, H0, _rng)
    assert len(proof) == bp.proof_length(2)


def test_range_proof_verify_2x64(benchmark: BenchmarkFixture) -> None:
    benchmark(bp.verify_multiple, PROOF, COMMITMENTS, H0, _rng)


def test_range_proof_batch_verify_two_2x64(benchmark: BenchmarkFixture) -> None:
    items = [(PROOF, COMMITMENTS, H0), (PROOF, COMMITMENTS, H0)]
    benchmark(bp.batch_verify, items, _rng)


def _msm_inputs(n: int) -> tuple[list[int], list[Point]]:
    return [Scalar.random(_rng).value for _ in range(n)], [Point.random(_rng) for _ in range(n)]


MSM_INPUTS = {n: _msm_inputs(n) for n in (128, 256, 512)}


@pytest.mark.parametrize("n", [128, 256, 512])
@pytest.mark.parametrize("impl", sorted(msm.IMPLEMENTATIONS))
def test_msm(benchmark: BenchmarkFixture, impl: str, n: int) -> None:
    if impl == "python" and n > 128:
        pytest.skip("pure Python is measured at 128 terms only (tens of ms per call)")
    scalars, points = MSM_INPUTS[n]
    expected = msm.msm_naive(scalars, points)
    assert benchmark(msm.IMPLEMENTATIONS[impl], scalars, points) == expected
    median = _median(benchmark)
    if median is not None:
        _MEDIANS[f"{impl}:{n}"] = median


@pytest.mark.parametrize("n", [128, 256, 512])
def test_msm_fixed_table(benchmark: BenchmarkFixture, n: int) -> None:
    """The same sums with every point a fixed base (precomputed table, built before timing):
    the Bulletproofs generators' case."""
    if not msm.native_available():
        pytest.skip("fixed-base tables need the C extension")
    scalars, points = MSM_INPUTS[n]
    bases = msm.FixedBases(points)
    bases.table()
    result = benchmark(msm.multiscalar_mul_fixed, bases, scalars, [], [])
    assert result == msm.msm_naive(scalars, points)
    median = _median(benchmark)
    if median is not None:
        _MEDIANS[f"native-table:{n}"] = median


@pytest.fixture(scope="module", autouse=True)
def _report_ratios(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():  # teardown output is captured otherwise
        reporter.write_line("")
        for key, median in sorted(_MEDIANS.items()):
            impl, n = key.split(":")
            base = _MEDIANS.get(f"naive:{n}")
            if base:
                reporter.write_line(
                    f"MSM {n} terms: {impl} {median * 1e3:.3f} ms median, {base / median:.2f}x "
                    f"the libsodium one-at-a-time baseline ({base * 1e3:.3f} ms)"
                )
