"""Structural check of an LMDB data file (``data.mdb``) with plain reads, before LMDB maps it.

LMDB (``libraries/liblmdb/mdb.c``, 0.9.x as bundled by py-lmdb 3.0.0; 64-bit, little-endian
layout) trusts its data file completely on the read path: ``mdb_page_get`` only checks that a
page number is below ``mm_last_pg + 1``, ``NODEPTR``/``NODEKSZ``/``NODEDSZ`` are used without
bounds checks, ``mdb_node_read`` follows ``F_BIGDATA`` overflow page numbers blindly,
``mdb_page_search_root`` asserts (SIGABRT) on branch pages with fewer than two keys, a leaf
node flagged ``F_DUPDATA`` in a database without ``MDB_DUPSORT`` dereferences a missing
sub-cursor (``mdb_xcursor_init1``), and a page number past the end of a truncated file is a
SIGBUS through the memory map. :func:`check_data_file` validates every one of those facts for
the snapshot LMDB will open, so that after it accepts a file, reading every database with
cursors cannot crash the process; anything wrong is a :class:`~refimpl.errors.LedgerError`
naming the page and what is wrong.

The format facts, from ``mdb.c``:

* ``MDB_page`` header (``PAGEHDRSZ`` = 16): ``mp_pgno`` u64, ``mp_pad`` u16, ``mp_flags`` u16
  (``P_BRANCH`` 1, ``P_LEAF`` 2, ``P_OVERFLOW`` 4, ``P_META`` 8), then ``mp_lower``/``mp_upper``
  u16 (for overflow pages the same 4 bytes are ``mp_pages`` u32); ``mp_ptrs[]`` (u16 node
  offsets) follow, ``NUMKEYS = (mp_lower - PAGEHDRSZ) / 2``; nodes are packed from ``mp_upper``
  to the page end, each ``EVEN``-padded (``mdb_node_add``).
* ``MDB_node``: ``mn_lo``, ``mn_hi``, ``mn_flags``, ``mn_ksize`` (u16 each), key, data. Leaf:
  data size ``mn_lo | mn_hi << 16``; ``F_BIGDATA`` 1 (data is an overflow page number),
  ``F_SUBDATA`` 2 (data is an ``MDB_db``), ``F_DUPDATA`` 4. Branch: child page number
  ``mn_lo | mn_hi << 16 | mn_flags << 32`` (``NODEPGNO``); key 0 of a branch is ignored
  (``mdb_node_search`` starts at 1). Data goes to overflow pages when ``NODESIZE + key + data``
  exceeds ``me_nodemax`` (``mdb_leaf_size``); an overflow run of ``mp_pages`` pages holds it
  after the first page's header (``OVPAGES``).
* ``MDB_db`` (48 bytes): ``md_pad`` u32, ``md_flags`` u16, ``md_depth`` u16, ``md_branch_pages``,
  ``md_leaf_pages``, ``md_overflow_pages``, ``md_entries``, ``md_root`` (u64 each; an empty tree
  has root ``P_INVALID``).
* ``MDB_meta`` after the header of pages 0 and 1: ``mm_magic`` 0xBEEFC0DE, ``mm_version`` 1,
  ``mm_address``, ``mm_mapsize``, ``mm_dbs[FREE_DBI, MAIN_DBI]`` (``mm_psize`` is FREE_DBI's
  ``md_pad``, ``mm_flags`` its ``md_flags``), ``mm_last_pg``, ``mm_txnid``.
  ``mdb_env_read_header`` reads meta 0, then meta 1 at offset meta 0's page size, refuses
  either without ``P_META``/magic/version, and ``mdb_env_pick_meta`` uses the one with the
  higher txnid (meta 0 on a tie). Transaction N writes meta page N % 2
  (``mdb_env_write_meta``), so the two txnids are consecutive (both 0 only in a file no
  transaction ever committed to) and each has its page's parity.
* FREE_DBI (``MDB_INTEGERKEY``: native ``size_t`` txnid keys) records are IDLs
  (``midl.h``): a u64 count, then that many page numbers in descending order, possibly followed
  by unused reserved room (``mdb_freelist_save``). MAIN_DBI holds one ``F_SUBDATA`` record per
  named database, keyed by its name (``mdb_dbi_open``), and may hold plain data too.

Checked, for the meta LMDB will use: both meta pages (the fields above; page size a power of
two in 4096..32768 and equal in both; flags ``MDB_INTEGERKEY`` for FREE_DBI, plus
``MDB_NOSUBDIR`` when created with ``subdir=False``, none for MAIN_DBI; consecutive txnids of
their pages' parity; the older one using no more pages and no larger map than the newer one;
nothing but zeros after the ``MDB_meta``); every page of a tree inside the file (no SIGBUS; only
free pages may lie past its end, see ``_Checker._in_file``); and every B-tree reachable from
the meta — FREE_DBI, MAIN_DBI and every named database — page by page: page number in range
and reached once only; header page number, padding and type (branch above the leaf level, leaf
at depth ``md_depth``); ``mp_lower``/``mp_upper`` sane; at least 2 keys per branch and 1 per
leaf; node offsets even and inside the page; nodes tiling ``mp_upper..page end`` exactly (no
overlap, no gap); key sizes in ``1..MDB_MAXKEYSIZE`` (511), 8 in FREE_DBI; leaf flags allowed
for the database (never ``F_DUPDATA``; ``F_SUBDATA`` only in MAIN_DBI, on a 48-byte record);
inline data within ``me_nodemax``; overflow runs in range, with a ``P_OVERFLOW`` header and
enough pages for the data (small data on overflow pages is sound: ``_mdb_cursor_put`` rewrites
a value in place in an overflow run its transaction allocated); keys strictly increasing
within each page and within the bounds the parent's separator keys set (LMDB's default
``mdb_cmp_memn`` order, numeric for FREE_DBI); depth, page and entry counts equal to the
``MDB_db`` record; named databases without flags (mcref uses none); free-list IDLs well formed,
every page in range and disjoint from every tree page and from each other. Not structural, so
not checked here: the older meta page made the newer one by a txnid that stays consecutive and
of its page's parity while both snapshots use as many pages — LMDB then opens the previous
snapshot, intact and consistent (refimpl/ledger/journal.py detects that rollback).

Concurrency: the file is read into memory with plain reads (never mmap, never LMDB) and holds
no LMDB reader slot, so a live writer may reuse pages of the snapshot being checked: pages of
snapshot N are overwritten from transaction N + 3 on (pages freed by N + 1 are reused once no
reader needs them, ``mdb_find_oldest``/``mdb_page_alloc``). A refusal therefore counts only if
the newest txnid is still at most N + 1 after it (the image was then one snapshot); otherwise
the file is read and checked again. A check that passes is accepted as it is: what a writer
wrote meanwhile is its own committed, sound work, and LMDB will open the snapshot that is newest
then, under a reader slot. (Reading the whole file before re-reading the meta pages cannot
keep up with a fast writer: a 26 MB ledger takes longer to read than an append takes.)

Cost: linear in the used part of the file (read once, held in memory) and in its number of
entries: about 25,000 pages/s (900,000 entries/s) of one core's CPU time; a ledger of 1000
signed blocks of 3 outputs (645 pages, 24,000 entries) takes about 25 ms.
"""

