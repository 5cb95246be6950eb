"""Oblivious map: a bucketed cuckoo hash table over two Path ORAMs.

Mirrors ``mc-oblivious-map/src/lib.rs`` (``CuckooHashTable``, built by MobileCoin Fog through
``CuckooHashTableCreator<U1024, McRng, PathORAM4096Z4Creator<..>>`` with stash 32, e.g.
``fog/view/enclave/impl/src/e_tx_out_store.rs``) and the provided methods of the
``ObliviousHashMap`` trait in ``mc-oblivious-traits/src/lib.rs`` (``access``,
``vartime_write``, ``access_and_insert``):

* each ORAM block is a bucket of ``1024 // (key_size + value_size)`` (key || value) pairs; a
  pair with an all-zero key is vacant, so the all-zero key is invalid;
* ``num_buckets = 2^ceil(log2((capacity / bucket_capacity) / 2))`` per ORAM; a key lives in
  bucket ``SipHash-1-3_{k1}(key) mod num_buckets`` of ORAM 1 or ``SipHash-1-3_{k2}(key)`` of
  ORAM 2, under two random key pairs;
* ``read``, ``remove``, ``access`` and ``access_and_remove`` access exactly one bucket of each
  ORAM, whatever the key and whether it is present;
* ``vartime_write`` puts a new key in the bucket with more free pairs (ties go to ORAM 2); when
  both are full it places the key in a random pair of its ORAM-1 bucket and moves the evicted
  pair to its other bucket, up to ``MAX_EVICTION_RETRIES`` times, and rolls everything back
  (``OMAP_OVERFLOW``, nothing lost) if that fails. Its timing depends on the data, as its
  name says;
* ``access_and_insert`` reads, runs the callback, then performs two writes in random order:
  the real one and a write of the default value to a random key, which takes effect only if
  the key was found, so that both outcomes look like one insertion.

Result codes are MobileCoin's: ``OMAP_FOUND`` 0, ``OMAP_NOT_FOUND`` 1, ``OMAP_OVERFLOW`` 2,
``OMAP_INVALID_KEY`` 3. Keys and values of the wrong length raise
``FogError("fog.oram_bad_input")`` (the Rust API makes them impossible by type).
"""

from __future__ import annotations

import hmac
import os
import struct
from collections.abc import Callable

from refimpl.errors import FogError
from refimpl.fog.oram.path_oram import STASH_SIZE, PathOram, log2_ceil
from refimpl.fog.oram.siphash import siphash13_slice
from refimpl.fog.oram.storage import (
    BLOCK_SIZE,
    TREETOP_CACHING_THRESHOLD_LOG2,
    Rng,
    UntrustedMemory,
)
from refimpl.fog.oram.trace import AccessTrace

OMAP_FOUND, OMAP_NOT_FOUND, OMAP_OVERFLOW, OMAP_INVALID_KEY = 0, 1, 2, 3
MAX_EVICTION_RETRIES = 6

_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")


def _eq(a: bytes | bytearray, b: bytes | bytearray) -> bool:
    return hmac.compare_digest(a, b)


