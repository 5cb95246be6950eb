"""Typed memo payloads (MobileCoin ``transaction/extra/src/memo/``, MCIP #3 framework).

A TxOut's decrypted :class:`~refimpl.transaction.memo.MemoPayload` is two type bytes and 64
data bytes; :func:`decode_memo` turns it into one of the typed memos below (``MemoType::
try_from``). Every typed memo has ``MEMO_TYPE``, ``from_memo_data``, ``to_memo_data`` and
``to_payload``. All fourteen types MobileCoin registers (``memo/mod.rs`` ``impl_memo_enum!``):

* 0x0000 Unused, 0x0001 BurnRedemption (:mod:`.basic`), 0x0002 GiftCodeSender,
  0x0201 GiftCodeFunding, 0x0202 GiftCodeCancellation (:mod:`.gift_code`),
  0x0003 Defragmentation (:mod:`.defragmentation`);
* 0x0100 AuthenticatedSender, 0x0101 ...WithPaymentRequestId, 0x0102 ...WithPaymentIntentId,
  0x0103 ...WithData (:mod:`.authenticated_sender`);
* 0x0200 Destination, 0x0203 ...WithPaymentRequestId, 0x0204 ...WithPaymentIntentId,
  0x0205 ...WithData (:mod:`.destination`).

Other type bytes decode as ``tx.memo_unknown_type`` (``MemoDecodingError::UnknownMemoType``).
"""

from __future__ import annotations

from refimpl.errors import TxError
from refimpl.transaction.memo import MemoPayload
from refimpl.transaction.memos.authenticated_sender import (
    AuthenticatedSenderMemo,
    AuthenticatedSenderWithDataMemo,
    AuthenticatedSenderWithPaymentIntentIdMemo,
    AuthenticatedSenderWithPaymentRequestIdMemo,
)
from refimpl.transaction.memos.basic import BurnRedemptionMemo, UnusedMemo
from refimpl.transaction.memos.credential import SenderMemoCredential
from refimpl.transaction.memos.defragmentation import DefragmentationMemo
from refimpl.transaction.memos.destination import (
    DestinationMemo,
    DestinationWithDataMemo,
    DestinationWithPaymentIntentIdMemo,
    DestinationWithPaymentRequestIdMemo,
)
from refimpl.transaction.memos.gift_code import (
    GiftCodeCancellationMemo,
    GiftCodeFundingMemo,
    GiftCodeSenderMemo,
)

MemoType = (
    UnusedMemo
    | BurnRedemptionMemo
    | GiftCodeSenderMemo
    | DefragmentationMemo
    | AuthenticatedSenderMemo
    | AuthenticatedSenderWithPaymentRequestIdMemo
    | AuthenticatedSenderWithPaymentIntentIdMemo
    | AuthenticatedSenderWithDataMemo
    | DestinationMemo
    | GiftCodeFundingMemo
    | GiftCodeCancellationMemo
    | DestinationWithPaymentRequestIdMemo
    | DestinationWithPaymentIntentIdMemo
    | DestinationWithDataMemo
)

MEMO_TYPES: dict[bytes, type[MemoType]] = {
    cls.MEMO_TYPE: cls
    for cls in (
        UnusedMemo,
        BurnRedemptionMemo,
        GiftCodeSenderMemo,
        DefragmentationMemo,
        AuthenticatedSenderMemo,
        AuthenticatedSenderWithPaymentRequestIdMemo,
        AuthenticatedSenderWithPaymentIntentIdMemo,
        AuthenticatedSenderWithDataMemo,
        DestinationMemo,
        GiftCodeFundingMemo,
        GiftCodeCancellationMemo,
        DestinationWithPaymentRequestIdMemo,
        DestinationWithPaymentIntentIdMemo,
        DestinationWithDataMemo,
    )
}


def decode_memo(payload: MemoPayload) -> MemoType:
    """``MemoType::try_from(&MemoPayload)``; ``tx.memo_unknown_type`` for other type bytes."""
    cls = MEMO_TYPES.get(payload.memo_type)
    if cls is None:
        raise TxError(
            "tx.memo_unknown_type",
            f"memo type {payload.memo_type.hex()} is not a registered memo type",
        )
    return cls.from_memo_data(payload.memo_data)


__all__ = [
    "MEMO_TYPES",
    "AuthenticatedSenderMemo",
    "AuthenticatedSenderWithDataMemo",
    "AuthenticatedSenderWithPaymentIntentIdMemo",
    "AuthenticatedSenderWithPaymentRequestIdMemo",
    "BurnRedemptionMemo",
    "DefragmentationMemo",
    "DestinationMemo",
    "DestinationWithDataMemo",
    "DestinationWithPaymentIntentIdMemo",
    "DestinationWithPaymentRequestIdMemo",
    "GiftCodeCancellationMemo",
    "GiftCodeFundingMemo",
    "GiftCodeSenderMemo",
    "MemoType",
    "SenderMemoCredential",
    "UnusedMemo",
    "decode_memo",
]
