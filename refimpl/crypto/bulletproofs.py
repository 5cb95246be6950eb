"""Aggregated 64-bit range proofs exactly as MobileCoin's fork ``bulletproofs-og`` makes them.

Sources: fork ``mobilecoinfoundation/bulletproofs``
``src/generators.rs`` (SHAKE256 ``GeneratorsChain``), ``src/range_proof/{mod,dealer,party}.rs``
(the aggregation protocol run locally), ``src/inner_product_proof.rs``, ``src/transcript.rs``;
MobileCoin ``transaction/core/src/range_proofs/mod.rs`` (transcript label
``mc_bulletproof_transcript``, Pedersen gens ``B = H_token``, ``B_blinding = G``,
padding to a power of two by repeating the last value and blinding, 64 generators for each
of up to 64 parties).

The prover draws, per party in order, ``a_blinding, s_blinding, s_L[0..64], s_R[0..64]``, then
per party ``t_1_blinding, t_2_blinding``, each as ``Scalar::random`` (64 bytes, wide) from the
injected ``rng`` (the range-proof party of the fork takes the caller's RNG directly; only the R1CS
prover rekeys a transcript RNG). The inner-product prover tracks each folded generator as a
coefficient on the original generators, so every round is one multiscalar multiplication.

Proof bytes: ``A, S, T1, T2, t_x, t_x_blinding, e_blinding, L_0, R_0, ..., L_{k-1}, R_{k-1}, a, b``
((9 + 2k)*32 bytes, k = log2(64*m)). Verification is one multiscalar check with a random weight
``c``; :func:`batch_verify` adds several such checks with independent random weights.
Not constant-time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TypeVar

import attrs

from refimpl.crypto.hashing import BULLETPROOF_DOMAIN_TAG
from refimpl.crypto.merlin import Transcript
from refimpl.crypto.msm import (
    FixedBases,
    bp_accumulate,
    bp_accumulator,
    multiscalar_mul,
    multiscalar_mul_fixed,
    multiscalar_mul_fixed_packed,
    points_from_encodings,
)
from refimpl.crypto.ristretto import L, Point, RandomSource, Scalar
from refimpl.errors import CryptoError

#: The weighted accumulation of the verifier's generator scalars (C when built; it returns False
#: otherwise, and so does setting this to ``None``: the pure-Python path below, tested).
_bp_accumulate: Callable[..., bool] | None = bp_accumulate

BITS = 64  # n: MobileCoin proves 64-bit ranges only
MAX_PARTIES = 64  # BulletproofGens::new(64, 64)
_IDENTITY = bytes(32)
_T = TypeVar("_T")


# --- generators ------------------------------------------------------------------------------
@lru_cache(maxsize=2 * MAX_PARTIES)
def _party_chain(label: bytes, party: int) -> tuple[Point, ...]:
    """``GeneratorsChain::new(label || LE32(party))``: 64-byte SHAKE256 blocks -> points."""
    stream = hashlib.shake_256(b"GeneratorsChain" + label + party.to_bytes(4, "little"))
    data = stream.digest(64 * BITS)
    return tuple(Point.from_uniform_bytes(data[64 * i : 64 * i + 64]) for i in range(BITS))


def bulletproof_generators(parties: int) -> tuple[tuple[Point, ...], tuple[Point, ...]]:
    """``BulletproofGens::G(64, m)`` and ``H(64, m)``: party chains concatenated."""
    g: list[Point] = []
    h: list[Point] = []
    for j in range(parties):
        g.extend(_party_chain(b"G", j))
        h.extend(_party_chain(b"H", j))
    return tuple(g), tuple(h)


# --- encoding --------------------------------------------------------------------------------
@attrs.frozen
class RangeProof:
    """``RangeProof`` with points kept compressed (decompressed only during verification)."""

    A: bytes
    S: bytes
    T1: bytes
    T2: bytes
    t_x: int
    t_x_blinding: int
    e_blinding: int
    L_vec: tuple[bytes, ...]
    R_vec: tuple[bytes, ...]
    a: int
    b: int

    def to_bytes(self) -> bytes:
        parts = [self.A, self.S, self.T1, self.T2]
        parts += [_sb(self.t_x), _sb(self.t_x_blinding), _sb(self.e_blinding)]
        for left, right in zip(self.L_vec, self.R_vec, strict=True):
            parts += [left, right]
        parts += [_sb(self.a), _sb(self.b)]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> RangeProof:
        """``RangeProof::from_bytes`` and ``InnerProductProof::from_bytes`` rejections."""
        if len(data) % 32 != 0 or len(data) < 7 * 32:
            raise CryptoError(
                "crypto.range_proof_bad_encoding", f"{len(data)} bytes is not 32*k with k >= 7"
            )
        words = [data[i : i + 32] for i in range(0, len(data), 32)]
        ipp = words[7:]
        if len(ipp) < 2 or (len(ipp) - 2) % 2 != 0:
            raise CryptoError(
                "crypto.range_proof_bad_encoding", "inner-product proof has an odd element count"
            )
        lg_n = (len(ipp) - 2) // 2
        if lg_n >= 32:
            raise CryptoError("crypto.range_proof_bad_encoding", "inner-product proof too long")
        return cls(
            words[0], words[1], words[2], words[3],
            _canonical(words[4]), _canonical(words[5]), _canonical(words[6]),
            tuple(ipp[2 * k] for k in range(lg_n)),
            tuple(ipp[2 * k + 1] for k in range(lg_n)),
            _canonical(ipp[-2]), _canonical(ipp[-1]),
        )


def _sb(x: int) -> bytes:
    return x.to_bytes(32, "little")


def _canonical(word: bytes) -> int:
    n = int.from_bytes(word, "little")
    if n >= L:
        raise CryptoError("crypto.range_proof_bad_encoding", "a proof scalar is not canonical")
    return n


def proof_length(parties: int) -> int:
    """Length in bytes of a proof over ``parties`` (a power of two) commitments."""
    return (9 + 2 * (BITS * parties).bit_length() - 2) * 32


# --- transcript ------------------------------------------------------------------------------
def _challenge(transcript: Transcript, label: bytes) -> int:
    """``challenge_scalar``: 64 challenge bytes reduced wide."""
    return int.from_bytes(transcript.challenge_bytes(label, 64), "little") % L


def _append_checked(transcript: Transcript, label: bytes, encoding: bytes) -> None:
    """``validate_and_append_point``: the identity encoding is rejected."""
    if encoding == _IDENTITY:
        raise CryptoError("crypto.range_proof_invalid", f"{label.decode()} is the identity")
    transcript.append_message(label, encoding)


def _start_transcript(
    parties: int, commitments: Sequence[bytes], label: bytes = BULLETPROOF_DOMAIN_TAG
) -> Transcript:
    transcript = Transcript(label)
    transcript.append_message(b"dom-sep", b"rangeproof v1")
    transcript.append_u64(b"n", BITS)
    transcript.append_u64(b"m", parties)
    for v in commitments:
        transcript.append_message(b"V", v)  # commitments may be the identity
    return transcript


def _pad_to_pow2(items: Sequence[_T]) -> list[_T]:
    """``resize_slice_to_pow2``: repeat the last element up to the next power of two."""
    out = list(items)
    size = 1
    while size < len(out):
        size *= 2
    out.extend([out[-1]] * (size - len(out)))
    return out


def _party_count(count: int) -> int:
    if count == 0:
        raise CryptoError("crypto.range_proof_bad_party_count", "no commitments")
    m = 1
    while m < count:
        m *= 2
    if m > MAX_PARTIES:
        raise CryptoError("crypto.range_proof_bad_party_count", f"{count} commitments > 64")
    return m


def _rand(rng: RandomSource) -> int:
    return int.from_bytes(rng(64), "little") % L


def _powers(x: int, count: int) -> list[int]:
    out = [1] * count
    for i in range(1, count):
        out[i] = out[i - 1] * x % L
    return out


def _batch_invert(values: Sequence[int]) -> list[int]:
    """The inverses mod L of non-zero ``values`` with one modular inversion (Montgomery's
    trick); a zero among them raises ``ValueError`` as ``pow(0, -1, L)`` does."""
    prefix = [1] * (len(values) + 1)
    for i, v in enumerate(values):
        prefix[i + 1] = prefix[i] * v % L
    inv = pow(prefix[-1], -1, L)
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = inv * prefix[i] % L
        inv = inv * values[i] % L
    return out


def _msm(scalars: Sequence[int], points: Sequence[Point]) -> Point:
    return multiscalar_mul(scalars, points)


_DEFAULT_MSM = multiscalar_mul
#: Above this many parties the generators get no precomputed table (160*27 bytes per point).
_TABLE_MAX_PARTIES = 16


@lru_cache(maxsize=8)
def _generator_bases(parties: int) -> FixedBases:
    """``G(64, m) || H(64, m)`` as fixed bases (a precomputed table with the C extension)."""
    gens_g, gens_h = bulletproof_generators(parties)
    return FixedBases([*gens_g, *gens_h])


def _msm_with_generators(
    parties: int, gh_scalars: Sequence[int], scalars: Sequence[int], points: Sequence[Point]
) -> Point:
    """``<gh_scalars, G || H> + <scalars, points>``, the generators through their table.

    Above :data:`_TABLE_MAX_PARTIES` the table covers the first 16 party chains and the rest
    join the variable points. A caller that replaced :data:`multiscalar_mul` (the libsodium
    baseline of refimpl/vectors/tx_bench.py) gets that function for every term instead.
    """
    if multiscalar_mul is not _DEFAULT_MSM:
        gens_g, gens_h = bulletproof_generators(parties)
        return multiscalar_mul([*gh_scalars, *scalars], [*gens_g, *gens_h, *points])
    if parties <= _TABLE_MAX_PARTIES:
        return multiscalar_mul_fixed(_generator_bases(parties), gh_scalars, scalars, points)
    nm = BITS * parties
    cut = BITS * _TABLE_MAX_PARTIES
    gens_g, gens_h = bulletproof_generators(parties)
    return multiscalar_mul_fixed(
        _generator_bases(_TABLE_MAX_PARTIES),
        [*gh_scalars[:cut], *gh_scalars[nm : nm + cut]],
        [*gh_scalars[cut:nm], *gh_scalars[nm + cut :], *scalars],
        [*gens_g[cut:], *gens_h[cut:], *points],
    )


# --- prover ----------------------------------------------------------------------------------
def prove_multiple(
    values: Sequence[int], blindings: Sequence[Scalar], generator: Point, rng: RandomSource
) -> tuple[bytes, list[Point]]:
    """MobileCoin ``generate_range_proofs``: one aggregated proof that each value is a u64.

    Returns the proof bytes and the commitments ``v*generator + blinding*G`` of the given values
    (the padding commitments repeat the last one and are not returned).
    """
    if len(values) != len(blindings):
        raise CryptoError("crypto.range_proof_bad_party_count", "values and blindings differ")
    for v in values:
        if not 0 <= v < 1 << BITS:
            raise CryptoError("crypto.range_proof_value_out_of_range", f"{v} is not a u64")
    m = _party_count(len(values))
    padded_values = _pad_to_pow2(values)
    padded_blindings = [b.value for b in _pad_to_pow2(blindings)]
    nm = BITS * m
    base = Point.base()
    commitments = [
        _msm([v, b], [generator, base])
        for v, b in zip(padded_values, padded_blindings, strict=True)
    ]
    transcript = _start_transcript(m, [c.to_bytes() for c in commitments])

    # Party::assign_position_with_rng for each party in order; the dealer sums the A_j and S_j,
    # so A = sum(a_blinding_j)*G + <a_L, G> + <a_R, H> and S likewise, each one MSM.
    a_blindings, s_blindings, s_l, s_r = [], [], [], []
    a_l_all: list[int] = []
    for v in padded_values:
        a_blindings.append(_rand(rng))
        a_l_all += [(v >> i) & 1 for i in range(BITS)]
        s_blindings.append(_rand(rng))
        s_l.append([_rand(rng) for _ in range(BITS)])
        s_r.append([_rand(rng) for _ in range(BITS)])
    a_total = _msm_with_generators(
        m, a_l_all + [bit - 1 for bit in a_l_all], [sum(a_blindings)], [base]
    )
    s_total = _msm_with_generators(
        m, [x for sl in s_l for x in sl] + [x for sr in s_r for x in sr], [sum(s_blindings)],
        [base],
    )
    transcript.append_message(b"A", a_total.to_bytes())
    transcript.append_message(b"S", s_total.to_bytes())
    y = _challenge(transcript, b"y")
    z = _challenge(transcript, b"z")

    # Party::apply_challenge_with_rng: l(X), r(X), t(X) and T1, T2.
    y_pows = _powers(y, nm)
    z_pows = _powers(z, m + 2)
    l0: list[int] = []
    l1: list[int] = []
    r0: list[int] = []
    r1: list[int] = []
    t1_total = Point.identity()
    t2_total = Point.identity()
    t_coeffs: list[tuple[int, int, int]] = []
    t_blindings: list[tuple[int, int]] = []
    for j, v in enumerate(padded_values):
        zz_j = z_pows[2] * z_pows[j] % L
        pl0, pl1, pr0, pr1 = [], [], [], []
        two = 1
        for i in range(BITS):
            a_l = (v >> i) & 1
            a_r = a_l - 1
            yi = y_pows[BITS * j + i]
            pl0.append((a_l - z) % L)
            pl1.append(s_l[j][i])
            pr0.append((yi * (a_r + z) + zz_j * two) % L)
            pr1.append(yi * s_r[j][i] % L)
            two *= 2
        t0 = sum(a * b for a, b in zip(pl0, pr0, strict=True)) % L
        t2 = sum(a * b for a, b in zip(pl1, pr1, strict=True)) % L
        t1 = (sum((a0 + a1) * (b0 + b1) for a0, a1, b0, b1 in zip(pl0, pl1, pr0, pr1, strict=True))
              - t0 - t2) % L
        tb1 = _rand(rng)
        tb2 = _rand(rng)
        t1_total = t1_total + _msm([t1, tb1], [generator, base])
        t2_total = t2_total + _msm([t2, tb2], [generator, base])
        t_coeffs.append((t0, t1, t2))
        t_blindings.append((tb1, tb2))
        l0 += pl0
        l1 += pl1
        r0 += pr0
        r1 += pr1
    transcript.append_message(b"T_1", t1_total.to_bytes())
    transcript.append_message(b"T_2", t2_total.to_bytes())
    x = _challenge(transcript, b"x")

    # Party::apply_challenge and Dealer::receive_trusted_shares.
    t_x = t_x_blinding = e_blinding = 0
    for j in range(m):
        t0, t1, t2 = t_coeffs[j]
        tb1, tb2 = t_blindings[j]
        t_x += t0 + x * (t1 + x * t2)
        zz_j = z_pows[2] * z_pows[j]
        t_x_blinding += zz_j * padded_blindings[j] + x * (tb1 + x * tb2)
        e_blinding += a_blindings[j] + s_blindings[j] * x
    t_x %= L
    t_x_blinding %= L
    e_blinding %= L
    transcript.append_message(b"t_x", _sb(t_x))
    transcript.append_message(b"t_x_blinding", _sb(t_x_blinding))
    transcript.append_message(b"e_blinding", _sb(e_blinding))
    w = _challenge(transcript, b"w")
    l_vec = [(a + x * b) % L for a, b in zip(l0, l1, strict=True)]
    r_vec = [(a + x * b) % L for a, b in zip(r0, r1, strict=True)]
    y_inv = pow(y, -1, L)
    ipp_l, ipp_r, a_final, b_final = _inner_product_prove(
        transcript, w, generator, _powers(y_inv, nm), m, l_vec, r_vec
    )
    proof = RangeProof(
        a_total.to_bytes(), s_total.to_bytes(), t1_total.to_bytes(), t2_total.to_bytes(),
        t_x, t_x_blinding, e_blinding, ipp_l, ipp_r, a_final, b_final,
    )
    return proof.to_bytes(), commitments[: len(values)]


def _inner_product_prove(
    transcript: Transcript,
    w: int,
    generator: Point,
    h_factors: list[int],
    parties: int,
    a: list[int],
    b: list[int],
) -> tuple[tuple[bytes, ...], tuple[bytes, ...], int, int]:
    """``InnerProductProof::create`` with ``Q = w*B`` and ``H'_i = y^-i * H_i``.

    The folded generator ``G_i`` of a round is ``sum(gc[j]*G_j for j = i mod n)`` (halving keeps
    residues), so coefficients ``gc``/``hc`` on the original generators replace point folding.
    """
    total = len(a)
    transcript.append_message(b"dom-sep", b"ipp v1")
    transcript.append_u64(b"n", total)
    gc = [1] * total
    hc = list(h_factors)
    left_points: list[bytes] = []
    right_points: list[bytes] = []
    n = total
    while n != 1:
        n //= 2
        a_lo, a_hi = a[:n], a[n:]
        b_lo, b_hi = b[:n], b[n:]
        c_l = sum(p * q for p, q in zip(a_lo, b_hi, strict=True)) % L
        c_r = sum(p * q for p, q in zip(a_hi, b_lo, strict=True)) % L
        # scalars on G_0..G_{N-1} then H_0..H_{N-1}; each generator serves L or R, not both
        l_g, l_h, r_g, r_h = [0] * total, [0] * total, [0] * total, [0] * total
        for j in range(total):
            k = j % (2 * n)
            if k < n:  # G_j, H_j fold into G_lo[k], H_lo[k]
                l_h[j] = b_hi[k] * hc[j] % L  # <b_hi, H_lo>
                r_g[j] = a_hi[k] * gc[j] % L  # <a_hi, G_lo>
            else:  # G_j, H_j fold into G_hi[k-n], H_hi[k-n]
                l_g[j] = a_lo[k - n] * gc[j] % L  # <a_lo, G_hi>
                r_h[j] = b_lo[k - n] * hc[j] % L  # <b_lo, H_hi>
        left = _msm_with_generators(parties, l_g + l_h, [c_l * w % L], [generator])
        right = _msm_with_generators(parties, r_g + r_h, [c_r * w % L], [generator])
        left_points.append(left.to_bytes())
        right_points.append(right.to_bytes())
        transcript.append_message(b"L", left.to_bytes())
        transcript.append_message(b"R", right.to_bytes())
        u = _challenge(transcript, b"u")
        u_inv = pow(u, -1, L)
        a = [(p * u + u_inv * q) % L for p, q in zip(a_lo, a_hi, strict=True)]
        b = [(p * u_inv + u * q) % L for p, q in zip(b_lo, b_hi, strict=True)]
        for j in range(total):
            if j % (2 * n) < n:
                gc[j] = gc[j] * u_inv % L
                hc[j] = hc[j] * u % L
            else:
                gc[j] = gc[j] * u % L
                hc[j] = hc[j] * u_inv % L
    return tuple(left_points), tuple(right_points), a[0], b[0]



# --- verifier --------------------------------------------------------------------------------
def _decompress(encoding: bytes, what: str) -> Point:
    """dalek ``CompressedRistretto::decompress`` (``Point.from_bytes`` applies its rules)."""
    try:
        return Point.from_bytes(encoding)
    except CryptoError as exc:
        raise CryptoError("crypto.range_proof_invalid", f"{what} does not decompress") from exc


@attrs.frozen
class Equation:
    """One proof's verification equation ``sum(coefficients * points) == identity``, prepared
    up to its generator scalars: the transcript challenges they are computed from are kept
    (``y, z, a, b`` and the inner-product challenges ``us``), so that a batch can accumulate
    them (in C when built) without expanding every proof's 2*64*m scalars in Python."""

    parties: int
    y: int
    z: int
    a: int
    b: int
    us: tuple[int, ...]
    u_inv: tuple[int, ...]
    y_inv: int
    base_scalar: int  # on B_blinding (G for MobileCoin)
    blinding_base: Point
    generator_scalar: int  # on B = H_token
    generator: Point
    other_scalars: list[int]  # on A, S, T1, T2, L_k, R_k, V_j
    other_points: list[Point]


