"""The ledger on disk: an LMDB environment holding blocks, key images, TxOuts and the Merkle tree.

MobileCoin ``ledger/db/src/ledger_db.rs`` (``LedgerDB``, ``validate_append_block``) and
``ledger/db/src/tx_out_store.rs`` (``TxOutStore``, ``update_merkle_hashes``,
``get_merkle_proof_of_membership``); notes/crypto-ledger.md §5, §6.7.

One LMDB environment per directory, with named databases mirroring MobileCoin's:

=========================================  =========================================================
``ledger_db:counts``                       ``b"num_blocks"`` -> BE64
``ledger_db:blocks``                       BE64(block index) -> protobuf ``Block``
``ledger_db:block_signatures``             BE64(block index) -> protobuf ``BlockSignature``
``ledger_db:key_images``                   key image (32) -> BE64(block index where it was spent)
``ledger_db:key_images_by_block``          BE64(block index) -> protobuf ``KeyImageList``
``ledger_db:tx_outs_by_block``             BE64(block index) -> ``{first_tx_out_index=1,
                                           num_tx_outs=2}`` (protobuf varints)
``ledger_db:block_number_by_tx_out_index`` BE64(TxOut index) -> BE64(block index)
``tx_out_store:counts``                    ``b"num_tx_outs"`` -> BE64
``tx_out_store:tx_out_by_index``           BE64(TxOut index) -> protobuf ``TxOut``
``tx_out_store:tx_out_index_by_hash``      ``TxOut::hash()`` (32) -> BE64(TxOut index)
``tx_out_store:tx_out_index_by_public_key`` public key (32) -> BE64(TxOut index)
``tx_out_store:merkle_hash_by_range``      BE64(from) || BE64(to) -> 32-byte node hash
``mcref:meta``                             ``b"format"`` -> :data:`FORMAT_MARKER`
=========================================  =========================================================

Only key images and outputs reach the store: a block's transactions (rings, membership proofs,
MLSAGs, range proofs) are never given to it (the privacy rule of §6.7).

Durability: the environment is opened with ``sync=True, metasync=True`` and every append is ONE
write transaction. When :meth:`LedgerStore.append_block` returns, the block, its contents, its
signature, the indexes and the Merkle hashes are on stable storage (LMDB fsyncs the data and
then the meta page). A crash or SIGKILL at any moment leaves the ledger exactly as it was after
some whole number of appends: every append that returned, plus possibly the one that was
interrupted after its commit reached the disk but before it returned; never part of a block.
A rejected append writes nothing (the transaction is aborted).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TypeVar

import lmdb

from refimpl import protobuf as pb
from refimpl.crypto.hashing import TXOUT_MERKLE_LEAF_DOMAIN_TAG, blake2b256
from refimpl.errors import LedgerError, RefImplError
from refimpl.ledger.block import HASH_LEN, Block, BlockContents
from refimpl.ledger.block_protobuf import (
    block_from_protobuf,
    block_to_protobuf,
    key_images_from_protobuf,
    key_images_to_protobuf,
)
from refimpl.ledger.merkle import (
    NIL_HASH,
    hash_nodes,
    next_power_of_two,
    proof_of_membership,
)
from refimpl.ledger.merkle import root_element as tree_root_element
from refimpl.ledger.merkle import root_hash as tree_root_hash
from refimpl.ledger.merkle_types import Range, TxOutMembershipElement, TxOutMembershipProof
from refimpl.ledger.signature import BlockSignature, verify
from refimpl.transaction.block_version import MAX_BLOCK_VERSION
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.tx import tx_out_from_protobuf, tx_out_to_protobuf
from refimpl.transaction.tx_out import TxOut

#: The value of ``mcref:meta/format``: what tells an mcref ledger from any other directory.
FORMAT_MARKER = b"mcref-ledger/1"
#: Address space reserved for the memory map (the file grows only as data is written).
DEFAULT_MAP_SIZE = 1 << 34

DB_COUNTS = b"ledger_db:counts"
DB_BLOCKS = b"ledger_db:blocks"
DB_BLOCK_SIGNATURES = b"ledger_db:block_signatures"
DB_KEY_IMAGES = b"ledger_db:key_images"
DB_KEY_IMAGES_BY_BLOCK = b"ledger_db:key_images_by_block"
DB_TX_OUTS_BY_BLOCK = b"ledger_db:tx_outs_by_block"
DB_BLOCK_NUMBER_BY_TX_OUT_INDEX = b"ledger_db:block_number_by_tx_out_index"
DB_TX_OUT_COUNTS = b"tx_out_store:counts"
DB_TX_OUT_BY_INDEX = b"tx_out_store:tx_out_by_index"
DB_TX_OUT_INDEX_BY_HASH = b"tx_out_store:tx_out_index_by_hash"
DB_TX_OUT_INDEX_BY_PUBLIC_KEY = b"tx_out_store:tx_out_index_by_public_key"
DB_MERKLE_HASH_BY_RANGE = b"tx_out_store:merkle_hash_by_range"
DB_META = b"mcref:meta"

ALL_DBS = (
    DB_COUNTS, DB_BLOCKS, DB_BLOCK_SIGNATURES, DB_KEY_IMAGES, DB_KEY_IMAGES_BY_BLOCK,
    DB_TX_OUTS_BY_BLOCK, DB_BLOCK_NUMBER_BY_TX_OUT_INDEX, DB_TX_OUT_COUNTS, DB_TX_OUT_BY_INDEX,
    DB_TX_OUT_INDEX_BY_HASH, DB_TX_OUT_INDEX_BY_PUBLIC_KEY, DB_MERKLE_HASH_BY_RANGE, DB_META,
)
NUM_BLOCKS_KEY = b"num_blocks"
NUM_TX_OUTS_KEY = b"num_tx_outs"
FORMAT_KEY = b"format"

_BE64 = struct.Struct(">Q")
_T = TypeVar("_T")


def be64(n: int) -> bytes:
    """``u64_to_key_bytes``: big-endian, so LMDB's byte order is numeric order."""
    return _BE64.pack(n)


