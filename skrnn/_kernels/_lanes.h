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

/* tanh of doubles for the lane kernels, as (1 - q) / (1 + q) with
 * q = exp(-2|x|) and the sign of x: exp by 2^k exp(r), |r| <= ln(2) / 2, with
 * the Taylor polynomial of degree 13 (truncation below 1e-17) and a scaling
 * by 2^k. About half the time of libmvec's tanh on AVX-512 and AVX2, to within
 * a few 1e-16 absolute (the cancellation in 1 - q makes the error relative
 * to 1, not to tanh(x), near zero: the population losses do not see it).
 * Beyond |x| = 20 tanh(x) is +-1 in double; the argument is clamped there. */
#define SKRNN_LANE_EXP_POLY(FMA, SET1, r)                                                 \
    FMA(FMA(FMA(FMA(FMA(FMA(FMA(FMA(FMA(FMA(FMA(FMA(FMA(                              \
        SET1(1.0 / 6227020800.0), r, SET1(1.0 / 479001600.0)), r,                    \
        SET1(1.0 / 39916800.0)), r, SET1(1.0 / 3628800.0)), r, SET1(1.0 / 362880.0)), \
        r, SET1(1.0 / 40320.0)), r, SET1(1.0 / 5040.0)), r, SET1(1.0 / 720.0)), r,   \
        SET1(1.0 / 120.0)), r, SET1(1.0 / 24.0)), r, SET1(1.0 / 6.0)), r,             \
        SET1(0.5)), r, SET1(1.0)), r, SET1(1.0))
#define SKRNN_LANE_LN2_HI 6.93147180369123816490e-01
#define SKRNN_LANE_LN2_LO 1.90821492927058770002e-10
#define SKRNN_LANE_LOG2E 1.44269504088896338700e+00
#ifdef SKRNN_X86_DISPATCH
SKRNN_TARGET_LANES512 static void skrnn_lane_tanh_d_avx512(double *x, ptrdiff_t n,
                                                           ptrdiff_t *i)
{
    /* the bitwise operations on doubles are AVX-512 DQ: done on integers */
    const __m512i sign = _mm512_set1_epi64((long long) 0x8000000000000000ULL);
    const __m512d one = _mm512_set1_pd(1.0);
    for (; *i + 8 <= n; *i += 8) {
        const __m512d v = _mm512_loadu_pd(x + *i);
        const __m512d a = _mm512_min_pd(_mm512_abs_pd(v), _mm512_set1_pd(20.0));
        const __m512d y = _mm512_mul_pd(a, _mm512_set1_pd(-2.0));
        const __m512d k = _mm512_roundscale_pd(_mm512_mul_pd(y, _mm512_set1_pd(SKRNN_LANE_LOG2E)),
                                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(SKRNN_LANE_LN2_HI), y);
        r = _mm512_fnmadd_pd(k, _mm512_set1_pd(SKRNN_LANE_LN2_LO), r);
        const __m512d q = _mm512_scalef_pd(
            SKRNN_LANE_EXP_POLY(_mm512_fmadd_pd, _mm512_set1_pd, r), k);
        const __m512d t = _mm512_div_pd(_mm512_sub_pd(one, q), _mm512_add_pd(one, q));
        _mm512_storeu_pd(x + *i, _mm512_castsi512_pd(_mm512_or_si512(
            _mm512_castpd_si512(t), _mm512_and_si512(sign, _mm512_castpd_si512(v)))));
    }
}
SKRNN_TARGET_AVX2 static void skrnn_lane_tanh_d_avx2(double *x, ptrdiff_t n, ptrdiff_t *i)
{
    const __m256d sign = _mm256_set1_pd(-0.0), one = _mm256_set1_pd(1.0);
    for (; *i + 4 <= n; *i += 4) {
        const __m256d v = _mm256_loadu_pd(x + *i);
        const __m256d a = _mm256_min_pd(_mm256_andnot_pd(sign, v), _mm256_set1_pd(20.0));
        const __m256d y = _mm256_mul_pd(a, _mm256_set1_pd(-2.0));
        const __m256d k = _mm256_round_pd(_mm256_mul_pd(y, _mm256_set1_pd(SKRNN_LANE_LOG2E)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m256d r = _mm256_fnmadd_pd(k, _mm256_set1_pd(SKRNN_LANE_LN2_HI), y);
        r = _mm256_fnmadd_pd(k, _mm256_set1_pd(SKRNN_LANE_LN2_LO), r);
        /* 2^k from its exponent bits: k is in [-58, 0], a normal number */
        const __m256i bits = _mm256_slli_epi64(
            _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k)),
                             _mm256_set1_epi64x(1023)), 52);
        const __m256d q = _mm256_mul_pd(SKRNN_LANE_EXP_POLY(_mm256_fmadd_pd, _mm256_set1_pd, r),
                                        _mm256_castsi256_pd(bits));
        const __m256d t = _mm256_div_pd(_mm256_sub_pd(one, q), _mm256_add_pd(one, q));
        _mm256_storeu_pd(x + *i, _mm256_or_pd(t, _mm256_and_pd(sign, v)));
    }
}
#endif

static inline void skrnn_lane_tanh_d(double *x, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#ifdef SKRNN_X86_DISPATCH
    int level = skrnn_isa_level();
    if (level == 2) skrnn_lane_tanh_d_avx512(x, n, &i);
    else if (level == 1) skrnn_lane_tanh_d_avx2(x, n, &i);
#endif
    if (i < n)  /* the baseline level, or a tail: libmvec's or libm's */
        skrnn_vtanh_d(x + i, n - i);
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
