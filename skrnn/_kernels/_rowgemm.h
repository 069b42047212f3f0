/* A matrix product whose every row comes out the same whatever the batch.
 *
 * Authors: The skrnn developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * C (m, n) += A (m, k) @ B (k, n), all row-major. Each element of C is one
 * chain of fused multiply-adds over k in order, started from its value in C,
 * so row r of the result depends on row r of A and nothing else: not on m,
 * not on where the row sits in the batch. A BLAS gives no such promise (it
 * picks other kernels, blockings and even GEMV for other shapes, which round
 * differently). Prediction uses this product so that a sequence gives
 * bit-for-bit the same outputs alone and inside any batch.
 *
 * Tiles of 6 rows x up to 4 vectors (AVX-512; 6 x 2 with AVX2) keep the
 * accumulators in registers and share each loaded row of B between the 6
 * rows; the last rows of a batch run one at a time through the same
 * per-element chain. Columns past n are masked out. An output of few columns
 * takes dot products instead (see SKRNN_ROWDOT). AVX-512 and AVX2 + FMA are chosen at run time (_isa.h); the
 * baseline is a plain loop, compiled without FMA, so it too rounds every
 * element the same way wherever the row sits.
 */
#ifndef SKRNN_ROWGEMM_H
#define SKRNN_ROWGEMM_H

#include <stddef.h>
#include <stdlib.h>

#include "_isa.h"

#define SKRNN_ROWGEMM_BASELINE(NAME, T)                                              \
static void NAME(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const T *A, ptrdiff_t lda,   \
                 const T *B, ptrdiff_t ldb, T *C, ptrdiff_t ldc)                     \
{                                                                                    \
    for (ptrdiff_t r = 0; r < m; r++)                                                \
        for (ptrdiff_t p = 0; p < k; p++) {                                          \
            const T a = A[r * lda + p];                                              \
            for (ptrdiff_t j = 0; j < n; j++)                                        \
                C[r * ldc + j] += a * B[p * ldb + j];                                \
        }                                                                            \
}

SKRNN_ROWGEMM_BASELINE(skrnn_rowgemm_d_base, double)
SKRNN_ROWGEMM_BASELINE(skrnn_rowgemm_f_base, float)

#ifdef SKRNN_X86_DISPATCH
#include <immintrin.h>

/* Each SIMD function below is compiled for its instruction set through
 * TARGET, its first argument (clang requires it of the inlined helpers too).
 * AVX-512 here means AVX-512 F with FMA, AVX2 means AVX2 with FMA. */
#define SKRNN_TARGET_AVX512_FMA __attribute__((target("avx512f,fma")))

/* One tile: NR rows x NV vectors of columns, accumulated over all of k.
 * NR and NV are literals at every call, so the loops unroll and the
 * accumulators stay in registers. */
#define SKRNN_TILE(TARGET, NAME, T, VEC, MASK, LOAD, STORE, SET1, FMA)               \
TARGET static inline __attribute__((always_inline)) void                             \
NAME(int NR, int NV, ptrdiff_t k, const T *A, ptrdiff_t lda, const T *B,             \
     ptrdiff_t ldb, T *C, ptrdiff_t ldc, const MASK *mk, ptrdiff_t lanes)            \
{                                                                                    \
    VEC acc[6][4], b[4];                                                             \
    for (int i = 0; i < NR; i++)                                                     \
        for (int v = 0; v < NV; v++)                                                 \
            acc[i][v] = LOAD(C + i * ldc + v * lanes, mk[v]);                        \
    _Pragma("GCC unroll 4")                                                          \
    for (ptrdiff_t p = 0; p < k; p++) {                                              \
        for (int v = 0; v < NV; v++)                                                 \
            b[v] = LOAD(B + p * ldb + v * lanes, mk[v]);                             \
        for (int i = 0; i < NR; i++) {                                               \
            const VEC a = SET1(A[i * lda + p]);                                      \
            for (int v = 0; v < NV; v++)                                             \
                acc[i][v] = FMA(a, b[v], acc[i][v]);                                 \
        }                                                                            \
    }                                                                                \
    for (int i = 0; i < NR; i++)                                                     \
        for (int v = 0; v < NV; v++)                                                 \
            STORE(C + i * ldc + v * lanes, mk[v], acc[i][v]);                        \
}

/* The product in blocks of KB terms of the sum (each element's chain goes on
 * from where the last block stored it, so the blocking changes no rounding
 * and keeps B's panel in L1), column panels of up to MAXV vectors, and rows
 * by ROWS, then one by one. */
#define SKRNN_KB 256
/* nv (1..MAXV) vectors of columns in this panel; the case of 3 is only
 * reached when MAXV is 4, and the literal keeps TILE's loops unrolled. */
