"""Behaviour of the gradient-trained estimators (Elman, Jordan, LSTM): the
shared machinery, and what the simple recurrent networks learn.

What the LSTM learns is in ``test_lstm.py``. Gradient checks,
kernel-against-NumPy checks and scikit-learn's common checks live in
``test_gradients.py``, ``test_lstm_gradients.py``, ``kernels/`` and
``test_common.py``.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import functools
import pickle

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor
from sklearn.utils._param_validation import InvalidParameterError

import skrnn._base
from skrnn import (
    ElmanClassifier,
    ElmanRegressor,
    JordanClassifier,
    JordanRegressor,
    LSTMClassifier,
    LSTMRegressor,
)
from skrnn.datasets import (
    make_delayed_recall,
    make_sine_sequences,
    make_sine_series,
    make_temporal_xor,
)

REGRESSORS = [ElmanRegressor, JordanRegressor, LSTMRegressor]
CLASSIFIERS = [ElmanClassifier, JordanClassifier, LSTMClassifier]
ESTIMATORS = REGRESSORS + CLASSIFIERS
DTYPES = [np.float32, np.float64]
# streaming / batching only reorders the same float operations
RTOL = {np.float32: 1e-5, np.float64: 1e-12}
ATOL = {np.float32: 1e-6, np.float64: 1e-12}

# For tests about plumbing (shapes, state, errors), not accuracy: training
# stops by the tol criterion after a few epochs, so no ConvergenceWarning.
BRIEF = dict(n_hidden=5, max_iter=50, tol=1.0, n_iter_no_change=1)


def _labels(y):
    """The integer classes of make_sine_sequences (0 = slowest) as names.

    Sorted, the names are in another order than the integers, so a mix-up
    between class indices and ``classes_`` shows.
    """
    names = ["slow", "fast"] if y.max() == 1 else ["slow", "medium", "fast"]
    return np.array(names)[y]


# -- small data sets ------------------------------------------------------------
def _regression_data(dtype=np.float64):
    """A 2D series with 2 features (only the first is recalled) and its targets."""
    X, y = make_delayed_recall(120, delay=2, n_features=2, random_state=0)
    return X.astype(dtype), y.astype(dtype)


def _classification_data(dtype=np.float64):
    """Univariate sequences, one per row (2D layout), with string labels."""
    X, y = make_sine_sequences(24, n_timesteps=12, random_state=0)
    return X[:, :, 0].astype(dtype), _labels(y)


def _data(cls, dtype=np.float64):
    return _regression_data(dtype) if cls in REGRESSORS else _classification_data(dtype)


@functools.cache
def _fitted_cached(cls, dtype):
    X, y = _data(cls, dtype)
    return cls(random_state=0, **BRIEF).fit(X, y)


def fitted(cls, dtype=np.float64):
    """A fitted model of ``cls`` (a private copy) and the data it was fitted on."""
    return copy.deepcopy(_fitted_cached(cls, dtype)), _data(cls, dtype)


def _output(model, X):
    """What the model says about X: predictions, and probabilities for classifiers."""
    if hasattr(model, "predict_proba"):
        return model.predict(X), model.predict_proba(X)
    return (model.predict(X),)


def assert_unchanged(model, weights, X, outputs):
    """The model has the same weights and says the same about X as before."""
    np.testing.assert_array_equal(model.get_flat_weights(), weights)
    for before, after in zip(outputs, _output(model, X)):
        np.testing.assert_array_equal(after, before)


def _weight_attributes(model):
    """The fitted weight attributes, in the documented order of the flat vector."""
    if isinstance(model, (LSTMRegressor, LSTMClassifier)):
        layers = zip(model.input_weights_, model.recurrent_weights_, model.bias_)
        return [w for layer in layers for w in layer] + [model.output_weights_,
                                                         model.output_bias_]
    context = ("recurrent_weights_" if isinstance(model, (ElmanRegressor, ElmanClassifier))
               else "context_weights_")
    return [getattr(model, name) for name in (
        "input_weights_", context, "hidden_bias_", "output_weights_", "output_bias_")]


def _state_size(model):
    """The documented size of the carried state: h (Elman), c (Jordan), [h, c] per layer (LSTM)."""
    if isinstance(model, (LSTMRegressor, LSTMClassifier)):
        return 2 * int(np.sum(model.n_hidden))
    if isinstance(model, (ElmanRegressor, ElmanClassifier)):
        return model.n_hidden
    return model.n_outputs_


def _ar_series(n, coef=0.8, seed=0):
    """y_t = x_t + coef * y_{t-1}, x uniform on [-1, 1]."""
    x = np.random.RandomState(seed).uniform(-1, 1, n)
    y = np.empty(n)
    prev = 0.0
    for t in range(n):
        prev = y[t] = x[t] + coef * prev
    return x[:, None], y


# -- 1-3. memory is real -------------------------------------------------------
def test_elman_remembers_delayed_input():
    X, y = make_delayed_recall(800, delay=3, random_state=0)
    train, test = slice(0, 600), slice(600, None)
    elman = ElmanRegressor(n_hidden=16, max_iter=200, random_state=0).fit(X[train], y[train])
    assert elman.score(X[test], y[test]) >= 0.95
    # y_t = x_{t-3} is independent of x_t: without memory there is nothing to learn
    mlp = MLPRegressor(hidden_layer_sizes=(16,), max_iter=500, random_state=0)
    mlp.fit(X[train], y[train])
    assert mlp.score(X[test], y[test]) < 0.1


def test_elman_temporal_xor_predicts_only_the_xor_bits():
    X, y, mask = make_temporal_xor(2001, random_state=0)
    n = 1500
    model = ElmanRegressor(n_hidden=8, max_iter=300, random_state=0).fit(X[:n], y[:n])
    pred = np.round(model.predict(X[n:]))
    y_test, predictable = y[n:], mask[n:]
    correct = pred == y_test
    assert correct[predictable].mean() >= 0.9
    # the other bits are fair coin flips: no better than chance
    assert abs(correct[~predictable].mean() - 0.5) < 0.1
    err = (model.predict(X[n:]) - y_test) ** 2
    assert err[predictable].mean() < 0.5 * err[~predictable].mean()


@pytest.mark.parametrize("activation", ["identity", "tanh"])
@pytest.mark.parametrize("teacher_forcing", [False, True])
def test_jordan_learns_from_its_output_context(activation, teacher_forcing):
    X, y = _ar_series(1000)
    train, test = slice(0, 800), slice(800, None)
    model = JordanRegressor(n_hidden=8, context_decay=0.0, activation=activation,
                            teacher_forcing=teacher_forcing, max_iter=200, random_state=0)
    model.fit(X[train], y[train])
    assert model.score(X[test], y[test]) >= 0.9
    # most of y's variance comes from y_{t-1}, which x_t alone does not give
    mlp = MLPRegressor(hidden_layer_sizes=(16,), max_iter=500, random_state=0)
    mlp.fit(X[train], y[train])
    assert mlp.score(X[test], y[test]) < 0.5


def test_jordan_teacher_forcing_changes_training():
    X, y = _ar_series(200)
    params = dict(n_hidden=4, context_decay=0.0, random_state=0, **{
        k: v for k, v in BRIEF.items() if k != "n_hidden"})
    free = JordanRegressor(teacher_forcing=False, **params).fit(X, y)
    forced = JordanRegressor(teacher_forcing=True, **params).fit(X, y)
    assert not np.array_equal(free.get_flat_weights(), forced.get_flat_weights())
    # prediction always runs on the model's own outputs: same weights, same predictions
    forced_weights = forced.get_flat_weights()
    free.set_flat_weights(forced_weights)
    np.testing.assert_array_equal(free.predict(X), forced.predict(X))


# -- 4. classifiers --------------------------------------------------------------
@pytest.mark.parametrize("layout", ["3d", "2d"])
def test_elman_classifier_tells_sine_frequencies_apart(layout):
    X, y = make_sine_sequences(200, n_timesteps=30, random_state=0)
    if layout == "2d":
        X = X[:, :, 0]
    model = ElmanClassifier(n_hidden=16, max_iter=300, random_state=0).fit(X[:140], y[:140])
    assert model.score(X[140:], y[140:]) >= 0.9
    np.testing.assert_array_equal(model.classes_, [0, 1])


def test_elman_classifier_multiclass_string_labels():
    X, y_int = make_sine_sequences(150, n_timesteps=30, n_classes=3, random_state=0)
    y = _labels(y_int)
    model = ElmanClassifier(n_hidden=16, max_iter=400, n_iter_no_change=30, random_state=0)
    model.fit(X[:100], y[:100])
    np.testing.assert_array_equal(model.classes_, ["fast", "medium", "slow"])
    pred = model.predict(X[100:])
    assert pred.dtype == y.dtype
    assert set(pred) <= set(model.classes_)
    assert np.mean(pred == y[100:]) >= 0.7  # chance is 1/3


@pytest.mark.parametrize("cls", CLASSIFIERS)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", DTYPES)
def test_predict_proba_consistent_with_predict(cls, n_classes, dtype):
    X, y_int = make_sine_sequences(30, n_timesteps=10, n_classes=n_classes, random_state=0)
    X = X.astype(dtype)
    y = _labels(y_int)
    model = cls(random_state=0, **BRIEF).fit(X, y)
    np.testing.assert_array_equal(model.classes_, np.unique(y))
    proba = model.predict_proba(X)
    assert proba.shape == (30, n_classes)
    assert proba.dtype == dtype
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=RTOL[dtype])
    pred = model.predict(X)
    np.testing.assert_array_equal(pred, model.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba), rtol=RTOL[dtype],
                               atol=ATOL[dtype])


# -- 5. determinism and dtype --------------------------------------------------
@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_same_seed_same_model_and_dtype_preserved(cls, dtype):
    X, y = _data(cls, dtype)
    first = cls(random_state=0, **BRIEF).fit(X, y)
    second = cls(random_state=0, **BRIEF).fit(X, y)
    other = cls(random_state=1, **BRIEF).fit(X, y)
    np.testing.assert_array_equal(first.get_flat_weights(), second.get_flat_weights())
    assert not np.array_equal(first.get_flat_weights(), other.get_flat_weights())
    for a, b in zip(_output(first, X), _output(second, X)):
        np.testing.assert_array_equal(a, b)

    assert first.get_flat_weights().dtype == dtype
    assert all(w.dtype == dtype for w in _weight_attributes(first))
    assert first.output_weights_.dtype == dtype
    if cls in REGRESSORS:
        pred, state = first.predict(X, return_state=True)
        assert pred.dtype == dtype and state.dtype == dtype
    else:
        assert first.predict_proba(X).dtype == dtype
    # a fitted float32 model keeps computing in float32 when given float64
    if dtype == np.float32:
        out = first.predict(X.astype(np.float64)) if cls in REGRESSORS else \
            first.predict_proba(X.astype(np.float64))
        assert out.dtype == np.float32


def test_float32_list_input_is_preserved():
    rng = np.random.RandomState(0)
    X = [rng.uniform(-1, 1, (n, 2)).astype(np.float32) for n in (6, 3, 5)]
    y = [x[:, 0] for x in X]
    model = ElmanRegressor(random_state=0, **BRIEF).fit(X, y)
    assert model.get_flat_weights().dtype == np.float32
    assert all(p.dtype == np.float32 for p in model.predict(X))


# -- 6. pickle ----------------------------------------------------------------
@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_pickle_round_trip_then_partial_fit(cls, dtype):
    model, (X, y) = fitted(cls, dtype)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.get_flat_weights(), model.get_flat_weights())
    for a, b in zip(_output(model, X), _output(restored, X)):
        np.testing.assert_array_equal(a, b)

    before = restored.get_flat_weights()
    restored.partial_fit(X, y)
    flat = restored.get_flat_weights()
    assert not np.array_equal(flat, before)
    assert flat.dtype == dtype
    # the fitted attributes are still views of the weights partial_fit updates
    np.testing.assert_array_equal(
        np.concatenate([w.ravel() for w in _weight_attributes(restored)]), flat)
    assert not np.array_equal(restored.input_weights_, model.input_weights_)
    if hasattr(model, "classes_"):
        np.testing.assert_array_equal(restored.classes_, model.classes_)
    # ...and the unpickled copy is independent of the original
    np.testing.assert_array_equal(model.get_flat_weights(), before)


# -- 7. ConvergenceWarning ----------------------------------------------------------
@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_convergence_warning_when_max_iter_is_tiny(cls, solver):
    X, y = _data(cls)
    model = cls(n_hidden=5, solver=solver, max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert model.n_iter_ == 1


# -- 8. streaming prediction and layouts ------------------------------------
@pytest.mark.parametrize("cls", REGRESSORS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_predict_in_chunks_equals_predict_at_once(cls, dtype):
    model, (X, _) = fitted(cls, dtype)
    whole, final_state = model.predict(X, return_state=True)
    state = None
    parts = []
    for chunk in np.array_split(X, [30, 31, 80]):  # includes a one-step chunk
        part, state = model.predict(chunk, initial_state=state, return_state=True)
        parts.append(part)
    np.testing.assert_allclose(np.concatenate(parts), whole, rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(state, final_state, rtol=RTOL[dtype], atol=ATOL[dtype])
    assert final_state.shape == (1, _state_size(model))
    # the state is an explicit argument: predict itself always starts afresh
    np.testing.assert_array_equal(model.predict(X[30:]), model.predict(X[30:]))
    assert not np.allclose(model.predict(X[30:]), whole[30:])


@pytest.mark.parametrize("cls", REGRESSORS)
def test_streaming_a_3d_batch(cls):
    model, (X, _) = fitted(cls)
    X3 = X[:100].reshape(4, 25, 2)
    whole, final_state = model.predict(X3, return_state=True)
    first, middle = model.predict(X3[:, :10], return_state=True)
    second, state = model.predict(X3[:, 10:], initial_state=middle, return_state=True)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(state, final_state, rtol=1e-12, atol=1e-12)
    # a 1D state applies to every sequence
    one = model.predict(X3[:, 10:], initial_state=middle[2])
    np.testing.assert_allclose(one[2], second[2], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_sequence_in_a_list_predicts_as_alone(cls):
    model, _ = fitted(cls)
    rng = np.random.RandomState(1)
    n_features = model._n_inputs
    seqs = [rng.uniform(-1, 1, (n, n_features)) for n in (7, 12, 3, 9)]
    method = model.predict if cls in REGRESSORS else model.predict_proba
    together = method(seqs)
    for i, seq in enumerate(seqs):
        alone_list = method([seq])
        alone_batch = method(seq[None])
        # bit for bit: prediction's products are batch-invariant
        np.testing.assert_array_equal(together[i], alone_list[0])
        np.testing.assert_array_equal(together[i], alone_batch[0])
    if cls in REGRESSORS:
        assert [p.shape for p in together] == [(7,), (12,), (3,), (9,)]
        # and a single series as a 2D X is the same sequence
        np.testing.assert_array_equal(model.predict(seqs[1]), together[1])
    else:
        assert together.shape == (4, 2)
        np.testing.assert_array_equal(model.predict(seqs),
                                      model.classes_[together.argmax(axis=1)])


@pytest.mark.parametrize("cls", REGRESSORS)
@pytest.mark.parametrize(
    "layout, target, expected",
    [
        ("series", (), (40,)),
        ("series", (3,), (40, 3)),
        ("batch", "per_step", (4, 10)),
        ("batch", "per_step_3", (4, 10, 3)),
        ("batch", "per_sequence", (4,)),
        ("list", "per_step", [(7,), (3,), (5,)]),
        ("list", "per_step_3", [(7, 3), (3, 3), (5, 3)]),
        ("list", "per_sequence", (3,)),
        ("list", "per_sequence_3", (3, 3)),
    ],
)
def test_prediction_layout_matches_target_layout(cls, layout, target, expected):
    rng = np.random.RandomState(0)
    if layout == "series":
        X = rng.uniform(-1, 1, (40, 2))
        y = rng.uniform(-1, 1, (40, *target))
    elif layout == "batch":
        X = rng.uniform(-1, 1, (4, 10, 2))
        y = {"per_step": X[..., 0], "per_step_3": X[..., [0, 1, 0]],
             "per_sequence": X[:, -1, 0]}[target]
    else:
        X = [rng.uniform(-1, 1, (n, 2)) for n in (7, 3, 5)]
        y = {"per_step": [x[:, 0] for x in X], "per_step_3": [x[:, [0, 1, 0]] for x in X],
             "per_sequence": np.array([x[-1, 0] for x in X]),
             "per_sequence_3": np.array([x[-1, [0, 1, 0]] for x in X])}[target]
    model = cls(random_state=0, **BRIEF).fit(X, y)
    pred = model.predict(X)
    if isinstance(expected, list):
        assert isinstance(pred, list)
        assert [p.shape for p in pred] == expected
    else:
        assert isinstance(pred, np.ndarray)
        assert pred.shape == expected
    assert np.isfinite(model.score(X, y))


# -- 9. partial_fit ------------------------------------------------------------------
@pytest.mark.parametrize("cls", REGRESSORS)
def test_partial_fit_carries_state_across_2d_chunks(cls):
    X, y = _regression_data()
    model = cls(random_state=0, **BRIEF)
    model.partial_fit(X[:60], y[:60])  # 60 steps: one update per call
    assert model.n_iter_ == 1
    state1 = model._stream_state.copy()
    weights1 = copy.deepcopy(model)
    model.partial_fit(X[60:65], y[60:65])
    assert model.n_iter_ == 2
    assert model.t_ == 65
    # the second chunk started from where the first one ended
    _, expected = weights1.predict(X[60:65], initial_state=state1, return_state=True)
    np.testing.assert_allclose(model._stream_state, expected, rtol=1e-12, atol=1e-12)
    _, from_scratch = weights1.predict(X[60:65], return_state=True)
    assert not np.allclose(model._stream_state, from_scratch)


def test_partial_fit_learns_delayed_recall():
    X, y = make_delayed_recall(800, delay=3, random_state=0)
    model = ElmanRegressor(n_hidden=16, random_state=0)
    for _ in range(40):
        for start in range(0, 600, 100):
            model.partial_fit(X[start:start + 100], y[start:start + 100])
    assert model.n_iter_ == 240
    assert model.score(X[600:], y[600:]) >= 0.9


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_classifier_partial_fit_needs_classes_and_rejects_unseen_labels(cls):
    X, y = _classification_data()
    model = cls(random_state=0, **BRIEF)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, y)
    assert not hasattr(model, "classes_")

    model.partial_fit(X[:12], y[:12], classes=["slow", "fast", "medium"])
    np.testing.assert_array_equal(model.classes_, ["fast", "medium", "slow"])
    assert model.predict_proba(X).shape == (24, 3)
    model.partial_fit(X[12:], y[12:])  # classes only on the first call
    assert model.n_iter_ == 2

    weights, outputs = model.get_flat_weights(), _output(model, X)
    y_bad = y[:12].copy()
    y_bad = y_bad.astype(object)
    y_bad[3] = "turbo"
    with pytest.raises(ValueError, match="not seen in the first fit.*turbo"):
        model.partial_fit(X[:12], y_bad)
    with pytest.raises(ValueError, match="differs from the classes"):
        model.partial_fit(X[:12], y[:12], classes=["slow", "fast"])
    assert_unchanged(model, weights, X, outputs)
    assert model.n_iter_ == 2


def test_lbfgs_has_no_partial_fit():
    for cls in ESTIMATORS:
        assert not hasattr(cls(solver="lbfgs"), "partial_fit")
        assert hasattr(cls(solver="sgd"), "partial_fit")


# -- 10. forecast --------------------------------------------------------------------
@pytest.mark.parametrize(
    "cls, params",
    [(ElmanRegressor, {}),
     # Jordan's decaying context is its memory: a slow decay holds the phase
     (JordanRegressor, dict(context_decay=0.8, tol=1e-6))],
)
def test_forecast_continues_a_sine(cls, params):
    n, horizon = 400, 10
    X_all, _ = make_sine_series(n + horizon, period=20, random_state=0)
    X, y = X_all[:n], X_all[1:n + 1, 0]
    model = cls(n_hidden=16, max_iter=300, random_state=0, **params).fit(X, y)
    future = model.forecast(X, horizon)
    assert future.shape == (horizon,)
    truth = X_all[n:, 0]
    assert np.corrcoef(future, truth)[0, 1] > 0.9
    assert np.max(np.abs(future - truth)) < 0.3


@pytest.mark.parametrize("cls", REGRESSORS)
@pytest.mark.parametrize("n_outputs", [1, 2])
@pytest.mark.parametrize("dtype", DTYPES)
def test_forecast_feeds_outputs_back_as_inputs(cls, n_outputs, dtype):
    """forecast[k] is what predict says after the history extended by forecast[:k]."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (60, n_outputs)).astype(dtype)
    y = np.roll(X, -1, axis=0) if n_outputs > 1 else np.roll(X[:, 0], -1)
    model = cls(random_state=0, **BRIEF).fit(X, y)
    future = model.forecast(X, 5)
    assert future.shape == ((5,) if n_outputs == 1 else (5, n_outputs))
    assert future.dtype == dtype
    tol = dict(rtol=100 * RTOL[dtype], atol=100 * ATOL[dtype])
    future2d = future.reshape(5, n_outputs)
    for k in range(5):
        extended = np.vstack([X, future2d[:k]])
        np.testing.assert_allclose(model.predict(extended)[-1], future[k], **tol)
    # a batch of sequences: one forecast per sequence, each from its own history
    X3 = np.stack([X[:30], X[30:]])
    batch = model.forecast(X3, 3)
    assert batch.shape == ((2, 3) if n_outputs == 1 else (2, 3, n_outputs))
    np.testing.assert_allclose(batch[1], model.forecast(X[30:], 3), **tol)
    # a state carried in from before the history is honoured
    _, state = model.predict(X[:30], return_state=True)
    np.testing.assert_allclose(model.forecast(X[30:], 3, initial_state=state), future[:3],
                               **tol)


