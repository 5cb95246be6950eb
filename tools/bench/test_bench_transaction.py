"""Benchmarks of the transaction and ledger layers (run by `make bench`, not by `make test`).

Medians measured on the shared 2-core development machine (2026-11-22): view_key_match 0.17 ms,
TxOut.new at v1 0.52 ms, TxOut.hash 1.1 ms, BlockContents.hash of 25 v1 outputs 37 ms, the
whole digestible block KAT (origin + 6 child blocks, 155 outputs) 0.63 s. Hashing is dominated
by the pure-Python Keccak-f behind Merlin; group operations go through libsodium.
"""

from __future__ import annotations

import random
from typing import Any

from refimpl.account.keys import AccountKey
from refimpl.crypto.ristretto import Scalar
from refimpl.ledger.block import BlockContents
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.tx_out import TxOut
from refimpl.vectors.runner import run_file

ACCOUNT = AccountKey(Scalar(12345), Scalar(67890))
ADDRESS = ACCOUNT.default_subaddress()
RNG = random.Random(0).randbytes


def _tx_out(version: int) -> TxOut:
    hint = EncryptedFogHint.fake_onetime_hint(RNG)
    return TxOut.new(version, Amount(50, 0), ADDRESS, Scalar.random(RNG), hint)


def test_tx_out_new_v1(benchmark: Any) -> None:
    benchmark(_tx_out, 1)


def test_tx_out_view_key_match(benchmark: Any) -> None:
    tx_out = _tx_out(1)
    benchmark(tx_out.view_key_match, ACCOUNT.view_private)


def test_tx_out_hash(benchmark: Any) -> None:
    benchmark(_tx_out(1).hash)


def test_block_contents_hash_25_outputs(benchmark: Any) -> None:
    contents = BlockContents((KeyImage.from_u64(7),), tuple(_tx_out(1) for _ in range(25)))
    benchmark(contents.hash)


def test_digestible_block_kat(benchmark: Any) -> None:
    rel = "upstream/mobilecoin/derived/digestible_block_kat.json"
    result = benchmark.pedantic(run_file, args=(rel,), rounds=3, iterations=1)
    assert (result.passed, result.failed) == (8, 0)
