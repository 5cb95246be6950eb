/*
 * Variable-time multiscalar multiplication over ristretto255 for the reference implementation,
 * and the verification hot paths built on it (issue 13).
 *
 * Field GF(2^255-19) in radix 2^51 (five 64-bit limbs, 128-bit products); the group is the
 * twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 in extended coordinates (X:Y:Z:T), with the
 * unified addition of Hisil-Wong-Carter-Dawson 2008 ("add-2008-hwcd-3") and their doubling;
 * ristretto255 decoding, encoding and hash-to-group follow RFC 9496 sections 4.3.1, 4.3.2 and
 * 4.3.4. Few terms use Straus with width-w NAF digits (shared doublings), many use Pippenger's
 * bucket method with signed radix-2^c digits, fixed bases a precomputed table. Scalars modulo
 * the group order L use Montgomery multiplication; BLAKE2b follows RFC 7693. Not constant-time:
 * it is used only on public data (verification). Written for this project from those published
 * descriptions.
 *
 * Python API (module refimpl.crypto._msm; refimpl/crypto/msm.py wraps it):
 *   VERSION: int (refimpl/crypto/msm.py refuses a build whose VERSION differs from its own)
 *   decode(encoding: bytes[32]) -> bytes[160]   extended coordinates, raises ValueError
 *   decode_many(encodings: bytes[32n]) -> bytes[160n]   the same for n points at once
 *   msm(scalars: bytes[32n], points: bytes[160n]) -> bytes[32]   canonical encoding of the sum
 *   table_new(points: bytes[160n], c: int) -> bytes   fixed-base table (2^(c*k) multiples)
 *   msm_with_table(table, c, table_scalars: bytes[32n], scalars, points) -> bytes[32]
 *   mlsag_member(r0 || r1 || c: bytes[96], P || C || Hp || I || C': bytes[800]) -> L0 || R0 || L1
 *   mlsag_ring(message, c0, responses[64n], key_image, keys[32n], commitments[32n], pseudo
 *              [, decoded: bytes[320n] = P_0 || C_0 || P_1 || ...])
 *       -> bytes[32]   the RingMLSAG challenge after the last member (== c0 when valid)
 *   bp_scalars(out, stride, weight, y, z, a, b, us, m, accumulate) -> None
 *       weighted Bulletproofs generator scalars written or added into 32-byte slots of out
 *   blake2b512(data) -> bytes[64]; from_uniform_bytes(bytes[64]) -> bytes[32];
 *   scalar_op(op, a, b) -> bytes[32]   the C BLAKE2b, hash-to-group and scalars, for tests
 *   ifma([enable: int]) -> bool   whether mlsag_member/mlsag_ring and the bucket phases of
 *       msm / msm_with_table (table MSM, Pippenger over decoded points) use the AVX-512 IFMA lanes
 *       (on at import where the CPU has them, unless MCREF_NO_IFMA is set non-empty, not "0")
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t fe[5];
typedef unsigned __int128 u128;

#define MASK51 ((uint64_t)0x7ffffffffffffULL)

/* ---------------------------------------------------------------- field arithmetic */

static void fe_copy(fe r, const fe a) { memcpy(r, a, sizeof(fe)); }

static void fe_set_small(fe r, uint64_t v) {
    r[0] = v; r[1] = r[2] = r[3] = r[4] = 0;
}

static void fe_carry(fe r) {
    uint64_t c;
    c = r[0] >> 51; r[0] &= MASK51; r[1] += c;
    c = r[1] >> 51; r[1] &= MASK51; r[2] += c;
    c = r[2] >> 51; r[2] &= MASK51; r[3] += c;
    c = r[3] >> 51; r[3] &= MASK51; r[4] += c;
    c = r[4] >> 51; r[4] &= MASK51; r[0] += 19 * c;
    c = r[0] >> 51; r[0] &= MASK51; r[1] += c;
}

/* no carry: every caller feeds the sum to fe_mul/fe_sq (safe below 2^54 per limb) or to fe_sub
 * as its first operand; fe_sub's subtrahend is always a multiplication output or a single sum */
static void fe_add(fe r, const fe a, const fe b) {
    for (int i = 0; i < 5; i++) r[i] = a[i] + b[i];
}

/* a - b + 4p, so limbs stay non-negative for inputs below 2^53 */
static void fe_sub(fe r, const fe a, const fe b) {
    r[0] = a[0] + 0x1fffffffffffb4ULL - b[0];
    r[1] = a[1] + 0x1ffffffffffffcULL - b[1];
    r[2] = a[2] + 0x1ffffffffffffcULL - b[2];
    r[3] = a[3] + 0x1ffffffffffffcULL - b[3];
    r[4] = a[4] + 0x1ffffffffffffcULL - b[4];
    fe_carry(r);
}

static void fe_neg(fe r, const fe a) {
    fe z = {0, 0, 0, 0, 0};
    fe_sub(r, z, a);
}

static void fe_mul(fe r, const fe a, const fe b) {
    uint64_t b1 = 19 * b[1], b2 = 19 * b[2], b3 = 19 * b[3], b4 = 19 * b[4];
    u128 t0 = (u128)a[0] * b[0] + (u128)a[1] * b4 + (u128)a[2] * b3 + (u128)a[3] * b2 + (u128)a[4] * b1;
    u128 t1 = (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)a[2] * b4 + (u128)a[3] * b3 + (u128)a[4] * b2;
    u128 t2 = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0] + (u128)a[3] * b4 + (u128)a[4] * b3;
    u128 t3 = (u128)a[0] * b[3] + (u128)a[1] * b[2] + (u128)a[2] * b[1] + (u128)a[3] * b[0] + (u128)a[4] * b4;
    u128 t4 = (u128)a[0] * b[4] + (u128)a[1] * b[3] + (u128)a[2] * b[2] + (u128)a[3] * b[1] + (u128)a[4] * b[0];
    uint64_t c;
    t1 += (uint64_t)(t0 >> 51); r[0] = (uint64_t)t0 & MASK51;
    t2 += (uint64_t)(t1 >> 51); r[1] = (uint64_t)t1 & MASK51;
    t3 += (uint64_t)(t2 >> 51); r[2] = (uint64_t)t2 & MASK51;
    t4 += (uint64_t)(t3 >> 51); r[3] = (uint64_t)t3 & MASK51;
    c = (uint64_t)(t4 >> 51); r[4] = (uint64_t)t4 & MASK51;
    r[0] += 19 * c;
    c = r[0] >> 51; r[0] &= MASK51; r[1] += c;
}

/* a^2 with the symmetric products computed once (15 multiplications instead of 25) */
static void fe_sq(fe r, const fe a) {
    uint64_t d0 = 2 * a[0], d1 = 2 * a[1], d2 = 2 * a[2], d3 = 2 * a[3];
    uint64_t a3_19 = 19 * a[3], a4_19 = 19 * a[4];
    u128 t0 = (u128)a[0] * a[0] + (u128)d1 * a4_19 + (u128)d2 * a3_19;
    u128 t1 = (u128)d0 * a[1] + (u128)d2 * a4_19 + (u128)a[3] * a3_19;
    u128 t2 = (u128)d0 * a[2] + (u128)a[1] * a[1] + (u128)d3 * a4_19;
    u128 t3 = (u128)d0 * a[3] + (u128)d1 * a[2] + (u128)a[4] * a4_19;
    u128 t4 = (u128)d0 * a[4] + (u128)d1 * a[3] + (u128)a[2] * a[2];
    uint64_t c;
    t1 += (uint64_t)(t0 >> 51); r[0] = (uint64_t)t0 & MASK51;
    t2 += (uint64_t)(t1 >> 51); r[1] = (uint64_t)t1 & MASK51;
    t3 += (uint64_t)(t2 >> 51); r[2] = (uint64_t)t2 & MASK51;
    t4 += (uint64_t)(t3 >> 51); r[3] = (uint64_t)t3 & MASK51;
    c = (uint64_t)(t4 >> 51); r[4] = (uint64_t)t4 & MASK51;
    r[0] += 19 * c;
    c = r[0] >> 51; r[0] &= MASK51; r[1] += c;
}

static void fe_frombytes(fe r, const uint8_t s[32]) {
    uint64_t w[4];
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int j = 7; j >= 0; j--) v = (v << 8) | s[8 * i + j];
        w[i] = v;
    }
    r[0] = w[0] & MASK51;
    r[1] = ((w[0] >> 51) | (w[1] << 13)) & MASK51;
    r[2] = ((w[1] >> 38) | (w[2] << 26)) & MASK51;
    r[3] = ((w[2] >> 25) | (w[3] << 39)) & MASK51;
    r[4] = (w[3] >> 12) & MASK51; /* the top bit is ignored */
}

static void fe_tobytes(uint8_t s[32], const fe a) {
    fe h, t;
    fe_copy(h, a);
    fe_carry(h);
    fe_carry(h);
    /* now h < 2^255 + small; reduce to [0, p) by testing h + 19 >= 2^255 */
    fe_copy(t, h);
    t[0] += 19;
    uint64_t c;
    c = t[0] >> 51; t[0] &= MASK51; t[1] += c;
    c = t[1] >> 51; t[1] &= MASK51; t[2] += c;
    c = t[2] >> 51; t[2] &= MASK51; t[3] += c;
    c = t[3] >> 51; t[3] &= MASK51; t[4] += c;
    if (t[4] >> 51) { t[4] &= MASK51; fe_copy(h, t); }
    uint64_t w[4];
    w[0] = h[0] | (h[1] << 51);
    w[1] = (h[1] >> 13) | (h[2] << 38);
    w[2] = (h[2] >> 26) | (h[3] << 25);
    w[3] = (h[3] >> 39) | (h[4] << 12);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) s[8 * i + j] = (uint8_t)(w[i] >> (8 * j));
}

static int fe_is_negative(const fe a) {
    uint8_t s[32];
    fe_tobytes(s, a);
    return s[0] & 1;
}

static int fe_is_zero(const fe a) {
    uint8_t s[32], acc = 0;
    fe_tobytes(s, a);
    for (int i = 0; i < 32; i++) acc |= s[i];
    return acc == 0;
}

static int fe_equal(const fe a, const fe b) {
    uint8_t s[32], t[32];
    fe_tobytes(s, a);
    fe_tobytes(t, b);
    return memcmp(s, t, 32) == 0;
}

/* z^(2^250 - 1) and z^11, shared by inversion and the square-root exponent, for `lanes` (1 or
 * 2) independent inputs in lock step: a squaring chain is latency-bound, and two interleaved
 * chains cost about 1.3 times one (so the two halves of a hash-to-point share it) */
#define LANES(body) for (int l = 0; l < lanes; l++) { body; }
static inline __attribute__((always_inline)) void fe_sqn_lanes(fe *r, int n, int lanes) {
    for (int i = 0; i < n; i++) LANES(fe_sq(r[l], r[l]))
}

static inline __attribute__((always_inline)) void fe_pow_2_250_1_lanes(
    fe *out, fe *z11, const fe *z, int lanes) {
    fe t0[2], t1[2], t2[2], t3[2];
    LANES(fe_sq(t0[l], z[l]))                  /* 2 */
    LANES(fe_sq(t1[l], t0[l]))
    fe_sqn_lanes(t1, 1, lanes);                /* 8 */
    LANES(fe_mul(t1[l], t1[l], z[l]))          /* 9 */
    LANES(fe_mul(t0[l], t0[l], t1[l]))         /* 11 */
    LANES(fe_copy(z11[l], t0[l]))
    LANES(fe_sq(t2[l], t0[l]))                 /* 22 */
    LANES(fe_mul(t1[l], t1[l], t2[l]))         /* 2^5 - 1 */
    LANES(fe_copy(t2[l], t1[l]))
    fe_sqn_lanes(t2, 5, lanes);
    LANES(fe_mul(t1[l], t2[l], t1[l]))         /* 2^10 - 1 */
    LANES(fe_copy(t2[l], t1[l]))
    fe_sqn_lanes(t2, 10, lanes);
    LANES(fe_mul(t2[l], t2[l], t1[l]))         /* 2^20 - 1 */
    LANES(fe_copy(t3[l], t2[l]))
    fe_sqn_lanes(t3, 20, lanes);
    LANES(fe_mul(t2[l], t3[l], t2[l]))         /* 2^40 - 1 */
    fe_sqn_lanes(t2, 10, lanes);
    LANES(fe_mul(t1[l], t2[l], t1[l]))         /* 2^50 - 1 */
    LANES(fe_copy(t2[l], t1[l]))
    fe_sqn_lanes(t2, 50, lanes);
    LANES(fe_mul(t2[l], t2[l], t1[l]))         /* 2^100 - 1 */
    LANES(fe_copy(t3[l], t2[l]))
    fe_sqn_lanes(t3, 100, lanes);
    LANES(fe_mul(t2[l], t3[l], t2[l]))         /* 2^200 - 1 */
    fe_sqn_lanes(t2, 50, lanes);
    LANES(fe_mul(out[l], t2[l], t1[l]))        /* 2^250 - 1 */
}

/* z^((p-5)/8) = z^(2^252 - 3) */
static inline __attribute__((always_inline)) void fe_pow22523_lanes(fe *r, const fe *z,
                                                                     int lanes) {
    fe t[2], z11[2];
    fe_pow_2_250_1_lanes(t, z11, z, lanes);
    fe_sqn_lanes(t, 2, lanes);
    LANES(fe_mul(r[l], t[l], z[l]))
}

static void fe_invert(fe r, const fe z) { /* z^(p-2) = z^(2^255 - 21) */
    fe t[1], z11[1], in[1];
    fe_copy(in[0], z);
    fe_pow_2_250_1_lanes(t, z11, (const fe *)in, 1);
    fe_sqn_lanes(t, 5, 1);
    fe_mul(r, t[0], z11[0]);
}

static fe FE_D, FE_D2, FE_SQRT_M1, FE_INVSQRT_A_MINUS_D, FE_ONE;

static const uint8_t D_BYTES[32] = {
    0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
    0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52};
static const uint8_t SQRT_M1_BYTES[32] = {
    0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
    0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b};
static const uint8_t INVSQRT_A_MINUS_D_BYTES[32] = {
    0xea, 0x40, 0x5d, 0x80, 0xaa, 0xfd, 0xc8, 0x99, 0xbe, 0x72, 0x41, 0x5a, 0x17, 0x16, 0x2f, 0x9d,
    0x40, 0xd8, 0x01, 0xfe, 0x91, 0x7b, 0xc2, 0x16, 0xa2, 0xfc, 0xaf, 0xcf, 0x05, 0x89, 0x6c, 0x78};

static void fe_abs(fe r, const fe a) {
    if (fe_is_negative(a)) fe_neg(r, a); else fe_copy(r, a);
}

/* RFC 9496 SQRT_RATIO_M1(u, v) in three steps so that the exponentiation can run for several
 * inputs at once: sqrt_prep gives v^3 and t = u v^7, the caller raises t to (p-5)/8, and
 * sqrt_finish gives was_square and r = sqrt(u/v) or sqrt(i*u/v), non-negative */
static void sqrt_prep(fe v3, fe t, const fe u, const fe v) {
    fe v7;
    fe_sq(v3, v); fe_mul(v3, v3, v);     /* v^3 */
    fe_sq(v7, v3); fe_mul(v7, v7, v);    /* v^7 */
    fe_mul(t, u, v7);
}

