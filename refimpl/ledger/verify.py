"""Re-check a stored ledger from its first block: what ``mcref ledger verify`` reports.

Everything is read through ONE snapshot (one LMDB read transaction, begun while the tip
journal is read under its shared lock: ``refimpl/ledger/journal.py``), so appends by another
process meanwhile are never half-seen and never reported as damage.

1. The databases: LMDB's main database names exactly the 13 named databases
   (``refimpl/ledger/layout.py``); ``mcref:meta`` holds only the format marker; each counts
   database holds only its count.
2. Each block, in order, as :meth:`refimpl.ledger.store.LedgerStore.append_block` checked it
   (MobileCoin ``validate_append_block`` in ``ledger/db/src/ledger_db.rs``) but against the
   blocks before it rather than the store's indexes: index, parent link, version order, block
   id, contents hash, cumulative TxOut count, root element (recomputed with an in-memory
   :class:`MerkleTree`), key images never spent twice, output public keys new, the signature
   when one is stored. Every record the block implies must be there with the exact bytes of
   its canonical encoding (block, signature, ``key_images_by_block``, ``tx_outs_by_block``,
   each TxOut) and every index entry must hold the value recomputed from the block
   (``key_images``, ``tx_out_index_by_hash``, ``tx_out_index_by_public_key``,
   ``block_number_by_tx_out_index``). The block's tip-journal record must name its id and the
   digest of its stored signature (a signature deleted or moved is caught here).
3. Nothing more is stored: the journal does not lead the database (``ledger.rollback``), the
   TxOut count is the blocks', no database holds more records than the blocks imply (LMDB's
   O(1) entry counts; only when one disagrees is it scanned, to name the stale, injected or
   past-the-tip record), and every stored Merkle range hash equals the recomputed tree's.

The report names the first fault: a fault of the database set or of the journal file as a whole
(no block index) before any block's, else the lowest block index.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import attrs

from refimpl.errors import LedgerError, RefImplError
from refimpl.ledger.block import HASH_LEN, Block, BlockContents
from refimpl.ledger.block_protobuf import (
    block_from_protobuf,
    block_to_protobuf,
    key_images_from_protobuf,
    key_images_to_protobuf,
)
from refimpl.ledger.journal import (
    JournalEntry,
    JournalRead,
    TipRecord,
    check_entry,
    check_length,
    read_journal,
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
    DB_META,
    DB_TX_OUT_BY_INDEX,
    DB_TX_OUT_COUNTS,
    DB_TX_OUT_INDEX_BY_HASH,
    DB_TX_OUT_INDEX_BY_PUBLIC_KEY,
    DB_TX_OUTS_BY_BLOCK,
    FORMAT_KEY,
    FORMAT_MARKER,
    NUM_BLOCKS_KEY,
    NUM_TX_OUTS_KEY,
    be64,
    decoded,
    from_be64,
    tx_outs_by_block_from_value,
    tx_outs_by_block_value,
)
from refimpl.ledger.signature import BlockSignature, verify
from refimpl.ledger.snapshot import LedgerSnapshot
from refimpl.ledger.store import LedgerStore
from refimpl.transaction.block_version import MAX_BLOCK_VERSION
from refimpl.transaction.membership_proofs.merkle import MerkleTree, next_power_of_two
from refimpl.transaction.membership_proofs.types import TxOutMembershipElement
from refimpl.transaction.tx import tx_out_from_protobuf, tx_out_to_protobuf
from refimpl.transaction.tx_out import TxOut


@attrs.frozen
class BlockFault:
    """What is wrong, as a ``ledger.*`` code and a message, and the block it concerns
    (``None`` for the databases or the journal file as a whole)."""

    index: int | None
    code: str
    message: str


@attrs.frozen
class VerifyReport:
    num_blocks: int
    num_tx_outs: int
    signed_blocks: int
    journal_records: int
    fault: BlockFault | None

    @property
    def ok(self) -> bool:
        return self.fault is None


def verify_ledger(store: LedgerStore) -> VerifyReport:
    """Verify ``store`` through one snapshot, begun under the journal's shared lock."""
    with ExitStack() as stack:
        with read_journal(store.path) as journal:
            snap = stack.enter_context(store.snapshot())
        return verify_snapshot(snap, journal)


