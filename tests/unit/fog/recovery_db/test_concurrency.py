"""Several connections on one recovery database, as fog runs it: ingest servers race to store
the same block under one ingress key; ingest writes while view and report read (SQLite: one
file in WAL mode shared by processes; PostgreSQL: one server). Also: a dropped PostgreSQL
connection is retried transparently.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import psycopg
import pytest

from refimpl.fog.recovery_db import (
    AddBlockDataStatus,
    IngestInvocationId,
    SqlRecoveryDb,
    open_recovery_db,
)
from refimpl.fog.types import BlockRange
from tests.unit.fog.recovery_db._data import Clock, block, egress_key, ingress_key, records, report

REPO = Path(__file__).resolve().parents[4]
RACE_BLOCKS = 12
CHILD_BLOCKS = 40


def test_two_ingest_servers_race_for_each_block(db: SqlRecoveryDb, db_url: str) -> None:
    """Two invocations holding the same ingress key, on two connections, store each block at
    the same moment: exactly one wins, the loser is told so, and only the winner's data is
    stored."""
    db.new_ingress_key(ingress_key(1), 0)
    iids = [db.new_ingest_invocation(None, ingress_key(1), egress_key(n), 0) for n in (1, 2)]
    other = open_recovery_db(db_url)
    dbs = [db, other]
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[tuple[int, int], AddBlockDataStatus] = {}

    def ingest(side: int) -> None:
        for index in range(RACE_BLOCKS):
            barrier.wait()
            outcomes[(side, index)] = dbs[side].add_block_data(
                iids[side], block(index), index, records(f"side {side} block {index}"))

    threads = [threading.Thread(target=ingest, args=(side,)) for side in (0, 1)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        other.close()
    assert len(outcomes) == 2 * RACE_BLOCKS
    for index in range(RACE_BLOCKS):
        won = [not outcomes[(side, index)].block_already_scanned_with_this_key for side in (0, 1)]
        assert won.count(True) == 1, f"block {index}: {won}"
        winner = won.index(True)
        assert db.get_invocation_id_by_block_and_key(ingress_key(1), index) == iids[winner]
        assert db.get_tx_outs_by_block_and_key(ingress_key(1), index) == records(
            f"side {winner} block {index}")
    assert db.get_last_scanned_block_index(ingress_key(1)) == RACE_BLOCKS - 1


def _sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite://")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_file_is_in_wal_mode_so_readers_do_not_block_the_writer(
    db: SqlRecoveryDb, db_url: str
) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    iid = db.new_ingest_invocation(None, ingress_key(1), egress_key(1), 0)
    reader = sqlite3.connect(_sqlite_path(db_url), isolation_level=None)
    try:
        assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        reader.execute("BEGIN")  # a long read transaction holding its snapshot
        assert reader.execute("SELECT COUNT(*) FROM ingested_blocks").fetchone() == (0,)
        started = time.monotonic()
        db.add_block_data(iid, block(0), 0, records("x"))  # commits despite the open reader
        assert time.monotonic() - started < 5
        assert reader.execute("SELECT COUNT(*) FROM ingested_blocks").fetchone() == (0,)
        reader.execute("COMMIT")
        assert reader.execute("SELECT COUNT(*) FROM ingested_blocks").fetchone() == (1,)
    finally:
        reader.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_two_connections_see_each_others_commits(db: SqlRecoveryDb, db_url: str) -> None:
    view = open_recovery_db(db_url)
    try:
        db.new_ingress_key(ingress_key(1), 0)
        assert view.get_ingress_key_status(ingress_key(1)) is not None
        view.set_report(ingress_key(1), "", report(10))  # the report server writes too
        iid = db.new_ingest_invocation(None, ingress_key(1), egress_key(1), 0)
        for index in range(5):
            db.add_block_data(iid, block(index), 0, records(f"b{index}"))
            assert view.get_highest_known_block_index() == index
        assert db.get_all_reports() == [("", report(10))]
        assert view.search_user_events(0)[1] == 1
    finally:
        view.close()


_CHILD = """
import sys
from refimpl.fog.recovery_db import open_recovery_db
from tests.unit.fog.recovery_db._data import block, records
url, iid, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open_recovery_db(url) as db:
    for index in range(count):
        assert not db.add_block_data(iid, block(index), index, records(f"p{index}", 2)) \\
            .block_already_scanned_with_this_key
print("done", flush=True)
"""


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_ingest_process_writes_while_this_process_reads_and_publishes(
    db: SqlRecoveryDb, db_url: str, clock: Clock
) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    iid = db.new_ingest_invocation(None, ingress_key(1), egress_key(1), 0)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, db_url, str(iid), str(CHILD_BLOCKS)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        seen, expiry, deadline = -1, 0, time.monotonic() + 60
        while seen < CHILD_BLOCKS - 1:
            assert time.monotonic() < deadline, "the ingest process did not finish"
            highest = db.get_highest_known_block_index()
            current = -1 if highest is None else highest
            assert current >= seen  # never goes backwards
            blocks = db.get_tx_outs_by_block_range_and_key(ingress_key(1), BlockRange(0, 100))
            assert len(blocks) >= current + 1  # every block up to the highest is complete
            assert blocks == [records(f"p{i}", 2) for i in range(len(blocks))]
            expiry += 1
            db.set_report(ingress_key(1), "", report(expiry))
            seen = current
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        assert out.strip() == "done"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
    assert db.get_ingestable_ranges()[0].last_ingested_block == CHILD_BLOCKS - 1
    assert db.get_all_reports()[0][1].pubkey_expiry == expiry


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_connection_dropped_by_the_server_is_retried(
    db: SqlRecoveryDb, db_url: str
) -> None:
    db.new_ingress_key(ingress_key(1), 0)
    name = urllib.parse.parse_qs(urllib.parse.urlsplit(db_url).query)["application_name"][0]
    with psycopg.connect(db_url, autocommit=True, application_name="admin") as admin:
        for _attempt in range(2):
            pids = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (name,)
            ).fetchall()
            assert len(pids) == 1  # the database object's one connection
            admin.execute("SELECT pg_terminate_backend(%s)", (pids[0][0],))
            # The next call finds the connection dead, reconnects and succeeds.
            iid = db.new_ingest_invocation(None, ingress_key(1), egress_key(_attempt), 0)
            assert iid == IngestInvocationId(_attempt + 1)
    assert [r.id for r in db.get_ingestable_ranges()] == [1, 2]
