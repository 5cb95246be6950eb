"""The ingest enclave's RNG store: per user, how many search keys were handed out.

MobileCoin ``fog/ingest/enclave/impl/src/rng_store.rs``. An oblivious map
(:class:`refimpl.fog.oram.omap.ObliviousMap`, a cuckoo table over Path ORAM) maps a user's
key-exchange secret with the current egress key (32 bytes) to a little-endian u64 counter
(8 bytes; 1024-byte buckets hold 25 such entries). For each TxOut the enclave calls
:meth:`RngStore.next_rng_output` with the secret; one ``access_and_insert`` reads the counter
(0 for a user not yet in the map), computes ``KexRng20201124::prf(secret, counter)`` (the
user's next search key) and writes back ``counter + 1``, with the same memory accesses whether
the user was known or not. To look the same, every access also writes a second entry in random
order: a random dummy key with a zero counter, which really lands in the map when the user was
already there. So each call adds one entry, and the capacity bounds the TxOuts ingested under
one egress key rather than the users (as in MobileCoin, whose ``access_and_insert`` does this).

The map refuses the all-zero key, and the identity point compresses to 32 zero bytes, so the
map key is the secret with its first byte inverted: a valid compressed point has an even first
byte, so the inverted one is odd and never all zero.

When the map overflows the store reports it; the enclave then rotates its egress key and calls
:meth:`RngStore.clear`, which replaces the map by an empty one of the same capacity. The store
must not be used again before that: continuing after an overflow could hand a user the same
search key twice.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from refimpl.errors import EncodingError, FogError
from refimpl.fog.kex_rng import (
    KEX_RNG_20201124_VERSION,
    OUTPUT_SIZE,
    SECRET_SIZE,
    kex_rng_20201124_prf,
)
from refimpl.fog.oram.omap import OMAP_INVALID_KEY, OMAP_OVERFLOW, ObliviousMap
from refimpl.fog.oram.trace import AccessTrace

#: Map key: the 32-byte key-exchange secret (first byte inverted).
KEY_SIZE = SECRET_SIZE
#: Map value: the user's counter, a little-endian u64.
VALUE_SIZE = 8
_U64_MAX = 2**64 - 1
_ZERO_COUNTER = bytes(VALUE_SIZE)


def map_key(shared_secret: bytes) -> bytes:
    """The oblivious-map key of a user: ``shared_secret`` with byte 0 bit-inverted."""
    return bytes([shared_secret[0] ^ 0xFF]) + shared_secret[1:]


class RngStore:
    """Oblivious user -> counter map of one egress key (``RngStore``). Not thread-safe: the
    ingest enclave serialises every call."""

    def __init__(self, user_capacity: int, *, rng: Callable[[int], bytes] = os.urandom,
                 trace: AccessTrace | None = None) -> None:
        """``RngStore::new(desired_capacity)``: a map of about ``user_capacity`` entries (it
        rounds up; :attr:`capacity` is the real figure). ``trace`` records what the untrusted
        host sees of every map this store creates."""
        self._user_capacity = user_capacity
        self._rng = rng
        self._trace = trace
        self._omap = self._new_map()

    def _new_map(self) -> ObliviousMap:
        return ObliviousMap(self._user_capacity, KEY_SIZE, VALUE_SIZE, rng=self._rng,
                            trace=self._trace)

    @property
    def user_capacity(self) -> int:
        """The capacity asked for."""
        return self._user_capacity

    @property
    def capacity(self) -> int:
        """The capacity of the underlying map (``RngStore::capacity``)."""
        return self._omap.capacity

    @property
    def kex_rng_algo_version(self) -> int:
        """The KexRng version whose PRF the store applies (``kex_rng_algo_version``)."""
        return KEX_RNG_20201124_VERSION

    def __len__(self) -> int:
        """Entries in the map: one per call since the last clear (users and dummy keys)."""
        return len(self._omap)

    def clear(self) -> None:
        """Forget every user: a fresh, empty map of the same capacity (with a new egress key)."""
        self._omap = self._new_map()

    def next_rng_output(self, shared_secret: bytes) -> tuple[bool, bytes]:
        """``next_rng_output``: (overflowed, the user's next 16-byte search key).

        When ``overflowed`` is true the search key must be discarded and the store cleared.
        """
        if len(shared_secret) != SECRET_SIZE:
            raise EncodingError("encoding.bad_length",
                                f"a shared secret is {SECRET_SIZE} bytes, got {len(shared_secret)}")
        output = bytearray(OUTPUT_SIZE)

        def next_output(_code: int, counter_buf: bytearray) -> None:
            counter = int.from_bytes(counter_buf, "little")
            output[:] = kex_rng_20201124_prf(shared_secret, counter)
            counter_buf[:] = ((counter + 1) & _U64_MAX).to_bytes(VALUE_SIZE, "little")

        code = self._omap.access_and_insert(map_key(shared_secret), _ZERO_COUNTER, next_output)
        if code == OMAP_INVALID_KEY:
            raise FogError("fog.rng_store_key_rejected",
                           "the oblivious map refused an RNG store key")
        return code == OMAP_OVERFLOW, bytes(output)
