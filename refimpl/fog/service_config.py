"""Settings every fog server process checks the same way: numbers in a range, the simulated SGX
seed, responder ids and listen addresses. Each role refuses a bad setting with its own error
code (``fog.view_bad_config``, ``fog.ledger_config_bad_value``, ...): a :class:`SettingChecks`
carries that code.

MobileCoin: the ``config.rs`` of ``fog/{view,ledger,ingest,report}/server`` (a listen URI of the
service's scheme, ``fog/uri/src/lib.rs`` over ``util/uri``, and a ``ResponderId``). As a
convenience a listen address may also be a bare ``HOST:PORT``; port 0 picks a free port. Only
insecure schemes are served (refimpl's fog services speak plain gRPC): a TLS scheme parses and
is then refused. Responder ids are checked by :func:`refimpl.node.config.check_responder_id`.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from refimpl.errors import FogError, NodeError
from refimpl.node.config import check_responder_id

#: Fog platform indices run above :data:`refimpl.fog.enclave.FOG_PLATFORM_BASE` in a u32.
MAX_FOG_INDEX = 2**31
#: The longest poll interval or call deadline a role accepts (one hour).
MAX_INTERVAL_MS = 3_600_000

#: An attrs validator: ``(instance, attribute, value)``.
Validator = Callable[[Any, Any, Any], None]

_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_PORT = re.compile(r"[0-9]{1,5}")


def add_enclave_arguments(parser: argparse.ArgumentParser) -> None:
    """``--sgx-seed`` and ``--fog-index``: the simulated SGX platform of every enclave role."""
    parser.add_argument("--sgx-seed", required=True,
                        help="hex seed of the network's simulated SGX PKI")
    parser.add_argument("--fog-index", type=int, default=0,
                        help="simulated fog platform index of this machine")


def with_port(address: str, port: int) -> str:
    """``HOST:PORT`` with the host of ``address`` (``HOST:PORT``) and ``port`` (the port a
    server bound, for a listen port of 0)."""
    return f"{address.rpartition(':')[0]}:{port}"


def _is_host(host: str) -> bool:
    """A DNS name, an IPv4 address or a bracketed IPv6 address (the responder id rule)."""
    try:
        check_responder_id(f"{host}:1", "fog", "host")
    except NodeError:
        return False
    return True


@attrs.frozen
class SettingChecks:
    """The checks of one role's settings, each refusing with ``code`` and a message naming the
    flag (``what``)."""

    code: str

    def bad(self, what: str, message: str) -> FogError:
        """``code`` with the message ``WHAT: MESSAGE``."""
        return FogError(self.code, f"{what}: {message}")

    def in_range(self, what: str, low: int, high: int) -> Validator:
        """An integer (not a bool) in ``low..high``."""
        def check(_instance: object, _attribute: object, value: object) -> None:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise self.bad(what, f"{value!r} is not in {low}..{high}")

        return check

    def fog_index(self) -> Validator:
        """``--fog-index``: 0..:data:`MAX_FOG_INDEX`."""
        return self.in_range("--fog-index", 0, MAX_FOG_INDEX)

    def interval_ms(self, what: str) -> Validator:
        """A poll interval or deadline in milliseconds: 1..:data:`MAX_INTERVAL_MS`."""
        return self.in_range(what, 1, MAX_INTERVAL_MS)

    def seed_bytes(self) -> Validator:
        """``--sgx-seed`` as a setting: non-empty bytes."""
        def check(_instance: object, _attribute: object, value: object) -> None:
            if not isinstance(value, bytes) or not value:
                raise self.bad("--sgx-seed", "the seed must be non-empty bytes")

        return check

    def hex_seed(self, text: object) -> bytes:
        """``--sgx-seed`` as a flag: a non-empty even-length hex string."""
        if not isinstance(text, str) or not _HEX.fullmatch(text):
            raise self.bad("--sgx-seed", "expected a non-empty even-length hex string")
        return bytes.fromhex(text)

    def responder_id(self, what: str, optional: bool = True) -> Validator:
        """A ``ResponderId`` (``HOST:PORT``, port 1..65535); with ``optional`` an empty one too
        (the role then answers with its listen address)."""
        def check(_instance: object, _attribute: object, value: object) -> None:
            if optional and value == "":
                return
            try:
                check_responder_id(value, "fog", what)
            except NodeError:
                raise self.bad(what, f"{value!r} is not HOST:PORT") from None

        return check

    def host_port(self, text: str, default_port: int | None, what: str) -> tuple[str, int]:
        """Host and port of ``HOST:PORT`` (port 0..65535); ``HOST`` alone means
        ``default_port`` when there is one. An IPv6 host keeps its brackets."""
        host, sep, port = text.rpartition(":")
        if not sep or text.endswith("]"):
            host, port = text, ""
        if not _is_host(host) or not (port or default_port is not None):
            raise self.bad(what, f"{text!r}: expected HOST:PORT")
        if not port and default_port is not None:
            return host, default_port
        if not _PORT.fullmatch(port) or int(port) > 65535:
            raise self.bad(what, f"{text!r}: the port must be a number in 0..65535")
        return host, int(port)

    def listen_address(self, text: str, schemes: Mapping[str, int],
                       what: str) -> tuple[str, int]:
        """Host and port to listen on: ``SCHEME://HOST[:PORT][/]`` with one of ``schemes``
        (scheme -> default port) or a bare ``HOST:PORT`` (port 0: any free port)."""
        scheme, sep, rest = text.partition("://")
        if not sep:
            return self.host_port(text, None, what)
        scheme = scheme.lower()
        if scheme not in schemes:
            raise self.bad(what, f"{text!r}: the scheme must be one of "
                                 f"{', '.join(sorted(schemes))}")
        if not scheme.startswith("insecure-"):
            insecure = next((s for s in schemes if s.startswith("insecure-")), "insecure-")
            raise self.bad(what, f"{text!r}: TLS listen URIs are not supported; use "
                                 f"{insecure}://")
        netloc = rest[:-1] if rest.endswith("/") else rest
        if not netloc or any(c in netloc for c in "/?#@") or not netloc.isprintable():
            raise self.bad(what, f"{text!r}: expected {scheme}://HOST[:PORT]/ without path, "
                                 "parameters or user")
        return self.host_port(netloc, schemes[scheme], what)

    def listen_target(self, text: str, schemes: Mapping[str, int], what: str) -> str:
        """``HOST:PORT`` of :meth:`listen_address`: what the gRPC server binds."""
        host, port = self.listen_address(text, schemes, what)
        return f"{host}:{port}"
