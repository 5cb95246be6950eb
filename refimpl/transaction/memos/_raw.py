"""The common base of memos held as their 64 raw data bytes (typed views read fields from them).

Each subclass names its two-byte ``MEMO_TYPE``; decoding checks the type and the length
(MobileCoin's ``RegisteredMemoType`` impls in ``transaction/extra/src/memo/``).
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

import attrs

from refimpl.transaction.memo import MemoPayload
from refimpl.transaction.memos._fields import check_memo_data, check_memo_type

_Memo = TypeVar("_Memo", bound="RawDataMemo")


@attrs.frozen
class RawDataMemo:
    """A memo whose state is exactly its 64 data bytes."""

    memo_data: bytes = attrs.field(converter=check_memo_data)

    MEMO_TYPE: ClassVar[bytes]

    @classmethod
    def from_memo_data(cls: type[_Memo], data: bytes) -> _Memo:
        return cls(data)

    @classmethod
    def from_payload(cls: type[_Memo], payload: MemoPayload) -> _Memo:
        return cls(check_memo_type(payload, cls.MEMO_TYPE, cls.__name__))

    def to_memo_data(self) -> bytes:
        return self.memo_data

    def to_payload(self) -> MemoPayload:
        return MemoPayload.new(self.MEMO_TYPE, self.memo_data)
