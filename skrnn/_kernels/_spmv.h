/* Sparse products of the reservoir kernel, in the widest SIMD the CPU runs.
 *
 * Authors: The skrnn developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * W is given as CSR of its transpose: row j lists the units feeding unit j.
 * Its values are stored as float32 (the reservoir draws them exactly
 * representable in float32, so nothing is rounded) and its column indices
 * as uint16 when the reservoir has at most 65536 units, int32 otherwise:
 * 6 bytes per weight instead of 12. A large reservoir's product is bound by
 * the memory traffic of W, so this halves its cost.
 *
 * skrnn_spmv_<T>_<I>: z[j] += sum_k data[k] * x[indices[k]] for one state
 *   vector. AVX-512 gathers eight (sixteen) states at once.
 * skrnn_spmm_t_<T>_<I>: zT[j, :] = sum_k data[k] * xT[indices[k], :] for a
 *   batch stored with the sequences on the fast axis, register-blocked so
 *   that each weight costs loads and FMAs but no stores.
 *
 * T is d (double states) or f (float); I is i16 (uint16 indices) or i32.
 * The instruction set is chosen at run time (compiled per target, as in
 * _vmath.h), so the build stays portable.
 */
#ifndef SKRNN_SPMV_H
#define SKRNN_SPMV_H

#include <stddef.h>
#include <stdint.h>

#define SKRNN_SPMM_ARGS(T, I) ptrdiff_t n_units, ptrdiff_t n_rows,          \
    const float *restrict data, const I *restrict indices,                   \
    const int *restrict indptr, const T *restrict xT, T *restrict zT
#define SKRNN_SPMV_ARGS(T, I) ptrdiff_t n_units, const float *restrict data, \
    const I *restrict indices, const int *restrict indptr,                   \
    const T *restrict x, T *restrict z

/* -- portable versions ---------------------------------------------------- */
#define SKRNN_SPMM_BASE(NAME, T, I)                                          \
static void NAME(SKRNN_SPMM_ARGS(T, I))                                      \
{                                                                            \
    for (ptrdiff_t j = 0; j < n_units; j++) {                                \
        T *restrict zj = zT + j * n_rows;                                    \
        for (ptrdiff_t b = 0; b < n_rows; b++) zj[b] = 0;                    \
        for (int k = indptr[j]; k < indptr[j + 1]; k++) {                    \
            const T w = (T)data[k];                                          \
            const T *restrict xi = xT + (ptrdiff_t)indices[k] * n_rows;      \
            for (ptrdiff_t b = 0; b < n_rows; b++) zj[b] += w * xi[b];       \
        }                                                                    \
    }                                                                        \
}

#define SKRNN_SPMV_BASE(NAME, T, I)                                          \
static void NAME(SKRNN_SPMV_ARGS(T, I))                                      \
{                                                                            \
    for (ptrdiff_t j = 0; j < n_units; j++) {                                \
        T a0 = 0, a1 = 0, a2 = 0, a3 = 0;                                    \
        int k = indptr[j], end = indptr[j + 1];                              \
        for (; k + 4 <= end; k += 4) {                                       \
            a0 += (T)data[k] * x[indices[k]];                                \
            a1 += (T)data[k + 1] * x[indices[k + 1]];                        \
            a2 += (T)data[k + 2] * x[indices[k + 2]];                        \
            a3 += (T)data[k + 3] * x[indices[k + 3]];                        \
        }                                                                    \
        for (; k < end; k++) a0 += (T)data[k] * x[indices[k]];               \
        z[j] += (a0 + a1) + (a2 + a3);                                       \
    }                                                                        \
}

SKRNN_SPMM_BASE(skrnn_spmm_t_d_i16_base, double, uint16_t)
SKRNN_SPMM_BASE(skrnn_spmm_t_d_i32_base, double, int32_t)
SKRNN_SPMM_BASE(skrnn_spmm_t_f_i16_base, float, uint16_t)
SKRNN_SPMM_BASE(skrnn_spmm_t_f_i32_base, float, int32_t)
SKRNN_SPMV_BASE(skrnn_spmv_d_i16_base, double, uint16_t)
SKRNN_SPMV_BASE(skrnn_spmv_d_i32_base, double, int32_t)
SKRNN_SPMV_BASE(skrnn_spmv_f_i16_base, float, uint16_t)
SKRNN_SPMV_BASE(skrnn_spmv_f_i32_base, float, int32_t)