from __future__ import annotations

import os
import stat
import struct
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from refimpl.errors import LedgerError

PAGEHDRSZ = 16
NODESIZE = 8
P_BRANCH = 0x01
P_LEAF = 0x02
P_OVERFLOW = 0x04
P_META = 0x08
F_BIGDATA = 0x01
F_SUBDATA = 0x02
F_DUPDATA = 0x04
MDB_MAGIC = 0xBEEFC0DE
MDB_DATA_VERSION = 1
MDB_INTEGERKEY = 0x08
MDB_NOSUBDIR = 0x4000
MDB_MAXKEYSIZE = 511
MDB_MINKEYS = 2
CURSOR_STACK = 32
P_INVALID = 2**64 - 1
MIN_PAGE_SIZE = 4096
MAX_PAGE_SIZE = 0x8000
FREE_DBI = 0
MAIN_DBI = 1
MDB_DB_SIZE = 48
#: ``sizeof(MDB_meta)`` on a 64-bit build.
META_SIZE = 136
#: How often the file is read again when a writer moved it on by more than one commit.
MAX_ATTEMPTS = 20

_PAGE_HEADER = struct.Struct("<QHHHH")  # mp_pgno, mp_pad, mp_flags, mp_lower, mp_upper
_OVERFLOW_HEADER = struct.Struct("<QHHI")  # mp_pgno, mp_pad, mp_flags, mp_pages
_NODE = struct.Struct("<HHHH")  # mn_lo, mn_hi, mn_flags, mn_ksize
_DB = struct.Struct("<IHHQQQQQ")
_META = struct.Struct(f"<IIQQ{MDB_DB_SIZE}s{MDB_DB_SIZE}sQQ")
_U64 = struct.Struct("<Q")
_META_BYTES = PAGEHDRSZ + META_SIZE
_FREE_FLAGS = (MDB_INTEGERKEY, MDB_INTEGERKEY | MDB_NOSUBDIR)
#: Owner tag of a page listed in the free list (tree owners are 1..len(trees)).
_FREE_OWNER = 0xFFFF