@attrs.frozen
class _Check:
    """One proof's verification equation with its generator scalars expanded."""

    parties: int
    g_scalars: list[int]  # on G_0..G_{nm-1}
    h_scalars: list[int]  # on H_0..H_{nm-1}
    base_scalar: int
    blinding_base: Point
    generator_scalar: int
    generator: Point
    other_scalars: list[int]
    other_points: list[Point]


def prepare_equation(
    proof_bytes: bytes,
    commitments: Sequence[Point],
    generator: Point,
    rng: RandomSource,
    blinding_base: Point | None = None,
    label: bytes = BULLETPROOF_DOMAIN_TAG,
) -> Equation:
    """``RangeProof::verify_multiple_with_rng`` up to the generator scalars and the final
    multiscalar multiplication (its rejections of the encoding, the identity and a zero
    challenge are raised here, in dalek's order); draws the proof's weight ``c`` from ``rng``."""
    proof = RangeProof.from_bytes(proof_bytes)
    m = _party_count(len(commitments))
    padded_points = _pad_to_pow2(list(commitments))
    padded = [c.to_bytes() for c in padded_points]
    nm = BITS * m
    lg_nm = nm.bit_length() - 1
    if len(proof.L_vec) != lg_nm:
        raise CryptoError(
            "crypto.range_proof_invalid",
            f"inner-product proof has {len(proof.L_vec)} rounds, {m} commitments need {lg_nm}",
        )
    transcript = _start_transcript(m, padded, label)
    _append_checked(transcript, b"A", proof.A)
    _append_checked(transcript, b"S", proof.S)
    y = _challenge(transcript, b"y")
    z = _challenge(transcript, b"z")
    _append_checked(transcript, b"T_1", proof.T1)
    _append_checked(transcript, b"T_2", proof.T2)
    x = _challenge(transcript, b"x")
    transcript.append_message(b"t_x", _sb(proof.t_x))
    transcript.append_message(b"t_x_blinding", _sb(proof.t_x_blinding))
    transcript.append_message(b"e_blinding", _sb(proof.e_blinding))
    w = _challenge(transcript, b"w")
    c = _rand(rng)

    # InnerProductProof::verification_scalars
    transcript.append_message(b"dom-sep", b"ipp v1")
    transcript.append_u64(b"n", nm)
    us: list[int] = []
    for left, right in zip(proof.L_vec, proof.R_vec, strict=True):
        _append_checked(transcript, b"L", left)
        _append_checked(transcript, b"R", right)
        us.append(_challenge(transcript, b"u"))
    if any(u == 0 for u in us):
        raise CryptoError("crypto.range_proof_invalid", "a zero inner-product challenge")
    # one inversion for all: the u_k, y and (for sum_y = (y^nm - 1)/(y - 1)) y - 1
    inverses = _batch_invert([*us, y, y - 1] if y != 1 else [*us, y])
    u_inv = inverses[:lg_nm]
    u_sq = [u * u % L for u in us]
    u_inv_sq = [v * v % L for v in u_inv]
    a, b = proof.a, proof.b
    zz = z * z % L
    z_pows = _powers(z, m)
    sum_y = (pow(y, nm, L) - 1) * inverses[lg_nm + 1] % L if y != 1 else nm % L
    sum_z = sum(z_pows) % L
    delta = ((z - zz) * sum_y - zz * z * ((1 << BITS) - 1) * sum_z) % L
    others = [
        (1, proof.A, "A"), (x, proof.S, "S"), (c * x % L, proof.T1, "T_1"),
        (c * x * x % L, proof.T2, "T_2"),
    ]
    others += [(u_sq[k], proof.L_vec[k], "L") for k in range(lg_nm)]
    others += [(u_inv_sq[k], proof.R_vec[k], "R") for k in range(lg_nm)]
    # one C call validates and decodes the proof's points (decoded forms cached for the MSM);
    # None: no C, or an invalid encoding, which the point-by-point path names
    other_points = points_from_encodings([enc for _, enc, _ in others]) or [
        _decompress(enc, what) for _, enc, what in others
    ]
    # the commitments are points already: no second decoding
    others += [(c * zz * z_pows[j] % L, b"", "V") for j in range(m)]
    other_points += padded_points
    return Equation(
        parties=m,
        y=y,
        z=z,
        a=a,
        b=b,
        us=tuple(us),
        u_inv=tuple(u_inv),
        y_inv=inverses[lg_nm],
        base_scalar=(-proof.e_blinding - c * proof.t_x_blinding) % L,
        blinding_base=Point.base() if blinding_base is None else blinding_base,
        generator_scalar=(w * (proof.t_x - a * b) + c * (delta - proof.t_x)) % L,
        generator=generator,
        other_scalars=[k for k, _, _ in others],
        other_points=other_points,
    )