#if defined(__x86_64__) && defined(__GNUC__) && !defined(SKRNN_NO_SIMD_DISPATCH)
#define SKRNN_SPMV_DISPATCH 1
#include <immintrin.h>

#include "_isa.h"

/* -- batch product, register-blocked ---------------------------------------
 * A block of 4 vectors of sequences of row j stays in registers while every
 * weight of the row is added. Tails: masked loads (AVX-512) or scalar. */
#define SKRNN_SPMM_AVX512(NAME, T, I, VEC, W, SET1, ZERO, LOAD, MLOAD, FMA, STORE, MSTORE, MASK) \
__attribute__((target("avx512f")))                                          \
static void NAME(SKRNN_SPMM_ARGS(T, I))                                      \
{                                                                            \
    for (ptrdiff_t j = 0; j < n_units; j++) {                                \
        T *restrict zj = zT + j * n_rows;                                    \
        ptrdiff_t b = 0;                                                     \
        for (; b + 4 * W <= n_rows; b += 4 * W) {                            \
            VEC a0 = ZERO(), a1 = ZERO(), a2 = ZERO(), a3 = ZERO();          \
            for (int k = indptr[j]; k < indptr[j + 1]; k++) {                \
                const VEC w = SET1((T)data[k]);                              \
                const T *xi = xT + (ptrdiff_t)indices[k] * n_rows + b;       \
                a0 = FMA(w, LOAD(xi), a0);                                   \
                a1 = FMA(w, LOAD(xi + W), a1);                               \
                a2 = FMA(w, LOAD(xi + 2 * W), a2);                           \
                a3 = FMA(w, LOAD(xi + 3 * W), a3);                           \
            }                                                                \
            STORE(zj + b, a0); STORE(zj + b + W, a1);                        \
            STORE(zj + b + 2 * W, a2); STORE(zj + b + 3 * W, a3);            \
        }                                                                    \
        for (; b < n_rows; b += W) {                                         \
            ptrdiff_t left = n_rows - b;                                     \
            MASK m = (MASK)(left >= W ? ~0u : ((1u << left) - 1u));          \
            VEC a0 = ZERO();                                                 \
            for (int k = indptr[j]; k < indptr[j + 1]; k++) {                \
                const T *xi = xT + (ptrdiff_t)indices[k] * n_rows + b;       \
                a0 = FMA(SET1((T)data[k]), MLOAD(m, xi), a0);                \
            }                                                                \
            MSTORE(zj + b, m, a0);                                           \
        }                                                                    \
    }                                                                        \
}

#define SKRNN_SPMM_AVX512_D(NAME, I) SKRNN_SPMM_AVX512(NAME, double, I, __m512d, 8, \
    _mm512_set1_pd, _mm512_setzero_pd, _mm512_loadu_pd, _mm512_maskz_loadu_pd,      \
    _mm512_fmadd_pd, _mm512_storeu_pd, _mm512_mask_storeu_pd, __mmask8)
#define SKRNN_SPMM_AVX512_F(NAME, I) SKRNN_SPMM_AVX512(NAME, float, I, __m512, 16,  \
    _mm512_set1_ps, _mm512_setzero_ps, _mm512_loadu_ps, _mm512_maskz_loadu_ps,      \
    _mm512_fmadd_ps, _mm512_storeu_ps, _mm512_mask_storeu_ps, __mmask16)
SKRNN_SPMM_AVX512_D(skrnn_spmm_t_d_i16_avx512, uint16_t)
SKRNN_SPMM_AVX512_D(skrnn_spmm_t_d_i32_avx512, int32_t)
SKRNN_SPMM_AVX512_F(skrnn_spmm_t_f_i16_avx512, uint16_t)
SKRNN_SPMM_AVX512_F(skrnn_spmm_t_f_i32_avx512, int32_t)

