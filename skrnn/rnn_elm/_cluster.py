"""The dense-cluster activation zeta(x), its derivative, and layers of clusters."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np

from .._kernels import _dense_cluster
from ..utils._compat import Interval

# The validity conditions of Gelenbe and Yin (section II-B and appendix):
# n >= 2, p <= 1, lambda_plus > 0, lambda_minus > 0, r > 0; the cross
# condition lambda_minus >= lambda_plus is checked by check_cluster_params.
CLUSTER_CONSTRAINTS = {
    "n_cells": [Interval(Integral, 2, None, closed="left")],
    "trigger_probability": [Interval(Real, 0, 1, closed="both")],
    "firing_rate": [Interval(Real, 0, None, closed="neither")],
    "lambda_plus": [Interval(Real, 0, None, closed="neither")],
    "lambda_minus": [Interval(Real, 0, None, closed="neither")],
}

CLUSTER_PARAMETERS_DOC = """\
    n_cells : int, default=20
        Number n of identical cells in each cluster (n >= 2).

    trigger_probability : float, default=0.05
        Probability p that a firing cell triggers another cell of its
        cluster (0 <= p <= 1; p = 0 gives the single-cell limit of the
        activation).

    firing_rate : float, default=0.001
        Firing rate r of every cell (r > 0).

    lambda_plus : float, default=0.005
        Rate of the external excitatory spikes arriving at every cell (> 0).

    lambda_minus : float, default=0.005
        Rate of the external inhibitory spikes arriving at every cell; must be
        at least ``lambda_plus``, the condition under which the cluster's
        quadratic has its root in (0, 1).
