"""Gift code memos (MCIP #32): 0x0002 sender, 0x0201 funding, 0x0202 cancellation.

MobileCoin ``transaction/extra/src/memo/gift_code_sender.rs``, ``gift_code_funding.rs`` and
``gift_code_cancellation.rs``. All fees are 56-bit numbers
written as the low 7 bytes of a big-endian u64. Notes are UTF-8, read up to the first NUL
byte (or the end), and may fill their field exactly. Layouts of the 64 data bytes:

* 0x0002 (on the redeemer's change output): [0:7] fee, [7:64] note (<= 57 bytes);
* 0x0201 (on the funder's change output): [0:4] ``Blake2b512("mc-gift-funding-tx-pub-key" ||
  gift code TxOut public key)[0:4]``, [4:11] fee, [11:64] note (<= 53 bytes);
* 0x0202 (cancellation): [0:8] global index of the cancelled gift code TxOut (BE u64),
  [8:15] fee, the rest zero.

Decoding keeps the 64 bytes as they are (``From<&[u8; 64]>``); a note that is not UTF-8 is
reported when it is read (``encoding.bad_utf8``).
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from refimpl.crypto.hashing import GIFT_CODE_FUNDING_DOMAIN_TAG, blake2b512
from refimpl.crypto.ristretto import Point
from refimpl.errors import EncodingError
from refimpl.transaction.memo import MEMO_DATA_LEN
from refimpl.transaction.memos._fields import (
    check_fee,
    check_uint,
)
from refimpl.transaction.memos._raw import RawDataMemo

_FEE_LEN = 7
_FUNDING_HASH_LEN = 4
_FUNDING_NOTE_AT = _FUNDING_HASH_LEN + _FEE_LEN  # 11
_CANCEL_INDEX_LEN = 8

def _fee_bytes(fee: int) -> bytes:
    return check_fee(fee).to_bytes(8, "big")[1:]


def _note_bytes(note: str, room: int) -> bytes:
    raw = note.encode("utf-8")
    if len(raw) > room:
        raise EncodingError(
            "encoding.bad_length", f"a note holds at most {room} UTF-8 bytes, got {len(raw)}"
        )
    return raw


def _read_note(field: bytes) -> str:
    end = field.find(0)
    raw = field if end < 0 else field[:end]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError("encoding.bad_utf8", "the memo note is not UTF-8") from exc


def _pad(data: bytes) -> bytes:
    return data + bytes(MEMO_DATA_LEN - len(data))


def tx_out_public_key_short_hash(tx_out_public_key: Point) -> bytes:
    """The 4-byte tag of a gift code TxOut in its funding memo."""
    digest = blake2b512(GIFT_CODE_FUNDING_DOMAIN_TAG, tx_out_public_key.to_bytes())
    return digest[:_FUNDING_HASH_LEN]


@attrs.frozen
class GiftCodeSenderMemo(RawDataMemo):
    """0x0002: fee and note of a gift code redemption."""

    MEMO_TYPE: ClassVar[bytes] = b"\x00\x02"
    NOTE_LEN: ClassVar[int] = MEMO_DATA_LEN - _FEE_LEN  # 57

    @classmethod
    def new(cls, fee: int, note: str) -> GiftCodeSenderMemo:
        return cls(_pad(_fee_bytes(fee) + _note_bytes(note, cls.NOTE_LEN)))

    @property
    def fee(self) -> int:
        return int.from_bytes(self.memo_data[:_FEE_LEN], "big")

    def sender_note(self) -> str:
        return _read_note(self.memo_data[_FEE_LEN:])


@attrs.frozen
class GiftCodeFundingMemo(RawDataMemo):
    """0x0201: which TxOut funded a gift code, the fee, and a note."""

    MEMO_TYPE: ClassVar[bytes] = b"\x02\x01"
    NOTE_LEN: ClassVar[int] = MEMO_DATA_LEN - _FUNDING_NOTE_AT  # 53

    @classmethod
    def new(cls, tx_out_public_key: Point, fee: int, note: str) -> GiftCodeFundingMemo:
        head = tx_out_public_key_short_hash(tx_out_public_key) + _fee_bytes(fee)
        return cls(_pad(head + _note_bytes(note, cls.NOTE_LEN)))

    def public_key_matches(self, tx_out_public_key: Point) -> bool:
        return tx_out_public_key_short_hash(tx_out_public_key) == self.memo_data[:_FUNDING_HASH_LEN]

    @property
    def fee(self) -> int:
        return int.from_bytes(self.memo_data[_FUNDING_HASH_LEN:_FUNDING_NOTE_AT], "big")

    def funding_note(self) -> str:
        return _read_note(self.memo_data[_FUNDING_NOTE_AT:])


@attrs.frozen
class GiftCodeCancellationMemo(RawDataMemo):
    """0x0202: the global index of the cancelled gift code TxOut and the fee."""

    MEMO_TYPE: ClassVar[bytes] = b"\x02\x02"

    @classmethod
    def new(cls, global_index: int, fee: int) -> GiftCodeCancellationMemo:
        index = check_uint(global_index, 64, "a global index").to_bytes(8, "big")
        return cls(_pad(index + _fee_bytes(fee)))

    @property
    def cancelled_gift_code_index(self) -> int:
        return int.from_bytes(self.memo_data[:_CANCEL_INDEX_LEN], "big")

    @property
    def fee(self) -> int:
        fee_end = _CANCEL_INDEX_LEN + _FEE_LEN
        return int.from_bytes(self.memo_data[_CANCEL_INDEX_LEN:fee_end], "big")
