"""Stacked Elman and Jordan layers: gradients, the compiled pass, what a stack keeps."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skrnn import (
    ElmanClassifier,
    ElmanRegressor,
    GeneticOptimizer,
    JordanClassifier,
    JordanRegressor,
)
from skrnn._losses import LOSSES
from skrnn.elman._network import SimpleRecurrentNetwork
from skrnn.elman._stacked import StackedRecurrentNetwork

from ._reference import assert_generate_matches, generate_step_by_step, stacked_reference
from .test_gradients import (
    LABELS2,
    LABELS3,
    X_BATCH,
    X_LIST,
    X_ROWS,
    Y_BATCH,
    Y_SEQ,
    Y_STEPS,
    finite_difference,
    initialized,
)

CASES = {
    "elman-reg-steps": (ElmanRegressor, {}, X_LIST, Y_STEPS),
    "elman-reg-sequence": (ElmanRegressor, {"n_hidden": (3, 4, 2)}, X_LIST, Y_SEQ),
    "elman-reg-series": (ElmanRegressor, {"initial_context": 0.5}, X_LIST[0], Y_STEPS[0]),
    "elman-reg-batch": (ElmanRegressor, {}, X_BATCH, Y_BATCH),
    "elman-clf-multi": (ElmanClassifier, {}, X_ROWS, LABELS3),
    "jordan-reg-steps": (JordanRegressor, {"context_decay": 0.6}, X_LIST, Y_STEPS),
    "jordan-reg-batch": (JordanRegressor, {"n_hidden": (2, 3, 3)}, X_BATCH, Y_BATCH),
    "jordan-reg-forced": (JordanRegressor, {"teacher_forcing": True}, X_LIST, Y_STEPS),
    "jordan-clf-binary": (JordanClassifier, {"initial_context": 0.5}, X_ROWS, LABELS2),
    # the input fed to every layer (an input of two features: both blocks of rows)
    "elman-skip-steps": (ElmanRegressor, {"skip_connections": True, "n_hidden": (3, 4, 2)},
                         X_LIST, Y_STEPS),
    "elman-skip-clf": (ElmanClassifier, {"skip_connections": True}, X_ROWS, LABELS3),
    "jordan-skip-forced": (JordanRegressor, {"skip_connections": True, "teacher_forcing": True},
                           X_LIST, Y_STEPS),
    "jordan-skip-batch": (JordanRegressor, {"skip_connections": True, "n_hidden": (2, 3, 3)},
                          X_BATCH, Y_BATCH),
    # the output reads every layer (an Elman stack only)
    "elman-deep-steps": (ElmanRegressor, {"skip_connections": "output", "n_hidden": (3, 4, 2)},
                         X_LIST, Y_STEPS),
    "elman-deep-batch": (ElmanRegressor, {"skip_connections": "output"}, X_BATCH, Y_BATCH),
    "elman-both-clf": (ElmanClassifier, {"skip_connections": "both"}, X_ROWS, LABELS3),
    "elman-both-sequence": (ElmanRegressor, {"skip_connections": "both"}, X_LIST, Y_SEQ),
}

# every shortcut setting a stack takes: the deep output needs an Elman top layer
SHORTCUTS = [(ElmanRegressor, False), (ElmanRegressor, True), (ElmanRegressor, "output"),
             (ElmanRegressor, "both"), (JordanRegressor, False), (JordanRegressor, True)]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("activation", ["tanh", "logistic"])
@pytest.mark.parametrize("bptt_steps", [None, 2])
def test_stacked_gradient_matches_finite_differences(case, activation, bptt_steps):
    cls, params, X, y = CASES[case]
    est = cls(**{"n_hidden": (4, 3), **params}, activation=activation,
              bptt_steps=bptt_steps, alpha=0.1)
    seqs = initialized(est, X, y)
    net = est._network
    assert isinstance(net, StackedRecurrentNetwork)
    theta0 = est._theta.copy()
    state0 = est._initial_state(seqs)
    loss, grad, _ = est._objective(theta0, seqs, state0)
    forced = seqs.Y if getattr(est, "teacher_forcing", False) else None
    _, frozen = stacked_reference(net, est._views(theta0), seqs.X, seqs.offsets, state0,
                                  forced=forced)

    def reference_loss(theta):
        views = est._views(theta)
        Y, _ = stacked_reference(net, views, seqs.X, seqs.offsets, state0, forced=forced,
                                 frozen=frozen)
        value, _ = LOSSES[est._loss](Y[seqs.target_rows], seqs.Y)
        return value + 0.5 * est.alpha / seqs.n_targets * sum(
            (W ** 2).sum() for W in net.penalised(views))

    assert loss == pytest.approx(reference_loss(theta0), rel=1e-12)
    np.testing.assert_allclose(grad, finite_difference(reference_loss, theta0),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls, skip_connections", SHORTCUTS)
def test_stacked_forward_matches_numpy(cls, dtype, skip_connections):
    X = [x.astype(dtype) for x in X_LIST] + [X_LIST[0][:1].astype(dtype)]
    y = Y_STEPS + [Y_STEPS[0][:1]]
    est = cls(n_hidden=(5, 3, 4), skip_connections=skip_connections)
    seqs = initialized(est, X, y)
    state0 = est._initial_state(seqs)
    expected, entering = stacked_reference(est._network, est._views(est._theta), seqs.X,
                                           seqs.offsets, state0)
    rtol = {np.float32: 2e-4, np.float64: 1e-12}[dtype]
    for need_cache in (True, False):
        Y, _, final = est._network.forward(est._views(est._theta), seqs, state0,
                                           need_cache=need_cache)
        assert Y.dtype == dtype
        np.testing.assert_allclose(Y, expected, rtol=rtol, atol=rtol)
    assert final.shape == (seqs.n_sequences, est._network.state_size)


def test_one_layer_tuple_is_the_plain_network():
    a = ElmanRegressor(n_hidden=(5,), max_iter=3, random_state=0)
    b = ElmanRegressor(n_hidden=5, max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning):
        a.fit(X_LIST, Y_STEPS)
    with pytest.warns(ConvergenceWarning):
        b.fit(X_LIST, Y_STEPS)
    assert isinstance(a._network, SimpleRecurrentNetwork)
    np.testing.assert_array_equal(a.get_flat_weights(), b.get_flat_weights())


@pytest.mark.parametrize("cls", [ElmanRegressor, JordanRegressor])
def test_stack_attributes_pickle_forecast(cls):
    t = np.arange(80) * 0.3
    series = np.column_stack([np.sin(t), np.cos(t)])
    est = cls(n_hidden=(6, 4), max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(series[:-1], series[1:])
    assert [W.shape for W in est.input_weights_] == [(2, 6), (6, 4)]
    assert est.output_weights_.shape == (4, 2)
    if cls is JordanRegressor:
        assert [W.shape for W in est.recurrent_weights_] == [(6, 6)]
        assert est.context_weights_.shape == (2, 4)
    clone = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone.predict(series), est.predict(series))
    out = est.forecast(series[:30], 3)
    # the forecast is the network fed with its own outputs
    X = series[:30]
    for k in range(3):
        np.testing.assert_allclose(est.predict(X)[-1], out[k], rtol=1e-10)
        X = np.vstack([X, out[k]])
    clone.partial_fit(series[:-1], series[1:])


@pytest.mark.parametrize("bad", [(4, 0), (), (2.5, 3)])
def test_bad_layer_sizes(bad):
    with pytest.raises(ValueError, match="n_hidden"):
        ElmanRegressor(n_hidden=bad).fit(X_LIST[0], Y_STEPS[0])


@pytest.mark.parametrize("cls, skip_connections", SHORTCUTS)
def test_small_uniform_reaches_every_layer(cls, skip_connections):
    # WEKA's initialisation: every weight and bias of every layer on +-0.05,
    # drawn in the order of the flat vector, as for one layer (the lower
    # layers used to get Glorot's and an orthogonal matrix)
    est = cls(n_hidden=(6, 5, 4), weight_init="small_uniform", random_state=0,
              skip_connections=skip_connections)
    est._initialize(est._prepare(X_LIST, Y_STEPS, reset=True))
    expected = np.random.RandomState(0).uniform(-0.05, 0.05, est._theta.shape[0])
    np.testing.assert_array_equal(est._theta, expected)


def _fitted_on_a_series(cls, skip_connections, n_hidden=(6, 5, 4)):
    """(estimator fitted for 3 epochs on two sine features, the series)."""
    t = np.arange(60) * 0.3
    series = np.column_stack([np.sin(t), np.cos(t)])
    est = cls(n_hidden=n_hidden, skip_connections=skip_connections, max_iter=3,
              random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(series[:-1], series[1:])
    return est, series


def _searched(est, series):
    """The flat vector holds every shortcut's weights: a weight search sees them."""
    losses = est.population_loss(np.vstack([est.get_flat_weights()] * 2),
                                 series[:-1], series[1:])
    assert losses[0] == pytest.approx(est.evaluate_loss(series[:-1], series[1:]))
    search = GeneticOptimizer(estimator=clone(est), population_size=8, max_iter=2,
                              random_state=0)
    return search.fit(series[:-1], series[1:]).best_estimator_


