"""0x0003 Defragmentation memo (MCIP #61; ``transaction/extra/src/memo/defragmentation.rs``).

Written to both outputs of a defragmentation transaction (the change output with fee and
outlay 0). Layout of the 64 data bytes: [0:7] fee (low 7 bytes of a BE u64; at most 2^56-1),
[7:15] total outlay, [15:23] defragmentation id (BE u64 each), the rest zero. Decoding reads
these fields and ignores the rest.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from refimpl.transaction.memo import MEMO_DATA_LEN, MemoPayload
from refimpl.transaction.memos._fields import (
    check_fee,
    check_memo_data,
    check_memo_type,
    check_uint,
)


def _u64(value: int) -> int:
    return check_uint(value, 64, "a defragmentation amount or id")


@attrs.frozen
class DefragmentationMemo:
    """Fee, total outlay and the id grouping the transactions of one defragmentation."""

    fee: int = attrs.field(converter=check_fee)
    total_outlay: int = attrs.field(converter=_u64)
    defrag_id: int = attrs.field(default=0, converter=_u64)

    MEMO_TYPE: ClassVar[bytes] = b"\x00\x03"

    @classmethod
    def from_memo_data(cls, data: bytes) -> DefragmentationMemo:
        data = check_memo_data(data)
        return cls(
            int.from_bytes(data[0:7], "big"),
            int.from_bytes(data[7:15], "big"),
            int.from_bytes(data[15:23], "big"),
        )

    @classmethod
    def from_payload(cls, payload: MemoPayload) -> DefragmentationMemo:
        return cls.from_memo_data(check_memo_type(payload, cls.MEMO_TYPE, cls.__name__))

    def to_memo_data(self) -> bytes:
        head = (
            self.fee.to_bytes(8, "big")[1:]
            + self.total_outlay.to_bytes(8, "big")
            + self.defrag_id.to_bytes(8, "big")
        )
        return head + bytes(MEMO_DATA_LEN - len(head))

    def to_payload(self) -> MemoPayload:
        return MemoPayload.new(self.MEMO_TYPE, self.to_memo_data())
