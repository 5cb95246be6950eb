"""The ledger on disk: an LMDB environment holding blocks, key images, TxOuts and the Merkle tree,
and the tip journal beside it.

MobileCoin ``ledger/db/src/ledger_db.rs`` (``LedgerDB``, ``validate_append_block``) and
``ledger/db/src/tx_out_store.rs`` (``TxOutStore``, ``update_merkle_hashes``,
``get_merkle_proof_of_membership``). The databases and their encodings are listed in
``refimpl/ledger/layout.py``; reads go through one LMDB transaction at a time
(:meth:`LedgerStore.snapshot`, ``refimpl/ledger/snapshot.py``); the environment is created and
opened by ``refimpl/ledger/env.py`` (atomic create, structural check before LMDB maps the file,
every OS/LMDB error typed).

Only key images and outputs reach the store: a block's transactions (rings, membership proofs,
MLSAGs, range proofs) are never given to it.

Durability: the environment is opened with ``sync=True, metasync=True`` and every append is ONE
write transaction. When :meth:`LedgerStore.append_block` returns, the block, its contents, its
signature, the indexes and the Merkle hashes are on stable storage (LMDB fsyncs the data and
then the meta page), and so is the block's tip-journal record (``refimpl/ledger/journal.py``),
written after the commit. A crash or SIGKILL at any moment leaves the ledger exactly as it was
after some whole number of appends: every append that returned, plus possibly the one that was
interrupted after its commit reached the disk but before it returned; never part of a block.
A rejected append writes nothing (the transaction is aborted).

Open-time checks (every open but :meth:`LedgerStore.open_for_verify`): the counts agree with the
stored blocks, no block is stored past the tip, and the tip journal agrees with the database
(``ledger.rollback``, ``ledger.journal_mismatch``, ...: see journal.py). A read-write open
repairs what a crash leaves: a torn final journal record is cut off, the record of a block
committed just before the crash is written.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import lmdb

from refimpl.crypto.hashing import TXOUT_MERKLE_LEAF_DOMAIN_TAG, blake2b256
from refimpl.errors import LedgerError
from refimpl.ledger.block import HASH_LEN, Block, BlockContents
from refimpl.ledger.block_protobuf import block_to_protobuf, key_images_to_protobuf
from refimpl.ledger.env import (
    DATA_FILE,
    create_environment,
    lmdb_error,
    open_environment,
    typed_errors,
)
from refimpl.ledger.journal import (
    JOURNAL_FILE,
    JournalEntry,
    TipJournal,
    TipRecord,
    reconcile,
    signature_digest,
)
from refimpl.ledger.layout import (
    ALL_DBS,
    DB_BLOCK_NUMBER_BY_TX_OUT_INDEX,
    DB_BLOCK_SIGNATURES,
    DB_BLOCKS,
    DB_COUNTS,
    DB_KEY_IMAGES,
    DB_KEY_IMAGES_BY_BLOCK,
    DB_MERKLE_HASH_BY_RANGE,
    DB_META,
    DB_TX_OUT_BY_INDEX,
    DB_TX_OUT_COUNTS,
    DB_TX_OUT_INDEX_BY_HASH,
    DB_TX_OUT_INDEX_BY_PUBLIC_KEY,
    DB_TX_OUTS_BY_BLOCK,
    DEFAULT_MAP_SIZE,
    FORMAT_KEY,
    FORMAT_MARKER,
    NUM_BLOCKS_KEY,
    NUM_TX_OUTS_KEY,
    be64,
    range_key,
    tx_outs_by_block_value,
)
from refimpl.ledger.signature import BlockSignature, verify
from refimpl.ledger.snapshot import LedgerSnapshot
from refimpl.transaction.block_version import MAX_BLOCK_VERSION
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.merkle import NIL_HASH, hash_nodes, next_power_of_two
from refimpl.transaction.membership_proofs.merkle import root_element as tree_root_element
from refimpl.transaction.membership_proofs.types import (
    Range,
    TxOutMembershipElement,
    TxOutMembershipProof,
)
from refimpl.transaction.tx import tx_out_to_protobuf
from refimpl.transaction.tx_out import TxOut

# Names other modules import from here (the layout moved to refimpl/ledger/layout.py).
__all__ = [
    "ALL_DBS", "DB_BLOCK_NUMBER_BY_TX_OUT_INDEX", "DB_BLOCK_SIGNATURES", "DB_BLOCKS", "DB_COUNTS",
    "DB_KEY_IMAGES", "DB_KEY_IMAGES_BY_BLOCK", "DB_MERKLE_HASH_BY_RANGE", "DB_META",
    "DB_TX_OUT_BY_INDEX", "DB_TX_OUT_COUNTS", "DB_TX_OUT_INDEX_BY_HASH",
    "DB_TX_OUT_INDEX_BY_PUBLIC_KEY", "DB_TX_OUTS_BY_BLOCK", "DEFAULT_MAP_SIZE", "FORMAT_KEY",
    "FORMAT_MARKER", "NUM_BLOCKS_KEY", "NUM_TX_OUTS_KEY", "LedgerSnapshot", "LedgerStore",
    "be64", "copy_ledger", "initialise_ledger", "range_key", "tx_outs_by_block_value",
    "update_merkle_hashes",
]


class _WriteTxn(LedgerSnapshot):
    """The append's write transaction: the snapshot reads plus ``put``."""

    def put(self, db: bytes, key: bytes, value: bytes) -> None:
        self.txn.put(key, value, db=self.dbs[db])


