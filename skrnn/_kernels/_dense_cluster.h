/* The dense-cluster activation zeta(x) over a contiguous buffer, vectorisable.
 *
 * Authors: The skrnn developers
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * zeta = 2c / (s + sqrt(s^2 - 4ac)) with s = -b > 0 (see _dense_cluster.pyx
 * for why this form). Written in C so that the loop can be vectorised: GCC
 * keeps a scalar libm call after every sqrt to set errno unless told that
 * errno does not matter (it does not here: the argument is clamped at 0), and
 * clones the loop for AVX-512 and AVX2, chosen at load time. Values are
 * computed in double for both buffer types. For s > 1e150, s^2 would
 * overflow; there zeta equals c / s to double precision (the quadratic's
 * a q^2 term is 1e-150 relative), and that branch-free select is taken.
 */
#ifndef SKRNN_DENSE_CLUSTER_H
#define SKRNN_DENSE_CLUSTER_H

#include <math.h>
#include <stddef.h>

/* target_clones needs GNU ifunc: GCC on x86-64 with glibc (math.h above
 * defines __GLIBC__ there). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__GLIBC__)
#define SKRNN_ZETA_ATTRS __attribute__((optimize("no-math-errno"), \
                                        target_clones("avx512f", "avx2", "default")))
#elif defined(__GNUC__) && !defined(__clang__)
#define SKRNN_ZETA_ATTRS __attribute__((optimize("no-math-errno")))
#else
#define SKRNN_ZETA_ATTRS
#endif

#define SKRNN_ZETA_BODY                                                   \
    const double a1 = p * (n - 1), s0 = (n - 1) * p * (lp + r) + n * lm + r; \
    const double c = n * lp, four_c = 4 * c, two_c = 2 * c;               \
    for (ptrdiff_t i = 0; i < size; i++) {                                \
        const double xi = (double) x[i];                                  \
        const double a = a1 * (lm + xi);                                  \
        const double s = s0 + n * xi;                                     \
        double disc = s * s - four_c * a;                                 \
        disc = disc > 0 ? disc : 0;                                       \
        const double main_branch = two_c / (s + sqrt(disc));              \
        const double far_branch = c / s;                                  \
        x[i] = s > 1e150 ? far_branch : main_branch;                      \
    }

SKRNN_ZETA_ATTRS
static void skrnn_zeta_d(double *x, ptrdiff_t size, double n, double p, double r,
                         double lp, double lm)
{
    SKRNN_ZETA_BODY
}

SKRNN_ZETA_ATTRS
static void skrnn_zeta_f(float *x, ptrdiff_t size, double n, double p, double r,
                         double lp, double lm)
{
    SKRNN_ZETA_BODY
}

#undef SKRNN_ZETA_BODY
#endif
