"""SequenceScaler: statistics over every time step, every layout, streaming, pipelines."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn import config_context
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrnn import EchoStateClassifier, ElmanRegressor, LSTMClassifier, SequenceScaler


def _ragged(rng, lengths=(5, 2, 7, 1), n_features=3, dtype=np.float64):
    return [(rng.randn(n, n_features) * [1, 10, 100][:n_features] + [5, -3, 50][:n_features])
            .astype(dtype) for n in lengths]


def _steps(X):
    """Every time step of 3D or list input, stacked (the reference's view)."""
    if isinstance(X, list):
        return np.concatenate([np.reshape(x, (len(x), -1)) for x in X])
    return X.reshape(-1, X.shape[-1])


# -- scikit-learn's checks ---------------------------------------------------------

# No expected failures: a scaler acts on each time step alone, so even the
# row-order checks hold for a 2D series.
@parametrize_with_checks([SequenceScaler(), SequenceScaler(univariate_rows=True),
                          SequenceScaler(with_mean=False), SequenceScaler(feature_range=(-1, 1))])
def test_sklearn_compatible(estimator, check, monkeypatch):
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # let the array-API input check run
    check(estimator)


# -- the statistics, per layout ----------------------------------------------------

def test_2d_series_is_standard_scaler():
    X = np.random.RandomState(0).randn(30, 4) * [1, 2, 3, 4] + [0, 1, 2, 3]
    ours, ref = SequenceScaler().fit(X), StandardScaler().fit(X)
    np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=1e-12)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-12)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=1e-12)
    assert ours.n_steps_seen_ == 30


