"""Re-check a stored ledger from its first block: what ``mcref ledger verify`` reports.

Each block is checked as :meth:`refimpl.ledger.store.LedgerStore.append_block` checked it
(MobileCoin ``validate_append_block``, notes/crypto-ledger.md §6.7), but against the blocks
stored before it rather than the store's indexes: index, parent link, version order, block id,
contents hash, cumulative TxOut count, root element (recomputed with an in-memory
:class:`MerkleTree`), key images never spent twice, output public keys new, the signature when
one is stored (§6.4); and the store's indexes must agree with the blocks (key image -> block,
public key, hash -> TxOut index, TxOut index -> block, every stored Merkle range hash).
The first failing block is named.
"""

from __future__ import annotations

import attrs

from refimpl.errors import LedgerError, RefImplError
from refimpl.ledger.block import HASH_LEN, Block, BlockContents
from refimpl.ledger.merkle import MerkleTree, next_power_of_two
from refimpl.ledger.merkle_types import TxOutMembershipElement
from refimpl.ledger.signature import verify
from refimpl.ledger.store import LedgerStore
from refimpl.transaction.block_version import MAX_BLOCK_VERSION


@attrs.frozen
class BlockFault:
    """Why block ``index`` fails, as a ``ledger.*`` code and a message."""

    index: int
    code: str
    message: str


@attrs.frozen
class VerifyReport:
    num_blocks: int
    num_tx_outs: int
    signed_blocks: int
    fault: BlockFault | None

    @property
    def ok(self) -> bool:
        return self.fault is None


class _Walk:
    """The state carried from block to block."""

    def __init__(self) -> None:
        self.tree = MerkleTree()
        self.previous: Block | None = None
        self.key_images: set[bytes] = set()
        self.public_keys: set[bytes] = set()
        self.signed = 0


def _fail(code: str, message: str) -> LedgerError:
    return LedgerError(code, message)


def _check_header(walk: _Walk, i: int, block: Block, contents: BlockContents) -> None:
    prev = walk.previous
    if block.index != i:
        raise _fail("ledger.bad_block_index", f"stored under {i} but has index {block.index}")
    if prev is None:
        if block.version != 0 or block.parent_id != bytes(HASH_LEN):
            raise _fail("ledger.bad_origin_block", "origin must be version 0 with a zero parent")
        if block.root_element != TxOutMembershipElement():
            raise _fail("ledger.bad_root_element", "origin must carry the default root element")
    else:
        if block.parent_id != prev.id:
            raise _fail("ledger.bad_parent_id", f"parent_id is not the id of block {i - 1}")
        if not prev.version <= block.version <= MAX_BLOCK_VERSION:
            raise _fail("ledger.bad_block_version", f"version {block.version} after "
                        f"{prev.version}")
        if block.root_element != walk.tree.root_element():
            raise _fail("ledger.bad_root_element", "not the TxOut tree root before the block")
        if not contents.key_images:
            raise _fail("ledger.no_key_images", "no key images are spent")
    if not block.is_block_id_valid():
        raise _fail("ledger.bad_block_id", "the id does not match the fields")
    if block.contents_hash != contents.hash():
        raise _fail("ledger.contents_hash_mismatch", "the stored contents hash differently")
    if not contents.outputs:
        raise _fail("ledger.no_outputs", "the block has no outputs")
    expected = walk.tree.num_leaves() + len(contents.outputs)
    if block.cumulative_txo_count != expected:
        raise _fail("ledger.bad_cumulative_txo_count", f"expected {expected}")


def _check_contents(walk: _Walk, store: LedgerStore, i: int, contents: BlockContents) -> None:
    for ki in contents.key_images:
        raw = ki.to_bytes()
        if raw in walk.key_images:
            raise _fail("ledger.key_image_spent", f"key image {raw.hex()} was spent before")
        walk.key_images.add(raw)
        if store.check_key_image(ki) != i:
            raise _fail("ledger.corrupted", f"the key image index disagrees for {raw.hex()}")
    for out in contents.outputs:
        if out.masked_amount is None:
            raise _fail("ledger.missing_masked_amount", "an output has no masked amount")
        raw = out.public_key.to_bytes()
        if raw in walk.public_keys:
            raise _fail("ledger.duplicate_output_public_key", f"public key {raw.hex()} reused")
        walk.public_keys.add(raw)
        index = walk.tree.append(out)
        if (store.get_tx_out_index_by_public_key(raw) != index
                or store.get_tx_out_index_by_hash(out.hash()) != index
                or store.get_block_index_by_tx_out_index(index) != i):
            raise _fail("ledger.corrupted", f"the TxOut indexes disagree for TxOut {index}")


def _check_block(walk: _Walk, store: LedgerStore, i: int) -> None:
    block = store.get_block(i)
    contents = store.get_block_contents(i)
    _check_header(walk, i, block, contents)
    signature = store.get_block_signature(i)
    if signature is not None:
        verify(block, signature)
        walk.signed += 1
    _check_contents(walk, store, i, contents)
    walk.previous = block


def verify_ledger(store: LedgerStore) -> VerifyReport:
    """Walk every block; the report names the first block that fails and why."""
    walk = _Walk()
    n = store.num_blocks()
    for i in range(n):
        try:
            _check_block(walk, store, i)
        except RefImplError as exc:
            code = exc.code if isinstance(exc, LedgerError) else "ledger.corrupted"
            return VerifyReport(i, walk.tree.num_leaves(), walk.signed,
                                BlockFault(i, code, exc.message))
    fault = None
    if store.num_tx_outs() != walk.tree.num_leaves():
        fault = BlockFault(n - 1, "ledger.corrupted", "the TxOut count disagrees with the blocks")
    elif not _stored_merkle_hashes_match(store, walk.tree):
        fault = BlockFault(n - 1, "ledger.corrupted", "the stored Merkle hashes disagree")
    return VerifyReport(n, walk.tree.num_leaves(), walk.signed, fault)


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


def _stored_merkle_hashes_match(store: LedgerStore, tree: MerkleTree) -> bool:
    """Every stored range hash equals the recomputed tree's, and none is missing or extra."""
    seen = 0
    for r, digest in store.stored_merkle_hashes():
        try:
            if tree.merkle_hash(r) != digest:
                return False
        except LedgerError:
            return False
        seen += 1
    return seen == expected_range_count(tree.num_leaves())
