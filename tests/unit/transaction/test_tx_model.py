"""The transaction data model: digest layouts (tx.rs Digestible), protobuf encodings, typed
errors."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import protobuf as pb
from refimpl.crypto.merlin import Transcript
from refimpl.crypto.ring_signature import RingMLSAG
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import RefImplError
from refimpl.transaction.amount import Amount
from refimpl.transaction.membership_proofs.types import (
    Range,
    TxOutMembershipElement,
    TxOutMembershipProof,
)
from refimpl.transaction.tx import (
    InputRules,
    RevealedTxOut,
    SignatureRctBulletproofs,
    Tx,
    TxIn,
    TxPrefix,
    ring_mlsag_from_protobuf,
    ring_mlsag_to_protobuf,
    tx_out_from_protobuf,
    tx_out_to_protobuf,
)
from tests.unit.transaction._txbuild import built_tx, owned_tx_out, rng_from

VERSIONS = (0, 1, 2, 3, 4)


def _tx_out(version: int = 3, value: int = 10, token_id: int = 0, seed: str = "out"):
    return owned_tx_out(version, Amount(value, token_id), rng_from(seed))


# --- an independent spelling of the digestible rules, for the layouts of tx.rs -----------------


class _T:
    """Appends digestible nodes by hand (prim/agg/seq/none) to a Merlin transcript."""

    def __init__(self, label: bytes = b"digestible") -> None:
        self.t = Transcript(label)

    def prim(self, ctx: bytes, typ: bytes, data: bytes) -> None:
        self.t.append_message(ctx, b"prim")
        self.t.append_message(typ, data)

    def agg(self, ctx: bytes, name: bytes) -> None:
        self.t.append_message(ctx, b"agg")
        self.t.append_message(b"name", name)

    def end(self, ctx: bytes, name: bytes) -> None:
        self.t.append_message(ctx, b"agg-end")
        self.t.append_message(b"name", name)

    def seq(self, ctx: bytes, n: int) -> None:
        self.t.append_message(ctx, b"seq")
        self.t.append_message(b"len", n.to_bytes(8, "little"))

    def u64(self, ctx: bytes, n: int) -> None:
        self.prim(ctx, b"uint", n.to_bytes(8, "little"))

    def digest(self) -> bytes:
        return self.t.challenge_bytes(b"digest32", 32)


def _hand_tx_out(h: _T, ctx: bytes, out) -> None:
    """Delegates to TxOut's own layout (covered by the block KAT elsewhere)."""
    from refimpl.crypto.digestible import DigestWriter

    out.append_to(DigestWriter(h.t), ctx)


def test_prefix_digest_layout_and_fee_token_omission() -> None:
    out = _tx_out()
    proof = TxOutMembershipProof(4, 9, [TxOutMembershipElement(Range(4, 4), bytes(range(32)))])
    for fee_token_id in (0, 5):
        prefix = TxPrefix([TxIn([out], [proof])], [out], 400, 77, fee_token_id)
        h = _T()
        h.agg(b"mobilecoin-tx-prefix", b"TxPrefix")
        h.seq(b"inputs", 1)
        h.agg(b"", b"TxIn")
        h.seq(b"ring", 1)
        _hand_tx_out(h, b"", out)
        h.seq(b"proofs", 1)
        h.agg(b"", b"TxOutMembershipProof")
        h.u64(b"index", 4)
        h.u64(b"highest_index", 9)
        h.seq(b"elements", 1)
        h.agg(b"", b"TxOutMembershipElement")
        h.agg(b"range", b"Range")
        h.u64(b"from", 4)
        h.u64(b"to", 4)
        h.end(b"range", b"Range")
        h.prim(b"hash", b"bytes", bytes(range(32)))
        h.end(b"", b"TxOutMembershipElement")
        h.end(b"", b"TxOutMembershipProof")
        h.end(b"", b"TxIn")  # input_rules None: omitted
        h.seq(b"outputs", 1)
        _hand_tx_out(h, b"", out)
        h.u64(b"fee", 400)
        h.u64(b"tombstone_block", 77)
        if fee_token_id:
            h.u64(b"fee_token_id", fee_token_id)
        h.end(b"mobilecoin-tx-prefix", b"TxPrefix")
        assert prefix.hash() == h.digest()


