"""Encrypted TxOutRecords: the record ingest builds, the payload sealed to the subaddress view
key, its size bound, typed refusals, and MobileCoin's TxOutRecord vectors through this path."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.account.keys import DEFAULT_SUBADDRESS_INDEX, AccountKey
from refimpl.crypto import box
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.ristretto import RandomSource, Scalar
from refimpl.errors import FogError, TxError
from refimpl.fog.records import (
    MAX_PAYLOAD_LEN,
    MAX_RECORD_LEN,
    decrypt_tx_out_record,
    encrypt_tx_out_record,
    tx_out_record_for,
)
from refimpl.transaction.amount import Amount
from refimpl.transaction.block_version import MAX_BLOCK_VERSION
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.tx_out import TxOut
from refimpl.transaction.tx_out_record import TxOutRecord
from refimpl.vectors.runner import CONFORMANCE_ROOT, read_jsonl
from refimpl.vectors.upstream_tx_out_records import (
    decode_ristretto_private,
    regenerate_cases,
)

RECORDS = CONFORMANCE_ROOT / "upstream/mobilecoin/tx_out_records"
FOG_URL = "fog://fog.example"


def _rng(seed: int = 7) -> RandomSource:
    return std_rng_from_seed(bytes([seed]) * 32)


def _account(seed: int) -> AccountKey:
    rng = _rng(seed)
    return AccountKey(Scalar.random(rng), Scalar.random(rng), FOG_URL)


def _tx_out(account: AccountKey, value: int = 10, block_version: int = MAX_BLOCK_VERSION,
            seed: int = 3) -> TxOut:
    rng = _rng(seed)
    return TxOut.new(block_version, Amount(value), account.default_subaddress(),
                     Scalar.random(rng), EncryptedFogHint.fake_onetime_hint(rng))


def _no_randomness(n: int) -> bytes:
    raise AssertionError("randomness drawn for a refused record")


ALICE = _account(1)
BOB = _account(2)


def test_record_round_trip_and_recovery() -> None:
    tx_out = _tx_out(ALICE, 1234)
    record = tx_out_record_for(tx_out, global_index=100, block_index=7, timestamp=1_700_000_000)
    assert record.tx_out_amount_commitment_data == b""  # TxOutRecord::new omits it
    assert tx_out.masked_amount is not None
    assert record.tx_out_amount_commitment_data_crc32 == tx_out.masked_amount.commitment_crc32()
    payload = encrypt_tx_out_record(_rng(), ALICE.default_subaddress().view_public, record)
    # the payload of a current TxOut is MobileCoin's observed 237 bytes, under the store limit
    assert len(payload) == 237 <= MAX_PAYLOAD_LEN
    opened = decrypt_tx_out_record(ALICE.subaddress_view_private(DEFAULT_SUBADDRESS_INDEX),
                                   payload)
    assert opened == record
    recovered = opened.get_fog_tx_out().try_recover_tx_out(ALICE.view_private)
    assert recovered.view_key_match(ALICE.view_private)[0] == Amount(1234)
    assert (recovered.target_key, recovered.public_key) == (tx_out.target_key, tx_out.public_key)
    assert recovered.e_fog_hint == EncryptedFogHint.zero()


@pytest.mark.parametrize("block_version", range(MAX_BLOCK_VERSION + 1))
def test_every_block_version_fits_the_view_store(block_version: int) -> None:
    record = tx_out_record_for(_tx_out(ALICE, block_version=block_version), 2**64 - 1,
                               2**64 - 1, 2**64 - 1)
    payload = encrypt_tx_out_record(_rng(), ALICE.default_subaddress().view_public, record)
    assert len(payload) <= MAX_PAYLOAD_LEN


def test_another_view_key_cannot_open_the_payload() -> None:
    record = tx_out_record_for(_tx_out(ALICE), 0, 0, 0)
    payload = encrypt_tx_out_record(_rng(), ALICE.default_subaddress().view_public, record)
    for wrong in (BOB.subaddress_view_private(0), ALICE.view_private):
        with pytest.raises(FogError) as info:
            decrypt_tx_out_record(wrong, payload)
        assert info.value.code == "fog.tx_out_record_decryption_failed"


@given(position=st.integers(0, 236), flip=st.integers(1, 255))
def test_any_damaged_byte_is_refused(position: int, flip: int) -> None:
    record = tx_out_record_for(_tx_out(ALICE), 5, 6, 7)
    payload = bytearray(encrypt_tx_out_record(_rng(), ALICE.default_subaddress().view_public,
                                              record))
    payload[position % len(payload)] ^= flip
    with pytest.raises(FogError) as info:
        decrypt_tx_out_record(ALICE.subaddress_view_private(0), bytes(payload))
    assert info.value.code == "fog.tx_out_record_decryption_failed"


@given(payload=st.binary(max_size=300))
def test_arbitrary_payloads_are_refused_with_a_typed_error(payload: bytes) -> None:
    with pytest.raises(FogError) as info:
        decrypt_tx_out_record(ALICE.subaddress_view_private(0), payload)
    assert info.value.code == "fog.tx_out_record_decryption_failed"


def test_a_box_that_holds_no_record_is_a_bad_record() -> None:
    view_public = ALICE.default_subaddress().view_public
    for plaintext in (b"\xff", b"\x0a\x05ab"):
        payload = box.encrypt(_rng(), view_public, plaintext)
        with pytest.raises(FogError) as info:
            decrypt_tx_out_record(ALICE.subaddress_view_private(0), payload)
        assert info.value.code == "fog.bad_tx_out_record"


def _record_of_length(length: int) -> TxOutRecord:
    """A record whose prost encoding is exactly ``length`` bytes (memo field grown to fit)."""
    base = TxOutRecord(tx_out_amount_masked_value=1, tx_out_target_key_data=bytes(32),
                       tx_out_public_key_data=bytes(32), tx_out_global_index=0, block_index=0)
    memo_len = length - len(base.to_protobuf()) - 2  # field key + one length byte
    assert 0 < memo_len < 128
    record = TxOutRecord(tx_out_amount_masked_value=1, tx_out_target_key_data=bytes(32),
                         tx_out_public_key_data=bytes(32), tx_out_global_index=0, block_index=0,
                         tx_out_e_memo_data=bytes(memo_len))
    assert len(record.to_protobuf()) == length
    return record


def test_the_payload_limit_is_239_bytes() -> None:
    view_public = ALICE.default_subaddress().view_public
    assert MAX_RECORD_LEN == 189
    at_limit = encrypt_tx_out_record(_rng(), view_public, _record_of_length(MAX_RECORD_LEN))
    assert len(at_limit) == MAX_PAYLOAD_LEN
    with pytest.raises(FogError) as info:
        encrypt_tx_out_record(_no_randomness, view_public, _record_of_length(MAX_RECORD_LEN + 1))
    assert info.value.code == "fog.tx_out_record_too_long"


def test_a_tx_out_without_amount_has_no_record() -> None:
    tx_out = _tx_out(ALICE)
    bare = TxOut(masked_amount=None, target_key=tx_out.target_key, public_key=tx_out.public_key,
                 e_fog_hint=tx_out.e_fog_hint)
    with pytest.raises(TxError) as info:
        tx_out_record_for(bare, 0, 0, 0)
    assert info.value.code == "tx.missing_masked_amount"


# --- MobileCoin's TxOutRecord vectors through the fog path -----------------------------------

def _hex(case: dict[str, object], key: str) -> bytes:
    return bytes.fromhex(str(case[key]))


def test_upstream_records_survive_encryption_to_the_recipient() -> None:
    """Each published record, sealed to its recipient's default subaddress view key, opens with
    that subaddress's view private key to the same record; the TxOut recovers with the file's
    view key (CRC matches), and a record opened with the spurious account's key fails."""
    cases = regenerate_cases()
    lines = list(read_jsonl(RECORDS / "correct_tx_out_records.jsonl"))
    assert len(lines) == 10
    for _line, case in lines:
        hidden = next(cases)
        record = TxOutRecord.from_protobuf(_hex(case, "tx_out_record_hex_proto_bytes"))
        view_private = decode_ristretto_private(
            _hex(case, "recipient_view_private_key_hex_proto_bytes"))
        assert view_private == hidden.recipient.view_private
        recipient = hidden.recipient
        payload = encrypt_tx_out_record(_rng(), recipient.default_subaddress().view_public, record)
        assert len(payload) <= MAX_PAYLOAD_LEN
        opened = decrypt_tx_out_record(recipient.subaddress_view_private(0), payload)
        assert opened == record
        tx_out = opened.get_fog_tx_out().try_recover_tx_out(view_private)
        assert tx_out.view_key_match(view_private)[0] == Amount(10)
        with pytest.raises(FogError):
            decrypt_tx_out_record(hidden.spurious.subaddress_view_private(0), payload)


def test_upstream_incorrect_records_fail_their_checksum_after_the_fog_path() -> None:
    cases = regenerate_cases()
    for _line, case in read_jsonl(RECORDS / "incorrect_tx_out_records.jsonl"):
        hidden = next(cases)
        record = TxOutRecord.from_protobuf(_hex(case, "tx_out_record_hex_proto_bytes"))
        spurious_view = decode_ristretto_private(
            _hex(case, "spurious_view_private_key_hex_proto_bytes"))
        payload = encrypt_tx_out_record(_rng(), hidden.recipient.default_subaddress().view_public,
                                        record)
        opened = decrypt_tx_out_record(hidden.recipient.subaddress_view_private(0), payload)
        with pytest.raises(TxError) as info:
            opened.get_fog_tx_out().try_recover_tx_out(spurious_view)
        assert info.value.code == "tx.fog_checksum_mismatch"
