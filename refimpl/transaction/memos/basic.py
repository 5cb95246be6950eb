"""Category 0x00 memos without structure: 0x0000 Unused and 0x0001 BurnRedemption.

MobileCoin ``transaction/extra/src/memo/unused.rs`` (all zero; decoding ignores the data) and
``burn_redemption.rs`` (MCIP #39: 64 opaque bytes for the bridge that redeems burned tokens).
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from refimpl.transaction.memo import MEMO_DATA_LEN, MemoPayload
from refimpl.transaction.memos._fields import check_memo_data, check_memo_type
from refimpl.transaction.memos._raw import RawDataMemo


@attrs.frozen
class UnusedMemo:
    """0x0000: the default memo, 64 zero bytes."""

    MEMO_TYPE: ClassVar[bytes] = b"\x00\x00"

    @classmethod
    def from_memo_data(cls, data: bytes) -> UnusedMemo:
        check_memo_data(data)
        return cls()

    @classmethod
    def from_payload(cls, payload: MemoPayload) -> UnusedMemo:
        return cls.from_memo_data(check_memo_type(payload, cls.MEMO_TYPE, cls.__name__))

    def to_memo_data(self) -> bytes:
        return bytes(MEMO_DATA_LEN)

    def to_payload(self) -> MemoPayload:
        return MemoPayload.new(self.MEMO_TYPE, self.to_memo_data())


@attrs.frozen
class BurnRedemptionMemo(RawDataMemo):
    """0x0001: 64 bytes chosen by the burner (e.g. a destination on another chain)."""

    MEMO_TYPE: ClassVar[bytes] = b"\x00\x01"