@attrs.frozen
class DatabaseRecord:
    """``MDB_db``: one B-tree's root, depth and counts, as stored in a meta page or in MAIN_DBI."""

    pad: int
    flags: int
    depth: int
    branch_pages: int
    leaf_pages: int
    overflow_pages: int
    entries: int
    root: int

    @classmethod
    def unpack(cls, data: bytes) -> DatabaseRecord:
        return cls(*_DB.unpack(data))


@attrs.frozen
class DataFileSummary:
    """What :func:`check_data_file` found: the snapshot LMDB will open."""

    page_size: int
    #: ``mm_last_pg + 1``: pages 0..mm_last_pg belong to the snapshot.
    num_pages_used: int
    txnid: int
    #: 0 or 1: the meta page LMDB uses (``mdb_env_pick_meta``).
    meta_page: int
    file_size: int
    #: Named databases (MAIN_DBI keys) in key order.
    databases: tuple[bytes, ...]
    #: Pages of all B-trees, overflow runs included.
    tree_pages: int
    #: Pages listed in the free list (FREE_DBI records).
    free_pages: int
    #: Entries of the named databases.
    entries: int


@attrs.frozen
class _Meta:
    page: int
    page_size: int
    mapsize: int
    free: DatabaseRecord
    main: DatabaseRecord
    last_pg: int
    txnid: int


def _fail(code: str, path: Path, message: str) -> LedgerError:
    return LedgerError(code, f"{path}: {message}")


def _read_exact(fd: int, size: int, offset: int) -> bytes:
    """Up to ``size`` bytes at ``offset`` (fewer only at end of file)."""
    parts = []
    while size > 0:
        chunk = os.pread(fd, min(size, 1 << 26), offset)
        if not chunk:
            break
        parts.append(chunk)
        size -= len(chunk)
        offset += len(chunk)
    return b"".join(parts)


def _parse_meta(path: Path, raw: bytes, page: int) -> _Meta:
    """One meta page's header and ``MDB_meta`` on their own (``mdb_env_read_header``)."""
    what = f"meta page {page}"
    if len(raw) < _META_BYTES:
        raise _fail("ledger.file_truncated", path,
                    f"the file ends inside {what} ({len(raw)} of {_META_BYTES} bytes)")
    pgno, pad, flags, lower, upper = _PAGE_HEADER.unpack_from(raw, 0)
    if flags != P_META:
        raise _fail("ledger.bad_meta_page", path, f"{what} has flags 0x{flags:04x}, not P_META")
    if (pgno, pad, lower, upper) != (page, 0, 0, 0):
        raise _fail("ledger.bad_meta_page", path,
                    f"{what} header is damaged (page number {pgno}, pad {pad}, "
                    f"lower {lower}, upper {upper})")
    magic, version, address, mapsize, raw_free, raw_main, last_pg, txnid = _META.unpack_from(
        raw, PAGEHDRSZ)
    if magic != MDB_MAGIC:
        raise _fail("ledger.bad_meta_page", path, f"{what} has magic 0x{magic:08x}")
    if version != MDB_DATA_VERSION:
        raise _fail("ledger.bad_meta_page", path, f"{what} has format version {version}")
    if address != 0:
        raise _fail("ledger.bad_meta_page", path, f"{what} asks for a fixed map address")
    free = DatabaseRecord.unpack(raw_free)
    main = DatabaseRecord.unpack(raw_main)
    page_size = free.pad
    if page_size & (page_size - 1) or not MIN_PAGE_SIZE <= page_size <= MAX_PAGE_SIZE:
        raise _fail("ledger.bad_meta_page", path, f"{what} has page size {page_size}")
    if free.flags not in _FREE_FLAGS:
        raise _fail("ledger.bad_meta_page", path,
                    f"{what}: the free-page database has flags 0x{free.flags:04x}")
    if main.pad != 0 or main.flags != 0:
        raise _fail("ledger.bad_meta_page", path,
                    f"{what}: the main database has pad {main.pad}, flags 0x{main.flags:04x}")
    if last_pg < 1 or (last_pg + 1) * page_size > mapsize:
        raise _fail("ledger.bad_meta_page", path,
                    f"{what}: last page {last_pg} does not fit its map size {mapsize}")
    if txnid & 1 != page and txnid != 0:
        raise _fail("ledger.bad_meta_page", path,
                    f"{what} holds txnid {txnid}, which transaction writes to the other page")
    for name, record in (("free-page", free), ("main", main)):
        if record.root != P_INVALID and not 2 <= record.root <= last_pg:
            raise _fail("ledger.bad_meta_page", path,
                        f"{what}: the {name} database root {record.root} is outside "
                        f"pages 2..{last_pg}")
        if record.depth > CURSOR_STACK:
            raise _fail("ledger.bad_meta_page", path,
                        f"{what}: the {name} database depth {record.depth} is over "
                        f"{CURSOR_STACK}")
    return _Meta(page, page_size, mapsize, free, main, last_pg, txnid)


