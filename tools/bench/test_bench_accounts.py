"""Benchmarks of the account layer (run by `make bench`, not by `make test`).

Medians on the shared 2-core development machine (2026-11-22, `make bench`): root entropy ->
keys 13 us, mnemonic -> keys 2.1 ms (PBKDF2 dominates), subaddress keys 50 us (private path) and
120 us (public-only path), a fog-signed subaddress 11.7 ms (schnorrkel over the pure-Python
Merlin/Keccak), b58 encode 26 us, b58 decode 51 us, b58 decode + fog signature check 0.56 ms.
"""

from __future__ import annotations

from typing import Any

from refimpl.account import b58
from refimpl.account.keys import AccountKey

ENTROPY = bytes([1]) * 32
PHRASE = " ".join(["abandon"] * 11 + ["about"])
ACCOUNT = AccountKey.from_root_entropy(ENTROPY)
FOG_ACCOUNT = AccountKey.from_root_entropy(
    ENTROPY, "fog://example.com", "", b"\x30\x2a" + bytes(42)
)
ADDRESS = ACCOUNT.default_subaddress()
FOG_ADDRESS = FOG_ACCOUNT.default_subaddress()
ENCODED = b58.encode_public_address(ADDRESS)
FOG_ENCODED = b58.encode_public_address(FOG_ADDRESS)


def test_root_entropy_to_keys(benchmark: Any) -> None:
    account = benchmark(AccountKey.from_root_entropy, ENTROPY)
    assert account == ACCOUNT


def test_mnemonic_to_keys(benchmark: Any) -> None:  # PBKDF2-HMAC-SHA512, 2048 rounds
    account = benchmark(AccountKey.from_mnemonic, PHRASE, 0)
    assert account.view_private.hex().startswith("bc81a371")


def test_subaddress_keys(benchmark: Any) -> None:
    keys = benchmark(ACCOUNT.subaddress_keys, 12345)
    assert keys.index == 12345


def test_subaddress_public_only_path(benchmark: Any) -> None:
    view_only = ACCOUNT.view_account_key()
    address = benchmark(view_only.subaddress, 12345)
    assert address == ACCOUNT.subaddress(12345)


def test_fog_subaddress_with_signature(benchmark: Any) -> None:  # schnorrkel over Merlin
    address = benchmark(FOG_ACCOUNT.subaddress, 0)
    assert address == FOG_ADDRESS


def test_b58_encode(benchmark: Any) -> None:
    assert benchmark(b58.encode_public_address, ADDRESS) == ENCODED


def test_b58_decode(benchmark: Any) -> None:  # includes decompressing both points
    assert benchmark(b58.decode_public_address, ENCODED) == ADDRESS


def test_b58_decode_fog_and_verify(benchmark: Any) -> None:
    def decode_and_verify() -> None:
        b58.decode_public_address(FOG_ENCODED).verify_fog_authority(FOG_ACCOUNT.fog_authority_spki)

    benchmark(decode_and_verify)
