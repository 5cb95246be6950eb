"""The recovery-database contract, method by method, on SQLite and on PostgreSQL.

Expected behaviour is MobileCoin's (``fog/sql_recovery_db/src/lib.rs`` and its tests), with
the deliberate differences listed in ``refimpl/fog/recovery_db/sql_db.py``.
"""

from __future__ import annotations

import datetime

import pytest

from refimpl.errors import FogError
from refimpl.fog.recovery_db import (
    AddBlockDataStatus,
    IngestableRange,
    IngestInvocationId,
    IngressPublicKeyRecordFilters,
    IngressPublicKeyStatus,
    SqlRecoveryDb,
    open_recovery_db,
)
from refimpl.fog.types import (
    FIXED_CIPHERTEXT_LENGTH,
    BlockRange,
    DecommissionedIngestInvocation,
    KexRngPubkey,
    RngRecord,
    TxOutSearchResultCode,
)
from tests.unit.fog.recovery_db._data import (
    Clock,
    block,
    dump,
    egress_key,
    ingress_key,
    raw_execute,
    records,
    report,
)

ADDED = AddBlockDataStatus(block_already_scanned_with_this_key=False)
ALREADY = AddBlockDataStatus(block_already_scanned_with_this_key=True)
ALL_KEYS = IngressPublicKeyRecordFilters(True, True, False)


def _code(excinfo: pytest.ExceptionInfo[FogError]) -> str:
    return excinfo.value.code


def _invocation(db: SqlRecoveryDb, key_n: int, egress_n: int, start: int) -> IngestInvocationId:
    return db.new_ingest_invocation(None, ingress_key(key_n), egress_key(egress_n), start)


# --- ingress keys ----------------------------------------------------------------------------


def test_new_ingress_key_accepts_max_of_proposed_and_highest_known_plus_one(
    db: SqlRecoveryDb,
) -> None:
    assert db.get_ingress_key_status(ingress_key(1)) is None
    assert db.new_ingress_key(ingress_key(1), 5) == 5  # no blocks yet: the proposal
    assert db.get_ingress_key_status(ingress_key(1)) == IngressPublicKeyStatus(5, 0, False, False)
    iid = _invocation(db, 1, 1, 5)
    for index in range(5, 10):
        assert db.add_block_data(iid, block(index), 0, records(f"b{index}")) == ADDED
    assert db.new_ingress_key(ingress_key(2), 3) == 10  # behind the highest known block
    assert db.new_ingress_key(ingress_key(3), 10) == 10  # exactly highest + 1
    assert db.new_ingress_key(ingress_key(4), 11) == 11  # ahead: the proposal


def test_new_ingress_key_refuses_a_known_key_and_keeps_it(db: SqlRecoveryDb, db_url: str) -> None:
    db.new_ingress_key(ingress_key(1), 7)
    before = dump(db_url)
    with pytest.raises(FogError) as excinfo:
        db.new_ingress_key(ingress_key(1), 100)
    assert _code(excinfo) == "fog.recovery_db_ingress_key_exists"
    assert dump(db_url) == before
    assert db.get_ingress_key_status(ingress_key(1)) == IngressPublicKeyStatus(7, 0, False, False)


def test_retire_and_unretire(db: SqlRecoveryDb) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    db.retire_ingress_key(ingress_key(1), True)
    assert db.get_ingress_key_status(ingress_key(1)) == IngressPublicKeyStatus(0, 0, True, False)
    db.retire_ingress_key(ingress_key(1), False)
    assert db.get_ingress_key_status(ingress_key(1)) == IngressPublicKeyStatus(0, 0, False, False)
    db.retire_ingress_key(ingress_key(9), True)  # unknown key: no-op, as in MobileCoin
    assert db.get_ingress_key_status(ingress_key(9)) is None


