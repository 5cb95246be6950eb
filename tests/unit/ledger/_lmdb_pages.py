"""The sample ledger of the damage tests and byte-level access to its LMDB pages.

:func:`build_ledger` makes a small signed ledger through the store (``LedgerStore.create``,
``append_block``, a reopen) whose ``data.mdb`` has every page kind: branch, leaf, overflow, free
pages listed in free-list records. The rest reads and patches ``data.mdb`` bytes by LMDB's
layout (``mdb.c``: ``MDB_page`` header, ``mp_ptrs``, ``MDB_node``, ``MDB_meta``, ``MDB_db``),
for tests that damage one field on purpose.
"""

from __future__ import annotations

import struct
from pathlib import Path

from refimpl.ledger.block import BlockContents
from refimpl.ledger.lmdb_file import PAGEHDRSZ, check_data_file
from refimpl.ledger.signature import sign, signing_key_from_bytes
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.synthetic import SyntheticSource

KEY = signing_key_from_bytes(bytes(range(1, 33)))
#: Offsets inside a meta page (after the 16-byte page header).
MM_DBS, MM_LAST_PG, MM_TXNID = 40, 136, 144
#: Offsets inside an ``MDB_db``.
MD_FLAGS, MD_DEPTH, MD_ENTRIES, MD_ROOT = 4, 6, 32, 40
MDB_DB_SIZE = 48


def append(store: LedgerStore, contents: BlockContents) -> None:
    block = store.block_for(contents)
    store.append_block(block, contents, sign(block, KEY))


def build_ledger(path: Path) -> None:
    """Signed blocks over two opens: 101 key images (``ledger_db:key_images`` gets a branch
    page), one block's key-image list on an overflow page, freed pages reused; the last append
    reuses free pages only, so the older meta page describes as many pages as the newer one
    and a rollback to it has nothing structural to show."""
    source = SyntheticSource(b"damage")
    with LedgerStore.create(path) as store:
        append(store, source.contents(3, 0))
        append(store, source.contents(2, 100))
    with LedgerStore.open(path) as store:
        append(store, source.contents(2, 2))
        for _ in range(8):
            before = check_data_file(path / "data.mdb").num_pages_used
            append(store, source.contents(1, 1))
            if check_data_file(path / "data.mdb").num_pages_used == before:
                return
    raise AssertionError("no append reused free pages only")


class Pages:
    """A mutable copy of a ``data.mdb`` with field access by page."""

    def __init__(self, data: bytes, page_size: int = 4096) -> None:
        self.data = bytearray(data)
        self.page_size = page_size

    def at(self, pgno: int, offset: int = 0) -> int:
        return pgno * self.page_size + offset

    def u16(self, position: int) -> int:
        value: int = struct.unpack_from("<H", self.data, position)[0]
        return value

    def u64(self, position: int) -> int:
        value: int = struct.unpack_from("<Q", self.data, position)[0]
        return value

    def set_u16(self, position: int, value: int) -> None:
        struct.pack_into("<H", self.data, position, value)

    def set_u64(self, position: int, value: int) -> None:
        struct.pack_into("<Q", self.data, position, value)

    def txnid(self, meta: int) -> int:
        return self.u64(self.at(meta, MM_TXNID))

    def newest_meta(self) -> int:
        return 1 if self.txnid(1) > self.txnid(0) else 0

    def node_offsets(self, pgno: int) -> list[int]:
        """``mp_ptrs``: the offsets of the page's nodes in key order."""
        lower = self.u16(self.at(pgno, 12))
        count = (lower - PAGEHDRSZ) // 2
        return [self.u16(self.at(pgno, PAGEHDRSZ + 2 * i)) for i in range(count)]

    def node(self, pgno: int, index: int) -> tuple[int, int, int]:
        """``(position of the node, mn_flags, mn_ksize)``."""
        position = self.at(pgno, self.node_offsets(pgno)[index])
        return position, self.u16(position + 4), self.u16(position + 6)

    def key(self, pgno: int, index: int) -> bytes:
        position, _, ksize = self.node(pgno, index)
        return bytes(self.data[position + 8:position + 8 + ksize])

    def record(self, name: bytes) -> int:
        """Position of the ``MDB_db`` record of named database ``name`` (MAIN_DBI is one leaf
        in these small files)."""
        main_root = self.u64(self.at(self.newest_meta(), MM_DBS + MDB_DB_SIZE + MD_ROOT))
        for index in range(len(self.node_offsets(main_root))):
            if self.key(main_root, index) == name:
                position, _, ksize = self.node(main_root, index)
                return position + 8 + ksize
        raise KeyError(name)

    def bytes(self) -> bytes:
        return bytes(self.data)
