"""Shared, cached transaction fixtures for the transaction-model tests.

Building a transaction proves range proofs (about a second in Python), so each distinct
transaction is built once per test session (``lru_cache``) and tests derive what they need.
All randomness comes from seeded ChaCha12 ``StdRng`` streams.
"""

from __future__ import annotations

from functools import cache

from hypothesis import settings

from refimpl.account.keys import AccountKey
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import RandomSource, Scalar
from refimpl.transaction.amount import Amount
from refimpl.transaction.builder import (
    OutputRequest,
    OwnedInput,
    RingCandidate,
    TransactionBuilder,
)
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.tx import Tx
from refimpl.transaction.tx_out import TxOut

ALICE = AccountKey.from_root_entropy(bytes([1]) * 32)
BOB = AccountKey.from_root_entropy(bytes([2]) * 32)
DECOY_OWNER = AccountKey.from_root_entropy(bytes([3]) * 32)
OTHER_TOKEN = 7


def rng_from(label: str) -> RandomSource:
    """A deterministic RNG named by ``label``."""
    return std_rng_from_seed(label.encode().ljust(32, b"\0")[:32])


def example_budget(n: int) -> int:
    """Hypothesis examples for slow (proving) properties: n under ci, fewer under dev,
    many under nightly."""
    return max(1, n * settings.default.max_examples // 100)


def owned_tx_out(block_version: int, amount: Amount, rng: RandomSource, index: int = 0) -> TxOut:
    return TxOut.new(
        block_version, amount, ALICE.subaddress(index), Scalar.random(rng), EncryptedFogHint.zero()
    )


def decoys(block_version: int, count: int, rng: RandomSource) -> list[RingCandidate]:
    address = DECOY_OWNER.default_subaddress()
    return [
        RingCandidate(
            TxOut.new(block_version, Amount(5, 0), address, Scalar.random(rng),
                      EncryptedFogHint.zero())
        )
        for _ in range(count)
    ]


def make_builder(
    block_version: int,
    input_amounts: tuple[Amount, ...],
    output_amounts: tuple[Amount, ...],
    fee: int = 400,
    fee_token_id: int = 0,
    ring_size: int = 3,
    seed: str = "builder",
) -> tuple[TransactionBuilder, RandomSource]:
    rng = rng_from(seed)
    inputs = [OwnedInput(owned_tx_out(block_version, a, rng), 0) for a in input_amounts]
    candidates = decoys(block_version, (ring_size - 1) * len(inputs) + 2, rng)
    outputs = [OutputRequest(BOB.default_subaddress(), a) for a in output_amounts]
    builder = TransactionBuilder(
        block_version=block_version,
        sender=ALICE,
        inputs=inputs,
        ring_candidates=candidates,
        outputs=outputs,
        fee=fee,
        tombstone_block=100,
        fee_token_id=fee_token_id,
        ring_size=ring_size,
    )
    return builder, rng


@cache
def built_tx(block_version: int, inputs: int = 1, mixed: bool = False) -> Tx:
    """A signed transaction: ``inputs`` MOB inputs of 1000 each (plus one OTHER_TOKEN input of
    50 when ``mixed``, v3+), one payment of 300 MOB (and 20 OTHER_TOKEN) to Bob, change."""
    input_amounts = tuple(Amount(1000, 0) for _ in range(inputs))
    output_amounts: tuple[Amount, ...] = (Amount(300, 0),)
    if mixed:
        input_amounts += (Amount(50, OTHER_TOKEN),)
        output_amounts += (Amount(20, OTHER_TOKEN),)
    builder, rng = make_builder(
        block_version, input_amounts, output_amounts, seed=f"tx-{block_version}-{inputs}-{mixed}"
    )
    return builder.build(rng)