def test_last_scanned_block_index_per_key(db: SqlRecoveryDb) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    db.new_ingress_key(ingress_key(2), 0)
    iid1, iid2 = _invocation(db, 1, 1, 0), _invocation(db, 2, 2, 0)
    assert db.get_last_scanned_block_index(ingress_key(1)) is None
    for index in (0, 1, 2):
        db.add_block_data(iid1, block(index), 0, [])
    db.add_block_data(iid2, block(0), 0, [])
    assert db.get_last_scanned_block_index(ingress_key(1)) == 2
    assert db.get_last_scanned_block_index(ingress_key(2)) == 0
    assert db.get_last_scanned_block_index(ingress_key(3)) is None


def test_ingress_key_records_and_filters(db: SqlRecoveryDb) -> None:
    # key 1: active, scanned 0..4, expiry 10 (unexpired)
    # key 2: retired, scanned 0..9, expiry 10 (expired: last scanned 9 < 10 is still unexpired)
    # key 3: lost, nothing scanned, start 20
    # key 4: active, scanned 0..11, expiry 10 (expired)
    for n, start in ((1, 0), (2, 0), (3, 20), (4, 0)):
        db.new_ingress_key(ingress_key(n), start)
    scans = {1: range(5), 2: range(10), 4: range(12)}
    for n, blocks in scans.items():
        iid = _invocation(db, n, n, 0)
        for index in blocks:
            db.add_block_data(iid, block(index), 0, [])
    for n in (1, 2, 3, 4):
        db.set_report(ingress_key(n), f"r{n}", report(10 if n != 3 else 30))
    db.retire_ingress_key(ingress_key(2), True)
    db.report_lost_ingress_key(ingress_key(3))

    def keys(start: int, lost: bool, retired: bool, unexpired: bool) -> list[bytes]:
        filters = IngressPublicKeyRecordFilters(lost, retired, unexpired)
        return [r.key for r in db.get_ingress_key_records(start, filters)]

    every = db.get_ingress_key_records(0, ALL_KEYS)
    assert [(r.key, r.last_scanned_block) for r in every] == sorted(
        [(ingress_key(1), 4), (ingress_key(2), 9), (ingress_key(4), 11)]
    ) + [(ingress_key(3), None)]  # ordered by start block, then key
    assert every[-1].status == IngressPublicKeyStatus(20, 30, False, True)
    assert set(keys(0, False, True, False)) == {ingress_key(n) for n in (1, 2, 4)}
    assert set(keys(0, True, False, False)) == {ingress_key(n) for n in (1, 3, 4)}
    assert set(keys(0, False, False, False)) == {ingress_key(1), ingress_key(4)}
    # unexpired: scanned something and last scanned < expiry (key 3 scanned nothing)
    assert set(keys(0, True, True, True)) == {ingress_key(1), ingress_key(2)}
    assert keys(0, True, False, True) == [ingress_key(1)]
    assert keys(1, True, True, False) == [ingress_key(3)]  # start_block_at_least
    assert keys(21, True, True, False) == []


# --- ingest invocations ----------------------------------------------------------------------


def test_new_ingest_invocation_records_an_rng_event(db: SqlRecoveryDb) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    iid1 = db.new_ingest_invocation(None, ingress_key(1), egress_key(1), 0)
    iid2 = db.new_ingest_invocation(None, ingress_key(1), egress_key(2, version=7), 100)
    assert iid2 > iid1
    events, _ = db.search_user_events(0)
    assert events == [RngRecord(iid1, egress_key(1), 0), RngRecord(iid2, egress_key(2, 7), 100)]


def test_new_ingest_invocation_refusals_change_nothing(db: SqlRecoveryDb, db_url: str) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    iid = _invocation(db, 1, 1, 0)
    before = dump(db_url)
    cases: list[tuple[tuple[IngestInvocationId | None, bytes, KexRngPubkey, int], str]] = [
        ((None, ingress_key(2), egress_key(2), 0), "fog.recovery_db_unknown_ingress_key"),
        ((None, ingress_key(1), egress_key(1), 0), "fog.recovery_db_egress_key_exists"),
        ((IngestInvocationId(iid + 50), ingress_key(1), egress_key(2), 0),
         "fog.recovery_db_unknown_ingest_invocation"),
        # the previous invocation is decommissioned first, then the key is found unknown
        ((iid, ingress_key(2), egress_key(2), 0), "fog.recovery_db_unknown_ingress_key"),
    ]
    for args, code in cases:
        with pytest.raises(FogError) as excinfo:
            db.new_ingest_invocation(*args)
        assert _code(excinfo) == code
        assert dump(db_url) == before


