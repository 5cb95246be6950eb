"""Typed memos (transaction/extra/src/memo): layouts, the category-1 HMAC and its validation,
destination memo fields, decoding of arbitrary payloads (transaction/extra/src/memo)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.account.keys import AccountKey
from refimpl.crypto.chacha_rng import std_rng_from_seed
from refimpl.crypto.memo_mac import compute_category1_hmac
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import EncodingError, RefImplError, TxError
from refimpl.transaction.memo import MemoPayload
from refimpl.transaction.memos import (
    MEMO_TYPES,
    AuthenticatedSenderMemo,
    AuthenticatedSenderWithDataMemo,
    AuthenticatedSenderWithPaymentIntentIdMemo,
    AuthenticatedSenderWithPaymentRequestIdMemo,
    BurnRedemptionMemo,
    DefragmentationMemo,
    DestinationMemo,
    DestinationWithDataMemo,
    DestinationWithPaymentIntentIdMemo,
    DestinationWithPaymentRequestIdMemo,
    GiftCodeCancellationMemo,
    GiftCodeFundingMemo,
    GiftCodeSenderMemo,
    SenderMemoCredential,
    UnusedMemo,
    decode_memo,
)


class Parties:
    """Alice sends to Bob, as in MobileCoin's ``test_memo_authentication`` (seed [2u8; 32])."""

    def __init__(self) -> None:
        rng = std_rng_from_seed(bytes([2]) * 32)
        self.alice = AccountKey(Scalar.random(rng), Scalar.random(rng))
        self.bob = AccountKey(Scalar.random(rng), Scalar.random(rng))
        self.tx_key = Point.random(rng)
        self.tx_key2 = Point.random(rng)
        self.alice_addr = self.alice.default_subaddress()
        self.bob_addr = self.bob.default_subaddress()
        self.cred = SenderMemoCredential.from_account_key(self.alice)


P = Parties()
SenderFactory = Callable[
    [],
    AuthenticatedSenderMemo
    | AuthenticatedSenderWithPaymentRequestIdMemo
    | AuthenticatedSenderWithPaymentIntentIdMemo
    | AuthenticatedSenderWithDataMemo,
]
SENDER_MEMOS: dict[str, SenderFactory] = {
    "0100": lambda: AuthenticatedSenderMemo.new(P.cred, P.bob_addr.view_public, P.tx_key),
    "0101": lambda: AuthenticatedSenderWithPaymentRequestIdMemo.new(
        P.cred, P.bob_addr.view_public, P.tx_key, 7
    ),
    "0102": lambda: AuthenticatedSenderWithPaymentIntentIdMemo.new(
        P.cred, P.bob_addr.view_public, P.tx_key, 2**64 - 1
    ),
    "0103": lambda: AuthenticatedSenderWithDataMemo.new(
        P.cred, P.bob_addr.view_public, P.tx_key, bytes(range(100, 132))
    ),
}


@pytest.mark.parametrize("kind", sorted(SENDER_MEMOS))
def test_sender_memo_layout_and_mac(kind: str) -> None:
    memo = SENDER_MEMOS[kind]()
    data = memo.memo_data
    assert memo.MEMO_TYPE.hex() == kind
    assert data[:16] == P.alice_addr.short_address_hash() == memo.sender_address_hash
    secret = (P.bob_addr.view_public * P.alice.subaddress_spend_private(0)).to_bytes()
    message = b"mc-memo-mac" + P.tx_key.to_bytes() + memo.MEMO_TYPE + data[:48]
    assert data[48:] == hmac.new(secret, message, hashlib.sha512).digest()[:16]
    if isinstance(memo, AuthenticatedSenderWithPaymentRequestIdMemo):
        assert data[16:24] == (7).to_bytes(8, "big") and memo.payment_request_id == 7
    elif isinstance(memo, AuthenticatedSenderWithPaymentIntentIdMemo):
        assert data[16:24] == b"\xff" * 8 and memo.payment_intent_id == 2**64 - 1
    elif isinstance(memo, AuthenticatedSenderWithDataMemo):
        assert data[16:48] == bytes(range(100, 132)) == memo.data
        return
    else:
        assert data[16:48] == bytes(32)
    assert data[24:48] == bytes(24)


