"""LSTM backpropagation through time against central finite differences (float64)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skrnn import LSTMClassifier, LSTMRegressor

from ._reference import lstm_reference
from .test_gradients import finite_difference, initialized

RNG = np.random.RandomState(7)
LENGTHS = [5, 2, 4]
X_LIST = [RNG.uniform(-1, 1, (n, 3)) for n in LENGTHS]
Y_STEPS = [RNG.uniform(-1, 1, (n, 3)) for n in LENGTHS]
Y_SEQ = RNG.uniform(-1, 1, (len(LENGTHS), 2))
X_BATCH = RNG.uniform(-1, 1, (3, 4, 2))
Y_BATCH = RNG.uniform(-1, 1, (3, 4, 2))
X_ROWS = RNG.uniform(-1, 1, (6, 4))
LABELS2 = np.array(["a", "b", "a", "b", "b", "a"])
LABELS3 = np.array([0, 1, 2, 2, 1, 0])

CASES = {
    "reg-steps": (LSTMRegressor, X_LIST, Y_STEPS),
    "reg-sequence": (LSTMRegressor, X_LIST, Y_SEQ),
    "reg-series": (LSTMRegressor, X_LIST[0], Y_STEPS[0]),
    "reg-batch": (LSTMRegressor, X_BATCH, Y_BATCH),
    "clf-binary": (LSTMClassifier, X_ROWS, LABELS2),
    "clf-multi": (LSTMClassifier, X_ROWS, LABELS3),
}


def _reference_loss(est, seqs, state0, frozen):
    net, loss_function = est._network, est._loss_function()

    def loss(theta):
        views = est._views(theta)
        Y, _ = lstm_reference(net, views, seqs.X, seqs.offsets, state0, frozen=frozen)
        value, _ = loss_function(Y[seqs.target_rows], seqs.Y)
        n = seqs.n_targets
        return value + 0.5 * est.alpha / n * sum((W ** 2).sum() for W in net.penalised(views))

    return loss


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("loss,mean_weight", [(None, 0.0), ("error_entropy", 0.0),
                                              ("error_entropy", 0.7)])
@pytest.mark.parametrize("peepholes", [False, True])
@pytest.mark.parametrize("n_hidden,bptt_steps", [(3, None), ((3, 2), None), (3, 2),
                                                 ((2, 3), 1)])
def test_gradient_matches_finite_differences(case, loss, mean_weight, peepholes, n_hidden,
                                             bptt_steps):
    cls, X, y = CASES[case]
    est = cls(n_hidden=n_hidden, loss=loss, peepholes=peepholes, bptt_steps=bptt_steps,
              alpha=0.1, entropy_bandwidth=0.8, entropy_mean_weight=mean_weight)
    seqs = initialized(est, X, y)
    theta0 = est._theta.copy()
    state0 = est._initial_state(seqs)
    state0 += np.random.RandomState(3).uniform(-0.5, 0.5, state0.shape)
    loss_value, grad, _ = est._objective(theta0, seqs, state0)
    # the states entering each step at theta0: constants of the truncated objective
    _, frozen = lstm_reference(est._network, est._views(theta0), seqs.X, seqs.offsets, state0)
    reference_loss = _reference_loss(est, seqs, state0, frozen)
    assert loss_value == pytest.approx(reference_loss(theta0), rel=1e-12)
    np.testing.assert_allclose(grad, finite_difference(reference_loss, theta0),
                               rtol=1e-6, atol=1e-8)


def test_full_bptt_gradient_is_derivative_of_compiled_loss():
    est = LSTMRegressor(n_hidden=(3, 2), peepholes=True, alpha=0.0)
    seqs = initialized(est, X_LIST, Y_STEPS)
    theta0 = est._theta.copy()
    state0 = est._initial_state(seqs)
    _, grad, _ = est._objective(theta0, seqs, state0)
    expected = finite_difference(
        lambda th: est._objective(th, seqs, state0, need_grad=False)[0], theta0)
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-8)


def test_truncation_changes_the_gradient():
    grads = []
    for k in (None, 1):
        est = LSTMRegressor(n_hidden=3, bptt_steps=k)
        seqs = initialized(est, X_LIST, Y_STEPS)
        grads.append(est._objective(est._theta, seqs, est._initial_state(seqs))[1])
    assert not np.allclose(grads[0], grads[1])
