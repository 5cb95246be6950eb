"""Ledger integrity under damage: no byte of ``data.mdb`` can crash ``mcref ledger verify``, make
it exit 70, or make it show a different ledger as sound.

A small signed ledger (a two-level B-tree, an overflow value, free-list records from reused
pages) is damaged one way per case — one byte XORed, or the file cut short — and each damaged
copy goes through what ``mcref ledger verify`` runs, in worker processes
(tests/unit/ledger/damage_worker.py) so that a signal (SIGBUS from a truncated map, SIGSEGV,
SIGABRT from an LMDB assertion) fails the test naming the position instead of killing pytest.
Each case must end in a typed refusal (exit 1 with a fault, or exit 2 with ``error[CODE]``) or
in exit 0 with every key and value of every named database identical to the original.

Positions (CI): a random one-bit flip and a random mask of each header and ``MDB_meta`` byte of
both meta pages, one random mask of every other meta-page byte and of the 16 header bytes of
every other page, the single-byte txnid changes that roll the ledger back (older meta page made
newest), and a seeded sample of 2000 other positions (``MCREF_DAMAGE_SEED``, default 14).
``MCREF_DAMAGE_ALL=1`` (nightly) damages every byte of the file. Truncation: every 4 KiB
boundary, and half the file. ``MCREF_DAMAGE_WORKERS`` worker processes (default 2).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import struct
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import lmdb
import pytest

from refimpl.ledger.lmdb_file import PAGEHDRSZ, check_data_file, map_pages
from tests.unit.ledger._lmdb_pages import build_ledger

ROOT = Path(__file__).resolve().parents[3]
#: Header and ``MDB_meta`` bytes at the start of a meta page.
META_STRUCT = PAGEHDRSZ + 136
SAMPLE = 2000
SEED = int(os.environ.get("MCREF_DAMAGE_SEED", "14"))
EVERY_BYTE = os.environ.get("MCREF_DAMAGE_ALL") == "1"
WORKERS = int(os.environ.get("MCREF_DAMAGE_WORKERS", "2"))
#: A worker whose output stops growing for this long is killed as hung.
HANG_S = 300.0
MAX_CRASHES = 25


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("damage") / "ledger"
    build_ledger(path)
    kinds = set(map_pages(path / "data.mdb").values())
    assert any(k.startswith("branch page of database") for k in kinds), kinds
    assert any(k.startswith("overflow page of database") for k in kinds), kinds
    assert any(k.startswith("free page") for k in kinds), kinds
    return path


# --- describing a position -------------------------------------------------------------------
_HEADER_FIELDS = ((0, "mp_pgno"), (8, "mp_pad"), (10, "mp_flags"), (12, "mp_lower"),
                  (14, "mp_upper"))
_DB_FIELDS = ((0, "md_pad"), (4, "md_flags"), (6, "md_depth"), (8, "md_branch_pages"),
              (16, "md_leaf_pages"), (24, "md_overflow_pages"), (32, "md_entries"),
              (40, "md_root"))
_META_FIELDS = ((16, "mm_magic"), (20, "mm_version"), (24, "mm_address"), (32, "mm_mapsize"),
                (40, "mm_dbs[FREE_DBI]"), (88, "mm_dbs[MAIN_DBI]"), (136, "mm_last_pg"),
                (144, "mm_txnid"), (152, "zero padding"))


def _field(fields: tuple[tuple[int, str], ...], offset: int) -> tuple[str, int]:
    start, name = max((f for f in fields if f[0] <= offset), key=lambda f: f[0])
    return name, offset - start


def describe(position: int, page_size: int, kinds: dict[int, str]) -> str:
    page, offset = divmod(position, page_size)
    what = kinds.get(page, "page in no tree and not free")
    if page < 2 and offset >= PAGEHDRSZ:
        name, within = _field(_META_FIELDS, offset)
        if name.startswith("mm_dbs"):
            sub, within = _field(_DB_FIELDS, within)
            name = f"{name}.{sub}"
    elif offset < PAGEHDRSZ:
        name, within = _field(_HEADER_FIELDS, offset)
    else:
        return f"page {page} ({what}) offset {offset}"
    return f"page {page} ({what}) {name} byte {within}"


# --- the cases and the workers ---------------------------------------------------------------
def rollback_cases(data: bytes, page_size: int) -> list[str]:
    """Single-byte XORs of a txnid that make LMDB open the older snapshot with nothing
    structural to tell (the txnids stay consecutive, each of its page's parity): the older
    page's txnid N-1 made N+1, or the newer page's N made N-2."""
    txnids = [struct.unpack_from("<Q", data, page * page_size + 144)[0] for page in (0, 1)]
    newer = 0 if txnids[0] > txnids[1] else 1
    cases = []
    for page, value in ((1 - newer, txnids[newer] + 1), (newer, txnids[newer] - 2)):
        old = txnids[page].to_bytes(8, "little")
        diff = [(i, a ^ b) for i, (a, b) in enumerate(zip(old, value.to_bytes(8, "little"),
                                                         strict=True)) if a != b]
        if len(diff) == 1:
            cases.append(f"x:{page * page_size + 144 + diff[0][0]}:{diff[0][1]}")
    return cases


def damage_cases(data: bytes, page_size: int, seed: int, every_byte: bool) -> list[str]:
    rng = random.Random(seed)
    cases: list[str] = rollback_cases(data, page_size)
    covered: set[int] = set()

    def xor(position: int, *masks: int) -> None:
        covered.add(position)
        cases.extend(f"x:{position}:{mask}" for mask in masks)

    for page in (0, 1):
        for offset in range(page_size):
            position = page * page_size + offset
            if offset < META_STRUCT:  # a one-bit flip and a random mask
                xor(position, *sorted({1 << rng.randrange(8), rng.randrange(1, 256)}))
            else:
                xor(position, rng.randrange(1, 256))
    for page in range(2, len(data) // page_size):
        for offset in range(PAGEHDRSZ):
            xor(page * page_size + offset, rng.randrange(1, 256))
    rest = [p for p in range(len(data)) if p not in covered]
    for position in (rest if every_byte else sorted(rng.sample(rest, SAMPLE))):
        xor(position, rng.randrange(1, 256))
    return list(dict.fromkeys(cases))


def _start_worker(source: Path, work: Path, chunk: list[str]) -> subprocess.Popen[bytes]:
    work.mkdir(parents=True)
    (work / "cases").write_text("\n".join(chunk))
    with open(work / "out", "wb") as out, open(work / "err", "wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.unit.ledger.damage_worker", str(source), str(work),
             str(work / "cases")],
            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=out, stderr=err)


def _wait(proc: subprocess.Popen[bytes], out: Path) -> str:
    """Wait for a worker; one whose output has not grown for :data:`HANG_S` is killed. How it
    ended: ``""`` for a clean exit."""
    size, seen = -1, time.monotonic()
    while proc.poll() is None:
        time.sleep(0.2)
        now_size = out.stat().st_size
        if now_size != size:
            size, seen = now_size, time.monotonic()
        elif time.monotonic() - seen > HANG_S:
            proc.kill()
            proc.wait()
            return f"hung for {HANG_S:.0f} s, killed"
    return "" if proc.returncode == 0 else f"exit {proc.returncode}"


def run_cases(source: Path, scratch: Path, cases: list[str]
              ) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Run every case in :data:`WORKERS` worker processes; a worker that dies mid-case (a
    signal, or hung) is recorded with that case and restarted after it. Returns the verdicts
    and ``(case, how it died)``."""
    verdicts: dict[str, str] = {}
    crashes: list[tuple[str, str]] = []
    pending = [cases[i::WORKERS] for i in range(WORKERS)]
    round_ = 0
    while any(pending) and len(crashes) < MAX_CRASHES:
        round_ += 1
        running = [(i, chunk, scratch / f"w{i}-{round_}") for i, chunk in enumerate(pending)
                   if chunk]
        procs = [_start_worker(source, work, chunk) for _, chunk, work in running]
        for (i, chunk, work), proc in zip(running, procs, strict=True):
            ended = _wait(proc, work / "out")
            done, started = 0, ""
            for line in (work / "out").read_text().splitlines():
                tag, case, *verdict = line.split(" ", 2)
                started = case if tag == "B" else started
                if tag == "R" and case == chunk[done]:
                    verdicts[case] = verdict[0] if verdict else ""
                    done += 1
            pending[i] = chunk[done:]
            if not ended and not pending[i]:
                continue
            err = (work / "err").read_text(errors="replace")[-500:]
            if pending[i] and started == pending[i][0]:  # it died in this case
                crashes.append((started, f"{ended or 'exit 0'}: {err}"))
                pending[i] = pending[i][1:]
            else:
                crashes.append(("(outside any case)", f"{ended or 'exit 0'}: {err}"))
    return verdicts, crashes


def report(cases: list[str], verdicts: dict[str, str], crashes: list[tuple[str, str]],
           page_size: int, kinds: dict[int, str]) -> tuple[list[str], Counter[str]]:
    def where(case: str) -> str:
        kind, *fields = case.split(":")
        if kind == "x":
            position, mask = int(fields[0]), int(fields[1])
            return f"{case} = XOR 0x{mask:02x} at {describe(position, page_size, kinds)}"
        return f"{case} = data.mdb cut to {fields[0]} bytes"

    problems = [f"KILLED {where(case)}: {how}" for case, how in crashes]
    problems += [f"{where(case)}: {verdicts[case]}" for case in cases
                 if verdicts.get(case, "").startswith("FAIL")]
    missing = [case for case in cases if case not in verdicts]
    if missing and not crashes:
        problems.append(f"{len(missing)} cases never ran, e.g. {missing[:5]}")
    summary: Counter[str] = Counter(
        verdict.split(" checker=")[0] for verdict in verdicts.values())
    return problems, summary


def run_and_judge(ledger: Path, scratch: Path, cases: list[str]) -> None:
    page_size = check_data_file(ledger / "data.mdb").page_size
    kinds = map_pages(ledger / "data.mdb")
    started = time.monotonic()
    verdicts, crashes = run_cases(ledger, scratch, cases)
    problems, summary = report(cases, verdicts, crashes, page_size, kinds)
    print(f"{len(cases)} cases in {time.monotonic() - started:.1f} s: "
          + ", ".join(f"{k}: {v}" for k, v in summary.most_common()))
    assert not problems, (f"{len(problems)} damaged copies crashed, exited 70 or showed a "
                          f"different ledger (seed {SEED}):\n" + "\n".join(problems[:60]))


# --- the tests -------------------------------------------------------------------------------
def test_a_worker_killed_by_a_signal_is_reported_with_its_case(ledger: Path,
                                                              tmp_path: Path) -> None:
    """The harness itself: a worker that dies of SIGBUS in a case is reported with that case,
    and the cases after it still run."""
    cases = ["t:8192", "s:7", "t:4096", "x:16:1"]
    verdicts, crashes = run_cases(ledger, tmp_path, cases)
    assert [(case, how.split(":")[0]) for case, how in crashes] == [("s:7", "exit -7")]
    assert set(verdicts) == {"t:8192", "t:4096", "x:16:1"}
    assert all(v.startswith("refused ledger.") for v in verdicts.values()), verdicts


def test_every_single_byte_xor_is_refused_or_harmless(ledger: Path, tmp_path: Path) -> None:
    data = (ledger / "data.mdb").read_bytes()
    page_size = check_data_file(ledger / "data.mdb").page_size
    cases = damage_cases(data, page_size, SEED, EVERY_BYTE)
    assert len(cases) >= SAMPLE and rollback_cases(data, page_size)
    run_and_judge(ledger, tmp_path, cases)


def test_truncation_at_every_4k_boundary_is_refused(ledger: Path, tmp_path: Path) -> None:
    size = (ledger / "data.mdb").stat().st_size
    lengths = sorted({*range(0, size, 4096), size // 2, 8192})
    run_and_judge(ledger, tmp_path, [f"t:{n}" for n in lengths])


def _older_meta_made_newest(data: bytes, page_size: int) -> tuple[bytes, int]:
    """``data`` with the older meta page's txnid set to the newer one's + 1 (the same parity,
    consecutive: nothing structural tells it apart); and that meta page's number."""
    txnids = [struct.unpack_from("<Q", data, page * page_size + 144)[0] for page in (0, 1)]
    older = 0 if txnids[0] < txnids[1] else 1
    buffer = bytearray(data)
    struct.pack_into("<Q", buffer, older * page_size + 144, max(txnids) + 1)
    return bytes(buffer), older


def _copy_with(ledger: Path, target: Path, data: bytes) -> Path:
    shutil.copytree(ledger, target, ignore=shutil.ignore_patterns("lock.mdb", "*-lock"))
    (target / "data.mdb").write_bytes(data)
    return target


def _stored_blocks(path: Path) -> int:
    env = lmdb.open(str(path), readonly=True, lock=False, max_dbs=16)
    try:
        with env.begin() as txn:
            counts = env.open_db(b"ledger_db:counts", txn=txn, create=False)
            raw = txn.get(b"num_blocks", db=counts)
            assert raw is not None
            return int.from_bytes(bytes(raw), "big")
    finally:
        env.close()


def test_older_meta_page_made_newest_is_reported_as_rollback(ledger: Path,
                                                            tmp_path: Path) -> None:
    """The older meta page's txnid set to the newest + 1: consecutive, of its page's parity,
    both snapshots describing as many pages — LMDB silently opens the ledger as it was before
    the last append. The tip journal (refimpl/ledger/journal.py) names the missing block."""
    data = (ledger / "data.mdb").read_bytes()
    page_size = check_data_file(ledger / "data.mdb").page_size
    damaged, older = _older_meta_made_newest(data, page_size)
    copy = _copy_with(ledger, tmp_path / "rolled-back", damaged)
    summary = check_data_file(copy / "data.mdb")
    assert summary.meta_page == older  # LMDB now opens the older snapshot...
    missing = _stored_blocks(copy)
    assert missing < _stored_blocks(ledger)  # ...which lacks the last block(s)
    run = subprocess.run([sys.executable, "-m", "refimpl.cli", "ledger", "verify", "--json",
                          str(copy)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 1, (run.returncode, run.stdout, run.stderr)
    fault = json.loads(run.stdout)["first_bad_block"]
    assert (fault["code"], fault["index"]) == ("ledger.rollback", missing), run.stdout
    assert f"block {missing}" in fault["message"], fault


def test_cli_on_damaged_copies_exits_0_1_or_2(ledger: Path, tmp_path: Path) -> None:
    """``mcref ledger verify`` and ``show`` as processes: never a signal, never exit 70; the
    structurally damaged copies are refused."""
    data = (ledger / "data.mdb").read_bytes()
    page_size = check_data_file(ledger / "data.mdb").page_size
    kinds = map_pages(ledger / "data.mdb")
    branch = min(p for p, k in kinds.items() if k.startswith("branch page"))

    def xor(position: int, mask: int) -> bytes:
        buffer = bytearray(data)
        buffer[position] ^= mask
        return bytes(buffer)

    damaged = {
        "cut-8k": (data[:8192], True),
        "cut-half": (data[:len(data) // 2], True),
        "meta0-magic": (xor(16, 0x01), True),
        "branch-flags": (xor(branch * page_size + 10, 0x03), True),
        "rollback": (_older_meta_made_newest(data, page_size)[0], False),
    }
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    runs = []
    for name, (content, _) in damaged.items():
        copy = _copy_with(ledger, tmp_path / name, content)
        for command in ("verify", "show"):
            runs.append((name, command, subprocess.Popen(
                [sys.executable, "-m", "refimpl.cli", "ledger", command, str(copy)], cwd=ROOT,
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    for name, command, proc in runs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode in (0, 1, 2), (name, command, proc.returncode, err[-2000:])
        assert "Traceback" not in err, (name, command, err)
        if damaged[name][1]:
            assert proc.returncode in (1, 2), (name, command, out[-500:])
        if proc.returncode == 2:
            assert err.startswith("error[ledger.") and err.count("\n") == 1, (name, err)
