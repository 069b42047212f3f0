"""Activation of Gelenbe's dense clusters of spiking cells.

A cluster of n identical, densely connected cells of the random neural
network, each with firing rate r, external excitatory and inhibitory arrival
rates lambda_plus and lambda_minus, soma-to-soma trigger probability p and a
total inhibitory input x from the cells before it, is excited with the
steady-state probability zeta(x): the root in (0, 1) of

    a q^2 + b q + c = 0,
    a = p (n - 1) (lambda_minus + x)
    b = -(n - 1) p (lambda_plus + r) - n (lambda_minus + x) - r
    c = n lambda_plus

(Gelenbe and Yin, eq. 7-8). The textbook root (-b - sqrt(b^2 - 4ac)) / (2a)
subtracts two nearly equal numbers once 4ac << b^2 (large x, or small p) and
divides 0 by 0 as a -> 0. Since b < 0, the conjugate form

    zeta = 2c / (s (1 + sqrt(1 - t))),   s = -b > 0,   t = 4ac / s^2

has no subtraction at all, tends to c / s as a -> 0, and never squares s, so
it cannot overflow for huge x either. Its derivative follows from
differentiating the quadratic (da/dx = p (n - 1), db/dx = -n, dc/dx = 0):

    eta = -zeta (n - p (n - 1) zeta) / (s sqrt(1 - t)),

where s sqrt(1 - t) = sqrt(b^2 - 4ac) = -(2 a zeta + b). Both are computed in
double precision whatever the buffer type. The loop that applies zeta to a
whole buffer is in _dense_cluster.h (the same formula in the unscaled form
2c / (s + sqrt(s^2 - 4ac)), which vectorises; see there).
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.math cimport sqrt

from ._blas cimport gemm_rm

cdef extern from "_dense_cluster.h" nogil:
    void skrnn_zeta_d(double* x, Py_ssize_t size, double n, double p, double r,
                      double lp, double lm)
    void skrnn_zeta_f(float* x, Py_ssize_t size, double n, double p, double r,
                      double lp, double lm)


cdef inline void _zeta_inplace(floating* x, Py_ssize_t size, double n, double p, double r,
                               double lp, double lm) noexcept nogil:
    """zeta over a buffer: the vectorised loop of _dense_cluster.h."""
    if floating is double:
        skrnn_zeta_d(x, size, n, p, r, lp, lm)
    else:
        skrnn_zeta_f(x, size, n, p, r, lp, lm)


cdef inline double _zeta(double x, double n, double p, double r,
                         double lp, double lm) noexcept nogil:
    cdef double a = p * (n - 1) * (lm + x)
    cdef double s = (n - 1) * p * (lp + r) + n * (lm + x) + r
    cdef double c = n * lp
    cdef double t = 4 * a * c / s / s     # divided twice: s * s may overflow
    if t > 1:                             # rounding only, never under the validity conditions
        t = 1
    return 2 * c / (s * (1 + sqrt(1 - t)))


cdef inline double _eta(double x, double z, double n, double p, double r,
                        double lp, double lm) noexcept nogil:
    cdef double a = p * (n - 1) * (lm + x)
    cdef double s = (n - 1) * p * (lp + r) + n * (lm + x) + r
    cdef double c = n * lp
    cdef double t = 4 * a * c / s / s
    if t > 1:
        t = 1
    return -z * (n - p * (n - 1) * z) / (s * sqrt(1 - t))


def cluster_activation(floating[::1] X, double n, double p, double r,
                       double lambda_plus, double lambda_minus):
    """Replace every x of ``X`` by zeta(x), in place.

    Parameters
    ----------
    X : ndarray of shape (n,), float32 or float64, C-contiguous
        Total inhibitory inputs, all >= 0 (not checked: the caller does).
    n, p, r, lambda_plus, lambda_minus : float
        Cells per cluster, trigger probability, firing rate, external
        excitatory and inhibitory rates; valid as the caller has checked.
    """
    if X.shape[0] > 0:
        with nogil:
            _zeta_inplace(&X[0], X.shape[0], n, p, r, lambda_plus, lambda_minus)


def cluster_activation_derivative(const floating[::1] X, floating[::1] Z,
                                  floating[::1] D, double n, double p, double r,
                                  double lambda_plus, double lambda_minus):
    """Write zeta(x) into ``Z`` and its derivative eta(x) into ``D``.

    Parameters
    ----------
    X : ndarray of shape (n,), float32 or float64
        Total inhibitory inputs, all >= 0.
    Z, D : ndarray of shape (n,), same dtype as X
        Outputs. ``Z`` may not alias ``X``.
    """
    cdef Py_ssize_t i, size = X.shape[0]
    cdef double z
    with nogil:
        for i in range(size):
            z = _zeta(X[i], n, p, r, lambda_plus, lambda_minus)
            Z[i] = <floating> z
            D[i] = <floating> _eta(X[i], z, n, p, r, lambda_plus, lambda_minus)


def cluster_layer(const floating[:, ::1] X, const floating[:, ::1] W,
                  floating[:, ::1] H, double n, double p, double r,
                  double lambda_plus, double lambda_minus):
    """One layer of clusters: H = zeta(X @ W), a BLAS product then zeta in place.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_inputs), non-negative
    W : ndarray of shape (n_inputs, n_clusters), non-negative
    H : ndarray of shape (n_samples, n_clusters), same dtype; output
    """
    cdef Py_ssize_t size = H.shape[0] * H.shape[1]
    if size == 0:
        return
    if X.shape[1] == 0:             # no inputs: x = 0 for every cluster
        H[:, :] = 0
    with nogil:
        if X.shape[1] > 0:
            gemm_rm(False, <int> X.shape[0], <int> W.shape[1], <int> X.shape[1], 1,
                    &X[0, 0], <int> X.shape[1], &W[0, 0], <int> W.shape[1],
                    0, &H[0, 0], <int> H.shape[1])
        _zeta_inplace(&H[0, 0], size, n, p, r, lambda_plus, lambda_minus)


def _py_zeta(double x, double n, double p, double r, double lambda_plus,
             double lambda_minus):
    """zeta(x) for one x (for tests)."""
    return _zeta(x, n, p, r, lambda_plus, lambda_minus)


def _py_eta(double x, double n, double p, double r, double lambda_plus,
            double lambda_minus):
    """eta(x) for one x (for tests)."""
    return _eta(x, _zeta(x, n, p, r, lambda_plus, lambda_minus), n, p, r,
                lambda_plus, lambda_minus)
