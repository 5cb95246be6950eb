"""TransactionBuilder: layout rules (transaction_builder.rs), change, memos, determinism, typed
errors."""

from __future__ import annotations

import attrs
import pytest

from refimpl.account.keys import CHANGE_SUBADDRESS_INDEX
from refimpl.errors import RefImplError
from refimpl.transaction.amount import Amount
from refimpl.transaction.builder import OutputRequest, RingCandidate
from refimpl.transaction.membership_proofs.types import (
    Range,
    TxOutMembershipElement,
    TxOutMembershipProof,
)
from refimpl.transaction.memos import decode_memo
from refimpl.transaction.memos.authenticated_sender import (
    AuthenticatedSenderMemo,
    AuthenticatedSenderWithPaymentRequestIdMemo,
)
from refimpl.transaction.memos.destination import DestinationMemo
from refimpl.transaction.onetime_keys import recover_public_subaddress_spend_key
from refimpl.transaction.rct_signature import verify_tx
from refimpl.transaction.tx import Tx
from refimpl.transaction.tx_out import TxOut
from tests.unit.transaction._txbuild import (
    ALICE,
    BOB,
    OTHER_TOKEN,
    built_tx,
    make_builder,
    rng_from,
)


def _keys(outs: tuple[TxOut, ...]) -> list[bytes]:
    return [o.public_key.to_bytes() for o in outs]


def _code(fn: object) -> str:
    with pytest.raises(RefImplError) as err:
        fn()  # type: ignore[operator]
    return err.value.code


def _owned_by(out: TxOut, account: object, index: int) -> bool:
    spend = recover_public_subaddress_spend_key(
        account.view_private, out.target_key, out.public_key  # type: ignore[attr-defined]
    )
    return spend == account.subaddress(index).spend_public  # type: ignore[attr-defined]


@pytest.mark.parametrize("version", [1, 3])
def test_layout_rules(version: int) -> None:
    tx = built_tx(version, inputs=2)
    for tx_in in tx.prefix.inputs:
        keys = _keys(tx_in.ring)
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
    firsts = [tx_in.ring[0].public_key.to_bytes() for tx_in in tx.prefix.inputs]
    assert firsts == sorted(firsts)
    members = [k for tx_in in tx.prefix.inputs for k in _keys(tx_in.ring)]
    assert len(set(members)) == len(members)  # unique across rings (MCIP #57)
    owned = [o for tx_in in tx.prefix.inputs for o in tx_in.ring if _owned_by(o, ALICE, 0)]
    assert len(owned) == 2  # each ring holds exactly one real input
    if version >= 3:
        assert _keys(tx.prefix.outputs) == sorted(_keys(tx.prefix.outputs))


def test_build_is_deterministic_given_the_rng() -> None:
    first, rng1 = make_builder(2, (Amount(1000),), (Amount(10),), seed="det")
    second, rng2 = make_builder(2, (Amount(1000),), (Amount(10),), seed="det")
    assert first == second
    tx1, tx2 = first.build(rng1), second.build(rng2)
    assert tx1.to_protobuf() == tx2.to_protobuf()
    builder, rng3 = make_builder(2, (Amount(1000),), (Amount(10),), seed="other")
    assert builder.build(rng3).to_protobuf() != tx1.to_protobuf()


def test_payment_and_change_amounts_and_memos() -> None:
    tx = built_tx(3, inputs=2, mixed=True)  # 2000 MOB + 50 T in; 300 MOB + 20 T to Bob; fee 400
    received = {}
    change = {}
    for out in tx.prefix.outputs:
        if _owned_by(out, BOB, 0):
            amount, ss = out.view_key_match(BOB.view_private)
            received[amount.token_id] = amount.value
            memo = decode_memo(out.decrypt_memo(ss))
            assert isinstance(memo, AuthenticatedSenderMemo)
            bob_view = BOB.subaddress_view_private(0)
            memo.validate(ALICE.default_subaddress(), bob_view, out.public_key)
        else:
            assert _owned_by(out, ALICE, CHANGE_SUBADDRESS_INDEX)
            amount, ss = out.view_key_match(ALICE.view_private)
            change[amount.token_id] = amount.value
            memo = decode_memo(out.decrypt_memo(ss))
            assert isinstance(memo, DestinationMemo)
            assert memo.address_hash == BOB.default_subaddress().short_address_hash()
            fee = 400 if amount.token_id == 0 else 0
            assert memo.fee == fee
            assert memo.total_outlay == received_value(amount.token_id) + fee
    assert received == {0: 300, OTHER_TOKEN: 20}
    assert change == {0: 2000 - 300 - 400, OTHER_TOKEN: 30}


def received_value(token_id: int) -> int:
    return {0: 300, OTHER_TOKEN: 20}[token_id]


