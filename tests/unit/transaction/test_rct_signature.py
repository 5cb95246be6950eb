"""RingCT signature: signing digests per block version, sign/verify, the verify order and codes
(rct_bulletproofs.rs), SCIs."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from refimpl.crypto import ring_signature
from refimpl.crypto.merlin import Transcript
from refimpl.crypto.pedersen import commit, value_generator
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.errors import RefImplError
from refimpl.transaction.amount import Amount
from refimpl.transaction.rct_signature import (
    OutputSecret,
    PresignedInputRing,
    SignableInputRing,
    SignedInputRing,
    compute_pseudo_output_blindings,
    sign,
    verify,
    verify_tx,
)
from refimpl.transaction.signing_digest import (
    TxSummary,
    compute_mlsag_signing_digest,
    digest_extended_message,
)
from refimpl.transaction.tx import InputRules, SignatureRctBulletproofs, Tx, TxIn, TxPrefix
from refimpl.transaction.tx_out import TxOut
from tests.unit.transaction._txbuild import (
    ALICE,
    BOB,
    OTHER_TOKEN,
    built_tx,
    decoys,
    owned_tx_out,
    rng_from,
)

VERSIONS = (0, 1, 2, 3, 4)


def _code(fn: Callable[[], object]) -> str:
    with pytest.raises(RefImplError) as err:
        fn()
    return err.value.code


# --- signing digests ----------------------------------------------------------------------------


def test_extended_message_before_v2_is_the_raw_concatenation() -> None:
    tx = built_tx(1)
    sig = tx.signature
    expected = (
        tx.prefix.hash()
        + b"".join(c.to_bytes() for c in sig.pseudo_output_commitments)
        + sig.range_proof_bytes
    )
    got = compute_mlsag_signing_digest(1, tx.prefix, sig.pseudo_output_commitments,
                                       sig.range_proof_bytes, sig.range_proofs)
    assert got == expected
    assert len(got) == 32 + 32 + len(sig.range_proof_bytes)


def test_v2_digest_is_the_merlin_extended_message_transcript() -> None:
    tx = built_tx(2)
    sig = tx.signature
    t = Transcript(b"mc_extended_message")
    t.append_message(b"message", b"prim")
    t.append_message(b"bytes", tx.prefix.hash())
    t.append_message(b"pseudo_output_commitments", b"seq")
    t.append_message(b"len", len(sig.pseudo_output_commitments).to_bytes(8, "little"))
    for c in sig.pseudo_output_commitments:
        t.append_message(b"", b"prim")
        t.append_message(b"ristretto", c.to_bytes())
    t.append_message(b"range_proof_bytes", b"prim")
    t.append_message(b"bytes", sig.range_proof_bytes)
    expected = t.challenge_bytes(b"digest32", 32)  # range_proofs empty: omitted
    got = compute_mlsag_signing_digest(2, tx.prefix, sig.pseudo_output_commitments,
                                       sig.range_proof_bytes, sig.range_proofs)
    assert got == expected


def test_empty_pseudo_output_list_hashes_a_none_marker() -> None:
    t = Transcript(b"mc_extended_message")
    t.append_message(b"message", b"prim")
    t.append_message(b"bytes", bytes(32))
    t.append_message(b"pseudo_output_commitments", b"")
    assert digest_extended_message(bytes(32), [], b"", []) == t.challenge_bytes(b"digest32", 32)


def test_v3_digest_binds_the_tx_summary() -> None:
    tx = built_tx(3, mixed=True)
    sig = tx.signature
    args = (tx.prefix, sig.pseudo_output_commitments, sig.range_proof_bytes, sig.range_proofs)
    v2_style = compute_mlsag_signing_digest(2, *args)
    v3 = compute_mlsag_signing_digest(3, *args)
    assert len(v3) == 32 and v3 != v2_style
    assert compute_mlsag_signing_digest(4, *args) == v3
    summary = TxSummary.new(tx.prefix, sig.pseudo_output_commitments)
    assert [o.public_key for o in summary.outputs] == [o.public_key for o in tx.prefix.outputs]
    assert not any(o.associated_to_input_rules for o in summary.outputs)
    assert summary.fee_token_id == 0 and summary.inputs[0].input_rules_digest == b""
    assert _code(lambda: TxSummary.new(tx.prefix, [])) == "tx.rct_length_mismatch"


# --- sign / verify round trips ----------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_built_transactions_verify(version: int) -> None:
    verify_tx(built_tx(version), version, rng_from("verify"))


def test_mixed_token_transaction_has_one_proof_per_token() -> None:
    tx = built_tx(3, mixed=True)
    sig = tx.signature
    assert sig.range_proof_bytes == b""
    assert len(sig.range_proofs) == 2  # tokens 0 and OTHER_TOKEN, ascending
    assert sorted(set(sig.output_token_ids)) == [0, OTHER_TOKEN]
    assert sorted(sig.pseudo_output_token_ids) == [0, OTHER_TOKEN]
    verify_tx(tx, 3, rng_from("verify"))


def test_pseudo_output_blindings_balance_output_blindings() -> None:
    rng = rng_from("blindings")
    rings = [
        SignableInputRing([(Point.base(), Point.base())], 0, Scalar(1), Amount(1), Scalar(2))
        for _ in range(3)
    ]
    outputs = [OutputSecret(Amount(1), Scalar(11)), OutputSecret(Amount(1), Scalar(31))]
    blindings = compute_pseudo_output_blindings(rings, outputs, rng)
    assert sum(b.value for b in blindings) % L == 42
    assert len(set(blindings)) == 3


# --- verification: each rule of SignatureRctBulletproofs::verify with its code -------------------


def _with_sig(tx: Tx, **changes: object) -> Tx:
    return attrs.evolve(tx, signature=attrs.evolve(tx.signature, **changes))


def _with_prefix(tx: Tx, **changes: object) -> Tx:
    return attrs.evolve(tx, prefix=attrs.evolve(tx.prefix, **changes))


def _tweak_response(tx: Tx) -> Tx:
    first = tx.signature.ring_signatures[0]
    responses = (first.responses[0] + Scalar(1),) + first.responses[1:]
    sigs = (attrs.evolve(first, responses=responses),) + tx.signature.ring_signatures[1:]
    return _with_sig(tx, ring_signatures=sigs)


def _duplicate_key_image(tx: Tx) -> Tx:
    first, second = tx.signature.ring_signatures[:2]
    return _with_sig(tx, ring_signatures=(first, attrs.evolve(second, key_image=first.key_image)))


def _swap_range_proofs(tx: Tx) -> Tx:
    return _with_sig(tx, range_proofs=tuple(reversed(tx.signature.range_proofs)))


MUTATIONS: list[tuple[str, int, dict[str, object], Callable[[Tx], Tx], str]] = [
    ("fee token before v2", 1, {}, lambda t: _with_prefix(t, fee_token_id=1),
     "tx.rct_token_id_not_allowed"),
    ("missing ring signature", 2, {}, lambda t: _with_sig(t, ring_signatures=()),
     "tx.rct_length_mismatch"),
    ("missing pseudo-output", 2, {},
     lambda t: _with_sig(t, pseudo_output_commitments=()), "tx.rct_length_mismatch"),
    ("pseudo token ids before v3", 2, {},
     lambda t: _with_sig(t, pseudo_output_token_ids=(0,)),
     "tx.rct_pseudo_output_token_ids_not_allowed"),
    ("output token ids before v3", 2, {}, lambda t: _with_sig(t, output_token_ids=(0, 0)),
     "tx.rct_output_token_ids_not_allowed"),
    ("missing pseudo token ids", 3, {"mixed": True},
     lambda t: _with_sig(t, pseudo_output_token_ids=()),
     "tx.rct_missing_pseudo_output_token_ids"),
    ("missing output token ids", 3, {"mixed": True},
     lambda t: _with_sig(t, output_token_ids=t.signature.output_token_ids[1:]),
     "tx.rct_missing_output_token_ids"),
    ("duplicate key image", 2, {"inputs": 2}, _duplicate_key_image, "tx.rct_duplicate_key_image"),
    ("range_proofs before v3", 2, {}, lambda t: _with_sig(t, range_proofs=(b"",)),
     "tx.rct_too_many_range_proofs"),
    ("range proof bytes from v3", 3, {}, lambda t: _with_sig(t, range_proof_bytes=b"x"),
     "tx.rct_unexpected_range_proof"),
    ("one range proof missing", 3, {"mixed": True},
     lambda t: _with_sig(t, range_proofs=t.signature.range_proofs[:1]),
     "tx.rct_missing_range_proofs"),
    ("truncated range proof", 2, {},
     lambda t: _with_sig(t, range_proof_bytes=t.signature.range_proof_bytes[:-32]),
     "tx.rct_range_proof_deserialization"),
    ("range proofs swapped", 3, {"mixed": True}, _swap_range_proofs, "tx.rct_range_proof"),
    ("range proof of another tx", 1, {},
     lambda t: _with_sig(t, range_proof_bytes=built_tx(1, inputs=2).signature.range_proof_bytes),
     "tx.rct_range_proof"),
    ("fee raised", 2, {}, lambda t: _with_prefix(t, fee=t.prefix.fee + 1),
     "tx.rct_value_not_conserved"),
    ("tombstone changed", 0, {}, lambda t: _with_prefix(t, tombstone_block=7),
     "tx.rct_ring_signature"),
    ("response tweaked", 4, {}, _tweak_response, "tx.rct_ring_signature"),
]


@pytest.mark.parametrize(
    ("version", "kwargs", "mutate", "code"),
    [m[1:] for m in MUTATIONS],
    ids=[m[0] for m in MUTATIONS],
)
def test_verify_rejects_with_the_rule_code(
    version: int, kwargs: dict[str, object], mutate: Callable[[Tx], Tx], code: str
) -> None:
    tx = built_tx(version, **kwargs)  # type: ignore[arg-type]
    verify_tx(tx, version, rng_from("ok"))
    assert _code(lambda: verify_tx(mutate(tx), version, rng_from("bad"))) == code


def test_all_presigned_or_no_rings_is_rejected() -> None:
    tx = built_tx(3)
    rings = [attrs.evolve(SignedInputRing.from_tx_in(i), signed_digest=bytes(32))
             for i in tx.prefix.inputs]
    commitments = [o.masked_amount.commitment for o in tx.prefix.outputs]  # type: ignore[union-attr]
    fee = Amount(tx.prefix.fee)
    code = _code(lambda: verify(tx.signature, 3, tx.prefix, rings, commitments, fee, rng_from("")))
    assert code == "tx.rct_all_rings_presigned"
    empty = _code(lambda: verify(tx.signature, 3, tx.prefix, [], commitments, fee, rng_from("")))
    assert empty == "tx.rct_all_rings_presigned"


# --- signing-side errors -------------------------------------------------------------------------


def _ring(rng_label: str, amount: Amount, version: int = 3, size: int = 3) -> SignableInputRing:
    rng = rng_from(rng_label)
    real = owned_tx_out(version, amount, rng)
    members = [c.tx_out for c in decoys(version, size - 1, rng)] + [real]
    assert real.masked_amount is not None
    got, blinding = real.masked_amount.get_value(real.shared_secret(ALICE.view_private))
    onetime = ring_signature_key(real)
    reduced = [(m.target_key, m.masked_amount.commitment) for m in members]  # type: ignore[union-attr]
    return SignableInputRing(reduced, size - 1, onetime, got, blinding)


def ring_signature_key(out: TxOut) -> Scalar:
    from refimpl.transaction.onetime_keys import recover_onetime_private_key

    return recover_onetime_private_key(out.public_key, ALICE.view_private,
                                       ALICE.subaddress_spend_private(0))


def test_signing_precondition_errors() -> None:
    rng = rng_from("sign-errors")
    mob = _ring("a", Amount(10))
    prefix = TxPrefix([TxIn([_tx_out_for(mob, i) for i in range(3)])], [], 0, 10)
    fee = Amount(0)
    out = [OutputSecret(Amount(10), Scalar(3))]
    assert _code(lambda: sign(1, prefix, [mob], out, Amount(0, 1), rng)) == \
        "tx.rct_token_id_not_allowed"
    other = _ring("b", Amount(10, OTHER_TOKEN), version=2)
    assert _code(lambda: sign(2, prefix, [other], out, fee, rng)) == \
        "tx.rct_mixed_transactions_not_allowed"
    assert _code(lambda: sign(3, prefix, [], out, fee, rng)) == "tx.rct_no_inputs"
    presigned = PresignedInputRing(
        ring_signature.RingMLSAG(Scalar(0), (), Point.base()), Amount(10), Scalar(1)
    )
    assert _code(lambda: sign(2, prefix, [presigned], out, fee, rng)) == \
        "tx.rct_signed_input_rules_not_allowed"
    assert _code(lambda: sign(3, prefix, [presigned], out, fee, rng)) == \
        "tx.rct_all_rings_presigned"
    assert _code(lambda: sign(3, prefix, [mob, _ring("c", Amount(1), size=4)], out, fee, rng)) \
        == "tx.rct_invalid_ring_size"
    assert _code(lambda: sign(3, prefix, [attrs.evolve(mob, real_input_index=3)], out, fee, rng)) \
        == "tx.rct_index_out_of_bounds"
    unbalanced = [OutputSecret(Amount(11), Scalar(3))]
    assert _code(lambda: sign(3, prefix, [mob], unbalanced, fee, rng)) == \
        "tx.rct_value_not_conserved"
    stranger = attrs.evolve(mob, onetime_private_key=Scalar(5))
    assert _code(lambda: sign(3, prefix, [stranger], out, fee, rng)) == \
        "tx.rct_true_input_not_owned"


def test_amounts_out_of_range_cannot_be_committed_or_proved() -> None:
    assert _code(lambda: Amount(2**64)) == "encoding.integer_out_of_range"
    assert _code(lambda: OutputSecret(Amount(-1), Scalar(0))) == "encoding.integer_out_of_range"


# --- signed contingent inputs (presigned rings, v3) ---------------------------------------------


def test_transaction_with_a_presigned_input_verifies() -> None:
    """Bob presigns 1000 MOB for 80 OTHER_TOKEN to himself; Alice completes the swap."""
    rng = rng_from("sci")
    version = 3
    bob_real = TxOut.new(version, Amount(1000), BOB.default_subaddress(), Scalar.random(rng),
                         owned_tx_out(version, Amount(1), rng).e_fog_hint)
    required_key = Scalar.random(rng)
    required = TxOut.new(version, Amount(80, OTHER_TOKEN), BOB.default_subaddress(), required_key,
                         bob_real.e_fog_hint)
    ring = sorted([c.tx_out for c in decoys(version, 2, rng)] + [bob_real],
                  key=lambda o: o.public_key.to_bytes())
    sci_in = TxIn(ring, [], InputRules([required]))
    real_index = ring.index(bob_real)
    from refimpl.transaction.onetime_keys import recover_onetime_private_key

    bob_x = recover_onetime_private_key(bob_real.public_key, BOB.view_private,
                                        BOB.subaddress_spend_private(0))
    _amount, bob_blinding = bob_real.masked_amount.get_value(  # type: ignore[union-attr]
        bob_real.shared_secret(BOB.view_private))
    pseudo_blinding = Scalar.random(rng)
    members = [(o.target_key, o.masked_amount.commitment) for o in ring]  # type: ignore[union-attr]
    mlsag = ring_signature.sign(sci_in.signed_digest(), members, real_index, bob_x, 1000,
                                bob_blinding, pseudo_blinding, value_generator(0), rng)
    presigned = PresignedInputRing(mlsag, Amount(1000), pseudo_blinding)

    alice_ring = _ring("alice-sci", Amount(100, OTHER_TOKEN))
    alice_to_self = TxOut.new(version, Amount(600), ALICE.default_subaddress(), Scalar.random(rng),
                              bob_real.e_fog_hint)
    change = TxOut.new(version, Amount(20, OTHER_TOKEN), ALICE.default_subaddress(),
                       Scalar.random(rng), bob_real.e_fog_hint)

    def blinding_of(out: TxOut, owner_view: Scalar) -> Scalar:
        return out.masked_amount.get_value(out.shared_secret(owner_view))[1]  # type: ignore[union-attr]

    outputs = [required, alice_to_self, change]
    secrets = [
        OutputSecret(Amount(80, OTHER_TOKEN), blinding_of(required, BOB.view_private)),
        OutputSecret(Amount(600), blinding_of(alice_to_self, ALICE.view_private)),
        OutputSecret(Amount(20, OTHER_TOKEN), blinding_of(change, ALICE.view_private)),
    ]
    # Alice's TxIn: ring members as TxOuts are not needed by rct signing, only by the prefix.
    alice_tx_in = TxIn([_tx_out_for(alice_ring, i) for i in range(3)])
    prefix = TxPrefix([sci_in, alice_tx_in], outputs, 400, 50)
    sig = sign(version, prefix, [presigned, alice_ring], secrets, Amount(400), rng)
    rings = [SignedInputRing.from_tx_in(sci_in), SignedInputRing(alice_ring.members)]
    commitments = [o.masked_amount.commitment for o in outputs]  # type: ignore[union-attr]
    verify(sig, version, prefix, rings, commitments, Amount(400), rng)
    assert sig.ring_signatures[0] == mlsag
    summary = TxSummary.new(prefix, sig.pseudo_output_commitments)
    assert [o.associated_to_input_rules for o in summary.outputs] == [True, False, False]
    assert summary.inputs[0].input_rules_digest == sci_in.input_rules.canonical_digest()  # type: ignore[union-attr]
    # The SCI's signature does not depend on the rest of the transaction...
    other_prefix = attrs.evolve(prefix, tombstone_block=51)
    assert _code(lambda: verify(sig, version, other_prefix, rings, commitments, Amount(400),
                                rng)) == "tx.rct_ring_signature"
    # ...but it does on its input rules.
    loose = [SignedInputRing(rings[0].members, TxIn(ring, [], InputRules()).signed_digest()),
             rings[1]]
    assert _code(lambda: verify(sig, version, prefix, loose, commitments, Amount(400), rng)) == \
        "tx.rct_ring_signature"
    assert isinstance(sig, SignatureRctBulletproofs)
    assert commit(1000, pseudo_blinding, 0) == sig.pseudo_output_commitments[0]


def _tx_out_for(ring: SignableInputRing, index: int) -> TxOut:
    """A stand-in TxOut with the ring member's target key and commitment (the prefix only
    needs to hash something; rct verification reads members from SignedInputRing)."""
    from refimpl.transaction.amount import MaskedAmountV2
    from refimpl.transaction.fog_hint import EncryptedFogHint

    target, commitment = ring.members[index]
    return TxOut(MaskedAmountV2(commitment, 0, bytes(8)), target, Point.mul_base(Scalar(index + 1)),
                 EncryptedFogHint.zero())


def test_v3_digest_layout_spelled_out() -> None:
    """The MCIP #52 transcript, written out as the streaming verifier of
    transaction/summary/src/verifier.rs appends it (fee_token_id always present)."""
    tx = built_tx(3)
    sig = tx.signature
    extended = digest_extended_message(tx.prefix.hash(), sig.pseudo_output_commitments,
                                       sig.range_proof_bytes, sig.range_proofs)
    t = Transcript(b"mc_extended_message_and_tx_summary")

    def msg(label: bytes, data: bytes) -> None:
        t.append_message(label, data)

    def prim(ctx: bytes, typ: bytes, data: bytes) -> None:
        msg(ctx, b"prim")
        msg(typ, data)

    prim(b"extended_message", b"bytes", extended)
    msg(b"tx_summary", b"agg")
    msg(b"name", b"TxSummary")
    msg(b"outputs", b"seq")
    msg(b"len", len(tx.prefix.outputs).to_bytes(8, "little"))
    for out in tx.prefix.outputs:
        masked = out.masked_amount
        assert masked is not None
        msg(b"", b"agg")
        msg(b"name", b"TxOutSummary")
        msg(b"masked_amount", b"agg")
        msg(b"name", b"MaskedAmountV2")
        prim(b"commitment", b"ristretto", masked.commitment.to_bytes())
        prim(b"masked_value", b"uint", masked.masked_value.to_bytes(8, "little"))
        prim(b"masked_token_id", b"bytes", masked.masked_token_id)
        msg(b"masked_amount", b"agg-end")
        msg(b"name", b"MaskedAmountV2")
        prim(b"target_key", b"ristretto", out.target_key.to_bytes())
        prim(b"public_key", b"ristretto", out.public_key.to_bytes())
        prim(b"associated_to_input_rules", b"bool", b"\x00")
        msg(b"", b"agg-end")
        msg(b"name", b"TxOutSummary")
    msg(b"inputs", b"seq")
    msg(b"len", len(sig.pseudo_output_commitments).to_bytes(8, "little"))
    for commitment in sig.pseudo_output_commitments:
        msg(b"", b"agg")
        msg(b"name", b"TxInSummary")
        prim(b"pseudo_output_commitment", b"ristretto", commitment.to_bytes())
        msg(b"", b"agg-end")
        msg(b"name", b"TxInSummary")
    prim(b"fee", b"uint", tx.prefix.fee.to_bytes(8, "little"))
    prim(b"fee_token_id", b"uint", bytes(8))
    prim(b"tombstone_block", b"uint", tx.prefix.tombstone_block.to_bytes(8, "little"))
    msg(b"tx_summary", b"agg-end")
    msg(b"name", b"TxSummary")
    expected = t.challenge_bytes(b"digest32", 32)
    got = compute_mlsag_signing_digest(3, tx.prefix, sig.pseudo_output_commitments,
                                       sig.range_proof_bytes, sig.range_proofs)
    assert got == expected