@pytest.mark.parametrize("layout", ["3d", "list", "tuple"])
def test_statistics_over_every_time_step(layout):
    rng = np.random.RandomState(1)
    if layout == "3d":
        X = rng.randn(4, 6, 3) * [1, 10, 100] + [5, -3, 50]
    else:
        X = _ragged(rng)
    X_in = tuple(X) if layout == "tuple" else X
    scaler = SequenceScaler().fit(X_in)
    steps = _steps(X)
    np.testing.assert_allclose(scaler.mean_, steps.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(scaler.var_, steps.var(axis=0), rtol=1e-12)
    assert scaler.n_steps_seen_ == steps.shape[0]
    assert scaler.n_features_in_ == 3
    Xt = scaler.transform(X_in)
    np.testing.assert_allclose(_steps(Xt).mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(_steps(Xt).std(axis=0), 1, rtol=1e-12)


def test_univariate_rows_share_one_mean_and_scale():
    rng = np.random.RandomState(2)
    X = rng.randn(6, 9) * 4 + np.linspace(0, 10, 9)   # a trend over time steps
    scaler = SequenceScaler(univariate_rows=True).fit(X)
    np.testing.assert_allclose(scaler.mean_, [X.mean()], rtol=1e-12)
    np.testing.assert_allclose(scaler.scale_, [X.std()], rtol=1e-12)
    assert scaler.n_features_in_ == 9          # a row holds 9 time steps
    Xt = scaler.transform(X)
    # one affine map for every value: the trend over time survives, which a
    # per-column StandardScaler would flatten
    np.testing.assert_allclose(Xt, (X - X.mean()) / X.std(), rtol=1e-12)
    assert np.all(np.diff(Xt.mean(axis=0)) > 0)
    # the same data as 3D univariate sequences gives the same statistics
    scaler3 = SequenceScaler().fit(X[:, :, None])
    np.testing.assert_allclose(scaler3.mean_, scaler.mean_, rtol=1e-12)
    np.testing.assert_allclose(scaler3.scale_, scaler.scale_, rtol=1e-12)


def test_fitted_on_a_series_transforms_a_batch():
    rng = np.random.RandomState(3)
    series = rng.randn(40, 2)
    scaler = SequenceScaler().fit(series)
    batch = rng.randn(3, 5, 2)
    np.testing.assert_allclose(scaler.transform(batch),
                               (batch - scaler.mean_) / scaler.scale_, rtol=1e-12)


def test_sample_weight_per_step_of_a_series():
    rng = np.random.RandomState(20)
    X, w = rng.randn(20, 2) * 3 + 1, rng.uniform(0, 2, 20)
    ours = SequenceScaler().fit(X, sample_weight=w)
    ref = StandardScaler().fit(X, sample_weight=w)
    np.testing.assert_allclose(ours.mean_, ref.mean_, rtol=1e-12)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-12)


@pytest.mark.parametrize("layout", ["3d", "list"])
def test_sample_weight_per_sequence(layout):
    rng = np.random.RandomState(21)
    X = rng.randn(4, 5, 3) * 2 + 1 if layout == "3d" else _ragged(rng)
    counts = np.array([2, 0, 1, 3])
    weighted = SequenceScaler().fit(X, sample_weight=counts)
    # integer weights repeat the sequences; a zero weight drops one
    repeated = [x for x, c in zip(X, counts) for _ in range(c)]
    reference = SequenceScaler().fit(repeated)
    np.testing.assert_allclose(weighted.mean_, reference.mean_, rtol=1e-12)
    np.testing.assert_allclose(weighted.var_, reference.var_, rtol=1e-12)
    # and streamed, chunk by chunk with their own weights
    streamed = SequenceScaler()
    for i in range(4):
        streamed.partial_fit(X[i:i + 1], sample_weight=counts[i:i + 1] + 0.0)
    np.testing.assert_allclose(streamed.var_, reference.var_, rtol=1e-12)
    with pytest.raises(ValueError, match="sample_weight"):
        SequenceScaler().fit(X, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="sample_weight sums to zero"):
        SequenceScaler().fit(X, sample_weight=np.zeros(4))


# -- output layout and dtype -------------------------------------------------------

def test_output_keeps_the_layout():
    rng = np.random.RandomState(4)
    scaler = SequenceScaler().fit(_ragged(rng, n_features=2))
    assert scaler.transform(rng.randn(7, 2)).shape == (7, 2)
    assert scaler.transform(rng.randn(3, 4, 2)).shape == (3, 4, 2)
    ragged = _ragged(rng, lengths=(3, 1, 4), n_features=2)
    out = scaler.transform(ragged)
    assert isinstance(out, list) and [x.shape for x in out] == [(3, 2), (1, 2), (4, 2)]
    # a list of equal-length arrays is still a list, not a 3D array
    out = scaler.transform([rng.randn(4, 2), rng.randn(4, 2)])
    assert isinstance(out, list) and [x.shape for x in out] == [(4, 2), (4, 2)]
    # univariate 1D sequences stay 1D
    uni = SequenceScaler().fit([rng.randn(5), rng.randn(3)])
    assert [x.shape for x in uni.transform([rng.randn(2), rng.randn(6)])] == [(2,), (6,)]
    # a nested list of numbers is an array-like: an ndarray comes back
    assert isinstance(scaler.transform([[0.0, 1.0], [2.0, 3.0]]), np.ndarray)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["2d", "3d", "list"])
def test_dtype_preserved(dtype, layout):
    rng = np.random.RandomState(5)
    X = {"2d": rng.randn(10, 3), "3d": rng.randn(2, 5, 3),
         "list": _ragged(rng)}[layout]
    X = [x.astype(dtype) for x in X] if layout == "list" else X.astype(dtype)
    scaler = SequenceScaler().fit(X)
    out = scaler.transform(X)
    back = scaler.inverse_transform(out)
    for piece in (out if layout == "list" else [out]) + (back if layout == "list" else [back]):
        assert piece.dtype == dtype
    assert scaler.mean_.dtype == np.float64  # statistics accumulate in float64
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(_steps(back) if layout != "2d" else back,
                               _steps(X) if layout != "2d" else X, rtol=tol, atol=tol)


@pytest.mark.parametrize("layout", ["2d", "3d", "list"])
def test_inverse_transform_round_trip(layout):
    rng = np.random.RandomState(6)
    X = {"2d": rng.randn(12, 3) * 7 + 2, "3d": rng.randn(3, 4, 3) * 7 + 2,
         "list": _ragged(rng)}[layout]
    scaler = SequenceScaler().fit(X)
    back = scaler.inverse_transform(scaler.transform(X))
    if layout == "list":
        assert [b.shape for b in back] == [x.shape for x in X]
        back, X = np.concatenate(back), np.concatenate(X)
    assert back.shape == X.shape
    np.testing.assert_allclose(back, X, rtol=1e-12, atol=1e-12)