def test_new_ingest_invocation_decommissions_the_previous_one(db: SqlRecoveryDb) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    iid1 = _invocation(db, 1, 1, 0)
    db.add_block_data(iid1, block(0), 0, [])
    db.add_block_data(iid1, block(1), 0, [])
    _, cursor = db.search_user_events(0)
    iid2 = db.new_ingest_invocation(iid1, ingress_key(1), egress_key(2), 2)
    events, _ = db.search_user_events(cursor)
    assert events == [DecommissionedIngestInvocation(iid1, 1), RngRecord(iid2, egress_key(2), 2)]
    with pytest.raises(FogError) as excinfo:  # it cannot be decommissioned again
        db.new_ingest_invocation(iid1, ingress_key(1), egress_key(3), 2)
    assert _code(excinfo) == "fog.recovery_db_already_decommissioned"


def test_ingestable_ranges(db: SqlRecoveryDb) -> None:
    assert db.get_ingestable_ranges() == []
    db.new_ingress_key(ingress_key(1), 123)
    iid1 = _invocation(db, 1, 1, 123)
    assert db.get_ingestable_ranges() == [IngestableRange(iid1, 123, False, None)]
    for index in range(123, 130):
        db.add_block_data(iid1, block(index), 0, [])
        assert db.get_ingestable_ranges() == [IngestableRange(iid1, 123, False, index)]
    iid2 = _invocation(db, 1, 2, 1020)
    db.decommission_ingest_invocation(iid1)
    ranges = db.get_ingestable_ranges()
    assert ranges == [
        IngestableRange(iid1, 123, True, 129), IngestableRange(iid2, 1020, False, None)
    ]
    assert ranges[0].can_provide_block(129) and not ranges[0].can_provide_block(130)
    assert ranges[1].can_provide_block(10**9) and not ranges[1].can_provide_block(1019)
    db.decommission_ingest_invocation(iid2)
    assert db.get_ingestable_ranges()[1] == IngestableRange(iid2, 1020, True, None)
    assert not db.get_ingestable_ranges()[1].can_provide_block(1020)


def test_decommission_records_an_event_once(db: SqlRecoveryDb, db_url: str) -> None:
    db.new_ingress_key(ingress_key(1), 123)
    iid1, iid2 = _invocation(db, 1, 1, 123), _invocation(db, 1, 2, 456)
    _, cursor = db.search_user_events(0)
    db.decommission_ingest_invocation(iid2)
    events, cursor2 = db.search_user_events(cursor)
    assert events == [DecommissionedIngestInvocation(iid2, 0)]  # nothing ingested: 0
    assert cursor2 == cursor + 1
    before = dump(db_url)
    for iid, code in ((iid2, "fog.recovery_db_already_decommissioned"),
                      (IngestInvocationId(iid1 + 100),
                       "fog.recovery_db_unknown_ingest_invocation")):
        with pytest.raises(FogError) as excinfo:
            db.decommission_ingest_invocation(iid)
        assert _code(excinfo) == code
    assert dump(db_url) == before