def _from_be64(data: bytes) -> int:
    if len(data) != 8:
        raise LedgerError("ledger.corrupted", "a stored u64 is not 8 bytes")
    value: int = _BE64.unpack(data)[0]
    return value


def _block_key(index: int) -> bytes:
    """The key of block ``index``; an index outside u64 names no block."""
    if not 0 <= index < 2**64:
        raise LedgerError("ledger.block_index_out_of_bounds", f"no block {index}")
    return _BE64.pack(index)


def _tx_out_key(index: int) -> bytes:
    if not 0 <= index < 2**64:
        raise LedgerError("ledger.tx_out_index_out_of_bounds", f"no TxOut {index}")
    return _BE64.pack(index)


def range_key(from_: int, to: int) -> bytes:
    """The ``merkle_hash_by_range`` key: ``BE64(from) || BE64(to)``."""
    return _BE64.pack(from_) + _BE64.pack(to)


def _decoded(decode: Callable[[bytes], _T], data: bytes, what: str) -> _T:
    """Decode stored bytes; a typed decoding error means the store is corrupted."""
    try:
        return decode(data)
    except RefImplError as exc:
        raise LedgerError("ledger.corrupted", f"stored {what} does not decode: {exc}") from None


def tx_outs_by_block_value(first: int, count: int) -> bytes:
    """``TxOutsByBlockValue { uint64 first_tx_out_index = 1; uint64 num_tx_outs = 2; }``."""
    return (pb.varint_field(1, first) if first else b"") + (
        pb.varint_field(2, count) if count else b""
    )