def _generator_scalars(eq: Equation) -> tuple[list[int], list[int]]:
    """The scalars on ``G_i`` and ``H_i`` in pure Python (the fallback of
    :func:`refimpl.crypto.msm.bp_generator_scalars`):
    ``g_i = -z - a*s_i`` and ``h_i = z + y^-i * (z^2 * z^(i // 64) * 2^(i % 64) - b*s_{nm-1-i})``
    with ``s_i`` the product of ``u_k`` or ``u_k^-1`` by the bits of ``i``."""
    m = eq.parties
    nm = BITS * m
    lg_nm = len(eq.us)
    z = eq.z
    u_sq = [u * u % L for u in eq.us]
    s = [0] * nm
    s0 = 1
    for v in eq.u_inv:
        s0 = s0 * v % L
    s[0] = s0
    for i in range(1, nm):
        lg_i = i.bit_length() - 1
        s[i] = s[i - (1 << lg_i)] * u_sq[lg_nm - 1 - lg_i] % L
    a, b = eq.a, eq.b
    zz = z * z % L
    y_inv_pows = _powers(eq.y_inv, nm)
    z_pows = _powers(z, m)
    g_scalars = [(-z - a * si) % L for si in s]
    z_and_2 = [zz * zj << k for zj in z_pows for k in range(BITS)]
    h_scalars = [
        (z + yi * (z2 - b * si)) % L
        for yi, z2, si in zip(y_inv_pows, z_and_2, reversed(s), strict=True)
    ]
    return g_scalars, h_scalars


