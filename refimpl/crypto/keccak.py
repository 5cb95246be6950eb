"""The Keccak-f[1600] permutation (FIPS 202 §3.3-3.4), in fast pure Python.

STROBE (and so Merlin) needs the bare permutation, which neither hashlib nor any PyPI
package exposes. The state is a flat list of 25 lane integers,
lane x + 5*y being the 64-bit little-endian word at byte offset 8*(x + 5*y).

The round is fully unrolled over local variables: theta computes the five column parities,
rho and pi are fused into one assignment per lane with the rotation offsets written out, chi
and iota follow. The offsets and round constants are those of FIPS 202 (Table 2 and
Algorithm 5). Chi uses the *lane complementing* transform of the Keccak team's
"Keccak implementation overview" (v3.2, §2.2): lanes 1, 2, 8, 12, 17 and 20 are kept
complemented during the rounds, which lets 17 of chi's 25 NOTs per round become plain
AND/OR (about 12 % faster here). The unrolled body, including the choice of AND/OR/NOT for
each chi lane, was generated mechanically from those tables and checked against hashlib's
SHA-3 (tests/unit/crypto/test_keccak.py). Used through
:mod:`refimpl.crypto.strobe` exactly as merlin 3.0 uses ``keccak::f1600``.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Sequence

from refimpl.errors import EncodingError

_MASK = (1 << 64) - 1

#: FIPS 202 round constants RC[i] for the 24 rounds of Keccak-f[1600].
_ROUND_CONSTANTS: tuple[int, ...] = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)

_LANES = struct.Struct("<25Q")
STATE_BYTES = 200


def keccak_f1600_lanes(lanes: Sequence[int]) -> list[int]:
    """Apply Keccak-f[1600] to 25 lanes (each in [0, 2^64)) and return the new lanes."""
    m = _MASK
    (
        a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12,
        a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24,
    ) = lanes
    a1 ^= m
    a2 ^= m
    a8 ^= m
    a12 ^= m
    a17 ^= m
    a20 ^= m
    for rc in _ROUND_CONSTANTS:
        c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20
        c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21
        c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22
        c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23
        c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24
        d0 = c4 ^ (((c1 << 1) | (c1 >> 63)) & m)
        d1 = c0 ^ (((c2 << 1) | (c2 >> 63)) & m)
        d2 = c1 ^ (((c3 << 1) | (c3 >> 63)) & m)
        d3 = c2 ^ (((c4 << 1) | (c4 >> 63)) & m)
        d4 = c3 ^ (((c0 << 1) | (c0 >> 63)) & m)
        b0 = a0 ^ d0
        t = a6 ^ d1
        b1 = ((t << 44) | (t >> 20)) & m
        t = a12 ^ d2
        b2 = ((t << 43) | (t >> 21)) & m
        t = a18 ^ d3
        b3 = ((t << 21) | (t >> 43)) & m
        t = a24 ^ d4
        b4 = ((t << 14) | (t >> 50)) & m
        t = a3 ^ d3
        b5 = ((t << 28) | (t >> 36)) & m
        t = a9 ^ d4
        b6 = ((t << 20) | (t >> 44)) & m
        t = a10 ^ d0
        b7 = ((t << 3) | (t >> 61)) & m
        t = a16 ^ d1
        b8 = ((t << 45) | (t >> 19)) & m
        t = a22 ^ d2
        b9 = ((t << 61) | (t >> 3)) & m
        t = a1 ^ d1
        b10 = ((t << 1) | (t >> 63)) & m
        t = a7 ^ d2
        b11 = ((t << 6) | (t >> 58)) & m
        t = a13 ^ d3
        b12 = ((t << 25) | (t >> 39)) & m
        t = a19 ^ d4
        b13 = ((t << 8) | (t >> 56)) & m
        t = a20 ^ d0
        b14 = ((t << 18) | (t >> 46)) & m
        t = a4 ^ d4
        b15 = ((t << 27) | (t >> 37)) & m
        t = a5 ^ d0
        b16 = ((t << 36) | (t >> 28)) & m
        t = a11 ^ d1
        b17 = ((t << 10) | (t >> 54)) & m
        t = a17 ^ d2
        b18 = ((t << 15) | (t >> 49)) & m
        t = a23 ^ d3
        b19 = ((t << 56) | (t >> 8)) & m
        t = a2 ^ d2
        b20 = ((t << 62) | (t >> 2)) & m
        t = a8 ^ d3
        b21 = ((t << 55) | (t >> 9)) & m
        t = a14 ^ d4
        b22 = ((t << 39) | (t >> 25)) & m
        t = a15 ^ d0
        b23 = ((t << 41) | (t >> 23)) & m
        t = a21 ^ d1
        b24 = ((t << 2) | (t >> 62)) & m
        a0 = b0 ^ (b1 | b2) ^ rc
        a1 = b1 ^ ((b2 ^ m) | b3)
        a2 = b2 ^ (b3 & b4)
        a3 = b3 ^ (b4 | b0)
        a4 = b4 ^ (b0 & b1)
        a5 = b5 ^ (b6 | b7)
        a6 = b6 ^ (b7 & b8)
        a7 = b7 ^ (b8 | (b9 ^ m))
        a8 = b8 ^ (b9 | b5)
        a9 = b9 ^ (b5 & b6)
        a10 = b10 ^ (b11 | b12)
        a11 = b11 ^ (b12 & b13)
        a12 = b12 ^ (~b13 & b14)
        a13 = (b13 ^ (b14 | b10)) ^ m
        a14 = b14 ^ (b10 & b11)
        a15 = b15 ^ (b16 & b17)
        a16 = b16 ^ (b17 | b18)
        a17 = b17 ^ ((b18 ^ m) | b19)
        a18 = (b18 ^ (b19 & b15)) ^ m
        a19 = b19 ^ (b15 | b16)
        a20 = b20 ^ (~b21 & b22)
        a21 = (b21 ^ (b22 | b23)) ^ m
        a22 = b22 ^ (b23 & b24)
        a23 = b23 ^ (b24 | b20)
        a24 = b24 ^ (b20 & b21)
    a1 ^= m
    a2 ^= m
    a8 ^= m
    a12 ^= m
    a17 ^= m
    a20 ^= m
    return [
        a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12,
        a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24,
    ]


def keccak_f1600(state: bytes | bytearray) -> bytes:
    """Apply Keccak-f[1600] to a 200-byte state and return the permuted 200 bytes."""
    if len(state) != STATE_BYTES:
        raise EncodingError("encoding.bad_length", "Keccak-f[1600] state must be 200 bytes")
    return _LANES.pack(*keccak_f1600_lanes(_LANES.unpack(state)))


def keccak_f1600_inplace_python(state: bytearray) -> None:
    """Permute a 200-byte state in place (the form STROBE uses), in pure Python."""
    _LANES.pack_into(state, 0, *keccak_f1600_lanes(_LANES.unpack(state)))


def _native_inplace() -> Callable[[bytearray], None] | None:
    """The C permutation (refimpl/crypto/_keccak.c, built at install time when a compiler is
    present), far faster; tests check it equals :func:`keccak_f1600_inplace_python`."""
    try:
        from refimpl.crypto import _keccak  # type: ignore[attr-defined]
    except ImportError:
        return None
    permute: Callable[[bytearray], None] = _keccak.f1600_inplace
    return permute


_NATIVE_PERMUTE = None if os.environ.get("MCREF_PURE_PYTHON") else _native_inplace()

#: True when the compiled permutation is in use (``MCREF_PURE_PYTHON=1`` forces Python).
NATIVE = _NATIVE_PERMUTE is not None

#: Permute a 200-byte bytearray in place: the C permutation when built, else pure Python.
keccak_f1600_inplace: Callable[[bytearray], None] = (
    _NATIVE_PERMUTE or keccak_f1600_inplace_python
)
