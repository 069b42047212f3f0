"""Forecasting with known covariates, the feedback mapping and the direct strategy."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skrnn import (
    EchoStateRegressor,
    ElmanRegressor,
    JordanRegressor,
    LSTMRegressor,
)
from skrnn.forecasting import direct_targets

BRIEF = dict(n_hidden=5, max_iter=50, tol=1.0, n_iter_no_change=1)
MODELS = [
    (ElmanRegressor, BRIEF),
    (JordanRegressor, BRIEF),
    (LSTMRegressor, BRIEF),
    (EchoStateRegressor, dict(n_reservoir=30)),
    (EchoStateRegressor, dict(n_reservoir=30, output_feedback=True, feedback_scaling=0.2)),
]
IDS = ["elman", "jordan", "lstm", "esn", "esn-feedback"]


def _controlled(n=400, seed=0):
    """y[t+1] = 0.7 y[t] + u[t+1]: inputs [y_t, u_{t+1}], target y_{t+1}."""
    rng = np.random.RandomState(seed)
    u = rng.uniform(-1, 1, n + 1)
    s = np.zeros(n + 1)
    for t in range(n):
        s[t + 1] = 0.7 * s[t] + 0.5 * u[t + 1]
    X = np.column_stack([s[:-1], u[1:]])
    return X, s[1:], s, u


def _reference_loop(model, X, n_steps, fed_col, cov_rows):
    """The closed loop written out with predict: one step at a time, state carried."""
    y, state = model.predict(X, return_state=True)
    y_prev = np.atleast_1d(y[-1])
    out = [y_prev]
    for k in range(n_steps - 1):
        row = np.array(cov_rows[k], dtype=float)
        row[fed_col] = y_prev[0]
        y, state = model.predict(row[None], initial_state=state, return_state=True)
        y_prev = np.atleast_1d(y[-1])
        out.append(y_prev)
    return np.concatenate(out)


@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_covariate_forecast_equals_the_loop_written_out(cls, params):
    X, y, _, _ = _controlled(120)
    model = cls(random_state=0, **params).fit(X[:100], y[:100])
    future_u = X[100:107, 1:]
    out = model.forecast(X[:100], 8, covariates=future_u, feedback=[0])
    assert out.shape == (8,)
    rows = np.column_stack([np.full(7, np.nan), future_u[:, 0]])
    expected = _reference_loop(model, X[:100], 8, 0, rows)
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-12)
    # whole input rows work too; their fed-back column is ignored, NaN or not
    np.testing.assert_allclose(model.forecast(X[:100], 8, covariates=rows, feedback=[0]),
                               out, rtol=1e-12, atol=1e-14)
    # the covariates are read: other future controls give another forecast
    other = model.forecast(X[:100], 8, covariates=-future_u, feedback=[0])
    assert np.abs(other[1:] - out[1:]).max() > 1e-6
    np.testing.assert_allclose(other[0], out[0])  # the first step needs no future


@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_general_loop_equals_the_compiled_generation(cls, params):
    """feedback=[0] on a univariate model takes the general path; it must agree."""
    rng = np.random.RandomState(1)
    X = np.cumsum(rng.normal(size=(80, 1)), axis=0) / 5
    model = cls(random_state=0, **params).fit(X[:-1], X[1:, 0])
    fast = model.forecast(X, 12)
    general = model.forecast(X, 12, feedback=[0])
    np.testing.assert_allclose(general, fast, rtol=1e-9, atol=1e-12)
    batch = np.stack([X[:40], X[40:]])
    np.testing.assert_allclose(model.forecast(batch, 5, feedback=0), model.forecast(batch, 5),
                               rtol=1e-9, atol=1e-12)


def test_known_controls_improve_the_forecast():
    X, y, s, u = _controlled(1200)
    model = EchoStateRegressor(n_reservoir=100, n_washout=50, alpha=1e-6,
                               random_state=0).fit(X[:1000], y[:1000])
    errors_with, errors_without = [], []
    for origin in range(1000, 1180, 10):
        truth = s[origin:origin + 10]
        known = model.forecast(X[:origin], 10, covariates=X[origin:origin + 9, 1:],
                               feedback=[0])
        blind = model.forecast(X[:origin], 10, covariates=np.zeros((9, 1)), feedback=[0])
        errors_with.append(np.mean((known - truth) ** 2))
        errors_without.append(np.mean((blind - truth) ** 2))
    assert np.mean(errors_with) < 0.2 * np.mean(errors_without)


def test_forecast_continues_the_training_stream_with_covariates():
    X, y, _, _ = _controlled(200)
    model = EchoStateRegressor(n_reservoir=40, output_feedback=True, random_state=0)
    model.fit(X[:150], y[:150])
    cov = X[150:155, 1:]
    np.testing.assert_allclose(model.forecast(None, 6, covariates=cov, feedback=[0]),
                               model.forecast(X[:150], 6, covariates=cov, feedback=[0]),
                               rtol=1e-9, atol=1e-12)


def test_feedback_and_covariates_by_name():
    pd = pytest.importorskip("pandas")
    X, y, _, _ = _controlled(150)
    frame = pd.DataFrame({"load": X[:, 0], "control": X[:, 1]})
    model = EchoStateRegressor(n_reservoir=30, random_state=0).fit(frame[:120], y[:120])
    future = pd.DataFrame({"extra": np.ones(5), "control": X[120:125, 1]})
    by_name = model.forecast(frame[:120], 6, covariates=future, feedback=["load"])
    by_position = model.forecast(frame[:120], 6, covariates=X[120:125, 1:], feedback=[0])
    np.testing.assert_allclose(by_name, by_position, rtol=1e-12)


def test_multi_output_mapping_and_outputs_left_out_of_the_loop():
    """Two outputs: one stands for input column 1, the other is not fed back."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (100, 2))
    y = np.column_stack([np.roll(X[:, 1], -1), X[:, 0] ** 2])
    model = ElmanRegressor(random_state=0, **BRIEF).fit(X, y)
    out = model.forecast(X[:90], 4, covariates=X[90:93, :1], feedback=[1, None])
    assert out.shape == (4, 2)
    _, state = model.predict(X[:90], return_state=True)
    row = np.array([[X[90, 0], out[0, 0]]])
    np.testing.assert_allclose(model.predict(row, initial_state=state)[0], out[1], rtol=1e-9)


