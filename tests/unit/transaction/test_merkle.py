"""TxOut Merkle tree: roots against a naive recursive definition, proofs, derived proofs,
tampered proofs (MobileCoin transaction/core/src/membership_proofs/mod.rs)."""

from __future__ import annotations

from functools import cache

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.hashing import blake2b256
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import CODES, LedgerError
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.membership_proofs.merkle import (
    NIL_HASH,
    MerkleTree,
    compute_implied_merkle_root,
    containing_ranges,
    derive_proof_at_index,
    hash_leaf,
    hash_nodes,
    is_membership_proof_valid,
    proof_of_membership,
    range_sort_key,
    root_element,
    root_hash,
)
from refimpl.transaction.membership_proofs.types import (
    Range,
    TxOutMembershipElement,
    TxOutMembershipProof,
)
from refimpl.transaction.tx_out import TxOut

MAX_N = 70


@cache
def tx_out(i: int) -> TxOut:
    return TxOut(
        None,
        Point.mul_base(Scalar(2 * i + 1)),
        Point.mul_base(Scalar(2 * i + 2)),
        EncryptedFogHint.zero(),
    )


@cache
def leaf(i: int) -> bytes:
    return hash_leaf(tx_out(i))


def naive_hash(lo: int, hi: int, n: int) -> bytes:
    """The recursive definition (membership_proofs/mod.rs), independent of the incremental tree."""
    if lo >= n:
        return NIL_HASH
    if lo == hi:
        return leaf(lo)
    mid = (lo + hi) // 2
    return hash_nodes(naive_hash(lo, mid, n), naive_hash(mid + 1, hi, n))


def naive_root(n: int) -> bytes:
    if n == 0:
        return NIL_HASH
    size = 1
    while size < n:
        size *= 2
    return naive_hash(0, size - 1, n)


@cache
def trees() -> tuple[tuple[MerkleTree, ...], tuple[bytes, ...]]:
    """One incremental tree per size 0..MAX_N (built by appending), and each size's root."""
    growing = MerkleTree()
    built = [growing.copy()]
    for n in range(1, MAX_N + 1):
        assert growing.append(tx_out(n - 1)) == n - 1
        built.append(growing.copy())
    roots = [tree.root_hash() for tree in built]
    return tuple(built), tuple(roots)


def test_hash_constants() -> None:
    assert NIL_HASH == blake2b256(b"mc_tx_out_merkle_nil")
    assert hash_leaf(tx_out(0)) == blake2b256(b"mc_tx_out_merkle_leaf", tx_out(0).hash())
    assert hash_nodes(b"a" * 32, b"b" * 32) == blake2b256(
        b"mc_tx_out_merkle_node", b"a" * 32, b"b" * 32
    )
    assert hash_nodes(b"a" * 32, b"b" * 32) != hash_nodes(b"b" * 32, b"a" * 32)


def test_roots_match_naive_definition_at_every_size() -> None:
    _, roots = trees()
    assert roots[0] == NIL_HASH
    assert roots[1] == leaf(0)
    assert roots[2] == hash_nodes(leaf(0), leaf(1))
    assert roots[3] == hash_nodes(hash_nodes(leaf(0), leaf(1)), hash_nodes(leaf(2), NIL_HASH))
    for n in range(MAX_N + 1):
        assert roots[n] == naive_root(n), n
    assert len(set(roots)) == MAX_N + 1


def test_root_element_range() -> None:
    tree_list, roots = trees()
    assert root_element(tree_list[5]) == TxOutMembershipElement(Range(0, 7), roots[5])
    assert root_element(tree_list[1]).range == Range(0, 0)
    with pytest.raises(LedgerError) as err:
        root_element(tree_list[0])
    assert err.value.code == "ledger.merkle_empty_tree"


