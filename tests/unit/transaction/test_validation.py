"""Hand-written cases for every transaction validation rule (MobileCoin
transaction/core/src/validation/validate.rs and input_rules.rs).

Most tests call one rule function on small hand-made values (no signing); a few run the whole
``validate`` on seeded transactions from refimpl.vectors.tx_fixtures.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import attrs
import pytest

from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import CODES, TxError
from refimpl.transaction import validation as v
from refimpl.transaction.amount import Amount, MaskedAmountV1, MaskedAmountV2
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.input_rules import verify_input_rules
from refimpl.transaction.membership_proofs.merkle import MerkleTree
from refimpl.transaction.membership_proofs.types import (
    Range,
    TxOutMembershipElement,
    TxOutMembershipProof,
)
from refimpl.transaction.memo import EncryptedMemo
from refimpl.transaction.tx import (
    InputRules,
    RevealedTxOut,
    SignatureRctBulletproofs,
    Tx,
    TxIn,
    TxPrefix,
)
from refimpl.transaction.tx_out import TxOut
from refimpl.vectors.tx_fixtures import TxFixture, seeded_rng, sign_draft


def code_of(check: Callable[[], object]) -> str:
    with pytest.raises(TxError) as err:
        check()
    assert err.value.code in CODES
    return err.value.code


@cache
def out(i: int, *, memo: bool = True, token_id: bytes = b"") -> TxOut:
    """A cheap TxOut whose public key bytes grow with ``i`` (keys sorted by ``i``)."""
    candidates = sorted((Point.mul_base(Scalar(k + 1)) for k in range(64)), key=Point.to_bytes)
    return TxOut(
        MaskedAmountV1(Point.mul_base(Scalar(1000 + i)), i, token_id),
        Point.mul_base(Scalar(5000 + i)),
        candidates[i],
        EncryptedFogHint.zero(),
        EncryptedMemo(bytes(66)) if memo else None,
    )


def ring(start: int, size: int = v.RING_SIZE) -> tuple[TxOut, ...]:
    return tuple(out(start + k) for k in range(size))


def prefix(
    inputs: tuple[TxIn, ...] = (), outputs: tuple[TxOut, ...] = (), tombstone: int = 10
) -> TxPrefix:
    return TxPrefix(inputs=inputs, outputs=outputs, fee=400, tombstone_block=tombstone)


def tx_of(p: TxPrefix) -> Tx:
    return Tx(p, SignatureRctBulletproofs((), ()))


# --- counts ----------------------------------------------------------------------------------


def test_number_of_inputs() -> None:
    assert code_of(lambda: v.validate_number_of_inputs(prefix())) == "tx.no_inputs"
    many = tuple(TxIn(ring(0)) for _ in range(17))
    assert code_of(lambda: v.validate_number_of_inputs(prefix(many))) == "tx.too_many_inputs"
    v.validate_number_of_inputs(prefix(many[:16]))
    v.validate_number_of_inputs(prefix(many[:1]))


def test_number_of_outputs() -> None:
    assert code_of(lambda: v.validate_number_of_outputs(prefix())) == "tx.no_outputs"
    outs = tuple(out(k) for k in range(17))
    assert code_of(lambda: v.validate_number_of_outputs(prefix(outputs=outs))) == (
        "tx.too_many_outputs"
    )
    v.validate_number_of_outputs(prefix(outputs=outs[:16]))


# --- rings -----------------------------------------------------------------------------------


def test_ring_sizes() -> None:
    v.validate_ring_sizes(prefix((TxIn(ring(0)), TxIn(ring(20)))))
    assert code_of(lambda: v.validate_ring_sizes(prefix((TxIn(ring(0, 12)),)))) == (
        "tx.excessive_ring_size"
    )
    assert code_of(lambda: v.validate_ring_sizes(prefix((TxIn(ring(0)), TxIn(ring(20, 10)))))) == (
        "tx.insufficient_ring_size"
    )
    assert code_of(lambda: v.validate_ring_sizes(prefix((TxIn(()),)))) == (
        "tx.insufficient_ring_size"
    )


def test_ring_elements_unique_across_plain_rings() -> None:
    v.validate_ring_elements_are_unique(prefix((TxIn(ring(0)), TxIn(ring(11)))))
    overlap = prefix((TxIn(ring(0)), TxIn(ring(10))))  # out(10) in both
    assert code_of(lambda: v.validate_ring_elements_are_unique(overlap)) == (
        "tx.duplicate_ring_elements"
    )
    twice = prefix((TxIn(ring(0)[:10] + (out(0),)),))
    assert code_of(lambda: v.validate_ring_elements_are_unique(twice)) == (
        "tx.duplicate_ring_elements"
    )


def test_ring_elements_unique_with_input_rules_is_per_ring() -> None:
    """MCIP #57: a ring with input rules may share members with other rings, not repeat its own."""
    sci = TxIn(ring(10), input_rules=InputRules())
    v.validate_ring_elements_are_unique(prefix((TxIn(ring(0)), sci)))
    sci_twice = TxIn(ring(10)[:10] + (out(10),), input_rules=InputRules())
    assert code_of(lambda: v.validate_ring_elements_are_unique(prefix((sci_twice,)))) == (
        "tx.duplicate_ring_elements"
    )


