"""Benchmarks of the simulated SGX platform (run by `make bench`, not by `make test`).

Medians on the shared 2-core development machine (2026-11-22, two runs of
``.venv/bin/python -m pytest -q tools/bench/test_bench_attest_sim.py --benchmark-only``):
a quote 104-169 us (two deterministic ECDSA-P256 signatures and assembly), evidence with
encoding 118-208 us, a whole platform (PKI, PCK leaf, CRLs, signed TCB info and QE identity)
1.2-1.9 ms.
"""

from __future__ import annotations

from typing import Any

from refimpl.enclave.evidence import ReportDataContents
from refimpl.enclave.platform_sim import SimulatedEnclave, SimulatedPlatform, seeded_rng

PLATFORM = SimulatedPlatform.create(seeded_rng(b"bench platform"))
ENCLAVE = SimulatedEnclave(b"consensus enclave", b"config", b"signer", PLATFORM)
CONTENTS = ReportDataContents(nonce=bytes(16), key=bytes(range(32)))


def test_quote_generation(benchmark: Any) -> None:  # two ECDSA-P256 signatures + assembly
    quote = benchmark(ENCLAVE.quote, CONTENTS.report_data())
    assert quote[368:432] == CONTENTS.report_data()


def test_evidence_generation_and_encoding(benchmark: Any) -> None:
    encoded = benchmark(lambda: ENCLAVE.evidence(CONTENTS).encode())
    assert len(encoded) > 4000


def test_platform_creation(benchmark: Any) -> None:  # 5 keys, 4 certificates, 2 CRLs, 2 documents
    platform = benchmark(lambda: SimulatedPlatform.create(seeded_rng(b"bench platform")))
    assert platform.collateral == PLATFORM.collateral
