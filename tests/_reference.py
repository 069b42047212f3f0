"""Plain NumPy references of the compiled forward passes, step by step."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.special import expit, softmax

HIDDEN = {
    "tanh": np.tanh,
    "logistic": expit,
    "relu": lambda z: np.maximum(z, 0),
    "identity": lambda z: z,
}
OUTPUT = {
    "identity": lambda o: o,
    "logistic": expit,
    "softmax": softmax,
}


def srn_reference(net, params, X, offsets, state0, forced=None, frozen=None):
    """Elman or Jordan network, one step at a time, in float64.

    Parameters
    ----------
    net : SimpleRecurrentNetwork
    params : dict of ndarray
    X : ndarray of shape (n_steps, n_inputs)
    offsets : ndarray of shape (n_sequences + 1,)
    state0 : ndarray of shape (n_sequences, state_size)
    forced : ndarray of shape (n_steps, n_outputs), optional
        Teacher forcing for Jordan's context.
    frozen : ndarray of shape (n_steps, state_size), optional
        With truncated BPTT, the state entering each step that starts a
        truncation window is taken from here (a constant), so that finite
        differences of this function give the truncated gradient.

    Returns
    -------
    Y : ndarray of shape (n_steps, n_outputs)
    H : ndarray of shape (n_steps, n_hidden)
    entering : ndarray of shape (n_steps, state_size)
        The state entering every step.
    """
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    f, g = HIDDEN[net.activation], OUTPUT[net.output_activation]
    k = net.bptt_steps
    n_steps = X.shape[0]
    Y = np.empty((n_steps, net.n_outputs))
    H = np.empty((n_steps, net.n_hidden))
    entering = np.empty((n_steps, net.state_size))
    for s in range(len(offsets) - 1):
        state = np.asarray(state0[s], dtype=np.float64)
        for t in range(offsets[s + 1] - offsets[s]):
            row = offsets[s] + t
            if frozen is not None and k and t > 0 and t % k == 0:
                state = frozen[row]
            entering[row] = state
            x = X[row]
            if net.is_jordan:
                h = f(x @ p["input_weights_"] + state @ p["context_weights_"] + p["hidden_bias_"])
            else:
                h = f(x @ p["input_weights_"] + state @ p["recurrent_weights_"]
                      + p["hidden_bias_"])
            y = g(h @ p["output_weights_"] + p["output_bias_"])
            H[row], Y[row] = h, y
            if net.is_jordan:
                v = forced[row] if forced is not None else y
                state = net.context_decay * state + v
            else:
                state = h
    return Y, H, entering


def lstm_reference(net, params, X, offsets, state0, frozen=None):
    """Stacked LSTM network, one step at a time, in float64.

    Parameters
    ----------
    net : LSTMNetwork
    params : dict of ndarray
    X : ndarray of shape (n_steps, n_inputs)
    offsets : ndarray of shape (n_sequences + 1,)
    state0 : ndarray of shape (n_sequences, state_size)
        [h, c] of every layer.
    frozen : ndarray of shape (n_steps, state_size), optional
        With truncated BPTT, the state entering each step that starts a
        truncation window is taken from here (see srn_reference).

    Returns
    -------
    Y : ndarray of shape (n_steps, n_outputs)
    entering : ndarray of shape (n_steps, state_size)
        [h, c] of every layer entering every step.
    """
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    g_out = OUTPUT[net.output_activation]
    k = net.bptt_steps
    sizes = net.hidden_sizes
    Y = np.empty((X.shape[0], net.n_outputs))
    entering = np.empty((X.shape[0], net.state_size))
    for s in range(len(offsets) - 1):
        state = np.array(state0[s], dtype=np.float64)
        for t in range(offsets[s + 1] - offsets[s]):
            row = offsets[s] + t
            if frozen is not None and k and t > 0 and t % k == 0:
                state = frozen[row].copy()
            entering[row] = state
            x, start, new_state = X[row], 0, []
            for layer, n in enumerate(sizes):
                h_prev, c_prev = state[start:start + n], state[start + n:start + 2 * n]
                W, R, b = net.split_gate_weights(p[f"gate_weights_[{layer}]"], layer)
                z = x @ W + h_prev @ R + b
                zi, zf, zg, zo = z[:n], z[n:2 * n], z[2 * n:3 * n], z[3 * n:]
                if net.peepholes:
                    peep = p[f"peephole_weights_[{layer}]"]
                    zi, zf = zi + peep[0] * c_prev, zf + peep[1] * c_prev
                c = expit(zf) * c_prev + expit(zi) * np.tanh(zg)
                if net.peepholes:
                    zo = zo + peep[2] * c
                h = expit(zo) * np.tanh(c)
                new_state += [h, c]
                x, start = h, start + 2 * n
            state = np.concatenate(new_state)
            Y[row] = g_out(x @ p["output_weights_"] + p["output_bias_"])
    return Y, entering


def standardised_ridge(F, Y, alpha, fit_intercept=True):
    """The readout engine's ridge, from the rows: (coef (p, k), intercept (k,)).

    Features are divided by their standard deviation (1 for constant ones),
    as ``make_pipeline(StandardScaler(), Ridge(alpha))``; without an
    intercept the raw (uncentred) problem is solved on the same scaled
    features. Coefficients come back in the original units.
    """
    from sklearn.linear_model import Ridge

    F = np.asarray(F, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(F.shape[0], -1)
    scale = F.std(axis=0)
    scale[scale == 0] = 1.0
    ridge = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="cholesky").fit(F / scale, Y)
    coef = np.atleast_2d(ridge.coef_).T / scale[:, None]
    return coef, np.broadcast_to(ridge.intercept_, (Y.shape[1],)).astype(np.float64)


def esn_states(model, X):
    """Reservoir states of a fitted echo state network over one series from the zero
    state, in plain NumPy."""
    W = model.recurrent_weights_.toarray()
    x = np.zeros(model.n_reservoir)
    out = []
    for u in X:
        x = (1 - model.leaking_rate) * x + model.leaking_rate * np.tanh(
            model.hidden_bias_ + u @ model.input_weights_ + x @ W)
        out.append(x)
    return np.array(out)


def ctrnn_reference(net, params, X, offsets, state0, frozen=None):
    """Continuous-time recurrent network, one step at a time, in float64.

    Parameters
    ----------
    net : ContinuousTimeNetwork
    params : dict of ndarray
    X : ndarray of shape (n_steps, n_features)
        The data, with its time column if the network has one.
    offsets : ndarray of shape (n_sequences + 1,)
    state0 : ndarray of shape (n_sequences, n_hidden)
    frozen : ndarray of shape (n_steps, 2 * n_hidden), optional
        With truncated BPTT, the states and rates entering each step that
        starts a truncation window are taken from here (constants).

    Returns
    -------
    Y : ndarray of shape (n_steps, n_outputs)
    S : ndarray of shape (n_steps, n_hidden)
        The states y_t.
    entering : ndarray of shape (n_steps, 2 * n_hidden)
        [y_{t-1}, f(y_{t-1} + theta)] entering every step.
    """
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    masks = net.masks(np.float64)
    if masks is not None:
        for name, mask in masks.items():
            p[name] = p[name] * mask
    f, g = HIDDEN[net.activation], OUTPUT[net.output_activation]
    X = np.asarray(X, dtype=np.float64)
    if net.time_column is None:
        inputs, elapsed = X, None
    else:
        inputs = np.delete(X, net.time_column, axis=1)
        elapsed = X[:, net.time_column]
    tau = np.exp(p["log_time_constants_"])
    theta = p["hidden_bias_"]
    k, n = net.bptt_steps, net.n_hidden
    Y = np.empty((X.shape[0], net.n_outputs))
    S = np.empty((X.shape[0], n))
    entering = np.empty((X.shape[0], 2 * n))
    for s in range(len(offsets) - 1):
        y = np.asarray(state0[s], dtype=np.float64)
        r = f(y + theta)
        for t in range(offsets[s + 1] - offsets[s]):
            row = offsets[s] + t
            if frozen is not None and k and t > 0 and t % k == 0:
                y, r = frozen[row, :n], frozen[row, n:]
            entering[row] = np.concatenate([y, r])
            step = net.dt if elapsed is None else elapsed[row]
            # max_step: equal sub-steps of at most max_step, the input held
            n_sub = 1 if net.max_step is None else max(1, int(np.ceil(step / net.max_step)))
            ratio = step / n_sub / tau
            euler = elapsed is None and net.integration == "euler"
            a = ratio if euler else 1 - np.exp(-ratio)
            for _ in range(n_sub):
                drive = r @ p["recurrent_weights_"] + inputs[row] @ p["input_weights_"]
                y = y + a * (drive - y)
                r = f(y + theta)
            S[row] = y
            Y[row] = g(r @ p["output_weights_"] + p["output_bias_"])
    return Y, S, entering


def stacked_reference(net, params, X, offsets, state0, forced=None, frozen=None):
    """Stacked simple recurrent layers, one step at a time, in float64.

    Parameters
    ----------
    net : StackedRecurrentNetwork
    params : dict of ndarray
    X : ndarray of shape (n_steps, n_inputs)
    offsets : ndarray of shape (n_sequences + 1,)
    state0 : ndarray of shape (n_sequences, state_size)
        The lower layers' hidden states, then the top layer's state.
    forced : ndarray of shape (n_steps, n_outputs), optional
        Teacher forcing of a Jordan top layer.
    frozen : ndarray of shape (n_steps, state_size), optional
        With truncated BPTT, the state entering each step that starts a
        truncation window is taken from here (see srn_reference).

    Returns
    -------
    Y : ndarray of shape (n_steps, n_outputs)
    entering : ndarray of shape (n_steps, state_size)
    """
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    f, g = HIDDEN[net.activation], OUTPUT[net.output_activation]
    k, top = net.bptt_steps, net.n_lower
    Y = np.empty((X.shape[0], net.n_outputs))
    entering = np.empty((X.shape[0], net.state_size))
    for s in range(len(offsets) - 1):
        state = np.array(state0[s], dtype=np.float64)
        for t in range(offsets[s + 1] - offsets[s]):
            row = offsets[s] + t
            if frozen is not None and k and t > 0 and t % k == 0:
                state = frozen[row].copy()
            entering[row] = state
            x, start, new_state = X[row], 0, []
            for layer in range(top):
                n = net.sizes[layer]
                if layer and net.skip_input:
                    x = np.concatenate([x, X[row]])
                x = f(x @ p[f"input_weights_[{layer}]"]
                      + state[start:start + n] @ p[f"recurrent_weights_[{layer}]"]
                      + p[f"hidden_bias_[{layer}]"])
                new_state.append(x)
                start += n
            context = state[start:]
            if net.skip_input:
                x = np.concatenate([x, X[row]])
            recurrent = (p["context_weights_"] if net.is_jordan
                         else p[f"recurrent_weights_[{top}]"])
            h = f(x @ p[f"input_weights_[{top}]"] + context @ recurrent
                  + p[f"hidden_bias_[{top}]"])
            # a deep output reads every layer's new state, bottom up
            read = np.concatenate(new_state + [h]) if net.deep_output else h
            y = g(read @ p["output_weights_"] + p["output_bias_"])
            Y[row] = y
            if net.is_jordan:
                v = forced[row] if forced is not None else y
                new_state.append(net.top.context_decay * context + v)
            else:
                new_state.append(h)
            state = np.concatenate(new_state)
    return Y, entering


def generate_step_by_step(net, params, state, y_last, n_steps):
    """Free-running generation through the network's own forward pass, one
    call per step (each output the next input): what a compiled ``generate``
    must equal.

    Returns
    -------
    Y : ndarray of shape (n_sequences * n_steps, n_outputs)
    """
    from skrnn._sequences import Sequences

    dtype = np.asarray(y_last).dtype
    n_seq = state.shape[0]
    offsets = np.arange(n_seq + 1, dtype=np.intp)
    out = np.empty((n_seq, n_steps, net.n_outputs), dtype=dtype)
    x, state = np.array(y_last, dtype=dtype), np.array(state, dtype=dtype)
    for t in range(n_steps):
        step = Sequences(np.ascontiguousarray(x), offsets, "batch")
        x, _, state = net.forward(params, step, state, need_cache=False)
        out[:, t] = x
    return out.reshape(n_seq * n_steps, net.n_outputs)


def ctrnn_generate_numpy(net, params, state, y_last, n_steps):
    """A CTRNN's free-running generation as a NumPy loop over the steps (the
    library's before its compiled kernel), in the weights' dtype.

    Returns
    -------
    Y : ndarray of shape (n_sequences * n_steps, n_outputs)
    """
    from skrnn.ctrnn._network import apply_hidden

    W_in = net._effective(params, "input_weights_")
    W = net._effective(params, "recurrent_weights_")
    A, _ = net.step_factors(params, None, net.integration == "exponential")
    y = np.array(state, dtype=W.dtype)
    x = np.array(y_last, dtype=W.dtype)
    out = np.empty((y.shape[0], n_steps, net.n_outputs), dtype=W.dtype)
    r = y + params["hidden_bias_"]
    apply_hidden(net.activation, r)
    for t in range(n_steps):
        drive = x @ W_in
        for _ in range(net._substeps()):
            y += A[0] * (drive + r @ W - y)
            r = y + params["hidden_bias_"]
            apply_hidden(net.activation, r)
        x = net._outputs(params, r)
        out[:, t] = x
    return out.reshape(-1, net.n_outputs)


def assert_generate_matches(net, params, references, n_sequences=3, n_steps=6):
    """``net.generate`` from a random state equals each of ``references`` (functions
    with :func:`generate_step_by_step`'s signature), in the weights' dtype."""
    dtype = params["output_bias_"].dtype
    rng = np.random.RandomState(0)
    state = rng.uniform(-0.5, 0.5, (n_sequences, net.state_size)).astype(dtype)
    y_last = rng.uniform(-1, 1, (n_sequences, net.n_outputs)).astype(dtype)
    out = net.generate(params, state, y_last, n_steps)
    assert out.dtype == dtype and out.shape == (n_sequences * n_steps, net.n_outputs)
    tol = {np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-12}[dtype]
    for reference in references:
        np.testing.assert_allclose(out, reference(net, params, state, y_last, n_steps),
                                   rtol=tol, atol=tol)
