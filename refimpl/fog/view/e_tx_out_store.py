"""The view enclave's trusted store of ``ETxOutRecord``s: an oblivious map from search key to
encrypted ``TxOutRecord``.

MobileCoin ``fog/view/enclave/impl/src/e_tx_out_store.rs`` (``ETxOutStore``). Keys are the
16-byte search keys; values are 240 bytes: byte 0 holds ``239 - len(payload)`` and the payload
follows (zero padded). Inserting is not secret (the host hands the records in) and uses the
map's variable-time write; a lookup always performs the same oblivious-map work (one bucket of
each ORAM) and answers a 255-byte ciphertext whatever the outcome. A miss reuses the length
byte of the last stored payload, so a NotFound answer carries the same ``payload_length`` as a
typical hit (MobileCoin: "obliviously return a buffer of the normal size").

Outcomes map as in MobileCoin: ``OMAP_FOUND`` -> Found, ``OMAP_NOT_FOUND`` -> NotFound,
``OMAP_INVALID_KEY`` (the all-zero key) -> BadSearchKey, anything else -> InternalError. A
search key that is not 16 bytes is BadSearchKey without touching the map (its length is public).
Python cannot promise constant time; the selections are written without branches on secrets,
as the Rust ``cmov`` chain is.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from refimpl.errors import FogError
from refimpl.fog.oram.omap import (
    OMAP_FOUND,
    OMAP_INVALID_KEY,
    OMAP_NOT_FOUND,
    OMAP_OVERFLOW,
    ObliviousMap,
)
from refimpl.fog.types import (
    FIXED_CIPHERTEXT_LENGTH,
    SEARCH_KEY_LEN,
    FixedTxOutSearchResult,
    TxOutSearchResultCode,
)

#: ``ValueSize`` (U240): one length byte and up to 239 payload bytes.
VALUE_SIZE = 240
#: The longest payload the store keeps (``ValueSize - 1``).
MAX_PAYLOAD_LEN = VALUE_SIZE - 1
#: MobileCoin's default ``--omap-capacity``.
DEFAULT_OMAP_CAPACITY = 1 << 20


def _select(choice: bool, if_true: int, if_false: int) -> int:
    """``if_true`` when ``choice`` else ``if_false``, without a branch (``cmov``)."""
    return (if_false, if_true)[choice]


class ETxOutStore:
    """Trusted storage of ``ETxOutRecord``s (not thread-safe; the view enclave locks it)."""

    def __init__(self, desired_capacity: int = DEFAULT_OMAP_CAPACITY, *,
                 rng: Callable[[int], bytes] = os.urandom) -> None:
        self._omap = ObliviousMap(desired_capacity, SEARCH_KEY_LEN, VALUE_SIZE, rng=rng)
        #: the size byte of the last stored payload (0 before any: a miss then claims 239)
        self._last_size_byte = 0

    @property
    def capacity(self) -> int:
        return self._omap.capacity

    def __len__(self) -> int:
        return len(self._omap)

    def add_record(self, search_key: bytes, payload: bytes) -> None:
        """Store ``payload`` under ``search_key`` (overwriting an equal key's value).

        A key that is not 16 bytes or that the map refuses (all zeros) is
        ``fog.view_bad_record_key``; a payload over 239 bytes ``fog.view_record_too_large``; a
        full map ``fog.view_store_full`` (nothing is lost: the map rolls the insert back).
        """
        if len(search_key) != SEARCH_KEY_LEN:
            raise FogError("fog.view_bad_record_key",
                           f"search key is {len(search_key)} bytes, not {SEARCH_KEY_LEN}")
        if len(payload) > MAX_PAYLOAD_LEN:
            raise FogError("fog.view_record_too_large",
                           f"payload is {len(payload)} bytes, at most {MAX_PAYLOAD_LEN} fit")
        size_byte = MAX_PAYLOAD_LEN - len(payload)
        value = bytes([size_byte]) + payload + bytes(size_byte)
        self._last_size_byte = size_byte
        code = self._omap.vartime_write(search_key, value, True)
        if code == OMAP_INVALID_KEY:
            raise FogError("fog.view_bad_record_key", "the oblivious map refuses the all-zero key")
        if code == OMAP_OVERFLOW:
            raise FogError("fog.view_store_full",
                           f"{len(self._omap)} of {self._omap.capacity} slots used")
        if code not in (OMAP_FOUND, OMAP_NOT_FOUND):
            raise AssertionError(f"oblivious map answered code {code}")

    def find_record(self, search_key: bytes) -> FixedTxOutSearchResult:
        """Look ``search_key`` up; the answer always has a 255-byte ciphertext."""
        if len(search_key) != SEARCH_KEY_LEN:
            return FixedTxOutSearchResult(search_key, TxOutSearchResultCode.BAD_SEARCH_KEY,
                                          bytes(FIXED_CIPHERTEXT_LENGTH), 0)
        omap_code, value = self._omap.read(search_key)
        code = int(TxOutSearchResultCode.INTERNAL_ERROR)
        code = _select(omap_code == OMAP_FOUND, TxOutSearchResultCode.FOUND, code)
        code = _select(omap_code == OMAP_NOT_FOUND, TxOutSearchResultCode.NOT_FOUND, code)
        code = _select(omap_code == OMAP_INVALID_KEY, TxOutSearchResultCode.BAD_SEARCH_KEY, code)
        # MobileCoin primes the output buffer with the last size byte; the map overwrites the
        # whole value only on a hit.
        size_byte = _select(omap_code == OMAP_FOUND, value[0], self._last_size_byte)
        ciphertext = value[1:] + bytes(FIXED_CIPHERTEXT_LENGTH - MAX_PAYLOAD_LEN)
        return FixedTxOutSearchResult(search_key, code, ciphertext, MAX_PAYLOAD_LEN - size_byte)
