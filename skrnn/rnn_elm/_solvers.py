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
    are formed and kept in float64 whatever the data's dtype: zeta's features
    are nearly collinear (all near zeta(0) for small inputs), and float32
    rounding of H^T H over a few thousand rows already exceeds the smallest
    eigenvalues that the ridge penalty has to hold up.
    """

    def __init__(self, n_hidden, n_outputs):
        self.phi = np.zeros((n_hidden, n_hidden))     # lower triangle only
        self.psi = np.zeros((n_hidden, n_outputs))
        self.h_sum = np.zeros(n_hidden)
        self.y_sum = np.zeros(n_outputs)
        self.n_samples = 0

    def add(self, H, Y):
        """Add a chunk: H (n, n_hidden) hidden activations, Y (n, n_outputs)."""
        H = H.astype(np.float64, copy=False)
        Y = Y.astype(np.float64, copy=False)
        _dense_cluster.gram_update(H, self.phi, 1.0)
        self.psi += H.T @ Y
        self.h_sum += H.sum(axis=0)
        self.y_sum += Y.sum(axis=0)
        self.n_samples += H.shape[0]

    def merge(self, other):
        """Add the sums of ``other`` (rows seen elsewhere, e.g. on another worker)."""
        self.phi += other.phi
        self.psi += other.psi
        self.h_sum += other.h_sum
        self.y_sum += other.y_sum
        self.n_samples += other.n_samples
        return self

    def solve(self, alpha):
        """Readout (W, b) minimising ||Y - H W - b||^2 + alpha ||W||^2.

        This is W = (I / kappa + Phi)^-1 Psi of the paper with alpha = 1 / kappa,
        with an unpenalised intercept b. The intercept is eliminated by
        centring the sums (Phi - n mu mu^T, Psi - n mu ybar^T): this removes
        the large common-mode eigenvalue of Phi (every zeta is positive) and
        leaves a much better conditioned system for the Cholesky solve.
        """
        n = self.n_samples
        mu, y_mean = self.h_sum / n, self.y_sum / n
        # only the lower triangle is filled, and only it is read below
        A = self.phi - n * np.outer(mu, mu)
        diagonal = np.arange(A.shape[0])
        A[diagonal, diagonal] += alpha
        W = solve_spd(A, self.psi - n * np.outer(mu, y_mean))
        return W, y_mean - mu @ W


def solve_spd(A, B):
    """Solve A X = B for symmetric positive semi-definite A (lower triangle read).

    Cholesky when A is positive definite (any alpha > 0); otherwise the
    minimum-norm solution from an eigendecomposition, the pseudo-inverse
    readout of the authors' code.
    """
    try:
        factor = scipy.linalg.cho_factor(A, lower=True, check_finite=False)
        return scipy.linalg.cho_solve(factor, B, check_finite=False)
    except scipy.linalg.LinAlgError:
        w, V = scipy.linalg.eigh(A, lower=True, check_finite=False, driver="evd")
        keep = w > w[-1] * A.shape[0] * np.finfo(A.dtype).eps
        return V[:, keep] @ ((V[:, keep].T @ B) / w[keep, None])


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