def verify_path(path: str | Path) -> VerifyReport:
    """Open the ledger at ``path`` read-only without the open-time checks (which would refuse
    what the report should name: a rollback, a block past the tip, ...) and verify it."""
    with LedgerStore.open_for_verify(path) as store:
        return verify_ledger(store)


def verify_snapshot(snap: LedgerSnapshot, journal: JournalRead) -> VerifyReport:
    """The checks of the module docstring on one snapshot and the journal as read with it."""
    walk = _Walk(snap, journal.entries)
    found: list[BlockFault | None] = []
    structure = _first(_check_databases(snap))
    if structure is not None:
        found.append(structure)
    else:
        block_fault = walk.run(snap.num_blocks())
        found.append(block_fault if block_fault is not None else _first(_after_walk(walk, journal)))
    if journal.fault is not None:
        found.append(BlockFault(journal.fault_block, journal.fault.code, journal.fault.message))
    faults = [f for f in found if f is not None]
    fault = min(faults, key=lambda f: -1 if f.index is None else f.index, default=None)
    return VerifyReport(walk.blocks, walk.tree.num_leaves(), walk.signed, len(journal.entries),
                        fault)


def _first(faults: Iterator[BlockFault]) -> BlockFault | None:
    return next(faults, None)


def _fail(code: str, message: str) -> LedgerError:
    return LedgerError(code, message)


def _canonical(raw: bytes, encoded: bytes, what: str) -> None:
    if raw != encoded:
        raise _fail("ledger.non_canonical", f"the stored {what} is not the canonical encoding "
                    "of what it decodes to")


def _exact_entry(snap: LedgerSnapshot, db: bytes, key: bytes, expected: bytes,
                 what: str) -> None:
    """Index entry ``key`` of ``db`` must hold exactly ``expected``."""
    stored = snap.get(db, key)
    if stored is None:
        raise _fail("ledger.missing_entry", f"{db.decode()} has no entry for {what}")
    if stored != expected:
        raise _fail("ledger.wrong_entry", f"{db.decode()} maps {what} to {stored.hex()}, the "
                    f"blocks say {expected.hex()}")


# --- 1. the databases ---------------------------------------------------------------------------
def _check_databases(snap: LedgerSnapshot) -> Iterator[BlockFault]:
    names = snap.database_names()
    unknown = sorted(set(names) - set(ALL_DBS))
    missing = sorted(set(ALL_DBS) - set(names))
    if unknown or missing:
        yield BlockFault(None, "ledger.bad_database_set",
                         f"LMDB's main database names {[n.decode('latin-1') for n in unknown]} "
                         f"beyond the ledger's, lacks {[n.decode() for n in missing]}")
        return
    for db, key in ((DB_META, FORMAT_KEY), (DB_COUNTS, NUM_BLOCKS_KEY),
                    (DB_TX_OUT_COUNTS, NUM_TX_OUTS_KEY)):
        if snap.entries(db) != 1:
            others = [k.hex() for k, _v in snap.items(db) if k != key]
            yield BlockFault(None, "ledger.extra_entry",
                             f"{db.decode()} holds keys {others} besides {key.decode()}")
            return
    if snap.get(DB_META, FORMAT_KEY) != FORMAT_MARKER:
        yield BlockFault(None, "ledger.wrong_entry", "the format marker is not the ledger's")
        return
    try:
        snap.num_blocks()
        snap.num_tx_outs()
    except LedgerError as exc:
        yield BlockFault(None, exc.code, exc.message)