static int sqrt_finish(fe r, const fe t_pow, const fe v3, const fe u, const fe v) {
    fe t, check, neg_u, neg_u_i;
    fe_mul(t, t_pow, v3);
    fe_mul(r, t, u);                     /* (u v^3)(u v^7)^((p-5)/8) */
    fe_sq(check, r);
    fe_mul(check, check, v);
    fe_neg(neg_u, u);
    fe_mul(neg_u_i, neg_u, FE_SQRT_M1);
    int correct = fe_equal(check, u);
    int flipped = fe_equal(check, neg_u);
    int flipped_i = fe_equal(check, neg_u_i);
    if (flipped || flipped_i) fe_mul(r, r, FE_SQRT_M1);
    fe_abs(r, r);
    return correct || flipped;
}

/* SQRT_RATIO_M1 for `lanes` (1 or 2) independent pairs, the exponentiations in lock step (see
 * fe_pow_2_250_1_lanes) */
static inline __attribute__((always_inline)) void sqrt_ratio_m1_lanes(
    fe *r, int *was_square, const fe *u, const fe *v, int lanes) {
    fe v3[2], t[2];
    LANES(sqrt_prep(v3[l], t[l], u[l], v[l]))
    fe_pow22523_lanes(t, (const fe *)t, lanes);
    LANES(was_square[l] = sqrt_finish(r[l], t[l], v3[l], u[l], v[l]))
}

static int sqrt_ratio_m1(fe r, const fe u, const fe v) {
    fe out[1], uu[1], vv[1];
    int was_square[1];
    fe_copy(uu[0], u);
    fe_copy(vv[0], v);
    sqrt_ratio_m1_lanes(out, was_square, (const fe *)uu, (const fe *)vv, 1);
    fe_copy(r, out[0]);
    return was_square[0];
}

/* ---------------------------------------------------------------- group */

typedef struct { fe X, Y, Z, T; } ge;          /* extended coordinates */
typedef struct { fe YpX, YmX, Z2, T2d; } ge_cached;

static void ge_identity(ge *p) {
    fe_set_small(p->X, 0); fe_set_small(p->Y, 1); fe_set_small(p->Z, 1); fe_set_small(p->T, 0);
}

static void ge_to_cached(ge_cached *c, const ge *p) {
    fe_add(c->YpX, p->Y, p->X);
    fe_sub(c->YmX, p->Y, p->X);
    fe_add(c->Z2, p->Z, p->Z);
    fe_mul(c->T2d, p->T, FE_D2);
}

/* a - b + 4p without the carry: only for a result fed straight to fe_mul/fe_sq. Bounds: a below
 * 2^53 and b at most 2^53 - 76 per limb (every multiplication output, and sums of two) give
 * limbs below 2^54, which fe_mul and fe_sq accept. */
static void fe_sub_lazy(fe r, const fe a, const fe b) {
    r[0] = a[0] + 0x1fffffffffffb4ULL - b[0];
    r[1] = a[1] + 0x1ffffffffffffcULL - b[1];
    r[2] = a[2] + 0x1ffffffffffffcULL - b[2];
    r[3] = a[3] + 0x1ffffffffffffcULL - b[3];
    r[4] = a[4] + 0x1ffffffffffffcULL - b[4];
}

/* r = p + q or p - q (q cached) by add-2008-hwcd-3 for a = -1; with affine q (Z = 1, Z2 = 2)
 * D = 2 Z1 needs no multiplication. Subtracting swaps Y+X with Y-X and negates T2d, which
 * here swaps the roles of D + C and D - C. */
static inline void ge_addsub(ge *r, const ge *p, const ge_cached *q, int affine, int negate) {
    fe a, b, c, d, e, f, g, h, t;
    fe_sub_lazy(t, p->Y, p->X);
    fe_mul(a, t, negate ? q->YpX : q->YmX);
    fe_add(t, p->Y, p->X);
    fe_mul(b, t, negate ? q->YmX : q->YpX);
    fe_mul(c, p->T, q->T2d);
    if (affine) fe_add(d, p->Z, p->Z); else fe_mul(d, p->Z, q->Z2);
    fe_sub_lazy(e, b, a);
    if (negate) { fe_add(f, d, c); fe_sub_lazy(g, d, c); }
    else { fe_sub_lazy(f, d, c); fe_add(g, d, c); }
    fe_add(h, b, a);
    fe_mul(r->X, e, f);
    fe_mul(r->Y, g, h);
    fe_mul(r->T, e, h);
    fe_mul(r->Z, f, g);
}

static void ge_add_cached(ge *r, const ge *p, const ge_cached *q) { ge_addsub(r, p, q, 0, 0); }

static void ge_add(ge *r, const ge *p, const ge *q) {
    ge_cached c;
    ge_to_cached(&c, q);
    ge_add_cached(r, p, &c);
}

/* dbl-2008-hwcd with a = -1; with_t = 0 skips T, which only an addition reads */
static inline void ge_double_t(ge *r, const ge *p, int with_t) {
    fe a, b, c, e, f, g, h, t;
    fe_sq(a, p->X);
    fe_sq(b, p->Y);
    fe_sq(c, p->Z);
    fe_add(c, c, c);              /* C = 2 Z^2 */
    fe_add(t, p->X, p->Y);
    fe_sq(e, t);
    fe_add(h, a, b);              /* A + B */
    fe_sub_lazy(e, e, h);         /* E = 2XY */
    fe_sub_lazy(g, b, a);         /* G = -A + B */
    fe_add(t, a, c);
    fe_sub_lazy(f, b, t);         /* F = G - C */
    fe_sub_lazy(h, (const uint64_t[5]){0, 0, 0, 0, 0}, h); /* H = -A - B */
    fe_mul(r->X, e, f);
    fe_mul(r->Y, g, h);
    if (with_t) fe_mul(r->T, e, h);
    fe_mul(r->Z, f, g);
}

static void ge_double(ge *r, const ge *p) { ge_double_t(r, p, 1); }
static void ge_double_xyz(ge *r, const ge *p) { ge_double_t(r, p, 0); }

static int ristretto_decode(ge *p, const uint8_t in[32]) {
    fe s, ss, u1, u2, u2sq, v, t, invsqrt, den_x, den_y;
    uint8_t check[32];
    fe_frombytes(s, in);
    fe_tobytes(check, s);
    if (memcmp(check, in, 32) != 0) return 0;     /* not canonical (>= p or top bit set) */
    if (in[0] & 1) return 0;                      /* negative s */
    fe_sq(ss, s);
    fe_sub(u1, FE_ONE, ss);
    fe_add(u2, FE_ONE, ss);
    fe_sq(u2sq, u2);
    fe_sq(t, u1);
    fe_mul(t, t, FE_D);
    fe_neg(t, t);
    fe_sub(v, t, u2sq);                           /* -(D u1^2) - u2^2 */
    fe_mul(t, v, u2sq);
    int was_square = sqrt_ratio_m1(invsqrt, FE_ONE, t);
    fe_mul(den_x, invsqrt, u2);
    fe_mul(den_y, invsqrt, den_x);
    fe_mul(den_y, den_y, v);
    fe_add(t, s, s);
    fe_mul(t, t, den_x);
    fe_abs(p->X, t);
    fe_mul(p->Y, u1, den_y);
    fe_set_small(p->Z, 1);
    fe_mul(p->T, p->X, p->Y);
    if (!was_square || fe_is_negative(p->T) || fe_is_zero(p->Y)) return 0;
    return 1;
}

/* RFC 9496 section 4.3.2, given invsqrt = +-1/sqrt(u1 u2^2) (double_and_encode3 knows it
 * without a square root) */
static void ristretto_encode_with(uint8_t out[32], const ge *p, const fe invsqrt) {
    fe u1, u2, t, den1, den2, z_inv, ix, iy, enchanted, x, y, den_inv;
    fe_add(t, p->Z, p->Y);
    fe_sub(u1, p->Z, p->Y);
    fe_mul(u1, t, u1);
    fe_mul(u2, p->X, p->Y);
    fe_mul(den1, invsqrt, u1);
    fe_mul(den2, invsqrt, u2);
    fe_mul(z_inv, den1, den2);
    fe_mul(z_inv, z_inv, p->T);
    fe_mul(ix, p->X, FE_SQRT_M1);
    fe_mul(iy, p->Y, FE_SQRT_M1);
    fe_mul(enchanted, den1, FE_INVSQRT_A_MINUS_D);
    fe_mul(t, p->T, z_inv);
    if (fe_is_negative(t)) {
        fe_copy(x, iy); fe_copy(y, ix); fe_copy(den_inv, enchanted);
    } else {
        fe_copy(x, p->X); fe_copy(y, p->Y); fe_copy(den_inv, den2);
    }
    fe_mul(t, x, z_inv);
    if (fe_is_negative(t)) fe_neg(y, y);
    fe_sub(t, p->Z, y);
    fe_mul(t, den_inv, t);
    fe_abs(t, t);
    fe_tobytes(out, t);
}

static void ristretto_encode(uint8_t out[32], const ge *p) {
    fe u1, u2, t, invsqrt;
    fe_add(t, p->Z, p->Y);
    fe_sub(u1, p->Z, p->Y);
    fe_mul(u1, t, u1);
    fe_mul(u2, p->X, p->Y);
    fe_sq(t, u2);
    fe_mul(t, t, u1);
    sqrt_ratio_m1(invsqrt, FE_ONE, t);
    ristretto_encode_with(out, p, invsqrt);
}

/* ---------------------------------------------------------------- Pippenger */

/* signed radix-2^c digits of a 256-bit little-endian scalar (< 2^255): digits in [-2^(c-1), 2^(c-1)) */
static void recode(int32_t *digits, int windows, const uint8_t s[32], int c) {
    uint64_t w[5] = {0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        for (int j = 7; j >= 0; j--) w[i] = (w[i] << 8) | s[8 * i + j];
    int64_t carry = 0;
    int64_t radix = (int64_t)1 << c, half = radix >> 1;
    for (int k = 0; k < windows; k++) {
        int bit = k * c;
        int64_t v = 0;
        if (bit < 256) {
            int limb = bit >> 6, off = bit & 63;
            uint64_t x = w[limb] >> off;
            if (off + c > 64 && limb + 1 < 5) x |= w[limb + 1] << (64 - off);
            v = (int64_t)(x & (uint64_t)(radix - 1));
        }
        v += carry;
        carry = (v + half) >> c;
        digits[k] = (int32_t)(v - (carry << c));
    }
}

static int window_bits(Py_ssize_t n) {
    if (n < 8) return 3;
    if (n < 32) return 4;
    if (n < 96) return 5;
    if (n < 288) return 6;
    if (n < 800) return 7;
    if (n < 2000) return 8;
    return 9;
}

/* ---------------------------------------------------------------- Straus with NAF digits
 * Width-w non-adjacent form (Hankerson, Menezes and Vanstone, "Guide to Elliptic Curve
 * Cryptography", algorithm 3.35): digits zero or odd in (-2^(w-1), 2^(w-1)), non-zero digits at
 * least w positions apart, so a 253-bit scalar costs about 253/(w+1) additions from a table of
 * the odd multiples P, 3P, ..., (2^(w-1) - 1)P, and the doublings are shared by all terms. */

#define NAF_LEN 257
#define VAR_W 5                 /* variable points: 8 odd multiples */
#define VAR_ODD (1 << (VAR_W - 2))
#define BASE_W 8                /* the basepoint: 64 odd multiples, precomputed with Z = 1 */
#define BASE_ODD (1 << (BASE_W - 2))

/* the digits of a scalar below 2^255; returns one more than the highest non-zero position */
static int wnaf(int8_t naf[NAF_LEN], const uint8_t s[32], int w) {
    uint64_t x[5];
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int j = 7; j >= 0; j--) v = (v << 8) | s[8 * i + j];
        x[i] = v;
    }
    x[4] = 0;
    memset(naf, 0, NAF_LEN);
    int width = 1 << w, half = width >> 1, carry = 0, top = 0, pos = 0;
    uint64_t mask = (uint64_t)width - 1;
    while (pos < NAF_LEN) {
        int idx = pos >> 6, off = pos & 63;
        uint64_t bits = x[idx] >> off;
        if (off + w > 64 && idx < 4) bits |= x[idx + 1] << (64 - off);
        int window = carry + (int)(bits & mask);
        if ((window & 1) == 0) {   /* this position is zero; a pending carry moves on with it */
            pos++;
            continue;
        }
        if (window < half) { carry = 0; naf[pos] = (int8_t)window; }
        else { carry = 1; naf[pos] = (int8_t)(window - width); }
        top = pos + 1;
        pos += w;
    }
    return top;
}

/* tab[i] = (2i + 1) P for i < VAR_ODD */
static void odd_multiples(ge_cached tab[VAR_ODD], const ge *p) {
    ge acc = *p, p2;
    ge_cached c2;
    ge_double(&p2, p);
    ge_to_cached(&c2, &p2);
    ge_to_cached(&tab[0], p);
    for (int i = 1; i < VAR_ODD; i++) {
        ge_add_cached(&acc, &acc, &c2);
        ge_to_cached(&tab[i], &acc);
    }
}

typedef struct {
    const int8_t *naf;
    const ge_cached *tab;   /* odd multiples of the term's point */
    int affine;             /* the table has Z = 1 */
} straus_term;

/* sum of the terms, sharing the doublings */
static void straus_naf(ge *out, const straus_term *terms, int nterms, int top) {
    ge acc;
    ge_identity(&acc);
    int started = 0;
    for (int i = top - 1; i >= 0; i--) {
        int adds = 0;
        for (int j = 0; j < nterms; j++) adds |= terms[j].naf[i];
        if (started) ge_double_t(&acc, &acc, adds != 0 || i == 0); /* T only when read */
        for (int j = 0; j < nterms; j++) {
            int d = terms[j].naf[i];
            if (d > 0) ge_addsub(&acc, &acc, &terms[j].tab[d >> 1], terms[j].affine, 0);
            else if (d < 0) ge_addsub(&acc, &acc, &terms[j].tab[(-d) >> 1], terms[j].affine, 1);
        }
        started |= adds != 0;
    }
    *out = acc;
}

static const uint8_t BASEPOINT_BYTES[32] = {
    0xe2, 0xf2, 0xae, 0x0a, 0x6a, 0xbc, 0x4e, 0x71, 0xa8, 0x84, 0xa9, 0x61, 0xc5, 0x00, 0x51, 0x5f,
    0x58, 0xe3, 0x0b, 0x6a, 0xa5, 0x82, 0xdd, 0x8d, 0xb6, 0xa6, 0x59, 0x45, 0xe0, 0x8d, 0x2d, 0x76};

static ge_cached G_ODD[BASE_ODD];   /* (2i + 1) G with Z = 1, built at import */

static int g_table_init(void) {
    ge base, acc, g2;
    ge_cached c2;
    if (!ristretto_decode(&base, BASEPOINT_BYTES)) return 0;
    ge_double(&g2, &base);
    ge_to_cached(&c2, &g2);
    acc = base;
    for (int i = 0; i < BASE_ODD; i++) {
        fe zinv, x, y, t;
        fe_invert(zinv, acc.Z);
        fe_mul(x, acc.X, zinv);
        fe_mul(y, acc.Y, zinv);
        fe_mul(t, x, y);
        fe_add(G_ODD[i].YpX, y, x);
        fe_sub(G_ODD[i].YmX, y, x);
        fe_set_small(G_ODD[i].Z2, 2);
        fe_mul(G_ODD[i].T2d, t, FE_D2);
        ge_add_cached(&acc, &acc, &c2);
    }
    return 1;
}