def _pick(path: Path, metas: tuple[_Meta, _Meta]) -> _Meta:
    """``mdb_env_pick_meta``, after checking the two meta pages agree with each other."""
    first, second = metas
    if first.page_size != second.page_size or first.free.flags != second.free.flags:
        raise _fail("ledger.bad_meta_page", path,
                    "the meta pages disagree on page size or flags "
                    f"({first.page_size}/0x{first.free.flags:04x} vs "
                    f"{second.page_size}/0x{second.free.flags:04x})")
    newest, older = (second, first) if first.txnid < second.txnid else (first, second)
    if newest.txnid != older.txnid + 1 and newest.txnid != 0:
        raise _fail("ledger.bad_meta_page", path,
                    f"the meta pages hold txnids {first.txnid} and {second.txnid}, "
                    "which are not consecutive")
    if older.last_pg > newest.last_pg or older.mapsize > newest.mapsize:
        raise _fail("ledger.bad_meta_page", path,
                    f"meta page {older.page} (txnid {older.txnid}) uses more pages or a larger "
                    f"map than the newer meta page {newest.page}")
    return newest


def _raw_metas(fd: int) -> bytes:
    """The header and ``MDB_meta`` of meta page 0, then of meta page 1 (read at meta 0's page
    size, as ``mdb_env_read_header`` does); shorter at end of file."""
    raw0 = _read_exact(fd, _META_BYTES, 0)
    if len(raw0) < _META_BYTES:
        return raw0
    page_size = _DB.unpack_from(raw0, PAGEHDRSZ + 24)[0]
    return raw0 + _read_exact(fd, _META_BYTES, page_size)


def _parse_metas(path: Path, raw: bytes) -> _Meta:
    """Both meta pages checked; the one LMDB picks."""
    if not raw:
        raise _fail("ledger.file_truncated", path, "the data file is empty")
    meta0 = _parse_meta(path, raw[:_META_BYTES], 0)
    meta1 = _parse_meta(path, raw[_META_BYTES:], 1)
    return _pick(path, (meta0, meta1))


def _moved(raw: bytes, now: bytes, txnid: int | None) -> bool:
    """Whether a writer changed the meta pages from ``raw`` to ``now`` by more than one commit
    past ``txnid`` (by anything at all when ``txnid`` is None)."""
    if now == raw:
        return False
    if txnid is None or len(now) != 2 * _META_BYTES:
        return True
    newest: int = max(_U64.unpack_from(now, offset)[0]
                      for offset in (_META_BYTES - 8, len(now) - 8))
    return newest > txnid + 1


def check_data_file(path: Path) -> DataFileSummary:
    """Check ``path`` (an LMDB ``data.mdb``) as described in the module docstring; a typed
    ``ledger.*`` refusal names what is wrong. ``OSError`` from opening or reading the file
    propagates (the caller types it)."""
    return _checked(Path(path), None)


def map_pages(path: Path) -> dict[int, str]:
    """What each page of a file :func:`check_data_file` accepts is (``"leaf page of database
    'mcref:meta'"``, ``"free page (...)"``, ...): for diagnostics and tests. Pages 0 and 1 are
    the meta pages; a page missing from the map is in neither a tree nor the free list."""
    kinds = {0: "meta page 0", 1: "meta page 1"}
    _checked(Path(path), kinds)
    return kinds


def _checked(path: Path, kinds: dict[int, str] | None) -> DataFileSummary:
    # O_NONBLOCK: a FIFO put in the file's place must not hang the open.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _fail("ledger.not_a_ledger", path, "the data file is not a regular file")
        return _checked_fd(path, fd, kinds)
    finally:
        os.close(fd)


