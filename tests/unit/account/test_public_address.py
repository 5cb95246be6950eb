"""PublicAddress protobuf encoding (account-keys/src/account_keys.rs, api/proto/external.proto)
and the shared protobuf reader/writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import protobuf as pb
from refimpl.account.keys import AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.errors import CODES, AddressError, CryptoError, EncodingError, RefImplError

ADDRESS = AccountKey.from_root_entropy(bytes(32)).default_subaddress()
VIEW, SPEND = ADDRESS.view_public.to_bytes(), ADDRESS.spend_public.to_bytes()


def test_layout_without_fog_is_exactly_prost() -> None:
    expected = b"\x0a\x22\x0a\x20" + VIEW + b"\x12\x22\x0a\x20" + SPEND
    assert ADDRESS.to_protobuf() == expected
    assert PublicAddress.from_protobuf(expected) == ADDRESS


def test_layout_with_fog_appends_fields_3_4_5() -> None:
    address = PublicAddress(ADDRESS.view_public, ADDRESS.spend_public, "fog://a", "id", b"\x01\x02")
    assert address.to_protobuf() == (
        ADDRESS.to_protobuf() + b"\x1a\x07fog://a" + b"\x22\x02id" + b"\x2a\x02\x01\x02"
    )
    assert PublicAddress.from_protobuf(address.to_protobuf()) == address


def test_empty_report_id_is_omitted() -> None:
    address = PublicAddress(ADDRESS.view_public, ADDRESS.spend_public, "fog://a", "", b"\x09")
    assert b"\x22" not in address.to_protobuf()[len(ADDRESS.to_protobuf()):]


def test_unknown_fields_are_skipped_and_repeated_strings_take_the_last_value() -> None:
    data = ADDRESS.to_protobuf() + pb.varint_field(9, 5) + pb.string_field(3, "x")
    data += pb.string_field(3, "fog://b")
    assert PublicAddress.from_protobuf(data).fog_report_url == "fog://b"


def test_repeated_key_messages_merge_like_prost() -> None:
    # Two occurrences of field 1 merge: the later `data` wins.
    first = pb.bytes_field(1, pb.bytes_field(1, SPEND))
    assert PublicAddress.from_protobuf(first + ADDRESS.to_protobuf()) == ADDRESS


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (pb.bytes_field(1, pb.bytes_field(1, VIEW)), "address.missing_key"),
        (pb.bytes_field(2, pb.bytes_field(1, SPEND)), "address.missing_key"),
        (b"\x0a\x22\x0a\x20" + VIEW[:10], "encoding.bad_protobuf"),
        (pb.varint_field(1, 3) + pb.bytes_field(2, pb.bytes_field(1, SPEND)),
         "encoding.bad_protobuf"),
        (pb.bytes_field(1, pb.bytes_field(1, VIEW[:31]))
         + pb.bytes_field(2, pb.bytes_field(1, SPEND)),
         "encoding.bad_length"),
        (pb.bytes_field(1, pb.bytes_field(1, b"\xff" * 32))
         + pb.bytes_field(2, pb.bytes_field(1, SPEND)), "crypto.non_canonical_point"),
        (ADDRESS.to_protobuf() + b"\x1a\x01\xff", "encoding.bad_utf8"),
    ],
)
def test_malformed_public_addresses_are_typed_errors(data: bytes, code: str) -> None:
    with pytest.raises((AddressError, EncodingError, CryptoError)) as info:
        PublicAddress.from_protobuf(data)
    assert info.value.code == code


def test_display_form_matches_mobilecoin() -> None:
    address = PublicAddress(ADDRESS.view_public, ADDRESS.spend_public, "fog://a", "7", b"\x01")
    assert ADDRESS.display() == "MOB" + (SPEND + VIEW).hex().upper()
    assert address.display().endswith(":'fog://a'#7")


# --- the protobuf module ------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_varint_round_trip(value: int) -> None:
    encoded = pb.encode_varint(value)
    assert pb.decode_varint(encoded, 0) == (value, len(encoded))
    assert len(encoded) == max(1, (value.bit_length() + 6) // 7)


@pytest.mark.parametrize(
    "data",
    [
        b"\x80",  # truncated varint
        b"\xff" * 10 + b"\x01",  # longer than 10 bytes
        b"\xff" * 9 + b"\x7f",  # overflows 64 bits
        b"\x08",  # key without value
        b"\x00\x00",  # tag 0
        b"\x0b",  # wire type 3 (group)
        b"\x0e",  # wire type 6
        b"\x09\x00",  # truncated fixed64
        b"\x0a\x05abc",  # length past the end
    ],
)
def test_malformed_wire_data_is_bad_protobuf(data: bytes) -> None:
    with pytest.raises(EncodingError) as info:
        pb.parse_fields(data)
    assert info.value.code == "encoding.bad_protobuf"


def test_fixed_width_fields_round_trip() -> None:
    data = pb.fixed32_field(1, 7) + pb.fixed64_field(2, 2**64 - 1) + pb.varint_field(3, 300)
    fields = pb.parse_fields(data)
    assert [(f.tag, f.wire_type, f.value) for f in fields] == [
        (1, pb.WIRE_FIXED32, 7), (2, pb.WIRE_FIXED64, 2**64 - 1), (3, pb.WIRE_VARINT, 300)
    ]
    assert pb.Fields(data).get_uint(3) == 300
    assert pb.Fields(data).get_uint(4) == 0 and not pb.Fields(data).has(4)


@pytest.mark.parametrize(
    "call",
    [
        lambda: pb.encode_varint(-1),
        lambda: pb.encode_varint(2**64),
        lambda: pb.encode_key(0, 0),
        lambda: pb.fixed32_field(1, 2**32),
        lambda: pb.fixed64_field(1, -1),
    ],
)
def test_writer_rejects_out_of_range_values(call: object) -> None:
    with pytest.raises(EncodingError) as info:
        call()  # type: ignore[operator]
    assert info.value.code == "encoding.integer_out_of_range"


@given(st.binary(max_size=120))
def test_random_bytes_parse_or_raise_a_typed_error(data: bytes) -> None:
    try:
        address = PublicAddress.from_protobuf(data)
    except RefImplError as exc:
        assert exc.code in CODES
    else:  # whatever parsed re-encodes to something that parses to the same address
        assert PublicAddress.from_protobuf(address.to_protobuf()) == address


# --- ShortAddressHash (digestible, context "mc-address") -----------------------------------

MEMO_DIR = Path(__file__).resolve().parents[3] / "conformance/upstream/mobilecoin/memos"


@pytest.mark.parametrize(
    "name",
    ["correct_encrypted_sender_memos.jsonl",
     "correct_encrypted_sender_with_payment_request_id_memos.jsonl"],
)
def test_short_address_hash_matches_the_sender_memo_vectors(name: str) -> None:
    # Sender memos start with the sender's ShortAddressHash (transaction/extra/src/memo).
    lines = (MEMO_DIR / name).read_text().splitlines()
    for line in lines:
        case = json.loads(line)
        sender = PublicAddress.from_protobuf(
            bytes.fromhex(case["sender_public_address_hex_proto_bytes"])
        )
        memo_key = next(k for k in case if k.startswith("encrypted_"))
        assert sender.short_address_hash() == bytes.fromhex(case[memo_key])[:16]
    assert len(lines) == 10


def test_short_address_hash_covers_the_fog_fields() -> None:
    with_fog = PublicAddress(ADDRESS.view_public, ADDRESS.spend_public, "fog://a", "", b"\x01")
    other_sig = PublicAddress(ADDRESS.view_public, ADDRESS.spend_public, "fog://a", "", b"\x02")
    hashes = {a.short_address_hash() for a in (ADDRESS, with_fog, other_sig)}
    assert len(hashes) == 3 and all(len(h) == 16 for h in hashes)
