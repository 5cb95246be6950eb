"""Field checks shared by the typed memos (lengths and integer ranges raise typed errors)."""

from __future__ import annotations

from refimpl.errors import EncodingError, TxError
from refimpl.transaction.memo import MEMO_DATA_LEN, MEMO_TYPE_LEN, MemoPayload

SHORT_ADDRESS_HASH_LEN = 16
U64_MAX = 2**64 - 1
#: Fees in memos are written in 7 bytes: the high byte of the u64 must be zero.
MEMO_FEE_MAX = 2**56 - 1


def check_length(value: bytes, size: int, what: str) -> bytes:
    if len(value) != size:
        raise EncodingError("encoding.bad_length", f"{what} must be {size} bytes, got {len(value)}")
    return bytes(value)


def check_memo_data(data: bytes) -> bytes:
    return check_length(data, MEMO_DATA_LEN, "memo data")


def check_address_hash(value: bytes) -> bytes:
    return check_length(value, SHORT_ADDRESS_HASH_LEN, "a short address hash")


def check_uint(value: int, bits: int, what: str) -> int:
    if not 0 <= value < 2**bits:
        raise EncodingError("encoding.integer_out_of_range", f"{what} must fit in {bits} bits")
    return value


def check_fee(fee: int) -> int:
    """``set_fee``: the fee must fit in 7 bytes (``DestinationMemoError::FeeTooLarge``)."""
    check_uint(fee, 64, "fee")
    if fee > MEMO_FEE_MAX:
        raise TxError("tx.memo_fee_too_large", f"fee {fee} does not fit in 56 bits")
    return fee


def check_memo_type(payload: MemoPayload, memo_type: bytes, name: str) -> bytes:
    """The payload's 64 data bytes, once its type bytes are ``memo_type``."""
    if payload.memo_type != memo_type:
        raise TxError(
            "tx.memo_wrong_type",
            f"{name} has type {memo_type.hex()}, the payload has {payload.memo_type.hex()}",
        )
    assert len(memo_type) == MEMO_TYPE_LEN
    return payload.memo_data
