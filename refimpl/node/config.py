"""The validator node's configuration: node file, network file, peer URIs, tokens, signer key.

MobileCoin: ``consensus/service/config/src/lib.rs`` (the flags), ``network.rs`` (the network file
and quorum-set resolution), ``tokens.rs`` (the tokens file), ``util/uri/src`` (peer, client and
admin URIs), ``transaction/core/src/fee_map.rs`` (the enclave's fee-map rule).

**Node file** (TOML, read with ``tomllib``): MobileCoin's flag names with dashes turned into
underscores, plus ours. Relative paths resolve against the node file's directory.

====================================  ==========  ==============================================
key                                   default     meaning
====================================  ==========  ==============================================
``chain_id``                          required    checked against the clients' chain-id header
``peer_responder_id``                 required    ``host:port`` peers dial; the SCP ``NodeID``
``client_responder_id``               required    ``host:port`` clients dial (Noise identity)
``msg_signer_key``                    required    file: base64 of the PKCS#8 DER Ed25519 key
``network``                           required    network file, ``.json`` or ``.toml``
``peer_listen_uri``                   \\*8080      ``insecure-mcp://host:port/`` (or ``mcp``)
``client_listen_uri``                 \\*3223      ``insecure-mc://host:port/`` (or ``mc``)
``admin_listen_uri``                  none        ``insecure-mca://host:port/`` (or ``mca``)
``ledger_path``                       required    LMDB ledger directory
``origin_block_path``                 none        ledger copied when ``ledger_path`` has none
``sealed_block_signing_key``          required    file, read and rewritten by the enclave
``tokens``                            MOB only    tokens file (``.json`` or ``.toml``)
``block_version``                     3           MobileCoin's flag defaults to 0
``scp_debug_dump``                    none        directory for the SCP trace (ndjson)
``archive_dir``                       none        this node's ledger-distribution directory
``sgx_seed``                          required    hex seed of the simulated SGX network
``sgx_platform_index``                required    this node's platform in that network
``enclave_code``                      none        overrides the simulated enclave's code
``scp_timebase_ms``                   1000        base nomination / ballot timeout
``variant``                           correct     ``correct`` or ``mobilecoin``
``allow_non_intersecting_quorums``    false       start even if two quorums are disjoint
``relay_consensus_msgs``              true        relay peers' SCP messages to the other peers
``byzantine``                         none        test behaviour: ``equivocate`` (see worker.py)
``trace_epoch_ms``                    none        wall-clock origin of trace timestamps
====================================  ==========  ==============================================

(\\* ``0.0.0.0`` on MobileCoin's default ports.) Unknown keys are refused, so a typo or a
MobileCoin flag we do not implement (``client_auth_token_secret``, ...) stops the node.

**Network file** (``network.rs``): ``quorum_set`` in MobileCoin's nested form ``{threshold,
members: [{type: "Node", args: "<responder id>"} | {type: "InnerSet", args: {threshold,
members}}]}`` without the node itself; ``broadcast_peers`` and ``known_peers`` (optional): peer
URIs; ``tx_source_urls``. One key of ours, ``peer_quorum_sets``: ``{"<responder id>": <quorum
set in the same form>}``, the quorum sets of other validators as far as the operator knows
them (MobileCoin's serde would ignore it).

**Peer URIs** (``util/uri``): ``insecure-mcp://host[:8080]/`` or ``mcp://host[:8443]/`` with
``consensus-msg-key`` (required: URL-safe base64 of the SPKI DER of the Ed25519 key, or 64 hex
digits of the raw key), ``responder-id`` (default ``host:port``), ``broadcast-consensus-msgs``
(default 1), ``consensus-relay-incoming-txs`` (default 0); ``tls-hostname``, ``ca-bundle``
accepted. Any other parameter is refused.

**Checks** (one ``node.config_*`` error each, the message naming the file and field): the
structure and types of every file; MobileCoin's network checks (own responder id among the
peers, a responder id twice, peers without tx sources, a quorum member that is no peer, an
invalid quorum set); its token checks; the enclave's fee-map rule (every fee at least 128 and a
multiple of 128, MOB present); and, beyond MobileCoin, two more:

* the node's own responder id inside its quorum set;
* **quorum intersection** (``formal/quorum.py``) over every quorum set the node is given: its
  own, the network file's ``peer_quorum_sets``, and the mapping the caller passes to
  :func:`validate_node` (``mcref network up`` passes every node's). A node knows only what it is
  told: a validator whose quorum set alone is known is in every quorum, so its own set can never
  fail the check; with the others' sets the check is exact for the nodes listed and
  over-approximates the rest (a node whose quorum set is unknown may join any quorum, so a
  reported pair of disjoint quorums may need such nodes to cooperate). Refused unless
  ``allow_non_intersecting_quorums = true``.

Two refinements of MobileCoin, which reports ``DuplicateResponderId`` for any repeated
responder id: a repeat with a *different* consensus-msg-key is ``node.config_node_id_mismatch``
(MobileCoin's ``"node id mismatch"``), and a repeat with the same key is
``node.config_duplicate_responder_id``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from refimpl.consensus.scp.types import MAX_DEPTH, NodeID, QuorumMember, QuorumSet
from refimpl.errors import LedgerError, NodeError, RefImplError, ScpError
from refimpl.ledger.apply import check_fee_map
from refimpl.ledger.signature import signing_key_from_bytes
from refimpl.transaction.block_version import MAX_BLOCK_VERSION

#: ``Mob::ID`` and ``Mob::MINIMUM_FEE`` (``transaction/core/src/token.rs``): 400 µMOB.
MOB_TOKEN_ID = 0
MOB_MINIMUM_FEE = 400_000_000
#: ``ACCEPTABLE_MOB_FEE_VALUES`` (``tokens.rs``), enforced unless ``allow_any_fee``.
ACCEPTABLE_MOB_FEES = range(10_000, 1_000_000_000_000)
#: ``SMALLEST_MINIMUM_FEE_LOG2`` (``fee_map.rs``): fees are multiples of 128.
FEE_GRANULE = 1 << 7
DEFAULT_BLOCK_VERSION = 3
DEFAULT_SCP_TIMEBASE_MS = 1000
VARIANTS = ("correct", "mobilecoin")
U64 = 2**64

#: URI schemes by service: scheme -> default port (``util/uri/src/lib.rs``).
PEER_SCHEMES = {"insecure-mcp": 8080, "mcp": 8443}
CLIENT_SCHEMES = {"insecure-mc": 3223, "mc": 443}
ADMIN_SCHEMES = {"insecure-mca": 9090, "mca": 9443}
_PEER_PARAMS = frozenset({"consensus-msg-key", "responder-id", "broadcast-consensus-msgs",
                          "consensus-relay-incoming-txs", "tls-hostname", "ca-bundle"})
_LISTEN_PARAMS = frozenset({"tls-chain", "tls-key"})
_TX_SOURCE_SCHEMES = ("file", "http", "https", "s3")

_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")
_PORT = re.compile(r"[0-9]{1,5}")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_B64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")
_B64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_SPKI_ED25519_PREFIX = bytes.fromhex("302a300506032b6570032100")


def _fail(code: str, where: str, field: str, message: str) -> NodeError:
    return NodeError(code, f"{where}: {field}: {message}")


# --- URIs and responder ids ------------------------------------------------------------------


def check_responder_id(text: object, where: str, field: str) -> str:
    """A ``ResponderId``: ``host:port`` (MobileCoin only asks for a colon; we also check the
    host and a port in 1..65535). ``node.config_bad_responder_id`` otherwise."""
    if not isinstance(text, str):
        raise _fail("node.config_bad_type", where, field, "a responder id is a string")
    host, sep, port = text.rpartition(":")
    if not sep or not _HOST.fullmatch(host) or not _port_ok(port):
        raise _fail("node.config_bad_responder_id", where, field,
                    f"{text!r} is not host:port with a port in 1..65535")
    return text


def _port_ok(port: str) -> bool:
    return bool(_PORT.fullmatch(port)) and 1 <= int(port) <= 65535


@attrs.frozen
class ListenUri:
    """A URI a server listens on (``ConsensusPeerUri`` / ``ConsensusClientUri`` / ``AdminUri``
    of ``util/uri``): scheme, host and port (the scheme's default when omitted)."""

    uri: str
    scheme: str
    host: str
    port: int

    @property
    def tls(self) -> bool:
        return not self.scheme.startswith("insecure-")

    @property
    def addr(self) -> str:
        return f"{self.host}:{self.port}"


@attrs.frozen
class PeerUri:
    """A peer's URI in the network file, with its message-signing key (``NodeID`` =
    ``(responder_id, consensus_msg_key)``)."""

    uri: str
    scheme: str
    host: str
    port: int
    responder_id: str
    consensus_msg_key: bytes
    """The peer's raw 32-byte Ed25519 public key."""
    broadcast_consensus_msgs: bool = True
    relay_incoming_txs: bool = False

    @property
    def tls(self) -> bool:
        return self.scheme == "mcp"

    @property
    def addr(self) -> str:
        return f"{self.host}:{self.port}"


def _split_uri(text: object, schemes: Mapping[str, int], params: Collection[str], where: str,
               field: str) -> tuple[str, str, int, dict[str, str]]:
    """Scheme, host, port and query parameters of a service URI; ``node.config_bad_uri``."""
    if not isinstance(text, str):
        raise _fail("node.config_bad_type", where, field, "a URI is a string")

    def bad(message: str) -> NodeError:
        return _fail("node.config_bad_uri", where, field, f"{text!r}: {message}")

    if not text.isprintable() or any(c.isspace() for c in text) or "#" in text:
        raise bad("spaces, control characters and fragments are not allowed")
    scheme, sep, _ = text.partition("://")
    if not sep or scheme.lower() not in schemes:
        raise bad(f"the scheme must be one of {', '.join(sorted(schemes))}")
    try:
        parts = urlsplit(text)
        query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError as exc:
        raise bad(str(exc)) from None
    netloc = parts.netloc
    if "@" in netloc:
        raise bad("user information is not allowed")
    if netloc.startswith("["):
        close = netloc.find("]")
        host, rest = (netloc[:close + 1], netloc[close + 1:]) if close > 0 else (netloc, "")
        if rest and not rest.startswith(":"):
            raise bad("malformed host")
        port_text = rest[1:] if rest else None
    elif ":" in netloc:
        host, _, port_text = netloc.rpartition(":")
    else:
        host, port_text = netloc, None
    if not _HOST.fullmatch(host):
        raise bad("missing or malformed host")
    if port_text is not None and not _port_ok(port_text):
        raise bad("the port must be a number in 1..65535")
    if parts.path not in ("", "/"):
        raise bad("a path is not allowed")
    found: dict[str, str] = {}
    for name, value in query:
        if name not in params:
            raise bad(f"unknown parameter {name!r} (allowed: {', '.join(sorted(params))})")
        if name in found:
            raise bad(f"parameter {name!r} appears twice")
        found[name] = value
    port = schemes[parts.scheme] if port_text is None else int(port_text)
    return parts.scheme, host, port, found


def parse_listen_uri(text: object, schemes: Mapping[str, int], where: str = "uri",
                     field: str = "uri") -> ListenUri:
    """A listen URI of one of ``schemes`` (:data:`PEER_SCHEMES`, :data:`CLIENT_SCHEMES`,
    :data:`ADMIN_SCHEMES`); only ``tls-chain`` and ``tls-key`` parameters."""
    scheme, host, port, _ = _split_uri(text, schemes, _LISTEN_PARAMS, where, field)
    assert isinstance(text, str)
    return ListenUri(text, scheme, host, port)


def _bool_param(value: str | None, default: bool, bad: str, where: str, field: str) -> bool:
    if not value:  # MobileCoin's get_param ignores empty values
        return default
    if value in ("1", "true"):
        return True
    if value in ("0", "false"):
        return False
    raise _fail("node.config_bad_uri", where, field, f"{bad}={value!r} is not 0, 1, true, false")


def parse_peer_uri(text: object, where: str = "uri", field: str = "peer uri") -> PeerUri:
    """``ConsensusPeerUri`` with its ``node_id()``: ``node.config_bad_uri`` for a malformed URI
    or key, ``node.config_missing_msg_key`` without ``consensus-msg-key``."""
    scheme, host, port, params = _split_uri(text, PEER_SCHEMES, _PEER_PARAMS, where, field)
    assert isinstance(text, str)
    responder = params.get("responder-id") or f"{host}:{port}"
    check_responder_id(responder, where, f"{field} responder-id")
    encoded = params.get("consensus-msg-key")
    if not encoded:
        raise _fail("node.config_missing_msg_key", where, field,
                    f"{text!r} has no consensus-msg-key (unable to get node_id)")
    key = _decode_msg_key(encoded, where, field)
    broadcast = _bool_param(params.get("broadcast-consensus-msgs"), True,
                            "broadcast-consensus-msgs", where, field)
    relay = _bool_param(params.get("consensus-relay-incoming-txs"), False,
                        "consensus-relay-incoming-txs", where, field)
    return PeerUri(text, scheme, host, port, responder, key, broadcast, relay)


def _decode_msg_key(encoded: str, where: str, field: str) -> bytes:
    """``consensus_msg_key``: 64 hex digits of the raw key, else URL-safe base64 of the SPKI
    DER (padding optional)."""
    if len(encoded) == 64 and _HEX.fullmatch(encoded):
        return bytes.fromhex(encoded)
    if not _B64URL.fullmatch(encoded):
        raise _fail("node.config_bad_uri", where, field,
                    "consensus-msg-key is neither hex nor URL-safe base64")
    try:
        der = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        key = serialization.load_der_public_key(der)
    except (ValueError, binascii.Error, UnsupportedAlgorithm):
        raise _fail("node.config_bad_uri", where, field,
                    "consensus-msg-key is not the DER of a public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise _fail("node.config_bad_uri", where, field, "consensus-msg-key is not Ed25519")
    if base64.urlsafe_b64encode(der).decode().rstrip("=") != encoded.rstrip("="):
        raise _fail("node.config_bad_uri", where, field,
                    "consensus-msg-key is not the canonical base64 of its DER")
    return key.public_bytes_raw()


def public_key_uri_param(pub: bytes) -> str:
    """The ``consensus-msg-key`` value for a raw Ed25519 public key: URL-safe base64 (padded)
    of its SPKI DER, as ``openssl pkey -pubout`` with ``+/`` -> ``-_`` gives."""
    if len(pub) != 32:
        raise NodeError("node.config_bad_msg_signer_key", "an Ed25519 public key is 32 bytes")
    return base64.urlsafe_b64encode(_SPKI_ED25519_PREFIX + pub).decode()


def peer_uri_for(host: str, port: int, pub: bytes, broadcast_consensus_msgs: bool = True) -> str:
    """An ``insecure-mcp`` peer URI naming ``pub`` (what a network file lists)."""
    flag = "1" if broadcast_consensus_msgs else "0"
    return (f"insecure-mcp://{host}:{port}/?consensus-msg-key={public_key_uri_param(pub)}"
            f"&broadcast-consensus-msgs={flag}")


# --- message-signer key ----------------------------------------------------------------------


def _der_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def generate_msg_signer_key_file(path: Path, seed: bytes) -> Ed25519PrivateKey:
    """Write the Ed25519 key whose 32-byte seed is ``seed`` as base64 of its PKCS#8 DER (what
    ``openssl genpkey -algorithm ed25519 -outform DER | base64`` writes) and return it."""
    try:
        key = signing_key_from_bytes(seed)
    except RefImplError:
        raise NodeError("node.config_bad_msg_signer_key",
                        f"{path}: a message-signer key seed is 32 bytes") from None
    path.write_text(base64.b64encode(_der_private(key)).decode() + "\n")
    return key


def load_msg_signer_key(path: Path) -> Ed25519PrivateKey:
    """``keypair_from_base64`` of ``lib.rs``: the file holds base64 (standard alphabet, line
    breaks allowed) of a PKCS#8 DER Ed25519 private key; ``node.config_bad_msg_signer_key``."""
    def bad(message: str) -> NodeError:
        return _fail("node.config_bad_msg_signer_key", str(path), "msg_signer_key", message)

    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise bad(f"cannot read the key file ({type(exc).__name__})") from None
    compact = "".join(text.split())
    if not _B64.fullmatch(compact) or len(compact) % 4:
        raise bad("not base64 (expected base64 of a PKCS#8 DER Ed25519 key)")
    der = base64.b64decode(compact)
    if base64.b64encode(der).decode() != compact:
        raise bad("not canonical base64")
    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise bad("not a PKCS#8 DER private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise bad("not an Ed25519 key")
    return key


# --- reading tables --------------------------------------------------------------------------


def _read_document(path: Path, field: str, suffixes: Sequence[str]) -> Any:
    """Parse a ``.json`` or ``.toml`` file (``PathExtension`` / ``UnrecognizedExtension``, I/O
    and syntax errors: ``node.config_bad_file``)."""
    where = str(path)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise _fail("node.config_bad_file", where, field,
                    f"the file name must end in {' or '.join(suffixes)}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail("node.config_bad_file", where, field,
                    f"cannot read the file ({type(exc).__name__})") from None
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        message = " ".join(str(exc).split())[:200]
        raise _fail("node.config_bad_file", where, field, f"not valid {suffix[1:]}: {message}") \
            from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


class _Table:
    """One table of a config file: refuses unknown keys at once, then reads typed values."""

    def __init__(self, table: object, where: str, allowed: Collection[str],
                 field: str = "") -> None:
        if not isinstance(table, dict):
            raise _fail("node.config_bad_type", where, field or "(top level)",
                        "expected a table of keys")
        unknown = sorted(str(k) for k in table if k not in allowed)
        if unknown:
            raise _fail("node.config_unknown_field", where, self._name(field, unknown[0]),
                        f"unknown field (allowed: {', '.join(sorted(allowed))})")
        self.table: dict[str, Any] = table
        self.where = where
        self.field = field

    @staticmethod
    def _name(field: str, key: str) -> str:
        return f"{field}.{key}" if field else key

    def name(self, key: str) -> str:
        return self._name(self.field, key)

    def has(self, key: str) -> bool:
        return key in self.table and self.table[key] is not None

    def raw(self, key: str) -> Any:
        if not self.has(key):
            raise _fail("node.config_missing_field", self.where, self.name(key), "missing")
        return self.table[key]

    def bad_type(self, key: str, expected: str) -> NodeError:
        return _fail("node.config_bad_type", self.where, self.name(key), f"expected {expected}")

    def string(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str):
            raise self.bad_type(key, "a string")
        if not value or "\x00" in value:
            raise _fail("node.config_bad_value", self.where, self.name(key),
                        "must be a non-empty string without NUL")
        return value

    def opt_string(self, key: str) -> str | None:
        return self.string(key) if self.has(key) else None

    def integer(self, key: str, lo: int, hi: int) -> int:
        value = self.raw(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.bad_type(key, "an integer")
        if not lo <= value <= hi:
            raise _fail("node.config_bad_value", self.where, self.name(key),
                        f"{value} is outside {lo}..{hi}")
        return value

    def opt_integer(self, key: str, lo: int, hi: int) -> int | None:
        return self.integer(key, lo, hi) if self.has(key) else None

    def boolean(self, key: str, default: bool) -> bool:
        if not self.has(key):
            return default
        value = self.table[key]
        if not isinstance(value, bool):
            raise self.bad_type(key, "true or false")
        return value

    def strings(self, key: str) -> list[str]:
        value = self.raw(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.bad_type(key, "a list of strings")
        return value


# --- tokens ----------------------------------------------------------------------------------


@attrs.frozen
class TokenConfig:
    """One token of the tokens file (``TokenConfig`` of ``tokens.rs``), fee resolved."""

    token_id: int
    minimum_fee: int
    allow_any_fee: bool = False


@attrs.frozen
class TokensConfig:
    """The tokens the node accepts, validated (``TokensConfig::validate`` and
    ``FeeMap::is_valid_map``)."""

    tokens: tuple[TokenConfig, ...]

    def fee_map(self) -> dict[int, int]:
        """``{token_id: minimum fee}`` (``TokensConfig::fee_map``)."""
        return {t.token_id: t.minimum_fee for t in self.tokens}


def default_tokens() -> TokensConfig:
    """``TokensConfig::default``: MOB only, at 400 µMOB."""
    return TokensConfig((TokenConfig(MOB_TOKEN_ID, MOB_MINIMUM_FEE),))


def load_tokens_config(path: Path | None) -> TokensConfig:
    """``Config::tokens``: the file when given (JSON or TOML by extension), else the default."""
    if path is None:
        return default_tokens()
    return parse_tokens_config(_read_document(path, "tokens", (".json", ".toml")), str(path))


def parse_tokens_config(document: object, where: str = "tokens") -> TokensConfig:
    """Validate a parsed tokens document. Governors and minting (``governors``,
    ``governors_signature``, ``signer_identities``) are refused: this implementation has no
    minting (``node.config_minting_unsupported``)."""
    top = _Table(document, where, ("tokens", "governors_signature"))
    if top.has("governors_signature") and top.table["governors_signature"] != "":
        raise _fail("node.config_minting_unsupported", where, "governors_signature",
                    "governors and minting are not supported by this implementation")
    entries = top.raw("tokens")
    if not isinstance(entries, list):
        raise top.bad_type("tokens", "a list of tokens")
    tables = [_Table(e, where, ("token_id", "minimum_fee", "allow_any_fee", "governors",
                                "signer_identities"), f"tokens[{i}]")
              for i, e in enumerate(entries)]
    ids = [t.integer("token_id", 0, U64 - 1) for t in tables]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise _fail("node.config_duplicate_token", where, "tokens",
                    f"token {dup} is configured twice (DuplicateTokenConfig)")
    if MOB_TOKEN_ID not in ids:
        raise _fail("node.config_missing_mob_token", where, "tokens",
                    "MOB (token 0) is not configured (MissingMobConfig)")
    tokens = []
    for table, token_id in zip(tables, ids, strict=True):
        for key in ("governors", "signer_identities"):
            if table.has(key):
                raise _fail("node.config_minting_unsupported", where, table.name(key),
                            "governors and minting are not supported by this implementation")
        fee = table.opt_integer("minimum_fee", 0, U64 - 1)
        if fee is None and token_id == MOB_TOKEN_ID:
            fee = MOB_MINIMUM_FEE
        if fee is None:
            raise _fail("node.config_missing_minimum_fee", where, table.name("minimum_fee"),
                        f"token {token_id} has no minimum fee (MissingMinimumFee)")
        any_fee = table.boolean("allow_any_fee", False)
        if token_id == MOB_TOKEN_ID and not any_fee and fee not in ACCEPTABLE_MOB_FEES:
            raise _fail("node.config_fee_out_of_bounds", where, table.name("minimum_fee"),
                        f"MOB minimum fee {fee} is outside [10000, 10^12) (FeeOutOfBounds); "
                        "set allow_any_fee = true to allow it")
        if token_id != MOB_TOKEN_ID and any_fee:
            raise _fail("node.config_allow_any_fee_not_allowed", where,
                        table.name("allow_any_fee"), f"token {token_id}: only MOB may set it")
        tokens.append(TokenConfig(token_id, fee, any_fee))
    check_enclave_fee_map({t.token_id: t.minimum_fee for t in tokens}, where)
    return TokensConfig(tuple(tokens))


def check_enclave_fee_map(fee_map: Mapping[int, int], where: str = "tokens") -> None:
    """``FeeMap::is_valid_map`` (``fee_map.rs``), checked by ``enclave_init``: every fee at
    least 128 (``refimpl.ledger.apply.check_fee_map``) and a multiple of 128, MOB present;
    ``node.config_bad_fee_map``."""
    try:
        check_fee_map(fee_map)
    except LedgerError as exc:
        raise _fail("node.config_bad_fee_map", where, "minimum_fee", exc.message) from None
    for token_id, fee in fee_map.items():
        if fee % FEE_GRANULE:
            raise _fail("node.config_bad_fee_map", where, "minimum_fee",
                        f"token {token_id}: minimum fee {fee} is not a multiple of 128")
    if MOB_TOKEN_ID not in fee_map:
        raise _fail("node.config_bad_fee_map", where, "minimum_fee", "MOB has no fee")


# --- quorum sets -----------------------------------------------------------------------------


def quorum_set_from_mobilecoin(obj: object, where: str = "network",
                               field: str = "quorum_set", depth: int = 0) -> QuorumSet:
    """``QuorumSet<ResponderId>`` from its serde form; members are responder ids. The result
    is checked with ``QuorumSet.validate`` (MobileCoin's ``is_valid`` plus no empty inner set,
    threshold at least 1 and no node named twice): ``node.config_bad_quorum_set``."""
    qset = _mc_qset(obj, where, field, depth)
    if depth == 0:
        try:
            qset.validate()
        except ScpError as exc:
            raise _fail("node.config_bad_quorum_set", where, field,
                        f"invalid quorum set: {exc.message}") from None
    return qset


def _mc_qset(obj: object, where: str, field: str, depth: int) -> QuorumSet:
    if depth > MAX_DEPTH:
        raise _fail("node.config_bad_quorum_set", where, field,
                    f"nested more than {MAX_DEPTH} levels")
    table = _Table(obj, where, ("threshold", "members"), field)
    threshold = table.integer("threshold", 0, 2**32 - 1)
    members_raw = table.raw("members")
    if not isinstance(members_raw, list):
        raise table.bad_type("members", "a list")
    members: list[QuorumMember] = []
    for i, m in enumerate(members_raw):
        name = f"{field}.members[{i}]"
        entry = _Table(m, where, ("type", "args"), name)
        kind = entry.raw("type")
        if kind == "Node":
            members.append(check_responder_id(entry.raw("args"), where, f"{name}.args"))
        elif kind == "InnerSet":
            members.append(_mc_qset(entry.raw("args"), where, f"{name}.args", depth + 1))
        else:
            raise _fail("node.config_bad_quorum_set", where, f"{name}.type",
                        f"{kind!r} is neither \"Node\" nor \"InnerSet\"")
    return QuorumSet(threshold, tuple(members))


def quorum_set_to_mobilecoin(qset: QuorumSet) -> dict[str, Any]:
    """The serde form of a quorum set (members ``{"type": "Node", "args": id}`` or
    ``{"type": "InnerSet", "args": {...}}``)."""
    return {
        "threshold": qset.threshold,
        "members": [
            {"type": "InnerSet", "args": quorum_set_to_mobilecoin(m)} if isinstance(m, QuorumSet)
            else {"type": "Node", "args": m}
            for m in qset.members
        ],
    }


def check_network_intersection(quorum_sets: Mapping[NodeID, QuorumSet],
                               ) -> tuple[tuple[NodeID, ...], tuple[NodeID, ...]] | None:
    """Two disjoint quorums of the FBAS ``quorum_sets``, or ``None`` when every two quorums
    intersect (``refimpl.formal.quorum.check_intersection``; nodes named but not keys have an
    unknown quorum set and may join any quorum)."""
    if not quorum_sets:
        return None
    # Imported here: Z3 loads in a few hundred ms and only this check needs it.
    from refimpl.formal.fbas_model import from_topology
    from refimpl.formal.quorum import check_intersection

    return check_intersection(from_topology(quorum_sets)).witness


def refuse_disjoint_quorums(quorum_sets: Mapping[NodeID, QuorumSet], where: str) -> None:
    """``node.config_quorums_do_not_intersect`` with the witness, if there is one."""
    witness = check_network_intersection(quorum_sets)
    if witness is not None:
        first, second = witness
        raise _fail("node.config_quorums_do_not_intersect", where, "quorum_set",
                    f"the quorums {{{', '.join(first)}}} and {{{', '.join(second)}}} are "
                    f"disjoint (checked {len(quorum_sets)} quorum sets); "
                    "set allow_non_intersecting_quorums = true to start anyway")


# --- the network file ------------------------------------------------------------------------


@attrs.frozen
class NetworkConfig:
    """A loaded and checked network file (``NetworkConfig`` of ``network.rs``)."""

    path: Path
    quorum_set: QuorumSet
    """Over peer responder ids (the SCP ``NodeID``), without this node."""
    broadcast_peers: tuple[PeerUri, ...]
    tx_source_urls: tuple[str, ...]
    known_peers: tuple[PeerUri, ...] | None
    peer_quorum_sets: Mapping[NodeID, QuorumSet] = attrs.field(factory=dict, hash=False)
    peer_keys: Mapping[NodeID, bytes] = attrs.field(factory=dict, hash=False)
    """Responder id -> consensus-msg public key, for every broadcast and known peer."""


_NETWORK_FIELDS = ("quorum_set", "broadcast_peers", "tx_source_urls", "known_peers",
                   "peer_quorum_sets")


def load_network_config(path: Path, peer_responder_id: str) -> NetworkConfig:
    """``NetworkConfig::load_from_path`` then ``quorum_set()``: every check of the network file
    for the node ``peer_responder_id``."""
    return parse_network_config(_read_document(path, "network", (".json", ".toml")), path,
                                peer_responder_id)


def parse_network_config(document: object, path: Path, peer_responder_id: str) -> NetworkConfig:
    """The checks of :func:`load_network_config` on a parsed document."""
    where = str(path)
    table = _Table(document, where, _NETWORK_FIELDS)
    quorum_set = quorum_set_from_mobilecoin(table.raw("quorum_set"), where)
    broadcast = tuple(parse_peer_uri(u, where, f"broadcast_peers[{i}]")
                      for i, u in enumerate(table.strings("broadcast_peers")))
    known = (tuple(parse_peer_uri(u, where, f"known_peers[{i}]")
                   for i, u in enumerate(table.strings("known_peers")))
             if table.has("known_peers") else None)
    urls = tuple(table.strings("tx_source_urls"))
    for i, url in enumerate(urls):
        _check_tx_source_url(url, where, f"tx_source_urls[{i}]")
    keys: dict[NodeID, bytes] = {}
    for peer in broadcast + (known or ()):
        rid = peer.responder_id
        if rid == peer_responder_id:
            raise _fail("node.config_known_peers_contains_self", where, "broadcast_peers",
                        f"{rid} is this node (KnownPeersContainsSelf)")
        if rid in keys and keys[rid] != peer.consensus_msg_key:
            raise _fail("node.config_node_id_mismatch", where, "known_peers",
                        f"node id mismatch for {rid}: two different consensus-msg-keys")
        if rid in keys:
            raise _fail("node.config_duplicate_responder_id", where, "broadcast_peers",
                        f"{rid} appears twice (DuplicateResponderId)")
        keys[rid] = peer.consensus_msg_key
    if broadcast and not urls:
        raise _fail("node.config_missing_tx_source_urls", where, "tx_source_urls",
                    "peers are configured but there is no tx source (MissingTxSourceUrls)")
    resolve_quorum_set(quorum_set, keys, peer_responder_id, where)
    peer_qsets: dict[NodeID, QuorumSet] = {}
    if table.has("peer_quorum_sets"):
        raw = table.raw("peer_quorum_sets")
        if not isinstance(raw, dict):
            raise table.bad_type("peer_quorum_sets", "a table of responder id -> quorum set")
        for node, qset in raw.items():
            name = f"peer_quorum_sets.{node}"
            check_responder_id(node, where, name)
            if node == peer_responder_id:
                raise _fail("node.config_bad_value", where, name,
                            "this node's own quorum set is the quorum_set key")
            peer_qsets[node] = quorum_set_from_mobilecoin(qset, where, name)
    return NetworkConfig(path, quorum_set, broadcast, urls, known, peer_qsets, keys)


def _check_tx_source_url(url: str, where: str, field: str) -> None:
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in _TX_SOURCE_SCHEMES or not rest or \
            not url.isprintable() or any(c.isspace() for c in url):
        raise _fail("node.config_bad_uri", where, field,
                    f"{url!r} is not a {', '.join(_TX_SOURCE_SCHEMES)} URL")


def resolve_quorum_set(quorum_set: QuorumSet, peer_keys: Mapping[NodeID, bytes],
                       own_responder_id: str, where: str = "network",
                       ) -> tuple[QuorumSet, dict[NodeID, bytes]]:
    """``NetworkConfig::quorum_set``: every member must be a broadcast or known peer
    (``node.config_unknown_quorum_member``, MobileCoin's ``"Unknown responder_id X in quorum
    set"``) and not this node (``node.config_self_in_quorum_set``). SCP's ``NodeID`` is the
    responder id, so the quorum set is returned as is, with the keys of its members."""
    members = quorum_set.nodes()
    if own_responder_id in members:
        raise _fail("node.config_self_in_quorum_set", where, "quorum_set",
                    f"{own_responder_id} is this node: a node belongs to its own slices "
                    "implicitly and is not listed")
    for member in sorted(members):
        if member not in peer_keys:
            raise _fail("node.config_unknown_quorum_member", where, "quorum_set",
                        f"Unknown responder_id {member} in quorum set: add it to "
                        "broadcast_peers or known_peers")
    return quorum_set, {m: peer_keys[m] for m in members}


# --- the node file ---------------------------------------------------------------------------


@attrs.frozen
class NodeConfig:
    """A parsed node file (see the module docstring); paths are absolute."""

    path: Path
    chain_id: str
    peer_responder_id: str
    client_responder_id: str
    msg_signer_key: Path
    network: Path
    peer_listen_uri: ListenUri
    client_listen_uri: ListenUri
    admin_listen_uri: ListenUri | None
    ledger_path: Path
    origin_block_path: Path | None
    sealed_block_signing_key: Path
    tokens: Path | None
    block_version: int
    scp_debug_dump: Path | None
    archive_dir: Path | None
    sgx_seed: bytes
    sgx_platform_index: int
    enclave_code: str | None
    scp_timebase_ms: int
    variant: str
    allow_non_intersecting_quorums: bool
    relay_consensus_msgs: bool
    byzantine: str | None
    trace_epoch_ms: int | None


NODE_FIELDS = tuple(f.name for f in attrs.fields(NodeConfig) if f.name != "path")


#: Byzantine behaviours a node can be configured with, for fault tests of a local network.
BYZANTINE_BEHAVIOURS = ("equivocate",)


def _byzantine(t: _Table) -> str | None:
    value = t.opt_string("byzantine")
    if value is not None and value not in BYZANTINE_BEHAVIOURS:
        raise t.bad_type("byzantine", " or ".join(BYZANTINE_BEHAVIOURS))
    return value


def load_node_config(path: Path) -> NodeConfig:
    """Read and type-check a node file (the files it names are read by :func:`validate_node`)."""
    path = Path(path)
    document = _read_document(path, "node config", (".toml",))
    return parse_node_config(document, path)


def parse_node_config(document: object, path: Path) -> NodeConfig:
    """The checks of :func:`load_node_config` on a parsed TOML document."""
    where = str(path)
    t = _Table(document, where, NODE_FIELDS)
    base = path.resolve().parent

    def file(key: str) -> Path:
        return (base / t.string(key)).resolve()

    def opt_file(key: str) -> Path | None:
        return file(key) if t.has(key) else None

    def listen(key: str, schemes: Mapping[str, int], default: str | None) -> ListenUri | None:
        if not t.has(key) and default is None:
            return None
        raw = t.table[key] if t.has(key) else default
        return parse_listen_uri(raw, schemes, where, key)

    variant = t.string("variant") if t.has("variant") else VARIANTS[0]
    if variant not in VARIANTS:
        raise _fail("node.config_bad_value", where, "variant",
                    f"{variant!r} is not one of {', '.join(VARIANTS)}")
    seed_text = t.string("sgx_seed")
    if not _HEX.fullmatch(seed_text):
        raise _fail("node.config_bad_value", where, "sgx_seed",
                    "expected an even-length hex string")
    peer = listen("peer_listen_uri", PEER_SCHEMES, "insecure-mcp://0.0.0.0:8080/")
    client = listen("client_listen_uri", CLIENT_SCHEMES, "insecure-mc://0.0.0.0:3223/")
    assert peer is not None and client is not None
    return NodeConfig(
        path=path.resolve(),
        chain_id=t.string("chain_id"),
        peer_responder_id=check_responder_id(t.raw("peer_responder_id"), where,
                                             "peer_responder_id"),
        client_responder_id=check_responder_id(t.raw("client_responder_id"), where,
                                               "client_responder_id"),
        msg_signer_key=file("msg_signer_key"),
        network=file("network"),
        peer_listen_uri=peer,
        client_listen_uri=client,
        admin_listen_uri=listen("admin_listen_uri", ADMIN_SCHEMES, None),
        ledger_path=file("ledger_path"),
        origin_block_path=opt_file("origin_block_path"),
        sealed_block_signing_key=file("sealed_block_signing_key"),
        tokens=opt_file("tokens"),
        block_version=(t.integer("block_version", 0, MAX_BLOCK_VERSION)
                       if t.has("block_version") else DEFAULT_BLOCK_VERSION),
        scp_debug_dump=opt_file("scp_debug_dump"),
        archive_dir=opt_file("archive_dir"),
        sgx_seed=bytes.fromhex(seed_text),
        sgx_platform_index=t.integer("sgx_platform_index", 0, 2**16 - 1),
        enclave_code=t.opt_string("enclave_code"),
        scp_timebase_ms=(t.integer("scp_timebase_ms", 1, 3_600_000)
                         if t.has("scp_timebase_ms") else DEFAULT_SCP_TIMEBASE_MS),
        variant=variant,
        allow_non_intersecting_quorums=t.boolean("allow_non_intersecting_quorums", False),
        relay_consensus_msgs=t.boolean("relay_consensus_msgs", True),
        byzantine=_byzantine(t),
        trace_epoch_ms=t.opt_integer("trace_epoch_ms", 0, 2**63 - 1),
    )


# --- start-up validation ---------------------------------------------------------------------


@attrs.frozen
class ValidatedNode:
    """Everything a node needs from its configuration, every check passed."""

    config: NodeConfig
    network: NetworkConfig
    quorum_set: QuorumSet
    peer_keys: Mapping[NodeID, bytes] = attrs.field(hash=False)
    """Responder id -> consensus-msg public key of every broadcast and known peer."""
    tokens: TokensConfig
    msg_signer_key: Ed25519PrivateKey = attrs.field(eq=False, repr=False)
    checked_quorum_sets: Mapping[NodeID, QuorumSet] = attrs.field(hash=False, repr=False)
    """The quorum sets the intersection check covered (this node's included)."""

    @property
    def node_id(self) -> NodeID:
        return self.config.peer_responder_id

    @property
    def msg_public_key(self) -> bytes:
        return self.msg_signer_key.public_key().public_bytes_raw()

    def fee_map(self) -> dict[int, int]:
        return self.tokens.fee_map()


def validate_node(config: NodeConfig,
                  quorum_sets: Mapping[NodeID, QuorumSet] | None = None) -> ValidatedNode:
    """Load and check every file ``config`` names, in MobileCoin's start-up order: network
    file, tokens file, message-signer key, ledger presence; then quorum intersection over this
    node's quorum set, the network file's ``peer_quorum_sets`` and ``quorum_sets`` (responder id
    -> quorum set of other validators; for this node, its own set wins)."""
    where = str(config.path)
    network = load_network_config(config.network, config.peer_responder_id)
    tokens = load_tokens_config(config.tokens)
    key = load_msg_signer_key(config.msg_signer_key)
    if not (config.ledger_path / "data.mdb").is_file():
        origin = config.origin_block_path
        if origin is None or not (origin / "data.mdb").is_file():
            raise _fail("node.config_no_ledger", where, "origin_block_path",
                        f"{config.ledger_path} holds no ledger and no origin ledger "
                        f"({origin}) is given to copy")
    checked: dict[NodeID, QuorumSet] = dict(network.peer_quorum_sets)
    checked.update(quorum_sets or {})
    checked[config.peer_responder_id] = network.quorum_set
    for node, qset in checked.items():
        try:
            qset.validate()
        except ScpError as exc:
            raise _fail("node.config_bad_quorum_set", where, f"quorum set of {node}",
                        exc.message) from None
    if not config.allow_non_intersecting_quorums:
        refuse_disjoint_quorums(checked, where)
    return ValidatedNode(config, network, network.quorum_set, dict(network.peer_keys), tokens,
                         key, checked)


def load_validated_node(path: Path, quorum_sets: Mapping[NodeID, QuorumSet] | None = None,
                        ) -> ValidatedNode:
    """:func:`load_node_config` then :func:`validate_node`."""
    return validate_node(load_node_config(path), quorum_sets)
