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
import re
from collections.abc import Callable
from pathlib import Path

import attrs

from refimpl.errors import FogError
from refimpl.fog.block_source import BlockSource
from refimpl.fog.grpc_host import FogServer
from refimpl.fog.ledger.block_service import block_service
from refimpl.fog.ledger.db_fetcher import DbFetcher
from refimpl.fog.ledger.enclave import LedgerEnclave
from refimpl.fog.ledger.key_image_service import key_image_service
from refimpl.fog.ledger.key_image_store import DEFAULT_OMAP_CAPACITY
from refimpl.fog.ledger.merkle_proof_service import merkle_proof_service
from refimpl.fog.ledger.untrusted_tx_out_service import untrusted_tx_out_service
from refimpl.node.services import Health

#: ``FogLedgerUri`` schemes (and the contract's generic ``insecure-fog``), default port 3223.
LISTEN_SCHEMES = {"insecure-fog-ledger": 3223, "insecure-fog": 3223}
DEFAULT_LISTEN_URI = "insecure-fog-ledger://0.0.0.0:3223/"
DEFAULT_POLL_INTERVAL_MS = 250
MAX_POLL_INTERVAL_MS = 3_600_000
MAX_OMAP_CAPACITY = 1 << 32
#: Fog platform indices run above :data:`refimpl.fog.enclave.FOG_PLATFORM_BASE` in a u32.
MAX_FOG_INDEX = 2**31

_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")
_PORT = re.compile(r"[0-9]{1,5}")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")


def _bad_uri(text: str, why: str) -> FogError:
    return FogError("fog.ledger_config_bad_uri", f"{text!r}: {why}")


def split_host_port(text: str, default_port: int | None = None) -> tuple[str, int]:
    """``HOST:PORT`` (port 0..65535; 0 picks a free port when listening)."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = text, ""
    if not _HOST.fullmatch(host):
        raise _bad_uri(text, "expected HOST:PORT")
    if not port and default_port is not None:
        return host, default_port
    if not _PORT.fullmatch(port) or int(port) > 65535:
        raise _bad_uri(text, "the port must be a number in 0..65535")
    return host, int(port)


def parse_listen_uri(text: str) -> tuple[str, int]:
    """Host and port of ``insecure-fog-ledger://HOST[:PORT]/`` (or ``insecure-fog://``, or
    plain ``HOST:PORT``). TLS schemes are not served here."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return split_host_port(text)
    if scheme not in LISTEN_SCHEMES:
        raise _bad_uri(text, f"the scheme must be one of {', '.join(sorted(LISTEN_SCHEMES))}")
    netloc = rest[:-1] if rest.endswith("/") else rest
    if not netloc or any(c in netloc for c in "/?#@ "):
        raise _bad_uri(text, "expected SCHEME://HOST[:PORT]/ without path or parameters")
    return split_host_port(netloc, LISTEN_SCHEMES[scheme])


def _bad_value(what: str, message: str) -> FogError:
    return FogError("fog.ledger_config_bad_value", f"{what}: {message}")


def _check_uri(_instance: object, _attribute: object, value: str) -> None:
    parse_listen_uri(value)


def _check_responder_id(_instance: object, _attribute: object, value: str) -> None:
    if value:
        split_host_port(value)


def _in_range(what: str, low: int, high: int) -> Callable[[object, object, int], None]:
    def check(_instance: object, _attribute: object, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _bad_value(what, f"{value!r} is not in {low}..{high}")

    return check


def _check_seed(_instance: object, _attribute: object, value: bytes) -> None:
    if not isinstance(value, bytes) or not value:
        raise _bad_value("--sgx-seed", "the seed must be non-empty bytes")


@attrs.frozen
class LedgerConfig:
    """Every setting of a fog ledger server, validated (``fog.ledger_config_*``)."""

    ledger_db: Path = attrs.field(converter=Path)
    sgx_seed: bytes = attrs.field(validator=_check_seed)
    client_listen_uri: str = attrs.field(default=DEFAULT_LISTEN_URI, validator=_check_uri)
    #: empty: the listen host:port
    client_responder_id: str = attrs.field(default="", validator=_check_responder_id)
    fog_index: int = attrs.field(default=0, validator=_in_range("--fog-index", 0, MAX_FOG_INDEX))
    omap_capacity: int = attrs.field(default=DEFAULT_OMAP_CAPACITY,
                                     validator=_in_range("--omap-capacity", 1, MAX_OMAP_CAPACITY))
    poll_interval_ms: int = attrs.field(
        default=DEFAULT_POLL_INTERVAL_MS,
        validator=_in_range("--poll-interval-ms", 1, MAX_POLL_INTERVAL_MS))

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
    parser.add_argument("--sgx-seed", required=True,
                        help="hex seed of the network's simulated SGX PKI")
    parser.add_argument("--fog-index", type=int, default=0,
                        help="simulated fog platform index of this machine")
    parser.add_argument("--poll-interval-ms", "--poll_interval_ms", dest="poll_interval_ms",
                        type=int, default=DEFAULT_POLL_INTERVAL_MS,
                        help="milliseconds between ledger polls")


def config_from_args(args: argparse.Namespace) -> LedgerConfig:
    """The validated configuration of parsed flags."""
    seed_text = args.sgx_seed
    if not isinstance(seed_text, str) or not _HEX.fullmatch(seed_text):
        raise _bad_value("--sgx-seed", "expected a non-empty even-length hex string")
    return LedgerConfig(
        ledger_db=args.ledger_db,
        sgx_seed=bytes.fromhex(seed_text),
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
        host, _ = parse_listen_uri(self.config.client_listen_uri)
        return f"{host}:{self.port}"

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