#define SKRNN_TILE_CASES(TILE, NR, MAXV, a, lda, b, ldb, c, ldc, mk, LANES, kb)      \
    switch (nv) {                                                                    \
    case 1: TILE(NR, 1, kb, a, lda, b, ldb, c, ldc, mk, LANES); break;               \
    case 2: TILE(NR, 2, kb, a, lda, b, ldb, c, ldc, mk, LANES); break;               \
    case 3: TILE(NR, 3, kb, a, lda, b, ldb, c, ldc, mk, LANES); break;               \
    default: TILE(NR, MAXV, kb, a, lda, b, ldb, c, ldc, mk, LANES);                  \
    }
/* A panel of whole vectors takes FULL_TILE, the same tile with plain loads
 * and stores: on AMD's Zen cores an AVX2 masked store is microcoded (about
 * a dozen cycles), which at a recurrent step's small k cost as much as the
 * multiply-adds. The values, and so the rounding, are the same. */
#define SKRNN_PANEL(TILE, FULL_TILE, NR, MAXV, a, lda, b, ldb, c, ldc, mk, LANES, kb)  \
    if (width == nv * LANES) {                                                       \
        SKRNN_TILE_CASES(FULL_TILE, NR, MAXV, a, lda, b, ldb, c, ldc, mk, LANES, kb) \
    } else {                                                                         \
        SKRNN_TILE_CASES(TILE, NR, MAXV, a, lda, b, ldb, c, ldc, mk, LANES, kb)      \
    }

/* Few columns (a network's outputs): vectors along k would be mostly masked
 * lanes, so each element is a dot product instead, along k in vectors with a
 * fixed reduction at the end: another rounding than the chain, but again
 * the same for a row wherever it sits. B's columns are copied contiguous
 * (on the stack when small: this runs once per time step). Returns 0, having
 * done nothing, if that copy cannot be allocated; the caller then takes the
 * chain, slower here but as batch-invariant. */
#define SKRNN_ROWDOT_STACK 1024
#define SKRNN_ROWDOT(TARGET, NAME, T, VEC, MASK, LANES, MAKE_MASK, LOAD, FMA, ZERO,  \
                     REDUCE)                                                         \
TARGET static int NAME(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const T *A, ptrdiff_t lda,    \
                const T *B, ptrdiff_t ldb, T *C, ptrdiff_t ldc)                      \
{                                                                                    \
    T on_stack[SKRNN_ROWDOT_STACK];                                                  \
    T *Bt = n * k <= SKRNN_ROWDOT_STACK ? on_stack                                   \
                                        : (T *) malloc((size_t) (n * k) * sizeof(T)); \
    const MASK tail = MAKE_MASK(k % LANES == 0 ? LANES : k % LANES);                 \
    const MASK full = MAKE_MASK(LANES);                                              \
    if (Bt == NULL) return 0;                                                        \
    for (ptrdiff_t j = 0; j < n; j++)                                                \
        for (ptrdiff_t p = 0; p < k; p++)                                            \
            Bt[j * k + p] = B[p * ldb + j];                                          \
    for (ptrdiff_t r = 0; r < m; r++)                                                \
        for (ptrdiff_t j = 0; j < n; j++) {                                          \
            VEC acc = ZERO();                                                        \
            for (ptrdiff_t p = 0; p < k; p += LANES) {                               \
                const MASK mk = p + LANES <= k ? full : tail;                        \
                acc = FMA(LOAD(A + r * lda + p, mk), LOAD(Bt + j * k + p, mk), acc); \
            }                                                                        \
            C[r * ldc + j] += REDUCE(acc);                                           \
        }                                                                            \
    if (Bt != on_stack)                                                              \
        free(Bt);                                                                    \
    return 1;                                                                        \
}

#define SKRNN_ROWGEMM(TARGET, NAME, TILE, FULL_TILE, T, MASK, LANES, MAKE_MASK, MAXV,    \
                      ROWS, DOT)                                                     \
