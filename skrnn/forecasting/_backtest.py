"""Backtests in one pass: forecasts from many origins, the state carried along the series."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch
from sklearn.utils.validation import check_array, check_is_fitted

from ._closed_loop import check_n_steps, closed_loop
from ._feedback import resolve_feedback

#: states per block of a one-pass run (32 MB in float64)
_PATH_ELEMENTS = 1 << 22


def _run_chunk(estimator, X, state):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*feature names.*", category=UserWarning)
        return estimator._run(X, state)


def origin_states(estimator, X, origins, state=None, start=0):
    """States and outputs after ``X[:o]`` for every origin ``o``, in one pass over ``X``.

    The network runs from ``start`` (with ``state``; None is the initial
    state) to the last origin once, stopping at each origin to copy its
    state, instead of running from the start of the series for each.

    Returns
    -------
    states : ndarray of shape (n_origins, state_size)
    outputs : ndarray of shape (n_origins, n_outputs)
        The output at row ``o - 1``: the first forecast step from ``o``.
    state : ndarray of shape (1, state_size)
        The state after the last origin, to go on from.
    """
    origins = np.asarray(origins)
    if origins[0] <= start:  # pragma: no cover - the callers' origins follow the start
        raise ValueError(f"origins must come after the start of the run ({start}); the "
                         f"first is {origins[0]}.")
    if hasattr(estimator, "_state_path") and origins.size > 1:
        # a network that can return its state at every step runs the stretch
        # once, in blocks of _PATH_ELEMENTS states at most
        rows_per_block = max(1, _PATH_ELEMENTS // getattr(estimator, "n_reservoir", 1))
        blocks = np.split(origins, np.flatnonzero(np.diff((origins - start)
                                                          // rows_per_block)) + 1)
        states, outputs, position = [], [], start
        for block in blocks:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*feature names.*",
                                        category=UserWarning)
                Y, S = estimator._state_path(X[position:block[-1]], state)
            rows = block - position - 1
            states.append(S[rows])
            outputs.append(Y[rows])
            state, position = S[-1:], block[-1]
        return np.concatenate(states), np.concatenate(outputs), state
    states, outputs = [], []
    position = start
    for o in origins:
        if o > position:
            _, Y, state = _run_chunk(estimator, X[position:o], state)
            y_last = Y[-1]
            position = o
        states.append(np.array(state[0]))
        outputs.append(np.array(y_last))
    return np.array(states), np.array(outputs), state


def forecasts_from_origins(estimator, X, origins, horizon, fed, state=None, start=0):
    """Closed-loop forecasts of ``horizon`` steps from every origin.

    Returns an array of shape (n_origins, horizon, n_outputs). The
    covariates of each origin are the rows of ``X`` that follow it.
    """
    states, outputs, _ = origin_states(estimator, X, origins, state, start)
    index = np.asarray(origins)[:, None] + np.arange(horizon - 1)[None, :]
    rows = X[index] if horizon > 1 else np.empty((len(origins), 0, X.shape[1]), X.dtype)
    return closed_loop(estimator, states, outputs, fed, rows)


def _check_series(X, y, dtype=None):
    X = check_array(X, dtype=dtype or (np.float64, np.float32), input_name="X")
    y = check_array(y, ensure_2d=False, dtype=X.dtype, input_name="y")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must have as many time steps: {X.shape[0]} and {y.shape[0]}.")
    return X, y.reshape(y.shape[0], -1)


def _error_table(forecasts, truth):
    """Per-horizon MAE and RMSE, averaged over the outputs and the origins."""
    err = forecasts - truth
    table = {"horizon": np.arange(1, err.shape[1] + 1),
             "mae": np.nanmean(np.abs(err), axis=(0, 2)),
             "rmse": np.sqrt(np.nanmean(err ** 2, axis=(0, 2))),
             "n_origins": np.sum(np.isfinite(err).all(axis=2), axis=0)}
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        return table
    return pd.DataFrame(table).set_index("horizon")


def backtest(estimator, X, y, *, start, horizon=1, stride=1, feedback=None, refit_every=None):
    """Evaluate a forecaster from many origins along one series, in one pass.

    A clone of ``estimator`` is fitted on ``X[:start - 1], y[:start - 1]``,
    the steps whose targets are known at the first origin (``y[start - 1]``
    is the outcome of its first forecast, so it is held out); then the
    network runs along the series once, and from every ``stride``-th origin
    ``o >= start`` forecasts ``horizon`` steps in closed loop (outputs fed
    back through ``feedback``, the other input columns read from the rows of
    ``X`` that follow the origin: known covariates). The forecasts of all
    origins advance together, one network step per horizon step. Running
    the network from the start of the series at every origin instead costs
    O(n_origins x n_timesteps) steps; this costs O(n_timesteps +
    n_origins x horizon).

    The model's output at row ``r`` predicts ``y[r]``, so the forecast of
    step h from origin o is compared with ``y[o + h - 2]`` (for ``X[t]``
    holding ``s[t]`` and ``y[t] = s[t + 1]``, that is ``s[o + h - 1]``).

    Parameters
    ----------
    estimator : sequence regressor
        Fitted on the first ``start - 1`` steps (a clone; ``estimator`` is
        left untouched).
    X : array-like of shape (n_timesteps, n_features)
        One series.
    y : array-like of shape (n_timesteps,) or (n_timesteps, n_outputs)
        Its per-step targets.
    start : int
        The first origin (at least 2): the history ``X[:start]``; the first
        training stretch is one step shorter.
    horizon : int, default=1
        Steps forecast from each origin.
    stride : int, default=1
        Steps between origins.
    feedback : None, int, str or list, default=None
        Which input column each output feeds, as in ``forecast``: by
        position, or by name when ``X`` is a DataFrame.
    refit_every : int, default=None
        Refit a fresh clone every ``refit_every`` steps on all the steps
        whose targets are known at the origin ``o`` (``X[:o - 1]``,
        ``y[:o - 1]``; its state is then run from the start once).
        None fits once.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``origins`` (n_origins,), ``forecasts`` and ``y_true`` of shape
        (n_origins, horizon, n_outputs) (NaN past the end of ``y``),
        ``errors``: MAE and RMSE per horizon (a DataFrame indexed by
        horizon when pandas is installed, else a dict of arrays), and
        ``estimator``: the last model fitted.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import EchoStateRegressor
    >>> from skrnn.forecasting import backtest
    >>> s = np.sin(np.arange(600) / 8)
    >>> result = backtest(EchoStateRegressor(50, random_state=0), s[:-1, None], s[1:],
    ...                   start=400, horizon=5, stride=10)
    >>> result.forecasts.shape
    (20, 5, 1)
    >>> bool(result.errors["rmse"].max() < 0.05)
    True
    """
    # a DataFrame's rows fit the model, so that it keeps the column names the
    # feedback mapping may use; the network then runs on the array
    frame = X if hasattr(X, "iloc") and hasattr(X, "columns") else None
    X, Y = _check_series(X, y)
    n = X.shape[0]
    check_n_steps(horizon)
    check_n_steps(stride)
    if not isinstance(start, Integral) or not 2 <= start < n:
        raise ValueError(f"start must be an integer in [2, {n - 1}] (the first origin; the "
                         "model is fitted on the steps whose targets are known there); "
                         f"got {start!r}.")
    if refit_every is not None:
        check_n_steps(refit_every)
    origins = np.arange(start, n - horizon + 2, stride)
    if origins.size == 0:
        raise ValueError(f"No origin from {start} leaves {horizon} steps to forecast in a "
                         f"series of {n} steps.")
    squeeze = np.ndim(y) == 1
    target = Y[:, 0] if squeeze else Y
    blocks = [origins] if refit_every is None else np.split(
        origins, np.flatnonzero(np.diff((origins - start) // refit_every)) + 1)
    parts = []
    for block in blocks:
        # y[o - 1] is the outcome of the first forecast from origin o: not known there
        head = X[:block[0] - 1] if frame is None else frame.iloc[:block[0] - 1]
        model = clone(estimator).fit(head, target[:block[0] - 1])
        fed = resolve_feedback(model, feedback)
        parts.append(forecasts_from_origins(model, X, block, horizon, fed))
    forecasts = np.concatenate(parts)
    index = origins[:, None] + np.arange(horizon)[None, :] - 1
    truth = np.full(forecasts.shape, np.nan, dtype=forecasts.dtype)
    inside = index < n
    truth[inside] = Y[index[inside]]
    check_is_fitted(model)
    return Bunch(origins=origins, forecasts=forecasts, y_true=truth,
                 errors=_error_table(forecasts, truth), estimator=model)