@pytest.mark.parametrize("cls", [ElmanRegressor, JordanRegressor])
def test_skip_connections_feed_the_input_to_every_layer(cls):
    est, series = _fitted_on_a_series(cls, True)
    # the first rows read the layer below, the last two the input
    assert [W.shape for W in est.input_weights_] == [(2, 6), (8, 5), (7, 4)]
    # the top layer's input rows change what it predicts: the input reaches it
    before = est.predict(series)
    est.input_weights_[2][-2:] += 1.0
    assert not np.allclose(est.predict(series), before)
    assert _searched(est, series).input_weights_[2].shape == (7, 4)


@pytest.mark.parametrize("skip_connections", ["output", "both"])
def test_deep_output_reads_every_layer(skip_connections):
    est, series = _fitted_on_a_series(ElmanRegressor, skip_connections)
    # the output weights' rows read the layers bottom up: 6 + 5 + 4 units
    assert est.output_weights_.shape == (15, 2)
    below = [8, 7] if skip_connections == "both" else [6, 5]  # the input, with 'both'
    assert [W.shape for W in est.input_weights_] == [(2, 6), (below[0], 5), (below[1], 4)]
    # the lowest layer's rows change what it predicts: it reaches the output
    before = est.predict(series)
    est.output_weights_[:6] += 1.0
    assert not np.allclose(est.predict(series), before)
    assert _searched(est, series).output_weights_.shape == (15, 2)


