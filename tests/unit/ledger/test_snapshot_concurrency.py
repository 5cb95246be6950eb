"""Reads through one snapshot while another process appends: ``mcref ledger verify`` must never
report damage that is only an append in progress (it used to read through many LMDB
transactions and could see block N's header with block N+1's counts).

MobileCoin ``ledger/db/src/ledger_db.rs`` begins one read transaction per call; here
``LedgerStore.snapshot()`` is one transaction for a whole verification or listing, begun under
the tip journal's shared lock (refimpl/ledger/journal.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from refimpl.ledger.snapshot import LedgerSnapshot
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.synthetic import SyntheticSource
from refimpl.ledger.verify import verify_ledger, verify_path
from refimpl.transaction.membership_proofs.merkle import is_membership_proof_valid

ROOT = Path(__file__).resolve().parents[3]
APPENDS = 1000
DEADLINE_S = 240.0


def start_appender(path: Path, count: int, seed: str, sign_every: int) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.unit.ledger.append_worker", str(path), str(count), seed,
         str(sign_every)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready = proc.stdout.readline()
    assert ready.startswith("ready "), proc.stderr.read() if proc.stderr else ready
    return proc


def finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode == 0, err
    return out


def origin_ledger(path: Path) -> None:
    with LedgerStore.create(path) as store:
        contents = SyntheticSource(b"origin").contents(2, 0)
        store.append_block(store.block_for(contents), contents)


def consistent(snap: LedgerSnapshot) -> int:
    """What a listing reads, checked against itself: the count, the last block's TxOut count,
    the stored TxOut count and the root all from the same moment."""
    n = snap.num_blocks()
    last = snap.get_block(n - 1)
    assert last.cumulative_txo_count == snap.num_tx_outs()
    index = snap.num_tx_outs() - 1
    proof = snap.get_membership_proof(index)
    assert is_membership_proof_valid(snap.get_tx_out(index), proof, snap.root_hash())
    return n


def test_verify_during_1000_appends_from_another_process_never_reports_damage(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger"
    origin_ledger(path)
    proc = start_appender(path, APPENDS, "concurrent", sign_every=50)
    started = time.monotonic()
    verifies = listings = 0
    seen = [1]
    try:
        while proc.poll() is None:
            assert time.monotonic() - started < DEADLINE_S, "the appender is stuck"
            if verifies % 2:  # what `mcref ledger verify` does
                report = verify_path(path)
            else:  # an ordinary open (its tip-journal check included), a verify, a listing
                with LedgerStore.open(path, read_only=True) as reader:
                    report = verify_ledger(reader)
                    with reader.snapshot() as snap:
                        assert consistent(snap) >= report.num_blocks
                    listings += 1
            assert report.ok, report.fault
            assert report.num_blocks >= seen[-1]
            seen.append(report.num_blocks)
            verifies += 1
    finally:
        out = finish(proc)
    assert out.splitlines()[-1] == f"done {APPENDS + 1}"
    final = verify_path(path)
    assert final.ok and final.num_blocks == APPENDS + 1 and final.journal_records == APPENDS + 1
    assert final.signed_blocks == APPENDS // 50
    assert verifies >= 3 and len(set(seen)) >= 3  # verified at several sizes mid-append
    print(f"{verifies} verifies and {listings} listings during {APPENDS} appends, "
          f"sizes {seen[1]}..{seen[-1]}")


def test_a_snapshot_does_not_see_later_appends(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    origin_ledger(path)
    source = SyntheticSource(b"later")
    with LedgerStore.open(path) as store, store.snapshot() as before:
        root = before.root_hash()
        contents = source.contents(3, 1)
        store.append_block(store.block_for(contents), contents)
        assert before.num_blocks() == 1 and before.num_tx_outs() == 2
        assert before.root_hash() == root
        assert before.check_key_image(contents.key_images[0]) is None
        with store.snapshot() as after:
            assert after.num_blocks() == 2 and after.num_tx_outs() == 5
            assert after.check_key_image(contents.key_images[0]) == 1
            assert after.root_hash() != root


def test_a_read_only_ledger_verifies(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    origin_ledger(path)
    proc = start_appender(path, 5, "ro", sign_every=2)
    finish(proc)
    with LedgerStore.open(path, read_only=True) as store:
        report = verify_ledger(store)
    assert report.ok and report.num_blocks == 6 and report.signed_blocks == 3
    assert verify_path(path).ok