def test_signature_and_tx_digest_layout_range_proof_bytes_never_omitted() -> None:
    sig = RingMLSAG(Scalar(3), (Scalar(4), Scalar(5)), Point.base())
    commitment = Point.mul_base(Scalar(9))
    signature = SignatureRctBulletproofs([sig], [commitment], b"", [b"\x01\x02"], [7], [7, 0])
    prefix = TxPrefix([], [], 0, 0)
    tx = Tx(prefix, signature, b"")
    h = _T()
    h.agg(b"mobilecoin-tx", b"Tx")
    h.agg(b"prefix", b"TxPrefix")
    h.u64(b"fee", 0)
    h.u64(b"tombstone_block", 0)
    h.end(b"prefix", b"TxPrefix")
    h.agg(b"signature", b"SignatureRctBulletproofs")
    h.seq(b"ring_signatures", 1)
    h.agg(b"", b"RingMLSAG")
    h.prim(b"c_zero", b"scalar", Scalar(3).to_bytes())
    h.seq(b"responses", 2)
    h.prim(b"", b"scalar", Scalar(4).to_bytes())
    h.prim(b"", b"scalar", Scalar(5).to_bytes())
    h.prim(b"key_image", b"ristretto", Point.base().to_bytes())
    h.end(b"", b"RingMLSAG")
    h.seq(b"pseudo_output_commitments", 1)
    h.prim(b"", b"ristretto", commitment.to_bytes())
    h.prim(b"range_proof_bytes", b"bytes", b"")  # never_omit
    h.seq(b"range_proofs", 1)
    h.prim(b"", b"bytes", b"\x01\x02")
    h.seq(b"pseudo_output_token_ids", 1)
    h.u64(b"", 7)
    h.seq(b"output_token_ids", 2)
    h.u64(b"", 7)
    h.u64(b"", 0)
    h.end(b"signature", b"SignatureRctBulletproofs")
    h.end(b"mobilecoin-tx", b"Tx")  # empty fee_map_digest omitted
    assert tx.hash() == h.digest()
    assert attrs.evolve(tx, fee_map_digest=b"\x00").hash() != tx.hash()


def test_input_rules_digest_layout() -> None:
    out = _tx_out()
    rules = InputRules([out], 12, [RevealedTxOut(out, b"\x09" * 32)], None, 3)
    h = _T()
    h.agg(b"mc-input-rules", b"InputRules")
    h.seq(b"required_outputs", 1)
    _hand_tx_out(h, b"", out)
    h.u64(b"max_tombstone_block", 12)
    h.seq(b"partial_fill_outputs", 1)
    h.agg(b"", b"RevealedTxOut")
    _hand_tx_out(h, b"tx_out", out)
    h.prim(b"amount_shared_secret", b"bytes", b"\x09" * 32)
    h.end(b"", b"RevealedTxOut")
    h.u64(b"min_partial_fill_value", 3)
    h.end(b"mc-input-rules", b"InputRules")
    assert rules.canonical_digest() == h.digest()


def test_signed_digest_ignores_proofs_but_not_ring_or_rules() -> None:
    out, other = _tx_out(seed="a"), _tx_out(seed="b")
    proof = TxOutMembershipProof(1, 1, [TxOutMembershipElement(Range(1, 1), bytes(32))])
    rules = InputRules(max_tombstone_block=10)
    with_proofs = TxIn([out], [proof], rules)
    assert with_proofs.signed_digest() == TxIn([out], [], rules).signed_digest()
    assert with_proofs.signed_digest() != TxIn([other], [proof], rules).signed_digest()
    assert with_proofs.signed_digest() != TxIn([out], [proof], InputRules()).signed_digest()


