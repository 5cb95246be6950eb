"""What a fog client knows about its account: owned outputs, their spent status, and up to which
block count that knowledge is complete.

MobileCoin ``fog/sample-paykit/src/cached_tx_data/mod.rs`` (``CachedTxData``, ``OwnedTxOut``,
``KeyImageStatus``). Three sources bound how far the balance is known:

* fog view's ``highest_processed_block_count`` (the RNG set's cursor): every output of ours
  below it was found;
* key-image completeness: each unspent output is known unspent *as of* the ``num_blocks`` of the
  last ``CheckKeyImages`` answer that covered it (initially its block index + 1); the minimum
  over the unspent outputs;
* missed block ranges not yet scanned: nothing is known from the first missed block on;
* the ledger's block count of the last ``CheckKeyImages`` answer (spent status is not known
  beyond it, which matters when every output is spent).

:meth:`CachedTxData.num_blocks` is the minimum of these, and the balance counts the outputs
that landed below it and were not spent below it. (MobileCoin bounds a missed range at
``start_block + 1``; here at ``start_block``, the first block whose outputs are unknown.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from refimpl.client.wallet import Owned
from refimpl.fog.client.recovery import MissedBlock
from refimpl.fog.types import U64_MAX, BlockRange
from refimpl.transaction.amount import MOB_TOKEN_ID
from refimpl.transaction.key_image import KeyImage


@attrs.frozen
class KeyImageStatus:
    """``KeyImageStatus``: spent at a block, or not spent as of a block count."""

    spent_at: int | None
    not_spent_as_of: int

    @classmethod
    def unspent_as_of(cls, block_count: int) -> KeyImageStatus:
        return cls(None, block_count)


@attrs.frozen
class KeyImageAnswer:
    """One key image's answer: the block that spent it, or ``None``."""

    key_image: KeyImage
    spent_at: int | None


class CachedTxData:
    """The account's outputs by global index with their key-image status."""

    def __init__(self) -> None:
        self.owned: dict[int, Owned] = {}
        self.status: dict[int, KeyImageStatus] = {}
        #: the view cursor (kept by the poll's RNG set; copied here after each poll)
        self.view_block_count = 0
        self.missed_block_ranges: list[BlockRange] = []
        self.latest_global_txo_count = 0
        self.latest_block_version = 0
        #: the ledger's block count in the last ``CheckKeyImages`` answer (None before one)
        self.ledger_num_blocks: int | None = None

    # --- learning ---------------------------------------------------------------------------
    def add_owned(self, outputs: Iterable[Owned]) -> list[Owned]:
        """Record outputs found by fog view or by scanning; returns those not seen before."""
        new = []
        for owned in outputs:
            if owned.index in self.owned:
                continue
            self.owned[owned.index] = owned
            self.status[owned.index] = KeyImageStatus.unspent_as_of(owned.block_index + 1)
            new.append(owned)
        return new

    def add_missed_ranges(self, ranges: Iterable[BlockRange]) -> None:
        self.missed_block_ranges.extend(ranges)

    def mark_blocks_scanned(self, blocks: Sequence[MissedBlock]) -> None:
        """``calculate_updated_missed_block_ranges``: drop the scanned blocks from the missed
        ranges, keeping what is left as maximal ranges."""
        scanned = {b.index for b in blocks}
        remaining = sorted({i for r in self.missed_block_ranges
                            for i in range(r.start_block, r.end_block)} - scanned)
        ranges: list[BlockRange] = []
        for index in remaining:
            if ranges and ranges[-1].end_block == index:
                ranges[-1] = BlockRange(ranges[-1].start_block, index + 1)
            else:
                ranges.append(BlockRange(index, index + 1))
        self.missed_block_ranges = ranges

    def unspent_key_images(self) -> list[tuple[int, KeyImage]]:
        """(global index, key image) of every output not known spent, in index order."""
        return [(i, self.owned[i].key_image) for i in sorted(self.owned)
                if self.status[i].spent_at is None]

    def apply_key_images(self, answers: Sequence[KeyImageAnswer], num_blocks: int,
                         indices: Sequence[int]) -> None:
        """A ``CheckKeyImages`` answer (``num_blocks`` its ledger's count) for the outputs at
        ``indices``: a spent one records its block; an unspent one is unspent as of
        ``num_blocks``."""
        for index, answer in zip(indices, answers, strict=True):
            status = self.status[index]
            if answer.spent_at is not None:
                self.status[index] = KeyImageStatus(answer.spent_at, status.not_spent_as_of)
            else:
                self.status[index] = KeyImageStatus.unspent_as_of(
                    max(status.not_spent_as_of, num_blocks))
        self.ledger_num_blocks = max(self.ledger_num_blocks or 0, num_blocks)

    # --- reading ----------------------------------------------------------------------------
    @property
    def key_image_data_completeness(self) -> int:
        """The least ``not_spent_as_of`` over unspent outputs (``U64_MAX`` with none)."""
        return min((s.not_spent_as_of for s in self.status.values() if s.spent_at is None),
                   default=U64_MAX)

    def num_blocks(self) -> int:
        """``get_num_blocks``: the block count the balance is correct as of."""
        missed_limit = min((r.start_block for r in self.missed_block_ranges), default=U64_MAX)
        ledger = U64_MAX if self.ledger_num_blocks is None else self.ledger_num_blocks
        return min(self.view_block_count, self.key_image_data_completeness, missed_limit, ledger)

    def unspent(self, token_id: int = MOB_TOKEN_ID) -> list[Owned]:
        """Outputs of ``token_id`` that landed below :meth:`num_blocks` and are not known
        spent, in index order (spendable inputs)."""
        num_blocks = self.num_blocks()
        return [o for i, o in sorted(self.owned.items())
                if o.token_id == token_id and o.block_index < num_blocks
                and self.status[i].spent_at is None]

    def balance(self, token_id: int = MOB_TOKEN_ID) -> tuple[int, int]:
        """``get_balance``: (value, num_blocks): outputs landed below ``num_blocks`` and not
        spent below it."""
        num_blocks = self.num_blocks()
        total = 0
        for index, owned in self.owned.items():
            spent_at = self.status[index].spent_at
            if (owned.token_id == token_id and owned.block_index < num_blocks
                    and (spent_at is None or spent_at >= num_blocks)):
                total += owned.value
        return total, num_blocks

    def spent_at(self, index: int) -> int | None:
        return self.status[index].spent_at
