"""The stochastic solvers against their textbook updates."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import pickle

import numpy as np
import pytest

from skrnn._solvers import AdamOptimizer


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_follows_kingma_and_ba(dtype):
    """Five steps of Adam equal the bias-corrected update written out (in the
    paper's efficient form, the correction folded into the step size), and a
    pickled or copied optimizer goes on exactly as the original (its scratch
    buffers are not part of its state)."""
    rng = np.random.RandomState(0)
    adam = AdamOptimizer(50, 0.01, 0.9, 0.999, 1e-8, dtype)
    theta = rng.randn(50).astype(dtype)
    expected, m, v = theta.astype(np.float64), np.zeros(50), np.zeros(50)
    for t in range(1, 6):
        grad = rng.randn(50).astype(dtype)
        adam.update(theta, grad)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad.astype(np.float64) ** 2
        step_size = 0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        expected -= step_size * m / (np.sqrt(v) + 1e-8)
    assert theta.dtype == dtype
    np.testing.assert_allclose(theta, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)
    grad = rng.randn(50).astype(dtype)
    for other in (pickle.loads(pickle.dumps(adam)), copy.deepcopy(adam)):
        assert "_scratch" not in other.__dict__
        theta_other = theta.copy()
        other.update(theta_other, grad)
        assert other.t == adam.t + 1
        reference = theta.copy()
        copy.deepcopy(adam).update(reference, grad)
        np.testing.assert_array_equal(theta_other, reference)
