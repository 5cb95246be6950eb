"""Memo payloads and their encryption under the TxOut shared secret.

MobileCoin ``transaction/core/src/memo.rs``:

* :class:`MemoPayload` = memo type (2 bytes) || memo data (64 bytes);
* keys: ``okm = HKDF-SHA512(salt "mc-memo-okm", ikm compress(ss), info "", 48)``,
  AES-256 key okm[0:32], initial counter block okm[32:48];
* cipher: AES-256 in ``Ctr64BE`` mode (RustCrypto ``ctr`` 0.9): bytes 0..8 of the counter block
  are fixed and bytes 8..16 are a big-endian 64-bit counter that wraps modulo 2^64. Python's
  ``modes.CTR`` carries into the upper half instead, so the keystream is built here from AES-ECB.

The typed memos carried in the 64 data bytes live in :mod:`refimpl.transaction.memos`.
Encryption and decryption are the same XOR. :class:`EncryptedMemo` hashes (digestible) as an
aggregate named "EncryptedMemo" with one field "0" (it is a non-transparent tuple struct).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from refimpl.crypto.hashing import MEMO_OKM_SALT, hkdf
from refimpl.crypto.ristretto import Point
from refimpl.errors import EncodingError

MEMO_PAYLOAD_LEN = 66
MEMO_TYPE_LEN = 2
MEMO_DATA_LEN = 64
_AES_BLOCK = 16


def _check_len(expected: int, what: str) -> Callable[[object, object, bytes], None]:
    def check(_instance: object, _attribute: object, value: bytes) -> None:
        if len(value) != expected:
            raise EncodingError(
                "encoding.bad_length", f"{what} must be {expected} bytes, got {len(value)}"
            )

    return check


def aes256_ctr64be_keystream(key: bytes, counter_block: bytes, length: int) -> bytes:
    """``length`` bytes of AES-256 ``Ctr64BE`` keystream starting at ``counter_block``.

    Block ``i`` is ``AES(key, counter_block[0:8] || BE64((c + i) mod 2^64))`` where ``c`` is
    the big-endian integer in ``counter_block[8:16]``.
    """
    if len(key) != 32 or len(counter_block) != _AES_BLOCK:
        raise EncodingError("encoding.bad_length", "AES-256-CTR needs a 32-byte key, 16-byte IV")
    prefix = counter_block[:8]
    start = int.from_bytes(counter_block[8:], "big")
    blocks = (length + _AES_BLOCK - 1) // _AES_BLOCK
    counters = b"".join(
        prefix + ((start + i) % 2**64).to_bytes(8, "big") for i in range(blocks)
    )
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return (encryptor.update(counters) + encryptor.finalize())[:length]


def _apply_keystream(data: bytes, shared_secret: Point) -> bytes:
    okm = hkdf("sha512", MEMO_OKM_SALT, shared_secret.to_bytes(), b"", 48)
    stream = aes256_ctr64be_keystream(okm[:32], okm[32:], len(data))
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


@attrs.frozen
class EncryptedMemo:
    """66 bytes of encrypted memo payload."""

    data: bytes = attrs.field(validator=_check_len(MEMO_PAYLOAD_LEN, "an encrypted memo"))

    DIGEST_NAME = b"EncryptedMemo"

    def decrypt(self, shared_secret: Point) -> MemoPayload:
        """``EncryptedMemo::decrypt``: never fails; a wrong key yields a garbage payload."""
        return MemoPayload(_apply_keystream(self.data, shared_secret))


@attrs.frozen
class MemoPayload:
    """A plaintext memo: type (2 bytes) then data (64 bytes). The default is all zeros."""

    data: bytes = attrs.field(
        default=bytes(MEMO_PAYLOAD_LEN),
        validator=_check_len(MEMO_PAYLOAD_LEN, "a memo payload"),
    )

    @classmethod
    def new(cls, memo_type: bytes, memo_data: bytes) -> MemoPayload:
        if len(memo_type) != MEMO_TYPE_LEN or len(memo_data) != MEMO_DATA_LEN:
            raise EncodingError("encoding.bad_length", "a memo is a 2-byte type and 64-byte data")
        return cls(memo_type + memo_data)

    @property
    def memo_type(self) -> bytes:
        return self.data[:MEMO_TYPE_LEN]

    @property
    def memo_data(self) -> bytes:
        return self.data[MEMO_TYPE_LEN:]

    def encrypt(self, shared_secret: Point) -> EncryptedMemo:
        """``MemoPayload::encrypt`` under the TxOut shared secret ``r*C``."""
        return EncryptedMemo(_apply_keystream(self.data, shared_secret))