# --- 2. block by block --------------------------------------------------------------------------
class _Walk:
    """The state carried from block to block, and the per-block checks."""

    def __init__(self, snap: LedgerSnapshot, journal: tuple[JournalEntry, ...]) -> None:
        self.snap = snap
        self.journal = journal
        self.tree = MerkleTree()
        self.previous: Block | None = None
        self.key_images: set[bytes] = set()
        self.public_keys: set[bytes] = set()
        self.cumulative: list[int] = []  # cumulative TxOut count after each block
        self.signed = 0
        self.blocks = 0

    def run(self, num_blocks: int) -> BlockFault | None:
        """Check blocks ``0..num_blocks-1``; the first failing one stops the walk."""
        for i in range(num_blocks):
            try:
                self._check_block(i)
            except RefImplError as exc:
                code = exc.code if isinstance(exc, LedgerError) else "ledger.corrupted"
                return BlockFault(i, code, exc.message)
            self.blocks = i + 1
        return None

    def block_of_tx_out(self, index: int) -> int:
        """The walked block holding TxOut ``index``."""
        return bisect.bisect_right(self.cumulative, index)

    def _stored(self, db: bytes, key: bytes, what: str) -> bytes:
        raw = self.snap.get(db, key)
        if raw is None:
            raise _fail("ledger.missing_entry", f"{what} is missing")
        return raw

    def _read(self, i: int) -> tuple[Block, BlockContents]:
        """Block ``i`` and its contents, each record present and canonical."""
        key = be64(i)
        raw = self._stored(DB_BLOCKS, key, f"block {i}")
        block = decoded(block_from_protobuf, raw, f"block {i}")
        _canonical(raw, block_to_protobuf(block), f"block {i}")
        raw = self._stored(DB_KEY_IMAGES_BY_BLOCK, key, f"the key image list of block {i}")
        key_images = decoded(key_images_from_protobuf, raw, "key image list")
        _canonical(raw, key_images_to_protobuf(key_images), f"key image list of block {i}")
        raw = self._stored(DB_TX_OUTS_BY_BLOCK, key, f"the TxOut range of block {i}")
        first, count = decoded(tx_outs_by_block_from_value, raw, "tx_outs_by_block")
        _canonical(raw, tx_outs_by_block_value(first, count), f"TxOut range of block {i}")
        if first != self.tree.num_leaves():
            raise _fail("ledger.wrong_entry", f"tx_outs_by_block starts block {i} at TxOut "
                        f"{first}, the blocks before it end at {self.tree.num_leaves()}")
        return block, BlockContents(key_images, tuple(
            self._tx_out(t) for t in range(first, first + count)))

    def _tx_out(self, index: int) -> TxOut:
        raw = self._stored(DB_TX_OUT_BY_INDEX, be64(index), f"TxOut {index}")
        out = decoded(tx_out_from_protobuf, raw, f"TxOut {index}")
        _canonical(raw, tx_out_to_protobuf(out), f"TxOut {index}")
        return out

    def _check_block(self, i: int) -> None:
        block, contents = self._read(i)
        self._check_header(i, block, contents)
        stored_signature = self.snap.get(DB_BLOCK_SIGNATURES, be64(i))
        if stored_signature is not None:
            signature = decoded(BlockSignature.from_protobuf, stored_signature,
                                f"signature of block {i}")
            _canonical(stored_signature, signature.to_protobuf(), f"signature of block {i}")
            verify(block, signature)
            self.signed += 1
        self._check_contents(i, contents)
        if i < len(self.journal):
            check_entry(self.journal[i],
                        TipRecord(i, block.id, signature_digest(stored_signature)))
        self.previous = block
        self.cumulative.append(self.tree.num_leaves())

    def _check_header(self, i: int, block: Block, contents: BlockContents) -> None:
        prev = self.previous
        if block.index != i:
            raise _fail("ledger.bad_block_index", f"stored under {i} but has index {block.index}")
        if prev is None:
            if block.version != 0 or block.parent_id != bytes(HASH_LEN):
                raise _fail("ledger.bad_origin_block",
                            "origin must be version 0 with a zero parent")
            if block.root_element != TxOutMembershipElement():
                raise _fail("ledger.bad_root_element",
                            "origin must carry the default root element")
        else:
            if block.parent_id != prev.id:
                raise _fail("ledger.bad_parent_id", f"parent_id is not the id of block {i - 1}")
            if not prev.version <= block.version <= MAX_BLOCK_VERSION:
                raise _fail("ledger.bad_block_version", f"version {block.version} after "
                            f"{prev.version}")
            if block.root_element != self.tree.root_element():
                raise _fail("ledger.bad_root_element", "not the TxOut tree root before the block")
            if not contents.key_images:
                raise _fail("ledger.no_key_images", "no key images are spent")
        if not block.is_block_id_valid():
            raise _fail("ledger.bad_block_id", "the id does not match the fields")
        if block.contents_hash != contents.hash():
            raise _fail("ledger.contents_hash_mismatch", "the stored contents hash differently")
        if not contents.outputs:
            raise _fail("ledger.no_outputs", "the block has no outputs")
        expected = self.tree.num_leaves() + len(contents.outputs)
        if block.cumulative_txo_count != expected:
            raise _fail("ledger.bad_cumulative_txo_count", f"expected {expected}")

    def _check_contents(self, i: int, contents: BlockContents) -> None:
        block_key = be64(i)
        for ki in contents.key_images:
            raw = ki.to_bytes()
            if raw in self.key_images:
                raise _fail("ledger.key_image_spent", f"key image {raw.hex()} was spent before")
            self.key_images.add(raw)
            _exact_entry(self.snap, DB_KEY_IMAGES, raw, block_key, f"key image {raw.hex()}")
        for out in contents.outputs:
            if out.masked_amount is None:
                raise _fail("ledger.missing_masked_amount", "an output has no masked amount")
            raw = out.public_key.to_bytes()
            if raw in self.public_keys:
                raise _fail("ledger.duplicate_output_public_key", f"public key {raw.hex()} reused")
            self.public_keys.add(raw)
            index = self.tree.append(out)
            index_key = be64(index)
            what = f"TxOut {index}"
            _exact_entry(self.snap, DB_TX_OUT_INDEX_BY_PUBLIC_KEY, raw, index_key, what)
            _exact_entry(self.snap, DB_TX_OUT_INDEX_BY_HASH, out.hash(), index_key, what)
            _exact_entry(self.snap, DB_BLOCK_NUMBER_BY_TX_OUT_INDEX, index_key, block_key, what)


