"""WEKA's Elman network, reproduced by ElmanRegressor's documented recipe.

WEKA trains its Elman network as its multilayer perceptron, one instance at a
time in file order: forward pass with the context as extra inputs, one step
of backpropagation of the squared error, the update
``dw(t) = -lr dE/dw + momentum dw(t-1)``, then the hidden values are copied
to the context (which starts at 0.5). Logistic hidden units, linear output
units for a numeric class, every weight and bias drawn on +-0.05.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

from skrnn import ElmanRegressor

WEKA = dict(activation="logistic", initial_context=0.5, solver="sgd",
            learning_rate_init=0.3, momentum=0.2, nesterovs_momentum=False, batch_size=1,
            bptt_steps=1, alpha=0.0, max_grad_norm=None, tol=0.0, shuffle=False,
            weight_init="small_uniform")


def weka_elman(X, y, W_in, W_ctx, b_h, W_out, b_out, *, epochs, lr=0.3, momentum=0.2):
    """The equations of WEKA's Elman training, one instance at a time."""
    params = [np.array(p, dtype=np.float64) for p in (W_in, W_ctx, b_h, W_out, b_out)]
    change = [np.zeros_like(p) for p in params]
    for _ in range(epochs):
        context = np.full(W_ctx.shape[0], 0.5)
        for t in range(X.shape[0]):
            W_in, W_ctx, b_h, W_out, b_out = params
            hidden = expit(X[t] @ W_in + context @ W_ctx + b_h)
            output = hidden @ W_out + b_out               # linear output units
            delta_out = output - y[t]                      # E = (t - y)^2 / 2
            delta_hidden = (W_out @ delta_out) * hidden * (1 - hidden)
            grads = [np.outer(X[t], delta_hidden), np.outer(context, delta_hidden),
                     delta_hidden, np.outer(hidden, delta_out), delta_out]
            for p, d, g in zip(params, change, grads):
                d *= momentum
                d -= lr * g
                p += d
            context = hidden                               # saveValues()
    return np.concatenate([p.ravel() for p in params])


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_weka_recipe_matches_the_transcription(n_outputs):
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (40, 2))
    y = np.column_stack([np.roll(X[:, 0], 1), X[:, 1] * X[:, 0]])[:, :n_outputs]
    model = ElmanRegressor(n_hidden=3, max_iter=4, random_state=0, **WEKA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    # the same starting weights, drawn again
    start = ElmanRegressor(n_hidden=3, max_iter=1, random_state=0, **WEKA)
    start._initialize(start._prepare(X, y, reset=True))
    theta0 = start.get_flat_weights()
    assert np.all(np.abs(theta0) <= 0.05) and np.ptp(theta0) > 0.05
    views = start._views(theta0)
    expected = weka_elman(X, y.reshape(40, -1), views["input_weights_"],
                          views["recurrent_weights_"], views["hidden_bias_"],
                          views["output_weights_"], views["output_bias_"], epochs=4)
    # not bit for bit: the kernels compute the logistic as (1 + tanh(z / 2)) / 2
    np.testing.assert_allclose(model.get_flat_weights(), expected, rtol=1e-13, atol=1e-15)
