"""Reading a view store's records out of the recovery database.

MobileCoin ``fog/view/server/src/db_fetcher.rs`` (``DbFetcher``, ``DbFetcherThread``): load
every ingress key (lost and retired ones included), then, for each key, the records of its next
blocks in batches (``get_tx_outs_by_block_range_and_key``), in block order per key. Blocks
outside the store's epoch are fetched too (so the key's position advances) but not handed on.
MobileCoin runs this in its own thread with a bounded queue; here :meth:`DbFetcher.poll` is
called by the store's poll thread and hands back at most about :data:`MAX_QUEUED_RECORDS`
records per call.
"""

from __future__ import annotations

import logging

import attrs

from refimpl.errors import RefImplError
from refimpl.fog.recovery_db.iface import RecoveryDb
from refimpl.fog.recovery_db.types import IngressPublicKeyRecord, IngressPublicKeyRecordFilters
from refimpl.fog.types import BlockRange, ETxOutRecord
from refimpl.fog.view.block_tracker import BlockTracker
from refimpl.fog.view.sharding import EpochShardingStrategy

log = logging.getLogger("mcref.fog.view.db_fetcher")

#: ``MAX_QUEUED_RECORDS``: 128 MiB of 256-byte records.
MAX_QUEUED_RECORDS = (128 * 1024 * 1024) // 256
#: MobileCoin's default ``--block-query-batch-size``.
DEFAULT_BLOCK_QUERY_BATCH_SIZE = 1000
ALL_KEYS = IngressPublicKeyRecordFilters(should_include_lost_keys=True,
                                         should_include_retired_keys=True,
                                         should_only_include_unexpired_keys=False)


@attrs.frozen
class FetchedRecords:
    """The records one ingress key produced for one block of this store's epoch."""

    ingress_key: bytes
    block_index: int
    records: tuple[ETxOutRecord, ...]


class DbFetcher:
    """Fetches records block by block per ingress key (not thread-safe)."""

    def __init__(self, db: RecoveryDb, sharding: EpochShardingStrategy,
                 block_query_batch_size: int = DEFAULT_BLOCK_QUERY_BATCH_SIZE) -> None:
        if block_query_batch_size < 1:
            raise ValueError("block query batch size must be at least 1")
        self._db = db
        self._tracker = BlockTracker(sharding)
        self._batch = block_query_batch_size
        #: the ingress keys as last loaded (``get_highest_processed_block_context``)
        self.ingress_keys: list[IngressPublicKeyRecord] = []

    @property
    def tracker(self) -> BlockTracker:
        """The blocks every ingress key has delivered, inside this store's epoch or not."""
        return self._tracker

    def load_ingress_keys(self) -> None:
        """``load_ingress_keys``; a database failure keeps the previous list."""
        try:
            self.ingress_keys = self._db.get_ingress_key_records(0, ALL_KEYS)
        except RefImplError as err:
            log.warning("getting ingress keys failed: %s", err.one_line())

    def load_block_data(self, out: list[FetchedRecords]) -> bool:
        """``load_block_data``: one batch per key appended to ``out``; whether a batch came back
        full (there may be more)."""
        more = False
        for key, first in self._tracker.next_blocks(self.ingress_keys).items():
            try:
                blocks = self._db.get_tx_outs_by_block_range_and_key(
                    key, BlockRange(first, min(first + self._batch, 2**64 - 1)))
            except RefImplError as err:
                log.warning("fetching records of key %s from block %d failed: %s",
                            key.hex(), first, err.one_line())
                continue
            if len(blocks) == self._batch:
                more = True
            for offset, records in enumerate(blocks):
                index = first + offset
                if self._tracker.block_processed(key, index):
                    out.append(FetchedRecords(key, index, tuple(records)))
        return more

    def poll(self) -> list[FetchedRecords]:
        """Reload the keys, then fetch batches until nothing more is pending or about
        :data:`MAX_QUEUED_RECORDS` records are queued."""
        self.load_ingress_keys()
        fetched: list[FetchedRecords] = []
        while (self.load_block_data(fetched)
               and sum(len(f.records) for f in fetched) < MAX_QUEUED_RECORDS):
            pass
        return fetched