def _checked_fd(path: Path, fd: int, kinds: dict[int, str] | None) -> DataFileSummary:
    """Read the meta pages, the image, the meta pages again (see "Concurrency" in the module
    docstring); check the image once it is a consistent snapshot."""
    for _attempt in range(MAX_ATTEMPTS):
        raw = _raw_metas(fd)
        try:
            meta = _parse_metas(path, raw)
        except LedgerError:
            if _moved(raw, _raw_metas(fd), None):
                continue
            raise
        file_size = os.fstat(fd).st_size
        used = (meta.last_pg + 1) * meta.page_size
        image = _read_exact(fd, min(used, file_size), 0)
        try:
            if len(image) < 2 * meta.page_size:
                raise _fail("ledger.file_truncated", path,
                            f"the file is {len(image)} bytes, less than its two meta pages")
            checker = _Checker(path, image, meta, file_size)
            checker.kinds = kinds
            return checker.run()
        except LedgerError:
            if _moved(raw, _raw_metas(fd), meta.txnid):
                continue  # a writer may have reused pages of the snapshot under the read
            raise
    raise _fail("ledger.file_changing", path,
                f"a writer moved the file on during {MAX_ATTEMPTS} consecutive reads")


#: ``tree.leaf(tree, pgno, key, flags, data_offset, data_size)``: a leaf node's contents (None:
#: plain data, flags 0 or ``F_BIGDATA`` only).
_LeafCheck = Callable[["_Tree", int, object, int, int, int], None]


class _Tree:
    """One B-tree being walked: its name, record, key kind and running counts."""

    def __init__(self, owner: int, name: str, record: DatabaseRecord, integer_keys: bool,
                 leaf: _LeafCheck | None) -> None:
        self.owner = owner
        self.name = name
        self.record = record
        self.integer_keys = integer_keys
        self.leaf = leaf
        self.branch_pages = 0
        self.leaf_pages = 0
        self.overflow_pages = 0
        self.entries = 0