# -- options -----------------------------------------------------------------------

def test_with_mean_and_with_std():
    rng = np.random.RandomState(7)
    X = rng.randn(3, 8, 2) * [2, 5] + [10, -4]
    steps = _steps(X)
    only_std = SequenceScaler(with_mean=False).fit(X)
    np.testing.assert_allclose(only_std.transform(X), X / steps.std(axis=0), rtol=1e-12)
    only_mean = SequenceScaler(with_std=False).fit(X)
    assert only_mean.var_ is None and only_mean.scale_ is None
    np.testing.assert_allclose(only_mean.transform(X), X - steps.mean(axis=0), rtol=1e-12)
    neither = SequenceScaler(with_mean=False, with_std=False).fit(X)
    assert neither.mean_ is None and neither.n_steps_seen_ == 24
    np.testing.assert_array_equal(neither.transform(X), X)
    np.testing.assert_allclose(only_std.inverse_transform(only_std.transform(X)), X,
                               rtol=1e-12)


@pytest.mark.parametrize("shape", [(10, 2), (2, 5, 2)])
def test_copy(shape):
    X = np.random.RandomState(8).randn(*shape) + 3
    original = X.copy()
    scaler = SequenceScaler().fit(X)
    out = scaler.transform(X)
    np.testing.assert_array_equal(X, original)        # copy=True leaves X alone
    out_inplace = scaler.transform(X, copy=False)
    np.testing.assert_allclose(X, out, rtol=1e-12)     # scaled in place
    assert np.shares_memory(out_inplace, X)
    back = SequenceScaler(copy=False).fit(original).inverse_transform(X)
    assert np.shares_memory(back, X)
    np.testing.assert_allclose(X, original, rtol=1e-12)


def test_read_only_input_with_copy_false():
    X = np.random.RandomState(9).randn(3, 4, 2)
    X.setflags(write=False)
    out = SequenceScaler(copy=False).fit(X).transform(X)
    assert not np.shares_memory(out, X)


# -- constant features and bad input -----------------------------------------------

def test_constant_features_are_not_blown_up():
    rng = np.random.RandomState(10)
    X = rng.randn(4, 6, 3)
    X[..., 1] = 0.1            # constant, and 0.1 is not exact in binary
    X[..., 2] = 0.0
    scaler = SequenceScaler()
    for chunk in X:            # streamed: the merged variance is rounding noise
        scaler.partial_fit(chunk)
    np.testing.assert_array_equal(scaler.scale_[1:], [1.0, 1.0])
    Xt = scaler.transform(X)
    assert np.all(np.isfinite(Xt))
    np.testing.assert_allclose(Xt[..., 1:], 0, atol=1e-12)
    # a feature with tiny but real spread is still scaled
    X[0, 0, 2] = 1e-9
    assert SequenceScaler().fit(X).scale_[2] < 1e-9


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("layout", ["2d", "3d", "list"])
def test_non_finite_input_is_rejected(bad, layout):
    rng = np.random.RandomState(11)
    X = {"2d": rng.randn(6, 2), "3d": rng.randn(2, 3, 2), "list": _ragged(rng, n_features=2)}
    X = X[layout]
    scaler = SequenceScaler().fit(X)
    fitted = pickle.dumps(scaler)
    if layout == "list":
        X = [x.copy() for x in X]
        X[1][0, 0] = bad
    else:
        X = X.copy()
        X.flat[3] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        scaler.partial_fit(X)
    with pytest.raises(ValueError, match="NaN|infinity"):
        scaler.transform(X)
    # the failed partial_fit left the fitted statistics alone
    assert pickle.dumps(scaler) == fitted


