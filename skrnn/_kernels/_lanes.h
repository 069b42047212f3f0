/* A small network's layer over a block of sequences, one sequence per lane.
 *
 * Authors: The skrnn developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Z (n, L) = b + W (n, k) @ A (k, L), all row-major, with L = SKRNN_LANES
 * sequences side by side: row p of A holds input p of the L sequences, row j
 * of Z unit j of them. Each weight W[j, p] is read once and multiplies a
 * whole row of A, so the multiply-adds run in full vectors across sequences
 * whatever the size of the network: at 4 hidden units a sequence-major
 * product (4 columns) would leave most lanes of a vector empty, and a library
 * call per candidate and step costs more than the arithmetic. Rows of Z are
 * done JB at a time so that each loaded row of A serves JB multiply-adds.
 *
 * The population kernels (gradient-free weight search) evaluate thousands of
 * small networks this way. Each element of Z is one chain over p in order,
 * so a sequence's result does not depend on the others in its block; the
 * chain is fused multiply-adds with AVX2 or AVX-512 and separate roundings
 * at the baseline level, so the last bits differ between levels.
 *
 * With a handful of units per layer the activations cost more than the
 * products (a tanh per unit against a few multiply-adds), so the lanes have
 * their own float64 tanh too, below.
 */
#ifndef SKRNN_LANES_H
#define SKRNN_LANES_H

#include <stddef.h>
#include <string.h>

#include "_isa.h"
#include "_vmath.h"

#define SKRNN_LANES 16

/* The baseline: plain loops, a row of Z accumulated in place over p (the
 * loop over lanes vectorises at any level), without FMA contraction. */
#define SKRNN_LANE_GEMM_BASE(NAME, T)                                                \
static void NAME(ptrdiff_t n, ptrdiff_t k, const T *W, const T *b, const T *A, T *Z) \
{                                                                                    \
    for (ptrdiff_t j = 0; j < n; j++) {                                              \
        T *z = Z + j * SKRNN_LANES;                                                  \
        for (int l = 0; l < SKRNN_LANES; l++)                                        \
            z[l] = b[j];                                                             \
        for (ptrdiff_t p = 0; p < k; p++) {                                          \
            const T w = W[j * k + p];                                                \
            for (int l = 0; l < SKRNN_LANES; l++)                                    \
                z[l] += w * A[p * SKRNN_LANES + l];                                  \
        }                                                                            \
    }                                                                                \
}
#if defined(__GNUC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif
SKRNN_LANE_GEMM_BASE(skrnn_lane_gemm_d_base, double)
SKRNN_LANE_GEMM_BASE(skrnn_lane_gemm_f_base, float)
#if defined(__GNUC__)
#pragma GCC pop_options
#endif

#ifdef SKRNN_X86_DISPATCH
#include <immintrin.h>

/* JB rows of Z (a literal at every call, so that the loops unroll and the
 * JB x NV accumulators stay in registers), each NV vectors of lanes. */
#define SKRNN_LANE_TILE(TARGET, NAME, T, VEC, NV, LOAD, STORE, SET1, FMA)            \
TARGET static inline __attribute__((always_inline)) void                             \
NAME(int JB, ptrdiff_t k, const T *w, const T *b, const T *A, T *Z)                  \
{                                                                                    \
    enum { WIDTH = SKRNN_LANES / NV };                                               \
    VEC s[8][NV], x[NV];                                                             \
    for (int q = 0; q < JB; q++)                                                     \
        for (int v = 0; v < NV; v++)                                                 \
            s[q][v] = SET1(b[q]);                                                    \
    for (ptrdiff_t p = 0; p < k; p++) {                                              \
        for (int v = 0; v < NV; v++)                                                 \
            x[v] = LOAD(A + p * SKRNN_LANES + v * WIDTH);                            \
        for (int q = 0; q < JB; q++) {                                               \
            const VEC wq = SET1(w[q * k + p]);                                       \
            for (int v = 0; v < NV; v++)                                             \
                s[q][v] = FMA(wq, x[v], s[q][v]);                                    \
        }                                                                            \
    }                                                                                \
    for (int q = 0; q < JB; q++)                                                     \
        for (int v = 0; v < NV; v++)                                                 \
            STORE(Z + q * SKRNN_LANES + v * WIDTH, s[q][v]);                         \
}

