"""Path ORAM with Z = 4, 1024-byte blocks, a fixed stash and a recursive u32 position map.

Mirrors mc-oblivious 2.3 as MobileCoin Fog builds it (``PathORAM4096Z4Creator`` over
``OcallORAMStorageCreator``, stash 32):

* ``mc-oblivious-ram/src/path_oram/mod.rs``: ``PathORAM::new`` (height = log2(size) - log2(Z),
  storage of ``2 << height`` buckets) and ``access``: draw a new random leaf, swap it into the
  position map to learn the old one, check out that branch, find and remove the block from the
  branch and then the stash (every slot visited), run the callback, retag the block with the
  new leaf and put it in the stash (``"Stash overflow!"`` if no slot is free), evict, check in.
* ``mc-oblivious-ram/src/evictor.rs``: ``PathOramDeterministicEvictor`` with no additional
  branches, i.e. ``path_oram_eviction_strategy``: pack the branch (every block pushed as deep
  as its leaf allows), then insert every stash entry as deep as it may go.
* ``mc-oblivious-ram/src/lib.rs``: ``U32PositionMapCreator`` recursion (a trivial map for at
  most 4096 entries, otherwise an ORAM of 256 positions per block built the same way).

Constant time in Python: the scans visit every slot of the branch and stash with the same
operations whatever the data; selects are tuple-indexed by a 0/1 condition in place of
``cmov``. Overflow of the stash raises ``FogError("fog.oram_stash_overflow")`` (MobileCoin
panics) and leaves the ORAM unusable: every later access raises the same error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

from refimpl.errors import FogError
from refimpl.fog.oram.position_map import (
    ENTRIES_LOG2,
    TRIVIAL_MAX,
    OramPositionMap,
    PositionMap,
    TrivialPositionMap,
    random_leaf,
)
from refimpl.fog.oram.storage import (
    BLOCK_SIZE,
    TREETOP_CACHING_THRESHOLD_LOG2,
    VACANT,
    OcallStorage,
    Rng,
    Slot,
    UntrustedMemory,
    Z,
)

T = TypeVar("T")

STASH_SIZE = 32  # the stash size every MobileCoin Fog ORAM is built with


def log2_ceil(value: int) -> int:
    """``mc_oblivious_traits::log2_ceil``: 0 for 0 and 1, else ceil(log2(value))."""
    return 0 if value <= 1 else (value - 1).bit_length()


def _insert(slots: list[Slot], src: Slot, leaf: int, end: int) -> bool:
    """Put ``src`` into the first vacant slot of ``slots[:end]`` at or above its legal depth.

    The legal depth follows ``lowest_height_legal_index``: slot ``t`` of bucket ``t // Z``
    may hold a block whose leaf shares the branch up to that bucket, i.e. bucket index >=
    bit length of ``src_leaf ^ leaf``. Every slot is visited; returns whether it was placed.
    """
    first = (src[0] ^ leaf).bit_length() * Z
    wanted = src[0] != 0
    for t in range(end):
        slot = slots[t]
        take = wanted & (t >= first) & (slot[0] == 0)
        slots[t] = (slot, src)[take]
        wanted ^= take
    return (src[0] != 0) ^ wanted


def evict(slots: list[Slot], stash: list[Slot], leaf: int) -> None:
    """``path_oram_eviction_strategy``: pack the branch, then drain the stash into it."""
    total = len(slots)
    for bucket in range(1, total // Z):
        for j in range(Z):
            position = bucket * Z + j
            src = slots[position]
            moved = _insert(slots, src, leaf, bucket * Z)
            slots[position] = (src, VACANT)[moved]
    for i, src in enumerate(stash):
        moved = _insert(slots, src, leaf, total)
        stash[i] = (src, VACANT)[moved]


class PathOram:
    """An ORAM of ``size`` 1024-byte blocks (``size`` a power of two)."""

    block_size = BLOCK_SIZE

    def __init__(
        self,
        size: int,
        *,
        stash_size: int = STASH_SIZE,
        rng: Rng = os.urandom,
        memory: UntrustedMemory | None = None,
        treetop_log2: int = TREETOP_CACHING_THRESHOLD_LOG2,
    ) -> None:
        if size < 1 or size & (size - 1):
            raise FogError("fog.oram_bad_input", f"ORAM size {size} is not a power of two")
        if stash_size < 0:
            raise FogError("fog.oram_bad_input", "negative stash size")
        self.size = size
        self.height = max(0, log2_ceil(size) - log2_ceil(Z))
        self.memory = memory if memory is not None else UntrustedMemory()
        self._rng = rng
        self.storage = OcallStorage(
            2 << self.height, self.height, rng=rng, memory=self.memory, treetop_log2=treetop_log2
        )
        self.position_map: PositionMap
        if size <= TRIVIAL_MAX:
            self.position_map = TrivialPositionMap(size, self.height, rng)
        else:
            inner = PathOram(
                size >> ENTRIES_LOG2,
                stash_size=stash_size,
                rng=rng,
                memory=self.memory,
                treetop_log2=treetop_log2,
            )
            self.position_map = OramPositionMap(inner, self.height, rng)
        self._stash: list[Slot] = [VACANT] * stash_size
        self._broken: str | None = None  # the error code that made this ORAM unusable

    def __len__(self) -> int:
        return self.size

    def stash_count(self) -> int:
        """How many stash entries hold a block (every entry is examined)."""
        return sum([slot[0] != 0 for slot in self._stash])

    def access(self, index: int, fn: Callable[[bytearray], T]) -> T:
        """Run ``fn`` on block ``index`` (a mutable 1024-byte buffer) and store the result."""
        if self._broken is not None:
            raise FogError(self._broken, "this ORAM failed earlier and is unusable")
        if not 0 <= index < self.size:
            raise FogError("fog.oram_bad_input", f"block {index} outside 0..{self.size - 1}")
        new_leaf = random_leaf(self.height, self._rng)
        old_leaf = self.position_map.write(index, new_leaf)
        slots = self.storage.checkout(old_leaf)

        found: Slot = VACANT
        wanted = True
        for region in (slots, self._stash):
            for i, slot in enumerate(region):
                take = wanted & (slot[1] == index) & (slot[0] != 0)
                found = (found, slot)[take]
                region[i] = (slot, VACANT)[take]
                wanted ^= take

        buffer = bytearray(found[2])
        failure: BaseException | None = None
        try:
            result = fn(buffer)
            if len(buffer) != BLOCK_SIZE:
                raise FogError("fog.oram_bad_input", "an ORAM callback changed the block length")
        except BaseException as error:  # finish the access with the block unchanged
            failure = error
            buffer = bytearray(found[2])

        item: Slot = (new_leaf, index, bytes(buffer))
        stash = self._stash
        free = True
        for i, slot in enumerate(stash):
            take = free & (slot[0] == 0)
            stash[i] = (slot, item)[take]
            free ^= take
        if free:
            self._broken = "fog.oram_stash_overflow"
            raise FogError("fog.oram_stash_overflow", f"stash of {len(stash)} entries overflowed")

        evict(slots, stash, old_leaf)
        self.storage.checkin(old_leaf, slots)
        if failure is not None:
            raise failure
        return result

    def check_invariants(self) -> dict[int, int]:
        """Debugging aid (``ORAMDebug``): visit every branch and check that each stored block
        sits on the branch of its leaf and is stored once (tree and stash together). Returns
        block number -> leaf. Not oblivious; for small trees in tests."""
        nodes: dict[tuple[int, int], Slot] = {}
        first_leaf = 1 << self.height
        for leaf in range(first_leaf, 2 * first_leaf):
            slots = self.storage.checkout(leaf)
            for position, slot in enumerate(slots):
                level = position // Z
                nodes[(leaf >> level, position % Z)] = slot
                if slot[0] and slot[0] >> level != leaf >> level:
                    raise AssertionError(f"block {slot[1]} is off the branch of leaf {slot[0]}")
            self.storage.checkin(leaf, slots)
        seen: dict[int, int] = {}
        for slot in [*nodes.values(), *self._stash]:
            if slot[0]:
                if slot[1] in seen:
                    raise AssertionError(f"block {slot[1]} is stored twice")
                seen[slot[1]] = slot[0]
        return seen

    def read(self, index: int) -> bytes:
        """The block at ``index`` (zeros if never written)."""
        return self.access(index, bytes)

    def write(self, index: int, value: bytes) -> bytes:
        """Replace block ``index`` by ``value``; returns the previous contents."""
        if len(value) != BLOCK_SIZE:
            raise FogError("fog.oram_bad_input", f"ORAM blocks are {BLOCK_SIZE} bytes")

        def replace(block: bytearray) -> bytes:
            old = bytes(block)
            block[:] = value
            return old

        return self.access(index, replace)