@pytest.mark.parametrize("kind", sorted(SENDER_MEMOS))
def test_sender_memo_validation_matrix(kind: str) -> None:
    """Only (alice's address, bob's c_0, the right tx key) validates; the others name why."""
    memo = SENDER_MEMOS[kind]()
    bob_view, alice_view = P.bob.subaddress_view_private(0), P.alice.subaddress_view_private(0)
    memo.validate(P.alice_addr, bob_view, P.tx_key)
    cases = [
        (P.bob_addr, bob_view, P.tx_key, "tx.memo_sender_hash_mismatch"),
        (P.alice_addr, alice_view, P.tx_key, "tx.memo_bad_hmac"),
        (P.bob_addr, alice_view, P.tx_key, "tx.memo_sender_hash_mismatch"),
        (P.alice_addr, bob_view, P.tx_key2, "tx.memo_bad_hmac"),
        (P.alice_addr, P.bob.view_private, P.tx_key, "tx.memo_bad_hmac"),  # root key, not c_0
    ]
    for sender, view_private, tx_key, code in cases:
        assert not memo.is_valid(sender, view_private, tx_key)
        with pytest.raises(TxError) as info:
            memo.validate(sender, view_private, tx_key)
        assert info.value.code == code


@given(
    position=st.integers(min_value=0, max_value=63),
    flip=st.integers(min_value=1, max_value=255),
)
def test_any_changed_byte_fails_validation(position: int, flip: int) -> None:
    memo = SENDER_MEMOS["0101"]()
    data = bytearray(memo.memo_data)
    data[position] ^= flip
    tampered = AuthenticatedSenderWithPaymentRequestIdMemo(bytes(data))
    with pytest.raises(TxError) as info:
        tampered.validate(P.alice_addr, P.bob.subaddress_view_private(0), P.tx_key)
    expected = "tx.memo_sender_hash_mismatch" if position < 16 else "tx.memo_bad_hmac"
    assert info.value.code == expected


def test_mac_binds_the_memo_type() -> None:
    data = SENDER_MEMOS["0101"]().memo_data
    as_intent = AuthenticatedSenderWithPaymentIntentIdMemo(data)
    assert as_intent.payment_intent_id == 7
    with pytest.raises(TxError) as info:
        as_intent.validate(P.alice_addr, P.bob.subaddress_view_private(0), P.tx_key)
    assert info.value.code == "tx.memo_bad_hmac"


@given(index=st.integers(min_value=0, max_value=2**64 - 1))
def test_hmac_key_agreement_on_any_subaddress(index: int) -> None:
    """d_s * C_r == c_r * D_s for the recipient's subaddress ``index``
    (transaction/extra/src/memo/authenticated_sender.rs)."""
    receiving = P.bob.subaddress_keys(index)
    memo = AuthenticatedSenderMemo.new(P.cred, receiving.view_public, P.tx_key)
    memo.validate(P.alice_addr, receiving.view_private, P.tx_key)


def test_credential_from_address_checks_the_key() -> None:
    cred = SenderMemoCredential.from_address_and_spend_private_key(
        P.alice_addr, P.alice.subaddress_spend_private(0)
    )
    assert cred == P.cred
    with pytest.raises(TxError) as info:
        SenderMemoCredential.from_address_and_spend_private_key(
            P.alice_addr, P.alice.spend_private
        )
    assert info.value.code == "tx.memo_credential_mismatch"


def test_destination_memo_layout() -> None:
    hash16 = P.bob_addr.short_address_hash()
    memo = DestinationMemo.new(hash16, total_outlay=12, fee=13)
    data = memo.to_memo_data()
    assert data == hash16 + b"\x01" + (13).to_bytes(7, "big") + (12).to_bytes(8, "big") + bytes(32)
    assert DestinationMemo.from_memo_data(data) == memo
    wide = DestinationMemo(hash16, num_recipients=255, fee=2**56 - 1, total_outlay=2**64 - 1)
    assert wide.to_memo_data()[16:32] == b"\xff" * 16
    assert DestinationMemo.from_memo_data(wide.to_memo_data()) == wide


@pytest.mark.parametrize(
    ("cls", "id_name"),
    [
        (DestinationWithPaymentRequestIdMemo, "payment_request_id"),
        (DestinationWithPaymentIntentIdMemo, "payment_intent_id"),
    ],
)
def test_destination_memo_with_id(
    cls: type[DestinationWithPaymentRequestIdMemo] | type[DestinationWithPaymentIntentIdMemo],
    id_name: str,
) -> None:
    memo = cls.new_with_id(P.bob_addr.short_address_hash(), 100, 3, 0x0102030405060708)
    data = memo.to_memo_data()
    assert data[32:40] == bytes(range(1, 9)) and data[40:] == bytes(24)
    decoded = cls.from_memo_data(data)
    assert decoded == memo and getattr(decoded, id_name) == 0x0102030405060708
    assert decode_memo(memo.to_payload()) == memo