def _verification_check(
    proof_bytes: bytes,
    commitments: Sequence[Point],
    generator: Point,
    rng: RandomSource,
    blinding_base: Point,
    label: bytes,
) -> _Check:
    """``RangeProof::verify_multiple_with_rng`` up to the final multiscalar multiplication,
    every scalar in Python (the path :func:`verify_with_gens` and the bench baseline take)."""
    eq = prepare_equation(proof_bytes, commitments, generator, rng, blinding_base, label)
    g_scalars, h_scalars = _generator_scalars(eq)
    return _Check(
        parties=eq.parties,
        g_scalars=g_scalars,
        h_scalars=h_scalars,
        base_scalar=eq.base_scalar,
        blinding_base=eq.blinding_base,
        generator_scalar=eq.generator_scalar,
        generator=eq.generator,
        other_scalars=eq.other_scalars,
        other_points=eq.other_points,
    )


def _combined_is_identity(checks: Sequence[_Check], weights: Sequence[int]) -> bool:
    """One multiscalar multiplication for the weighted sum of the checks."""
    m = max(check.parties for check in checks)
    g_scalars = [0] * (BITS * m)
    h_scalars = [0] * (BITS * m)
    per_generator: dict[Point, int] = {}
    scalars: list[int] = []
    points: list[Point] = []
    for check, weight in zip(checks, weights, strict=True):
        for i, v in enumerate(check.g_scalars):
            g_scalars[i] += weight * v
        for i, v in enumerate(check.h_scalars):
            h_scalars[i] += weight * v
        per_generator[check.blinding_base] = (
            per_generator.get(check.blinding_base, 0) + weight * check.base_scalar
        )
        per_generator[check.generator] = (
            per_generator.get(check.generator, 0) + weight * check.generator_scalar
        )
        scalars += [weight * v % L for v in check.other_scalars]
        points += check.other_points
    scalars += [v % L for v in per_generator.values()]
    points += list(per_generator)
    gh_scalars = [v % L for v in g_scalars] + [v % L for v in h_scalars]
    return _msm_with_generators(m, gh_scalars, scalars, points).is_identity()