def test_feature_count_mismatch():
    rng = np.random.RandomState(12)
    scaler = SequenceScaler().fit(rng.randn(2, 4, 3))
    fitted = pickle.dumps(scaler)
    with pytest.raises(ValueError, match="3 features per time step"):
        scaler.transform(rng.randn(2, 4, 2))
    with pytest.raises(ValueError, match="3 features per time step"):
        scaler.partial_fit([rng.randn(3, 2), rng.randn(5, 2)])
    with pytest.raises(ValueError, match="same number of features"):
        scaler.transform([rng.randn(3, 3), rng.randn(5, 2)])
    with pytest.raises(ValueError, match="4 dimensions"):
        scaler.transform(rng.randn(2, 2, 2, 3))
    assert pickle.dumps(scaler) == fitted
    with pytest.raises(NotFittedError):
        SequenceScaler().transform(rng.randn(3, 3))


# -- streaming ---------------------------------------------------------------------

def test_partial_fit_equals_fit_over_any_chunking():
    rng = np.random.RandomState(13)
    # a large offset: a naive sum of squares loses every digit of the variance
    X = [1e8 + rng.randn(n, 2) * [1, 10] for n in rng.randint(1, 30, size=40)]
    full = SequenceScaler().fit(X)
    steps = np.concatenate(X)
    np.testing.assert_allclose(full.var_, steps.var(axis=0), rtol=1e-7)
    for cuts in ([1, 2, 3], [10, 25], list(range(1, 40))):
        streamed = SequenceScaler()
        for chunk in np.split(np.arange(40), cuts):
            # chunks come as lists, single series and 3D alike
            part = [X[i] for i in chunk]
            streamed.partial_fit(part if len(part) > 1 else part[0])
        assert streamed.n_steps_seen_ == full.n_steps_seen_
        np.testing.assert_allclose(streamed.mean_, full.mean_, rtol=1e-14)
        np.testing.assert_allclose(streamed.var_, full.var_, rtol=1e-7)
    batch = rng.randn(6, 5, 2) * 3 + 1
    streamed = SequenceScaler().partial_fit(batch[:2]).partial_fit(batch[2:])
    np.testing.assert_allclose(streamed.var_, SequenceScaler().fit(batch).var_, rtol=1e-12)


def test_fit_restarts_partial_fit_accumulates():
    rng = np.random.RandomState(14)
    a, b = rng.randn(10, 2), rng.randn(10, 2) + 5
    scaler = SequenceScaler().partial_fit(a).partial_fit(b)
    np.testing.assert_allclose(scaler.mean_, np.vstack([a, b]).mean(axis=0), rtol=1e-12)
    scaler.fit(b)
    np.testing.assert_allclose(scaler.mean_, b.mean(axis=0), rtol=1e-12)
    assert scaler.n_steps_seen_ == 10


# -- names and pandas output -------------------------------------------------------

def test_feature_names_out():
    rng = np.random.RandomState(15)
    scaler = SequenceScaler().fit(rng.randn(2, 3, 4))
    np.testing.assert_array_equal(scaler.get_feature_names_out(), ["x0", "x1", "x2", "x3"])
    frames = [pd.DataFrame(rng.randn(n, 2), columns=["temp", "load"]) for n in (3, 6)]
    scaler = SequenceScaler().fit(frames)
    np.testing.assert_array_equal(scaler.feature_names_in_, ["temp", "load"])
    np.testing.assert_array_equal(scaler.get_feature_names_out(), ["temp", "load"])
    rows = pd.DataFrame(rng.randn(4, 3), columns=["t0", "t1", "t2"])
    scaler = SequenceScaler(univariate_rows=True).fit(rows)
    np.testing.assert_array_equal(scaler.get_feature_names_out(), ["t0", "t1", "t2"])


