"""The cuckoo oblivious map against a dict; overflow rollback; invalid keys; two buckets a read.

refimpl/fog/oram/omap.py; mc-oblivious ``mc-oblivious-map/src/lib.rs`` (``CuckooHashTable``)
and ``mc-oblivious-traits/src/{lib.rs,testing.rs}`` (``access_and_insert``, the overflow
semantics test ``test_omap_overflow``).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from refimpl.errors import FogError
from refimpl.fog.oram.omap import (
    MAX_EVICTION_RETRIES,
    OMAP_FOUND,
    OMAP_INVALID_KEY,
    OMAP_NOT_FOUND,
    OMAP_OVERFLOW,
    ObliviousMap,
)
from refimpl.fog.oram.trace import AccessTrace

KEY, VALUE = 16, 240  # the fog view store's shape (e_tx_out_store.rs: U16, U240)
SMALL_TREETOP = 12


def view_map(capacity: int, seed: int, trace: AccessTrace | None = None) -> ObliviousMap:
    return ObliviousMap(
        capacity,
        KEY,
        VALUE,
        rng=random.Random(seed).randbytes,
        trace=trace,
        treetop_log2=SMALL_TREETOP,
    )


@pytest.mark.parametrize(
    ("capacity", "key", "value", "bucket_capacity", "num_buckets"),
    [
        (1 << 20, 16, 240, 4, 1 << 17),
        (1 << 16, 16, 240, 4, 1 << 13),
        (1000, 16, 240, 4, 128),
        (256, 8, 8, 64, 2),
        (4, 8, 8, 64, 1),
        (0, 32, 32, 16, 1),
    ],
)
def test_sizes_follow_mc_oblivious(
    capacity: int, key: int, value: int, bucket_capacity: int, num_buckets: int
) -> None:
    omap = ObliviousMap(capacity, key, value, rng=random.Random(0).randbytes)
    assert omap.bucket_capacity == bucket_capacity
    assert omap.num_buckets == num_buckets
    assert omap.oram1.size == omap.oram2.size == num_buckets
    assert omap.capacity == 2 * num_buckets * bucket_capacity


def test_bad_shapes_are_typed_errors() -> None:
    with pytest.raises(FogError) as caught:
        ObliviousMap(16, 1000, 100)
    assert caught.value.code == "fog.oram_bad_input"
    omap = view_map(16, 0)
    for call in (
        lambda: omap.read(b"short"),
        lambda: omap.vartime_write(bytes(range(16)), b"short", True),
        lambda: omap.remove(bytes(17)),
        lambda: omap.access_and_insert(bytes(range(16)), bytes(239), lambda c, b: None),
    ):
        with pytest.raises(FogError) as caught:
            call()
        assert caught.value.code == "fog.oram_bad_input"


def test_all_zero_key_is_invalid() -> None:
    omap = view_map(64, 1)
    zero = bytes(KEY)
    assert omap.read(zero) == (OMAP_INVALID_KEY, bytes(VALUE))
    assert omap.vartime_write(zero, bytes([1]) * VALUE, True) == OMAP_INVALID_KEY
    assert omap.remove(zero) == OMAP_INVALID_KEY
    assert omap.access_and_insert(zero, bytes(VALUE), lambda code, buf: None) == OMAP_INVALID_KEY
    seen: list[int] = []
    omap.access(zero, lambda code, buf: seen.append(code))
    assert seen == [OMAP_INVALID_KEY]
    assert len(omap) == 0


def test_write_semantics() -> None:
    omap = view_map(64, 2)
    key = bytes([1]) * KEY
    assert omap.read(key) == (OMAP_NOT_FOUND, bytes(VALUE))
    assert omap.vartime_write(key, bytes([2]) * VALUE, False) == OMAP_NOT_FOUND
    assert omap.vartime_write(key, bytes([3]) * VALUE, False) == OMAP_FOUND
    assert omap.read(key) == (OMAP_FOUND, bytes([2]) * VALUE)  # overwrite not allowed
    assert omap.vartime_write(key, bytes([3]) * VALUE, True) == OMAP_FOUND
    assert omap.read(key) == (OMAP_FOUND, bytes([3]) * VALUE)
    assert len(omap) == 1
    assert omap.remove(key) == OMAP_FOUND
    assert omap.remove(key) == OMAP_NOT_FOUND
    assert omap.read(key) == (OMAP_NOT_FOUND, bytes(VALUE))
    assert len(omap) == 1  # as in MobileCoin: removal does not decrease the count


def test_access_and_remove() -> None:
    omap = view_map(64, 3)
    key = bytes([5]) * KEY
    omap.vartime_write(key, bytes([7]) * VALUE, True)

    def edit(code: int, buffer: bytearray) -> bool:
        assert code == OMAP_FOUND and buffer == bytes([7]) * VALUE
        buffer[0] = 9
        return False

    omap.access_and_remove(key, edit)
    assert omap.read(key) == (OMAP_FOUND, bytes([9]) + bytes([7]) * (VALUE - 1))
    omap.access_and_remove(key, lambda code, buffer: True)
    assert omap.read(key)[0] == OMAP_NOT_FOUND
    missing: list[tuple[int, bytes]] = []
    omap.access(key, lambda code, buffer: missing.append((code, bytes(buffer))))
    assert missing == [(OMAP_NOT_FOUND, bytes(VALUE))]


def test_access_and_insert_counter_table() -> None:
    # mc-oblivious testing::exercise_omap_counter_table, with 8-byte counters
    rng = random.Random(4)
    omap = ObliviousMap(256, 8, 8, rng=rng.randbytes, treetop_log2=SMALL_TREETOP)
    counts: Counter[bytes] = Counter()
    keys = [bytes([i + 1]) * 8 for i in range(12)]

    def increment(code: int, buffer: bytearray) -> None:
        buffer[:] = (int.from_bytes(buffer, "little") + 1).to_bytes(8, "little")

    for _ in range(150):
        key = rng.choice(keys)
        code = omap.access_and_insert(key, bytes(8), increment)
        assert code == (OMAP_FOUND if counts[key] else OMAP_NOT_FOUND)
        counts[key] += 1
    for key in keys:
        assert omap.read(key) == (
            (OMAP_FOUND, counts[key].to_bytes(8, "little"))
            if counts[key]
            else (OMAP_NOT_FOUND, bytes(8))
        )


def test_overflow_rolls_back_and_loses_nothing() -> None:
    # mc-oblivious testing::test_omap_overflow: consecutive keys until the first overflow
    for seed in range(4):
        omap = view_map(16, seed)
        stored: dict[bytes, bytes] = {}
        index = 1
        while True:
            key = index.to_bytes(8, "little") + bytes(8)
            value = index.to_bytes(8, "little") * (VALUE // 8)
            assert len(omap) == index - 1
            code = omap.vartime_write(key, value, False)
            if code == OMAP_OVERFLOW:
                break
            assert code == OMAP_NOT_FOUND
            stored[key] = value
            index += 1
        assert len(omap) == len(stored) <= omap.capacity
        assert len(stored) >= omap.capacity // 2
        assert omap.read(key)[0] == OMAP_NOT_FOUND  # the key that overflowed
        for old_key, old_value in stored.items():
            assert omap.read(old_key) == (OMAP_FOUND, old_value)


def test_overflow_eviction_is_bounded() -> None:
    trace = AccessTrace()
    omap = view_map(16, 9, trace)
    accesses: list[int] = []
    for index in range(1, 100):
        before = len(trace)
        code = omap.vartime_write(bytes([index]) * KEY, bytes(VALUE), False)
        accesses.append(len(trace) - before)
        if code == OMAP_OVERFLOW:
            break
    per_access = accesses[0] // 2  # the first write touches each ORAM once
    # at most: the first (two ORAMs), six relocations, six roll-backs
    assert max(accesses) <= per_access * (2 + 2 * MAX_EVICTION_RETRIES)
    assert code == OMAP_OVERFLOW


def test_read_remove_access_touch_exactly_one_bucket_per_oram() -> None:
    trace = AccessTrace()
    omap = view_map(256, 5, trace)
    present = [bytes([i + 1]) * KEY for i in range(20)]
    for key in present:
        omap.vartime_write(key, bytes(VALUE), True)
    main = {omap.oram1.storage.allocation_id, omap.oram2.storage.allocation_id}
    levels = omap.oram1.storage.untrusted_levels
    assert levels > 0 and len(main) == 2
    absent = bytes([200]) * KEY
    calls: list[Callable[[], object]] = [
        lambda: omap.read(present[3]),
        lambda: omap.read(absent),
        lambda: omap.remove(present[4]),
        lambda: omap.remove(absent),
        lambda: omap.access(present[5], lambda code, buf: None),
        lambda: omap.access_and_remove(absent, lambda code, buf: True),
    ]
    for call in calls:
        trace.clear()
        call()
        for allocation in main:
            kinds = Counter(e.kind for e in trace.entries if e.allocation == allocation)
            # one branch read and written back: `levels` untrusted buckets each way
            assert kinds == {"read": levels, "write": levels}


def test_two_to_the_twenty_map_is_cheap_and_works() -> None:
    omap = ObliviousMap(1 << 20, KEY, VALUE, rng=random.Random(6).randbytes)
    assert omap.oram1.height == 15 and omap.capacity == 1 << 20
    assert omap.memory.stored(omap.oram1.storage.allocation_id) == {}
    keys = [bytes([i + 1]) * KEY for i in range(3)]
    for i, key in enumerate(keys):
        assert omap.vartime_write(key, bytes([i]) * VALUE, True) == OMAP_NOT_FOUND
    for i, key in enumerate(keys):
        assert omap.read(key) == (OMAP_FOUND, bytes([i]) * VALUE)
    assert omap.read(bytes([99]) * KEY) == (OMAP_NOT_FOUND, bytes(VALUE))


class OmapMachine(RuleBasedStateMachine):
    """An ObliviousMap and a dict receive the same operations and must agree."""

    @initialize(seed=st.integers(0, 2**32 - 1), capacity=st.sampled_from([8, 16, 64]))
    def setup(self, seed: int, capacity: int) -> None:
        self.omap = view_map(capacity, seed)
        self.model: dict[bytes, bytes] = {}
        self.inserted = 0

    keys = st.integers(1, 24).map(lambda i: i.to_bytes(2, "little") * (KEY // 2))
    values = st.integers(0, 255).map(lambda b: bytes([b]) * VALUE)

    @rule(key=keys, value=values, overwrite=st.booleans())
    def write(self, key: bytes, value: bytes, overwrite: bool) -> None:
        code = self.omap.vartime_write(key, value, overwrite)
        if key in self.model:
            assert code == OMAP_FOUND
            if overwrite:
                self.model[key] = value
        elif code == OMAP_NOT_FOUND:
            self.model[key] = value
            self.inserted += 1
        else:
            assert code == OMAP_OVERFLOW

    @rule(key=keys)
    def read(self, key: bytes) -> None:
        expected = self.model.get(key)
        assert self.omap.read(key) == (
            (OMAP_FOUND, expected) if expected is not None else (OMAP_NOT_FOUND, bytes(VALUE))
        )

    @rule(key=keys)
    def remove(self, key: bytes) -> None:
        code = self.omap.remove(key)
        assert code == (OMAP_FOUND if key in self.model else OMAP_NOT_FOUND)
        self.model.pop(key, None)

    @rule(key=keys, default=values, delta=st.integers(1, 255))
    def access_and_insert(self, key: bytes, default: bytes, delta: int) -> None:
        seen: list[int] = []

        def bump(code: int, buffer: bytearray) -> None:
            seen.append(code)
            buffer[0] = (buffer[0] + delta) % 256

        present = key in self.model
        code = self.omap.access_and_insert(key, default, bump)
        assert seen == [OMAP_FOUND if present else OMAP_NOT_FOUND]
        before = self.model.get(key, default)
        updated = bytes([(before[0] + delta) % 256]) + before[1:]
        if present:
            # the real write overwrites; only the dummy insertion may overflow
            assert code in (OMAP_FOUND, OMAP_OVERFLOW)
            self.model[key] = updated
            self.inserted += code == OMAP_FOUND  # the dummy key was inserted
        elif code == OMAP_NOT_FOUND:
            self.model[key] = updated
            self.inserted += 1
        else:
            assert code == OMAP_OVERFLOW

    @invariant()
    def counts(self) -> None:
        assert len(self.omap) == self.inserted


OmapMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=40)
TestOmap = OmapMachine.TestCase
