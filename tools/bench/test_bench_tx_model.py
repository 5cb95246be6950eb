"""Benchmarks of the transaction model and builder (run by `make bench`, not by `make test`).

A 1-input (ring size 11), 2-output transaction (payment + change) at block versions 2 and 3:
building and signing it (decoy picking, outputs with memos, range proof, MLSAG), its hashes,
its protobuf encoding and decoding, the v3 MLSAG signing digest, and the RingCT signature
check alone (``rct_signature.verify_tx``; the full validation benchmark is ``mcref bench tx``).

CPU-time medians on the shared 2-core machine (2026-11-22, time.process_time; wall-clock medians
from pytest-benchmark were 5-8x higher under contention from other jobs): build 110 ms (v2 and
v3), RingCT verify 27 ms, Tx.hash 13 ms, TxPrefix.hash 11 ms, protobuf decode 0.9 ms, encode
0.16 ms. Hashing (pure-Python Keccak-f behind Merlin, ~450 appends for 13 TxOuts) is about half
of the verification time; the range-proof check is most of the rest.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from refimpl.account.keys import AccountKey
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import Scalar
from refimpl.transaction.amount import Amount
from refimpl.transaction.builder import (
    OutputRequest,
    OwnedInput,
    RingCandidate,
    TransactionBuilder,
)
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.rct_signature import verify_tx
from refimpl.transaction.signing_digest import compute_mlsag_signing_digest
from refimpl.transaction.tx import Tx
from refimpl.transaction.tx_out import TxOut

SENDER = AccountKey.from_root_entropy(bytes([1]) * 32)
RECIPIENT = AccountKey.from_root_entropy(bytes([2]) * 32).default_subaddress()
DECOYS = AccountKey.from_root_entropy(bytes([3]) * 32).default_subaddress()


@cache
def _builder(version: int) -> TransactionBuilder:
    rng = std_rng_from_seed(bytes([version]) * 32)

    def out(amount: int, to: Any) -> TxOut:
        return TxOut.new(version, Amount(amount), to, Scalar.random(rng), EncryptedFogHint.zero())

    return TransactionBuilder(
        block_version=version,
        sender=SENDER,
        inputs=[OwnedInput(out(10**12, SENDER.default_subaddress()), 0)],
        ring_candidates=[RingCandidate(out(5, DECOYS)) for _ in range(10)],
        outputs=[OutputRequest(RECIPIENT, Amount(10**11))],
        fee=400_000_000,
        tombstone_block=100,
    )


@cache
def _tx(version: int) -> Tx:
    return _builder(version).build(std_rng_from_seed(bytes(32)))


def _build(version: int) -> Tx:
    return _builder(version).build(std_rng_from_seed(bytes(32)))


def test_build_1_input_ring_11_2_outputs_v2(benchmark: Any) -> None:
    benchmark.pedantic(_build, args=(2,), rounds=5, iterations=1)


def test_build_1_input_ring_11_2_outputs_v3(benchmark: Any) -> None:
    benchmark.pedantic(_build, args=(3,), rounds=5, iterations=1)


def test_verify_rct_signature_v3(benchmark: Any) -> None:
    tx = _tx(3)
    benchmark.pedantic(verify_tx, args=(tx, 3, std_rng_from_seed(bytes(32))), rounds=10,
                       iterations=1)


def test_tx_hash_v3(benchmark: Any) -> None:
    benchmark(_tx(3).hash)


def test_prefix_hash_v3(benchmark: Any) -> None:
    benchmark(_tx(3).prefix.hash)


def test_signing_digest_v3(benchmark: Any) -> None:
    tx = _tx(3)
    sig = tx.signature
    benchmark(compute_mlsag_signing_digest, 3, tx.prefix, sig.pseudo_output_commitments,
              sig.range_proof_bytes, sig.range_proofs)


def test_protobuf_encode_v3(benchmark: Any) -> None:
    benchmark(_tx(3).to_protobuf)


def test_protobuf_decode_v3(benchmark: Any) -> None:
    benchmark(Tx.from_protobuf, _tx(3).to_protobuf())
