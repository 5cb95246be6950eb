"""Multiscalar multiplication ``sum(s_i * P_i)`` over ristretto255, three interchangeable ways.

* :func:`msm_naive` - one libsodium scalar multiplication and addition per term (the baseline of
  notes/perf-probes.md §2: about 53 us per term, all in libsodium's constant-time ladder);
* :func:`msm_python` - pure-Python Pippenger over extended twisted-Edwards coordinates
  (:mod:`refimpl.crypto.edwards25519`), always available;
* :func:`msm_native` - the same algorithm in the C extension ``refimpl.crypto._msm``
  (``refimpl/crypto/_msm.c``, built by setup.py), when it is importable.

:func:`multiscalar_mul` uses the fastest available one; all three give the same point (tests
compare them on random inputs). Scalars are Python ints (reduced modulo L here). Not
constant-time: a reference verifier, not a wallet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from refimpl.crypto import _sodium
from refimpl.crypto.edwards25519 import msm_encoded
from refimpl.crypto.ristretto import L, Point
from refimpl.errors import CryptoError

MsmFunction = Callable[[Sequence[int], Sequence[Point]], Point]


def _check_lengths(scalars: Sequence[int], points: Sequence[Point]) -> None:
    if len(scalars) != len(points):
        raise CryptoError(
            "crypto.msm_length_mismatch", f"{len(scalars)} scalars for {len(points)} points"
        )


def msm_naive(scalars: Sequence[int], points: Sequence[Point]) -> Point:
    """Baseline: ``crypto_scalarmult_ristretto255`` and ``..._add`` once per term."""
    _check_lengths(scalars, points)
    identity = bytes(32)
    acc = identity
    for s, p in zip(scalars, points, strict=True):
        enc = p.to_bytes()
        s %= L
        if s == 0 or enc == identity:
            continue
        term = _sodium.scalarmult(s.to_bytes(32, "little"), enc)
        acc = term if acc == identity else _sodium.add(acc, term)
    return Point(acc, _trusted=True)


def msm_python(scalars: Sequence[int], points: Sequence[Point]) -> Point:
    """Pure-Python Pippenger (see :mod:`refimpl.crypto.edwards25519`)."""
    _check_lengths(scalars, points)
    encoding = msm_encoded([s % L for s in scalars], [p.to_bytes() for p in points])
    return Point(encoding, _trusted=True)


#: The ``VERSION`` of refimpl/crypto/_msm.c this module expects. A stale build (the C source
#: changed but ``pip install -e .`` was not rerun) is ignored rather than trusted.
NATIVE_VERSION = 5

try:  # the optional C extension built by setup.py
    from refimpl.crypto import _msm as _native  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - depends on the build
    _native = None
if _native is not None and getattr(_native, "VERSION", None) != NATIVE_VERSION:
    _native = None  # pragma: no cover - a stale build

_DECODED: dict[bytes, bytes] = {}
_DECODED_LIMIT = 1 << 14


def _decoded(encoding: bytes) -> bytes:
    """The extension's 160-byte extended-coordinates form of a point, cached (generators repeat)."""
    blob = _DECODED.get(encoding)
    if blob is None:
        blob = _native.decode(encoding)  # a Point's encoding is canonical (RFC 9496)
        if len(_DECODED) >= _DECODED_LIMIT:
            _DECODED.clear()
        _DECODED[encoding] = blob
    return blob


def native_available() -> bool:
    return _native is not None


def msm_native(scalars: Sequence[int], points: Sequence[Point]) -> Point:
    """C Pippenger over radix-2^51 field elements (``refimpl/crypto/_msm.c``)."""
    if _native is None:
        raise CryptoError("crypto.msm_length_mismatch", "the C extension is not built")
    _check_lengths(scalars, points)
    scalar_blob = b"".join((s % L).to_bytes(32, "little") for s in scalars)
    point_blob = b"".join(_decoded(p.to_bytes()) for p in points)
    return Point(_native.msm(scalar_blob, point_blob), _trusted=True)


class FixedBases:
    """Points used again and again (the Bulletproofs generators): with the C extension they get a
    precomputed table of ``2^(c*k)`` multiples (:data:`TABLE_WINDOW` bits per window), so a
    multiscalar multiplication over them needs no doublings and one bucket reduction."""

    __slots__ = ("points", "_table")

    def __init__(self, points: Sequence[Point]) -> None:
        self.points = tuple(points)
        self._table: bytes | None = None

    def table(self) -> bytes:
        if self._table is None:
            blob = b"".join(_decoded(p.to_bytes()) for p in self.points)
            self._table = _native.table_new(blob, TABLE_WINDOW)
        return self._table


#: Window width of fixed-base tables (27 windows; 160 bytes per point and window).
TABLE_WINDOW = 10


def multiscalar_mul_fixed(
    bases: FixedBases,
    base_scalars: Sequence[int],
    scalars: Sequence[int],
    points: Sequence[Point],
) -> Point:
    """``sum(base_scalars[i] * bases.points[i]) + sum(scalars[j] * points[j])``."""
    _check_lengths(base_scalars, bases.points)
    _check_lengths(scalars, points)
    if _native is None:
        return multiscalar_mul([*base_scalars, *scalars], [*bases.points, *points])
    encoding = _native.msm_with_table(
        bases.table(),
        TABLE_WINDOW,
        b"".join((s % L).to_bytes(32, "little") for s in base_scalars),
        b"".join((s % L).to_bytes(32, "little") for s in scalars),
        b"".join(_decoded(p.to_bytes()) for p in points),
    )
    return Point(encoding, _trusted=True)


def mlsag_member_points(
    r0: int,
    r1: int,
    c: int,
    target_key: Point,
    commitment: Point,
    key_image_base: Point,
    key_image: Point,
    pseudo_output: Point,
) -> tuple[Point, Point, Point]:
    """One RingMLSAG ring member (notes/crypto-ledger.md §4.5): ``L0 = r0*G + c*P``,
    ``R0 = r0*Hp(P) + c*I``, ``L1 = r1*G + c*(C' - C)``; one C call when the extension is built."""
    if _native is None:
        g = Point.base()
        return (
            multiscalar_mul([r0, c], [g, target_key]),
            multiscalar_mul([r0, c], [key_image_base, key_image]),
            multiscalar_mul([r1, c, -c], [g, pseudo_output, commitment]),
        )
    out = _native.mlsag_member(
        b"".join((s % L).to_bytes(32, "little") for s in (r0, r1, c)),
        b"".join(
            _decoded(p.to_bytes())
            for p in (target_key, commitment, key_image_base, key_image, pseudo_output)
        ),
    )
    return (
        Point(out[:32], _trusted=True),
        Point(out[32:64], _trusted=True),
        Point(out[64:], _trusted=True),
    )


IMPLEMENTATIONS: dict[str, MsmFunction] = {"naive": msm_naive, "python": msm_python}
if _native is not None:
    IMPLEMENTATIONS["native"] = msm_native


def multiscalar_mul(scalars: Sequence[int], points: Sequence[Point]) -> Point:
    """``sum(scalars[i] * points[i])`` by the fastest implementation available here.

    Measured (tools/bench/test_bench_ringct.py): the C extension when built, else the libsodium
    loop, which beats pure Python (notes/perf-probes.md §2).
    """
    if _native is not None:
        return msm_native(scalars, points)
    return msm_naive(scalars, points)
