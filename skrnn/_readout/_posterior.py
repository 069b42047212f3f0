"""The Bayesian reading of a ridge readout: predictive standard deviations from its sums.

Ridge regression on standardised features is the posterior mean of the
linear model y = z @ beta + b + noise, noise ~ N(0, sigma^2), under the prior
beta ~ N(0, sigma^2 / alpha I) and a flat prior on the intercept b. Its
posterior covariance is sigma^2 (S + alpha I)^{-1}, with S the centred Gram
matrix of the standardised features z, the one the readout already
factorised. The predictive variance at features z is then::

    sigma^2 (1 + z^T (S + alpha I)^{-1} z + 1/n)

(the last term is the intercept's uncertainty), with sigma^2 estimated by
RSS / (n - df - 1), df = tr(S (S + alpha I)^{-1}) the effective number of
parameters; RSS follows from the sums as well. See Bishop (2006), Pattern
Recognition and Machine Learning, section 3.3.2.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.linalg

from ._solve import _Standardised


def predictive_std(moments, coef, alpha, fit_intercept, H):
    """Predictive standard deviation of every row of features ``H``, per output.

    Parameters
    ----------
    moments : the readout's summed moments (``ReadoutSums.total``)
    coef : ndarray of shape (n_features, n_outputs)
        The readout in the original units.
    alpha : float
        Its penalty.
    fit_intercept : bool
    H : ndarray of shape (n_rows, n_features)

    Returns
    -------
    std : ndarray of shape (n_rows, n_outputs)
    """
    std = _Standardised(moments, fit_intercept)
    G = np.tril(std.gram)
    G = G + np.tril(G, -1).T
    beta = coef.astype(np.float64) * std.scale[:, None]
    # residual sum of squares from the sums: y'y - 2 beta'c + beta'G beta
    s_yy = np.asarray(moments.s_yy, dtype=np.float64)
    if not fit_intercept:
        s_yy = s_yy + moments.n * moments.mean_y ** 2
    rss = s_yy - 2 * np.einsum("ij,ij->j", beta, std.cross) + np.einsum("ij,ij->j", beta,
                                                                          G @ beta)
    lam = np.clip(scipy.linalg.eigvalsh(G), 0.0, None)
    df = float(np.sum(lam / (lam + alpha))) if alpha > 0 else float(np.sum(lam > 0))
    n = moments.n
    sigma2 = np.clip(rss, 0.0, None) / max(n - df - fit_intercept, 1.0)
    A = G + alpha * np.eye(G.shape[0])
    L = scipy.linalg.cholesky(A, lower=True, check_finite=False)
    Z = np.asarray(H, dtype=np.float64)
    if fit_intercept:
        Z = Z - moments.mean_h
    Z = Z / std.scale
    Z[:, np.diag(G) == 0] = 0.0  # constant features carry no information
    W = scipy.linalg.solve_triangular(L, Z.T, lower=True, check_finite=False)
    leverage = np.einsum("ij,ij->j", W, W)
    extra = 1.0 / n if fit_intercept else 0.0
    return np.sqrt(np.outer(1.0 + leverage + extra, sigma2))
