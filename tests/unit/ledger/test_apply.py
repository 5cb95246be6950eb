"""Applying transactions to a real LedgerStore: ledger-aware validation, combine, form_block.

refimpl/ledger/apply.py; MobileCoin ``consensus/service/src/validators.rs`` (``is_valid``,
``combine``) and ``consensus/enclave/impl/src/lib.rs`` (``tx_is_well_formed``,
``form_block``, ``mint_output``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto.pedersen import U64_MAX
from refimpl.errors import CODES, RefImplError
from refimpl.ledger.apply import (
    DEMO_FEE_RECIPIENT,
    MAX_TRANSACTIONS_PER_BLOCK,
    apply_transactions,
    check_fee_map,
    check_root_proofs,
    combine,
    fee_outputs,
    form_block,
    mint_output,
    priority,
    sort_zeroes_to_end,
    validate_against_ledger,
)
from refimpl.ledger.store import LedgerStore
from refimpl.transaction.amount import Amount
from refimpl.transaction.key_image import KeyImage
from refimpl.transaction.membership_proofs.merkle import MerkleTree
from refimpl.transaction.membership_proofs.types import TxOutMembershipProof
from refimpl.transaction.tx import Tx
from refimpl.transaction.tx_out import TxOut
from tests.unit.ledger._wallets import (
    BLOCK_VERSION,
    FEE_MAP,
    FEE_VIEW_PRIVATE_KEY,
    MINIMUM_FEE,
    WALLETS,
    build_payment,
    create_ledger,
    origin_outputs,
    scan,
)
from tests.unit.transaction._txbuild import example_budget, rng_from

ALICE, BOB, CAROL, _DAVE = WALLETS
ORIGIN = origin_outputs()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[LedgerStore]:
    """A fresh ledger holding the (deterministic) origin block."""
    store = create_ledger(tmp_path / "ledger", ORIGIN)
    yield store
    store.close()


_built: dict[tuple[object, ...], Tx] = {}


def payment(
    store: LedgerStore,
    input_position: int = 0,
    seed: str = "pay",
    *,
    fee: int = MINIMUM_FEE,
    tombstone_block: int | None = None,
    value: int = 1000,
) -> Tx:
    """Alice pays Bob from her ``input_position``-th origin output. Transactions built on the
    origin ledger are cached (the origin is deterministic, so they are valid on any fresh one)."""
    key = (input_position, seed, fee, tombstone_block, value)
    on_origin = store.num_blocks() == 1
    if on_origin and key in _built:
        return _built[key]
    owned = scan(store, ALICE)[input_position]
    tx = build_payment(
        store, ALICE, [owned], BOB.default_subaddress(), value, rng_from(seed),
        fee=fee, tombstone_block=tombstone_block,
    )
    if on_origin:
        _built[key] = tx
    return tx


def state(store: LedgerStore) -> tuple[int, int, bytes]:
    return store.num_blocks(), store.num_tx_outs(), store.root_hash()


def rejects(code: str, tx: Tx, store: LedgerStore) -> None:
    with pytest.raises(RefImplError) as info:
        validate_against_ledger(tx, store, BLOCK_VERSION, MINIMUM_FEE, rng_from("verify"))
    assert info.value.code == code
    assert code in CODES


# --- validate_against_ledger ---------------------------------------------------------------------


def test_a_valid_payment_is_accepted_and_lands_in_a_block(ledger: LedgerStore) -> None:
    tx = payment(ledger)
    root_before = ledger.root_element()
    parent = ledger.get_block(0)
    validate_against_ledger(tx, ledger, BLOCK_VERSION, MINIMUM_FEE, rng_from("verify"))
    result = apply_transactions(ledger, [tx], BLOCK_VERSION, FEE_MAP, rng_from("apply"))
    assert result.accepted == (tx,) and result.rejected == ()
    assert result.block is not None and result.contents is not None
    block, contents = result.block, result.contents
    assert ledger.num_blocks() == 2 and ledger.get_block(1) == block
    assert ledger.get_block_contents(1) == contents
    assert block.parent_id == parent.id and block.index == 1 and block.version == BLOCK_VERSION
    assert block.root_element == root_before
    assert block.cumulative_txo_count == len(ORIGIN) + len(tx.prefix.outputs) + 1
    assert contents.key_images == tuple(KeyImage(p) for p in tx.key_images())
    # Bob sees the payment, Alice her change
    assert [o.value for o in scan(ledger, BOB, len(ORIGIN))] == [1000]
    change = [o.value for o in scan(ledger, ALICE, len(ORIGIN))]
    assert change == [1_000_000 - 1000 - MINIMUM_FEE]


def test_replayed_transaction_is_a_spent_key_image(ledger: LedgerStore) -> None:
    tx = payment(ledger)
    apply_transactions(ledger, [tx], BLOCK_VERSION, FEE_MAP, rng_from("apply"))
    before = state(ledger)
    rejects("ledger.contains_spent_key_image", tx, ledger)
    result = apply_transactions(ledger, [tx], BLOCK_VERSION, FEE_MAP, rng_from("apply"))
    assert result.block is None and [r.code for r in result.rejected] == [
        "ledger.contains_spent_key_image"
    ]
    assert state(ledger) == before


def test_double_spend_by_another_transaction_is_refused(ledger: LedgerStore) -> None:
    first = payment(ledger, seed="first")
    second = payment(ledger, seed="second", value=2000)
    assert first.key_images() == second.key_images() and first.hash() != second.hash()
    apply_transactions(ledger, [first], BLOCK_VERSION, FEE_MAP, rng_from("apply"))
    rejects("ledger.contains_spent_key_image", second, ledger)


def test_an_output_public_key_already_in_the_ledger_is_refused(ledger: LedgerStore) -> None:
    # Same builder seed, another input: the rng draws the same output private keys, so the
    # outputs get the same public keys (R = r * D does not depend on the inputs).
    first = payment(ledger, 0, seed="same")
    second = payment(ledger, 1, seed="same")
    assert first.output_public_keys() == second.output_public_keys()
    assert set(first.key_images()).isdisjoint(second.key_images())
    apply_transactions(ledger, [first], BLOCK_VERSION, FEE_MAP, rng_from("apply"))
    rejects("ledger.contains_existing_output_public_key", second, ledger)


def test_tombstone_at_the_block_being_built_is_refused(ledger: LedgerStore) -> None:
    # the block being built has index num_blocks() = 1
    rejects("tx.tombstone_block_exceeded", payment(ledger, tombstone_block=1), ledger)
    validate_against_ledger(
        payment(ledger, tombstone_block=2), ledger, BLOCK_VERSION, MINIMUM_FEE, rng_from("v")
    )


def test_a_tombstoned_transaction_expires_as_the_ledger_grows(ledger: LedgerStore) -> None:
    late = payment(ledger, 1, seed="late", tombstone_block=2)
    apply_transactions(ledger, [payment(ledger)], BLOCK_VERSION, FEE_MAP, rng_from("apply"))
    rejects("tx.tombstone_block_exceeded", late, ledger)


def test_fee_below_the_minimum_is_refused(ledger: LedgerStore) -> None:
    rejects("tx.tx_fee_error", payment(ledger, fee=MINIMUM_FEE - 1), ledger)


def test_stale_membership_proofs_are_accepted(ledger: LedgerStore) -> None:
    """MobileCoin checks each proof against the root of the tree at its own highest_index
    (derive_proof_at_index of the current root proof), so proofs made on a smaller,
    append-only ledger stay valid."""
    origin_size = ledger.num_tx_outs()
    apply_transactions(ledger, [payment(ledger)], BLOCK_VERSION, FEE_MAP, rng_from("apply"))
    owned = scan(ledger, ALICE)[1]
    stale = build_payment(
        ledger, ALICE, [owned], CAROL.default_subaddress(), 500, rng_from("stale"),
        proofs_at=origin_size,
    )
    assert {p.highest_index for i in stale.prefix.inputs for p in i.proofs} == {origin_size - 1}
    before = state(ledger)
    result = apply_transactions(ledger, [stale], BLOCK_VERSION, FEE_MAP, rng_from("apply"))
    assert result.accepted == (stale,)
    assert state(ledger) != before


def test_a_proof_past_the_end_of_the_ledger_is_refused(ledger: LedgerStore) -> None:
    tx = payment(ledger)
    first_input = tx.prefix.inputs[0]
    future = attrs.evolve(first_input.proofs[0], highest_index=ledger.num_tx_outs())
    forged_input = attrs.evolve(first_input, proofs=(future, *first_input.proofs[1:]))
    forged = attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, inputs=(forged_input,)))
    rejects("ledger.tx_out_index_out_of_bounds", forged, ledger)


def test_a_proof_that_implies_another_root_is_refused(ledger: LedgerStore) -> None:
    tx = payment(ledger)
    first_input = tx.prefix.inputs[0]
    proof = first_input.proofs[0]
    wrong = attrs.evolve(
        proof,
        elements=(proof.elements[0], attrs.evolve(proof.elements[1], hash=bytes(32)),
                  *proof.elements[2:]),
    )
    forged_input = attrs.evolve(first_input, proofs=(wrong, *first_input.proofs[1:]))
    forged = attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, inputs=(forged_input,)))
    rejects("tx.invalid_tx_out_membership_proof", forged, ledger)


def test_root_proofs_must_imply_one_root_equal_to_the_current_one(ledger: LedgerStore) -> None:
    outs = [ledger.get_tx_out(i) for i in range(ledger.num_tx_outs())]
    now = MerkleTree(outs)
    older = MerkleTree(outs[:-3])
    check_root_proofs([now.proof(0), now.proof(5)], ledger.root_element())
    with pytest.raises(RefImplError) as two:
        check_root_proofs([now.proof(0), older.proof(5)], ledger.root_element())
    assert two.value.code == "ledger.invalid_local_membership_proof"
    with pytest.raises(RefImplError) as other:
        check_root_proofs([older.proof(0), older.proof(5)], ledger.root_element())
    assert other.value.code == "ledger.invalid_local_membership_root_element"
    with pytest.raises(RefImplError) as broken:
        check_root_proofs([TxOutMembershipProof(3, 3, ())], ledger.root_element())
    assert broken.value.code == "tx.invalid_ledger_context"


def test_fee_token_must_be_configured(ledger: LedgerStore) -> None:
    before = state(ledger)
    result = apply_transactions(ledger, [payment(ledger)], BLOCK_VERSION, {5: 1024}, rng_from("a"))
    assert [r.code for r in result.rejected] == ["ledger.token_not_yet_configured"]
    assert state(ledger) == before
    with pytest.raises(RefImplError) as bad:
        check_fee_map({0: 127})
    assert bad.value.code == "ledger.bad_fee_map"


# --- combine and form_block ----------------------------------------------------------------------


def test_combine_orders_by_priority_then_hash_and_drops_conflicts_first_come(
    ledger: LedgerStore,
) -> None:
    cheap_a = payment(ledger, 0, seed="a")
    cheap_b = payment(ledger, 1, seed="b")
    rich = payment(ledger, 2, seed="rich", fee=4 * MINIMUM_FEE)
    rival = payment(ledger, 0, seed="rival")  # spends the same output as cheap_a
    assert priority(rich, MINIMUM_FEE) > priority(cheap_a, MINIMUM_FEE) == 128
    combined = combine([cheap_a, cheap_b, rival, rich], FEE_MAP)
    cheap = sorted([cheap_a, cheap_b, rival], key=lambda t: t.hash())
    loser = max(cheap_a, rival, key=cheap.index)  # the later of the two in block order
    assert combined.kept == (rich, *[t for t in cheap if t is not loser])
    assert combined.dropped == ((loser, "ledger.duplicate_key_image"),)
    assert combine([cheap_a, cheap_b], FEE_MAP, max_elements=1).deferred != ()


def test_combine_drops_a_repeated_output_public_key(ledger: LedgerStore) -> None:
    first = payment(ledger, 0, seed="same")
    second = payment(ledger, 1, seed="same")
    combined = combine([first, second], FEE_MAP)
    assert len(combined.kept) == 1
    assert combined.dropped[0][1] == "ledger.duplicate_output_public_key"


def test_form_block_sorts_outputs_and_key_images_and_pays_the_fees(ledger: LedgerStore) -> None:
    txs = [payment(ledger, i, seed=f"form{i}") for i in range(3)]
    root = ledger.root_element()
    block, contents = form_block(ledger, txs, BLOCK_VERSION, FEE_MAP)
    keys = [o.public_key.to_bytes() for o in contents.outputs]
    assert keys == sorted(keys)
    images = [k.to_bytes() for k in contents.key_images]
    assert images == sorted(images) and len(images) == 3
    assert block.root_element == root and block.is_block_id_valid()
    assert block.contents_hash == contents.hash()
    tx_keys = {k for t in txs for k in t.output_public_keys()}
    fee_outs = [o for o in contents.outputs if o.public_key not in tx_keys]
    assert len(fee_outs) == 1  # one token in the fee map: min(1, 3) fee outputs
    amount, _ = fee_outs[0].view_key_match(FEE_VIEW_PRIVATE_KEY)
    assert amount == Amount(3 * MINIMUM_FEE, 0)
    ledger.append_block(block, contents)
    assert ledger.num_blocks() == 2
    assert block.cumulative_txo_count == ledger.num_tx_outs()


def test_form_block_refuses_a_lower_block_version(ledger: LedgerStore) -> None:
    apply_transactions(ledger, [payment(ledger)], BLOCK_VERSION, FEE_MAP, rng_from("apply"))
    with pytest.raises(RefImplError) as low:
        form_block(ledger, [payment(ledger, 1, seed="low")], BLOCK_VERSION - 1, FEE_MAP)
    assert low.value.code == "ledger.form_block_bad_version"


def test_nothing_valid_means_no_block(ledger: LedgerStore) -> None:
    before = state(ledger)
    result = apply_transactions(
        ledger, [payment(ledger, tombstone_block=1)], BLOCK_VERSION, FEE_MAP, rng_from("apply")
    )
    assert result.block is None and result.accepted == ()
    assert [r.code for r in result.rejected] == ["tx.tombstone_block_exceeded"]
    assert state(ledger) == before
    with pytest.raises(RefImplError) as empty:
        form_block(ledger, [], BLOCK_VERSION, FEE_MAP)
    assert empty.value.code == "ledger.no_outputs"


# --- fee outputs ---------------------------------------------------------------------------------


def test_sort_zeroes_to_end_reproduces_mobilecoin_swaps() -> None:
    # worked by hand from CtTokenMap::sort_zeroes_to_end
    assert sort_zeroes_to_end([(0, 0), (1, 5), (2, 0), (3, 7)]) == [
        (3, 7), (1, 5), (2, 0), (0, 0)
    ]
    assert sort_zeroes_to_end([(0, 4), (1, 0)]) == [(0, 4), (1, 0)]
    assert sort_zeroes_to_end([(0, 0), (1, 4)]) == [(1, 4), (0, 0)]


@given(st.lists(st.integers(0, 3), max_size=8))
def test_sort_zeroes_to_end_is_a_permutation_with_zeroes_last(values: list[int]) -> None:
    totals = list(enumerate(values))
    out = sort_zeroes_to_end(totals)
    assert sorted(out) == totals
    zero_flags = [v == 0 for _, v in out]
    assert zero_flags == sorted(zero_flags)


def test_fee_outputs_one_per_token_up_to_the_number_of_transactions(
    ledger: LedgerStore,
) -> None:
    parent = ledger.get_block(0)
    fee_map = {0: 1024, 5: 1024, 9: 1024}
    one = [payment(ledger, 0, seed="f0")]
    two = [payment(ledger, 0, seed="f0"), payment(ledger, 1, seed="f1")]
    outs1 = fee_outputs(BLOCK_VERSION, parent, one, fee_map)
    outs2 = fee_outputs(BLOCK_VERSION, parent, two, fee_map)
    amounts1 = [o.view_key_match(FEE_VIEW_PRIVATE_KEY)[0] for o in outs1]
    amounts2 = [o.view_key_match(FEE_VIEW_PRIVATE_KEY)[0] for o in outs2]
    assert amounts1 == [Amount(MINIMUM_FEE, 0)]
    # two transactions: two fee outputs, the second a zero-value one of the next token
    assert amounts2 == [Amount(2 * MINIMUM_FEE, 0), Amount(0, 5)]
    # deterministic: the same block inputs give the same fee outputs
    assert fee_outputs(BLOCK_VERSION, parent, two, fee_map) == outs2
    # the transactions are hashed in: another set gives another key
    assert outs1[0].public_key != outs2[0].public_key


def test_fee_totals_above_u64_are_split_with_distinct_counters(ledger: LedgerStore) -> None:
    parent = ledger.get_block(0)
    base = [payment(ledger, 0, seed="f0"), payment(ledger, 1, seed="f1")]
    huge = [attrs.evolve(t, prefix=attrs.evolve(t.prefix, fee=U64_MAX)) for t in base]
    outs = fee_outputs(BLOCK_VERSION, parent, huge, {0: 1024})
    amounts = [o.view_key_match(FEE_VIEW_PRIVATE_KEY)[0].value for o in outs]
    assert amounts == [U64_MAX, U64_MAX]
    assert outs[0].public_key != outs[1].public_key


def test_non_mob_fee_outputs_need_block_version_2(ledger: LedgerStore) -> None:
    parent = ledger.get_block(0)
    txs = [payment(ledger)]
    out = mint_output(2, DEMO_FEE_RECIPIENT, b"tag", parent, txs, Amount(1, 5), 0)
    assert isinstance(out, TxOut)
    with pytest.raises(RefImplError) as old:
        mint_output(1, DEMO_FEE_RECIPIENT, b"tag", parent, txs, Amount(1, 5), 0)
    assert old.value.code == "ledger.form_block_token_not_supported"


def test_block_size_limit_is_mobilecoins() -> None:
    assert MAX_TRANSACTIONS_PER_BLOCK == 5000


# --- bad input never escapes as another exception ------------------------------------------------


@settings(max_examples=example_budget(15))
@given(
    field=st.sampled_from(["fee", "tombstone_block", "fee_token_id", "highest_index", "index"]),
    value=st.integers(0, U64_MAX),
)
def test_mutated_transactions_give_typed_errors(
    tmp_path_factory: pytest.TempPathFactory, field: str, value: int
) -> None:
    store = _shared_origin(tmp_path_factory)
    tx = payment(store)
    change: dict[str, Any] = {field: value}
    if field in ("highest_index", "index"):
        first = tx.prefix.inputs[0]
        proof = attrs.evolve(first.proofs[3], **change)
        inputs = (attrs.evolve(first, proofs=(*first.proofs[:3], proof, *first.proofs[4:])),)
        tx = attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, inputs=inputs))
    else:
        tx = attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, **change))
    before = state(store)
    try:
        result = apply_transactions(store, [tx], BLOCK_VERSION, FEE_MAP, rng_from("m"))
    except RefImplError as exc:  # pragma: no cover - apply reports, it does not raise
        pytest.fail(f"apply_transactions raised {exc.code}")
    if result.block is None:
        assert all(r.code in CODES for r in result.rejected)
        assert state(store) == before
    else:  # a mutation that keeps the transaction valid (e.g. an unchanged value)
        store.close()
        _origin_stores.clear()


_origin_stores: dict[str, LedgerStore] = {}


def _shared_origin(factory: pytest.TempPathFactory) -> LedgerStore:
    """One origin ledger for all examples of the property (recreated if one was applied)."""
    if "origin" not in _origin_stores:
        _origin_stores["origin"] = create_ledger(factory.mktemp("origin") / "ledger", ORIGIN)
    return _origin_stores["origin"]