/* Straus over n decoded points (160 bytes each), NAF width VAR_W */
static int straus_points(ge *result, const uint8_t *scalars, const uint8_t *points, Py_ssize_t n) {
    size_t count = (size_t)(n > 0 ? n : 1);
    ge_cached *tabs = malloc(sizeof(ge_cached) * VAR_ODD * count);
    int8_t *nafs = malloc((size_t)NAF_LEN * count);
    straus_term *terms = malloc(sizeof(straus_term) * count);
    if (!tabs || !nafs || !terms) { free(tabs); free(nafs); free(terms); return 0; }
    int top = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        ge p;
        memcpy(&p, points + 160 * i, sizeof(ge));
        odd_multiples(tabs + VAR_ODD * (size_t)i, &p);
        int t = wnaf(nafs + NAF_LEN * (size_t)i, scalars + 32 * i, VAR_W);
        if (t > top) top = t;
        terms[i].naf = nafs + NAF_LEN * (size_t)i;
        terms[i].tab = tabs + VAR_ODD * (size_t)i;
        terms[i].affine = 0;
    }
    straus_naf(result, terms, (int)n, top);
    free(tabs); free(nafs); free(terms);
    return 1;
}

/* below this many points Straus beats Pippenger (measured: tools in the issue-13 report) */
#ifndef STRAUS_MAX
#define STRAUS_MAX 128
#endif

static int USE_IFMA;

/* the Pippenger bucket phase in IFMA lanes where chosen and every point is affine; -1 if not */
static int msm_point_lanes(ge *result, const uint8_t *scalars, const uint8_t *points,
                           Py_ssize_t n);

static int msm_point(ge *result, const uint8_t *scalars, const uint8_t *points, Py_ssize_t n) {
    if (n <= STRAUS_MAX) return straus_points(result, scalars, points, n);
    int lanes = msm_point_lanes(result, scalars, points, n);
    if (lanes >= 0) return lanes;
    int c = window_bits(n);
    int windows = (256 + c - 1) / c + 1;
    int nbuckets = 1 << (c - 1);
    size_t count = (size_t)(n > 0 ? n : 1);
    ge_cached *cached = malloc(sizeof(ge_cached) * count);
    uint8_t *affine = malloc(count);
    int32_t *digits = malloc(sizeof(int32_t) * (size_t)windows * count);
    ge *buckets = malloc(sizeof(ge) * (size_t)nbuckets);
    uint8_t *used = malloc((size_t)nbuckets);
    if (!cached || !affine || !digits || !buckets || !used) {
        free(cached); free(affine); free(digits); free(buckets); free(used);
        return 0;
    }
    fe one;
    fe_set_small(one, 1);
    for (Py_ssize_t i = 0; i < n; i++) {
        ge p;
        memcpy(&p, points + 160 * i, sizeof(ge));
        ge_to_cached(&cached[i], &p);
        affine[i] = (uint8_t)(memcmp(p.Z, one, sizeof(fe)) == 0); /* decode() gives Z = 1 */
        recode(digits + (size_t)windows * (size_t)i, windows, scalars + 32 * i, c);
    }
    ge acc;
    ge_identity(&acc);
    for (int k = windows - 1; k >= 0; k--) {
        for (int j = 1; j < c; j++) ge_double_xyz(&acc, &acc);
        ge_double(&acc, &acc);
        memset(used, 0, (size_t)nbuckets);
        for (Py_ssize_t i = 0; i < n; i++) {
            int32_t d = digits[(size_t)windows * (size_t)i + (size_t)k];
            if (d == 0) continue;
            int b = (d > 0 ? d : -d) - 1;
            if (!used[b]) {   /* an empty bucket takes the point itself: no addition */
                memcpy(&buckets[b], points + 160 * i, sizeof(ge));
                if (d < 0) { fe_neg(buckets[b].X, buckets[b].X); fe_neg(buckets[b].T, buckets[b].T); }
                used[b] = 1;
            } else {
                ge_addsub(&buckets[b], &buckets[b], &cached[i], affine[i], d < 0);
            }
        }
        ge running, total;
        int have_running = 0;
        ge_identity(&running);
        ge_identity(&total);
        for (int b = nbuckets - 1; b >= 0; b--) {
            if (used[b]) { ge_add(&running, &running, &buckets[b]); have_running = 1; }
            if (have_running) ge_add(&total, &total, &running);
        }
        ge_add(&acc, &acc, &total);
    }
    *result = acc;
    free(cached); free(affine); free(digits); free(buckets); free(used);
    return 1;
}

static int msm_run(uint8_t out[32], const uint8_t *scalars, const uint8_t *points, Py_ssize_t n) {
    ge acc;
    if (!msm_point(&acc, scalars, points, n)) return 0;
    ristretto_encode(out, &acc);
    return 1;
}

/* ---------------------------------------------------------------- fixed-base tables
 * For fixed points P_j and a window width c, the table holds 2^(c*k) * P_j for every window k,
 * normalised to Z = 1 (one batch inversion) in cached form. A multiscalar multiplication over
 * the table then needs no doublings and a single bucket reduction: Pippenger over the
 * n * windows table entries with each entry's one digit. */

static int table_windows(int c) { return (256 + c - 1) / c + 1; }

static int table_build(ge_cached *table, const uint8_t *points, Py_ssize_t n, int c) {
    int windows = table_windows(c);
    size_t total = (size_t)n * (size_t)windows;
    ge *tmp = malloc(sizeof(ge) * (total ? total : 1));
    fe *prefix = malloc(sizeof(fe) * (total ? total : 1));
    if (!tmp || !prefix) { free(tmp); free(prefix); return 0; }
    for (Py_ssize_t j = 0; j < n; j++) {
        ge q;
        memcpy(&q, points + 160 * j, sizeof(ge));
        for (int k = 0; k < windows; k++) {
            tmp[(size_t)j * (size_t)windows + (size_t)k] = q;
            for (int d = 0; d < c; d++) ge_double(&q, &q);
        }
    }
    /* Montgomery's trick: one inversion for all Z */
    fe acc, inv;
    fe_set_small(acc, 1);
    for (size_t i = 0; i < total; i++) {
        fe_mul(acc, acc, tmp[i].Z);
        fe_copy(prefix[i], acc);
    }
    fe_invert(inv, acc);
    for (size_t i = total; i-- > 0;) {
        fe zinv, x, y, t;
        if (i > 0) fe_mul(zinv, inv, prefix[i - 1]); else fe_copy(zinv, inv);
        fe_mul(inv, inv, tmp[i].Z);
        fe_mul(x, tmp[i].X, zinv);
        fe_mul(y, tmp[i].Y, zinv);
        fe_mul(t, x, y);
        fe_add(table[i].YpX, y, x);
        fe_sub(table[i].YmX, y, x);
        fe_set_small(table[i].Z2, 2);
        fe_mul(table[i].T2d, t, FE_D2);
    }
    free(tmp); free(prefix);
    return 1;
}

static fe FE_INV2;   /* 1/2, set at import */

/* the extended point of a Z = 1 cached entry (x = ((y+x) - (y-x))/2 ...), negated if asked */
static void ge_from_affine_cached(ge *r, const ge_cached *q, int negate) {
    fe t;
    fe_sub(t, q->YpX, q->YmX);
    fe_mul(r->X, t, FE_INV2);
    fe_add(t, q->YpX, q->YmX);
    fe_mul(r->Y, t, FE_INV2);
    fe_set_small(r->Z, 1);
    fe_mul(r->T, r->X, r->Y);
    if (negate) { fe_neg(r->X, r->X); fe_neg(r->T, r->T); }
}

static int table_msm_serial(ge *result, const ge_cached *table, Py_ssize_t n, int c,
                            const uint8_t *scalars) {
    int windows = table_windows(c);
    int nbuckets = 1 << (c - 1);
    ge *buckets = malloc(sizeof(ge) * (size_t)nbuckets);
    uint8_t *used = calloc((size_t)nbuckets, 1);
    int32_t *digits = malloc(sizeof(int32_t) * (size_t)windows);
    if (!buckets || !used || !digits) { free(buckets); free(used); free(digits); return 0; }
    for (Py_ssize_t j = 0; j < n; j++) {
        recode(digits, windows, scalars + 32 * j, c);
        for (int k = 0; k < windows; k++) {
            int32_t d = digits[k];
            if (d == 0) continue;
            const ge_cached *entry = &table[(size_t)j * (size_t)windows + (size_t)k];
            int b = (d > 0 ? d : -d) - 1;
            if (!used[b]) {   /* an empty bucket takes the entry itself (Z = 1) */
                ge_from_affine_cached(&buckets[b], entry, d < 0);
                used[b] = 1;
            } else {
                ge_addsub(&buckets[b], &buckets[b], entry, 1, d < 0);
            }
        }
    }
    ge running, total;
    int have_running = 0;
    ge_identity(&running);
    ge_identity(&total);
    for (int b = nbuckets - 1; b >= 0; b--) {
        if (used[b]) { ge_add(&running, &running, &buckets[b]); have_running = 1; }
        if (have_running) ge_add(&total, &total, &running);
    }
    *result = total;
    free(buckets); free(used); free(digits);
    return 1;
}

/* ---------------------------------------------------------------- scalars modulo L
 * L = 2^252 + 27742317777372353535851937790883648493, the order of ristretto255. Four 64-bit
 * limbs in Montgomery form (R = 2^256), multiplied with the CIOS method of Koc, Acar and
 * Kaliski ("Analyzing and comparing Montgomery multiplication algorithms", 1996). Values of the
 * Python API are canonical 32-byte little-endian integers below L. */

typedef uint64_t sc[4];

static const uint64_t SC_L[4] = {
    0x5812631a5cf5d3edULL, 0x14def9dea2f79cd6ULL, 0x0ULL, 0x1000000000000000ULL};
static const uint64_t SC_N0 = 0xd2b51da312547e1bULL; /* -L^-1 mod 2^64 */
static const sc SC_R2 = { /* 2^512 mod L */
    0xa40611e3449c0f01ULL, 0xd00e1ba768859347ULL, 0xceec73d217f5be65ULL, 0x0399411b7c309a3dULL};
static const sc SC_R3 = { /* 2^768 mod L */
    0x2a9e49687b83a2dbULL, 0x278324e6aef7f3ecULL, 0x8065dc6c04ec5b65ULL, 0x0e530b773599cec7ULL};

/* r = t - L if t >= L (t < 2L < 2^254, five limbs with t[4] == 0) */
static void sc_reduce_once(sc r, const uint64_t t[4]) {
    uint64_t d[4], borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 x = (u128)t[i] - SC_L[i] - borrow;
        d[i] = (uint64_t)x;
        borrow = (uint64_t)(x >> 64) & 1;
    }
    if (borrow) memcpy(r, t, sizeof(sc)); else memcpy(r, d, sizeof(sc));
}

/* r = a * b / R mod L; needs a * b < L * R (true when one operand is below L) */
static void sc_mont_mul(sc r, const sc a, const sc b) {
    uint64_t t[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        u128 carry = 0;
        for (int j = 0; j < 4; j++) {
            carry += (u128)a[j] * b[i] + t[j];
            t[j] = (uint64_t)carry;
            carry >>= 64;
        }
        carry += t[4];
        t[4] = (uint64_t)carry;
        t[5] = (uint64_t)(carry >> 64);
        uint64_t q = t[0] * SC_N0;
        carry = ((u128)q * SC_L[0] + t[0]) >> 64;
        for (int j = 1; j < 4; j++) {
            carry += (u128)q * SC_L[j] + t[j];
            t[j - 1] = (uint64_t)carry;
            carry >>= 64;
        }
        carry += t[4];
        t[3] = (uint64_t)carry;
        t[4] = t[5] + (uint64_t)(carry >> 64);
    }
    sc_reduce_once(r, t);
}

static void sc_add(sc r, const sc a, const sc b) {
    uint64_t t[4];
    u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        carry += (u128)a[i] + b[i];
        t[i] = (uint64_t)carry;
        carry >>= 64;
    }
    sc_reduce_once(r, t);
}

static void sc_sub(sc r, const sc a, const sc b) {
    uint64_t t[4], borrow = 0;
    for (int i = 0; i < 4; i++) {
        u128 x = (u128)a[i] - b[i] - borrow;
        t[i] = (uint64_t)x;
        borrow = (uint64_t)(x >> 64) & 1;
    }
    if (borrow) {
        u128 carry = 0;
        for (int i = 0; i < 4; i++) {
            carry += (u128)t[i] + SC_L[i];
            t[i] = (uint64_t)carry;
            carry >>= 64;
        }
    }
    memcpy(r, t, sizeof(sc));
}

static void sc_neg(sc r, const sc a) {
    static const sc zero = {0, 0, 0, 0};
    sc_sub(r, zero, a);
}

static int sc_is_zero(const sc a) { return (a[0] | a[1] | a[2] | a[3]) == 0; }

static void sc_load(uint64_t w[4], const uint8_t s[32]) {
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int j = 7; j >= 0; j--) v = (v << 8) | s[8 * i + j];
        w[i] = v;
    }
}

static void sc_store(uint8_t s[32], const uint64_t w[4]) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) s[8 * i + j] = (uint8_t)(w[i] >> (8 * j));
}

/* any 256-bit little-endian integer, reduced, into Montgomery form */
static void sc_to_mont(sc r, const uint8_t s[32]) {
    sc x;
    sc_load(x, s);
    sc_mont_mul(r, x, SC_R2);
}

/* Montgomery form out to the canonical 32-byte encoding */
static void sc_from_mont(uint8_t s[32], const sc a) {
    static const sc one = {1, 0, 0, 0};
    sc x;
    sc_mont_mul(x, a, one);
    sc_store(s, x);
}

/* a 64-byte little-endian integer mod L (Scalar::from_bytes_mod_order_wide), Montgomery form */
static void sc_wide_to_mont(sc r, const uint8_t s[64]) {
    sc lo, hi;
    sc_load(lo, s);
    sc_load(hi, s + 32);
    sc_mont_mul(lo, lo, SC_R2);   /* lo * R */
    sc_mont_mul(hi, hi, SC_R3);   /* hi * 2^256 * R */
    sc_add(r, lo, hi);
}

/* a^(L-2) = a^-1 (Fermat), Montgomery form in and out; 0 maps to 0 */
static void sc_invert(sc r, const sc a) {
    sc e = {SC_L[0] - 2, SC_L[1], SC_L[2], SC_L[3]};
    sc acc, base;
    memcpy(base, a, sizeof(sc));
    sc_mont_mul(acc, SC_R2, (const uint64_t[4]){1, 0, 0, 0}); /* R mod L: one in Montgomery form */
    for (int bit = 252; bit >= 0; bit--) {
        sc_mont_mul(acc, acc, acc);
        if ((e[bit >> 6] >> (bit & 63)) & 1) sc_mont_mul(acc, acc, base);
    }
    memcpy(r, acc, sizeof(sc));
}

/* ---------------------------------------------------------------- BLAKE2b (RFC 7693) */

typedef struct {
    uint64_t h[8];
    uint64_t t;          /* bytes compressed so far (messages here are far below 2^64) */
    uint8_t buf[128];
    size_t fill;
    size_t outlen;
} blake2b_state;

static const uint64_t B2B_IV[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

static const uint8_t B2B_SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};

