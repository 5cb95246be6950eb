"""MaskedAmount V1/V2: round trips, masks as specified, rejection of tampered amounts."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.crypto.hashing import blake2b512, hash_to_scalar
from refimpl.crypto.pedersen import commit, value_generator
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.errors import EncodingError, RefImplError, TxError
from refimpl.transaction.amount import (
    Amount,
    MaskedAmountV1,
    MaskedAmountV2,
    compute_amount_shared_secret,
    new_masked_amount,
)

u64 = st.integers(min_value=0, max_value=2**64 - 1)
points = st.integers(min_value=1, max_value=L - 1).map(lambda n: Point.mul_base(Scalar(n)))


def test_token_generators_match_notes() -> None:
    # ring_signature/mod.rs generators: H_0 is confirmed by MobileCoin's tx_out_records vectors.
    assert value_generator(0).hex() == (
        "806024d8f41f25e280a0ca45fa2fa28c0529f7b0cbaf182dc195fa23cc58c82b"
    )
    assert value_generator(1).hex() == (
        "6e736cab24540ffd7a74ea23db4d394e3a8290c2d62cf944c56dd63669cc593b"
    )


@given(value=u64, token_id=u64, ss=points)
def test_v1_round_trip(value: int, token_id: int, ss: Point) -> None:
    masked = MaskedAmountV1.create(Amount(value, token_id), ss)
    amount, blinding = masked.get_value(ss)
    assert amount == Amount(value, token_id)
    assert masked.commitment == commit(value, blinding, token_id)


@given(value=u64, ss=points)
def test_v1_masks_follow_the_spec(value: int, ss: Point) -> None:
    s = ss.to_bytes()
    value_mask = int.from_bytes(hash_to_scalar(b"mc_amount_value", s).to_bytes()[:8], "little")
    token_mask = int.from_bytes(blake2b512(b"mc_amount_token_id", s)[:8], "little")
    masked = MaskedAmountV1.create(Amount(value, 0), ss)
    assert masked.masked_value == value ^ value_mask
    assert masked.masked_token_id == token_mask.to_bytes(8, "little")


@given(value=u64, token_id=u64, ss=points)
def test_v2_round_trip(value: int, token_id: int, ss: Point) -> None:
    masked = MaskedAmountV2.create(Amount(value, token_id), ss)
    assert masked.get_value(ss)[0] == Amount(value, token_id)
    secret = compute_amount_shared_secret(ss)
    assert masked.get_value_from_amount_shared_secret(secret)[0] == Amount(value, token_id)


@given(value=u64, ss=points, other=points, version=st.sampled_from([1, 3]))
def test_wrong_shared_secret_is_rejected(value: int, ss: Point, other: Point, version: int) -> None:
    if other == ss:
        return
    masked = new_masked_amount(version, Amount(value, 0), ss)
    with pytest.raises(TxError) as info:
        masked.get_value(other)
    assert info.value.code == "tx.inconsistent_commitment"


@given(value=u64, ss=points, flip=st.integers(min_value=0, max_value=63))
def test_tampered_masked_value_is_rejected(value: int, ss: Point, flip: int) -> None:
    masked = MaskedAmountV1.create(Amount(value, 0), ss)
    tampered = attrs.evolve(masked, masked_value=masked.masked_value ^ (1 << flip))
    with pytest.raises(TxError) as info:
        tampered.get_value(ss)
    assert info.value.code == "tx.inconsistent_commitment"


@given(ss=points, length=st.integers(min_value=1, max_value=16).filter(lambda n: n != 8))
def test_bad_masked_token_id_length(ss: Point, length: int) -> None:
    masked = attrs.evolve(MaskedAmountV1.create(Amount(5, 0), ss), masked_token_id=bytes(length))
    with pytest.raises(TxError) as info:
        masked.get_value(ss)
    assert info.value.code == "tx.bad_masked_token_id"


def test_v2_rejects_an_empty_masked_token_id() -> None:
    ss = Point.mul_base(Scalar(7))
    masked = attrs.evolve(MaskedAmountV2.create(Amount(5, 0), ss), masked_token_id=b"")
    with pytest.raises(TxError) as info:
        masked.get_value(ss)
    assert info.value.code == "tx.bad_masked_token_id"


@given(value=u64, ss=points)
def test_block_version_selects_the_masked_amount(value: int, ss: Point) -> None:
    v0 = new_masked_amount(0, Amount(value, 0), ss)
    v2 = new_masked_amount(2, Amount(value, 0), ss)
    v3 = new_masked_amount(3, Amount(value, 0), ss)
    assert isinstance(v0, MaskedAmountV1) and v0.masked_token_id == b""
    assert isinstance(v2, MaskedAmountV1) and len(v2.masked_token_id) == 8
    assert isinstance(v3, MaskedAmountV2)
    # An empty masked token id unmasks to MOB (token 0) in V1.
    assert v0.get_value(ss)[0] == Amount(value, 0)
    assert v0.commitment == v2.commitment


def test_token_ids_need_block_version_two() -> None:
    ss = Point.mul_base(Scalar(3))
    for version in (0, 1):
        with pytest.raises(TxError) as info:
            new_masked_amount(version, Amount(1, 5), ss)
        assert info.value.code == "tx.token_id_not_supported"
    assert new_masked_amount(2, Amount(1, 5), ss).get_value(ss)[0] == Amount(1, 5)


@given(value=st.integers(), token_id=st.integers(), version=st.integers(-3, 9))
def test_bad_inputs_raise_typed_errors(value: int, token_id: int, version: int) -> None:
    ss = Point.mul_base(Scalar(11))
    try:
        new_masked_amount(version, Amount(value, token_id), ss)
    except RefImplError as exc:
        assert exc.code in (
            "encoding.integer_out_of_range",
            "tx.bad_block_version",
            "tx.token_id_not_supported",
        )


def test_out_of_range_amount() -> None:
    with pytest.raises(EncodingError):
        Amount(2**64, 0)
    with pytest.raises(EncodingError):
        Amount(0, -1)
