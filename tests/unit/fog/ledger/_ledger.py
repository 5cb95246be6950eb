"""Synthetic node ledgers for the fog ledger tests.

Blocks come from :class:`refimpl.ledger.synthetic.SyntheticSource` (valid structure, random
points), appended to a real LMDB :class:`LedgerStore` and signed as
:func:`tests.unit.fog._shared.append_signed` signs, except the blocks named unsigned (their
timestamp is unknown to fog). LMDB allows one environment per path and process, so a test builds the
ledger, records what it holds (:class:`LedgerFacts`) and closes it before a server opens it;
blocks appended while a server runs come from another process (:func:`append_in_child`).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import attrs

from refimpl.ledger.block import Block, BlockContents
from refimpl.ledger.store import LedgerStore
from refimpl.ledger.synthetic import SyntheticSource
from tests.unit.fog._shared import append_signed, run_python

ORIGIN_OUTPUTS = 6
OUTPUTS_PER_BLOCK = 2
KEY_IMAGES_PER_BLOCK = 2


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


def build_ledger(path: Path, seed: bytes, num_blocks: int,
                 unsigned: Collection[int] = ()) -> LedgerFacts:
    """A closed ledger at ``path``: an origin block, then ``num_blocks - 1`` blocks."""
    with LedgerStore.create(path) as store:
        origin = SyntheticSource(seed + b"/origin").contents(ORIGIN_OUTPUTS, 0)
        append_signed(store, [origin], unsigned)
        append_signed(store, synthetic_contents(seed, num_blocks - 1), unsigned)
        blocks = tuple(store.get_block(i) for i in range(num_blocks))
        contents = tuple(store.get_block_contents(i) for i in range(num_blocks))
        signatures = [store.get_block_signature(i) for i in range(num_blocks)]
        return LedgerFacts(blocks, contents,
                           tuple(None if s is None else s.signed_at for s in signatures),
                           store.root_hash())


_APPENDER = """
import sys
from refimpl.ledger.store import LedgerStore
from tests.unit.fog._shared import append_signed
from tests.unit.fog.ledger._ledger import synthetic_contents
with LedgerStore.open(sys.argv[1]) as store:
    append_signed(store, synthetic_contents(bytes.fromhex(sys.argv[2]), int(sys.argv[3])))
"""


def append_in_child(path: Path, seed: bytes, count: int, timeout_s: float = 60.0) -> None:
    """Append ``synthetic_contents(seed, count)`` from another process (as a node would)."""
    run_python(_APPENDER, str(path), seed.hex(), str(count), timeout_s=timeout_s)
