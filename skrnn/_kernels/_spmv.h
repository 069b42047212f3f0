/* Sparse products of the reservoir kernel, in the widest SIMD the CPU runs.
 *
 * Authors: The skrnn developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * W is given as CSR of its transpose: row j lists the units feeding unit j.
 *
 * skrnn_spmv_*: z[j] += sum_k data[k] * x[indices[k]] for one state vector.
 *   The loop is bound by its loads; AVX-512 gathers eight (sixteen) states
 *   at once and keeps eight independent partial sums.
 * skrnn_spmm_t_*: zT[j, :] = sum_k data[k] * xT[indices[k], :] for a batch
 *   stored with the sequences on the fast axis: each weight updates a
 *   contiguous row, which the compiler vectorises for each target.
 *
 * The instruction set is chosen at run time (compiled per target, as in
 * _vmath.h), so the build stays portable.
 */
#ifndef SKRNN_SPMV_H
#define SKRNN_SPMV_H

#include <stddef.h>

#define SKRNN_SPMM_BODY(T)                                                   \
    for (ptrdiff_t j = 0; j < n_units; j++) {                                \
        T *restrict zj = zT + j * n_rows;                                    \
        for (ptrdiff_t b = 0; b < n_rows; b++) zj[b] = 0;                    \
        for (int k = indptr[j]; k < indptr[j + 1]; k++) {                    \
            const T w = data[k];                                             \
            const T *restrict xi = xT + (ptrdiff_t)indices[k] * n_rows;      \
            for (ptrdiff_t b = 0; b < n_rows; b++) zj[b] += w * xi[b];       \
        }                                                                    \
    }

#define SKRNN_SPMV_BODY(T)                                                   \
    for (ptrdiff_t j = 0; j < n_units; j++) {                                \
        T a0 = 0, a1 = 0, a2 = 0, a3 = 0;                                    \
        int k = indptr[j], end = indptr[j + 1];                              \
        for (; k + 4 <= end; k += 4) {                                       \
            a0 += data[k] * x[indices[k]];                                   \
            a1 += data[k + 1] * x[indices[k + 1]];                           \
            a2 += data[k + 2] * x[indices[k + 2]];                           \
            a3 += data[k + 3] * x[indices[k + 3]];                           \
        }                                                                    \
        for (; k < end; k++) a0 += data[k] * x[indices[k]];                  \
        z[j] += (a0 + a1) + (a2 + a3);                                       \
    }

#define SKRNN_SPMM_ARGS(T) ptrdiff_t n_units, ptrdiff_t n_rows,             \
    const T *restrict data, const int *restrict indices,                     \
    const int *restrict indptr, const T *restrict xT, T *restrict zT
#define SKRNN_SPMV_ARGS(T) ptrdiff_t n_units, const T *restrict data,       \
    const int *restrict indices, const int *restrict indptr,                 \
    const T *restrict x, T *restrict z

static void skrnn_spmm_t_d_base(SKRNN_SPMM_ARGS(double)) { SKRNN_SPMM_BODY(double) }
static void skrnn_spmm_t_f_base(SKRNN_SPMM_ARGS(float)) { SKRNN_SPMM_BODY(float) }
static void skrnn_spmv_d_base(SKRNN_SPMV_ARGS(double)) { SKRNN_SPMV_BODY(double) }
static void skrnn_spmv_f_base(SKRNN_SPMV_ARGS(float)) { SKRNN_SPMV_BODY(float) }

#if defined(__x86_64__) && defined(__GNUC__) && !defined(SKRNN_NO_SIMD_DISPATCH)
#define SKRNN_SPMV_DISPATCH 1
#include <immintrin.h>

/* Register-blocked: a block of sequences of row j stays in registers while
 * every weight of the row is added, so each weight costs loads and FMAs but
 * no stores. Tails use masked loads (AVX-512) or the scalar loop. */
#define SKRNN_SPMM_AVX512(NAME, T, VEC, W, SET1, ZERO, LOAD, MLOAD, FMA, STORE, MSTORE, MASK) \
__attribute__((target("avx512f")))                                          \
static void NAME(SKRNN_SPMM_ARGS(T))                                         \
{                                                                            \
    for (ptrdiff_t j = 0; j < n_units; j++) {                                \
        T *restrict zj = zT + j * n_rows;                                    \
        ptrdiff_t b = 0;                                                     \
        for (; b + 4 * W <= n_rows; b += 4 * W) {                            \
            VEC a0 = ZERO(), a1 = ZERO(), a2 = ZERO(), a3 = ZERO();          \
            for (int k = indptr[j]; k < indptr[j + 1]; k++) {                \
                const VEC w = SET1(data[k]);                                 \
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
                a0 = FMA(SET1(data[k]), MLOAD(m, xi), a0);                   \
            }                                                                \
            MSTORE(zj + b, m, a0);                                           \
        }                                                                    \
    }                                                                        \
}

SKRNN_SPMM_AVX512(skrnn_spmm_t_d_avx512, double, __m512d, 8, _mm512_set1_pd,
                  _mm512_setzero_pd, _mm512_loadu_pd, _mm512_maskz_loadu_pd,
                  _mm512_fmadd_pd, _mm512_storeu_pd, _mm512_mask_storeu_pd, __mmask8)
SKRNN_SPMM_AVX512(skrnn_spmm_t_f_avx512, float, __m512, 16, _mm512_set1_ps,
                  _mm512_setzero_ps, _mm512_loadu_ps, _mm512_maskz_loadu_ps,
                  _mm512_fmadd_ps, _mm512_storeu_ps, _mm512_mask_storeu_ps, __mmask16)