def test_last_active_at_and_expired_invocations(db: SqlRecoveryDb, clock: Clock) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    iid1 = _invocation(db, 1, 1, 0)  # active at t0
    clock.advance(10)
    iid2 = _invocation(db, 1, 2, 0)  # active at t0 + 10
    t0 = clock.now - datetime.timedelta(seconds=10)
    assert db.get_expired_invocations(t0) == []
    expired = db.get_expired_invocations(t0 + datetime.timedelta(seconds=1))
    assert [(r.ingest_invocation_id, r.egress_public_key, r.last_active_at) for r in expired] == [
        (iid1, egress_key(1), t0)
    ]
    clock.advance(10)
    db.update_last_active_at(iid1)  # now t0 + 20
    assert [r.ingest_invocation_id for r in db.get_expired_invocations(clock.now)] == [iid2]
    clock.advance(10)
    db.add_block_data(iid2, block(0), 0, [])  # adding a block marks the invocation active
    assert [r.ingest_invocation_id for r in db.get_expired_invocations(clock.now)] == [iid1]
    aware = clock.now.replace(tzinfo=datetime.UTC) + datetime.timedelta(seconds=1)
    assert len(db.get_expired_invocations(aware)) == 2
    db.update_last_active_at(IngestInvocationId(iid2 + 100))  # unknown: no-op, as in MobileCoin


# --- ingested blocks -------------------------------------------------------------------------


def test_add_block_data_stores_once_per_key_and_block(
    db: SqlRecoveryDb, db_url: str, clock: Clock
) -> None:
    db.new_ingress_key(ingress_key(1), 20)
    iid1, iid2 = _invocation(db, 1, 1, 10), _invocation(db, 1, 2, 15)
    first = records("first", 10)
    clock.advance(1)
    assert db.add_block_data(iid1, block(20), 1234, first) == ADDED
    assert db.get_tx_outs_by_block_and_key(ingress_key(1), 20) == first
    assert db.get_invocation_id_by_block_and_key(ingress_key(1), 20) == iid1
    before = dump(db_url)
    clock.advance(1)
    # the same invocation again, and another invocation with the same ingress key
    assert db.add_block_data(iid1, block(20), 1234, records("other")) == ALREADY
    assert db.add_block_data(iid2, block(20, 999), 5678, records("other")) == ALREADY
    assert dump(db_url) == before  # nothing overwritten, last_active_at untouched
    assert db.get_tx_outs_by_block_and_key(ingress_key(1), 20) == first
    assert db.get_block_signature_timestamp_for_block(20) == 1234
    assert db.add_block_data(iid2, block(21), 0, records("second", 15)) == ADDED
    assert db.get_invocation_id_by_block_and_key(ingress_key(1), 21) == iid2


def test_the_same_block_under_two_keys(db: SqlRecoveryDb) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    db.new_ingress_key(ingress_key(2), 0)
    iid1, iid2 = _invocation(db, 1, 1, 0), _invocation(db, 2, 2, 0)
    assert db.add_block_data(iid1, block(0), 7, records("k1")) == ADDED
    assert db.add_block_data(iid2, block(0), 7, records("k2")) == ADDED
    assert db.get_tx_outs_by_block_and_key(ingress_key(1), 0) == records("k1")
    assert db.get_tx_outs_by_block_and_key(ingress_key(2), 0) == records("k2")
    assert db.get_tx_outs_by_block_and_key(ingress_key(3), 0) is None
    assert db.get_tx_outs_by_block_and_key(ingress_key(1), 1) is None
    assert db.get_invocation_id_by_block_and_key(ingress_key(2), 0) == iid2
    assert db.get_invocation_id_by_block_and_key(ingress_key(2), 1) is None


def test_add_block_data_for_an_unknown_invocation(db: SqlRecoveryDb, db_url: str) -> None:
    before = dump(db_url)
    with pytest.raises(FogError) as excinfo:
        db.add_block_data(IngestInvocationId(1), block(0), 0, [])
    assert _code(excinfo) == "fog.recovery_db_unknown_ingest_invocation"
    assert dump(db_url) == before


