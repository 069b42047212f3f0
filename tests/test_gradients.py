"""Backpropagation through time against central finite differences (float64)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skrnn import ElmanClassifier, ElmanRegressor, JordanClassifier, JordanRegressor
from skrnn._losses import LOSSES

from ._reference import srn_reference

RNG = np.random.RandomState(42)
LENGTHS = [5, 2, 4]
X_LIST = [RNG.uniform(-1, 1, (n, 3)) for n in LENGTHS]
Y_STEPS = [RNG.uniform(-1, 1, (n, 2)) for n in LENGTHS]
Y_SEQ = RNG.uniform(-1, 1, len(LENGTHS))
X_ROWS = RNG.uniform(-1, 1, (6, 4))  # classifier: six univariate sequences of 4 steps
X_BATCH = RNG.uniform(-1, 1, (3, 5, 2))  # equal lengths: the kernels' in-place path
Y_BATCH = RNG.uniform(-1, 1, (3, 5, 2))
LABELS2 = np.array(["a", "b", "a", "b", "b", "a"])
LABELS3 = np.array([0, 1, 2, 2, 1, 0])


def initialized(est, X, y):
    """The estimator with fresh random weights (biases too), without training.

    Seeded, so the test is the same every run: with unseeded weights a ReLU
    pre-activation now and then fell within the finite-difference step of its
    kink, where finite differences are wrong, and the test failed once in a
    while (seed 0 does that for Jordan with ReLU; seed 1 keeps clear of it).
    """
    est.set_params(random_state=1)
    seqs = est._prepare(X, y, reset=True)
    est._initialize(seqs)
    est._theta += 0.3 * np.random.RandomState(1).standard_normal(est._theta.shape)
    return seqs


def finite_difference(fun, theta, eps=1e-6):
    grad = np.empty_like(theta)
    for i in range(theta.shape[0]):
        step = np.zeros_like(theta)
        step[i] = eps
        grad[i] = (fun(theta + step) - fun(theta - step)) / (2 * eps)
    return grad


CASES = {
    "elman-reg-steps": (ElmanRegressor, {}, X_LIST, Y_STEPS),
    "elman-reg-sequence": (ElmanRegressor, {}, X_LIST, Y_SEQ),
    "elman-reg-series": (ElmanRegressor, {"initial_context": 0.5}, X_LIST[0], Y_STEPS[0]),
    "elman-reg-batch": (ElmanRegressor, {}, X_BATCH, Y_BATCH),
    "jordan-reg-batch": (JordanRegressor, {}, X_BATCH, Y_BATCH),
    "elman-clf-binary": (ElmanClassifier, {}, X_ROWS, LABELS2),
    "elman-clf-multi": (ElmanClassifier, {}, X_ROWS, LABELS3),
    "jordan-reg-steps": (JordanRegressor, {"context_decay": 0.6}, X_LIST, Y_STEPS),
    "jordan-reg-sequence": (JordanRegressor, {}, X_LIST, Y_SEQ),
    "jordan-reg-forced": (JordanRegressor, {"teacher_forcing": True}, X_LIST, Y_STEPS),
    "jordan-clf-binary": (JordanClassifier, {"initial_context": 0.5}, X_ROWS, LABELS2),
    "jordan-clf-multi": (JordanClassifier, {"context_decay": 0.9}, X_ROWS, LABELS3),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("activation", ["tanh", "logistic", "relu", "identity"])
@pytest.mark.parametrize("bptt_steps", [None, 1, 2])
def test_gradient_matches_finite_differences(case, activation, bptt_steps):
    cls, params, X, y = CASES[case]
    est = cls(n_hidden=4, activation=activation, bptt_steps=bptt_steps, alpha=0.1, **params)
    seqs = initialized(est, X, y)
    theta0 = est._theta.copy()
    state0 = est._initial_state(seqs)
    loss, grad, _ = est._objective(theta0, seqs, state0)

    net = est._network
    forced = seqs.Y if getattr(est, "teacher_forcing", False) else None
    # the states entering each step at theta0: constants of the truncated objective
    _, _, frozen = srn_reference(net, est._views(theta0), seqs.X, seqs.offsets, state0,
                                 forced=forced)

    def reference_loss(theta):
        Y, _, _ = srn_reference(net, est._views(theta), seqs.X, seqs.offsets, state0,
                                forced=forced, frozen=frozen)
        value, _ = LOSSES[est._loss](Y[seqs.target_rows], seqs.Y)
        n = seqs.n_targets
        views = est._views(theta)
        return value + 0.5 * est.alpha / n * sum((W ** 2).sum() for W in net.penalised(views))

    assert loss == pytest.approx(reference_loss(theta0), rel=1e-12)
    expected = finite_difference(reference_loss, theta0)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", ["elman-reg-steps", "jordan-reg-steps"])
def test_full_bptt_gradient_is_derivative_of_compiled_loss(case):
    """Without truncation, the gradient is that of the compiled loss itself."""
    cls, params, X, y = CASES[case]
    est = cls(n_hidden=3, alpha=0.0, **params)
    seqs = initialized(est, X, y)
    theta0 = est._theta.copy()
    state0 = est._initial_state(seqs)
    _, grad, _ = est._objective(theta0, seqs, state0)
    expected = finite_difference(
        lambda th: est._objective(th, seqs, state0, need_grad=False)[0], theta0)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)


def test_truncation_changes_the_gradient():
    """BPTT(1) and full BPTT differ on a recurrent problem: truncation is real."""
    cls, params, X, y = CASES["elman-reg-steps"]
    grads = []
    for k in (None, 1):
        est = cls(n_hidden=4, bptt_steps=k)
        seqs = initialized(est, X, y)
        grads.append(est._objective(est._theta, seqs, est._initial_state(seqs))[1])
    assert not np.allclose(grads[0], grads[1])