@pytest.mark.parametrize("cls", REGRESSORS)
def test_forecast_rejects_models_without_feedback_and_bad_n_steps(cls):
    model, (X, _) = fitted(cls)  # 2 input features, 1 output
    with pytest.raises(ValueError, match="as many outputs as input features"):
        model.forecast(X, 3)
    rng = np.random.RandomState(0)
    X3 = rng.uniform(-1, 1, (4, 6, 1))
    per_sequence = cls(random_state=0, **BRIEF).fit(X3, X3[:, -1, 0])
    with pytest.raises(ValueError, match="target per step"):
        per_sequence.forecast(X3, 3)
    X1 = rng.uniform(-1, 1, (30, 1))
    ok = cls(random_state=0, **BRIEF).fit(X1, np.roll(X1[:, 0], -1))
    for bad in (0, -2, 2.5):
        with pytest.raises(ValueError, match="n_steps must be a positive integer"):
            ok.forecast(X1, bad)


# -- 11. solvers and training options -------------------------------------------------
@pytest.mark.parametrize("cls", REGRESSORS)
@pytest.mark.parametrize(
    "params",
    [
        dict(solver="sgd", nesterovs_momentum=True, learning_rate_init=0.05),
        dict(solver="sgd", nesterovs_momentum=False, learning_rate_init=0.05),
        dict(solver="adam"),
        dict(solver="lbfgs", max_iter=500),
    ],
    ids=["sgd-nesterov", "sgd-momentum", "adam", "lbfgs"],
)
def test_every_solver_learns_a_sine(cls, params):
    X, y = make_sine_series(300, period=20, random_state=0)
    settings = dict(n_hidden=8, max_iter=300, random_state=0)
    model = cls(**{**settings, **params}).fit(X[:240], y[:240])
    assert model.score(X[240:], y[240:]) > 0.9
    assert model.loss_curve_[-1] < model.loss_curve_[0]


