"""Path ORAM against a dict: random reads, writes and in-place accesses; forced stash overflow.

refimpl/fog/oram/path_oram.py; mc-oblivious ``mc-oblivious-ram/src/path_oram/mod.rs``,
``evictor.rs`` and ``position_map/mod.rs`` (whose tests exercise the ORAM against a
``Vec`` model, ``mc-oblivious-traits/src/testing.rs``).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from refimpl.errors import FogError
from refimpl.fog.oram.path_oram import PathOram, log2_ceil
from refimpl.fog.oram.position_map import OramPositionMap, TrivialPositionMap
from refimpl.fog.oram.storage import BLOCK_SIZE, Z

ZERO = bytes(BLOCK_SIZE)


def block(tag: int) -> bytes:
    return tag.to_bytes(8, "little") * (BLOCK_SIZE // 8)


def test_log2_ceil_matches_mc_oblivious() -> None:
    expected = {0: 0, 1: 0, 2: 1, 3: 2, 4: 2, 5: 3, 8: 3, 9: 4, 16: 4, 17: 5}
    assert {value: log2_ceil(value) for value in expected} == expected


@pytest.mark.parametrize(("size", "height"), [(1, 0), (2, 0), (4, 0), (8, 1), (1024, 8)])
def test_height_is_log_size_minus_log_z(size: int, height: int) -> None:
    oram = PathOram(size, rng=random.Random(0).randbytes)
    assert oram.height == height
    assert oram.storage.count == 2 << height


def test_position_map_recursion() -> None:
    small = PathOram(4096, rng=random.Random(0).randbytes)
    assert isinstance(small.position_map, TrivialPositionMap)
    big = PathOram(8192, rng=random.Random(0).randbytes, treetop_log2=12)
    assert isinstance(big.position_map, OramPositionMap)
    assert len(big.position_map) == 8192
    model: dict[int, bytes] = {}
    rng = random.Random(5)
    for step in range(120):
        index = rng.randrange(8192) if step % 3 else rng.choice([0, 1, 255, 256, 8191])
        if rng.random() < 0.5:
            model[index] = block(step)
            big.write(index, model[index])
        else:
            assert big.read(index) == model.get(index, ZERO)
    assert big.stash_count() <= 32


@pytest.mark.parametrize("size", [0, 3, 12, -4])
def test_bad_sizes(size: int) -> None:
    with pytest.raises(FogError) as caught:
        PathOram(size)
    assert caught.value.code == "fog.oram_bad_input"


def test_bad_index_and_block() -> None:
    oram = PathOram(16, rng=random.Random(0).randbytes)
    for index in (-1, 16):
        with pytest.raises(FogError) as caught:
            oram.read(index)
        assert caught.value.code == "fog.oram_bad_input"
    with pytest.raises(FogError) as caught:
        oram.write(0, b"short")
    assert caught.value.code == "fog.oram_bad_input"


def test_failing_callback_leaves_block_unchanged_and_oram_usable() -> None:
    oram = PathOram(16, rng=random.Random(0).randbytes, treetop_log2=12)
    oram.write(3, block(3))

    def boom(buffer: bytearray) -> None:
        buffer[:8] = b"modified"
        raise RuntimeError("callback failed")

    with pytest.raises(RuntimeError):
        oram.access(3, boom)

    def shrink(buffer: bytearray) -> None:
        del buffer[10:]

    with pytest.raises(FogError) as caught:
        oram.access(3, shrink)
    assert caught.value.code == "fog.oram_bad_input"
    assert oram.read(3) == block(3)
    oram.check_invariants()


class PathOramMachine(RuleBasedStateMachine):
    """A PathOram and a dict receive the same operations and must agree."""

    @initialize(
        seed=st.integers(0, 2**32 - 1),
        size_log2=st.sampled_from([0, 2, 3, 5, 6]),
        treetop_log2=st.sampled_from([12, 25]),
    )
    def setup(self, seed: int, size_log2: int, treetop_log2: int) -> None:
        self.size = 1 << size_log2
        self.oram = PathOram(
            self.size, rng=random.Random(seed).randbytes, treetop_log2=treetop_log2
        )
        self.model: dict[int, bytes] = {}
        self.tag = 0

    def index(self, data: st.DataObject) -> int:
        return data.draw(st.integers(0, self.size - 1))

    @rule(data=st.data())
    def write(self, data: st.DataObject) -> None:
        index = self.index(data)
        self.tag += 1
        assert self.oram.write(index, block(self.tag)) == self.model.get(index, ZERO)
        self.model[index] = block(self.tag)

    @rule(data=st.data())
    def read(self, data: st.DataObject) -> None:
        index = self.index(data)
        assert self.oram.read(index) == self.model.get(index, ZERO)

    @rule(data=st.data(), delta=st.integers(1, 255))
    def bump_first_byte(self, data: st.DataObject, delta: int) -> None:
        index = self.index(data)

        def bump(buffer: bytearray) -> int:
            old = buffer[0]
            buffer[0] = (old + delta) % 256
            return old

        before = self.model.get(index, ZERO)
        assert self.oram.access(index, bump) == before[0]
        self.model[index] = bytes([(before[0] + delta) % 256]) + before[1:]

    @invariant()
    def stash_is_bounded(self) -> None:
        assert self.oram.stash_count() <= 32

    @precondition(lambda self: self.size <= 64)
    @rule()
    def tree_invariants(self) -> None:
        stored = self.oram.check_invariants()
        assert set(self.model) <= set(stored)


PathOramMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=30)
TestPathOram = PathOramMachine.TestCase


class ForcedOverflowMachine(RuleBasedStateMachine):
    """Every leaf drawn is the same (an all-zero RNG), so every block lives on one branch of
    (h + 1) * Z slots; with a tiny stash the ORAM must overflow once more blocks are live
    than the branch and stash hold, and must not before the branch is full."""

    @initialize(stash_size=st.integers(0, 3), size_log2=st.sampled_from([3, 4, 5]))
    def setup(self, stash_size: int, size_log2: int) -> None:
        self.size = 1 << size_log2
        self.stash_size = stash_size
        self.oram = PathOram(
            self.size, stash_size=stash_size, rng=lambda n: bytes(n), treetop_log2=12
        )
        self.branch_slots = (self.oram.height + 1) * Z
        self.model: dict[int, bytes] = {}
        self.touched: set[int] = set()
        self.overflowed = False

    @rule(data=st.data(), write=st.booleans())
    def access(self, data: st.DataObject, write: bool) -> None:
        index = data.draw(st.integers(0, self.size - 1))
        live_after = len(self.touched | {index})
        try:
            if write:
                self.oram.write(index, block(index + 1))
            else:
                assert self.oram.read(index) == self.model.get(index, ZERO)
        except FogError as error:
            assert error.code == "fog.oram_stash_overflow"
            assert self.overflowed or self.stash_size == 0 or live_after > self.branch_slots
            self.overflowed = True
            return
        assert not self.overflowed, "an overflowed ORAM must stay unusable"
        assert live_after <= self.branch_slots + self.stash_size
        self.touched.add(index)
        if write:
            self.model[index] = block(index + 1)


ForcedOverflowMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=50)
TestForcedOverflow = ForcedOverflowMachine.TestCase


def test_overflow_is_certain_with_a_full_branch() -> None:
    oram = PathOram(16, stash_size=2, rng=lambda n: bytes(n), treetop_log2=12)
    branch_slots = (oram.height + 1) * Z  # 12
    for index in range(branch_slots + 2):
        oram.write(index, block(index))
    with pytest.raises(FogError) as caught:
        oram.write(branch_slots + 2, block(0))
    assert caught.value.code == "fog.oram_stash_overflow"
    with pytest.raises(FogError) as again:
        oram.read(0)
    assert again.value.code == "fog.oram_stash_overflow"
