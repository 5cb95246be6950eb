"""Multiscalar multiplication: every implementation (libsodium loop, pure-Python Pippenger, the C
extension when built) gives the same point on random inputs, including identities, zero and
repeated scalars; the two hand-written ristretto decoders accept exactly what dalek accepts:
libsodium's validity check minus encodings with the top bit set (libsodium 1.0.18 ignores that
bit; dalek's ``CompressedRistretto::decompress`` and RFC 9496 reject it)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto import edwards25519, msm
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.crypto.rng import Hc128Rng
from refimpl.errors import CryptoError, RefImplError

IMPLEMENTATIONS = sorted(msm.IMPLEMENTATIONS)

scalars = st.one_of(
    st.integers(0, L - 1), st.sampled_from([0, 1, 2, L - 1, (L - 1) // 2, 2**252]),
    st.integers(-(2**300), 2**300),
)


def _points(seed: int, count: int) -> list[Point]:
    rng = Hc128Rng.from_seed(seed.to_bytes(32, "little"))
    pool = [Point.random(rng) for _ in range(count)]
    return [Point.identity() if i % 7 == 3 else p for i, p in enumerate(pool)]


@settings(max_examples=25)
@given(data=st.data(), seed=st.integers(0, 2**32), count=st.integers(0, 40))
def test_implementations_agree(data: st.DataObject, seed: int, count: int) -> None:
    points = _points(seed, count)
    if count > 2:
        points[1] = points[0]  # a repeated point
    ks = data.draw(st.lists(scalars, min_size=count, max_size=count))
    results = {name: msm.IMPLEMENTATIONS[name](ks, points) for name in IMPLEMENTATIONS}
    expected = Point.identity()
    for k, p in zip(ks, points, strict=True):
        expected = expected + p * Scalar(k)
    assert set(results.values()) == {expected}, results
    assert msm.multiscalar_mul(ks, points) == expected


@pytest.mark.parametrize("count", [64, 129, 300])
def test_implementations_agree_on_larger_inputs(count: int) -> None:
    rng = Hc128Rng.from_seed(count.to_bytes(32, "little"))
    points = _points(count, count)
    ks = [Scalar.random(rng).value for _ in range(count)]
    fast = [msm.IMPLEMENTATIONS[name](ks, points) for name in IMPLEMENTATIONS if name != "python"]
    assert len(set(fast)) == 1
    if count <= 129:
        assert msm.msm_python(ks, points) == fast[0]


def test_identity_sum_and_cancellation() -> None:
    g = Point.base()
    for name in IMPLEMENTATIONS:
        assert msm.IMPLEMENTATIONS[name]([5, L - 5], [g, g]) == Point.identity()
        assert msm.IMPLEMENTATIONS[name]([], []) == Point.identity()


def test_length_mismatch_is_typed() -> None:
    for name in IMPLEMENTATIONS:
        with pytest.raises(CryptoError) as err:
            msm.IMPLEMENTATIONS[name]([1, 2], [Point.base()])
        assert err.value.code == "crypto.msm_length_mismatch"


def _dalek_decode(data: bytes) -> Point | None:
    if data[31] & 0x80:
        return None
    try:
        return Point.from_bytes(data)
    except RefImplError:
        return None


def test_top_bit_encodings_differ_between_libsodium_and_rfc9496() -> None:
    high = bytearray(Point.base().to_bytes())
    high[31] |= 0x80
    with pytest.raises(CryptoError):
        edwards25519.decode(bytes(high))
    if msm.native_available():
        from refimpl.crypto import _msm  # type: ignore[attr-defined]

        with pytest.raises(ValueError):
            _msm.decode(bytes(high))


@settings(max_examples=200)
@given(st.binary(min_size=32, max_size=32).map(lambda b: b[:31] + bytes([b[31] & 0x7F]))
       | st.binary(min_size=32, max_size=32))
def test_python_decoder_accepts_exactly_canonical_encodings(data: bytes) -> None:
    libsodium = _dalek_decode(data)
    try:
        ours = edwards25519.encode(edwards25519.decode(data))
    except CryptoError as exc:
        assert exc.code == "crypto.non_canonical_point"
        ours = None
    assert (libsodium.to_bytes() if libsodium else None) == ours


@pytest.mark.skipif(not msm.native_available(), reason="C extension not built")
@settings(max_examples=200)
@given(st.binary(min_size=32, max_size=32))
def test_native_decoder_accepts_exactly_canonical_encodings(data: bytes) -> None:
    from refimpl.crypto import _msm  # type: ignore[attr-defined]

    valid = _dalek_decode(data) is not None
    try:
        _msm.decode(data)
        native = True
    except ValueError:
        native = False
    assert native == valid


def test_valid_encodings_round_trip_through_both_decoders() -> None:
    for p in _points(3, 30):
        assert edwards25519.encode(edwards25519.decode(p.to_bytes())) == p.to_bytes()
        assert msm.msm_native([1], [p]) == p if msm.native_available() else True


@settings(max_examples=10)
@given(
    seed=st.integers(0, 2**32), fixed=st.integers(0, 20), rest=st.integers(0, 12), data=st.data()
)
def test_fixed_base_tables_agree_with_plain_msm(
    seed: int, fixed: int, rest: int, data: st.DataObject
) -> None:
    points = _points(seed, fixed + rest)
    ks = data.draw(st.lists(scalars, min_size=fixed + rest, max_size=fixed + rest))
    bases = msm.FixedBases(points[:fixed])
    got = msm.multiscalar_mul_fixed(bases, ks[:fixed], ks[fixed:], points[fixed:])
    assert got == msm.msm_naive(ks, points)
    with pytest.raises(CryptoError) as err:
        msm.multiscalar_mul_fixed(bases, [*ks[:fixed], 1], [], [])
    assert err.value.code == "crypto.msm_length_mismatch"


def test_without_the_extension_everything_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    points = _points(5, 12)
    ks = list(range(1, 13))
    expected = msm.msm_naive(ks, points)
    monkeypatch.setattr(msm, "_native", None)
    assert not msm.native_available()
    assert msm.multiscalar_mul(ks, points) == expected
    assert msm.multiscalar_mul_fixed(msm.FixedBases(points[:5]), ks[:5], ks[5:], points[5:]) == (
        expected
    )


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32), r0=scalars, r1=scalars, c=scalars)
def test_mlsag_member_points_agree_with_the_definition(seed: int, r0: int, r1: int, c: int) -> None:
    p, com, hp, image, pseudo = _points(seed, 5)  # index 3 (the key image) is the identity
    got = msm.mlsag_member_points(r0, r1, c, p, com, hp, image, pseudo)
    g = Point.base()
    assert got == (
        g * Scalar(r0) + p * Scalar(c),
        hp * Scalar(r0) + image * Scalar(c),
        g * Scalar(r1) + (pseudo - com) * Scalar(c),
    )
