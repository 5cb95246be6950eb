"""Ledger benchmarks (issue 5; run by `make bench`, not by `make test`).

* append: one block of 100 transactions' outputs (200 TxOuts, 100 key images) appended to the
  LMDB store, fsync included (refimpl/ledger/store.py ``append_block``), and the tip journal's
  part of it alone (tools/bench/conftest.py reports the ratio with/without the journal);
* verify: ``mcref ledger verify`` of a ledger of 50 such blocks (``verify_path``), and the
  structural check of its data.mdb alone (``check_data_file``);
* membership proofs on a ledger of 1,000,000 TxOuts (tools/bench/ledger_bench.py builds it once
  with the real store and caches it under .tmp/): generation from the stored range hashes
  (``get_membership_proof``, O(log n) LMDB reads) and verification against the root
  (``is_membership_proof_valid``). Goal: a proof in at most 1 ms median.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from itertools import cycle
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ledger_bench import (  # noqa: E402
    MILLION,
    VERIFY_BLOCKS,
    append_workload,
    journal_workload,
    million_txo_ledger,
    verify_workload,
)

from refimpl.ledger.block import Block, BlockContents  # noqa: E402
from refimpl.ledger.lmdb_file import check_data_file  # noqa: E402
from refimpl.ledger.store import LedgerStore  # noqa: E402
from refimpl.ledger.verify import verify_path  # noqa: E402
from refimpl.transaction.membership_proofs.merkle import is_membership_proof_valid  # noqa: E402

APPEND_ROUNDS = 30


@pytest.fixture(scope="module")
def million() -> Iterator[LedgerStore]:
    store = million_txo_ledger()
    yield store
    store.close()


def test_ledger_append_block_100_txs(benchmark: Any, tmp_path: Path) -> None:
    store, next_block = append_workload(tmp_path / "ledger")

    def setup() -> tuple[tuple[tuple[Block, BlockContents]], dict[str, Any]]:
        return (next_block(),), {}

    def append(block_and_contents: tuple[Block, BlockContents]) -> None:
        store.append_block(*block_and_contents)

    before = store.num_tx_outs()
    benchmark.pedantic(append, setup=setup, rounds=APPEND_ROUNDS)
    assert store.num_tx_outs() == before + APPEND_ROUNDS * 200
    benchmark.extra_info["tx_outs_per_block"] = 200
    store.close()
    assert verify_path(tmp_path / "ledger").ok


def test_ledger_append_journal_record(benchmark: Any, tmp_path: Path) -> None:
    """The journal's part of one append alone (same filesystem as the append benchmark)."""
    journal, record_one_block = journal_workload(tmp_path)
    benchmark.pedantic(record_one_block, rounds=APPEND_ROUNDS * 4)
    assert journal.tail().count == APPEND_ROUNDS * 4
    journal.close()


@pytest.fixture(scope="module")
def verify_ledger_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return verify_workload(tmp_path_factory.mktemp("verify") / "ledger")


def test_ledger_verify_50_blocks(benchmark: Any, verify_ledger_path: Path) -> None:
    report = benchmark.pedantic(verify_path, args=(verify_ledger_path,), rounds=5)
    assert report.ok and report.num_blocks == VERIFY_BLOCKS
    assert report.num_tx_outs == VERIFY_BLOCKS * 200
    benchmark.extra_info["blocks"] = VERIFY_BLOCKS


def test_ledger_check_data_file_50_blocks(benchmark: Any, verify_ledger_path: Path) -> None:
    data = verify_ledger_path / "data.mdb"
    summary = benchmark.pedantic(check_data_file, args=(data,), rounds=10)
    assert summary.num_pages_used * summary.page_size <= data.stat().st_size
    benchmark.extra_info["pages"] = summary.num_pages_used


def test_ledger_membership_proof_1m(benchmark: Any, million: LedgerStore) -> None:
    rng = random.Random(5)
    indices = cycle([rng.randrange(MILLION) for _ in range(1000)])
    proof = benchmark(lambda: million.get_membership_proof(next(indices)))
    assert proof.highest_index == MILLION - 1 and len(proof.elements) == 21
    assert is_membership_proof_valid(million.get_tx_out(proof.index), proof, million.root_hash())


def test_ledger_membership_proof_verify_1m(benchmark: Any, million: LedgerStore) -> None:
    rng = random.Random(6)
    root = million.root_hash()
    cases = []
    for _ in range(200):
        index = rng.randrange(MILLION)
        cases.append((million.get_tx_out(index), million.get_membership_proof(index)))
    iterator = cycle(cases)
    assert all(is_membership_proof_valid(out, proof, root) for out, proof in cases)
    assert benchmark(lambda: is_membership_proof_valid(*next(iterator), root))