/* Rows in tiles of JB, the last ones in one smaller tile. */
#define SKRNN_LANE_GEMM(TARGET, NAME, TILE, T, JB)                                   \
TARGET static void NAME(ptrdiff_t n, ptrdiff_t k, const T *W, const T *b, const T *A, \
                        T *Z)                                                        \
{                                                                                    \
    ptrdiff_t j = 0;                                                                 \
    for (; j + JB <= n; j += JB)                                                     \
        TILE(JB, k, W + j * k, b + j, A, Z + j * SKRNN_LANES);                       \
    W += j * k, b += j, Z += j * SKRNN_LANES;                                        \
    switch (n - j) {                                                                 \
    case 1: TILE(1, k, W, b, A, Z); break;                                           \
    case 2: TILE(2, k, W, b, A, Z); break;                                           \
    case 3: TILE(3, k, W, b, A, Z); break;                                           \
    case 4: TILE(4, k, W, b, A, Z); break;                                           \
    case 5: TILE(5, k, W, b, A, Z); break;                                           \
    case 6: TILE(6, k, W, b, A, Z); break;                                           \
    case 7: TILE(7, k, W, b, A, Z); break;                                           \
    default: break;                                                                  \
    }                                                                                \
}

#define SKRNN_TARGET_LANES512 __attribute__((target("avx512f,fma")))
/* 16 lanes: a double row is 2 zmm (4 ymm), a float row 1 zmm (2 ymm); the
 * tiles keep 8 accumulators, within the 16 ymm registers of AVX2 */
SKRNN_LANE_TILE(SKRNN_TARGET_LANES512, skrnn_lane_tile_d512, double, __m512d, 2,
                _mm512_loadu_pd, _mm512_storeu_pd, _mm512_set1_pd, _mm512_fmadd_pd)
SKRNN_LANE_TILE(SKRNN_TARGET_LANES512, skrnn_lane_tile_f512, float, __m512, 1,
                _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps, _mm512_fmadd_ps)
SKRNN_LANE_TILE(SKRNN_TARGET_AVX2, skrnn_lane_tile_d256, double, __m256d, 4,
                _mm256_loadu_pd, _mm256_storeu_pd, _mm256_set1_pd, _mm256_fmadd_pd)
SKRNN_LANE_TILE(SKRNN_TARGET_AVX2, skrnn_lane_tile_f256, float, __m256, 2,
                _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps, _mm256_fmadd_ps)
SKRNN_LANE_GEMM(SKRNN_TARGET_LANES512, skrnn_lane_gemm_d_avx512, skrnn_lane_tile_d512,
                double, 4)
SKRNN_LANE_GEMM(SKRNN_TARGET_LANES512, skrnn_lane_gemm_f_avx512, skrnn_lane_tile_f512,
                float, 8)
SKRNN_LANE_GEMM(SKRNN_TARGET_AVX2, skrnn_lane_gemm_d_avx2, skrnn_lane_tile_d256, double, 2)
SKRNN_LANE_GEMM(SKRNN_TARGET_AVX2, skrnn_lane_gemm_f_avx2, skrnn_lane_tile_f256, float, 4)
#endif

/* Z (n, L) = b (n, L) + W (n, k, L) @ A (k, L) lane by lane: each lane has its
 * own weights, W[j, p, l] multiplying A[p, l]. For populations over few
 * sequences, where the lanes run across candidates instead (16 networks on
 * one sequence at once). Plain loops over the lanes, which the compiler
 * vectorises for each target; rows of Z four at a time, so that each loaded
 * row of A serves four of them. */
