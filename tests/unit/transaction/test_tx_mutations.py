"""Mutation fuzzing: every change to a valid transaction is rejected with a typed error.

A valid block-version-3 transaction (1 input, ring 11, 2 outputs; refimpl.vectors.tx_fixtures) is
mutated at the protobuf byte level and at the field level. Each mutant must either fail to decode
with a typed error, decode to the same transaction, or be rejected by ``validate``
(transaction/core/src/validation/validate.rs) with a typed error -- never another exception and
never accepted. The one unsigned field, ``fee_map_digest``, is compared out: ``validate`` does not
read it (the consensus enclave compares it with its fee map, outside ``validate``).

Examples are bounded: each validation may reach the signature check (tens of ms), so these
tests run a third of the profile's examples.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypeVar

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.errors import CODES, RefImplError
from refimpl.transaction.membership_proofs.types import (
    Range,
    TxOutMembershipElement,
    TxOutMembershipProof,
)
from refimpl.transaction.tx import Tx, TxIn
from refimpl.transaction.validation import validate_in
from refimpl.transaction.validation_context import LedgerContext
from refimpl.vectors.tx_fixtures import TxFixture, seeded_rng, sign_draft

T = TypeVar("T")
_PROFILE = settings.default
BOUNDED = settings(max_examples=max(10, (_PROFILE.max_examples if _PROFILE else 30) // 3))


@cache
def valid() -> tuple[Tx, LedgerContext, bytes, TxFixture]:
    fixture = TxFixture("test_tx_mutations", 3)
    draft = fixture.draft()
    tx = sign_draft(draft, "test_tx_mutations")
    context = draft.context()
    validate_in(tx, context, seeded_rng("mutations"))
    return tx, context, tx.to_protobuf(), fixture


def same_as_valid(mutant: Tx) -> bool:
    tx = valid()[0]
    return attrs.evolve(mutant, fee_map_digest=tx.fee_map_digest) == tx


def assert_rejected(mutant: Tx) -> None:
    """The property: the mutant is the valid transaction, or validate rejects it (typed)."""
    if same_as_valid(mutant):
        return
    context = valid()[1]
    try:
        validate_in(mutant, context, seeded_rng("mutations"))
    except RefImplError as exc:
        assert exc.code in CODES
        return
    raise AssertionError("a mutated transaction was accepted")


def decode_then_check(data: bytes) -> None:
    try:
        mutant = Tx.from_protobuf(data)
    except RefImplError as exc:
        assert exc.code in CODES
        return
    assert_rejected(mutant)


# --- byte-level mutations --------------------------------------------------------------------


@BOUNDED
@given(data=st.data())
def test_byte_mutations_are_rejected(data: st.DataObject) -> None:
    raw = bytearray(valid()[2])
    kind = data.draw(st.sampled_from(["flip", "set", "delete", "insert", "truncate"]))
    pos = data.draw(st.integers(0, len(raw) - 1))
    if kind == "flip":
        raw[pos] ^= 1 << data.draw(st.integers(0, 7))
    elif kind == "set":
        raw[pos] = data.draw(st.integers(0, 255))
    elif kind == "delete":
        del raw[pos : pos + data.draw(st.integers(1, 40))]
    elif kind == "insert":
        raw[pos:pos] = data.draw(st.binary(min_size=1, max_size=40))
    else:
        del raw[pos:]
    decode_then_check(bytes(raw))


@BOUNDED
@given(junk=st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_fail_typed(junk: bytes) -> None:
    decode_then_check(junk)


@BOUNDED
@given(extra=st.binary(min_size=1, max_size=60))
def test_appended_bytes_are_rejected_or_ignored(extra: bytes) -> None:
    decode_then_check(valid()[2] + extra)


# --- field-level mutations -------------------------------------------------------------------


def _input(tx: Tx, edit: Callable[[TxIn], TxIn]) -> Tx:
    inputs = (edit(tx.prefix.inputs[0]),) + tx.prefix.inputs[1:]
    return attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, inputs=inputs))


def _replace(items: tuple[T, ...], position: int, item: T) -> tuple[T, ...]:
    return items[:position] + (item,) + items[position + 1 :]


def _field_mutants(data: st.DataObject) -> Tx:
    tx, _context, _raw, fixture = valid()
    prefix, sig = tx.prefix, tx.signature
    u64 = st.integers(0, 2**64 - 1)
    which = data.draw(
        st.sampled_from(
            [
                "fee", "tombstone", "fee_token_id", "ring_member", "ring_order", "proof_index",
                "proof_element", "output_key", "output_memo", "output_amount", "drop_output",
                "key_image", "response", "c_zero", "pseudo_output", "range_proof",
                "token_ids", "input_rules",
            ]
        )
    )
    if which == "fee":
        return attrs.evolve(tx, prefix=attrs.evolve(prefix, fee=data.draw(u64)))
    if which == "tombstone":
        return attrs.evolve(tx, prefix=attrs.evolve(prefix, tombstone_block=data.draw(u64)))
    if which == "fee_token_id":
        return attrs.evolve(tx, prefix=attrs.evolve(prefix, fee_token_id=data.draw(u64)))
    if which == "ring_member":
        position = data.draw(st.integers(0, 10))
        member = data.draw(st.sampled_from(fixture.ledger))
        return _input(tx, lambda i: attrs.evolve(i, ring=_replace(i.ring, position, member)))
    if which == "ring_order":
        perm = data.draw(st.permutations(range(11)))
        return _input(
            tx,
            lambda i: attrs.evolve(
                i, ring=tuple(i.ring[k] for k in perm), proofs=tuple(i.proofs[k] for k in perm)
            ),
        )
    if which == "proof_index":
        position = data.draw(st.integers(0, 10))
        index = data.draw(st.integers(0, 2**64 - 1))
        def edit_index(i: TxIn) -> TxIn:
            new = attrs.evolve(i.proofs[position], index=index)
            return attrs.evolve(i, proofs=_replace(i.proofs, position, new))

        return _input(tx, edit_index)
    if which == "proof_element":
        position = data.draw(st.integers(0, 10))
        digest = data.draw(st.binary(min_size=32, max_size=32))

        def edit_proof(i: TxIn) -> TxIn:
            proof = i.proofs[position]
            k = data.draw(st.integers(0, len(proof.elements) - 1))
            element = attrs.evolve(proof.elements[k], hash=digest)
            new = attrs.evolve(proof, elements=_replace(proof.elements, k, element))
            return attrs.evolve(i, proofs=_replace(i.proofs, position, new))

        return _input(tx, edit_proof)
    if which in ("output_key", "output_memo", "output_amount", "drop_output"):
        position = data.draw(st.integers(0, len(prefix.outputs) - 1))
        output = prefix.outputs[position]
        if which == "drop_output":
            outputs = prefix.outputs[:position] + prefix.outputs[position + 1 :]
            return attrs.evolve(tx, prefix=attrs.evolve(prefix, outputs=outputs))
        if which == "output_key":
            new_out = attrs.evolve(output, public_key=Point.random(seeded_rng(str(data.draw(u64)))))
        elif which == "output_memo":
            new_out = attrs.evolve(output, e_memo=None)
        else:
            assert output.masked_amount is not None
            masked = attrs.evolve(output.masked_amount, masked_value=data.draw(u64))
            new_out = attrs.evolve(output, masked_amount=masked)
        outputs = _replace(prefix.outputs, position, new_out)
        return attrs.evolve(tx, prefix=attrs.evolve(prefix, outputs=outputs))
    if which in ("key_image", "response", "c_zero"):
        mlsag = sig.ring_signatures[0]
        if which == "key_image":
            mlsag = attrs.evolve(mlsag, key_image=Point.random(seeded_rng(str(data.draw(u64)))))
        elif which == "response":
            k = data.draw(st.integers(0, len(mlsag.responses) - 1))
            delta = Scalar(data.draw(st.integers(1, L - 1)))
            mlsag = attrs.evolve(
                mlsag, responses=_replace(mlsag.responses, k, mlsag.responses[k] + delta)
            )
        else:
            delta = Scalar(data.draw(st.integers(1, L - 1)))
            mlsag = attrs.evolve(mlsag, c_zero=mlsag.c_zero + delta)
        return attrs.evolve(tx, signature=attrs.evolve(sig, ring_signatures=(mlsag,)))
    if which == "pseudo_output":
        point = Point.random(seeded_rng(str(data.draw(u64))))
        return attrs.evolve(tx, signature=attrs.evolve(sig, pseudo_output_commitments=(point,)))
    if which == "range_proof":
        proof = bytearray(sig.range_proofs[0])
        position = data.draw(st.integers(0, len(proof) - 1))
        proof[position] ^= 1 << data.draw(st.integers(0, 7))
        return attrs.evolve(tx, signature=attrs.evolve(sig, range_proofs=(bytes(proof),)))
    if which == "token_ids":
        ids = tuple(data.draw(st.lists(u64, max_size=3)))
        return attrs.evolve(tx, signature=attrs.evolve(sig, output_token_ids=ids))
    from refimpl.transaction.tx import InputRules

    return _input(tx, lambda i: attrs.evolve(i, input_rules=InputRules()))


@BOUNDED
@given(data=st.data())
def test_field_mutations_are_rejected(data: st.DataObject) -> None:
    assert_rejected(_field_mutants(data))


def test_the_unmutated_transaction_round_trips_and_validates() -> None:
    tx, context, raw, _fixture = valid()
    assert Tx.from_protobuf(raw) == tx
    validate_in(Tx.from_protobuf(raw), context, seeded_rng("again"))
    assert same_as_valid(attrs.evolve(tx, fee_map_digest=b"\x01" * 32))


# --- the untrusted ledger context --------------------------------------------------------------

_any_u64 = st.integers(0, 2**64 - 1)
_elements = st.lists(
    st.builds(
        TxOutMembershipElement,
        st.builds(Range, _any_u64 | st.integers(0, 40), _any_u64 | st.integers(0, 40)),
        st.binary(min_size=32, max_size=32),
    ),
    max_size=6,
)


@BOUNDED
@given(data=st.data())
def test_root_proof_mutations_give_a_verdict_or_a_typed_error(data: st.DataObject) -> None:
    """Root proofs come from the untrusted host: any of them may be replaced by anything.
    (A changed root proof can still be accepted: derive_proof_at_index ignores the elements
    above the ring member's index, so only typed errors are required here.)"""
    tx, context, _raw, _fixture = valid()
    roots = list(context.root_proofs)
    position = data.draw(st.integers(0, len(roots) - 1))
    roots[position] = TxOutMembershipProof(
        data.draw(_any_u64 | st.integers(0, 40)),
        data.draw(_any_u64 | st.integers(0, 40)),
        tuple(data.draw(_elements)),
    )
    try:
        validate_in(tx, attrs.evolve(context, root_proofs=tuple(roots)), seeded_rng("roots"))
    except RefImplError as exc:
        assert exc.code in CODES
