"""Which block each ingress key has delivered, and up to which block a view store is complete.

MobileCoin ``fog/view/server/src/block_tracker.rs`` (``BlockTracker``). Every ingress key must
provide every block of its range (``IngressPublicKeyRecord.get_block_range``: active keys
``[start, 2^64-1)``, retired keys ``[start, pubkey_expiry)``, lost keys
``[start, last_scanned + 1)``). The highest fully processed block count is the largest ``n``
such that, for every block below ``n``, each key responsible for it has delivered it; it never
exceeds the highest block count seen, and only keys whose range overlaps the store's epoch
count.
"""

from __future__ import annotations

import attrs

from refimpl.fog.recovery_db.types import IngressPublicKeyRecord
from refimpl.fog.view.sharding import EpochShardingStrategy


@attrs.frozen
class Progress:
    """The highest fully processed block count, and the key that stops it going further
    (``None`` when every known block is processed)."""

    highest_processed_block_count: int
    blocked_on: IngressPublicKeyRecord | None


class BlockTracker:
    """The last block processed per ingress key (not thread-safe)."""

    def __init__(self, sharding: EpochShardingStrategy | None = None) -> None:
        self.sharding = sharding or EpochShardingStrategy()
        self._processed: dict[bytes, int] = {}
        self._highest_processed_block_count = 0

    def last_processed(self, ingress_key: bytes) -> int | None:
        return self._processed.get(ingress_key)

    def next_blocks(self, records: list[IngressPublicKeyRecord]) -> dict[bytes, int]:
        """``next_blocks``: for each key that still covers it, the next block to load."""
        wanted: dict[bytes, int] = {}
        for record in records:
            last = self._processed.get(record.key)
            block = record.status.start_block if last is None else last + 1
            if record.covers_block_index(block):
                wanted[record.key] = block
        return wanted

    def block_processed(self, ingress_key: bytes, block_index: int) -> bool:
        """Record that ``ingress_key`` delivered ``block_index`` (its blocks arrive in order);
        return whether the block is in this store's epoch."""
        previous = self._processed.get(ingress_key)
        if previous is not None and block_index != previous + 1:
            raise AssertionError(
                f"ingress key skipped from block {previous} to {block_index}")
        self._processed[ingress_key] = block_index
        return self.sharding.should_process_block(block_index)

    def highest_known_block_count(self) -> int:
        """One more than the highest block delivered by any key (0 if none)."""
        return max((index + 1 for index in self._processed.values()), default=0)

    def highest_fully_processed_block_count(
            self, records: list[IngressPublicKeyRecord]) -> Progress:
        """``highest_fully_processed_block_count``: advance as far as every responsible key
        has delivered; the count never goes back."""
        known = self.highest_known_block_count()
        epoch = self.sharding.epoch_block_range
        blocked_on: IngressPublicKeyRecord | None = None
        while self._highest_processed_block_count < known:
            next_index = self._highest_processed_block_count
            for record in records:
                responsible = (record.get_block_range().overlaps(epoch)
                               and record.covers_block_index(next_index))
                if not responsible:
                    continue
                last = self._processed.get(record.key)
                if last is None or last < next_index:
                    blocked_on = record
                    break
            if blocked_on is not None:
                break
            self._highest_processed_block_count = next_index + 1
        return Progress(self._highest_processed_block_count, blocked_on)
