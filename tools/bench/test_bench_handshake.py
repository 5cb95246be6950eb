"""Attested handshake benchmarks (pytest-benchmark; ``make bench``, never ``make test``).

Same run, medians (the ratio is printed at the end of the session by tools/bench/conftest.py):

* ``test_attested_ix_handshake``: a full peer handshake between two simulated SGX consensus
  enclaves (refimpl/enclave/channel.py): IX msg 1 with evidence, the responder's DCAP
  verification (PCK chain, CRLs, TCB info, QE identity, QE report, quote, policy) and key
  binding, msg 2, the initiator's verification, split.
* ``test_plain_ix_handshake_ours``: the same Noise IX handshake (refimpl/crypto/noise.py) with
  the same payload sizes but no verification.
* ``test_plain_ix_handshake_noiseprotocol``: the PyPI ``noiseprotocol`` IX handshake.
"""

from __future__ import annotations

from noise.connection import Keypair, NoiseConnection
from pytest_benchmark.fixture import BenchmarkFixture

from refimpl.crypto.noise import HandshakeState
from refimpl.enclave.channel import AttestedSession, peer_accept, peer_init
from refimpl.enclave.consensus_api import SimulatedNetwork
from refimpl.enclave.platform_sim import seeded_rng

NET = SimulatedNetwork.create(b"bench-handshake", 2)
VERIFIER = NET.verifier()
RID = "node2.bench.mobilecoin.test:8443"
RNG = seeded_rng(b"bench-handshake/ephemeral")
A, B = NET.locals
EVIDENCE_A, EVIDENCE_B = A.evidence.encode(), B.evidence.encode()


def _attested() -> tuple[AttestedSession, AttestedSession]:
    pending, m1 = peer_init(RID, A, VERIFIER, RNG)
    responder, m2 = peer_accept(RID, B, m1, VERIFIER, RNG)
    return pending.finish(m2), responder


def _plain_ours() -> bytes:
    ini = HandshakeState.initiator("IX", RID.encode(), A.static_private)
    res = HandshakeState.responder("IX", RID.encode(), B.static_private)
    ini, m1 = ini.write_message(EVIDENCE_A, RNG)
    res, _ = res.read_message(m1)
    res, m2 = res.write_message(EVIDENCE_B, RNG)
    ini, _ = ini.read_message(m2)
    return ini.transport().handshake_hash


def _plain_noiseprotocol() -> bytes:
    name = b"Noise_IX_25519_AESGCM_SHA512"
    ini, res = NoiseConnection.from_name(name), NoiseConnection.from_name(name)
    ini.set_as_initiator()
    res.set_as_responder()
    for conn, local in ((ini, A), (res, B)):
        conn.set_prologue(RID.encode())
        conn.set_keypair_from_private_bytes(Keypair.STATIC, local.static_private)
        conn.start_handshake()
    res.read_message(ini.write_message(EVIDENCE_A))
    ini.read_message(res.write_message(EVIDENCE_B))
    handshake_hash: bytes = ini.get_handshake_hash()
    return handshake_hash


def test_attested_ix_handshake(benchmark: BenchmarkFixture) -> None:
    initiator, responder = benchmark(_attested)
    assert initiator.channel_id == responder.channel_id
    assert getattr(initiator.peer_identity, "mr_enclave", None) == NET.enclaves[1].mrenclave


def test_plain_ix_handshake_ours(benchmark: BenchmarkFixture) -> None:
    assert len(benchmark(_plain_ours)) == 64


def test_plain_ix_handshake_noiseprotocol(benchmark: BenchmarkFixture) -> None:
    assert len(benchmark(_plain_noiseprotocol)) == 64
