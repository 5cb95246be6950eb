"""The fog ledger server process: configuration, the four services on one port, the loader.

MobileCoin ``fog/ledger/server/src/config.rs`` (flags: ``--client-listen-uri``,
``--client-responder-id``, ``--ledger-db``, ``--omap-capacity``, ``--poll_interval_ms``) and
the single-process ``fog/ledger/server/src/server.rs`` of MobileCoin 1.x (one client port
serving ``FogKeyImageAPI``, ``FogMerkleProofAPI``, ``FogBlockAPI`` and
``FogUntrustedTxOutApi``, plus the ``DbFetcher`` thread). Simulation flags, shared by every
fog role: ``--sgx-seed`` (the network's simulated SGX PKI) and ``--fog-index`` (which
simulated fog platform). Health (``grpc.health.v1``) is ``SERVING`` while the loader is at
most :data:`refimpl.fog.ledger.db_fetcher.BLOCKS_BEHIND` blocks behind the ledger.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import attrs

from refimpl.fog.block_source import BlockSource
from refimpl.fog.grpc_host import FogServer
from refimpl.fog.ledger.block_service import block_service
from refimpl.fog.ledger.db_fetcher import DbFetcher
from refimpl.fog.ledger.enclave import LedgerEnclave
from refimpl.fog.ledger.key_image_service import key_image_service
from refimpl.fog.ledger.key_image_store import DEFAULT_OMAP_CAPACITY
from refimpl.fog.ledger.merkle_proof_service import merkle_proof_service
from refimpl.fog.ledger.untrusted_tx_out_service import untrusted_tx_out_service
from refimpl.fog.service_config import SettingChecks, add_enclave_arguments, with_port
from refimpl.node.services import Health

#: ``FogLedgerUri`` schemes (and the contract's generic ``insecure-fog``), default port 3223.
LISTEN_SCHEMES = {"insecure-fog-ledger": 3223, "insecure-fog": 3223}
DEFAULT_LISTEN_URI = "insecure-fog-ledger://0.0.0.0:3223/"
DEFAULT_POLL_INTERVAL_MS = 250
MAX_OMAP_CAPACITY = 1 << 32
_URI_CHECKS = SettingChecks("fog.ledger_config_bad_uri")
_VALUE_CHECKS = SettingChecks("fog.ledger_config_bad_value")


def parse_listen_uri(text: str) -> tuple[str, int]:
    """Host and port of ``insecure-fog-ledger://HOST[:PORT]/`` (or ``insecure-fog://``, or
    plain ``HOST:PORT``; port 0: any free port); ``fog.ledger_config_bad_uri`` otherwise."""
    return _URI_CHECKS.listen_address(text, LISTEN_SCHEMES, "--client-listen-uri")


def _check_uri(_instance: object, _attribute: object, value: str) -> None:
    parse_listen_uri(value)


@attrs.frozen
class LedgerConfig:
    """Every setting of a fog ledger server, validated (``fog.ledger_config_*``)."""

    ledger_db: Path = attrs.field(converter=Path)
    sgx_seed: bytes = attrs.field(validator=_VALUE_CHECKS.seed_bytes())
    client_listen_uri: str = attrs.field(default=DEFAULT_LISTEN_URI, validator=_check_uri)
    #: empty: the listen host:port
    client_responder_id: str = attrs.field(
        default="", validator=_URI_CHECKS.responder_id("--client-responder-id"))
    fog_index: int = attrs.field(default=0, validator=_VALUE_CHECKS.fog_index())
    omap_capacity: int = attrs.field(
        default=DEFAULT_OMAP_CAPACITY,
        validator=_VALUE_CHECKS.in_range("--omap-capacity", 1, MAX_OMAP_CAPACITY))
    poll_interval_ms: int = attrs.field(default=DEFAULT_POLL_INTERVAL_MS,
                                        validator=_VALUE_CHECKS.interval_ms("--poll-interval-ms"))

    @property
    def listen_address(self) -> str:
        host, port = parse_listen_uri(self.client_listen_uri)
        return f"{host}:{port}"

    @property
    def responder_id(self) -> str:
        return self.client_responder_id or self.listen_address


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The server's flags (MobileCoin's names where it has them)."""
    parser.add_argument("--client-listen-uri", default=DEFAULT_LISTEN_URI,
                        help="insecure-fog-ledger://HOST:PORT/ or HOST:PORT (port 0: any free)")
    parser.add_argument("--client-responder-id", default="",
                        help="HOST:PORT clients dial (default: the listen address)")
    parser.add_argument("--ledger-db", required=True, help="a node's ledger directory (LMDB)")
    parser.add_argument("--omap-capacity", type=int, default=DEFAULT_OMAP_CAPACITY,
                        help="key images the oblivious map is built for (about 75%% usable)")
    add_enclave_arguments(parser)
    parser.add_argument("--poll-interval-ms", "--poll_interval_ms", dest="poll_interval_ms",
                        type=int, default=DEFAULT_POLL_INTERVAL_MS,
                        help="milliseconds between ledger polls")


def config_from_args(args: argparse.Namespace) -> LedgerConfig:
    """The validated configuration of parsed flags."""
    return LedgerConfig(
        ledger_db=args.ledger_db,
        sgx_seed=_VALUE_CHECKS.hex_seed(args.sgx_seed),
        client_listen_uri=args.client_listen_uri,
        client_responder_id=args.client_responder_id,
        fog_index=args.fog_index,
        omap_capacity=args.omap_capacity,
        poll_interval_ms=args.poll_interval_ms,
    )


class LedgerServer:
    """A fog ledger server: :meth:`start` binds and starts the loader, :meth:`stop` stops
    both. ``port`` is the bound port after :meth:`start`."""

    def __init__(self, config: LedgerConfig) -> None:
        self.config = config
        self.source = BlockSource(config.ledger_db)
        self.enclave = LedgerEnclave(sgx_seed=config.sgx_seed, index=config.fog_index,
                                     responder_id=config.responder_id,
                                     omap_capacity=config.omap_capacity)
        self.fetcher = DbFetcher(self.source, self.enclave,
                                 poll_interval_s=config.poll_interval_ms / 1000,
                                 on_readiness=self._set_ready)
        self._server = FogServer("fog-ledger", config.listen_address, [
            key_image_service(self.enclave, self.fetcher),
            merkle_proof_service(self.enclave, self.source),
            block_service(self.source),
            untrusted_tx_out_service(self.source),
        ])
        self.port = 0

    def _set_ready(self, ready: bool) -> None:
        self._server.health.set_serving(ready)

    @property
    def address(self) -> str:
        """``HOST:PORT`` as bound (valid after :meth:`start`)."""
        return with_port(self.config.listen_address, self.port)

    @property
    def health(self) -> Health:
        return self._server.health

    def start(self) -> None:
        """Bind (``fog.bind_failed``), then start the loader; returns once serving. Health
        says ``NOT_SERVING`` until the loader has caught up."""
        self._server.health.set_serving(False)
        self.port = self._server.start()
        self.fetcher.start()

    def stop(self) -> None:
        """Stop the loader and the gRPC server, close the ledger."""
        self.fetcher.stop()
        self._server.stop()
        self.source.close()