@pytest.mark.parametrize("learning_rate", ["adaptive", "invscaling"])
def test_sgd_learning_rate_schedules_run(learning_rate):
    X, y = make_sine_series(200, period=20, random_state=0)
    model = ElmanRegressor(n_hidden=8, solver="sgd", learning_rate=learning_rate,
                           learning_rate_init=0.05, max_iter=300, n_iter_no_change=3,
                           random_state=0)
    model.fit(X, y)
    assert np.all(np.isfinite(model.get_flat_weights()))
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    # the schedule gives different steps from a constant learning rate
    constant = ElmanRegressor(n_hidden=8, solver="sgd", learning_rate_init=0.05,
                              max_iter=model.n_iter_, n_iter_no_change=300, tol=0,
                              random_state=0)
    with pytest.warns(ConvergenceWarning):
        constant.fit(X, y)
    assert not np.array_equal(constant.get_flat_weights(), model.get_flat_weights())


@pytest.mark.parametrize("cls", REGRESSORS)
def test_early_stopping_validates_on_the_tail_of_a_series(cls):
    X, y = make_sine_series(300, period=20, random_state=0)
    model = cls(n_hidden=8, early_stopping=True, validation_fraction=0.2, max_iter=300,
                random_state=0).fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.best_validation_score_ > 0.9
    # the kept weights are the best ones, scored on the last 20% of the steps
    tail = slice(240, None)
    np.testing.assert_allclose(r2_score(y[tail], model.predict(X)[tail]),
                               model.best_validation_score_, rtol=1e-10)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_early_stopping_stratifies_classifier_sequences(cls, monkeypatch):
    X, _ = make_sine_sequences(50, n_timesteps=10, random_state=0)
    y = np.where(np.arange(50) < 40, "common", "rare")  # 80/20
    splits = []

    real = skrnn._base.train_test_split

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        splits.append(result[1])
        return result

    monkeypatch.setattr(skrnn._base, "train_test_split", spy)
    model = cls(n_hidden=5, early_stopping=True, validation_fraction=0.2, max_iter=100,
                random_state=0)
    model.fit(X, y)
    assert len(splits) == 1
    val_idx = splits[0]
    assert len(val_idx) == 10
    # stratified: the validation set keeps the 80/20 class balance exactly
    assert np.sum(y[val_idx] == "rare") == 2
    assert len(model.validation_scores_) == model.n_iter_
    n_val = len(val_idx)
    assert all(np.isclose(s * n_val, round(s * n_val)) for s in model.validation_scores_)
    assert model.best_validation_score_ == max(model.validation_scores_)


