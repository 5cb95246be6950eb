"""The TxOut Merkle tree: leaf/node/nil hashing, membership proofs, implied roots.

MobileCoin ``transaction/core/src/membership_proofs/{mod,range,errors}.rs`` (hashing, proof
checks, ``derive_proof_at_index``) and ``ledger/db/src/tx_out_store.rs`` (how the ledger
lays out the tree and builds proofs).

The tree covers global TxOut indices ``0..N-1`` as a full binary tree of ``next_pow2(N)``
leaves. A node is named by its inclusive, aligned leaf range ``[from, to]``. Its hash is the
leaf hash when ``from == to``, :data:`NIL_HASH` when the whole range lies at or beyond ``N``,
and otherwise ``hash_nodes(left half, right half)``. The root is the hash of
``[0, next_pow2(N) - 1]`` (:data:`NIL_HASH` for an empty tree).

Hashes come from a :class:`MerkleHashSource` (anything answering "how many leaves" and
"the hash of this range"): :class:`MerkleTree` is the in-memory one; an LMDB store can
provide the same two answers from ``tx_out_store:merkle_hash_by_range``.

Proof errors are ``LedgerError`` with codes named after MobileCoin's
``MembershipProofError`` variants (``ledger.merkle_*``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from refimpl.crypto.hashing import (
    TXOUT_MERKLE_LEAF_DOMAIN_TAG,
    TXOUT_MERKLE_NIL_DOMAIN_TAG,
    TXOUT_MERKLE_NODE_DOMAIN_TAG,
    blake2b256,
)
from refimpl.crypto.pedersen import U64_MAX
from refimpl.errors import LedgerError
from refimpl.transaction.membership_proofs.types import (
    Range,
    TxOutMembershipElement,
    TxOutMembershipProof,
)
from refimpl.transaction.tx_out import TxOut

#: ``NIL_HASH = Blake2b256("mc_tx_out_merkle_nil")``: the hash of an empty subtree.
NIL_HASH = blake2b256(TXOUT_MERKLE_NIL_DOMAIN_TAG)


def hash_leaf(tx_out: TxOut) -> bytes:
    """``hash_leaf``: ``Blake2b256("mc_tx_out_merkle_leaf" || TxOut::hash())``."""
    return blake2b256(TXOUT_MERKLE_LEAF_DOMAIN_TAG, tx_out.hash())


def hash_nodes(left: bytes, right: bytes) -> bytes:
    """``hash_nodes``: ``Blake2b256("mc_tx_out_merkle_node" || left || right)``."""
    return blake2b256(TXOUT_MERKLE_NODE_DOMAIN_TAG, left, right)


# --- ranges ----------------------------------------------------------------------------------


def range_len(r: Range) -> int:
    """``Range::len`` (also defined for a reversed range, as MobileCoin's is)."""
    return abs(r.to - r.from_) + 1


def range_sort_key(r: Range) -> tuple[int, int, int]:
    """``Ord for Range``: by length, then by ``(from, to)`` (bottom-up, left to right)."""
    return (range_len(r), r.from_, r.to)


def next_power_of_two(n: int) -> int:
    """``u64::checked_next_power_of_two`` (1 for 0); ``ledger.merkle_numeric_limits`` past u64."""
    p = 1
    while p < n:
        p <<= 1
    if p > U64_MAX:
        raise LedgerError("ledger.merkle_numeric_limits", f"next power of two of {n} overflows")
    return p


def containing_ranges(index: int, num_leaves: int) -> tuple[Range, ...]:
    """``containing_ranges``: the ranges of sizes 1, 2, 4, ..., next_pow2(N) holding ``index``."""
    if not 0 <= index < num_leaves:
        raise LedgerError(
            "ledger.tx_out_index_out_of_bounds", f"index {index} not below {num_leaves} leaves"
        )
    depth = next_power_of_two(num_leaves).bit_length() - 1
    out = []
    for d in range(depth + 1):
        mask = (1 << d) - 1
        out.append(Range(index & ~mask, index | mask))
    return tuple(out)


def root_range(num_leaves: int) -> Range:
    """The root's range ``[0, next_pow2(N) - 1]`` of a tree of ``N >= 1`` leaves."""
    return Range(0, next_power_of_two(num_leaves) - 1)


# --- hash sources and the in-memory tree -----------------------------------------------------


class MerkleHashSource(Protocol):
    """What proof construction needs of a ledger: its size and stored node hashes."""

    def num_leaves(self) -> int: ...

    def merkle_hash(self, r: Range) -> bytes:
        """The stored hash of an aligned range with ``r.from_ < num_leaves()``."""
        ...


class MerkleTree:
    """An in-memory TxOut Merkle tree, kept up to date on append like
    ``TxOutStore::update_merkle_hashes`` (each new leaf recomputes its containing ranges)."""

    def __init__(self, tx_outs: Iterable[TxOut] = ()) -> None:
        self._hashes: dict[tuple[int, int], bytes] = {}
        self._count = 0
        for tx_out in tx_outs:
            self.append(tx_out)

    def num_leaves(self) -> int:
        return self._count

    def copy(self) -> MerkleTree:
        """An independent tree with the same leaves (a snapshot of the stored hashes)."""
        twin = MerkleTree()
        twin._hashes = dict(self._hashes)
        twin._count = self._count
        return twin

    def append(self, tx_out: TxOut) -> int:
        """Add a leaf; returns its global index."""
        index = self._count
        self._count += 1
        for r in containing_ranges(index, self._count):
            if r.from_ == r.to:
                digest = hash_leaf(tx_out)
            else:
                mid = (r.from_ + r.to) // 2
                left = self._hashes[(r.from_, mid)]
                right = NIL_HASH if mid + 1 >= self._count else self._hashes[(mid + 1, r.to)]
                digest = hash_nodes(left, right)
            self._hashes[(r.from_, r.to)] = digest
        return index

    def merkle_hash(self, r: Range) -> bytes:
        try:
            return self._hashes[(r.from_, r.to)]
        except KeyError:
            raise LedgerError(
                "ledger.merkle_unknown_range", f"no stored hash for range [{r.from_}, {r.to}]"
            ) from None

    def root_hash(self) -> bytes:
        return root_hash(self)

    def root_element(self) -> TxOutMembershipElement:
        return root_element(self)

    def proof(self, index: int) -> TxOutMembershipProof:
        return proof_of_membership(self, index)


def root_hash(source: MerkleHashSource) -> bytes:
    """``get_root_merkle_hash``: NIL_HASH for an empty tree, else the root range's hash."""
    n = source.num_leaves()
    if n == 0:
        return NIL_HASH
    return source.merkle_hash(root_range(n))


def root_element(source: MerkleHashSource) -> TxOutMembershipElement:
    """The root element ``[0, next_pow2(N) - 1]`` and its hash, for ``N >= 1``."""
    n = source.num_leaves()
    if n == 0:
        raise LedgerError("ledger.merkle_empty_tree", "an empty tree has no root element")
    return TxOutMembershipElement(root_range(n), root_hash(source))


def proof_of_membership(source: MerkleHashSource, index: int) -> TxOutMembershipProof:
    """``get_merkle_proof_of_membership``: the leaf, then each sibling bottom up (NIL_HASH
    for a sibling that lies wholly past the last leaf); ``highest_index = N - 1``."""
    n = source.num_leaves()
    ranges = containing_ranges(index, n)
    elements = [TxOutMembershipElement(ranges[0], source.merkle_hash(ranges[0]))]
    for r in ranges[1:]:
        mid = (r.from_ + r.to) // 2
        sibling = Range(mid + 1, r.to) if index <= mid else Range(r.from_, mid)
        digest = NIL_HASH if sibling.from_ >= n else source.merkle_hash(sibling)
        elements.append(TxOutMembershipElement(sibling, digest))
    return TxOutMembershipProof(index, n - 1, tuple(elements))


# --- checking proofs -------------------------------------------------------------------------


def compose_adjacent_membership_elements(
    a: TxOutMembershipElement, b: TxOutMembershipElement
) -> TxOutMembershipElement | None:
    """``compose_adjacent_membership_elements``: the parent of two siblings, or ``None`` when
    the ranges are not adjacent (exactly one of ``a.to + 1 == b.from`` and
    ``b.to + 1 == a.from`` must hold, with u64 wrapping as in MobileCoin)."""
    a_is_left = (a.range.to + 1) % 2**64 == b.range.from_
    b_is_left = (b.range.to + 1) % 2**64 == a.range.from_
    if a_is_left == b_is_left:
        return None
    left, right = (a, b) if a_is_left else (b, a)
    return TxOutMembershipElement(
        Range(left.range.from_, right.range.to), hash_nodes(left.hash, right.hash)
    )


def _check_ranges(proof: TxOutMembershipProof) -> None:
    if any(e.range.from_ > e.range.to for e in proof.elements):
        raise LedgerError("ledger.merkle_range_error", "a proof element has from > to")


def _check_first_is_leaf(proof: TxOutMembershipProof) -> TxOutMembershipElement:
    if not proof.elements:
        raise LedgerError("ledger.merkle_missing_leaf_hash", f"no leaf hash for {proof.index}")
    first = proof.elements[0]
    if first.range.from_ != proof.index or first.range.to != proof.index:
        raise LedgerError(
            "ledger.merkle_missing_leaf_hash", f"the first element is not leaf {proof.index}"
        )
    return first


def compute_implied_merkle_root(proof: TxOutMembershipProof) -> TxOutMembershipElement:
    """``compute_implied_merkle_root``: fold the elements from the leaf up to a root element.

    Errors: ``ledger.merkle_range_error`` (an element with from > to),
    ``ledger.merkle_missing_leaf_hash`` (first element is not ``[index, index]``),
    ``ledger.merkle_unexpected_element`` (an element not adjacent to what came before).
    """
    _check_ranges(proof)
    acc = _check_first_is_leaf(proof)
    for position, element in enumerate(proof.elements[1:], start=1):
        parent = compose_adjacent_membership_elements(acc, element)
        if parent is None:
            raise LedgerError(
                "ledger.merkle_unexpected_element",
                f"element {position} is not adjacent to the elements before it",
            )
        acc = parent
    return acc


def is_membership_proof_valid(
    tx_out: TxOut, proof: TxOutMembershipProof, known_root_hash: bytes
) -> bool:
    """``is_membership_proof_valid``: True iff the proof is well formed for ``tx_out`` and
    implies ``known_root_hash``; structural faults raise ``LedgerError``
    (``ledger.merkle_highest_index_mismatch``, ``..._missing_leaf_hash``,
    ``..._incorrect_leaf_hash``, ``..._root_not_covering_zero`` and those of
    :func:`compute_implied_merkle_root`)."""
    if proof.index > proof.highest_index:
        raise LedgerError("ledger.merkle_highest_index_mismatch", "index above highest_index")
    first = _check_first_is_leaf(proof)
    if first.hash != hash_leaf(tx_out):
        raise LedgerError(
            "ledger.merkle_incorrect_leaf_hash", f"leaf {proof.index} does not hash this TxOut"
        )
    implied = compute_implied_merkle_root(proof)
    if implied.range.from_ != 0:
        raise LedgerError("ledger.merkle_root_not_covering_zero", "implied root misses index 0")
    if proof.highest_index > implied.range.to:
        raise LedgerError(
            "ledger.merkle_highest_index_mismatch", "highest_index lies outside the implied root"
        )
    return implied.hash == known_root_hash


def derive_proof_at_index(proof: TxOutMembershipProof) -> TxOutMembershipProof:
    """``derive_proof_at_index``: the proof as of the tree whose last leaf is ``proof.index``.

    Elements larger than that tree's root range are dropped, elements wholly past ``index``
    become NIL_HASH, leaves and ranges ending at or before ``index`` are kept; an element
    straddling ``index`` raises ``ledger.merkle_unexpected_element``. Element order is kept.
    """
    index = proof.index
    target = Range(0, next_power_of_two(index + 1) - 1)
    target_key = range_sort_key(target)
    derived = []
    for position, element in enumerate(proof.elements):
        if range_sort_key(element.range) > target_key:
            continue
        if element.range.from_ > index:
            digest = NIL_HASH
        elif element.range.from_ == element.range.to or element.range.to <= index:
            digest = element.hash
        else:
            raise LedgerError(
                "ledger.merkle_unexpected_element",
                f"element {position} straddles index {index}",
            )
        derived.append(TxOutMembershipElement(element.range, digest))
    return TxOutMembershipProof(index, index, tuple(derived))
