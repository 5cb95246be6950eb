"""TxOut::new at each block version, recipient-side recovery, and the digest layout."""

from __future__ import annotations

import random

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.account.keys import AccountKey
from refimpl.crypto.digestible import digest32
from refimpl.crypto.merlin import Transcript
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.errors import RefImplError, TxError
from refimpl.transaction.amount import Amount, MaskedAmountV1, MaskedAmountV2
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.memo import MemoPayload
from refimpl.transaction.onetime_keys import recover_onetime_private_key
from refimpl.transaction.tx_out import TxOut

scalars = st.integers(min_value=1, max_value=L - 1).map(Scalar)
u64 = st.integers(min_value=0, max_value=2**64 - 1)

ALICE = AccountKey(Scalar(1111), Scalar(2222))
BOB = AccountKey(Scalar(3333), Scalar(4444))


def _hint(seed: int = 0) -> EncryptedFogHint:
    return EncryptedFogHint.fake_onetime_hint(random.Random(seed).randbytes)


@given(value=u64, r=scalars, version=st.sampled_from([0, 1, 2, 3, 4]))
def test_recipient_recovers_amount_and_owns_the_output(value: int, r: Scalar, version: int) -> None:
    index = 7
    address = ALICE.subaddress(index)
    tx_out = TxOut.new(version, Amount(value, 0), address, r, _hint())
    amount, shared_secret = tx_out.view_key_match(ALICE.view_private)
    assert amount == Amount(value, 0)
    assert shared_secret == address.view_public * r
    x = recover_onetime_private_key(
        tx_out.public_key, ALICE.view_private, ALICE.subaddress_spend_private(index)
    )
    assert Point.mul_base(x) == tx_out.target_key
    assert (tx_out.e_memo is None) == (version == 0)
    masked = tx_out.masked_amount
    assert isinstance(masked, MaskedAmountV2 if version >= 3 else MaskedAmountV1)
    assert (masked.masked_token_id == b"") == (version < 2)


@given(r=scalars)
def test_other_account_does_not_match(r: Scalar) -> None:
    tx_out = TxOut.new(1, Amount(5, 0), ALICE.default_subaddress(), r, _hint())
    with pytest.raises(TxError) as info:
        tx_out.view_key_match(BOB.view_private)
    assert info.value.code == "tx.inconsistent_commitment"


def test_memo_is_encrypted_from_v1_and_decrypts() -> None:
    memo = MemoPayload.new(b"\x02\x00", bytes(range(64)))
    tx_out = TxOut.new(1, Amount(9, 0), ALICE.default_subaddress(), Scalar(99), _hint(), memo)
    _amount, shared_secret = tx_out.view_key_match(ALICE.view_private)
    assert tx_out.e_memo is not None and tx_out.e_memo.data != memo.data
    assert tx_out.decrypt_memo(shared_secret) == memo
    default = TxOut.new(1, Amount(9, 0), ALICE.default_subaddress(), Scalar(99), _hint())
    assert default.decrypt_memo(shared_secret) == MemoPayload()
    v0 = TxOut.new(0, Amount(9, 0), ALICE.default_subaddress(), Scalar(99), _hint(), memo)
    assert v0.e_memo is None and v0.decrypt_memo(shared_secret) == MemoPayload()


def test_missing_masked_amount_is_a_typed_error() -> None:
    tx_out = TxOut.new(1, Amount(9, 0), ALICE.default_subaddress(), Scalar(5), _hint())
    with pytest.raises(TxError) as info:
        attrs.evolve(tx_out, masked_amount=None).view_key_match(ALICE.view_private)
    assert info.value.code == "tx.missing_masked_amount"


@given(version=st.integers(-5, 10), token_id=st.integers(0, 3))
def test_bad_versions_and_token_ids_are_typed(version: int, token_id: int) -> None:
    try:
        TxOut.new(version, Amount(1, token_id), ALICE.default_subaddress(), Scalar(5), _hint())
    except RefImplError as exc:
        assert exc.code in ("tx.bad_block_version", "tx.token_id_not_supported")
        assert not 0 <= version <= 4 or (token_id != 0 and version < 2)
    else:
        assert 0 <= version <= 4 and (token_id == 0 or version >= 2)


def test_digest_layout_matches_notes() -> None:
    """digest32 of a v1 TxOut, written out node by node from the Digestible rules and tx.rs."""
    tx_out = TxOut.new(1, Amount(123, 0), ALICE.default_subaddress(), Scalar(42), _hint(3))
    masked = tx_out.masked_amount
    assert isinstance(masked, MaskedAmountV1) and tx_out.e_memo is not None
    t = Transcript(b"digestible")

    def prim(ctx: bytes, type_name: bytes, data: bytes) -> None:
        t.append_message(ctx, b"prim")
        t.append_message(type_name, data)

    t.append_message(b"mobilecoin-txout", b"agg")
    t.append_message(b"name", b"TxOut")
    t.append_message(b"amount", b"agg")
    t.append_message(b"name", b"Amount")
    prim(b"commitment", b"ristretto", masked.commitment.to_bytes())
    prim(b"masked_value", b"uint", masked.masked_value.to_bytes(8, "little"))
    t.append_message(b"amount", b"agg-end")
    t.append_message(b"name", b"Amount")
    prim(b"target_key", b"ristretto", tx_out.target_key.to_bytes())
    prim(b"public_key", b"ristretto", tx_out.public_key.to_bytes())
    prim(b"e_fog_hint", b"bytes", tx_out.e_fog_hint.data)
    t.append_message(b"e_memo", b"agg")
    t.append_message(b"name", b"EncryptedMemo")
    prim(b"0", b"bytes", tx_out.e_memo.data)
    t.append_message(b"e_memo", b"agg-end")
    t.append_message(b"name", b"EncryptedMemo")
    t.append_message(b"mobilecoin-txout", b"agg-end")
    t.append_message(b"name", b"TxOut")
    assert tx_out.hash() == t.challenge_bytes(b"digest32", 32)


def test_hash_covers_every_field() -> None:
    tx_out = TxOut.new(2, Amount(1, 3), ALICE.default_subaddress(), Scalar(8), _hint(1))
    variants = [
        attrs.evolve(tx_out, masked_amount=None),
        attrs.evolve(tx_out, target_key=tx_out.public_key),
        attrs.evolve(tx_out, public_key=tx_out.target_key),
        attrs.evolve(tx_out, e_fog_hint=EncryptedFogHint.zero()),
        attrs.evolve(tx_out, e_memo=None),
    ]
    hashes = {tx_out.hash()} | {v.hash() for v in variants}
    assert len(hashes) == 1 + len(variants)
    assert digest32(tx_out, b"other") != tx_out.hash()
