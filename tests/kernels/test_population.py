"""The population-loss kernels against the plain NumPy references of tests/_reference."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skrnn import (
    ElmanClassifier,
    ElmanRegressor,
    JordanRegressor,
    LSTMClassifier,
    LSTMRegressor,
)
from skrnn._losses import LOSSES

from .._reference import lstm_reference, srn_reference


def _reference_loss(est, theta, seqs):
    """Data loss + L2 penalty of ``theta``, with the step-by-step NumPy forward pass."""
    net = est._network
    params = est._views(np.asarray(theta, dtype=np.float64))
    state0 = net.initial_state(seqs.n_sequences, np.float64)
    reference = lstm_reference if hasattr(net, "hidden_sizes") else srn_reference
    Y = reference(net, params, seqs.X.astype(np.float64), seqs.offsets, state0)[0]
    loss = LOSSES[est._loss](Y[seqs.target_rows], seqs.Y.astype(np.float64))[0]
    n = max(seqs.n_targets, 1)
    return loss + 0.5 * est.alpha / n * sum(float(np.sum(W * W)) for W in net.penalised(params))


@pytest.mark.parametrize("make, data", [
    (lambda: ElmanRegressor(n_hidden=4, alpha=0.3), "ragged"),
    (lambda: JordanRegressor(n_hidden=4, context_decay=0.6, alpha=0.3), "ragged"),
    (lambda: ElmanClassifier(n_hidden=3, alpha=0.3), "labels"),
    (lambda: LSTMRegressor(n_hidden=(3, 2), peepholes=True, alpha=0.3), "ragged"),
    (lambda: LSTMClassifier(n_hidden=3, alpha=0.3), "labels"),
], ids=["elman", "jordan", "elman_classifier", "lstm_stacked", "lstm_classifier"])
def test_population_kernel_against_numpy_reference(make, data):
    rng = np.random.RandomState(0)
    if data == "ragged":
        lengths = (4, 1, 6, 3)
        X = [rng.randn(n, 2) for n in lengths]
        y = [rng.randn(n, 2) for n in lengths]
    else:
        X, y = rng.randn(20, 4), rng.randint(3, size=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = make().set_params(max_iter=1, random_state=0).fit(X, y)
    seqs = est._prepare(X, y, reset=False)
    thetas = rng.randn(4, est.get_flat_weights().shape[0])
    expected = [_reference_loss(est, theta, seqs) for theta in thetas]
    np.testing.assert_allclose(est._population_loss(thetas, seqs), expected, rtol=1e-10)