def _accumulate_python(
    equations: Sequence[Equation], weights: Sequence[int], parties: int
) -> list[int]:
    """``sum(weight * (g || h))`` over the equations, reduced, in pure Python."""
    g_sum = [0] * (BITS * parties)
    h_sum = [0] * (BITS * parties)
    for eq, weight in zip(equations, weights, strict=True):
        g_scalars, h_scalars = _generator_scalars(eq)
        if weight == 1:
            for i, v in enumerate(g_scalars):
                g_sum[i] += v
            for i, v in enumerate(h_scalars):
                h_sum[i] += v
        else:
            for i, v in enumerate(g_scalars):
                g_sum[i] += weight * v
            for i, v in enumerate(h_scalars):
                h_sum[i] += weight * v
    return [v % L for v in g_sum] + [v % L for v in h_sum]


#: One group of equations for :func:`groups_hold`: the equations, their weights and further,
#: already weighted terms of the same group (e.g. a transaction's balance equation).
EquationGroup = tuple[Sequence[Equation], Sequence[int], Sequence[int], Sequence[Point]]


def equations_hold(
    equations: Sequence[Equation],
    weights: Sequence[int],
    extra_scalars: Sequence[int] = (),
    extra_points: Sequence[Point] = (),
) -> bool:
    """Whether ``sum(weight_k * equation_k) + sum(extra terms)`` is the identity: one
    multiscalar multiplication (:func:`groups_hold` of a single group)."""
    return groups_hold([(equations, weights, extra_scalars, extra_points)])


