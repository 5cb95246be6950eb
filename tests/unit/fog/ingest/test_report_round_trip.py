"""Ingest publishes, the report server signs, a sender validates and encrypts a hint to the
validated key, ingest scans the output and the recipient finds it: the whole report path."""

from __future__ import annotations

from pathlib import Path

from refimpl.account.keys import AccountKey
from refimpl.fog.enclave import FogEnclave
from refimpl.fog.ingest.controller import IngestController
from refimpl.fog.recovery_db import SqlRecoveryDb
from refimpl.fog.report.client import fetch_reports
from refimpl.fog.report.operator import fog_account_key, make_operator_chain
from refimpl.fog.report.server import ReportConfig, ReportServer
from refimpl.fog.report.validate import FogResolver, ingest_report_verifier
from refimpl.ledger.synthetic import SyntheticSource

from ._ledger import activate_on, append_blocks, contents, find_outputs, fog_output, run_blocks
from .conftest import SGX_SEED, MakeConfig


def test_sender_encrypts_to_the_published_key_and_the_recipient_finds_it(
        make_config: MakeConfig, host: FogEnclave, db: SqlRecoveryDb, db_url: str,
        ledger: Path, tmp_path: Path) -> None:
    operator = make_operator_chain(b"round trip operator")
    chain, key = operator.write(tmp_path / "operator")
    controller = IngestController(make_config(fog_report_id="r1"), host, db)
    activate_on(controller, ledger)

    report_server = ReportServer(ReportConfig("127.0.0.1:0", db_url, chain, key))
    report_server.start()
    try:
        url = f"insecure-fog://{report_server.address}/"
        carol: AccountKey = fog_account_key(b"\x0c" * 32, url, operator.chain, "r1")
        response = fetch_reports(url)
    finally:
        report_server.stop()

    fog_key = FogResolver({url: response}, ingest_report_verifier(SGX_SEED))(
        carol.default_subaddress())
    assert fog_key.pubkey == controller.ingress_public_key()
    assert fog_key.pubkey_expiry == 1 + 10
    output = fog_output(fog_key.pubkey, carol, 42, 1)  # the hint sealed to the validated key
    append_blocks(ledger, [contents(SyntheticSource(b"rt"), [output])])
    run_blocks(controller, ledger, 2)
    [(block, _, found)] = find_outputs(db, carol)
    assert (block, found.public_key) == (1, output.public_key)
