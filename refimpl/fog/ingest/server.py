"""The fog ingest server process: controller, worker thread and the admin API.

MobileCoin ``fog/ingest/server/src/server.rs`` (``IngestServer::start``: the controller, the
ingest worker, the AccountIngestAPI server; ``stop`` undoes all of it). Settings and flags are
in :mod:`refimpl.fog.ingest.config` (re-exported here: ``IngestConfig``, ``add_arguments``,
``config_from_args``).

The ingest enclave runs in a simulated fog enclave (``SIM_FOG_INGEST_CODE``) on platform
``--fog-index`` of the network's ``--sgx-seed``; its sealed ingress key therefore opens only on
the same fog index and seed.
"""

from __future__ import annotations

import threading

from refimpl.errors import RefImplError
from refimpl.fog.block_source import BlockSource
from refimpl.fog.enclave import SIM_FOG_INGEST_CODE, FogEnclave
from refimpl.fog.grpc_host import FogServer
from refimpl.fog.ingest.admin import admin_service
from refimpl.fog.ingest.config import IngestConfig, add_arguments, config_from_args
from refimpl.fog.ingest.controller import IngestController
from refimpl.fog.ingest.worker import IngestWorker
from refimpl.fog.recovery_db import SqlRecoveryDb, open_recovery_db
from refimpl.fog.service_config import with_port

__all__ = ["IngestConfig", "IngestServer", "add_arguments", "config_from_args"]


class IngestServer:
    """A fog ingest server. After :meth:`start`: ``controller``, ``admin_port`` (0 without
    an admin listen address) and ``admin_address``."""

    def __init__(self, config: IngestConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._db: SqlRecoveryDb | None = None
        self._source: BlockSource | None = None
        self._admin: FogServer | None = None
        self._worker: IngestWorker | None = None
        self.controller: IngestController | None = None
        self.admin_port = 0

    @property
    def admin_address(self) -> str:
        assert self.config.admin_listen_address is not None
        return with_port(self.config.admin_listen_address, self.admin_port)

    def start(self) -> None:
        """Open the database and ledger, start the enclave and controller (state file), bind
        the admin API (``fog.bind_failed``) and start the worker."""
        with self._lock:
            try:
                self._start_locked()
            except BaseException:
                self._stop_locked()
                raise

    def _start_locked(self) -> None:
        config = self.config
        self._stop.clear()
        self._db = open_recovery_db(config.recovery_db)
        self._source = BlockSource(config.ledger_db)
        host = FogEnclave(code=SIM_FOG_INGEST_CODE, sgx_seed=config.sgx_seed,
                          index=config.fog_index, responder_id=config.local_node_id)
        self.controller = IngestController(config, host, self._db, stop=self._stop)
        if config.admin_listen_address is not None:
            self._admin = FogServer("fog ingest admin", config.admin_listen_address,
                                    [admin_service(self.controller, self._source)])
            self.admin_port = self._admin.start()
        self._worker = IngestWorker(self.controller, self._source,
                                    poll_interval_s=config.poll_interval_ms / 1000,
                                    stop=self._stop, activate_at_start=config.activate)
        self._worker.start()

    def stop(self) -> None:
        """Stop the worker (after its current block), the admin API, the ledger and database."""
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        self._stop.set()
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        if self._admin is not None:
            self._admin.stop()
            self._admin = None
        if self._source is not None:
            self._source.close()
            self._source = None
        if self._db is not None:
            try:
                self._db.close()
            except RefImplError:
                pass
            self._db = None