def test_destination_fee_limit_and_address_check() -> None:
    hash16 = P.bob_addr.short_address_hash()
    with pytest.raises(TxError) as info:
        DestinationMemo.new(hash16, 0, 2**56)
    assert info.value.code == "tx.memo_fee_too_large"
    memo = DestinationMemo.new(hash16, 0, 2**56 - 1)
    memo.check_address_hash(hash16)
    with pytest.raises(TxError) as info:
        memo.check_address_hash(P.alice_addr.short_address_hash())
    assert info.value.code == "tx.memo_address_hash_mismatch"


@pytest.mark.parametrize(
    "memo",
    [
        UnusedMemo(),
        BurnRedemptionMemo(bytes(range(64))),
        DestinationMemo.new(bytes(range(16)), 5, 6),
        DestinationWithDataMemo.new_with_data(bytes(16), 5, 6, b"\x07" * 32),
        DefragmentationMemo(2525, 36, 80),
        GiftCodeSenderMemo.new(10, "Dear Kitty"),
        GiftCodeFundingMemo.new(P.tx_key, 666, "Cash money"),
        GiftCodeCancellationMemo.new(666, 20),
        *(make() for make in SENDER_MEMOS.values()),
    ],
    ids=lambda m: type(m).__name__,
)
def test_payload_round_trips(memo: object) -> None:
    payload = memo.to_payload()  # type: ignore[attr-defined]
    assert payload.memo_type == memo.MEMO_TYPE  # type: ignore[attr-defined]
    assert decode_memo(payload) == memo
    assert type(memo).from_payload(payload) == memo  # type: ignore[attr-defined]


def test_unused_memo_is_the_default_payload() -> None:
    assert UnusedMemo().to_payload() == MemoPayload()
    assert decode_memo(MemoPayload()) == UnusedMemo()


def test_unknown_and_wrong_types_are_typed_errors() -> None:
    with pytest.raises(TxError) as info:
        decode_memo(MemoPayload.new(b"\x07\x08", bytes(64)))
    assert info.value.code == "tx.memo_unknown_type"
    with pytest.raises(TxError) as info:
        AuthenticatedSenderMemo.from_payload(MemoPayload())
    assert info.value.code == "tx.memo_wrong_type"


@given(
    memo_type=st.one_of(st.sampled_from(sorted(MEMO_TYPES)), st.binary(min_size=2, max_size=2)),
    memo_data=st.binary(min_size=64, max_size=64),
)
def test_arbitrary_payloads_decode_or_raise_typed_errors(
    memo_type: bytes, memo_data: bytes
) -> None:
    payload = memo_type + memo_data
    try:
        memo = decode_memo(MemoPayload(payload))
        assert memo.MEMO_TYPE == memo_type
    except TxError as exc:
        assert exc.code == "tx.memo_unknown_type"
        assert payload[:2] not in MEMO_TYPES
        return
    data = memo.to_memo_data()
    # Decoding reads the named fields and ignores unused bytes; the fields round trip exactly.
    significant = {
        UnusedMemo: 0,
        DefragmentationMemo: 23,
        DestinationMemo: 32,
        DestinationWithPaymentRequestIdMemo: 40,
        DestinationWithPaymentIntentIdMemo: 40,
    }.get(type(memo), 64)
    assert data[:significant] == payload[2 : 2 + significant]
    assert data[significant:] == bytes(64 - significant)


@given(
    size=st.integers(min_value=0, max_value=80).filter(lambda n: n != 64),
    cls=st.sampled_from(sorted(MEMO_TYPES.values(), key=lambda c: c.MEMO_TYPE)),
)
def test_bad_data_length_is_a_typed_error(size: int, cls: type) -> None:
    with pytest.raises(EncodingError) as info:
        cls.from_memo_data(bytes(size))
    assert info.value.code == "encoding.bad_length"


@given(
    field=st.sampled_from(["fee", "num_recipients", "total_outlay"]),
    value=st.integers(min_value=-(2**70), max_value=2**70),
    address_hash=st.binary(max_size=20),
)
def test_bad_destination_fields_are_typed_errors(
    field: str, value: int, address_hash: bytes
) -> None:
    args: dict[str, int] = {"num_recipients": 1, "fee": 0, "total_outlay": 0}
    args[field] = value
    limit = {"fee": 2**56, "num_recipients": 2**8, "total_outlay": 2**64}[field]
    try:
        memo = DestinationMemo(address_hash, **args)
    except RefImplError as exc:
        assert exc.code in {
            "encoding.bad_length", "encoding.integer_out_of_range", "tx.memo_fee_too_large",
        }
        assert len(address_hash) != 16 or not 0 <= value < limit
        return
    assert len(address_hash) == 16 and 0 <= value < limit
    assert DestinationMemo.from_memo_data(memo.to_memo_data()) == memo


