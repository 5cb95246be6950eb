"""Synthetic node ledgers for the fog ledger tests.

Blocks come from :class:`refimpl.ledger.synthetic.SyntheticSource` (valid structure, random
points), appended to a real LMDB :class:`LedgerStore` and signed with ``signed_at`` =
:data:`BASE_TIMESTAMP` + the block index, except the blocks named unsigned (their timestamp is
unknown to fog). LMDB allows one environment per path and process, so a test builds the
ledger, records what it holds (:class:`LedgerFacts`) and closes it before a server opens it;
blocks appended while a server runs come from another process (:func:`append_in_child`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path

import attrs

from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.signature import sign, signing_key_from_bytes
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.synthetic import SyntheticSource

SIGNER = signing_key_from_bytes(bytes(range(1, 33)))
BASE_TIMESTAMP = 1_700_000_000
ORIGIN_OUTPUTS = 6
OUTPUTS_PER_BLOCK = 2
KEY_IMAGES_PER_BLOCK = 2
REPO_ROOT = Path(__file__).resolve().parents[4]


@attrs.frozen
class LedgerFacts:
    """What a built ledger holds."""

    blocks: tuple[Block, ...]
    contents: tuple[BlockContents, ...]
    timestamps: tuple[int | None, ...]  # None: stored without a signature
    root_hash: bytes

    @property
    def num_tx_outs(self) -> int:
        return self.blocks[-1].cumulative_txo_count


def synthetic_contents(seed: bytes, count: int) -> list[BlockContents]:
    """``count`` non-origin blocks' contents from ``seed`` (the same in every process)."""
    source = SyntheticSource(seed)
    return [source.contents(OUTPUTS_PER_BLOCK, KEY_IMAGES_PER_BLOCK) for _ in range(count)]


def append(store: LedgerStore, contents: list[BlockContents],
           unsigned: Collection[int] = ()) -> None:
    """Append each block, signed unless its index is in ``unsigned``."""
    for c in contents:
        block = store.block_for(c)
        signature = (None if block.index in unsigned
                     else sign(block, SIGNER, BASE_TIMESTAMP + block.index))
        store.append_block(block, c, signature)


def build_ledger(path: Path, seed: bytes, num_blocks: int,
                 unsigned: Collection[int] = ()) -> LedgerFacts:
    """A closed ledger at ``path``: an origin block, then ``num_blocks - 1`` blocks."""
    with LedgerStore.create(path) as store:
        origin = SyntheticSource(seed + b"/origin").contents(ORIGIN_OUTPUTS, 0)
        append(store, [origin], unsigned)
        append(store, synthetic_contents(seed, num_blocks - 1), unsigned)
        blocks = tuple(store.get_block(i) for i in range(num_blocks))
        contents = tuple(store.get_block_contents(i) for i in range(num_blocks))
        signatures = [store.get_block_signature(i) for i in range(num_blocks)]
        return LedgerFacts(blocks, contents,
                           tuple(None if s is None else s.signed_at for s in signatures),
                           store.root_hash())


_APPENDER = """
import sys
from refimpl.ledger.store import LedgerStore
from tests.unit.fog.ledger._ledger import append, synthetic_contents
with LedgerStore.open(sys.argv[1]) as store:
    append(store, synthetic_contents(bytes.fromhex(sys.argv[2]), int(sys.argv[3])))
"""


def append_in_child(path: Path, seed: bytes, count: int, timeout_s: float = 60.0) -> None:
    """Append ``synthetic_contents(seed, count)`` from another process (as a node would)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run([sys.executable, "-c", _APPENDER, str(path), seed.hex(), str(count)],
                   env=env, check=True, timeout=timeout_s, cwd=REPO_ROOT)
