"""The network of an RNN with parametric bias: a simple recurrent network whose
input is extended by a code that is constant within each sequence."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from .._layers import glorot_uniform
from .._sequences import Sequences
from ..elman._network import SimpleRecurrentNetwork
from ..utils._workspace import NO_WORKSPACE

#: name of the block of code logits in the flat weight vector
CODES = "_pb_logits"


def sigmoid(rho):
    """p = 1 / (1 + exp(-rho)), written through tanh: no overflow for any rho."""
    return 0.5 * (1.0 + np.tanh(0.5 * rho))


class _Keeping:
    """A workspace that remembers what it handed out (the srn gradient's dZ)."""

    def __init__(self, inner):
        self.inner = inner
        self.kept = {}

    def empty(self, name, shape, dtype):
        array = self.inner.empty(name, shape, dtype)
        self.kept[name] = array
        return array


class ParametricBiasNetwork:
    """Elman or Jordan network with ``n_pb`` parametric-bias inputs per sequence.

    Sequence s carries logits rho_s; its parametric-bias units
    p_s = sigmoid(rho_s) join the inputs of every one of its steps::

        h_t = f(x_t @ W_in + p_s @ W_pb + h_{t-1} @ W_rec + b_h)     (Elman)
        h_t = f(x_t @ W_in + p_s @ W_pb + c_t @ W_ctx + b_h)         (Jordan)
        y_t = h_t @ W_out + b_out

    The inputs and codes are stacked into one input ``[x_t, p_s]`` for the
    simple recurrent network of :mod:`skrnn.elman._network`, whose input
    weights are then ``[W_in; W_pb]``: the forward pass and backpropagation
    through time are its compiled kernels, unchanged. The gradient of the
    codes is read from the gradient at the hidden pre-activations::

        dL/dp_s = sum over the steps t of s of dz_t @ W_pb^T,
        dL/drho_s = dL/dp_s * p_s * (1 - p_s)

    Which code a step uses is told by the last column of ``seqs.X``, the
    index of its sequence's code (see :func:`with_code_index`): it follows
    the rows through every shuffle, mini-batch and validation split.

    Parameters
    ----------
    n_inputs, n_hidden, n_outputs : int
    n_pb : int
        Parametric-bias units per sequence.
    n_codes : int
        Number of codes (training sequences) held in the weight vector.
    recurrence, activation, initial_context, context_decay, bptt_steps, weight_init
        As in :class:`~skrnn.elman._network.SimpleRecurrentNetwork`.
    """

    def __init__(self, n_inputs, n_hidden, n_outputs, n_pb, n_codes, *, recurrence,
                 activation, initial_context=0.0, context_decay=0.0, bptt_steps=None,
                 weight_init="orthogonal"):
        self.n_inputs = n_inputs
        self.n_hidden = n_hidden
        self.n_outputs = n_outputs
        self.n_pb = n_pb
        self.n_codes = n_codes
        self.core = SimpleRecurrentNetwork(
            n_inputs + n_pb, n_hidden, n_outputs, recurrence=recurrence,
            activation=activation, output_activation="identity",
            initial_context=initial_context, context_decay=context_decay,
            bptt_steps=bptt_steps, weight_init=weight_init)

    # -- the flat vector -----------------------------------------------------
    def layout(self):
        """Names and shapes of the weights, then the codes, in flat-vector order."""
        core = self.core.layout()
        return ([("input_weights_", (self.n_inputs, self.n_hidden)),
                 ("pb_weights_", (self.n_pb, self.n_hidden))]
                + core[1:]
                + [(CODES, (self.n_codes, self.n_pb))])

    def penalised(self, params):
        """The weight matrices under the L2 penalty (not the biases, not the codes)."""
        return [params[name] for name, shape in self.layout()
                if len(shape) == 2 and name != CODES]

    def initialize(self, params, rng):
        """The simple recurrent network's initialisation; codes at p = 0.5 (rho = 0)."""
        core = self._core_params(params)
        self.core.initialize(core, rng)
        params["input_weights_"][...] = core["input_weights_"][:self.n_inputs]
        # Glorot over the code units alone: they are a separate input block
        params["pb_weights_"][...] = glorot_uniform(
            rng, self.n_pb, self.n_hidden, self.core.activation, params["pb_weights_"].dtype)
        for name, _ in self.core.layout()[1:]:
            params[name][...] = core[name]
        params[CODES][...] = 0

    def with_codes(self, n_codes):
        """The same network holding ``n_codes`` codes."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.n_codes = n_codes
        return other

    # -- state ---------------------------------------------------------------
    @property
    def state_size(self):
        return self.core.state_size

    def initial_state(self, n_sequences, dtype):
        return self.core.initial_state(n_sequences, dtype)

    # -- forward and backward ------------------------------------------------
    def _core_params(self, params):
        core = dict(params)
        core["input_weights_"] = np.concatenate(
            [params["input_weights_"], params["pb_weights_"]])
        return core

    def _augmented(self, params, seqs, codes=None):
        """The core network's Sequences: inputs ``[x_t, p_s]``; and the code of each row."""
        ids = seqs.X[:, -1].astype(np.intp)
        P = sigmoid(params[CODES]) if codes is None else codes
        P = P.astype(seqs.X.dtype, copy=False)
        X = np.empty((seqs.n_steps, self.n_inputs + self.n_pb), dtype=seqs.X.dtype)
        X[:, :self.n_inputs] = seqs.X[:, :-1]
        X[:, self.n_inputs:] = P[ids]
        augmented = Sequences(X, seqs.offsets, seqs.layout, seqs.Y, seqs.per_step)
        for name in ("lengths", "order", "last_rows"):  # cached, when already computed
            if name in seqs.__dict__:
                augmented.__dict__[name] = seqs.__dict__[name]
        return augmented, ids, P

    def forward(self, params, seqs, state, forced=None, need_cache=True,
                workspace=NO_WORKSPACE, codes=None):
        """Run over ``seqs`` (last column: code index) from ``state``; see the core's.

        ``codes`` (values p, any real numbers) replaces sigmoid of the
        network's logits when given, as :meth:`generate` takes them.
        """
        augmented, ids, P = self._augmented(params, seqs, codes)
        Y, cache, state = self.core.forward(self._core_params(params), augmented, state,
                                            forced=forced, need_cache=need_cache,
                                            workspace=workspace)
        return Y, (cache, augmented, ids, P), state

    def gradient(self, params, seqs, cache, dO, grads, state0, workspace=NO_WORKSPACE):
        """Backpropagate ``dO``; ``grads`` receives the weights' and the codes' gradients."""
        core_cache, augmented, ids, P = cache
        core_params = self._core_params(params)
        core_grads = dict(grads)
        core_grads["input_weights_"] = np.empty_like(core_params["input_weights_"])
        keeping = _Keeping(workspace)
        self.core.gradient(core_params, augmented, core_cache, dO, core_grads, state0,
                           workspace=keeping)
        grads["input_weights_"][...] = core_grads["input_weights_"][:self.n_inputs]
        grads["pb_weights_"][...] = core_grads["input_weights_"][self.n_inputs:]
        dZ = keeping.kept["dZ"]
        # dL/dp per sequence, then per code (a code may serve several
        # sequences of a batch: the segments of a series, the prefixes of
        # update_every='step')
        per_sequence = np.add.reduceat(dZ, seqs.offsets[:-1], axis=0) @ params["pb_weights_"].T
        dP = np.zeros_like(P)
        np.add.at(dP, ids[seqs.offsets[:-1]], per_sequence)
        grads[CODES][...] = dP * P * (1 - P)

    def generate(self, params, codes, start, n_steps):
        """Closed-loop run from each code: every output is the next step's input.

        Parameters
        ----------
        params : dict of ndarray
        codes : ndarray of shape (n_codes, n_pb)
            Parametric-bias values p (not logits).
        start : ndarray of shape (n_codes, n_inputs)
            The first input of each run.
        n_steps : int

        Returns
        -------
        Y : ndarray of shape (n_codes, n_steps, n_outputs)
            Y[k, 0] is the output after reading ``start[k]``.
        """
        dtype = params["input_weights_"].dtype
        out = np.empty((codes.shape[0], n_steps, self.n_outputs), dtype=dtype)
        core = dict(params)
        state = self.core.initial_state(1, dtype)
        for k in range(codes.shape[0]):
            # the code's constant input p_k @ W_pb is a bias of the hidden layer
            core["hidden_bias_"] = params["hidden_bias_"] + codes[k] @ params["pb_weights_"]
            out[k] = self.core.generate(core, state, start[k:k + 1], n_steps)
        return out


def with_code_index(seqs, first_code):
    """``seqs`` with one more input column: the index of each step's code.

    Sequence s of ``seqs`` gets code ``first_code + s``. A float column is
    exact for indices below 2**24 in float32, far beyond any set of codes.
    """
    if first_code + seqs.n_sequences > 2 ** 24:
        raise ValueError("An RNNPB holds at most 2**24 codes.")
    index = np.repeat(np.arange(first_code, first_code + seqs.n_sequences), seqs.lengths)
    X = np.empty((seqs.n_steps, seqs.X.shape[1] + 1), dtype=seqs.X.dtype)
    X[:, :-1] = seqs.X
    X[:, -1] = index
    marked = Sequences(X, seqs.offsets, seqs.layout, seqs.Y, seqs.per_step, seqs.W)
    marked.__dict__.update({k: v for k, v in seqs.__dict__.items()
                            if k in ("lengths", "order", "last_rows")})
    return marked
