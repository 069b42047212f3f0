"""Forward pass and per-pattern training of a feed-forward network over lag windows.

The network sees, for each time step t of a series ``X`` of shape
(n_rows, n_features), the window of the last ``n_lags`` rows, ordered from
the current step to the oldest::

    x[k * n_features + f] = X[max(t - k, first), f],   k = 0 .. n_lags - 1

read in place from ``X`` (no window is ever copied; ``first`` is the first
row of the window's sequence, so a window that reaches before it repeats that
row). Layers l = 0 .. L - 1 then compute::

    a_0 = x,   a_{l+1} = f_l(a_l @ W_l + b_l)

with f_l the hidden activation, and the output activation (identity,
logistic or softmax) on the last layer. All weights live in one flat vector
``theta``, layer after layer, each layer's (n_in, n_out) matrix in row-major
order followed by its bias.

Training (``lagnet_train``) runs the patterns in the order given, and after
every ``batch_size`` patterns updates each weight w_ij (from unit i of layer l
to unit j of layer l + 1) by::

    v_ij <- -mean over the batch of (rate_ij * delta_j * a_i) + k_j * v_ij
    w_ij <- w_ij + v_ij

where delta_j is the derivative of the pattern's loss with respect to unit
j's net input (back-propagation), times the pattern's weight when weights are
given (a weight scales the pattern's output error, hence all its deltas), and

- ``rate_ij = rates[l]`` for l > 0; on the input layer (l = 0),
  ``rate_ij = rates[0] * J_ij * F_i`` with the Jung factor
  ``J_ij = 1 + jung * s(a_j, x_i) / n_inputs``, ``s(u, v) = 1 / (1 + |u - v|)``,
  and the Freud factor ``F_i = 1 + freud * (k_i + 1) / n_lags`` for an input
  of lag k_i (biases have factor 1);
- ``k_j = momentum``, or with self-momentum the batch mean of
  ``|delta_j| / (1 + |delta_j|)``.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.math cimport fabs, isfinite, log
from libc.stdlib cimport free

from ._activations cimport IDENTITY, LOGISTIC, SOFTMAX, activate, scale_by_derivative
from ._alloc cimport check_taken, take

ctypedef Py_ssize_t intp_t

# smallest probability taken into the log loss (the loss is only reported)
cdef double _TINY = 1e-12


cdef inline void _forward(const floating[:, ::1] X, intp_t t, intp_t first, intp_t n_lags,
                          const floating* theta, const intp_t* sizes, intp_t n_layers,
                          int activation, int output, floating* acts) noexcept nogil:
    """Activations of every layer above the input for the window ending at row t.

    ``acts`` holds layer 1, then layer 2, ... contiguously.
    """
    cdef intp_t n_features = X.shape[1]
    cdef intp_t l, i, j, k, f, r, n_in, n_out
    cdef const floating* W = theta
    cdef const floating* row
    cdef const floating* w
    cdef const floating* a_in = NULL
    cdef floating* a_out = acts
    cdef floating v
    for l in range(n_layers):
        n_in, n_out = sizes[l], sizes[l + 1]
        for j in range(n_out):
            a_out[j] = W[n_in * n_out + j]  # the bias
        if l == 0:
            for k in range(n_lags):
                r = t - k if t - k >= first else first
                row = &X[r, 0]
                for f in range(n_features):
                    v = row[f]
                    w = &W[(k * n_features + f) * n_out]
                    for j in range(n_out):
                        a_out[j] += v * w[j]
        else:
            for i in range(n_in):
                v = a_in[i]
                w = &W[i * n_out]
                for j in range(n_out):
                    a_out[j] += v * w[j]
        activate(output if l == n_layers - 1 else activation, a_out, 1, n_out)
        W = W + (n_in + 1) * n_out
        a_in = a_out
        a_out = a_out + n_out


cdef inline double _loss(const floating* o, const floating* y, intp_t n,
                         int output, bint squared_error) noexcept nogil:
    """The pattern's loss: half the squared error, or the log loss."""
    cdef intp_t j
    cdef double s = 0, p
    for j in range(n):
        p = o[j]
        if output == IDENTITY or squared_error:
            s += 0.5 * (p - y[j]) * (p - y[j])
        elif output == LOGISTIC:
            s -= y[j] * log(p if p > _TINY else _TINY) + (1 - y[j]) * log(
                1 - p if 1 - p > _TINY else _TINY)
        else:
            s -= y[j] * log(p if p > _TINY else _TINY)
    return s