TARGET static void NAME(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const T *A, ptrdiff_t lda,   \
                 const T *B, ptrdiff_t ldb, T *C, ptrdiff_t ldc)                     \
{                                                                                    \
    if (4 * n <= LANES && DOT(m, n, k, A, lda, B, ldb, C, ldc))                      \
        return;                                                                      \
    for (ptrdiff_t p = 0; p < k; p += SKRNN_KB) {                                    \
        const ptrdiff_t kb = k - p < SKRNN_KB ? k - p : SKRNN_KB;                    \
        for (ptrdiff_t j = 0; j < n; j += MAXV * LANES) {                            \
            const ptrdiff_t width = n - j < MAXV * LANES ? n - j : MAXV * LANES;     \
            const int nv = (int) ((width + LANES - 1) / LANES);                      \
            const T *b = B + p * ldb + j;                                            \
            MASK mk[4];                                                              \
            for (int v = 0; v < 4; v++)  /* past nv: empty masks, never read */     \
                mk[v] = MAKE_MASK(width - v * LANES);                                \
            ptrdiff_t r = 0;                                                         \
            for (; r + ROWS <= m; r += ROWS) {                                       \
                const T *a = A + r * lda + p;                                        \
                T *c = C + r * ldc + j;                                              \
                SKRNN_PANEL(TILE, FULL_TILE, ROWS, MAXV, a, lda, b, ldb, c, ldc, mk, LANES, \
                            kb)                                                      \
            }                                                                        \
            for (; r < m; r++) {                                                     \
                const T *a = A + r * lda + p;                                        \
                T *c = C + r * ldc + j;                                              \
                SKRNN_PANEL(TILE, FULL_TILE, 1, MAXV, a, lda, b, ldb, c, ldc, mk, LANES, kb) \
            }                                                                        \
        }                                                                            \
    }                                                                                \
}

SKRNN_TARGET_AVX512_FMA static inline __mmask16 skrnn_mask16(ptrdiff_t rest)
{
    return rest >= 16 ? (__mmask16) 0xFFFF : rest <= 0 ? (__mmask16) 0
                                           : (__mmask16) ((1u << rest) - 1u);
}
SKRNN_TARGET_AVX512_FMA static inline __mmask8 skrnn_mask8(ptrdiff_t rest)
{
    return rest >= 8 ? (__mmask8) 0xFF : rest <= 0 ? (__mmask8) 0
                                       : (__mmask8) ((1u << rest) - 1u);
}
#define SKRNN_LOAD512_PS(p, mask) _mm512_maskz_loadu_ps(mask, p)
#define SKRNN_STORE512_PS(p, mask, v) _mm512_mask_storeu_ps(p, mask, v)
#define SKRNN_LOAD512_PD(p, mask) _mm512_maskz_loadu_pd(mask, p)
#define SKRNN_STORE512_PD(p, mask, v) _mm512_mask_storeu_pd(p, mask, v)
SKRNN_TILE(SKRNN_TARGET_AVX512_FMA, skrnn_tile_f512, float, __m512, __mmask16,
           SKRNN_LOAD512_PS, SKRNN_STORE512_PS, _mm512_set1_ps, _mm512_fmadd_ps)
SKRNN_TILE(SKRNN_TARGET_AVX512_FMA, skrnn_tile_d512, double, __m512d, __mmask8,
           SKRNN_LOAD512_PD, SKRNN_STORE512_PD, _mm512_set1_pd, _mm512_fmadd_pd)
SKRNN_ROWDOT(SKRNN_TARGET_AVX512_FMA, skrnn_rowdot_f512, float, __m512, __mmask16, 16,
             skrnn_mask16, SKRNN_LOAD512_PS, _mm512_fmadd_ps, _mm512_setzero_ps,
             _mm512_reduce_add_ps)
SKRNN_ROWDOT(SKRNN_TARGET_AVX512_FMA, skrnn_rowdot_d512, double, __m512d, __mmask8, 8,
             skrnn_mask8, SKRNN_LOAD512_PD, _mm512_fmadd_pd, _mm512_setzero_pd,
             _mm512_reduce_add_pd)
/* AVX-512 masks cost nothing: one tile for whole and partial panels */
SKRNN_ROWGEMM(SKRNN_TARGET_AVX512_FMA, skrnn_rowgemm_f_avx512, skrnn_tile_f512,
              skrnn_tile_f512, float, __mmask16, 16, skrnn_mask16, 4, 6, skrnn_rowdot_f512)
SKRNN_ROWGEMM(SKRNN_TARGET_AVX512_FMA, skrnn_rowgemm_d_avx512, skrnn_tile_d512,
              skrnn_tile_d512, double, __mmask8, 8, skrnn_mask8, 4, 6, skrnn_rowdot_d512)

SKRNN_TARGET_AVX2 static inline __m256i skrnn_mask_lanes(ptrdiff_t rest, int lanes)
{
    /* a lane is kept when its index is below rest; 64-bit lanes are two ints */
    const int per = 8 / lanes;
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const int limit = (int) (rest <= 0 ? 0 : rest >= lanes ? lanes : rest) * per;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(limit), index);
}
SKRNN_TARGET_AVX2 static inline __m256i skrnn_mask_ps(ptrdiff_t rest)
{
    return skrnn_mask_lanes(rest, 8);
}
SKRNN_TARGET_AVX2 static inline __m256i skrnn_mask_pd(ptrdiff_t rest)
{
    return skrnn_mask_lanes(rest, 4);
}
#define SKRNN_LOAD256_PS(p, mask) _mm256_maskload_ps(p, mask)
#define SKRNN_STORE256_PS(p, mask, v) _mm256_maskstore_ps(p, mask, v)
#define SKRNN_LOAD256_PD(p, mask) _mm256_maskload_pd(p, mask)
#define SKRNN_STORE256_PD(p, mask, v) _mm256_maskstore_pd(p, mask, v)
SKRNN_TILE(SKRNN_TARGET_AVX2, skrnn_tile_f256, float, __m256, __m256i, SKRNN_LOAD256_PS,
           SKRNN_STORE256_PS, _mm256_set1_ps, _mm256_fmadd_ps)
