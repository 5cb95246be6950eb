"""Fog's oblivious RAM and oblivious map, as mc-oblivious 2.3 builds them for MobileCoin Fog.

* :mod:`.storage`: the ORAM tree's storage: tree-top inside, the rest with the untrusted host,
  encrypted and Merkle-authenticated (``fog/ocall_oram_storage``).
* :mod:`.path_oram`: Path ORAM, Z = 4, 1024-byte blocks, stash 32 (``mc-oblivious-ram``).
* :mod:`.position_map`: trivial and recursive u32 position maps.
* :mod:`.omap`: the cuckoo-hash oblivious map over two ORAMs (``mc-oblivious-map``).
* :mod:`.siphash`: SipHash-c-d (the map's bucket hash is SipHash-1-3).
* :mod:`.trace`: what the untrusted host observes.

docs/fog-oram.md describes the design and what Python can and cannot mirror of constant time.
"""

from refimpl.fog.oram.omap import (
    OMAP_FOUND,
    OMAP_INVALID_KEY,
    OMAP_NOT_FOUND,
    OMAP_OVERFLOW,
    ObliviousMap,
)
from refimpl.fog.oram.path_oram import STASH_SIZE, PathOram
from refimpl.fog.oram.storage import UntrustedMemory
from refimpl.fog.oram.trace import AccessTrace, TraceEntry

__all__ = [
    "OMAP_FOUND",
    "OMAP_INVALID_KEY",
    "OMAP_NOT_FOUND",
    "OMAP_OVERFLOW",
    "STASH_SIZE",
    "AccessTrace",
    "ObliviousMap",
    "PathOram",
    "TraceEntry",
    "UntrustedMemory",
]