#define SKRNN_SPMM_AVX2(NAME, T, I, VEC, W, SET1, ZERO, LOAD, FMA, STORE)   \
__attribute__((target("avx2,fma")))                                         \
static void NAME(SKRNN_SPMM_ARGS(T, I))                                      \
{                                                                            \
    for (ptrdiff_t j = 0; j < n_units; j++) {                                \
        T *restrict zj = zT + j * n_rows;                                    \
        ptrdiff_t b = 0;                                                     \
        for (; b + 4 * W <= n_rows; b += 4 * W) {                            \
            VEC a0 = ZERO(), a1 = ZERO(), a2 = ZERO(), a3 = ZERO();          \
            for (int k = indptr[j]; k < indptr[j + 1]; k++) {                \
                const VEC w = SET1((T)data[k]);                              \
                const T *xi = xT + (ptrdiff_t)indices[k] * n_rows + b;       \
                a0 = FMA(w, LOAD(xi), a0);                                   \
                a1 = FMA(w, LOAD(xi + W), a1);                               \
                a2 = FMA(w, LOAD(xi + 2 * W), a2);                           \
                a3 = FMA(w, LOAD(xi + 3 * W), a3);                           \
            }                                                                \
            STORE(zj + b, a0); STORE(zj + b + W, a1);                        \
            STORE(zj + b + 2 * W, a2); STORE(zj + b + 3 * W, a3);            \
        }                                                                    \
        for (; b < n_rows; b++) {                                            \
            T acc = 0;                                                       \
            for (int k = indptr[j]; k < indptr[j + 1]; k++)                  \
                acc += (T)data[k] * xT[(ptrdiff_t)indices[k] * n_rows + b];  \
            zj[b] = acc;                                                     \
        }                                                                    \
    }                                                                        \
}

#define SKRNN_SPMM_AVX2_D(NAME, I) SKRNN_SPMM_AVX2(NAME, double, I, __m256d, 4,      \
    _mm256_set1_pd, _mm256_setzero_pd, _mm256_loadu_pd, _mm256_fmadd_pd, _mm256_storeu_pd)
#define SKRNN_SPMM_AVX2_F(NAME, I) SKRNN_SPMM_AVX2(NAME, float, I, __m256, 8,        \
    _mm256_set1_ps, _mm256_setzero_ps, _mm256_loadu_ps, _mm256_fmadd_ps, _mm256_storeu_ps)
SKRNN_SPMM_AVX2_D(skrnn_spmm_t_d_i16_avx2, uint16_t)
SKRNN_SPMM_AVX2_D(skrnn_spmm_t_d_i32_avx2, int32_t)
SKRNN_SPMM_AVX2_F(skrnn_spmm_t_f_i16_avx2, uint16_t)
SKRNN_SPMM_AVX2_F(skrnn_spmm_t_f_i32_avx2, int32_t)

/* -- one state vector: AVX-512 gathers ------------------------------------- */
/* Index loads widened to the 32-bit lanes the gathers take. */
#define SKRNN_IDX8_I16(p) _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p)))
#define SKRNN_IDX8_I32(p) _mm256_loadu_si256((const __m256i *)(p))
#define SKRNN_IDX16_I16(p) _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p)))
#define SKRNN_IDX16_I32(p) _mm512_loadu_si512((const void *)(p))

#define SKRNN_SPMV_AVX512_D(NAME, I, IDX8)                                   \
__attribute__((target("avx512f")))                                          \
static void NAME(SKRNN_SPMV_ARGS(double, I))                                 \
{                                                                            \
    for (ptrdiff_t j = 0; j < n_units; j++) {                                \
        int k = indptr[j], end = indptr[j + 1];                              \
        __m512d acc = _mm512_setzero_pd();                                   \
        for (; k + 8 <= end; k += 8) {                                       \
            __m512d xv = _mm512_i32gather_pd(IDX8(indices + k), x, 8);       \
            __m512d wv = _mm512_cvtps_pd(_mm256_loadu_ps(data + k));         \
            acc = _mm512_fmadd_pd(wv, xv, acc);                              \
        }                                                                    \
        double tail = 0;  /* fewer than eight left: scalar */                \
        for (; k < end; k++) tail += (double)data[k] * x[indices[k]];        \
        z[j] += _mm512_reduce_add_pd(acc) + tail;                            \
    }                                                                        \
}

