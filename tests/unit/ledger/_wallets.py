"""Wallets over a real LedgerStore, shared by the apply tests and the wallets state machine.

The wallet logic is the client's (:mod:`refimpl.client.wallet`: view-key scan of the default
and change subaddresses, key images, rings of 11 with membership proofs); this module adds the
deterministic test ledger (origin outputs to four wallets and a decoy owner) and adapters over a
:class:`LedgerStore`, including stale proofs: a :class:`StaleProofSource` answers as the ledger
was when it held fewer TxOuts (ring members and proofs from the tree of that size).
Deterministic: all randomness from seeded ChaCha12 streams, so the same ledger and seed give
the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from refimpl.account.keys import AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.client import wallet as client_wallet
from refimpl.client.ledger_source import LedgerSource, StoreLedgerSource, TxOutWithProof
from refimpl.client.wallet import Owned, Wallet
from refimpl.crypto.ristretto import RandomSource, Scalar
from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.store import LedgerStore
from refimpl.transaction.amount import Amount
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.membership_proofs.merkle import MerkleTree
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


class StaleProofSource(StoreLedgerSource):
    """The store as a :class:`LedgerSource` that answers as if it held only its first
    ``ledger_size`` TxOuts: ring members from those, proofs from the tree of that size."""

    def __init__(self, store: LedgerStore, ledger_size: int) -> None:
        super().__init__(store)
        self.ledger_size = ledger_size

    def num_tx_outs(self) -> int:
        return self.ledger_size

    def get_tx_outs(self, indices: Sequence[int]) -> list[TxOutWithProof]:
        tree = MerkleTree([self.store.get_tx_out(i) for i in range(self.ledger_size)])
        return [(self.store.get_tx_out(i), tree.proof(i)) for i in indices]


def scan(store: LedgerStore, account: AccountKey, start: int = 0) -> list[Owned]:
    """Every TxOut from global index ``start`` on that pays the account's default or change
    subaddress."""
    wallet = Wallet(account)
    wallet.sync(StoreLedgerSource(store))
    return [o for o in wallet.owned if o.index >= start]


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
    rings of 11 from the ledger (its first ``proofs_at`` TxOuts with proofs in the tree of
    that size, when given); tombstone 10 blocks ahead unless given."""
    source: LedgerSource = (
        StoreLedgerSource(store) if proofs_at is None else StaleProofSource(store, proofs_at)
    )
    return client_wallet.build_payment(
        source, sender, inputs, recipient, value, rng,
        fee=fee,
        tombstone_block=store.num_blocks() + 10 if tombstone_block is None else tombstone_block,
        block_version=BLOCK_VERSION,
    )