@pytest.mark.parametrize("skip_connections", [True, "input", "output", "both"])
@pytest.mark.parametrize("cls", [ElmanRegressor, JordanRegressor])
def test_one_layer_has_nothing_to_skip(cls, skip_connections):
    one, _ = _fitted_on_a_series(cls, skip_connections, n_hidden=5)
    plain, _ = _fitted_on_a_series(cls, False, n_hidden=5)
    np.testing.assert_array_equal(one.get_flat_weights(), plain.get_flat_weights())


@pytest.mark.parametrize("cls", [ElmanRegressor, JordanRegressor])
def test_true_is_the_input_shortcut(cls):
    # True kept its meaning when 'output' and 'both' came
    named, _ = _fitted_on_a_series(cls, "input", n_hidden=(4, 3))
    true, _ = _fitted_on_a_series(cls, True, n_hidden=(4, 3))
    np.testing.assert_array_equal(named.get_flat_weights(), true.get_flat_weights())
    assert named._network.layout() == true._network.layout()


@pytest.mark.parametrize("skip_connections", ["output", "both"])
def test_deep_output_refuses_a_jordan_stack(skip_connections):
    est = JordanRegressor(n_hidden=(4, 3), skip_connections=skip_connections)
    with pytest.raises(ValueError, match="needs Elman layers"):
        est.fit(X_LIST, Y_STEPS)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls, skip_connections", SHORTCUTS)
def test_compiled_generate_matches_step_by_step(cls, skip_connections, dtype):
    # two inputs, two outputs: the output is fed back as the next input
    X = [x[:, :2].astype(dtype) for x in X_LIST]
    Y = [np.tanh(x[:, ::-1]) for x in X]
    est = cls(n_hidden=(5, 3, 4), skip_connections=skip_connections)
    if cls is JordanRegressor:
        est.set_params(context_decay=0.4)
    initialized(est, X, Y)
    assert_generate_matches(est._network, est._views(est._theta), [generate_step_by_step],
                            n_steps=7)