static uint64_t rotr64(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

#define B2B_G(a, b, c, d, x, y)            \
    do {                                   \
        v[a] = v[a] + v[b] + (x);          \
        v[d] = rotr64(v[d] ^ v[a], 32);    \
        v[c] = v[c] + v[d];                \
        v[b] = rotr64(v[b] ^ v[c], 24);    \
        v[a] = v[a] + v[b] + (y);          \
        v[d] = rotr64(v[d] ^ v[a], 16);    \
        v[c] = v[c] + v[d];                \
        v[b] = rotr64(v[b] ^ v[c], 63);    \
    } while (0)

static void blake2b_compress(blake2b_state *st, const uint8_t block[128], int last) {
    uint64_t m[16], v[16];
    for (int i = 0; i < 16; i++) {
        uint64_t w = 0;
        for (int j = 7; j >= 0; j--) w = (w << 8) | block[8 * i + j];
        m[i] = w;
    }
    for (int i = 0; i < 8; i++) { v[i] = st->h[i]; v[i + 8] = B2B_IV[i]; }
    v[12] ^= st->t;              /* the high word of the counter stays 0 */
    if (last) v[14] = ~v[14];
    for (int r = 0; r < 12; r++) {
        const uint8_t *s = B2B_SIGMA[r];
        B2B_G(0, 4, 8, 12, m[s[0]], m[s[1]]);
        B2B_G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        B2B_G(2, 6, 10, 14, m[s[4]], m[s[5]]);
        B2B_G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        B2B_G(0, 5, 10, 15, m[s[8]], m[s[9]]);
        B2B_G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        B2B_G(2, 7, 8, 13, m[s[12]], m[s[13]]);
        B2B_G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (int i = 0; i < 8; i++) st->h[i] ^= v[i] ^ v[i + 8];
}

/* unkeyed BLAKE2b with an outlen-byte digest (1..64) */
static void blake2b_init(blake2b_state *st, size_t outlen) {
    memcpy(st->h, B2B_IV, sizeof(st->h));
    st->h[0] ^= 0x01010000ULL ^ (uint64_t)outlen;
    st->t = 0;
    st->fill = 0;
    st->outlen = outlen;
}

static void blake2b_update(blake2b_state *st, const uint8_t *data, size_t len) {
    while (len > 0) {
        if (st->fill == 128) {   /* a full buffer is compressed only once more input arrives */
            st->t += 128;
            blake2b_compress(st, st->buf, 0);
            st->fill = 0;
        }
        size_t take = 128 - st->fill;
        if (take > len) take = len;
        memcpy(st->buf + st->fill, data, take);
        st->fill += take;
        data += take;
        len -= take;
    }
}

static void blake2b_final(blake2b_state *st, uint8_t *out) {
    st->t += st->fill;
    memset(st->buf + st->fill, 0, 128 - st->fill);
    blake2b_compress(st, st->buf, 1);
    uint8_t full[64];
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 8; j++) full[8 * i + j] = (uint8_t)(st->h[i] >> (8 * j));
    memcpy(out, full, st->outlen);
}

/* ---------------------------------------------------------------- hash to point
 * RistrettoPoint::from_uniform_bytes: the RFC 9496 section 4.3.4 one-way map applied to both
 * 32-byte halves (top bit cleared), and the two points added. */

static fe FE_ONE_MINUS_D_SQ, FE_D_MINUS_ONE_SQ, FE_SQRT_AD_MINUS_ONE;

static const uint8_t ONE_MINUS_D_SQ_BYTES[32] = {
    0x76, 0xc1, 0x5f, 0x94, 0xc1, 0x09, 0x7c, 0xe2, 0x0f, 0x35, 0x5e, 0xcd, 0x38, 0xa1, 0x81, 0x2c,
    0xe4, 0xdf, 0x70, 0xbe, 0xdd, 0xab, 0x94, 0x99, 0xd7, 0xe0, 0xb3, 0xb2, 0xa8, 0x72, 0x90, 0x02};
static const uint8_t D_MINUS_ONE_SQ_BYTES[32] = {
    0x20, 0x4d, 0xed, 0x44, 0xaa, 0x5a, 0xad, 0x31, 0x99, 0x19, 0x1e, 0xb0, 0x2c, 0x4a, 0x9e, 0xd2,
    0xeb, 0x4e, 0x9b, 0x52, 0x2f, 0xd3, 0xdc, 0x4c, 0x41, 0x22, 0x6c, 0xf6, 0x7a, 0xb3, 0x68, 0x59};
static const uint8_t SQRT_AD_MINUS_ONE_BYTES[32] = {
    0x1b, 0x2e, 0x7b, 0x49, 0xa0, 0xf6, 0x97, 0x7e, 0xbd, 0x54, 0x78, 0x1b, 0x0c, 0x8e, 0x9d, 0xaf,
    0xfd, 0xd1, 0xf5, 0x31, 0xc9, 0xfc, 0x3c, 0x0f, 0xac, 0x48, 0x83, 0x2b, 0xbf, 0x31, 0x69, 0x37};

/* RFC 9496 MAP (section 4.3.4) in two halves around its square root: elligator_prep gives
 * r = i t^2, u = (r + 1)(1 - d^2) and v = (-1 - r d)(r + d); elligator_post takes
 * s = SQRT_RATIO_M1(u, v) and was_square and gives the point */
static void elligator_prep(fe r, fe u, fe v, const fe t) {
    fe tmp, tmp2;
    fe_sq(r, t);
    fe_mul(r, r, FE_SQRT_M1);
    fe_add(tmp, r, FE_ONE);
    fe_mul(u, tmp, FE_ONE_MINUS_D_SQ);
    fe_mul(tmp, r, FE_D);
    fe_add(tmp, tmp, FE_ONE);
    fe_neg(tmp, tmp);
    fe_add(tmp2, r, FE_D);
    fe_mul(v, tmp, tmp2);
}

static void elligator_post(ge *p, fe s, int was_square, const fe r, const fe v, const fe t) {
    fe s_prime, c, n, w0, w1, w2, w3, tmp;
    fe_mul(s_prime, s, t);
    fe_abs(s_prime, s_prime);
    fe_neg(s_prime, s_prime);                 /* -|s t| */
    if (was_square) {
        fe_set_small(c, 1);
        fe_neg(c, c);
    } else {
        fe_copy(s, s_prime);
        fe_copy(c, r);
    }
    fe_sub(tmp, r, FE_ONE);
    fe_mul(tmp, c, tmp);
    fe_mul(tmp, tmp, FE_D_MINUS_ONE_SQ);
    fe_sub(n, tmp, v);                        /* N = c (r - 1)(d - 1)^2 - v */
    fe_add(tmp, s, s);
    fe_mul(w0, tmp, v);
    fe_mul(w1, n, FE_SQRT_AD_MINUS_ONE);
    fe_sq(tmp, s);
    fe_sub(w2, FE_ONE, tmp);
    fe_add(w3, FE_ONE, tmp);
    fe_mul(p->X, w0, w3);
    fe_mul(p->Y, w2, w1);
    fe_mul(p->Z, w1, w3);
    fe_mul(p->T, w0, w2);
}

/* the map for the two halves of a hash-to-point, their square roots in lock step */
static void elligator_map2(ge p[2], const fe t[2]) {
    fe r[2], u[2], v[2], s[2];
    int was_square[2];
    for (int l = 0; l < 2; l++) elligator_prep(r[l], u[l], v[l], t[l]);
    sqrt_ratio_m1_lanes(s, was_square, (const fe *)u, (const fe *)v, 2);
    for (int l = 0; l < 2; l++) elligator_post(&p[l], s[l], was_square[l], r[l], v[l], t[l]);
}

static void from_uniform_bytes(ge *p, const uint8_t b[64]) {
    fe t[2];
    ge q[2];
    fe_frombytes(t[0], b);       /* fe_frombytes ignores bit 255, as the RFC's mask does */
    fe_frombytes(t[1], b + 32);
    elligator_map2(q, (const fe *)t);
    ge_add(p, &q[0], &q[1]);
}

/* Hp(P) = from_uniform_bytes(Blake2b512("mc_onetime_key_hash_to_point" || P)) (hashing.py) */
static const char HASH_TO_POINT_TAG[] = "mc_onetime_key_hash_to_point";
static const char RING_CHALLENGE_TAG[] = "mc_ring_mlsag_challenge";

static void hash_to_point_digest(uint8_t digest[64], const uint8_t enc[32]) {
    blake2b_state st;
    blake2b_init(&st, 64);
    blake2b_update(&st, (const uint8_t *)HASH_TO_POINT_TAG, sizeof(HASH_TO_POINT_TAG) - 1);
    blake2b_update(&st, enc, 32);
    blake2b_final(&st, digest);
}

static void hash_to_point_tagged(ge *p, const uint8_t enc[32]) {
    uint8_t digest[64];
    hash_to_point_digest(digest, enc);
    from_uniform_bytes(p, digest);
}

/* ---------------------------------------------------------------- MLSAG ring members
 * One ring member of MobileCoin's RingMLSAG verification (ring_signature/mlsag_verify.rs):
 * L0 = r0*G + c*P, R0 = r0*Hp(P) + c*I, L1 = r1*G + c*(C' - C).
 * Each point is computed as 2*Q with Q from the halved scalars (one Straus chain: c and r0 in
 * width-5 NAF against per-member tables, r0 and r1 in width-8 NAF against G_ODD), because the
 * ristretto encoding of a doubled point needs no square root: for Q = (X:Y:Z:T) let
 *   e = 2XY, f = Z^2 + dT^2, g = Y^2 + X^2, h = Z^2 - dT^2;  2Q = (eh : fg : fh : eg)
 * and the RFC 9496 encoding of 2Q wants 1/sqrt(u1 u2^2) with u1 = Z'^2 - Y'^2 = f^2 (h^2 - g^2),
 * u2 = X'Y' = efgh. On the curve (-X^2 + Y^2 = Z^2 + dT^2, XY = ZT) h^2 - g^2 = e^2 (-1 - d),
 * so u1 u2^2 = (e^2 f^2 g h)^2 (-1 - d) and 1/sqrt(u1 u2^2) = +-1/(e^2 f^2 g h sqrt(-1 - d)):
 * one inversion, shared by the three points. The sign is irrelevant: the encoding takes an
 * absolute value of the only quantity it changes. 2Q equals the wanted point up to 4-torsion
 * (2 * (k/2 mod L) = k + L or k), which the ristretto encoding ignores. */

static fe FE_INV_SQRT_AD_MINUS_ONE;   /* 1/sqrt(-1 - d), set at import */

/* k/2 mod L for a scalar below L */
static void sc_halve_bytes(uint8_t out[32], const uint8_t in[32]) {
    uint64_t w[4];
    sc_load(w, in);
    uint64_t top = 0;
    if (w[0] & 1) {
        u128 carry = 0;
        for (int i = 0; i < 4; i++) {
            carry += (u128)w[i] + SC_L[i];
            w[i] = (uint64_t)carry;
            carry >>= 64;
        }
        top = (uint64_t)carry;
    }
    for (int i = 0; i < 3; i++) w[i] = (w[i] >> 1) | (w[i + 1] << 63);
    w[3] = (w[3] >> 1) | (top << 63);
    sc_store(out, w);
}

/* the encodings of 2*q[i], i < 3 */
static void double_and_encode3(uint8_t out[96], const ge q[3]) {
    ge d[3];
    fe v[3], prefix[3], inv, invsqrt;
    int zero[3];
    for (int i = 0; i < 3; i++) {
        fe xx, yy, zz, dtt, e, f, g, h, t;
        fe_sq(xx, q[i].X);
        fe_sq(yy, q[i].Y);
        fe_sq(zz, q[i].Z);
        fe_sq(dtt, q[i].T);
        fe_mul(dtt, dtt, FE_D);
        fe_mul(e, q[i].X, q[i].Y);
        fe_add(e, e, e);
        fe_add(f, zz, dtt);
        fe_add(g, yy, xx);
        fe_sub(h, zz, dtt);
        fe_mul(d[i].X, e, h);
        fe_mul(d[i].Y, f, g);
        fe_mul(d[i].Z, f, h);
        fe_mul(d[i].T, e, g);
        fe_sq(t, e);
        fe_sq(v[i], f);
        fe_mul(v[i], v[i], t);
        fe_mul(t, g, h);
        fe_mul(v[i], v[i], t);
        zero[i] = fe_is_zero(v[i]);   /* e or g is 0: 2Q has X = 0 or Y = 0 */
        if (zero[i]) fe_set_small(v[i], 1);
    }
    fe_copy(prefix[0], v[0]);
    fe_mul(prefix[1], prefix[0], v[1]);
    fe_mul(prefix[2], prefix[1], v[2]);
    fe_invert(inv, prefix[2]);
    for (int i = 2; i >= 0; i--) {
        fe vinv;
        if (i > 0) fe_mul(vinv, inv, prefix[i - 1]); else fe_copy(vinv, inv);
        fe_mul(inv, inv, v[i]);
        if (zero[i]) {
            ristretto_encode(out + 32 * i, &d[i]);
        } else {
            fe_mul(invsqrt, vinv, FE_INV_SQRT_AD_MINUS_ONE);
            ristretto_encode_with(out + 32 * i, &d[i], invsqrt);
        }
    }
}

/* ---------------------------------------------------------------- AVX-512 IFMA member step
 * The three chains of one member (L0, R0, L1 above) share one doubling schedule, so they run
 * in three lanes of 4 x 64-bit vectors: the field elements stay in radix 2^51 (five limbs, one
 * vector per limb, one lane per chain) and the limb products use the 52-bit multiply-accumulate
 * instructions VPMADD52LUQ/VPMADD52HUQ (Intel 64 and IA-32 Architectures Software Developer's
 * Manual, vol. 2); they read only the low 52 bits of each limb, so every vector operation below
 * ends with a carry round that keeps limbs below 2^52. Lane 0 is r0 G + c P, lane 1
 * r0 Hp + c I, lane 2 r1 G + c (C' - C); lane 3 carries Hp's odd multiples for lane 1 and is
 * otherwise ignored. The c digits are the same in every lane, so that term is one table row;
 * lanes 0 and 1 share r0's width-5 digits and lane 2 has r1's width-8 digits, gathered per lane
 * (a lane with a zero digit adds the identity). Chosen at run time (cpuid); the serial code
 * above is the fallback and gives the same group elements. */

static int USE_IFMA;   /* set at import: the CPU has IFMA and MCREF_NO_IFMA is unset */

#if defined(__x86_64__) && defined(__GNUC__)
#define MCREF_IFMA_CODE 1
#include <immintrin.h>

#define IFMA __attribute__((target("avx512f,avx512ifma,avx512vl")))
#define IFMA_INLINE static inline __attribute__((target("avx512f,avx512ifma,avx512vl"), always_inline))

typedef struct { __m256i v[5]; } fe4;
typedef struct { fe4 X, Y, Z, T; } ge4;
typedef struct { fe4 YpX, YmX, Z2, T2d; } ge4_cached;

/* (2i + 1) G and -(2i + 1) G as carried ge_cached records (limbs below 2^52); the identity */
static ge_cached G_REC[BASE_ODD], G_REC_NEG[BASE_ODD], ID_REC;

static void fe_carried(fe r, const fe a) { fe_copy(r, a); fe_carry(r); }

static void ifma_tables_init(void) {
    for (int i = 0; i < BASE_ODD; i++) {
        fe_carried(G_REC[i].YpX, G_ODD[i].YpX);
        fe_carried(G_REC[i].YmX, G_ODD[i].YmX);
        fe_carried(G_REC[i].Z2, G_ODD[i].Z2);
        fe_carried(G_REC[i].T2d, G_ODD[i].T2d);
        fe_copy(G_REC_NEG[i].YpX, G_REC[i].YmX);
        fe_copy(G_REC_NEG[i].YmX, G_REC[i].YpX);
        fe_copy(G_REC_NEG[i].Z2, G_REC[i].Z2);
        fe_neg(G_REC_NEG[i].T2d, G_REC[i].T2d);
    }
    fe_set_small(ID_REC.YpX, 1); fe_set_small(ID_REC.YmX, 1);
    fe_set_small(ID_REC.Z2, 2); fe_set_small(ID_REC.T2d, 0);
}

IFMA_INLINE void fe4_carry(fe4 *r) {
    const __m256i mask = _mm256_set1_epi64x((long long)MASK51);
    __m256i c0 = _mm256_srli_epi64(r->v[0], 51), c1 = _mm256_srli_epi64(r->v[1], 51);
    __m256i c2 = _mm256_srli_epi64(r->v[2], 51), c3 = _mm256_srli_epi64(r->v[3], 51);
    __m256i c4 = _mm256_srli_epi64(r->v[4], 51);
    __m256i c4x19 = _mm256_madd52lo_epu64(_mm256_setzero_si256(), c4, _mm256_set1_epi64x(19));
    r->v[0] = _mm256_add_epi64(_mm256_and_si256(r->v[0], mask), c4x19);
    r->v[1] = _mm256_add_epi64(_mm256_and_si256(r->v[1], mask), c0);
    r->v[2] = _mm256_add_epi64(_mm256_and_si256(r->v[2], mask), c1);
    r->v[3] = _mm256_add_epi64(_mm256_and_si256(r->v[3], mask), c2);
    r->v[4] = _mm256_add_epi64(_mm256_and_si256(r->v[4], mask), c3);
}

IFMA_INLINE void fe4_add(fe4 *r, const fe4 *a, const fe4 *b) {
    for (int i = 0; i < 5; i++) r->v[i] = _mm256_add_epi64(a->v[i], b->v[i]);
    fe4_carry(r);
}

/* a - b + 4p (limbs of a and b below 2^52) */
IFMA_INLINE void fe4_sub(fe4 *r, const fe4 *a, const fe4 *b) {
    const __m256i p4_0 = _mm256_set1_epi64x(0x1fffffffffffb4LL);
    const __m256i p4_i = _mm256_set1_epi64x(0x1ffffffffffffcLL);
    r->v[0] = _mm256_sub_epi64(_mm256_add_epi64(a->v[0], p4_0), b->v[0]);
    for (int i = 1; i < 5; i++) r->v[i] = _mm256_sub_epi64(_mm256_add_epi64(a->v[i], p4_i), b->v[i]);
    fe4_carry(r);
}

IFMA_INLINE __m256i mul19(__m256i x) {
    return _mm256_add_epi64(_mm256_add_epi64(_mm256_slli_epi64(x, 4), _mm256_slli_epi64(x, 1)), x);
}

/* z_k (k < 10, weight 2^(51k)) -> carried limbs: r_k = z_k + 19 z_{k+5} */
IFMA_INLINE void fe4_reduce(fe4 *r, const __m256i z[10]) {
    for (int k = 0; k < 5; k++) r->v[k] = _mm256_add_epi64(z[k], mul19(z[k + 5]));
    fe4_carry(r);
}

/* a_i b_j = lo + 2^52 hi = lo + 2 hi 2^51: lo goes to position i + j, 2 hi to i + j + 1 */
IFMA_INLINE void fe4_mul(fe4 *r, const fe4 *a, const fe4 *b) {
    __m256i lo[9], hi[9], z[10];
    for (int k = 0; k < 9; k++) lo[k] = hi[k] = _mm256_setzero_si256();
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            lo[i + j] = _mm256_madd52lo_epu64(lo[i + j], a->v[i], b->v[j]);
            hi[i + j] = _mm256_madd52hi_epu64(hi[i + j], a->v[i], b->v[j]);
        }
    z[0] = lo[0];
    for (int k = 1; k < 9; k++) z[k] = _mm256_add_epi64(lo[k], _mm256_slli_epi64(hi[k - 1], 1));
    z[9] = _mm256_slli_epi64(hi[8], 1);
    fe4_reduce(r, z);
}

