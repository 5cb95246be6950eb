"""Ledgers to damage, for test_journal.py and test_verify_indexes.py: building small signed
ledgers, copying them, and raw LMDB writes into a copy (bypassing the store, as damage or a
careless tool would)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import lmdb

from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.journal import JOURNAL_FILE
from refimpl.ledger.signature import sign, signing_key_from_bytes
from refimpl.ledger.store import ALL_DBS, LedgerStore
from refimpl.ledger.synthetic import SyntheticSource

KEY = signing_key_from_bytes(bytes(range(3, 35)))
DbOf = Callable[[bytes], lmdb._Database]


def build(path: Path, blocks: int, seed: bytes = b"damage",
          unsigned: Sequence[int] = ()) -> list[tuple[Block, BlockContents]]:
    """A new ledger of ``blocks`` blocks (3 outputs each, 2 key images after the origin),
    signed except those in ``unsigned``."""
    with LedgerStore.create(path) as store:
        return grow(store, blocks, seed, unsigned)


def grow(store: LedgerStore, blocks: int, seed: bytes,
         unsigned: Sequence[int] = ()) -> list[tuple[Block, BlockContents]]:
    source = SyntheticSource(seed + b"/" + str(store.num_blocks()).encode())
    appended = []
    for _ in range(blocks):
        contents = source.contents(3, 0 if store.num_blocks() == 0 else 2)
        block = store.block_for(contents)
        signature = None if block.index in unsigned else sign(block, KEY)
        store.append_block(block, contents, signature)
        appended.append((block, contents))
    return appended


def copy(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination)
    return destination


@contextmanager
def raw(path: Path, write: bool = False) -> Iterator[tuple[lmdb.Transaction, DbOf]]:
    """A transaction on the ledger's LMDB environment opened directly (no store), and a
    function giving its named databases."""
    env = lmdb.open(str(path), max_dbs=len(ALL_DBS) + 2, create=False)
    try:
        with env.begin(write=write) as txn:
            yield txn, lambda name: env.open_db(name, txn=txn, create=False)
    finally:
        env.close()


def put(path: Path, db: bytes, key: bytes, value: bytes) -> None:
    with raw(path, write=True) as (txn, named):
        txn.put(key, value, db=named(db))


def delete(path: Path, db: bytes, key: bytes) -> None:
    with raw(path, write=True) as (txn, named):
        assert txn.delete(key, db=named(db))


def get(path: Path, db: bytes, key: bytes) -> bytes:
    with raw(path) as (txn, named):
        value = txn.get(key, db=named(db))
        assert value is not None
        return bytes(value)


def add_database(path: Path, name: bytes) -> None:
    """A named database the ledger does not have (a record in LMDB's main database)."""
    env = lmdb.open(str(path), max_dbs=len(ALL_DBS) + 2, create=False)
    try:
        env.open_db(name, create=True)
    finally:
        env.close()


def journal(path: Path) -> Path:
    return path / JOURNAL_FILE
