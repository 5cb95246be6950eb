"""Fog TxOutRecord / FogTxOut (fog/types/src/view.rs): round trips through the
prost encoding at every block version, recovery, and typed errors for malformed records."""

from __future__ import annotations

import zlib

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import protobuf as pb
from refimpl.account.keys import AccountKey
from refimpl.crypto.ristretto import Scalar
from refimpl.errors import RefImplError, TxError
from refimpl.transaction.amount import Amount, MaskedAmountV1, MaskedAmountV2
from refimpl.transaction.block_version import MAX_BLOCK_VERSION
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.memos import DestinationMemo
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.tx_out_record import (
    FogTxOut,
    FogTxOutMetadata,
    MaskedTokenId,
    TxOutRecord,
)

RECIPIENT = AccountKey(Scalar(11), Scalar(12))
OTHER = AccountKey(Scalar(13), Scalar(14))
META = FogTxOutMetadata(global_index=100, block_index=7, timestamp=1_700_000_000)


def make_tx_out(version: int, amount: Amount, tx_key: int = 99) -> TxOut:
    memo = DestinationMemo.new(bytes(range(16)), 5, 6).to_payload()
    return TxOut.new(
        version, amount, RECIPIENT.subaddress(3), Scalar(tx_key), EncryptedFogHint.zero(), memo
    )


def make_record(version: int, amount: Amount) -> tuple[TxOut, TxOutRecord]:
    tx_out = make_tx_out(version, amount)
    return tx_out, TxOutRecord.new(FogTxOut.from_tx_out(tx_out), META)


@given(
    version=st.integers(min_value=0, max_value=MAX_BLOCK_VERSION),
    value=st.integers(min_value=0, max_value=2**64 - 1),
    token_id=st.integers(min_value=0, max_value=2**64 - 1),
)
def test_round_trip_and_recovery_at_every_block_version(
    version: int, value: int, token_id: int
) -> None:
    amount = Amount(value, token_id if version >= 2 else 0)
    tx_out, record = make_record(version, amount)
    decoded = TxOutRecord.from_protobuf(record.to_protobuf())
    assert decoded == record and decoded.metadata == META
    expected_version = 2 if version >= 3 else 1
    assert decoded.tx_out_amount_masked_token_id is not None
    assert decoded.tx_out_amount_masked_token_id.version == expected_version
    recovered = decoded.get_fog_tx_out().try_recover_tx_out(RECIPIENT.view_private)
    # Everything but the fog hint (not kept by fog) comes back.
    assert recovered == attrs.evolve(tx_out, e_fog_hint=EncryptedFogHint.zero())
    assert recovered.view_key_match(RECIPIENT.view_private)[0] == amount
    with pytest.raises(TxError) as info:
        decoded.get_fog_tx_out().try_recover_tx_out(OTHER.view_private)
    assert info.value.code == "tx.fog_checksum_mismatch"


def test_wire_layout_of_a_current_record() -> None:
    _, record = make_record(2, Amount(10))
    fields = pb.parse_fields(record.to_protobuf())
    assert [(f.tag, f.wire_type) for f in fields] == [
        (2, 1), (3, 2), (4, 2), (5, 1), (6, 1), (7, 1), (8, 5), (9, 2), (10, 2),
    ]
    v3 = make_record(3, Amount(10))[1].to_protobuf()
    assert pb.parse_fields(v3)[-1].tag == 11
    # Defaults of the optional fields are not written; required ones always are.
    bare = TxOutRecord(
        tx_out_amount_masked_value=0,
        tx_out_target_key_data=b"",
        tx_out_public_key_data=b"",
        tx_out_global_index=0,
        block_index=0,
    )
    assert [f.tag for f in pb.parse_fields(bare.to_protobuf())] == [2, 3, 4, 5, 6]


def test_legacy_commitment_bytes_replace_the_crc() -> None:
    tx_out, record = make_record(1, Amount(5))
    assert isinstance(tx_out.masked_amount, MaskedAmountV1)
    commitment = tx_out.masked_amount.commitment.to_bytes()
    legacy = attrs.evolve(
        record, tx_out_amount_commitment_data=commitment, tx_out_amount_commitment_data_crc32=0
    )
    assert legacy.commitment_crc32() == zlib.crc32(commitment)
    legacy.get_fog_tx_out().try_recover_tx_out(RECIPIENT.view_private)
    bad = attrs.evolve(legacy, tx_out_amount_commitment_data=commitment[:31])
    with pytest.raises(RefImplError) as info:
        bad.get_fog_tx_out()
    assert info.value.code == "encoding.bad_length"


