"""MobileCoin's ``RingMLSAG``: a two-column MLSAG over (one-time key, commitment to zero).

Implements ``crypto/ring-signature/src/ring_signature/{mlsag,mlsag_sign,mlsag_verify,mod}.rs``.
Only the first column (the one-time key) is linkable, through the
key image ``I = x*Hp(P_pi)``. For ring member ``i`` with target key ``P_i`` and commitment ``C_i``,
pseudo-output ``C'`` and ``Z_i = C' - C_i``::

    L0 = r_{i,0}*G + c_i*P_i      R0 = r_{i,0}*Hp(P_i) + c_i*I      L1 = r_{i,1}*G + c_i*Z_i
    c_{i+1} = wide(Blake2b512("mc_ring_mlsag_challenge" || m || I || L0 || R0 || L1))

Responses are laid out ``[r_{0,0}, r_{0,1}, r_{1,0}, r_{1,1}, ...]``. The key image is held as a
:class:`Point` (``refimpl.transaction.key_image.KeyImage`` wraps the same point; crypto must not
import the transaction layer). The message is the signing digest of
``ring_ct/signing_digest.rs``, computed by the transaction layer. Not constant-time.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from refimpl.crypto.hashing import (
    HASH_TO_POINT_DOMAIN_TAG,
    RING_MLSAG_CHALLENGE_DOMAIN_TAG,
    hash_to_point,
    hash_to_scalar,
)
from refimpl.crypto.msm import mlsag_member_points, mlsag_verify_ring, native_available
from refimpl.crypto.ristretto import Point, RandomSource, Scalar
from refimpl.errors import CryptoError

#: A ring member as the MLSAG sees it (``ReducedTxOut``): (target_key, commitment).
RingMember = tuple[Point, Point]


@attrs.frozen
class RingMLSAG:
    """``RingMLSAG { c_zero, responses, key_image }`` (proto tags 1, 2, 3)."""

    c_zero: Scalar
    responses: tuple[Scalar, ...]
    key_image: Point

    @classmethod
    def from_bytes_parts(
        cls, c_zero: bytes, responses: Sequence[bytes], key_image: bytes
    ) -> RingMLSAG:
        """Decode as MobileCoin's protobuf ``CurveScalar``/``KeyImage`` do.

        Scalars are reduced modulo L (``curve_scalar.rs``: ``from_bytes_mod_order``); a key image
        that is not a canonical point raises ``crypto.mlsag_invalid_key_image``.
        """
        for s in (c_zero, *responses):
            if len(s) != 32:
                raise CryptoError("crypto.mlsag_length_mismatch", "a scalar must be 32 bytes")
        return cls(
            Scalar.from_bytes_mod_order(c_zero),
            tuple(Scalar.from_bytes_mod_order(r) for r in responses),
            decode_key_image(key_image),
        )


def decode_key_image(data: bytes) -> Point:
    """A key image's point, or ``crypto.mlsag_invalid_key_image``.

    dalek's ``decompress`` rejects a set top bit, which libsodium 1.0.18's validity check ignores;
    without this check one key image would have two accepted encodings.
    """
    if len(data) == 32 and data[31] & 0x80:
        raise CryptoError("crypto.mlsag_invalid_key_image", "key image has its top bit set")
    try:
        return Point.from_bytes(data)
    except Exception as exc:  # EncodingError or CryptoError from the point decoder
        raise CryptoError(
            "crypto.mlsag_invalid_key_image", "key image is not a canonical ristretto point"
        ) from exc


def key_image_base(target_key: Point) -> Point:
    """``Hp(P)`` (``hash_to_point`` in ``ring_signature/mod.rs``)."""
    return hash_to_point(HASH_TO_POINT_DOMAIN_TAG, target_key.to_bytes())


def challenge(message: bytes, key_image: Point, l0: Point, r0: Point, l1: Point) -> Scalar:
    """``challenge()`` of ``ring_signature/mod.rs``: H(m, I, L0, R0, L1)."""
    return hash_to_scalar(
        RING_MLSAG_CHALLENGE_DOMAIN_TAG,
        message,
        key_image.to_bytes(),
        l0.to_bytes(),
        r0.to_bytes(),
        l1.to_bytes(),
    )


def _next_challenge(
    message: bytes,
    key_image: Point,
    member: RingMember,
    pseudo_output_commitment: Point,
    c: Scalar,
    r0: Scalar,
    r1: Scalar,
) -> Scalar:
    target_key, commitment = member
    hp = key_image_base(target_key)
    if native_available():  # one variable-time C call beats six constant-time ladders
        l0, r0_point, l1 = mlsag_member_points(
            r0.value, r1.value, c.value, target_key, commitment, hp, key_image,
            pseudo_output_commitment,
        )
    else:
        l0 = Point.mul_base(r0) + target_key * c
        r0_point = hp * r0 + key_image * c
        l1 = Point.mul_base(r1) + (pseudo_output_commitment - commitment) * c
    return challenge(message, key_image, l0, r0_point, l1)


def sign(
    message: bytes,
    ring: Sequence[RingMember],
    real_index: int,
    onetime_private_key: Scalar,
    value: int,
    blinding: Scalar,
    pseudo_output_blinding: Scalar,
    generator: Point,
    rng: RandomSource,
) -> RingMLSAG:
    """``RingMLSAG::sign`` (``mlsag_sign.rs``), drawing randomness in MobileCoin's order.

    ``value``/``blinding`` open the real input's commitment under ``generator`` (the token's
    ``H_t``); the pseudo-output is ``value*H_t + pseudo_output_blinding*G``.
    """
    n = len(ring)
    if not 0 <= real_index < n:
        raise CryptoError("crypto.mlsag_index_out_of_bounds", f"index {real_index} not in ring")
    if not 0 <= value < 1 << 64:
        raise CryptoError("crypto.mlsag_value_not_conserved", "value must be a u64")
    target_key, input_commitment = ring[real_index]
    if Point.mul_base(onetime_private_key) != target_key:
        raise CryptoError("crypto.mlsag_true_input_not_owned", "x*G is not the real target key")
    key_image = key_image_base(target_key) * onetime_private_key
    pseudo_output = generator * Scalar(value) + Point.mul_base(pseudo_output_blinding)
    blinding_difference = pseudo_output_blinding - blinding
    if pseudo_output - input_commitment != Point.mul_base(blinding_difference):
        raise CryptoError(
            "crypto.mlsag_value_not_conserved", "the input commitment does not open to value"
        )

    responses: list[Scalar] = [Scalar(0)] * (2 * n)
    for i in range(n):
        if i != real_index:
            responses[2 * i] = Scalar.random(rng)
            responses[2 * i + 1] = Scalar.random(rng)
    alpha0 = Scalar.random(rng)
    alpha1 = Scalar.random(rng)

    challenges: list[Scalar] = [Scalar(0)] * n
    nxt = (real_index + 1) % n
    challenges[nxt] = challenge(
        message,
        key_image,
        Point.mul_base(alpha0),
        key_image_base(target_key) * alpha0,
        Point.mul_base(alpha1),
    )
    i = nxt
    while i != real_index:
        challenges[(i + 1) % n] = _next_challenge(
            message, key_image, ring[i], pseudo_output, challenges[i],
            responses[2 * i], responses[2 * i + 1],
        )
        i = (i + 1) % n
    c_pi = challenges[real_index]
    responses[2 * real_index] = alpha0 - c_pi * onetime_private_key
    responses[2 * real_index + 1] = alpha1 - c_pi * blinding_difference
    return RingMLSAG(challenges[0], tuple(responses), key_image)


def _check_lengths(sig: RingMLSAG, ring: Sequence[RingMember]) -> None:
    n = len(ring)
    if n == 0 or len(sig.responses) != 2 * n:
        raise CryptoError(
            "crypto.mlsag_length_mismatch",
            f"{len(sig.responses)} responses for a ring of {n}: need {2 * n}",
        )


def _refuse() -> CryptoError:
    return CryptoError("crypto.mlsag_invalid_signature", "the challenge ring does not close")


def verify(
    sig: RingMLSAG,
    message: bytes,
    ring: Sequence[RingMember],
    pseudo_output_commitment: Point,
) -> None:
    """``RingMLSAG::verify`` (``mlsag_verify.rs``); raises a typed error on rejection.

    With the C extension the whole challenge loop is one call
    (:func:`refimpl.crypto.msm.mlsag_verify_ring`); otherwise :func:`verify_baseline`.
    """
    _check_lengths(sig, ring)
    closes = None if not native_available() else mlsag_verify_ring(
        message,
        sig.c_zero.to_bytes(),
        [r.to_bytes() for r in sig.responses],
        sig.key_image.to_bytes(),
        [member[0].to_bytes() for member in ring],
        [member[1].to_bytes() for member in ring],
        pseudo_output_commitment.to_bytes(),
    )
    if closes is None:  # no C extension: the member loop
        verify_baseline(sig, message, ring, pseudo_output_commitment)
    elif not closes:
        raise _refuse()


def verify_baseline(
    sig: RingMLSAG,
    message: bytes,
    ring: Sequence[RingMember],
    pseudo_output_commitment: Point,
) -> None:
    """The member-by-member loop of :func:`verify` (one C member step or six libsodium
    multiplications per member, the hash in Python): the path before the whole-ring C call,
    kept as the fallback and as the benchmark baseline."""
    _check_lengths(sig, ring)
    c = sig.c_zero
    for i, member in enumerate(ring):
        c = _next_challenge(
            message, sig.key_image, member, pseudo_output_commitment, c,
            sig.responses[2 * i], sig.responses[2 * i + 1],
        )
    if c != sig.c_zero:
        raise _refuse()