def test_payment_request_id_memo_and_memo_policy_none() -> None:
    builder, rng = make_builder(2, (Amount(1000),), (Amount(10),), seed="prid")
    builder = attrs.evolve(
        builder, outputs=[OutputRequest(BOB.default_subaddress(), Amount(10), 77)]
    )
    tx = builder.build(rng)
    payee = next(o for o in tx.prefix.outputs if _owned_by(o, BOB, 0))
    _amount, ss = payee.view_key_match(BOB.view_private)
    memo = decode_memo(payee.decrypt_memo(ss))
    assert isinstance(memo, AuthenticatedSenderWithPaymentRequestIdMemo)
    assert memo.payment_request_id == 77
    plain, rng = make_builder(2, (Amount(1000),), (Amount(10),), seed="plain")
    tx = attrs.evolve(plain, memo_policy="none").build(rng)
    for out in tx.prefix.outputs:
        owner = BOB if _owned_by(out, BOB, 0) else ALICE
        _amount, ss = out.view_key_match(owner.view_private)
        assert out.decrypt_memo(ss).memo_type == b"\x00\x00"


def test_exact_spend_has_no_change_output() -> None:
    builder, rng = make_builder(2, (Amount(410),), (Amount(10),), seed="exact")
    tx = builder.build(rng)
    assert len(tx.prefix.outputs) == 1
    verify_tx(tx, 2, rng_from("v"))


def test_membership_proofs_are_attached_when_every_member_has_one() -> None:
    builder, rng = make_builder(2, (Amount(1000),), (Amount(10),), seed="proofs")

    def proof(i: int) -> TxOutMembershipProof:
        return TxOutMembershipProof(i, 40, [TxOutMembershipElement(Range(i, i), bytes([i]) * 32)])

    with_proofs = attrs.evolve(
        builder,
        inputs=[attrs.evolve(builder.inputs[0], proof=proof(0))],
        ring_candidates=[attrs.evolve(c, proof=proof(i + 1))
                         for i, c in enumerate(builder.ring_candidates)],
    )
    tx = with_proofs.build(rng)
    tx_in = tx.prefix.inputs[0]
    assert len(tx_in.proofs) == len(tx_in.ring)
    originals = [builder.inputs[0].tx_out, *(c.tx_out for c in builder.ring_candidates)]
    for member, member_proof in zip(tx_in.ring, tx_in.proofs, strict=True):
        assert originals[member_proof.index] == member  # each proof travels with its TxOut
    verify_tx(Tx.from_protobuf(tx.to_protobuf()), 2, rng_from("v"))


def test_typed_errors() -> None:
    builder, rng = make_builder(2, (Amount(1000),), (Amount(10),), seed="errors")
    poor = attrs.evolve(builder, outputs=[OutputRequest(BOB.default_subaddress(), Amount(601))])
    assert _code(lambda: poor.build(rng)) == "tx.builder_insufficient_funds"
    wrong_token = attrs.evolve(
        builder, outputs=[OutputRequest(BOB.default_subaddress(), Amount(1, OTHER_TOKEN))]
    )
    assert _code(lambda: wrong_token.build(rng)) == "tx.builder_insufficient_funds"
    not_mine = attrs.evolve(builder, inputs=[attrs.evolve(builder.inputs[0], subaddress_index=1)])
    assert _code(lambda: not_mine.build(rng)) == "tx.builder_input_not_owned"
    few = attrs.evolve(builder, ring_candidates=builder.ring_candidates[:1])
    assert _code(lambda: few.build(rng)) == "tx.builder_not_enough_ring_members"
    duplicated = attrs.evolve(
        builder, ring_candidates=[builder.ring_candidates[0]] * 5
        + [RingCandidate(builder.inputs[0].tx_out)]
    )
    assert _code(lambda: duplicated.build(rng)) == "tx.builder_not_enough_ring_members"
    assert _code(lambda: attrs.evolve(builder, block_version=9).build(rng)) == \
        "tx.bad_block_version"
    fee_in_missing_token = attrs.evolve(builder, fee_token_id=OTHER_TOKEN)
    assert _code(lambda: fee_in_missing_token.build(rng)) == "tx.builder_insufficient_funds"
    mixed, rng2 = make_builder(2, (Amount(1000), Amount(5, OTHER_TOKEN)), (Amount(10),))
    assert _code(lambda: mixed.build(rng2)) == "tx.rct_mixed_transactions_not_allowed"
    assert _code(lambda: attrs.evolve(builder, inputs=[]).build(rng)) == \
        "tx.builder_insufficient_funds"
    assert _code(lambda: attrs.evolve(builder, ring_size=0).build(rng)) == \
        "tx.rct_invalid_ring_size"
