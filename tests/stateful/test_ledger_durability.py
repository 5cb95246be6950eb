"""Durability: a process appending blocks is SIGKILLed at random moments, 50 times.

The appender (ledger_append_loop.py) prints ``INDEX ID`` only after ``append_block`` returned.
Appends are sequential and each is one LMDB write transaction committed with fsync
(refimpl/ledger/store.py), so after a kill, with L = the highest index printed so far by any
run (the origin block, 0, when nothing was printed):

* the ledger holds blocks ``0..N-1`` with ``N - 1 in {L, L + 1}``: every block whose append
  returned and was reported, plus at most the one block whose commit reached the disk before
  the kill landed between the commit and the print (that append did return, or was about to);
* every reported block is stored with the reported id (nothing returned was lost or changed);
* ``mcref ledger verify`` passes (no partial block, indexes and Merkle hashes consistent).

The next run appends on top of whatever the kill left, so the 50 kills hit one growing ledger.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from refimpl.cli import main
from refimpl.ledger.store import LedgerStore

ROOT = Path(__file__).resolve().parents[2]
LOOP = ROOT / "tests" / "stateful" / "ledger_append_loop.py"
KILLS = 50


def run_and_kill(path: Path, delay: float) -> list[tuple[int, str]]:
    """Start the appender, wait until it is ready, let it run ``delay`` s, SIGKILL it; return
    the ``(index, id)`` lines it printed."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=os.environ.get("TMPDIR", "/tmp"))
    proc = subprocess.Popen([sys.executable, str(LOOP), str(path), "durability"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready = proc.stdout.readline()
    assert ready.startswith("ready "), proc.stderr.read() if proc.stderr else ready
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    out = proc.stdout.read()
    lines = []
    for line in out.splitlines():
        index, block_id = line.split()
        lines.append((int(index), block_id))
    proc.stdout.close()
    if proc.stderr is not None:
        proc.stderr.close()
    return lines


def test_sigkill_at_random_moments_loses_no_returned_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ledger"
    assert main(["ledger", "init", str(path), "--accounts", "2"]) == 0
    rng = random.Random(20261122)
    reported: dict[int, str] = {}
    last_reported = 0
    committed_unreported = 0
    for _kill in range(KILLS):
        lines = run_and_kill(path, rng.uniform(0.0, 0.03))
        for index, block_id in lines:
            assert index == last_reported + 1
            reported[index] = block_id
            last_reported = index
        with LedgerStore.open(path, read_only=True) as store:
            num_blocks = store.num_blocks()
            assert num_blocks - 1 in (last_reported, last_reported + 1)
            committed_unreported += num_blocks - 1 - last_reported
            for index in (last_reported, *rng.sample(sorted(reported), min(5, len(reported)))):
                if index in reported:
                    assert store.get_block(index).id.hex() == reported[index]
        capsys.readouterr()
        assert main(["ledger", "verify", str(path)]) == 0, capsys.readouterr().out
        capsys.readouterr()
        # a block committed but not reported is the next run's starting point: count it now
        if num_blocks - 1 == last_reported + 1:
            with LedgerStore.open(path, read_only=True) as store:
                reported[num_blocks - 1] = store.get_block(num_blocks - 1).id.hex()
            last_reported = num_blocks - 1
    assert last_reported >= KILLS // 2  # the appender made progress between kills
    with LedgerStore.open(path, read_only=True) as store:
        for index, block_id in reported.items():
            assert store.get_block(index).id.hex() == block_id
    print(f"{last_reported + 1} blocks, {committed_unreported} kills between commit and print")
