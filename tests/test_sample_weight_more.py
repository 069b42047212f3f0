"""Weights in the online learners, early stopping, the population kernels and
the forecaster: what each weight means, checked against references."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import r2_score

from skrnn import (
    BackPropagationClassifier,
    BackPropagationRegressor,
    ElmanClassifier,
    ElmanRegressor,
    GeneticOptimizer,
    JordanClassifier,
    JordanRegressor,
    LSTMClassifier,
    LSTMRegressor,
)
from skrnn._activations import ACTIVATION_CODES
from skrnn._kernels._lagnet import lagnet_train
from skrnn._rtrl import _new_stream, _penalties, _targets_of_steps, rtrl_pass
from skrnn.backprop._windows import training_windows
from skrnn.forecasting import ConformalForecaster

from . import _backprop_reference as ref
from ._rtrl_reference import rtrl_reference

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _labelled(n=10, T=8, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, 2))
    return X, (X[:, :, 0].sum(axis=1) > 0).astype(int)


# -- BackPropagation: per-pattern weights -------------------------------------

@pytest.mark.parametrize("batch_size, rule", [
    (1, {"momentum": 0.5}), (3, {"jung": 4.0, "freud": 1.5}), (2, {"self_momentum": True})])
def test_lagnet_weighted_training_matches_numpy_reference(batch_size, rule):
    """Each pattern's weight multiplies its output delta, update after update."""
    rng = np.random.RandomState(0)
    n_lags, n = 3, 30
    X = rng.normal(size=(n, 2))
    Y = np.tanh(X[:, :1] + 0.5 * np.roll(X[:, 1:], 1, axis=0))
    sizes = np.array([n_lags * 2, 4, 1], dtype=np.intp)
    Ws = [0.3 * rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [0.1 * rng.normal(size=b) for b in sizes[1:]]
    theta = np.concatenate([np.r_[W.ravel(), b] for W, b in zip(Ws, bs)])
    rows, target_rows = training_windows(np.array([0, n]), n_lags, True)
    weights = rng.uniform(0.2, 3.0, size=rows.shape[0])
    rates = np.array([0.05, 0.08])
    loss = lagnet_train(X, Y, rows, target_rows, n_lags, theta, np.zeros_like(theta), sizes,
                        rates, rule.get("momentum", 0.0), rule.get("self_momentum", False),
                        rule.get("jung", 0.0), rule.get("freud", 0.0), ACTIVATION_CODES["tanh"],
                        ACTIVATION_CODES["identity"], batch_size, True, weights)
    Ws_ref, bs_ref = ref.train(X, Y, rows, target_rows, n_lags, Ws, bs, rates=rates,
                               activation="tanh", batch_size=batch_size, weights=weights, **rule)
    assert_allclose(theta, np.concatenate([np.r_[W.ravel(), b]
                                           for W, b in zip(Ws_ref, bs_ref)]), rtol=1e-12)
    assert np.isfinite(loss)


def test_backprop_zero_weight_is_the_pattern_dropped():
    X, y = _labelled(12)
    w = np.ones(12)
    w[[2, 7]] = 0
    params = dict(hidden_layer_sizes=(5,), max_iter=5, shuffle=False, momentum=0.3,
                  random_state=0)
    weighted = BackPropagationClassifier(**params).fit(X, y, sample_weight=w)
    dropped = BackPropagationClassifier(**params).fit(X[w > 0], y[w > 0])
    for a, b in zip(weighted.coefs_ + weighted.intercepts_, dropped.coefs_ + dropped.intercepts_):
        assert_array_equal(a, b)
    assert weighted.loss_ == pytest.approx(dropped.loss_, rel=1e-12)
    assert weighted.t_ == dropped.t_ == 5 * 10


@pytest.mark.parametrize("weight", [3.0, 0.25])
def test_backprop_weight_is_a_learning_rate_for_one_pattern(weight):
    """Per-pattern learning: one pattern of weight w at rate eta moves as weight 1 at w eta."""
    X = np.random.RandomState(1).normal(size=(1, 6, 2))
    y = np.array([0.7])
    params = dict(n_lags=4, hidden_layer_sizes=(5,), random_state=0)
    weighted = BackPropagationRegressor(learning_rate_init=0.02, **params)
    weighted.partial_fit(X, y, sample_weight=[weight])
    scaled = BackPropagationRegressor(learning_rate_init=0.02 * weight, **params).partial_fit(X, y)
    assert_allclose(weighted._theta, scaled._theta, rtol=1e-12)
    assert not np.allclose(weighted._theta, BackPropagationRegressor(
        learning_rate_init=0.02, **params).partial_fit(X, y)._theta)


def test_backprop_integer_weights_in_one_batch_are_repetition_at_a_scaled_rate():
    """In one batch an integer weight sums like repetition, but the batch mean divides
    by the number of windows: weights at eta equal repetition at eta * n_repeated / n."""
    X, y = _labelled(8)
    w = np.array([2, 1, 3, 1, 1, 1, 1, 1])
    n, n_rep = w.size, int(w.sum())
    params = dict(hidden_layer_sizes=(5,), batch_size=100, shuffle=False, momentum=0.0,
                  random_state=0)
    weighted = BackPropagationClassifier(learning_rate_init=0.1, **params)
    weighted.partial_fit(X, y, classes=[0, 1], sample_weight=w)
    repeated = BackPropagationClassifier(learning_rate_init=0.1 * n_rep / n, **params)
    repeated.partial_fit(np.repeat(X, w, axis=0), np.repeat(y, w), classes=[0, 1])
    assert_allclose(weighted._theta, repeated._theta, rtol=1e-10)
    assert weighted.loss_ == pytest.approx(repeated.loss_, rel=1e-10)


def test_backprop_streamed_weighted_series_equals_one_epoch():
    rng = np.random.RandomState(2)
    s = np.sin(np.arange(60) * 0.3) + 0.1 * rng.normal(size=60)
    X, y = s[:-1, None], s[1:]
    w = rng.uniform(0.1, 2, size=y.size)
    w[5:10] = 0
    params = dict(n_lags=4, hidden_layer_sizes=(6,), shuffle=False, random_state=0)
    whole = BackPropagationRegressor(**params).partial_fit(X, y, sample_weight=w)
    chunks = BackPropagationRegressor(**params)
    for a, b in [(0, 2), (2, 25), (25, 40), (40, 59)]:
        chunks.partial_fit(X[a:b], y[a:b], sample_weight=w[a:b])
    assert_allclose(chunks._theta, whole._theta, rtol=1e-12)
    # a window takes the weight of the step it predicts: the weighted one learns otherwise
    assert not np.allclose(whole._theta,
                           BackPropagationRegressor(**params).partial_fit(X, y)._theta)


def test_backprop_class_weight_equals_sample_weight_and_bad_weights_keep_the_model():
    X, y = _labelled(10)
    params = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    by_class = BackPropagationClassifier(class_weight={1: 3.0}, **params).fit(X, y)
    by_sample = BackPropagationClassifier(**params).fit(X, y, sample_weight=np.where(y, 3., 1.))
    assert_array_equal(by_class._theta, by_sample._theta)
    theta = by_class._theta.copy()
    for bad in (-np.ones(10), np.ones(9), np.full(10, np.nan), np.zeros(10)):
        with pytest.raises(ValueError, match="sample_weight"):
            by_class.partial_fit(X, y, sample_weight=bad)
    with pytest.raises(ValueError, match="not among the classes"):
        by_class.set_params(class_weight={5: 2.0}).partial_fit(X, y)
    assert_array_equal(by_class._theta, theta)


def test_backprop_weights_on_no_whole_window_raise():
    X = np.arange(20.0)[:, None]
    w = np.r_[np.ones(3), np.zeros(17)]  # the first 3 steps end no window of 4
    model = BackPropagationRegressor(n_lags=4, max_iter=2).fit(X, X[:, 0])
    theta = model._theta.copy()
    with pytest.raises(ValueError, match="nothing to fit"):
        model.fit(X, X[:, 0], sample_weight=w)
    assert_array_equal(model._theta, theta)
    assert model.n_iter_ == 2
    # a first fit says the same (it once failed on the n_lags_ it had just undone)
    with pytest.raises(ValueError, match="nothing to fit"):
        BackPropagationRegressor(n_lags=4).fit(X, X[:, 0], sample_weight=w)
    # so does partial_fit on sequences, which start afresh (only a chunk of a
    # streamed series may learn nothing, its steps waiting in the lag history)
    X3 = X.reshape(2, 10, 1)
    w3 = np.zeros((2, 10))
    w3[:, :3] = 1
    model = BackPropagationRegressor(n_lags=4, max_iter=2).fit(X3, X3[..., 0])
    theta, t = model._theta.copy(), model.t_
    with pytest.raises(ValueError, match="nothing to fit"):
        model.partial_fit(X3, X3[..., 0], sample_weight=w3)
    assert_array_equal(model._theta, theta)
    assert (model.n_iter_, model.t_) == (2, t)


@pytest.mark.parametrize("Estimator", [BackPropagationClassifier, ElmanClassifier])
def test_balanced_class_weight_refused_by_partial_fit(Estimator):
    X, y = _labelled(10)
    model = Estimator(class_weight="balanced", max_iter=2, random_state=0)
    with pytest.raises(ValueError, match="compute_class_weight"):
        model.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(model, "classes_")
    model.fit(X, y)  # fit balances over its own labels
    theta = model._theta.copy()
    with pytest.raises(ValueError, match="not supported by partial_fit"):
        model.partial_fit(X, y)
    assert_array_equal(model._theta, theta)


def test_weight_search_partial_fit_refuses_a_balanced_network():
    X, y = _labelled(10)
    search = GeneticOptimizer(ElmanClassifier(n_hidden=3, class_weight="balanced"),
                              population_size=4)
    with pytest.raises(ValueError, match="compute_class_weight"):
        search.partial_fit(X, y, classes=[0, 1])
    assert not hasattr(search, "best_estimator_")


# -- real-time recurrent learning and DEKF ------------------------------------

def _rtrl_data(rng, classifier, n_seq=3):
    lengths = [7, 5, 8][:n_seq]
    X = [rng.normal(size=(n, 2)) for n in lengths]
    if classifier:
        return X, np.arange(n_seq) % 2, rng.uniform(0.3, 2.0, size=n_seq)
    return (X, [rng.normal(size=(n, 2)) for n in lengths],
            [rng.uniform(0.3, 2.0, size=n) for n in lengths])


@pytest.mark.parametrize("cls", [ElmanRegressor, JordanRegressor, ElmanClassifier,
                                 JordanClassifier])
@pytest.mark.parametrize("solver", ["rtrl", "rtrl_adam", "dekf"])
def test_rtrl_weighted_kernel_matches_numpy_reference(cls, solver):
    classifier = cls in (ElmanClassifier, JordanClassifier)
    X, y, w = _rtrl_data(np.random.RandomState(1), classifier)
    est = cls(n_hidden=5, random_state=0, max_grad_norm=None, alpha=0.01, solver=solver,
              batch_size=1 if solver == "dekf" else 2, learning_rate_init=0.05)
    seqs = est._prepare(X, y, reset=True, sample_weight=w,
                        **({"classes": [0, 1]} if classifier else {}))
    est._initialize(seqs)
    est._theta += 0.1 * np.random.RandomState(1).normal(size=est._theta.shape)
    theta0 = est._theta.copy()
    if solver == "dekf":
        from skrnn._rtrl import DEKF_INITIAL_COVARIANCE, DEKF_PROCESS_NOISE, DEKFState
        est._optimizer = DEKFState(est._network, 0.05, np.float64)
        extra = dict(optimizer="dekf", initial_covariance=DEKF_INITIAL_COVARIANCE,
                     process_noise=DEKF_PROCESS_NOISE)
    else:
        est._optimizer = est._make_optimizer()
        extra = dict(optimizer="sgd" if solver == "rtrl" else "adam", batch=2,
                     momentum=est.momentum, nesterov=est.nesterovs_momentum,
                     penalty=_penalties(est))
    _, diverged, Y = rtrl_pass(est, seqs, _new_stream(est), np.arange(seqs.n_sequences),
                               continue_stream=False, flush=False, outputs=True)
    assert diverged == -1
    theta_ref, _, Y_ref = rtrl_reference(est._network, theta0, seqs.X, seqs.offsets, seqs.Y,
                                         _targets_of_steps(seqs), lr=0.05, weights=seqs.W,
                                         **extra)
    assert_allclose(Y, Y_ref, rtol=1e-10, atol=1e-12)
    assert_allclose(est._theta, theta_ref, rtol=1e-10, atol=1e-12)
    unweighted, _, _ = rtrl_reference(est._network, theta0, seqs.X, seqs.offsets, seqs.Y,
                                      _targets_of_steps(seqs), lr=0.05, **extra)
    assert not np.allclose(theta_ref, unweighted)


@pytest.mark.parametrize("solver", ["rtrl", "rtrl_adam", "dekf"])
def test_rtrl_zero_weight_step_adds_nothing_but_its_state_advances(solver):
    rng = np.random.RandomState(3)
    X = rng.normal(size=(40, 1))
    y = np.sin(np.cumsum(X[:, 0]))
    w = np.ones(40)
    w[10:20] = 0
    params = dict(n_hidden=4, solver=solver, learning_rate_init=0.05, random_state=0)
    model = ElmanRegressor(**params).partial_fit(X, y, sample_weight=w)
    # the steps of weight 0: any target gives the same model
    other = y.copy()
    other[10:20] = 1e3
    assert_array_equal(ElmanRegressor(**params).partial_fit(X, other, sample_weight=w)._theta,
                       model._theta)
    assert model.t_ == 40 and model.loss_ == pytest.approx(model.loss_curve_[-1])
    # ... but their inputs still move the state the later steps learn from
    moved = X.copy()
    moved[10:20] += 1.0
    assert not np.allclose(ElmanRegressor(**params).partial_fit(
        moved, y, sample_weight=w)._theta, model._theta)


@pytest.mark.parametrize("solver", ["rtrl", "rtrl_adam", "dekf"])
def test_rtrl_weighted_chunks_equal_one_call(solver):
    rng = np.random.RandomState(4)
    X = rng.normal(size=(50, 2))
    y = np.tanh(X @ [0.5, -0.3])
    w = rng.uniform(0, 2, size=50)
    params = dict(n_hidden=4, solver=solver, learning_rate_init=0.02, batch_size=3,
                  random_state=0)
    whole = JordanRegressor(**params).partial_fit(X, y, sample_weight=w)
    chunks = JordanRegressor(**params)
    for a, b in [(0, 7), (7, 30), (30, 50)]:
        chunks.partial_fit(X[a:b], y[a:b], sample_weight=w[a:b])
    assert_allclose(chunks._theta, whole._theta, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("solver", ["rtrl", "dekf"])
def test_rtrl_weight_is_a_rate_for_one_target(solver):
    """With one target, weight w at rate eta is weight 1 at rate w eta (DEKF: the
    measurement noise divided by w)."""
    X = np.random.RandomState(5).normal(size=(1, 6, 2))
    y = np.array([0.4])
    params = dict(n_hidden=4, solver=solver, momentum=0.0, alpha=0.0, random_state=0)
    weighted = ElmanRegressor(learning_rate_init=0.1, **params).partial_fit(
        X, y, sample_weight=[2.5])
    scaled = ElmanRegressor(learning_rate_init=0.25, **params).partial_fit(X, y)
    assert_allclose(weighted._theta, scaled._theta, rtol=1e-12)


# -- early stopping ------------------------------------------------------------

def test_early_stopping_scores_the_held_out_steps_by_their_weights():
    """The series' validation tail is scored by its weights: weighing another part of
    the tail keeps another epoch, from the same training run."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 1))
    y = np.convolve(X[:, 0], [0.5, 0.3, -0.2], mode="same") + 0.3 * rng.normal(size=200)
    params = dict(n_hidden=6, solver="adam", early_stopping=True, validation_fraction=0.3,
                  max_iter=25, n_iter_no_change=100, learning_rate_init=0.03, random_state=0)
    tail = slice(140, 200)
    epochs = []

    def record(model, info):
        epochs.append((model.predict(X)[tail], model.get_flat_weights()))

    def kept_epoch(weights):
        scores = [r2_score(y[tail], p, sample_weight=weights[tail]) for p, _ in epochs]
        return int(np.argmax(scores)), scores

    w_a = np.ones(200)
    model_a = ElmanRegressor(callbacks=[record], **params).fit(X, y, sample_weight=w_a)
    best_a, scores_a = kept_epoch(w_a)
    assert_allclose(model_a.validation_scores_, scores_a, rtol=1e-9)
    assert_allclose(model_a.get_flat_weights(), epochs[best_a][1])
    # a weighting of the tail alone that prefers another epoch
    for start in range(140, 190, 10):
        w_b = np.ones(200)
        w_b[140:200] = 0.01
        w_b[start:start + 10] = 1.0
        best_b, scores_b = kept_epoch(w_b)
        if best_b != best_a:
            break
    assert best_b != best_a
    run_a = epochs
    epochs = []
    model_b = ElmanRegressor(callbacks=[record], **params).fit(X, y, sample_weight=w_b)
    for (p_a, _), (p_b, _) in zip(run_a, epochs):  # the same training run
        assert_allclose(p_a, p_b, rtol=1e-12)
    assert_allclose(model_b.validation_scores_, scores_b, rtol=1e-9)
    assert_allclose(model_b.get_flat_weights(), epochs[best_b][1])


def test_early_stopping_refuses_a_weightless_validation_set():
    X = np.random.RandomState(0).normal(size=(100, 1))
    w = np.r_[np.ones(80), np.zeros(20)]
    model = ElmanRegressor(n_hidden=3, early_stopping=True, validation_fraction=0.2)
    with pytest.raises(ValueError, match="weight 0 everywhere"):
        model.fit(X, X[:, 0], sample_weight=w)


@pytest.mark.parametrize("solver", ["adam", "rtrl"])
def test_a_refused_validation_split_leaves_the_fitted_model_whole(solver):
    # the split is refused after the refit has drawn new weights: they must not stay
    X = np.random.RandomState(0).normal(size=(100, 1))
    model = ElmanRegressor(n_hidden=3, solver=solver, max_iter=3, random_state=0)
    model.fit(X, X[:, 0])
    theta, n_iter, pred = model._theta.copy(), model.n_iter_, model.predict(X)
    model.set_params(early_stopping=True, validation_fraction=0.2)
    with pytest.raises(ValueError, match="weight 0 everywhere"):
        model.fit(X, X[:, 0], sample_weight=np.r_[np.ones(80), np.zeros(20)])
    assert_array_equal(model._theta, theta)
    assert model.n_iter_ == n_iter
    assert_array_equal(model.predict(X), pred)


# -- the compiled population kernels -----------------------------------------------

def _population_case(cls, n_seq, rng):
    if n_seq == 1:  # one series: the lanes run across candidates
        X = rng.normal(size=(30, 2))
        return X, X[:, 0] * 0.5, rng.uniform(0, 2, size=30)
    X = rng.normal(size=(n_seq, 9, 2))
    if cls in (ElmanClassifier, LSTMClassifier):
        return X, np.arange(n_seq) % 3, rng.uniform(0, 2, size=n_seq)
    return X, X.sum(axis=2), rng.uniform(0, 2, size=(n_seq, 9))


@pytest.mark.parametrize("cls, n_seq", [
    (ElmanRegressor, 1), (ElmanRegressor, 40), (JordanRegressor, 1), (JordanRegressor, 40),
    (ElmanClassifier, 40), (LSTMRegressor, 1), (LSTMRegressor, 40), (LSTMClassifier, 40)])
def test_weighted_population_kernels_equal_the_numpy_loss(cls, n_seq):
    rng = np.random.RandomState(6)
    X, y, w = _population_case(cls, n_seq, rng)
    w.flat[::4] = 0  # weight 0 on some targets
    extra = {"class_weight": {1: 3.0}} if cls in (ElmanClassifier, LSTMClassifier) else {}
    model = cls(n_hidden=4, solver="lbfgs", max_iter=2, alpha=0.01, random_state=0,
                **extra).fit(X, y)
    thetas = model.get_flat_weights() + 0.3 * rng.normal(size=(5, model._theta.size))
    losses = model.population_loss(thetas, X, y, sample_weight=w)
    numpy = [model.evaluate_loss(X, y, weights=t, sample_weight=w) for t in thetas]
    assert_allclose(losses, numpy, rtol=1e-10)
    assert not np.allclose(losses, model.population_loss(thetas, X, y), rtol=1e-3)


# -- the conformal forecaster --------------------------------------------------

def test_conformal_forecaster_passes_the_weights_of_the_fitted_head():
    rng = np.random.RandomState(7)
    s = np.sin(np.arange(121) / 5) + 0.1 * rng.normal(size=121)
    X, y = s[:-1, None], s[1:]
    w = rng.uniform(0, 2, size=120)
    inner = ElmanRegressor(n_hidden=4, solver="lbfgs", max_iter=20, random_state=0)
    model = ConformalForecaster(inner, calibration_size=30, feedback=0).fit(X, y,
                                                                          sample_weight=w)
    direct = ElmanRegressor(**inner.get_params()).fit(X[:90], y[:90], sample_weight=w[:90])
    assert_array_equal(model.estimator_.get_flat_weights(), direct.get_flat_weights())
    with pytest.raises(ValueError, match=r"shape \(120,\)"):
        model.fit(X, y, sample_weight=w[:90])


class _NoWeights(ElmanRegressor):
    def fit(self, X, y):
        return super().fit(X, y)


def test_conformal_forecaster_refuses_weights_its_estimator_cannot_take():
    X = np.random.RandomState(0).normal(size=(60, 1))
    with pytest.raises(ValueError, match="takes no sample_weight"):
        ConformalForecaster(_NoWeights(n_hidden=3), calibration_size=10, feedback=0).fit(
            X, X[:, 0], sample_weight=np.ones(60))


# -- an all-zero chunk of a streamed series -------------------------------------
_STREAMERS = [
    (ElmanRegressor, dict(n_hidden=4, solver="adam", batch_size=15)),
    (ElmanRegressor, dict(n_hidden=4, solver="sgd", batch_size=15)),
    (JordanRegressor, dict(n_hidden=4, solver="rtrl")),
    (ElmanRegressor, dict(n_hidden=4, solver="rtrl_adam", batch_size=2)),
    (ElmanRegressor, dict(n_hidden=4, solver="dekf")),
    (BackPropagationRegressor, dict(n_lags=3, hidden_layer_sizes=(4,), shuffle=False)),
]


@pytest.mark.parametrize("cls, params", _STREAMERS)
def test_partial_fit_all_zero_chunk_of_a_series_advances_the_stream_and_learns_nothing(
        cls, params):
    rng = np.random.RandomState(5)
    X = rng.normal(size=(60, 2))
    y = np.tanh(X @ [0.5, -0.3])
    ones = np.ones(60)
    params = dict(params, learning_rate_init=0.02, random_state=0)
    streamed = cls(**params).partial_fit(X[:30], y[:30], sample_weight=ones[:30])
    before = {k: getattr(streamed, k) for k in ("n_iter_", "t_", "loss_")}
    curve, theta = list(streamed.loss_curve_), streamed._theta.copy()
    streamed.partial_fit(X[30:45], y[30:45], sample_weight=np.zeros(15))
    # nothing learned, nothing counted (not even the L2 penalty's pull)
    assert_array_equal(streamed._theta, theta)
    assert {k: getattr(streamed, k) for k in before} == before
    assert streamed.loss_curve_ == curve
    streamed.partial_fit(X[45:], y[45:], sample_weight=ones[45:])
    # the chunk's steps still moved the stream (state, sensitivities, lag
    # history) as zero-weight steps inside one call do
    whole = cls(**params).partial_fit(X[:45], y[:45], sample_weight=np.r_[ones[:30],
                                                                          np.zeros(15)])
    whole.partial_fit(X[45:], y[45:], sample_weight=ones[45:])
    assert_allclose(streamed._theta, whole._theta, rtol=1e-10, atol=1e-12)
    skipped = cls(**params).partial_fit(X[:30], y[:30], sample_weight=ones[:30])
    skipped.partial_fit(X[45:], y[45:], sample_weight=ones[45:])
    assert not np.allclose(streamed._theta, skipped._theta, rtol=1e-6, atol=0)


@pytest.mark.parametrize("cls, params", _STREAMERS[:1] + _STREAMERS[-1:])
def test_all_zero_weights_still_refused_by_fit_and_by_sequences(cls, params):
    rng = np.random.RandomState(6)
    X = rng.normal(size=(40, 2))
    y = X[:, 0]
    with pytest.raises(ValueError, match="zero"):
        cls(**params).fit(X, y, sample_weight=np.zeros(40))
    model = cls(**params).partial_fit(X.reshape(4, 10, 2), y.reshape(4, 10))
    theta = model._theta.copy()
    with pytest.raises(ValueError, match="zero"):
        model.partial_fit(X.reshape(4, 10, 2), y.reshape(4, 10), sample_weight=np.zeros(4))
    assert_array_equal(model._theta, theta)