@pytest.mark.parametrize("version", VERSIONS)
def test_every_field_changes_the_tx_hash(version: int) -> None:
    tx = built_tx(version)
    prefix, sig = tx.prefix, tx.signature
    variants = [
        attrs.evolve(tx, prefix=attrs.evolve(prefix, fee=prefix.fee + 1)),
        attrs.evolve(tx, prefix=attrs.evolve(prefix, tombstone_block=prefix.tombstone_block + 1)),
        attrs.evolve(tx, prefix=attrs.evolve(prefix, fee_token_id=1)),
        attrs.evolve(tx, prefix=attrs.evolve(prefix, outputs=prefix.outputs[:1])),
        attrs.evolve(tx, signature=attrs.evolve(sig, ring_signatures=())),
        attrs.evolve(tx, signature=attrs.evolve(sig, range_proof_bytes=b"x")),
        attrs.evolve(tx, fee_map_digest=b"\x01" * 32),
    ]
    hashes = {v.hash() for v in variants} | {tx.hash()}
    assert len(hashes) == len(variants) + 1


# --- protobuf ----------------------------------------------------------------------------------


def test_prefix_protobuf_wire_layout() -> None:
    prefix = TxPrefix([], [], 1, 300, 3)
    assert prefix.to_protobuf() == bytes.fromhex("1801" + "20ac02" + "29" + "0300000000000000")
    assert TxPrefix([], [], 0, 0).to_protobuf() == b""  # proto3: zero scalars are not written


def test_token_id_lists_are_packed_and_unpacked_is_accepted() -> None:
    sig = SignatureRctBulletproofs([], [], b"", [], [1, 2], [3])
    encoded = sig.to_protobuf()
    one, two, three = (bytes([n]) + bytes(7) for n in (1, 2, 3))
    assert encoded == b"\x2a\x10" + one + two + b"\x32\x08" + three
    unpacked = b"".join(pb.fixed64_field(5, v) for v in (1, 2)) + pb.fixed64_field(6, 3)
    assert SignatureRctBulletproofs.from_protobuf(unpacked) == sig


def test_tx_out_protobuf_oneof_tags_by_amount_version() -> None:
    v1 = _tx_out(version=2)
    v2 = _tx_out(version=3)
    assert pb.parse_fields(tx_out_to_protobuf(v1))[0].tag == 1
    assert pb.parse_fields(tx_out_to_protobuf(v2))[-1].tag == 6
    masked = pb.Fields(pb.Fields(tx_out_to_protobuf(v1)).get_message(1) or b"")
    assert masked.get_fixed64(2) == v1.masked_amount.masked_value  # fixed64, required


@pytest.mark.parametrize("version", VERSIONS)
def test_tx_protobuf_round_trip(version: int) -> None:
    tx = built_tx(version)
    encoded = tx.to_protobuf()
    assert Tx.from_protobuf(encoded) == tx
    assert Tx.from_protobuf(encoded).to_protobuf() == encoded


def test_structures_round_trip_with_proofs_and_rules() -> None:
    out = _tx_out()
    proof = TxOutMembershipProof(5, 6, [TxOutMembershipElement(Range(4, 5), b"\x07" * 32)])
    rules = InputRules([out], 9, [RevealedTxOut(out, b"\x01" * 32)], RevealedTxOut(out), 4)
    tx_in = TxIn([out, out], [proof, proof], rules)
    assert TxIn.from_protobuf(tx_in.to_protobuf()) == tx_in
    sig = RingMLSAG(Scalar(1), (Scalar(2),) * 4, Point.mul_base(Scalar(5)))
    assert ring_mlsag_from_protobuf(ring_mlsag_to_protobuf(sig)) == sig


