"""Destination memos (category 0x02, written by the sender to itself on the change output):
0x0200, 0x0203, 0x0204 and 0x0205.

MobileCoin ``transaction/extra/src/memo/``: ``destination.rs``,
``destination_with_payment_request_id.rs``, ``destination_with_payment_intent_id.rs`` and
``destination_with_data.rs`` (MCIP #4, #54, #60). Layout of the 64
data bytes:

* [0:16] the recipient's ShortAddressHash; [16] the number of recipients (u8);
* [17:24] the fee, the low 7 bytes of a big-endian u64 (``compute_destination_memo`` writes the
  8-byte fee over [16:24] and then overwrites byte 16, so fees of 2^56 or more are refused with
  ``FeeTooLarge``);
* [24:32] total outlay (BE u64); [32:40] the payment request / intent id (BE u64) for
  0x0203 / 0x0204, the rest zero; or [32:64] application data for 0x0205.

Decoding, like MobileCoin's ``From<&[u8; 64]>``, reads these fields and ignores the unused
bytes. MobileCoin validates a destination memo only by checking that its TxOut belongs to the
change subaddress; :meth:`check_address_hash` is the further check that the memo names the
recipient a wallet expects.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

import attrs

from refimpl.errors import TxError
from refimpl.transaction.memo import MEMO_DATA_LEN, MemoPayload
from refimpl.transaction.memos._fields import (
    SHORT_ADDRESS_HASH_LEN,
    check_address_hash,
    check_fee,
    check_length,
    check_memo_data,
    check_memo_type,
    check_uint,
)

_NUM_RECIPIENTS_AT = SHORT_ADDRESS_HASH_LEN  # 16
_OUTLAY = slice(24, 32)
_ID = slice(32, 40)

_Memo = TypeVar("_Memo", bound="DestinationMemo")


def _u64(value: int) -> int:
    return check_uint(value, 64, "a destination memo amount or id")


def _u8(value: int) -> int:
    return check_uint(value, 8, "the number of recipients")


@attrs.frozen
class DestinationMemo:
    """0x0200: recipient hash, number of recipients, fee and total outlay."""

    address_hash: bytes = attrs.field(converter=check_address_hash)
    num_recipients: int = attrs.field(converter=_u8)
    fee: int = attrs.field(converter=check_fee)
    total_outlay: int = attrs.field(converter=_u64)

    MEMO_TYPE: ClassVar[bytes] = b"\x02\x00"

    @classmethod
    def new(cls, address_hash: bytes, total_outlay: int, fee: int) -> DestinationMemo:
        """``DestinationMemo::new``: one recipient; ``tx.memo_fee_too_large`` past 56 bits."""
        return cls(address_hash, 1, fee, total_outlay)

    def _tail(self) -> bytes:
        """Bytes [32:64]: unused (zero) in 0x0200."""
        return bytes(MEMO_DATA_LEN - _ID.start)

    def to_memo_data(self) -> bytes:
        """``compute_destination_memo``."""
        return (
            self.address_hash
            + bytes([self.num_recipients])
            + self.fee.to_bytes(8, "big")[1:]
            + self.total_outlay.to_bytes(8, "big")
            + self._tail()
        )

    @staticmethod
    def _fields(data: bytes) -> tuple[bytes, int, int, int]:
        data = check_memo_data(data)
        return (
            data[:SHORT_ADDRESS_HASH_LEN],
            data[_NUM_RECIPIENTS_AT],
            int.from_bytes(data[_NUM_RECIPIENTS_AT + 1 : _OUTLAY.start], "big"),
            int.from_bytes(data[_OUTLAY], "big"),
        )

    @classmethod
    def from_memo_data(cls, data: bytes) -> DestinationMemo:
        address_hash, num_recipients, fee, total_outlay = cls._fields(data)
        return cls(address_hash, num_recipients, fee, total_outlay)

    @classmethod
    def from_payload(cls: type[_Memo], payload: MemoPayload) -> _Memo:
        memo = cls.from_memo_data(check_memo_type(payload, cls.MEMO_TYPE, cls.__name__))
        assert isinstance(memo, cls)
        return memo

    def to_payload(self) -> MemoPayload:
        return MemoPayload.new(self.MEMO_TYPE, self.to_memo_data())

    def check_address_hash(self, expected_address_hash: bytes) -> None:
        """Raise ``tx.memo_address_hash_mismatch`` unless the memo names this recipient."""
        if check_address_hash(expected_address_hash) != self.address_hash:
            raise TxError(
                "tx.memo_address_hash_mismatch",
                "the destination memo names another recipient address hash",
            )


@attrs.frozen
class DestinationWithPaymentRequestIdMemo(DestinationMemo):
    """0x0203: a destination memo with the payment request id in [32:40]."""

    payment_request_id: int = attrs.field(default=0, converter=_u64)

    MEMO_TYPE: ClassVar[bytes] = b"\x02\x03"

    @classmethod
    def new_with_id(
        cls, address_hash: bytes, total_outlay: int, fee: int, payment_request_id: int
    ) -> DestinationWithPaymentRequestIdMemo:
        return cls(address_hash, 1, fee, total_outlay, payment_request_id)

    def _tail(self) -> bytes:
        return self.payment_request_id.to_bytes(8, "big") + bytes(MEMO_DATA_LEN - _ID.stop)

    @classmethod
    def from_memo_data(cls, data: bytes) -> DestinationWithPaymentRequestIdMemo:
        address_hash, num_recipients, fee, total_outlay = cls._fields(data)
        payment_id = int.from_bytes(data[_ID], "big")
        return cls(address_hash, num_recipients, fee, total_outlay, payment_id)


@attrs.frozen
class DestinationWithPaymentIntentIdMemo(DestinationMemo):
    """0x0204: a destination memo with the payment intent id in [32:40]."""

    payment_intent_id: int = attrs.field(default=0, converter=_u64)

    MEMO_TYPE: ClassVar[bytes] = b"\x02\x04"

    @classmethod
    def new_with_id(
        cls, address_hash: bytes, total_outlay: int, fee: int, payment_intent_id: int
    ) -> DestinationWithPaymentIntentIdMemo:
        return cls(address_hash, 1, fee, total_outlay, payment_intent_id)

    def _tail(self) -> bytes:
        return self.payment_intent_id.to_bytes(8, "big") + bytes(MEMO_DATA_LEN - _ID.stop)

    @classmethod
    def from_memo_data(cls, data: bytes) -> DestinationWithPaymentIntentIdMemo:
        address_hash, num_recipients, fee, total_outlay = cls._fields(data)
        payment_id = int.from_bytes(data[_ID], "big")
        return cls(address_hash, num_recipients, fee, total_outlay, payment_id)


def _data32(value: bytes) -> bytes:
    return check_length(value, MEMO_DATA_LEN - _ID.start, "destination memo data")


@attrs.frozen
class DestinationWithDataMemo(DestinationMemo):
    """0x0205: a destination memo with 32 bytes of application data in [32:64]."""

    data: bytes = attrs.field(default=bytes(32), converter=_data32)

    MEMO_TYPE: ClassVar[bytes] = b"\x02\x05"

    @classmethod
    def new_with_data(
        cls, address_hash: bytes, total_outlay: int, fee: int, data: bytes
    ) -> DestinationWithDataMemo:
        return cls(address_hash, 1, fee, total_outlay, data)

    def _tail(self) -> bytes:
        return self.data

    @classmethod
    def from_memo_data(cls, data: bytes) -> DestinationWithDataMemo:
        address_hash, num_recipients, fee, total_outlay = cls._fields(data)
        return cls(address_hash, num_recipients, fee, total_outlay, data[_ID.start :])
