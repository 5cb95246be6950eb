"""The store's poll loop over a real SQLite recovery database: what it loads, and the counters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from refimpl.fog.enclave import SIM_FOG_VIEW_CODE, FogEnclave
from refimpl.fog.recovery_db import SqlRecoveryDb, open_recovery_db, sqlite_url
from refimpl.fog.types import BlockRange, ETxOutRecord, TxOutSearchResultCode
from refimpl.fog.view.db_poll import DbPollWorker
from refimpl.fog.view.enclave import UntrustedQueryResponse, ViewEnclave
from refimpl.fog.view.messages import QueryRequest
from refimpl.fog.view.sharding import EpochShardingStrategy
from tests.unit.fog.view._data import (
    RECORDS_PER_BLOCK,
    SGX_SEED,
    Ingest,
    block,
    ingress_key,
    record,
    timestamp,
)

FOUND = TxOutSearchResultCode.FOUND
NOT_FOUND = TxOutSearchResultCode.NOT_FOUND


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqlRecoveryDb]:
    with open_recovery_db(sqlite_url(str(tmp_path / "recovery.db"))) as opened:
        yield opened


def worker_for(db: SqlRecoveryDb, epoch: BlockRange | None = None,
               batch: int = 1000, *, mobilecoin_rule: bool = False
               ) -> tuple[DbPollWorker, ViewEnclave]:
    fog = FogEnclave(code=SIM_FOG_VIEW_CODE, sgx_seed=SGX_SEED, index=0,
                     responder_id="store:1")
    enclave = ViewEnclave(fog, 4096)
    sharding = EpochShardingStrategy() if epoch is None else EpochShardingStrategy(epoch)
    return DbPollWorker(db, enclave, sharding, batch,
                        count_blocks_outside_epoch=not mobilecoin_rule), enclave


def code_of(enclave: ViewEnclave, key: int, block: int) -> int:
    request = QueryRequest((record(key, block, 0).search_key,))
    response = enclave.query_response(request, UntrustedQueryResponse())
    return response.fixed_tx_out_search_results[0].result_code


def test_two_keys_the_count_waits_for_the_lagging_one(db: SqlRecoveryDb) -> None:
    ingest = Ingest(db)
    ingest.start_key(1, 0)
    ingest.start_key(2, 0)
    ingest.blocks(1, range(6))
    ingest.blocks(2, range(4))
    worker, enclave = worker_for(db, batch=2)  # several batches per poll
    worker.tick()
    state = worker.state()
    assert state.highest_processed_block_count == 4
    assert state.highest_processed_block_signature_timestamp == timestamp(3)
    assert (state.last_known_block_count, state.last_known_block_cumulative_txo_count) == (6, 60)
    assert state.processed_block_count == 10
    assert enclave.num_records == 10 * RECORDS_PER_BLOCK
    assert code_of(enclave, 1, 5) == FOUND and code_of(enclave, 2, 4) == NOT_FOUND
    ingest.blocks(2, range(4, 6))
    worker.tick()
    state = worker.state()
    assert state.highest_processed_block_count == 6
    assert state.highest_processed_block_signature_timestamp == timestamp(5)
    assert code_of(enclave, 2, 5) == FOUND


def test_a_store_loads_only_its_epoch(db: SqlRecoveryDb) -> None:
    ingest = Ingest(db)
    ingest.start_key(1, 0)
    ingest.blocks(1, range(8))
    worker, enclave = worker_for(db, BlockRange(2, 5))
    worker.tick()
    assert [code_of(enclave, 1, b) for b in range(8)] == [NOT_FOUND] * 2 + [FOUND] * 3 + \
        [NOT_FOUND] * 3
    state = worker.state()
    assert state.processed_block_count == 3
    assert state.highest_processed_block_count == 5
    assert state.last_known_block_count == 5


def test_a_lost_key_stops_blocking_and_its_gap_is_reported(db: SqlRecoveryDb) -> None:
    ingest = Ingest(db)
    ingest.start_key(1, 0)
    ingest.start_key(2, 0)
    ingest.blocks(1, range(6))
    ingest.blocks(2, range(2))
    worker, _ = worker_for(db)
    worker.tick()
    assert worker.state().highest_processed_block_count == 2
    db.report_lost_ingress_key(ingress_key(2))
    worker.tick()
    assert worker.state().highest_processed_block_count == 6


def test_a_later_epoch_is_not_ready_until_it_loads_a_block(db: SqlRecoveryDb) -> None:
    ingest = Ingest(db)
    ingest.start_key(1, 0)
    ingest.blocks(1, range(3))
    later = EpochShardingStrategy(BlockRange(3, 10))
    worker, _ = worker_for(db, later.epoch_block_range)
    worker.tick()
    assert not later.is_ready_to_serve_tx_outs(worker.state().processed_block_count)
    assert EpochShardingStrategy().is_ready_to_serve_tx_outs(0)
    ingest.blocks(1, range(3, 4))
    worker.tick()
    assert later.is_ready_to_serve_tx_outs(worker.state().processed_block_count)


def test_a_record_the_enclave_refuses_stalls_the_store(db: SqlRecoveryDb) -> None:
    ingest = Ingest(db)
    ingest.start_key(1, 0)
    ingest.blocks(1, range(2))
    db.add_block_data(ingest.invocations[1], block(2), timestamp(2),
                      [ETxOutRecord(b"\x05" * 16, bytes(240))])
    ingest.blocks(1, range(3, 5))
    worker, _ = worker_for(db)
    worker.tick()
    assert worker.stalled is not None and worker.stalled.code == "fog.view_record_too_large"
    worker.tick()
    assert worker.state().highest_processed_block_count <= 2


@pytest.mark.parametrize("mobilecoin_rule", [True, False])
def test_a_lost_key_at_the_end_of_an_epoch_does_not_freeze_the_store(
        db: SqlRecoveryDb, mobilecoin_rule: bool) -> None:
    """docs/findings.md: key 1 is lost after block 1, key 2 starts at block 3, so no key ever
    delivers block 2, the last block of the epoch [0, 3). MobileCoin's store counts only the
    blocks of its epoch, so it never learns that block 3 exists and its count stays at 2 for
    ever; counting every block the fetcher walked (ours) reaches the epoch's end."""
    ingest = Ingest(db)
    ingest.start_key(1, 1)
    ingest.blocks(1, range(1, 2))
    db.report_lost_ingress_key(ingress_key(1))
    ingest.start_key(2, 3)
    ingest.blocks(2, range(3, 6))
    worker, _ = worker_for(db, BlockRange(0, 3), mobilecoin_rule=mobilecoin_rule)
    for _ in range(3):
        worker.tick()
    expected = 2 if mobilecoin_rule else 3
    assert worker.state().highest_processed_block_count == expected
