"""The block tracker: how far a store is complete over active, retired and lost ingress keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.fog.recovery_db.types import IngressPublicKeyRecord
from refimpl.fog.types import BlockRange
from refimpl.fog.view.block_tracker import BlockTracker
from refimpl.fog.view.sharding import EpochShardingStrategy
from tests.unit.fog.view._data import ingress_key, key_record


def deliver(tracker: BlockTracker, key: int, blocks: range) -> None:
    for index in blocks:
        tracker.block_processed(ingress_key(key), index)


def test_nothing_known_is_zero() -> None:
    tracker = BlockTracker()
    progress = tracker.highest_fully_processed_block_count([])
    assert (progress.highest_processed_block_count, progress.blocked_on) == (0, None)
    assert tracker.next_blocks([]) == {}


def test_one_active_key() -> None:
    tracker = BlockTracker()
    keys = [key_record(1, 0)]
    assert tracker.next_blocks(keys) == {ingress_key(1): 0}
    deliver(tracker, 1, range(5))
    assert tracker.next_blocks(keys) == {ingress_key(1): 5}
    progress = tracker.highest_fully_processed_block_count(keys)
    assert (progress.highest_processed_block_count, progress.blocked_on) == (5, None)


def test_a_lagging_key_stalls_the_count_and_is_named() -> None:
    tracker = BlockTracker()
    keys = [key_record(1, 0), key_record(2, 0)]
    deliver(tracker, 1, range(8))
    deliver(tracker, 2, range(3))
    progress = tracker.highest_fully_processed_block_count(keys)
    assert progress.highest_processed_block_count == 3
    assert progress.blocked_on == keys[1]
    deliver(tracker, 2, range(3, 8))
    assert tracker.highest_fully_processed_block_count(keys).highest_processed_block_count == 8


def test_a_key_that_delivered_nothing_blocks_from_its_start() -> None:
    tracker = BlockTracker()
    keys = [key_record(1, 0), key_record(2, 4)]
    deliver(tracker, 1, range(8))
    progress = tracker.highest_fully_processed_block_count(keys)
    assert (progress.highest_processed_block_count, progress.blocked_on) == (4, keys[1])


def test_a_retired_key_is_needed_only_up_to_its_expiry() -> None:
    tracker = BlockTracker()
    keys = [key_record(1, 0, retired=True, expiry=3), key_record(2, 0)]
    deliver(tracker, 1, range(3))
    deliver(tracker, 2, range(7))
    assert tracker.next_blocks(keys) == {ingress_key(2): 7}
    assert tracker.highest_fully_processed_block_count(keys).highest_processed_block_count == 7


def test_a_lost_key_is_needed_only_up_to_its_last_scanned_block() -> None:
    tracker = BlockTracker()
    keys = [key_record(1, 0, lost=True, last_scanned=1, expiry=50), key_record(2, 0)]
    deliver(tracker, 1, range(2))
    deliver(tracker, 2, range(6))
    assert tracker.highest_fully_processed_block_count(keys).highest_processed_block_count == 6
    # a lost key that scanned nothing is never waited for
    fresh = BlockTracker()
    deliver(fresh, 2, range(4))
    lost_early = [key_record(1, 0, lost=True, expiry=50), key_record(2, 0)]
    assert fresh.next_blocks(lost_early) == {ingress_key(2): 4}
    assert fresh.highest_fully_processed_block_count(lost_early).highest_processed_block_count \
        == 4


def test_the_count_never_goes_back_nor_beyond_the_highest_known_block() -> None:
    tracker = BlockTracker()
    keys = [key_record(1, 0)]
    deliver(tracker, 1, range(4))
    assert tracker.highest_fully_processed_block_count(keys).highest_processed_block_count == 4
    late = keys + [key_record(2, 0)]  # a new key appears that should have provided block 0
    assert tracker.highest_fully_processed_block_count(late).highest_processed_block_count == 4
    assert tracker.highest_known_block_count() == 4


def test_keys_outside_the_epoch_do_not_count() -> None:
    tracker = BlockTracker(EpochShardingStrategy(BlockRange(5, 10)))
    keys = [key_record(1, 0, retired=True, expiry=4), key_record(2, 0)]
    in_epoch = [tracker.block_processed(ingress_key(2), index) for index in range(3, 12)]
    assert in_epoch == [False, False] + [True] * 5 + [False, False]
    # the epoch tracker of a store only hears of its blocks; key 1 (blocks 0..3) never overlaps
    store = BlockTracker(EpochShardingStrategy(BlockRange(5, 10)))
    deliver(store, 2, range(5, 8))
    assert store.highest_fully_processed_block_count(keys).highest_processed_block_count == 8


def test_blocks_of_a_key_must_arrive_in_order() -> None:
    tracker = BlockTracker()
    tracker.block_processed(ingress_key(1), 3)
    with pytest.raises(AssertionError):
        tracker.block_processed(ingress_key(1), 5)


keys_and_progress = st.lists(
    st.tuples(st.integers(0, 6), st.sampled_from(["active", "retired", "lost"]),
              st.integers(0, 8), st.integers(-1, 10)),
    min_size=1, max_size=4)


def brute_force(records: list[IngressPublicKeyRecord], delivered: dict[bytes, int]) -> int:
    """The definition: the largest n <= highest known count such that every block below n was
    delivered by every key whose range covers it."""
    known = max((b + 1 for b in delivered.values()), default=0)
    best = 0
    for n in range(1, known + 1):
        if all(delivered.get(r.key, -1) >= n - 1 for r in records if r.covers_block_index(n - 1)):
            best = n
        else:
            break
    return best


@settings(max_examples=200, deadline=None)
@given(keys_and_progress)
def test_the_count_matches_its_definition(spec: list[tuple[int, str, int, int]]) -> None:
    records = []
    tracker = BlockTracker()
    delivered: dict[bytes, int] = {}
    for n, (start, kind, span, last) in enumerate(spec):
        record = key_record(n, start, retired=kind == "retired", lost=kind == "lost",
                            expiry=start + span, last_scanned=None if last < start else last)
        records.append(record)
        wanted = tracker.next_blocks([record]).get(record.key)
        if wanted is None or last < start:
            continue
        for index in range(wanted, last + 1):
            if not record.covers_block_index(index):
                break
            tracker.block_processed(record.key, index)
            delivered[record.key] = index
    count = tracker.highest_fully_processed_block_count(records).highest_processed_block_count
    assert count == brute_force(records, delivered)