class _Checker:
    """The walk of one snapshot held in memory (``image`` = pages 0..last_pg)."""

    def __init__(self, path: Path, image: bytes, meta: _Meta, file_size: int) -> None:
        self.path = path
        self.image = image
        self.meta = meta
        self.psize = meta.page_size
        self.last_pg = meta.last_pg
        self.nodemax = (((self.psize - PAGEHDRSZ) // MDB_MINKEYS) & ~1) - 2  # me_nodemax
        self.file_size = file_size
        #: Whole pages the file holds (at most ``last_pg + 1``).
        self.file_pages = len(image) // self.psize
        self.owners = array("H", bytes(2 * (meta.last_pg + 1)))
        self.trees: list[_Tree] = []
        self.named: list[tuple[bytes, DatabaseRecord]] = []
        self.free_lists: list[tuple[int, bytes]] = []
        #: ``map_pages``: what each page is, when asked for.
        self.kinds: dict[int, str] | None = None

    def _bad(self, code: str, tree: _Tree, pgno: int, what: str) -> LedgerError:
        return _fail(code, self.path, f"page {pgno} of {tree.name}: {what}")

    # --- the whole snapshot -------------------------------------------------------------------
    def run(self) -> DataFileSummary:
        self._check_meta_padding()
        self._walk(self._tree("the free-page database", self.meta.free, True, self._free_leaf))
        self._walk(self._tree("the main database", self.meta.main, False, self._main_leaf))
        for name, record in self.named:
            label = "database " + repr(name.decode("utf-8", "backslashreplace"))
            self._walk(self._tree(label, record, False, None))
        tree_pages = sum(1 for owner in self.owners if owner)
        free_pages = self._check_free_lists()
        return DataFileSummary(
            page_size=self.psize,
            num_pages_used=self.last_pg + 1,
            txnid=self.meta.txnid,
            meta_page=self.meta.page,
            file_size=self.file_size,
            databases=tuple(name for name, _ in self.named),
            tree_pages=tree_pages,
            free_pages=free_pages,
            entries=sum(tree.entries for tree in self.trees[2:]),
        )

    def _check_meta_padding(self) -> None:
        """``mdb_env_init_meta`` writes zeroed pages; nothing after ``MDB_meta`` is ever set."""
        for page in (0, 1):
            start = page * self.psize
            tail = self.image[start + _META_BYTES:start + self.psize]
            if tail.count(0) != len(tail):
                offset = next(i for i, b in enumerate(tail) if b) + _META_BYTES
                raise _fail("ledger.bad_meta_page", self.path,
                            f"meta page {page} has a non-zero byte at offset {offset}")

    def _tree(self, name: str, record: DatabaseRecord, integer_keys: bool,
              leaf: _LeafCheck | None) -> _Tree:
        tree = _Tree(len(self.trees) + 1, name, record, integer_keys, leaf)
        if tree.owner >= _FREE_OWNER:
            raise _fail("ledger.bad_page", self.path, "too many named databases")
        self.trees.append(tree)
        return tree

    def _walk(self, tree: _Tree) -> None:
        record = tree.record
        if record.root == P_INVALID:
            if (record.depth, record.branch_pages, record.leaf_pages, record.overflow_pages,
                    record.entries) != (0, 0, 0, 0, 0):
                raise _fail("ledger.bad_database_record", self.path,
                            f"{tree.name} is empty but its record counts pages or entries")
            return
        if not 1 <= record.depth <= CURSOR_STACK or not 2 <= record.root <= self.last_pg:
            raise _fail("ledger.bad_database_record", self.path,
                        f"{tree.name} has root {record.root} and depth {record.depth}")
        previous = self.owners[record.root]
        if previous:
            raise _fail("ledger.bad_database_record", self.path,
                        f"the root page {record.root} of {tree.name} is already part of "
                        f"{self.trees[previous - 1].name}")
        self.owners[record.root] = tree.owner
        self._in_file(tree, record.root, record.root)
        self._page(tree, record.root, 1, None, None)
        counted = (tree.branch_pages, tree.leaf_pages, tree.overflow_pages, tree.entries)
        stored = (record.branch_pages, record.leaf_pages, record.overflow_pages, record.entries)
        if counted != stored:
            raise _fail("ledger.bad_database_record", self.path,
                        f"{tree.name}: the tree has {counted} (branch, leaf, overflow pages, "
                        f"entries), its record says {stored}")

    # --- pages --------------------------------------------------------------------------------
    def _claim(self, tree: _Tree, pgno: int, referrer: int) -> None:
        """Page ``pgno`` (referred to from page ``referrer``) joins ``tree``: in range and not
        part of anything yet."""
        if not 2 <= pgno <= self.last_pg:
            raise self._bad("ledger.bad_page", tree, referrer,
                            f"refers to page {pgno}, outside pages 2..{self.last_pg}")
        previous = self.owners[pgno]
        if previous:
            raise self._bad("ledger.bad_page", tree, referrer,
                            f"refers to page {pgno}, already part of "
                            f"{self.trees[previous - 1].name}")
        self.owners[pgno] = tree.owner
        self._in_file(tree, pgno, referrer)

    def _in_file(self, tree: _Tree, pgno: int, referrer: int) -> None:
        """A page LMDB will read lies inside the file (else a SIGBUS through the map). Pages
        past the end may exist in a sound file, but only unwritten free ones: LMDB counts
        pages it allocated and freed again in one transaction in ``mm_last_pg`` without ever
        writing them ("the file may be shorter if the freeDB lists the final pages")."""
        if pgno >= self.file_pages:
            raise self._bad("ledger.file_truncated", tree, referrer,
                            f"page {pgno} lies past the end of the file ({self.file_size} "
                            f"bytes, {self.file_pages} pages; the meta page uses "
                            f"{self.last_pg + 1})")

    def _page(self, tree: _Tree, pgno: int, level: int, low: object, high: object) -> None:
        """Check page ``pgno`` at ``level`` (1 = root) whose keys lie in ``[low, high)``."""
        image, psize = self.image, self.psize
        base = pgno * psize
        header_pgno, pad, flags, lower, upper = _PAGE_HEADER.unpack_from(image, base)
        is_leaf = level == tree.record.depth
        expected = P_LEAF if is_leaf else P_BRANCH
        if header_pgno != pgno or pad != 0 or flags != expected:
            raise self._bad("ledger.bad_page", tree, pgno,
                            f"header says page {header_pgno}, pad {pad}, flags 0x{flags:04x}; "
                            f"expected a {'leaf' if is_leaf else 'branch'} page at level "
                            f"{level} of {tree.record.depth}")
        if lower < PAGEHDRSZ or lower & 1 or not lower <= upper <= psize:
            raise self._bad("ledger.bad_page", tree, pgno,
                            f"free-space bounds lower {lower}, upper {upper} are impossible")
        if self.kinds is not None:
            self.kinds[pgno] = f"{'leaf' if is_leaf else 'branch'} page of {tree.name}"
        count = (lower - PAGEHDRSZ) >> 1
        if count < (1 if is_leaf else 2):
            raise self._bad("ledger.bad_page", tree, pgno, f"has {count} keys")
        offsets = struct.unpack_from(f"<{count}H", image, base + PAGEHDRSZ)
        nodes = []
        spans = []
        keys: list[Any] = []
        integer_keys = tree.integer_keys
        for offset in offsets:
            if offset < upper or offset & 1 or offset + NODESIZE > psize:
                raise self._bad("ledger.bad_page", tree, pgno,
                                f"node offset {offset} is odd or outside {upper}..{psize}")
            lo, hi, node_flags, ksize = node = _NODE.unpack_from(image, base + offset)
            nodes.append(node)
            start = base + offset + NODESIZE
            if integer_keys and ksize == 8:
                keys.append(_U64.unpack_from(image, start)[0])
            elif 0 < ksize <= MDB_MAXKEYSIZE and not integer_keys:
                keys.append(image[start:start + ksize])
            elif not (ksize == 0 and not is_leaf and not keys):  # key 0 of a branch is unused
                raise self._bad("ledger.bad_page", tree, pgno,
                                f"a key is {ksize} bytes "
                                f"({8 if integer_keys else f'1..{MDB_MAXKEYSIZE}'})")
            else:
                keys.append(None)
            size = NODESIZE + ksize
            if is_leaf:
                size += 8 if node_flags & F_BIGDATA else lo | hi << 16
            spans.append((offset, (size + 1) & ~1))  # EVEN
        spans.sort()
        position = upper
        for offset, size in spans:
            if offset != position:
                raise self._bad("ledger.bad_page", tree, pgno,
                                f"node at {offset} overlaps another or leaves a gap "
                                f"(expected {position})")
            position += size
        if position != psize:
            raise self._bad("ledger.bad_page", tree, pgno,
                            f"the nodes end at {position}, not at the page end {psize}")
        if is_leaf:
            self._check_order(tree, pgno, keys, low, high)
            self._leaf_page(tree, pgno, offsets, nodes, keys)
        else:
            self._check_order(tree, pgno, keys[1:], low, high)
            self._branch_page(tree, pgno, level, nodes, [low, *keys[1:], high])

    def _check_order(self, tree: _Tree, pgno: int, keys: list[Any], low: Any,
                     high: Any) -> None:
        """Keys strictly increasing (``mdb_cmp_memn`` is Python's bytes order), none below
        ``low`` (the parent's separator) nor at or above ``high`` (the next one)."""
        for a, b in zip(keys, keys[1:], strict=False):
            if not a < b:
                raise self._bad("ledger.bad_page", tree, pgno, "keys are out of order")
        if keys and ((low is not None and keys[0] < low)
                     or (high is not None and not keys[-1] < high)):
            raise self._bad("ledger.bad_page", tree, pgno,
                            "a key lies outside the range its parent's separator keys give")

    def _branch_page(self, tree: _Tree, pgno: int, level: int,
                     nodes: list[tuple[int, int, int, int]], bounds: list[Any]) -> None:
        """Each child (``NODEPGNO``) is checked with the separator keys around it as bounds
        (``bounds`` = low, key 1, ..., key n-1, high)."""
        tree.branch_pages += 1
        for i, (lo, hi, flags, _ksize) in enumerate(nodes):
            child = lo | hi << 16 | flags << 32
            self._claim(tree, child, pgno)
            self._page(tree, child, level + 1, bounds[i], bounds[i + 1])

    def _leaf_page(self, tree: _Tree, pgno: int, offsets: tuple[int, ...],
                   nodes: list[tuple[int, int, int, int]], keys: list[Any]) -> None:
        tree.leaf_pages += 1
        tree.entries += len(nodes)
        base = pgno * self.psize
        leaf = tree.leaf
        for key, offset, (lo, hi, flags, ksize) in zip(keys, offsets, nodes, strict=True):
            size = lo | hi << 16  # NODEDSZ
            data = base + offset + NODESIZE + ksize
            if flags & F_BIGDATA:
                # Small data may sit on overflow pages: _mdb_cursor_put rewrites a value in
                # place in an overflow run that this transaction allocated when it fits.
                data = self._overflow(tree, pgno, _U64.unpack_from(self.image, data)[0], size)
            elif NODESIZE + ksize + size > self.nodemax:
                raise self._bad("ledger.bad_page", tree, pgno,
                                f"a node holds {size} bytes of data inline (at most "
                                f"{self.nodemax - NODESIZE - ksize})")
            if leaf is not None:
                leaf(tree, pgno, key, flags, data, size)
            elif flags not in (0, F_BIGDATA):
                raise self._bad("ledger.bad_page", tree, pgno,
                                f"a node has flags 0x{flags:02x} (a database without "
                                "duplicates)")

    def _overflow(self, tree: _Tree, pgno: int, first: int, size: int) -> int:
        """Check the overflow run at ``first`` holding ``size`` bytes for a node of page
        ``pgno`` (``mdb_node_read``); the offset of the data in the image."""
        self._claim(tree, first, pgno)
        base = first * self.psize
        header_pgno, pad, flags, pages = _OVERFLOW_HEADER.unpack_from(self.image, base)
        needed = (PAGEHDRSZ - 1 + size) // self.psize + 1  # OVPAGES
        if header_pgno != first or pad != 0 or flags != P_OVERFLOW:
            raise self._bad("ledger.bad_page", tree, first,
                            f"overflow header says page {header_pgno}, pad {pad}, "
                            f"flags 0x{flags:04x}")
        if not needed <= pages <= self.last_pg + 1 - first:
            raise self._bad("ledger.bad_page", tree, first,
                            f"an overflow run of {pages} pages for {size} bytes "
                            f"(needs {needed}, at most {self.last_pg + 1 - first} fit)")
        for page in range(first + 1, first + pages):
            self._claim(tree, page, first)
        if self.kinds is not None:
            for page in range(first, first + pages):
                self.kinds[page] = f"overflow page of {tree.name}"
        tree.overflow_pages += pages
        return base + PAGEHDRSZ

    # --- leaf contents per database -----------------------------------------------------------
    def _plain_leaf(self, tree: _Tree, pgno: int, key: object, flags: int, data: int,
                    size: int) -> None:
        if flags not in (0, F_BIGDATA):
            raise self._bad("ledger.bad_page", tree, pgno,
                            f"a node has flags 0x{flags:02x} (a database without duplicates)")

    def _main_leaf(self, tree: _Tree, pgno: int, key: object, flags: int, data: int,
                   size: int) -> None:
        """A named database's record (``F_SUBDATA``, one ``MDB_db``), or plain data: LMDB
        keeps both in MAIN_DBI; ``mdb_dbi_open`` refuses a name whose node is plain data
        (``MDB_INCOMPATIBLE``), so only the records need checking, and walking."""
        if flags in (0, F_BIGDATA):
            return
        if flags != F_SUBDATA or size != MDB_DB_SIZE:
            raise self._bad("ledger.bad_page", tree, pgno,
                            f"entry {key!r} has flags 0x{flags:02x} and {size} bytes: neither "
                            "data nor a named database record")
        record = DatabaseRecord.unpack(self.image[data:data + size])
        if record.pad != 0 or record.flags != 0:
            raise _fail("ledger.bad_database_record", self.path,
                        f"database {key!r} has pad {record.pad}, flags 0x{record.flags:04x} "
                        "(mcref databases use neither)")
        assert isinstance(key, bytes)
        self.named.append((key, record))

    def _free_leaf(self, tree: _Tree, pgno: int, key: object, flags: int, data: int,
                   size: int) -> None:
        self._plain_leaf(tree, pgno, key, flags, data, size)
        assert isinstance(key, int)
        txnid = key
        if not 1 <= txnid <= self.meta.txnid:
            raise self._bad("ledger.bad_freelist", tree, pgno,
                            f"a free-list record of txnid {txnid} (the file is at "
                            f"{self.meta.txnid})")
        if size < 8 or size % 8:
            raise self._bad("ledger.bad_freelist", tree, pgno,
                            f"the free-list record of txnid {txnid} is {size} bytes")
        self.free_lists.append((txnid, self.image[data:data + size]))

    def _check_free_lists(self) -> int:
        """Every IDL well formed; its pages in range, descending, not in any tree or other
        record. Returns how many pages are free."""
        total = 0
        owners = self.owners
        for txnid, idl in self.free_lists:
            count = _U64.unpack_from(idl, 0)[0]
            if count > len(idl) // 8 - 1:
                raise _fail("ledger.bad_freelist", self.path,
                            f"the free-list record of txnid {txnid} counts {count} pages in "
                            f"{len(idl)} bytes")
            pages = struct.unpack_from(f"<{count}Q", idl, 8)
            previous = self.last_pg + 1
            for page in pages:
                if not 2 <= page < previous:
                    raise _fail("ledger.bad_freelist", self.path,
                                f"the free-list record of txnid {txnid} lists page {page} "
                                f"(out of range or order)")
                previous = page
                owner = owners[page]
                if owner:
                    used_by = ("another free-list record" if owner == _FREE_OWNER
                               else self.trees[owner - 1].name)
                    raise _fail("ledger.bad_freelist", self.path,
                                f"the free-list record of txnid {txnid} lists page {page}, "
                                f"which is used by {used_by}")
                owners[page] = _FREE_OWNER
                if self.kinds is not None:
                    self.kinds[page] = f"free page (free-list record of txnid {txnid})"
            total += count
        return total
