"""The addresses fog view processes listen on and dial.

MobileCoin ``fog/uri/src/lib.rs``: a view store is named by a ``FogViewStoreUri``
(``insecure-fog-view-store://HOST:PORT/?sharding_strategy=START-END``, optionally
``&responder-id=HOST:PORT``; default port 3225); a listen address is a fog URI of the service's
scheme (``insecure-fog://``, ``insecure-fog-view://``, ``insecure-fog-view-router://``,
``insecure-fog-view-store://``) or a bare ``HOST:PORT``. Only insecure (plaintext gRPC) schemes
exist here, as everywhere in this reference.
"""

from __future__ import annotations

import urllib.parse

import attrs

from refimpl.errors import FogError
from refimpl.fog.service_config import SettingChecks
from refimpl.fog.types import BlockRange
from refimpl.fog.view.sharding import EpochShardingStrategy

DEFAULT_PORT = 3225
#: The schemes a view process listens on, each with its default port.
LISTEN_SCHEMES = {scheme: DEFAULT_PORT for scheme in (
    "insecure-fog", "insecure-fog-view", "insecure-fog-view-router", "insecure-fog-view-store")}
STORE_SCHEME = "insecure-fog-view-store"
_CONFIG = SettingChecks("fog.view_bad_config")
_SHARD_URI = SettingChecks("fog.view_bad_shard_uri")


def listen_address(text: str, what: str = "--client-listen-uri") -> tuple[str, int]:
    """(host, port) of ``SCHEME://HOST[:PORT]/`` or ``HOST:PORT`` (port 0: any free port);
    ``fog.view_bad_config`` otherwise."""
    return _CONFIG.listen_address(text, LISTEN_SCHEMES, what)


@attrs.frozen
class StoreUri:
    """A view store as its router knows it."""

    uri: str
    host: str
    port: int
    responder_id: str
    block_range: BlockRange

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def parse_store_uri(text: str) -> StoreUri:
    """``FogViewStoreUri`` with its ``EpochShardingStrategy``; ``fog.view_bad_shard_uri``
    when malformed (a missing ``sharding_strategy`` means the whole chain, as MobileCoin)."""
    def bad(why: str) -> FogError:
        return FogError("fog.view_bad_shard_uri", f"{text!r}: {why}")

    parts = urllib.parse.urlsplit(text)
    if parts.scheme != STORE_SCHEME:
        raise bad(f"the scheme must be {STORE_SCHEME}://")
    if parts.path not in ("", "/"):
        raise bad("a path is not allowed")
    try:
        params = urllib.parse.parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
        host, port = _SHARD_URI.host_port(parts.netloc, DEFAULT_PORT, "shard uri")
        strategy = EpochShardingStrategy.parse(params.get("sharding_strategy", ["default"])[-1])
    except FogError as exc:
        raise bad(exc.message) from exc
    unknown = set(params) - {"sharding_strategy", "responder-id"}
    if unknown:
        raise bad(f"unknown parameters {sorted(unknown)}")
    if port == 0:
        raise bad("port 0")
    responder = params.get("responder-id", [f"{host}:{port}"])[-1]
    return StoreUri(text, host, port, responder, strategy.epoch_block_range)
