"""Cached tx data: the block count a fog balance is valid as of, spent status, missed ranges."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from refimpl.client.wallet import Owned
from refimpl.fog.client.recovery import MissedBlock, OutputRecognizer
from refimpl.fog.client.tx_data import CachedTxData, KeyImageAnswer
from refimpl.fog.types import U64_MAX, BlockRange
from tests.unit.fog.client._fog import account, hinted_tx_out

BOB = account(1)
_BOB = OutputRecognizer(BOB)


def _owned(index: int, block: int, value: int) -> Owned:
    tx_out = hinted_tx_out(None, BOB.default_subaddress(), value, 300 + index)
    found = _BOB.scan_block(MissedBlock(block, index + 1, (tx_out,)))
    assert len(found) == 1
    return found[0]


def test_balance_is_as_of_the_least_of_view_key_images_missed_and_ledger() -> None:
    data = CachedTxData()
    a, b, c = _owned(0, 1, 100), _owned(5, 3, 20), _owned(9, 6, 3)
    assert data.add_owned([a, b, c, a]) == [a, b, c]
    data.view_block_count = 8
    # not yet checked: each output is known unspent only up to its own block
    assert data.key_image_data_completeness == 2
    assert data.num_blocks() == 2 and data.balance() == (100, 2)
    assert [o.index for o in data.unspent()] == [0]
    data.apply_key_images([KeyImageAnswer(o.key_image, None) for o in (a, b, c)], 10,
                          [0, 5, 9])
    assert data.num_blocks() == 8  # the view's count is now the least
    assert data.balance() == (123, 8)
    data.add_missed_ranges([BlockRange(4, 6)])
    assert data.num_blocks() == 4 and data.balance() == (120, 4)
    data.mark_blocks_scanned([MissedBlock(4, 6, ()), MissedBlock(5, 6, ())])
    assert data.missed_block_ranges == [] and data.num_blocks() == 8


def test_spent_outputs_leave_the_balance_from_their_block_on() -> None:
    data = CachedTxData()
    a, b = _owned(0, 1, 100), _owned(1, 2, 7)
    data.add_owned([a, b])
    data.view_block_count = 20
    data.apply_key_images([KeyImageAnswer(a.key_image, 5), KeyImageAnswer(b.key_image, None)],
                          12, [0, 1])
    assert data.spent_at(0) == 5 and data.spent_at(1) is None
    assert data.num_blocks() == 12 and data.balance() == (7, 12)
    assert data.unspent_key_images() == [(1, b.key_image)]
    data.apply_key_images([KeyImageAnswer(b.key_image, 15)], 16, [1])
    # every output spent: the ledger's count bounds the balance
    assert data.key_image_data_completeness == U64_MAX
    assert data.num_blocks() == 16 and data.balance() == (0, 16)
    assert data.unspent() == []


def test_an_older_answer_does_not_lower_what_is_known() -> None:
    data = CachedTxData()
    a = _owned(0, 1, 9)
    data.add_owned([a])
    data.view_block_count = 50
    data.apply_key_images([KeyImageAnswer(a.key_image, None)], 30, [0])
    data.apply_key_images([KeyImageAnswer(a.key_image, None)], 25, [0])  # a lagging server
    assert data.key_image_data_completeness == 30 and data.ledger_num_blocks == 30


@given(ranges=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 8)), max_size=6),
       scanned=st.sets(st.integers(0, 50), max_size=20))
def test_scanning_blocks_leaves_maximal_ranges_of_what_is_left(
        ranges: list[tuple[int, int]], scanned: set[int]) -> None:
    data = CachedTxData()
    data.add_missed_ranges([BlockRange(s, s + n) for s, n in ranges])
    data.mark_blocks_scanned([MissedBlock(i, 0, ()) for i in scanned])
    left = data.missed_block_ranges
    covered = [i for r in left for i in range(r.start_block, r.end_block)]
    assert sorted(covered) == sorted({i for s, n in ranges for i in range(s, s + n)} - scanned)
    assert all(r.len > 0 for r in left)
    assert all(x.end_block < y.start_block for x, y in zip(left, left[1:], strict=False))
