"""Continuous-time recurrent networks: gradients, the compiled pass, the ODE, bad input."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import numpy as np
import pytest
from scipy.linalg import expm
from sklearn.exceptions import ConvergenceWarning

from skrnn import CTRNNClassifier, CTRNNRegressor, GeneticOptimizer
from skrnn._losses import LOSSES

from ._reference import (
    assert_generate_matches,
    ctrnn_generate_numpy,
    ctrnn_reference,
    generate_step_by_step,
)
from .test_gradients import finite_difference

RNG = np.random.RandomState(7)
LENGTHS = [5, 2, 4]
X_LIST = [RNG.uniform(-1, 1, (n, 3)) for n in LENGTHS]
Y_STEPS = [RNG.uniform(-1, 1, (n, 2)) for n in LENGTHS]
Y_SEQ = RNG.uniform(-1, 1, len(LENGTHS))
# the last column an elapsed time: gaps from nearly nothing to several time constants
X_TIMED = [np.column_stack([x[:, :2], RNG.uniform(0.01, 6.0, len(x))]) for x in X_LIST]
X_ROWS = RNG.uniform(-1, 1, (6, 4))
X_BATCH = RNG.uniform(-1, 1, (3, 5, 2))
Y_BATCH = RNG.uniform(-1, 1, (3, 5, 2))
LABELS2 = np.array(["a", "b", "a", "b", "b", "a"])
LABELS3 = np.array([0, 1, 2, 2, 1, 0])


def initialized(est, X, y):
    """The estimator with seeded random weights (time constants spread too), untrained."""
    est.set_params(random_state=1)
    seqs = est._prepare(X, y, reset=True)
    est._initialize(seqs)
    est._theta += 0.3 * np.random.RandomState(1).standard_normal(est._theta.shape)
    masks = est._network.masks(est._theta.dtype)
    if masks is not None:  # keep absent connections absent, as training does
        views = est._views(est._theta)
        for name, mask in masks.items():
            views[name] *= mask
    return seqs


CASES = {
    "reg-steps": (CTRNNRegressor, {}, X_LIST, Y_STEPS),
    "reg-sequence": (CTRNNRegressor, {}, X_LIST, Y_SEQ),
    "reg-series": (CTRNNRegressor, {"dt": 0.5}, X_LIST[0], Y_STEPS[0]),
    "reg-batch": (CTRNNRegressor, {"integration": "exponential"}, X_BATCH, Y_BATCH),
    "reg-timed": (CTRNNRegressor, {"time_column": -1}, X_TIMED, Y_STEPS),
    "reg-groups": (CTRNNRegressor, {"n_hidden": (3, 2), "time_constant": (1.0, 8.0)},
                   X_LIST, Y_STEPS),
    "reg-groups-timed": (CTRNNRegressor, {"n_hidden": (2, 2, 1), "time_column": 2,
                                          "time_constant": (1.0, 4.0, 16.0)},
                         X_TIMED, Y_SEQ),
    "clf-binary": (CTRNNClassifier, {}, X_ROWS, LABELS2),
    "clf-multi": (CTRNNClassifier, {"n_hidden": (3, 2)}, X_ROWS, LABELS3),
}


def _reference_loss(est, seqs, state0, frozen):
    net = est._network

    def loss(theta):
        views = est._views(theta)
        Y, _, _ = ctrnn_reference(net, views, seqs.X, seqs.offsets, state0, frozen=frozen)
        value, _ = LOSSES[est._loss](Y[seqs.target_rows], seqs.Y)
        return value + 0.5 * est.alpha / seqs.n_targets * sum(
            (W ** 2).sum() for W in net.penalised(views))
    return loss


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("activation", ["tanh", "logistic", "identity"])
@pytest.mark.parametrize("bptt_steps", [None, 2])
def test_gradient_matches_finite_differences(case, activation, bptt_steps):
    """Every weight, bias and time constant, through Euler and exponential steps."""
    cls, params, X, y = CASES[case]
    est = cls(**{"n_hidden": 4, **params}, activation=activation, bptt_steps=bptt_steps,
              alpha=0.1)
    seqs = initialized(est, X, y)
    theta0 = est._theta.copy()
    state0 = est._initial_state(seqs) + 0.2  # a non-zero start: its rates depend on theta
    loss, grad, _ = est._objective(theta0, seqs, state0)
    _, _, frozen = ctrnn_reference(est._network, est._views(theta0), seqs.X, seqs.offsets,
                                   state0)
    reference = _reference_loss(est, seqs, state0, frozen)
    assert loss == pytest.approx(reference(theta0), rel=1e-12)
    expected = finite_difference(reference, theta0)
    # absent connections of a multiple-timescale network have no gradient
    np.testing.assert_allclose(grad, expected * _mask_vector(est), rtol=1e-6, atol=1e-8)
    # the time constants' gradient is there to check, not zero everywhere
    assert np.abs(est._views(grad)["log_time_constants_"]).max() > 1e-4


def _mask_vector(est):
    ones = np.ones_like(est._theta)
    masks = est._network.masks(est._theta.dtype)
    if masks is not None:
        views = est._views(ones)
        for name, mask in masks.items():
            views[name] *= mask
    return ones


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", ["reg-steps", "reg-batch", "reg-timed", "reg-groups"])
def test_compiled_forward_matches_numpy(case, dtype):
    cls, params, X, y = CASES[case]
    X = [np.asarray(x, dtype=dtype) for x in X] if isinstance(X, list) else X.astype(dtype)
    X = X + [np.asarray(X[0][:1])] if isinstance(X, list) else X  # a sequence of length 1
    if isinstance(y, list):
        y = y + [y[0][:1]]
    est = cls(**{"n_hidden": 5, **params})
    seqs = initialized(est, X, y)
    state0 = est._initial_state(seqs)
    Y, _, final = est._network.forward(est._views(est._theta), seqs, state0)
    expected, S, _ = ctrnn_reference(est._network, est._views(est._theta), seqs.X,
                                     seqs.offsets, state0)
    rtol = {np.float32: 2e-4, np.float64: 1e-12}[dtype]
    assert Y.dtype == dtype
    np.testing.assert_allclose(Y, expected, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(final, S[seqs.offsets[1:] - 1], rtol=rtol, atol=rtol)
    # prediction's path keeps no states and computes the outputs in the kernel
    predicted, cache, final = est._network.forward(est._views(est._theta), seqs, state0,
                                                   need_cache=False)
    assert cache is None and predicted.dtype == dtype
    np.testing.assert_allclose(predicted, expected, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(final, S[seqs.offsets[1:] - 1], rtol=rtol, atol=rtol)


def _linear_model(W, W_in, tau, n_steps, n_inputs, **params):
    """A linear CTRNN (identity activation, zero bias) whose output is its state."""
    n = W.shape[0]
    est = CTRNNRegressor(n_hidden=n, activation="identity", **params)
    X = np.zeros((n_steps, n_inputs))
    est._prepare(X, np.zeros((n_steps, n)), reset=True)
    est._initialize(est._prepare(X, np.zeros((n_steps, n)), reset=True))
    views = est._views(est._theta)
    views["input_weights_"][...] = W_in
    views["recurrent_weights_"][...] = W
    views["hidden_bias_"][...] = 0
    views["log_time_constants_"][...] = np.log(tau)
    views["output_weights_"][...] = np.eye(n)
    views["output_bias_"][...] = 0
    return est


# tau dy/dt = -y + y @ W + u(t) @ W_in with u(t) = (sin t, cos t): the whole system
# [y, sin t, cos t] is linear, so its exact solution is one matrix exponential
W_LIN = np.array([[0.2, -0.9], [0.7, -0.3]])
W_IN_LIN = np.array([[1.0, 0.5], [-0.4, 0.8]])
TAU_LIN = np.array([0.7, 2.5])


def _exact(times):
    M = np.zeros((4, 4))
    M[:2, :2] = ((W_LIN - np.eye(2)) / TAU_LIN[None, :]).T
    M[:2, 2:] = (W_IN_LIN / TAU_LIN[None, :]).T
    M[2, 3], M[3, 2] = 1.0, -1.0
    z0 = np.array([0.0, 0.0, 0.0, 1.0])
    return np.array([expm(M * t) @ z0 for t in times])[:, :2]


def _euler_error(dt, horizon=10.0):
    n_steps = int(round(horizon / dt))
    times = dt * np.arange(1, n_steps + 1)
    # step k goes from t_{k-1} to t_k with the input of its start
    X = np.column_stack([np.sin(times - dt), np.cos(times - dt)])
    est = _linear_model(W_LIN, W_IN_LIN, TAU_LIN, n_steps, 2, dt=dt)
    return np.abs(est.predict(X) - _exact(times)).max()


def test_linear_ctrnn_matches_its_ode_to_the_euler_error():
    errors = [_euler_error(dt) for dt in (0.1, 0.05, 0.025)]
    assert errors[0] < 0.1
    # first order: halving the step halves the error
    assert errors[1] / errors[0] == pytest.approx(0.5, abs=0.08)
    assert errors[2] / errors[1] == pytest.approx(0.5, abs=0.08)


@pytest.mark.parametrize("mean_gap", [0.1, 0.02])
def test_linear_ctrnn_with_irregular_steps_matches_its_ode(mean_gap):
    """Elapsed times drawn at random (a Poisson process) still follow the ODE."""
    rng = np.random.RandomState(0)
    gaps = rng.exponential(mean_gap, int(10 / mean_gap))
    times = np.cumsum(gaps)
    X = np.column_stack([np.sin(times - gaps), np.cos(times - gaps), gaps])
    est = _linear_model(W_LIN, W_IN_LIN, TAU_LIN, len(gaps), 3, time_column=2)
    error = np.abs(est.predict(X) - _exact(times)).max()
    # held drive over each step: the error is of the order of the steps
    assert error < 2 * mean_gap + 0.05
    assert np.all(np.isfinite(est.predict(X)))


def test_long_gaps_are_exact_where_euler_diverges():
    """Gaps longer than twice a time constant: Euler at that step diverges, the
    elapsed-time steps integrate the decay exactly (exact here: no coupling, constant input)."""
    W = np.zeros((2, 2))
    rng = np.random.RandomState(0)
    gaps = rng.uniform(0.0, 4.0, 60)  # the fast unit's tau is 0.7: Euler needs dt < 1.4
    X = np.column_stack([np.ones((60, 2)), gaps])
    est = _linear_model(W, W_IN_LIN, TAU_LIN, 60, 3, time_column=-1)
    steady = W_IN_LIN.sum(axis=0)  # y(t) = steady * (1 - exp(-t / tau)) from y(0) = 0
    exact = steady * -np.expm1(-np.cumsum(gaps)[:, None] / TAU_LIN)
    np.testing.assert_allclose(est.predict(X), exact, rtol=1e-12, atol=1e-12)
    euler = _linear_model(W, W_IN_LIN, TAU_LIN, 60, 2, dt=2.0)
    assert np.abs(euler.predict(np.ones((60, 2)))).max() > 1e3


def test_irregular_errors_shrink_with_the_gaps():
    rng = np.random.RandomState(1)
    errors = []
    for mean_gap in (0.1, 0.025):
        gaps = rng.uniform(0, 2 * mean_gap, int(10 / mean_gap))
        times = np.cumsum(gaps)
        X = np.column_stack([np.sin(times - gaps), np.cos(times - gaps), gaps])
        est = _linear_model(W_LIN, W_IN_LIN, TAU_LIN, len(gaps), 3, time_column=-1)
        errors.append(np.abs(est.predict(X) - _exact(times)).max())
    assert errors[1] < errors[0] / 2.5


def test_elapsed_time_matters():
    """The same inputs at different times give different outputs."""
    X, y = X_TIMED[0], Y_STEPS[0]
    est = CTRNNRegressor(n_hidden=4, time_column=2, max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    later = X.copy()
    later[:, 2] *= 3
    assert not np.allclose(est.predict(X), est.predict(later))
    assert est.input_weights_.shape == (2, 4)


@pytest.mark.parametrize("params, match", [
    ({"time_constant": 0.0}, "time_constant"),
    ({"time_constant": -1.0}, "time_constant"),
    ({"time_constant": (1.0, -2.0), "n_hidden": (2, 2)}, "time_constant"),
    ({"time_constant": (1.0, 2.0, 3.0), "n_hidden": (2, 2)}, "one value per group"),
    ({"dt": 0.0}, "dt"),
    ({"dt": -0.1}, "dt"),
    ({"n_hidden": (4, 0)}, "n_hidden"),
    ({"time_column": 5}, "time_column"),
    ({"time_column": True}, "time_column"),
    ({"max_step": 1e-300}, "max_step"),
])
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        CTRNNRegressor(**params).fit(X_LIST[0], Y_STEPS[0])


@pytest.mark.parametrize("bad", [-0.5, np.nan, np.inf])
def test_bad_elapsed_times(bad):
    X = X_TIMED[0].copy()
    est = CTRNNRegressor(n_hidden=3, time_column=-1, max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, Y_STEPS[0])
    before = est.get_flat_weights()
    X[2, -1] = bad
    with pytest.raises(ValueError):
        est.fit(X, Y_STEPS[0])
    with pytest.raises(ValueError):
        est.predict(X)
    with pytest.raises(ValueError):
        est.partial_fit(X, Y_STEPS[0])
    np.testing.assert_array_equal(est.get_flat_weights(), before)
    if bad < 0:
        with pytest.raises(ValueError, match="non-negative"):
            est.predict(X)


def test_too_many_substeps():
    """Elapsed times that max_step would split into more sub-steps than an integer
    counts: a ValueError before anything is fitted, not an overflow."""
    X = X_TIMED[0].copy()
    X[1, -1] = 1e300
    with pytest.raises(ValueError, match="max_step"):
        CTRNNRegressor(n_hidden=3, time_column=-1, max_step=0.1).fit(X, Y_STEPS[0])


def test_fitted_time_column_checked_after_set_params():
    """set_params does not rebuild a fitted network: prediction and forecast
    still read the time column it was fitted with, so that column's elapsed
    times are the ones checked (not the newly set column's); partial_fit
    refuses to continue the network under another column."""
    est = CTRNNRegressor(n_hidden=3, time_column=-1, max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X_TIMED[0], X_TIMED[0][:, :2])
    before = est.get_flat_weights()
    X = X_TIMED[0].copy()
    X[2, -1] = -1.0
    est.set_params(time_column=None)
    with pytest.raises(ValueError, match="non-negative"):
        est.predict(X)
    with pytest.raises(ValueError, match="time_column changed since the network was fitted"):
        est.partial_fit(X, X[:, :2])
    with pytest.raises(ValueError, match="time column"):
        est.forecast(X_TIMED[0], 3)
    np.testing.assert_array_equal(est.get_flat_weights(), before)
    # the column set now is an input of the fitted network: negative values are fine
    X = X_TIMED[0].copy()
    X[:, 0] = -1.0
    est.set_params(time_column=0)
    assert np.all(np.isfinite(est.predict(X)))


def test_forecast_refuses_elapsed_times():
    est = CTRNNRegressor(n_hidden=3, time_column=-1, max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X_TIMED[0], X_TIMED[0][:, :2])
    with pytest.raises(ValueError, match="time_column"):
        est.forecast(X_TIMED[0], 3)


@pytest.mark.parametrize("params", [{}, {"max_step": 0.4, "integration": "exponential"}])
def test_forecast_matches_predict_on_its_own_outputs(params):
    """Free-running generation is the network fed with its own outputs."""
    t = np.arange(120) * 0.2
    series = np.column_stack([np.sin(t), np.cos(t)])
    est = CTRNNRegressor(n_hidden=8, max_iter=30, random_state=0, **params)
    with pytest.warns(ConvergenceWarning):
        est.fit(series[:-1], series[1:])
    history = series[:50]
    out = est.forecast(history, 4)
    # feed the forecast back by hand: each step's input is the previous output
    X = history
    for k in range(4):
        assert np.allclose(est.predict(X)[-1], out[k])
        X = np.vstack([X, out[k]])


def test_groups_keep_their_structure():
    """Slow units never see the input nor feed the output; time constants stay apart."""
    X, y = make_two_speed(random_state=0)
    est = CTRNNRegressor(n_hidden=(6, 3), time_constant=(1.5, 20.0), max_iter=20,
                         random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert np.all(est.input_weights_[:, 6:] == 0)
    assert np.all(est.output_weights_[6:] == 0)
    assert np.all(est.recurrent_weights_[6:, 6:] != 0)
    taus = est.time_constants_
    assert taus[:6].max() < taus[6:].min()
    assert est.time_constants_.shape == (9,)


def make_two_speed(n_steps=150, random_state=None):
    rng = np.random.RandomState(random_state)
    t = np.arange(n_steps)
    switch = (t // 40) % 2
    x = rng.uniform(-1, 1, (n_steps, 1))
    y = np.where(switch, np.roll(x[:, 0], 2), -np.roll(x[:, 0], 1))
    return x, y


def test_time_constants_are_trained():
    est = CTRNNRegressor(n_hidden=4, max_iter=10, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X_LIST, Y_STEPS)
    assert not np.allclose(est.time_constants_, 2.0)
    assert np.all(est.time_constants_ > 0)


@pytest.mark.parametrize("cls, X, y", [(CTRNNRegressor, X_LIST, Y_STEPS),
                                       (CTRNNClassifier, X_ROWS, LABELS2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_seed_pickle_partial_fit(cls, X, y, dtype):
    X = [x.astype(dtype) for x in X] if isinstance(X, list) else X.astype(dtype)
    fits = []
    for _ in range(2):
        est = cls(n_hidden=(3, 2), time_constant=(1.0, 5.0), max_iter=3, random_state=0)
        with pytest.warns(ConvergenceWarning):
            fits.append(est.fit(X, y))
    np.testing.assert_array_equal(fits[0].get_flat_weights(), fits[1].get_flat_weights())
    assert fits[0]._theta.dtype == dtype
    predicted = np.asarray(fits[0].predict(X)[0] if isinstance(X, list) else fits[0].predict(X))
    assert predicted.dtype == (dtype if cls is CTRNNRegressor else LABELS2.dtype)
    clone = pickle.loads(pickle.dumps(fits[0]))
    np.testing.assert_array_equal(clone.time_constants_, fits[0].time_constants_)
    clone.partial_fit(X, y)
    assert not np.array_equal(clone.get_flat_weights(), fits[0].get_flat_weights())


def test_streaming_carries_the_state():
    """partial_fit on consecutive chunks of a series continues from the last state."""
    X, y = X_LIST[0], Y_STEPS[0]
    est = CTRNNRegressor(n_hidden=3, random_state=0).partial_fit(X, y)
    whole, state = est.predict(X, return_state=True)
    first, mid = est.predict(X[:3], return_state=True)
    rest = est.predict(X[3:], initial_state=mid)
    np.testing.assert_allclose(np.concatenate([first, rest]), whole, rtol=1e-12)


def test_genetic_search_on_flat_weights():
    """The gradient-free optimisers search a CTRNN's flat vector, time constants included."""
    X, y = X_LIST[0], Y_STEPS[0][:, 0]
    search = GeneticOptimizer(estimator=CTRNNRegressor(n_hidden=3), population_size=12,
                              max_iter=5, random_state=0).fit(X, y)
    assert search.predict(X).shape == y.shape
    losses = search.best_estimator_.population_loss(
        np.vstack([search.best_estimator_.get_flat_weights()] * 2), X, y)
    assert losses[0] == pytest.approx(search.best_estimator_.evaluate_loss(X, y))


def test_large_batches_run_in_chunks():
    """More sequences than one cache-sized chunk (64 at hidden 64): the same outputs
    as the reference, and the gradient the sum of the two halves' gradients."""
    rng = np.random.RandomState(3)
    X = rng.uniform(-1, 1, (70, 3, 1))
    y = rng.uniform(-1, 1, (70, 3))
    est = CTRNNRegressor(n_hidden=64, alpha=0.0)
    seqs = initialized(est, X, y)
    state0 = est._initial_state(seqs)
    Y, _, _ = est._network.forward(est._views(est._theta), seqs, state0)
    expected, _, _ = ctrnn_reference(est._network, est._views(est._theta), seqs.X,
                                     seqs.offsets, state0)
    np.testing.assert_allclose(Y, expected, rtol=1e-12, atol=1e-12)
    _, grad, _ = est._objective(est._theta, seqs, state0)
    halves = [seqs.take(np.arange(0, 35)), seqs.take(np.arange(35, 70))]
    summed = sum(est._objective(est._theta, half, est._initial_state(half))[1] * half.n_targets
                 for half in halves)
    np.testing.assert_allclose(grad * seqs.n_targets, summed, rtol=1e-10, atol=1e-12)


SUBSTEP_CASES = {
    "timed": (CTRNNRegressor, {"time_column": -1, "max_step": 0.7}, X_TIMED, Y_STEPS),
    "regular": (CTRNNRegressor, {"dt": 1.0, "max_step": 0.3}, X_LIST, Y_SEQ),
    "groups": (CTRNNClassifier, {"n_hidden": (3, 2), "max_step": 0.4,
                                 "integration": "exponential"}, X_ROWS, LABELS3),
}


@pytest.mark.parametrize("case", list(SUBSTEP_CASES))
def test_substep_gradient_matches_finite_differences(case):
    cls, params, X, y = SUBSTEP_CASES[case]
    est = cls(**{"n_hidden": 4, **params}, alpha=0.1)
    seqs = initialized(est, X, y)
    theta0 = est._theta.copy()
    state0 = est._initial_state(seqs) + 0.2
    loss, grad, _ = est._objective(theta0, seqs, state0)
    reference = _reference_loss(est, seqs, state0, None)
    assert loss == pytest.approx(reference(theta0), rel=1e-12)
    np.testing.assert_allclose(grad, finite_difference(reference, theta0) * _mask_vector(est),
                               rtol=1e-6, atol=1e-8)


def test_substeps_are_the_steps_split_by_hand():
    """max_step gives the outputs of the same model fed each step as k rows of 1/k."""
    X, y = X_TIMED[0], Y_STEPS[0]
    est = CTRNNRegressor(n_hidden=4, time_column=-1, max_step=0.5, max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    counts = np.maximum(1, np.ceil(X[:, -1] / 0.5)).astype(int)
    split = np.repeat(X, counts, axis=0)
    split[:, -1] = np.repeat(X[:, -1] / counts, counts)
    est_split = pickle.loads(pickle.dumps(est)).set_params(max_step=None)
    est_split._network.max_step = None
    ends = np.cumsum(counts) - 1
    np.testing.assert_allclose(est.predict(X), est_split.predict(split)[ends], rtol=1e-12)


def test_substeps_same_in_float32_and_float64():
    """Regular steps of dt are split into the same sub-steps in float32 as in float64:
    2.1 / 0.7 is just above 3 in float64 (4 sub-steps) but 3 in float32, and the
    sub-step factor, computed for dt / 4, once went with 3 sub-steps of float32 data."""
    X, y = X_LIST[0], Y_STEPS[0]
    est64 = CTRNNRegressor(n_hidden=4, dt=2.1, max_step=0.7, max_iter=1, random_state=0)
    est32 = CTRNNRegressor(n_hidden=4, dt=2.1, max_step=0.7, max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est64.fit(X, y)
        est32.fit(X.astype(np.float32), y)
    est32.set_flat_weights(est64.get_flat_weights().astype(np.float32))
    np.testing.assert_allclose(est32.predict(X.astype(np.float32)), est64.predict(X),
                               rtol=1e-4, atol=1e-5)


def test_substeps_follow_the_ode_over_long_gaps():
    """An input held over each gap (mean 0.4): one exponential step per gap holds the
    coupling between the units too, and errs; sub-steps of 0.01 converge to the ODE."""
    rng = np.random.RandomState(0)
    gaps = rng.exponential(0.4, 25)
    U = rng.uniform(-1, 1, (25, 2))
    M = np.zeros((4, 4))
    M[:2, :2] = ((W_LIN - np.eye(2)) / TAU_LIN[None, :]).T
    M[:2, 2:] = (W_IN_LIN / TAU_LIN[None, :]).T
    z, exact = np.zeros(4), []
    for gap, u in zip(gaps, U):
        z[2:] = u
        z = expm(M * gap) @ z
        exact.append(z[:2].copy())
    X = np.column_stack([U, gaps])
    errors = []
    for max_step in (None, 0.01):
        est = _linear_model(W_LIN, W_IN_LIN, TAU_LIN, len(gaps), 3, time_column=2,
                            max_step=max_step)
        errors.append(np.abs(est.predict(X) - np.array(exact)).max())
    assert errors[1] < errors[0] / 10
    assert errors[1] < 0.01


def test_time_column_by_name():
    """A DataFrame's time column can be named; the model equals the one given its index."""
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(X_TIMED[0], columns=["a", "b", "gap"])
    by_name = CTRNNRegressor(n_hidden=3, time_column="gap", max_iter=3, random_state=0)
    by_index = CTRNNRegressor(n_hidden=3, time_column=2, max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning):
        by_name.fit(X, Y_STEPS[0])
    with pytest.warns(ConvergenceWarning):
        by_index.fit(X_TIMED[0], Y_STEPS[0])
    np.testing.assert_array_equal(by_name.get_flat_weights(), by_index.get_flat_weights())
    with pytest.raises(ValueError, match="names no column"):
        CTRNNRegressor(time_column="elapsed").fit(X, Y_STEPS[0])
    with pytest.raises(ValueError, match="no column names"):
        CTRNNRegressor(time_column="gap").fit(X_TIMED[0], Y_STEPS[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", [
    {},
    {"activation": "logistic", "max_step": 0.3, "integration": "exponential"},
    {"n_hidden": (3, 2), "time_constant": (1.0, 8.0), "activation": "relu"},
])
def test_compiled_generate_matches_the_loops(params, dtype):
    """The kernel's generation equals the step-by-step forward pass and the NumPy loop."""
    X = [x[:, :2].astype(dtype) for x in X_LIST]
    est = CTRNNRegressor(**params)
    initialized(est, X, [np.asarray(y, dtype=dtype) for y in Y_STEPS])
    assert_generate_matches(est._network, est._views(est._theta),
                            [generate_step_by_step, ctrnn_generate_numpy], n_sequences=4)


def test_compiled_generate_runs_in_chunks():
    """More sequences than one cache-sized chunk (4 at 1100 units): the same generation."""
    est = CTRNNRegressor(n_hidden=1100)
    initialized(est, [x[:, :2] for x in X_LIST], Y_STEPS)
    assert_generate_matches(est._network, est._views(est._theta), [ctrnn_generate_numpy],
                            n_sequences=7, n_steps=3)
