"""The HMAC of "category 1" (0x01xx, authenticated sender) memos.

MobileCoin ``crypto/memo-mac/src/lib.rs`` ``compute_category1_hmac`` (MCIP #4): ``HMAC-SHA512(key =
shared secret, msg = "mc-memo-mac" || tx_out_public_key (32, compressed) || memo_type (2) ||
memo_data[0:48])`` truncated to its first 16 bytes.
"""

from __future__ import annotations

import hashlib
import hmac

from refimpl.crypto.hashing import MEMO_MAC_PREFIX
from refimpl.errors import EncodingError

MEMO_MAC_LEN = 16
_MAC_INPUT_DATA_LEN = 48


def compute_category1_hmac(
    shared_secret: bytes, tx_out_public_key: bytes, memo_type: bytes, memo_data_sans_mac: bytes
) -> bytes:
    """The 16-byte MAC binding a memo's first 48 data bytes to one TxOut public key."""
    for value, size, what in (
        (shared_secret, 32, "shared secret"),
        (tx_out_public_key, 32, "TxOut public key"),
        (memo_type, 2, "memo type"),
        (memo_data_sans_mac, _MAC_INPUT_DATA_LEN, "memo data without its MAC"),
    ):
        if len(value) != size:
            raise EncodingError(
                "encoding.bad_length", f"the {what} must be {size} bytes, got {len(value)}"
            )
    message = MEMO_MAC_PREFIX + tx_out_public_key + memo_type + memo_data_sans_mac
    return hmac.new(shared_secret, message, hashlib.sha512).digest()[:MEMO_MAC_LEN]