class ObliviousMap:
    """A fixed-capacity map from ``key_size``-byte keys to ``value_size``-byte values."""

    def __init__(
        self,
        capacity: int,
        key_size: int,
        value_size: int,
        *,
        rng: Rng = os.urandom,
        trace: AccessTrace | None = None,
        stash_size: int = STASH_SIZE,
        treetop_log2: int = TREETOP_CACHING_THRESHOLD_LOG2,
    ) -> None:
        if key_size < 1 or value_size < 0 or capacity < 0:
            raise FogError("fog.oram_bad_input", "key size, value size or capacity out of range")
        bucket_capacity = BLOCK_SIZE // (key_size + value_size)
        if bucket_capacity < 1:
            raise FogError(
                "fog.oram_bad_input",
                f"a {key_size}-byte key and {value_size}-byte value do not fit a {BLOCK_SIZE}-byte"
                " block",
            )
        self.key_size = key_size
        self.value_size = value_size
        self.bucket_capacity = bucket_capacity
        self.num_buckets = 1 << log2_ceil((capacity // bucket_capacity) // 2)
        self.capacity = 2 * self.num_buckets * bucket_capacity
        self.memory = UntrustedMemory(trace)
        self.oram1 = PathOram(
            self.num_buckets,
            stash_size=stash_size,
            rng=rng,
            memory=self.memory,
            treetop_log2=treetop_log2,
        )
        self.oram2 = PathOram(
            self.num_buckets,
            stash_size=stash_size,
            rng=rng,
            memory=self.memory,
            treetop_log2=treetop_log2,
        )
        self._rng = rng
        self._hash_keys = [struct.unpack("<QQ", rng(16)) for _ in range(2)]
        self._num_items = 0
        self._zero_key = bytes(key_size)
        self._zero_value = bytes(value_size)
        pair = key_size + value_size
        self._pairs = [
            (i * pair, i * pair + key_size, (i + 1) * pair) for i in range(bucket_capacity)
        ]

    def __len__(self) -> int:
        """Successful insertions so far; as in MobileCoin, removals do not decrease it (the
        count is public through the insertion timing anyway, removals are oblivious)."""
        return self._num_items

    # --- helpers ---------------------------------------------------------------------------

    def _check_key(self, key: bytes) -> None:
        if len(key) != self.key_size:
            raise FogError("fog.oram_bad_input", f"oblivious map keys are {self.key_size} bytes")

    def _check_value(self, value: bytes) -> None:
        if len(value) != self.value_size:
            raise FogError(
                "fog.oram_bad_input", f"oblivious map values are {self.value_size} bytes"
            )

    def _hashes(self, key: bytes) -> tuple[int, int]:
        mask = self.num_buckets - 1
        (a0, a1), (b0, b1) = self._hash_keys
        return siphash13_slice(a0, a1, key) & mask, siphash13_slice(b0, b1, key) & mask

    def _random_u32(self) -> int:
        value: int = _U32.unpack(self._rng(4))[0]
        return value

    def _count_before_insert(self, key: bytes, block: bytearray) -> tuple[bool, int]:
        found = False
        empty = 0
        for start, middle, _ in self._pairs:
            stored = block[start:middle]
            found |= _eq(stored, key)
            empty += _eq(stored, self._zero_key)
        return found, empty

    def _insert_to_block(self, condition: bool, key: bytes, value: bytes, block: bytearray) -> None:
        pending = key
        for start, middle, end in self._pairs:
            stored = bytes(block[start:middle])
            take = condition & (_eq(stored, key) | _eq(stored, self._zero_key))
            block[start:middle] = (stored, pending)[take]
            pending = (pending, self._zero_key)[take]
            block[middle:end] = (bytes(block[middle:end]), value)[take]

    # --- the ObliviousHashMap API ----------------------------------------------------------

    def read(self, key: bytes) -> tuple[int, bytes]:
        """(code, value): ``OMAP_FOUND`` and the value, or ``OMAP_NOT_FOUND`` and zeros."""
        self._check_key(key)
        if _eq(key, self._zero_key):
            return OMAP_INVALID_KEY, self._zero_value
        code = OMAP_NOT_FOUND
        output = self._zero_value
        h1, h2 = self._hashes(key)

        def scan(block: bytearray) -> None:
            nonlocal code, output
            for start, middle, end in self._pairs:
                hit = _eq(block[start:middle], key)
                code = (code, OMAP_FOUND)[hit]
                output = (output, bytes(block[middle:end]))[hit]

        self.oram1.access(h1, scan)
        self.oram2.access(h2, scan)
        return code, output

    def access_and_remove(self, key: bytes, fn: Callable[[int, bytearray], bool]) -> None:
        """Run ``fn(code, value)`` on the entry (a zero buffer if absent); it may edit the
        value in place; the entry is removed if ``fn`` returns True. Both ORAMs are accessed
        once, nested, as in MobileCoin."""
        self._check_key(key)
        valid = not _eq(key, self._zero_key)
        h1, h2 = self._hashes(key)
        buffer = bytearray(self.value_size)

        def outer(block1: bytearray) -> None:
            def inner(block2: bytearray) -> None:
                code = (OMAP_INVALID_KEY, OMAP_NOT_FOUND)[valid]
                for block in (block1, block2):
                    for start, middle, end in self._pairs:
                        hit = _eq(block[start:middle], key) & valid
                        buffer[:] = (buffer, block[middle:end])[hit]
                        code = (code, OMAP_FOUND)[hit]
                delete = bool(fn(code, buffer))
                if len(buffer) != self.value_size:
                    raise FogError("fog.oram_bad_input", "the callback changed the value length")
                for block in (block1, block2):
                    for start, middle, end in self._pairs:
                        hit = _eq(block[start:middle], key) & valid
                        block[middle:end] = (bytes(block[middle:end]), buffer)[hit]
                        block[start:middle] = (bytes(block[start:middle]), self._zero_key)[
                            hit & delete
                        ]

            self.oram2.access(h2, inner)

        self.oram1.access(h1, outer)

    def access(self, key: bytes, fn: Callable[[int, bytearray], None]) -> None:
        """Run ``fn(code, value)`` on the entry without removing it."""

        def keep(code: int, buffer: bytearray) -> bool:
            fn(code, buffer)
            return False

        self.access_and_remove(key, keep)

    def remove(self, key: bytes) -> int:
        """Delete ``key``: ``OMAP_FOUND`` if it was present, else ``OMAP_NOT_FOUND``."""
        self._check_key(key)
        if _eq(key, self._zero_key):
            return OMAP_INVALID_KEY
        code = OMAP_NOT_FOUND
        h1, h2 = self._hashes(key)

        def clear(block: bytearray) -> None:
            nonlocal code
            for start, middle, _ in self._pairs:
                stored = bytes(block[start:middle])
                hit = _eq(stored, key)
                block[start:middle] = (stored, self._zero_key)[hit]
                code = (code, OMAP_FOUND)[hit]

        self.oram1.access(h1, clear)
        self.oram2.access(h2, clear)
        return code

    def vartime_write(self, key: bytes, value: bytes, allow_overwrite: bool) -> int:
        """Insert or (if allowed) overwrite: ``OMAP_NOT_FOUND`` for a new key, ``OMAP_FOUND``
        for an existing one, ``OMAP_OVERFLOW`` if it did not fit (map unchanged)."""
        self._check_key(key)
        self._check_value(value)
        return self._vartime_write_extended(key, value, allow_overwrite, True)

    def _vartime_write_extended(
        self, key: bytes, value: bytes, allow_overwrite: bool, side_effects: bool
    ) -> int:
        if _eq(key, self._zero_key):
            return OMAP_INVALID_KEY
        code = OMAP_NOT_FOUND
        evicted_key, evicted_value = self._zero_key, self._zero_value
        eviction_from: list[int] = []
        eviction_indices: list[int] = []
        h1, h2 = self._hashes(key)

        def outer(block1: bytearray) -> None:
            def inner(block2: bytearray) -> None:
                nonlocal code, evicted_key, evicted_value
                found1, empty1 = self._count_before_insert(key, block1)
                found2, empty2 = self._count_before_insert(key, block2)
                found = found1 | found2
                code = (code, OMAP_FOUND)[found]
                condition = side_effects & (allow_overwrite | (not found))
                to_block1 = (not found2) & (found1 | (empty1 > empty2))
                self._insert_to_block(condition & to_block1, key, value, block1)
                self._insert_to_block(condition & (not to_block1), key, value, block2)
                if (not found) and empty1 == 0 and empty2 == 0 and side_effects:
                    code = OMAP_OVERFLOW
                    index = self._random_u32() % self.bucket_capacity
                    eviction_from.append(h1)
                    eviction_indices.append(index)
                    start, middle, end = self._pairs[index]
                    evicted_key, evicted_value = (
                        bytes(block1[start:middle]),
                        bytes(block1[middle:end]),
                    )
                    block1[start:middle] = key
                    block1[middle:end] = value

            self.oram2.access(h2, inner)

        self.oram1.access(h1, outer)

        retries = MAX_EVICTION_RETRIES
        while code == OMAP_OVERFLOW:
            if retries > 0:
                next_oram = len(eviction_from) % 2
                destination = self._hashes(evicted_key)[next_oram]

                def relocate(block: bytearray, destination: int = destination) -> None:
                    nonlocal code, evicted_key, evicted_value
                    placed = False
                    for start, middle, end in self._pairs:
                        stored = bytes(block[start:middle])
                        vacant = _eq(stored, self._zero_key)
                        take = (not placed) & vacant
                        block[start:middle] = (stored, evicted_key)[take]
                        block[middle:end] = (bytes(block[middle:end]), evicted_value)[take]
                        placed |= vacant
                    if placed:
                        code = OMAP_NOT_FOUND
                    else:
                        index = self._random_u32() % self.bucket_capacity
                        start, middle, end = self._pairs[index]
                        displaced = bytes(block[start:middle]), bytes(block[middle:end])
                        block[start:middle] = evicted_key
                        block[middle:end] = evicted_value
                        evicted_key, evicted_value = displaced
                        eviction_from.append(destination)
                        eviction_indices.append(index)

                (self.oram1, self.oram2)[next_oram].access(destination, relocate)
                retries -= 1
            else:
                while eviction_indices:
                    from_oram1 = len(eviction_from) % 2 == 1
                    index = eviction_indices.pop()
                    origin = eviction_from.pop()

                    def undo(block: bytearray, index: int = index) -> None:
                        nonlocal evicted_key, evicted_value
                        start, middle, end = self._pairs[index]
                        displaced = bytes(block[start:middle]), bytes(block[middle:end])
                        block[start:middle] = evicted_key
                        block[middle:end] = evicted_value
                        evicted_key, evicted_value = displaced

                    (self.oram2, self.oram1)[from_oram1].access(origin, undo)
                return OMAP_OVERFLOW

        self._num_items += (code == OMAP_NOT_FOUND) & side_effects
        return code

    def access_and_insert(
        self, key: bytes, default: bytes, fn: Callable[[int, bytearray], None]
    ) -> int:
        """Read ``key`` (``default`` if absent), let ``fn(code, value)`` edit the value, write
        it back; returns the read code, or ``OMAP_OVERFLOW`` if a write overflowed."""
        self._check_key(key)
        self._check_value(default)
        read_code, current = self.read(key)
        if read_code == OMAP_INVALID_KEY:
            return read_code
        buffer = bytearray((default, current)[read_code == OMAP_FOUND])
        fn(read_code, buffer)
        if len(buffer) != self.value_size:
            raise FogError("fog.oram_bad_input", "the callback changed the value length")

        dummy_key = self._zero_key
        while _eq(dummy_key, self._zero_key):
            dummy_key = self._rng(self.key_size)
        writes = [
            (key, bytes(buffer), True, True),
            (dummy_key, default, False, read_code == OMAP_FOUND),
        ]
        swap = (self._random_u32() & 1) == 0
        first, second = writes[swap], writes[1 - swap]
        code1 = self._vartime_write_extended(*first)
        code2 = self._vartime_write_extended(*second)
        result = read_code
        result = (result, OMAP_OVERFLOW)[code1 == OMAP_OVERFLOW]
        result = (result, OMAP_OVERFLOW)[code2 == OMAP_OVERFLOW]
        return result