#define SKRNN_LANE_EACH(TARGET, NAME, T)                                             \
TARGET static void NAME(ptrdiff_t n, ptrdiff_t k, const T *W, const T *b, const T *A, \
                        T *Z)                                                        \
{                                                                                    \
    ptrdiff_t j = 0;                                                                 \
    for (; j + 4 <= n; j += 4) {                                                     \
        T s[4][SKRNN_LANES];                                                         \
        for (int q = 0; q < 4; q++)                                                  \
            for (int l = 0; l < SKRNN_LANES; l++)                                    \
                s[q][l] = b[(j + q) * SKRNN_LANES + l];                              \
        for (ptrdiff_t p = 0; p < k; p++) {                                          \
            const T *a = A + p * SKRNN_LANES;                                        \
            for (int q = 0; q < 4; q++) {                                            \
                const T *w = W + ((j + q) * k + p) * SKRNN_LANES;                    \
                for (int l = 0; l < SKRNN_LANES; l++)                                \
                    s[q][l] += w[l] * a[l];                                          \
            }                                                                        \
        }                                                                            \
        for (int q = 0; q < 4; q++)                                                  \
            for (int l = 0; l < SKRNN_LANES; l++)                                    \
                Z[(j + q) * SKRNN_LANES + l] = s[q][l];                              \
    }                                                                                \
    for (; j < n; j++) {                                                             \
        T s[SKRNN_LANES];                                                            \
        for (int l = 0; l < SKRNN_LANES; l++)                                        \
            s[l] = b[j * SKRNN_LANES + l];                                           \
        for (ptrdiff_t p = 0; p < k; p++) {                                          \
            const T *a = A + p * SKRNN_LANES, *w = W + (j * k + p) * SKRNN_LANES;    \
            for (int l = 0; l < SKRNN_LANES; l++)                                    \
                s[l] += w[l] * a[l];                                                 \
        }                                                                            \
        for (int l = 0; l < SKRNN_LANES; l++)                                        \
            Z[j * SKRNN_LANES + l] = s[l];                                           \
    }                                                                                \
}
#if defined(__GNUC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif
SKRNN_LANE_EACH(, skrnn_lane_each_d_base, double)
SKRNN_LANE_EACH(, skrnn_lane_each_f_base, float)
#if defined(__GNUC__)
#pragma GCC pop_options
#endif
#ifdef SKRNN_X86_DISPATCH
SKRNN_LANE_EACH(SKRNN_TARGET_LANES512, skrnn_lane_each_d_avx512, double)
SKRNN_LANE_EACH(SKRNN_TARGET_LANES512, skrnn_lane_each_f_avx512, float)
SKRNN_LANE_EACH(SKRNN_TARGET_AVX2, skrnn_lane_each_d_avx2, double)
SKRNN_LANE_EACH(SKRNN_TARGET_AVX2, skrnn_lane_each_f_avx2, float)
#define SKRNN_LANE_EACH_SIMD(S)                                                      \
    int level = skrnn_isa_level();                                                   \
    if (level == 2) { skrnn_lane_each_##S##_avx512(n, k, W, b, A, Z); return; }      \
    if (level == 1) { skrnn_lane_each_##S##_avx2(n, k, W, b, A, Z); return; }
#else
#define SKRNN_LANE_EACH_SIMD(S)
#endif
#define SKRNN_LANE_EACH_ENTRY(S, T)                                                  \
static inline void skrnn_lane_each_##S(ptrdiff_t n, ptrdiff_t k, const T *W,         \
                                       const T *b, const T *A, T *Z)                 \
{                                                                                    \
    SKRNN_LANE_EACH_SIMD(S)                                                          \
    skrnn_lane_each_##S##_base(n, k, W, b, A, Z);                                    \
}
SKRNN_LANE_EACH_ENTRY(d, double)
SKRNN_LANE_EACH_ENTRY(f, float)

/* tanh and the logistic function of doubles for the lane kernels. With a
 * handful of units the activations cost more than the products, so they
 * are written for the lanes' vectors, both through q = exp(-c |x|):
 *
 *     tanh(x) = sign(x) (1 - q) / (1 + q),         c = 2,
 *     s(x)    = 1 / (1 + q) if x >= 0, q / (1 + q)  c = 1,
 *
 * the logistic function directly rather than as (1 + tanh(x / 2)) / 2: no
 * passes to halve and shift the gates, and a relative accuracy where s(x)
 * is tiny. exp(-c a), a = |x|, is table-driven: with K = round(16 c a / ln 2)
 * (in the low bits of a + 1.5 2^52, so no conversion instruction),
 *
 *     exp(-c a) = 2^-(K >> 4) * 2^-(K & 15)/16 * exp(-c s),  s = a - K ln 2 / (16 c),
 *
 * |c s| <= ln(2) / 32: the 16 values 2^(-j/16) are a table held in two
 * registers (AVX-512: one two-source permute; AVX2: a gather), 2^-(K >> 4)
 * is a subtraction from the exponent bits, and exp on the small interval
 * is our minimax polynomial of degree 6 (relative error 7e-18, against 13
 * for the Taylor polynomial on a table-free [-ln 2 / 2, ln 2 / 2]): a third
 * less time than that form, which was itself half libmvec's tanh. The
 * powers of -c are folded into the coefficients, exactly (c is a power of 2).
 *
 * Measured over a dense grid of [-40, 40] against libm: tanh within
 * 3.4e-16 absolute (the cancellation in 1 - q makes the error absolute,
 * not relative, near zero), s(x) within 2.3e-16 absolute and 5 ulp
 * relative (tests/kernels/test_lanes.py). The arguments are clamped (tanh
 * at |x| = 20, where it is +-1 in double; s at 700, where exp(-700) is
 * still normal: below -700, -inf included, s is 9.9e-305, not smaller),
 * inf gives the limits otherwise, NaN stays NaN. The baseline level
 * uses libmvec's or libm's tanh. */
#define SKRNN_LANE_LN2_HI 6.93147180369123816490e-01
#define SKRNN_LANE_LN2_LO 1.90821492927058770002e-10
#define SKRNN_LANE_SHIFT 0x1.8p52
/* the coefficients of r^1 .. r^6 (that of r^0 is 1) */
#define SKRNN_LANE_P1 1.0000000000000022
#define SKRNN_LANE_P2 0.4999999999999952
#define SKRNN_LANE_P3 0.16666666662845003
#define SKRNN_LANE_P4 0.041666666690553314
#define SKRNN_LANE_P5 0.008333496243946092
#define SKRNN_LANE_P6 0.0013888685245720908
#ifdef SKRNN_X86_DISPATCH
/* 2^(-j/16), correctly rounded */
static const double skrnn_lane_exp_table[16] __attribute__((aligned(64))) = {
    0x1.0000000000000p+0, 0x1.ea4afa2a490dap-1, 0x1.d5818dcfba487p-1, 0x1.c199bdd85529cp-1,
    0x1.ae89f995ad3adp-1, 0x1.9c49182a3f090p-1, 0x1.8ace5422aa0dbp-1, 0x1.7a11473eb0187p-1,
    0x1.6a09e667f3bcdp-1, 0x1.5ab07dd485429p-1, 0x1.4bfdad5362a27p-1, 0x1.3dea64c123422p-1,
    0x1.306fe0a31b715p-1, 0x1.2387a6e756238p-1, 0x1.172b83c7d517bp-1, 0x1.0b5586cf9890fp-1};

/* exp(-c a) for a in [0, 1000] (or NaN), c a power of 2 known where it is
 * inlined; TABLE(ki) gives 2^(-(ki & 15)/16), from the registers of
 * TABLE_ARGS if any (a macro comma: one argument here, two parameters). */
#define SKRNN_LANE_COMMA ,
#define SKRNN_LANE_EXP(TARGET, NAME, VEC, VECI, SET1, FMA, FNMA, SUB, MUL,           \
                       SUBI, SLLI, SRLI, CASTD, CASTI, TABLE_ARGS, TABLE)            \