def test_ring_elements_sorted() -> None:
    v.validate_ring_elements_are_sorted(prefix((TxIn(ring(0)),)))
    swapped = list(ring(0))
    swapped[4], swapped[5] = swapped[5], swapped[4]
    unsorted = prefix((TxIn(tuple(swapped)),))
    assert code_of(lambda: v.validate_ring_elements_are_sorted(unsorted)) == (
        "tx.unsorted_ring_elements"
    )
    # strictly ascending: an equal neighbour is unsorted too
    equal = ring(0)[:1] * 2
    assert code_of(lambda: v.validate_ring_elements_are_sorted(prefix((TxIn(equal),)))) == (
        "tx.unsorted_ring_elements"
    )


def test_inputs_sorted() -> None:
    v.validate_inputs_are_sorted(prefix((TxIn(ring(0)), TxIn(ring(11)))))
    reversed_inputs = prefix((TxIn(ring(11)), TxIn(ring(0))))
    assert code_of(lambda: v.validate_inputs_are_sorted(reversed_inputs)) == "tx.unsorted_inputs"
    # MobileCoin treats an empty ring as never ordered
    assert code_of(lambda: v.validate_inputs_are_sorted(prefix((TxIn(ring(0)), TxIn(()))))) == (
        "tx.unsorted_inputs"
    )
    v.validate_inputs_are_sorted(prefix((TxIn(()),)))  # one input: nothing to compare


# --- membership proofs -----------------------------------------------------------------------


@cache
def ledger() -> MerkleTree:
    return MerkleTree(out(k) for k in range(20))


def proved_input(start: int, size: int = 3) -> TxIn:
    members = ring(start, size)
    return TxIn(members, tuple(ledger().proof(start + k) for k in range(size)))


def roots_for(tx_in: TxIn, tree: MerkleTree | None = None) -> list[TxOutMembershipProof]:
    source = tree or ledger()
    return [source.proof(p.highest_index) for p in tx_in.proofs]


def test_membership_proofs_accept_current_and_grown_ledgers() -> None:
    tx_in = proved_input(2)
    v.validate_membership_proofs(prefix((tx_in,)), roots_for(tx_in))
    grown = ledger().copy()
    for k in range(20, 37):
        grown.append(out(k))
    # proofs made at 20 leaves, root proofs served by a 37-leaf ledger
    v.validate_membership_proofs(prefix((tx_in,)), roots_for(tx_in, grown))


def test_membership_proof_count_and_context() -> None:
    tx_in = proved_input(2)
    short = attrs.evolve(tx_in, proofs=tx_in.proofs[:2])
    assert code_of(lambda: v.validate_membership_proofs(prefix((short,)), roots_for(tx_in))) == (
        "tx.missing_tx_out_membership_proof"
    )
    assert code_of(
        lambda: v.validate_membership_proofs(prefix((tx_in,)), roots_for(tx_in)[:2])
    ) == "tx.invalid_ledger_context"
    roots = roots_for(tx_in)
    roots[1] = attrs.evolve(roots[1], elements=roots[1].elements[1:])  # no leaf first
    assert code_of(lambda: v.validate_membership_proofs(prefix((tx_in,)), roots)) == (
        "tx.invalid_ledger_context"
    )


def test_membership_proof_structural_errors() -> None:
    tx_in = proved_input(2)
    roots = roots_for(tx_in)
    bad_range = TxOutMembershipElement(Range(9, 1), bytes(32))
    roots[0] = attrs.evolve(roots[0], elements=roots[0].elements + (bad_range,))
    assert code_of(lambda: v.validate_membership_proofs(prefix((tx_in,)), roots)) == (
        "tx.membership_proof_validation_error"
    )
    # the tx's own proof names another TxOut's leaf
    swapped = attrs.evolve(tx_in, proofs=(tx_in.proofs[1],) + tx_in.proofs[1:])
    assert code_of(
        lambda: v.validate_membership_proofs(prefix((swapped,)), roots_for(tx_in))
    ) == "tx.membership_proof_validation_error"


