"""Epoch sharding: which blocks a view store loads and when it may answer.

MobileCoin ``fog/view/server/src/sharding_strategy.rs`` (``EpochShardingStrategy``): a store
is configured with a block range (``"START-END"``, or ``"default"`` for ``[0, 2^64 - 1)``); it
loads only the records of blocks in that range, and a store whose range does not start at block
0 answers ``NOT_READY`` until it has loaded at least one block.
"""

from __future__ import annotations

import attrs

from refimpl.errors import FogError, RefImplError
from refimpl.fog.types import U64_MAX, BlockRange

DEFAULT_EPOCH = BlockRange(0, U64_MAX)


@attrs.frozen
class EpochShardingStrategy:
    """``EpochShardingStrategy``: the half-open block range one store serves."""

    epoch_block_range: BlockRange = DEFAULT_EPOCH

    def should_process_block(self, block_index: int) -> bool:
        return self.epoch_block_range.contains(block_index)

    def is_first_epoch(self) -> bool:
        return self.epoch_block_range.start_block == 0

    def is_ready_to_serve_tx_outs(self, processed_block_count: int) -> bool:
        """The first epoch serves at once; a later one after it loaded a block."""
        return self.is_first_epoch() or processed_block_count >= 1

    def __str__(self) -> str:
        return str(self.epoch_block_range)

    @classmethod
    def parse(cls, text: str) -> EpochShardingStrategy:
        """``"default"`` or ``"START-END"``; anything else is ``fog.view_bad_config``."""
        if text == "default":
            return cls()
        try:
            return cls(BlockRange.parse(text))
        except RefImplError as exc:
            raise FogError("fog.view_bad_config",
                           f"sharding strategy {text!r}: {exc.message}") from exc
