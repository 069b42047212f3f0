"""Behaviour of EchoStateRegressor and EchoStateClassifier."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle
import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import EchoStateClassifier, EchoStateRegressor
from skrnn._readout import ReadoutWarning
from skrnn.datasets import (
    make_mackey_glass,
    make_narma,
    make_sine_sequences,
    make_sine_series,
)

from ._reference import esn_states, standardised_ridge

SMALL = {"n_reservoir": 30, "spectral_radius": 0.9, "random_state": 0}


def _series(n=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = np.column_stack([np.roll(X[:, 0], 2), np.sin(np.roll(X[:, 1], 1))])
    return X, y


# -- the readout is exact: fit == partial_fit over any chunking -----------------------
@pytest.mark.parametrize("options", [
    {},
    {"n_washout": 37, "leaking_rate": 0.4},
    {"output_feedback": True, "feedback_scaling": 0.3, "n_washout": 5},
    {"state_noise": 1e-3, "include_inputs": False},
    {"alpha": "gcv", "fit_intercept": False},
], ids=["plain", "washout-leaky", "feedback", "noise", "gcv"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_partial_fit_equals_fit_over_random_chunkings(options, seed):
    X, y = _series()
    params = {**SMALL, "alpha": 1e-4, **options}
    whole = EchoStateRegressor(**params).fit(X, y)
    cuts = np.sort(np.random.RandomState(seed).choice(np.arange(1, 300), 5, replace=False))
    streamed = EchoStateRegressor(**params)
    for Xc, yc in zip(np.split(X, cuts), np.split(y, cuts)):
        streamed.partial_fit(Xc, yc)
    np.testing.assert_allclose(streamed.output_weights_, whole.output_weights_, rtol=1e-9,
                               atol=1e-12 * np.abs(whole.output_weights_).max())
    np.testing.assert_allclose(streamed.output_bias_, whole.output_bias_, rtol=1e-9, atol=1e-12)
    assert streamed.alpha_ == whole.alpha_
    assert streamed.n_steps_seen_ == whole.n_steps_seen_ == 300
    assert whole.n_readout_rows_ == 300 - options.get("n_washout", 0)


def test_partial_fit_equals_fit_on_sequences():
    X, y = _series(240)
    X3, y3 = X.reshape(8, 30, 2), y.reshape(8, 30, 2)
    whole = EchoStateRegressor(**SMALL, n_washout=4).fit(X3, y3)
    parts = EchoStateRegressor(**SMALL, n_washout=4)
    for idx in ([0, 1, 2], [3], [4, 5, 6, 7]):
        parts.partial_fit(X3[idx], y3[idx])
    np.testing.assert_allclose(parts.output_weights_, whole.output_weights_, rtol=1e-9,
                               atol=1e-12)


def test_long_series_runs_in_chunks(monkeypatch):
    """Internal chunking of a long series does not change the result."""
    from skrnn.echo_state import _sweep

    X, y = _series(200)
    reference = EchoStateRegressor(**SMALL, n_washout=10).fit(X, y)
    monkeypatch.setattr(_sweep, "CHUNK_ELEMENTS", 30 * 7)  # 7 steps per chunk
    chunked = EchoStateRegressor(**SMALL, n_washout=10).fit(X, y)
    np.testing.assert_allclose(chunked.output_weights_, reference.output_weights_, rtol=1e-9)
    np.testing.assert_allclose(chunked.predict(X), reference.predict(X), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("options", [
    {},
    {"output_feedback": True},
    {"pooling": "mean"},
], ids=["per-step", "feedback", "per-sequence"])
def test_prediction_in_parallel_blocks(monkeypatch, options):
    """n_jobs=2 runs blocks of sequences on two threads: the same outputs and states."""
    from skrnn.echo_state import _reservoir
    from skrnn.utils import _threads

    monkeypatch.setattr(_threads, "MIN_WORK_PER_BLOCK", 1)  # split however small
    rng = np.random.RandomState(0)
    lengths = rng.randint(5, 40, 37)  # ragged, 37: blocks of unequal width
    X = [rng.uniform(-1, 1, (m, 2)) for m in lengths]
    y = ([np.sin(3 * x) for x in X] if "pooling" not in options
         else rng.uniform(-1, 1, (len(X), 2)))
    model = EchoStateRegressor(**SMALL, **options, n_washout=2, alpha=1e-4).fit(X, y)
    state0 = rng.uniform(-0.5, 0.5, (len(X), 30 + (2 if "output_feedback" in options else 0)))
    one, one_state = model.predict(X, initial_state=state0, return_state=True)
    blocks = []
    real = _reservoir.reservoir_states
    monkeypatch.setattr(_reservoir, "reservoir_states",
                        lambda *a: (blocks.append(len(a[16])), real(*a))[1])
    two, two_state = model.set_params(n_jobs=2).predict(X, initial_state=state0,
                                                        return_state=True)
    assert sorted(blocks) == [18, 19]  # two blocks of sequences, every sequence in one
    for a, b in zip(two, one):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(two_state, one_state, rtol=1e-12, atol=1e-14)
    if not options:  # and both are the network's equations, run in NumPy
        W, x, a = model.recurrent_weights_.toarray(), state0[5, :30], model.leaking_rate
        for u in X[5]:
            x = (1 - a) * x + a * np.tanh(model.hidden_bias_ + u @ model.input_weights_ + x @ W)
        np.testing.assert_allclose(two_state[5], x, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("options", [
    {"output_feedback": True, "n_washout": 3, "alpha": 1e-2},
    {"n_washout": 2, "include_inputs": False, "alpha": 1e-2},
], ids=["feedback", "washout"])
def test_sequences_run_in_windows_and_groups(monkeypatch, options):
    """Windows of time steps and groups of sequences do not change the result."""
    from skrnn.echo_state import _sweep

    rng = np.random.RandomState(0)
    X = [rng.uniform(-1, 1, (n, 2)) for n in (9, 3, 14, 1, 7, 12)]
    y = [np.sin(x[:, :1] * 2) for x in X]
    X3, y3 = rng.uniform(-1, 1, (5, 11, 2)), rng.uniform(-1, 1, 5)
    reference = EchoStateRegressor(**SMALL, **options).fit(X, y)
    per_seq = EchoStateRegressor(**SMALL, pooling="both", n_washout=4, alpha=1e-2).fit(X3, y3)
    expected = (reference.predict(X), reference.output_weights_, per_seq.predict(X3),
                per_seq.output_weights_)
    monkeypatch.setattr(_sweep, "CHUNK_ELEMENTS", 30 * 4)  # windows of 4 rows
    monkeypatch.setattr(_sweep, "GROUP", 2)
    small = EchoStateRegressor(**SMALL, **options).fit(X, y)
    small_seq = EchoStateRegressor(**SMALL, pooling="both", n_washout=4, alpha=1e-2).fit(X3, y3)
    got = (small.predict(X), small.output_weights_, small_seq.predict(X3),
           small_seq.output_weights_)
    for a, b in zip(got[0], expected[0]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    for a, b in zip(got[1:], expected[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


# -- the readout is ridge on [1, u, x] --------------------------------------------------
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("include_inputs", [True, False])
def test_readout_is_ridge_on_the_states(fit_intercept, include_inputs):
    X, y = _series()
    model = EchoStateRegressor(**SMALL, alpha=0.1, n_washout=20, fit_intercept=fit_intercept,
                               include_inputs=include_inputs).fit(X, y)
    H = esn_states(model, X)
    F = np.hstack([X, H]) if include_inputs else H
    coef, intercept = standardised_ridge(F[20:], y[20:], 0.1, fit_intercept)
    np.testing.assert_allclose(model.output_weights_, coef, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(model.output_bias_, intercept, atol=1e-9)
    np.testing.assert_allclose(model.predict(X), F @ coef + intercept, rtol=1e-7, atol=1e-9)


def test_gcv_picks_more_penalty_for_noisier_targets():
    X, y = _series()
    rng = np.random.RandomState(0)
    clean = EchoStateRegressor(**SMALL, alpha="gcv").fit(X, y[:, 0])
    noisy = EchoStateRegressor(**SMALL, alpha="gcv").fit(X, y[:, 0] + rng.normal(0, 1, 300))
    assert noisy.alpha_ > clean.alpha_
    assert clean.gcv_scores_.shape == clean.alphas_.shape == (61,)
    grid = [1e-4, 1e-2, 1e-1, 1.0, 1e2]
    custom = EchoStateRegressor(**SMALL, alpha="gcv", alphas=grid[::-1]).fit(X, y)
    assert list(custom.alphas_) == grid and custom.alpha_ in grid[1:-1]
    # a grid that stops short of the best penalty says which way to widen it
    with pytest.warns(ReadoutWarning, match="smallest value of the alphas you passed"):
        EchoStateRegressor(**SMALL, alpha="gcv", alphas=grid[3:]).fit(X, y)


# -- the reservoir ------------------------------------------------------------------------
def test_reservoir_is_a_function_of_random_state():
    a = EchoStateRegressor(**SMALL).fit(*_series())
    b = EchoStateRegressor(**SMALL).fit(*_series(seed=1))  # other data, same reservoir
    c = EchoStateRegressor(**{**SMALL, "random_state": 1}).fit(*_series())
    np.testing.assert_array_equal(a.recurrent_weights_.toarray(), b.recurrent_weights_.toarray())
    np.testing.assert_array_equal(a.input_weights_, b.input_weights_)
    assert not np.array_equal(a.input_weights_, c.input_weights_)


def test_same_reservoir_in_another_process():
    code = ("import numpy as np; from skrnn import EchoStateRegressor as E; "
            "m = E(n_reservoir=150, random_state=3).fit(np.ones((5, 1)), np.ones(5)); "
            "print(repr(float(np.abs(m.recurrent_weights_.toarray()).sum())), "
            "repr(float(m.input_weights_.sum())))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    here = EchoStateRegressor(n_reservoir=150, random_state=3).fit(np.ones((5, 1)), np.ones(5))
    assert float(out[0]) == float(np.abs(here.recurrent_weights_.toarray()).sum())
    assert float(out[1]) == float(here.input_weights_.sum())


# dense and ARPACK eigenvalues; (500, 0.1) is a reservoir whose nearly tied
# largest eigenvalues ARPACK's default basis missed (radius 0.903, not 0.9)
@pytest.mark.parametrize("n_reservoir, connectivity",
                         [(40, 0.05), (40, 0.5), (300, 0.05), (300, 0.5), (500, 0.1)])
def test_spectral_radius_and_connectivity(n_reservoir, connectivity):
    model = EchoStateRegressor(n_reservoir, spectral_radius=1.1, connectivity=connectivity,
                               random_state=0).fit(np.ones((3, 1)), np.ones(3))
    W = model.recurrent_weights_.toarray()
    assert np.abs(scipy.linalg.eigvals(W)).max() == pytest.approx(1.1, rel=1e-6)
    # float32-representable, the kernel's storage
    np.testing.assert_array_equal(W.astype(np.float32), W)
    in_degree = (W != 0).sum(axis=0)
    np.testing.assert_array_equal(in_degree, round(connectivity * n_reservoir))


def test_leaking_rate_slows_the_reservoir():
    X, y = _series()
    fast = EchoStateRegressor(**SMALL, leaking_rate=1.0).fit(X, y)
    slow = EchoStateRegressor(**SMALL, leaking_rate=0.1).fit(X, y)
    assert (np.abs(np.diff(esn_states(slow, X), axis=0)).mean()
            < 0.3 * np.abs(np.diff(esn_states(fast, X), axis=0)).mean())


@pytest.mark.parametrize("Est", [EchoStateRegressor, EchoStateClassifier])
def test_dtype_is_preserved(Est):
    X, y = make_sine_sequences(20, n_timesteps=15, random_state=0)
    for dtype in (np.float32, np.float64):
        model = Est(**SMALL).fit(X.astype(dtype), y)
        assert model.output_weights_.dtype == dtype
        assert model.input_weights_.dtype == dtype
        assert model.recurrent_weights_.dtype == dtype
    out = EchoStateRegressor(**SMALL).fit(*[a.astype(np.float32) for a in _series()])
    assert out.predict(_series()[0].astype(np.float32)).dtype == np.float32
    f64 = EchoStateRegressor(**SMALL).fit(*_series())
    f32 = EchoStateRegressor(**SMALL).fit(*[a.astype(np.float32) for a in _series()])
    np.testing.assert_allclose(f32.predict(_series()[0]), f64.predict(_series()[0]), atol=1e-3)


# -- prediction, streaming state, forecasting ---------------------------------------------
def test_predict_streams_with_state():
    X, y = _series()
    model = EchoStateRegressor(**SMALL).fit(X, y)
    p1, state = model.predict(X[:120], return_state=True)
    p2 = model.predict(X[120:], initial_state=state)
    np.testing.assert_allclose(np.vstack([p1, p2]), model.predict(X), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="initial_state must have shape"):
        model.predict(X, initial_state=np.zeros(3))


def test_output_feedback_predict_is_closed_loop():
    X, y = _series()
    y1 = y[:, 0]
    model = EchoStateRegressor(**SMALL, output_feedback=True, feedback_scaling=0.5).fit(X, y1)
    W = model.recurrent_weights_.toarray()
    x, y_prev, expected = np.zeros(30), np.zeros(1), []
    for u in X:
        x = np.tanh(model.hidden_bias_ + u @ model.input_weights_ + x @ W
                    + y_prev @ model.feedback_weights_)
        y_prev = np.hstack([u, x]) @ model.output_weights_ + model.output_bias_
        expected.append(y_prev[0])
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-10, atol=1e-12)
    pred, state = model.predict(X, return_state=True)
    assert state.shape == (1, 31)  # the reservoir state, then the last output
    assert state[0, -1] == pytest.approx(pred[-1])


def test_output_feedback_training_is_teacher_forced():
    X, y = _series()
    y1 = y[:, 0]
    model = EchoStateRegressor(**SMALL, output_feedback=True, alpha=0.01).fit(X, y1)
    W = model.recurrent_weights_.toarray()
    x, H = np.zeros(30), []
    for t, u in enumerate(X):
        fb = y1[t - 1] if t else 0.0
        x = np.tanh(model.hidden_bias_ + u @ model.input_weights_ + x @ W
                    + fb * model.feedback_weights_[0])
        H.append(x)
    coef, _ = standardised_ridge(np.hstack([X, H]), y1, 0.01)
    np.testing.assert_allclose(model.output_weights_, coef, rtol=1e-7, atol=1e-10)


def test_forecast_free_runs_a_sine():
    X, y = make_sine_series(700, period=30, random_state=0)
    model = EchoStateRegressor(n_reservoir=100, spectral_radius=0.95, leaking_rate=0.5,
                               n_washout=50, alpha=1e-9, random_state=0).fit(X[:600], y[:600])
    future = model.forecast(X[:600], 90)
    assert future.shape == (90,)
    rmse = np.sqrt(np.mean((future - X[600:690, 0]) ** 2))
    assert rmse < 0.05
    # continuing from the end of training is the same thing
    np.testing.assert_allclose(model.forecast(None, 90), future, rtol=1e-9, atol=1e-10)
    # a NumPy closed loop: the output becomes the next input
    W = model.recurrent_weights_.toarray()
    x = esn_states(model, X[:600])[-1]
    u = future[0]
    for k in range(1, 5):
        x = (1 - 0.5) * x + 0.5 * np.tanh(model.hidden_bias_ + u * model.input_weights_[0]
                                          + x @ W)
        u = (np.hstack([[u], x]) @ model.output_weights_ + model.output_bias_)[0]
        assert u == pytest.approx(future[k], rel=1e-9)


def test_forecast_of_a_batch():
    X, y = make_sine_series(400, period=20, random_state=0)
    model = EchoStateRegressor(n_reservoir=60, n_washout=20, alpha=1e-8,
                               random_state=0).fit(X[:300], y[:300])
    batch = np.stack([X[:100], X[100:200]])
    out = model.forecast(batch, 10)
    assert out.shape == (2, 10)
    np.testing.assert_allclose(out[1], model.forecast(X[100:200], 10), rtol=1e-10)


def test_forecast_errors():
    X, y = _series()
    model = EchoStateRegressor(**SMALL).fit(X, y[:, 0])
    with pytest.raises(ValueError, match="as many outputs as input features"):
        model.forecast(X, 5)
    model = EchoStateRegressor(**SMALL).fit(X.reshape(10, 30, 2), y.reshape(10, 30, 2))
    with pytest.raises(ValueError, match="none was seen"):
        model.forecast(None, 5)
    with pytest.raises(ValueError, match="positive integer"):
        model.forecast(X, 0)


def test_per_sequence_regression_with_pooling():
    X, _ = make_sine_sequences(60, n_timesteps=20, random_state=0)
    target = X[:, :, 0].mean(axis=1)
    for pooling in ("last", "mean", "both"):
        model = EchoStateRegressor(**SMALL, pooling=pooling, n_washout=3).fit(X, target)
        p = 30 + 1
        assert model.output_weights_.shape == ((2 * p if pooling == "both" else p), 1)
        assert model.predict(X).shape == (60,)
    assert EchoStateRegressor(**SMALL, pooling="mean").fit(X, target).score(X, target) > 0.9


# -- the classifier ---------------------------------------------------------------------
@pytest.mark.parametrize("pooling", ["last", "mean", "both"])
def test_classifier_pooling_features(pooling):
    X, y = make_sine_sequences(40, n_timesteps=12, n_classes=3, random_state=0)
    clf = EchoStateClassifier(**SMALL, pooling=pooling, n_washout=4, alpha=0.1).fit(X, y)
    feats = []
    for seq in X:
        F = np.hstack([seq, esn_states(clf, seq)])
        last, mean = F[-1], F[4:].mean(axis=0)
        feats.append({"last": last, "mean": mean, "both": np.hstack([last, mean])}[pooling])
    codes = 2 * (y[:, None] == clf.classes_).astype(float) - 1
    coef, intercept = standardised_ridge(np.array(feats), codes, 0.1)
    expected = np.array(feats) @ coef + intercept
    np.testing.assert_allclose(clf.decision_function(X), expected[:, 0] if len(clf.classes_) == 2
                               else expected, rtol=1e-7, atol=1e-9)


def test_classifier_learns_and_streams():
    X, y = make_sine_sequences(300, n_timesteps=40, n_classes=3, random_state=0)
    clf = EchoStateClassifier(n_reservoir=100, random_state=0).fit(X[:200], y[:200])
    assert clf.score(X[200:], y[200:]) > 0.9
    streamed = EchoStateClassifier(n_reservoir=100, random_state=0)
    for start in range(0, 200, 50):
        streamed.partial_fit(X[start:start + 50], y[start:start + 50], classes=[0, 1, 2])
    np.testing.assert_allclose(streamed.output_weights_, clf.output_weights_, rtol=1e-7,
                               atol=1e-7)
    with pytest.raises(ValueError, match="classes must be passed"):
        EchoStateClassifier(**SMALL).partial_fit(X[:10], y[:10])


def test_binary_classifier_and_ragged_sequences():
    rng = np.random.RandomState(0)
    X = [rng.normal(loc=(i % 2), size=(rng.randint(5, 15), 1)) for i in range(60)]
    y = np.array(["odd" if i % 2 else "even" for i in range(60)])
    clf = EchoStateClassifier(**SMALL).fit(X, y)
    assert clf.decision_function(X).shape == (60,)
    assert clf.score(X, y) > 0.9
    assert set(clf.predict(X)) <= {"odd", "even"}


# -- errors, pickling ---------------------------------------------------------------------
def test_bad_input_is_rejected_and_the_model_survives():
    X, y = _series()
    model = EchoStateRegressor(**SMALL).fit(X, y)
    before = model.output_weights_.copy()
    bad = X.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.partial_fit(bad, y)
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :1], y)
    with pytest.raises(ValueError, match="washout"):
        EchoStateRegressor(**SMALL, n_washout=500).fit(X, y)
    with pytest.raises(ValueError, match="one value per sequence"):
        EchoStateRegressor(**SMALL, output_feedback=True).fit(X.reshape(10, 30, 2),
                                                               y[::30, 0])
    with pytest.raises(ValueError, match="alphas"):
        EchoStateRegressor(**SMALL, alpha="gcv", alphas=[-1.0]).fit(X, y)
    with pytest.raises(ValueError, match="spectral_radius"):
        EchoStateRegressor(spectral_radius=-1).fit(X, y)
    np.testing.assert_array_equal(model.output_weights_, before)
    np.testing.assert_allclose(model.predict(X), EchoStateRegressor(**SMALL).fit(X, y)
                               .predict(X))


def test_pickle_then_partial_fit():
    X, y = _series()
    model = EchoStateRegressor(**SMALL, n_washout=10).partial_fit(X[:100], y[:100])
    copy = pickle.loads(pickle.dumps(model))
    model.partial_fit(X[100:], y[100:])
    copy.partial_fit(X[100:], y[100:])
    np.testing.assert_array_equal(copy.output_weights_, model.output_weights_)
    np.testing.assert_array_equal(copy.predict(X), model.predict(X))


def test_grid_search_with_time_series_split():
    s = make_mackey_glass(400, random_state=0)
    X, y = s[:-1, None], s[1:]
    pipe = make_pipeline(StandardScaler(), EchoStateRegressor(n_reservoir=40, n_washout=20,
                                                              random_state=0))
    grid = GridSearchCV(pipe, {"echostateregressor__spectral_radius": [0.5, 1.0],
                               "echostateregressor__leaking_rate": [0.3, 1.0]},
                        cv=TimeSeriesSplit(n_splits=3)).fit(X, y)
    assert grid.best_score_ > 0.5
    assert isinstance(clone(grid.best_estimator_), type(pipe))


# -- the benchmark tasks, at full size (slow) --------------------------------------------------
@pytest.mark.slow
def test_narma10_with_100_units():
    X, y = make_narma(4200, random_state=0)
    model = EchoStateRegressor(100, spectral_radius=0.95, input_scaling=0.1, bias_scaling=0.1,
                               n_washout=200, alpha="gcv", random_state=0)
    model.fit(X[:2200], y[:2200])
    pred = model.predict(X)[2200:]
    nmse = np.mean((pred - y[2200:]) ** 2) / np.var(y[2200:])
    assert nmse < 0.12


def test_score_leaves_out_the_washout():
    from sklearn.metrics import r2_score

    X, y = _series()
    model = EchoStateRegressor(**SMALL, n_washout=40).fit(X[:200], y[:200, 0])
    pred = model.predict(X[200:])
    assert model.score(X[200:], y[200:, 0]) == pytest.approx(r2_score(y[240:, 0], pred[40:]))
    X3, y3 = X.reshape(6, 50, 2), y[:, 0].reshape(6, 50)
    pred3 = model.predict(X3)
    assert model.score(X3, y3) == pytest.approx(r2_score(y3[:, 40:].ravel(),
                                                         pred3[:, 40:].ravel()))
    # nothing left after the washout: every step counts
    assert model.score(X[:30], y[:30, 0]) == pytest.approx(r2_score(y[:30, 0],
                                                                    model.predict(X[:30])))


@pytest.mark.slow
def test_mackey_glass_nrmse84_with_1000_units():
    """Jaeger's protocol, on 20 of the benchmark's 50 windows (see BENCHMARKS.md)."""
    s = make_mackey_glass(21000 + 1000 + 20 * 1084 + 10, random_state=0)
    z = np.tanh(s - 1.0)
    X, y = z[:-1, None], z[1:]
    model = EchoStateRegressor(1000, spectral_radius=1.25, leaking_rate=0.3, input_scaling=0.5,
                               bias_scaling=0.5, connectivity=0.01, n_washout=1000,
                               alpha=1e-10, random_state=0).fit(X[:21000], y[:21000])
    errors = []
    for r in range(20):
        w0 = 22000 + r * 1084
        free = model.forecast(X[w0:w0 + 1000], 84)
        errors.append(np.arctanh(free[-1]) + 1.0 - s[w0 + 1083])
    assert np.sqrt(np.mean(np.square(errors)) / np.var(s)) < 1e-3