@given(
    secret=st.binary(max_size=40), key=st.binary(max_size=40), data=st.binary(max_size=60)
)
def test_memo_mac_input_lengths_are_checked(secret: bytes, key: bytes, data: bytes) -> None:
    if (len(secret), len(key), len(data)) == (32, 32, 48):
        assert len(compute_category1_hmac(secret, key, b"\x01\x00", data)) == 16
        return
    with pytest.raises(EncodingError):
        compute_category1_hmac(secret, key, b"\x01\x00", data)


def test_destination_with_data_layout() -> None:
    memo = DestinationWithDataMemo.new_with_data(bytes(range(16)), 9, 8, bytes(range(32)))
    data = memo.to_memo_data()
    assert data[32:] == bytes(range(32)) and data[16] == 1
    assert DestinationWithDataMemo.from_memo_data(data) == memo
    with pytest.raises(EncodingError):
        DestinationWithDataMemo.new_with_data(bytes(16), 9, 8, bytes(31))


def test_defragmentation_layout_and_fee_limit() -> None:
    memo = DefragmentationMemo(fee=48237, total_outlay=9001, defrag_id=3405697037)
    data = memo.to_memo_data()
    assert data[:23] == (
        (48237).to_bytes(7, "big") + (9001).to_bytes(8, "big") + (3405697037).to_bytes(8, "big")
    )
    assert DefragmentationMemo.from_memo_data(data) == memo
    assert DefragmentationMemo(2**56 - 1, 0).fee == 2**56 - 1
    with pytest.raises(TxError) as info:
        DefragmentationMemo(2**56, 0)
    assert info.value.code == "tx.memo_fee_too_large"


@pytest.mark.parametrize(
    ("make", "read", "room", "note_at"),
    [
        (lambda fee, note: GiftCodeSenderMemo.new(fee, note),
         lambda m: m.sender_note(), 57, 7),
        (lambda fee, note: GiftCodeFundingMemo.new(P.tx_key, fee, note),
         lambda m: m.funding_note(), 53, 11),
    ],
    ids=["sender", "funding"],
)
def test_gift_code_notes_and_fees(
    make: Callable[[int, str], GiftCodeSenderMemo | GiftCodeFundingMemo],
    read: Callable[[GiftCodeSenderMemo | GiftCodeFundingMemo], str],
    room: int,
    note_at: int,
) -> None:
    for note in ("", "6" * (room - 1), "6" * room, "MeowbleCoin \u00e9"):
        memo = make(2**56 - 1, note)
        assert read(memo) == note and memo.fee == 2**56 - 1
    with pytest.raises(EncodingError) as info:
        make(1, "6" * (room + 1))
    assert info.value.code == "encoding.bad_length"
    with pytest.raises(TxError) as info2:
        make(2**56, "")
    assert info2.value.code == "tx.memo_fee_too_large"
    # The note ends at the first NUL; a note that is not UTF-8 is a typed error when read.
    data = bytearray(make(666, "").to_memo_data())
    data[note_at : note_at + 8] = b"666\x0066\x006"
    cls = type(make(0, ""))
    assert read(cls(bytes(data))) == "666"
    data[note_at] = 0xFF
    with pytest.raises(EncodingError) as info3:
        read(cls(bytes(data)))
    assert info3.value.code == "encoding.bad_utf8"


def test_gift_code_funding_names_its_tx_out() -> None:
    memo = GiftCodeFundingMemo.new(P.tx_key, 666, "noted")
    expected = hashlib.blake2b(
        b"mc-gift-funding-tx-pub-key" + P.tx_key.to_bytes(), digest_size=64
    ).digest()[:4]
    assert memo.memo_data[:4] == expected
    assert memo.public_key_matches(P.tx_key) and not memo.public_key_matches(P.tx_key2)
    assert memo.memo_data[4:11] == (666).to_bytes(7, "big")


def test_gift_code_cancellation_layout() -> None:
    memo = GiftCodeCancellationMemo.new(2**64 - 1, 20)
    assert memo.memo_data[:15] == b"\xff" * 8 + (20).to_bytes(7, "big")
    assert memo.memo_data[15:] == bytes(49)
    assert memo.cancelled_gift_code_index == 2**64 - 1 and memo.fee == 20
