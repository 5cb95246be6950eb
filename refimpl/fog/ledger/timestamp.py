"""Block timestamps with the watcher's result code.

MobileCoin ``watcher/api/src/timestamp.rs`` (``TimestampResultCode``) and
``fog/block_provider/src/local.rs`` (``get_block_timestamp``: ``(u64::MAX, Unavailable)`` when
no timestamp can be had). Here a block's timestamp is its signature's ``signed_at``
(:class:`refimpl.fog.block_source.BlockSource`), unknown for a block stored without one.
"""

from __future__ import annotations

import enum

from refimpl.fog.block_source import TIMESTAMP_UNKNOWN


class TimestampResultCode(enum.IntEnum):
    """``mc_watcher_api::TimestampResultCode``."""

    TIMESTAMP_FOUND = 1
    WATCHER_BEHIND = 2
    UNAVAILABLE = 3
    WATCHER_DATABASE_ERROR = 4
    BLOCK_INDEX_OUT_OF_BOUNDS = 5


def timestamp_result_code(timestamp: int) -> TimestampResultCode:
    """Found for a known timestamp; ``Unavailable`` for :data:`TIMESTAMP_UNKNOWN` (a block
    without a signature will never get one)."""
    if timestamp == TIMESTAMP_UNKNOWN:
        return TimestampResultCode.UNAVAILABLE
    return TimestampResultCode.TIMESTAMP_FOUND
