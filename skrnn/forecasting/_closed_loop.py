"""The closed loop shared by every sequence regressor: outputs fed back, covariates given.

Each step runs the estimator's own forward pass (``_run``) over one input row
per sequence, so any network built on the shared machinery forecasts this
way without code of its own; the sequences (or backtest origins) advance
together, one call per forecast step.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral

import numpy as np

from ._feedback import check_covariates, resolve_feedback

STRATEGIES = ("recursive", "direct")


def check_n_steps(n_steps):
    if not isinstance(n_steps, Integral) or isinstance(n_steps, bool) or n_steps < 1:
        raise ValueError(f"n_steps must be a positive integer; got {n_steps!r}.")


def check_strategy(strategy):
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}; got {strategy!r}.")


def run_rows(estimator, rows, state):
    """One step of every sequence: (outputs (n, n_outputs), next state)."""
    with warnings.catch_warnings():
        # rows are arrays in the fitted column order, whatever the model was fitted on
        warnings.filterwarnings("ignore", message=".*feature names.*", category=UserWarning)
        _, Y, state = estimator._run(rows[:, None, :], state)
    return Y, state


def closed_loop(estimator, state, y_first, fed, rows):
    """Forecasts of every sequence from its state: (n_sequences, n_rows + 1, n_outputs).

    Parameters
    ----------
    estimator : fitted sequence regressor
    state : ndarray of shape (n_sequences, state_size)
        State after each history's last step.
    y_first : ndarray of shape (n_sequences, n_outputs)
        Output at that last step: the first forecast step.
    fed : ndarray of shape (n_outputs,)
        Input column of each output (-1: not fed back), from
        :func:`resolve_feedback`.
    rows : ndarray of shape (n_sequences, n_rows, n_inputs)
        The future input rows with the covariates filled in; the fed-back
        columns are overwritten here, step by step.
    """
    n_seq, n_rows = rows.shape[:2]
    out = np.empty((n_seq, n_rows + 1, y_first.shape[1]), dtype=y_first.dtype)
    out[:, 0] = y_first
    on = fed >= 0
    rows = np.array(rows, order="C")
    for k in range(n_rows):
        rows[:, k, fed[on]] = out[:, k, on]
        out[:, k + 1], state = run_rows(estimator, np.ascontiguousarray(rows[:, k]), state)
    return out


def direct_forecast(estimator, y_last, n_steps):
    """The direct strategy: the outputs at the last step are horizons 1, 2, ..."""
    if n_steps > estimator.n_outputs_:
        raise ValueError(
            f"strategy='direct' reads horizon h from output h - 1 of the last step; the model "
            f"has {estimator.n_outputs_} outputs, so n_steps can be at most "
            f"{estimator.n_outputs_}, not {n_steps} (fit on skrnn.forecasting.direct_targets"
            "(y, horizon)).")
    return y_last[:, :n_steps, None]


def forecast_from(estimator, state, y_last, n_steps, *, covariates, feedback, strategy,
                  series):
    """forecast() after the history: the closed loop or the direct read-out.

    Returns an array of shape (n_sequences, n_steps, n_outputs) (n_outputs
    is 1 for the direct strategy), before the estimator squeezes it.
    """
    check_n_steps(n_steps)
    check_strategy(strategy)
    if strategy == "direct":
        if covariates is not None or feedback is not None:
            raise ValueError("strategy='direct' forecasts every horizon from the history "
                             "alone; covariates and feedback are for strategy='recursive'.")
        return direct_forecast(estimator, y_last, n_steps)
    if not estimator._per_step:
        raise ValueError("forecast feeds outputs back as inputs, so the model must have been "
                         "fitted with a target per step.")
    fed = resolve_feedback(estimator, feedback)
    rows = check_covariates(estimator, covariates, fed, state.shape[0], n_steps - 1,
                            y_last.dtype, series)
    return closed_loop(estimator, state, y_last, fed, rows)


def direct_targets(y, horizon):
    """Targets for the direct strategy: column h - 1 holds y h steps ahead.

    Parameters
    ----------
    y : array-like of shape (n_timesteps,)
        A univariate series, aligned with the model's inputs ``X``.
    horizon : int
        Number of steps ahead.

    Returns
    -------
    Y : ndarray of shape (n_timesteps, horizon)
        ``Y[t, h - 1] = y[t + h]``; NaN past the end of the series (which
        :class:`~skrnn.EchoStateRegressor` reads as "no target"; drop those
        rows for the other regressors).

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.forecasting import direct_targets
    >>> direct_targets(np.arange(5.0), 2)
    array([[ 1.,  2.],
           [ 2.,  3.],
           [ 3.,  4.],
           [ 4., nan],
           [nan, nan]])
    """
    check_n_steps(horizon)
    y = np.asarray(y, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"direct_targets takes a univariate series; got shape {y.shape}.")
    Y = np.full((y.shape[0], horizon), np.nan)
    for h in range(1, horizon + 1):
        Y[:y.shape[0] - h, h - 1] = y[h:]
    return Y


def squeeze_forecast(out, squeeze, series):
    """(n_sequences, n_steps, n_outputs) to the layout forecast returns."""
    if squeeze:
        out = out[..., 0]
    return out[0] if series else out
