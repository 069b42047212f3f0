"""Steering the gradient training: callbacks, the plateau schedule, the best epoch's weights."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skrnn import ElmanClassifier, ElmanRegressor, JordanRegressor, LSTMRegressor
from skrnn.datasets import make_sine_sequences


def _series(n=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n, 1))
    return X, np.roll(X[:, 0], 2) + 0.1 * rng.randn(n)


class _Recorder:
    """A callback that keeps what it saw: the info, and the weights of every epoch."""

    def __init__(self, stop_at=None):
        self.infos, self.weights, self.stop_at = [], [], stop_at

    def __call__(self, estimator, info):
        self.infos.append(info)
        self.weights.append(estimator.get_flat_weights().copy())
        return self.stop_at is not None and info["epoch"] >= self.stop_at


@pytest.mark.parametrize("Model", [ElmanRegressor, JordanRegressor, LSTMRegressor])
def test_early_stopping_restores_the_best_epoch_bit_for_bit(Model):
    X, y = _series()
    record = _Recorder()
    model = Model(n_hidden=4, early_stopping=True, n_iter_no_change=3, max_iter=40,
                  learning_rate_init=0.05, random_state=0, callbacks=[record])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    scores = [info["validation_score"] for info in record.infos]
    assert scores == model.validation_scores_
    best = int(np.argmax(scores))
    assert model.best_validation_score_ == scores[best]
    np.testing.assert_array_equal(model.get_flat_weights(), record.weights[best])
    if best < len(scores) - 1:  # the last epoch's weights were not kept
        assert not np.array_equal(model.get_flat_weights(), record.weights[-1])


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_a_callback_returning_true_stops_the_fit(solver):
    X, y = _series()
    record = _Recorder(stop_at=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopped, not out of epochs
        model = ElmanRegressor(n_hidden=4, solver=solver, max_iter=50, random_state=0,
                               callbacks=[record]).fit(X, y)
    assert model.n_iter_ == 3 and [i["epoch"] for i in record.infos] == [1, 2, 3]
    np.testing.assert_array_equal(model.get_flat_weights(), record.weights[-1])
    assert record.infos[0]["learning_rate"] == (None if solver == "lbfgs" else 0.01)


def test_every_callback_runs_and_any_can_stop():
    X, y = _series()
    first, second = _Recorder(), _Recorder(stop_at=2)
    model = ElmanRegressor(n_hidden=4, max_iter=50, random_state=0,
                           callbacks=(first, second)).fit(X, y)
    assert model.n_iter_ == 2 and len(first.infos) == len(second.infos) == 2


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_the_plateau_schedule_lowers_the_rate(solver):
    """'adaptive': no improvement for n_iter_no_change epochs divides the rate by 5."""
    X, y = _series()
    record = _Recorder()
    # a huge tol: no epoch counts as an improvement, so every plateau is reached
    model = ElmanRegressor(n_hidden=4, solver=solver, learning_rate="adaptive", tol=1e6,
                           n_iter_no_change=2, max_iter=12, random_state=0,
                           callbacks=[record])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    rates = [info["learning_rate"] for info in record.infos]
    # epoch 1 sets the best loss; epochs 2-4 do not improve on it: a plateau, and
    # epochs 5-7 another
    assert rates[:4] == [0.01] * 4
    assert rates[4] == pytest.approx(0.002) and rates[7] == pytest.approx(0.0004)
    assert all(b <= a for a, b in zip(rates, rates[1:]))
    # without it, the first plateau stops the fit
    constant = ElmanRegressor(n_hidden=4, solver=solver, tol=1e6, n_iter_no_change=2,
                              max_iter=12, random_state=0).fit(X, y)
    assert constant.n_iter_ == 4


def test_a_callback_that_raises_stops_the_fit_and_keeps_the_last_epoch():
    X, y = _series()
    seen = []

    def failing(estimator, info):
        seen.append(estimator.get_flat_weights().copy())
        if info["epoch"] == 2:
            raise RuntimeError("disk full")

    model = ElmanRegressor(n_hidden=4, max_iter=50, random_state=0, callbacks=[failing])
    with pytest.raises(RuntimeError, match="disk full"):
        model.fit(X, y)
    assert model.n_iter_ == 2
    np.testing.assert_array_equal(model.get_flat_weights(), seen[-1])
    assert np.all(np.isfinite(model.predict(X)))


def test_callbacks_are_validated():
    X, y = make_sine_sequences(20, n_timesteps=10, random_state=0)
    with pytest.raises(ValueError, match=r"callbacks\[1\] must be callable"):
        ElmanClassifier(n_hidden=3, callbacks=[print, "log"]).fit(X, y)
    with pytest.raises(ValueError, match="callbacks"):
        ElmanClassifier(n_hidden=3, callbacks=print).fit(X, y)  # not a list


@pytest.mark.parametrize("Model", [ElmanRegressor, JordanRegressor, LSTMRegressor])
def test_weight_init_schemes(Model):
    """'uniform' is PyTorch's +-1/sqrt(units); 'orthogonal' gives an orthogonal recurrence."""
    X, y = _series(60)
    n = 6
    extra = {"forget_bias": 0.0} if Model is LSTMRegressor else {}  # added to any scheme
    weights = {scheme: Model(n_hidden=n, weight_init=scheme, max_iter=1, random_state=0,
                             learning_rate_init=1e-12, **extra)
               for scheme in ("orthogonal", "glorot", "uniform")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in weights.values():
            model.fit(X, y)
    uniform = weights["uniform"].get_flat_weights()
    assert np.all(np.abs(uniform) <= 2 / np.sqrt(n) + 1e-6)   # biases: two draws
    assert np.abs(uniform).max() > 0.5 / np.sqrt(n)
    if Model is ElmanRegressor:
        R = weights["orthogonal"].recurrent_weights_
        np.testing.assert_allclose(R @ R.T, np.eye(n), atol=1e-6)
        assert not np.allclose(weights["glorot"].recurrent_weights_ @ weights[
            "glorot"].recurrent_weights_.T, np.eye(n), atol=1e-3)
    with pytest.raises(ValueError, match="weight_init"):
        Model(n_hidden=3, weight_init="he").fit(X, y)


@pytest.mark.parametrize("Model", [ElmanRegressor, JordanRegressor, LSTMRegressor])
def test_update_every_step_is_one_update_per_target_through_the_prefix(Model):
    """Online training, written out: each step's update is what a batch fit on
    the steps so far, with that step's target alone, would do from the
    current weights (plain SGD, so an update is -rate * gradient)."""
    rng = np.random.RandomState(0)
    X, y = rng.uniform(-1, 1, (2, 4, 2)), rng.uniform(-1, 1, (2, 4))
    params = dict(n_hidden=3, solver="sgd", momentum=0.0, learning_rate_init=0.2,
                  alpha=0.01, max_grad_norm=None, shuffle=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        online = Model(update_every="step", max_iter=1, **params).fit(X, y)
        reference = Model(max_iter=1, warm_start=True, **params)
        reference.fit(X[:1, :1], y[:1, 0])  # built, then moved to where online started
        reference.set_flat_weights(_initial_weights(Model, params, X, y))
        for s in range(2):
            for t in range(4):
                reference.fit(X[s:s + 1, :t + 1], y[s:s + 1, t])
    assert online.t_ == 8
    np.testing.assert_allclose(online.get_flat_weights(), reference.get_flat_weights(),
                               rtol=1e-12, atol=1e-14)


def _initial_weights(Model, params, X, y):
    """The weights a fit with ``params`` starts from."""
    model = Model(max_iter=1, **params)
    model.set_params(learning_rate_init=1e-300)  # a step too small to move them
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y).get_flat_weights()


def test_update_every_step_on_sequence_labels_is_batches_of_one():
    X, y = make_sine_sequences(40, n_timesteps=12, n_classes=2, random_state=0)
    params = dict(n_hidden=4, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        online = ElmanClassifier(update_every="step", **params).fit(X, y)
        single = ElmanClassifier(batch_size=1, **params).fit(X, y)
    np.testing.assert_array_equal(online.get_flat_weights(), single.get_flat_weights())


@pytest.mark.parametrize("params,X_shape,match", [
    (dict(solver="lbfgs"), (5, 4, 2), "solver='lbfgs'"),
    (dict(batch_size=8), (5, 4, 2), "one at a time"),
    ({}, (20, 2), "needs sequences"),
])
def test_update_every_step_rejects_what_it_cannot_run(params, X_shape, match):
    rng = np.random.RandomState(0)
    X = rng.uniform(size=X_shape)
    y = rng.uniform(size=X_shape[:-1])
    model = LSTMRegressor(n_hidden=2, update_every="step", **params)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "n_iter_")  # nothing half-fitted
