"""Pure-Python ristretto255 arithmetic for the multiscalar-multiplication fallback.

Field elements are Python ints modulo ``p = 2^255 - 19``; points are extended twisted-Edwards
coordinates ``(X, Y, Z, T)`` on ``-x^2 + y^2 = 1 + d x^2 y^2`` with the unified addition
"add-2008-hwcd-3" and doubling "dbl-2008-hwcd" (Hisil, Wong, Carter, Dawson 2008). Ristretto
decoding and encoding follow RFC 9496 §4.3.1-4.3.2. :func:`msm_encoded` is Pippenger's bucket
method with signed radix-2^c digits (the same algorithm as ``_msm.c``). Slower than libsodium
one term at a time (tools/bench); it exists so the C extension always has an
independent reference to agree with. Not constant-time.
"""

from __future__ import annotations

from collections.abc import Sequence

from refimpl.errors import CryptoError

P = 2**255 - 19
D = (-121665 * pow(121666, -1, P)) % P
D2 = 2 * D % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
INVSQRT_A_MINUS_D = 54469307008909316920995813868745141605393597292927456921205312896311721017578

ExtendedPoint = tuple[int, int, int, int]
IDENTITY: ExtendedPoint = (0, 1, 1, 0)


def _is_negative(x: int) -> bool:
    return (x % P) & 1 == 1


def _abs(x: int) -> int:
    x %= P
    return P - x if x & 1 else x


def sqrt_ratio_m1(u: int, v: int) -> tuple[bool, int]:
    """RFC 9496 ``SQRT_RATIO_M1``: (was_square, non-negative root of u/v or of i*u/v)."""
    v3 = v * v % P * v % P
    v7 = v3 * v3 % P * v % P
    r = u * v3 % P * pow(u * v7 % P, (P - 5) // 8, P) % P
    check = v * r % P * r % P
    u %= P
    correct = check == u
    flipped = check == (-u) % P
    flipped_i = check == (-u) * SQRT_M1 % P
    if flipped or flipped_i:
        r = r * SQRT_M1 % P
    return correct or flipped, _abs(r)


def decode(encoding: bytes) -> ExtendedPoint:
    """RFC 9496 §4.3.1; raises ``crypto.non_canonical_point``."""
    s = int.from_bytes(encoding, "little")
    if len(encoding) != 32 or s >= P or s & 1:
        raise CryptoError("crypto.non_canonical_point", "not a canonical ristretto255 encoding")
    ss = s * s % P
    u1 = (1 - ss) % P
    u2 = (1 + ss) % P
    u2_sqr = u2 * u2 % P
    v = (-(D * u1 % P * u1) - u2_sqr) % P
    was_square, invsqrt = sqrt_ratio_m1(1, v * u2_sqr % P)
    den_x = invsqrt * u2 % P
    den_y = invsqrt * den_x % P * v % P
    x = _abs(2 * s * den_x)
    y = u1 * den_y % P
    t = x * y % P
    if not was_square or _is_negative(t) or y == 0:
        raise CryptoError("crypto.non_canonical_point", "not a canonical ristretto255 encoding")
    return (x, y, 1, t)


def encode(point: ExtendedPoint) -> bytes:
    """RFC 9496 §4.3.2."""
    x0, y0, z0, t0 = point
    u1 = (z0 + y0) * (z0 - y0) % P
    u2 = x0 * y0 % P
    _, invsqrt = sqrt_ratio_m1(1, u1 * u2 % P * u2 % P)
    den1 = invsqrt * u1 % P
    den2 = invsqrt * u2 % P
    z_inv = den1 * den2 % P * t0 % P
    if _is_negative(t0 * z_inv):
        x, y, den_inv = y0 * SQRT_M1 % P, x0 * SQRT_M1 % P, den1 * INVSQRT_A_MINUS_D % P
    else:
        x, y, den_inv = x0, y0, den2
    if _is_negative(x * z_inv):
        y = -y
    return _abs(den_inv * (z0 - y)).to_bytes(32, "little")


def add(p: ExtendedPoint, q: ExtendedPoint) -> ExtendedPoint:
    """add-2008-hwcd-3 for a = -1 (complete on this curve)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * D2 % P * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def double(p: ExtendedPoint) -> ExtendedPoint:
    """dbl-2008-hwcd for a = -1."""
    x1, y1, z1, _ = p
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    e = ((x1 + y1) * (x1 + y1) - a - b) % P
    g = b - a
    f = g - c
    h = -a - b
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def negate(p: ExtendedPoint) -> ExtendedPoint:
    x, y, z, t = p
    return (-x % P, y, z, -t % P)


def _signed_digits(scalar: int, c: int, windows: int) -> list[int]:
    """Radix-2^c digits in ``[-2^(c-1), 2^(c-1))``, least significant first."""
    digits = []
    half = 1 << (c - 1)
    mask = (1 << c) - 1
    carry = 0
    for _ in range(windows):
        v = (scalar & mask) + carry
        scalar >>= c
        carry = (v + half) >> c
        digits.append(v - (carry << c))
    return digits


def _window_bits(n: int) -> int:
    for limit, bits in ((8, 3), (32, 4), (96, 5), (288, 6), (800, 7)):
        if n < limit:
            return bits
    return 8


def msm_points(scalars: Sequence[int], points: Sequence[ExtendedPoint]) -> ExtendedPoint:
    """Pippenger: ``sum(scalars[i] * points[i])`` for scalars in ``[0, 2^255)``."""
    c = _window_bits(len(points))
    windows = (256 + c - 1) // c + 1
    digits = [_signed_digits(s, c, windows) for s in scalars]
    negated = [negate(p) for p in points]
    acc = IDENTITY
    for k in range(windows - 1, -1, -1):
        for _ in range(c):
            acc = double(acc)
        buckets: dict[int, ExtendedPoint] = {}
        for i, ds in enumerate(digits):
            d = ds[k]
            if d == 0:
                continue
            term = points[i] if d > 0 else negated[i]
            b = abs(d)
            buckets[b] = add(buckets[b], term) if b in buckets else term
        running = IDENTITY
        total = IDENTITY
        for b in range(1 << (c - 1), 0, -1):
            if b in buckets:
                running = add(running, buckets[b])
            total = add(total, running)
        acc = add(acc, total)
    return acc


def msm_encoded(scalars: Sequence[int], encodings: Sequence[bytes]) -> bytes:
    """:func:`msm_points` on encoded points, returning the encoded sum."""
    return encode(msm_points(scalars, [decode(e) for e in encodings]))
