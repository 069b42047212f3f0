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
 * skrnn_ell_spmv_<T>_<I>: the same product when every row of W^T has the
 *   same number of weights (the reservoir's fixed in-degree), stored as
 *   sliced ELLPACK: rows in slices of eight, and for each slice the c-th
 *   weight of its eight rows side by side. One gather then serves eight
 *   rows, one per SIMD lane: no horizontal sum and no scalar tail per row,
 *   which is what the row-wise gather spends beside its gathers (about a
 *   third of the step at 500 units with 50 weights per row).
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
#include <string.h>

#include "_isa.h"  /* SKRNN_RESTRICT, SKRNN_X86_DISPATCH */

#define SKRNN_SPMM_ARGS(T, I) ptrdiff_t n_units, ptrdiff_t n_rows,          \
    const float *SKRNN_RESTRICT data, const I *SKRNN_RESTRICT indices,       \
    const int *SKRNN_RESTRICT indptr, const T *SKRNN_RESTRICT xT, T *SKRNN_RESTRICT zT
#define SKRNN_SPMV_ARGS(T, I) ptrdiff_t n_units, const float *SKRNN_RESTRICT data, \
    const I *SKRNN_RESTRICT indices, const int *SKRNN_RESTRICT indptr,       \
    const T *SKRNN_RESTRICT x, T *SKRNN_RESTRICT z
/* Sliced ELLPACK, eight rows per slice: weight c of row 8 s + l is
 * data[(s * width + c) * 8 + l]; the lanes past the last row hold weight 0
 * and index 0. */
#define SKRNN_ELL_ARGS(T, I) ptrdiff_t n_units, ptrdiff_t width,             \
    const float *SKRNN_RESTRICT data, const I *SKRNN_RESTRICT indices,       \
    const T *SKRNN_RESTRICT x, T *SKRNN_RESTRICT z

/* -- portable versions ---------------------------------------------------- */
#define SKRNN_SPMM_BASE(NAME, T, I)                                          \
static void NAME(SKRNN_SPMM_ARGS(T, I))                                      \
{                                                                            \
    for (ptrdiff_t j = 0; j < n_units; j++) {                                \
        T *SKRNN_RESTRICT zj = zT + j * n_rows;                              \
        for (ptrdiff_t b = 0; b < n_rows; b++) zj[b] = 0;                    \
        for (int k = indptr[j]; k < indptr[j + 1]; k++) {                    \
            const T w = (T)data[k];                                          \
            const T *SKRNN_RESTRICT xi = xT + (ptrdiff_t)indices[k] * n_rows; \
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

#define SKRNN_ELL_BASE(NAME, T, I)                                           \
static void NAME(SKRNN_ELL_ARGS(T, I))                                       \
{                                                                            \
    for (ptrdiff_t s = 0; s * 8 < n_units; s++) {                            \
        const float *SKRNN_RESTRICT d = data + s * width * 8;                \
        const I *SKRNN_RESTRICT ix = indices + s * width * 8;                \
        T acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                 \
        for (ptrdiff_t c = 0; c < width; c++)                                \
            for (int l = 0; l < 8; l++)                                      \
                acc[l] += (T)d[c * 8 + l] * x[ix[c * 8 + l]];                \
        for (int l = 0; l < 8 && s * 8 + l < n_units; l++) z[s * 8 + l] += acc[l]; \
    }                                                                        \
}

SKRNN_ELL_BASE(skrnn_ell_spmv_d_i16_base, double, uint16_t)
SKRNN_ELL_BASE(skrnn_ell_spmv_d_i32_base, double, int32_t)
SKRNN_ELL_BASE(skrnn_ell_spmv_f_i16_base, float, uint16_t)
SKRNN_ELL_BASE(skrnn_ell_spmv_f_i32_base, float, int32_t)
SKRNN_SPMM_BASE(skrnn_spmm_t_d_i16_base, double, uint16_t)
SKRNN_SPMM_BASE(skrnn_spmm_t_d_i32_base, double, int32_t)
SKRNN_SPMM_BASE(skrnn_spmm_t_f_i16_base, float, uint16_t)
SKRNN_SPMM_BASE(skrnn_spmm_t_f_i32_base, float, int32_t)
SKRNN_SPMV_BASE(skrnn_spmv_d_i16_base, double, uint16_t)
SKRNN_SPMV_BASE(skrnn_spmv_d_i32_base, double, int32_t)
SKRNN_SPMV_BASE(skrnn_spmv_f_i16_base, float, uint16_t)
SKRNN_SPMV_BASE(skrnn_spmv_f_i32_base, float, int32_t)

#ifdef SKRNN_X86_DISPATCH
#define SKRNN_SPMV_DISPATCH 1
#include <immintrin.h>

/* -- batch product, register-blocked ---------------------------------------
 * A block of 4 vectors of sequences of row j stays in registers while every
 * weight of the row is added. Tails: masked loads (AVX-512), or single
 * vectors and then scalars (AVX2). */
#define SKRNN_SPMM_AVX512(NAME, T, I, VEC, W, SET1, ZERO, LOAD, MLOAD, FMA, STORE, MSTORE, MASK) \
__attribute__((target("avx512f")))                                          \
static void NAME(SKRNN_SPMM_ARGS(T, I))                                      \
{                                                                            \
    for (ptrdiff_t j = 0; j < n_units; j++) {                                \
        T *SKRNN_RESTRICT zj = zT + j * n_rows;                              \
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
        T *SKRNN_RESTRICT zj = zT + j * n_rows;                              \
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
        /* whole vectors left (100 sequences: 6 blocks of 16, then 4): a    \
         * vector is 4 (8) times the rate of the scalar loop */              \
        for (; b + W <= n_rows; b += W) {                                    \
            VEC a0 = ZERO();                                                 \
            for (int k = indptr[j]; k < indptr[j + 1]; k++)                  \
                a0 = FMA(SET1((T)data[k]),                                   \
                         LOAD(xT + (ptrdiff_t)indices[k] * n_rows + b), a0); \
            STORE(zj + b, a0);                                               \
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

/* -- one state vector, sliced ELLPACK: AVX-512, a gather per weight slot of 8 rows --
 * Two accumulators (even and odd slots) hide the FMA latency; the last
 * slice's lanes past n_units are masked off (AVX-512) or summed through a
 * small buffer (AVX2, below). */
#define SKRNN_ELL_AVX512_D(NAME, I, IDX8)                                    \
__attribute__((target("avx512f")))                                          \
static void NAME(SKRNN_ELL_ARGS(double, I))                                  \
{                                                                            \
    for (ptrdiff_t s = 0; s * 8 < n_units; s++) {                            \
        const float *d = data + s * width * 8;                               \
        const I *ix = indices + s * width * 8;                               \
        __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();          \
        ptrdiff_t c = 0;                                                     \
        for (; c + 2 <= width; c += 2) {                                     \
            a0 = _mm512_fmadd_pd(_mm512_cvtps_pd(_mm256_loadu_ps(d + c * 8)), \
                                 _mm512_i32gather_pd(IDX8(ix + c * 8), x, 8), a0); \
            a1 = _mm512_fmadd_pd(_mm512_cvtps_pd(_mm256_loadu_ps(d + c * 8 + 8)), \
                                 _mm512_i32gather_pd(IDX8(ix + c * 8 + 8), x, 8), a1); \
        }                                                                    \
        if (c < width)                                                       \
            a0 = _mm512_fmadd_pd(_mm512_cvtps_pd(_mm256_loadu_ps(d + c * 8)), \
                                 _mm512_i32gather_pd(IDX8(ix + c * 8), x, 8), a0); \
        ptrdiff_t rows = n_units - s * 8;                                    \
        __mmask8 m = (__mmask8)(rows >= 8 ? 0xFF : (1u << rows) - 1u);       \
        __m512d zv = _mm512_maskz_loadu_pd(m, z + s * 8);                    \
        _mm512_mask_storeu_pd(z + s * 8, m, _mm512_add_pd(zv, _mm512_add_pd(a0, a1))); \
    }                                                                        \
}

#define SKRNN_ELL_AVX512_F(NAME, I, IDX8)                                    \
__attribute__((target("avx512f,avx512vl,avx2,fma")))                        \
static void NAME(SKRNN_ELL_ARGS(float, I))                                   \
{                                                                            \
    for (ptrdiff_t s = 0; s * 8 < n_units; s++) {                            \
        const float *d = data + s * width * 8;                               \
        const I *ix = indices + s * width * 8;                               \
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();           \
        ptrdiff_t c = 0;                                                     \
        for (; c + 2 <= width; c += 2) {                                     \
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(d + c * 8),                 \
                                 _mm256_i32gather_ps(x, IDX8(ix + c * 8), 4), a0); \
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(d + c * 8 + 8),             \
                                 _mm256_i32gather_ps(x, IDX8(ix + c * 8 + 8), 4), a1); \
        }                                                                    \
        if (c < width)                                                       \
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(d + c * 8),                 \
                                 _mm256_i32gather_ps(x, IDX8(ix + c * 8), 4), a0); \
        ptrdiff_t rows = n_units - s * 8;                                    \
        __mmask8 m = (__mmask8)(rows >= 8 ? 0xFF : (1u << rows) - 1u);       \
        __m256 zv = _mm256_maskz_loadu_ps(m, z + s * 8);                     \
        _mm256_mask_storeu_ps(z + s * 8, m, _mm256_add_ps(zv, _mm256_add_ps(a0, a1))); \
    }                                                                        \
}

SKRNN_ELL_AVX512_D(skrnn_ell_spmv_d_i16_avx512, uint16_t, SKRNN_IDX8_I16)
SKRNN_ELL_AVX512_D(skrnn_ell_spmv_d_i32_avx512, int32_t, SKRNN_IDX8_I32)
SKRNN_ELL_AVX512_F(skrnn_ell_spmv_f_i16_avx512, uint16_t, SKRNN_IDX8_I16)
SKRNN_ELL_AVX512_F(skrnn_ell_spmv_f_i32_avx512, int32_t, SKRNN_IDX8_I32)

/* AVX2: the states are loaded one by one and assembled into registers,
 * not gathered. On AMD's Zen 3 an AVX2 gather is microcoded and slower than
 * the scalar loads it stands for: this version ran 1.5-2x faster than
 * vgatherdpd at 500-2000 units (0.32-0.47 ns per weight, against
 * 0.54-0.85). Double lanes in two halves of four; two weight slots at a
 * time, in two pairs of accumulators, to hide the FMA latency. */
/* x[p[0]], ..., x[p[3]] in a register. uint16 indices are read four at a
 * time, as one 64-bit word split by shifts (x86 is little-endian): one load
 * instead of four, and the loads are what bound this loop (16-20 % less
 * time at 1000 units, measured in C on Zen 3). */
__attribute__((target("avx2,fma"), always_inline))
static inline __m256d skrnn_x4_d_i16(const double *x, const uint16_t *p)
{
    uint64_t q;
    memcpy(&q, p, sizeof q);
    return _mm256_setr_pd(x[q & 0xFFFF], x[(q >> 16) & 0xFFFF], x[(q >> 32) & 0xFFFF],
                          x[q >> 48]);
}
__attribute__((target("avx2,fma"), always_inline))
static inline __m256d skrnn_x4_d_i32(const double *x, const int32_t *p)
{
    return _mm256_setr_pd(x[p[0]], x[p[1]], x[p[2]], x[p[3]]);
}
__attribute__((target("avx2,fma"), always_inline))
static inline __m256 skrnn_x8_f_i16(const float *x, const uint16_t *p)
{
    uint64_t q, r;
    memcpy(&q, p, sizeof q);
    memcpy(&r, p + 4, sizeof r);
    return _mm256_setr_ps(x[q & 0xFFFF], x[(q >> 16) & 0xFFFF], x[(q >> 32) & 0xFFFF],
                          x[q >> 48], x[r & 0xFFFF], x[(r >> 16) & 0xFFFF],
                          x[(r >> 32) & 0xFFFF], x[r >> 48]);
}
__attribute__((target("avx2,fma"), always_inline))
static inline __m256 skrnn_x8_f_i32(const float *x, const int32_t *p)
{
    return _mm256_setr_ps(x[p[0]], x[p[1]], x[p[2]], x[p[3]], x[p[4]], x[p[5]], x[p[6]],
                          x[p[7]]);
}
#define SKRNN_ELL_AVX2_D(NAME, I, X4)                                        \
__attribute__((target("avx2,fma")))                                         \
static void NAME(SKRNN_ELL_ARGS(double, I))                                  \
{                                                                            \
    for (ptrdiff_t s = 0; s * 8 < n_units; s++) {                            \
        const float *d = data + s * width * 8;                               \
        const I *ix = indices + s * width * 8;                               \
        __m256d lo0 = _mm256_setzero_pd(), hi0 = _mm256_setzero_pd();        \
        __m256d lo1 = _mm256_setzero_pd(), hi1 = _mm256_setzero_pd();        \
        ptrdiff_t c = 0;                                                     \
        for (; c + 2 <= width; c += 2) {                                     \
            const I *p = ix + c * 8;                                         \
            __m256 w0 = _mm256_loadu_ps(d + c * 8), w1 = _mm256_loadu_ps(d + c * 8 + 8); \
            lo0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(w0)), \
                                  X4(x, p), lo0);                      \
            hi0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(w0, 1)), \
                                  X4(x, p + 4), hi0);                  \
            lo1 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(w1)), \
                                  X4(x, p + 8), lo1);                  \
            hi1 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(w1, 1)), \
                                  X4(x, p + 12), hi1);                 \
        }                                                                    \
        if (c < width) {                                                     \
            const I *p = ix + c * 8;                                         \
            __m256 w0 = _mm256_loadu_ps(d + c * 8);                          \
            lo0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(w0)), \
                                  X4(x, p), lo0);                      \
            hi0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(w0, 1)), \
                                  X4(x, p + 4), hi0);                  \
        }                                                                    \
        double acc[8];                                                       \
        _mm256_storeu_pd(acc, _mm256_add_pd(lo0, lo1));                      \
        _mm256_storeu_pd(acc + 4, _mm256_add_pd(hi0, hi1));                  \
        for (int l = 0; l < 8 && s * 8 + l < n_units; l++) z[s * 8 + l] += acc[l]; \
    }                                                                        \
}

