"""Subaddress identities (core/src/subaddress.rs) and the public-only path (``ViewAccountKey``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.account.keys import (
    CHANGE_SUBADDRESS_INDEX,
    DEFAULT_SUBADDRESS_INDEX,
    GIFT_CODE_SUBADDRESS_INDEX,
    AccountKey,
    subaddress_hash,
)
from refimpl.crypto import schnorrkel
from refimpl.crypto.hashing import FOG_AUTHORITY_SIGNATURE_CONTEXT, blake2b512
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.errors import AccountError, AddressError

scalars = st.integers(min_value=1, max_value=L - 1).map(Scalar)
indices = st.one_of(
    st.integers(min_value=0, max_value=2**64 - 1),
    st.sampled_from(
        [DEFAULT_SUBADDRESS_INDEX, CHANGE_SUBADDRESS_INDEX, GIFT_CODE_SUBADDRESS_INDEX]
    ),
)
accounts = st.builds(AccountKey, scalars, scalars)


def test_reserved_indices_have_mobilecoin_values() -> None:
    assert DEFAULT_SUBADDRESS_INDEX == 0
    assert CHANGE_SUBADDRESS_INDEX == 18446744073709551614
    assert GIFT_CODE_SUBADDRESS_INDEX == 18446744073709551613


@given(scalars, indices)
def test_subaddress_hash_is_wide_blake2b512_of_tag_key_and_le_index(a: Scalar, i: int) -> None:
    digest = blake2b512(b"mc_subaddress" + a.to_bytes() + i.to_bytes(32, "little"))
    assert subaddress_hash(a, i).value == int.from_bytes(digest, "little") % L


@given(accounts, indices)
def test_subaddress_key_identities(account: AccountKey, i: int) -> None:
    a, b = account.view_private, account.spend_private
    keys = account.subaddress_keys(i)
    hs = subaddress_hash(a, i)
    assert keys.spend_private == hs + b  # d_i = Hs + b
    assert keys.view_private == a * keys.spend_private  # c_i = a * d_i
    assert keys.spend_public == Point.mul_base(keys.spend_private)
    assert keys.spend_public == account.spend_public + Point.mul_base(hs)  # D_i = B + Hs*G
    assert keys.view_public == keys.spend_public * a  # C_i = a * D_i
    assert keys.view_public == Point.mul_base(keys.view_private)


@given(accounts, indices)
def test_public_only_path_equals_private_path(account: AccountKey, i: int) -> None:
    view_only = account.view_account_key()
    assert view_only.subaddress(i) == account.subaddress(i)
    assert view_only.subaddress_spend_public(i) == account.subaddress_keys(i).spend_public


@given(accounts, indices, indices)
def test_distinct_indices_give_distinct_subaddresses(account: AccountKey, i: int, j: int) -> None:
    if i != j:
        assert account.subaddress(i) != account.subaddress(j)


def test_named_subaddresses_use_their_reserved_index() -> None:
    account = AccountKey.from_root_entropy(bytes([7]) * 32)
    assert account.default_subaddress() == account.subaddress(0)
    assert account.change_subaddress() == account.subaddress(2**64 - 2)
    assert account.gift_code_subaddress() == account.subaddress(2**64 - 3)
    view_only = account.view_account_key()
    assert view_only.default_subaddress() == account.default_subaddress()
    assert view_only.change_subaddress() == account.change_subaddress()


@pytest.mark.parametrize("index", [-1, 2**64])
def test_subaddress_index_must_be_u64(index: int) -> None:
    account = AccountKey.from_root_entropy(bytes(32))
    with pytest.raises(AccountError) as info:
        account.subaddress(index)
    assert info.value.code == "account.bad_subaddress_index"
    with pytest.raises(AccountError):
        account.view_account_key().subaddress(index)


def test_fog_address_is_signed_by_the_subaddress_view_key() -> None:
    spki = bytes(range(40))
    account = AccountKey.from_root_entropy(bytes([3]) * 32, "fog://fog.example", "7", spki)
    for index in (0, 5):
        address = account.subaddress(index)
        keys = account.subaddress_keys(index)
        assert (address.fog_report_url, address.fog_report_id) == ("fog://fog.example", "7")
        assert len(address.fog_authority_sig) == 64
        schnorrkel.verify(
            keys.view_public, FOG_AUTHORITY_SIGNATURE_CONTEXT, spki, address.fog_authority_sig
        )
        address.verify_fog_authority(spki)
        with pytest.raises(AddressError) as info:
            address.verify_fog_authority(spki + b"x")
        assert info.value.code == "address.bad_fog_signature"
    # Deterministic nonce: signing twice gives the same bytes.
    assert account.subaddress(0) == account.subaddress(0)


def test_address_without_fog_has_no_fog_fields_and_cannot_be_verified() -> None:
    address = AccountKey.from_root_entropy(bytes(32)).default_subaddress()
    assert (address.fog_report_url, address.fog_report_id, address.fog_authority_sig) == (
        "", "", b""
    )
    with pytest.raises(AddressError):
        address.verify_fog_authority(b"")


@pytest.mark.parametrize(
    ("url", "report_id", "spki", "code"),
    [
        ("", "1", b"", "account.fog_incomplete"),
        ("", "", b"\x30", "account.fog_incomplete"),
        ("https://fog.example", "", b"", "address.bad_fog_url"),
    ],
)
def test_inconsistent_fog_settings_are_rejected(
    url: str, report_id: str, spki: bytes, code: str
) -> None:
    with pytest.raises((AccountError, AddressError)) as info:
        AccountKey.from_root_entropy(bytes(32), url, report_id, spki)
    assert info.value.code == code


def test_mnemonic_account_indices_give_different_accounts() -> None:
    phrase = " ".join(["abandon"] * 11 + ["about"])
    first, second = AccountKey.from_mnemonic(phrase, 0), AccountKey.from_mnemonic(phrase, 1)
    assert first != second
    assert first == AccountKey.from_mnemonic(phrase)
