"""SequenceTransformedTargetRegressor: numeric targets scaled in every layout."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import MinMaxScaler

from skrnn import ElmanRegressor, JordanRegressor, SequenceTransformedTargetRegressor

RNG = np.random.RandomState(0)
LAYOUTS = {
    "series 1D": (RNG.normal(size=(30, 2)), 500 + 100 * RNG.normal(size=30)),
    "series 2D": (RNG.normal(size=(30, 2)), [500, -3] + [100, 0.1] * RNG.normal(size=(30, 2))),
    "3D per step": (RNG.normal(size=(4, 6, 2)), 500 + 100 * RNG.normal(size=(4, 6))),
    "3D per step, 2 outputs": (RNG.normal(size=(4, 6, 2)), 500 + RNG.normal(size=(4, 6, 2))),
    "3D per sequence": (RNG.normal(size=(4, 6, 2)), 500 + 100 * RNG.normal(size=4)),
    "list per step": ([RNG.normal(size=(n, 2)) for n in (3, 5)],
                      [500 + 100 * RNG.normal(size=n) for n in (3, 5)]),
    "list per sequence": ([RNG.normal(size=(n, 2)) for n in (3, 5)],
                          500 + 100 * RNG.normal(size=2)),
}


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_inner_regressor_sees_scaled_targets_and_predictions_come_back(layout):
    X, y = LAYOUTS[layout]
    inner = ElmanRegressor(n_hidden=3, max_iter=3, random_state=0)
    model = _fit(SequenceTransformedTargetRegressor(
        inner, transformer=MinMaxScaler(feature_range=(-1, 1))), X, y)
    stacked = (np.concatenate([np.ravel(v) for v in y]) if isinstance(y, list)
               else np.asarray(y).reshape(-1, np.shape(y)[-1] if "2 outputs" in layout
                                          or layout == "series 2D" else 1))
    stacked = stacked.reshape(stacked.shape[0], -1)
    scaled = (stacked - stacked.min(0)) / (stacked.max(0) - stacked.min(0)) * 2 - 1
    # the same regressor fitted by hand on the scaled targets
    if isinstance(y, list):
        bounds = np.cumsum([0] + [len(v) for v in y])
        y_scaled = [scaled[a:b, 0] for a, b in zip(bounds[:-1], bounds[1:])]
    else:
        y_scaled = scaled.reshape(np.shape(y))
    by_hand = _fit(ElmanRegressor(n_hidden=3, max_iter=3, random_state=0), X, y_scaled)
    np.testing.assert_allclose(model.regressor_.get_flat_weights(),
                               by_hand.get_flat_weights(), rtol=1e-10)
    pred, expected = model.predict(X), by_hand.predict(X)
    if isinstance(pred, list):
        pred, expected = np.concatenate(pred), np.concatenate(expected)
    assert np.shape(pred) == np.shape(expected)
    low, span = stacked.min(0), stacked.max(0) - stacked.min(0)
    back = (np.reshape(expected, (len(np.ravel(expected)) // stacked.shape[1], -1)) + 1) / 2
    np.testing.assert_allclose(np.reshape(pred, back.shape), back * span + low, rtol=1e-10)
    assert np.isfinite(model.score(X, y))


def test_default_standardises_and_state_passes_through():
    X, y = LAYOUTS["series 1D"]
    model = _fit(SequenceTransformedTargetRegressor(
        JordanRegressor(n_hidden=3, max_iter=3, random_state=0)), X, y)
    np.testing.assert_allclose(model.transformer_.mean_, [y.mean()])
    pred, state = model.predict(X[:10], return_state=True)
    more = model.predict(X[10:], initial_state=state)
    np.testing.assert_allclose(np.concatenate([pred, more]), model.predict(X), rtol=1e-10)


def test_partial_fit_keeps_the_first_scale_pickle_and_grid_search():
    X, y = LAYOUTS["series 1D"]
    model = SequenceTransformedTargetRegressor(
        ElmanRegressor(n_hidden=3, solver="rtrl", random_state=0),
        transformer=MinMaxScaler(feature_range=(-1, 1)))
    model.partial_fit(X[:15], y[:15])
    scale = model.transformer_.scale_.copy()
    model.partial_fit(X[15:], 10 * y[15:])
    np.testing.assert_array_equal(model.transformer_.scale_, scale)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    search = GridSearchCV(SequenceTransformedTargetRegressor(
        ElmanRegressor(n_hidden=3, max_iter=2, random_state=0)),
        {"transformer": [None, MinMaxScaler(feature_range=(-1, 1))]}, cv=2)
    _fit(search, X, y)
    assert search.best_estimator_.regressor_.n_features_in_ == 2


def test_no_partial_fit_without_the_regressors():
    model = SequenceTransformedTargetRegressor(ElmanRegressor(solver="lbfgs"))
    assert not hasattr(model, "partial_fit")


def test_failing_fit_leaves_a_fitted_model_unchanged():
    X, y = LAYOUTS["series 1D"]
    model = SequenceTransformedTargetRegressor(
        ElmanRegressor(n_hidden=3, max_iter=3, random_state=0))
    _fit(model, X, y)
    before = pickle.dumps(model)
    bad = X.copy()
    bad[3, 0] = np.nan  # refused by the regressor, after the targets were scaled
    with pytest.raises(ValueError, match="NaN"):
        model.fit(bad, 1000 * y)
    assert pickle.dumps(model) == before


def test_failing_first_partial_fit_fits_no_transformer():
    X, y = LAYOUTS["series 1D"]
    model = SequenceTransformedTargetRegressor(ElmanRegressor(n_hidden=3, random_state=0))
    bad = X.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.partial_fit(bad, 1000 * y)
    assert not hasattr(model, "transformer_") and not hasattr(model, "regressor_")
    model.partial_fit(X, y)
    np.testing.assert_allclose(model.transformer_.mean_, [y.mean()])