def test_membership_proof_for_another_root() -> None:
    tx_in = proved_input(2)
    roots = roots_for(tx_in)
    leaf = roots[2].elements[0]
    roots[2] = attrs.evolve(
        roots[2],
        elements=(TxOutMembershipElement(leaf.range, bytes([7]) * 32),) + roots[2].elements[1:],
    )
    assert code_of(lambda: v.validate_membership_proofs(prefix((tx_in,)), roots)) == (
        "tx.invalid_tx_out_membership_proof"
    )
    # a TxOut that is not in the ledger at all, with a proof copied from a real member
    stranger = attrs.evolve(out(3), e_memo=None)
    fake = attrs.evolve(tx_in, ring=(tx_in.ring[0], stranger, tx_in.ring[2]))
    assert code_of(lambda: v.validate_membership_proofs(prefix((fake,)), roots_for(tx_in))) == (
        "tx.membership_proof_validation_error"
    )


# --- fee, key images, output keys, tombstone -------------------------------------------------


def test_transaction_fee() -> None:
    tx = tx_of(prefix())
    v.validate_transaction_fee(tx, 400)
    assert code_of(lambda: v.validate_transaction_fee(tx, 401)) == "tx.tx_fee_error"


def test_output_public_keys_unique() -> None:
    v.validate_outputs_public_keys_are_unique(tx_of(prefix(outputs=(out(0), out(1)))))
    clash = attrs.evolve(out(1), public_key=out(0).public_key)
    assert code_of(
        lambda: v.validate_outputs_public_keys_are_unique(tx_of(prefix(outputs=(out(0), clash))))
    ) == "tx.duplicate_output_public_key"


def test_key_images_unique() -> None:
    tx, _context = signed(3, 2)
    v.validate_key_images_are_unique(tx)
    first, second = tx.signature.ring_signatures
    dup = attrs.evolve(
        tx,
        signature=attrs.evolve(
            tx.signature,
            ring_signatures=(first, attrs.evolve(second, key_image=first.key_image)),
        ),
    )
    assert code_of(lambda: v.validate_key_images_are_unique(dup)) == "tx.duplicate_key_images"


def test_tombstone() -> None:
    v.validate_tombstone(100, 101)
    v.validate_tombstone(100, 100 + 20160)
    assert code_of(lambda: v.validate_tombstone(100, 100)) == "tx.tombstone_block_exceeded"
    assert code_of(lambda: v.validate_tombstone(101, 100)) == "tx.tombstone_block_exceeded"
    assert code_of(lambda: v.validate_tombstone(100, 100 + 20161)) == "tx.tombstone_block_too_far"
    assert code_of(lambda: v.validate_tombstone(0, 0)) == "tx.tombstone_block_exceeded"


# --- outputs ---------------------------------------------------------------------------------


def test_tx_out_memo_and_token_id_rules_per_version() -> None:
    with_memo = out(0, memo=True)
    no_memo = out(0, memo=False)
    with_token = out(0, memo=True, token_id=bytes(8))
    v.validate_tx_out(0, no_memo)
    v.validate_tx_out(1, with_memo)
    v.validate_tx_out(2, with_token)
    assert code_of(lambda: v.validate_tx_out(0, with_memo)) == "tx.memos_not_allowed"
    assert code_of(lambda: v.validate_tx_out(1, no_memo)) == "tx.missing_memo"
    assert code_of(lambda: v.validate_tx_out(2, with_memo)) == "tx.missing_masked_token_id"
    assert code_of(lambda: v.validate_tx_out(1, with_token)) == "tx.masked_token_id_not_allowed"
    assert code_of(lambda: v.validate_tx_out(4, out(0, token_id=bytes(4)))) == (
        "tx.missing_masked_token_id"
    )
    amountless = attrs.evolve(with_memo, masked_amount=None)
    assert code_of(lambda: v.validate_tx_out(1, amountless)) == "tx.unknown_masked_amount_version"


def test_outputs_sorted() -> None:
    v.validate_outputs_are_sorted(prefix(outputs=(out(0), out(1), out(5))))
    assert code_of(
        lambda: v.validate_outputs_are_sorted(prefix(outputs=(out(1), out(0))))
    ) == "tx.unsorted_outputs"