/* a^2: the cross products a_i a_j (i < j) once, counted twice */
IFMA_INLINE void fe4_sq(fe4 *r, const fe4 *a) {
    __m256i f1[10], f2[10], f4[10], z[10];   /* factor 1, 2, 4 at position k */
    for (int k = 0; k < 10; k++) f1[k] = f2[k] = f4[k] = _mm256_setzero_si256();
    for (int i = 0; i < 5; i++) {
        f1[2 * i] = _mm256_madd52lo_epu64(f1[2 * i], a->v[i], a->v[i]);
        f2[2 * i + 1] = _mm256_madd52hi_epu64(f2[2 * i + 1], a->v[i], a->v[i]);
        for (int j = i + 1; j < 5; j++) {
            f2[i + j] = _mm256_madd52lo_epu64(f2[i + j], a->v[i], a->v[j]);
            f4[i + j + 1] = _mm256_madd52hi_epu64(f4[i + j + 1], a->v[i], a->v[j]);
        }
    }
    for (int k = 0; k < 10; k++)
        z[k] = _mm256_add_epi64(f1[k], _mm256_slli_epi64(
            _mm256_add_epi64(f2[k], _mm256_slli_epi64(f4[k], 1)), 1));
    fe4_reduce(r, z);
}

IFMA_INLINE void fe4_broadcast(fe4 *r, const fe a) {
    fe t;
    fe_carried(t, a);
    for (int i = 0; i < 5; i++) r->v[i] = _mm256_set1_epi64x((long long)t[i]);
}

/* lane l of r = the carried a[l] */
IFMA_INLINE void ge4_from_lanes(ge4 *r, const ge *p0, const ge *p1, const ge *p2, const ge *p3) {
    const ge *p[4] = {p0, p1, p2, p3};
    ge c[4];
    for (int l = 0; l < 4; l++) {
        fe_carried(c[l].X, p[l]->X); fe_carried(c[l].Y, p[l]->Y);
        fe_carried(c[l].Z, p[l]->Z); fe_carried(c[l].T, p[l]->T);
    }
    const uint64_t *s[4] = {c[0].X, c[1].X, c[2].X, c[3].X};
    __m256i *dst = r->X.v;
    for (int k = 0; k < 20; k++)   /* X, Y, Z, T limbs are contiguous in ge and ge4 */
        dst[k] = _mm256_set_epi64x((long long)s[3][k], (long long)s[2][k], (long long)s[1][k],
                                   (long long)s[0][k]);
}

IFMA_INLINE void ge4_lane(ge *r, const ge4 *p, int lane) {
    uint64_t buf[4];
    uint64_t *dst = r->X;
    const __m256i *src = p->X.v;
    for (int k = 0; k < 20; k++) {
        _mm256_storeu_si256((__m256i *)buf, src[k]);
        dst[k] = buf[lane];
    }
}

IFMA_INLINE void ge4_identity(ge4 *p) {
    const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi64x(1);
    for (int i = 0; i < 5; i++) {
        p->X.v[i] = zero; p->Y.v[i] = i ? zero : one; p->Z.v[i] = i ? zero : one; p->T.v[i] = zero;
    }
}

IFMA_INLINE void ge4_to_cached(ge4_cached *c, const ge4 *p, const fe4 *d2) {
    fe4_add(&c->YpX, &p->Y, &p->X);
    fe4_sub(&c->YmX, &p->Y, &p->X);
    fe4_add(&c->Z2, &p->Z, &p->Z);
    fe4_mul(&c->T2d, &p->T, d2);
}

IFMA_INLINE void ge4_cached_neg(ge4_cached *r, const ge4_cached *c) {
    fe4 zero;
    for (int i = 0; i < 5; i++) zero.v[i] = _mm256_setzero_si256();
    r->YpX = c->YmX;
    r->YmX = c->YpX;
    r->Z2 = c->Z2;
    fe4_sub(&r->T2d, &zero, &c->T2d);
}

/* r = p + q, add-2008-hwcd-3 with a = -1 (ge_addsub) */
IFMA_INLINE void ge4_add(ge4 *r, const ge4 *p, const ge4_cached *q) {
    fe4 a, b, c, d, e, f, g, h, t;
    fe4_sub(&t, &p->Y, &p->X);
    fe4_mul(&a, &t, &q->YmX);
    fe4_add(&t, &p->Y, &p->X);
    fe4_mul(&b, &t, &q->YpX);
    fe4_mul(&c, &p->T, &q->T2d);
    fe4_mul(&d, &p->Z, &q->Z2);
    fe4_sub(&e, &b, &a);
    fe4_sub(&f, &d, &c);
    fe4_add(&g, &d, &c);
    fe4_add(&h, &b, &a);
    fe4_mul(&r->X, &e, &f);
    fe4_mul(&r->Y, &g, &h);
    fe4_mul(&r->T, &e, &h);
    fe4_mul(&r->Z, &f, &g);
}

/* r = 2p, dbl-2008-hwcd with a = -1 (ge_double_t): A = X^2, B = Y^2, C = 2 Z^2,
 * E = (X + Y)^2 - A - B, G = B - A, F = G - C, H = -A - B, each sum formed with 4p added and
 * carried once (multiplication outputs are below 2^51 + 2^16, so 4p covers A + 2 Z^2) */
IFMA_INLINE void ge4_double(ge4 *r, const ge4 *p, int with_t) {
    fe4 a, b, zz, e, f, g, h, t;
    fe4_sq(&a, &p->X);
    fe4_sq(&b, &p->Y);
    fe4_sq(&zz, &p->Z);
    fe4_add(&t, &p->X, &p->Y);
    fe4_sq(&e, &t);
    for (int i = 0; i < 5; i++) {
        const __m256i p4 = _mm256_set1_epi64x(i ? 0x1ffffffffffffcLL : 0x1fffffffffffb4LL);
        __m256i ab = _mm256_add_epi64(a.v[i], b.v[i]);
        __m256i ba = _mm256_sub_epi64(_mm256_add_epi64(b.v[i], p4), a.v[i]);
        e.v[i] = _mm256_sub_epi64(_mm256_add_epi64(e.v[i], p4), ab);
        g.v[i] = ba;
        f.v[i] = _mm256_sub_epi64(ba, _mm256_add_epi64(zz.v[i], zz.v[i]));
        h.v[i] = _mm256_sub_epi64(p4, ab);
    }
    fe4_carry(&e); fe4_carry(&g); fe4_carry(&f); fe4_carry(&h);
    fe4_mul(&r->X, &e, &f);
    fe4_mul(&r->Y, &g, &h);
    if (with_t) fe4_mul(&r->T, &e, &h);
    fe4_mul(&r->Z, &f, &g);
}

/* the cached point whose lane l is record[l] (20 limbs with stride[l] u64 between limbs) */
IFMA_INLINE void ge4_cached_gather(ge4_cached *r, const uint64_t *src[4], const int stride[4]) {
    __m256i *dst = r->YpX.v;
    for (int k = 0; k < 20; k++)
        dst[k] = _mm256_set_epi64x((long long)src[3][stride[3] * k],
                                   (long long)src[2][stride[2] * k],
                                   (long long)src[1][stride[1] * k],
                                   (long long)src[0][stride[0] * k]);
}

static const uint64_t *g_rec(int d) {
    if (d > 0) return G_REC[d >> 1].YpX;
    if (d < 0) return G_REC_NEG[(-d) >> 1].YpX;
    return ID_REC.YpX;
}

/* the three member points L0, R0, L1 (before the doubling in double_and_encode3) of
 * mlsag_member, from the halved scalars' digits; pts as mlsag_member reads them, z = C' - C */
IFMA static void mlsag_chains_ifma(ge q[3], const ge *p, const ge *hp, const ge *image,
                                   const ge *z, const int8_t *r0_var, const int8_t *r1_base,
                                   const int8_t *c_var, int top) {
    fe4 d2;
    fe4_broadcast(&d2, FE_D2);
    /* odd multiples of (P, I, C' - C, Hp) in lanes 0..3, and their negatives */
    ge4_cached tab[VAR_ODD], neg[VAR_ODD], c2;
    ge4 base, acc, dbl;
    ge4_from_lanes(&base, p, image, z, hp);
    ge4_double(&dbl, &base, 1);
    ge4_to_cached(&c2, &dbl, &d2);
    ge4_to_cached(&tab[0], &base, &d2);
    acc = base;
    for (int i = 1; i < VAR_ODD; i++) {
        ge4_add(&acc, &acc, &c2);
        ge4_to_cached(&tab[i], &acc, &d2);
    }
    for (int i = 0; i < VAR_ODD; i++) ge4_cached_neg(&neg[i], &tab[i]);
    ge4_cached id4;   /* the identity in every lane */
    {
        ge4 idp;
        ge4_identity(&idp);
        ge4_to_cached(&id4, &idp, &d2);
    }
    const int strides[4] = {1, 4, 1, 4};
    ge4_identity(&acc);
    int started = 0;
    for (int i = top - 1; i >= 0; i--) {
        int da1 = r0_var[i], da2 = r1_base[i], db = c_var[i];
        int adds = da1 | da2 | db;
        if (started) ge4_double(&acc, &acc, adds != 0 || i == 0);
        if (da1 | da2) {
            const uint64_t *lane1;
            if (da1 > 0) lane1 = (const uint64_t *)tab[da1 >> 1].YpX.v + 3;
            else if (da1 < 0) lane1 = (const uint64_t *)neg[(-da1) >> 1].YpX.v + 3;
            else lane1 = (const uint64_t *)id4.YpX.v + 3;
            const uint64_t *src[4] = {g_rec(da1), lane1, g_rec(da2), lane1};
            ge4_cached t;
            ge4_cached_gather(&t, src, strides);
            ge4_add(&acc, &acc, &t);
        }
        if (db > 0) ge4_add(&acc, &acc, &tab[db >> 1]);
        else if (db < 0) ge4_add(&acc, &acc, &neg[(-db) >> 1]);
        started |= adds != 0;
    }
    for (int l = 0; l < 3; l++) ge4_lane(&q[l], &acc, l);
}

/* lane l of r = the carried a[l] */
IFMA_INLINE void fe4_pack(fe4 *r, const fe *a) {
    fe c[4];
    for (int l = 0; l < 4; l++) fe_carried(c[l], a[l]);
    for (int k = 0; k < 5; k++)
        r->v[k] = _mm256_set_epi64x((long long)c[3][k], (long long)c[2][k], (long long)c[1][k],
                                    (long long)c[0][k]);
}

IFMA_INLINE void fe4_unpack(fe *r, const fe4 *a) {
    uint64_t buf[4];
    for (int k = 0; k < 5; k++) {
        _mm256_storeu_si256((__m256i *)buf, a->v[k]);
        for (int l = 0; l < 4; l++) r[l][k] = buf[l];
    }
}

/* z^((p-5)/8) = z^(2^252 - 3) in the 8 lanes of z[0], z[1]: the addition chain of
 * fe_pow_2_250_1_lanes and fe_pow22523_lanes, two vectors interleaved (a squaring chain is
 * latency-bound) */
#define X2(body) for (int l = 0; l < 2; l++) { body; }
IFMA_INLINE void fe4_sqn_x2(fe4 *a, int n) {
    for (int i = 0; i < n; i++) X2(fe4_sq(&a[l], &a[l]))
}

