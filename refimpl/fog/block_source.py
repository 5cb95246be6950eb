"""What fog reads of the blockchain: a validator's LMDB ledger, opened read-only.

MobileCoin's fog ingest and fog ledger read a local LMDB ledger kept current by
``mobilecoind`` / ledger sync, with block timestamps from the watcher database
(``fog/block_provider/src/local.rs``: ``LocalBlockProvider``; ``fog/ingest/server/src/
controller.rs`` reads ``block_data``, ``fog/ledger/server/src/merkle_proof_service.rs`` the
outputs and their membership proofs). Here the ledger is the one a node of the local network
writes (LMDB allows any number of reader processes beside its one writer, and every read
transaction sees the latest committed block). The timestamp of a block is its signature's
``signed_at`` (what MobileCoin's watcher records from the block signatures), ``u64::MAX``
when the block carries no signature (MobileCoin's "timestamp unknown").
"""

from __future__ import annotations

import threading
from pathlib import Path

import attrs

from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.store import LedgerStore
from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
from refimpl.transaction.tx_out import TxOut

TIMESTAMP_UNKNOWN = 2**64 - 1


@attrs.frozen
class BlockData:
    """One block as fog ingests it."""

    block: Block
    contents: BlockContents
    #: seconds since the epoch, or :data:`TIMESTAMP_UNKNOWN`
    timestamp: int

    @property
    def first_global_index(self) -> int:
        """The global index of the block's first output."""
        return self.block.cumulative_txo_count - len(self.contents.outputs)


class BlockSource:
    """A node's ledger at ``ledger_dir``, read-only; opened on first use (the node may not
    have created it yet). Thread-safe."""

    def __init__(self, ledger_dir: str | Path) -> None:
        self.ledger_dir = Path(ledger_dir)
        self._lock = threading.Lock()
        self._store: LedgerStore | None = None

    def _ledger(self) -> LedgerStore:
        with self._lock:
            if self._store is None:
                self._store = LedgerStore.open(self.ledger_dir, read_only=True)
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def num_blocks(self) -> int:
        return self._ledger().num_blocks()

    def block_data(self, index: int) -> BlockData:
        """Block ``index`` with its contents and timestamp (``ledger.*`` errors past the end)."""
        ledger = self._ledger()
        return BlockData(ledger.get_block(index), ledger.get_block_contents(index),
                         self.timestamp(index))

    def block(self, index: int) -> Block:
        return self._ledger().get_block(index)

    def tx_out(self, index: int) -> TxOut:
        return self._ledger().get_tx_out(index)

    def tx_outs_with_proofs(
        self, indices: list[int]
    ) -> list[tuple[TxOut, TxOutMembershipProof]]:
        """The outputs and their membership proofs against one root (the latest)."""
        ledger = self._ledger()
        proofs = ledger.get_membership_proofs(indices)
        return [(ledger.get_tx_out(i), proof) for i, proof in zip(indices, proofs, strict=True)]

    def tx_out_index_by_public_key(self, public_key: bytes) -> int | None:
        return self._ledger().get_tx_out_index_by_public_key(public_key)

    def block_index_by_tx_out_index(self, index: int) -> int:
        return self._ledger().get_block_index_by_tx_out_index(index)

    def timestamp(self, index: int) -> int:
        """The block's signature time, :data:`TIMESTAMP_UNKNOWN` without a signature."""
        signature = self._ledger().get_block_signature(index)
        return TIMESTAMP_UNKNOWN if signature is None else signature.signed_at