def test_tx_outs_by_block_range_stop_at_a_gap(db: SqlRecoveryDb) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    iid = _invocation(db, 1, 1, 0)
    for index in (0, 1, 2, 4, 5):
        db.add_block_data(iid, block(index), 0, records(f"b{index}", index))
    get = db.get_tx_outs_by_block_range_and_key
    assert get(ingress_key(1), BlockRange(0, 10)) == [records(f"b{i}", i) for i in (0, 1, 2)]
    assert get(ingress_key(1), BlockRange(1, 2)) == [records("b1", 1)]
    assert get(ingress_key(1), BlockRange(4, 2**64 - 1)) == [records("b4", 4), records("b5", 5)]
    assert get(ingress_key(1), BlockRange(3, 10)) == []  # block 3 is missing
    assert get(ingress_key(1), BlockRange(2, 2)) == []  # empty range
    assert get(ingress_key(2), BlockRange(0, 10)) == []


def test_block_counts_timestamps_and_highest_index(db: SqlRecoveryDb) -> None:
    assert db.get_highest_known_block_index() is None
    assert db.get_cumulative_txo_count_for_block(0) is None
    assert db.get_block_signature_timestamp_for_block(0) is None
    db.new_ingress_key(ingress_key(1), 0)
    db.new_ingress_key(ingress_key(2), 0)
    iid1, iid2 = _invocation(db, 1, 1, 0), _invocation(db, 2, 2, 0)
    u64_max = 2**64 - 1
    # u64 values above i64::MAX are stored as MobileCoin stores them and come back unchanged
    db.add_block_data(iid1, block(0, 2**63 + 5), u64_max, [])
    db.add_block_data(iid1, block(3, 40), 1_700_000_000, [])
    db.add_block_data(iid2, block(3, 40), 1_700_000_001, [])
    assert db.get_cumulative_txo_count_for_block(0) == 2**63 + 5
    assert db.get_block_signature_timestamp_for_block(0) == u64_max
    assert db.get_cumulative_txo_count_for_block(3) == 40
    assert db.get_block_signature_timestamp_for_block(3) == 1_700_000_000  # the first stored
    assert db.get_highest_known_block_index() == 3


def test_get_tx_outs_by_search_key(db: SqlRecoveryDb) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    iid = _invocation(db, 1, 1, 0)
    early, late = records("early", 2), records("late", 2)
    db.add_block_data(iid, block(0), 0, early)
    db.add_block_data(iid, block(5), 0, late)
    keys = [early[0].search_key, late[1].search_key, b"\x01" * 16]
    found_early, found_late, missing = db.get_tx_outs(0, keys)
    assert found_early.result_code == TxOutSearchResultCode.FOUND
    assert found_early.payload == early[0].payload
    assert len(found_early.ciphertext) == FIXED_CIPHERTEXT_LENGTH
    assert found_late.payload == late[1].payload
    assert missing.result_code == TxOutSearchResultCode.NOT_FOUND
    assert missing.ciphertext == bytes(FIXED_CIPHERTEXT_LENGTH)
    assert [r.result_code for r in db.get_tx_outs(1, keys)] == [
        TxOutSearchResultCode.NOT_FOUND, TxOutSearchResultCode.FOUND,
        TxOutSearchResultCode.NOT_FOUND,
    ]


def test_undecodable_stored_block_is_corrupt(db: SqlRecoveryDb, db_url: str) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    iid = _invocation(db, 1, 1, 0)
    db.add_block_data(iid, block(0), 0, records("x"))
    raw_execute(db_url, "UPDATE ingested_blocks SET proto_ingested_block_data = ?",
                (b"\x0a\xff\xff",))
    for call in (lambda: db.get_tx_outs_by_block_and_key(ingress_key(1), 0),
                 lambda: db.get_tx_outs_by_block_range_and_key(ingress_key(1), BlockRange(0, 1)),
                 lambda: db.get_tx_outs(0, [b"k" * 16])):
        with pytest.raises(FogError) as excinfo:
            call()
        assert _code(excinfo) == "fog.recovery_db_corrupt"


# --- lost keys and missed blocks -------------------------------------------------------------


def _published_key(db: SqlRecoveryDb, n: int, start: int, expiry: int) -> IngestInvocationId:
    db.new_ingress_key(ingress_key(n), start)
    db.set_report(ingress_key(n), f"report {n}", report(expiry))
    return _invocation(db, n, 100 + n, start)