TARGET static inline __attribute__((always_inline)) VEC                              \
NAME(VEC a, const double c TABLE_ARGS)                                               \
{                                                                                    \
    const double m = -c;                                                             \
    const VEC shift = SET1(SKRNN_LANE_SHIFT);                                        \
    const VEC t = FMA(a, SET1(16.0 * c / 0.69314718055994530942), shift);            \
    const VEC kf = SUB(t, shift);                                                    \
    VEC s = FNMA(kf, SET1(SKRNN_LANE_LN2_HI / (16.0 * c)), a);                       \
    s = FNMA(kf, SET1(SKRNN_LANE_LN2_LO / (16.0 * c)), s);                           \
    VEC p = FMA(SET1(SKRNN_LANE_P6 * m * m * m * m * m * m), s,                      \
                SET1(SKRNN_LANE_P5 * m * m * m * m * m));                            \
    p = FMA(p, s, SET1(SKRNN_LANE_P4 * m * m * m * m));                              \
    p = FMA(p, s, SET1(SKRNN_LANE_P3 * m * m * m));                                  \
    p = FMA(p, s, SET1(SKRNN_LANE_P2 * m * m));                                      \
    p = FMA(p, s, SET1(SKRNN_LANE_P1 * m));                                          \
    p = FMA(p, s, SET1(1.0));                                                        \
    const VECI ki = CASTI(t);                                                        \
    /* K >> 4 into the exponent field: K < 2^16 */                                   \
    const VECI e = SLLI(SRLI(SLLI(ki, 48), 52), 52);                                 \
    return MUL(p, CASTD(SUBI(CASTI(TABLE(ki)), e)));                                 \
}
#define SKRNN_LANE_TABLE512(ki) _mm512_permutex2var_pd(lo, ki, hi)
#define SKRNN_LANE_TABLE256(ki)                                                      \
    _mm256_i64gather_pd(skrnn_lane_exp_table,                                        \
                        _mm256_and_si256(ki, _mm256_set1_epi64x(15)), 8)