# --- 3. nothing more is stored ------------------------------------------------------------------
def _after_walk(walk: _Walk, journal: JournalRead) -> Iterator[BlockFault]:
    snap, n, t = walk.snap, walk.blocks, walk.tree.num_leaves()
    try:
        check_length(len(journal.entries), n, locked=journal.locked and journal.fault is None)
    except LedgerError as exc:
        yield BlockFault(n if exc.code == "ledger.rollback" else len(journal.entries),
                         exc.code, exc.message)
    if snap.num_tx_outs() != t:
        yield BlockFault(n - 1 if n else None, "ledger.wrong_entry",
                         f"the TxOut count is {snap.num_tx_outs()}, the blocks hold {t}")
    per_block = ((DB_BLOCKS, n), (DB_KEY_IMAGES_BY_BLOCK, n), (DB_TX_OUTS_BY_BLOCK, n),
                 (DB_BLOCK_SIGNATURES, walk.signed))
    for db, expected in per_block:
        if snap.entries(db) != expected:
            yield _past(snap, db, n, "block", lambda key: from_be64(key))
    for db in (DB_TX_OUT_BY_INDEX, DB_BLOCK_NUMBER_BY_TX_OUT_INDEX):
        if snap.entries(db) != t:
            yield _past(snap, db, t, "TxOut", lambda _key: None)
    if snap.entries(DB_KEY_IMAGES) != len(walk.key_images):
        yield _extra_key_image(walk)
    for db in (DB_TX_OUT_INDEX_BY_PUBLIC_KEY, DB_TX_OUT_INDEX_BY_HASH):
        if snap.entries(db) != t:
            yield _extra_tx_out_index(walk, db)
    yield from _merkle_faults(walk)


