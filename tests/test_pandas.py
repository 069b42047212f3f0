"""pandas in and out: feature names on every estimator, DataFrame output of the transformers."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from skrnn import (
    EchoStateClassifier,
    EchoStateRegressor,
    ElmanClassifier,
    ElmanRegressor,
    GeneticOptimizer,
    HopfieldMemory,
    JordanClassifier,
    JordanRegressor,
    LSTMClassifier,
    LSTMRegressor,
    ParticleSwarmOptimizer,
    RNNAutoencoder,
    RNNELMClassifier,
    RNNELMRegressor,
    SequenceScaler,
    SimulatedAnnealingOptimizer,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

_NET = dict(n_hidden=3, max_iter=3, random_state=0)
_SEARCH = dict(population_size=6, max_iter=2, random_state=0)

# What each estimator's 2D DataFrame means: a series (one row per time step),
# univariate sequences (one per row, columns are time steps) or a table.
SERIES_REGRESSORS = [ElmanRegressor(**_NET), JordanRegressor(**_NET), LSTMRegressor(**_NET),
                     EchoStateRegressor(n_reservoir=10, random_state=0)]
ROW_CLASSIFIERS = [ElmanClassifier(**_NET), JordanClassifier(**_NET), LSTMClassifier(**_NET),
                   # a fixed penalty: 'cv' over four sequences warns, rightly, that
                   # it found no penalty small enough
                   EchoStateClassifier(n_reservoir=10, alpha=1.0, random_state=0)]
SEARCHES = [cls(ElmanRegressor(n_hidden=2), **_SEARCH)
            for cls in (GeneticOptimizer, ParticleSwarmOptimizer, SimulatedAnnealingOptimizer)]
TABULAR = [RNNELMRegressor(hidden_layer_sizes=(8,), random_state=0),
           RNNELMClassifier(hidden_layer_sizes=(8,), random_state=0)]
TRANSFORMERS = [RNNAutoencoder(n_components=2, max_iter=3, random_state=0),
                SequenceScaler(), SequenceScaler(univariate_rows=True)]


def _frame_and_target(estimator, rng):
    if isinstance(estimator, HopfieldMemory):
        values = (rng.rand(4, 6) > 0.5).astype(float)
        return pd.DataFrame(values, columns=[f"pixel{i}" for i in range(6)]), None
    columns = ["temp", "load", "wind"]
    if any(estimator is e for e in ROW_CLASSIFIERS) or getattr(estimator, "univariate_rows",
                                                               False):
        columns = [f"t{i}" for i in range(5)]
        return pd.DataFrame(rng.randn(12, 5), columns=columns), np.arange(12) % 2
    X = pd.DataFrame(rng.randn(24, 3), columns=columns)
    if any(estimator is e for e in TRANSFORMERS):
        return X, None
    if any(estimator is e for e in TABULAR[1:]):
        return X, np.arange(24) % 2
    return X, pd.Series(rng.randn(24), name="target")


def _output(estimator, X):
    return (estimator.transform if hasattr(estimator, "transform") else estimator.predict)(X)


ALL = (SERIES_REGRESSORS + ROW_CLASSIFIERS + SEARCHES + TABULAR + TRANSFORMERS
       + [HopfieldMemory(rule="hebbian", random_state=0)])


@pytest.mark.parametrize("estimator", ALL, ids=lambda e: type(e).__name__)
def test_feature_names_recorded_and_checked(estimator):
    rng = np.random.RandomState(0)
    X, y = _frame_and_target(estimator, rng)
    est = clone(estimator).fit(X, y) if y is not None else clone(estimator).fit(X)
    np.testing.assert_array_equal(est.feature_names_in_, X.columns)
    assert est.n_features_in_ == X.shape[1]
    _output(est, X)  # same names: no warning (warnings are errors in this suite)
    renamed = X.rename(columns=lambda c: c + "_other")
    with pytest.raises(ValueError, match="feature names should match"):
        _output(est, renamed)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        _output(est, X.to_numpy())
    # fitted on an ndarray: no names, and none expected later
    plain = clone(estimator).fit(X.to_numpy(), y) if y is not None else \
        clone(estimator).fit(X.to_numpy())
    assert not hasattr(plain, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names"):
        _output(plain, X)


@pytest.mark.parametrize("estimator", SERIES_REGRESSORS + ROW_CLASSIFIERS + [SequenceScaler()],
                         ids=lambda e: type(e).__name__)
def test_list_of_dataframes_names_the_features(estimator):
    rng = np.random.RandomState(1)
    frames = [pd.DataFrame(rng.randn(n, 2), columns=["temp", "load"]) for n in (4, 7, 3, 6)]
    if hasattr(estimator, "transform"):
        y = None
    elif any(estimator is e for e in ROW_CLASSIFIERS):
        y = np.array([0, 1, 0, 1])
    else:
        y = [rng.randn(len(f)) for f in frames]
    est = clone(estimator).fit(frames, y)
    np.testing.assert_array_equal(est.feature_names_in_, ["temp", "load"])
    _output(est, frames)
    other = [f.rename(columns={"load": "power"}) for f in frames]
    with pytest.raises(ValueError, match="feature names should match"):
        _output(est, other)
    with pytest.raises(ValueError, match="same columns"):
        clone(estimator).fit(frames[:2] + other[2:], y)
    # equal-length frames (read as a 3D batch) keep their names too
    est = clone(estimator).fit([f.iloc[:3] for f in frames],
                               y if y is None or isinstance(y, np.ndarray)
                               else [t[:3] for t in y])
    np.testing.assert_array_equal(est.feature_names_in_, ["temp", "load"])


@pytest.mark.parametrize("estimator", SERIES_REGRESSORS, ids=lambda e: type(e).__name__)
def test_dataframe_series_fits_like_the_array(estimator):
    rng = np.random.RandomState(2)
    X, y = _frame_and_target(estimator, rng)
    from_frame = clone(estimator).fit(X, y)
    from_array = clone(estimator).fit(X.to_numpy(), y.to_numpy())
    np.testing.assert_array_equal(from_frame.predict(X), from_array.predict(X.to_numpy()))


@pytest.mark.parametrize("estimator", [EchoStateRegressor(n_reservoir=10, random_state=0),
                                       ElmanRegressor(**_NET), TABULAR[0], SEARCHES[0],
                                       SequenceScaler()],
                         ids=lambda e: type(e).__name__)
def test_partial_fit_checks_names(estimator):
    rng = np.random.RandomState(3)
    X = pd.DataFrame(rng.randn(10, 2), columns=["a", "b"])
    args = () if hasattr(estimator, "transform") else (rng.randn(10),)
    est = clone(estimator).partial_fit(X, *args)
    est.partial_fit(X, *args)
    with pytest.raises(ValueError, match="feature names should match"):
        est.partial_fit(X.rename(columns={"b": "c"}), *args)
    np.testing.assert_array_equal(est.feature_names_in_, ["a", "b"])


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=lambda e: type(e).__name__)
def test_set_output_pandas(transformer):
    rng = np.random.RandomState(4)
    X, _ = _frame_and_target(transformer, rng)
    X.index = X.index + 100
    default = clone(transformer).fit(X).transform(X)
    est = clone(transformer).set_output(transform="pandas").fit(X)
    out = est.transform(X)
    assert isinstance(out, pd.DataFrame)
    np.testing.assert_array_equal(out.columns, est.get_feature_names_out())
    np.testing.assert_array_equal(out.index, X.index)
    np.testing.assert_allclose(out.to_numpy(), default)
    # also when set on a pipeline around it
    pipe = make_pipeline(clone(transformer)).set_output(transform="pandas")
    assert isinstance(pipe.fit_transform(X), pd.DataFrame)


def test_autoencoder_feature_names_out():
    X = pd.DataFrame(np.random.RandomState(5).rand(20, 3), columns=["a", "b", "c"])
    enc = RNNAutoencoder(n_components=2, max_iter=3, random_state=0).fit(X)
    np.testing.assert_array_equal(enc.get_feature_names_out(),
                                  ["rnnautoencoder0", "rnnautoencoder1"])