def test_input_rules_need_v3() -> None:
    plain = tx_of(prefix((TxIn(ring(0)),)))
    v.validate_that_no_input_rules_exist(plain)
    sci = tx_of(prefix((TxIn(ring(0)), TxIn(ring(11), input_rules=InputRules()))))
    assert code_of(lambda: v.validate_that_no_input_rules_exist(sci)) == (
        "tx.input_rules_not_allowed"
    )
    v.validate_all_input_rules(3, sci)


# --- input rules (MCIP #31, #42) -------------------------------------------------------------

SECRET = bytes(range(32))


def revealed(value: int, key: int, token_id: int = 0, secret: bytes = SECRET) -> RevealedTxOut:
    base = out(key)
    masked = MaskedAmountV2.create_from_amount_shared_secret(Amount(value, token_id), secret)
    return RevealedTxOut(attrs.evolve(base, masked_amount=masked), secret)


def paid(r: RevealedTxOut, value: int, token_id: int = 0) -> TxOut:
    """The output a filler writes for a revealed TxOut: same keys, a new amount."""
    masked = MaskedAmountV2.create_from_amount_shared_secret(
        Amount(value, token_id), r.amount_shared_secret
    )
    return attrs.evolve(r.tx_out, masked_amount=masked)


def rules_tx(outputs: tuple[TxOut, ...], tombstone: int = 10) -> Tx:
    return tx_of(prefix(outputs=outputs, tombstone=tombstone))


def rule_code(rules: InputRules, tx: Tx) -> str:
    return code_of(lambda: verify_input_rules(rules, 3, tx))


def test_input_rules_tombstone_and_required_outputs() -> None:
    tx = rules_tx((out(0), out(1)), tombstone=50)
    verify_input_rules(InputRules(max_tombstone_block=50), 3, tx)
    verify_input_rules(InputRules(max_tombstone_block=0), 3, tx)  # 0: no limit
    assert rule_code(InputRules(max_tombstone_block=49), tx) == (
        "tx.input_rule_max_tombstone_block_exceeded"
    )
    verify_input_rules(InputRules(required_outputs=(out(1),)), 3, tx)
    assert rule_code(InputRules(required_outputs=(out(2),)), tx) == (
        "tx.input_rule_missing_required_output"
    )
    # verbatim: the same keys with another memo is not the required output
    changed = attrs.evolve(out(1), e_memo=EncryptedMemo(bytes([1]) * 66))
    assert rule_code(InputRules(required_outputs=(changed,)), tx) == (
        "tx.input_rule_missing_required_output"
    )


def test_partial_fill_without_change() -> None:
    tx = rules_tx((out(0),))
    assert rule_code(InputRules(partial_fill_outputs=(revealed(10, 5),)), tx) == (
        "tx.input_rule_partial_fill_outputs_not_expected"
    )
    assert rule_code(InputRules(min_partial_fill_value=1), tx) == (
        "tx.input_rule_min_partial_fill_value_not_expected"
    )


def test_partial_fill_happy_path_and_exact_fraction() -> None:
    change = revealed(1000, 10)
    wanted = revealed(300, 11)
    # 40 % filled: change keeps 600, the counterparty output gets at least 120 of 300
    rules = InputRules(partial_fill_outputs=(wanted,), partial_fill_change=change)
    verify_input_rules(rules, 3, rules_tx((paid(change, 600), paid(wanted, 120))))
    verify_input_rules(rules, 3, rules_tx((paid(change, 600), paid(wanted, 300))))
    assert rule_code(rules, rules_tx((paid(change, 600), paid(wanted, 119)))) == (
        "tx.input_rule_fractional_output_amount_does_not_respect_fill_fraction"
    )
    # fully filled: nothing returned, everything paid
    verify_input_rules(rules, 3, rules_tx((paid(change, 0), paid(wanted, 300))))