SKRNN_LANE_EXP(SKRNN_TARGET_LANES512, skrnn_lane_exp_d512, __m512d, __m512i,
               _mm512_set1_pd, _mm512_fmadd_pd, _mm512_fnmadd_pd,
               _mm512_sub_pd, _mm512_mul_pd, _mm512_sub_epi64, _mm512_slli_epi64,
               _mm512_srli_epi64, _mm512_castsi512_pd, _mm512_castpd_si512,
               SKRNN_LANE_COMMA __m512d lo SKRNN_LANE_COMMA __m512d hi, SKRNN_LANE_TABLE512)
SKRNN_LANE_EXP(SKRNN_TARGET_AVX2, skrnn_lane_exp_d256, __m256d, __m256i,
               _mm256_set1_pd, _mm256_fmadd_pd, _mm256_fnmadd_pd,
               _mm256_sub_pd, _mm256_mul_pd, _mm256_sub_epi64, _mm256_slli_epi64,
               _mm256_srli_epi64, _mm256_castsi256_pd, _mm256_castpd_si256, ,
               SKRNN_LANE_TABLE256)

/* tanh (logistic = 0) or the logistic function (1) of one vector; logistic
 * is a literal wherever this is inlined. */
SKRNN_TARGET_LANES512 static inline __attribute__((always_inline)) __m512d
skrnn_lane_act_d512(__m512d v, const int logistic, __m512d lo, __m512d hi)
{
    const __m512d one = _mm512_set1_pd(1.0);
    /* min(bound, NaN) is NaN: the second operand when one is NaN */
    const __m512d a = _mm512_min_pd(_mm512_set1_pd(logistic ? 700.0 : 20.0),
                                    _mm512_abs_pd(v));
    const __m512d q = skrnn_lane_exp_d512(a, logistic ? 1.0 : 2.0, lo, hi);
    if (logistic) {
        const __mmask8 negative = _mm512_cmp_pd_mask(v, _mm512_setzero_pd(), _CMP_LT_OQ);
        return _mm512_div_pd(_mm512_mask_blend_pd(negative, one, q), _mm512_add_pd(one, q));
    }
    /* the bitwise operations on doubles are AVX-512 DQ: done on integers */
    const __m512d t = _mm512_div_pd(_mm512_sub_pd(one, q), _mm512_add_pd(one, q));
    return _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(t), _mm512_and_si512(
        _mm512_set1_epi64((long long) 0x8000000000000000ULL), _mm512_castpd_si512(v))));
}
SKRNN_TARGET_AVX2 static inline __attribute__((always_inline)) __m256d
skrnn_lane_act_d256(__m256d v, const int logistic)
{
    const __m256d sign = _mm256_set1_pd(-0.0), one = _mm256_set1_pd(1.0);
    const __m256d a = _mm256_min_pd(_mm256_set1_pd(logistic ? 700.0 : 20.0),
                                    _mm256_andnot_pd(sign, v));
    const __m256d q = skrnn_lane_exp_d256(a, logistic ? 1.0 : 2.0);
    if (logistic) {
        const __m256d negative = _mm256_cmp_pd(v, _mm256_setzero_pd(), _CMP_LT_OQ);
        return _mm256_div_pd(_mm256_blendv_pd(one, q, negative), _mm256_add_pd(one, q));
    }
    const __m256d t = _mm256_div_pd(_mm256_sub_pd(one, q), _mm256_add_pd(one, q));
    return _mm256_or_pd(t, _mm256_and_pd(sign, v));
}