IFMA static void fe4_pow22523_x2(fe4 out[2], const fe4 z[2]) {
    fe4 t0[2], t1[2], t2[2], t3[2];
    X2(fe4_sq(&t0[l], &z[l]))                   /* 2 */
    X2(fe4_sq(&t1[l], &t0[l]))
    fe4_sqn_x2(t1, 1);                          /* 8 */
    X2(fe4_mul(&t1[l], &t1[l], &z[l]))          /* 9 */
    X2(fe4_mul(&t0[l], &t0[l], &t1[l]))         /* 11 */
    X2(fe4_sq(&t2[l], &t0[l]))                  /* 22 */
    X2(fe4_mul(&t1[l], &t1[l], &t2[l]))         /* 2^5 - 1 */
    X2(t2[l] = t1[l])
    fe4_sqn_x2(t2, 5);
    X2(fe4_mul(&t1[l], &t2[l], &t1[l]))         /* 2^10 - 1 */
    X2(t2[l] = t1[l])
    fe4_sqn_x2(t2, 10);
    X2(fe4_mul(&t2[l], &t2[l], &t1[l]))         /* 2^20 - 1 */
    X2(t3[l] = t2[l])
    fe4_sqn_x2(t3, 20);
    X2(fe4_mul(&t2[l], &t3[l], &t2[l]))         /* 2^40 - 1 */
    fe4_sqn_x2(t2, 10);
    X2(fe4_mul(&t1[l], &t2[l], &t1[l]))         /* 2^50 - 1 */
    X2(t2[l] = t1[l])
    fe4_sqn_x2(t2, 50);
    X2(fe4_mul(&t2[l], &t2[l], &t1[l]))         /* 2^100 - 1 */
    X2(t3[l] = t2[l])
    fe4_sqn_x2(t3, 100);
    X2(fe4_mul(&t2[l], &t3[l], &t2[l]))         /* 2^200 - 1 */
    fe4_sqn_x2(t2, 50);
    X2(fe4_mul(&t2[l], &t2[l], &t1[l]))         /* 2^250 - 1 */
    fe4_sqn_x2(t2, 2);                          /* 2^252 - 4 */
    X2(fe4_mul(&out[l], &t2[l], &z[l]))         /* 2^252 - 3 */
}

/* Hp(P_i) (hash_to_point_tagged) for n keys, four at a time: the eight square roots of four
 * members' two map halves share one exponentiation in vector lanes */
IFMA static void hash_to_points_ifma(ge *out, const uint8_t *keys, Py_ssize_t n) {
    for (Py_ssize_t base = 0; base < n; base += 4) {
        int m = n - base < 4 ? (int)(n - base) : 4;
        fe t[8], r[8], u[8], v[8], v3[8], tt[8], pw[8];
        ge q[8];
        for (int k = 0; k < 8; k++) fe_set_small(tt[k], 1);   /* unused lanes */
        for (int j = 0; j < m; j++) {
            uint8_t digest[64];
            hash_to_point_digest(digest, keys + 32 * (base + j));
            fe_frombytes(t[2 * j], digest);   /* bit 255 ignored, as the RFC's mask does */
            fe_frombytes(t[2 * j + 1], digest + 32);
        }
        for (int k = 0; k < 2 * m; k++) {
            elligator_prep(r[k], u[k], v[k], t[k]);
            sqrt_prep(v3[k], tt[k], u[k], v[k]);
        }
        fe4 z[2], zp[2];
        fe4_pack(&z[0], (const fe *)tt);
        fe4_pack(&z[1], (const fe *)tt + 4);
        fe4_pow22523_x2(zp, z);
        fe4_unpack(pw, &zp[0]);
        fe4_unpack(pw + 4, &zp[1]);
        for (int k = 0; k < 2 * m; k++) {
            fe sq;
            int was_square = sqrt_finish(sq, pw[k], v3[k], u[k], v[k]);
            elligator_post(&q[k], sq, was_square, r[k], v[k], t[k]);
        }
        for (int j = 0; j < m; j++) ge_add(&out[base + j], &q[2 * j], &q[2 * j + 1]);
    }
}

/* ---- the fixed-base table MSM in vector lanes
 * The non-zero (generator, window) entries of table_msm are sorted by bucket (a counting sort)
 * and the sorted list is cut into four contiguous chunks of equal length, one per lane. Each
 * lane walks its chunk adding affine table entries (Z = 1) into its accumulator; where the
 * bucket changes the lane's sum goes to that bucket and the lane restarts from the identity.
 * A bucket split between two chunks gets both partial sums (at most three such buckets). The
 * reduction sum_b (b + 1) B_b runs in the lanes too: lane l takes the q = nbuckets / 4 buckets
 * [l q, (l + 1) q) and forms R_l = sum B_b and T_l = sum (b - l q + 1) B_b by the running-sum
 * method; then sum_b (b + 1) B_b = sum_l T_l + q (R_1 + 2 R_2 + 3 R_3). */

IFMA_INLINE __m256i gather4(const uint64_t *src[4], int k) {
    return _mm256_set_epi64x((long long)src[3][k], (long long)src[2][k], (long long)src[1][k],
                             (long long)src[0][k]);
}

/* r[v] = r[v] + q[v] or r[v] - q[v] per lane (bit l of negate[v]) for TBL_H independent
 * accumulators r[v], step by step (an addition is a latency-bound chain; interleaved, one fills
 * another's multiplier stalls), q affine given as Y+X, Y-X, 2dT: ge_addsub with Z2 = 2 */
#ifndef TBL_H
#define TBL_H 2
#endif
#define XH(body) for (int l = 0; l < TBL_H; l++) { body; }
IFMA_INLINE void ge4_add_affine_signedh(ge4 r[TBL_H], const fe4 ypx[TBL_H], const fe4 ymx[TBL_H],
                                        const fe4 t2d[TBL_H], const __mmask8 negate[TBL_H]) {
    fe4 a[TBL_H], b[TBL_H], c[TBL_H], d[TBL_H], e[TBL_H], f[TBL_H], g[TBL_H], h[TBL_H], t[TBL_H], f0[TBL_H], g0[TBL_H];
    XH(fe4_sub(&t[l], &r[l].Y, &r[l].X))
    XH(fe4_mul(&a[l], &t[l], &ymx[l]))
    XH(fe4_add(&t[l], &r[l].Y, &r[l].X))
    XH(fe4_mul(&b[l], &t[l], &ypx[l]))
    XH(fe4_mul(&c[l], &r[l].T, &t2d[l]))
    XH(fe4_add(&d[l], &r[l].Z, &r[l].Z))
    XH(fe4_sub(&e[l], &b[l], &a[l]))
    XH(fe4_sub(&f0[l], &d[l], &c[l]))
    XH(fe4_add(&g0[l], &d[l], &c[l]))
    XH(fe4_add(&h[l], &b[l], &a[l]))
    for (int l = 0; l < TBL_H; l++)
        for (int i = 0; i < 5; i++) {   /* subtracting: D + C and D - C change places */
            f[l].v[i] = _mm256_mask_blend_epi64(negate[l], f0[l].v[i], g0[l].v[i]);
            g[l].v[i] = _mm256_mask_blend_epi64(negate[l], g0[l].v[i], f0[l].v[i]);
        }
    XH(fe4_mul(&r[l].X, &e[l], &f[l]))
    XH(fe4_mul(&r[l].Y, &g[l], &h[l]))
    XH(fe4_mul(&r[l].T, &e[l], &h[l]))
    XH(fe4_mul(&r[l].Z, &f[l], &g[l]))
}

static void bucket_put(ge *buckets, uint8_t *used, int b, const ge *p) {
    if (used[b]) ge_add(&buckets[b], &buckets[b], p);
    else { buckets[b] = *p; used[b] = 1; }
}

typedef struct {   /* scratch of the lane bucket phase for count entries and nbuckets buckets */
    size_t *start;         /* counting sort: first position of each bucket */
    uint32_t *order;       /* entry << 1 | sign, sorted by bucket */
    uint16_t *bucket_of;   /* the bucket of each sorted position */
    ge *buckets;
    uint8_t *used;
} lane_scratch;

static void lane_scratch_free(lane_scratch *s) {
    free(s->start); free(s->order); free(s->bucket_of); free(s->buckets); free(s->used);
}

static int lane_scratch_new(lane_scratch *s, size_t count, int nbuckets) {
    size_t slots = count ? count : 1;
    s->start = malloc(sizeof(size_t) * ((size_t)nbuckets + 1));
    s->order = malloc(sizeof(uint32_t) * slots);
    s->bucket_of = malloc(sizeof(uint16_t) * slots);
    s->buckets = malloc(sizeof(ge) * (size_t)nbuckets);
    s->used = malloc((size_t)nbuckets);
    int ok = s->start && s->order && s->bucket_of && s->buckets && s->used && count < (1u << 31)
        && nbuckets <= (1 << 16);
    if (!ok) lane_scratch_free(s);
    return ok;
}

/* the bucket sums of entries[i] (affine cached: Z2 = 2) with digit digits[i * stride], i < count,
 * into s->buckets / s->used */
IFMA static void lane_bucket_sums(lane_scratch *sc, const ge_cached *entries, const int32_t *digits,
                                  size_t stride, size_t count, int nbuckets) {
    size_t *start = sc->start;
    uint32_t *order = sc->order;
    uint16_t *bucket_of = sc->bucket_of;
    ge *buckets = sc->buckets;
    uint8_t *used = sc->used;
    memset(start, 0, sizeof(size_t) * ((size_t)nbuckets + 1));
    memset(used, 0, (size_t)nbuckets);
    for (size_t i = 0; i < count; i++) {
        int32_t d = digits[i * stride];
        if (d) start[(d > 0 ? d : -d)]++;                         /* bucket b counted at b + 1 */
    }
    for (int b = 0; b < nbuckets; b++) start[b + 1] += start[b];  /* start[b]: first of b */
    size_t m = start[nbuckets];
    for (size_t i = 0; i < count; i++) {
        int32_t d = digits[i * stride];
        if (!d) continue;
        int b = (d > 0 ? d : -d) - 1;
        size_t pos = start[b]++;
        order[pos] = (uint32_t)(i << 1) | (d < 0);
        bucket_of[pos] = (uint16_t)b;
    }
    ge4 acc[TBL_H], id;
    ge4_identity(&id);
    for (int h = 0; h < TBL_H; h++) acc[h] = id;
    size_t lo[4 * TBL_H], hi[4 * TBL_H];
    int cur[4 * TBL_H];
    for (int g = 0; g < 4 * TBL_H; g++) {   /* chunk g: vector g / 4, lane g % 4 */
        lo[g] = m * (size_t)g / (4 * TBL_H); hi[g] = m * (size_t)(g + 1) / (4 * TBL_H); cur[g] = -1;
    }
    size_t steps = 0;
    for (int g = 0; g < 4 * TBL_H; g++) if (hi[g] - lo[g] > steps) steps = hi[g] - lo[g];
    for (size_t s = 0; s < steps; s++) {
        fe4 ypx[TBL_H], ymx[TBL_H], t2d[TBL_H];
        __mmask8 negate[TBL_H] = {0};
        for (int h = 0; h < TBL_H; h++) {
            const uint64_t *yp[4], *ym[4], *td[4];
            __mmask8 restart = 0;
            for (int l = 0; l < 4; l++) {
                int g = 4 * h + l;
                size_t p = lo[g] + s;
                if (p >= hi[g]) { yp[l] = ID_REC.YpX; ym[l] = ID_REC.YmX; td[l] = ID_REC.T2d; continue; }
                uint32_t e = order[p];
                const ge_cached *entry = &entries[e >> 1];
                int neg = (int)(e & 1);
                yp[l] = neg ? entry->YmX : entry->YpX;
                ym[l] = neg ? entry->YpX : entry->YmX;
                td[l] = entry->T2d;
                negate[h] |= (__mmask8)(neg << l);
                if (bucket_of[p] != cur[g]) restart |= (__mmask8)(1 << l);
            }
            if (restart) {
                for (int l = 0; l < 4; l++) {
                    int g = 4 * h + l;
                    if (!(restart & (1 << l))) continue;
                    if (cur[g] >= 0) {
                        ge out;
                        ge4_lane(&out, &acc[h], l);
                        bucket_put(buckets, used, cur[g], &out);
                    }
                    cur[g] = bucket_of[lo[g] + s];
                }
                __m256i *dst = acc[h].X.v;
                const __m256i *src = id.X.v;
                for (int k = 0; k < 20; k++) dst[k] = _mm256_mask_blend_epi64(restart, dst[k], src[k]);
            }
            for (int k = 0; k < 5; k++) {
                ypx[h].v[k] = gather4(yp, k);
                ymx[h].v[k] = gather4(ym, k);
                t2d[h].v[k] = gather4(td, k);
            }
            fe4_carry(&ypx[h]);   /* Y + X is stored uncarried; the multiplier reads 52 bits */
            fe4_carry(&ymx[h]);
        }
        ge4_add_affine_signedh(acc, ypx, ymx, t2d, negate);
    }
    for (int g = 0; g < 4 * TBL_H; g++) {
        if (cur[g] < 0) continue;
        ge out;
        ge4_lane(&out, &acc[g / 4], g % 4);
        bucket_put(buckets, used, cur[g], &out);
    }
}

/* sum_b (b + 1) buckets[b] over the used buckets (nbuckets a power of two, at least 4) */
IFMA static void lane_bucket_reduce(ge *result, const ge *buckets, const uint8_t *used,
                                    int nbuckets) {
    int q = nbuckets / 4;
    ge4 id;
    ge4_identity(&id);
    /* the reduction, q buckets per lane, from the top of each lane's range down */
    ge identity;
    ge_identity(&identity);
    fe4 d2;
    fe4_broadcast(&d2, FE_D2);
    ge4 running = id, sum = id, bk;
    ge4_cached cb;
    for (int i = q - 1; i >= 0; i--) {
        const ge *src[4];
        for (int l = 0; l < 4; l++) {
            int b = l * q + i;
            src[l] = used[b] ? &buckets[b] : &identity;
        }
        ge4_from_lanes(&bk, src[0], src[1], src[2], src[3]);
        ge4_to_cached(&cb, &bk, &d2);
        ge4_add(&running, &running, &cb);
        ge4_to_cached(&cb, &running, &d2);
        ge4_add(&sum, &sum, &cb);
    }
    ge r[4], t[4], w, acc1;
    for (int l = 0; l < 4; l++) { ge4_lane(&r[l], &running, l); ge4_lane(&t[l], &sum, l); }
    ge_add(&acc1, &r[3], &r[2]);        /* R_3 + R_2 */
    ge_add(&w, &r[3], &acc1);           /* 2 R_3 + R_2 */
    ge_add(&acc1, &acc1, &r[1]);        /* R_3 + R_2 + R_1 */
    ge_add(&w, &w, &acc1);              /* 3 R_3 + 2 R_2 + R_1 */
    for (int k = q; k > 1; k >>= 1) ge_double(&w, &w);
    ge_add(&w, &w, &t[0]);
    ge_add(&w, &w, &t[1]);
    ge_add(&w, &w, &t[2]);
    ge_add(&w, &w, &t[3]);
    *result = w;
}