def test_lost_key_turns_the_unscanned_rest_into_a_missed_range(db: SqlRecoveryDb) -> None:
    iid = _published_key(db, 1, 10, 20)
    for index in range(10, 14):
        db.add_block_data(iid, block(index), 0, [])
    _, cursor = db.search_user_events(0)
    db.report_lost_ingress_key(ingress_key(1))
    assert db.get_ingress_key_status(ingress_key(1)) == IngressPublicKeyStatus(10, 20, False, True)
    assert db.search_user_events(cursor)[0] == [BlockRange(14, 20)]
    assert db.get_missed_block_ranges() == [BlockRange(14, 20)]
    record = db.get_ingress_key_records(0, ALL_KEYS)[0]
    assert record.get_block_range() == BlockRange(10, 14)
    assert record.next_needed_block_index() is None


def test_lost_key_that_scanned_nothing_misses_start_to_expiry(db: SqlRecoveryDb) -> None:
    _published_key(db, 1, 10, 20)
    _published_key(db, 2, 30, 40)
    db.report_lost_ingress_key(ingress_key(1))
    db.report_lost_ingress_key(ingress_key(2))
    assert db.get_missed_block_ranges() == [BlockRange(10, 20), BlockRange(30, 40)]


def test_lost_key_without_missed_blocks(db: SqlRecoveryDb) -> None:
    iid = _published_key(db, 1, 0, 3)
    for index in range(3):  # scanned everything up to the expiry
        db.add_block_data(iid, block(index), 0, [])
    db.new_ingress_key(ingress_key(2), 5)  # never published: expiry 0
    db.report_lost_ingress_key(ingress_key(1))
    db.report_lost_ingress_key(ingress_key(2))
    assert db.get_missed_block_ranges() == []
    assert db.get_ingress_key_status(ingress_key(1)).lost  # type: ignore[union-attr]
    assert db.get_ingress_key_status(ingress_key(2)).lost  # type: ignore[union-attr]


def test_lost_key_reported_twice_or_sharing_a_range(db: SqlRecoveryDb) -> None:
    _published_key(db, 1, 10, 20)
    _published_key(db, 2, 10, 20)
    db.report_lost_ingress_key(ingress_key(1))
    db.report_lost_ingress_key(ingress_key(1))
    db.report_lost_ingress_key(ingress_key(2))  # same range: key marked lost, no second event
    assert db.get_missed_block_ranges() == [BlockRange(10, 20)]
    assert db.get_ingress_key_status(ingress_key(2)).lost  # type: ignore[union-attr]


def test_lost_unknown_key(db: SqlRecoveryDb, db_url: str) -> None:
    before = dump(db_url)
    with pytest.raises(FogError) as excinfo:
        db.report_lost_ingress_key(ingress_key(1))
    assert _code(excinfo) == "fog.recovery_db_unknown_ingress_key"
    assert dump(db_url) == before


# --- user events -----------------------------------------------------------------------------


def test_user_event_cursor(db: SqlRecoveryDb) -> None:
    assert db.search_user_events(0) == ([], 0)
    assert db.search_user_events(17) == ([], 17)  # no events: the cursor comes back unchanged
    db.new_ingress_key(ingress_key(1), 123)
    iids = [_invocation(db, 1, n, 123) for n in range(3)]
    db.decommission_ingest_invocation(iids[1])
    _published_key(db, 2, 10, 20)
    db.report_lost_ingress_key(ingress_key(2))
    events, cursor = db.search_user_events(0)
    expected = [
        RngRecord(iids[0], egress_key(0), 123),
        RngRecord(iids[1], egress_key(1), 123),
        RngRecord(iids[2], egress_key(2), 123),
        DecommissionedIngestInvocation(iids[1], 0),
        RngRecord(iids[2] + 1, egress_key(102), 10),
        BlockRange(10, 20),
    ]
    assert events == expected
    assert db.search_user_events(cursor) == ([], cursor)
    assert db.search_user_events(cursor + 1) == ([], cursor + 1)
    assert db.search_user_events(-5)[0] == expected
    # Paging: each event once, in order, whatever the starting point.
    seen, position = [], 0
    for _ in range(len(expected)):
        page, _next = db.search_user_events(position)
        seen.append(page[0])
        position = _next - len(page) + 1
    assert seen == expected
    db.decommission_ingest_invocation(iids[0])
    assert db.search_user_events(cursor) == ([DecommissionedIngestInvocation(iids[0], 0)],
                                             cursor + 1)
    assert db.search_user_events(2**63 - 1) == ([], 2**63 - 1)


