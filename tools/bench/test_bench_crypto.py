"""Crypto benchmarks (pytest-benchmark; run with ``make bench``, never by ``make test``).

Targets (the issue's): one 32-byte append plus one 32-byte challenge on a live Merlin
transcript in at most 0.25 ms median. merlin-transcripts is measured in the same run so the
ratio can be quoted (printed at the end of the session by tools/bench/conftest.py).
"""

from __future__ import annotations

import random

import pytest
from merlin_transcripts import MerlinTranscript
from pytest_benchmark.fixture import BenchmarkFixture

from refimpl.crypto.hashing import HASH_TO_POINT_DOMAIN_TAG, hash_to_point
from refimpl.crypto.keccak import keccak_f1600_lanes
from refimpl.crypto.merlin import Transcript
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.crypto.schnorrkel import sign, verify

MERLIN_TARGET_SECONDS = 0.25e-3
_rng = random.Random(20261122)
SCALAR = Scalar(_rng.getrandbits(256))
POINT = Point.mul_base(Scalar(_rng.getrandbits(256)))
MESSAGE = bytes(32)


def _median(benchmark: BenchmarkFixture) -> float | None:
    stats = benchmark.stats
    return None if stats is None or not stats.stats.rounds else float(stats.stats.median)


def test_ristretto_base_mul(benchmark: BenchmarkFixture) -> None:
    assert benchmark(Point.mul_base, SCALAR) == Point.mul_base(SCALAR)


def test_ristretto_variable_base_mul(benchmark: BenchmarkFixture) -> None:
    assert benchmark(lambda: POINT * SCALAR) == POINT * SCALAR


def test_hash_to_point(benchmark: BenchmarkFixture) -> None:
    result = benchmark(hash_to_point, HASH_TO_POINT_DOMAIN_TAG, MESSAGE)
    assert result == hash_to_point(HASH_TO_POINT_DOMAIN_TAG, MESSAGE)


def test_keccak_f1600(benchmark: BenchmarkFixture) -> None:
    lanes = [_rng.getrandbits(64) for _ in range(25)]
    assert len(benchmark(keccak_f1600_lanes, lanes)) == 25


def test_merlin_append_challenge_ours(benchmark: BenchmarkFixture) -> None:
    transcript = Transcript(b"bench")

    def step() -> bytes:
        transcript.append_message(b"label", MESSAGE)
        return transcript.challenge_bytes(b"challenge", 32)

    assert len(benchmark(step)) == 32
    median = _median(benchmark)
    if median is not None:
        assert median <= MERLIN_TARGET_SECONDS, f"median {median * 1e3:.3f} ms > 0.25 ms"


def test_merlin_append_challenge_merlin_transcripts(benchmark: BenchmarkFixture) -> None:
    transcript = MerlinTranscript(b"bench")

    def step() -> bytes:
        transcript.append_message(b"label", MESSAGE)
        return bytes(transcript.challenge_bytes(b"challenge", 32))

    assert len(benchmark(step)) == 32


def test_schnorrkel_sign(benchmark: BenchmarkFixture) -> None:
    assert len(benchmark(sign, SCALAR, b"context", MESSAGE)) == 64


def test_schnorrkel_verify(benchmark: BenchmarkFixture) -> None:
    public = Point.mul_base(SCALAR)
    signature = sign(SCALAR, b"context", MESSAGE)
    benchmark(verify, public, b"context", MESSAGE, signature)


@pytest.mark.parametrize("length", [32, 1024])
def test_merlin_append_only(benchmark: BenchmarkFixture, length: int) -> None:
    transcript = Transcript(b"bench")
    data = bytes(length)
    benchmark(transcript.append_message, b"data", data)