def test_direct_strategy_reads_the_horizons_off_the_last_step():
    X, y, s, _ = _controlled(300)
    Y = direct_targets(s[:-1], 5)
    model = EchoStateRegressor(n_reservoir=30, random_state=0).fit(X, Y)
    out = model.forecast(X[:200], 3, strategy="direct")
    np.testing.assert_allclose(out, model.predict(X[:200])[-1, :3])
    rnn = ElmanRegressor(random_state=0, **BRIEF).fit(X[:-5], Y[:-5])
    np.testing.assert_allclose(rnn.forecast(X[:200], 5, strategy="direct"),
                               rnn.predict(X[:200])[-1], rtol=1e-12)
    with pytest.raises(ValueError, match="at most 5"):
        model.forecast(X, 6, strategy="direct")
    with pytest.raises(ValueError, match="strategy must be one of"):
        model.forecast(X, 2, strategy="multi")
    with pytest.raises(ValueError, match="univariate"):
        direct_targets(np.ones((5, 2)), 2)


@pytest.mark.parametrize("cls, params", MODELS[::3], ids=["elman", "esn"])
def test_bad_covariates_and_feedback(cls, params):
    X, y, _, _ = _controlled(100)
    model = cls(random_state=0, **params).fit(X, y)
    state = model.get_params()
    cases = [
        (dict(covariates=X[:3, 1:], feedback=[0]), "input rows that follow the history"),
        (dict(covariates=np.ones((4, 3)), feedback=[0]), "input rows that follow the history"),
        (dict(feedback=[0]), "pass covariates"),
        (dict(covariates=X[:4, 1:]), "as many outputs as input features"),
        (dict(covariates=X[:4, 1:], feedback=[2]), "does not exist"),
        (dict(covariates=X[:4, 1:], feedback=[0, 1]), "one input column"),
        (dict(covariates=X[:4, 1:], feedback=["load"]), "not fitted on a DataFrame"),
        (dict(covariates=X[:4, 1:], feedback=[1.5]), "column positions, column names"),
        (dict(covariates=np.full((4, 1), np.nan), feedback=[0]), "finite"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            model.forecast(X, 5, **kwargs)
    assert model.get_params() == state
    two = ElmanRegressor(random_state=0, **BRIEF).fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="more than one output"):
        two.forecast(X, 5, covariates=X[:4, 1:], feedback=[0, 0])


def test_unknown_feedback_name():
    pd = pytest.importorskip("pandas")
    X, y, _, _ = _controlled(100)
    frame = pd.DataFrame({"load": X[:, 0], "control": X[:, 1]})
    model = EchoStateRegressor(n_reservoir=20, random_state=0).fit(frame, y)
    with pytest.raises(ValueError, match="'lod', which the model was not fitted with"):
        model.forecast(frame, 3, covariates=X[:2, 1:], feedback=["lod"])
    with pytest.raises(ValueError, match="lacks the columns"):
        model.forecast(frame, 3, covariates=pd.DataFrame({"x": [1.0, 2.0]}), feedback=["load"])
