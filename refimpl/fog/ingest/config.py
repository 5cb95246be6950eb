"""The ingest server's settings and flags.

MobileCoin ``fog/ingest/server/src/config.rs`` (``IngestConfig``): ``--ledger-db``,
``--state-file``, ``--fog-report-id`` (default ``""``), ``--user-capacity`` (default 262144),
``--max-transactions`` (default 100000), ``--pubkey-expiry-window`` (default 10),
``--poll_interval_ms`` (default 250; ``--poll-interval-ms`` is accepted too),
``--admin-listen-uri``, ``--local-node-id`` and the recovery database (here one
``--recovery-db URL``). Simulation flags shared by every fog role: ``--sgx-seed HEX`` and
``--fog-index K``. refimpl adds ``--activate`` (start active, the local network's default;
MobileCoin's operator calls ``Activate``) and ``--new-keys`` (ignore the state file's sealed
key and start with a new ingress key).

Not here: peers (``--peers``, ``--peer-listen-uri``, ``--peer-checkup-period``) and
``--mobilecoind-uri`` / ``--watcher-db`` (blocks and their timestamps come from the node's
ledger). ``account_ingest.AccountIngestAPI``, which MobileCoin serves on
``--client-listen-uri``, is served on ``--admin-listen-uri`` (plain gRPC).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import attrs

from refimpl.fog.service_config import SettingChecks, add_enclave_arguments

#: ``AdminUri`` (``insecure-mca``, 9090) and ``FogIngestUri`` (``insecure-fog-ingest``, 3226).
ADMIN_SCHEMES = {"insecure-mca": 9090, "mca": 9443, "insecure-fog-ingest": 3226,
                 "fog-ingest": 443}
DEFAULT_USER_CAPACITY = 262_144
DEFAULT_MAX_TRANSACTIONS = 100_000
DEFAULT_PUBKEY_EXPIRY_WINDOW = 10
DEFAULT_POLL_INTERVAL_MS = 250
MAX_USER_CAPACITY = 1 << 32
MAX_REPORT_ID_LEN = 64
U63_MAX = 2**63 - 1
#: Largest expiry window: block index + window must stay a database BIGINT.
MAX_PUBKEY_EXPIRY_WINDOW = 2**62
_CHECKS = SettingChecks("fog.ingest_bad_config")


def _check_report_id(_instance: object, _attribute: object, value: str) -> None:
    if len(value) > MAX_REPORT_ID_LEN:
        raise _CHECKS.bad("--fog-report-id", f"at most {MAX_REPORT_ID_LEN} characters")


def _optional_path(value: object) -> Path | None:
    return None if value is None else Path(str(value))


@attrs.frozen
class IngestConfig:
    """Every setting of a fog ingest server, validated (``fog.ingest_bad_config``)."""

    ledger_db: Path = attrs.field(converter=Path)
    recovery_db: str
    sgx_seed: bytes = attrs.field(validator=_CHECKS.seed_bytes())
    #: ``HOST:PORT`` of the AccountIngestAPI (port 0: any free port); ``None``: no admin API
    admin_listen_address: str | None = None
    state_file: Path | None = attrs.field(default=None, converter=_optional_path)
    new_keys: bool = False
    activate: bool = False
    fog_index: int = attrs.field(default=0, validator=_CHECKS.fog_index())
    local_node_id: str = attrs.field(
        default="fog-ingest:3226",
        validator=_CHECKS.responder_id("--local-node-id", optional=False))
    fog_report_id: str = attrs.field(default="", validator=_check_report_id)
    pubkey_expiry_window: int = attrs.field(
        default=DEFAULT_PUBKEY_EXPIRY_WINDOW,
        validator=_CHECKS.in_range("--pubkey-expiry-window", 0, MAX_PUBKEY_EXPIRY_WINDOW))
    poll_interval_ms: int = attrs.field(default=DEFAULT_POLL_INTERVAL_MS,
                                        validator=_CHECKS.interval_ms("--poll-interval-ms"))
    user_capacity: int = attrs.field(
        default=DEFAULT_USER_CAPACITY,
        validator=_CHECKS.in_range("--user-capacity", 1, MAX_USER_CAPACITY))
    max_transactions: int = attrs.field(
        default=DEFAULT_MAX_TRANSACTIONS,
        validator=_CHECKS.in_range("--max-transactions", 1, U63_MAX))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The server's flags (MobileCoin's names where it has them)."""
    parser.add_argument("--ledger-db", required=True, help="a node's ledger directory (LMDB)")
    parser.add_argument("--recovery-db", required=True,
                        help="sqlite:///PATH or postgresql://...")
    add_enclave_arguments(parser)
    parser.add_argument("--admin-listen-uri",
                        help="insecure-mca://HOST:PORT/ or HOST:PORT for AccountIngestAPI")
    parser.add_argument("--local-node-id", default="fog-ingest:3226",
                        help="this server's responder id (HOST:PORT)")
    parser.add_argument("--state-file", help="where the summary and sealed ingress key live")
    parser.add_argument("--new-keys", action="store_true",
                        help="ignore the state file's sealed key: start with a new ingress key")
    parser.add_argument("--activate", action="store_true",
                        help="activate at start (when not already active)")
    parser.add_argument("--fog-report-id", default="", help="report id to publish under")
    parser.add_argument("--pubkey-expiry-window", type=int,
                        default=DEFAULT_PUBKEY_EXPIRY_WINDOW,
                        help="blocks a published report's key stays valid beyond the next one")
    parser.add_argument("--poll-interval-ms", "--poll_interval_ms", dest="poll_interval_ms",
                        type=int, default=DEFAULT_POLL_INTERVAL_MS,
                        help="milliseconds between ledger polls")
    parser.add_argument("--user-capacity", type=int, default=DEFAULT_USER_CAPACITY,
                        help="users the enclave's RNG store holds before it rotates keys")
    parser.add_argument("--max-transactions", type=int, default=DEFAULT_MAX_TRANSACTIONS,
                        help="TxOuts per enclave call")


def config_from_args(args: argparse.Namespace) -> IngestConfig:
    """The validated configuration of parsed flags."""
    sgx_seed = _CHECKS.hex_seed(args.sgx_seed)
    admin = None
    if args.admin_listen_uri is not None:
        admin = _CHECKS.listen_target(args.admin_listen_uri, ADMIN_SCHEMES, "--admin-listen-uri")
    return IngestConfig(
        ledger_db=args.ledger_db, recovery_db=args.recovery_db,
        sgx_seed=sgx_seed, admin_listen_address=admin,
        state_file=args.state_file, new_keys=args.new_keys, activate=args.activate,
        fog_index=args.fog_index, local_node_id=args.local_node_id,
        fog_report_id=args.fog_report_id, pubkey_expiry_window=args.pubkey_expiry_window,
        poll_interval_ms=args.poll_interval_ms, user_capacity=args.user_capacity,
        max_transactions=args.max_transactions)
