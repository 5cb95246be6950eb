"""View store and router settings: flags, URIs and typed refusals; a taken port."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.fog.recovery_db import sqlite_url
from refimpl.fog.types import U64_MAX, BlockRange
from refimpl.fog.view.server import (
    ViewRouterConfig,
    ViewRouterServer,
    ViewStoreConfig,
    ViewStoreServer,
    add_router_arguments,
    add_store_arguments,
    router_config_from_args,
    store_config_from_args,
)
from refimpl.fog.view.sharding import EpochShardingStrategy
from refimpl.fog.view.uri import listen_address, parse_store_uri
from tests.unit.fog._shared import assert_refused
from tests.unit.fog.view._data import SGX_SEED

SEED_HEX = SGX_SEED.hex()


def store_args(*argv: str) -> ViewStoreConfig:
    parser = argparse.ArgumentParser()
    add_store_arguments(parser)
    return store_config_from_args(parser.parse_args(list(argv)))


def router_args(*argv: str) -> ViewRouterConfig:
    parser = argparse.ArgumentParser()
    add_router_arguments(parser)
    return router_config_from_args(parser.parse_args(list(argv)))


def test_store_flags() -> None:
    config = store_args("--sgx-seed", SEED_HEX, "--recovery-db", "sqlite:///tmp/x.db",
                        "--client-listen-uri", "insecure-fog-view-store://127.0.0.1:4000/",
                        "--sharding-strategy", "10-20", "--omap-capacity", "4096",
                        "--fog-index", "3", "--db-polling-interval-ms", "50",
                        "--block-query-batch-size", "7")
    assert config.sharding_strategy.epoch_block_range == BlockRange(10, 20)
    assert (config.omap_capacity, config.fog_index, config.db_polling_interval_ms,
            config.block_query_batch_size) == (4096, 3, 50, 7)
    assert config.sgx_seed == SGX_SEED
    default = store_args("--sgx-seed", SEED_HEX, "--recovery-db", "sqlite:///tmp/x.db")
    assert default.sharding_strategy.epoch_block_range == BlockRange(0, U64_MAX)


def test_router_flags() -> None:
    uris = ("insecure-fog-view-store://127.0.0.1:4001/?sharding_strategy=0-10,"
            "insecure-fog-view-store://127.0.0.1:4002/?sharding_strategy=10-20"
            "&responder-id=store2.example:443")
    config = router_args("--sgx-seed", SEED_HEX, "--shard-uris", uris,
                         "--client-listen-uri", "insecure-fog-view://127.0.0.1:4003/",
                         "--admin-listen-uri", "127.0.0.1:4004")
    stores = config.stores
    assert [s.block_range for s in stores] == [BlockRange(0, 10), BlockRange(10, 20)]
    assert [s.address for s in stores] == ["127.0.0.1:4001", "127.0.0.1:4002"]
    assert [s.responder_id for s in stores] == ["127.0.0.1:4001", "store2.example:443"]


@pytest.mark.parametrize("argv", [
    ["--sgx-seed", "xyz"],
    ["--sgx-seed", SEED_HEX, "--sharding-strategy", "20-10"],
    ["--sgx-seed", SEED_HEX, "--sharding-strategy", "ten"],
    ["--sgx-seed", SEED_HEX, "--omap-capacity", "0"],
    ["--sgx-seed", SEED_HEX, "--client-listen-uri", "http://127.0.0.1:1/"],
    ["--sgx-seed", SEED_HEX, "--client-listen-uri", "127.0.0.1:99999"],
    ["--sgx-seed", SEED_HEX, "--client-responder-id", "no port"],
    ["--sgx-seed", SEED_HEX, "--db-polling-interval-ms", "0"],
    ["--sgx-seed", SEED_HEX, "--fog-index", "-1"],
])
def test_bad_store_settings_are_refused(argv: list[str]) -> None:
    assert_refused("fog.view_bad_config",
                   lambda: store_args("--recovery-db", "sqlite:///tmp/x.db", *argv))


@pytest.mark.parametrize("uri", [
    "insecure-fog-view://127.0.0.1:1/",
    "insecure-fog-view-store://127.0.0.1:1/path",
    "insecure-fog-view-store://127.0.0.1:1/?sharding_strategy=5-1",
    "insecure-fog-view-store://127.0.0.1:1/?sharding_strategy=a-b",
    "insecure-fog-view-store://127.0.0.1:1/?colour=blue",
    "insecure-fog-view-store://127.0.0.1:0/",
    "insecure-fog-view-store://:1/",
])
def test_bad_shard_uris_are_refused(uri: str) -> None:
    assert_refused("fog.view_bad_shard_uri",
                   lambda: router_args("--sgx-seed", SEED_HEX, "--shard-uris", uri))


def test_a_shard_given_twice_is_refused() -> None:
    uri = "insecure-fog-view-store://127.0.0.1:4001/"
    assert_refused("fog.view_bad_shard_uri",
                   lambda: router_args("--sgx-seed", SEED_HEX, "--shard-uris", f"{uri},{uri}"))


def test_store_uri_defaults_port_and_range() -> None:
    store = parse_store_uri("insecure-fog-view-store://store.example/")
    assert (store.host, store.port, store.block_range) == ("store.example", 3225,
                                                           BlockRange(0, U64_MAX))


@given(st.integers(0, U64_MAX), st.integers(0, U64_MAX))
def test_sharding_strategy_round_trips(a: int, b: int) -> None:
    strategy = EpochShardingStrategy(BlockRange(min(a, b), max(a, b)))
    assert EpochShardingStrategy.parse(str(strategy)) == strategy
    assert parse_store_uri(f"insecure-fog-view-store://h:1/?sharding_strategy={strategy}"
                           ).block_range == strategy.epoch_block_range


def test_listen_addresses() -> None:
    assert listen_address("insecure-fog://127.0.0.1:5/") == ("127.0.0.1", 5)
    assert listen_address("0.0.0.0:0") == ("0.0.0.0", 0)
    assert listen_address("insecure-fog-view-router://h/") == ("h", 3225)


def test_a_taken_port_is_bind_failed_and_nothing_keeps_running(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        store = ViewStoreServer(ViewStoreConfig(
            recovery_db=sqlite_url(str(tmp_path / "r.db")), sgx_seed=SGX_SEED,
            client_listen_uri=f"127.0.0.1:{port}", omap_capacity=64))
        assert_refused("fog.bind_failed", store.start)
        router = ViewRouterServer(ViewRouterConfig(
            sgx_seed=SGX_SEED, shard_uris=(), client_listen_uri="127.0.0.1:0",
            admin_listen_uri=f"127.0.0.1:{port}"))
        assert_refused("fog.bind_failed", router.start)