def test_set_output_pandas():
    rng = np.random.RandomState(16)
    df = pd.DataFrame(rng.randn(8, 2) * 3 + 1, columns=["a", "b"], index=range(10, 18))
    scaler = SequenceScaler().set_output(transform="pandas")
    out = scaler.fit_transform(df)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["a", "b"] and list(out.index) == list(df.index)
    np.testing.assert_allclose(out.to_numpy(), StandardScaler().fit_transform(df), rtol=1e-12)
    frames = [pd.DataFrame(rng.randn(n, 2), columns=["a", "b"], index=range(100, 100 + n))
              for n in (3, 5)]
    outs = scaler.fit(frames).transform(frames)
    assert [type(o) for o in outs] == [pd.DataFrame, pd.DataFrame]
    assert list(outs[1].index) == list(frames[1].index)
    assert list(outs[0].columns) == ["a", "b"]
    # 3D has no pandas container: an ndarray comes back (with scikit-learn's
    # warning that it lacks the names the scaler was fitted with)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        assert isinstance(scaler.transform(rng.randn(2, 3, 2)), np.ndarray)
    scaler.set_output(transform="default")
    assert isinstance(scaler.transform(df), np.ndarray)


# -- pipelines ---------------------------------------------------------------------

# short fits on purpose: whether they converge is not what these tests check
no_convergence_warning = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")

def _offset_sequences(rng, lengths):
    """Sequences whose class is the sign of their first feature's mean, given on a
    scale (around 1000, spread 50) that saturates a network fed it raw."""
    X, y = [], []
    for i, n in enumerate(lengths):
        label = i % 2
        x = rng.randn(n, 2)
        x[:, 0] += 0.8 if label else -0.8
        X.append(x * [50, 0.01] + [1000, -3])
        y.append(label)
    return X, np.array(y)


@no_convergence_warning
def test_pipeline_lstm_classifier_3d_in_grid_search():
    rng = np.random.RandomState(17)
    X, y = _offset_sequences(rng, [6] * 48)
    X = np.stack(X)
    pipe = make_pipeline(SequenceScaler(),
                         LSTMClassifier(n_hidden=4, max_iter=30, random_state=0))
    search = GridSearchCV(pipe, {"lstmclassifier__n_hidden": [2, 4],
                                 "sequencescaler__with_std": [True, False]},
                          cv=StratifiedKFold(3))
    search.fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    # unscaled deviations of 50 saturate the gates: scaling is what lets it learn
    assert search.best_params_["sequencescaler__with_std"] is True
    assert search.best_score_ > 0.8
    scaler = search.best_estimator_[0]
    np.testing.assert_allclose(scaler.mean_, _steps(X).mean(axis=0), rtol=1e-12)
    assert search.predict(X).shape == (48,)


@no_convergence_warning
def test_pipeline_on_variable_length_sequences_in_grid_search():
    rng = np.random.RandomState(18)
    X, y = _offset_sequences(rng, rng.randint(3, 9, size=40))
    pipe = make_pipeline(SequenceScaler(), EchoStateClassifier(n_reservoir=30, random_state=0))
    search = GridSearchCV(pipe, {"echostateclassifier__spectral_radius": [0.5, 0.9]},
                          cv=StratifiedKFold(2))
    search.fit(X, y)
    assert search.best_score_ > 0.8
    assert search.predict(X).shape == (40,)
    # the pipeline's scaler saw every time step of the training sequences
    np.testing.assert_allclose(search.best_estimator_[0].mean_, _steps(X).mean(axis=0),
                               rtol=1e-12)


@no_convergence_warning
def test_pipeline_under_global_pandas_output():
    rng = np.random.RandomState(19)
    series = pd.DataFrame({"x": np.sin(np.arange(60) / 3) * 100 + 500,
                           "noise": rng.randn(60)})
    target = np.roll(series["x"].to_numpy(), -1)
    with config_context(transform_output="pandas"):
        pipe = make_pipeline(SequenceScaler(),
                             ElmanRegressor(n_hidden=4, max_iter=5, random_state=0))
        search = GridSearchCV(pipe, {"elmanregressor__alpha": [1e-4, 1e-2]},
                              cv=KFold(2))
        search.fit(series, target)
        # the regressor received the scaler's DataFrame, names included
        np.testing.assert_array_equal(search.best_estimator_[-1].feature_names_in_,
                                      ["x", "noise"])
        # a 3D batch passes the pandas setting as an ndarray
        pipe.fit(np.stack([series.to_numpy()] * 2), np.stack([target] * 2))