def test_curve_scalars_decode_reduced_mod_l() -> None:
    from refimpl.crypto.ristretto import L

    sig = RingMLSAG(Scalar(1), (Scalar(2),), Point.base())
    encoded = ring_mlsag_to_protobuf(sig)
    big = (L + 1).to_bytes(32, "little")
    tampered = encoded.replace(Scalar(1).to_bytes(), big, 1)
    assert ring_mlsag_from_protobuf(tampered).c_zero == Scalar(1)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x0a\x05\x01", "encoding.bad_protobuf"),  # truncated length-delimited field
        (b"\x12\x22\x12\x20" + bytes(31), "encoding.bad_protobuf"),  # runs past the end
        (b"\x0a\x00\x12\x04\x12\x02\x0a\x00", "encoding.bad_length"),  # 0-byte commitment
        (b"\x0a\x00\x12\x02\x28\x01", "encoding.bad_protobuf"),  # token id as varint
        (b"\x0a\x00\x12\x03\x2a\x01\x00", "encoding.bad_protobuf"),  # packed length 1
        (b"\x0b", "encoding.bad_protobuf"),  # group wire type
    ],
)
def test_malformed_bytes_raise_typed_errors(data: bytes, code: str) -> None:
    with pytest.raises(RefImplError) as err:
        Tx.from_protobuf(data)
    assert err.value.code == code


def test_non_canonical_points_and_bad_lengths_in_tx_out() -> None:
    encoded = tx_out_to_protobuf(_tx_out())
    target = pb.Fields(pb.Fields(encoded).get_message(2) or b"").get_bytes(1)
    with pytest.raises(RefImplError) as err:
        tx_out_from_protobuf(encoded.replace(target, b"\xff" * 32))
    assert err.value.code == "crypto.non_canonical_point"
    hint = pb.bytes_field(4, pb.bytes_field(1, b"\x00" * 83))
    fields = [f for f in pb.parse_fields(encoded) if f.tag != 4]
    rebuilt = b"".join(pb.bytes_field(f.tag, f.value) for f in fields if isinstance(f.value, bytes))
    with pytest.raises(RefImplError) as err:
        tx_out_from_protobuf(rebuilt + hint)
    assert err.value.code == "encoding.bad_length"


@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_or_raise_typed(data: bytes) -> None:
    try:
        Tx.from_protobuf(data)
    except RefImplError:
        pass


@given(st.data())
def test_mutated_valid_encodings_decode_or_raise_typed(data: st.DataObject) -> None:
    encoded = bytearray(built_tx(3).to_protobuf())
    kind = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
    pos = data.draw(st.integers(0, len(encoded) - 1))
    if kind == "flip":
        encoded[pos] ^= 1 << data.draw(st.integers(0, 7))
    elif kind == "truncate":
        del encoded[pos:]
    else:
        encoded[pos:pos] = data.draw(st.binary(min_size=1, max_size=4))
    try:
        decoded = Tx.from_protobuf(bytes(encoded))
    except RefImplError:
        return
    assert isinstance(decoded, Tx)


def test_u64_fields_are_checked() -> None:
    with pytest.raises(RefImplError) as err:
        TxPrefix([], [], 2**64, 0)
    assert err.value.code == "encoding.integer_out_of_range"
    with pytest.raises(RefImplError):
        SignatureRctBulletproofs([], [], b"", [], [-1], [])


def test_masked_token_id_of_any_length_decodes_as_prost_does() -> None:
    out = _tx_out(version=2)
    assert out.masked_amount is not None
    odd = attrs.evolve(out, masked_amount=attrs.evolve(out.masked_amount, masked_token_id=b"\x01"))
    assert tx_out_from_protobuf(tx_out_to_protobuf(odd)) == odd


def test_absent_required_messages_take_prost_defaults() -> None:
    assert Tx.from_protobuf(b"") == Tx(TxPrefix([], [], 0, 0), SignatureRctBulletproofs([], []))
    empty = tx_out_from_protobuf(b"\x12\x00")  # target_key wrapper without its data field
    assert empty.masked_amount is None and empty.e_memo is None
    assert empty.target_key == Point.identity() == empty.public_key
    assert empty.e_fog_hint.data == bytes(84)
    sig = ring_mlsag_from_protobuf(b"\x12\x00")  # one response, everything else absent
    assert sig == RingMLSAG(Scalar(0), (Scalar(0),), Point.identity())
    element = TxOutMembershipProof.from_protobuf(b"\x1a\x00").elements[0]
    assert element == TxOutMembershipElement(Range(0, 0), bytes(32))