class _Txn:
    """One LMDB transaction with the named databases: the reads and writes of the store."""

    def __init__(self, txn: lmdb.Transaction, dbs: dict[bytes, lmdb._Database]) -> None:
        self.txn = txn
        self.dbs = dbs

    def get(self, db: bytes, key: bytes) -> bytes | None:
        value = self.txn.get(key, db=self.dbs[db])
        return None if value is None else bytes(value)

    def put(self, db: bytes, key: bytes, value: bytes) -> None:
        self.txn.put(key, value, db=self.dbs[db])

    def count(self, db: bytes, key: bytes) -> int:
        raw = self.get(db, key)
        if raw is None:
            raise LedgerError("ledger.corrupted", f"the count {key.decode()} is missing")
        return _from_be64(raw)

    def num_blocks(self) -> int:
        return self.count(DB_COUNTS, NUM_BLOCKS_KEY)

    def num_tx_outs(self) -> int:
        return self.count(DB_TX_OUT_COUNTS, NUM_TX_OUTS_KEY)

    def block(self, index: int) -> Block:
        raw = self.get(DB_BLOCKS, _block_key(index))
        if raw is None:
            raise LedgerError("ledger.block_index_out_of_bounds", f"no block {index}")
        return _decoded(block_from_protobuf, raw, f"block {index}")

    def tx_out(self, index: int) -> TxOut:
        raw = self.get(DB_TX_OUT_BY_INDEX, _tx_out_key(index))
        if raw is None:
            raise LedgerError("ledger.tx_out_index_out_of_bounds", f"no TxOut {index}")
        return _decoded(tx_out_from_protobuf, raw, f"TxOut {index}")

    def merkle_hashes(self) -> _StoredMerkleHashes:
        return _StoredMerkleHashes(self, self.num_tx_outs())


class _StoredMerkleHashes:
    """:class:`refimpl.ledger.merkle.MerkleHashSource` over ``merkle_hash_by_range``: each
    ``merkle_hash`` is one LMDB read, so a proof costs O(log n) reads."""

    def __init__(self, txn: _Txn, num_leaves: int) -> None:
        self._txn = txn
        self._num_leaves = num_leaves

    def num_leaves(self) -> int:
        return self._num_leaves

    def merkle_hash(self, r: Range) -> bytes:
        digest = self._txn.get(DB_MERKLE_HASH_BY_RANGE, range_key(r.from_, r.to))
        if digest is None or len(digest) != HASH_LEN:
            raise LedgerError(
                "ledger.corrupted", f"no stored Merkle hash for range [{r.from_}, {r.to}]"
            )
        return digest


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


