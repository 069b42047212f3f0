"""Continuous-time recurrent networks: weights, Euler steps and their gradient."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import partial

import numpy as np

from .._activations import ACTIVATION_CODES
from .._kernels._ctrnn import ctrnn_bptt, ctrnn_forward, ctrnn_generate
from .._layers import (
    apply_output,
    glorot_uniform,
    input_matrix,
    previous_rows_product,
    recurrent_matrix,
)
from .._sequences import Sequences
from ..elman._network import _blocks
from ..utils._threads import run_in_parallel, single_threaded_blas
from ..utils._workspace import NO_WORKSPACE

_DERIVATIVE = {
    "tanh": lambda r: 1 - r * r,
    "logistic": lambda r: r * (1 - r),
    "relu": lambda r: (r > 0).astype(r.dtype),
    "identity": lambda r: np.ones_like(r),
}


def group_masks(sizes, n_inputs, n_outputs, dtype):
    """Connectivity of a network of unit groups ordered from fast to slow.

    Group 0 alone receives the inputs and feeds the outputs; every group is
    connected to itself and to its neighbours in the list (both ways), so
    each slower group talks to the world only through the faster one beside
    it. None for a single group (full connectivity).

    Returns
    -------
    masks : dict of ndarray or None
        ``input_weights_`` (n_inputs, n_hidden), ``recurrent_weights_``
        (n_hidden, n_hidden), ``output_weights_`` (n_hidden, n_outputs), of
        ones where a weight exists and zeros elsewhere.
    """
    if len(sizes) == 1:
        return None
    n_hidden = sum(sizes)
    group = np.repeat(np.arange(len(sizes)), sizes)
    fast = (group == 0).astype(dtype)
    return {
        "input_weights_": np.broadcast_to(fast, (n_inputs, n_hidden)).copy(),
        "recurrent_weights_": (np.abs(group[:, None] - group[None, :]) <= 1).astype(dtype),
        "output_weights_": np.broadcast_to(fast[:, None], (n_hidden, n_outputs)).copy(),
    }


class ContinuousTimeNetwork:
    """Beer's continuous-time recurrent network, integrated over discrete steps.

    ::

        tau_i dy_i/dt = -y_i + sum_j W[j, i] f(y_j + theta_j) + I_i,   I = x @ W_in
        o = g(f(y + theta) @ W_out + b_out)

    One step of length dt takes ``y <- y + a * (s - y)`` with the drive
    ``s = f(y + theta) @ W + I`` held over the step and ``a = dt / tau``
    (forward Euler) or ``a = 1 - exp(-dt / tau)`` (the decay integrated
    exactly, stable for any dt). The time constants are stored as their
    logarithm, so that any value of the flat weight vector means positive
    time constants.

    Parameters
    ----------
    n_inputs, n_outputs : int
    sizes : tuple of int
        Units per group, fastest first; more than one group makes a
        multiple-timescale network (see :func:`group_masks`).
    time_constants : tuple of float
        Initial time constant of each group.
    activation, output_activation : str
    dt : float
        Length of a step when no elapsed times are given.
    integration : {'euler', 'exponential'}
        The step factor's formula at the regular step ``dt``.
    time_column : int or None
        Column of the data holding each step's elapsed time; those steps are
        integrated exponentially. The other columns are the inputs.
    max_step : float or None
        Longest time integrated in one step: a longer step (``dt`` or an
        elapsed time) is split into equal sub-steps, the input held.
    bptt_steps : int or None
    weight_init : str
    """

    def __init__(self, n_inputs, sizes, n_outputs, *, time_constants, activation,
                 output_activation, dt=1.0, integration="euler", time_column=None,
                 max_step=None, bptt_steps=None, weight_init="orthogonal"):
        self.n_inputs = n_inputs
        self.sizes = tuple(sizes)
        self.n_hidden = sum(self.sizes)
        self.n_outputs = n_outputs
        self.time_constants = tuple(time_constants)
        self.activation = activation
        self.output_activation = output_activation
        self.dt = dt
        self.integration = integration
        self.time_column = time_column
        self.max_step = max_step
        self.bptt_steps = bptt_steps
        self.weight_init = weight_init
        self._masks = {}

    def layout(self):
        """Names and shapes of the weights, in their order in the flat vector."""
        n = self.n_hidden
        return [
            ("input_weights_", (self.n_inputs, n)),
            ("recurrent_weights_", (n, n)),
            ("hidden_bias_", (n,)),
            ("log_time_constants_", (n,)),
            ("output_weights_", (n, self.n_outputs)),
            ("output_bias_", (self.n_outputs,)),
        ]

    def penalised(self, params):
        """The weights the L2 penalty applies to (not biases, not time constants)."""
        return [params[name] for name, shape in self.layout() if len(shape) == 2]

    def masks(self, dtype):
        """The connectivity masks of the unit groups (None for one group), per dtype."""
        key = np.dtype(dtype).str
        if key not in self._masks:
            self._masks[key] = group_masks(self.sizes, self.n_inputs, self.n_outputs, dtype)
        return self._masks[key]

    def initialize(self, params, rng):
        """Fill the weight views ``params`` in place from ``rng``.

        Input and output weights as the simple recurrent networks'
        (``weight_init``), the recurrent matrix orthogonal (or Glorot, or
        PyTorch's uniform); the time constants of each group at their given
        values. With the logistic activation the biases are
        centre-crossing (Mathayomchan and Beer, 2002): theta_i = -sum_j W[j, i]
        / 2, which puts every unit's steady state in the steep middle of the
        logistic; otherwise zero.
        """
        dtype = params["input_weights_"].dtype
        n, scheme = self.n_hidden, self.weight_init
        params["input_weights_"][...] = input_matrix(rng, scheme, self.n_inputs, n,
                                                     self.activation, dtype)
        params["recurrent_weights_"][...] = recurrent_matrix(rng, scheme, n, self.activation,
                                                             dtype)
        params["output_weights_"][...] = glorot_uniform(rng, n, self.n_outputs,
                                                        self.output_activation, dtype)
        params["output_bias_"][...] = 0
        params["log_time_constants_"][...] = np.log(np.repeat(self.time_constants, self.sizes))
        masks = self.masks(dtype)
        if masks is not None:  # absent connections start, and stay, at zero
            for name, mask in masks.items():
                params[name] *= mask
        if self.activation == "logistic":
            params["hidden_bias_"][...] = -0.5 * params["recurrent_weights_"].sum(axis=0)
        else:
            params["hidden_bias_"][...] = 0

    # -- state ---------------------------------------------------------------
    @property
    def state_size(self):
        """Per-sequence state carried between calls: the states y of the units."""
        return self.n_hidden

    def initial_state(self, n_sequences, dtype):
        return np.zeros((n_sequences, self.n_hidden), dtype=dtype)

    # -- pieces of a pass ------------------------------------------------------
    def split(self, X):
        """(inputs, elapsed times or None) of data ``X``."""
        if self.time_column is None:
            return X, None
        return np.delete(X, self.time_column, axis=1), X[:, self.time_column]

    def step_factors(self, params, elapsed, exact):
        """The step factors a (and c = -(da/dlog tau) / a, for the gradient).

        ``elapsed`` is the length of every step, or None for steps of ``dt``;
        ``exact`` chooses ``1 - exp(-dt / tau)`` over Euler's ``dt / tau``.

        Returns
        -------
        A, C : ndarray of shape (n_steps, n_hidden) with elapsed times, else (1, n_hidden)
        """
        log_tau = params["log_time_constants_"]
        dtype = log_tau.dtype
        if elapsed is None:
            ratio = (self._regular_step() * np.exp(-log_tau))[None, :]
        else:
            ratio = elapsed[:, None] * np.exp(-log_tau)[None, :]
        if not exact:
            return ratio.astype(dtype), np.ones_like(ratio, dtype=dtype)
        A = -np.expm1(-ratio)
        # c = r exp(-r) / (1 - exp(-r)) = r / expm1(r), which tends to 1 as r -> 0
        with np.errstate(invalid="ignore", divide="ignore"):
            C = np.where(ratio > 0, ratio / np.expm1(ratio), 1.0)
        C = np.where(np.isfinite(C), C, 0.0)  # r / expm1(r) -> 0 as r grows
        return A.astype(dtype), C.astype(dtype)

    def _substeps(self):
        """Sub-steps per regular step of ``dt`` (1 without ``max_step``)."""
        if self.max_step is None:
            return 1
        return max(1, int(np.ceil(self.dt / self.max_step)))

    def _regular_step(self):
        return self.dt / self._substeps()

    def _steps(self, seqs):
        """What a pass integrates: (sequences of sub-steps, inputs, elapsed, exact, ends).

        Without ``max_step`` these are the data's own steps (``ends`` None).
        With it, every step longer than ``max_step`` becomes ``k`` equal
        sub-steps with the step's input held; ``ends`` are the rows of the
        sub-steps that close the data's steps, where the outputs are read.
        """
        X, elapsed = self.split(seqs.X)
        exact = elapsed is not None or self.integration == "exponential"
        if self.max_step is None:
            return seqs, X, elapsed, exact, None
        if elapsed is None:
            # the count the regular step factor (_regular_step) is computed with:
            # dt / max_step in the data's float32 can round to another count
            counts = np.full(X.shape[0], self._substeps(), dtype=np.intp)
        else:  # each sub-step's elapsed time is computed from its own count below
            counts = np.maximum(1, np.ceil(elapsed / self.max_step)).astype(np.intp)
        if counts.max() == 1:
            return seqs, X, elapsed, exact, None
        ends = np.cumsum(counts) - 1
        bounds = np.concatenate([[0], ends + 1])[seqs.offsets]
        X = np.repeat(X, counts, axis=0)
        if elapsed is not None:
            elapsed = np.repeat(elapsed / counts, counts).astype(X.dtype)
        return (Sequences(X, bounds.astype(np.intp), seqs.layout), X, elapsed, exact,
                ends)

    def _effective(self, params, name):
        masks = self.masks(params[name].dtype)
        return params[name] if masks is None else params[name] * masks[name]

    def _outputs(self, params, R):
        out = R @ self._effective(params, "output_weights_")
        out += params["output_bias_"]
        apply_output(self.output_activation, out)
        return out

    def forward(self, params, seqs, state, forced=None, need_cache=True,
                workspace=NO_WORKSPACE):
        """Run the network over ``seqs`` from ``state``.

        Returns
        -------
        Y : ndarray of shape (n_steps, n_outputs)
        cache : tuple
            What :meth:`gradient` needs.
        state : ndarray of shape (n_sequences, n_hidden)
            The states after each sequence's last step.
        """
        seqs, X, elapsed, exact, ends = self._steps(seqs)
        dtype = X.dtype
        n_steps = X.shape[0]
        W = np.ascontiguousarray(self._effective(params, "recurrent_weights_"))
        drive = np.ascontiguousarray(X @ self._effective(params, "input_weights_"))
        A, C = self.step_factors(params, elapsed, exact)
        # prediction keeps no states: the kernel computes the outputs itself
        kept = n_steps if need_cache else 0
        S = workspace.empty("S", (kept, self.n_hidden), dtype)
        R = workspace.empty("R", (kept, self.n_hidden), dtype)
        Y = np.empty((n_steps - kept, self.n_outputs), dtype=dtype)
        W_out = np.ascontiguousarray(self._effective(params, "output_weights_"))
        y_state = np.array(state, dtype=dtype, order="C")
        state0 = y_state.copy()
        code = ACTIVATION_CODES[self.activation]
        work = n_steps * self.n_hidden * self.n_hidden
        with single_threaded_blas():
            run_in_parallel([
                partial(ctrnn_forward, drive, A, W, params["hidden_bias_"], seqs.offsets, block,
                        y_state, code, W_out, params["output_bias_"],
                        ACTIVATION_CODES[self.output_activation], S, R, Y)
                for block in _blocks(seqs.offsets, seqs.order, work)])
        if not need_cache:
            return (Y if ends is None else Y[ends]), None, y_state
        Y = self._outputs(params, R if ends is None else R[ends])
        return Y, (X, S, R, A, C, W, state0, seqs, ends), y_state

    def gradient(self, params, seqs, cache, dO, grads, state0, workspace=NO_WORKSPACE):
        """Backpropagate ``dO`` (loss gradient at the output pre-activations) into ``grads``."""
        X, S, R, A, C, W, y0, seqs, ends = cache
        dtype = S.dtype
        W_out = self._effective(params, "output_weights_")
        dO = np.ascontiguousarray(dO, dtype=dtype)
        if ends is not None:  # the outputs were read at the sub-steps closing each step
            dO_steps, dO = dO, np.zeros((S.shape[0], dO.shape[1]), dtype=dtype)
            dO[ends] = dO_steps
        dR = workspace.empty("dR", S.shape, dtype)
        np.dot(dO, W_out.T, out=dR)
        G = workspace.empty("G", S.shape, dtype)
        Qz = workspace.empty("Qz", S.shape, dtype)
        code = ACTIVATION_CODES[self.activation]
        with single_threaded_blas():
            run_in_parallel([
                partial(ctrnn_bptt, R, A, dR, W, seqs.offsets, block, code,
                        self.bptt_steps or 0, G, Qz)
                for block in _blocks(seqs.offsets, seqs.order,
                                     S.shape[0] * self.n_hidden * self.n_hidden)])
        theta = params["hidden_bias_"]
        first = seqs.offsets[:-1]
        # the rates of the initial states, which feed the first step's drive
        r0 = y0 + theta
        apply_hidden(self.activation, r0)
        E = G * A  # gradient at the drives s_t
        grads["input_weights_"][...] = X.T @ E
        grads["recurrent_weights_"][...] = previous_rows_product(R, E, seqs.offsets, r0)
        grads["hidden_bias_"][...] = (Qz.sum(axis=0)
                                      + ((E[first] @ W.T) * _DERIVATIVE[self.activation](r0))
                                      .sum(axis=0))
        # dL/dlog tau = sum_t g_t (s_t - y_{t-1}) da_t/dlog tau = -sum_t g_t (y_t - y_{t-1}) c_t
        previous = np.empty_like(S)
        previous[1:] = S[:-1]
        previous[first] = y0
        np.subtract(S, previous, out=previous)
        previous *= G
        previous *= C
        grads["log_time_constants_"][...] = -previous.sum(axis=0)
        grads["output_weights_"][...] = R.T @ dO
        grads["output_bias_"][...] = dO.sum(axis=0)
        masks = self.masks(dtype)
        if masks is not None:
            for name, mask in masks.items():
                grads[name] *= mask

    def generate(self, params, state, y_last, n_steps):
        """Free-running generation at the regular step: each output is the next input.

        Returns
        -------
        Y : ndarray of shape (n_sequences * n_steps, n_outputs)
        """
        dtype = params["input_weights_"].dtype
        A, _ = self.step_factors(params, None, self.integration == "exponential")
        y_state = np.array(state, dtype=dtype, order="C")
        out = np.empty((state.shape[0], n_steps, self.n_outputs), dtype=dtype)
        # one compiled call: each step reads the output of the last, so the
        # steps run in the kernel's own loop, not through ctrnn_forward
        ctrnn_generate(np.ascontiguousarray(self._effective(params, "input_weights_")),
                       np.ascontiguousarray(A[0]),
                       np.ascontiguousarray(self._effective(params, "recurrent_weights_")),
                       params["hidden_bias_"],
                       np.ascontiguousarray(self._effective(params, "output_weights_")),
                       params["output_bias_"], ACTIVATION_CODES[self.activation],
                       ACTIVATION_CODES[self.output_activation], self._substeps(), y_state,
                       np.ascontiguousarray(y_last, dtype=dtype), out)
        return out.reshape(-1, self.n_outputs)


def apply_hidden(name, Z):
    """Hidden activation in place (NumPy, outside the time loop)."""
    if name == "tanh":
        np.tanh(Z, out=Z)
    elif name == "logistic":
        apply_output("logistic", Z)
    elif name == "relu":
        np.maximum(Z, 0, out=Z)
