"""Multiscalar multiplication ``sum(s_i * P_i)`` over ristretto255, three interchangeable ways.

* :func:`msm_naive` - one libsodium scalar multiplication and addition per term (the baseline:
  about 53 us per term, all in libsodium's constant-time ladder; docs/ringct.md);
* :func:`msm_python` - pure-Python Pippenger over extended twisted-Edwards coordinates
  (:mod:`refimpl.crypto.edwards25519`), always available;
* :func:`msm_native` - the same algorithm in the C extension ``refimpl.crypto._msm``
  (``refimpl/crypto/_msm.c``, built by setup.py), when it is importable.

:func:`multiscalar_mul` uses the fastest available one; all three give the same point (tests
compare them on random inputs). Scalars are Python ints (reduced modulo L here). Not
constant-time: a reference verifier, not a wallet.

The extension also carries the verification hot paths of issue 13, each with a pure-Python
answer (or ``None``/``False`` meaning "use the Python path") when it is not built:

* :func:`mlsag_verify_ring` - a whole RingMLSAG challenge loop (member points, ``Hp(P)`` and the
  Blake2b-512 challenge hash in C), used by :func:`refimpl.crypto.ring_signature.verify`;
* :func:`bp_generator_scalars` - the ``G``/``H`` scalars of a Bulletproofs range-proof check
  (scalar arithmetic modulo L in C);
* :func:`bp_accumulator` / :func:`bp_accumulate` / :func:`multiscalar_mul_fixed_packed` - the
  same scalars multiplied by a batch weight and summed into packed 32-byte slots in C, then fed
  to the fixed-base table without ever becoming Python ints (block batch verification);
* :func:`points_from_encodings` - a proof's points validated and decoded in one C call.

The member step (three scalar multiplications per ring member) has two C paths giving the same
points: the serial radix-2^51 code, and on CPUs with AVX-512 IFMA (chosen at run time) the
three chains in parallel vector lanes. The fixed-base table MSM (:func:`multiscalar_mul_fixed`,
:func:`multiscalar_mul_fixed_packed`) and the Pippenger windows of :func:`msm_native` (more than
128 points) likewise: with IFMA their bucket additions and bucket reductions run in vector lanes
(each lane a contiguous share of the bucket-sorted entries), else serially. ``MCREF_NO_IFMA=1``
at import, or :func:`ifma`, forces the serial paths (tests compare both in one process).
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
NATIVE_VERSION = 10

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


def ifma(enable: bool | None = None) -> bool:
    """Whether the C member step (:func:`mlsag_member_points`, :func:`mlsag_verify_ring`) and the
    bucket phases of the C MSMs run in AVX-512 IFMA lanes; ``enable`` switches that first
    (``True`` has effect only where the CPU has IFMA). ``False`` without the extension."""
    if _native is None:
        return False
    return bool(_native.ifma() if enable is None else _native.ifma(int(enable)))


def points_from_encodings(encodings: Sequence[bytes]) -> list[Point] | None:
    """Points for ``encodings`` validated and decoded in one C call, their decoded forms cached
    for the multiscalar multiplications that follow: the same acceptance as
    :meth:`Point.from_bytes` (RFC 9496 decoding, top bit clear; tests/unit/crypto/test_msm.py).
    ``None`` when the extension is not built or any encoding is invalid: the caller's
    point-by-point path then names the error."""
    if _native is None or any(len(e) != 32 for e in encodings):
        return None
    try:
        blob = _native.decode_many(b"".join(encodings))
    except ValueError:
        return None
    if len(_DECODED) + len(encodings) > _DECODED_LIMIT:
        _DECODED.clear()
    for i, encoding in enumerate(encodings):
        _DECODED[encoding] = blob[160 * i : 160 * i + 160]
    return [Point(encoding, _trusted=True) for encoding in encodings]


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
    return _fixed_native(bases, _scalar_blob(base_scalars), scalars, points)


def multiscalar_mul_fixed_packed(
    bases: FixedBases,
    base_scalars: bytes | bytearray,
    scalars: Sequence[int],
    points: Sequence[Point],
) -> Point:
    """:func:`multiscalar_mul_fixed` with the base scalars packed: 32 little-endian bytes each,
    canonical (below L), as :func:`bp_accumulate` leaves them."""
    if len(base_scalars) != 32 * len(bases.points):
        raise CryptoError(
            "crypto.msm_length_mismatch",
            f"{len(base_scalars)} bytes of scalars for {len(bases.points)} fixed points",
        )
    _check_lengths(scalars, points)
    if _native is None:
        unpacked = [
            int.from_bytes(base_scalars[i : i + 32], "little")
            for i in range(0, len(base_scalars), 32)
        ]
        return multiscalar_mul([*unpacked, *scalars], [*bases.points, *points])
    return _fixed_native(bases, base_scalars, scalars, points)


def _scalar_blob(scalars: Sequence[int]) -> bytes:
    return b"".join((s % L).to_bytes(32, "little") for s in scalars)


def _fixed_native(
    bases: FixedBases, base_blob: bytes | bytearray, scalars: Sequence[int], points: Sequence[Point]
) -> Point:
    encoding = _native.msm_with_table(
        bases.table(),
        TABLE_WINDOW,
        base_blob,
        _scalar_blob(scalars),
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
    """One RingMLSAG ring member (``mlsag_verify.rs``): ``L0 = r0*G + c*P``,
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


