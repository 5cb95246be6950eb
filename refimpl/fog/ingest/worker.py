"""The ingest worker: the thread that feeds the controller the ledger's blocks in order.

MobileCoin ``fog/ingest/server/src/worker.rs`` (``IngestWorker``): while idle, sleep the poll
interval; while active, fetch the next block (``BlockProvider::get_block_data``) and hand it to
``process_next_block``; when the block does not exist yet, sleep the poll interval; on any
other error, log and sleep a second. Blocks come from a node's LMDB ledger through
:class:`refimpl.fog.block_source.BlockSource`, with the block signature's time as timestamp.

With ``activate_at_start`` the worker also activates the controller once, as soon as the
ledger can be read (the local network's ``--activate``; MobileCoin's operator calls the admin
API's ``Activate``).
"""

from __future__ import annotations

import logging
import threading

from refimpl.errors import RefImplError
from refimpl.fog.block_source import BlockSource
from refimpl.fog.ingest.controller import IngestController, Stopped

log = logging.getLogger("refimpl.fog.ingest")

#: ``ERROR_RETRY_FREQUENCY``: seconds to wait after an unexpected error.
ERROR_RETRY_S = 1.0


class IngestWorker:
    """Polls ``source`` and drives ``controller`` on a thread until :meth:`stop`."""

    def __init__(self, controller: IngestController, source: BlockSource, *,
                 poll_interval_s: float, stop: threading.Event,
                 activate_at_start: bool = False) -> None:
        self._controller = controller
        self._source = source
        self._poll_s = poll_interval_s
        self._stop = stop
        self._pending_activation = activate_at_start
        self._thread = threading.Thread(target=self._run, name="fog-ingest-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self._step()
            except Stopped:
                return
            except RefImplError as err:
                log.error("ingest worker: %s", err.one_line())
                wait = ERROR_RETRY_S
            except Exception:  # a bug: keep the thread alive, the operator sees the log
                log.exception("ingest worker: unexpected error")
                wait = ERROR_RETRY_S
            if wait:
                self._stop.wait(wait)

    def _step(self) -> float:
        """One unit of work; the seconds to wait before the next (0: go on at once)."""
        if self._pending_activation:
            self._controller.activate(self._source.num_blocks())
            self._pending_activation = False
        next_index, idle = self._controller.next_block_index()
        if idle or next_index >= self._source.num_blocks():
            return self._poll_s
        self._controller.process_next_block(self._source.block_data(next_index))
        return 0.0
