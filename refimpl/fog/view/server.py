"""The fog view processes: a view store and a view router, configuration and lifetime.

MobileCoin ``fog/view/server/src/config.rs`` (``MobileAcctViewConfig`` for a store:
``--client-listen-uri``, ``--client-responder-id``, ``--omap-capacity``,
``--block-query-batch-size``, ``--db-polling-interval-ms``, ``--sharding-strategy``;
``FogViewRouterConfig``: ``--client-listen-uri``, ``--client-responder-id``, ``--shard-uris``,
``--admin-listen-uri``), ``server.rs`` (``ViewServer``) and ``fog_view_router_server.rs``.
``--recovery-db URL`` replaces MobileCoin's PostgreSQL flags (``sqlite:///PATH`` or
``postgresql://...``); ``--sgx-seed`` and ``--fog-index`` choose the simulated SGX platform, as
for every fog role. Both processes run the view enclave (code identity
:data:`~refimpl.fog.enclave.SIM_FOG_VIEW_CODE`); the router trusts exactly that MRENCLAVE in
its stores.

A store serves ``FogViewStoreAPI`` (its router) and ``FogViewAPI`` (clients, directly: one
store alone is a complete view server) on one port; a router serves ``FogViewAPI`` and the
streaming ``FogViewRouterAPI`` on its client port and ``FogViewRouterAdminAPI`` on its admin
port when one is given. A listen port of 0 picks a free port; the responder id then defaults to
the bound address.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from refimpl.errors import FogError
from refimpl.fog.enclave import SIM_FOG_VIEW_CODE, FogEnclave, fog_verifier
from refimpl.fog.grpc_host import FogServer
from refimpl.fog.recovery_db import open_recovery_db
from refimpl.fog.service_config import SettingChecks, add_enclave_arguments, with_port
from refimpl.fog.view.db_fetcher import DEFAULT_BLOCK_QUERY_BATCH_SIZE
from refimpl.fog.view.db_poll import DbPollThread, DbPollWorker
from refimpl.fog.view.e_tx_out_store import DEFAULT_OMAP_CAPACITY
from refimpl.fog.view.enclave import ViewEnclave
from refimpl.fog.view.router import DEFAULT_STORE_TIMEOUT_S, StoreShard, ViewRouter
from refimpl.fog.view.router_service import admin_handler, client_handlers
from refimpl.fog.view.sharding import EpochShardingStrategy
from refimpl.fog.view.store_service import ViewStoreService, store_uri
from refimpl.fog.view.uri import StoreUri, listen_address, parse_store_uri
from refimpl.node.services import Health

DEFAULT_STORE_LISTEN_URI = "insecure-fog-view-store://0.0.0.0:3225/"
DEFAULT_ROUTER_LISTEN_URI = "insecure-fog-view://0.0.0.0:3225/"
DEFAULT_DB_POLLING_INTERVAL_MS = 250
MAX_OMAP_CAPACITY = 1 << 32
MAX_BLOCK_QUERY_BATCH_SIZE = 1 << 20
_CHECKS = SettingChecks("fog.view_bad_config")
_check_seed = _CHECKS.seed_bytes()
_check_responder_id = _CHECKS.responder_id("--client-responder-id")
_check_fog_index = _CHECKS.fog_index()


def _check_listen(_instance: object, _attribute: object, value: str) -> None:
    listen_address(value)


def _check_optional_listen(_instance: object, _attribute: object, value: str) -> None:
    if value:
        listen_address(value, "--admin-listen-uri")


def _check_db(_instance: object, _attribute: object, value: str) -> None:
    if not value:
        raise _CHECKS.bad("--recovery-db", "a recovery database URL is required")


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _address(uri: str) -> str:
    host, port = listen_address(uri)
    return f"{host}:{port}"


@attrs.frozen
class ViewStoreConfig:
    """Every setting of a view store, validated (``fog.view_bad_config``)."""

    recovery_db: str = attrs.field(validator=_check_db)
    sgx_seed: bytes = attrs.field(validator=_check_seed)
    client_listen_uri: str = attrs.field(default=DEFAULT_STORE_LISTEN_URI,
                                         validator=_check_listen)
    #: empty: the listen HOST:PORT (as bound, for port 0)
    client_responder_id: str = attrs.field(default="", validator=_check_responder_id)
    sharding_strategy: EpochShardingStrategy = EpochShardingStrategy()
    omap_capacity: int = attrs.field(default=DEFAULT_OMAP_CAPACITY,
                                     validator=_CHECKS.in_range("--omap-capacity", 1,
                                                                MAX_OMAP_CAPACITY))
    block_query_batch_size: int = attrs.field(
        default=DEFAULT_BLOCK_QUERY_BATCH_SIZE,
        validator=_CHECKS.in_range("--block-query-batch-size", 1, MAX_BLOCK_QUERY_BATCH_SIZE))
    db_polling_interval_ms: int = attrs.field(
        default=DEFAULT_DB_POLLING_INTERVAL_MS,
        validator=_CHECKS.interval_ms("--db-polling-interval-ms"))
    fog_index: int = attrs.field(default=0, validator=_check_fog_index)


@attrs.frozen
class ViewRouterConfig:
    """Every setting of a view router, validated (``fog.view_bad_config``,
    ``fog.view_bad_shard_uri``)."""

    sgx_seed: bytes = attrs.field(validator=_check_seed)
    shard_uris: tuple[str, ...] = attrs.field(converter=_strings)
    client_listen_uri: str = attrs.field(default=DEFAULT_ROUTER_LISTEN_URI,
                                         validator=_check_listen)
    client_responder_id: str = attrs.field(default="", validator=_check_responder_id)
    #: empty: no admin service
    admin_listen_uri: str = attrs.field(default="", validator=_check_optional_listen)
    fog_index: int = attrs.field(default=0, validator=_check_fog_index)
    store_timeout_ms: int = attrs.field(default=int(DEFAULT_STORE_TIMEOUT_S * 1000),
                                        validator=_CHECKS.interval_ms("--store-timeout-ms"))

    def __attrs_post_init__(self) -> None:
        stores = self.stores
        if len({s.uri for s in stores}) != len(stores):
            raise FogError("fog.view_bad_shard_uri", "a shard URI is given twice")

    @property
    def stores(self) -> list[StoreUri]:
        return [parse_store_uri(text) for text in self.shard_uris]


def _common_arguments(parser: argparse.ArgumentParser, default_listen: str) -> None:
    parser.add_argument("--client-listen-uri", default=default_listen,
                        help="SCHEME://HOST:PORT/ or HOST:PORT (port 0: any free port)")
    parser.add_argument("--client-responder-id", default="",
                        help="HOST:PORT clients dial (default: the listen address)")
    add_enclave_arguments(parser)


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """A view store's flags (MobileCoin's names)."""
    _common_arguments(parser, DEFAULT_STORE_LISTEN_URI)
    parser.add_argument("--recovery-db", required=True,
                        help="sqlite:///PATH or postgresql://... (the recovery database)")
    parser.add_argument("--sharding-strategy", default="default",
                        help="START-END: the blocks this store serves (default: all)")
    parser.add_argument("--omap-capacity", type=int, default=DEFAULT_OMAP_CAPACITY,
                        help="records the oblivious map is built for")
    parser.add_argument("--block-query-batch-size", type=int,
                        default=DEFAULT_BLOCK_QUERY_BATCH_SIZE,
                        help="blocks read from the recovery database per query")
    parser.add_argument("--db-polling-interval-ms", type=int,
                        default=DEFAULT_DB_POLLING_INTERVAL_MS,
                        help="milliseconds between recovery database polls")


def store_config_from_args(args: argparse.Namespace) -> ViewStoreConfig:
    return ViewStoreConfig(
        recovery_db=args.recovery_db,
        sgx_seed=_CHECKS.hex_seed(args.sgx_seed),
        client_listen_uri=args.client_listen_uri,
        client_responder_id=args.client_responder_id,
        sharding_strategy=EpochShardingStrategy.parse(args.sharding_strategy),
        omap_capacity=args.omap_capacity,
        block_query_batch_size=args.block_query_batch_size,
        db_polling_interval_ms=args.db_polling_interval_ms,
        fog_index=args.fog_index,
    )


def add_router_arguments(parser: argparse.ArgumentParser) -> None:
    """A view router's flags (MobileCoin's names)."""
    _common_arguments(parser, DEFAULT_ROUTER_LISTEN_URI)
    parser.add_argument("--shard-uris", default="",
                        help="comma-separated insecure-fog-view-store://HOST:PORT/"
                             "?sharding_strategy=START-END")
    parser.add_argument("--admin-listen-uri", default="",
                        help="HOST:PORT of FogViewRouterAdminAPI (default: not served)")
    parser.add_argument("--store-timeout-ms", type=int,
                        default=int(DEFAULT_STORE_TIMEOUT_S * 1000),
                        help="deadline of each call to a store")


def router_config_from_args(args: argparse.Namespace) -> ViewRouterConfig:
    shard_uris = tuple(s for s in str(args.shard_uris).split(",") if s)
    return ViewRouterConfig(
        sgx_seed=_CHECKS.hex_seed(args.sgx_seed),
        shard_uris=shard_uris,
        client_listen_uri=args.client_listen_uri,
        client_responder_id=args.client_responder_id,
        admin_listen_uri=args.admin_listen_uri,
        fog_index=args.fog_index,
        store_timeout_ms=args.store_timeout_ms,
    )


def _fog_enclave(sgx_seed: bytes, fog_index: int, listen_uri: str,
                 responder_id: str) -> FogEnclave:
    return FogEnclave(code=SIM_FOG_VIEW_CODE, sgx_seed=sgx_seed, index=fog_index,
                      responder_id=responder_id or _address(listen_uri))


def _bind(server: FogServer, fog: FogEnclave, listen_uri: str, responder_id: str) -> int:
    """Start ``server``; with port 0 and no responder id, the responder id becomes the bound
    address (before any client can have dialled it)."""
    port = server.start()
    if not responder_id:
        fog.responder_id = with_port(_address(listen_uri), port)
    return port


class ViewStoreServer:
    """A view store: recovery database poller, enclave, ``FogViewStoreAPI`` + ``FogViewAPI``."""

    def __init__(self, config: ViewStoreConfig) -> None:
        self.config = config
        self.fog = _fog_enclave(config.sgx_seed, config.fog_index, config.client_listen_uri,
                                config.client_responder_id)
        self.enclave = ViewEnclave(self.fog, config.omap_capacity)
        self.db = open_recovery_db(config.recovery_db)
        self.worker = DbPollWorker(self.db, self.enclave, config.sharding_strategy,
                                   config.block_query_batch_size)
        self.service = ViewStoreService(self.enclave, self.db, self.worker,
                                        config.sharding_strategy, "")
        self._server = FogServer("fog-view-store", _address(config.client_listen_uri),
                                 self.service.handlers())
        self._poll = DbPollThread(self.worker, config.db_polling_interval_ms / 1000,
                                  on_ready=lambda: self._server.health.set_serving(True))
        self.port = 0

    @property
    def address(self) -> str:
        """``HOST:PORT`` as bound (valid after :meth:`start`)."""
        return with_port(_address(self.config.client_listen_uri), self.port)

    @property
    def health(self) -> Health:
        return self._server.health

    @property
    def uri(self) -> str:
        """The ``FogViewStoreUri`` a router is given for this store (after :meth:`start`)."""
        return self.service.uri

    def start(self) -> None:
        """Bind (``fog.bind_failed``: the database is closed again), start polling; returns
        once serving. Health says ``NOT_SERVING`` until the first poll of the database has
        completed."""
        self._server.health.set_serving(False)
        try:
            self.port = _bind(self._server, self.fog, self.config.client_listen_uri,
                              self.config.client_responder_id)
        except FogError:
            self.db.close()
            raise
        self.service.uri = store_uri(self.fog.responder_id, self.config.sharding_strategy)
        self._poll.start()

    def stop(self) -> None:
        self._poll.stop()
        self._server.stop()
        self.db.close()


class ViewRouterServer:
    """A view router: the enclave, one client per store, the client and admin services."""

    def __init__(self, config: ViewRouterConfig) -> None:
        self.config = config
        self.fog = _fog_enclave(config.sgx_seed, config.fog_index, config.client_listen_uri,
                                config.client_responder_id)
        self._verifier = fog_verifier(config.sgx_seed, SIM_FOG_VIEW_CODE)
        self.router = ViewRouter([self.make_shard(text) for text in config.shard_uris])
        self._server = FogServer("fog-view-router", _address(config.client_listen_uri),
                                 client_handlers(self.fog, self.router))
        self._admin: FogServer | None = None
        if config.admin_listen_uri:
            self._admin = FogServer("fog-view-router-admin", _address(config.admin_listen_uri),
                                    [admin_handler(self.router, self.make_shard)])
        self.port = 0
        self.admin_port = 0

    def make_shard(self, uri: str) -> StoreShard:
        return StoreShard(parse_store_uri(uri), self._verifier,
                          timeout_s=self.config.store_timeout_ms / 1000)

    @property
    def address(self) -> str:
        return with_port(_address(self.config.client_listen_uri), self.port)

    @property
    def admin_address(self) -> str:
        return with_port(_address(self.config.admin_listen_uri), self.admin_port)

    def start(self) -> None:
        """Bind the client (and admin) ports (``fog.bind_failed``: nothing stays running);
        returns once serving. Stores are attested on the first query."""
        try:
            self.port = _bind(self._server, self.fog, self.config.client_listen_uri,
                              self.config.client_responder_id)
        except FogError:
            self.router.close()
            raise
        if self._admin is not None:
            try:
                self.admin_port = self._admin.start()
            except FogError:
                self._server.stop()
                self.router.close()
                raise

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.stop()
        self._server.stop()
        self.router.close()


#: The service process contract's names for the two roles.
ROLES: dict[str, tuple[Callable[[argparse.ArgumentParser], None],
                       Callable[[argparse.Namespace], Any], type]] = {
    "view-store": (add_store_arguments, store_config_from_args, ViewStoreServer),
    "view-router": (add_router_arguments, router_config_from_args, ViewRouterServer),
}