def lagnet_forward(const floating[:, ::1] X, const intp_t[::1] rows,
                   const intp_t[::1] firsts, intp_t n_lags, const floating[::1] theta,
                   const intp_t[::1] sizes, int activation, int output,
                   floating[:, ::1] out):
    """Outputs of the network for the windows ending at ``rows``. Writes into ``out``.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features), float32 or float64
        The series (or stacked sequences), C-contiguous.
    rows : ndarray of shape (n_patterns,), intp
        Row of ``X`` at which each window ends (its current time step).
    firsts : ndarray of shape (n_patterns,), intp
        First row of each window's sequence; a window reaching before it
        repeats that row.
    n_lags : int
        Window length.
    theta : ndarray of shape (n_params,)
        Flat weights, as in the module docstring.
    sizes : ndarray of shape (n_layers + 1,), intp
        Units per layer, input first (n_lags * n_features).
    activation, output : int
        Activation codes of the hidden layers and of the output layer.
    out : ndarray of shape (n_patterns, sizes[-1])
        Output buffer.
    """
    cdef intp_t n_layers = sizes.shape[0] - 1, n_units = 0, l, p, j
    cdef intp_t n_out = sizes[n_layers]
    for l in range(1, n_layers + 1):
        n_units += sizes[l]
    cdef size_t failed = 0
    cdef floating* acts = <floating*> take(n_units, sizeof(floating), &failed)
    check_taken(failed, "lagnet_forward")
    cdef floating* o = acts + n_units - n_out
    with nogil:
        for p in range(rows.shape[0]):
            _forward(X, rows[p], firsts[p], n_lags, &theta[0], &sizes[0], n_layers,
                     activation, output, acts)
            for j in range(n_out):
                out[p, j] = o[j]
    free(acts)


def lagnet_generate(floating[:, ::1] buffer, intp_t n_lags, const floating[::1] theta,
                    const intp_t[::1] sizes, int activation, int output):
    """Free-running generation: each output becomes the next row of the series.

    ``buffer`` of shape (n_lags + n_steps, n_features) holds the last window
    of the history in its first ``n_lags`` rows; step s predicts from the
    window ending at row ``n_lags - 1 + s`` and writes the output into row
    ``n_lags + s`` (the output size must equal n_features).
    """
    cdef intp_t n_layers = sizes.shape[0] - 1, n_units = 0, l, s, j
    cdef intp_t n_out = sizes[n_layers], n_steps = buffer.shape[0] - n_lags
    for l in range(1, n_layers + 1):
        n_units += sizes[l]
    cdef size_t failed = 0
    cdef floating* acts = <floating*> take(n_units, sizeof(floating), &failed)
    check_taken(failed, "lagnet_generate")
    cdef floating* o = acts + n_units - n_out
    with nogil:
        for s in range(n_steps):
            _forward(buffer, n_lags - 1 + s, 0, n_lags, &theta[0], &sizes[0], n_layers,
                     activation, output, acts)
            for j in range(n_out):
                buffer[n_lags + s, j] = o[j]
    free(acts)


