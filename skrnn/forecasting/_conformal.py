"""Adaptive conformal inference (ACI) over a stream of forecast residuals.

Split conformal prediction turns held-out absolute residuals into an
interval: the forecast plus or minus their quantile of level about
``coverage``. Its guarantee needs exchangeable residuals, which a time
series does not give. Adaptive conformal inference (Gibbs and Candès, 2021)
keeps the long-run miscoverage at ``1 - coverage`` whatever the dependence
or drift, by moving the level after every outcome::

    alpha_{t+1} = alpha_t + gamma * (alpha - err_t)

where err_t is 1 if the outcome fell outside its interval and 0 otherwise.
A forecast h steps ahead is judged h steps later, so each horizon keeps its
own alpha_t, updated with the delay its outcomes arrive with (as in
multi-step conformal forecasting, Stankeviciute, Alaa and van der Schaar,
2021). The quantile is taken over the residuals already known, all of them
or the last ``window`` (a sliding window, as in EnbPI; Xu and Xie, 2021).
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np


def check_coverage(coverage):
    """A coverage in (0, 1), as a float."""
    if isinstance(coverage, bool) or not isinstance(coverage, Real) or not 0 < coverage < 1:
        raise ValueError(f"coverage must be a number in (0, 1), such as 0.9 for 90 % "
                         f"intervals; got {coverage!r}.")
    return float(coverage)


def conformal_quantile(scores, alpha):
    """The conformal quantile of ``scores`` at miscoverage ``alpha``.

    The k-th smallest of the n scores, k = ceil((n + 1)(1 - alpha)) (the
    finite-sample correction of split conformal prediction); infinite when that level
    passes 1 (too few scores, or alpha_t driven below 0 by ACI), and 0 (an
    interval that holds nothing but an exact forecast) when alpha_t reaches 1.
    """
    n = scores.shape[0]
    if alpha >= 1:
        return 0.0
    if n == 0:
        return np.inf
    # the k-th smallest score; the tolerance keeps 10 * 0.8 from rounding up to 9
    k = int(np.ceil((n + 1) * (1 - alpha) - 1e-9))
    if k > n:
        return np.inf
    k = max(k, 1)
    return float(np.partition(scores, k - 1)[k - 1])


class AdaptiveConformal:
    """ACI on the absolute residuals of forecasts from a sequence of origins.

    Parameters
    ----------
    coverage : float in (0, 1)
    gamma : float
        Step size of the level's update; 0 is plain (non-adaptive) split
        conformal over the known residuals.
    window : int or None
        Residuals the quantile looks at: the last ``window`` known ones, or
        all (None).
    """

    def __init__(self, coverage, gamma=0.005, window=None):
        self.coverage = check_coverage(coverage)
        if isinstance(gamma, bool) or not isinstance(gamma, Real) or not 0 <= gamma < np.inf:
            raise ValueError(f"gamma must be a finite non-negative number; got {gamma!r}.")
        if window is not None and (isinstance(window, bool) or not isinstance(window, Integral)
                                   or window < 1):
            raise ValueError(f"window must be a positive integer or None; got {window!r}.")
        self.gamma, self.window = float(gamma), window

    def run(self, scores, origins, n_calibration):
        """Interval half-widths for the origins after the first ``n_calibration``.

        Parameters
        ----------
        scores : ndarray of shape (n_origins, horizon, n_outputs)
            Absolute residuals |y - forecast| of every origin and horizon
            (NaN where there is no outcome).
        origins : ndarray of shape (n_origins,)
            Increasing origins: the forecast of horizon h from origin o is
            known to be right or wrong from origin o + h on.
        n_calibration : int
            Leading origins whose residuals only calibrate.

        Returns
        -------
        widths : ndarray of shape (n_origins, horizon, n_outputs)
            NaN for the calibration origins.
        alphas : ndarray of shape (horizon, n_outputs)
            The levels after the last origin, to go on from.
        """
        alpha = 1 - self.coverage
        n, horizon, n_out = scores.shape
        widths = np.full(scores.shape, np.nan)
        alphas = np.full((horizon, n_out), alpha)
        for h in range(horizon):
            # origins whose horizon-h outcome is known at each origin
            known = np.searchsorted(origins, origins - (h + 1), side="right")
            for j in range(n_out):
                s, a_t, judged = scores[:, h, j], alpha, n_calibration
                for i in range(n_calibration, n):
                    # outcomes that arrived since the last origin move the level
                    while judged < known[i]:
                        if np.isfinite(s[judged]):
                            a_t += self.gamma * (alpha - float(s[judged] > widths[judged, h, j]))
                        judged += 1
                    pool = s[:known[i]]
                    if self.window is not None:
                        pool = pool[-self.window:]
                    widths[i, h, j] = conformal_quantile(pool[np.isfinite(pool)], a_t)
                alphas[h, j] = a_t
        return widths, alphas
