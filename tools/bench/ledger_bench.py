"""Ledger benchmark workloads (issues 5 and 14): append throughput, the tip journal's share of
it, verify, the structural check, and membership proofs at 1M TxOuts.

* :func:`append_workload`: a ledger with an origin block, and a generator of the next block of
  100 transactions' outputs: 200 outputs (two per transaction: payment and change) and 100 key
  images (one input each), sorted as consensus sorts them. An append is one LMDB write
  transaction (fsynced) followed by one tip-journal record (fdatasynced).
* :func:`journal_workload`: the tip journal's part of one append on its own, exactly the calls
  ``LedgerStore.append_block`` makes around its commit (refimpl/ledger/store.py): the exclusive
  journal lock, the tail read (two records) and one record appended and fdatasynced. The
  benchmark session reports ``append / (append - journal)``: the cost of an append with the
  journal against one without it (the LMDB transaction alone, today's append before the
  journal), both medians from one run.
* :func:`verify_workload`: a ledger of :data:`VERIFY_BLOCKS` such blocks, for ``mcref ledger
  verify`` (``refimpl.ledger.verify.verify_path``: open, one snapshot, every block and index
  recomputed, the journal compared) and for the structural check alone
  (``refimpl.ledger.lmdb_file.check_data_file``).
* :func:`million_txo_ledger`: a ledger of 1,000,000 TxOuts built with the real
  :meth:`LedgerStore.append_block` in blocks of 10,000 outputs, cached under
  ``.tmp/bench-ledger-1m/`` (a ``complete`` file marks a finished build; an interrupted one is
  rebuilt). Outputs share a small pool of commitments and target keys (the store needs only the
  public keys to be unique), which keeps the one-time build to about two minutes.

Run by ``make bench`` through tools/bench/test_bench_ledger.py; ``python
tools/bench/ledger_bench.py`` builds the cached ledger alone.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from refimpl.crypto.hashing import blake2b256
from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.journal import ZERO_DIGEST, TipJournal, TipRecord
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.synthetic import SyntheticSource
from refimpl.transaction.amount import MaskedAmountV1
from refimpl.transaction.fog_hint import EncryptedFogHint
from refimpl.transaction.tx_out import TxOut

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".tmp" / "bench-ledger-1m"
MILLION = 1_000_000
BULK_BLOCK = 10_000
TXS_PER_BLOCK = 100
OUTPUTS_PER_TX = 2
VERIFY_BLOCKS = 50


def append_workload(path: Path) -> tuple[LedgerStore, Callable[[], tuple[Block, BlockContents]]]:
    """A fresh ledger at ``path`` and a function making its next 100-transaction block."""
    store = LedgerStore.create(path)
    source = SyntheticSource(b"bench-append")
    origin = source.contents(OUTPUTS_PER_TX * TXS_PER_BLOCK, 0)
    store.append_block(store.block_for(origin), origin)

    def next_block() -> tuple[Block, BlockContents]:
        contents = source.contents(OUTPUTS_PER_TX * TXS_PER_BLOCK, TXS_PER_BLOCK)
        return store.block_for(contents), contents

    return store, next_block


def journal_workload(directory: Path) -> tuple[TipJournal, Callable[[], None]]:
    """A fresh tip journal in ``directory`` and a function doing one append's journal work."""
    TipJournal.create(directory)
    journal = TipJournal.open(directory, writable=True)
    appended = [0]

    def record_one_block() -> None:
        with journal.exclusive():
            tail = journal.tail()
            index = appended[0]
            block_id = blake2b256(b"bench-journal", index.to_bytes(8, "big"))
            journal.append(tail.last, [TipRecord(index, block_id, ZERO_DIGEST)])
            appended[0] = index + 1

    return journal, record_one_block


def verify_workload(path: Path, blocks: int = VERIFY_BLOCKS) -> Path:
    """A closed ledger at ``path``: the origin and ``blocks - 1`` blocks of 100 transactions."""
    store, next_block = append_workload(path)
    with store:
        for _ in range(blocks - 1):
            store.append_block(*next_block())
    return path


class _PooledOutputs:
    """Outputs with unique public keys and pooled commitments/target keys."""

    def __init__(self, seed: bytes) -> None:
        self._source = SyntheticSource(seed)
        self._amounts = [MaskedAmountV1(self._source.point(), i, b"") for i in range(16)]
        self._targets = [self._source.point() for _ in range(16)]
        self._count = 0

    def next(self) -> TxOut:
        self._count += 1
        return TxOut(self._amounts[self._count % 16], self._targets[(self._count // 16) % 16],
                     self._source.point(), EncryptedFogHint.zero())

    def contents(self, outputs: int, key_images: int) -> BlockContents:
        outs = sorted((self.next() for _ in range(outputs)), key=lambda o: o.public_key.to_bytes())
        kis = sorted(self._source.key_image() for _ in range(key_images))
        return BlockContents(tuple(kis), tuple(outs))


def million_txo_ledger(path: Path = CACHE, total: int = MILLION,
                       progress: Callable[[str], None] | None = None) -> LedgerStore:
    """The cached ledger of ``total`` TxOuts, built on first use (see the module docstring)."""
    marker = path / "complete"
    if marker.exists():
        store = LedgerStore.open(path)
        if store.num_tx_outs() == total:
            return store
        store.close()
    shutil.rmtree(path, ignore_errors=True)
    outputs = _PooledOutputs(b"bench-1m")
    start = time.perf_counter()
    with LedgerStore.create(path) as store:
        while store.num_tx_outs() < total:
            size = min(BULK_BLOCK, total - store.num_tx_outs())
            contents = outputs.contents(size, 0 if store.num_blocks() == 0 else 1)
            store.append_block(store.block_for(contents), contents)
            if progress is not None:
                progress(f"{store.num_tx_outs()} TxOuts, {time.perf_counter() - start:.0f} s")
    marker.write_text(f"{total}\n")
    return LedgerStore.open(path)


if __name__ == "__main__":
    million_txo_ledger(progress=print).close()
