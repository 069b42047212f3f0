"""The lane product of _lanes.h (see there), fused over dtypes, and the losses of
a block of lanes."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.float cimport DBL_EPSILON, FLT_EPSILON
from libc.math cimport exp, log, log1p

from ._activations cimport IDENTITY, LOGISTIC, SOFTMAX, activate
from ._fitness cimport SQUARED_ERROR

cdef extern from "_lanes.h" nogil:
    enum: SKRNN_LANES
    void skrnn_lane_gemm_d(Py_ssize_t n, Py_ssize_t k, const double* W, const double* b,
                           const double* A, double* Z)
    void skrnn_lane_gemm_f(Py_ssize_t n, Py_ssize_t k, const float* W, const float* b,
                           const float* A, float* Z)


cdef inline void lane_gemm(Py_ssize_t n, Py_ssize_t k, const floating* W, const floating* b,
                           const floating* A, floating* Z) noexcept nogil:
    """Z (n, L) = b + W (n, k) @ A (k, L): L = SKRNN_LANES sequences side by side."""
    if floating is double:
        skrnn_lane_gemm_d(n, k, W, b, A, Z)
    else:
        skrnn_lane_gemm_f(n, k, W, b, A, Z)


cdef inline void lane_outputs(int code, floating* Y, Py_ssize_t n_out) noexcept nogil:
    """The output activation of a (n_out, L) block: softmax runs down each lane."""
    cdef Py_ssize_t o, l
    cdef floating m, s
    if code != SOFTMAX:
        activate(code, Y, 1, n_out * SKRNN_LANES)
        return
    for l in range(SKRNN_LANES):
        m = Y[l]
        for o in range(1, n_out):
            if Y[o * SKRNN_LANES + l] > m:
                m = Y[o * SKRNN_LANES + l]
        s = 0
        for o in range(n_out):
            Y[o * SKRNN_LANES + l] = exp(Y[o * SKRNN_LANES + l] - m)
            s = s + Y[o * SKRNN_LANES + l]
        for o in range(n_out):
            Y[o * SKRNN_LANES + l] = Y[o * SKRNN_LANES + l] / s


cdef inline double lane_loss(int kind, const floating* Y, const floating* T,
                             const unsigned char* mask, Py_ssize_t n_out) noexcept nogil:
    """The summed loss of skrnn._losses over the lanes of ``mask`` of a (n_out, L)
    block of outputs against targets (as _fitness.data_loss, before averaging)."""
    cdef Py_ssize_t o, l
    cdef double total = 0, d, p
    cdef double eps = DBL_EPSILON if floating is double else FLT_EPSILON
    if kind == SQUARED_ERROR:
        for o in range(n_out):
            for l in range(SKRNN_LANES):
                if mask[l]:
                    d = Y[o * SKRNN_LANES + l] - T[o * SKRNN_LANES + l]
                    total += d * d
        return 0.5 * total
    for o in range(n_out):
        for l in range(SKRNN_LANES):
            if not mask[l]:
                continue
            p = Y[o * SKRNN_LANES + l]
            if p < eps:
                p = eps
            elif p > 1 - eps:
                p = 1 - eps
            d = T[o * SKRNN_LANES + l]
            if n_out == 1:
                total -= d * log(p) + (1 - d) * log1p(-p)
            else:
                total -= d * log(p)
    return total
