"""Plain NumPy transcriptions of the lag-window network and of its learning rules.

Written from the equations of doc/user_guide/backprop.rst, one pattern at a
time, to check the compiled kernel step for step.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


def _act(name, z):
    if name == "tanh":
        return np.tanh(z)
    if name == "logistic":
        return 1 / (1 + np.exp(-z))
    if name == "softmax":
        e = np.exp(z - z.max())
        return e / e.sum()
    return z


def _dact(name, a):
    return 1 - a ** 2 if name == "tanh" else a * (1 - a)


def window(X, t, n_lags, first=0):
    """Input nodes of the window ending at row t, from t0 to the oldest."""
    return np.concatenate([X[max(t - k, first)] for k in range(n_lags)])


def forward(X, t, n_lags, Ws, bs, activation, output="identity", first=0):
    """Activations [x, a_1, ..., a_L] of the window ending at t."""
    acts = [window(X, t, n_lags, first)]
    for layer, (W, b) in enumerate(zip(Ws, bs)):
        acts.append(_act(output if layer == len(Ws) - 1 else activation, acts[-1] @ W + b))
    return acts


def train(X, Y, rows, target_rows, n_lags, Ws, bs, *, rates, activation, momentum=0.0,
          self_momentum=False, jung=0.0, freud=0.0, batch_size=1, output="identity",
          squared_error=False, weights=None):
    """Back-propagation with the rules, over the windows ending at ``rows``, in order.

    ``weights`` (one per pattern, in order) multiply each pattern's output delta.
    Returns the updated weights and biases (copies).
    """
    Ws = [W.astype(np.float64) for W in Ws]
    bs = [b.astype(np.float64) for b in bs]
    VW = [np.zeros_like(W) for W in Ws]
    Vb = [np.zeros_like(b) for b in bs]
    n_inputs, n_features = Ws[0].shape[0], X.shape[1]
    lag = np.repeat(np.arange(n_lags), n_features)   # lag k_i of every input node
    GW = [np.zeros_like(W) for W in Ws]
    Gb = [np.zeros_like(b) for b in bs]
    K = [np.zeros_like(b) for b in bs]
    count = 0
    for p, (t, r) in enumerate(zip(rows, target_rows)):
        acts = forward(X, t, n_lags, Ws, bs, activation, output)
        deltas = [None] * len(Ws)
        deltas[-1] = acts[-1] - Y[r]
        if squared_error and output == "logistic":
            deltas[-1] = deltas[-1] * _dact("logistic", acts[-1])
        if weights is not None:
            deltas[-1] = weights[p] * deltas[-1]
        for layer in range(len(Ws) - 2, -1, -1):
            back = Ws[layer + 1] @ deltas[layer + 1]
            deltas[layer] = back * _dact(activation, acts[layer + 1])
        for layer in range(len(Ws)):
            rate = np.full(Ws[layer].shape, rates[layer])
            if layer == 0:
                x, u = acts[0], acts[1]
                # Jung: 1 + JR s(u_j, x_i) / NumInput, s(u, v) = 1 / (1 + |u - v|)
                rate = rate * (1 + jung / (1 + np.abs(u[None, :] - x[:, None])) / n_inputs)
                # Freud: 1 + F P_i / NumLags, P_i = k_i + 1
                rate = rate * (1 + freud * (lag + 1) / n_lags)[:, None]
            GW[layer] += rate * np.outer(acts[layer], deltas[layer])
            Gb[layer] += rates[layer] * deltas[layer]
            K[layer] += np.abs(deltas[layer]) / (1 + np.abs(deltas[layer]))
        count += 1
        if count == batch_size or p == len(rows) - 1:
            for layer in range(len(Ws)):
                k = K[layer] / count if self_momentum else momentum
                VW[layer] = -GW[layer] / count + k * VW[layer]
                Vb[layer] = -Gb[layer] / count + k * Vb[layer]
                Ws[layer] += VW[layer]
                bs[layer] += Vb[layer]
                GW[layer][:] = 0
                Gb[layer][:] = 0
                K[layer][:] = 0
            count = 0
    return Ws, bs