# --- reports ---------------------------------------------------------------------------------


def test_reports_set_replace_remove(db: SqlRecoveryDb) -> None:
    assert db.get_all_reports() == []
    db.new_ingress_key(ingress_key(1), 5)
    db.new_ingress_key(ingress_key(2), 5)
    iid = _invocation(db, 1, 1, 5)
    status = db.set_report(ingress_key(1), "", report(20, None, b"ev1"))
    assert status == IngressPublicKeyStatus(5, 20, False, False)
    db.set_report(ingress_key(2), "other", report(30, None, b"ev2"))
    assert db.get_all_reports() == [("", report(20, None, b"ev1")),
                                    ("other", report(30, None, b"ev2"))]
    # Replace the report under "": its data changes, its place in the list does not; the
    # key's expiry only grows.
    status = db.set_report(ingress_key(2), "", report(15, iid, b"ev3"))
    assert status == IngressPublicKeyStatus(5, 30, False, False)
    assert db.get_all_reports() == [("", report(15, iid, b"ev3")),
                                    ("other", report(30, None, b"ev2"))]
    db.remove_report("")
    db.remove_report("never there")
    assert db.get_all_reports() == [("other", report(30, None, b"ev2"))]


def test_reports_for_a_retired_key_are_not_written(db: SqlRecoveryDb, db_url: str) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    db.set_report(ingress_key(1), "", report(10))
    db.retire_ingress_key(ingress_key(1), True)
    before = dump(db_url)
    status = db.set_report(ingress_key(1), "", report(50, None, b"new"))
    assert status == IngressPublicKeyStatus(0, 10, True, False)
    assert dump(db_url) == before


def test_report_refusals(db: SqlRecoveryDb, db_url: str) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    before = dump(db_url)
    for args, code in (
        ((ingress_key(2), "", report(10)), "fog.recovery_db_unknown_ingress_key"),
        ((ingress_key(1), "", report(10, 99)), "fog.recovery_db_unknown_ingest_invocation"),
        ((ingress_key(1), "x" * 65, report(10)), "fog.recovery_db_bad_report_id"),
    ):
        with pytest.raises(FogError) as excinfo:
            db.set_report(*args)
        assert _code(excinfo) == code
        assert dump(db_url) == before
    db.set_report(ingress_key(1), "é" * 64, report(10))  # 64 characters fit VARCHAR(64)
    assert db.get_all_reports()[0][0] == "é" * 64


# --- persistence -----------------------------------------------------------------------------


def test_data_survives_reopening(db_url: str, clock: Clock) -> None:
    with open_recovery_db(db_url, clock=clock) as first:
        first.new_ingress_key(ingress_key(1), 0)
        iid = _invocation(first, 1, 1, 0)
        first.add_block_data(iid, block(0), 9, records("kept"))
        first.set_report(ingress_key(1), "", report(10))
    with open_recovery_db(db_url, clock=clock) as second:  # the schema is not created twice
        assert second.get_tx_outs_by_block_and_key(ingress_key(1), 0) == records("kept")
        assert second.get_all_reports() == [("", report(10))]
        assert second.search_user_events(0)[0] == [RngRecord(iid, egress_key(1), 0)]
    with pytest.raises(FogError) as excinfo:
        second.get_highest_known_block_index()
    assert _code(excinfo) == "fog.recovery_db_io"  # closed
