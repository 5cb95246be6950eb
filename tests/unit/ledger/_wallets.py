"""Wallets over a real LedgerStore, shared by the apply tests and the wallets state machine.

A wallet finds its outputs by scanning every TxOut of the ledger with its view key (MobileCoin
``view_key_match`` / ``recover_public_subaddress_spend_key`` on the default and change
subaddresses), knows each output's key image, and pays by building a transaction whose rings
are drawn from the ledger's TxOuts with membership proofs from the store (or, for stale proofs,
from the tree as it was at an older ledger size). Deterministic: all randomness from seeded
ChaCha12 streams, so the same ledger and seed give the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from refimpl.account.keys import CHANGE_SUBADDRESS_INDEX, DEFAULT_SUBADDRESS_INDEX, AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.merkle import MerkleTree
from refimpl.ledger.store import LedgerStore
from refimpl.transaction.amount import Amount
from refimpl.transaction.builder import (
    OutputRequest,
    OwnedInput,
    RingCandidate,
    TransactionBuilder,
)
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.onetime_keys import (
    recover_onetime_private_key,
    recover_public_subaddress_spend_key,
)
from refimpl.transaction.tx import Tx
from refimpl.transaction.tx_out import TxOut
from tests.unit.transaction._txbuild import rng_from

BLOCK_VERSION = 3
MINIMUM_FEE = 1024
FEE_MAP = {0: MINIMUM_FEE}
ORIGIN_VALUE = 1_000_000

WALLETS = tuple(AccountKey.from_root_entropy(bytes([0x40 + i]) * 32) for i in range(4))
DECOY_OWNER = AccountKey.from_root_entropy(bytes([0x3F]) * 32)

#: MobileCoin's test-only private view key of its default fee recipient
#: (``consensus/enclave/impl/src/lib.rs`` tests, ``FEE_VIEW_PRIVATE_KEY``).
FEE_VIEW_PRIVATE_KEY = Scalar.from_bytes_mod_order(bytes([
    21, 152, 99, 251, 140, 2, 50, 154, 2, 171, 188, 60, 163, 243, 204, 195, 241, 78, 204, 85,
    202, 52, 250, 242, 215, 247, 175, 59, 121, 185, 111, 8,
]))


@attrs.frozen
class Owned:
    """A TxOut of the ledger that a wallet owns, unmasked."""

    index: int
    tx_out: TxOut
    value: int
    subaddress_index: int
    key_image: KeyImage


def origin_outputs(
    outputs_per_wallet: int = 3, decoys: int = 24, seed: str = "origin"
) -> tuple[TxOut, ...]:
    """Origin TxOuts: ``outputs_per_wallet`` of :data:`ORIGIN_VALUE` to each wallet, then
    ``decoys`` to a decoy owner (ring members)."""
    rng = rng_from(seed)
    recipients = [w.default_subaddress() for w in WALLETS for _ in range(outputs_per_wallet)]
    recipients += [DECOY_OWNER.default_subaddress()] * decoys
    return tuple(
        TxOut.new(BLOCK_VERSION, Amount(ORIGIN_VALUE, 0), r, Scalar.random(rng),
                  EncryptedFogHint.zero())
        for r in recipients
    )


def create_ledger(path: Path, outputs: Sequence[TxOut]) -> LedgerStore:
    """A new ledger at ``path`` holding only the origin block of ``outputs``."""
    store = LedgerStore.create(path)
    store.append_block(Block.new_origin_block(outputs), BlockContents(outputs=tuple(outputs)))
    return store


def scan(store: LedgerStore, account: AccountKey, start: int = 0) -> list[Owned]:
    """Every TxOut from global index ``start`` on that pays the account's default or change
    subaddress."""
    spend_keys: dict[Point, int] = {
        account.subaddress(i).spend_public: i
        for i in (DEFAULT_SUBADDRESS_INDEX, CHANGE_SUBADDRESS_INDEX)
    }
    found = []
    for index in range(start, store.num_tx_outs()):
        out = store.get_tx_out(index)
        spend = recover_public_subaddress_spend_key(
            account.view_private, out.target_key, out.public_key
        )
        sub = spend_keys.get(spend)
        if sub is None:
            continue
        amount, _secret = out.view_key_match(account.view_private)
        onetime = recover_onetime_private_key(
            out.public_key, account.view_private, account.subaddress_spend_private(sub)
        )
        found.append(Owned(index, out, amount.value, sub, KeyImage.from_private_key(onetime)))
    return found


def unspent(store: LedgerStore, owned: Sequence[Owned]) -> list[Owned]:
    return [o for o in owned if store.check_key_image(o.key_image) is None]


def ring_candidates(store: LedgerStore, ledger_size: int | None = None) -> list[RingCandidate]:
    """Every TxOut of the ledger's first ``ledger_size`` (default: all) with its membership
    proof in the tree of that size: current proofs from the store, or stale ones from a tree
    rebuilt at the older size."""
    count = store.num_tx_outs()
    outs = [store.get_tx_out(i) for i in range(count if ledger_size is None else ledger_size)]
    if ledger_size is None:
        proofs = store.get_membership_proofs(range(count))
    else:
        tree = MerkleTree(outs)
        proofs = tuple(tree.proof(i) for i in range(ledger_size))
    return [RingCandidate(out, proof) for out, proof in zip(outs, proofs, strict=True)]


def build_payment(
    store: LedgerStore,
    sender: AccountKey,
    inputs: Sequence[Owned],
    recipient: PublicAddress,
    value: int,
    rng: RandomSource,
    *,
    fee: int = MINIMUM_FEE,
    tombstone_block: int | None = None,
    proofs_at: int | None = None,
) -> Tx:
    """A signed payment of ``value`` from ``sender``'s ``inputs`` (change back to the sender),
    rings of 11 from the ledger; tombstone 10 blocks ahead unless given."""
    candidates = ring_candidates(store, proofs_at)
    proof_of = {c.tx_out.public_key: c.proof for c in candidates}
    builder = TransactionBuilder(
        block_version=BLOCK_VERSION,
        sender=sender,
        inputs=[
            OwnedInput(o.tx_out, o.subaddress_index, proof_of[o.tx_out.public_key])
            for o in inputs
        ],
        ring_candidates=candidates,
        outputs=[OutputRequest(recipient, Amount(value, 0))],
        fee=fee,
        tombstone_block=(
            store.num_blocks() + 10 if tombstone_block is None else tombstone_block
        ),
    )
    return builder.build(rng)