def groups_hold(groups: Sequence[EquationGroup]) -> bool:
    """Whether the weighted sum of every group's equations and extra terms is the identity:
    one multiscalar multiplication.

    With independent random weights (at least 128 bits) this fails, except with probability
    about ``1/2^128``, as soon as one equation does not hold (the batch verification of the
    Bulletproofs paper, section 6.1). The generator scalars of all equations are summed by
    :func:`refimpl.crypto.msm.bp_accumulate` in C when built (no Python int per scalar), else by
    :func:`_generator_scalars`. ``G`` and each token's ``H_t`` get one term for all groups;
    within a group, a point that repeats (a padding commitment, a commitment the balance
    equation shares with a proof) gets one term. Points of different groups are never merged,
    so a batch costs what its distinct transactions cost.
    """
    equations = [eq for group in groups for eq in group[0]]
    weights = [w for group in groups for w in group[1]]
    if not equations:
        lone_scalars = [v for group in groups for v in group[2]]
        if not lone_scalars:
            return True
        lone_points = [p for group in groups for p in group[3]]
        return multiscalar_mul(lone_scalars, lone_points).is_identity()
    m = max(eq.parties for eq in equations)
    shared: dict[Point, int] = {}  # G and the H_t
    scalars: list[int] = []
    points: list[Point] = []
    for group_equations, group_weights, extra_scalars, extra_points in groups:
        local: dict[Point, int] = {}
        for eq, weight in zip(group_equations, group_weights, strict=True):
            shared[eq.blinding_base] = shared.get(eq.blinding_base, 0) + weight * eq.base_scalar
            shared[eq.generator] = shared.get(eq.generator, 0) + weight * eq.generator_scalar
            for scalar, point in zip(eq.other_scalars, eq.other_points, strict=True):
                local[point] = local.get(point, 0) + weight * scalar
        for scalar, point in zip(extra_scalars, extra_points, strict=True):
            if point in shared:
                shared[point] += scalar
            else:
                local[point] = local.get(point, 0) + scalar
        points += local
        scalars += [v % L for v in local.values()]
    points += shared
    scalars += [v % L for v in shared.values()]
    accumulate = _bp_accumulate
    if accumulate is not None and multiscalar_mul is _DEFAULT_MSM:
        acc = bp_accumulator(m)
        if all(
            accumulate(acc, weight, eq.y, eq.z, eq.a, eq.b, list(eq.us), eq.parties)
            for eq, weight in zip(equations, weights, strict=True)
        ):
            if m <= _TABLE_MAX_PARTIES:
                total = multiscalar_mul_fixed_packed(_generator_bases(m), acc, scalars, points)
                return total.is_identity()
            gh_packed = [int.from_bytes(acc[i : i + 32], "little") for i in range(0, len(acc), 32)]
            return _msm_with_generators(m, gh_packed, scalars, points).is_identity()
    gh_scalars = _accumulate_python(equations, weights, m)
    return _msm_with_generators(m, gh_scalars, scalars, points).is_identity()