def test_partial_fill_errors() -> None:
    change = revealed(1000, 10)
    wanted = revealed(300, 11)
    rules = InputRules(partial_fill_outputs=(wanted,), partial_fill_change=change)
    assert rule_code(rules, rules_tx((paid(wanted, 300),))) == (
        "tx.input_rule_missing_fractional_change_output"
    )
    assert rule_code(rules, rules_tx((paid(change, 600),))) == (
        "tx.input_rule_missing_fractional_output"
    )
    assert rule_code(rules, rules_tx((paid(change, 600, token_id=5), paid(wanted, 300)))) == (
        "tx.input_rule_fractional_output_token_id_mismatch"
    )
    assert rule_code(rules, rules_tx((paid(change, 600), paid(wanted, 300, token_id=5)))) == (
        "tx.input_rule_fractional_output_token_id_mismatch"
    )
    with_min = attrs.evolve(rules, min_partial_fill_value=500)
    assert rule_code(with_min, rules_tx((paid(change, 600), paid(wanted, 300)))) == (
        "tx.input_rule_fractional_change_output_amount_exceeds_limit"
    )
    verify_input_rules(with_min, 3, rules_tx((paid(change, 500), paid(wanted, 300))))
    too_high_min = attrs.evolve(rules, min_partial_fill_value=1001)
    assert rule_code(too_high_min, rules_tx((paid(change, 600), paid(wanted, 300)))) == (
        "tx.input_rule_min_partial_fill_value_exceeds_partial_fill_change"
    )
    zero = InputRules(partial_fill_change=revealed(0, 10))
    assert rule_code(zero, rules_tx((paid(revealed(0, 10), 0),))) == (
        "tx.input_rule_zero_partial_fill_change"
    )
    zero_wanted = InputRules(partial_fill_outputs=(revealed(0, 11),), partial_fill_change=change)
    assert rule_code(zero_wanted, rules_tx((paid(change, 600), paid(revealed(0, 11), 0)))) == (
        "tx.input_rule_fractional_output_amount_does_not_respect_fill_fraction"
    )


def test_revealed_tx_out_errors() -> None:
    change = revealed(1000, 10)
    tx = rules_tx((paid(change, 600),))
    short_secret = InputRules(partial_fill_change=attrs.evolve(change, amount_shared_secret=b"x"))
    assert rule_code(short_secret, tx) == "tx.input_rule_revealed_tx_out"
    wrong_secret = InputRules(
        partial_fill_change=attrs.evolve(change, amount_shared_secret=bytes(32))
    )
    assert rule_code(wrong_secret, tx) == "tx.input_rule_revealed_tx_out"
    v1 = InputRules(partial_fill_change=RevealedTxOut(out(10), SECRET))
    assert rule_code(v1, tx) == "tx.input_rule_revealed_tx_out"


# --- whole validate ----------------------------------------------------------------------------


@cache
def fixture(version: int) -> TxFixture:
    return TxFixture(f"test_validation v{version}", version)


@cache
def signed(version: int, num_inputs: int = 1) -> tuple[Tx, object]:
    draft = fixture(version).draft(num_inputs=num_inputs)
    return sign_draft(draft, f"test_validation {version} {num_inputs}"), draft.context()


def run_validate(tx: Tx, context: object) -> None:
    from refimpl.transaction.validation_context import LedgerContext

    assert isinstance(context, LedgerContext)
    v.validate_in(tx, context, seeded_rng("test_validation"))


@pytest.mark.parametrize("version", [0, 3])
def test_valid_transactions_pass(version: int) -> None:
    run_validate(*signed(version))


def test_rules_run_in_mobilecoin_order() -> None:
    """A tx breaking several rules reports the earliest one of MobileCoin's order."""
    tx, context = signed(3)
    # tombstone passed (rule 13) AND fee too low (rule 10) AND outputs unsorted (rule 15)
    late = attrs.evolve(
        tx, prefix=attrs.evolve(tx.prefix, outputs=tuple(reversed(tx.prefix.outputs)))
    )
    assert code_of(lambda: run_validate(late, context)) == "tx.invalid_transaction_signature"
    from refimpl.transaction.validation_context import LedgerContext

    assert isinstance(context, LedgerContext)
    both = attrs.evolve(context, minimum_fee=10**12, current_block_index=10**6)
    assert code_of(lambda: run_validate(tx, both)) == "tx.tx_fee_error"
    only_tombstone = attrs.evolve(context, current_block_index=10**6)
    assert code_of(lambda: run_validate(tx, only_tombstone)) == "tx.tombstone_block_exceeded"
    assert code_of(lambda: run_validate(tx, attrs.evolve(context, block_version=5))) == (
        "tx.bad_block_version"
    )
    no_outputs = attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, outputs=(), inputs=()))
    assert code_of(lambda: run_validate(no_outputs, context)) == "tx.no_inputs"


def test_signature_failure_keeps_its_ringct_cause() -> None:
    tx, context = signed(3)
    later = tx.prefix.tombstone_block + 1
    changed = attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, tombstone_block=later))
    with pytest.raises(TxError) as err:
        run_validate(changed, context)
    assert err.value.code == "tx.invalid_transaction_signature"
    cause = err.value.__cause__
    assert isinstance(cause, TxError) and cause.code == "tx.rct_ring_signature"


def test_rules_table_lists_every_rule_function() -> None:
    for name, codes in v.RULES:
        assert callable(getattr(v, name))
        for code in codes:
            assert code in CODES
