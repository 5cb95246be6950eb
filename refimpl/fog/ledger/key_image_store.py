"""The ledger enclave's key image store: spent key images in an oblivious map.

MobileCoin ``fog/ledger/enclave/impl/src/key_image_store.rs``. Keys are the 32-byte key image
with its first byte inverted (the oblivious map refuses the all-zero key, and no canonical
ristretto encoding starts with 0xFF, so a key image never maps to it); values are 16 bytes,
the spending block index then its timestamp (u64 little-endian each). With the map's 1024-byte
blocks that is 21 entries per bucket.

:meth:`KeyImageStore.find_record` does the same oblivious-map work for every query: a spent
key image, an unspent one and a malformed one each cost exactly one map read (a malformed
query reads a fixed dummy key), and the answer has one size. The result code is chosen from
the map's code as MobileCoin's ``cmov`` chain chooses it: found -> ``Spent``, not found ->
``NotSpent``, anything else -> ``KeyImageError``; an answer that is not ``Spent`` carries
``u64::MAX`` as block and timestamp (the all-0xFF value MobileCoin pre-fills). The timestamp
result code is always ``TimestampFound``: MobileCoin's ledger server sets it so (the field is
legacy and clients ignore it).

Python cannot promise constant-time code; what this module keeps independent of the queried
key image is the oblivious map's untrusted access trace, which tests check.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Callable

from refimpl.errors import FogError
from refimpl.fog.ledger.messages import KEY_IMAGE_LEN, MALFORMED_KEY_IMAGE_ECHO, KeyImageResult
from refimpl.fog.ledger.timestamp import TimestampResultCode
from refimpl.fog.oram.omap import (
    OMAP_FOUND,
    OMAP_INVALID_KEY,
    OMAP_NOT_FOUND,
    OMAP_OVERFLOW,
    ObliviousMap,
)
from refimpl.fog.oram.trace import AccessTrace
from refimpl.fog.types import KeyImageResultCode

KEY_SIZE = KEY_IMAGE_LEN
VALUE_SIZE = 16
#: What a miss reads as: block index and timestamp both ``u64::MAX``.
MISSING_VALUE = b"\xff" * VALUE_SIZE
#: ``--omap-capacity`` default of MobileCoin's key image store (about 75% of it is usable).
DEFAULT_OMAP_CAPACITY = 1 << 20
#: The key the map refuses (``OMAP_INVALID_KEY``).
_ZERO_KEY = bytes(KEY_SIZE)
#: The key a malformed query reads instead (any other key does the full work).
_DUMMY_KEY = b"\x01" * KEY_SIZE
_VALUE = struct.Struct("<QQ")


def omap_key(key_image: bytes) -> bytes:
    """The oblivious-map key of a 32-byte key image: its first byte inverted."""
    return bytes((key_image[0] ^ 0xFF,)) + key_image[1:]


class KeyImageStore:
    """Spent key images and where they were spent. Thread-safe (one lock around the map)."""

    def __init__(self, capacity: int = DEFAULT_OMAP_CAPACITY, *,
                 rng: Callable[[int], bytes] = os.urandom,
                 trace: AccessTrace | None = None) -> None:
        self._omap = ObliviousMap(capacity, KEY_SIZE, VALUE_SIZE, rng=rng, trace=trace)
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        return self._omap.capacity

    def __len__(self) -> int:
        with self._lock:
            return len(self._omap)

    def add_record(self, key_image: bytes, block_index: int, timestamp: int) -> None:
        """Record that ``key_image`` was spent in ``block_index`` at ``timestamp``
        (``vartime_write``; writing the same key image again overwrites it). A full map is
        ``fog.ledger_key_image_store_full``; a refused key ``fog.ledger_key_image_rejected``."""
        if len(key_image) != KEY_SIZE:
            raise FogError("fog.ledger_key_image_rejected",
                           f"a key image is {KEY_SIZE} bytes, not {len(key_image)}")
        value = _VALUE.pack(block_index, timestamp)
        with self._lock:
            code = self._omap.vartime_write(omap_key(key_image), value, True)
            size, capacity = len(self._omap), self._omap.capacity
        if code == OMAP_INVALID_KEY:
            raise FogError("fog.ledger_key_image_rejected",
                           f"the map refused key image {key_image.hex()}")
        if code == OMAP_OVERFLOW:
            raise FogError("fog.ledger_key_image_store_full",
                           f"{size} key images stored, capacity {capacity}")
        if code not in (OMAP_FOUND, OMAP_NOT_FOUND):
            raise AssertionError(f"unexpected oblivious map code {code}")

    def find_record(self, key_image: bytes | None) -> KeyImageResult:
        """Where ``key_image`` was spent. ``None``, a wrong length, or the one key image the
        map cannot hold (0xFF then zeros, not a canonical point) is answered
        ``KeyImageError``. One map read whatever the outcome."""
        if key_image is None or len(key_image) != KEY_SIZE:
            echo, key = MALFORMED_KEY_IMAGE_ECHO, _ZERO_KEY
        else:
            echo, key = key_image, omap_key(key_image)
        # the map would refuse the zero key without touching its ORAM: read a dummy instead
        refused = key == _ZERO_KEY
        with self._lock:
            map_code, found_value = self._omap.read(_DUMMY_KEY if refused else key)
        code = KeyImageResultCode.KEY_IMAGE_ERROR
        if map_code == OMAP_FOUND:
            code = KeyImageResultCode.SPENT
        if map_code == OMAP_NOT_FOUND:
            code = KeyImageResultCode.NOT_SPENT
        if refused:
            code = KeyImageResultCode.KEY_IMAGE_ERROR
        value = found_value if code == KeyImageResultCode.SPENT else MISSING_VALUE
        spent_at, timestamp = _VALUE.unpack(value)
        return KeyImageResult(
            key_image=echo,
            spent_at=spent_at,
            timestamp=timestamp,
            timestamp_result_code=TimestampResultCode.TIMESTAMP_FOUND,
            key_image_result_code=code,
        )
