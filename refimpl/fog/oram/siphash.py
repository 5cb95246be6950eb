"""SipHash-c-d (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012).

mc-oblivious hashes oblivious-map keys with SipHash-1-3 under two random key pairs
(``mc-oblivious-map/src/build_hasher.rs``: ``SipBuildHasher`` over the ``siphasher`` crate's
``SipHasher13``). The rounds are generic here so that the published SipHash-2-4 vectors can
check the same code that runs with c = 1, d = 3.
"""

from __future__ import annotations

import struct

_MASK = (1 << 64) - 1


def _rounds(v0: int, v1: int, v2: int, v3: int, count: int) -> tuple[int, int, int, int]:
    for _ in range(count):
        v0 = (v0 + v1) & _MASK
        v1 = ((v1 << 13) | (v1 >> 51)) & _MASK
        v1 ^= v0
        v0 = ((v0 << 32) | (v0 >> 32)) & _MASK
        v2 = (v2 + v3) & _MASK
        v3 = ((v3 << 16) | (v3 >> 48)) & _MASK
        v3 ^= v2
        v0 = (v0 + v3) & _MASK
        v3 = ((v3 << 21) | (v3 >> 43)) & _MASK
        v3 ^= v0
        v2 = (v2 + v1) & _MASK
        v1 = ((v1 << 17) | (v1 >> 47)) & _MASK
        v1 ^= v2
        v2 = ((v2 << 32) | (v2 >> 32)) & _MASK
    return v0, v1, v2, v3


def siphash(k0: int, k1: int, message: bytes, c_rounds: int = 2, d_rounds: int = 4) -> int:
    """The 64-bit SipHash-c-d of ``message`` under the key (k0, k1) (each a u64)."""
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573
    length = len(message)
    tail = length & 7
    full = length - tail
    for (m,) in struct.iter_unpack("<Q", message[:full]):
        v3 ^= m
        v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, c_rounds)
        v0 ^= m
    last = ((length & 0xFF) << 56) | int.from_bytes(message[full:], "little")
    v3 ^= last
    v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, c_rounds)
    v0 ^= last
    v2 ^= 0xFF
    v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, d_rounds)
    return v0 ^ v1 ^ v2 ^ v3


def siphash_keyed(key: bytes, message: bytes, c_rounds: int = 2, d_rounds: int = 4) -> int:
    """SipHash with the 16-byte key of the reference implementation (k0, k1 little-endian)."""
    k0, k1 = struct.unpack("<QQ", key)
    return siphash(k0, k1, message, c_rounds, d_rounds)


def siphash13_slice(k0: int, k1: int, data: bytes) -> int:
    """SipHash-1-3 of a byte slice as Rust's ``Hash for [u8]`` feeds it: u64 LE length, bytes."""
    return siphash(k0, k1, struct.pack("<Q", len(data)) + data, 1, 3)
