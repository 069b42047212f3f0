"""Pieces every network shares: initialisers, output activations, shifted rows."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


def glorot_uniform(rng, n_in, n_out, activation, dtype):
    """Glorot & Bengio (2010) uniform initialisation, as MLP uses."""
    factor = 2.0 if activation == "logistic" else 6.0
    bound = np.sqrt(factor / (n_in + n_out))
    return rng.uniform(-bound, bound, (n_in, n_out)).astype(dtype)


def orthogonal(rng, n, dtype):
    """A random orthogonal matrix (Saxe et al., 2014): keeps the recurrence's
    gain near one at initialisation, so early gradients neither vanish nor explode."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return (q * np.sign(np.diag(r))).astype(dtype)


def apply_output(name, Y):
    """Output activation in place."""
    if name == "logistic":
        # (1 + tanh(z/2)) / 2: the same formula as the kernels, no overflow
        np.multiply(Y, 0.5, out=Y)
        np.tanh(Y, out=Y)
        Y += 1
        Y *= 0.5
    elif name == "softmax":
        Y -= Y.max(axis=1, keepdims=True)
        np.exp(Y, out=Y)
        Y /= Y.sum(axis=1, keepdims=True)


def previous_rows(V, offsets, start):
    """v_{t-1} for every row of ``V``: the row above, or ``start`` at a sequence's first step.

    Parameters
    ----------
    V : ndarray of shape (n_steps, n_units)
        A per-step quantity, sequences stacked.
    offsets : ndarray of shape (n_sequences + 1,)
    start : ndarray of shape (n_sequences, n_units)
        The value before each sequence's first step.
    """
    V_prev = np.empty_like(V)
    V_prev[1:] = V[:-1]
    V_prev[offsets[:-1]] = start
    return V_prev
