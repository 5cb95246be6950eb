"""Typed memo payloads (MobileCoin ``transaction/extra/src/memo/``, MCIP #3 framework).

A TxOut's decrypted :class:`~refimpl.transaction.memo.MemoPayload` is two type bytes and 64
data bytes; :func:`decode_memo` turns it into one of the typed memos below (``MemoType::
try_from``). Every typed memo has ``MEMO_TYPE``, ``from_memo_data``, ``to_memo_data`` and
``to_payload``. Implemented here: 0x0000 Unused, 0x0001 BurnRedemption, 0x0100/0x0101/0x0102
authenticated sender memos, 0x0200/0x0203/0x0204 destination memos. The other registered
types (0x0002 gift code sender, 0x0003 defragmentation, 0x0103 sender with data, 0x0201/0x0202
gift code funding/cancellation, 0x0205 destination with data) are not implemented yet and
decode as ``tx.memo_unknown_type``.
"""

from __future__ import annotations

from refimpl.errors import TxError
from refimpl.transaction.memo import MemoPayload
from refimpl.transaction.memos.authenticated_sender import (
    AuthenticatedSenderMemo,
    AuthenticatedSenderWithPaymentIntentIdMemo,
    AuthenticatedSenderWithPaymentRequestIdMemo,
)
from refimpl.transaction.memos.basic import BurnRedemptionMemo, UnusedMemo
from refimpl.transaction.memos.credential import SenderMemoCredential
from refimpl.transaction.memos.destination import (
    DestinationMemo,
    DestinationWithPaymentIntentIdMemo,
    DestinationWithPaymentRequestIdMemo,
)

MemoType = (
    UnusedMemo
    | BurnRedemptionMemo
    | AuthenticatedSenderMemo
    | AuthenticatedSenderWithPaymentRequestIdMemo
    | AuthenticatedSenderWithPaymentIntentIdMemo
    | DestinationMemo
    | DestinationWithPaymentRequestIdMemo
    | DestinationWithPaymentIntentIdMemo
)

MEMO_TYPES: dict[bytes, type[MemoType]] = {
    cls.MEMO_TYPE: cls
    for cls in (
        UnusedMemo,
        BurnRedemptionMemo,
        AuthenticatedSenderMemo,
        AuthenticatedSenderWithPaymentRequestIdMemo,
        AuthenticatedSenderWithPaymentIntentIdMemo,
        DestinationMemo,
        DestinationWithPaymentRequestIdMemo,
        DestinationWithPaymentIntentIdMemo,
    )
}


def decode_memo(payload: MemoPayload) -> MemoType:
    """``MemoType::try_from(&MemoPayload)``; ``tx.memo_unknown_type`` for other type bytes."""
    cls = MEMO_TYPES.get(payload.memo_type)
    if cls is None:
        raise TxError(
            "tx.memo_unknown_type",
            f"memo type {payload.memo_type.hex()} is unknown or not implemented here",
        )
    return cls.from_memo_data(payload.memo_data)


__all__ = [
    "MEMO_TYPES",
    "AuthenticatedSenderMemo",
    "AuthenticatedSenderWithPaymentIntentIdMemo",
    "AuthenticatedSenderWithPaymentRequestIdMemo",
    "BurnRedemptionMemo",
    "DestinationMemo",
    "DestinationWithPaymentIntentIdMemo",
    "DestinationWithPaymentRequestIdMemo",
    "MemoType",
    "SenderMemoCredential",
    "UnusedMemo",
    "decode_memo",
]
