"""b58 public addresses: round trips, and every bad input is a registered typed error
(api/src/display.rs)."""

from __future__ import annotations

import argparse
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl import protobuf as pb
from refimpl.account import b58
from refimpl.account.keys import AccountKey
from refimpl.account.public_address import PublicAddress
from refimpl.cli.address import address_from_args
from refimpl.cli.keys import account_from_args
from refimpl.crypto.ristretto import Point
from refimpl.errors import CODES, RefImplError

points = st.binary(min_size=64, max_size=64).map(Point.from_uniform_bytes)
plain_addresses = st.builds(PublicAddress, points, points)
fog_addresses = st.builds(
    PublicAddress,
    points,
    points,
    st.text(max_size=40).map(lambda s: "fog://" + s),
    st.text(max_size=20),
    st.binary(min_size=1, max_size=80),
)
addresses = st.one_of(plain_addresses, fog_addresses)
VALID = b58.encode_public_address(
    AccountKey.from_root_entropy(bytes([1]) * 32).default_subaddress()
)


def _decodes_or_typed_error(text: str) -> PublicAddress | None:
    try:
        return b58.decode_public_address(text)
    except RefImplError as exc:
        assert exc.code in CODES
        return None


@given(st.binary(max_size=100))
def test_base58_round_trips_bytes_including_leading_zeros(data: bytes) -> None:
    text = b58.b58encode(data)
    assert set(text) <= set(b58.ALPHABET)
    assert b58.b58decode(text) == data


def test_base58_known_answers() -> None:
    assert b58.b58encode(b"") == ""
    assert b58.b58encode(b"\x00\x00\x01") == "112"
    assert b58.b58encode(b"hello world") == "StV1DL6CwTryKyV"


@given(addresses)
def test_address_round_trips_through_b58(address: PublicAddress) -> None:
    text = b58.encode_public_address(address)
    assert b58.decode_public_address(text) == address


@given(st.text(max_size=120))
def test_any_string_is_an_address_or_a_typed_error(text: str) -> None:
    _decodes_or_typed_error(text)


@given(st.text(alphabet=b58.ALPHABET, min_size=1, max_size=150))
def test_any_base58_string_is_an_address_or_a_typed_error(text: str) -> None:
    _decodes_or_typed_error(text)


@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.sampled_from(b58.ALPHABET + "0O_"),
       st.sampled_from(["replace", "insert", "delete"]))
def test_mutated_valid_address_is_an_address_or_a_typed_error(
    position: int, char: str, how: str
) -> None:
    if how == "replace":
        text = VALID[:position] + char + VALID[position + 1 :]
    elif how == "insert":
        text = VALID[:position] + char + VALID[position:]
    else:
        text = VALID[:position] + VALID[position + 1 :]
    decoded = _decodes_or_typed_error(text)
    if decoded is not None:  # only possible when the mutation changed nothing
        assert text == VALID


@given(st.binary(max_size=80))
def test_checksummed_random_payload_is_an_address_or_a_typed_error(payload: bytes) -> None:
    _decodes_or_typed_error(b58.encode_checked(payload))


def _with_checksum(payload: bytes) -> str:
    return b58.b58encode(zlib.crc32(payload).to_bytes(4, "little") + payload)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "encoding.too_short"),
        ("1111", "encoding.too_short"),
        (VALID[:-1] + ("2" if VALID[-1] != "2" else "3"), "encoding.bad_checksum"),
        (VALID + "0", "encoding.bad_base58"),
        (" " + VALID, "encoding.bad_base58"),
        (_with_checksum(pb.bytes_field(2, pb.varint_field(2, 5))), "address.not_a_public_address"),
        (_with_checksum(pb.bytes_field(4, b"")), "address.not_a_public_address"),
        (_with_checksum(pb.varint_field(9, 1)), "address.not_a_public_address"),
        (_with_checksum(b"\xff"), "encoding.bad_protobuf"),
        (_with_checksum(pb.varint_field(1, 1)), "encoding.bad_protobuf"),
        (_with_checksum(pb.bytes_field(1, b"")), "address.missing_key"),
    ],
)
def test_each_bad_input_class_has_its_code(text: str, code: str) -> None:
    with pytest.raises(RefImplError) as info:
        b58.decode_public_address(text)
    assert info.value.code == code


def test_last_wrapper_variant_wins_like_prost_oneof() -> None:
    address = AccountKey.from_root_entropy(bytes(32)).default_subaddress()
    wrapped = b58.wrap_public_address(address)
    other = pb.bytes_field(2, b"")
    assert b58.decode_public_address(_with_checksum(other + wrapped)) == address
    with pytest.raises(RefImplError) as info:
        b58.decode_public_address(_with_checksum(wrapped + other))
    assert info.value.code == "address.not_a_public_address"


# --- random hex input to the key parsers of the CLI ---------------------------------------

hex_like = st.one_of(st.text(max_size=80), st.binary(max_size=40).map(bytes.hex))


def _hex_body(text: str) -> str:
    body = text.strip()
    return (body[2:] if body[:2] in ("0x", "0X") else body).lower()


@given(hex_like, hex_like)
def test_random_hex_public_keys_parse_or_raise_typed_errors(view: str, spend: str) -> None:
    args = argparse.Namespace(view_public=view, spend_public=spend, fog_report_url="",
                              fog_report_id="", fog_authority_sig="")
    try:
        address = address_from_args(args)
    except RefImplError as exc:
        assert exc.code in CODES
    else:
        assert address.view_public.hex() == _hex_body(view)


@given(hex_like, hex_like)
def test_random_hex_root_entropy_and_spki_parse_or_raise_typed_errors(
    entropy: str, spki: str
) -> None:
    args = argparse.Namespace(root_entropy=entropy, mnemonic=None, account_index=None,
                              fog_report_url="fog://x", fog_report_id="", fog_authority_spki=spki)
    try:
        account = account_from_args(args)
    except RefImplError as exc:
        assert exc.code in CODES
    else:
        assert account.fog_authority_spki.hex() == _hex_body(spki)


def test_decode_verifies_the_fog_signature_when_given_the_spki() -> None:
    spki = b"\x30\x2a" + bytes(range(42))
    account = AccountKey.from_root_entropy(bytes([9]) * 32, "fog://fog.example", "r1", spki)
    text = b58.encode_public_address(account.subaddress(3))
    assert b58.decode_public_address(text, spki) == account.subaddress(3)
    assert b58.decode_public_address(text).fog_report_id == "r1"  # unchecked without the SPKI
    for wrong in (spki[:-1], b""):
        with pytest.raises(RefImplError) as info:
            b58.decode_public_address(text, wrong)
        assert info.value.code == "address.bad_fog_signature"
