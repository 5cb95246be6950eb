"""The fog client's service URIs: ``fog-view://``, ``fog-ledger://`` and their ``insecure-``
forms.

MobileCoin ``fog/uri/src/lib.rs`` (``FogViewScheme``: default ports 443 / 3225,
``FogLedgerScheme``: 443 / 3223) over ``util/uri`` (``Uri``). A URI is ``SCHEME://HOST[:PORT][/]``;
its gRPC address and its responder id are both ``HOST:PORT`` (``ConnectionUri::addr``,
``responder_id``). Report servers are named by ``fog://`` / ``insecure-fog://`` URIs in public
addresses (``fog_report_url``); those are read by :mod:`refimpl.fog.report.validate`
(``normalize_fog_url``) and :mod:`refimpl.fog.report.client`.

This client speaks plain gRPC only: a secure scheme (TLS) parses, but dialling it is
``fog.client_tls_unsupported``. Endpoints of a local network may also be written ``HOST:PORT``
(taken as the insecure scheme).
"""

from __future__ import annotations

import urllib.parse
from typing import Literal

import attrs

from refimpl.errors import FogError

UriKind = Literal["fog-view", "fog-ledger"]

#: kind -> (secure scheme, insecure scheme, default secure port, default insecure port)
_SCHEMES: dict[str, tuple[str, str, int, int]] = {
    "fog-view": ("fog-view", "insecure-fog-view", 443, 3225),
    "fog-ledger": ("fog-ledger", "insecure-fog-ledger", 443, 3223),
}


@attrs.frozen
class FogUri:
    """A parsed fog URI: scheme, host, port (the default filled in)."""

    scheme: str
    host: str
    port: int

    @property
    def use_tls(self) -> bool:
        return not self.scheme.startswith("insecure-")

    @property
    def addr(self) -> str:
        """``HOST:PORT`` (IPv6 hosts bracketed): the gRPC target."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def responder_id(self) -> str:
        """The enclave's responder id a client expects (the Noise prologue): ``HOST:PORT``."""
        return self.addr

    def grpc_target(self) -> str:
        """:attr:`addr`, refused for a TLS scheme (this client has no TLS)."""
        if self.use_tls:
            raise FogError("fog.client_tls_unsupported",
                           f"{self}: this client dials insecure-* fog URIs only")
        return self.addr

    def __str__(self) -> str:
        return f"{self.scheme}://{self.addr}/"


def parse_fog_uri(text: str, kind: UriKind) -> FogUri:
    """Parse ``text`` as a URI of ``kind`` (``fog.client_bad_uri`` when malformed or of
    another scheme)."""
    secure, insecure, secure_port, insecure_port = _SCHEMES[kind]
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise FogError("fog.client_bad_uri", f"{text!r}: {exc}") from None
    if parts.scheme not in (secure, insecure):
        raise FogError("fog.client_bad_uri",
                       f"{text!r}: the scheme must be {secure}:// or {insecure}://")
    if (not parts.hostname or parts.path not in ("", "/") or parts.username
            or parts.query or parts.fragment):
        raise FogError("fog.client_bad_uri", f"{text!r}: expected {insecure}://HOST[:PORT]/")
    if port is None:
        port = secure_port if parts.scheme == secure else insecure_port
    return FogUri(parts.scheme, parts.hostname, port)


def parse_endpoint(text: str, kind: UriKind) -> FogUri:
    """A URI of ``kind``, or ``HOST:PORT`` meaning its insecure scheme."""
    if "://" in text:
        return parse_fog_uri(text, kind)
    return parse_fog_uri(f"{_SCHEMES[kind][1]}://{text}/", kind)
