"""Each key-derivation step on its own: HKDF-Blake2b256 from root entropy, BIP-39, SLIP-10."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mnemonic import Mnemonic

from refimpl.account import bip39, slip10
from refimpl.account.root_entropy import keys_from_root_entropy
from refimpl.crypto.ristretto import L
from refimpl.errors import AccountError, EncodingError

# --- root entropy (account-keys/src/identity.rs) -----------------------------------------


def _hmac_b2b256(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, lambda: hashlib.blake2b(digest_size=32)).digest()


@given(st.binary(min_size=32, max_size=32))
def test_root_entropy_is_single_block_hkdf_blake2b256(entropy: bytes) -> None:
    # RFC 5869 written out: PRK = HMAC(zero salt, ikm); T(1) = HMAC(PRK, info || 0x01).
    prk = _hmac_b2b256(bytes(32), entropy)
    spend, view = keys_from_root_entropy(entropy)
    assert spend.value == int.from_bytes(_hmac_b2b256(prk, b"spend\x01"), "little") % L
    assert view.value == int.from_bytes(_hmac_b2b256(prk, b"view\x01"), "little") % L
    assert spend != view


def test_root_entropy_known_answer_for_zero_entropy() -> None:
    # First line of account_keys/acct_priv_keys_from_root_entropy.jsonl ([0;32]).
    spend, view = keys_from_root_entropy(bytes(32))
    assert view.hex().startswith("b0146de8cd8f5b79")
    assert spend.hex().startswith("b4bf01a77ed4e065")


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_root_entropy_of_wrong_length_is_rejected(length: int) -> None:
    with pytest.raises(EncodingError) as info:
        keys_from_root_entropy(bytes(length))
    assert info.value.code == "encoding.bad_length"


# --- BIP-39 (core/src/slip10/mod.rs, mnemonic to seed) ------------------------------------

ABANDON_12 = " ".join(["abandon"] * 11 + ["about"])


@given(st.sampled_from(bip39.ENTROPY_LENGTHS).flatmap(lambda n: st.binary(min_size=n, max_size=n)))
def test_entropy_mnemonic_round_trip_agrees_with_python_mnemonic(entropy: bytes) -> None:
    phrase = bip39.entropy_to_mnemonic(entropy)
    assert phrase == Mnemonic("english").to_mnemonic(entropy)
    assert bip39.mnemonic_to_entropy(phrase) == entropy


def test_seed_is_pbkdf2_sha512_and_matches_python_mnemonic() -> None:
    seed = bip39.mnemonic_to_seed(ABANDON_12)
    assert seed == Mnemonic.to_seed(ABANDON_12, "")
    # BIP-39 reference vector (trezor, passphrase "TREZOR") differs: ours has no passphrase.
    assert seed != Mnemonic.to_seed(ABANDON_12, "TREZOR")


def test_extra_whitespace_between_words_is_ignored() -> None:
    assert bip39.mnemonic_to_seed("  " + ABANDON_12.replace(" ", " \t ")) == bip39.mnemonic_to_seed(
        ABANDON_12
    )


@pytest.mark.parametrize(
    ("phrase", "code"),
    [
        (" ".join(["abandon"] * 11 + ["abut"]), "account.bad_mnemonic_word"),
        (" ".join(["abandon"] * 11 + ["About"]), "account.bad_mnemonic_word"),
        (" ".join(["abandon"] * 11), "account.bad_mnemonic_length"),
        ("", "account.bad_mnemonic_length"),
        (" ".join(["abandon"] * 12), "account.bad_mnemonic_checksum"),
        (" ".join(["zoo"] * 24), "account.bad_mnemonic_checksum"),
    ],
)
def test_bad_mnemonics_are_typed_errors(phrase: str, code: str) -> None:
    with pytest.raises(AccountError) as info:
        bip39.mnemonic_to_seed(phrase)
    assert info.value.code == code


@given(st.text(max_size=200))
def test_any_text_is_a_mnemonic_or_a_typed_error(text: str) -> None:
    try:
        entropy = bip39.mnemonic_to_entropy(text)
    except AccountError as exc:
        assert exc.code.startswith("account.bad_mnemonic_")
    else:
        assert bip39.entropy_to_mnemonic(entropy) == " ".join(text.split())


def test_entropy_of_bad_length_is_rejected() -> None:
    with pytest.raises(EncodingError):
        bip39.entropy_to_mnemonic(bytes(17))


# --- SLIP-10 (core/src/slip10/mod.rs, ed25519 derivation) ---------------------------------

H = slip10.HARDENED
SLIP10_SEED_1 = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
SLIP10_SEED_2 = bytes.fromhex(
    "fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a2"
    "9f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542"
)


@pytest.mark.parametrize(
    ("seed", "path", "key"),
    [  # SLIP-0010 test vectors 1 and 2 for ed25519 (also the inputs of core/slip10_key.json)
        (SLIP10_SEED_1, (), "2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7"),
        (SLIP10_SEED_1, (0,), "68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3"),
        (SLIP10_SEED_1, (0, 1, 2, 2, 1000000000),
         "8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793"),
        (SLIP10_SEED_2, (), "171cb88b1b3c1db25add599712e36245d75bc65a1a5c9e18d76f9f2b1eab4012"),
        (SLIP10_SEED_2, (0, 2147483647, 1, 2147483646, 2),
         "551d333177df541ad876a60ea71f00447931c0a9da16f227c11ea080d7391b8d"),
    ],
)
def test_slip10_ed25519_reference_vectors(seed: bytes, path: tuple[int, ...], key: str) -> None:
    assert slip10.derive_ed25519_private_key(seed, tuple(i | H for i in path)).hex() == key


def test_wallet_path_is_bip44_mobilecoin() -> None:
    assert slip10.wallet_path(5) == (44 | H, 866 | H, 5 | H)


@pytest.mark.parametrize("index", [-1, 2**31, 2**64])
def test_account_index_out_of_range_is_rejected(index: int) -> None:
    with pytest.raises(AccountError) as info:
        slip10.wallet_path(index)
    assert info.value.code == "account.bad_account_index"


def test_non_hardened_path_is_rejected() -> None:
    with pytest.raises(AccountError):
        slip10.derive_ed25519_private_key(SLIP10_SEED_1, (0,))


def test_view_and_spend_okm_are_hkdf_sha512_with_distinct_salts() -> None:
    key = bytes(range(32))
    prk = hmac.new(b"mobilecoin-ristretto255-view", key, hashlib.sha512).digest()
    assert slip10.view_okm(key) == hmac.new(prk, b"\x01", hashlib.sha512).digest()
    assert slip10.spend_okm(key) != slip10.view_okm(key)
    spend, view = slip10.keys_from_slip10_key(key)
    assert view.value == int.from_bytes(slip10.view_okm(key), "little") % L
    with pytest.raises(EncodingError):
        slip10.keys_from_slip10_key(bytes(31))
