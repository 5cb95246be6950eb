"""MobileCoin RingMLSAG (crypto/ring-signature/src/ring_signature/mlsag*.rs): round trips, the
challenge layout recomputed from first principles, the randomness draw order, and typed rejection of
every mutation."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto.pedersen import commit, value_generator
from refimpl.crypto.ring_signature import RingMLSAG, key_image_base, sign, verify
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.crypto.rng import Hc128Rng
from refimpl.errors import CryptoError, RefImplError

MLSAG_CODES = {
    "crypto.mlsag_invalid_signature",
    "crypto.mlsag_length_mismatch",
    "crypto.mlsag_invalid_key_image",
}


def make_ring(seed: int, size: int, real_index: int, value: int, token_id: int = 0):  # type: ignore[no-untyped-def]
    """A ring of random members with one real input we own; returns everything sign needs."""
    rng = Hc128Rng.from_seed(seed.to_bytes(32, "little"))
    ring = [(Point.random(rng), Point.random(rng)) for _ in range(size)]
    x = Scalar.random(rng)
    blinding = Scalar.random(rng)
    ring[real_index] = (Point.mul_base(x), commit(value, blinding, token_id))
    pseudo_blinding = Scalar.random(rng)
    return rng, ring, x, blinding, pseudo_blinding, commit(value, pseudo_blinding, token_id)


def signed(seed: int = 1, size: int = 11, real_index: int = 4, value: int = 1000):  # type: ignore[no-untyped-def]
    rng, ring, x, b, pb, pseudo = make_ring(seed, size, real_index, value)
    sig = sign(b"message", ring, real_index, x, value, b, pb, value_generator(0), rng)
    return sig, ring, pseudo


@settings(max_examples=8)
@given(
    seed=st.integers(0, 2**64),
    size=st.integers(1, 11),
    data=st.data(),
    value=st.integers(0, 2**64 - 1),
    token_id=st.sampled_from([0, 1, 2**64 - 1]),
    message=st.binary(max_size=64),
)
def test_sign_verify_round_trip(
    seed: int, size: int, data: st.DataObject, value: int, token_id: int, message: bytes
) -> None:
    real_index = data.draw(st.integers(0, size - 1))
    rng, ring, x, b, pb, pseudo = make_ring(seed, size, real_index, value, token_id)
    sig = sign(message, ring, real_index, x, value, b, pb, value_generator(token_id), rng)
    assert len(sig.responses) == 2 * size
    assert sig.key_image == key_image_base(Point.mul_base(x)) * x
    verify(sig, message, ring, pseudo)


def _h(*parts: bytes) -> Scalar:
    digest = hashlib.blake2b(b"mc_ring_mlsag_challenge" + b"".join(parts), digest_size=64).digest()
    return Scalar(int.from_bytes(digest, "little"))


def test_challenge_ring_recomputed_from_the_formula() -> None:
    sig, ring, pseudo = signed(seed=7, size=3, real_index=1)
    image = sig.key_image.to_bytes()
    c = sig.c_zero
    for i, (p, com) in enumerate(ring):
        r0, r1 = sig.responses[2 * i], sig.responses[2 * i + 1]
        l0 = Point.mul_base(r0) + p * c
        hp = Point.from_uniform_bytes(
            hashlib.blake2b(b"mc_onetime_key_hash_to_point" + p.to_bytes(), digest_size=64).digest()
        )
        r0_point = hp * r0 + sig.key_image * c
        l1 = Point.mul_base(r1) + (pseudo - com) * c
        c = _h(b"message", image, l0.to_bytes(), r0_point.to_bytes(), l1.to_bytes())
    assert c == sig.c_zero


class CountingRng:
    def __init__(self) -> None:
        self.inner = Hc128Rng.from_seed(bytes(32))
        self.requests: list[int] = []

    def __call__(self, n: int) -> bytes:
        self.requests.append(n)
        return self.inner(n)


def test_randomness_is_two_wide_scalars_per_decoy_then_two_alphas() -> None:
    _, ring, x, b, pb, _ = make_ring(3, 11, 5, 9)
    rng = CountingRng()
    sign(b"m", ring, 5, x, 9, b, pb, value_generator(0), rng)
    assert rng.requests == [64] * (2 * 10 + 2)


def test_signing_is_deterministic_given_the_rng() -> None:
    assert signed(seed=5)[0] == signed(seed=5)[0]
    assert signed(seed=5)[0] != signed(seed=6)[0]


def test_real_response_layout() -> None:
    """The real member's responses sit at 2*pi, 2*pi+1 (recomputing them from alpha)."""
    _, ring, x, b, pb, pseudo = make_ring(9, 4, 2, 77)
    rng = Hc128Rng.from_seed((99).to_bytes(32, "little"))
    sig = sign(b"m", ring, 2, x, 77, b, pb, value_generator(0), rng)
    replay = Hc128Rng.from_seed((99).to_bytes(32, "little"))
    decoys = [Scalar.random(replay) for _ in range(6)]
    alpha0, alpha1 = Scalar.random(replay), Scalar.random(replay)
    assert sig.responses[0:2] == tuple(decoys[0:2])
    assert sig.responses[6:8] == tuple(decoys[4:6])
    # r_pi0 = alpha0 - c_pi*x and r_pi1 = alpha1 - c_pi*(pb - b) share the same c_pi
    c_from_0 = (alpha0 - sig.responses[4]) * x.invert()
    c_from_1 = (alpha1 - sig.responses[5]) * (pb - b).invert()
    assert c_from_0 == c_from_1
    verify(sig, b"m", ring, pseudo)


