"""Storage rules of classical Hopfield networks, each an in-place update.

Every rule takes the current weights (and its own running state) and a
block of new patterns in {-1, +1}, one per row, and updates the weights as
if the block had been stored after everything before it: storing in one
block or in many gives the same weights (to rounding). Weights stay
symmetric with a zero diagonal, which is what makes asynchronous recall
descend the energy E(s) = -s W s / 2.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


def hebbian_update(W, patterns):
    """Hebb's outer-product rule: W += (1/n) sum_mu xi^mu xi^mu^T, w_ii = 0.

    Parameters
    ----------
    W : ndarray of shape (n, n)
        Updated in place.
    patterns : ndarray of shape (n_patterns, n)
    """
    n = W.shape[0]
    W += (patterns.T @ patterns) / n
    np.fill_diagonal(W, 0)


def storkey_update(W, patterns):
    """Storkey's (1997) local, incremental rule, one pattern at a time.

    For each new pattern xi, with h_ij = sum_{k != i, j} w_ik xi_k::

        w_ij += (xi_i xi_j - xi_i h_ji - h_ij xi_j) / n

    With a zero diagonal, h_ij = h_i - w_ij xi_j where h = W xi, so for
    +-1 patterns the update is the rank-two step
    ``W += (xi xi^T - xi h^T - h xi^T + 2 W) / n`` (then w_ii = 0 again).

    Parameters
    ----------
    W : ndarray of shape (n, n)
        Updated in place.
    patterns : ndarray of shape (n_patterns, n)
        Stored in row order (the rule is order-dependent).
    """
    n = W.shape[0]
    scale = W.dtype.type(1.0 + 2.0 / n)
    inv_n = W.dtype.type(1.0 / n)
    for xi in patterns:
        h = W @ xi
        W *= scale
        # xi xi^T - xi h^T - h xi^T = xi (xi - h)^T - h xi^T
        W += np.multiply.outer(xi * inv_n, xi - h)
        W -= np.multiply.outer(h * inv_n, xi)
        np.fill_diagonal(W, 0)


def projection_update(W, diagonal, patterns):
    """Personnaz et al.'s (1985) projection rule, grown a block at a time.

    The full rule is W = P, the orthogonal projection onto the span of the
    patterns, P = Xi^T (Xi Xi^T)^+ Xi. A new block is added without
    recomputing P: its components outside the current span,
    R = Xi_new - Xi_new P (projected twice, Gram-Schmidt style, so that
    rounding does not let the basis drift), get an orthonormal basis Q
    from an SVD, and P += Q^T Q. Patterns already in the span change
    nothing. Cost O(n^2 k) for k new patterns, whatever was stored before.

    The weights keep a zero diagonal for recall; the diagonal of P is held
    in ``diagonal`` so that P = W + diag(diagonal) stays exact.

    Parameters
    ----------
    W : ndarray of shape (n, n)
        Off-diagonal part of P, updated in place.
    diagonal : ndarray of shape (n,)
        Diagonal of P, updated in place.
    patterns : ndarray of shape (n_patterns, n)

    Returns
    -------
    n_added : int
        How many directions the block added to the span (its new rank).
    """
    n = W.shape[0]
    residual = patterns.copy()
    for _ in range(2):  # "twice is enough" (Kahan, Parlett)
        residual -= residual @ W + residual * diagonal
    _, sv, Vt = np.linalg.svd(residual, full_matrices=False)
    # a direction counts when it is well above the rounding left in R;
    # patterns have norm sqrt(n), so scale the threshold by it
    keep = sv > np.sqrt(n) * np.finfo(W.dtype).eps * max(n, len(patterns)) * 10
    Q = Vt[keep]
    update = Q.T @ Q
    diagonal += np.diag(update)
    np.fill_diagonal(update, 0)
    W += update
    return int(keep.sum())


RULES = {
    "hebbian": hebbian_update,
    "storkey": storkey_update,
}
