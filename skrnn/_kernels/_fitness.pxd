"""Training losses of network outputs, for the population kernels (nogil)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.float cimport DBL_EPSILON, FLT_EPSILON
from libc.math cimport log, log1p

# Keep in sync with skrnn._base.POPULATION_LOSS_CODES
cdef enum:
    SQUARED_ERROR = 0
    LOG_LOSS = 1


cdef inline double data_loss(int kind, const floating* P, const floating* T,
                             Py_ssize_t n_rows, Py_ssize_t n_out) noexcept nogil:
    """The loss of skrnn._losses on outputs ``P`` against targets ``T``
    (both (n_rows, n_out), C order), averaged over rows, accumulated in double.

    Log loss clips the probabilities to [eps, 1 - eps] of the dtype, as the
    NumPy version does; one column is a logistic output, several a softmax.
    """
    cdef Py_ssize_t i, n = n_rows * n_out
    cdef double total = 0, d, p
    cdef double eps = DBL_EPSILON if floating is double else FLT_EPSILON
    if kind == SQUARED_ERROR:
        for i in range(n):
            d = P[i] - T[i]
            total += d * d
        total *= 0.5
    else:
        for i in range(n):
            p = P[i]
            if p < eps:
                p = eps
            elif p > 1 - eps:
                p = 1 - eps
            if n_out == 1:
                total -= T[i] * log(p) + (1 - T[i]) * log1p(-p)
            else:
                total -= T[i] * log(p)
    return total / (n_rows if n_rows > 0 else 1)