IFMA static int table_msm_ifma(ge *result, const ge_cached *table, Py_ssize_t n, int c,
                               const uint8_t *scalars) {
    int windows = table_windows(c);
    int nbuckets = 1 << (c - 1);
    size_t total = (size_t)n * (size_t)windows;
    int32_t *digits = malloc(sizeof(int32_t) * (total ? total : 1));
    lane_scratch sc;
    if (!digits || !lane_scratch_new(&sc, total, nbuckets)) { free(digits); return 0; }
    for (Py_ssize_t j = 0; j < n; j++) recode(digits + (size_t)j * windows, windows, scalars + 32 * j, c);
    lane_bucket_sums(&sc, table, digits, 1, total, nbuckets);
    lane_bucket_reduce(result, sc.buckets, sc.used, nbuckets);
    free(digits);
    lane_scratch_free(&sc);
    return 1;
}

/* msm_point in lanes (every point affine, as decode() gives them): per window the bucket sums
 * and the reduction of lane_bucket_sums / lane_bucket_reduce; -1 when a point is not affine */
IFMA static int msm_point_ifma(ge *result, const uint8_t *scalars, const uint8_t *points,
                               Py_ssize_t n) {
    int c = window_bits(n);
    int windows = (256 + c - 1) / c + 1;
    int nbuckets = 1 << (c - 1);
    size_t count = (size_t)(n > 0 ? n : 1);
    fe one;
    fe_set_small(one, 1);
    for (Py_ssize_t i = 0; i < n; i++)
        if (memcmp(((const ge *)(points + 160 * i))->Z, one, sizeof(fe)) != 0) return -1;
    ge_cached *cached = malloc(sizeof(ge_cached) * count);
    int32_t *digits = malloc(sizeof(int32_t) * (size_t)windows * count);
    lane_scratch sc;
    if (!cached || !digits || !lane_scratch_new(&sc, (size_t)n, nbuckets)) {
        free(cached); free(digits);
        return 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        ge p;
        memcpy(&p, points + 160 * i, sizeof(ge));
        ge_to_cached(&cached[i], &p);
        recode(digits + (size_t)windows * (size_t)i, windows, scalars + 32 * i, c);
    }
    ge acc, total;
    ge_identity(&acc);
    for (int k = windows - 1; k >= 0; k--) {
        for (int j = 1; j < c; j++) ge_double_xyz(&acc, &acc);
        ge_double(&acc, &acc);
        lane_bucket_sums(&sc, cached, digits + k, (size_t)windows, (size_t)n, nbuckets);
        lane_bucket_reduce(&total, sc.buckets, sc.used, nbuckets);
        ge_add(&acc, &acc, &total);
    }
    *result = acc;
    free(cached); free(digits);
    lane_scratch_free(&sc);
    return 1;
}

static int msm_point_lanes(ge *result, const uint8_t *scalars, const uint8_t *points,
                           Py_ssize_t n) {
    if (!USE_IFMA || window_bits(n) < 3) return -1;
    return msm_point_ifma(result, scalars, points, n);
}

static int ifma_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx512ifma");
}
#else
static int ifma_supported(void) { return 0; }
static void ifma_tables_init(void) {}
static int msm_point_lanes(ge *result, const uint8_t *scalars, const uint8_t *points,
                           Py_ssize_t n) {
    (void)result; (void)scalars; (void)points; (void)n;
    return -1;
}
#endif

/* the table MSM in IFMA lanes where chosen (USE_IFMA), else serially; the same point */
static int table_msm(ge *result, const ge_cached *table, Py_ssize_t n, int c, const uint8_t *scalars) {
#ifdef MCREF_IFMA_CODE
    if (USE_IFMA && c >= 3 && c <= 17) return table_msm_ifma(result, table, n, c, scalars);
#endif
    return table_msm_serial(result, table, n, c, scalars);
}

/* scalars: r0 || r1 || c; points (160 bytes each): P, C, Hp, I, C' */
static void mlsag_member(uint8_t out[96], const uint8_t *scalars, const uint8_t *points) {
    ge pts[5], z, q[3];
    memcpy(pts, points, sizeof(pts));
    uint8_t half[96];
    for (int i = 0; i < 3; i++) sc_halve_bytes(half + 32 * i, scalars + 32 * i);
    int8_t r0_base[NAF_LEN], r1_base[NAF_LEN], r0_var[NAF_LEN], c_var[NAF_LEN];
    int t_r1b = wnaf(r1_base, half + 32, BASE_W);
    int t_r0v = wnaf(r0_var, half, VAR_W);
    int t_cv = wnaf(c_var, half + 64, VAR_W);
    ge_cached commitment;
    ge_to_cached(&commitment, &pts[1]);
    ge_addsub(&z, &pts[4], &commitment, 0, 1);   /* C' - C */
#ifdef MCREF_IFMA_CODE
    if (USE_IFMA) {   /* r0 G uses the width-5 digits of r0 Hp: one digit stream, fewer adds */
        int top = t_r0v > t_cv ? t_r0v : t_cv;
        if (t_r1b > top) top = t_r1b;
        mlsag_chains_ifma(q, &pts[0], &pts[2], &pts[3], &z, r0_var, r1_base, c_var, top);
        double_and_encode3(out, q);
        return;
    }
#endif
    int t_r0b = wnaf(r0_base, half, BASE_W);
    ge_cached tab_p[VAR_ODD], tab_hp[VAR_ODD], tab_i[VAR_ODD], tab_z[VAR_ODD];
    odd_multiples(tab_p, &pts[0]);
    odd_multiples(tab_hp, &pts[2]);
    odd_multiples(tab_i, &pts[3]);
    odd_multiples(tab_z, &z);
    straus_term l0[2] = {{r0_base, G_ODD, 1}, {c_var, tab_p, 0}};
    straus_naf(&q[0], l0, 2, t_r0b > t_cv ? t_r0b : t_cv);
    straus_term r0[2] = {{r0_var, tab_hp, 0}, {c_var, tab_i, 0}};
    straus_naf(&q[1], r0, 2, t_r0v > t_cv ? t_r0v : t_cv);
    straus_term l1[2] = {{r1_base, G_ODD, 1}, {c_var, tab_z, 0}};
    straus_naf(&q[2], l1, 2, t_r1b > t_cv ? t_r1b : t_cv);
    double_and_encode3(out, q);
}

/* ---------------------------------------------------------------- whole-ring MLSAG verification
 * RingMLSAG::verify (crypto/ring-signature/src/ring_signature/mlsag_verify.rs): for each ring
 * member i, with c the running challenge,
 *   L0 = r_{i,0} G + c P_i,  R0 = r_{i,0} Hp(P_i) + c I,  L1 = r_{i,1} G + c (C' - C_i),
 *   c <- wide(Blake2b512("mc_ring_mlsag_challenge" || m || I || L0 || R0 || L1)),
 * and the signature is valid when the last c equals c_0. All encodings come from canonical
 * Python Points; a member that does not decode fails the call (returns 0). */

static int mlsag_ring(uint8_t c_out[32], const uint8_t *msg, size_t msg_len, const uint8_t c0[32],
                      const uint8_t *responses, const uint8_t image_enc[32], const uint8_t *keys,
                      const uint8_t *commitments, const uint8_t pseudo_enc[32], Py_ssize_t n,
                      const uint8_t *decoded) {
    ge image, pseudo;
    if (!ristretto_decode(&image, image_enc) || !ristretto_decode(&pseudo, pseudo_enc)) return 0;
    uint8_t c[32];
    memcpy(c, c0, 32);
    ge *hps = NULL;   /* the IFMA path hashes all members to points first, four at a time */
#ifdef MCREF_IFMA_CODE
    if (USE_IFMA && (hps = malloc(sizeof(ge) * (size_t)n)) != NULL) hash_to_points_ifma(hps, keys, n);
#endif
    for (Py_ssize_t i = 0; i < n; i++) {
        ge pts[5]; /* P, C, Hp, I, C' as mlsag_member reads them */
        if (decoded) {   /* P_i and C_i decoded already (refimpl/crypto/msm.py's cache) */
            memcpy(&pts[0], decoded + 320 * i, sizeof(ge));
            memcpy(&pts[1], decoded + 320 * i + 160, sizeof(ge));
        } else if (!ristretto_decode(&pts[0], keys + 32 * i)
                   || !ristretto_decode(&pts[1], commitments + 32 * i)) {
            free(hps);
            return 0;
        }
        if (hps) pts[2] = hps[i]; else hash_to_point_tagged(&pts[2], keys + 32 * i);
        pts[3] = image;
        pts[4] = pseudo;
        uint8_t scalars[96], points_out[96];
        memcpy(scalars, responses + 64 * i, 64);
        memcpy(scalars + 64, c, 32);
        mlsag_member(points_out, scalars, (const uint8_t *)pts);
        blake2b_state st;
        uint8_t digest[64];
        blake2b_init(&st, 64);
        blake2b_update(&st, (const uint8_t *)RING_CHALLENGE_TAG, sizeof(RING_CHALLENGE_TAG) - 1);
        blake2b_update(&st, msg, msg_len);
        blake2b_update(&st, image_enc, 32);
        blake2b_update(&st, points_out, 96);
        blake2b_final(&st, digest);
        sc next;
        sc_wide_to_mont(next, digest);
        sc_from_mont(c, next);
    }
    free(hps);
    memcpy(c_out, c, 32);
    return 1;
}

/* ---------------------------------------------------------------- Bulletproofs g/h scalars
 * The generator scalars of RangeProof::verify_multiple_with_rng (bulletproofs'
 * src/range_proof/mod.rs, InnerProductProof::verification_scalars), as
 * refimpl/crypto/bulletproofs.py _verification_check computes them, each multiplied by a weight:
 *   s_0 = prod u_k^-1,  s_i = s_{i - 2^lg(i)} u_{lg_n - 1 - lg(i)}^2,
 *   g_i = -z - a s_i,
 *   h_i = z + y^-i (z^2 z^(i div 64) 2^(i mod 64) - b s_{nm-1-i}).
 * Writes g to out_g[i] and h to out_h[i] (32-byte slots); with accumulate, adds into them mod L.
 * Returns 0 when y or a u is zero (the caller refuses those first), -1 when out of memory. */

static void sc_emit(uint8_t *slot, const sc value_mont, int accumulate) {
    static const sc one = {1, 0, 0, 0};
    sc v;
    sc_mont_mul(v, value_mont, one);
    if (accumulate) {
        sc old;
        sc_load(old, slot);
        sc_add(v, v, old);
    }
    sc_store(slot, v);
}

static int bp_scalars(uint8_t *out_g, uint8_t *out_h, int accumulate, const uint8_t weight[32],
                      const uint8_t y_b[32], const uint8_t z_b[32], const uint8_t a_b[32],
                      const uint8_t b_b[32], const uint8_t *us, int lg_n, int m) {
    int nm = 64 * m;
    sc y, z, a, b, w, u[32], inv[33], prefix[34], u_sq[32];
    sc_to_mont(y, y_b);
    sc_to_mont(z, z_b);
    sc_to_mont(a, a_b);
    sc_to_mont(b, b_b);
    sc_to_mont(w, weight);
    if (sc_is_zero(y)) return 0;
    for (int k = 0; k < lg_n; k++) {
        sc_to_mont(u[k], us + 32 * k);
        if (sc_is_zero(u[k])) return 0;
    }
    /* one inversion for the u_k and y (Montgomery's trick) */
    sc_mont_mul(prefix[0], SC_R2, (const uint64_t[4]){1, 0, 0, 0}); /* one */
    for (int k = 0; k <= lg_n; k++)
        sc_mont_mul(prefix[k + 1], prefix[k], k < lg_n ? u[k] : y);
    sc acc;
    sc_invert(acc, prefix[lg_n + 1]);
    for (int k = lg_n; k >= 0; k--) {
        sc_mont_mul(inv[k], acc, prefix[k]);
        sc_mont_mul(acc, acc, k < lg_n ? u[k] : y);
    }
    sc *s = malloc(sizeof(sc) * (size_t)nm);
    if (!s) return -1;
    memcpy(s[0], inv[0], sizeof(sc));
    for (int k = 1; k < lg_n; k++) sc_mont_mul(s[0], s[0], inv[k]);
    for (int k = 0; k < lg_n; k++) sc_mont_mul(u_sq[k], u[k], u[k]);
    for (int i = 1; i < nm; i++) {
        int lg_i = 31 - __builtin_clz((unsigned)i);
        sc_mont_mul(s[i], s[i - (1 << lg_i)], u_sq[lg_n - 1 - lg_i]);
    }
    sc wz, wa, g, t;
    sc_mont_mul(wz, w, z);
    sc_mont_mul(wa, w, a);
    for (int i = 0; i < nm; i++) {    /* w g_i = -(w z + (w a) s_i) */
        sc_mont_mul(t, wa, s[i]);
        sc_add(g, wz, t);
        sc_neg(g, g);
        sc_emit(out_g + 32 * i, g, accumulate);
    }
    sc zz, zzj, two_k, yw;        /* w h_i = w z + (w y^-i)(z^2 z^j 2^k - b s_{nm-1-i}) */
    sc_mont_mul(zz, z, z);
    memcpy(zzj, zz, sizeof(sc));
    memcpy(yw, w, sizeof(sc));
    for (int j = 0; j < m; j++) {
        memcpy(two_k, zzj, sizeof(sc));
        for (int k = 0; k < 64; k++) {
            int i = 64 * j + k;
            sc_mont_mul(t, b, s[nm - 1 - i]);
            sc_sub(t, two_k, t);
            sc_mont_mul(t, yw, t);
            sc_add(t, wz, t);
            sc_emit(out_h + 32 * i, t, accumulate);
            sc_mont_mul(yw, yw, inv[lg_n]);
            sc_add(two_k, two_k, two_k);
        }
        sc_mont_mul(zzj, zzj, z);
    }
    free(s);
    return 1;
}

/* ---------------------------------------------------------------- Python bindings */

static PyObject *py_decode(PyObject *self, PyObject *args) {
    Py_buffer enc;
    if (!PyArg_ParseTuple(args, "y*", &enc)) return NULL;
    if (enc.len != 32) {
        PyBuffer_Release(&enc);
        PyErr_SetString(PyExc_ValueError, "a ristretto encoding is 32 bytes");
        return NULL;
    }
    ge p;
    int ok = ristretto_decode(&p, (const uint8_t *)enc.buf);
    PyBuffer_Release(&enc);
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "not a canonical ristretto255 encoding");
        return NULL;
    }
    return PyBytes_FromStringAndSize((const char *)&p, sizeof(ge));
}

/* decode_many(encodings: bytes[32n]) -> bytes[160n]; ValueError naming the first encoding that
 * is not canonical */
static PyObject *py_decode_many(PyObject *self, PyObject *args) {
    Py_buffer enc;
    if (!PyArg_ParseTuple(args, "y*", &enc)) return NULL;
    if (enc.len % 32 != 0) {
        PyBuffer_Release(&enc);
        PyErr_SetString(PyExc_ValueError, "ristretto encodings are 32 bytes each");
        return NULL;
    }
    Py_ssize_t n = enc.len / 32, bad = -1;
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(ge));
    if (out == NULL) { PyBuffer_Release(&enc); return NULL; }
    ge *points = (ge *)PyBytes_AS_STRING(out);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n && bad < 0; i++)
        if (!ristretto_decode(&points[i], (const uint8_t *)enc.buf + 32 * i)) bad = i;
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&enc);
    if (bad >= 0) {
        Py_DECREF(out);
        PyErr_Format(PyExc_ValueError, "encoding %zd is not a canonical ristretto255 point", bad);
        return NULL;
    }
    return out;
}

