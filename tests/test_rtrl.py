"""Real-time recurrent learning (solver='rtrl'): gradients, kernel, streaming, errors."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skrnn import (
    ElmanClassifier,
    ElmanRegressor,
    JordanClassifier,
    JordanRegressor,
    LSTMRegressor,
    _docs,
)
from skrnn._rtrl import (
    RTRL_MAX_HIDDEN,
    _penalties,
    _targets_of_steps,
    check_rtrl_settings,
    rtrl_pass,
)
from skrnn.datasets import make_delayed_recall

from ._rtrl_reference import rtrl_reference

REGRESSORS = [ElmanRegressor, JordanRegressor]
CLASSIFIERS = [ElmanClassifier, JordanClassifier]


def _data(cls, rng, n_seq=3, n_steps=7, n_features=2, n_classes=3, n_outputs=2):
    """Sequences of unequal lengths with per-step targets (regressors) or labels."""
    lengths = [n_steps, n_steps - 2, n_steps + 1][:n_seq]
    X = [rng.normal(size=(n, n_features)) for n in lengths]
    if cls in CLASSIFIERS:
        y = np.arange(n_seq) % n_classes
        return X, y
    return X, [rng.normal(size=(n, n_outputs)) for n in lengths]


def _prepared(cls, X, y, dtype=np.float64, **params):
    """An estimator with initialised weights and the validated Sequences of (X, y)."""
    params = {"alpha": 0.0, **params}
    est = cls(n_hidden=5, random_state=0, max_grad_norm=None, **params)
    X = [x.astype(dtype) for x in X]
    kwargs = {"classes": np.unique(y)} if cls in CLASSIFIERS else {}
    seqs = est._prepare(X, y, reset=True, **kwargs)
    est._initialize(seqs)
    # non-zero biases, so that every term of the gradient shows
    est._theta += 0.1 * np.random.RandomState(1).normal(size=est._theta.shape).astype(dtype)
    return est, seqs


def _accumulated_rtrl_gradient(est, seqs):
    """The RTRL gradient summed over every target, at fixed weights (learning rate 0)."""
    est._optimizer = est._make_optimizer()
    est._optimizer.learning_rate = 0.0
    from skrnn._rtrl import _new_stream

    stream = _new_stream(est)
    # one window larger than the data: nothing is applied, everything summed
    est.set_params(batch_size=seqs.n_targets + 1)
    theta = est._theta.copy()
    rtrl_pass(est, seqs, stream, np.arange(seqs.n_sequences), continue_stream=False,
              flush=False)
    np.testing.assert_array_equal(est._theta, theta)
    return stream["gradient"]


@pytest.mark.parametrize("cls", REGRESSORS + CLASSIFIERS)
def test_rtrl_gradient_equals_full_bptt(cls):
    rng = np.random.RandomState(0)
    X, y = _data(cls, rng)
    est, seqs = _prepared(cls, X, y, solver="rtrl")
    g_rtrl = _accumulated_rtrl_gradient(est, seqs) / seqs.n_targets
    _, g_bptt, _ = est._objective(est._theta, seqs, est._initial_state(seqs))
    np.testing.assert_allclose(g_rtrl, g_bptt, rtol=1e-10, atol=1e-12)
    # and both are the gradient: central finite differences of the loss
    eps = 1e-6
    for i in rng.choice(est._theta.shape[0], 12, replace=False):
        plus, minus = est._theta.copy(), est._theta.copy()
        plus[i] += eps
        minus[i] -= eps
        fd = (est._objective(plus, seqs, est._initial_state(seqs), need_grad=False)[0]
              - est._objective(minus, seqs, est._initial_state(seqs), need_grad=False)[0])
        assert abs(fd / (2 * eps) - g_rtrl[i]) < 1e-7


def test_rtrl_gradient_jordan_teacher_forcing():
    rng = np.random.RandomState(3)
    X, y = _data(JordanRegressor, rng)
    est, seqs = _prepared(JordanRegressor, X, y, solver="rtrl", teacher_forcing=True)
    g_rtrl = _accumulated_rtrl_gradient(est, seqs) / seqs.n_targets
    _, g_bptt, _ = est._objective(est._theta, seqs, est._initial_state(seqs))
    np.testing.assert_allclose(g_rtrl, g_bptt, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-11), (np.float32, 2e-4)])
@pytest.mark.parametrize("solver, extra", [
    ("rtrl", {"momentum": 0.9, "nesterovs_momentum": False}),
    ("rtrl", {"momentum": 0.5, "nesterovs_momentum": True}),
    ("rtrl_adam", {}),
])
@pytest.mark.parametrize("cls", REGRESSORS + CLASSIFIERS)
def test_rtrl_kernel_matches_numpy_reference(cls, solver, extra, dtype, rtol):
    """Weights after updates within the stream, and the outputs before each update."""
    rng = np.random.RandomState(1)
    X, y = _data(cls, rng)
    est, seqs = _prepared(cls, X, y, dtype=dtype, solver=solver, batch_size=2,
                          learning_rate_init=0.05, **extra)
    est.set_params(alpha=0.01)
    theta0 = est._theta.astype(np.float64)
    est._optimizer = est._make_optimizer()
    from skrnn._rtrl import _new_stream

    _, diverged, Y = rtrl_pass(est, seqs, _new_stream(est), np.arange(seqs.n_sequences),
                               continue_stream=False, flush=False, outputs=True)
    assert diverged == -1
    net = est._network
    theta_ref, _, Y_ref = rtrl_reference(
        net, theta0, seqs.X.astype(np.float64), seqs.offsets, seqs.Y.astype(np.float64),
        _targets_of_steps(seqs), lr=0.05, batch=2,
        optimizer="sgd" if solver == "rtrl" else "adam",
        momentum=extra.get("momentum", 0.0), nesterov=extra.get("nesterovs_momentum", False),
        penalty=_penalties(est).astype(np.float64))
    assert est._theta.dtype == dtype
    np.testing.assert_allclose(Y, Y_ref, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(est._theta, theta_ref, rtol=rtol, atol=rtol)
    assert not np.allclose(theta_ref, theta0)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-3)])
@pytest.mark.parametrize("cls", REGRESSORS + CLASSIFIERS)
def test_dekf_kernel_matches_numpy_reference(cls, dtype, rtol):
    """Weights after a run of the decoupled extended Kalman filter."""
    from skrnn._rtrl import DEKF_INITIAL_COVARIANCE, DEKF_PROCESS_NOISE, DEKFState, _new_stream

    rng = np.random.RandomState(2)
    X, y = _data(cls, rng)
    est, seqs = _prepared(cls, X, y, dtype=dtype, solver="dekf", learning_rate_init=0.5)
    theta0 = est._theta.astype(np.float64)
    est._optimizer = DEKFState(est._network, 0.5, dtype)
    _, diverged, Y = rtrl_pass(est, seqs, _new_stream(est), np.arange(seqs.n_sequences),
                               continue_stream=False, flush=True, outputs=True)
    assert diverged == -1
    theta_ref, _, Y_ref = rtrl_reference(
        est._network, theta0, seqs.X.astype(np.float64), seqs.offsets,
        seqs.Y.astype(np.float64), _targets_of_steps(seqs), lr=0.5, optimizer="dekf",
        initial_covariance=DEKF_INITIAL_COVARIANCE, process_noise=DEKF_PROCESS_NOISE)
    np.testing.assert_allclose(Y, Y_ref, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(est._theta, theta_ref, rtol=rtol, atol=rtol)
    assert not np.allclose(theta_ref, theta0)


def test_dekf_learns_a_stream():
    X, y = make_delayed_recall(3500, delay=3, random_state=0)
    model = ElmanRegressor(n_hidden=8, solver="dekf", learning_rate_init=0.1, random_state=0)
    for start in range(0, 3000, 100):
        model.partial_fit(X[start:start + 100], y[start:start + 100])
    assert model.score(X[3000:], y[3000:]) > 0.95


def test_rtrl_one_sequence_of_length_one():
    X = np.array([[0.5]])
    y = np.array([1.0])
    est = ElmanRegressor(n_hidden=3, solver="rtrl", max_iter=2, random_state=0, tol=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert np.all(np.isfinite(est._theta))


@pytest.mark.parametrize("cls", REGRESSORS)
def test_partial_fit_chunks_equal_one_call(cls):
    """State, sensitivities and the unfinished window carry across partial_fit."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 2))
    y = np.sin(np.cumsum(X, axis=0))
    params = dict(n_hidden=6, solver="rtrl_adam", batch_size=4, random_state=0)
    whole = cls(**params).partial_fit(X, y)
    chunked = cls(**params)
    for start in range(0, 60, 7):  # windows of 4 targets straddle the chunks
        chunked.partial_fit(X[start:start + 7], y[start:start + 7])
    np.testing.assert_allclose(chunked.get_flat_weights(), whole.get_flat_weights(),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(chunked._stream_state, whole._stream_state, rtol=1e-12)


def test_stream_learns_past_its_chunks():
    """RTRL learns a delay three times its partial_fit chunks; truncated BPTT much less."""
    X, y = make_delayed_recall(6500, delay=6, random_state=0)
    scores = {}
    for solver in ("rtrl_adam", "adam"):
        model = ElmanRegressor(n_hidden=12, solver=solver, learning_rate_init=0.003,
                               random_state=0)
        for start in range(0, 4000, 2):
            model.partial_fit(X[start:start + 2], y[start:start + 2])
        scores[solver] = model.score(X[6000:], y[6000:])
    assert scores["rtrl_adam"] > 0.9
    assert scores["adam"] < scores["rtrl_adam"] - 0.2


def test_stream_memory_does_not_grow():
    """What a stream keeps between calls has the same size after 10 and 1000 chunks."""
    rng = np.random.RandomState(0)
    model = ElmanRegressor(n_hidden=4, solver="rtrl", random_state=0)

    def kept_bytes():
        return sum(v.nbytes for v in vars(model).values() if isinstance(v, np.ndarray)) + sum(
            v.nbytes for v in model._rtrl_stream.values())

    sizes = []
    for n_chunks in (10, 990):
        for _ in range(n_chunks):
            X = rng.normal(size=(5, 1))
            model.partial_fit(X, X[:, 0])
        sizes.append(kept_bytes())
    assert sizes[0] == sizes[1]
    assert model.t_ == 5000


@pytest.mark.parametrize("cls", REGRESSORS)
def test_feature_count_change_is_refused_and_model_unchanged(cls):
    rng = np.random.RandomState(0)
    model = cls(n_hidden=4, solver="rtrl", random_state=0)
    model.partial_fit(rng.normal(size=(20, 2)), rng.normal(size=20))
    before = pickle.dumps(model)
    weights = model.get_flat_weights()
    stream = {k: v.copy() for k, v in model._rtrl_stream.items()}
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(rng.normal(size=(20, 3)), rng.normal(size=20))
    np.testing.assert_array_equal(model.get_flat_weights(), weights)
    for k, v in stream.items():
        np.testing.assert_array_equal(model._rtrl_stream[k], v)
    assert pickle.dumps(model) == before


def test_jordan_past_64_hidden_units_is_cheap_and_does_not_warn():
    X = np.zeros((3, 1))
    model = JordanRegressor(n_hidden=RTRL_MAX_HIDDEN + 1, solver="rtrl", max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, X[:, 0])


def test_hidden_size_past_the_limit_warns_with_memory():
    X = np.zeros((3, 1))
    model = ElmanRegressor(n_hidden=RTRL_MAX_HIDDEN + 1, solver="rtrl", max_iter=1)
    with pytest.warns(UserWarning, match=r"MB.*n_hidden\*\*4"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, X[:, 0])


@pytest.mark.parametrize("params, match", [
    ({"bptt_steps": 5}, "bptt_steps"),
    ({"update_every": "step"}, "update_every"),
])
def test_settings_rtrl_cannot_run_with(params, match):
    X = np.zeros((5, 1))
    with pytest.raises(ValueError, match=match):
        ElmanRegressor(n_hidden=3, solver="rtrl", **params).fit(X, X[:, 0])


@pytest.mark.parametrize("params", [
    {"bptt_steps": 5},
    {"update_every": "step"},  # 3D input: update_every's own checks let it through
])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_refused_setting_leaves_a_fitted_model_unchanged(params, method):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(4, 6, 1)), rng.normal(size=(4, 6))
    model = ElmanRegressor(n_hidden=3, solver="adam", max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    before = pickle.dumps(model)
    model.set_params(solver="rtrl", **params)
    with pytest.raises(ValueError, match=next(iter(params))):
        getattr(model, method)(X, y)
    model.set_params(solver="adam", bptt_steps=None, update_every="batch")
    assert pickle.dumps(model) == before


def test_stacked_hidden_layers_are_refused_without_data():
    # checked before any data is validated or network built (a stacked
    # network's layout is not the one the kernel reads)
    with pytest.raises(ValueError, match="one hidden layer"):
        check_rtrl_settings(ElmanRegressor(n_hidden=(3, 3), solver="rtrl"))


def test_lstm_has_no_rtrl():
    X = np.zeros((5, 1))
    with pytest.raises(ValueError, match="solver"):
        LSTMRegressor(n_hidden=3, solver="rtrl").fit(X, X[:, 0])


def test_divergence_keeps_finite_weights():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 1)) * 100
    model = ElmanRegressor(n_hidden=4, solver="rtrl", activation="identity",
                           learning_rate_init=10.0, max_grad_norm=None, random_state=0)
    with pytest.warns(ConvergenceWarning, match="diverged"):
        model.partial_fit(X, 1e3 * X[:, 0])
    assert np.all(np.isfinite(model.get_flat_weights()))
    # the stream restarts from the initial state, without sensitivities
    assert not model._rtrl_stream["sensitivities"].any()
    assert not model._rtrl_stream["state"].any()