@pytest.mark.parametrize("cls", REGRESSORS)
def test_early_stopping_needs_validation_and_training_steps(cls):
    X, y = _regression_data()
    model = cls(early_stopping=True, validation_fraction=0.001, **BRIEF)
    with pytest.raises(ValueError, match="leaves no validation"):
        model.fit(X, y)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_warm_start_continues_from_previous_weights(cls):
    X, y = _data(cls)
    params = dict(n_hidden=6, max_iter=30, random_state=0, tol=0, n_iter_no_change=100)
    cold = cls(**params)
    with pytest.warns(ConvergenceWarning):
        cold.fit(X, y)
    warm = cls(warm_start=True, **params)
    with pytest.warns(ConvergenceWarning):
        warm.fit(X, y)
    weights = warm.get_flat_weights()
    with pytest.warns(ConvergenceWarning):
        warm.fit(X, y)
    # the second fit starts where the first ended, not from a fresh draw
    second_first_loss = warm.loss_curve_[30]
    assert len(warm.loss_curve_) == 60 and warm.n_iter_ == 60
    assert second_first_loss < cold.loss_curve_[0]
    assert second_first_loss <= 1.1 * warm.loss_curve_[29]
    assert not np.array_equal(warm.get_flat_weights(), weights)
    # without warm_start, a refit starts over and repeats the first fit exactly
    with pytest.warns(ConvergenceWarning):
        cold.fit(X, y)
    assert cold.loss_curve_[0] == warm.loss_curve_[0] and len(cold.loss_curve_) == 30


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_verbose_prints_the_loss_of_every_epoch(solver, capsys):
    X, y = _regression_data()
    params = dict(n_hidden=5, solver=solver, max_iter=4, tol=0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model = ElmanRegressor(verbose=True, **params).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if "loss" in line]
    assert len(lines) == model.n_iter_ == 4
    label = "Iteration" if solver == "lbfgs" else "Epoch"
    for i, line in enumerate(lines, start=1):
        assert line.startswith(f"{label} {i}/4   loss ")
        assert line.endswith(" s")  # the elapsed time, with its unit
    with pytest.warns(ConvergenceWarning):
        ElmanRegressor(verbose=False, **params).fit(X, y)
    assert capsys.readouterr().out == ""


