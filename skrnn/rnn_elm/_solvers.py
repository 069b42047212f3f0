"""Linear solves of the RNN-ELM: ridge readout from Gram sums, FISTA, encoders."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.linalg

from .._kernels import _dense_cluster


class GramSums:
    """Running sums Phi = H^T H, Psi = H^T Y (plus column sums for an intercept).

    Gelenbe and Yin's incremental rule: the readout only needs these sums, so
    the rows can stream by in chunks and memory stays O(n_hidden^2). The sums
    are kept in float64 whatever the data's dtype: for float32 data each
    chunk's H^T H is formed in float32 (the fast BLAS) and added to the
    float64 total, so that hundreds of thousands of rows lose no digits in the
    running sum.
    """

    def __init__(self, n_hidden, n_outputs):
        self.phi = np.zeros((n_hidden, n_hidden))     # lower triangle only
        self.psi = np.zeros((n_hidden, n_outputs))
        self.h_sum = np.zeros(n_hidden)
        self.y_sum = np.zeros(n_outputs)
        self.n_samples = 0

    def add(self, H, Y):
        """Add a chunk: H (n, n_hidden) hidden activations, Y (n, n_outputs)."""
        if H.dtype == np.float64:
            _dense_cluster.gram_update(H, self.phi, 1.0)
        else:
            chunk = np.zeros(self.phi.shape, dtype=H.dtype)
            _dense_cluster.gram_update(H, chunk, 0.0)
            self.phi += chunk
        self.psi += H.T @ Y
        self.h_sum += H.sum(axis=0, dtype=np.float64)
        self.y_sum += Y.sum(axis=0, dtype=np.float64)
        self.n_samples += H.shape[0]

    def solve(self, alpha):
        """Readout (W, b) minimising ||Y - H W - b||^2 + alpha ||W||^2.

        This is W = (I / kappa + Phi)^-1 Psi of the paper with alpha = 1 / kappa,
        with an unpenalised intercept row appended to the system.
        """
        n_hidden = self.phi.shape[0]
        A = np.empty((n_hidden + 1, n_hidden + 1))
        A[:n_hidden, :n_hidden] = np.tril(self.phi) + np.tril(self.phi, -1).T
        diagonal = np.arange(n_hidden)
        A[diagonal, diagonal] += alpha
        A[n_hidden, :n_hidden] = A[:n_hidden, n_hidden] = self.h_sum
        A[n_hidden, n_hidden] = self.n_samples
        B = np.vstack([self.psi, self.y_sum])
        solution = solve_spd(A, B)
        return solution[:n_hidden], solution[n_hidden]


def solve_spd(A, B):
    """Solve A X = B for symmetric positive semi-definite A.

    Cholesky when A is positive definite (any alpha > 0); otherwise the
    minimum-norm least-squares solution, the pseudo-inverse readout of the
    authors' code.
    """
    try:
        return scipy.linalg.cho_solve(scipy.linalg.cho_factor(A, lower=True), B)
    except scipy.linalg.LinAlgError:
        return scipy.linalg.lstsq(A, B, cond=None, lapack_driver="gelsd")[0]


def ridge_decoder(H, X, alpha):
    """D = (alpha I + H^T H)^-1 H^T X: the ELM autoencoder's decoder (eq. 23)."""
    G = H.T @ H
    G.flat[::G.shape[0] + 1] += alpha
    return solve_spd(G, H.T @ X)


def fista_nonnegative(H, X, l1, max_iter):
    """min_D ||X - H D||^2 + l1 sum(D) subject to D >= 0, by FISTA (eq. 21).

    Beck and Teboulle's accelerated proximal gradient; under D >= 0 the L1
    norm is linear, and its proximal step is a shift then a projection onto
    the non-negative orthant. Works on the Gram matrices only, so each
    iteration costs O(n_hidden^2 n_inputs) whatever the number of rows.
    """
    G = H.T @ H
    B = H.T @ X
    lipschitz = 2 * max(scipy.linalg.eigvalsh(G, subset_by_index=[G.shape[0] - 1,
                                                                   G.shape[0] - 1])[0],
                        np.finfo(np.float64).tiny)
    D = np.zeros_like(B)
    Z, t = D.copy(), 1.0
    for _ in range(max_iter):
        D_next = np.maximum(Z - (2 * (G @ Z - B) + l1) / lipschitz, 0)
        t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
        Z = D_next + ((t - 1) / t_next) * (D_next - D)
        D, t = D_next, t_next
    return D
