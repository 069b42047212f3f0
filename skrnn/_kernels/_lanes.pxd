"""The lane product of _lanes.h (see there), fused over dtypes, and the losses of
a block of lanes."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.float cimport DBL_EPSILON, FLT_EPSILON
from libc.math cimport exp, log, log1p

from ._activations cimport LOGISTIC, SOFTMAX, TANH, activate, vtanh
from ._fitness cimport SQUARED_ERROR

cdef extern from "_lanes.h" nogil:
    enum: SKRNN_LANES
    void skrnn_lane_gemm_d(Py_ssize_t n, Py_ssize_t k, const double* W, const double* b,
                           const double* A, double* Z)
    void skrnn_lane_gemm_f(Py_ssize_t n, Py_ssize_t k, const float* W, const float* b,
                           const float* A, float* Z)
    void skrnn_lane_tanh_d(double* x, Py_ssize_t n)
    void skrnn_lane_logistic_d(double* x, Py_ssize_t n)
    bint skrnn_lane_cells_d(double* z, const double* c_prev, double* c, double* tc, double* h,
                            const double* p, Py_ssize_t m)
    void skrnn_lane_each_d(Py_ssize_t n, Py_ssize_t k, const double* W, const double* b,
                           const double* A, double* Z)
    void skrnn_lane_each_f(Py_ssize_t n, Py_ssize_t k, const float* W, const float* b,
                           const float* A, float* Z)


cdef inline void lane_gemm(Py_ssize_t n, Py_ssize_t k, const floating* W, const floating* b,
                           const floating* A, floating* Z) noexcept nogil:
    """Z (n, L) = b + W (n, k) @ A (k, L): L = SKRNN_LANES sequences side by side."""
    if floating is double:
        skrnn_lane_gemm_d(n, k, W, b, A, Z)
    else:
        skrnn_lane_gemm_f(n, k, W, b, A, Z)


cdef inline void lane_each(Py_ssize_t n, Py_ssize_t k, const floating* W, const floating* b,
                           const floating* A, floating* Z) noexcept nogil:
    """Z (n, L) = b (n, L) + W (n, k, L) @ A (k, L), each lane with its own weights."""
    if floating is double:
        skrnn_lane_each_d(n, k, W, b, A, Z)
    else:
        skrnn_lane_each_f(n, k, W, b, A, Z)


cdef inline void lane_tanh(floating* x, Py_ssize_t n) noexcept nogil:
    """tanh in place; in float64 the lanes' own (_lanes.h), to 3.4e-16."""
    if floating is double:
        skrnn_lane_tanh_d(x, n)
    else:
        vtanh(x, n)


cdef inline void lane_logistic(floating* x, Py_ssize_t n) noexcept nogil:
    """The logistic function in place; in float64 the lanes' own (_lanes.h),
    in float32 as (1 + tanh(z / 2)) / 2, as skrnn._activations has it."""
    cdef Py_ssize_t i
    if floating is double:
        skrnn_lane_logistic_d(x, n)
    else:
        for i in range(n):
            x[i] = 0.5 * x[i]
        vtanh(x, n)
        for i in range(n):
            x[i] = 0.5 + 0.5 * x[i]


cdef inline void lane_activate(int code, floating* x, Py_ssize_t n) noexcept nogil:
    """An element-wise activation of ``n`` values in place."""
    if code == TANH:
        lane_tanh(x, n)
    elif code == LOGISTIC:
        lane_logistic(x, n)
    else:
        activate(code, x, 1, n)


cdef inline void lane_outputs(int code, floating* Y, Py_ssize_t n_out) noexcept nogil:
    """The output activation of a (n_out, L) block: softmax runs down each lane."""
    cdef Py_ssize_t o, l
    cdef floating m, s
    if code != SOFTMAX:
        lane_activate(code, Y, n_out * SKRNN_LANES)
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


cdef inline void lane_losses(int kind, const floating* Y, const floating* T,
                             Py_ssize_t n_out, double* totals) noexcept nogil:
    """Add to ``totals[l]`` the loss of lane l of a (n_out, L) block of outputs
    against targets (every lane; as :func:`lane_loss`, before averaging)."""
    cdef Py_ssize_t o, l
    cdef double d, p
    cdef double eps = DBL_EPSILON if floating is double else FLT_EPSILON
    if kind == SQUARED_ERROR:
        for o in range(n_out):
            for l in range(SKRNN_LANES):
                d = Y[o * SKRNN_LANES + l] - T[o * SKRNN_LANES + l]
                totals[l] += 0.5 * d * d
        return
    for o in range(n_out):
        for l in range(SKRNN_LANES):
            p = Y[o * SKRNN_LANES + l]
            if p < eps:
                p = eps
            elif p > 1 - eps:
                p = 1 - eps
            d = T[o * SKRNN_LANES + l]
            if n_out == 1:
                totals[l] -= d * log(p) + (1 - d) * log1p(-p)
            else:
                totals[l] -= d * log(p)


cdef inline void lane_losses_weighted(int kind, const floating* Y, const floating* T,
                                      Py_ssize_t n_out, const double* w, double* scratch,
                                      double* totals) noexcept nogil:
    """Add to ``totals[l]`` the loss of lane l (as :func:`lane_losses`) times ``w[l]``.

    A lane of weight 0 adds nothing, even where its outputs overflowed (the
    padding lanes and the targets of weight 0). ``scratch`` holds L doubles.
    """
    cdef Py_ssize_t l
    for l in range(SKRNN_LANES):
        scratch[l] = 0
    lane_losses(kind, Y, T, n_out, scratch)
    for l in range(SKRNN_LANES):
        if w[l] != 0:
            totals[l] += w[l] * scratch[l]
