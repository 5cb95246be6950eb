"""The tip journal (refimpl/ledger/journal.py): one chained, fsynced record per appended block;
a lag left by a crash is tolerated by readers and repaired by a read-write open, a torn final
record dropped; a database rolled back to an older copy is ``ledger.rollback`` naming the first
missing block, one whose blocks differ from the records ``ledger.journal_mismatch``.

MobileCoin's ``LedgerDB`` (``ledger/db/src/ledger_db.rs``) has no such witness: an older
``data.mdb`` is an older ledger to it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from refimpl.errors import CODES, LedgerError
from refimpl.ledger.journal import (
    HEADER,
    HEADER_LEN,
    RECORD_LEN,
    ZERO_DIGEST,
    TipJournal,
    TipRecord,
    chained,
    signature_digest,
)
from refimpl.ledger.signature import sign
from refimpl.ledger.store import DB_BLOCK_SIGNATURES, LedgerStore, be64, copy_ledger
from refimpl.ledger.verify import VerifyReport, verify_path
from tests.unit.ledger import _damage
from tests.unit.ledger._damage import KEY, build, grow

ROOT = Path(__file__).resolve().parents[3]


def refused(action: Callable[[], object]) -> LedgerError:
    with pytest.raises(LedgerError) as info:
        action()
    assert info.value.code in CODES and "\n" not in info.value.one_line()
    return info.value


def open_ro(path: Path) -> Callable[[], object]:
    return lambda: LedgerStore.open(path, read_only=True).close()


def open_rw(path: Path) -> Callable[[], object]:
    return lambda: LedgerStore.open(path).close()


def fault_of(path: Path) -> tuple[int | None, str]:
    report = verify_path(path)
    assert report.fault is not None, report
    return report.fault.index, report.fault.code


def sound(path: Path, blocks: int, records: int) -> VerifyReport:
    report = verify_path(path)
    assert report.ok, report.fault
    assert report.num_blocks == blocks and report.journal_records == records
    return report


def test_each_append_writes_one_chained_record(tmp_path: Path) -> None:
    path = tmp_path / "l"
    appended = build(path, 4, unsigned=[2])
    data = _damage.journal(path).read_bytes()
    assert data[:HEADER_LEN] == HEADER and len(data) == HEADER_LEN + 4 * RECORD_LEN
    journal = TipJournal.open(path, writable=False)
    try:
        read = journal.read_all(locked=False)
        tail = journal.tail()
    finally:
        journal.close()
    assert read.fault is None and tail.count == 4 and tail.torn == 0
    previous = ZERO_DIGEST
    for i, ((block, _contents), entry) in enumerate(zip(appended, read.entries, strict=True)):
        digest = ZERO_DIGEST if i == 2 else signature_digest(sign(block, KEY).to_protobuf())
        expected = chained(previous, TipRecord(i, block.id, digest))
        assert entry == expected
        previous = entry.chain
    assert tail.last == read.entries[-1]
    sound(path, 4, 4)


def test_a_lag_left_by_a_crash_is_read_and_repaired(tmp_path: Path) -> None:
    """A process killed between its LMDB commit and its journal write leaves the journal one
    record short: readers accept it, a read-write open writes the record from the database."""
    path = tmp_path / "l"
    build(path, 4)
    complete = _damage.journal(path).read_bytes()
    os.truncate(_damage.journal(path), len(complete) - RECORD_LEN)
    open_ro(path)()
    sound(path, 4, 3)
    with LedgerStore.open(path) as store:
        grow(store, 1, b"after-repair")
    data = _damage.journal(path).read_bytes()
    assert data[:len(complete)] == complete and len(data) == len(complete) + RECORD_LEN
    sound(path, 5, 5)


def test_an_append_first_writes_the_record_another_writer_left_unwritten(tmp_path: Path) -> None:
    """A store already open when another writer died between commit and record: its next
    append writes that record from the database, then its own."""
    path = tmp_path / "l"
    build(path, 3)
    complete = _damage.journal(path).read_bytes()
    with LedgerStore.open(path) as store:
        os.truncate(_damage.journal(path), len(complete) - RECORD_LEN)
        grow(store, 1, b"catch-up")
    data = _damage.journal(path).read_bytes()
    assert data[:len(complete)] == complete and len(data) == len(complete) + RECORD_LEN
    sound(path, 4, 4)


@pytest.mark.parametrize("tail", [b"\x17" * 50, bytes(RECORD_LEN), bytes(RECORD_LEN) + b"\x01"])
def test_a_torn_final_record_is_ignored_then_dropped(tmp_path: Path, tail: bytes) -> None:
    """A write cut short (a partial record), or a record the filesystem extended the file for
    but whose data it lost (zeros), is ignored by readers and cut off by a read-write open."""
    path = tmp_path / "l"
    build(path, 3)
    complete = _damage.journal(path).read_bytes()
    with open(_damage.journal(path), "ab") as f:
        f.write(tail)
    open_ro(path)()
    sound(path, 3, 3)
    open_rw(path)()
    assert _damage.journal(path).read_bytes() == complete


def test_a_database_swapped_back_to_an_older_copy_is_a_rollback(tmp_path: Path) -> None:
    path = tmp_path / "l"
    build(path, 3)
    older = (path / "data.mdb").read_bytes()
    with LedgerStore.open(path) as store:
        grow(store, 2, b"newer")
    journal_before = _damage.journal(path).read_bytes()
    (path / "data.mdb").write_bytes(older)
    for action in (open_ro(path), open_rw(path)):
        error = refused(action)
        assert error.code == "ledger.rollback" and "block 3:" in error.message
    assert fault_of(path) == (3, "ledger.rollback")
    assert _damage.journal(path).read_bytes() == journal_before  # the refusal repaired nothing


def test_a_database_that_forked_after_a_rollback_is_a_mismatch(tmp_path: Path) -> None:
    """The older copy grew again with other blocks: as long as the journal, but block 3 on is
    not what the journal saw committed."""
    path, fork = tmp_path / "l", tmp_path / "fork"
    build(path, 3)
    shutil.copytree(path, fork)
    with LedgerStore.open(path) as store:
        grow(store, 2, b"first")
    with LedgerStore.open(fork) as store:
        grow(store, 2, b"second")
    shutil.copyfile(fork / "data.mdb", path / "data.mdb")
    error = refused(open_ro(path))  # opening checks the last record only
    assert error.code == "ledger.journal_mismatch" and error.message.startswith("block 4:")
    assert fault_of(path) == (3, "ledger.journal_mismatch")


def test_a_deleted_signature_is_a_mismatch_at_open_and_in_verify(tmp_path: Path) -> None:
    path = tmp_path / "l"
    build(path, 3)
    _damage.delete(path, DB_BLOCK_SIGNATURES, be64(2))
    error = refused(open_ro(path))
    assert error.code == "ledger.journal_mismatch" and "deleted or moved" in error.message
    assert fault_of(path) == (2, "ledger.journal_mismatch")


def test_a_missing_journal_is_refused_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "l"
    build(path, 2)
    _damage.journal(path).unlink()
    for action in (open_ro(path), open_rw(path)):
        assert refused(action).code == "ledger.journal_missing"
    assert fault_of(path) == (None, "ledger.journal_missing")


def test_a_journal_more_than_one_record_behind_is_refused(tmp_path: Path) -> None:
    """Writers hold the journal lock across commit and record, so a lag above one is damage."""
    path = tmp_path / "l"
    build(path, 4)
    os.truncate(_damage.journal(path), HEADER_LEN + 2 * RECORD_LEN)
    for action in (open_ro(path), open_rw(path)):
        assert refused(action).code == "ledger.journal_behind"
    assert fault_of(path) == (2, "ledger.journal_behind")


@pytest.mark.parametrize("record", [1, 3])
def test_a_damaged_record_breaks_the_chain(tmp_path: Path, record: int) -> None:
    path = tmp_path / "l"
    build(path, 4)
    data = bytearray(_damage.journal(path).read_bytes())
    data[HEADER_LEN + record * RECORD_LEN + 20] ^= 0x01  # a bit of the recorded block id
    _damage.journal(path).write_bytes(bytes(data))
    if record == 3:  # the last record: every open checks it against the one before
        assert refused(open_ro(path)).code == "ledger.journal_corrupted"
    else:
        open_ro(path)()  # an open reads O(1) of the journal; verify reads all of it
    assert fault_of(path) == (record, "ledger.journal_corrupted")


def test_a_bad_header_is_corrupted(tmp_path: Path) -> None:
    path = tmp_path / "l"
    build(path, 2)
    data = bytearray(_damage.journal(path).read_bytes())
    data[3] ^= 0x20
    _damage.journal(path).write_bytes(bytes(data))
    assert refused(open_ro(path)).code == "ledger.journal_corrupted"
    assert fault_of(path) == (None, "ledger.journal_corrupted")


def test_two_writer_processes_keep_records_in_commit_order(tmp_path: Path) -> None:
    """Each writer holds the journal's exclusive lock from before its write transaction to its
    fsynced record, so interleaved appends by two processes leave every record in place."""
    path = tmp_path / "l"
    build(path, 1)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-m", "tests.unit.ledger.append_worker", str(path),
                               "25", seed, "3"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for seed in ("writer-a", "writer-b")]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert len([line for line in out.splitlines() if line.startswith("appended ")]) == 25
    sound(path, 51, 51)


def test_copy_ledger_installs_data_and_journal(tmp_path: Path) -> None:
    """What a node does with the origin ledger (refimpl/node/process.py setup_ledger_dir)."""
    origin, node = tmp_path / "origin", tmp_path / "node" / "ledger"
    build(origin, 2)
    copy_ledger(origin, node)
    assert sorted(p.name for p in node.iterdir()) == ["data.mdb", "tip-journal"]
    with LedgerStore.open(node) as store:
        grow(store, 1, b"node")
    sound(node, 3, 3)
    sound(origin, 2, 2)