def test_every_proof_verifies_at_every_size() -> None:
    tree_list, roots = trees()
    for n in range(1, MAX_N + 1):
        for i in range(n):
            proof = tree_list[n].proof(i)
            assert proof.highest_index == n - 1
            assert proof.elements[0] == TxOutMembershipElement(Range(i, i), leaf(i))
            assert len(proof.elements) == len(containing_ranges(i, n))
            assert compute_implied_merkle_root(proof) == root_element(tree_list[n])
    # the full check hashes the TxOut (about 1 ms), so it runs on a spread of sizes and indices
    for n in (*range(1, 18), 31, 32, 33, 63, 64, 65, MAX_N):
        for i in sorted({0, n // 2, n - 1, n - 2 if n > 1 else 0}):
            proof = tree_list[n].proof(i)
            assert is_membership_proof_valid(tx_out(i), proof, roots[n])
            # a proof is for one root only
            assert not is_membership_proof_valid(tx_out(i), proof, roots[n - 1])


def test_proof_ranges_are_sorted_bottom_up_with_nil_past_the_end() -> None:
    tree_list, _ = trees()
    proof = tree_list[5].proof(4)
    assert [e.range for e in proof.elements] == [Range(4, 4), Range(5, 5), Range(6, 7), Range(0, 3)]
    assert proof.elements[1].hash == NIL_HASH and proof.elements[2].hash == NIL_HASH
    keys = [range_sort_key(e.range) for e in proof.elements]
    assert keys == sorted(keys)


def test_derive_proof_at_index_gives_the_proof_of_the_tree_ending_there() -> None:
    tree_list, roots = trees()
    for n in (1, 2, 3, 7, 8, 9, 33, MAX_N):
        for i in range(n):
            derived = derive_proof_at_index(tree_list[n].proof(i))
            assert derived == tree_list[i + 1].proof(i), (n, i)
            assert compute_implied_merkle_root(derived).hash == roots[i + 1]


def test_derive_straddling_element_is_rejected() -> None:
    tree_list, _ = trees()
    proof = tree_list[8].proof(0)  # leaf 0, then [1,1], [2,3], [4,7]
    bad = attrs.evolve(
        proof,
        index=5,
        elements=(
            TxOutMembershipElement(Range(5, 5), leaf(5)),
            TxOutMembershipElement(Range(4, 7)),
        ),
    )
    with pytest.raises(LedgerError) as err:
        derive_proof_at_index(bad)
    assert err.value.code == "ledger.merkle_unexpected_element"


def _code_of(tx: TxOut, proof: TxOutMembershipProof, root: bytes) -> str:
    with pytest.raises(LedgerError) as err:
        is_membership_proof_valid(tx, proof, root)
    return err.value.code


def test_tampered_proofs_are_rejected_with_their_codes() -> None:
    tree_list, roots = trees()
    n, i = 13, 6
    proof = tree_list[n].proof(i)
    root = roots[n]
    els = proof.elements
    # wrong TxOut for the leaf
    assert _code_of(tx_out(7), proof, root) == "ledger.merkle_incorrect_leaf_hash"
    # index beyond highest_index
    assert (
        _code_of(tx_out(i), attrs.evolve(proof, highest_index=i - 1), root)
        == "ledger.merkle_highest_index_mismatch"
    )
    # highest_index beyond the implied root
    assert (
        _code_of(tx_out(i), attrs.evolve(proof, highest_index=16), root)
        == "ledger.merkle_highest_index_mismatch"
    )
    # no elements; first element not the leaf of the index
    assert _code_of(tx_out(i), attrs.evolve(proof, elements=()), root) == (
        "ledger.merkle_missing_leaf_hash"
    )
    swapped = (els[1], els[0], *els[2:])
    assert _code_of(tx_out(i), attrs.evolve(proof, elements=swapped), root) == (
        "ledger.merkle_missing_leaf_hash"
    )
    # sibling order broken (not adjacent to the path so far)
    reordered = (els[0], els[3], els[1], els[2], *els[4:])
    assert _code_of(tx_out(i), attrs.evolve(proof, elements=reordered), root) == (
        "ledger.merkle_unexpected_element"
    )
    # an inverted range
    inverted = (*els[:-1], TxOutMembershipElement(Range(7, 0), els[-1].hash))
    assert _code_of(tx_out(i), attrs.evolve(proof, elements=inverted), root) == (
        "ledger.merkle_range_error"
    )
    # a proof missing its top sibling implies a root not covering 0... only when the leaf is on
    # the right: leaf 6's last sibling is [0,7]'s sibling [8,15]; drop [0,3] instead
    no_left = (els[0], els[1], els[2])  # [6,6],[7,7],[4,5] -> root [4,7]
    assert _code_of(tx_out(i), attrs.evolve(proof, elements=no_left, highest_index=i), root) == (
        "ledger.merkle_root_not_covering_zero"
    )
    # a flipped sibling hash gives a different root: valid structure, wrong root
    flipped = (els[0], TxOutMembershipElement(els[1].range, bytes(32)), *els[2:])
    assert not is_membership_proof_valid(tx_out(i), attrs.evolve(proof, elements=flipped), root)


def test_out_of_bounds_proof_request() -> None:
    tree_list, _ = trees()
    with pytest.raises(LedgerError) as err:
        proof_of_membership(tree_list[3], 3)
    assert err.value.code == "ledger.tx_out_index_out_of_bounds"
    with pytest.raises(LedgerError) as err:
        tree_list[3].merkle_hash(Range(4, 7))
    assert err.value.code == "ledger.merkle_unknown_range"


def test_root_hash_works_over_any_source() -> None:
    tree_list, roots = trees()

    class Snapshot:
        """A stand-in for a store: a frozen dict of range hashes."""

        def __init__(self, tree: MerkleTree, n: int) -> None:
            self.n = n
            self.table = {
                (r.from_, r.to): tree.merkle_hash(r)
                for i in range(n)
                for r in containing_ranges(i, n)
            }

        def num_leaves(self) -> int:
            return self.n

        def merkle_hash(self, r: Range) -> bytes:
            return self.table[(r.from_, r.to)]

    snap = Snapshot(tree_list[11], 11)
    assert root_hash(snap) == roots[11]
    assert proof_of_membership(snap, 9) == tree_list[11].proof(9)


elements = st.builds(
    TxOutMembershipElement,
    st.builds(Range, st.integers(0, 40), st.integers(0, 40)),
    st.sampled_from([NIL_HASH, bytes(32), leaf(0)]),
)


@given(
    index=st.integers(0, 40),
    highest=st.integers(0, 40),
    els=st.lists(elements, max_size=7),
    which=st.integers(0, MAX_N - 1),
)
def test_arbitrary_proofs_give_a_verdict_or_a_typed_error(
    index: int, highest: int, els: list[TxOutMembershipElement], which: int
) -> None:
    proof = TxOutMembershipProof(index, highest, tuple(els))
    _, roots = trees()
    for check in (
        lambda: is_membership_proof_valid(tx_out(0), proof, roots[which + 1]),
        lambda: compute_implied_merkle_root(proof),
        lambda: derive_proof_at_index(proof),
    ):
        try:
            check()
        except LedgerError as exc:
            assert exc.code in CODES


@given(n=st.integers(1, MAX_N), data=st.data())
def test_mutated_real_proof_never_verifies(n: int, data: st.DataObject) -> None:
    tree_list, roots = trees()
    i = data.draw(st.integers(0, n - 1))
    proof = tree_list[n].proof(i)
    if len(proof.elements) < 2:
        return
    k = data.draw(st.integers(1, len(proof.elements) - 1))
    byte = data.draw(st.integers(0, 31))
    old = proof.elements[k]
    new_hash = bytearray(old.hash)
    new_hash[byte] ^= 1
    mutated = list(proof.elements)
    mutated[k] = TxOutMembershipElement(old.range, bytes(new_hash))
    assert not is_membership_proof_valid(
        tx_out(i), attrs.evolve(proof, elements=tuple(mutated)), roots[n]
    )
