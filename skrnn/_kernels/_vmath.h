/* Vectorised tanh over contiguous buffers.
 *
 * Authors: The skrnn developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A scalar libm tanh costs about as much as the matrix products of a small
 * recurrent step, so the activations go through glibc's vector math library
 * (libmvec, glibc >= 2.35, accuracy within 4 ulp) where it exists. The SSE
 * variants are chosen because every x86_64 CPU has them; glibc dispatches
 * them to the best implementation the CPU offers. Elsewhere the plain loop
 * is used.
 */
#ifndef SKRNN_VMATH_H
#define SKRNN_VMATH_H

#include <math.h>
#include <stddef.h>

#if defined(__x86_64__) && defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35)) && \
    !defined(SKRNN_NO_LIBMVEC)
#include <emmintrin.h>
#define SKRNN_HAVE_LIBMVEC 1
__m128d _ZGVbN2v_tanh(__m128d);
__m128 _ZGVbN4v_tanhf(__m128);
#endif

static inline void skrnn_vtanh_d(double *x, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#ifdef SKRNN_HAVE_LIBMVEC
    for (; i + 2 <= n; i += 2) {
        _mm_storeu_pd(x + i, _ZGVbN2v_tanh(_mm_loadu_pd(x + i)));
    }
#endif
    for (; i < n; i++) {
        x[i] = tanh(x[i]);
    }
}

static inline void skrnn_vtanh_f(float *x, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#ifdef SKRNN_HAVE_LIBMVEC
    for (; i + 4 <= n; i += 4) {
        _mm_storeu_ps(x + i, _ZGVbN4v_tanhf(_mm_loadu_ps(x + i)));
    }
#endif
    for (; i < n; i++) {
        x[i] = tanhf(x[i]);
    }
}

#endif