def update_merkle_hashes(
    put: Callable[[bytes, bytes], None],
    get: Callable[[bytes], bytes | None],
    first: int,
    leaf_hashes: Sequence[bytes],
) -> None:
    """``update_merkle_hashes`` for a batch: store the leaves ``first..first+k-1`` and recompute
    every range that contains one of them (bottom up, each such range once), with an empty
    right half hashing as NIL_HASH. Ranges lying wholly before ``first`` are read via ``get``."""
    if not leaf_hashes:
        return
    total = first + len(leaf_hashes)
    level = dict(enumerate(leaf_hashes, start=first))
    for index, digest in level.items():
        put(range_key(index, index), digest)
    last = total - 1
    top = next_power_of_two(total)
    size = 1
    while size < top:
        half = size
        size *= 2
        upper: dict[int, bytes] = {}
        for start in range(first & ~(size - 1), last + 1, size):
            left = level.get(start)
            if left is None:
                left = _required(get, start, start + half - 1)
            right_start = start + half
            if right_start >= total:
                right = NIL_HASH
            else:
                right = level.get(right_start) or _required(get, right_start, start + size - 1)
            digest = hash_nodes(left, right)
            put(range_key(start, start + size - 1), digest)
            upper[start] = digest
        level = upper


def _required(get: Callable[[bytes], bytes | None], from_: int, to: int) -> bytes:
    digest = get(range_key(from_, to))
    if digest is None:
        raise LedgerError("ledger.corrupted", f"no stored Merkle hash for range [{from_}, {to}]")
    return digest


def _reject(code: str, block: Block, message: str) -> LedgerError:
    return LedgerError(code, f"block {block.index}: {message}")


def initialise_ledger(env: lmdb.Environment, directory: Path) -> None:
    """``LedgerDB::create``: the databases, the format marker, zero counts; and an empty tip
    journal in ``directory`` (the ``initialise`` step of ``env.create_environment``)."""
    with env.begin(write=True) as txn:
        dbs = {name: env.open_db(name, txn=txn, create=True) for name in ALL_DBS}
        txn.put(FORMAT_KEY, FORMAT_MARKER, db=dbs[DB_META])
        txn.put(NUM_BLOCKS_KEY, be64(0), db=dbs[DB_COUNTS])
        txn.put(NUM_TX_OUTS_KEY, be64(0), db=dbs[DB_TX_OUT_COUNTS])
    TipJournal.create(directory)


