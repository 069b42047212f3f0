"""ConformalForecaster: any sequence regressor's forecasts with conformal intervals."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from .._weights import weight_kwargs
from ..utils._compat import HasMethods, Interval, _fit_context, validate_data
from ._backtest import _check_series, forecasts_from_origins
from ._closed_loop import check_n_steps
from ._conformal import AdaptiveConformal, check_coverage, conformal_quantile
from ._feedback import resolve_feedback


def conformal_intervals(result, coverage, *, n_calibration, gamma=0.005, window=None):
    """Adaptive conformal intervals along a backtest, and whether each holds its outcome.

    The first ``n_calibration`` origins of ``result`` only calibrate; from
    each later origin, the interval of horizon h is the forecast plus or
    minus the conformal quantile of the horizon-h absolute residuals known
    by then, at a level that adaptive conformal inference moves after every
    outcome (see :class:`ConformalForecaster`).

    Parameters
    ----------
    result : Bunch
        What :func:`backtest` returns (origins, forecasts, y_true).
    coverage : float in (0, 1)
        Nominal coverage, such as 0.9.
    n_calibration : int
        Leading origins that only calibrate.
    gamma : float, default=0.005
        Step of the adaptive level; 0 is split conformal.
    window : int, default=None
        Residuals the quantile looks at (the last ``window``), or all.

    Returns
    -------
    bands : Bunch
        ``lower``, ``upper`` and ``covered`` of shape (n_origins -
        n_calibration, horizon, n_outputs), and ``coverage``: the empirical
        coverage of each horizon, shape (horizon,).

    References
    ----------
    Gibbs, I. and Candès, E. (2021). Adaptive conformal inference under
    distribution shift. NeurIPS 34.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import EchoStateRegressor
    >>> from skrnn.forecasting import backtest, conformal_intervals
    >>> rng = np.random.RandomState(0)
    >>> s = np.sin(np.arange(1500) / 8) + 0.1 * rng.normal(size=1500)
    >>> result = backtest(EchoStateRegressor(50, random_state=0), s[:-1, None], s[1:],
    ...                   start=500, horizon=3)
    >>> bands = conformal_intervals(result, 0.9, n_calibration=200)
    >>> bands.lower.shape
    (798, 3, 1)
    >>> bool(np.all(np.abs(bands.coverage - 0.9) < 0.05))
    True
    """
    coverage = check_coverage(coverage)
    n = len(result.origins)
    if not isinstance(n_calibration, Integral) or not 1 <= n_calibration < n:
        raise ValueError(f"n_calibration must be an integer in [1, {n - 1}]; "
                         f"got {n_calibration!r}.")
    scores = np.abs(result.y_true - result.forecasts).astype(np.float64)
    widths, _ = AdaptiveConformal(coverage, gamma, window).run(scores, result.origins,
                                                               n_calibration)
    f, y, w = (a[n_calibration:] for a in (result.forecasts, result.y_true, widths))
    covered = np.abs(y - f) <= w
    return Bunch(lower=f - w, upper=f + w, covered=covered,
                 coverage=covered.mean(axis=(0, 2)))


class ConformalForecaster(RegressorMixin, BaseEstimator):
    """Forecasts of a sequence regressor with adaptive conformal intervals.

    ``fit`` fits a clone of ``estimator`` on the first part of one series
    and holds out the last ``calibration_size`` steps: from every step
    there, the model forecasts ``horizon`` steps in closed loop (its state
    carried along the series, see :func:`backtest`), and the absolute
    residuals of each horizon become the conformal scores. The intervals are
    the forecast plus or minus a quantile of those scores (split conformal
    prediction), at a level adaptive conformal inference (ACI) has tuned
    along the calibration steps so that the intervals keep their coverage
    on a time series, where residuals are neither independent nor
    exchangeable::

        alpha_{t+1} = alpha_t + gamma * (alpha - err_t)

    (err_t is 1 when step t's outcome fell outside its interval). Each
    horizon has its own scores and level. ``update(X, y)`` goes on along the
    series as new steps arrive: their outcomes are scored and the levels
    move on, without refitting the model.

    Parameters
    ----------
    estimator : sequence regressor
        Any skrnn sequence regressor (``forecast`` with ``feedback`` and
        covariates is what it is evaluated with).
    horizon : int, default=1
        Longest forecast the intervals are calibrated for.
    coverage : float in (0, 1), default=0.9
        Nominal coverage of the intervals.
    calibration_size : float in (0, 1) or int, default=0.25
        The held-out tail of the series: a fraction of its steps, or a
        number of steps. Its first half seeds the scores, its second half
        tunes the adaptive level.
    feedback : None, int, str or list, default=None
        Which input column each output feeds (see ``forecast``).
    gamma : float, default=0.005
        Step of the adaptive level (Gibbs and Candès' choice); 0 gives plain
        split conformal intervals.
    window : int, default=None
        Use only the last ``window`` residuals of each horizon (adapts to
        drift), or all (None).

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone.
    scores_ : ndarray of shape (n_calibration_origins, horizon, n_outputs)
        Absolute residuals of the calibration forecasts (NaN where their
        outcome lies past the series).
    alphas_ : ndarray of shape (horizon, n_outputs)
        The adaptive miscoverage levels after calibration.

    See Also
    --------
    skrnn.forecasting.backtest : forecasts from many origins in one pass.
    skrnn.forecasting.conformal_intervals : ACI intervals along a backtest.

    References
    ----------
    Gibbs, I. and Candès, E. (2021). Adaptive conformal inference under
    distribution shift. NeurIPS 34.

    Stankeviciute, K., Alaa, A. M. and van der Schaar, M. (2021). Conformal
    time-series forecasting. NeurIPS 34.

    Xu, C. and Xie, Y. (2021). Conformal prediction interval for dynamic
    time-series. ICML.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import EchoStateRegressor
    >>> from skrnn.forecasting import ConformalForecaster
    >>> rng = np.random.RandomState(0)
    >>> s = np.sin(np.arange(1200) / 8) + 0.1 * rng.normal(size=1200)
    >>> model = ConformalForecaster(EchoStateRegressor(50, random_state=0), horizon=5,
    ...                             coverage=0.9).fit(s[:-1, None], s[1:])
    >>> y, lower, upper = model.forecast(s[:, None], 5, return_interval=True)
    >>> y.shape, bool(np.all(lower < upper))
    ((5,), True)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "forecast"])],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "coverage": [Interval(Real, 0, 1, closed="neither")],
        "calibration_size": [Interval(Real, 0, 1, closed="neither"),
                             Interval(Integral, 2, None, closed="left")],
        "feedback": [None, Integral, str, list, tuple],
        "gamma": [Interval(Real, 0, None, closed="left")],
        "window": [None, Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, estimator, *, horizon=1, coverage=0.9, calibration_size=0.25,
                 feedback=None, gamma=0.005, window=None):
        self.estimator = estimator
        self.horizon = horizon
        self.coverage = coverage
        self.calibration_size = calibration_size
        self.feedback = feedback
        self.gamma = gamma
        self.window = window

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit on the head of the series, calibrate on its tail.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features)
            One series.
        y : array-like of shape (n_timesteps,) or (n_timesteps, n_outputs)
            Its per-step targets.
        sample_weight : array-like of shape (n_timesteps,), default=None
            Weight of each step's target. The weights of the head are passed
            to the estimator's ``fit`` (a ``ValueError`` if it takes none);
            the calibration scores every step of the tail alike, so the
            intervals' coverage is over time steps, as without weights.

        Returns
        -------
        self : object
        """
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32), multi_output=True,
                             y_numeric=True)
        X, Y = _check_series(X, y)
        n = X.shape[0]
        # any real in (0, 1) is a fraction (np.float32 too, which is not a float)
        n_cal = (int(self.calibration_size) if isinstance(self.calibration_size, Integral)
                 else int(round(float(self.calibration_size) * n)))
        if not 2 <= n_cal < n - 1:
            raise ValueError(f"calibration_size leaves {n_cal} of the series' {n} samples (time "
                             "steps) for calibration; it needs at least 2, and steps to fit "
                             "on before them.")
        n_fit = n - n_cal
        if sample_weight is not None:
            # an array first: array-likes (lists, pandas, objects with __array__) may
            # not answer numpy's functions
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            if sample_weight.shape != (n,):
                raise ValueError(f"sample_weight must have shape ({n},), one weight per time "
                                 f"step of the series; got {sample_weight.shape}.")
        model = clone(self.estimator)
        weights = weight_kwargs(model, "fit", None if sample_weight is None
                                else sample_weight[:n_fit])
        target = Y[:, 0] if np.ndim(y) == 1 else Y
        model.fit(X[:n_fit], target[:n_fit], **weights)
        # the inner model sees arrays: names in the mapping become positions
        model.feature_names_in_ = getattr(self, "feature_names_in_", None)
        try:
            fed = resolve_feedback(model, self.feedback)
        finally:
            del model.feature_names_in_
        # only a valid mapping replaces the fitted model (a bad one leaves it whole)
        self.estimator_ = model
        self._feedback = [int(c) if c >= 0 else None for c in fed]
        self._n_fit, self._n_seed = n_fit, max(1, (n - n_fit) // 2)
        self._calibrate(X, Y)
        return self

    def _calibrate(self, X, Y):
        """Scores of the forecasts from every origin after the fitted head, and ACI's levels."""
        n = X.shape[0]
        # the first forecast from origin o is scored against y[o - 1]: from n_fit + 1 on,
        # no score is a residual of a step the model was fitted on
        origins = np.arange(self._n_fit + 1, n + 1)
        # the rows past the series only feed forecasts whose outcome is past it too
        Xp = np.vstack([X, np.zeros((self.horizon, X.shape[1]), X.dtype)])
        fed = np.array([-1 if c is None else c for c in self._feedback], dtype=np.intp)
        forecasts = forecasts_from_origins(self.estimator_, Xp, origins, self.horizon, fed)
        index = origins[:, None] + np.arange(self.horizon)[None, :] - 1
        truth = np.full(forecasts.shape, np.nan)
        inside = index < n
        truth[inside] = Y[index[inside]]
        self.scores_ = np.abs(truth - forecasts)
        aci = AdaptiveConformal(self.coverage, self.gamma, self.window)
        _, self.alphas_ = aci.run(self.scores_, origins, self._n_seed)
        self._series = (X, Y)

    def update(self, X, y):
        """Go on along the series: score the new outcomes and move ACI's levels.

        The model is not refitted. ``X`` and ``y`` are the steps that follow
        the series seen so far (by ``fit`` and earlier calls); the forecasts
        from every origin since the calibration began are scored against
        the outcomes now known, and adaptive conformal inference goes on
        from where it stopped, so the intervals keep adapting as the
        series goes on. Each call runs the model over the whole series
        once (see :func:`backtest`) and keeps it.

        Parameters
        ----------
        X : array-like of shape (n_new_steps, n_features)
        y : array-like of shape (n_new_steps,) or (n_new_steps, n_outputs)

        Returns
        -------
        self : object
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        X, Y = _check_series(X, y, dtype=self._series[0].dtype)
        if Y.shape[1] != self._series[1].shape[1]:
            raise ValueError(f"y has {Y.shape[1]} outputs; the model was fitted with "
                             f"{self._series[1].shape[1]}.")
        self._calibrate(np.vstack([self._series[0], X]), np.vstack([self._series[1], Y]))
        return self

    def _half_widths(self, n_steps, coverage):
        """Interval half-widths of horizons 1..n_steps: (n_steps, n_outputs)."""
        if coverage is None:
            alphas = self.alphas_
        else:
            # another nominal level: shift ACI's level by as much as it moved
            alphas = self.alphas_ - (1 - self.coverage) + (1 - check_coverage(coverage))
        n_origins = self.scores_.shape[0]
        widths = np.empty((n_steps, self.scores_.shape[2]))
        for h in range(n_steps):
            known = self.scores_[:max(n_origins - h, 0), h]
            if self.window is not None:
                known = known[-self.window:]
            for j in range(widths.shape[1]):
                s = known[:, j]
                widths[h, j] = conformal_quantile(s[np.isfinite(s)], alphas[h, j])
        return widths

    def forecast(self, X, n_steps, *, covariates=None, return_interval=False, coverage=None):
        """Forecast past the history ``X``, with intervals.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features)
            The history (for example the whole series ``fit`` saw).
        n_steps : int
            At most ``horizon``.
        covariates : array-like, default=None
            The known future input rows, as in the estimator's ``forecast``.
        return_interval : bool, default=False
            Also return the interval's lower and upper bounds.
        coverage : float in (0, 1), default=None
            Another nominal coverage than ``self.coverage`` (the same scores,
            its level shifted by what ACI learnt).

        Returns
        -------
        y_forecast : ndarray of shape (n_steps,) or (n_steps, n_outputs)
        lower, upper : ndarray of the same shape
            Only with ``return_interval``.
        """
        check_is_fitted(self)
        check_n_steps(n_steps)
        if n_steps > self.horizon:
            raise ValueError(f"The intervals were calibrated for horizon={self.horizon} steps; "
                             f"n_steps={n_steps} is longer.")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        names = getattr(self, "feature_names_in_", None)
        if hasattr(covariates, "columns") and names is not None:
            # the inner model saw arrays: match a DataFrame's columns by name here
            fed = {c for c in self._feedback if c is not None}
            wanted = [name for i, name in enumerate(names) if i not in fed]
            missing = [name for name in wanted if name not in covariates.columns]
            if missing:
                raise ValueError(f"covariates lacks the columns {missing}; it needs the "
                                 f"future values of {wanted}.")
            covariates = covariates[wanted]
        y = self.estimator_.forecast(X, n_steps, covariates=covariates, feedback=self._feedback)
        if not return_interval:
            return y
        w = self._half_widths(n_steps, coverage)
        w = w[:, 0] if y.ndim == 1 else w
        return y, y - w, y + w

    def predict(self, X, *, return_interval=False, coverage=None):
        """One-step predictions at every step of ``X``, with intervals.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features)
        return_interval : bool, default=False
            Also return the bounds of the one-step interval.
        coverage : float in (0, 1), default=None
            Another nominal coverage than ``self.coverage``.

        Returns
        -------
        y_pred : ndarray of shape (n_timesteps,) or (n_timesteps, n_outputs)
        lower, upper : ndarray of the same shape
            Only with ``return_interval``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        y = self.estimator_.predict(X)
        if not return_interval:
            return y
        w = self._half_widths(1, coverage)[0]
        w = w[0] if y.ndim == 1 else w
        return y, y - w, y + w

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
