"""The loader: new blocks' key images from the node's ledger into the ledger enclave.

MobileCoin ``fog/ledger/server/src/db_fetcher.rs`` (``DbFetcherThread``): from block 0 on,
each block's key images go into the enclave's store with the block index and timestamp; after
each block the shared state (``DbPollSharedState``: the processed block count, the latest
block's cumulative TxOut count and version) advances; when no block is left the thread sleeps
for the poll interval. The service is ready while the loader is at most
:data:`BLOCKS_BEHIND` blocks behind the ledger. A failing load (the ledger not there yet, the
store full) is retried at the next poll, and the block is loaded again whole (writes
overwrite); MobileCoin retries the same way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import attrs

from refimpl.errors import RefImplError
from refimpl.fog.block_source import BlockSource
from refimpl.fog.ledger.enclave import (
    KeyImageData,
    LedgerEnclave,
    UntrustedKeyImageQueryResponse,
)
from refimpl.transaction.block_version import MAX_BLOCK_VERSION

log = logging.getLogger("mcref.fog.ledger")

#: The loader may lag this many blocks behind the ledger and still count as ready.
BLOCKS_BEHIND = 100
DEFAULT_POLL_INTERVAL_S = 0.25


@attrs.frozen
class LoadedState:
    """``DbPollSharedState``: blocks ``0..num_blocks`` are in the store."""

    num_blocks: int = 0
    global_txo_count: int = 0
    latest_block_version: int = 0


class DbFetcher:
    """Polls ``source`` and loads its key images into ``enclave``. ``on_readiness`` (if given)
    is told after every poll whether the loader is close enough to the ledger to serve."""

    def __init__(self, source: BlockSource, enclave: LedgerEnclave, *,
                 poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
                 on_readiness: Callable[[bool], None] | None = None) -> None:
        self.source = source
        self.enclave = enclave
        self.poll_interval_s = poll_interval_s
        self._on_readiness = on_readiness
        self._lock = threading.Lock()
        self._state = LoadedState()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: the error of the last poll, ``None`` after a successful one
        self.last_error: RefImplError | None = None

    @property
    def state(self) -> LoadedState:
        with self._lock:
            return self._state

    def untrusted_query_response(self) -> UntrustedKeyImageQueryResponse:
        """``prepare_untrusted_query``: the state the enclave repeats to a client."""
        state = self.state
        return UntrustedKeyImageQueryResponse(
            num_blocks=state.num_blocks,
            last_known_block_cumulative_txo_count=state.global_txo_count,
            latest_block_version=state.latest_block_version,
            max_block_version=max(state.latest_block_version, MAX_BLOCK_VERSION),
        )

    def poll_once(self) -> int:
        """Load every block the ledger holds past those loaded; the number loaded. Stops early
        when :meth:`stop` is called. Errors are the block source's or the store's."""
        total = self.source.num_blocks()
        loaded = 0
        if total:
            latest = self.source.block(total - 1)
            next_index = self.state.num_blocks
            while next_index < total and not self._stop.is_set():
                data = self.source.block_data(next_index)
                self.enclave.add_key_image_data(
                    KeyImageData(k.to_bytes(), next_index, data.timestamp)
                    for k in data.contents.key_images
                )
                next_index += 1
                loaded += 1
                with self._lock:
                    self._state = LoadedState(next_index, latest.cumulative_txo_count,
                                              latest.version)
        self._readiness(total - self.state.num_blocks <= BLOCKS_BEHIND)
        return loaded

    def _readiness(self, ready: bool) -> None:
        if self._on_readiness is not None:
            self._on_readiness(ready)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                loaded = self.poll_once()
            except RefImplError as err:
                if self.last_error is None or self.last_error.code != err.code:
                    log.warning("fog ledger: loading key images failed: %s", err.one_line())
                self.last_error = err
                self._readiness(False)
            else:
                if loaded:
                    log.debug("fog ledger: loaded %d blocks, %d in the store", loaded,
                              self.state.num_blocks)
                self.last_error = None
            self._stop.wait(self.poll_interval_s)

    def start(self) -> None:
        """Start the polling thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="fog-ledger-db-fetcher",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the polling thread and wait for it (a block being loaded is finished)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
