"""Position maps: block number -> current leaf, with lazy random initialisation.

Mirrors ``mc-oblivious-ram/src/position_map/mod.rs``:

* :class:`TrivialPositionMap` (``TrivialPositionMap``): a u32 array scanned whole on every
  write; used when the map has at most 4096 entries.
* :class:`OramPositionMap` (``ORAMU32PositionMap``): a smaller ORAM whose 1024-byte blocks
  each hold 256 little-endian u32 positions (``L = log2(1024) - 2 = 8``).

``write(key, new)`` stores ``new`` and returns the previous leaf; a stored 0 means "never
set" and is replaced by a fresh random leaf at the tree's height, drawn on every call so the
randomness consumed does not depend on the answer.

Constant time in Python: every write touches every entry with the same operations (a
tuple-indexed select stands in for ``cmov``); there is no early exit keyed on the key.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Protocol

Rng = Callable[[int], bytes]

TRIVIAL_MAX = 4096  # U32PositionMapCreator: recursion stops at size <= 4096
ENTRIES_LOG2 = 8  # 1024-byte block / 4-byte u32 = 256 = 2^8 positions per block
_ENTRIES = 1 << ENTRIES_LOG2
_BLOCK = struct.Struct(f"<{_ENTRIES}I")


def random_leaf(height: int, rng: Rng) -> int:
    """``1.random_child_at_height(height)``: a uniform node at ``height`` below the root."""
    bits = int.from_bytes(rng(8), "little") & ((1 << height) - 1)
    return (1 << height) ^ bits


class PositionMap(Protocol):
    """The ``PositionMap`` trait."""

    def __len__(self) -> int: ...

    def write(self, key: int, new_value: int) -> int: ...


class BlockAccess(Protocol):
    """What :class:`OramPositionMap` needs of its inner ORAM."""

    size: int

    def access(self, index: int, fn: Callable[[bytearray], int]) -> int: ...


class TrivialPositionMap:
    """A linear-scan u32 position map."""

    def __init__(self, size: int, height: int, rng: Rng) -> None:
        if height >= 32:
            raise ValueError("u32 position map needs a tree height below 32")
        self._data = [0] * size
        self._height = height
        self._rng = rng

    def __len__(self) -> int:
        return len(self._data)

    def write(self, key: int, new_value: int) -> int:
        data = self._data
        old = sum([value * (i == key) for i, value in enumerate(data)])
        self._data = [(value, new_value)[i == key] for i, value in enumerate(data)]
        fresh = random_leaf(self._height, self._rng)
        return (old, fresh)[old == 0]


class OramPositionMap:
    """Positions packed 256 to a block of an inner ORAM of ``size >> 8`` blocks."""

    def __init__(self, inner: BlockAccess, height: int, rng: Rng) -> None:
        if height >= 32:
            raise ValueError("u32 position map needs a tree height below 32")
        self._inner = inner
        self._height = height
        self._rng = rng

    def __len__(self) -> int:
        return self._inner.size << ENTRIES_LOG2

    def write(self, key: int, new_value: int) -> int:
        lower = key & (_ENTRIES - 1)

        def update(block: bytearray) -> int:
            values = _BLOCK.unpack(block)
            old: int = sum([value * (i == lower) for i, value in enumerate(values)])
            block[:] = _BLOCK.pack(
                *[(value, new_value)[i == lower] for i, value in enumerate(values)]
            )
            return old

        old = self._inner.access(key >> ENTRIES_LOG2, update)
        fresh = random_leaf(self._height, self._rng)
        return (old, fresh)[old == 0]