# -- 12. divergence ------------------------------------------------------------------
@pytest.mark.parametrize("cls", REGRESSORS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_divergence_keeps_finite_weights_and_says_what_to_change(cls, dtype):
    X, y = make_sine_series(300, period=20, random_state=0)
    model = cls(n_hidden=4, solver="sgd", learning_rate_init=1e8, max_grad_norm=None,
                batch_size=10, max_iter=20, random_state=0)
    with pytest.warns(ConvergenceWarning, match="learning_rate_init"):
        model.fit(X.astype(dtype), 1e6 * y)
    assert np.all(np.isfinite(model.get_flat_weights()))
    assert all(np.all(np.isfinite(w)) for w in _weight_attributes(model))
    assert model.n_iter_ < 20


# -- 13. flat weights -------------------------------------------------------------
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_flat_weight_interface(cls):
    model, (X, y) = fitted(cls)
    outputs = _output(model, X)
    weights = model.get_flat_weights()
    np.testing.assert_array_equal(
        np.concatenate([w.ravel() for w in _weight_attributes(model)]), weights)

    # a copy: changing it changes nothing
    weights[:] = 0
    assert_unchanged(model, model.get_flat_weights(), X, outputs)
    weights = model.get_flat_weights()

    # evaluate_loss with the model's own weights, explicit or not
    loss = model.evaluate_loss(X, y)
    assert loss == model.evaluate_loss(X, y, weights=weights)
    other = weights + np.random.RandomState(0).normal(0, 0.5, weights.shape)
    assert model.evaluate_loss(X, y, weights=other) != loss
    assert_unchanged(model, weights, X, outputs)  # evaluate_loss changed nothing

    # set_flat_weights changes the model and its views, and predictions follow
    model.set_flat_weights(other)
    np.testing.assert_array_equal(model.get_flat_weights(), other)
    np.testing.assert_array_equal(
        np.concatenate([w.ravel() for w in _weight_attributes(model)]), other)
    assert not np.array_equal(_output(model, X)[-1], outputs[-1])
    assert model.evaluate_loss(X, y) == model.evaluate_loss(X, y, weights=other)
    model.set_flat_weights(weights)
    assert_unchanged(model, weights, X, outputs)

    # bad weight vectors are refused and leave the model alone
    for bad, match in [(weights[:-1], "must have shape"),
                       (np.append(weights, 0.0), "must have shape"),
                       (weights.reshape(1, -1), "must have shape"),
                       (np.where(np.arange(weights.size) == 3, np.nan, weights), "finite"),
                       (np.where(np.arange(weights.size) == 0, np.inf, weights), "finite")]:
        with pytest.raises(ValueError, match=match):
            model.set_flat_weights(bad)
        assert_unchanged(model, weights, X, outputs)
    with pytest.raises(ValueError, match="must have shape"):
        model.evaluate_loss(X, y, weights=weights[:-1])


# -- 14. bad input -------------------------------------------------------------------
def _with(X, index, value):
    X = np.array(X, dtype=float)
    X[index] = value
    return X


def _regressor_fit_cases():
    X, y = _regression_data()
    X3 = X[:100].reshape(4, 25, 2)
    X_other, y_other = make_delayed_recall(50, delay=1, n_features=3, random_state=1)
    cases = [
        ("nan-X", _with(X, (5, 1), np.nan), y, "Input X contains NaN"),
        ("inf-X", _with(X, (5, 0), np.inf), y, "Input X contains infinity"),
        ("nan-y", X, _with(y, 7, np.nan), "Input y contains NaN"),
        ("inf-y", X, _with(y, 7, -np.inf), "Input y contains infinity"),
        ("nan-X-list", [X[:10], _with(X[10:17], (2, 0), np.nan)], [y[:10], y[10:17]],
         r"X\[1\] contains NaN"),
        ("nan-X-3d", _with(X3, (1, 2, 0), np.nan), X3[..., 0], "Input X contains NaN"),
        ("4d-X", X3[..., None], X3[..., 0], "got an array with 4 dimensions"),
        ("ragged-features", [X[:10], X[10:15, :1]], [y[:10], y[10:15]],
         r"same number of features; got \[1, 2\]"),
        ("short-y", X, y[:-1], r"y must have shape \(120,\)"),
        ("short-y-3d", X3, X3[:3, :, 0], r"y must have shape \(4,\)"),
        ("short-y-list", [X[:10], X[10:15]], [y[:10], y[10:14]], "as many steps"),
        # refitting on new data with a bad target must not keep half of it
        ("nan-y-new-features", X_other, _with(y_other, 3, np.nan), "Input y contains NaN"),
    ]
    return {name: case for name, *case in cases}


def _classifier_fit_cases():
    X, y = _classification_data()
    X3 = X[:, :, None]
    cases = [
        ("nan-X", _with(X, (5, 1), np.nan), y, "Input X contains NaN"),
        ("inf-X", _with(X3, (5, 1, 0), np.inf), y, "Input X contains infinity"),
        ("4d-X", X3[..., None], y, "got an array with 4 dimensions"),
        ("ragged-features", [X3[0], np.hstack([X3[1], X3[1]])[:5]], y[:2],
         r"same number of features; got \[1, 2\]"),
        ("short-y", X, y[:-1], "y has 23 labels but X holds 24 sequences"),
        ("single-class", X, np.full(24, "slow"), "at least 2 classes"),
        ("nan-y", X, _with(np.arange(24) % 2, 3, np.nan), "Input y contains NaN"),
        ("2d-y", X, np.c_[y, y], "one label per sequence"),
    ]
    return {name: case for name, *case in cases}


_FIT_CASES = [
    (cls, name, method)
    for cls, cases in [(c, _regressor_fit_cases()) for c in REGRESSORS]
    + [(c, _classifier_fit_cases()) for c in CLASSIFIERS]
    for name in cases
    for method in ("fit", "partial_fit")
    # a chunk of one known class is fine for partial_fit (tested below)
    if not (name == "single-class" and method == "partial_fit")
]


@pytest.mark.parametrize("cls, case, method", _FIT_CASES,
                         ids=[f"{cls.__name__}-{name}-{m}" for cls, name, m in _FIT_CASES])
def test_bad_fit_input_raises_and_leaves_a_fitted_model_alone(cls, case, method):
    model, (X, _) = fitted(cls)
    weights, outputs = model.get_flat_weights(), _output(model, X)
    cases = _regressor_fit_cases() if cls in REGRESSORS else _classifier_fit_cases()
    X_bad, y_bad, match = cases[case]
    if case == "nan-y-new-features" and method == "partial_fit":
        match = "X has 3 features, but .* is expecting 2 features"  # no refit here
    with pytest.raises(ValueError, match=match):
        getattr(model, method)(X_bad, y_bad)
    assert_unchanged(model, weights, X, outputs)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_bad_predict_input_raises(cls):
    model, (X, _) = fitted(cls)
    weights, outputs = model.get_flat_weights(), _output(model, X)
    methods = ["predict"] + (["predict_proba"] if cls in CLASSIFIERS else ["forecast"])
    if cls in REGRESSORS:  # fitted on a 2D series with 2 features
        X3 = X[:100].reshape(4, 25, 2)
        cases = [
            (_with(X, (0, 0), np.nan), "Input X contains NaN"),
            (_with(X3, (1, 2, 1), np.inf), "Input X contains infinity"),
            (X3[..., None], "got an array with 4 dimensions"),
            ([X[:10], X[10:15, :1]], "same number of features"),
            (np.hstack([X, X[:, :1]]), "X has 3 features, but .* is expecting 2 features"),
            (np.concatenate([X3, X3[..., :1]], axis=2),
             "3 features per time step, but .* fitted with 2 features per time step"),
            ([X[:10, :1], X[10:15, :1]], "1 features per time step, but .* fitted with 2"),
        ]
    else:  # fitted on univariate sequences of 12 steps, one per row
        X3 = X[:, :, None]
        cases = [
            (_with(X, (0, 0), np.nan), "Input X contains NaN"),
            (_with(X3, (1, 2, 0), np.inf), "Input X contains infinity"),
            (X3[..., None], "got an array with 4 dimensions"),
            ([X3[0], np.hstack([X3[1], X3[1]])[:5]], "same number of features"),
            (X[:, :10], "X has 10 features, but .* is expecting 12 features"),
            (np.concatenate([X3, X3], axis=2),
             "2 features per time step, but .* fitted with 1 features per time step"),
        ]
    for X_bad, match in cases:
        for method in methods:
            args = (X_bad, 2) if method == "forecast" else (X_bad,)
            with pytest.raises(ValueError, match=match):
                getattr(model, method)(*args)
    assert_unchanged(model, weights, X, outputs)


@pytest.mark.parametrize("cls", REGRESSORS)
@pytest.mark.parametrize(
    "layout, state_shape, match",
    [
        ("batch", lambda size: (1, size + 1), r"initial_state must have shape \(4, "),
        ("batch", lambda size: (4, size + 1), r"initial_state must have shape \(4, "),
        ("batch", lambda size: (3, size), r"initial_state must have shape \(4, "),
        ("batch", lambda size: (4, size, 1), r"initial_state must have shape \(4, "),
        # a 1D state is broadcast to every sequence, but must still fit the network
        ("batch", lambda size: (size + 1,), r"initial_state must have shape \(4, "),
        ("series", lambda size: (2, size), r"initial_state must have shape \(1, "),
        ("series", lambda size: (size + 1,), r"initial_state must have shape \(1, "),
    ],
    ids=["1xwide", "4xwide", "3xsize", "3d", "1d-wide", "series-2rows", "series-1d-wide"],
)
def test_initial_state_must_match(cls, layout, state_shape, match):
    model, (X, _) = fitted(cls)
    weights, outputs = model.get_flat_weights(), _output(model, X)
    size = _state_size(model)
    X_in = X[:100].reshape(4, 25, 2) if layout == "batch" else X
    with pytest.raises(ValueError, match=match):
        model.predict(X_in, initial_state=np.zeros(state_shape(size)))
    assert_unchanged(model, weights, X, outputs)


@pytest.mark.parametrize("cls", REGRESSORS)
def test_initial_state_must_be_finite(cls):
    model, (X, _) = fitted(cls)
    size = _state_size(model)
    with pytest.raises(ValueError, match="initial_state must be finite"):
        model.predict(X, initial_state=np.full(size, np.nan))
    with pytest.raises(ValueError, match="initial_state must be finite"):
        model.predict(X, initial_state=np.full((1, size), np.inf))


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize(
    "params, match",
    [
        (dict(n_hidden=0), "n_hidden"),
        (dict(alpha=-1.0), "alpha"),
        (dict(solver="bar"), "solver"),
        (dict(bptt_steps=0), "bptt_steps"),
        (dict(learning_rate_init=0.0), "learning_rate_init"),
        (dict(validation_fraction=1.0), "validation_fraction"),
    ],
)
def test_invalid_hyperparameters_rejected_at_fit(cls, params, match):
    X, y = _data(cls)
    model = cls(**params)  # construction does not validate, as in scikit-learn
    with pytest.raises(InvalidParameterError, match=match):
        model.fit(X, y)
    assert issubclass(InvalidParameterError, ValueError)
    # a fitted model given a bad parameter refuses to refit and stays as it was
    fitted_model, _ = fitted(cls)
    weights, outputs = fitted_model.get_flat_weights(), _output(fitted_model, X)
    fitted_model.set_params(**params)
    with pytest.raises(ValueError, match=match):
        fitted_model.fit(X, y)
    assert_unchanged(fitted_model, weights, X, outputs)


@pytest.mark.parametrize("cls", [JordanRegressor, JordanClassifier])
@pytest.mark.parametrize("context_decay", [2.0, -0.1])
def test_jordan_context_decay_must_be_in_unit_interval(cls, context_decay):
    X, y = _data(cls)
    with pytest.raises(InvalidParameterError, match="context_decay"):
        cls(context_decay=context_decay).fit(X, y)


def test_teacher_forcing_needs_a_target_per_step():
    rng = np.random.RandomState(0)
    X3 = rng.uniform(-1, 1, (6, 8, 1))
    model = JordanRegressor(teacher_forcing=True, random_state=0, **BRIEF)
    with pytest.raises(ValueError, match="teacher_forcing=True .* needs a target at every"):
        model.fit(X3, X3[:, -1, 0])


def test_teacher_forcing_refit_with_one_target_per_sequence_leaves_model_alone():
    rng = np.random.RandomState(0)
    X3 = rng.uniform(-1, 1, (6, 8, 1))
    model = JordanRegressor(teacher_forcing=True, random_state=0, **BRIEF)
    model.fit(X3, X3[..., 0])
    weights, outputs = model.get_flat_weights(), _output(model, X3)
    assert outputs[0].shape == (6, 8)
    with pytest.raises(ValueError, match="teacher_forcing=True"):
        model.fit(X3, X3[:, -1, 0])
    assert_unchanged(model, weights, X3, outputs)


def test_teacher_forcing_is_an_error_for_the_classifier():
    # documented: the classifier has one target per sequence
    with pytest.raises(ValueError, match="teacher_forcing=True"):
        JordanClassifier(teacher_forcing=True, **BRIEF).fit(*_classification_data())


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_partial_fit_accepts_a_chunk_of_one_known_class(cls):
    model, (X, y) = fitted(cls)
    n_iter = model.n_iter_
    model.partial_fit(X[y == "slow"], y[y == "slow"])
    assert model.n_iter_ == n_iter + 1
    np.testing.assert_array_equal(model.classes_, ["fast", "slow"])
    assert set(model.predict(X)) <= {"fast", "slow"}


def test_classifier_needs_two_classes():
    X, y = _classification_data()
    for cls in CLASSIFIERS:
        with pytest.raises(ValueError, match="at least 2 classes"):
            cls(**BRIEF).fit(X, np.full(X.shape[0], "slow"))
