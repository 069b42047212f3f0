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


#: weight initialisations of the gradient-trained networks
WEIGHT_INITS = ("orthogonal", "glorot", "uniform")


def recurrent_matrix(rng, scheme, n, activation, dtype):
    """The (n, n) recurrent weights at initialisation under ``scheme``."""
    if scheme == "orthogonal":
        return orthogonal(rng, n, dtype)
    if scheme == "glorot":
        return glorot_uniform(rng, n, n, activation, dtype)
    return torch_uniform(rng, n, (n, n), dtype)


def input_matrix(rng, scheme, n_in, n, activation, dtype):
    """The (n_in, n) weights into a recurrent layer at initialisation under ``scheme``."""
    if scheme == "uniform":
        return torch_uniform(rng, n, (n_in, n), dtype)
    return glorot_uniform(rng, n_in, n, activation, dtype)


def torch_uniform(rng, n, shape, dtype):
    """Uniform on +-1/sqrt(n), PyTorch's initialisation of recurrent layers (n: their
    units) and of dense layers (n: their inputs)."""
    bound = 1.0 / np.sqrt(n)
    return rng.uniform(-bound, bound, shape).astype(dtype)


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


def previous_rows_product(V, D, offsets, start):
    """Sum over every step of v_{t-1}^T d_t, v_{t-1} being the row above or, at a
    sequence's first step, ``start``: the gradient of a weight applied to
    the previous step's state.

    Computed as ``V[:-1].T @ D[1:]`` (two views, no shifted copy of V: for a
    batch of thousands of steps the copy cost as much memory traffic as the
    product) with one correction per sequence: its first row is paired with
    ``start``, not with the previous sequence's last row.

    Parameters
    ----------
    V, D : ndarray of shape (n_steps, n_units) and (n_steps, n_out)
    offsets : ndarray of shape (n_sequences + 1,)
    start : ndarray of shape (n_sequences, n_units)
    """
    product = V[:-1].T @ D[1:]
    first = offsets[:-1]
    product += start.T @ D[first]
    if first.shape[0] > 1:  # undo the pairs across sequence boundaries
        product -= V[first[1:] - 1].T @ D[first[1:]]
    return product
