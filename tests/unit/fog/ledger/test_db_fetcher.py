"""The loader (MobileCoin fog/ledger/server/src/db_fetcher.rs) over a real LMDB ledger: every
block's key images reach the store with their block and timestamp, new blocks are picked up,
the counts the enclave repeats follow the ledger, a missing ledger or a full store is retried
and reported, and readiness follows the lag."""

from __future__ import annotations

import time
from pathlib import Path

from refimpl.fog.block_source import TIMESTAMP_UNKNOWN, BlockSource
from refimpl.fog.ledger.db_fetcher import BLOCKS_BEHIND, DbFetcher, LoadedState
from refimpl.fog.ledger.enclave import LedgerEnclave
from refimpl.fog.types import KeyImageResultCode
from refimpl.ledger.store import LedgerStore
from refimpl.transaction.block_version import MAX_BLOCK_VERSION
from tests.unit.fog._shared import BASE_TIMESTAMP, append_signed, wait_for
from tests.unit.fog.ledger._ledger import build_ledger, synthetic_contents


def ledger_enclave(capacity: int = 1024) -> LedgerEnclave:
    return LedgerEnclave(sgx_seed=b"seed", index=0, responder_id="ledger.test:3223",
                         omap_capacity=capacity)


def test_poll_loads_every_key_image_with_its_block_and_timestamp(tmp_path: Path) -> None:
    facts = build_ledger(tmp_path / "ledger", b"fetch", 6, unsigned={3})
    enclave = ledger_enclave()
    readiness: list[bool] = []
    source = BlockSource(tmp_path / "ledger")
    fetcher = DbFetcher(source, enclave, on_readiness=readiness.append)
    assert fetcher.state == LoadedState()
    try:
        assert fetcher.poll_once() == 6
        assert fetcher.poll_once() == 0
        last = facts.blocks[-1]
        assert fetcher.state == LoadedState(6, last.cumulative_txo_count, last.version)
        untrusted = fetcher.untrusted_query_response()
        assert untrusted.num_blocks == 6
        assert untrusted.max_block_version == max(last.version, MAX_BLOCK_VERSION)
        assert readiness == [True, True]
        for index, contents in enumerate(facts.contents):
            for key_image in contents.key_images:
                result = enclave.key_image_store.find_record(key_image.to_bytes())
                assert result.code == KeyImageResultCode.SPENT
                assert result.spent_at == index
                expected = TIMESTAMP_UNKNOWN if index == 3 else BASE_TIMESTAMP + index
                assert result.timestamp == expected
        assert len(enclave.key_image_store) == 2 * 5

        # a node appends two more blocks: the next poll loads them
        source.close()
        more = synthetic_contents(b"fetch-more", 2)
        with LedgerStore.open(tmp_path / "ledger") as writer:
            append_signed(writer, more)
        assert fetcher.poll_once() == 2
        assert fetcher.state.num_blocks == 8
        for contents in more:
            for key_image in contents.key_images:
                spent = enclave.key_image_store.find_record(key_image.to_bytes())
                assert spent.code == KeyImageResultCode.SPENT and spent.spent_at in (6, 7)
    finally:
        source.close()


def test_the_thread_waits_for_the_ledger_then_follows_it(tmp_path: Path) -> None:
    enclave = ledger_enclave()
    readiness: list[bool] = []
    fetcher = DbFetcher(BlockSource(tmp_path / "ledger"), enclave, poll_interval_s=0.01,
                        on_readiness=readiness.append)
    fetcher.start()
    try:
        wait_for("a load error", lambda: fetcher.last_error is not None)
        assert fetcher.last_error is not None
        assert fetcher.last_error.code == "ledger.not_a_ledger"
        assert readiness and not readiness[-1]
        build_ledger(tmp_path / "ledger", b"late", 4)
        wait_for("4 blocks", lambda: fetcher.state.num_blocks == 4)
        wait_for("ready", lambda: fetcher.last_error is None and readiness[-1])
    finally:
        fetcher.stop()
        fetcher.source.close()
    fetcher.stop()  # idempotent


def test_a_full_store_stops_loading_and_is_reported(tmp_path: Path) -> None:
    build_ledger(tmp_path / "ledger", b"full", 40)  # 78 key images, the map holds 42
    enclave = ledger_enclave(capacity=1)
    fetcher = DbFetcher(BlockSource(tmp_path / "ledger"), enclave, poll_interval_s=0.01)
    fetcher.start()
    try:
        wait_for("a load error", lambda: fetcher.last_error is not None)
        assert fetcher.last_error is not None
        assert fetcher.last_error.code == "fog.ledger_key_image_store_full"
        loaded = fetcher.state.num_blocks
        assert 1 < loaded < 40
        time.sleep(0.05)  # retried, still stuck on the same block
        assert fetcher.state.num_blocks == loaded
    finally:
        fetcher.stop()
        fetcher.source.close()


def test_readiness_follows_the_lag(tmp_path: Path) -> None:
    build_ledger(tmp_path / "ledger", b"lag", BLOCKS_BEHIND + 3)
    readiness: list[bool] = []
    source = BlockSource(tmp_path / "ledger")
    fetcher = DbFetcher(source, ledger_enclave(1 << 12), on_readiness=readiness.append)
    try:
        fetcher.stop()  # a stop before polling: the poll returns at once, far behind
        assert fetcher.poll_once() == 0
        assert readiness == [False]
        fetcher.start()
        wait_for("every block", lambda: fetcher.state.num_blocks == BLOCKS_BEHIND + 3)
        wait_for("ready", lambda: readiness[-1])
    finally:
        fetcher.stop()
        source.close()