#define SKRNN_ELL_AVX2_F(NAME, I, X8)                                        \
__attribute__((target("avx2,fma")))                                         \
static void NAME(SKRNN_ELL_ARGS(float, I))                                   \
{                                                                            \
    for (ptrdiff_t s = 0; s * 8 < n_units; s++) {                            \
        const float *d = data + s * width * 8;                               \
        const I *ix = indices + s * width * 8;                               \
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();           \
        ptrdiff_t c = 0;                                                     \
        for (; c + 2 <= width; c += 2) {                                     \
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(d + c * 8), X8(x, ix + c * 8), a0); \
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(d + c * 8 + 8),             \
                                 X8(x, ix + c * 8 + 8), a1);           \
        }                                                                    \
        if (c < width)                                                       \
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(d + c * 8), X8(x, ix + c * 8), a0); \
        float acc[8];                                                        \
        _mm256_storeu_ps(acc, _mm256_add_ps(a0, a1));                        \
        for (int l = 0; l < 8 && s * 8 + l < n_units; l++) z[s * 8 + l] += acc[l]; \
    }                                                                        \
}

SKRNN_ELL_AVX2_D(skrnn_ell_spmv_d_i16_avx2, uint16_t, skrnn_x4_d_i16)
SKRNN_ELL_AVX2_D(skrnn_ell_spmv_d_i32_avx2, int32_t, skrnn_x4_d_i32)
SKRNN_ELL_AVX2_F(skrnn_ell_spmv_f_i16_avx2, uint16_t, skrnn_x8_f_i16)
SKRNN_ELL_AVX2_F(skrnn_ell_spmv_f_i32_avx2, int32_t, skrnn_x8_f_i32)

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
#define SKRNN_ELL_DISPATCH(NAME, T, I)                                       \
static inline void NAME(SKRNN_ELL_ARGS(T, I))                                \
{                                                                            \
    int level = skrnn_isa_level();                                          \
    if (level == 2) NAME##_avx512(n_units, width, data, indices, x, z);      \
    else if (level == 1) NAME##_avx2(n_units, width, data, indices, x, z);   \
    else NAME##_base(n_units, width, data, indices, x, z);                   \
}
#else
#define SKRNN_ELL_DISPATCH(NAME, T, I)                                       \
static inline void NAME(SKRNN_ELL_ARGS(T, I))                                \
{ NAME##_base(n_units, width, data, indices, x, z); }
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
SKRNN_ELL_DISPATCH(skrnn_ell_spmv_d_i16, double, uint16_t)
SKRNN_ELL_DISPATCH(skrnn_ell_spmv_d_i32, double, int32_t)
SKRNN_ELL_DISPATCH(skrnn_ell_spmv_f_i16, float, uint16_t)
SKRNN_ELL_DISPATCH(skrnn_ell_spmv_f_i32, float, int32_t)

#endif