class LedgerStore:
    """An append-only MobileCoin ledger in one LMDB directory (see the module docstring)."""

    def __init__(self, env: lmdb.Environment, dbs: dict[bytes, lmdb._Database], path: Path,
                 read_only: bool) -> None:
        self._env = env
        self._dbs = dbs
        self.path = path
        self.read_only = read_only
        self._closed = False

    # --- opening and closing ------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, map_size: int = DEFAULT_MAP_SIZE) -> LedgerStore:
        """Make an empty ledger in ``path`` (created if needed); ``ledger.already_exists`` when
        it already holds an LMDB environment, ``ledger.not_a_ledger`` when it is a file."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise LedgerError("ledger.not_a_ledger", f"{path} is not a directory")
        if (path / "data.mdb").exists():
            raise LedgerError("ledger.already_exists", f"{path} already holds a database")
        path.mkdir(parents=True, exist_ok=True)
        env = lmdb.open(str(path), subdir=True, map_size=map_size, max_dbs=len(ALL_DBS),
                        sync=True, metasync=True)
        with env.begin(write=True) as txn:
            dbs = {name: env.open_db(name, txn=txn, create=True) for name in ALL_DBS}
            txn.put(FORMAT_KEY, FORMAT_MARKER, db=dbs[DB_META])
            txn.put(NUM_BLOCKS_KEY, be64(0), db=dbs[DB_COUNTS])
            txn.put(NUM_TX_OUTS_KEY, be64(0), db=dbs[DB_TX_OUT_COUNTS])
        return cls(env, dbs, path, read_only=False)

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False,
             map_size: int = DEFAULT_MAP_SIZE) -> LedgerStore:
        """Open an existing ledger. ``ledger.not_a_ledger``: no LMDB environment there, or one
        without the mcref format marker; ``ledger.corrupted``: an unreadable environment or
        counts that disagree with the stored blocks."""
        path = Path(path)
        if not path.is_dir() or not (path / "data.mdb").is_file():
            raise LedgerError("ledger.not_a_ledger", f"{path} holds no ledger")
        try:
            env = lmdb.open(str(path), subdir=True, map_size=map_size, max_dbs=len(ALL_DBS),
                            sync=True, metasync=True, create=False, readonly=read_only)
        except lmdb.Error as exc:
            raise LedgerError("ledger.corrupted", f"{path}: {exc}") from None
        try:
            env.reader_check()  # free reader slots of processes that died (e.g. SIGKILL)
            dbs = cls._open_dbs(env, path)
        except BaseException:
            env.close()
            raise
        store = cls(env, dbs, path, read_only)
        try:
            store._check_counts()
        except BaseException:
            store.close()
            raise
        return store

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
        """The counts agree with the last block and the stored TxOuts."""
        with self._read() as txn:
            n = txn.num_blocks()
            tx_outs = txn.num_tx_outs()
            if txn.get(DB_BLOCKS, be64(n)) is not None:
                raise LedgerError("ledger.corrupted", f"a block is stored past num_blocks={n}")
            if n and txn.get(DB_BLOCKS, be64(n - 1)) is None:
                raise LedgerError("ledger.corrupted", f"block {n - 1} is missing")
            expected = txn.block(n - 1).cumulative_txo_count if n else 0
            if tx_outs != expected:
                raise LedgerError("ledger.corrupted",
                                  f"{tx_outs} TxOuts stored, the last block counts {expected}")

    def close(self) -> None:
        """Release the environment (idempotent)."""
        if not self._closed:
            self._closed = True
            self._env.close()

    def __enter__(self) -> LedgerStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _read(self) -> _ReadContext:
        return _ReadContext(self)

    # --- reads --------------------------------------------------------------------------------
    def num_blocks(self) -> int:
        with self._read() as txn:
            return txn.num_blocks()

    def num_tx_outs(self) -> int:
        with self._read() as txn:
            return txn.num_tx_outs()

    def get_block(self, index: int) -> Block:
        with self._read() as txn:
            return txn.block(index)

    def last_block(self) -> Block | None:
        """The newest block, ``None`` for an empty ledger."""
        with self._read() as txn:
            n = txn.num_blocks()
            return txn.block(n - 1) if n else None

    def get_block_signature(self, index: int) -> BlockSignature | None:
        """The block's signature, ``None`` when it was stored without one."""
        with self._read() as txn:
            key = _block_key(index)
            if txn.get(DB_BLOCKS, key) is None:
                raise LedgerError("ledger.block_index_out_of_bounds", f"no block {index}")
            raw = txn.get(DB_BLOCK_SIGNATURES, key)
            if raw is None:
                return None
            return _decoded(BlockSignature.from_protobuf, raw, f"signature of block {index}")

    def get_block_contents(self, index: int) -> BlockContents:
        """The key images and outputs the block added (nothing else is ever stored)."""
        with self._read() as txn:
            key = _block_key(index)
            raw_images = txn.get(DB_KEY_IMAGES_BY_BLOCK, key)
            raw_outs = txn.get(DB_TX_OUTS_BY_BLOCK, key)
            if raw_images is None or raw_outs is None:
                if txn.get(DB_BLOCKS, key) is None:
                    raise LedgerError("ledger.block_index_out_of_bounds", f"no block {index}")
                raise LedgerError("ledger.corrupted", f"the contents of block {index} are missing")
            key_images = _decoded(key_images_from_protobuf, raw_images, "key image list")
            first, count = _decoded(_tx_outs_by_block, raw_outs, "tx_outs_by_block")
            outputs = tuple(txn.tx_out(i) for i in range(first, first + count))
            return BlockContents(key_images, outputs)

    def get_tx_out(self, index: int) -> TxOut:
        with self._read() as txn:
            return txn.tx_out(index)

    def get_tx_out_index_by_public_key(self, public_key: bytes) -> int | None:
        """The global index of the TxOut with this 32-byte public key, or ``None``."""
        if len(public_key) != HASH_LEN:
            return None
        with self._read() as txn:
            raw = txn.get(DB_TX_OUT_INDEX_BY_PUBLIC_KEY, bytes(public_key))
            return None if raw is None else _from_be64(raw)

    def get_tx_out_index_by_hash(self, tx_out_hash: bytes) -> int | None:
        """The global index of the TxOut whose ``TxOut::hash()`` is given, or ``None``."""
        if len(tx_out_hash) != HASH_LEN:
            return None
        with self._read() as txn:
            raw = txn.get(DB_TX_OUT_INDEX_BY_HASH, bytes(tx_out_hash))
            return None if raw is None else _from_be64(raw)

    def get_block_index_by_tx_out_index(self, index: int) -> int:
        with self._read() as txn:
            raw = txn.get(DB_BLOCK_NUMBER_BY_TX_OUT_INDEX, _tx_out_key(index))
            if raw is None:
                raise LedgerError("ledger.tx_out_index_out_of_bounds", f"no TxOut {index}")
            return _from_be64(raw)

    def check_key_image(self, key_image: KeyImage) -> int | None:
        """``check_key_image``: the index of the block that spent it, or ``None``."""
        with self._read() as txn:
            raw = txn.get(DB_KEY_IMAGES, key_image.to_bytes())
            return None if raw is None else _from_be64(raw)

    def root_hash(self) -> bytes:
        """The TxOut tree root hash now (NIL_HASH for no TxOuts)."""
        with self._read() as txn:
            return tree_root_hash(txn.merkle_hashes())

    def root_element(self) -> TxOutMembershipElement:
        """The root element ``[0, next_pow2(N) - 1]`` now (``ledger.merkle_empty_tree`` for no
        TxOuts): the ``root_element`` the next block must carry."""
        with self._read() as txn:
            return tree_root_element(txn.merkle_hashes())

    def stored_merkle_hashes(self) -> Iterator[tuple[Range, bytes]]:
        """Every stored ``(range, hash)`` of ``merkle_hash_by_range`` in key order (for
        ``mcref ledger verify``), read in one transaction."""
        with self._read() as txn:
            cursor = txn.txn.cursor(db=txn.dbs[DB_MERKLE_HASH_BY_RANGE])
            for key, value in cursor:
                if len(key) != 16 or len(value) != HASH_LEN:
                    raise LedgerError("ledger.corrupted", "a Merkle range record is malformed")
                from_, to = _BE64.unpack(key[:8])[0], _BE64.unpack(key[8:])[0]
                if from_ > to:
                    raise LedgerError("ledger.corrupted", "a Merkle range has from > to")
                yield Range(from_, to), bytes(value)

    def get_membership_proof(self, index: int) -> TxOutMembershipProof:
        """``get_merkle_proof_of_membership``: the proof of TxOut ``index`` against the current
        root, built from O(log n) stored range hashes in one read transaction."""
        with self._read() as txn:
            return proof_of_membership(txn.merkle_hashes(), index)

    def get_membership_proofs(self, indices: Sequence[int]) -> tuple[TxOutMembershipProof, ...]:
        """Proofs of several TxOuts against one root (one read transaction)."""
        with self._read() as txn:
            source = txn.merkle_hashes()
            return tuple(proof_of_membership(source, i) for i in indices)

    def block_for(self, contents: BlockContents, version: int | None = None) -> Block:
        """The block that would append ``contents`` next: the origin block (outputs only) on an
        empty ledger, else ``Block::new_with_parent`` of the last block at the current root,
        with the last block's version unless ``version`` is given. Nothing is written."""
        with self._read() as txn:
            n = txn.num_blocks()
            if n == 0:
                return Block.new_origin_block(contents.outputs)
            last = txn.block(n - 1)
            root = tree_root_element(txn.merkle_hashes())
        return Block.new_with_parent(
            last.version if version is None else version, last, root, contents
        )

    # --- append -------------------------------------------------------------------------------
    def append_block(self, block: Block, contents: BlockContents,
                     signature: BlockSignature | None = None) -> None:
        """``append_block``: check the block against the ledger (``validate_append_block``),
        then write it, its contents, its signature, the indexes and the Merkle hashes in ONE
        write transaction. On any rejection (a typed ``ledger.*`` error) nothing is written."""
        if self.read_only:
            raise LedgerError("ledger.read_only", f"the ledger at {self.path} is read-only")
        if self._closed:
            raise LedgerError("ledger.closed", f"the ledger at {self.path} is closed")
        raw_txn = self._env.begin(write=True)
        try:
            txn = _Txn(raw_txn, self._dbs)
            num_tx_outs = txn.num_tx_outs()
            self._validate_append(txn, block, contents, num_tx_outs)
            if signature is not None:
                verify(block, signature)
            self._write(txn, block, contents, signature, num_tx_outs)
        except BaseException:
            raw_txn.abort()
            raise
        raw_txn.commit()

    def _validate_append(self, txn: _Txn, block: Block, contents: BlockContents,
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
            last = txn.block(num_blocks - 1)
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
    def _check_key_images(txn: _Txn, block: Block, key_images: Sequence[KeyImage]) -> None:
        seen: set[bytes] = set()
        for ki in key_images:
            raw = ki.to_bytes()
            if raw in seen:
                raise _reject("ledger.duplicate_key_image", block, f"{raw.hex()} twice")
            seen.add(raw)
            if txn.get(DB_KEY_IMAGES, raw) is not None:
                raise _reject("ledger.key_image_spent", block, f"{raw.hex()} already spent")

    @staticmethod
    def _check_output_keys(txn: _Txn, block: Block, outputs: Sequence[TxOut]) -> None:
        seen: set[bytes] = set()
        for out in outputs:
            raw = out.public_key.to_bytes()
            if raw in seen or txn.get(DB_TX_OUT_INDEX_BY_PUBLIC_KEY, raw) is not None:
                raise _reject("ledger.duplicate_output_public_key", block,
                              f"output public key {raw.hex()} is not new")
            seen.add(raw)

    @staticmethod
    def _write(txn: _Txn, block: Block, contents: BlockContents,
               signature: BlockSignature | None, first: int) -> None:
        key = be64(block.index)
        txn.put(DB_BLOCKS, key, block_to_protobuf(block))
        if signature is not None:
            txn.put(DB_BLOCK_SIGNATURES, key, signature.to_protobuf())
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


def _tx_outs_by_block(data: bytes) -> tuple[int, int]:
    fields = pb.Fields(data)
    return fields.get_uint(1), fields.get_uint(2)


class _ReadContext:
    """``with store._read() as txn``: a read transaction wrapped as :class:`_Txn`."""

    def __init__(self, store: LedgerStore) -> None:
        self._store = store
        self._txn: lmdb.Transaction | None = None

    def __enter__(self) -> _Txn:
        store = self._store
        if store._closed:
            raise LedgerError("ledger.closed", f"the ledger at {store.path} is closed")
        self._txn = store._env.begin(write=False)
        return _Txn(self._txn, store._dbs)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._txn is not None
        self._txn.abort()