SKRNN_TILE(SKRNN_TARGET_AVX2, skrnn_tile_d256, double, __m256d, __m256i, SKRNN_LOAD256_PD,
           SKRNN_STORE256_PD, _mm256_set1_pd, _mm256_fmadd_pd)
#define SKRNN_LOADU256_PS(p, mask) _mm256_loadu_ps(p)
#define SKRNN_STOREU256_PS(p, mask, v) _mm256_storeu_ps(p, v)
#define SKRNN_LOADU256_PD(p, mask) _mm256_loadu_pd(p)
#define SKRNN_STOREU256_PD(p, mask, v) _mm256_storeu_pd(p, v)
SKRNN_TILE(SKRNN_TARGET_AVX2, skrnn_tile_f256_full, float, __m256, __m256i,
           SKRNN_LOADU256_PS, SKRNN_STOREU256_PS, _mm256_set1_ps, _mm256_fmadd_ps)
SKRNN_TILE(SKRNN_TARGET_AVX2, skrnn_tile_d256_full, double, __m256d, __m256i, SKRNN_LOADU256_PD,
           SKRNN_STOREU256_PD, _mm256_set1_pd, _mm256_fmadd_pd)
SKRNN_TARGET_AVX2 static inline float skrnn_reduce256_ps(__m256 v)
{
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    return _mm_cvtss_f32(_mm_add_ss(x, _mm_movehdup_ps(x)));
}
SKRNN_TARGET_AVX2 static inline double skrnn_reduce256_pd(__m256d v)
{
    __m128d x = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(x, _mm_unpackhi_pd(x, x)));
}
SKRNN_ROWDOT(SKRNN_TARGET_AVX2, skrnn_rowdot_f256, float, __m256, __m256i, 8, skrnn_mask_ps,
             SKRNN_LOAD256_PS, _mm256_fmadd_ps, _mm256_setzero_ps, skrnn_reduce256_ps)
SKRNN_ROWDOT(SKRNN_TARGET_AVX2, skrnn_rowdot_d256, double, __m256d, __m256i, 4, skrnn_mask_pd,
             SKRNN_LOAD256_PD, _mm256_fmadd_pd, _mm256_setzero_pd, skrnn_reduce256_pd)
SKRNN_ROWGEMM(SKRNN_TARGET_AVX2, skrnn_rowgemm_f_avx2, skrnn_tile_f256, skrnn_tile_f256_full,
              float, __m256i, 8, skrnn_mask_ps, 2, 6, skrnn_rowdot_f256)
SKRNN_ROWGEMM(SKRNN_TARGET_AVX2, skrnn_rowgemm_d_avx2, skrnn_tile_d256, skrnn_tile_d256_full,
              double, __m256i, 4, skrnn_mask_pd, 2, 6, skrnn_rowdot_d256)
#endif

/* The entry points: the widest variant the CPU runs (_isa.h). */
#ifdef SKRNN_X86_DISPATCH
#define SKRNN_ROWGEMM_SIMD(S)                                                        \
    int level = skrnn_isa_level();                                                   \
    if (level == 2) { skrnn_rowgemm_##S##_avx512(m, n, k, A, lda, B, ldb, C, ldc); return; } \
    if (level == 1) { skrnn_rowgemm_##S##_avx2(m, n, k, A, lda, B, ldb, C, ldc); return; }
#else
#define SKRNN_ROWGEMM_SIMD(S)
#endif
#define SKRNN_ROWGEMM_ENTRY(S, T)                                                    \
static inline void skrnn_rowgemm_##S(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const T *A, \
                                     ptrdiff_t lda, const T *B, ptrdiff_t ldb, T *C,  \
                                     ptrdiff_t ldc)                                   \
{                                                                                    \
    SKRNN_ROWGEMM_SIMD(S)                                                            \
    skrnn_rowgemm_##S##_base(m, n, k, A, lda, B, ldb, C, ldc);                       \
}
SKRNN_ROWGEMM_ENTRY(f, float)
SKRNN_ROWGEMM_ENTRY(d, double)

#endif