class LedgerStore:
    """An append-only MobileCoin ledger in one LMDB directory (see the module docstring)."""

    def __init__(self, env: lmdb.Environment, dbs: dict[bytes, lmdb._Database], path: Path,
                 read_only: bool) -> None:
        self._env = env
        self._dbs = dbs
        self.path = path
        self.read_only = read_only
        self._closed = False
        self._journal: TipJournal | None = None
        self._append_lock = threading.Lock()

    # --- opening and closing ------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, map_size: int = DEFAULT_MAP_SIZE) -> LedgerStore:
        """Make an empty ledger in ``path`` (created if needed) atomically; of concurrent
        creators one succeeds, the others get ``ledger.already_exists`` (as does a directory
        already holding a ledger). Then opened read-write."""
        path = Path(path)
        create_environment(path, map_size, initialise_ledger)
        return cls.open(path, map_size=map_size)

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False,
             map_size: int = DEFAULT_MAP_SIZE) -> LedgerStore:
        """Open an existing ledger. ``ledger.not_a_ledger``: no LMDB environment there, or one
        without the mcref format marker; ``ledger.corrupted``: a damaged environment or counts
        that disagree with the stored blocks; ``ledger.past_tip``: a block stored past the
        last; the tip journal's codes (``ledger.rollback``, ``ledger.journal_*``). A read-write
        open repairs a torn final journal record and a record a crash left unwritten."""
        store = cls._open(Path(path), read_only, map_size)
        try:
            store._check_counts()
            store._check_tip()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_for_verify(cls, path: str | Path,
                        map_size: int = DEFAULT_MAP_SIZE) -> LedgerStore:
        """Open read-only WITHOUT the open-time checks (counts, tip journal), so that
        ``refimpl.ledger.verify.verify_ledger`` reports what they would refuse."""
        return cls._open(Path(path), True, map_size)

    @classmethod
    def _open(cls, path: Path, read_only: bool, map_size: int) -> LedgerStore:
        env = open_environment(path, read_only=read_only, map_size=map_size)
        try:
            with typed_errors(path, "open the ledger"):
                if not read_only:
                    env.reader_check()  # free reader slots of processes that died (SIGKILL)
                dbs = cls._open_dbs(env, path)
        except BaseException:
            env.close()
            raise
        return cls(env, dbs, path, read_only)

    @staticmethod
    def _open_dbs(env: lmdb.Environment, path: Path) -> dict[bytes, lmdb._Database]:
        try:
            meta = env.open_db(DB_META, create=False)
            with env.begin(write=False) as txn:
                marker = txn.get(FORMAT_KEY, db=meta)
        except lmdb.Error:
            raise LedgerError("ledger.not_a_ledger", f"{path} is not an mcref ledger") from None
        if marker != FORMAT_MARKER:
            raise LedgerError("ledger.not_a_ledger", f"{path} has no {FORMAT_MARKER!r} marker")
        try:
            return {name: env.open_db(name, create=False) for name in ALL_DBS}
        except lmdb.Error as exc:
            raise LedgerError("ledger.corrupted", f"{path}: a database is missing: {exc}") from None

    def _check_counts(self) -> None:
        """The counts agree with the last block and the stored TxOuts; no block is stored past
        the last one (the greatest key of the blocks database: O(log n))."""
        with self.snapshot() as snap:
            n = snap.num_blocks()
            last_key = snap.last_key(DB_BLOCKS)
            tip_key = be64(n - 1) if n else None
            if last_key is not None and (tip_key is None or last_key > tip_key):
                where = int.from_bytes(last_key[:8], "big") if len(last_key) == 8 else None
                raise LedgerError("ledger.past_tip", f"block {where} is stored past the tip "
                                  f"(num_blocks={n})")
            if last_key != tip_key:
                raise LedgerError("ledger.corrupted", f"block {n - 1} is missing")
            expected = snap.get_block(n - 1).cumulative_txo_count if n else 0
            tx_outs = snap.num_tx_outs()
            if tx_outs != expected:
                raise LedgerError("ledger.corrupted",
                                  f"{tx_outs} TxOuts stored, the last block counts {expected}")

    def _check_tip(self) -> None:
        """The tip journal against the database (journal.py). Read-only: under the shared
        lock, repairing nothing. Read-write: under the exclusive lock, cutting a torn record
        and writing the records of committed blocks a crash left unrecorded; the journal stays
        open for the appends."""
        journal = TipJournal.open(self.path, writable=not self.read_only)
        if self.read_only:
            try:
                with journal.shared() as locked:
                    tail = journal.tail()
                    with self.snapshot() as snap:
                        reconcile(tail.count, tail.last, snap.num_blocks(), snap.tip_record,
                                  locked=locked)
            finally:
                journal.close()
            return
        self._journal = journal
        with journal.exclusive(), self.snapshot() as snap:
            self._catch_up(journal, snap)

    @staticmethod
    def _catch_up(journal: TipJournal, snap: LedgerSnapshot) -> JournalEntry | None:
        """Under the exclusive lock: check the journal's tail against ``snap``, cut a torn
        record, append the records of committed blocks that have none; the final entry."""
        tail = journal.tail()
        journal.drop_torn(tail)
        missing = reconcile(tail.count, tail.last, snap.num_blocks(), snap.tip_record,
                            locked=True)
        return journal.append(tail.last, [snap.tip_record(i) for i in missing])

    def close(self) -> None:
        """Release the environment and the journal (idempotent)."""
        if not self._closed:
            self._closed = True
            if self._journal is not None:
                self._journal.close()
            self._env.close()

    def __enter__(self) -> LedgerStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # --- reads --------------------------------------------------------------------------------
    @contextmanager
    def snapshot(self) -> Iterator[LedgerSnapshot]:
        """``with store.snapshot() as snap``: every read of ``snap`` sees the ledger as ONE
        LMDB read transaction does (appends by this or another process meanwhile unseen)."""
        if self._closed:
            raise LedgerError("ledger.closed", f"the ledger at {self.path} is closed")
        try:
            txn = self._env.begin(write=False)
        except lmdb.Error as exc:
            raise lmdb_error(exc, self.path, "read the ledger") from None
        try:
            yield LedgerSnapshot(txn, self._dbs)
        except lmdb.Error as exc:
            raise lmdb_error(exc, self.path, "read the ledger") from None
        finally:
            txn.abort()

    def num_blocks(self) -> int:
        with self.snapshot() as snap:
            return snap.num_blocks()

    def num_tx_outs(self) -> int:
        with self.snapshot() as snap:
            return snap.num_tx_outs()

    def get_block(self, index: int) -> Block:
        with self.snapshot() as snap:
            return snap.get_block(index)

    def last_block(self) -> Block | None:
        """The newest block, ``None`` for an empty ledger."""
        with self.snapshot() as snap:
            return snap.last_block()

    def get_block_signature(self, index: int) -> BlockSignature | None:
        """The block's signature, ``None`` when it was stored without one."""
        with self.snapshot() as snap:
            return snap.get_block_signature(index)

    def get_block_contents(self, index: int) -> BlockContents:
        """The key images and outputs the block added (nothing else is ever stored)."""
        with self.snapshot() as snap:
            return snap.get_block_contents(index)

    def get_tx_out(self, index: int) -> TxOut:
        with self.snapshot() as snap:
            return snap.get_tx_out(index)

    def get_tx_out_index_by_public_key(self, public_key: bytes) -> int | None:
        """The global index of the TxOut with this 32-byte public key, or ``None``."""
        with self.snapshot() as snap:
            return snap.get_tx_out_index_by_public_key(public_key)

    def get_tx_out_index_by_hash(self, tx_out_hash: bytes) -> int | None:
        """The global index of the TxOut whose ``TxOut::hash()`` is given, or ``None``."""
        with self.snapshot() as snap:
            return snap.get_tx_out_index_by_hash(tx_out_hash)

    def get_block_index_by_tx_out_index(self, index: int) -> int:
        with self.snapshot() as snap:
            return snap.get_block_index_by_tx_out_index(index)

    def check_key_image(self, key_image: KeyImage) -> int | None:
        """``check_key_image``: the index of the block that spent it, or ``None``."""
        with self.snapshot() as snap:
            return snap.check_key_image(key_image)

    def root_hash(self) -> bytes:
        """The TxOut tree root hash now (NIL_HASH for no TxOuts)."""
        with self.snapshot() as snap:
            return snap.root_hash()

    def root_element(self) -> TxOutMembershipElement:
        """The root element ``[0, next_pow2(N) - 1]`` now (``ledger.merkle_empty_tree`` for no
        TxOuts): the ``root_element`` the next block must carry."""
        with self.snapshot() as snap:
            return snap.root_element()

    def stored_merkle_hashes(self) -> Iterator[tuple[Range, bytes]]:
        """Every stored ``(range, hash)`` of ``merkle_hash_by_range`` in key order, read in one
        transaction."""
        with self.snapshot() as snap:
            yield from snap.stored_merkle_hashes()

    def get_membership_proof(self, index: int) -> TxOutMembershipProof:
        """``get_merkle_proof_of_membership``: the proof of TxOut ``index`` against the current
        root, built from O(log n) stored range hashes in one read transaction."""
        with self.snapshot() as snap:
            return snap.get_membership_proof(index)

    def get_membership_proofs(self, indices: Sequence[int]) -> tuple[TxOutMembershipProof, ...]:
        """Proofs of several TxOuts against one root (one read transaction)."""
        with self.snapshot() as snap:
            return snap.get_membership_proofs(indices)

    def block_for(self, contents: BlockContents, version: int | None = None) -> Block:
        """The block that would append ``contents`` next: the origin block (outputs only) on an
        empty ledger, else ``Block::new_with_parent`` of the last block at the current root,
        with the last block's version unless ``version`` is given. Nothing is written."""
        with self.snapshot() as snap:
            return snap.block_for(contents, version)

    # --- append -------------------------------------------------------------------------------
    def append_block(self, block: Block, contents: BlockContents,
                     signature: BlockSignature | None = None) -> None:
        """``append_block``: check the block against the ledger (``validate_append_block``),
        then write it, its contents, its signature, the indexes and the Merkle hashes in ONE
        write transaction, then its tip-journal record. On any rejection (a typed ``ledger.*``
        error) nothing is written. The journal's exclusive lock is held from before the write
        transaction until the record is fsynced, so records follow commit order across
        processes; records a crashed writer left unwritten are written first."""
        if self.read_only:
            raise LedgerError("ledger.read_only", f"the ledger at {self.path} is read-only")
        if self._closed:
            raise LedgerError("ledger.closed", f"the ledger at {self.path} is closed")
        journal = self._journal
        assert journal is not None  # every read-write store holds its journal
        with self._append_lock, journal.exclusive():
            stored_signature = None if signature is None else signature.to_protobuf()
            last = self._commit(journal, block, contents, signature, stored_signature)
            record = TipRecord(block.index, block.id, signature_digest(stored_signature))
            try:
                journal.append(last, [record])
            except LedgerError as exc:
                raise LedgerError(
                    "ledger.journal_write_failed",
                    f"block {block.index} is committed but its tip-journal record was not "
                    f"written (the next read-write open writes it): {exc.message}") from None

    def _commit(self, journal: TipJournal, block: Block, contents: BlockContents,
                signature: BlockSignature | None, stored_signature: bytes | None
                ) -> JournalEntry | None:
        """Validate and commit the block in one write transaction; the journal's final entry
        (after writing any records a crash left unwritten)."""
        try:
            raw_txn = self._env.begin(write=True)
        except lmdb.Error as exc:
            raise lmdb_error(exc, self.path, "append a block") from None
        try:
            txn = _WriteTxn(raw_txn, self._dbs)
            last = self._catch_up(journal, txn)
            num_tx_outs = txn.num_tx_outs()
            self._validate_append(txn, block, contents, num_tx_outs)
            if signature is not None:
                verify(block, signature)
            self._write(txn, block, contents, stored_signature, num_tx_outs)
        except BaseException as exc:
            raw_txn.abort()
            if isinstance(exc, lmdb.Error):
                raise lmdb_error(exc, self.path, "append a block") from None
            raise
        try:
            raw_txn.commit()
        except lmdb.Error as exc:
            raise lmdb_error(exc, self.path, "append a block") from None
        return last


    def _validate_append(self, txn: _WriteTxn, block: Block, contents: BlockContents,
                         num_tx_outs: int) -> None:
        num_blocks = txn.num_blocks()
        if num_blocks == 0:
            if block.index != 0 or block.version != 0 or block.parent_id != bytes(HASH_LEN):
                raise _reject("ledger.bad_origin_block", block,
                              "the origin block has index 0, version 0 and a zero parent")
            if block.root_element != TxOutMembershipElement():
                raise _reject("ledger.bad_root_element", block,
                              "the origin block carries the default root element")
        else:
            last = txn.get_block(num_blocks - 1)
            if block.index != num_blocks:
                raise _reject("ledger.bad_block_index", block, f"expected index {num_blocks}")
            if block.parent_id != last.id:
                raise _reject("ledger.bad_parent_id", block, "parent_id is not the last block id")
            if not last.version <= block.version <= MAX_BLOCK_VERSION:
                raise _reject("ledger.bad_block_version", block,
                              f"version {block.version} not in {last.version}..{MAX_BLOCK_VERSION}")
            if not contents.key_images:
                raise _reject("ledger.no_key_images", block, "no key images are spent")
        if not contents.outputs:
            raise _reject("ledger.no_outputs", block, "the block has no outputs")
        if block.contents_hash != contents.hash():
            raise _reject("ledger.contents_hash_mismatch", block, "contents hash differs")
        if any(out.masked_amount is None for out in contents.outputs):
            raise _reject("ledger.missing_masked_amount", block, "an output has no amount")
        self._check_key_images(txn, block, contents.key_images)
        self._check_output_keys(txn, block, contents.outputs)
        if not block.is_block_id_valid():
            raise _reject("ledger.bad_block_id", block, "the id does not match the fields")
        if block.cumulative_txo_count != num_tx_outs + len(contents.outputs):
            raise _reject("ledger.bad_cumulative_txo_count", block,
                          f"expected {num_tx_outs + len(contents.outputs)}")
        if num_blocks and block.root_element != tree_root_element(txn.merkle_hashes()):
            raise _reject("ledger.bad_root_element", block, "not the current TxOut tree root")

    @staticmethod
    def _check_key_images(txn: _WriteTxn, block: Block, key_images: Sequence[KeyImage]) -> None:
        seen: set[bytes] = set()
        for ki in key_images:
            raw = ki.to_bytes()
            if raw in seen:
                raise _reject("ledger.duplicate_key_image", block, f"{raw.hex()} twice")
            seen.add(raw)
            if txn.get(DB_KEY_IMAGES, raw) is not None:
                raise _reject("ledger.key_image_spent", block, f"{raw.hex()} already spent")

    @staticmethod
    def _check_output_keys(txn: _WriteTxn, block: Block, outputs: Sequence[TxOut]) -> None:
        seen: set[bytes] = set()
        for out in outputs:
            raw = out.public_key.to_bytes()
            if raw in seen or txn.get(DB_TX_OUT_INDEX_BY_PUBLIC_KEY, raw) is not None:
                raise _reject("ledger.duplicate_output_public_key", block,
                              f"output public key {raw.hex()} is not new")
            seen.add(raw)

    @staticmethod
    def _write(txn: _WriteTxn, block: Block, contents: BlockContents,
               stored_signature: bytes | None, first: int) -> None:
        key = be64(block.index)
        txn.put(DB_BLOCKS, key, block_to_protobuf(block))
        if stored_signature is not None:
            txn.put(DB_BLOCK_SIGNATURES, key, stored_signature)
        for ki in contents.key_images:
            txn.put(DB_KEY_IMAGES, ki.to_bytes(), key)
        txn.put(DB_KEY_IMAGES_BY_BLOCK, key, key_images_to_protobuf(contents.key_images))
        txn.put(DB_TX_OUTS_BY_BLOCK, key, tx_outs_by_block_value(first, len(contents.outputs)))
        leaves = []
        for offset, out in enumerate(contents.outputs):
            index_key = be64(first + offset)
            out_hash = out.hash()
            txn.put(DB_TX_OUT_BY_INDEX, index_key, tx_out_to_protobuf(out))
            txn.put(DB_TX_OUT_INDEX_BY_HASH, out_hash, index_key)
            txn.put(DB_TX_OUT_INDEX_BY_PUBLIC_KEY, out.public_key.to_bytes(), index_key)
            txn.put(DB_BLOCK_NUMBER_BY_TX_OUT_INDEX, index_key, key)
            leaves.append(blake2b256(TXOUT_MERKLE_LEAF_DOMAIN_TAG, out_hash))  # = hash_leaf
        update_merkle_hashes(
            lambda k, v: txn.put(DB_MERKLE_HASH_BY_RANGE, k, v),
            lambda k: txn.get(DB_MERKLE_HASH_BY_RANGE, k),
            first,
            leaves,
        )
        txn.put(DB_TX_OUT_COUNTS, NUM_TX_OUTS_KEY, be64(first + len(contents.outputs)))
        txn.put(DB_COUNTS, NUM_BLOCKS_KEY, be64(block.index + 1))


def copy_ledger(origin: Path, destination: Path) -> None:
    """Install a copy of the (quiescent) ledger in ``origin`` into ``destination``, which holds
    no ``data.mdb``: the tip journal first, then ``data.mdb``, each copied under a temporary
    name, fsynced and renamed into place, so ``destination`` holds a ledger only once both are
    there (a journal copied before the data never leads it). MobileCoin's node copies the
    origin ``data.mdb`` alone (``consensus/service/src/bin/main.rs``, ``setup_ledger_dir``)."""
    origin, destination = Path(origin), Path(destination)
    with typed_errors(destination, "copy the ledger"):
        destination.mkdir(parents=True, exist_ok=True)
        for name in (JOURNAL_FILE, DATA_FILE):
            temporary = destination / f".{name}.copy-{os.getpid()}"
            shutil.copyfile(origin / name, temporary)
            fd = os.open(temporary, os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, destination / name)
        fd = os.open(destination, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