def test_oneof_last_variant_wins_and_absence_is_an_error() -> None:
    _, record = make_record(2, Amount(5))
    raw = record.to_protobuf()
    both = raw + pb.bytes_field(11, b"\x01" * 8)
    assert TxOutRecord.from_protobuf(both).tx_out_amount_masked_token_id == MaskedTokenId(
        2, b"\x01" * 8
    )
    back_to_v1 = TxOutRecord.from_protobuf(both + pb.bytes_field(10, b""))
    assert back_to_v1.tx_out_amount_masked_token_id == MaskedTokenId(1, b"")
    none = attrs.evolve(record, tx_out_amount_masked_token_id=None)
    with pytest.raises(TxError) as info:
        TxOutRecord.from_protobuf(none.to_protobuf()).get_fog_tx_out()
    assert info.value.code == "tx.missing_masked_amount"


@pytest.mark.parametrize(
    ("token_id", "code"),
    [
        (MaskedTokenId(1, b"\x00" * 4), "tx.bad_masked_token_id"),
        (MaskedTokenId(2, b""), "tx.bad_masked_token_id"),
    ],
)
def test_bad_masked_token_ids(token_id: MaskedTokenId, code: str) -> None:
    _, record = make_record(2, Amount(5))
    fog = attrs.evolve(record, tx_out_amount_masked_token_id=token_id).get_fog_tx_out()
    with pytest.raises(TxError) as info:
        fog.try_recover_tx_out(RECIPIENT.view_private)
    assert info.value.code == code


def test_empty_v1_token_id_recovers_as_mob() -> None:
    tx_out, record = make_record(1, Amount(77))  # below v2 the masked token id is empty
    assert record.tx_out_amount_masked_token_id == MaskedTokenId(1, b"")
    recovered = record.get_fog_tx_out().try_recover_tx_out(RECIPIENT.view_private)
    assert recovered.view_key_match(RECIPIENT.view_private)[0] == Amount(77, 0)
    assert isinstance(recovered.masked_amount, MaskedAmountV1)
    assert recovered.masked_amount.masked_token_id == b""
    assert recovered == attrs.evolve(tx_out, e_fog_hint=EncryptedFogHint.zero())


def test_v2_reconstruct_keeps_the_given_bytes() -> None:
    tx_out = make_tx_out(3, Amount(1, 9))
    assert isinstance(tx_out.masked_amount, MaskedAmountV2)
    ss = tx_out.shared_secret(RECIPIENT.view_private)
    masked = tx_out.masked_amount
    rebuilt, amount = MaskedAmountV2.reconstruct(masked.masked_value, masked.masked_token_id, ss)
    assert rebuilt == masked and amount == Amount(1, 9)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("tx_out_target_key_data", b"\x01" * 31, "encoding.bad_length"),
        ("tx_out_public_key_data", b"", "encoding.bad_length"),
        ("tx_out_target_key_data", b"\xff" * 32, "crypto.non_canonical_point"),
        ("tx_out_e_memo_data", b"\x00" * 65, "encoding.bad_length"),
    ],
)
def test_malformed_fields_are_typed_errors(field: str, value: bytes, code: str) -> None:
    _, record = make_record(2, Amount(5))
    bad = TxOutRecord.from_protobuf(attrs.evolve(record, **{field: value}).to_protobuf())
    with pytest.raises(RefImplError) as info:
        bad.get_fog_tx_out()
    assert info.value.code == code


def test_missing_masked_amount_in_a_tx_out() -> None:
    tx_out = attrs.evolve(make_tx_out(2, Amount(5)), masked_amount=None)
    with pytest.raises(TxError) as info:
        FogTxOut.from_tx_out(tx_out)
    assert info.value.code == "tx.missing_masked_amount"


@given(data=st.binary(max_size=200), key=st.integers(min_value=1, max_value=2**64))
def test_garbage_records_give_typed_errors_only(data: bytes, key: int) -> None:
    try:
        TxOutRecord.from_protobuf(data).get_fog_tx_out().try_recover_tx_out(Scalar(key))
    except RefImplError:
        pass


@given(
    position=st.integers(min_value=0, max_value=199),
    flip=st.integers(min_value=1, max_value=255),
)
def test_mutated_records_fail_typed_or_recover_consistently(position: int, flip: int) -> None:
    _, record = make_record(2, Amount(5))
    raw = bytearray(record.to_protobuf())
    raw[position % len(raw)] ^= flip
    try:
        fog = TxOutRecord.from_protobuf(bytes(raw)).get_fog_tx_out()
        recovered = fog.try_recover_tx_out(RECIPIENT.view_private)
    except RefImplError:
        return
    # What recovers must open its rebuilt commitment and match the stored CRC.
    assert recovered.masked_amount is not None
    assert recovered.masked_amount.commitment_crc32() == fog.amount_commitment_data_crc32
    assert recovered.target_key == fog.target_key and recovered.public_key == fog.public_key
