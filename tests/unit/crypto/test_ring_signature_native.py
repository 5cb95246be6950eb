"""RingMLSAG verification in one C call (refimpl.crypto.msm.mlsag_verify_ring) against the
member-by-member loop (``verify_baseline``, with the C member step and with libsodium only):
on random rings, valid and forged, all paths give the same verdict and error code, and the C
closing challenge equals the Python loop's (``mlsag_verify.rs``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto import msm, ring_signature
from refimpl.crypto.pedersen import value_generator
from refimpl.crypto.ring_signature import RingMember, RingMLSAG, sign, verify, verify_baseline
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.errors import CryptoError
from tests.unit.crypto.test_ring_signature import make_ring

pytestmark = pytest.mark.skipif(not msm.native_available(), reason="C extension not built")

FORGERIES = ["none", "c_zero", "response", "key_image", "message", "pseudo", "member", "swap"]


def _verdict(
    check: object, sig: RingMLSAG, message: bytes, ring: list[RingMember], pseudo: Point
) -> str:
    try:
        check(sig, message, ring, pseudo)  # type: ignore[operator]
    except CryptoError as exc:
        return exc.code
    return "ok"


def _python_closing_challenge(
    sig: RingMLSAG, message: bytes, ring: list[RingMember], pseudo: Point
) -> Scalar:
    c = sig.c_zero
    for i, member in enumerate(ring):
        c = ring_signature._next_challenge(
            message, sig.key_image, member, pseudo, c, sig.responses[2 * i],
            sig.responses[2 * i + 1],
        )
    return c


def _forge(  # type: ignore[no-untyped-def]
    kind: str, sig: RingMLSAG, message: bytes, ring: list[RingMember], pseudo: Point, where: int
):
    n = len(ring)
    if kind == "c_zero":
        sig = RingMLSAG(sig.c_zero + Scalar(1), sig.responses, sig.key_image)
    elif kind == "response":
        responses = list(sig.responses)
        responses[where % (2 * n)] = Scalar((responses[where % (2 * n)].value + where + 1) % L)
        sig = RingMLSAG(sig.c_zero, tuple(responses), sig.key_image)
    elif kind == "key_image":
        sig = RingMLSAG(sig.c_zero, sig.responses, sig.key_image + Point.base())
    elif kind == "message":
        message = message + b"!"
    elif kind == "pseudo":
        pseudo = pseudo + Point.base()
    elif kind == "member":
        ring = list(ring)
        key, commitment = ring[where % n]
        ring[where % n] = (key, commitment + Point.base())
    elif kind == "swap" and n > 1:
        ring = list(ring)
        ring[0], ring[1] = ring[1], ring[0]
    return sig, message, ring, pseudo


@settings(max_examples=10)
@given(
    seed=st.integers(0, 2**64), size=st.integers(1, 11), data=st.data(),
    message=st.binary(max_size=200), kind=st.sampled_from(FORGERIES),
    where=st.integers(0, 2**16),
)
def test_c_ring_and_member_loop_agree_on_valid_and_forged(
    seed: int, size: int, data: st.DataObject, message: bytes, kind: str, where: int
) -> None:
    real_index = data.draw(st.integers(0, size - 1))
    rng, ring, x, b, pb, pseudo = make_ring(seed, size, real_index, 1000)
    sig = sign(message, ring, real_index, x, 1000, b, pb, value_generator(0), rng)
    sig, message, ring, pseudo = _forge(kind, sig, message, ring, pseudo, where)
    c_path = _verdict(verify, sig, message, ring, pseudo)
    loop_path = _verdict(verify_baseline, sig, message, ring, pseudo)
    closing = _python_closing_challenge(sig, message, ring, pseudo)
    from refimpl.crypto import _msm  # type: ignore[attr-defined]

    c_closing = _msm.mlsag_ring(
        message, sig.c_zero.to_bytes(), b"".join(r.to_bytes() for r in sig.responses),
        sig.key_image.to_bytes(), b"".join(k.to_bytes() for k, _ in ring),
        b"".join(c.to_bytes() for _, c in ring), pseudo.to_bytes(),
    )
    assert c_closing == closing.to_bytes()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ring_signature, "native_available", lambda: False)
        sodium_path = _verdict(verify, sig, message, ring, pseudo)
    assert c_path == loop_path == sodium_path
    expect_ok = kind == "none" or (kind == "swap" and size == 1)
    assert c_path == ("ok" if expect_ok else "crypto.mlsag_invalid_signature")


def test_length_mismatch_has_the_same_code_on_every_path() -> None:
    rng, ring, x, b, pb, pseudo = make_ring(3, 3, 1, 5)
    sig = sign(b"m", ring, 1, x, 5, b, pb, value_generator(0), rng)
    short = RingMLSAG(sig.c_zero, sig.responses[:-1], sig.key_image)
    for check in (verify, verify_baseline):
        assert _verdict(check, short, b"m", ring, pseudo) == "crypto.mlsag_length_mismatch"
        assert _verdict(check, sig, b"m", [], pseudo) == "crypto.mlsag_length_mismatch"
    with pytest.raises(CryptoError) as err:
        msm.mlsag_verify_ring(b"m", bytes(32), [bytes(32)], bytes(32), [bytes(32)], [bytes(32)],
                              bytes(32))
    assert err.value.code == "crypto.mlsag_length_mismatch"


def test_identity_members_and_key_image_are_handled_like_the_loop() -> None:
    """Identity points decode in C as in libsodium (RFC 9496: s = 0 is the identity)."""
    rng, ring, x, b, pb, pseudo = make_ring(9, 4, 2, 77)
    ring[0] = (Point.identity(), Point.identity())
    sig = sign(b"id", ring, 2, x, 77, b, pb, value_generator(0), rng)
    assert _verdict(verify, sig, b"id", ring, pseudo) == "ok"
    odd = RingMLSAG(sig.c_zero, sig.responses, Point.identity())
    assert _verdict(verify, odd, b"id", ring, pseudo) == _verdict(
        verify_baseline, odd, b"id", ring, pseudo
    ) == "crypto.mlsag_invalid_signature"


def test_verify_runs_the_member_loop_when_the_ring_call_is_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng, ring, x, b, pb, pseudo = make_ring(4, 3, 2, 9)
    sig = sign(b"m", ring, 2, x, 9, b, pb, value_generator(0), rng)
    monkeypatch.setattr(ring_signature, "mlsag_verify_ring", lambda *args: None)
    assert _verdict(verify, sig, b"m", ring, pseudo) == "ok"
    assert _verdict(verify, sig, b"x", ring, pseudo) == "crypto.mlsag_invalid_signature"
