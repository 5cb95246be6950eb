"""One consistent view of the ledger: every read of :class:`LedgerSnapshot` goes through ONE
LMDB transaction, so a process appending meanwhile is never half-seen.

MobileCoin's ``LedgerDB`` (``ledger/db/src/ledger_db.rs``) begins a read transaction per call
(``get_block``, ``get_block_contents``, ...); a reader making several calls can then see blocks
appended between them. ``LedgerStore.snapshot()`` hands out this class instead: the reads of
``LedgerDB`` (``get_block``, ``get_block_signature``, ``check_key_image``,
``get_tx_out_proof_of_memberships``, ...) and of ``TxOutStore`` (``ledger/db/src/
tx_out_store.rs``) over one transaction, plus the raw access ``mcref ledger verify`` needs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import lmdb

from refimpl.errors import LedgerError
from refimpl.ledger.block import HASH_LEN, Block, BlockContents
from refimpl.ledger.block_protobuf import block_from_protobuf, key_images_from_protobuf
from refimpl.ledger.journal import TipRecord, signature_digest
from refimpl.ledger.layout import (
    DB_BLOCK_NUMBER_BY_TX_OUT_INDEX,
    DB_BLOCK_SIGNATURES,
    DB_BLOCKS,
    DB_COUNTS,
    DB_KEY_IMAGES,
    DB_KEY_IMAGES_BY_BLOCK,
    DB_MERKLE_HASH_BY_RANGE,
    DB_TX_OUT_BY_INDEX,
    DB_TX_OUT_COUNTS,
    DB_TX_OUT_INDEX_BY_HASH,
    DB_TX_OUT_INDEX_BY_PUBLIC_KEY,
    DB_TX_OUTS_BY_BLOCK,
    NUM_BLOCKS_KEY,
    NUM_TX_OUTS_KEY,
    block_key,
    decoded,
    from_be64,
    range_from_key,
    range_key,
    tx_out_key,
    tx_outs_by_block_from_value,
)
from refimpl.ledger.signature import BlockSignature
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.merkle import proof_of_membership
from refimpl.transaction.membership_proofs.merkle import root_element as tree_root_element
from refimpl.transaction.membership_proofs.merkle import root_hash as tree_root_hash
from refimpl.transaction.membership_proofs.types import (
    Range,
    TxOutMembershipElement,
    TxOutMembershipProof,
)
from refimpl.transaction.tx import tx_out_from_protobuf
from refimpl.transaction.tx_out import TxOut


class LedgerSnapshot:
    """The ledger as one LMDB transaction sees it (valid inside ``with store.snapshot()``)."""

    def __init__(self, txn: lmdb.Transaction, dbs: dict[bytes, lmdb._Database]) -> None:
        self.txn = txn
        self.dbs = dbs

    # --- raw access ---------------------------------------------------------------------------
    def get(self, db: bytes, key: bytes) -> bytes | None:
        """The stored value of ``key`` in named database ``db``, or ``None``."""
        value = self.txn.get(key, db=self.dbs[db])
        return None if value is None else bytes(value)

    def entries(self, db: bytes) -> int:
        """How many records ``db`` holds (LMDB's ``md_entries``: O(1))."""
        count: int = self.txn.stat(self.dbs[db])["entries"]
        return count

    def items(self, db: bytes) -> Iterator[tuple[bytes, bytes]]:
        """Every ``(key, value)`` of ``db`` in key order."""
        for key, value in self.txn.cursor(db=self.dbs[db]):
            yield bytes(key), bytes(value)

    def last_key(self, db: bytes) -> bytes | None:
        """The greatest key of ``db`` (``None`` when empty): O(log n)."""
        cursor = self.txn.cursor(db=self.dbs[db])
        return bytes(cursor.key()) if cursor.last() else None

    def database_names(self) -> list[bytes]:
        """The keys of LMDB's main database (``MAIN_DBI``): the named databases."""
        return [bytes(key) for key, _value in self.txn.cursor()]

    def count(self, db: bytes, key: bytes) -> int:
        raw = self.get(db, key)
        if raw is None:
            raise LedgerError("ledger.corrupted", f"the count {key.decode()} is missing")
        return from_be64(raw)

    # --- LedgerDB / TxOutStore reads ----------------------------------------------------------
    def num_blocks(self) -> int:
        return self.count(DB_COUNTS, NUM_BLOCKS_KEY)

    def num_tx_outs(self) -> int:
        return self.count(DB_TX_OUT_COUNTS, NUM_TX_OUTS_KEY)

    def get_block(self, index: int) -> Block:
        raw = self.get(DB_BLOCKS, block_key(index))
        if raw is None:
            raise LedgerError("ledger.block_index_out_of_bounds", f"no block {index}")
        return decoded(block_from_protobuf, raw, f"block {index}")

    def last_block(self) -> Block | None:
        """The newest block, ``None`` for an empty ledger."""
        n = self.num_blocks()
        return self.get_block(n - 1) if n else None

    def get_block_signature(self, index: int) -> BlockSignature | None:
        """The block's signature, ``None`` when it was stored without one."""
        key = block_key(index)
        if self.get(DB_BLOCKS, key) is None:
            raise LedgerError("ledger.block_index_out_of_bounds", f"no block {index}")
        raw = self.get(DB_BLOCK_SIGNATURES, key)
        if raw is None:
            return None
        return decoded(BlockSignature.from_protobuf, raw, f"signature of block {index}")

    def get_block_contents(self, index: int) -> BlockContents:
        """The key images and outputs the block added (nothing else is ever stored)."""
        key = block_key(index)
        raw_images = self.get(DB_KEY_IMAGES_BY_BLOCK, key)
        raw_outs = self.get(DB_TX_OUTS_BY_BLOCK, key)
        if raw_images is None or raw_outs is None:
            if self.get(DB_BLOCKS, key) is None:
                raise LedgerError("ledger.block_index_out_of_bounds", f"no block {index}")
            raise LedgerError("ledger.corrupted", f"the contents of block {index} are missing")
        key_images = decoded(key_images_from_protobuf, raw_images, "key image list")
        first, count = decoded(tx_outs_by_block_from_value, raw_outs, "tx_outs_by_block")
        outputs = tuple(self.get_tx_out(i) for i in range(first, first + count))
        return BlockContents(key_images, outputs)

    def get_tx_out(self, index: int) -> TxOut:
        raw = self.get(DB_TX_OUT_BY_INDEX, tx_out_key(index))
        if raw is None:
            raise LedgerError("ledger.tx_out_index_out_of_bounds", f"no TxOut {index}")
        return decoded(tx_out_from_protobuf, raw, f"TxOut {index}")

    def get_tx_out_index_by_public_key(self, public_key: bytes) -> int | None:
        """The global index of the TxOut with this 32-byte public key, or ``None``."""
        if len(public_key) != HASH_LEN:
            return None
        raw = self.get(DB_TX_OUT_INDEX_BY_PUBLIC_KEY, bytes(public_key))
        return None if raw is None else from_be64(raw)

    def get_tx_out_index_by_hash(self, tx_out_hash: bytes) -> int | None:
        """The global index of the TxOut whose ``TxOut::hash()`` is given, or ``None``."""
        if len(tx_out_hash) != HASH_LEN:
            return None
        raw = self.get(DB_TX_OUT_INDEX_BY_HASH, bytes(tx_out_hash))
        return None if raw is None else from_be64(raw)

    def get_block_index_by_tx_out_index(self, index: int) -> int:
        raw = self.get(DB_BLOCK_NUMBER_BY_TX_OUT_INDEX, tx_out_key(index))
        if raw is None:
            raise LedgerError("ledger.tx_out_index_out_of_bounds", f"no TxOut {index}")
        return from_be64(raw)

    def check_key_image(self, key_image: KeyImage) -> int | None:
        """``check_key_image``: the index of the block that spent it, or ``None``."""
        raw = self.get(DB_KEY_IMAGES, key_image.to_bytes())
        return None if raw is None else from_be64(raw)

    def merkle_hashes(self) -> StoredMerkleHashes:
        return StoredMerkleHashes(self, self.num_tx_outs())

    def root_hash(self) -> bytes:
        """The TxOut tree root hash (NIL_HASH for no TxOuts)."""
        return tree_root_hash(self.merkle_hashes())

    def root_element(self) -> TxOutMembershipElement:
        """The root element ``[0, next_pow2(N) - 1]`` (``ledger.merkle_empty_tree`` for no
        TxOuts): the ``root_element`` the next block must carry."""
        return tree_root_element(self.merkle_hashes())

    def stored_merkle_hashes(self) -> Iterator[tuple[Range, bytes]]:
        """Every stored ``(range, hash)`` of ``merkle_hash_by_range`` in key order."""
        for key, value in self.items(DB_MERKLE_HASH_BY_RANGE):
            bounds = range_from_key(key)
            if bounds is None or len(value) != HASH_LEN:
                raise LedgerError("ledger.corrupted", "a Merkle range record is malformed")
            if bounds[0] > bounds[1]:
                raise LedgerError("ledger.corrupted", "a Merkle range has from > to")
            yield Range(*bounds), value

    def get_membership_proof(self, index: int) -> TxOutMembershipProof:
        """``get_merkle_proof_of_membership``: the proof of TxOut ``index`` against the root
        of this snapshot, from O(log n) stored range hashes."""
        return proof_of_membership(self.merkle_hashes(), index)

    def get_membership_proofs(self, indices: Sequence[int]) -> tuple[TxOutMembershipProof, ...]:
        """Proofs of several TxOuts against one root."""
        source = self.merkle_hashes()
        return tuple(proof_of_membership(source, i) for i in indices)

    def block_for(self, contents: BlockContents, version: int | None = None) -> Block:
        """The block that would append ``contents`` next: the origin block (outputs only) on an
        empty ledger, else ``Block::new_with_parent`` of the last block at the current root,
        with the last block's version unless ``version`` is given."""
        n = self.num_blocks()
        if n == 0:
            return Block.new_origin_block(contents.outputs)
        last = self.get_block(n - 1)
        return Block.new_with_parent(
            last.version if version is None else version, last, self.root_element(), contents
        )

    def tip_record(self, index: int) -> TipRecord:
        """What the tip journal records of block ``index`` (its id, its signature digest)."""
        block = self.get_block(index)
        return TipRecord(index, block.id, signature_digest(self.get(DB_BLOCK_SIGNATURES,
                                                                    block_key(index))))


class StoredMerkleHashes:
    """:class:`refimpl.transaction.membership_proofs.merkle.MerkleHashSource` over
    ``merkle_hash_by_range``: each ``merkle_hash`` is one LMDB read, so a proof costs O(log n)
    reads."""

    def __init__(self, snapshot: LedgerSnapshot, num_leaves: int) -> None:
        self._snapshot = snapshot
        self._num_leaves = num_leaves

    def num_leaves(self) -> int:
        return self._num_leaves

    def merkle_hash(self, r: Range) -> bytes:
        digest = self._snapshot.get(DB_MERKLE_HASH_BY_RANGE, range_key(r.from_, r.to))
        if digest is None or len(digest) != HASH_LEN:
            raise LedgerError(
                "ledger.corrupted", f"no stored Merkle hash for range [{r.from_}, {r.to}]"
            )
        return digest
