/* Vectorised tanh over contiguous buffers.
 *
 * Authors: The skrnn developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A scalar libm tanh costs about as much as the matrix products of a small
 * recurrent step, so the activations go through glibc's vector math library
 * (libmvec, glibc >= 2.35, accuracy within 4 ulp) where it exists, in the
 * widest variant the CPU runs. Elsewhere the plain loop is used. A buffer's
 * last elements go through the same variant as the others (padded), so an
 * element's tanh does not depend on where it sits in the buffer: prediction
 * relies on that to give a sequence the same outputs in any batch.
 */
#ifndef SKRNN_VMATH_H
#define SKRNN_VMATH_H

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "_isa.h"

/* math.h above defines __GLIBC__ where the C library is glibc */
#if defined(SKRNN_X86_DISPATCH) && defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35)) && \
    !defined(SKRNN_NO_LIBMVEC)
#define SKRNN_HAVE_LIBMVEC 1
#include <immintrin.h>

/* libmvec's vector variants, by their vector-ABI names: b = SSE4, d = AVX2,
 * e = AVX-512. Each loop is compiled for its instruction set and chosen at
 * run time from what the CPU supports, so the build stays portable. Every
 * function (and declaration) that passes a wide register carries its target
 * attribute: clang, unlike GCC, does not take a `#pragma GCC target` region,
 * and refuses an intrinsic inlined into a function compiled without its
 * instruction set. */
__m128d _ZGVbN2v_tanh(__m128d);
__m128 _ZGVbN4v_tanhf(__m128);

SKRNN_TARGET_AVX2 __m256d _ZGVdN4v_tanh(__m256d);
SKRNN_TARGET_AVX2 __m256 _ZGVdN8v_tanhf(__m256);
SKRNN_TARGET_AVX2 static void skrnn_vtanh_d_avx2(double *x, ptrdiff_t n, ptrdiff_t *i)
{
    double pad[4] = {0};
    for (; *i + 4 <= n; *i += 4)
        _mm256_storeu_pd(x + *i, _ZGVdN4v_tanh(_mm256_loadu_pd(x + *i)));
    if (*i < n) {  /* the tail through the same variant, padded */
        memcpy(pad, x + *i, (size_t) (n - *i) * sizeof(double));
        _mm256_storeu_pd(pad, _ZGVdN4v_tanh(_mm256_loadu_pd(pad)));
        memcpy(x + *i, pad, (size_t) (n - *i) * sizeof(double));
        *i = n;
    }
}
SKRNN_TARGET_AVX2 static void skrnn_vtanh_f_avx2(float *x, ptrdiff_t n, ptrdiff_t *i)
{
    float pad[8] = {0};
    for (; *i + 8 <= n; *i += 8)
        _mm256_storeu_ps(x + *i, _ZGVdN8v_tanhf(_mm256_loadu_ps(x + *i)));
    if (*i < n) {  /* the tail through the same variant, padded */
        memcpy(pad, x + *i, (size_t) (n - *i) * sizeof(float));
        _mm256_storeu_ps(pad, _ZGVdN8v_tanhf(_mm256_loadu_ps(pad)));
        memcpy(x + *i, pad, (size_t) (n - *i) * sizeof(float));
        *i = n;
    }
}

SKRNN_TARGET_AVX512 __m512d _ZGVeN8v_tanh(__m512d);
SKRNN_TARGET_AVX512 __m512 _ZGVeN16v_tanhf(__m512);
SKRNN_TARGET_AVX512 static void skrnn_vtanh_d_avx512(double *x, ptrdiff_t n, ptrdiff_t *i)
{
    double pad[8] = {0};
    for (; *i + 8 <= n; *i += 8)
        _mm512_storeu_pd(x + *i, _ZGVeN8v_tanh(_mm512_loadu_pd(x + *i)));
    if (*i < n) {  /* the tail through the same variant, padded */
        memcpy(pad, x + *i, (size_t) (n - *i) * sizeof(double));
        _mm512_storeu_pd(pad, _ZGVeN8v_tanh(_mm512_loadu_pd(pad)));
        memcpy(x + *i, pad, (size_t) (n - *i) * sizeof(double));
        *i = n;
    }
}
SKRNN_TARGET_AVX512 static void skrnn_vtanh_f_avx512(float *x, ptrdiff_t n, ptrdiff_t *i)
{
    float pad[16] = {0};
    for (; *i + 16 <= n; *i += 16)
        _mm512_storeu_ps(x + *i, _ZGVeN16v_tanhf(_mm512_loadu_ps(x + *i)));
    if (*i < n) {  /* the tail through the same variant, padded */
        memcpy(pad, x + *i, (size_t) (n - *i) * sizeof(float));
        _mm512_storeu_ps(pad, _ZGVeN16v_tanhf(_mm512_loadu_ps(pad)));
        memcpy(x + *i, pad, (size_t) (n - *i) * sizeof(float));
        *i = n;
    }
}
#endif

static inline void skrnn_vtanh_d(double *x, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#ifdef SKRNN_HAVE_LIBMVEC
    int level = skrnn_isa_level();
    if (level == 2) skrnn_vtanh_d_avx512(x, n, &i);
    else if (level == 1) skrnn_vtanh_d_avx2(x, n, &i);
    for (; i + 2 <= n; i += 2)
        _mm_storeu_pd(x + i, _ZGVbN2v_tanh(_mm_loadu_pd(x + i)));
    if (i < n) {  /* the tail through the same variant, padded */
        double pad[2] = {0};
        memcpy(pad, x + i, (size_t) (n - i) * sizeof(double));
        _mm_storeu_pd(pad, _ZGVbN2v_tanh(_mm_loadu_pd(pad)));
        memcpy(x + i, pad, (size_t) (n - i) * sizeof(double));
        i = n;
    }
#endif
    for (; i < n; i++)
        x[i] = tanh(x[i]);
}

static inline void skrnn_vtanh_f(float *x, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#ifdef SKRNN_HAVE_LIBMVEC
    int level = skrnn_isa_level();
    if (level == 2) skrnn_vtanh_f_avx512(x, n, &i);
    else if (level == 1) skrnn_vtanh_f_avx2(x, n, &i);
    for (; i + 4 <= n; i += 4)
        _mm_storeu_ps(x + i, _ZGVbN4v_tanhf(_mm_loadu_ps(x + i)));
    if (i < n) {  /* the tail through the same variant, padded */
        float pad[4] = {0};
        memcpy(pad, x + i, (size_t) (n - i) * sizeof(float));
        _mm_storeu_ps(pad, _ZGVbN4v_tanhf(_mm_loadu_ps(pad)));
        memcpy(x + i, pad, (size_t) (n - i) * sizeof(float));
        i = n;
    }
#endif
    for (; i < n; i++)
        x[i] = tanhf(x[i]);
}

#endif