#define SKRNN_SPMV_AVX512_F(NAME, I, IDX16)                                  \
__attribute__((target("avx512f")))                                          \
static void NAME(SKRNN_SPMV_ARGS(float, I))                                  \
{                                                                            \
    for (ptrdiff_t j = 0; j < n_units; j++) {                                \
        int k = indptr[j], end = indptr[j + 1];                              \
        __m512 acc = _mm512_setzero_ps();                                    \
        for (; k + 16 <= end; k += 16) {                                     \
            __m512 xv = _mm512_i32gather_ps(IDX16(indices + k), x, 4);       \
            acc = _mm512_fmadd_ps(_mm512_loadu_ps(data + k), xv, acc);       \
        }                                                                    \
        float tail = 0;                                                      \
        for (; k < end; k++) tail += data[k] * x[indices[k]];                \
        z[j] += _mm512_reduce_add_ps(acc) + tail;                            \
    }                                                                        \
}

SKRNN_SPMV_AVX512_D(skrnn_spmv_d_i16_avx512, uint16_t, SKRNN_IDX8_I16)
SKRNN_SPMV_AVX512_D(skrnn_spmv_d_i32_avx512, int32_t, SKRNN_IDX8_I32)
SKRNN_SPMV_AVX512_F(skrnn_spmv_f_i16_avx512, uint16_t, SKRNN_IDX16_I16)
SKRNN_SPMV_AVX512_F(skrnn_spmv_f_i32_avx512, int32_t, SKRNN_IDX16_I32)

#endif

/* -- dispatch ---------------------------------------------------------------- */
#ifdef SKRNN_SPMV_DISPATCH
#define SKRNN_SPMM_DISPATCH(NAME, T, I)                                      \
static inline void NAME(SKRNN_SPMM_ARGS(T, I))                               \
{                                                                            \
    int level = skrnn_isa_level();                                          \
    if (level == 2) NAME##_avx512(n_units, n_rows, data, indices, indptr, xT, zT); \
    else if (level == 1) NAME##_avx2(n_units, n_rows, data, indices, indptr, xT, zT); \
    else NAME##_base(n_units, n_rows, data, indices, indptr, xT, zT);        \
}
#define SKRNN_SPMV_DISPATCH_FN(NAME, T, I)                                   \
static inline void NAME(SKRNN_SPMV_ARGS(T, I))                               \
{                                                                            \
    if (skrnn_isa_level() == 2) NAME##_avx512(n_units, data, indices, indptr, x, z); \
    else NAME##_base(n_units, data, indices, indptr, x, z);                  \
}
#else
#define SKRNN_SPMM_DISPATCH(NAME, T, I)                                      \
static inline void NAME(SKRNN_SPMM_ARGS(T, I))                               \
{ NAME##_base(n_units, n_rows, data, indices, indptr, xT, zT); }
#define SKRNN_SPMV_DISPATCH_FN(NAME, T, I)                                   \
static inline void NAME(SKRNN_SPMV_ARGS(T, I))                               \
{ NAME##_base(n_units, data, indices, indptr, x, z); }
#endif

SKRNN_SPMM_DISPATCH(skrnn_spmm_t_d_i16, double, uint16_t)
SKRNN_SPMM_DISPATCH(skrnn_spmm_t_d_i32, double, int32_t)
SKRNN_SPMM_DISPATCH(skrnn_spmm_t_f_i16, float, uint16_t)
SKRNN_SPMM_DISPATCH(skrnn_spmm_t_f_i32, float, int32_t)
SKRNN_SPMV_DISPATCH_FN(skrnn_spmv_d_i16, double, uint16_t)
SKRNN_SPMV_DISPATCH_FN(skrnn_spmv_d_i32, double, int32_t)
SKRNN_SPMV_DISPATCH_FN(skrnn_spmv_f_i16, float, uint16_t)
SKRNN_SPMV_DISPATCH_FN(skrnn_spmv_f_i32, float, int32_t)

#endif
