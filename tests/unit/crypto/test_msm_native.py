"""The C hot paths of issue 13 against independent Python answers: the extension is built and
current in this checkout (a stale or missing build fails here, not silently), its BLAKE2b
matches hashlib (RFC 7693), its hash-to-group matches libsodium (RFC 9496 section 4.3.4), its
scalar arithmetic modulo L matches Python ints, and the Bulletproofs generator scalars (dalek
bulletproofs ``InnerProductProof::verification_scalars`` and ``verify_multiple_with_rng``)
match the formula evaluated with Python ints, plain and weighted/accumulated. Without the
extension every entry point returns its documented fallback."""

from __future__ import annotations

import hashlib
import os
import shutil
import sysconfig
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto import msm
from refimpl.crypto.ristretto import L, Point
from refimpl.crypto.rng import Hc128Rng
from refimpl.errors import CryptoError

native = pytest.mark.skipif(not msm.native_available(), reason="C extension not built")
u256 = st.integers(0, 2**256 - 1)
nonzero = st.integers(1, L - 1)


def test_native_extension_is_built_and_current() -> None:
    """`make test` rebuilds a stale .so (Makefile); this catches any other way of running. Only
    a machine without a C compiler (outside CI) may run the pure-Python fallbacks instead."""
    compiler = sysconfig.get_config_var("CC") or "cc"
    if not msm.native_available() and not os.environ.get("CI") and not shutil.which(
        compiler.split()[0]
    ):
        pytest.skip("no C compiler here: the pure-Python fallbacks are in use")
    assert msm.native_available(), "refimpl/crypto/_msm.c is not built or its VERSION is stale"
    from refimpl.crypto import _msm  # type: ignore[attr-defined]

    assert _msm.VERSION == msm.NATIVE_VERSION
    source = Path(msm.__file__).with_name("_msm.c")
    if source.exists():  # an editable checkout: the build must be newer than its source
        assert os.path.getmtime(_msm.__file__) >= os.path.getmtime(source), (
            "refimpl/crypto/_msm.c is newer than its build: run make (or setup.py build_ext)"
        )


@native
@settings(max_examples=40)
@given(data=st.one_of(st.binary(max_size=300), st.sampled_from([b"", bytes(128), bytes(256)])))
def test_c_blake2b_matches_hashlib(data: bytes) -> None:
    from refimpl.crypto import _msm  # type: ignore[attr-defined]

    assert _msm.blake2b512(data) == hashlib.blake2b(data, digest_size=64).digest()


@native
@settings(max_examples=40)
@given(data=st.binary(min_size=64, max_size=64))
def test_c_hash_to_group_matches_libsodium(data: bytes) -> None:
    from refimpl.crypto import _msm  # type: ignore[attr-defined]

    assert _msm.from_uniform_bytes(data) == Point.from_uniform_bytes(data).to_bytes()


def _op(op: int, a: int, b: int) -> int:
    from refimpl.crypto import _msm  # type: ignore[attr-defined]

    out = _msm.scalar_op(op, a.to_bytes(32, "little"), b.to_bytes(32, "little"))
    return int.from_bytes(out, "little")


@native
@settings(max_examples=60)
@given(a=st.one_of(u256, st.sampled_from([0, 1, L - 1, L, L + 1, 2**256 - 1])), b=u256)
def test_c_scalar_arithmetic_matches_python_ints(a: int, b: int) -> None:
    assert _op(0, a, b) == a * b % L
    assert _op(1, a, b) == (a + b) % L
    assert _op(2, a, b) == (a - b) % L
    assert _op(3, a, b) == (pow(a, -1, L) if a % L else 0)
    assert _op(4, a, b) == (a + (b << 256)) % L


