"""Hypothesis: build/verify round trips for random amounts, token ids (mixed from v3), ring sizes
and input counts; every field mutation of a valid transaction is rejected with a typed error.

Proving is slow in Python, so the example budget is small under the ci profile (see
``example_budget``) and large under nightly.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import RefImplError
from refimpl.transaction.amount import Amount
from refimpl.transaction.rct_signature import verify_tx
from refimpl.transaction.tx import Tx
from tests.unit.transaction._txbuild import example_budget, make_builder, rng_from

TOKENS = (0, 7, 2**64 - 1)


@st.composite
def transaction_plans(draw: st.DrawFn) -> tuple[int, tuple[Amount, ...], tuple[Amount, ...], int,
                                                 int, int]:
    """(block version, input amounts, output amounts, fee, fee token, ring size)."""
    version = draw(st.integers(0, 4))
    tokens = TOKENS if version >= 3 else (0,)
    fee_token = draw(st.sampled_from(tokens)) if version >= 2 else 0
    fee = draw(st.integers(0, 2**20))
    inputs = [Amount(draw(st.integers(fee, 2**62)), fee_token)]
    for _ in range(draw(st.integers(0, 2))):
        inputs.append(Amount(draw(st.integers(0, 2**62)), draw(st.sampled_from(tokens))))
    budget: dict[int, int] = {}
    for a in inputs:
        budget[a.token_id] = budget.get(a.token_id, 0) + a.value
    budget[fee_token] -= fee
    outputs = []
    for token_id, available in sorted(budget.items()):
        if draw(st.booleans()) or not outputs:
            outputs.append(Amount(draw(st.integers(0, available)), token_id))
    ring_size = draw(st.integers(1, 4))
    return version, tuple(inputs), tuple(outputs), fee, fee_token, ring_size


MUTATIONS: list[Callable[[Tx], Tx]] = [
    lambda t: attrs.evolve(t, prefix=attrs.evolve(t.prefix, fee=t.prefix.fee + 1)),
    lambda t: attrs.evolve(t, prefix=attrs.evolve(t.prefix, tombstone_block=1)),
    lambda t: attrs.evolve(t, prefix=attrs.evolve(t.prefix, outputs=t.prefix.outputs[::-1] + (
        t.prefix.outputs[0],))),
    lambda t: attrs.evolve(t, prefix=attrs.evolve(t.prefix, inputs=t.prefix.inputs[1:])),
    lambda t: attrs.evolve(t, signature=attrs.evolve(
        t.signature,
        pseudo_output_commitments=(Point.mul_base(Scalar(3)),)
        + t.signature.pseudo_output_commitments[1:])),
    lambda t: attrs.evolve(t, signature=attrs.evolve(
        t.signature,
        ring_signatures=(attrs.evolve(t.signature.ring_signatures[0],
                                      c_zero=t.signature.ring_signatures[0].c_zero + Scalar(1)),)
        + t.signature.ring_signatures[1:])),
    lambda t: attrs.evolve(t, signature=attrs.evolve(
        t.signature,
        ring_signatures=(attrs.evolve(t.signature.ring_signatures[0],
                                      key_image=Point.mul_base(Scalar(5))),)
        + t.signature.ring_signatures[1:])),
    lambda t: attrs.evolve(t, signature=attrs.evolve(
        t.signature, range_proof_bytes=t.signature.range_proof_bytes[:-1] + b"\x01"
        if t.signature.range_proof_bytes else b"\x00" * 32)),
]


@settings(max_examples=example_budget(3))
@given(transaction_plans(), st.integers(0, 2**32), st.lists(st.integers(0, len(MUTATIONS) - 1),
                                                           min_size=1, max_size=3))
def test_build_verify_round_trip_and_mutations_rejected(
    plan: tuple[int, tuple[Amount, ...], tuple[Amount, ...], int, int, int],
    seed: int,
    mutation_indices: list[int],
) -> None:
    version, inputs, outputs, fee, fee_token, ring_size = plan
    builder, rng = make_builder(version, inputs, outputs, fee=fee, fee_token_id=fee_token,
                                ring_size=ring_size, seed=f"prop-{seed}")
    tx = builder.build(rng)
    verify_tx(tx, version, rng_from("verify"))
    decoded = Tx.from_protobuf(tx.to_protobuf())
    assert decoded == tx
    assert len(tx.prefix.inputs) == len(inputs)
    assert all(len(tx_in.ring) == ring_size for tx_in in tx.prefix.inputs)
    for index in mutation_indices:
        mutated = MUTATIONS[index](tx)
        if mutated == tx:
            continue
        try:
            verify_tx(mutated, version, rng_from("verify"))
        except RefImplError:
            continue
        raise AssertionError(f"mutation {index} was accepted")


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=2**64)))
def test_amounts_out_of_range_are_typed_errors(value: int) -> None:
    try:
        Amount(value)
    except RefImplError as exc:
        assert exc.code == "encoding.integer_out_of_range"
    else:
        raise AssertionError("an out-of-range amount was accepted")
