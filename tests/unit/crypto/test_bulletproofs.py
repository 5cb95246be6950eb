"""Bulletproofs as MobileCoin's bulletproofs-og fork makes them (transaction/core/src/range_proofs).

dalek's own published n = 64 proofs (tests/unit/crypto/data) pin the generator chains, the
transcript and the verification equation; MobileCoin's choices (label, ``B = H_token``,
``B_blinding = G``, padding) are checked by round trips and by the padding behaviour. Every
malformed or mutated proof is rejected with a typed error.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.crypto import bulletproofs as bp
from refimpl.crypto.pedersen import commit, value_generator
from refimpl.crypto.ristretto import L, Point, Scalar
from refimpl.crypto.rng import Hc128Rng
from refimpl.errors import CryptoError, RefImplError

DALEK = json.loads((Path(__file__).parent / "data/dalek_range_proof_n64.json").read_text())
PROOF_CODES = {"crypto.range_proof_bad_encoding", "crypto.range_proof_invalid"}


def seeded(seed: int) -> Hc128Rng:
    return Hc128Rng.from_seed(seed.to_bytes(32, "little"))


def _dalek_inputs(m: int) -> tuple[bytes, list[Point], Point, Point]:
    g = Point.base()
    blinding_base = Point.from_uniform_bytes(hashlib.sha3_512(g.to_bytes()).digest())
    commitments = [Point.from_bytes(bytes.fromhex(h)) for h in DALEK["commitments"][:m]]
    return bytes.fromhex(DALEK["proofs_by_party_count"][str(m)]), commitments, g, blinding_base


@pytest.mark.parametrize("m", [1, 2, 4, 8])
def test_dalek_published_proofs_verify(m: int) -> None:
    proof, commitments, g, blinding_base = _dalek_inputs(m)
    label = DALEK["transcript_label"].encode()
    bp.verify_with_gens(proof, commitments, g, blinding_base, label, seeded(m))
    with pytest.raises(CryptoError) as err:
        bp.verify_with_gens(proof, commitments, g, blinding_base, b"another label", seeded(m))
    assert err.value.code == "crypto.range_proof_invalid"


def _prove(values: list[int], seed: int = 1, token_id: int = 0) -> tuple[bytes, list[Point]]:
    rng = seeded(seed)
    blindings = [Scalar.random(rng) for _ in values]
    return bp.prove_multiple(values, blindings, value_generator(token_id), rng)


_PROOF, _COMMITMENTS = _prove([3, 2**64 - 1])
_H0 = value_generator(0)


@settings(max_examples=4)
@given(
    values=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=3),
    token_id=st.sampled_from([0, 7]),
    seed=st.integers(0, 2**32),
)
def test_prove_verify_round_trip(values: list[int], token_id: int, seed: int) -> None:
    rng = seeded(seed)
    blindings = [Scalar.random(rng) for _ in values]
    proof, commitments = bp.prove_multiple(values, blindings, value_generator(token_id), rng)
    assert commitments == [commit(v, b, token_id) for v, b in zip(values, blindings, strict=True)]
    m = 1 << (len(values) - 1).bit_length()
    assert len(proof) == bp.proof_length(m) == (9 + 2 * (64 * m).bit_length() - 2) * 32
    bp.verify_multiple(proof, commitments, value_generator(token_id), seeded(seed + 1))


def test_padding_repeats_the_last_commitment() -> None:
    proof, commitments = _prove([1, 2, 3], seed=4)
    bp.verify_multiple(proof, commitments, _H0, seeded(0))
    bp.verify_multiple(proof, [*commitments, commitments[-1]], _H0, seeded(0))
    with pytest.raises(CryptoError) as err:
        bp.verify_multiple(proof, [*commitments, commitments[0]], _H0, seeded(0))
    assert err.value.code == "crypto.range_proof_invalid"


def test_prover_randomness_order_and_determinism() -> None:
    requests: list[int] = []
    inner = seeded(5)

    def rng(n: int) -> bytes:
        requests.append(n)
        return inner(n)

    proof, _ = bp.prove_multiple([10, 20], [Scalar(1), Scalar(2)], _H0, rng)
    # per party: a_blinding, s_blinding, 64 s_L, 64 s_R; then per party t1, t2 blindings
    assert requests == [64] * (2 * 130 + 2 * 2)
    again, _ = bp.prove_multiple([10, 20], [Scalar(1), Scalar(2)], _H0, seeded(5))
    assert again == proof


@settings(max_examples=20)
@given(value=st.one_of(st.integers(max_value=-1), st.integers(min_value=2**64)))
def test_values_out_of_range_cannot_be_proved(value: int) -> None:
    with pytest.raises(CryptoError) as err:
        bp.prove_multiple([5, value], [Scalar(1), Scalar(2)], _H0, seeded(0))
    assert err.value.code == "crypto.range_proof_value_out_of_range"


def test_party_count_errors() -> None:
    for values, blindings in (([], []), ([1, 2], [Scalar(1)]), ([1] * 65, [Scalar(1)] * 65)):
        with pytest.raises(CryptoError) as err:
            bp.prove_multiple(values, blindings, _H0, seeded(0))
        assert err.value.code == "crypto.range_proof_bad_party_count"
    with pytest.raises(CryptoError) as err:
        bp.verify_multiple(_PROOF, [], _H0, seeded(0))
    assert err.value.code == "crypto.range_proof_bad_party_count"


def test_wrong_statement_is_rejected() -> None:
    other = commit(3, Scalar(9), 0)
    for commitments, generator in (
        ([_COMMITMENTS[1], _COMMITMENTS[0]], _H0),
        ([other, _COMMITMENTS[1]], _H0),
        (_COMMITMENTS, value_generator(1)),
        (_COMMITMENTS[:1], _H0),
        ([*_COMMITMENTS, other], _H0),
    ):
        with pytest.raises(CryptoError) as err:
            bp.verify_multiple(_PROOF, commitments, generator, seeded(0))
        assert err.value.code == "crypto.range_proof_invalid"


@settings(max_examples=60)
@given(position=st.integers(0, len(_PROOF) - 1), mask=st.integers(1, 255))
def test_any_byte_flip_is_rejected(position: int, mask: int) -> None:
    mutated = bytearray(_PROOF)
    mutated[position] ^= mask
    with pytest.raises(RefImplError) as err:
        bp.verify_multiple(bytes(mutated), _COMMITMENTS, _H0, seeded(0))
    assert err.value.code in PROOF_CODES


@settings(max_examples=40)
@given(data=st.binary(max_size=1200))
def test_arbitrary_bytes_are_rejected_with_typed_errors(data: bytes) -> None:
    with pytest.raises(RefImplError) as err:
        bp.verify_multiple(data, _COMMITMENTS, _H0, seeded(0))
    assert err.value.code in PROOF_CODES


def test_encoding_rejections() -> None:
    cases = {
        _PROOF[:-1]: "crypto.range_proof_bad_encoding",  # not a multiple of 32
        _PROOF[: 6 * 32]: "crypto.range_proof_bad_encoding",  # fewer than 7 words
        _PROOF[: 8 * 32]: "crypto.range_proof_bad_encoding",  # one inner-product word
        _PROOF[:-32]: "crypto.range_proof_bad_encoding",  # odd inner-product element count
        _PROOF + bytes(64): "crypto.range_proof_invalid",  # one round too many
        _PROOF[:-96] + _PROOF[-64:]: "crypto.range_proof_bad_encoding",
    }
    non_canonical = bytearray(_PROOF)
    non_canonical[4 * 32 : 5 * 32] = (bp.RangeProof.from_bytes(_PROOF).t_x + L).to_bytes(
        32, "little"
    )
    cases[bytes(non_canonical)] = "crypto.range_proof_bad_encoding"
    identity_a = bytes(32) + _PROOF[32:]
    high_bit_s = bytearray(_PROOF)
    high_bit_s[63] |= 0x80  # S with its top bit set: libsodium would accept the point
    cases[bytes(high_bit_s)] = "crypto.range_proof_invalid"
    cases[identity_a] = "crypto.range_proof_invalid"
    for data, code in cases.items():
        with pytest.raises(CryptoError) as err:
            bp.verify_multiple(data, _COMMITMENTS, _H0, seeded(0))
        assert err.value.code == code, data.hex()[:16]


def test_encoding_round_trip() -> None:
    assert bp.RangeProof.from_bytes(_PROOF).to_bytes() == _PROOF


def test_batch_verification() -> None:
    proof3, commitments3 = _prove([7, 8, 9], seed=2, token_id=5)
    good = [(_PROOF, _COMMITMENTS, _H0), (proof3, commitments3, value_generator(5))]
    bp.batch_verify(good, seeded(1))
    bp.batch_verify([], seeded(1))
    bad = [good[0], (proof3, commitments3, _H0)]
    with pytest.raises(CryptoError) as err:
        bp.batch_verify(bad, seeded(1))
    assert err.value.code == "crypto.range_proof_invalid"


def test_proofs_do_not_depend_on_the_msm_implementation(monkeypatch: pytest.MonkeyPatch) -> None:
    from refimpl.crypto import msm

    fast = _prove([42], seed=9)
    monkeypatch.setattr(bp, "multiscalar_mul", msm.msm_naive)
    assert _prove([42], seed=9) == fast
    bp.verify_multiple(fast[0], fast[1], _H0, seeded(0))