def reference_generator_scalars(
    y: int, z: int, a: int, b: int, us: list[int], m: int
) -> tuple[list[int], list[int]]:
    """The formula of bulletproofs' verify_multiple_with_rng, one Python int at a time."""
    nm = 64 * m
    lg = nm.bit_length() - 1
    s = []
    for i in range(nm):
        v = 1
        for k in range(lg):  # bit k of i (from the top) picks u_k or u_k^-1
            bit = (i >> (lg - 1 - k)) & 1
            v = v * (us[k] if bit else pow(us[k], -1, L)) % L
        s.append(v)
    y_inv = pow(y, -1, L)
    g = [(-z - a * s[i]) % L for i in range(nm)]
    h = [
        (z + pow(y_inv, i, L) * (z * z * pow(z, i // 64, L) * 2 ** (i % 64) - b * s[nm - 1 - i]))
        % L
        for i in range(nm)
    ]
    return g, h


@native
@settings(max_examples=12)
@given(
    m=st.sampled_from([1, 2, 4]), data=st.data(), y=nonzero, z=st.integers(0, L - 1),
    a=st.integers(0, L - 1), b=st.integers(0, L - 1),
)
def test_bp_generator_scalars_match_the_formula(
    m: int, data: st.DataObject, y: int, z: int, a: int, b: int
) -> None:
    lg = (64 * m).bit_length() - 1
    us = data.draw(st.lists(nonzero, min_size=lg, max_size=lg))
    assert msm.bp_generator_scalars(y, z, a, b, us, m) == reference_generator_scalars(
        y, z, a, b, us, m
    )


@native
@settings(max_examples=10)
@given(seed=st.integers(0, 2**32), weights=st.lists(st.integers(0, L - 1), min_size=1, max_size=3))
def test_bp_accumulate_sums_weighted_scalars(seed: int, weights: list[int]) -> None:
    rng = Hc128Rng.from_seed(seed.to_bytes(32, "little"))

    def draw() -> int:
        return int.from_bytes(rng.fill_bytes(32), "little") % (L - 1) + 1

    big = 4
    acc = msm.bp_accumulator(big)
    expected_g, expected_h = [0] * 64 * big, [0] * 64 * big
    for j, w in enumerate(weights):
        m = [1, 2, 4][j % 3]
        y, z, a, b = draw(), draw(), draw(), draw()
        us = [draw() for _ in range((64 * m).bit_length() - 1)]
        assert msm.bp_accumulate(acc, w, y, z, a, b, us, m)
        g, h = reference_generator_scalars(y, z, a, b, us, m)
        for i in range(64 * m):
            expected_g[i] = (expected_g[i] + w * g[i]) % L
            expected_h[i] = (expected_h[i] + w * h[i]) % L
    got = [int.from_bytes(acc[i : i + 32], "little") for i in range(0, len(acc), 32)]
    assert got == expected_g + expected_h


@native
def test_bp_scalars_refuse_zero_challenges_and_bad_sizes() -> None:
    us = [5] * 7
    with pytest.raises(ValueError):
        msm.bp_generator_scalars(0, 1, 2, 3, us, 2)
    with pytest.raises(ValueError):
        msm.bp_generator_scalars(1, 1, 2, 3, [*us[:6], 0], 2)
    with pytest.raises(ValueError):
        msm.bp_generator_scalars(1, 1, 2, 3, us[:6], 2)  # 6 challenges cannot cover 128 bits
    with pytest.raises(CryptoError) as err:
        msm.bp_accumulate(msm.bp_accumulator(1), 1, 1, 1, 2, 3, us, 2)
    assert err.value.code == "crypto.msm_length_mismatch"


@settings(max_examples=8)
@given(seed=st.integers(0, 2**32), count=st.integers(0, 12))
def test_packed_fixed_base_msm_agrees_with_int_scalars(seed: int, count: int) -> None:
    rng = Hc128Rng.from_seed(seed.to_bytes(32, "little"))
    fixed = [Point.random(rng) for _ in range(5)]
    points = [Point.random(rng) for _ in range(count)]
    ks = [int.from_bytes(rng.fill_bytes(32), "little") % L for _ in range(5 + count)]
    bases = msm.FixedBases(fixed)
    packed = b"".join(k.to_bytes(32, "little") for k in ks[:5])
    expected = msm.msm_naive(ks, [*fixed, *points])
    assert msm.multiscalar_mul_fixed_packed(bases, packed, ks[5:], points) == expected
    assert msm.multiscalar_mul_fixed(bases, ks[:5], ks[5:], points) == expected


def test_fallbacks_without_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = Hc128Rng.from_seed(bytes(32))
    fixed = [Point.random(rng) for _ in range(3)]
    packed = b"".join(k.to_bytes(32, "little") for k in (1, 2, L - 1))
    expected = msm.msm_naive([1, 2, L - 1], fixed)
    monkeypatch.setattr(msm, "_native", None)
    assert msm.bp_generator_scalars(1, 2, 3, 4, [5] * 6, 1) is None
    acc = msm.bp_accumulator(1)
    assert msm.bp_accumulate(acc, 7, 1, 2, 3, 4, [5] * 6, 1) is False
    assert acc == bytes(len(acc))
    assert msm.mlsag_verify_ring(b"", bytes(32), [], bytes(32), [], [], bytes(32)) is None
    assert msm.points_from_encodings([p.to_bytes() for p in fixed]) is None
    assert msm.multiscalar_mul_fixed_packed(msm.FixedBases(fixed), packed, [], []) == expected
    with pytest.raises(CryptoError) as err:
        msm.multiscalar_mul_fixed_packed(msm.FixedBases(fixed), packed[:64], [], [])
    assert err.value.code == "crypto.msm_length_mismatch"


EDGE_SCALARS = [0, 1, 2, L - 1, (L - 1) // 2, (L + 1) // 2]


@native
def test_member_points_on_edge_scalars_and_identity_points() -> None:
    """The C member step computes each point as 2*Q from halved scalars and encodes 2*Q without
    a square root; zero scalars and identity points take its fallback branch."""
    rng = Hc128Rng.from_seed(bytes(range(32)))
    p, com, hp, pseudo = (Point.random(rng) for _ in range(4))
    g = Point.base()
    for image in (Point.identity(), Point.random(rng)):
        for commitment in (com, pseudo):  # C = C' makes C' - C the identity
            for r0 in EDGE_SCALARS:
                for c in EDGE_SCALARS[:3]:
                    r1 = (r0 + c) % L
                    got = msm.mlsag_member_points(r0, r1, c, p, commitment, hp, image, pseudo)
                    assert got == (
                        msm.msm_naive([r0, c], [g, p]),
                        msm.msm_naive([r0, c], [hp, image]),
                        msm.msm_naive([r1, c, -c], [g, pseudo, commitment]),
                    )


@native
@settings(max_examples=6)
@given(seed=st.integers(0, 2**32), count=st.sampled_from([127, 128, 129, 200, 300]))
def test_straus_and_pippenger_sizes_agree_with_libsodium(seed: int, count: int) -> None:
    """The C switches from Straus to Pippenger above 128 points; identities, repeated points,
    a point and its negation, and zero/edge scalars land in shared buckets."""
    rng = Hc128Rng.from_seed(seed.to_bytes(32, "little"))
    points = [Point.random(rng) for _ in range(count)]
    points[3] = Point.identity()
    points[4] = points[5]
    points[6] = -points[7]
    ks = [int.from_bytes(rng.fill_bytes(32), "little") % L for _ in range(count)]
    ks[:4] = [0, 1, L - 1, (L - 1) // 2]
    assert msm.msm_native(ks, points) == msm.msm_naive(ks, points)


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32), data=st.data())
def test_points_from_encodings_accepts_exactly_what_point_from_bytes_accepts(
    seed: int, data: st.DataObject
) -> None:
    rng = Hc128Rng.from_seed(seed.to_bytes(32, "little"))
    encodings = [Point.random(rng).to_bytes() for _ in range(4)] + [bytes(32)]
    if data.draw(st.booleans()):  # one arbitrary 32-byte string, usually not a point
        raw = bytearray(data.draw(st.binary(min_size=32, max_size=32)))
        if data.draw(st.booleans()):  # or a valid point with its top bit set
            raw = bytearray(encodings[0])
            raw[31] |= 0x80
        encodings[data.draw(st.integers(0, 4))] = bytes(raw)
    try:
        expected: list[Point] | None = [Point.from_bytes(e) for e in encodings]
    except CryptoError:
        expected = None
    got = msm.points_from_encodings(encodings)
    if msm.native_available():
        assert got == expected
        if got is not None:  # and the cached decodings give the same MSM as libsodium
            ks = list(range(1, 6))
            assert msm.msm_native(ks, got) == msm.msm_naive(ks, got)
    else:
        assert got is None