"""


def check_cluster_params(n_cells, trigger_probability, firing_rate, lambda_plus,
                         lambda_minus):
    """Check the paper's validity conditions; return the kernel's arguments.

    Raises
    ------
    ValueError
        If a condition fails, saying which one.
    """
    checks = [
        (n_cells >= 2, f"n_cells must be >= 2; got {n_cells}."),
        (0 <= trigger_probability <= 1,
         f"trigger_probability must be in [0, 1]; got {trigger_probability}."),
        (firing_rate > 0, f"firing_rate must be > 0; got {firing_rate}."),
        (lambda_plus > 0, f"lambda_plus must be > 0; got {lambda_plus}."),
        (lambda_minus > 0, f"lambda_minus must be > 0; got {lambda_minus}."),
        (lambda_minus >= lambda_plus,
         ("lambda_minus must be >= lambda_plus (the cluster's steady state is a "
          f"probability only then); got lambda_minus={lambda_minus}, "
          f"lambda_plus={lambda_plus}.")),
    ]
    for ok, message in checks:
        if not ok:  # NaN fails every comparison, so it lands here too
            raise ValueError(message)
    values = (n_cells, trigger_probability, firing_rate, lambda_plus, lambda_minus)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"the cluster parameters must be finite; got {values}.")
    return (float(n_cells), float(trigger_probability), float(firing_rate),
            float(lambda_plus), float(lambda_minus))


def _as_inputs(x):
    x = np.asarray(x)
    dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    x = np.array(x, dtype=dtype, order="C", copy=True)
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite (no NaN or infinity).")
    if np.any(x < 0):
        raise ValueError(
            "x must be >= 0: it is the total inhibitory input of a cluster, a sum "
            "of non-negative rates times non-negative weights.")
    return x


def cluster_activation(x, *, n_cells=20, trigger_probability=0.05, firing_rate=0.001,
                       lambda_plus=0.005, lambda_minus=0.005):
    """Steady-state excitation probability zeta(x) of a dense cluster.

    zeta(x) is the root in (0, 1) of ``a q^2 + b q + c = 0`` with::

        a = p (n - 1) (lambda_minus + x)
        b = -(n - 1) p (lambda_plus + r) - n (lambda_minus + x) - r
        c = n lambda_plus

    (Gelenbe and Yin, eq. 7-8), computed in the cancellation-free form
    ``2 c / (-b + sqrt(b^2 - 4 a c))``, which also covers a = 0.

    Parameters
    ----------
    x : array-like
        Total inhibitory input of the cluster, >= 0.
{params}
    Returns
    -------
    zeta : ndarray of the shape of x
        float32 for float32 input, float64 otherwise; decreasing in x,
        from 0.98 at x = 0 (default parameters) towards 0.

    See Also
    --------
    cluster_activation_derivative : its derivative eta(x).

    Examples
    --------
    >>> from skrnn.rnn_elm import cluster_activation
    >>> print(cluster_activation([0.0, 0.1, 1.0]).round(3))
    [0.98  0.048 0.005]
    """
    args = check_cluster_params(n_cells, trigger_probability, firing_rate,
                                lambda_plus, lambda_minus)
    x = _as_inputs(x)
    _dense_cluster.cluster_activation(x.reshape(-1), *args)
    return x


def cluster_activation_derivative(x, *, n_cells=20, trigger_probability=0.05,
                                  firing_rate=0.001, lambda_plus=0.005,
                                  lambda_minus=0.005):
    """Derivative eta(x) = d zeta / dx of the dense-cluster activation.

    From the quadratic, ``eta = -zeta (n - p (n - 1) zeta) / sqrt(b^2 - 4 a c)``;
    it is negative: more inhibition, less excitation.

    Parameters
    ----------
    x : array-like
        Total inhibitory input of the cluster, >= 0.
{params}
    Returns
    -------
    eta : ndarray of the shape of x

    Examples
    --------
    >>> from skrnn.rnn_elm import cluster_activation_derivative
    >>> print(cluster_activation_derivative([1.0]).round(5))
    [-0.00495]
    """
    args = check_cluster_params(n_cells, trigger_probability, firing_rate,
                                lambda_plus, lambda_minus)
    x = _as_inputs(x)
    z, d = np.empty_like(x), np.empty_like(x)
    _dense_cluster.cluster_activation_derivative(x.reshape(-1), z.reshape(-1),
                                                 d.reshape(-1), *args)
    return d


cluster_activation.__doc__ = cluster_activation.__doc__.format(params=CLUSTER_PARAMETERS_DOC)
cluster_activation_derivative.__doc__ = cluster_activation_derivative.__doc__.format(
    params=CLUSTER_PARAMETERS_DOC)


class ClusterParamsMixin:
    """Reads the five cluster parameters of an estimator, checked."""

    def _cluster_args(self):
        return check_cluster_params(self.n_cells, self.trigger_probability,
                                    self.firing_rate, self.lambda_plus, self.lambda_minus)


def cluster_layer(X, W, args):
    """zeta(X @ W) for non-negative X and W (C-contiguous, same dtype)."""
    if X.shape[1] != W.shape[0] or X.dtype != W.dtype:   # the kernel trusts its inputs
        raise ValueError(f"cannot multiply {X.dtype} {X.shape} by {W.dtype} {W.shape}.")
    H = np.empty((X.shape[0], W.shape[1]), dtype=X.dtype)
    _dense_cluster.cluster_layer(np.ascontiguousarray(X), np.ascontiguousarray(W), H, *args)
    return H


def cluster_layer_derivative(X, W, args):
    """(zeta(X @ W), eta(X @ W))."""
    U = np.ascontiguousarray(X @ W)
    Z, D = np.empty_like(U), np.empty_like(U)
    _dense_cluster.cluster_activation_derivative(U.reshape(-1), Z.reshape(-1),
                                                 D.reshape(-1), *args)
    return Z, D


def split_signs(X):
    """The paper's handling of negative inputs: [max(X, 0), -min(X, 0)]."""
    return np.ascontiguousarray(np.hstack([np.maximum(X, 0), np.maximum(-X, 0)]))


def random_input_weights(rng, n_inputs, n_clusters, input_scaling, dtype):
    """Uniform [0, 1) weights, each column scaled to sum to ``input_scaling``.

    A cluster then receives at most ``input_scaling`` from inputs in [0, 1]:
    the data-independent counterpart of the authors' rescaling of the
    weights to a maximum pre-activation of 0.1, so that ``fit`` and any
    chunking through ``partial_fit`` draw the same layer.
    """
    W = rng.uniform(0, 1, (n_inputs, n_clusters))
    W *= input_scaling / np.maximum(W.sum(axis=0), np.finfo(np.float64).tiny)
    return np.ascontiguousarray(W, dtype=dtype)
