"""Elman and Jordan networks: weights, forward pass and gradient over the srn kernel."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from functools import partial

import numpy as np

from .._activations import ACTIVATION_CODES
from .._kernels._blocks import plan_blocks
from .._kernels._lane_layout import cached_layout, srn_lane_layout
from .._kernels._srn import (
    LANES,
    srn_bptt,
    srn_forward,
    srn_population_loss,
    srn_population_loss_candidates,
    srn_predict,
)
from .._layers import (
    apply_output,
    glorot_uniform,
    input_matrix,
    previous_rows_product,
    recurrent_matrix,
    torch_uniform,
)
from ..utils._threads import kernel_threads, run_in_parallel, single_threaded_blas
from ..utils._workspace import NO_WORKSPACE


class SimpleRecurrentNetwork:
    """One hidden layer whose context is either its own last state or the last output.

    ``recurrence='hidden'`` is Elman's network::

        h_t = f(x_t @ W_in + h_{t-1} @ W_rec + b_h),   y_t = g(h_t @ W_out + b_out)

    ``recurrence='output'`` is Jordan's::

        c_t = mu * c_{t-1} + y_{t-1},   h_t = f(x_t @ W_in + c_t @ W_ctx + b_h)

    The network holds no weights: they live in one flat vector owned by the
    estimator, and every method takes them as a dict of views into it.

    Parameters
    ----------
    n_inputs, n_hidden, n_outputs : int
    recurrence : {'hidden', 'output'}
    activation : str
        Hidden activation f.
    output_activation : {'identity', 'logistic', 'softmax'}
        Output activation g.
    initial_context : float
        Value of every context unit before the first step.
    context_decay : float
        Jordan's self-decay mu of the context units.
    bptt_steps : int or None
        Truncation of backpropagation through time; None for full BPTT.
    """

    def __init__(self, n_inputs, n_hidden, n_outputs, *, recurrence, activation,
                 output_activation, initial_context=0.0, context_decay=0.0,
                 bptt_steps=None, weight_init="orthogonal"):
        self.n_inputs = n_inputs
        self.n_hidden = n_hidden
        self.n_outputs = n_outputs
        self.recurrence = recurrence
        self.activation = activation
        self.output_activation = output_activation
        self.initial_context = initial_context
        self.context_decay = context_decay
        self.bptt_steps = bptt_steps
        self.weight_init = weight_init

    @property
    def is_jordan(self):
        return self.recurrence == "output"

    def layout(self):
        """Names and shapes of the weights, in their order in the flat vector."""
        context = (("context_weights_", (self.n_outputs, self.n_hidden)) if self.is_jordan
                   else ("recurrent_weights_", (self.n_hidden, self.n_hidden)))
        return [
            ("input_weights_", (self.n_inputs, self.n_hidden)),
            context,
            ("hidden_bias_", (self.n_hidden,)),
            ("output_weights_", (self.n_hidden, self.n_outputs)),
            ("output_bias_", (self.n_outputs,)),
        ]

    def penalised(self, params):
        """The weights the L2 penalty applies to (not the biases), as views of ``params``."""
        return [params[name] for name, shape in self.layout() if len(shape) == 2]

    def initialize(self, params, rng):
        """Fill the weight views ``params`` in place from ``rng`` (see ``weight_init``).

        'orthogonal': Glorot-uniform input, context and output weights, an
        orthogonal recurrent matrix, zero biases. 'glorot': Glorot-uniform
        everywhere. 'uniform': PyTorch's, every weight and bias of the hidden
        layer on +-1/sqrt(n_hidden) (its bias the sum of two such draws, as
        ``nn.RNN``'s two biases), the output layer on +-1/sqrt(n_hidden).
        'small_uniform': every weight and bias on +-0.05 (WEKA's).
        """
        dtype = params["input_weights_"].dtype
        scheme, n = self.weight_init, self.n_hidden
        if scheme == "small_uniform":
            # WEKA's multilayer perceptron and Elman network: every weight and
            # bias on +-0.05, drawn in the order of the flat vector
            for name, shape in self.layout():
                params[name][...] = rng.uniform(-0.05, 0.05, shape)
            return
        params["input_weights_"][...] = input_matrix(
            rng, scheme, self.n_inputs, n, self.activation, dtype)
        if self.is_jordan:
            params["context_weights_"][...] = input_matrix(
                rng, scheme, self.n_outputs, n, self.activation, dtype)
        else:
            params["recurrent_weights_"][...] = recurrent_matrix(
                rng, scheme, n, self.activation, dtype)
        if scheme == "uniform":
            params["hidden_bias_"][...] = (torch_uniform(rng, n, n, dtype)
                                           + torch_uniform(rng, n, n, dtype))
            params["output_weights_"][...] = torch_uniform(rng, n, (n, self.n_outputs), dtype)
            params["output_bias_"][...] = torch_uniform(rng, n, self.n_outputs, dtype)
            return
        params["hidden_bias_"][...] = 0
        params["output_weights_"][...] = glorot_uniform(
            rng, n, self.n_outputs, self.output_activation, dtype)
        params["output_bias_"][...] = 0

    # -- state ---------------------------------------------------------------
    @property
    def state_size(self):
        """Per-sequence state carried between calls: h (Elman) or c (Jordan)."""
        return self.n_outputs if self.is_jordan else self.n_hidden

    def initial_state(self, n_sequences, dtype):
        return np.full((n_sequences, self.state_size), self.initial_context, dtype=dtype)

    # -- kernel arguments ----------------------------------------------------
    def _work(self, n_steps):
        """Multiply-adds of the time loop over ``n_steps`` steps."""
        return n_steps * self.n_hidden * (self.n_hidden + self.n_outputs)

    def _kernel_weights(self, params):
        dtype = params["input_weights_"].dtype
        if self.is_jordan:
            W_rec = np.empty((0, 0), dtype=dtype)
            W_ctx = params["context_weights_"]
            mu = np.full(self.n_outputs, self.context_decay, dtype=dtype)
        else:
            W_rec = params["recurrent_weights_"]
            W_ctx = np.empty((0, self.n_hidden), dtype=dtype)
            mu = np.empty(0, dtype=dtype)
        return W_rec, W_ctx, mu

    def _kernel_state(self, state, dtype):
        """The kernels' (h_state, c_state), copies they update in place, from a state.

        Elman's state is its hidden layer (no context); Jordan's is its
        context, and its hidden layer has no memory of its own.
        """
        state = np.array(state, dtype=dtype, order="C")
        if self.is_jordan:
            return np.zeros((state.shape[0], self.n_hidden), dtype=dtype), state
        return state, np.empty((state.shape[0], 0), dtype=dtype)

    def forward(self, params, seqs, state, forced=None, need_cache=True,
                workspace=NO_WORKSPACE):
        """Run the network over ``seqs`` from ``state``.

        Parameters
        ----------
        params : dict of ndarray
        seqs : Sequences
        state : ndarray of shape (n_sequences, state_size)
        forced : ndarray of shape (n_steps, n_outputs), default=None
            Teacher forcing: targets fed to Jordan's context.
        need_cache : bool, default=True
            Whether :meth:`gradient` will follow. Without it (prediction,
            validation, without teacher forcing) the kernel keeps no hidden
            state per step and the returned cache is None.
        workspace : Workspace, default=NO_WORKSPACE
            Where the hidden states kept for :meth:`gradient` come from (see
            :mod:`skrnn.utils._workspace`).

        Returns
        -------
        Y : ndarray of shape (n_steps, n_outputs)
            Outputs y_t.
        cache : tuple
            What :meth:`gradient` needs.
        state : ndarray of shape (n_sequences, state_size)
            The state after each sequence's last step.
        """
        if not need_cache and forced is None:
            return self._predict(params, seqs, state)
        X = seqs.X
        dtype = X.dtype
        n_steps = X.shape[0]
        W_rec, W_ctx, mu = self._kernel_weights(params)
        # H starts as the input projection U; the kernel adds the bias and
        # overwrites it in place
        H = workspace.empty("H", (n_steps, self.n_hidden), dtype)
        np.dot(X, params["input_weights_"], out=H)
        h_state, c_state = self._kernel_state(state, dtype)
        if self.is_jordan:
            C = np.empty((n_steps, self.n_outputs), dtype=dtype)
            Y = np.empty((n_steps, self.n_outputs), dtype=dtype)
        else:
            C = np.empty((n_steps, 0), dtype=dtype)
            Y = None
        if forced is None:
            forced = np.empty((0, self.n_outputs), dtype=dtype)
        # the per-step products are too small to gain from BLAS threads (they
        # lose under contention); threads run blocks of sequences instead
        Y_kernel = Y if Y is not None else np.empty((0, self.n_outputs), dtype=dtype)
        forced = np.ascontiguousarray(forced, dtype=dtype)
        with single_threaded_blas():
            run_in_parallel([
                partial(srn_forward, H, params["hidden_bias_"], W_rec, W_ctx,
                        params["output_weights_"], params["output_bias_"], mu, seqs.offsets,
                        block, h_state, c_state, forced, ACTIVATION_CODES[self.activation],
                        ACTIVATION_CODES[self.output_activation], H, C, Y_kernel)
                for block in _blocks(seqs.offsets, seqs.order, self._work(seqs.n_steps))])
        if Y is None:
            Y = H @ params["output_weights_"]
            Y += params["output_bias_"]
            apply_output(self.output_activation, Y)
        feedback = self.is_jordan and forced.shape[0] == 0
        return Y, (H, C, Y, feedback), (c_state if self.is_jordan else h_state)

    def _predict(self, params, seqs, state):
        """:meth:`forward` without a cache: (Y, None, final state).

        The kernel projects the inputs inside its time loop, so that work
        counts too when the batch is split over threads.
        """
        dtype = seqs.X.dtype
        W_rec, W_ctx, mu = self._kernel_weights(params)
        h_state, c_state = self._kernel_state(state, dtype)
        Y = np.empty((seqs.n_steps, self.n_outputs), dtype=dtype)
        # no BLAS thread setting: the kernel's products are skrnn's own
        run_in_parallel([
            partial(srn_predict, seqs.X, params["input_weights_"], params["hidden_bias_"],
                    W_rec, W_ctx, params["output_weights_"], params["output_bias_"], mu,
                    seqs.offsets, block, h_state, c_state, ACTIVATION_CODES[self.activation],
                    ACTIVATION_CODES[self.output_activation], Y)
            for block in _blocks(seqs.offsets, seqs.order, self._work(seqs.n_steps)
                                 + seqs.n_steps * self.n_inputs * self.n_hidden)])
        return Y, None, (c_state if self.is_jordan else h_state)

    def gradient(self, params, seqs, cache, dO, grads, state0, workspace=NO_WORKSPACE):
        """Backpropagate ``dO`` (loss gradient at the output pre-activations).

        Parameters
        ----------
        params : dict of ndarray
        seqs : Sequences
        cache : tuple from :meth:`forward`
        dO : ndarray of shape (n_steps, n_outputs)
            Gradient of the loss alone (not through the context).
        grads : dict of ndarray
            Views into the flat gradient, overwritten.
        state0 : ndarray of shape (n_sequences, state_size)
            The state the forward pass started from.
        workspace : Workspace, default=NO_WORKSPACE
            Where the gradient of every step comes from.
        """
        H, C, Y, feedback = cache
        dtype = H.dtype
        W_rec, W_ctx, mu = self._kernel_weights(params)
        dO = np.ascontiguousarray(dO, dtype=dtype)
        dZ = workspace.empty("dZ", H.shape, dtype)
        dO_total = np.empty((H.shape[0] if feedback else 0, self.n_outputs), dtype=dtype)
        with single_threaded_blas():  # as in forward
            run_in_parallel([
                partial(srn_bptt, H, Y, dO, W_rec, W_ctx, params["output_weights_"], mu,
                        seqs.offsets, block, ACTIVATION_CODES[self.activation],
                        ACTIVATION_CODES[self.output_activation], feedback,
                        self.bptt_steps or 0, dZ, dO_total)
                for block in _blocks(seqs.offsets, seqs.order, self._work(seqs.n_steps))])
        if feedback:
            dO = dO_total
        grads["input_weights_"][...] = seqs.X.T @ dZ
        grads["hidden_bias_"][...] = dZ.sum(axis=0)
        if self.is_jordan:
            grads["context_weights_"][...] = C.T @ dZ
        else:
            grads["recurrent_weights_"][...] = previous_rows_product(H, dZ, seqs.offsets,
                                                                     state0)
        grads["output_weights_"][...] = H.T @ dO
        grads["output_bias_"][...] = dO.sum(axis=0)

    def generate(self, params, state, y_last, n_steps):
        """Free-running generation: each output is the next step's input.

        Parameters
        ----------
        params : dict of ndarray
        state : ndarray of shape (n_sequences, state_size)
            The state after the last observed step.
        y_last : ndarray of shape (n_sequences, n_outputs)
            The last output, which becomes the first generated step's input.
        n_steps : int
            Number of steps to generate.

        Returns
        -------
        Y : ndarray of shape (n_sequences * n_steps, n_outputs)
            Generated outputs, sequence after sequence.
        """
        dtype = params["input_weights_"].dtype
        n_seq = state.shape[0]
        W_in = params["input_weights_"]
        # The fed-back output enters through W_in: it is one more context
        # block with decay 0. Jordan keeps its own decaying context beside it.
        if self.is_jordan:
            W_rec = np.empty((0, 0), dtype=dtype)
            W_ctx = np.vstack([params["context_weights_"], W_in])
            mu = np.concatenate([np.full(self.n_outputs, self.context_decay),
                                 np.zeros(self.n_outputs)]).astype(dtype)
            h_state = np.zeros((n_seq, self.n_hidden), dtype=dtype)
            c_state = np.hstack([state, y_last]).astype(dtype)
        else:
            W_rec = params["recurrent_weights_"]
            W_ctx = np.ascontiguousarray(W_in)
            mu = np.zeros(self.n_outputs, dtype=dtype)
            h_state = np.array(state, dtype=dtype, order="C")
            c_state = np.array(y_last, dtype=dtype, order="C")
        n_rows = n_seq * n_steps
        U = np.zeros((n_rows, self.n_hidden), dtype=dtype)  # no input but the fed-back one
        offsets = np.arange(0, n_rows + 1, n_steps, dtype=np.intp)
        order = np.arange(n_seq, dtype=np.intp)
        H = np.empty((n_rows, self.n_hidden), dtype=dtype)
        C = np.empty((n_rows, W_ctx.shape[0]), dtype=dtype)
        Y = np.empty((n_rows, self.n_outputs), dtype=dtype)
        with single_threaded_blas():
            run_in_parallel([
                partial(srn_forward, U, params["hidden_bias_"], W_rec, W_ctx,
                        params["output_weights_"], params["output_bias_"], mu, offsets, block,
                        h_state, c_state, np.empty((0, self.n_outputs), dtype=dtype),
                        ACTIVATION_CODES[self.activation],
                        ACTIVATION_CODES[self.output_activation], H, C, Y)
                for block in _blocks(offsets, order, self._work(n_rows))])
        return Y

    # the population kernel runs on the lane products of _lanes.h, not BLAS
    population_blas_free = True

    def population_loss(self, thetas, seqs, state0, targets, target_rows, loss_code, lo, hi,
                        out, weights=None):
        """Data losses of candidates ``lo:hi`` of ``thetas`` (compiled, nogil).

        ``weights`` (one per target, or None) make the loss the targets'
        weighted mean.

        Jordan's context is fed by the network's own outputs (no teacher
        forcing): the loss is that of the network as it predicts. See
        :func:`skrnn._kernels._srn.srn_population_loss`.
        """
        starts = np.cumsum([0] + [math.prod(shape) for _, shape in self.layout()])
        state0 = np.ascontiguousarray(state0, dtype=thetas.dtype)
        if seqs.n_sequences < LANES // 2:
            # few sequences: the lanes run across candidates instead
            target_of_row = np.full(seqs.n_steps, -1, dtype=np.intp)
            target_of_row[target_rows] = np.arange(target_rows.shape[0])
            srn_population_loss_candidates(
                thetas, starts.astype(np.intp), self.is_jordan,
                thetas.dtype.type(self.context_decay), seqs.X, seqs.offsets, state0,
                target_of_row, targets, np.empty(0) if weights is None else weights,
                ACTIVATION_CODES[self.activation], ACTIVATION_CODES[self.output_activation],
                loss_code, lo, hi, out)
            return
        batch = cached_layout("srn", seqs, state0, target_rows, targets, lambda: srn_lane_layout(
            seqs.X, seqs.offsets, seqs.order, target_rows, targets, state0, LANES))
        srn_population_loss(
            thetas, starts.astype(np.intp), self.is_jordan,
            thetas.dtype.type(self.context_decay), batch.starts, batch.X, batch.state0, batch.T,
            batch.mask, batch.any_target, batch.lane_weights(weights),
            batch.n_targets if weights is None else float(weights.sum()),
            ACTIVATION_CODES[self.activation],
            ACTIVATION_CODES[self.output_activation], loss_code, lo, hi, out)


def _blocks(offsets, order, work):
    """The sequences of a batch in blocks of equal work, one per allowed thread."""
    n_threads = kernel_threads(work)
    if n_threads == 1:  # the common case, without NumPy calls: this runs per batch
        return [order]
    members, bounds = plan_blocks(offsets, order, n_threads)
    return [members[start:stop] for start, stop in zip(bounds[:-1], bounds[1:])]

