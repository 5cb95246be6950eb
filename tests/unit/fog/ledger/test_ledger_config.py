"""The fog ledger server's settings (MobileCoin fog/ledger/server/src/config.rs flags): parsed
from flags, every bad value a typed refusal, and a port already taken refused at start with
nothing left running."""

from __future__ import annotations

import argparse
from pathlib import Path

import grpc
import pytest

from refimpl.fog.ledger.key_image_store import DEFAULT_OMAP_CAPACITY
from refimpl.fog.ledger.server import (
    LedgerConfig,
    LedgerServer,
    add_arguments,
    config_from_args,
    parse_listen_uri,
)
from tests.unit.fog._shared import assert_refused
from tests.unit.fog.ledger._ledger import build_ledger


def parse(*argv: str) -> LedgerConfig:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return config_from_args(parser.parse_args(list(argv)))


def test_flags_give_a_config_with_mobilecoins_defaults() -> None:
    config = parse("--ledger-db", "/l", "--sgx-seed", "00ff")
    assert config.ledger_db == Path("/l") and config.sgx_seed == b"\x00\xff"
    assert config.omap_capacity == DEFAULT_OMAP_CAPACITY == 1 << 20
    assert config.poll_interval_ms == 250 and config.fog_index == 0
    assert config.listen_address == "0.0.0.0:3223" and config.responder_id == "0.0.0.0:3223"
    config = parse("--ledger-db", "/l", "--sgx-seed", "01", "--client-listen-uri",
                   "insecure-fog://127.0.0.1:4000/", "--client-responder-id", "fog.local:443",
                   "--omap-capacity", "4096", "--fog-index", "3", "--poll_interval_ms", "50")
    assert (config.listen_address, config.responder_id) == ("127.0.0.1:4000", "fog.local:443")
    assert (config.omap_capacity, config.fog_index, config.poll_interval_ms) == (4096, 3, 50)
    assert parse("--ledger-db", "/l", "--sgx-seed", "01", "--poll-interval-ms",
                 "7").poll_interval_ms == 7


@pytest.mark.parametrize("uri,expected", [
    ("insecure-fog-ledger://fog.example/", ("fog.example", 3223)),
    ("insecure-fog-ledger://10.0.0.1:0/", ("10.0.0.1", 0)),
    ("insecure-fog://[::1]:5/", ("[::1]", 5)),
    ("127.0.0.1:65535", ("127.0.0.1", 65535)),
])
def test_listen_uris(uri: str, expected: tuple[str, int]) -> None:
    assert parse_listen_uri(uri) == expected


@pytest.mark.parametrize("uri", [
    "fog-ledger://x:1/", "insecure-fog-ledger://x:1/path", "insecure-fog-ledger://x:1/?a=b",
    "insecure-fog-ledger://", "x:65536", "x:-1", "x", ":5", "insecure-mc://x:1/",
    "insecure-fog-ledger://u@x:1/", "x y:1",
])
def test_bad_listen_uris_are_refused(uri: str) -> None:
    assert_refused("fog.ledger_config_bad_uri", lambda: parse(
        "--ledger-db", "/l", "--sgx-seed", "01", "--client-listen-uri", uri))


@pytest.mark.parametrize("flags,code", [
    (["--sgx-seed", "0"], "fog.ledger_config_bad_value"),
    (["--sgx-seed", ""], "fog.ledger_config_bad_value"),
    (["--sgx-seed", "zz"], "fog.ledger_config_bad_value"),
    (["--omap-capacity", "0"], "fog.ledger_config_bad_value"),
    (["--omap-capacity", str((1 << 32) + 1)], "fog.ledger_config_bad_value"),
    (["--fog-index", "-1"], "fog.ledger_config_bad_value"),
    (["--poll-interval-ms", "0"], "fog.ledger_config_bad_value"),
    (["--client-responder-id", "nohost"], "fog.ledger_config_bad_uri"),
])
def test_bad_values_are_refused(flags: list[str], code: str) -> None:
    argv = ["--ledger-db", "/l", "--sgx-seed", "01", *flags]
    assert_refused(code, lambda: parse(*argv))


def test_a_taken_port_is_refused_and_nothing_keeps_running(tmp_path: Path) -> None:
    build_ledger(tmp_path / "ledger", b"bind", 2)
    config = LedgerConfig(ledger_db=tmp_path / "ledger", sgx_seed=b"s",
                          client_listen_uri="127.0.0.1:0")
    first = LedgerServer(config)
    first.start()
    try:
        taken = LedgerConfig(ledger_db=tmp_path / "ledger", sgx_seed=b"s",
                             client_listen_uri=f"127.0.0.1:{first.port}")
        second = LedgerServer(taken)
        assert_refused("fog.bind_failed", second.start)
        second.stop()
        with grpc.insecure_channel(first.address) as channel:  # the first serves on
            grpc.channel_ready_future(channel).result(timeout=10)
    finally:
        first.stop()
