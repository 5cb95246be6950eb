"""BIP-39 mnemonics: phrase <-> entropy, and phrase -> 64-byte seed.

MobileCoin uses tiny-bip39 1.0 with the English word list and always an empty passphrase
(``core/src/slip10/mod.rs``, BIP-39 mnemonic to seed). The seed is
``PBKDF2-HMAC-SHA512(password=NFKD(phrase), salt="mnemonic", 2048 iterations, 64 bytes)``.
The checksum is the first ``len(entropy)*8/32`` bits of ``SHA-256(entropy)`` (BIP-39).
Only the word list comes from the ``mnemonic`` package; the checks are ours, so every
rejection is a typed :class:`AccountError`.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import cache

from mnemonic import Mnemonic

from refimpl.errors import AccountError, EncodingError

WORD_COUNTS = (12, 15, 18, 21, 24)
ENTROPY_LENGTHS = (16, 20, 24, 28, 32)
PBKDF2_ROUNDS = 2048
SEED_LENGTH = 64


@cache
def _wordlist() -> tuple[tuple[str, ...], dict[str, int]]:
    words = tuple(Mnemonic("english").wordlist)
    if len(words) != 2048:  # pragma: no cover - a broken install of the mnemonic package
        raise RuntimeError("the BIP-39 English word list must have 2048 words")
    return words, {w: i for i, w in enumerate(words)}


def split_phrase(phrase: str) -> list[str]:
    """The words of a phrase, separated by any whitespace."""
    return phrase.split()


def mnemonic_to_entropy(phrase: str) -> bytes:
    """Check a phrase (word list, length, checksum) and return the entropy it encodes."""
    words = split_phrase(phrase)
    if len(words) not in WORD_COUNTS:
        raise AccountError(
            "account.bad_mnemonic_length",
            f"a mnemonic has 12, 15, 18, 21 or 24 words, got {len(words)}",
        )
    _, index = _wordlist()
    bits = 0
    for position, word in enumerate(words, start=1):
        if word not in index:
            raise AccountError(  # the word itself is not echoed: phrases are secrets
                "account.bad_mnemonic_word",
                f"word {position} is not in the BIP-39 English word list",
            )
        bits = (bits << 11) | index[word]
    total_bits = 11 * len(words)
    checksum_bits = total_bits // 33
    entropy_bits = total_bits - checksum_bits
    entropy = (bits >> checksum_bits).to_bytes(entropy_bits // 8, "big")
    checksum = bits & ((1 << checksum_bits) - 1)
    if _checksum(entropy) != checksum:
        raise AccountError("account.bad_mnemonic_checksum", "the mnemonic checksum does not match")
    return entropy


def entropy_to_mnemonic(entropy: bytes) -> str:
    """The English phrase for 16, 20, 24, 28 or 32 bytes of entropy."""
    if len(entropy) not in ENTROPY_LENGTHS:
        raise EncodingError(
            "encoding.bad_length",
            f"BIP-39 entropy must be 16, 20, 24, 28 or 32 bytes, got {len(entropy)}",
        )
    checksum_bits = len(entropy) * 8 // 32
    bits = (int.from_bytes(entropy, "big") << checksum_bits) | _checksum(entropy)
    words, _ = _wordlist()
    count = (len(entropy) * 8 + checksum_bits) // 11
    return " ".join(words[(bits >> (11 * (count - 1 - i))) & 0x7FF] for i in range(count))


def _checksum(entropy: bytes) -> int:
    checksum_bits = len(entropy) * 8 // 32
    return hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)


def mnemonic_to_seed(phrase: str) -> bytes:
    """Validate the phrase, then return its 64-byte BIP-39 seed (empty passphrase)."""
    mnemonic_to_entropy(phrase)
    normalized = unicodedata.normalize("NFKD", " ".join(split_phrase(phrase)))
    return hashlib.pbkdf2_hmac(
        "sha512", normalized.encode("utf-8"), b"mnemonic", PBKDF2_ROUNDS, SEED_LENGTH
    )
