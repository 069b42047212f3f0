"""keep_training_state=True: predict continues the training series.

WEKA's Elman network keeps its state after training (resetAfterTraining=False).
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skrnn import ElmanClassifier, ElmanRegressor, JordanRegressor

RNG = np.random.RandomState(0)
X = RNG.uniform(-1, 1, (80, 2))
Y = np.roll(X[:, 0], 2)


def _fit(model, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args)


@pytest.mark.parametrize("cls", [ElmanRegressor, JordanRegressor])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs", "rtrl"])
def test_predict_starts_from_the_state_after_training(cls, solver):
    params = dict(n_hidden=4, solver=solver, max_iter=3, random_state=0, batch_size=1,
                  initial_context=0.5)
    if solver == "rtrl":
        params["batch_size"] = "auto"
    kept = _fit(cls(keep_training_state=True, **params), X[:60], Y[:60])
    plain = _fit(cls(**params), X[:60], Y[:60])
    np.testing.assert_array_equal(kept.get_flat_weights(), plain.get_flat_weights())
    state = kept._stream_state
    assert state.shape == (1, kept._network.state_size)
    np.testing.assert_array_equal(kept.predict(X[60:]),
                                  plain.predict(X[60:], initial_state=state))
    assert not np.allclose(kept.predict(X[60:]), plain.predict(X[60:]))
    # an explicit initial state still wins
    np.testing.assert_array_equal(kept.predict(X[60:], initial_state=np.zeros_like(state)),
                                  plain.predict(X[60:], initial_state=np.zeros_like(state)))
    if solver == "lbfgs":  # the state of the final weights over the training series
        _, expected = plain.predict(X[:60], return_state=True)
        np.testing.assert_allclose(state, expected, rtol=1e-12)


def test_state_follows_partial_fit_and_survives_pickle_and_clone():
    model = ElmanRegressor(n_hidden=4, keep_training_state=True, random_state=0)
    model.partial_fit(X[:40], Y[:40])
    model.partial_fit(X[40:60], Y[40:60])
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(X[60:]), model.predict(X[60:]))
    assert clone(model).get_params()["keep_training_state"] is True


def test_sequences_and_classifiers_still_start_from_the_initial_state():
    X3 = RNG.uniform(-1, 1, (6, 5, 1))
    y3 = X3[:, :, 0]
    kept = _fit(ElmanRegressor(n_hidden=3, max_iter=2, random_state=0,
                               keep_training_state=True), X3, y3)
    plain = _fit(ElmanRegressor(n_hidden=3, max_iter=2, random_state=0), X3, y3)
    np.testing.assert_array_equal(kept.predict(X3), plain.predict(X3))
    rows = RNG.uniform(-1, 1, (20, 5))
    labels = (rows[:, 0] > 0).astype(int)
    kept = _fit(ElmanClassifier(n_hidden=3, max_iter=2, random_state=0,
                                keep_training_state=True), rows, labels)
    plain = _fit(ElmanClassifier(n_hidden=3, max_iter=2, random_state=0), rows, labels)
    np.testing.assert_array_equal(kept.predict_proba(rows), plain.predict_proba(rows))


def test_grid_search_with_time_series_split():
    search = GridSearchCV(ElmanRegressor(n_hidden=3, max_iter=3, random_state=0),
                          {"keep_training_state": [False, True]}, cv=TimeSeriesSplit(3))
    _fit(search, X, Y)
    assert len(search.cv_results_["mean_test_score"]) == 2


def test_bad_value_is_refused():
    with pytest.raises(ValueError, match="keep_training_state"):
        ElmanRegressor(keep_training_state="yes").fit(X, Y)


def test_lbfgs_keeps_the_context_teacher_forcing_fed():
    # with teacher forcing, the context at the end of training is fed by the
    # targets; L-BFGS keeps that state as the stochastic solvers do
    model = _fit(JordanRegressor(n_hidden=3, solver="lbfgs", teacher_forcing=True,
                                 context_decay=0.5, keep_training_state=True, max_iter=20,
                                 random_state=0), X, Y)
    state = model._initial_state(model._prepare(X, Y, reset=False))
    for t in range(X.shape[0]):  # the context runs on the targets: c = mu c + y*
        state = 0.5 * state + Y[t]
    np.testing.assert_allclose(model._stream_state, state, rtol=1e-12)


@pytest.mark.parametrize("solver", ["adam", "rtrl_adam"])
def test_early_stopping_continues_past_the_validation_tail(solver):
    # the next series follows the whole series given to fit, validation tail
    # included, and runs under the weights kept (the best epoch's)
    model = _fit(ElmanRegressor(n_hidden=4, solver=solver, early_stopping=True,
                                validation_fraction=0.25, n_iter_no_change=2, max_iter=15,
                                keep_training_state=True, random_state=0), X[:60], Y[:60])
    continued = model.predict(X[60:])
    whole = model.set_params(keep_training_state=False).predict(X)
    np.testing.assert_allclose(continued, whole[60:], rtol=1e-10, atol=1e-12)
    if solver == "rtrl_adam":
        np.testing.assert_array_equal(model._rtrl_stream["state"], model._stream_state[0])
