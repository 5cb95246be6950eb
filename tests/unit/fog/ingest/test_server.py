"""The ingest server process in-process on loopback: its admin API (account_ingest) over gRPC,
the worker following a ledger another process appends to, a restart from the state file,
``--activate``, flags and a taken admin port. Every server started is stopped."""

from __future__ import annotations

import argparse
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from refimpl.account.public_address import decode_compressed_ristretto
from refimpl.crypto.ristretto import Point, Scalar
from refimpl.errors import FogError
from refimpl.fog.api import ingest_common_pb2
from refimpl.fog.ingest.client import IngestAdminClient
from refimpl.fog.ingest.server import IngestConfig, IngestServer, add_arguments, config_from_args
from refimpl.fog.recovery_db import open_recovery_db
from refimpl.fog.types import BlockRange
from refimpl.ledger.synthetic import SyntheticSource

from ._ledger import append_in_child, contents, find_outputs, fog_output, recipient
from .conftest import SGX_SEED, MakeConfig

BOB = recipient(1)


@contextmanager
def running(config: IngestConfig) -> Iterator[tuple[IngestServer, IngestAdminClient]]:
    server = IngestServer(config)
    server.start()
    try:
        with IngestAdminClient(server.admin_address) as client:
            yield server, client
    finally:
        server.stop()


def wait_for(what: str, check: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _refused(code: str, call: Callable[[], object]) -> None:
    with pytest.raises(FogError) as info:
        call()
    assert info.value.code == code, info.value.message


def test_admin_api_and_worker(make_config: MakeConfig, ledger: Path, db_url: str) -> None:
    config = make_config(admin_listen_address="127.0.0.1:0")
    with running(config) as (_server, admin):
        status = admin.get_status()
        assert (status.mode, status.next_block_index) == (ingest_common_pb2.Idle, 0)
        _refused("fog.ingest_not_supported", lambda: admin.set_peers(["insecure-igp://x:1"]))
        _refused("fog.ingest_not_supported", lambda: admin.sync_keys_from_remote("x"))
        renewed = admin.new_keys()
        assert renewed.ingress_pubkey != status.ingress_pubkey
        assert admin.set_pubkey_expiry_window(5).pubkey_expiry_window == 5
        _refused("fog.ingest_bad_config", lambda: admin.set_pubkey_expiry_window(2**63))
        active = admin.activate()
        assert (active.mode, active.next_block_index) == (ingest_common_pb2.Active, 1)
        assert admin.activate() == active  # already active: nothing changes
        _refused("fog.ingest_not_idle", admin.new_keys)
        _refused("fog.ingest_cannot_reduce_expiry_window",
                 lambda: admin.set_pubkey_expiry_window(3))
        assert admin.set_pubkey_expiry_window(8).pubkey_expiry_window == 8

        ingress = decode_compressed_ristretto(active.ingress_pubkey)
        src = SyntheticSource(b"server test")
        sent = [fog_output(ingress, BOB, 7, i) for i in range(2)]
        append_in_child(ledger, [contents(src, [sent[0]]), contents(src, [sent[1]], others=3)])
        wait_for("blocks 1 and 2", lambda: admin.get_status().next_block_index == 3)

        [record] = admin.get_ingress_key_records()
        assert (record.start_block, record.last_scanned_block, record.retired) == (1, 2, False)
        assert record.ingress_public_key == active.ingress_pubkey
        assert record.pubkey_expiry == 2 + 8
        assert admin.get_ingress_key_records(start_block_at_least=2) == []
        admin.retire()
        assert admin.get_ingress_key_records()[0].retired
        assert admin.get_ingress_key_records(include_retired=False) == []
        admin.unretire()
        assert not admin.get_ingress_key_records()[0].retired

        assert admin.get_missed_block_ranges() == []
        _refused("fog.ingest_bad_ingress_pubkey", lambda: admin.report_lost_ingress_key(b"\1"))
        _refused("fog.recovery_db_unknown_ingress_key",
                 lambda: admin.report_lost_ingress_key(Point.mul_base(Scalar(5)).to_bytes()))

    # a restart from the state file: the same key, active, at the next block
    with running(config) as (_server, admin):
        status = admin.get_status()
        assert (status.mode, status.next_block_index) == (ingest_common_pb2.Active, 3)
        assert status.ingress_pubkey == active.ingress_pubkey
        sent.append(fog_output(ingress, BOB, 9, 5))
        append_in_child(ledger, [contents(src, [sent[2]])])
        wait_for("block 3", lambda: admin.get_status().next_block_index == 4)
    with open_recovery_db(db_url) as db:
        found = sorted(t.public_key.to_bytes() for _, _, t in find_outputs(db, BOB))
    assert found == sorted(o.public_key.to_bytes() for o in sent)


def test_activate_at_start_then_a_lost_key(make_config: MakeConfig, ledger: Path) -> None:
    config = make_config(admin_listen_address="127.0.0.1:0", activate=True,
                         fog_report_id="main")
    with running(config) as (_server, admin):
        wait_for("activation", lambda: admin.get_status().mode == ingest_common_pb2.Active)
        status = admin.get_status()
        assert status.next_block_index == 1 and status.ingest_invocation_id == 0
        append_in_child(ledger, [contents(SyntheticSource(b"lost"), [])])
        wait_for("block 1", lambda: admin.get_status().next_block_index == 2)
        assert admin.get_status().ingest_invocation_id != 0
        key = decode_compressed_ristretto(status.ingress_pubkey).to_bytes()
        admin.report_lost_ingress_key(key)
        # block 1 was scanned, the report promised up to 1 + 10
        assert admin.get_missed_block_ranges() == [BlockRange(2, 11)]
        assert admin.get_ingress_key_records()[0].lost


def test_taken_admin_port_stops_everything(make_config: MakeConfig) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = IngestServer(make_config(admin_listen_address=f"127.0.0.1:{port}"))
        with pytest.raises(FogError) as info:
            server.start()
        assert info.value.code == "fog.bind_failed"
        server.stop()


def test_flags(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    base = ["--ledger-db", str(tmp_path / "l"), "--recovery-db", "sqlite:///x.db",
            "--sgx-seed", SGX_SEED.hex()]
    config = config_from_args(parser.parse_args([
        *base, "--admin-listen-uri", "insecure-mca://127.0.0.1:9999/", "--state-file",
        str(tmp_path / "s"), "--poll_interval_ms", "100", "--pubkey-expiry-window", "4",
        "--activate", "--fog-index", "2"]))
    assert (config.admin_listen_address, config.poll_interval_ms, config.pubkey_expiry_window,
            config.activate, config.fog_index, config.sgx_seed) == \
        ("127.0.0.1:9999", 100, 4, True, 2, SGX_SEED)
    assert config_from_args(parser.parse_args(base)).admin_listen_address is None
    for bad in (["--sgx-seed", "xyz"], ["--admin-listen-uri", "mca://h:1/"],
                ["--admin-listen-uri", "insecure-fog://h:1/"], ["--poll-interval-ms", "0"],
                ["--pubkey-expiry-window", "-1"], ["--user-capacity", "0"],
                ["--local-node-id", "nohost"], ["--fog-report-id", "x" * 65],
                ["--max-transactions", "0"]):
        with pytest.raises(FogError) as info:
            config_from_args(parser.parse_args([*base, *bad]))
        assert info.value.code == "fog.ingest_bad_config", bad