def test_wrong_message_ring_or_pseudo_output_is_rejected() -> None:
    sig, ring, pseudo = signed()
    for args in (
        (b"messagf", ring, pseudo),
        (b"message", [ring[1], ring[0], *ring[2:]], pseudo),
        (b"message", ring, pseudo + Point.base()),
    ):
        with pytest.raises(CryptoError) as err:
            verify(sig, *args)
        assert err.value.code == "crypto.mlsag_invalid_signature"


def test_length_mismatch() -> None:
    sig, ring, pseudo = signed()
    short = RingMLSAG(sig.c_zero, sig.responses[:-1], sig.key_image)
    with pytest.raises(CryptoError) as err:
        verify(short, b"message", ring, pseudo)
    assert err.value.code == "crypto.mlsag_length_mismatch"
    with pytest.raises(CryptoError) as err:
        verify(sig, b"message", ring[:-1], pseudo)
    assert err.value.code == "crypto.mlsag_length_mismatch"


@settings(max_examples=20)
@given(field=st.integers(0, 22), delta=st.integers(1, L - 1))
def test_any_scalar_mutation_is_rejected(field: int, delta: int) -> None:
    sig, ring, pseudo = _SIGNED
    responses = list(sig.responses)
    if field == 22:
        mutated = RingMLSAG(sig.c_zero + Scalar(delta), sig.responses, sig.key_image)
    else:
        responses[field] = responses[field] + Scalar(delta)
        mutated = RingMLSAG(sig.c_zero, tuple(responses), sig.key_image)
    with pytest.raises(CryptoError) as err:
        verify(mutated, b"message", ring, pseudo)
    assert err.value.code == "crypto.mlsag_invalid_signature"


def test_another_key_image_is_rejected() -> None:
    sig, ring, pseudo = _SIGNED
    for image in (sig.key_image + Point.base(), Point.identity(), Point.base()):
        with pytest.raises(CryptoError) as err:
            verify(RingMLSAG(sig.c_zero, sig.responses, image), b"message", ring, pseudo)
        assert err.value.code == "crypto.mlsag_invalid_signature"


@settings(max_examples=50)
@given(c_zero=st.binary(min_size=0, max_size=40), image=st.binary(min_size=32, max_size=32))
def test_decoding_arbitrary_bytes_gives_typed_errors(c_zero: bytes, image: bytes) -> None:
    sig, ring, pseudo = _SIGNED
    responses = [r.to_bytes() for r in sig.responses]
    try:
        decoded = RingMLSAG.from_bytes_parts(c_zero, responses, image)
    except RefImplError as exc:
        assert exc.code in MLSAG_CODES
        return
    with pytest.raises(CryptoError) as err:
        verify(decoded, b"message", ring, pseudo)
    assert err.value.code in MLSAG_CODES


def test_decoding_reduces_scalars_like_curve_scalar() -> None:
    """protobuf CurveScalar reduces mod L: a response + L decodes to the same signature."""
    sig, ring, pseudo = _SIGNED
    responses = [r.to_bytes() for r in sig.responses]
    responses[3] = (sig.responses[3].value + L).to_bytes(32, "little")
    decoded = RingMLSAG.from_bytes_parts(sig.c_zero.to_bytes(), responses, sig.key_image.to_bytes())
    assert decoded == sig
    verify(decoded, b"message", ring, pseudo)
    with pytest.raises(CryptoError) as err:
        RingMLSAG.from_bytes_parts(sig.c_zero.to_bytes(), responses, b"\xff" * 32)
    assert err.value.code == "crypto.mlsag_invalid_key_image"


def test_signing_errors() -> None:
    rng, ring, x, b, pb, _ = make_ring(2, 5, 1, 50)
    gen = value_generator(0)
    cases = [
        ((b"m", ring, 5, x, 50, b, pb, gen, rng), "crypto.mlsag_index_out_of_bounds"),
        ((b"m", ring, 0, x, 50, b, pb, gen, rng), "crypto.mlsag_true_input_not_owned"),
        ((b"m", ring, 1, x, 51, b, pb, gen, rng), "crypto.mlsag_value_not_conserved"),
        ((b"m", ring, 1, x, 50, b + Scalar(1), pb, gen, rng), "crypto.mlsag_value_not_conserved"),
        ((b"m", ring, 1, x, 50, b, pb, value_generator(1), rng),
         "crypto.mlsag_value_not_conserved"),
        ((b"m", ring, 1, x, -1, b, pb, gen, rng), "crypto.mlsag_value_not_conserved"),
    ]
    for args, code in cases:
        with pytest.raises(CryptoError) as err:
            sign(*args)  # type: ignore[arg-type]
        assert err.value.code == code


_SIGNED = signed(seed=11)


def test_key_image_with_the_top_bit_set_is_rejected() -> None:
    """libsodium 1.0.18 accepts it; dalek (and so MobileCoin) does not."""
    sig, _, _ = _SIGNED
    high = bytearray(sig.key_image.to_bytes())
    high[31] |= 0x80
    with pytest.raises(CryptoError) as err:
        RingMLSAG.from_bytes_parts(
            sig.c_zero.to_bytes(), [r.to_bytes() for r in sig.responses], bytes(high)
        )
    assert err.value.code == "crypto.mlsag_invalid_key_image"


def test_libsodium_path_agrees_with_the_msm_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Signatures made one way verify the other way, and signing is byte-identical."""
    from refimpl.crypto import ring_signature

    sig, ring, pseudo = _SIGNED
    fast = signed(seed=12, size=4, real_index=2)
    monkeypatch.setattr(ring_signature, "native_available", lambda: False)
    verify(sig, b"message", ring, pseudo)
    assert signed(seed=12, size=4, real_index=2) == fast
