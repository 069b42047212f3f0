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
 */
#ifndef SKRNN_LANES_H
#define SKRNN_LANES_H

#include <stddef.h>

#include "_isa.h"

#define SKRNN_LANES 16

#if defined(__GNUC__)
/* GCC's (and clang's) vector extension: a whole row of lanes as one value,
 * split by the compiler into the vectors of the target. The row pointers
 * need only the element's alignment. */
typedef double skrnn_row_d __attribute__((vector_size(SKRNN_LANES * sizeof(double)),
                                          aligned(sizeof(double)), may_alias));
typedef float skrnn_row_f __attribute__((vector_size(SKRNN_LANES * sizeof(float)),
                                         aligned(sizeof(float)), may_alias));

/* rows j .. j + JB - 1 of Z while JB more remain */
#define SKRNN_LANE_ROWS(T, V, JB)                                                    \
    for (; j + JB <= n; j += JB) {                                                   \
        V s[JB];                                                                     \
        const T *w = W + j * k;                                                      \
        _Pragma("GCC unroll 8")                                                      \
        for (int q = 0; q < JB; q++)                                                 \
            s[q] = (V){0} + b[j + q];                                                \
        for (ptrdiff_t p = 0; p < k; p++) {                                          \
            const V x = a[p];                                                        \
            _Pragma("GCC unroll 8")                                                  \
            for (int q = 0; q < JB; q++)                                             \
                s[q] += w[q * k + p] * x;                                            \
        }                                                                            \
        _Pragma("GCC unroll 8")                                                      \
        for (int q = 0; q < JB; q++)                                                 \
            z[j + q] = s[q];                                                         \
    }

#define SKRNN_LANE_GEMM(TARGET, NAME, T, V, JB)                                      \
TARGET static void NAME(ptrdiff_t n, ptrdiff_t k, const T *W, const T *b, const T *A, \
                        T *Z)                                                        \
{                                                                                    \
    const V *a = (const V *) A;                                                      \
    V *z = (V *) Z;                                                                  \
    ptrdiff_t j = 0;                                                                 \
    SKRNN_LANE_ROWS(T, V, JB)                                                        \
    SKRNN_LANE_ROWS(T, V, 2)                                                         \
    SKRNN_LANE_ROWS(T, V, 1)                                                         \
}

/* the baseline is compiled without FMA contraction, as in _rowgemm.h */
#define SKRNN_NO_TARGET __attribute__((optimize("fp-contract=off")))
SKRNN_LANE_GEMM(SKRNN_NO_TARGET, skrnn_lane_gemm_d_base, double, skrnn_row_d, 1)
SKRNN_LANE_GEMM(SKRNN_NO_TARGET, skrnn_lane_gemm_f_base, float, skrnn_row_f, 2)
#ifdef SKRNN_X86_DISPATCH
/* registers: JB accumulators plus a row of A; a double row is 2 zmm or 4 ymm */
SKRNN_LANE_GEMM(__attribute__((target("avx512f,fma"))), skrnn_lane_gemm_d_avx512, double,
                skrnn_row_d, 4)
SKRNN_LANE_GEMM(__attribute__((target("avx512f,fma"))), skrnn_lane_gemm_f_avx512, float,
                skrnn_row_f, 8)
SKRNN_LANE_GEMM(SKRNN_TARGET_AVX2, skrnn_lane_gemm_d_avx2, double, skrnn_row_d, 2)
SKRNN_LANE_GEMM(SKRNN_TARGET_AVX2, skrnn_lane_gemm_f_avx2, float, skrnn_row_f, 4)
#endif

#else  /* MSVC: plain loops over the lanes */
#define SKRNN_LANE_GEMM_PLAIN(NAME, T)                                               \
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
SKRNN_LANE_GEMM_PLAIN(skrnn_lane_gemm_d_base, double)
SKRNN_LANE_GEMM_PLAIN(skrnn_lane_gemm_f_base, float)
#endif

/* The entry points: the widest variant the CPU runs (_isa.h). */
#if defined(__GNUC__) && defined(SKRNN_X86_DISPATCH)
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
