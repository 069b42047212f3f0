"""Activation functions applied in place to contiguous buffers (nogil)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.math cimport exp

cdef extern from "_vmath.h" nogil:
    void skrnn_vtanh_d(double* x, Py_ssize_t n)
    void skrnn_vtanh_f(float* x, Py_ssize_t n)

# Keep in sync with skrnn._activations.ACTIVATION_CODES
cdef enum:
    IDENTITY = 0
    TANH = 1
    LOGISTIC = 2
    RELU = 3
    SOFTMAX = 4


cdef inline void vtanh(floating* x, Py_ssize_t n) noexcept nogil:
    if floating is double:
        skrnn_vtanh_d(x, n)
    else:
        skrnn_vtanh_f(x, n)


cdef inline void activate(int code, floating* x, Py_ssize_t n_rows,
                          Py_ssize_t n_cols) noexcept nogil:
    """Apply the activation ``code`` in place to a (n_rows, n_cols) block.

    The logistic function is computed as (1 + tanh(z / 2)) / 2, which is
    exact, never overflows and shares the vectorised tanh. Softmax works
    row by row.
    """
    cdef Py_ssize_t i, j, n = n_rows * n_cols
    cdef floating m, s
    if code == TANH:
        vtanh(x, n)
    elif code == LOGISTIC:
        for i in range(n):
            x[i] = 0.5 * x[i]
        vtanh(x, n)
        for i in range(n):
            x[i] = 0.5 + 0.5 * x[i]
    elif code == RELU:
        for i in range(n):
            if x[i] < 0:
                x[i] = 0
    elif code == SOFTMAX:
        for i in range(n_rows):
            m = x[i * n_cols]
            for j in range(1, n_cols):
                if x[i * n_cols + j] > m:
                    m = x[i * n_cols + j]
            s = 0
            for j in range(n_cols):
                x[i * n_cols + j] = exp(x[i * n_cols + j] - m)
                s = s + x[i * n_cols + j]
            for j in range(n_cols):
                x[i * n_cols + j] = x[i * n_cols + j] / s


cdef inline void scale_by_derivative(int code, floating* d, const floating* a,
                                     Py_ssize_t n) noexcept nogil:
    """d *= f'(z), with the derivative written in the activation's output a = f(z).

    One loop per activation, so that each one vectorises.
    """
    cdef Py_ssize_t i
    if code == TANH:
        for i in range(n):
            d[i] = d[i] * (1 - a[i] * a[i])
    elif code == LOGISTIC:
        for i in range(n):
            d[i] = d[i] * a[i] * (1 - a[i])
    elif code == RELU:
        for i in range(n):
            if a[i] <= 0:
                d[i] = 0