def mlsag_verify_ring(
    message: bytes,
    c_zero: bytes,
    responses: Sequence[bytes],
    key_image: bytes,
    target_keys: Sequence[bytes],
    commitments: Sequence[bytes],
    pseudo_output: bytes,
) -> bool | None:
    """Whether a RingMLSAG's challenge ring closes (``mlsag_verify.rs``), all in one C call:
    member points, ``Hp(P_i)`` and the challenge ``wide(Blake2b512(tag || m || I || L0 || R0 ||
    L1))``. Arguments are canonical encodings (responses ``[r_{0,0}, r_{0,1}, r_{1,0}, ...]``,
    scalars below L); ring members are decoded through this module's cache, as the member loop
    does. ``None`` when the extension is not built (use the Python loop)."""
    if _native is None:
        return None
    if not target_keys or len(target_keys) != len(commitments) or (
        len(responses) != 2 * len(target_keys)
    ):
        raise CryptoError("crypto.mlsag_length_mismatch", "ring, commitments and responses differ")
    decoded = b"".join(
        _decoded(k) + _decoded(c) for k, c in zip(target_keys, commitments, strict=True)
    )
    closing = _native.mlsag_ring(
        message,
        c_zero,
        b"".join(responses),
        key_image,
        b"".join(target_keys),
        b"".join(commitments),
        pseudo_output,
        decoded,
    )
    return bool(closing == c_zero)


#: Bits per Bulletproofs party (MobileCoin proves u64 ranges: ``BulletproofGens::new(64, 64)``).
BP_BITS = 64
_ONE = (1).to_bytes(32, "little")


def bp_accumulator(parties: int) -> bytearray:
    """Zeroed packed slots for :func:`bp_accumulate`: ``g[0..64M)`` then ``h[0..64M)``."""
    return bytearray(32 * 2 * BP_BITS * parties)


def _bp_call(
    out: bytearray, stride: int, weight: int, yzab: Sequence[int], us: Sequence[int], m: int,
    accumulate: bool,
) -> None:
    y, z, a, b = (_scalar_blob([v]) for v in yzab)
    _native.bp_scalars(out, stride, _scalar_blob([weight]), y, z, a, b, _scalar_blob(us), m,
                       accumulate)


def bp_accumulate(
    acc: bytearray, weight: int, y: int, z: int, a: int, b: int, us: Sequence[int], m: int
) -> bool:
    """Add ``weight * g_i`` to slot ``i`` and ``weight * h_i`` to slot ``64M + i`` of ``acc``
    (:func:`bp_accumulator` of ``M >= m`` parties) for the ``64*m`` generator scalars of one
    range proof (see :func:`bp_generator_scalars`), modulo L, in C. ``False`` (``acc``
    untouched) when the extension is not built. ``ValueError`` when ``y`` or a ``u`` is 0."""
    if _native is None:
        return False
    stride = len(acc) // 64
    if stride < BP_BITS * m or len(acc) != 64 * stride:
        raise CryptoError("crypto.msm_length_mismatch", f"accumulator too small for {m} parties")
    _bp_call(acc, stride, weight, (y, z, a, b), us, m, True)
    return True


def bp_generator_scalars(
    y: int, z: int, a: int, b: int, us: Sequence[int], m: int
) -> tuple[list[int], list[int]] | None:
    """``g_scalars`` and ``h_scalars`` of ``RangeProof::verify_multiple_with_rng`` (dalek
    bulletproofs ``src/range_proof/mod.rs`` with ``InnerProductProof::verification_scalars``)
    for ``m`` parties and the inner-product challenges ``us`` (``log2(64m)`` of them)::

        s_0 = prod(u_k^-1),  s_i = s_(i - 2^lg i) * u_(lg(64m) - 1 - lg i)^2
        g_i = -z - a*s_i,    h_i = z + y^-i * (z^2 * z^(i // 64) * 2^(i % 64) - b*s_(64m-1-i))

    computed in C (Montgomery arithmetic modulo L). ``None`` when the extension is not built;
    ``ValueError`` when ``y`` or a ``u`` is 0 (callers refuse those first)."""
    if _native is None:
        return None
    nm = BP_BITS * m
    out = bytearray(64 * nm)
    _bp_call(out, nm, 1, (y, z, a, b), us, m, False)
    values = [int.from_bytes(out[i : i + 32], "little") for i in range(0, len(out), 32)]
    return values[:nm], values[nm:]


IMPLEMENTATIONS: dict[str, MsmFunction] = {"naive": msm_naive, "python": msm_python}
if _native is not None:
    IMPLEMENTATIONS["native"] = msm_native


def multiscalar_mul(scalars: Sequence[int], points: Sequence[Point]) -> Point:
    """``sum(scalars[i] * points[i])`` by the fastest implementation available here.

    Measured (tools/bench/test_bench_ringct.py): the C extension when built, else the libsodium
    loop, which beats pure Python (docs/ringct.md, "Multiscalar multiplication").
    """
    if _native is not None:
        return msm_native(scalars, points)
    return msm_naive(scalars, points)
