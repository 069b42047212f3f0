"""Linear solves of the RNN-ELM autoencoders: ridge and FISTA decoders, from Gram matrices."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.linalg


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


def ridge_decoder_gram(G, B, alpha):
    """D = (alpha I + G)^-1 B with G = H^T H, B = H^T X: the decoder of eq. 23."""
    G = np.array(G, dtype=np.float64)
    G.flat[::G.shape[0] + 1] += alpha
    return solve_spd(G, B)


def ridge_decoder(H, X, alpha):
    """D = (alpha I + H^T H)^-1 H^T X: the ELM autoencoder's decoder (eq. 23)."""
    return ridge_decoder_gram(H.T @ H, H.T @ X, alpha)


def _fista(G, B, max_iter, prox):
    """Beck and Teboulle's accelerated proximal gradient on ||X - H D||^2 + penalty(D),
    from the Gram matrices G = H^T H and B = H^T X only: each iteration costs
    O(n_hidden^2 n_inputs) whatever the number of rows."""
    lipschitz = 2 * max(scipy.linalg.eigvalsh(G, subset_by_index=[G.shape[0] - 1,
                                                                   G.shape[0] - 1])[0],
                        np.finfo(np.float64).tiny)
    D = np.zeros_like(B, dtype=np.float64)
    Z, t = D.copy(), 1.0
    for _ in range(max_iter):
        D_next = prox(Z - 2 * (G @ Z - B) / lipschitz, 1 / lipschitz)
        t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
        Z = D_next + ((t - 1) / t_next) * (D_next - D)
        D, t = D_next, t_next
    return D


def fista_nonnegative_gram(G, B, l1, max_iter):
    """min_D ||X - H D||^2 + l1 sum(D) subject to D >= 0, by FISTA (eq. 21).

    Under D >= 0 the L1 norm is linear, and its proximal step is a shift then
    a projection onto the non-negative orthant.
    """
    return _fista(G, B, max_iter, lambda V, step: np.maximum(V - l1 * step, 0))


def fista_signed_gram(G, B, l1, max_iter):
    """min_D ||X - H D||^2 + l1 ||D||_1, by FISTA (eq. 22): soft thresholding."""
    return _fista(G, B, max_iter,
                  lambda V, step: np.sign(V) * np.maximum(np.abs(V) - l1 * step, 0))


def fista_nonnegative(H, X, l1, max_iter):
    """:func:`fista_nonnegative_gram` from the rows H and X."""
    return fista_nonnegative_gram(H.T @ H, H.T @ X, l1, max_iter)


def fista_signed(H, X, l1, max_iter):
    """:func:`fista_signed_gram` from the rows H and X."""
    return fista_signed_gram(H.T @ H, H.T @ X, l1, max_iter)