def _past(snap: LedgerSnapshot, db: bytes, tip: int, unit: str,
          block_of: Callable[[bytes], int | None]) -> BlockFault:
    """The record of ``db`` (keyed by BE64 block or TxOut index) past ``tip``."""
    for key, _value in snap.items(db):
        if len(key) != 8:
            return BlockFault(None, "ledger.extra_entry",
                              f"{db.decode()} holds the malformed key {key.hex()}")
        index = from_be64(key)
        if index >= tip:
            return BlockFault(block_of(key), "ledger.past_tip",
                              f"{db.decode()} holds {unit} {index}, past the last "
                              f"({tip - 1 if tip else 'none'})")
    return BlockFault(None, "ledger.corrupted", f"{db.decode()} counts {snap.entries(db)} "
                      "records, not those the blocks imply")


def _extra_key_image(walk: _Walk) -> BlockFault:
    for key, value in walk.snap.items(DB_KEY_IMAGES):
        if key not in walk.key_images:
            block = from_be64(value) if len(value) == 8 else None
            return BlockFault(block if block is not None and block < walk.blocks else None,
                              "ledger.extra_entry",
                              f"key image {key.hex()} is recorded spent in block {block}, but no "
                              "block spends it (an unspent key image would report spent)")
    return BlockFault(None, "ledger.corrupted", "the key image index counts more entries than "
                      "it holds")


def _extra_tx_out_index(walk: _Walk, db: bytes) -> BlockFault:
    """The entry of ``tx_out_index_by_public_key`` / ``_by_hash`` no stored TxOut accounts
    for (each is checked against the TxOut it names: only on this failure path)."""
    t = walk.tree.num_leaves()
    for key, value in walk.snap.items(db):
        index = from_be64(value) if len(value) == 8 else t
        if index < t:
            out = walk.snap.get_tx_out(index)
            own = out.public_key.to_bytes() if db == DB_TX_OUT_INDEX_BY_PUBLIC_KEY else out.hash()
            if own == key:
                continue
        return BlockFault(walk.block_of_tx_out(index) if index < t else None, "ledger.extra_entry",
                          f"{db.decode()} maps {key.hex()} to TxOut {value.hex()}, which is not "
                          "that TxOut's")
    return BlockFault(None, "ledger.corrupted", f"{db.decode()} counts more entries than it "
                      "holds")


def _merkle_faults(walk: _Walk) -> Iterator[BlockFault]:
    """Every stored range hash equals the recomputed tree's, none is missing or extra; a bad
    range is named by the block that last wrote it (the one holding its last stored leaf)."""
    tree, t = walk.tree, walk.tree.num_leaves()
    seen = 0
    try:
        for r, digest in walk.snap.stored_merkle_hashes():
            if r.from_ >= t:
                yield BlockFault(None, "ledger.past_tip",
                                 f"a Merkle hash is stored for range [{r.from_}, {r.to}], past "
                                 f"the last TxOut")
                return
            block = walk.block_of_tx_out(min(r.to, t - 1))
            try:
                expected = tree.merkle_hash(r)
            except LedgerError:
                yield BlockFault(block, "ledger.extra_entry",
                                 f"a Merkle hash is stored for [{r.from_}, {r.to}], not a range "
                                 "of the tree")
                return
            if expected != digest:
                yield BlockFault(block, "ledger.merkle_hash_mismatch",
                                 f"the stored hash of range [{r.from_}, {r.to}] is not the "
                                 "recomputed one")
                return
            seen += 1
    except LedgerError as exc:
        yield BlockFault(None, exc.code, exc.message)
        return
    if seen != expected_range_count(t):
        yield BlockFault(walk.blocks - 1 if walk.blocks else None, "ledger.missing_entry",
                         f"{seen} Merkle range hashes are stored, the tree has "
                         f"{expected_range_count(t)}")


def expected_range_count(num_leaves: int) -> int:
    """How many ranges the tree stores: at each level of ``next_pow2(N)`` the aligned ranges
    that start below ``N``."""
    if num_leaves == 0:
        return 0
    count, size = 0, 1
    top = next_power_of_two(num_leaves)
    while size <= top:
        count += -(-num_leaves // size)
        size *= 2
    return count
