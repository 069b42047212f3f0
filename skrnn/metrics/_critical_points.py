"""Critical points: how often a one-step forecast anticipates a change of trend."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.metrics import make_scorer
from sklearn.utils.validation import check_array, check_consistent_length


def _check_targets(y_true, y_pred):
    y_true = check_array(y_true, ensure_2d=False, dtype=np.float64, input_name="y_true")
    y_pred = check_array(y_pred, ensure_2d=False, dtype=np.float64, input_name="y_pred")
    check_consistent_length(y_true, y_pred)
    for name, v in (("y_true", y_true), ("y_pred", y_pred)):
        if v.ndim == 2 and v.shape[1] == 1:
            v = v[:, 0]
        if v.ndim != 1:
            raise ValueError(f"Critical points are defined for one series: {name} must be "
                             f"1D (or one column); got shape {v.shape}.")
        if name == "y_true":
            y_true = v
        else:
            y_pred = v
    return y_true, y_pred


def critical_point_scores(y_true, y_pred):
    """Hit and false-alarm rates of a one-step forecast at the changes of trend.

    ``y_pred[t]`` is the forecast of ``y_true[t]`` made when ``y_true[t - 1]``
    was the last value known. The trend at step t is the sign of
    ``y_true[t] - y_true[t - 1]``, and the forecast announces the trend
    ``sign(y_pred[t] - y_true[t - 1])``. Step t is a *critical point* when the
    trend changes sign there (the first difference changes sign); it is
    *anticipated* when the forecast announces the new trend. At a step where
    the trend continues, a forecast announcing the opposite trend is a *false
    alarm*. Steps with a zero difference (flat) on either side are neither.

    Parameters
    ----------
    y_true : array-like of shape (n_steps,)
        The observed series.
    y_pred : array-like of shape (n_steps,)
        One-step forecasts aligned with ``y_true``.

    Returns
    -------
    scores : dict
        ``hit_rate`` (anticipated critical points / critical points),
        ``false_alarm_rate`` (false alarms / steps where the trend
        continues), ``skill`` (their difference, from -1 to 1; 0 for a
        forecast that announces changes at random), and the counts
        ``n_critical``, ``n_hits``, ``n_continuing``, ``n_false_alarms``.
        A rate with nothing to count is NaN.

    Examples
    --------
    >>> from skrnn.metrics import critical_point_scores
    >>> y = [0, 1, 2, 1, 0, 1]           # changes of trend at steps 3 and 5
    >>> pred = [0, 1, 3, 1.5, 0.5, -0.5]  # sees the first one coming, not the second
    >>> scores = critical_point_scores(y, pred)
    >>> scores["n_critical"], scores["hit_rate"], scores["false_alarm_rate"]
    (2, 0.5, 0.0)
    """
    y_true, y_pred = _check_targets(y_true, y_pred)
    d = np.sign(np.diff(y_true))              # d[t - 1]: trend arriving at step t
    announced = np.sign(y_pred[1:] - y_true[:-1])
    now, before, said = d[1:], d[:-1], announced[1:]
    moving = (now != 0) & (before != 0)
    critical = moving & (now != before)
    continuing = moving & (now == before)
    n_critical, n_continuing = int(critical.sum()), int(continuing.sum())
    n_hits = int(np.sum(critical & (said == now)))
    n_false = int(np.sum(continuing & (said == -before)))
    hit = n_hits / n_critical if n_critical else np.nan
    false = n_false / n_continuing if n_continuing else np.nan
    return {"hit_rate": hit, "false_alarm_rate": false, "skill": hit - false,
            "n_critical": n_critical, "n_hits": n_hits, "n_continuing": n_continuing,
            "n_false_alarms": n_false}


def critical_point_hit_rate(y_true, y_pred):
    """Fraction of the changes of trend that a one-step forecast anticipates.

    See :func:`critical_point_scores` for the definitions.

    Parameters
    ----------
    y_true : array-like of shape (n_steps,)
        The observed series.
    y_pred : array-like of shape (n_steps,)
        One-step forecasts aligned with ``y_true``.

    Returns
    -------
    hit_rate : float

    Examples
    --------
    >>> from skrnn.metrics import critical_point_hit_rate
    >>> critical_point_hit_rate([0, 1, 2, 1, 0, 1], [0, 1, 3, 1.5, 0.5, -0.5])
    0.5
    """
    return critical_point_scores(y_true, y_pred)["hit_rate"]


def critical_point_false_alarm_rate(y_true, y_pred):
    """Fraction of the steps that continue the trend where the forecast announces a change.

    See :func:`critical_point_scores` for the definitions.

    Parameters
    ----------
    y_true : array-like of shape (n_steps,)
        The observed series.
    y_pred : array-like of shape (n_steps,)
        One-step forecasts aligned with ``y_true``.

    Returns
    -------
    false_alarm_rate : float

    Examples
    --------
    >>> from skrnn.metrics import critical_point_false_alarm_rate
    >>> critical_point_false_alarm_rate([0, 1, 2, 1, 0, 1], [0, 1, 3, 1.5, 0.5, -0.5])
    0.0
    """
    return critical_point_scores(y_true, y_pred)["false_alarm_rate"]


def critical_point_skill(y_true, y_pred):
    """Hit rate minus false-alarm rate at the changes of trend (from -1 to 1).

    A forecast that always announces a change scores 0 as surely as one that
    never does; see :func:`critical_point_scores`.

    Parameters
    ----------
    y_true : array-like of shape (n_steps,)
        The observed series.
    y_pred : array-like of shape (n_steps,)
        One-step forecasts aligned with ``y_true``.

    Returns
    -------
    skill : float

    Examples
    --------
    >>> from skrnn.metrics import critical_point_skill
    >>> critical_point_skill([0, 1, 2, 1, 0, 1], [0, 1, 3, 1.5, 0.5, -0.5])
    0.5
    """
    return critical_point_scores(y_true, y_pred)["skill"]


_METRICS = {"hit_rate": (critical_point_hit_rate, True),
            "false_alarm_rate": (critical_point_false_alarm_rate, False),
            "skill": (critical_point_skill, True)}


def critical_point_scorer(metric="skill"):
    """A scorer for ``GridSearchCV`` and ``cross_val_score`` from a critical-point rate.

    Parameters
    ----------
    metric : {'skill', 'hit_rate', 'false_alarm_rate'}, default='skill'
        What to score; the false-alarm rate is negated, so that greater is
        better for all three.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``, comparing ``estimator.predict(X)`` with
        ``y`` (a one-step forecaster, such as a regressor fitted with
        ``y[t] = X[t + 1]``).

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    >>> from skrnn import BackPropagationRegressor
    >>> from skrnn.metrics import critical_point_scorer
    >>> search = GridSearchCV(BackPropagationRegressor(), {"n_lags": [3, 6]},
    ...                       scoring=critical_point_scorer(), cv=TimeSeriesSplit(3))
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {sorted(_METRICS)}; got {metric!r}.")
    fn, greater = _METRICS[metric]
    return make_scorer(fn, greater_is_better=greater)
