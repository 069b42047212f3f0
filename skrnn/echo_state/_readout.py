"""Ridge readouts solved from accumulated normal equations, with GCV over a grid of alphas."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.linalg


class NormalEquations:
    """Running sums of a least-squares problem: everything ridge needs, O(p^2) memory.

    Holds ``n``, ``sum h``, ``sum y``, ``sum y*y`` (per output), ``H^T H``
    and ``H^T Y`` over every row seen, in float64 whatever the data dtype.
    Sums are associative, so any chunking of the rows gives the same sums to
    rounding: this is what makes ``partial_fit`` equal ``fit``.

    Parameters
    ----------
    n_features, n_outputs : int
    """

    def __init__(self, n_features, n_outputs):
        self.n = 0
        self.sum_h = np.zeros(n_features)
        self.sum_y = np.zeros(n_outputs)
        self.sum_yy = np.zeros(n_outputs)
        self.gram = np.zeros((n_features, n_features))
        self.cross = np.zeros((n_features, n_outputs))

    def copy(self):
        new = NormalEquations.__new__(NormalEquations)
        new.__dict__.update({k: (v.copy() if isinstance(v, np.ndarray) else v)
                             for k, v in self.__dict__.items()})
        return new

    def merge(self, other):
        """Add the sums of ``other`` (rows seen elsewhere, e.g. on another worker)."""
        self.n += other.n
        self.sum_h += other.sum_h
        self.sum_y += other.sum_y
        self.sum_yy += other.sum_yy
        self.gram += other.gram
        self.cross += other.cross
        return self

    def update(self, blocks, Y):
        """Add rows ``H = [B_1, B_2, ...]`` (given as column blocks) with targets ``Y``.

        The blocks (for instance the inputs and the reservoir states) are
        never concatenated: the Gram matrix is assembled block by block.
        """
        if Y.shape[0] == 0:
            return
        # float64 sums: a long series adds up millions of rows
        blocks = [np.asarray(B, dtype=np.float64) for B in blocks]
        Y = np.asarray(Y, dtype=np.float64)
        edges = np.cumsum([0] + [B.shape[1] for B in blocks])
        self.n += Y.shape[0]
        self.sum_y += Y.sum(axis=0)
        self.sum_yy += np.einsum("ij,ij->j", Y, Y)
        for i, Bi in enumerate(blocks):
            rows = slice(edges[i], edges[i + 1])
            self.sum_h[rows] += Bi.sum(axis=0)
            self.cross[rows] += Bi.T @ Y
            self.gram[rows, rows] += Bi.T @ Bi  # a symmetric rank-k update in BLAS
            for j in range(i + 1, len(blocks)):
                cols = slice(edges[j], edges[j + 1])
                off = Bi.T @ blocks[j]
                self.gram[rows, cols] += off
                self.gram[cols, rows] += off.T

    def centered(self, fit_intercept):
        """(gram, cross, yy, means of h, means of y), centered if ``fit_intercept``."""
        if not fit_intercept or self.n == 0:
            return (self.gram, self.cross, self.sum_yy, np.zeros_like(self.sum_h),
                    np.zeros_like(self.sum_y))
        mu_h, mu_y = self.sum_h / self.n, self.sum_y / self.n
        gram = self.gram - self.n * np.outer(mu_h, mu_h)
        cross = self.cross - self.n * np.outer(mu_h, mu_y)
        yy = self.sum_yy - self.n * mu_y * mu_y
        return gram, cross, yy, mu_h, mu_y


def solve_ridge(eqs, alpha, fit_intercept):
    """Ridge weights and intercept from the sums: (G + alpha I) W = C.

    The intercept, if fitted, is not penalised (the sums are centered, as
    scikit-learn's Ridge centers the data).

    Returns
    -------
    coef : ndarray of shape (p, n_outputs)
    intercept : ndarray of shape (n_outputs,)
    """
    gram, cross, _, mu_h, mu_y = eqs.centered(fit_intercept)
    A = gram + alpha * np.eye(gram.shape[0])
    try:
        coef = scipy.linalg.solve(A, cross, assume_a="pos", check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        # singular without (enough) regularisation: minimum-norm solution
        coef = scipy.linalg.lstsq(A, cross, check_finite=False)[0]
    if not np.all(np.isfinite(coef)):
        coef = scipy.linalg.lstsq(A, cross, check_finite=False)[0]
    return coef, mu_y - mu_h @ coef


def gcv_ridge(eqs, alphas, fit_intercept):
    """Ridge with alpha chosen by generalised cross-validation, from the sums alone.

    GCV (Golub, Heath and Wahba, 1979) is the rotation-invariant form of
    leave-one-out cross-validation::

        GCV(alpha) = (RSS(alpha) / n) / (1 - df(alpha) / n)^2

    With the eigendecomposition ``G = V diag(lam) V^T`` of the (centered)
    Gram matrix and ``Q = V^T C``, both the residual sum of squares and the
    effective degrees of freedom are closed forms in alpha::

        RSS(alpha) = sum(y^2) - sum_i |Q_i|^2 (lam_i + 2 alpha) / (lam_i + alpha)^2
        df(alpha)  = sum_i lam_i / (lam_i + alpha)  (+ 1 for the intercept)

    so one eigendecomposition serves the whole grid, and no row of data is
    needed (unlike exact leave-one-out, which needs every row's leverage).

    Returns
    -------
    coef, intercept, alpha, scores : the solution at the best alpha, that
        alpha, and the GCV score of every alpha of the grid.
    """
    gram, cross, yy, mu_h, mu_y = eqs.centered(fit_intercept)
    lam, V = scipy.linalg.eigh(gram, check_finite=False)
    lam = np.clip(lam, 0.0, None)
    Q = V.T @ cross
    q2 = np.einsum("ij,ij->i", Q, Q)
    n = eqs.n
    alphas = np.asarray(alphas, dtype=np.float64)
    scores = np.empty(alphas.shape[0])
    for i, alpha in enumerate(alphas):
        with np.errstate(divide="ignore", invalid="ignore"):
            shrink = np.where(lam + alpha > 0, 1.0 / (lam + alpha), 0.0)
            rss = yy.sum() - np.sum(q2 * (lam + 2 * alpha) * shrink * shrink)
            df = np.sum(lam * shrink) + fit_intercept
        rss = max(rss, 0.0)
        scores[i] = rss / n / (1.0 - df / n) ** 2 if df < n else np.inf
    best = int(np.argmin(scores)) if np.any(np.isfinite(scores)) else int(np.argmax(alphas))
    alpha = float(alphas[best])
    with np.errstate(divide="ignore"):
        shrink = np.where(lam + alpha > 0, 1.0 / (lam + alpha), 0.0)
    coef = V @ (shrink[:, None] * Q)
    return coef, mu_y - mu_h @ coef, alpha, scores
