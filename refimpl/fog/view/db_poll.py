"""The view store's poll loop: records from the recovery database into the enclave, and the
block counters every answer carries.

MobileCoin ``fog/view/server/src/server.rs`` (``DbPollThread``, ``DbPollThreadWorker::tick``,
``DbPollSharedState``): each tick takes the fetched records of this store's epoch, adds each
block's records to the enclave and tells a second :class:`BlockTracker` (so only blocks of the
epoch count); then it recomputes the highest fully processed block count over the ingress
keys, the signature timestamp of the last such block (kept as it was when the count is at most
1, as MobileCoin does), and the last known block count with its cumulative TxOut count.

Which blocks count (a deviation, docs/findings.md): MobileCoin's enclave block tracker learns
only of blocks inside the epoch (``db_fetcher.rs`` hands the worker nothing else), so when no
ingress key delivers the last blocks of a store's epoch (a key reported lost there, its
successor starting after the epoch) the store's count stops below its end for ever, and the
router lets it pass only in a query whose *new* user events include that missed range. Here
the count is computed over every block the fetcher walked, in the epoch or not, and capped at
the epoch's end; ``count_blocks_outside_epoch=False`` restores MobileCoin's rule.

A record the enclave refuses (a full map, a malformed record) stops the store from loading
anything more, as MobileCoin (which logs and sleeps for ever); :attr:`DbPollWorker.stalled`
holds the error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import attrs

from refimpl.errors import RefImplError
from refimpl.fog.recovery_db.iface import RecoveryDb
from refimpl.fog.view.block_tracker import BlockTracker
from refimpl.fog.view.db_fetcher import DEFAULT_BLOCK_QUERY_BATCH_SIZE, DbFetcher
from refimpl.fog.view.enclave import ViewEnclave
from refimpl.fog.view.sharding import EpochShardingStrategy

log = logging.getLogger("mcref.fog.view.db_poll")

#: MobileCoin's default ``--db-polling-interval-ms``.
DEFAULT_POLL_INTERVAL_S = 0.25


@attrs.frozen
class DbPollSharedState:
    """``DbPollSharedState``: the counters the query service reads."""

    highest_processed_block_count: int = 0
    highest_processed_block_signature_timestamp: int = 0
    last_known_block_count: int = 0
    last_known_block_cumulative_txo_count: int = 0
    #: blocks of this epoch added to the enclave (counted per ingress key)
    processed_block_count: int = 0


class DbPollWorker:
    """One store's loading state; :meth:`tick` runs one round. Thread-safe reads of
    :meth:`state`."""

    def __init__(self, db: RecoveryDb, enclave: ViewEnclave, sharding: EpochShardingStrategy,
                 block_query_batch_size: int = DEFAULT_BLOCK_QUERY_BATCH_SIZE, *,
                 count_blocks_outside_epoch: bool = True) -> None:
        self._db = db
        self._sharding = sharding
        self._count_blocks_outside_epoch = count_blocks_outside_epoch
        self._enclave = enclave
        self._fetcher = DbFetcher(db, sharding, block_query_batch_size)
        self._tracker = BlockTracker(sharding)
        self._lock = threading.Lock()
        self._state = DbPollSharedState()
        self.stalled: RefImplError | None = None

    def state(self) -> DbPollSharedState:
        with self._lock:
            return self._state

    def _update(self, **changes: int) -> None:
        with self._lock:
            self._state = attrs.evolve(self._state, **changes)

    def tick(self) -> None:
        """Fetch, add, recompute the counters."""
        if self.stalled is not None:
            return
        for fetched in self._fetcher.poll():
            try:
                self._enclave.add_records(fetched.records)
            except RefImplError as err:
                self.stalled = err
                log.critical("adding %d records of key %s block %d failed: %s; the store stops "
                             "loading", len(fetched.records), fetched.ingress_key.hex(),
                             fetched.block_index, err.one_line())
                return
            if self._tracker.block_processed(fetched.ingress_key, fetched.block_index):
                self._update(processed_block_count=self._state.processed_block_count + 1)
        tracker = self._fetcher.tracker if self._count_blocks_outside_epoch else self._tracker
        progress = tracker.highest_fully_processed_block_count(self._fetcher.ingress_keys)
        count = min(progress.highest_processed_block_count,
                    self._sharding.epoch_block_range.end_block)
        changes: dict[str, int] = {"highest_processed_block_count": count}
        timestamp = self._timestamp_of_block_count(count)
        if timestamp is not None:
            changes["highest_processed_block_signature_timestamp"] = timestamp
        known = self._tracker.highest_known_block_count()
        if known != self._state.last_known_block_count:
            cumulative = self._read(self._db.get_cumulative_txo_count_for_block, known - 1)
            if cumulative is not None:
                changes["last_known_block_count"] = known
                changes["last_known_block_cumulative_txo_count"] = cumulative
        self._update(**changes)

    def _timestamp_of_block_count(self, block_count: int) -> int | None:
        if block_count <= 1:
            return None
        return self._read(self._db.get_block_signature_timestamp_for_block, block_count - 1)

    @staticmethod
    def _read(getter: Callable[[int], int | None], block_index: int) -> int | None:
        try:
            return getter(block_index)
        except RefImplError as err:
            log.warning("reading block %d failed: %s", block_index, err.one_line())
            return None


class DbPollThread:
    """Runs a :class:`DbPollWorker` every ``interval_s`` until stopped; ``on_ready`` is called
    once, after the first round that completed (MobileCoin's readiness indicator: the store's
    health says serving once it has caught up with the database)."""

    def __init__(self, worker: DbPollWorker, interval_s: float = DEFAULT_POLL_INTERVAL_S,
                 on_ready: Callable[[], None] | None = None) -> None:
        self.worker = worker
        self.interval_s = interval_s
        self._on_ready = on_ready
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="fog-view-db-poll", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        ready = False
        while not self._stop.is_set():
            try:
                self.worker.tick()
            except Exception:  # keep polling: a database hiccup must not end the store
                log.exception("view store poll tick failed")
            else:
                if not ready and self._on_ready is not None:
                    self._on_ready()
                ready = True
            self._stop.wait(self.interval_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
