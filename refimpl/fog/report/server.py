"""The fog report server process: ``report.ReportAPI/GetReports`` over the recovery database.

MobileCoin ``fog/report/server/src/{config.rs, service.rs, server.rs}``. There is no enclave:
the server reads every row of the ``reports`` table (``ReportDb::get_all_reports``), turns each
into a ``Report`` (id, the ingest enclave's DCAP evidence, ``pubkey_expiry``) and signs the list
with the operator's Ed25519 leaf key (:mod:`refimpl.fog.report.signature`), sending the chain
with it. At start-up the chain is verified and the key must be the leaf's
(``fog.report_chain_key_mismatch``), before anything binds.

Flags (MobileCoin's names): ``--client-listen-uri`` (``insecure-fog://HOST:PORT/`` or
``HOST:PORT``; port 0 picks a free one), ``--recovery-db URL``, ``--signing-chain PEM``,
``--signing-key PEM``. MobileCoin's ``--chain-id`` request check and ``--admin-listen-uri``
are not implemented. A database failure while answering is ``UNAVAILABLE`` with the error
line; a report row whose evidence does not decode is ``INTERNAL``.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

import attrs
import grpc

from refimpl.errors import RefImplError
from refimpl.fog.api import report_pb2
from refimpl.fog.grpc_host import FogServer
from refimpl.fog.recovery_db import ReportDb, SqlRecoveryDb, open_recovery_db
from refimpl.fog.report.messages import Report, decode_report_evidence
from refimpl.fog.report.operator import SigningMaterials
from refimpl.fog.service_config import SettingChecks, with_port
from refimpl.node.grpc_util import ServiceHandler, service_handler, unary_handler

REPORT_SERVICE = "report.ReportAPI"
#: ``FogUri`` (``util/uri``): the report server's URI schemes and default ports.
FOG_SCHEMES = {"insecure-fog": 3225, "fog": 443}


@attrs.frozen
class ReportConfig:
    """The report server's settings."""

    client_listen_address: str
    recovery_db: str
    signing_chain: Path
    signing_key: Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--client-listen-uri", required=True,
                        help="insecure-fog://HOST:PORT/ or HOST:PORT (port 0: any free port)")
    parser.add_argument("--recovery-db", required=True,
                        help="sqlite:///PATH or postgresql://...")
    parser.add_argument("--signing-chain", required=True, type=Path,
                        help="PEM X.509 chain, leaf first, Ed25519 leaf")
    parser.add_argument("--signing-key", required=True, type=Path,
                        help="PEM (PKCS#8) Ed25519 private key of the chain's leaf")


def config_from_args(args: argparse.Namespace) -> ReportConfig:
    """``fog.report_bad_config`` for a malformed listen URI."""
    address = SettingChecks("fog.report_bad_config").listen_target(
        args.client_listen_uri, FOG_SCHEMES, "--client-listen-uri")
    return ReportConfig(address, args.recovery_db, args.signing_chain, args.signing_key)


def report_service(db: ReportDb, materials: SigningMaterials) -> ServiceHandler:
    """``ReportAPI`` serving ``db``'s reports signed with ``materials``."""

    def get_reports(_request: report_pb2.ReportRequest,
                    context: grpc.ServicerContext) -> report_pb2.ReportResponse:
        try:
            rows = db.get_all_reports()
        except RefImplError as err:
            context.abort(grpc.StatusCode.UNAVAILABLE, err.one_line())
        try:
            reports = [Report(report_id, decode_report_evidence(data.attestation_evidence),
                              data.pubkey_expiry) for report_id, data in rows]
        except RefImplError as err:
            context.abort(grpc.StatusCode.INTERNAL, err.one_line())
        return materials.sign(reports).to_pb()

    return service_handler(REPORT_SERVICE, {
        "GetReports": unary_handler(get_reports, report_pb2.ReportRequest,
                                    report_pb2.ReportResponse),
    })


class ReportServer:
    """The report server; the signing materials are checked on construction."""

    def __init__(self, config: ReportConfig) -> None:
        self.config = config
        self.materials = SigningMaterials.from_files(config.signing_chain, config.signing_key)
        self._lock = threading.Lock()
        self._db: SqlRecoveryDb | None = None
        self._server: FogServer | None = None
        self.port = 0

    @property
    def address(self) -> str:
        return with_port(self.config.client_listen_address, self.port)

    def start(self) -> None:
        """Open the database, bind (``fog.bind_failed``) and serve."""
        with self._lock:
            db = open_recovery_db(self.config.recovery_db)
            server = FogServer("fog report server", self.config.client_listen_address,
                               [report_service(db, self.materials)])
            try:
                self.port = server.start()
            except RefImplError:
                db.close()
                raise
            self._db, self._server = db, server

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.stop()
                self._server = None
            if self._db is not None:
                self._db.close()
                self._db = None