/* A buffer's last elements go through the same code, padded, so that an
 * element's value does not depend on where it sits. */
#define SKRNN_LANE_ACT_LOOP(TARGET, NAME, W, LOAD, STORE, ACT, ...)                 \
TARGET static void NAME(double *x, ptrdiff_t n, int logistic)                        \
{                                                                                    \
    ptrdiff_t i = 0;                                                                 \
    double pad[W] = {0};                                                             \
    if (logistic)                                                                    \
        for (; i + W <= n; i += W)                                                   \
            STORE(x + i, ACT(LOAD(x + i), 1, ##__VA_ARGS__));                        \
    else                                                                             \
        for (; i + W <= n; i += W)                                                   \
            STORE(x + i, ACT(LOAD(x + i), 0, ##__VA_ARGS__));                        \
    if (i < n) {                                                                     \
        memcpy(pad, x + i, (size_t) (n - i) * sizeof(double));                       \
        /* logistic a literal, as in the loops: inlined with a variable the  */    \
        /* compiler contracts other products into FMAs, and the tail's values */   \
        /* differed by an ulp from the same elements' inside a vector         */   \
        if (logistic)                                                                \
            STORE(pad, ACT(LOAD(pad), 1, ##__VA_ARGS__));                            \
        else                                                                         \
            STORE(pad, ACT(LOAD(pad), 0, ##__VA_ARGS__));                            \
        memcpy(x + i, pad, (size_t) (n - i) * sizeof(double));                       \
    }                                                                                \
}
SKRNN_LANE_ACT_LOOP(SKRNN_TARGET_LANES512, skrnn_lane_act_d_avx512, 8,
                    _mm512_loadu_pd, _mm512_storeu_pd, skrnn_lane_act_d512,
                    _mm512_load_pd(skrnn_lane_exp_table),
                    _mm512_load_pd(skrnn_lane_exp_table + 8))
SKRNN_LANE_ACT_LOOP(SKRNN_TARGET_AVX2, skrnn_lane_act_d_avx2, 4,
                    _mm256_loadu_pd, _mm256_storeu_pd, skrnn_lane_act_d256)

/* The LSTM cells of a block of lanes in doubles, in one pass: z holds the
 * slabs [z_i z_f z_g z_o] of m values each (m = units x lanes, a multiple
 * of 16) and receives the gates [i f g o]; c receives c_t, tc tanh(c_t), h
 * h_t = o tanh(c_t); p is the peepholes spread over the lanes (slabs
 * p_i p_f p_o) or NULL. A vector's five activations are independent until
 * c_t, so they overlap, and no gate makes a round trip through memory. */
#define SKRNN_LANE_CELLS(TARGET, NAME, VEC, W, LOAD, STORE, FMA, MUL, ACT, ...)       \
TARGET static void NAME(double *z, const double *c_prev, double *c, double *tc,      \
                        double *h, const double *p, ptrdiff_t m)                     \
{                                                                                    \
    for (ptrdiff_t j = 0; j + W <= m; j += W) {                                      \
        const VEC cp = LOAD(c_prev + j);                                             \
        VEC zi = LOAD(z + j), zf = LOAD(z + m + j), zo = LOAD(z + 3 * m + j);        \
        if (p) {                                                                     \
            zi = FMA(LOAD(p + j), cp, zi);                                           \
            zf = FMA(LOAD(p + m + j), cp, zf);                                       \
        }                                                                            \
        const VEC i = ACT(zi, 1, ##__VA_ARGS__), f = ACT(zf, 1, ##__VA_ARGS__);      \
        const VEC g = ACT(LOAD(z + 2 * m + j), 0, ##__VA_ARGS__);                    \
        const VEC cn = FMA(f, cp, MUL(i, g));                                        \
        if (p)                                                                       \
            zo = FMA(LOAD(p + 2 * m + j), cn, zo);                                   \
        const VEC o = ACT(zo, 1, ##__VA_ARGS__), t = ACT(cn, 0, ##__VA_ARGS__);      \
        STORE(z + j, i);                                                             \
        STORE(z + m + j, f);                                                         \
        STORE(z + 2 * m + j, g);                                                     \
        STORE(z + 3 * m + j, o);                                                     \
        STORE(c + j, cn);                                                            \
        STORE(tc + j, t);                                                            \
        STORE(h + j, MUL(o, t));                                                     \
    }                                                                                \
}
SKRNN_LANE_CELLS(SKRNN_TARGET_LANES512, skrnn_lane_cells_d_avx512, __m512d, 8,
                 _mm512_loadu_pd, _mm512_storeu_pd, _mm512_fmadd_pd, _mm512_mul_pd,
                 skrnn_lane_act_d512, _mm512_load_pd(skrnn_lane_exp_table),
                 _mm512_load_pd(skrnn_lane_exp_table + 8))
SKRNN_LANE_CELLS(SKRNN_TARGET_AVX2, skrnn_lane_cells_d_avx2, __m256d, 4,
                 _mm256_loadu_pd, _mm256_storeu_pd, _mm256_fmadd_pd, _mm256_mul_pd,
                 skrnn_lane_act_d256)
#endif

/* tanh (logistic = 0) or the logistic function (1) of n doubles in place. */
static inline void skrnn_lane_act_d(double *x, ptrdiff_t n, int logistic)
{
#ifdef SKRNN_X86_DISPATCH
    int level = skrnn_isa_level();
    if (level == 2) { skrnn_lane_act_d_avx512(x, n, logistic); return; }
    if (level == 1) { skrnn_lane_act_d_avx2(x, n, logistic); return; }
#endif
    /* the baseline level: libmvec's or libm's tanh */
    if (logistic)
        for (ptrdiff_t i = 0; i < n; i++)
            x[i] = 0.5 * x[i];
    skrnn_vtanh_d(x, n);
    if (logistic)
        for (ptrdiff_t i = 0; i < n; i++)
            x[i] = 0.5 + 0.5 * x[i];
}
static inline void skrnn_lane_tanh_d(double *x, ptrdiff_t n) { skrnn_lane_act_d(x, n, 0); }
static inline void skrnn_lane_logistic_d(double *x, ptrdiff_t n) { skrnn_lane_act_d(x, n, 1); }

/* The cells in one pass with SIMD (returns 1), else 0: the caller runs its
 * passes. */
static inline int skrnn_lane_cells_d(double *z, const double *c_prev, double *c, double *tc,
                                     double *h, const double *p, ptrdiff_t m)
{
#ifdef SKRNN_X86_DISPATCH
    int level = skrnn_isa_level();
    if (level == 2) { skrnn_lane_cells_d_avx512(z, c_prev, c, tc, h, p, m); return 1; }
    if (level == 1) { skrnn_lane_cells_d_avx2(z, c_prev, c, tc, h, p, m); return 1; }
#endif
    (void) z, (void) c_prev, (void) c, (void) tc, (void) h, (void) p, (void) m;
    return 0;
}

/* The entry points: the widest variant the CPU runs (_isa.h). */
#ifdef SKRNN_X86_DISPATCH
#define SKRNN_LANE_SIMD(S)                                                           \
    int level = skrnn_isa_level();                                                   \
    if (level == 2) { skrnn_lane_gemm_##S##_avx512(n, k, W, b, A, Z); return; }      \
    if (level == 1) { skrnn_lane_gemm_##S##_avx2(n, k, W, b, A, Z); return; }
#else
#define SKRNN_LANE_SIMD(S)
#endif
#define SKRNN_LANE_ENTRY(S, T)                                                       \
static inline void skrnn_lane_gemm_##S(ptrdiff_t n, ptrdiff_t k, const T *W,         \
                                       const T *b, const T *A, T *Z)                 \
{                                                                                    \
    SKRNN_LANE_SIMD(S)                                                               \
    skrnn_lane_gemm_##S##_base(n, k, W, b, A, Z);                                    \
}
SKRNN_LANE_ENTRY(d, double)
SKRNN_LANE_ENTRY(f, float)

#endif
