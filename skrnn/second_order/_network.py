"""Pollack's sequential cascaded network: weights, forward pass and gradient."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import partial

import numpy as np

from .._activations import ACTIVATION_CODES
from .._kernels._second_order import second_order_bptt, second_order_forward
from .._layers import apply_output, glorot_uniform
from ..elman._network import _blocks
from ..utils._threads import run_in_parallel
from ..utils._workspace import NO_WORKSPACE


class SecondOrderNetwork:
    """A state whose weights are computed from the previous state (Pollack, 1991).

    A function network maps the previous state to the weights of a context
    network, ``W(s) = reshape(V @ [s, 1])``, which maps the current input
    to the new state, ``s_t = f([x_t, 1] @ W(s_{t-1}))``. Written out, a
    second-order (multiplicative) recurrence::

        s_t[j] = f(sum over i, k of [x_t, 1][i] [s_{t-1}, 1][k] V[i (n_state + 1) + k, j])
        y_t = g(s_t @ W_out + b_out)

    ``V``, stored as ``second_order_weights_`` of shape
    ((n_inputs + 1) (n_state + 1), n_state), holds every product's weight:
    row i (n_state + 1) + k for input i (the last, the constant 1) and
    state unit k (the last, the constant 1). A linear readout gives the
    outputs, as in the other networks.

    Parameters
    ----------
    n_inputs, n_hidden, n_outputs : int
        n_hidden is the number of state units.
    activation : str
        State activation f.
    output_activation : {'identity', 'logistic', 'softmax'}
    initial_context : float
        Value of every state unit before the first step.
    bptt_steps : int or None
        Truncation of backpropagation through time; None for full BPTT.
    """

    def __init__(self, n_inputs, n_hidden, n_outputs, *, activation, output_activation,
                 initial_context=0.0, bptt_steps=None):
        self.n_inputs = n_inputs
        self.n_hidden = n_hidden
        self.n_outputs = n_outputs
        self.activation = activation
        self.output_activation = output_activation
        self.initial_context = initial_context
        self.bptt_steps = bptt_steps

    def layout(self):
        """Names and shapes of the weights, in their order in the flat vector."""
        return [
            ("second_order_weights_", ((self.n_inputs + 1) * (self.n_hidden + 1),
                                       self.n_hidden)),
            ("output_weights_", (self.n_hidden, self.n_outputs)),
            ("output_bias_", (self.n_outputs,)),
        ]

    def penalised(self, params):
        """The weights under the L2 penalty: V and the readout (not its bias)."""
        return [params["second_order_weights_"], params["output_weights_"]]

    def initialize(self, params, rng):
        """Uniform V on +-sqrt(3 / fan_in), with fan_in = (n_inputs + 1) (n_state + 1)
        products per state unit weighted by inputs and states of order one:
        unit variance at the pre-activations. Glorot-uniform readout, zero bias."""
        V = params["second_order_weights_"]
        bound = np.sqrt(3.0 / V.shape[0])
        V[...] = rng.uniform(-bound, bound, V.shape).astype(V.dtype)
        params["output_weights_"][...] = glorot_uniform(
            rng, self.n_hidden, self.n_outputs, self.output_activation, V.dtype)
        params["output_bias_"][...] = 0

    @property
    def state_size(self):
        return self.n_hidden

    def initial_state(self, n_sequences, dtype):
        return np.full((n_sequences, self.n_hidden), self.initial_context, dtype=dtype)

    def _work(self, n_steps):
        """Multiply-adds of the time loop over ``n_steps`` steps."""
        return n_steps * (self.n_inputs + 1) * (self.n_hidden + 1) * self.n_hidden

    def forward(self, params, seqs, state, forced=None, need_cache=True,
                workspace=NO_WORKSPACE):
        """Run the network over ``seqs`` from ``state``: (Y, cache, final state)."""
        X = seqs.X
        dtype = X.dtype
        S = workspace.empty("S", (X.shape[0], self.n_hidden), dtype)
        final = np.array(state, dtype=dtype, order="C")
        # blocks of sequences in parallel threads when n_jobs allows (the
        # kernel calls no BLAS); each sequence is computed whole by one thread
        run_in_parallel([
            partial(second_order_forward, X, params["second_order_weights_"], seqs.offsets,
                    block, final, ACTIVATION_CODES[self.activation], S)
            for block in _blocks(seqs.offsets, seqs.order, self._work(seqs.n_steps))])
        Y = S @ params["output_weights_"]
        Y += params["output_bias_"]
        apply_output(self.output_activation, Y)
        return Y, (S,), final

    def gradient(self, params, seqs, cache, dO, grads, state0, workspace=NO_WORKSPACE):
        """Backpropagate ``dO`` (loss gradient at the output pre-activations) into ``grads``."""
        (S,) = cache
        X = seqs.X
        dtype = X.dtype
        dO = np.ascontiguousarray(dO, dtype=dtype)
        V = params["second_order_weights_"]
        dS = dO @ params["output_weights_"].T
        dZ = workspace.empty("dZ", S.shape, dtype)
        run_in_parallel([
            partial(second_order_bptt, X, S, dS, V, seqs.offsets, block,
                    ACTIVATION_CODES[self.activation], self.bptt_steps or 0, dZ)
            for block in _blocks(seqs.offsets, seqs.order, self._work(seqs.n_steps))])
        # dV[i, k, :] = sum over steps of x~_t[i] s~_{t-1}[k] dz_t: one product
        # per input (the steps' outer products are never stored whole)
        previous = np.empty((S.shape[0], self.n_hidden + 1), dtype=dtype)
        previous[1:, :-1] = S[:-1]
        previous[seqs.offsets[:-1], :-1] = state0
        previous[:, -1] = 1
        dV = grads["second_order_weights_"].reshape(self.n_inputs + 1, self.n_hidden + 1,
                                                    self.n_hidden)
        for i in range(self.n_inputs):
            np.dot((previous * X[:, i:i + 1]).T, dZ, out=dV[i])
        np.dot(previous.T, dZ, out=dV[self.n_inputs])
        grads["output_weights_"][...] = S.T @ dO
        grads["output_bias_"][...] = dO.sum(axis=0)
