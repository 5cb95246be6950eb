"""The report server process on loopback over a SQLite recovery database: what GetReports
serves is every report row, signed so that a sender validates it; start-up refuses signing
materials that do not match; the operator tool writes reproducible PEM files."""

from __future__ import annotations

import argparse
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from refimpl.account.keys import AccountKey
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.enclave.channel import EvidenceVerifier
from refimpl.errors import FogError
from refimpl.fog.enclave import FogEnclave
from refimpl.fog.recovery_db import ReportData, SqlRecoveryDb, open_recovery_db
from refimpl.fog.report import operator as operator_tool
from refimpl.fog.report.client import fetch_reports
from refimpl.fog.report.operator import OperatorChain, SigningMaterials, make_operator_chain
from refimpl.fog.report.server import (
    ReportConfig,
    ReportServer,
    add_arguments,
    config_from_args,
)
from refimpl.fog.report.validate import validate_fog_pubkey
from refimpl.transaction.fog_hint import FogPubkey


@pytest.fixture
def pem_files(tmp_path: Path, operator: OperatorChain) -> tuple[Path, Path]:
    return operator.write(tmp_path / "operator")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'recovery.db'}"


@pytest.fixture
def server(db_url: str, pem_files: tuple[Path, Path]) -> Iterator[ReportServer]:
    chain, key = pem_files
    srv = ReportServer(ReportConfig("127.0.0.1:0", db_url, chain, key))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def _publish(db: SqlRecoveryDb, host: FogEnclave, key: Point, report_id: str,
             expiry: int) -> None:
    if db.get_ingress_key_status(key.to_bytes()) is None:
        db.new_ingress_key(key.to_bytes(), 0)
    db.set_report(key.to_bytes(), report_id,
                  ReportData(None, host.evidence(key.to_bytes()).encode(), expiry))


def test_get_reports_serves_every_row_signed(server: ReportServer, db_url: str,
                                             ingest_host: FogEnclave, account: AccountKey,
                                             verifier: EvidenceVerifier) -> None:
    url = f"insecure-fog://{server.address}/"
    empty = fetch_reports(url)
    assert empty.reports == () and len(empty.chain) == 3
    first, second = Point.mul_base(Scalar(11)), Point.mul_base(Scalar(12))
    with open_recovery_db(db_url) as db:
        _publish(db, ingest_host, first, "", 15)
        _publish(db, ingest_host, second, "b", 30)
        got = fetch_reports(server.address)
        assert [(r.fog_report_id, r.pubkey_expiry) for r in got.reports] == [("", 15), ("b", 30)]
        assert validate_fog_pubkey(account.default_subaddress(), got, verifier) == \
            FogPubkey(first, 15)
        # a new report under the same id replaces the old one, and the answer follows the db
        _publish(db, ingest_host, first, "", 16)
        db.remove_report("b")
        got = fetch_reports(url)
        assert [(r.fog_report_id, r.pubkey_expiry) for r in got.reports] == [("", 16)]
        assert validate_fog_pubkey(account.default_subaddress(), got, verifier).pubkey_expiry \
            == 16


def test_start_up_refuses_a_key_that_is_not_the_leafs(
        tmp_path: Path, db_url: str, pem_files: tuple[Path, Path],
        other_operator: OperatorChain) -> None:
    chain, _ = pem_files
    _, other_key = other_operator.write(tmp_path / "other")
    with pytest.raises(FogError) as info:
        ReportServer(ReportConfig("127.0.0.1:0", db_url, chain, other_key))
    assert info.value.code == "fog.report_chain_key_mismatch"
    cases = {
        "fog.report_bad_pem": (tmp_path / "missing.pem", other_key),
        "fog.report_bad_signing_key": (chain, chain),
    }
    for code, (chain_path, key_path) in cases.items():
        with pytest.raises(FogError) as info:
            ReportServer(ReportConfig("127.0.0.1:0", db_url, chain_path, key_path))
        assert info.value.code == code
    not_pem = tmp_path / "garbage.pem"
    not_pem.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(FogError) as info:
        SigningMaterials.from_files(not_pem, other_key)
    assert info.value.code == "fog.report_bad_pem"


def test_a_taken_port_is_a_bind_failure(db_url: str, pem_files: tuple[Path, Path]) -> None:
    chain, key = pem_files
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        srv = ReportServer(ReportConfig(f"127.0.0.1:{port}", db_url, chain, key))
        with pytest.raises(FogError) as info:
            srv.start()
        assert info.value.code == "fog.bind_failed"
        srv.stop()


def test_flags(pem_files: tuple[Path, Path]) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    chain, key = pem_files
    base = ["--recovery-db", "sqlite:///x.db", "--signing-chain", str(chain),
            "--signing-key", str(key)]
    for uri, address in (("insecure-fog://127.0.0.1:4000/", "127.0.0.1:4000"),
                         ("insecure-fog://localhost", "localhost:3225"),
                         ("127.0.0.1:0", "127.0.0.1:0")):
        config = config_from_args(parser.parse_args(["--client-listen-uri", uri, *base]))
        assert config.client_listen_address == address
        assert config.signing_chain == chain
    for bad in ("fog://127.0.0.1:4000/", "http://x:1/", "nohost", "x:99999"):
        with pytest.raises(FogError) as info:
            config_from_args(parser.parse_args(["--client-listen-uri", bad, *base]))
        assert info.value.code == "fog.report_bad_config"


def test_operator_tool_is_reproducible(tmp_path: Path) -> None:
    assert operator_tool.main(["--out", str(tmp_path / "a"), "--seed", "0102"]) == 0
    assert operator_tool.main(["--out", str(tmp_path / "b"), "--seed", "0102"]) == 0
    for name in ("chain.pem", "signing-key.pem"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "signing-key.pem").stat().st_mode & 0o077 == 0
    loaded = SigningMaterials.from_files(tmp_path / "a" / "chain.pem",
                                         tmp_path / "a" / "signing-key.pem")
    assert loaded.chain == make_operator_chain(bytes.fromhex("0102")).chain
    assert make_operator_chain(b"x").chain != make_operator_chain(b"y").chain
    assert len(make_operator_chain(b"x", intermediates=0).chain) == 2
    assert operator_tool.main(["--out", str(tmp_path / "c"), "--seed", "zz"]) == 2
