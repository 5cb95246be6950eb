"""The structural check of LMDB's ``data.mdb`` (refimpl/ledger/lmdb_file.py, LMDB ``mdb.c``):
sound files of every shape are accepted — ledgers of many blocks (multi-level B-trees, overflow
values, free lists), after reopens, after SIGKILLs mid-append, while another process appends,
raw LMDB environments with deletes and dropped databases, a file whose unwritten free pages lie
past its end — and each kind of damage, made by hand, is refused with its code."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lmdb
import pytest

from refimpl.errors import LedgerError
from refimpl.ledger.lmdb_file import (
    F_BIGDATA,
    F_DUPDATA,
    F_SUBDATA,
    MDB_MAGIC,
    P_BRANCH,
    P_INVALID,
    P_LEAF,
    DataFileSummary,
    _moved,
    check_data_file,
    map_pages,
)
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.synthetic import SyntheticSource
from tests.unit.ledger._lmdb_pages import (
    MD_DEPTH,
    MD_ENTRIES,
    MD_FLAGS,
    MD_ROOT,
    MM_DBS,
    MM_LAST_PG,
    MM_TXNID,
    Pages,
    append,
    build_ledger,
)

ROOT = Path(__file__).resolve().parents[3]
APPEND_LOOP = ROOT / "tests" / "stateful" / "ledger_append_loop.py"


def accounted(summary: DataFileSummary) -> bool:
    """Every page below ``mm_last_pg`` is a meta page, a tree page or listed free."""
    return 2 + summary.tree_pages + summary.free_pages == summary.num_pages_used


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lmdb-file") / "ledger"
    build_ledger(path)
    return path


# --- sound files are accepted --------------------------------------------------------------------
def test_a_new_ledger_is_accepted(tmp_path: Path) -> None:
    LedgerStore.create(tmp_path / "ledger").close()
    summary = check_data_file(tmp_path / "ledger" / "data.mdb")
    assert summary.page_size == 4096 and summary.txnid >= 1
    assert summary.meta_page == summary.txnid % 2
    assert b"mcref:meta" in summary.databases and accounted(summary)


def test_the_sample_ledger_has_every_page_kind_and_every_page_accounted(sample: Path) -> None:
    summary = check_data_file(sample / "data.mdb")
    kinds = map_pages(sample / "data.mdb")
    assert accounted(summary) and len(kinds) == summary.num_pages_used
    for kind in ("branch page of database 'ledger_db:key_images'", "overflow page of database",
                 "leaf page of the main database", "leaf page of the free-page database",
                 "free page"):
        assert any(k.startswith(kind) for k in kinds.values()), kind
    assert summary.file_size == summary.num_pages_used * summary.page_size


def test_a_growing_ledger_is_accepted_after_every_append_and_reopen(tmp_path: Path) -> None:
    """Blocks of 40 outputs and 40 key images: two-level trees in the TxOut and key-image
    databases, key-image lists on overflow pages, free pages reused across reopens."""
    path = tmp_path / "ledger"
    source = SyntheticSource(b"growing")
    LedgerStore.create(path).close()
    seen: set[str] = set()
    for _reopen in range(3):
        with LedgerStore.open(path) as store:
            for _ in range(6):
                first = store.num_blocks() == 0
                append(store, source.contents(40, 0 if first else 60))
                summary = check_data_file(path / "data.mdb")
                assert accounted(summary)
        seen.update(k.split(" of ")[0] for k in map_pages(path / "data.mdb").values())
    assert {"branch page", "leaf page", "overflow page", "free page (free-list record"} <= seen
    assert summary.entries > 3000


def test_a_ledger_is_accepted_while_another_process_appends_and_after_sigkills(
        tmp_path: Path) -> None:
    """The check runs again and again while tests/stateful/ledger_append_loop.py appends (a
    writer moving the file on is read again, never refused), then after SIGKILL mid-append."""
    path = tmp_path / "ledger"
    with LedgerStore.create(path) as store:
        append(store, SyntheticSource(b"kill").contents(2, 0))
    rng = random.Random(7)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    checks = 0
    for _kill in range(3):
        proc = subprocess.Popen([sys.executable, str(APPEND_LOOP), str(path), "l1-kill"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        assert proc.stdout is not None and proc.stdout.readline().startswith("ready")
        stop = time.monotonic() + rng.uniform(0.2, 0.6)
        while time.monotonic() < stop:
            check_data_file(path / "data.mdb")
            checks += 1
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        assert accounted(check_data_file(path / "data.mdb"))
    with LedgerStore.open(path, read_only=True) as store:
        assert store.num_blocks() > 3
    assert checks > 3


def random_transactions(path: Path, seed: int, subdir: bool, after: Callable[[], None]) -> None:
    """Random puts (values up to 3 overflow pages), deletes and dropped databases in a raw
    LMDB environment with four named databases; ``after`` runs after each commit."""
    rng = random.Random(seed)
    env = lmdb.open(str(path), max_dbs=4, map_size=1 << 28, subdir=subdir)
    names = [b"a", b"bb", b"c", b"dd"]
    keys: dict[bytes, set[bytes]] = {name: set() for name in names}
    try:
        if seed:  # 700 one-page values freed in one transaction: a free-list record of 700
            for value in (bytes(3000), None):  # pages needs overflow pages of its own
                with env.begin(write=True) as txn:
                    db = env.open_db(b"dd", txn=txn)
                    for i in range(700):
                        if value is None:
                            txn.delete(i.to_bytes(4, "big"), db=db)
                        else:
                            txn.put(i.to_bytes(4, "big"), value, db=db)
                after()
        for _txn in range(12):
            with env.begin(write=True) as txn:
                if rng.random() < 0.15:
                    name = rng.choice(names)
                    txn.drop(env.open_db(name, txn=txn), delete=rng.random() < 0.5)
                    keys[name] = set()
                for _ in range(rng.randrange(1, 1500)):
                    name = rng.choice(names)
                    db = env.open_db(name, txn=txn)
                    if rng.random() < 0.6 or not keys[name]:
                        key = rng.randbytes(rng.randrange(1, 40))
                        size = rng.choice([0, 1, 8, 30, 100, 500] * 5 + [2100, 9000])
                        txn.put(key, rng.randbytes(size), db=db)
                        keys[name].add(key)
                    else:
                        key = rng.choice(sorted(keys[name]))
                        txn.delete(key, db=db)
                        keys[name].discard(key)
            after()
    finally:
        env.close()


@pytest.mark.parametrize("seed, subdir", [(1, True), (2, False)])
def test_raw_environments_with_deletes_and_drops_are_accepted(tmp_path: Path, seed: int,
                                                              subdir: bool) -> None:
    """Deletes make LMDB merge and rebalance pages; big transactions free enough pages for a
    free-list record on overflow pages; ``subdir=False`` sets ``MDB_NOSUBDIR`` in the meta."""
    path = tmp_path / ("env" if subdir else "env.mdb")
    data = path / "data.mdb" if subdir else path
    kinds: set[str] = set()

    def check() -> None:
        assert accounted(check_data_file(data))
        kinds.update(map_pages(data).values())

    random_transactions(path, seed, subdir, check)
    assert any(k.startswith("branch page") for k in kinds)
    assert any(k.startswith("overflow page of the free-page database") for k in kinds)


def test_plain_data_in_the_main_database_is_accepted(tmp_path: Path) -> None:
    """Another program's LMDB file: data in MAIN_DBI beside a named database (the store then
    says it is not a ledger)."""
    env = lmdb.open(str(tmp_path / "env"), max_dbs=1)
    with env.begin(write=True) as txn:
        txn.put(b"k", b"v")
        txn.put(b"big", bytes(9000))
        txn.put(b"x", b"y", db=env.open_db(b"named", txn=txn))
    env.close()
    summary = check_data_file(tmp_path / "env" / "data.mdb")
    assert summary.databases == (b"named",) and accounted(summary)


def test_unwritten_free_pages_past_the_end_of_the_file_are_accepted(tmp_path: Path) -> None:
    """LMDB counts pages it allocated and freed within one transaction in ``mm_last_pg``
    without ever writing them (an overflow run freed while ``me_pghead`` holds reusable pages
    goes back there, ``mdb_ovpage_free``), so a sound file can end before
    ``(mm_last_pg + 1) * page size``; only free pages lie past its end."""
    env = lmdb.open(str(tmp_path / "env"), max_dbs=1, map_size=1 << 26)
    db = env.open_db(b"x")
    for puts, deletes in [({b"a": bytes(20000)}, []), ({}, [b"a"]), ({b"b": b"1"}, []),
                          ({b"c": b"1"}, []), ({b"d": b"1", b"z": bytes(60000)}, [b"z"])]:
        with env.begin(write=True) as txn:
            for key, value in puts.items():
                txn.put(key, value, db=db)
            for key in deletes:
                txn.delete(key, db=db)
    env.close()
    data = tmp_path / "env" / "data.mdb"
    summary = check_data_file(data)
    assert accounted(summary)
    assert summary.file_size < summary.num_pages_used * summary.page_size
    kinds = map_pages(data)
    assert all(k.startswith("free page") for p, k in kinds.items()
               if p >= summary.file_size // summary.page_size)
    with lmdb.open(str(tmp_path / "env"), readonly=True, lock=False, max_dbs=1) as env:
        with env.begin() as txn:
            assert txn.get(b"d", db=env.open_db(b"x", txn=txn)) == b"1"
    last_tree_page = max(p for p, k in kinds.items() if " page of " in k)
    assert check_data_file(data).file_size == summary.file_size
    error = refusal(tmp_path, data.read_bytes()[:last_tree_page * summary.page_size])
    assert error.code == "ledger.file_truncated", error.message


# --- damage is refused ---------------------------------------------------------------------------
def refusal(tmp_path: Path, data: bytes) -> LedgerError:
    target = tmp_path / "data.mdb"
    target.write_bytes(data)
    with pytest.raises(LedgerError) as caught:
        check_data_file(target)
    return caught.value


@pytest.fixture
def pages(sample: Path) -> Pages:
    return Pages((sample / "data.mdb").read_bytes())


def page_of(sample: Path, kind: str) -> int:
    return min(p for p, k in map_pages(sample / "data.mdb").items() if k.startswith(kind))


@pytest.mark.parametrize("length", [0, 100, 4096, 8192, 12288, "half", "last tree page cut"])
def test_truncation_is_refused(tmp_path: Path, sample: Path, pages: Pages,
                               length: int | str) -> None:
    data = pages.bytes()
    last = max(p for p, k in map_pages(sample / "data.mdb").items() if " page of " in k)
    cut = {"half": len(data) // 2, "last tree page cut": last * 4096 + 2048}.get(str(length),
                                                                                 length)
    assert isinstance(cut, int)
    error = refusal(tmp_path, data[:cut])
    assert error.code == "ledger.file_truncated", error.message


def _swap_txnids(p: Pages) -> None:
    txnids = p.txnid(0), p.txnid(1)
    p.set_u64(p.at(0, MM_TXNID), txnids[1])
    p.set_u64(p.at(1, MM_TXNID), txnids[0])


META_DAMAGE: dict[str, Callable[[Pages], None]] = {
    "not a meta page": lambda p: p.set_u16(p.at(0, 10), P_LEAF),
    "page number": lambda p: p.set_u64(p.at(1), 7),
    "magic": lambda p: p.set_u16(p.at(0, 16), MDB_MAGIC & 0xFFFF ^ 1),
    "version": lambda p: p.set_u16(p.at(1, 20), 2),
    "fixed map address": lambda p: p.set_u64(p.at(0, 24), 1 << 40),
    "page sizes disagree": lambda p: p.set_u16(p.at(1, MM_DBS), 8192),
    "page size not a power of two": lambda p: p.set_u16(p.at(1, MM_DBS), 4097),
    "free-page database flags": lambda p: p.set_u16(p.at(0, MM_DBS + MD_FLAGS), 0x0C),
    "main database flags": lambda p: p.set_u16(p.at(1, MM_DBS + 48 + MD_FLAGS), 0x04),
    "main root out of range": lambda p: p.set_u64(p.at(p.newest_meta(), MM_DBS + 48 + MD_ROOT),
                                                  10**6),
    "main root is a meta page": lambda p: p.set_u64(
        p.at(p.newest_meta(), MM_DBS + 48 + MD_ROOT), 1),
    "last page past the map": lambda p: p.set_u64(p.at(p.newest_meta(), MM_LAST_PG), 1 << 40),
    "txnids not consecutive": lambda p: p.set_u64(
        p.at(p.newest_meta(), MM_TXNID), p.txnid(p.newest_meta()) + 2),
    "txnids of the other page's parity": _swap_txnids,
    "older meta uses more pages": lambda p: p.set_u64(
        p.at(1 - p.newest_meta(), MM_LAST_PG), p.u64(p.at(p.newest_meta(), MM_LAST_PG)) + 1),
    "padding after MDB_meta": lambda p: p.data.__setitem__(p.at(1, 3000), 1),
}


#: What the refusal message says for each damage (the check caught it for that reason).
REASONS = {
    "not a meta page": "not P_META", "page number": "header is damaged", "magic": "magic",
    "version": "format version", "fixed map address": "fixed map address",
    "page sizes disagree": "disagree on page size",
    "page size not a power of two": "page size 4097",
    "free-page database flags": "free-page database has flags",
    "main database flags": "main database has pad",
    "main root out of range": "root 1000000 is outside", "main root is a meta page": "root 1 ",
    "last page past the map": "does not fit its map size",
    "txnids not consecutive": "not consecutive",
    "txnids of the other page's parity": "writes to the other page",
    "older meta uses more pages": "uses more pages", "padding after MDB_meta": "non-zero byte",
    "header page number": "header says page 3", "header pad": "pad 1",
    "leaf flagged branch": "flags 0x0001; expected a leaf",
    "branch flagged leaf": "flags 0x0002; expected a branch",
    "odd lower": "impossible", "lower above upper": "impossible",
    "upper past the page": "impossible", "one key fewer": "gap",
    "branch with one key": "has 1 keys", "node offset outside the page": "outside",
    "node offset odd": "odd", "two offsets to one node": "overlaps",
    "keys out of order": "out of order", "key size": "a key is 600 bytes",
    "empty key": "a key is 0 bytes",
    "data size": "not at the page end", "F_DUPDATA on a leaf node": "flags 0x04",
    "F_SUBDATA outside the main database": "flags 0x02",
    "branch child out of range": "outside pages", "branch child already used": "already part of",
    "branch keys out of order": "out of order",
    "a leaf key below its parent's separator": "separator keys",
    "overflow header flags": "overflow header", "overflow run too short": "run of 0 pages",
    "overflow run past the last page": "run of 60000 pages",
    "a database record flagged with duplicates": "neither data nor a named database record",
}


@pytest.mark.parametrize("damage", sorted(META_DAMAGE))
def test_meta_page_damage_is_refused(tmp_path: Path, pages: Pages, damage: str) -> None:
    META_DAMAGE[damage](pages)
    error = refusal(tmp_path, pages.bytes())
    assert error.code == "ledger.bad_meta_page", error.message
    assert REASONS[damage] in error.message, error.message


def _leaf(sample: Path) -> int:
    return page_of(sample, "leaf page of database 'ledger_db:key_images'")


def _branch(sample: Path) -> int:
    return page_of(sample, "branch page of database 'ledger_db:key_images'")


def _swap_first_nodes(p: Pages, pgno: int) -> None:
    first, second = p.at(pgno, 16), p.at(pgno, 18)
    a, b = p.u16(first), p.u16(second)
    p.set_u16(first, b)
    p.set_u16(second, a)


def _below_separator(p: Pages, sample: Path) -> None:
    """The first key of the branch's second child made smaller than every key: still sorted in
    its own page, but below the separator key that leads to it."""
    position, flags, _ = p.node(_branch(sample), 1)
    child = p.u16(position) | p.u16(position + 2) << 16 | flags << 32
    p.data[p.node(child, 0)[0] + 8] = 0


PAGE_DAMAGE: dict[str, Callable[[Pages, Path], None]] = {
    "header page number": lambda p, s: p.set_u64(p.at(_leaf(s)), 3),
    "header pad": lambda p, s: p.set_u16(p.at(_leaf(s), 8), 1),
    "leaf flagged branch": lambda p, s: p.set_u16(p.at(_leaf(s), 10), P_BRANCH),
    "branch flagged leaf": lambda p, s: p.set_u16(p.at(_branch(s), 10), P_LEAF),
    "odd lower": lambda p, s: p.set_u16(p.at(_leaf(s), 12), p.u16(p.at(_leaf(s), 12)) + 1),
    "lower above upper": lambda p, s: p.set_u16(p.at(_leaf(s), 12),
                                                p.u16(p.at(_leaf(s), 14)) + 2),
    "upper past the page": lambda p, s: p.set_u16(p.at(_leaf(s), 14), 4098),
    "one key fewer": lambda p, s: p.set_u16(p.at(_leaf(s), 12), p.u16(p.at(_leaf(s), 12)) - 2),
    "branch with one key": lambda p, s: p.set_u16(p.at(_branch(s), 12), 18),
    "node offset outside the page": lambda p, s: p.set_u16(p.at(_leaf(s), 16), 4094),
    "node offset odd": lambda p, s: p.set_u16(p.at(_leaf(s), 16), p.u16(p.at(_leaf(s), 16)) + 1),
    "two offsets to one node": lambda p, s: p.set_u16(p.at(_leaf(s), 18),
                                                      p.u16(p.at(_leaf(s), 16))),
    "keys out of order": lambda p, s: _swap_first_nodes(p, _leaf(s)),
    "key size": lambda p, s: p.set_u16(p.node(_leaf(s), 0)[0] + 6, 600),
    "empty key": lambda p, s: p.set_u16(p.node(_leaf(s), 1)[0] + 6, 0),
    "data size": lambda p, s: p.set_u16(p.node(_leaf(s), 0)[0], 9),
    "F_DUPDATA on a leaf node": lambda p, s: p.set_u16(p.node(_leaf(s), 0)[0] + 4, F_DUPDATA),
    "F_SUBDATA outside the main database": lambda p, s: p.set_u16(p.node(_leaf(s), 0)[0] + 4,
                                                                  F_SUBDATA),
    "branch child out of range": lambda p, s: p.set_u16(p.node(_branch(s), 1)[0] + 4, 7),
    "branch child already used": lambda p, s: p.set_u16(
        p.node(_branch(s), 1)[0], p.u16(p.node(_branch(s), 0)[0])),
    "branch keys out of order": lambda p, s: p.data.__setitem__(
        p.node(_branch(s), 1)[0] + 8, 0xFF),
    "a leaf key below its parent's separator": _below_separator,
    "overflow header flags": lambda p, s: p.set_u16(
        p.at(page_of(s, "overflow page"), 10), P_LEAF),
    "overflow run too short": lambda p, s: p.set_u16(p.at(page_of(s, "overflow page"), 12), 0),
    "overflow run past the last page": lambda p, s: p.set_u16(
        p.at(page_of(s, "overflow page"), 12), 60000),
    "a database record flagged with duplicates": lambda p, s: p.set_u16(
        p.node(page_of(s, "leaf page of the main database"), 0)[0] + 4, F_SUBDATA | F_DUPDATA),
}


@pytest.mark.parametrize("damage", sorted(PAGE_DAMAGE))
def test_page_damage_is_refused(tmp_path: Path, sample: Path, pages: Pages, damage: str) -> None:
    before = pages.bytes()
    PAGE_DAMAGE[damage](pages, sample)
    assert pages.bytes() != before
    error = refusal(tmp_path, pages.bytes())
    assert error.code == "ledger.bad_page", error.message
    assert REASONS[damage] in error.message and "page " in error.message, error.message


RECORD_DAMAGE: dict[str, tuple[int, int]] = {
    "entries": (MD_ENTRIES, 1),
    "flags": (MD_FLAGS, 0x04),
    "depth": (MD_DEPTH, 1),
    "root made empty": (MD_ROOT, -1),
}


@pytest.mark.parametrize("damage", sorted(RECORD_DAMAGE))
def test_database_record_damage_is_refused(tmp_path: Path, pages: Pages, damage: str) -> None:
    field, change = RECORD_DAMAGE[damage]
    record = pages.record(b"ledger_db:blocks")
    if field == MD_ROOT:
        pages.set_u64(record + field, P_INVALID)
    elif field in (MD_FLAGS, MD_DEPTH):
        pages.set_u16(record + field, pages.u16(record + field) + change)
    else:
        pages.set_u64(record + field, pages.u64(record + field) + change)
    error = refusal(tmp_path, pages.bytes())
    expected = "ledger.bad_page" if damage == "depth" else "ledger.bad_database_record"
    assert error.code == expected, error.message
    assert "ledger_db:blocks" in error.message


def _free_record(p: Pages, sample: Path) -> tuple[int, int]:
    """Position of the first free-list IDL (count, then page numbers) and its size."""
    pgno = page_of(sample, "leaf page of the free-page database")
    for index in range(len(p.node_offsets(pgno))):
        position, flags, ksize = p.node(pgno, index)
        size = p.u16(position)
        if not flags & F_BIGDATA and size >= 24:
            return position + 8 + ksize, size
    raise AssertionError("no inline free-list record with two pages")


def _free_list_damage(kind: str, p: Pages, sample: Path) -> None:
    idl, size = _free_record(p, sample)
    count = p.u64(idl)
    if kind == "count past the record":
        p.set_u64(idl, size // 8)
    elif kind == "pages out of order":
        first, second = p.u64(idl + 8), p.u64(idl + 16)
        p.set_u64(idl + 8, second)
        p.set_u64(idl + 16, first)
    elif kind == "a page in use":  # a tree page that keeps the list in descending order
        listed = [1 << 64, *(p.u64(idl + 8 * i) for i in range(1, count + 1)), 1]
        used = [n for n, k in map_pages(sample / "data.mdb").items() if " page of " in k]
        index, page = next((i, n) for i in range(1, count + 1) for n in used
                           if listed[i - 1] > n > listed[i + 1])
        p.set_u64(idl + 8 * index, page)
    elif kind == "page out of range":
        p.set_u64(idl + 8, 1 << 40)


@pytest.mark.parametrize("kind", ["count past the record", "pages out of order",
                                  "a page in use", "page out of range"])
def test_free_list_damage_is_refused(tmp_path: Path, sample: Path, pages: Pages,
                                     kind: str) -> None:
    _free_list_damage(kind, pages, sample)
    error = refusal(tmp_path, pages.bytes())
    assert error.code == "ledger.bad_freelist", error.message
    reason = {"count past the record": "counts", "pages out of order": "out of range or order",
              "a page in use": "which is used by", "page out of range": "out of range"}[kind]
    assert reason in error.message, error.message


def test_a_writer_moving_on_by_more_than_one_commit_means_read_again() -> None:
    """A refusal of snapshot N stands only if the newest txnid is still at most N + 1 after it
    (a writer reuses pages of snapshot N from txn N + 3 on); else the file is checked again."""
    meta = bytearray(152 * 2)

    def with_txnids(a: int, b: int) -> bytes:
        meta[144:152] = a.to_bytes(8, "little")
        meta[-8:] = b.to_bytes(8, "little")
        return bytes(meta)

    raw = with_txnids(10, 9)
    assert not _moved(raw, raw, 10)
    assert not _moved(raw, with_txnids(10, 11), 10)
    assert _moved(raw, with_txnids(12, 11), 10)
    assert _moved(raw, raw[:100], 10)
    assert _moved(raw, with_txnids(10, 11), None)


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_data_file_that_is_not_a_regular_file_is_refused_without_hanging(
        tmp_path: Path, kind: str) -> None:
    target = tmp_path / "data.mdb"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.mkdir()
    with pytest.raises(LedgerError) as caught:
        check_data_file(target)
    assert caught.value.code == "ledger.not_a_ledger"