#define SKRNN_SPMM_AVX2(NAME, T, VEC, W, SET1, ZERO, LOAD, FMA, STORE)      \
__attribute__((target("avx2,fma")))                                         \
static void NAME(SKRNN_SPMM_ARGS(T))                                         \
{                                                                            \
    for (ptrdiff_t j = 0; j < n_units; j++) {                                \
        T *restrict zj = zT + j * n_rows;                                    \
        ptrdiff_t b = 0;                                                     \
        for (; b + 4 * W <= n_rows; b += 4 * W) {                            \
            VEC a0 = ZERO(), a1 = ZERO(), a2 = ZERO(), a3 = ZERO();          \
            for (int k = indptr[j]; k < indptr[j + 1]; k++) {                \
                const VEC w = SET1(data[k]);                                 \
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
                acc += data[k] * xT[(ptrdiff_t)indices[k] * n_rows + b];     \
            zj[b] = acc;                                                     \
        }                                                                    \
    }                                                                        \
}

SKRNN_SPMM_AVX2(skrnn_spmm_t_d_avx2, double, __m256d, 4, _mm256_set1_pd,
                _mm256_setzero_pd, _mm256_loadu_pd, _mm256_fmadd_pd, _mm256_storeu_pd)
SKRNN_SPMM_AVX2(skrnn_spmm_t_f_avx2, float, __m256, 8, _mm256_set1_ps,
                _mm256_setzero_ps, _mm256_loadu_ps, _mm256_fmadd_ps, _mm256_storeu_ps)

__attribute__((target("avx512f")))
static void skrnn_spmv_d_avx512(SKRNN_SPMV_ARGS(double))
{
    for (ptrdiff_t j = 0; j < n_units; j++) {
        int k = indptr[j], end = indptr[j + 1];
        __m512d acc = _mm512_setzero_pd();
        for (; k + 8 <= end; k += 8) {
            __m256i idx = _mm256_loadu_si256((const __m256i *)(indices + k));
            __m512d xv = _mm512_i32gather_pd(idx, x, 8);
            acc = _mm512_fmadd_pd(_mm512_loadu_pd(data + k), xv, acc);
        }
        double tail = 0;  /* fewer than eight left: scalar */
        for (; k < end; k++) tail += data[k] * x[indices[k]];
        z[j] += _mm512_reduce_add_pd(acc) + tail;
    }
}

__attribute__((target("avx512f")))
static void skrnn_spmv_f_avx512(SKRNN_SPMV_ARGS(float))
{
    for (ptrdiff_t j = 0; j < n_units; j++) {
        int k = indptr[j], end = indptr[j + 1];
        __m512 acc = _mm512_setzero_ps();
        for (; k + 16 <= end; k += 16) {
            __m512i idx = _mm512_loadu_si512((const void *)(indices + k));
            __m512 xv = _mm512_i32gather_ps(idx, x, 4);
            acc = _mm512_fmadd_ps(_mm512_loadu_ps(data + k), xv, acc);
        }
        float tail = 0;
        for (; k < end; k++) tail += data[k] * x[indices[k]];
        z[j] += _mm512_reduce_add_ps(acc) + tail;
    }
}

/* 2: AVX-512, 1: AVX2 + FMA, 0: baseline; decided once. */
static int skrnn_spmv_level(void)
{
    static int level = -1;
    if (level < 0) {
        __builtin_cpu_init();
        level = __builtin_cpu_supports("avx512f") ? 2
              : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
    }
    return level;
}
#endif

static inline void skrnn_spmm_t_d(SKRNN_SPMM_ARGS(double))
{
#ifdef SKRNN_SPMV_DISPATCH
    int level = skrnn_spmv_level();
    if (level == 2) { skrnn_spmm_t_d_avx512(n_units, n_rows, data, indices, indptr, xT, zT); return; }
    if (level == 1) { skrnn_spmm_t_d_avx2(n_units, n_rows, data, indices, indptr, xT, zT); return; }
#endif
    skrnn_spmm_t_d_base(n_units, n_rows, data, indices, indptr, xT, zT);
}

static inline void skrnn_spmm_t_f(SKRNN_SPMM_ARGS(float))
{
#ifdef SKRNN_SPMV_DISPATCH
    int level = skrnn_spmv_level();
    if (level == 2) { skrnn_spmm_t_f_avx512(n_units, n_rows, data, indices, indptr, xT, zT); return; }
    if (level == 1) { skrnn_spmm_t_f_avx2(n_units, n_rows, data, indices, indptr, xT, zT); return; }
#endif
    skrnn_spmm_t_f_base(n_units, n_rows, data, indices, indptr, xT, zT);
}

static inline void skrnn_spmv_d(SKRNN_SPMV_ARGS(double))
{
#ifdef SKRNN_SPMV_DISPATCH
    if (skrnn_spmv_level() == 2) { skrnn_spmv_d_avx512(n_units, data, indices, indptr, x, z); return; }
#endif
    skrnn_spmv_d_base(n_units, data, indices, indptr, x, z);
}

static inline void skrnn_spmv_f(SKRNN_SPMV_ARGS(float))
{
#ifdef SKRNN_SPMV_DISPATCH
    if (skrnn_spmv_level() == 2) { skrnn_spmv_f_avx512(n_units, data, indices, indptr, x, z); return; }
#endif
    skrnn_spmv_f_base(n_units, data, indices, indptr, x, z);
}

#endif