class WeightRng:
    """Verifier randomness for batch weights: 32 bytes of the verifier's ``rng`` key a PRF
    (Blake2b-512 of key, label and a counter), so that each weight costs one hash instead of a
    draw from a possibly slow generator (the HC-128 of the seeded tests costs ~75 us per 64
    bytes). Weights stay independent and unpredictable to whoever made the proofs, which is
    all batch verification asks of them (as dalek's transcript-keyed verifier RNG)."""

    __slots__ = ("_key", "_counter")

    def __init__(self, rng: RandomSource) -> None:
        self._key = bytes(rng(32))
        self._counter = 0

    def __call__(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            self._counter += 1
            out += hashlib.blake2b(
                self._counter.to_bytes(8, "little"), key=self._key, person=b"mcref weights"
            ).digest()
        return out[:n]


def random_weight(rng: RandomSource) -> int:
    """A batch weight: 64 bytes of ``rng`` reduced mod L (about 252 independent bits)."""
    return _rand(rng)


def verify_multiple(
    proof: bytes, commitments: Sequence[Point], generator: Point, rng: RandomSource
) -> None:
    """MobileCoin ``check_range_proofs``: the proof shows every commitment opens to a u64."""
    verify_with_gens(proof, commitments, generator, Point.base(), BULLETPROOF_DOMAIN_TAG, rng)


def verify_with_gens(
    proof: bytes,
    commitments: Sequence[Point],
    value_base: Point,
    blinding_base: Point,
    transcript_label: bytes,
    rng: RandomSource,
) -> None:
    """``RangeProof::verify_multiple_with_rng`` with explicit ``PedersenGens`` and transcript
    label (n = 64): lets dalek's own published proofs check this verifier."""
    check = _verification_check(
        proof, commitments, value_base, rng, blinding_base, transcript_label
    )
    if not _combined_is_identity([check], [1]):
        raise CryptoError("crypto.range_proof_invalid", "the range proof does not verify")


def batch_verify(
    items: Sequence[tuple[bytes, Sequence[Point], Point]], rng: RandomSource
) -> None:
    """Verify several ``(proof, commitments, generator)`` at once: one multiscalar check of the
    sum of their equations with independent random weights (:func:`equations_hold`; fails if
    any proof is invalid, except with probability about 2^-128)."""
    if not items:
        return
    equations = [prepare_equation(p, cs, g, rng) for p, cs, g in items]
    weights = [1] + [_rand(rng) for _ in equations[1:]]
    if not equations_hold(equations, weights):
        raise CryptoError("crypto.range_proof_invalid", "a range proof in the batch is invalid")