static PyObject *py_msm(PyObject *self, PyObject *args) {
    Py_buffer sc, pts;
    if (!PyArg_ParseTuple(args, "y*y*", &sc, &pts)) return NULL;
    Py_ssize_t n = sc.len / 32;
    if (sc.len % 32 != 0 || pts.len != n * (Py_ssize_t)sizeof(ge)) {
        PyBuffer_Release(&sc); PyBuffer_Release(&pts);
        PyErr_SetString(PyExc_ValueError, "need 32 bytes per scalar and 160 per point");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (((const uint8_t *)sc.buf)[32 * i + 31] & 0x80) {
            PyBuffer_Release(&sc); PyBuffer_Release(&pts);
            PyErr_SetString(PyExc_ValueError, "scalars must be below 2^255");
            return NULL;
        }
    }
    uint8_t out[32];
    int ok;
    Py_BEGIN_ALLOW_THREADS
    ok = msm_run(out, (const uint8_t *)sc.buf, (const uint8_t *)pts.buf, n);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&sc); PyBuffer_Release(&pts);
    if (!ok) return PyErr_NoMemory();
    return PyBytes_FromStringAndSize((const char *)out, 32);
}

static PyObject *py_table_new(PyObject *self, PyObject *args) {
    Py_buffer pts;
    int c;
    if (!PyArg_ParseTuple(args, "y*i", &pts, &c)) return NULL;
    if (c < 2 || c > 16 || pts.len % (Py_ssize_t)sizeof(ge) != 0) {
        PyBuffer_Release(&pts);
        PyErr_SetString(PyExc_ValueError, "need 160 bytes per point and 2 <= c <= 16");
        return NULL;
    }
    Py_ssize_t n = pts.len / (Py_ssize_t)sizeof(ge);
    Py_ssize_t size = n * table_windows(c) * (Py_ssize_t)sizeof(ge_cached);
    PyObject *out = PyBytes_FromStringAndSize(NULL, size);
    if (out == NULL) { PyBuffer_Release(&pts); return NULL; }
    int ok;
    Py_BEGIN_ALLOW_THREADS
    ok = table_build((ge_cached *)PyBytes_AS_STRING(out), (const uint8_t *)pts.buf, n, c);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&pts);
    if (!ok) { Py_DECREF(out); return PyErr_NoMemory(); }
    return out;
}

static int scalars_ok(const Py_buffer *sc) {
    if (sc->len % 32 != 0) return 0;
    for (Py_ssize_t i = 0; i < sc->len / 32; i++)
        if (((const uint8_t *)sc->buf)[32 * i + 31] & 0x80) return 0;
    return 1;
}

/* msm_with_table(table, c, table_scalars, scalars, points): sum over the table plus a plain MSM */
static PyObject *py_msm_with_table(PyObject *self, PyObject *args) {
    Py_buffer table, tsc, sc, pts;
    int c;
    if (!PyArg_ParseTuple(args, "y*iy*y*y*", &table, &c, &tsc, &sc, &pts)) return NULL;
    Py_ssize_t nt = tsc.len / 32, n = sc.len / 32;
    int valid = c >= 2 && c <= 16 && scalars_ok(&tsc) && scalars_ok(&sc)
        && table.len == nt * table_windows(c) * (Py_ssize_t)sizeof(ge_cached)
        && pts.len == n * (Py_ssize_t)sizeof(ge);
    if (!valid) {
        PyBuffer_Release(&table); PyBuffer_Release(&tsc); PyBuffer_Release(&sc);
        PyBuffer_Release(&pts);
        PyErr_SetString(PyExc_ValueError, "table, scalars and points do not match");
        return NULL;
    }
    uint8_t out[32];
    int ok;
    Py_BEGIN_ALLOW_THREADS
    ge fixed, rest;
    ok = table_msm(&fixed, (const ge_cached *)table.buf, nt, c, (const uint8_t *)tsc.buf)
        && msm_point(&rest, (const uint8_t *)sc.buf, (const uint8_t *)pts.buf, n);
    if (ok) {
        ge_add(&fixed, &fixed, &rest);
        ristretto_encode(out, &fixed);
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&table); PyBuffer_Release(&tsc); PyBuffer_Release(&sc);
    PyBuffer_Release(&pts);
    if (!ok) return PyErr_NoMemory();
    return PyBytes_FromStringAndSize((const char *)out, 32);
}

static int scalar_arg(Py_buffer *buf, Py_ssize_t len) { return buf->len == len; }

/* blake2b512(data) -> bytes[64]: the C BLAKE2b, exposed so tests compare it with hashlib */
static PyObject *py_blake2b512(PyObject *self, PyObject *args) {
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*", &data)) return NULL;
    blake2b_state st;
    uint8_t out[64];
    blake2b_init(&st, 64);
    blake2b_update(&st, (const uint8_t *)data.buf, (size_t)data.len);
    blake2b_final(&st, out);
    PyBuffer_Release(&data);
    return PyBytes_FromStringAndSize((const char *)out, 64);
}

/* from_uniform_bytes(bytes[64]) -> bytes[32]: RistrettoPoint::from_uniform_bytes, encoded */
static PyObject *py_from_uniform_bytes(PyObject *self, PyObject *args) {
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*", &data)) return NULL;
    if (data.len != 64) {
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "need 64 bytes");
        return NULL;
    }
    ge p;
    uint8_t out[32];
    from_uniform_bytes(&p, (const uint8_t *)data.buf);
    PyBuffer_Release(&data);
    ristretto_encode(out, &p);
    return PyBytes_FromStringAndSize((const char *)out, 32);
}

/* scalar_op(op, a, b) -> bytes[32]: op 0 a*b, 1 a+b, 2 a-b, 3 a^-1, 4 wide(a || b) mod L.
 * a and b are any 32-byte little-endian integers (reduced first); for tests of the C scalars. */
static PyObject *py_scalar_op(PyObject *self, PyObject *args) {
    int op;
    Py_buffer a_buf, b_buf;
    if (!PyArg_ParseTuple(args, "iy*y*", &op, &a_buf, &b_buf)) return NULL;
    if (!scalar_arg(&a_buf, 32) || !scalar_arg(&b_buf, 32) || op < 0 || op > 4) {
        PyBuffer_Release(&a_buf); PyBuffer_Release(&b_buf);
        PyErr_SetString(PyExc_ValueError, "need op in 0..4 and two 32-byte integers");
        return NULL;
    }
    sc a, b, r;
    uint8_t out[32], wide[64];
    sc_to_mont(a, (const uint8_t *)a_buf.buf);
    sc_to_mont(b, (const uint8_t *)b_buf.buf);
    switch (op) {
    case 0: sc_mont_mul(r, a, b); break;
    case 1: sc_add(r, a, b); break;
    case 2: sc_sub(r, a, b); break;
    case 3: sc_invert(r, a); break;
    default:
        memcpy(wide, a_buf.buf, 32);
        memcpy(wide + 32, b_buf.buf, 32);
        sc_wide_to_mont(r, wide);
    }
    PyBuffer_Release(&a_buf); PyBuffer_Release(&b_buf);
    sc_from_mont(out, r);
    return PyBytes_FromStringAndSize((const char *)out, 32);
}

/* mlsag_ring(message, c0, responses[64n], key_image, keys[32n], commitments[32n], pseudo
 * [, decoded[320n]]) -> bytes[32]: the challenge after the last member (equal to c0 when the
 * ring closes); decoded, when given, holds P_i and C_i in extended coordinates */
static PyObject *py_mlsag_ring(PyObject *self, PyObject *args) {
    Py_buffer msg, c0, resp, image, keys, coms, pseudo, dec = {0};
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*|y*", &msg, &c0, &resp, &image, &keys, &coms,
                          &pseudo, &dec))
        return NULL;
    Py_ssize_t n = keys.len / 32;
    int valid = c0.len == 32 && image.len == 32 && pseudo.len == 32 && keys.len == 32 * n
        && coms.len == 32 * n && resp.len == 64 * n && scalars_ok(&resp) && scalars_ok(&c0)
        && (dec.len == 0 || dec.len == 320 * n);
    uint8_t out[32];
    int ok = 0;
    if (valid) {
        Py_BEGIN_ALLOW_THREADS
        ok = mlsag_ring(out, (const uint8_t *)msg.buf, (size_t)msg.len, (const uint8_t *)c0.buf,
                        (const uint8_t *)resp.buf, (const uint8_t *)image.buf,
                        (const uint8_t *)keys.buf, (const uint8_t *)coms.buf,
                        (const uint8_t *)pseudo.buf, n,
                        dec.len ? (const uint8_t *)dec.buf : NULL);
        Py_END_ALLOW_THREADS
    }
    if (dec.obj != NULL) PyBuffer_Release(&dec);
    PyBuffer_Release(&msg); PyBuffer_Release(&c0); PyBuffer_Release(&resp);
    PyBuffer_Release(&image); PyBuffer_Release(&keys); PyBuffer_Release(&coms);
    PyBuffer_Release(&pseudo);
    if (!valid) {
        PyErr_SetString(PyExc_ValueError, "need 32-byte c0, key image, pseudo-output and n members");
        return NULL;
    }
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "a ring point is not a canonical ristretto255 encoding");
        return NULL;
    }
    return PyBytes_FromStringAndSize((const char *)out, 32);
}

/* bp_scalars(out, stride, weight, y, z, a, b, us, m, accumulate) -> None
 * out: writable buffer; g_i goes to slot i and h_i to slot stride + i (32 bytes per slot);
 * with accumulate the slots (canonical scalars) are added to, else overwritten. */
static PyObject *py_bp_scalars(PyObject *self, PyObject *args) {
    Py_buffer out, w, y, z, a, b, us;
    Py_ssize_t stride;
    int m, accumulate;
    if (!PyArg_ParseTuple(args, "w*ny*y*y*y*y*y*ip", &out, &stride, &w, &y, &z, &a, &b, &us, &m,
                          &accumulate))
        return NULL;
    int lg_n = 0;
    while (lg_n < 31 && (64 * m) > (1 << lg_n)) lg_n++;
    int valid = m >= 1 && m <= 64 && (m & (m - 1)) == 0 && w.len == 32 && y.len == 32
        && z.len == 32 && a.len == 32 && b.len == 32 && us.len == 32 * lg_n
        && stride >= 64 * m && out.len >= 32 * (stride + 64 * m);
    int ok = 0;
    if (valid) {
        Py_BEGIN_ALLOW_THREADS
        ok = bp_scalars((uint8_t *)out.buf, (uint8_t *)out.buf + 32 * stride, accumulate,
                        (const uint8_t *)w.buf, (const uint8_t *)y.buf, (const uint8_t *)z.buf,
                        (const uint8_t *)a.buf, (const uint8_t *)b.buf, (const uint8_t *)us.buf,
                        lg_n, m);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&out); PyBuffer_Release(&w); PyBuffer_Release(&y); PyBuffer_Release(&z);
    PyBuffer_Release(&a); PyBuffer_Release(&b); PyBuffer_Release(&us);
    if (!valid) {
        PyErr_SetString(PyExc_ValueError, "bad bp_scalars arguments (m a power of two <= 64, "
                        "lg(64m) challenges, an output of 2 * stride slots)");
        return NULL;
    }
    if (ok < 0) return PyErr_NoMemory();
    if (ok == 0) {
        PyErr_SetString(PyExc_ValueError, "y and every u must be non-zero");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *py_mlsag_member(PyObject *self, PyObject *args) {
    Py_buffer sc, pts;
    if (!PyArg_ParseTuple(args, "y*y*", &sc, &pts)) return NULL;
    if (sc.len != 96 || !scalars_ok(&sc) || pts.len != 5 * (Py_ssize_t)sizeof(ge)) {
        PyBuffer_Release(&sc); PyBuffer_Release(&pts);
        PyErr_SetString(PyExc_ValueError, "need r0, r1, c (32 bytes each) and 5 points");
        return NULL;
    }
    uint8_t out[96];
    mlsag_member(out, (const uint8_t *)sc.buf, (const uint8_t *)pts.buf);
    PyBuffer_Release(&sc); PyBuffer_Release(&pts);
    return PyBytes_FromStringAndSize((const char *)out, 96);
}

/* ifma([enable: int]) -> bool: whether mlsag_member/mlsag_ring use the AVX-512 IFMA lanes;
 * with an argument, switches them on (only where the CPU has IFMA) or off first */
static PyObject *py_ifma(PyObject *self, PyObject *args) {
    int enable = -1;
    if (!PyArg_ParseTuple(args, "|i", &enable)) return NULL;
    if (enable >= 0) USE_IFMA = enable && ifma_supported();
    return PyBool_FromLong(USE_IFMA);
}

static PyMethodDef methods[] = {
    {"ifma", py_ifma, METH_VARARGS, "query or switch the AVX-512 IFMA lanes (member step, MSM buckets)"},
    {"blake2b512", py_blake2b512, METH_VARARGS, "BLAKE2b with a 64-byte digest"},
    {"from_uniform_bytes", py_from_uniform_bytes, METH_VARARGS, "RFC 9496 hash-to-group"},
    {"scalar_op", py_scalar_op, METH_VARARGS, "scalar arithmetic modulo L (for tests)"},
    {"mlsag_ring", py_mlsag_ring, METH_VARARGS, "the closing challenge of a RingMLSAG"},
    {"bp_scalars", py_bp_scalars, METH_VARARGS, "Bulletproofs generator scalars (weighted)"},
    {"mlsag_member", py_mlsag_member, METH_VARARGS, "L0 || R0 || L1 of one MLSAG ring member"},
    {"decode", py_decode, METH_VARARGS, "ristretto255 decode to extended coordinates"},
    {"decode_many", py_decode_many, METH_VARARGS, "decode n concatenated encodings"},
    {"msm", py_msm, METH_VARARGS, "Pippenger multiscalar multiplication"},
    {"table_new", py_table_new, METH_VARARGS, "fixed-base table of 2^(c*k) multiples"},
    {"msm_with_table", py_msm_with_table, METH_VARARGS, "table MSM plus a plain MSM"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_msm", NULL, -1, methods};

PyMODINIT_FUNC PyInit__msm(void) {
    fe_frombytes(FE_D, D_BYTES);
    fe_add(FE_D2, FE_D, FE_D);
    fe_frombytes(FE_SQRT_M1, SQRT_M1_BYTES);
    fe_frombytes(FE_INVSQRT_A_MINUS_D, INVSQRT_A_MINUS_D_BYTES);
    fe_set_small(FE_ONE, 1);
    fe_set_small(FE_INV2, 2);
    fe_invert(FE_INV2, FE_INV2);
    fe_frombytes(FE_ONE_MINUS_D_SQ, ONE_MINUS_D_SQ_BYTES);
    fe_frombytes(FE_D_MINUS_ONE_SQ, D_MINUS_ONE_SQ_BYTES);
    fe_frombytes(FE_SQRT_AD_MINUS_ONE, SQRT_AD_MINUS_ONE_BYTES);
    fe_invert(FE_INV_SQRT_AD_MINUS_ONE, FE_SQRT_AD_MINUS_ONE);
    if (!g_table_init()) {
        PyErr_SetString(PyExc_ImportError, "basepoint table initialisation failed");
        return NULL;
    }
    ifma_tables_init();
    {
        const char *off = getenv("MCREF_NO_IFMA");
        USE_IFMA = ifma_supported() && !(off != NULL && off[0] != '\0' && strcmp(off, "0") != 0);
    }
    PyObject *m = PyModule_Create(&module);
    /* bumped with every behavioural change; refimpl/crypto/msm.py ignores a stale build */
    if (m != NULL && PyModule_AddIntConstant(m, "VERSION", 10) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