def lagnet_train(const floating[:, ::1] X, const floating[:, ::1] Y,
                 const intp_t[::1] rows, const intp_t[::1] target_rows, intp_t n_lags,
                 floating[::1] theta, floating[::1] velocity, const intp_t[::1] sizes,
                 const double[::1] rates, double momentum, bint self_momentum,
                 double jung, double freud, int activation, int output, intp_t batch_size,
                 bint squared_error=False, const double[::1] weights=None):
    """One pass of back-propagation over the windows ending at ``rows``, in that order.

    Updates ``theta`` and ``velocity`` (the last change of every weight) in
    place, by the rule of the module docstring. Windows are whole (the
    caller gives rows at least ``n_lags - 1`` past the start of their
    sequence).

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features)
        The series, C-contiguous.
    Y : ndarray of shape (n_targets, n_outputs)
        Targets; pattern p learns ``Y[target_rows[p]]``.
    rows, target_rows : ndarray of shape (n_patterns,), intp
        Window end rows and their target rows, in training order.
    n_lags : int
        Window length.
    theta, velocity : ndarray of shape (n_params,)
        Flat weights and their last changes, updated in place.
    sizes : ndarray of shape (n_layers + 1,), intp
        Units per layer, input first.
    rates : ndarray of shape (n_layers,), float64
        Learning rate of each weight layer.
    momentum : float
        Momentum coefficient k (ignored with ``self_momentum``).
    self_momentum : bool
        Replace k by each receiving unit's |delta| / (1 + |delta|).
    jung, freud : float
        The Jung (JR) and Freud (F) coefficients; 0 turns a rule off.
    activation, output : int
        Activation codes of the hidden layers and the output layer; the
        output's delta is (output - target), which is the gradient of half
        the squared error for an identity output and of the log loss for a
        logistic or softmax one.
    batch_size : int
        Patterns per update.
    squared_error : bool, default=False
        With a logistic output, train on half the squared error instead of
        the log loss: the output's delta is then (output - target) times
        output (1 - output).
    weights : ndarray of shape (n_patterns,), float64, default=None
        Weight of each pattern, in training order: its output delta (so its
        share of the update) and its loss are multiplied by it. None weighs
        every pattern 1.

    Returns
    -------
    loss : float
        Sum of the patterns' (weighted) losses, each computed before its own update
        (NaN or infinity if training diverged; the caller restores weights).
    """
    cdef intp_t n_layers = sizes.shape[0] - 1, n_units = 0, n_params = theta.shape[0]
    cdef intp_t n_features = X.shape[1], n_inputs = sizes[0], n_out = sizes[n_layers]
    cdef intp_t l, i, j, k, f, r, p, t, n_in, n_o, count = 0, n_patterns = rows.shape[0]
    cdef double loss = 0, lp
    cdef bint weighted = weights is not None
    if weighted and weights.shape[0] != n_patterns:
        raise ValueError("weights must have one weight per pattern")
    for l in range(1, n_layers + 1):
        n_units += sizes[l]
    cdef size_t failed = 0
    cdef floating* acts = <floating*> take(n_units, sizeof(floating), &failed)
    cdef floating* deltas = <floating*> take(n_units, sizeof(floating), &failed)
    cdef floating* kappa = <floating*> take(n_units, sizeof(floating), &failed)
    cdef floating* grad = <floating*> take(n_params, sizeof(floating), &failed)
    if failed:
        free(acts)
        free(deltas)
        free(kappa)
        free(grad)
        check_taken(failed, "lagnet_train")
    cdef floating* W
    cdef floating* G
    cdef floating* V
    cdef floating* a_in
    cdef floating* a_out
    cdef floating* d_out
    cdef floating* d_in
    cdef const floating* row
    cdef const floating* y
    cdef floating v, s, rate, dj, fct, kj
    cdef floating scale, wp = 1
    with nogil:
        for p in range(n_patterns):
            t = rows[p]
            _forward(X, t, 0, n_lags, &theta[0], &sizes[0], n_layers, activation,
                     output, acts)
            # output delta: (o - y), whatever the loss (canonical links)
            y = &Y[target_rows[p], 0]
            a_out = acts + n_units - n_out
            d_out = deltas + n_units - n_out
            if weighted:
                wp = <floating> weights[p]
            lp = _loss(a_out, y, n_out, output, squared_error)
            loss += wp * lp
            if not isfinite(lp):
                break
            for j in range(n_out):
                d_out[j] = a_out[j] - y[j]
            if squared_error and output == LOGISTIC:
                scale_by_derivative(LOGISTIC, d_out, a_out, n_out)
            if weighted:
                for j in range(n_out):
                    d_out[j] = wp * d_out[j]
            # back-propagate: delta_l = (W_l delta_{l+1}) * f'(a_l), top down
            d_in = d_out
            a_in = a_out
            W = &theta[n_params]
            for l in range(n_layers - 1, 0, -1):
                n_in, n_o = sizes[l], sizes[l + 1]
                W = W - (n_in + 1) * n_o
                a_in = a_in - n_in
                d_in = d_in - n_in
                for i in range(n_in):
                    s = 0
                    for j in range(n_o):
                        s = s + W[i * n_o + j] * d_in[n_in + j]
                    d_in[i] = s
                scale_by_derivative(activation, d_in, a_in, n_in)
            # accumulate the rated corrections of every layer
            G = grad
            a_in = NULL
            a_out = acts
            d_out = deltas
            for l in range(n_layers):
                n_in, n_o = sizes[l], sizes[l + 1]
                rate = <floating> rates[l]
                if l == 0:
                    for k in range(n_lags):
                        row = &X[t - k, 0]
                        fct = rate * (1 + <floating> freud * (k + 1) / n_lags)
                        for f in range(n_features):
                            v = row[f]
                            i = k * n_features + f
                            if jung != 0:
                                for j in range(n_o):
                                    G[i * n_o + j] += (
                                        fct * (1 + <floating> jung / n_inputs
                                               / (1 + fabs(a_out[j] - v)))
                                        * v * d_out[j])
                            else:
                                for j in range(n_o):
                                    G[i * n_o + j] += fct * v * d_out[j]
                else:
                    for i in range(n_in):
                        v = rate * a_in[i]
                        for j in range(n_o):
                            G[i * n_o + j] += v * d_out[j]
                for j in range(n_o):
                    G[n_in * n_o + j] += rate * d_out[j]
                G = G + (n_in + 1) * n_o
                a_in = a_out
                a_out = a_out + n_o
                d_out = d_out + n_o
            if self_momentum:
                for j in range(n_units):
                    dj = fabs(deltas[j])
                    kappa[j] += dj / (1 + dj)
            count += 1
            if count == batch_size or p == n_patterns - 1:
                # apply: v = -G / count + k_j v;  w += v
                scale = (<floating> 1) / count
                W = &theta[0]
                V = &velocity[0]
                G = grad
                d_out = kappa
                for l in range(n_layers):
                    n_in, n_o = sizes[l], sizes[l + 1]
                    for i in range(n_in + 1):
                        for j in range(n_o):
                            kj = d_out[j] * scale if self_momentum else <floating> momentum
                            V[i * n_o + j] = -G[i * n_o + j] * scale + kj * V[i * n_o + j]
                            W[i * n_o + j] += V[i * n_o + j]
                            G[i * n_o + j] = 0
                    W = W + (n_in + 1) * n_o
                    V = V + (n_in + 1) * n_o
                    G = G + (n_in + 1) * n_o
                    d_out = d_out + n_o
                for j in range(n_units):
                    kappa[j] = 0
                count = 0
    free(acts)
    free(deltas)
    free(kappa)
    free(grad)
    return loss