@pytest.mark.parametrize("cls", REGRESSORS + CLASSIFIERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fit_dtype_seed_and_pickle(cls, dtype):
    rng = np.random.RandomState(0)
    X, y = _data(cls, rng, n_seq=3)
    X = [x.astype(dtype) for x in X]
    params = dict(n_hidden=4, solver="rtrl", max_iter=3, random_state=0, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = cls(**params).fit(X, y)
        b = cls(**params).fit(X, y)
    assert a.get_flat_weights().dtype == dtype
    np.testing.assert_array_equal(a.get_flat_weights(), b.get_flat_weights())
    c = pickle.loads(pickle.dumps(a))
    a.partial_fit(X, y)
    c.partial_fit(X, y)
    np.testing.assert_array_equal(a.get_flat_weights(), c.get_flat_weights())


def test_classifier_learns_with_rtrl():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (200, 8))
    y = (X[:, 0] > 0).astype(int)  # the first step decides: a memory of 8 steps
    model = ElmanClassifier(n_hidden=8, solver="rtrl_adam", max_iter=15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[:150], y[:150])
    assert model.score(X[150:], y[150:]) > 0.85


@pytest.mark.parametrize("solver", ["adam", "rtrl"])
def test_partial_fit_after_early_stopping(solver):
    X, y = make_delayed_recall(300, delay=1, random_state=0)
    model = ElmanRegressor(n_hidden=4, solver=solver, max_iter=2, early_stopping=True,
                           random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.partial_fit(X[:50], y[:50])
    assert model.best_loss_ == model.loss_curve_[-1]


def test_grid_search_over_rtrl():
    X, y = make_delayed_recall(300, delay=1, random_state=0)
    search = GridSearchCV(ElmanRegressor(n_hidden=4, max_iter=2, random_state=0),
                          {"solver": ["rtrl", "rtrl_adam"]}, cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_params_["solver"] in ("rtrl", "rtrl_adam")


def test_sequences_chunk_leaves_the_series_stream_where_it_was():
    # a 3D chunk between two chunks of a 2D series: the series continues from
    # the end of its own last chunk (as truncated BPTT's does), not from the
    # end of the 3D batch's last sequence
    rng = np.random.default_rng(0)
    X, X3 = rng.normal(size=(30, 1)), rng.normal(size=(2, 10, 1))
    model = ElmanRegressor(n_hidden=3, solver="rtrl", random_state=0)
    model.partial_fit(X, X[:, 0])
    state = model._rtrl_stream["state"].copy()
    sensitivities = model._rtrl_stream["sensitivities"].copy()
    model.partial_fit(X3, X3[..., 0])
    np.testing.assert_array_equal(model._rtrl_stream["state"], state)
    np.testing.assert_array_equal(model._rtrl_stream["sensitivities"], sensitivities)
    np.testing.assert_array_equal(model._stream_state[0], state)
    # fit on 3D, then a series: the series starts from the initial state
    model = ElmanRegressor(n_hidden=3, solver="rtrl_adam", max_iter=2, initial_context=0.5,
                           random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X3, X3[..., 0])
    np.testing.assert_array_equal(model._rtrl_stream["state"], 0.5)
    assert not model._rtrl_stream["sensitivities"].any()


@pytest.mark.parametrize("first, second", [
    ("adam", "rtrl"), ("sgd", "dekf"), ("dekf", "sgd"), ("dekf", "rtrl"),
    ("rtrl_adam", "rtrl"), ("rtrl", "rtrl_adam"), ("rtrl", "dekf"),
])
def test_partial_fit_after_switching_solver(first, second):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 1))
    model = ElmanRegressor(n_hidden=3, solver=first, random_state=0)
    model.partial_fit(X[:20], X[:20, 0])
    model.set_params(solver=second)
    model.partial_fit(X[20:], X[20:, 0])
    assert np.all(np.isfinite(model.predict(X)))
    assert len(model.loss_curve_) == 2


def test_rtrl_continues_the_series_another_solver_streamed():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(45, 1))
    model = ElmanRegressor(n_hidden=3, solver="rtrl_adam", random_state=0)
    model.partial_fit(X[:15], X[:15, 0])
    model.set_params(solver="adam").partial_fit(X[15:30], X[15:30, 0])
    state = model._stream_state.copy()
    # on to RTRL with momentum (a new optimizer) at a negligible rate: the
    # third chunk runs from the state the second left, not from where RTRL's
    # own stream stopped
    model.set_params(solver="rtrl", learning_rate_init=1e-14, momentum=0.0)
    model.partial_fit(X[30:], X[30:, 0])
    net = model._network
    seqs = model._prepare(X[30:], X[30:, 0], reset=False)
    _, _, expected = net.forward(model._views(model._theta), seqs, state, need_cache=False)
    np.testing.assert_allclose(model._stream_state, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cls", REGRESSORS + CLASSIFIERS)
@pytest.mark.parametrize("name", ["solver", "weight_init"])
def test_docstring_lists_every_option(cls, name):
    options = cls._parameter_constraints[name][0].options
    line = next(line for line in cls.__doc__.splitlines()
                if line.strip().startswith(f"{name} :"))
    assert set(re.findall(r"'(\w+)'", line.split("}")[0])) == options


def test_srn_docs_survive_a_change_of_the_shared_text(monkeypatch):
    # the simple networks' entries are generated from the shared template,
    # not patched into its text: a rewording of that text reaches them
    changed = _docs._TRAINING_PARAMETERS.replace("on the whole training set",
                                                 "over all the training data")
    assert changed != _docs._TRAINING_PARAMETERS
    monkeypatch.setattr(_docs, "_TRAINING_PARAMETERS", changed)
    text = _docs.training_parameters(
        "orthogonal", "Why.", solvers=("sgd", "rtrl"), solver_more="'rtrl' learns online.",
        inits=("orthogonal", "small_uniform"), init_more="'small_uniform' is small.")
    assert "solver : {'sgd', 'rtrl'}" in text
    assert "over all the training data" in text
    assert "'rtrl' learns online." in text and "'small_uniform' is small." in text
