"""Stacked LSTM networks: weights, forward pass and gradient over the LSTM kernel."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from functools import partial

import numpy as np

from .._activations import ACTIVATION_CODES
from .._kernels._blocks import plan_packed_blocks
from .._kernels._lane_layout import cached_layout, packed_lane_layout
from .._kernels._lstm import (
    LANES,
    lstm_backward,
    lstm_forward,
    lstm_generate,
    lstm_population_loss,
    lstm_population_loss_candidates,
)
from .._kernels._rowgemm import rowwise_matmul_add
from .._layers import (
    apply_output,
    glorot_uniform,
    input_matrix,
    recurrent_matrix,
    torch_uniform,
)
from .._packing import Packing
from ..utils._threads import kernel_threads, run_in_parallel, single_threaded_blas
from ..utils._workspace import NO_WORKSPACE


class LSTMNetwork:
    """Stacked LSTM layers with forget gates and optional peepholes, and a dense output.

    Layer l maps its input sequence (the data for l = 0, the hidden states of
    layer l - 1 above that) to hidden states h_t through the gates of
    :mod:`skrnn._kernels._lstm`; the output is ``y_t = g(h_t @ W_out + b_out)``
    on the last layer.

    The network holds no weights: they live in one flat vector owned by the
    estimator, and every method takes them as a dict of views into it. The
    gate weights of layer l are one matrix, ``gate_weights_[l]`` of shape
    (n_in + n_l + 1, 4 n_l): the input weights W, then the recurrent weights
    R, then the bias b as its last row, gates in the order [i, f, g, o]. Each
    step of the kernel is one matrix product, b + [x_t, h_{t-1}] @ [W; R],
    and the whole gradient of the layer another, [x_t, h_{t-1}, 1]^T dZ. With
    peepholes, ``peephole_weights_[l]`` (3, n_l) holds p_i, p_f, p_o.

    Parameters
    ----------
    n_inputs : int
    hidden_sizes : tuple of int
        Units per layer, from the input up.
    n_outputs : int
    output_activation : {'identity', 'logistic', 'softmax'}
    peepholes : bool
    forget_bias : float
        Initial bias of the forget gates.
    bptt_steps : int or None
        Truncation of backpropagation through time; None for full BPTT.
    """

    def __init__(self, n_inputs, hidden_sizes, n_outputs, *, output_activation,
                 peepholes=False, forget_bias=1.0, bptt_steps=None, weight_init="orthogonal"):
        self.n_inputs = n_inputs
        self.hidden_sizes = tuple(hidden_sizes)
        self.n_outputs = n_outputs
        self.output_activation = output_activation
        self.peepholes = peepholes
        self.forget_bias = forget_bias
        self.bptt_steps = bptt_steps
        self.weight_init = weight_init

    @property
    def layer_inputs(self):
        """Inputs per layer: the data's features, then the layer below's units."""
        return (self.n_inputs, *self.hidden_sizes[:-1])

    def layout(self):
        """Names and shapes of the weights, in their order in the flat vector."""
        layout = []
        for layer, (n_in, n) in enumerate(zip(self.layer_inputs, self.hidden_sizes)):
            layout.append((f"gate_weights_[{layer}]", (n_in + n + 1, 4 * n)))
            if self.peepholes:
                layout.append((f"peephole_weights_[{layer}]", (3, n)))
        return layout + [("output_weights_", (self.hidden_sizes[-1], self.n_outputs)),
                         ("output_bias_", (self.n_outputs,))]

    def split_gate_weights(self, G, layer):
        """Views (W, R, b) of the stacked gate weights of ``layer``."""
        n_in, n = self.layer_inputs[layer], self.hidden_sizes[layer]
        return G[:n_in], G[n_in:n_in + n], G[n_in + n]

    def penalised(self, params):
        """The weights the L2 penalty applies to (not biases or peepholes), as views."""
        views = []
        for layer in range(len(self.hidden_sizes)):
            W, R, _ = self.split_gate_weights(params[f"gate_weights_[{layer}]"], layer)
            views += [W, R]
        return views + [params["output_weights_"]]

    def initialize(self, params, rng):
        """Fill the weight views ``params`` in place from ``rng`` (see ``weight_init``).

        'orthogonal': per gate, Glorot-uniform input weights and orthogonal
        recurrent weights, zero biases. 'glorot': Glorot-uniform everywhere.
        'uniform': PyTorch's, every gate weight on +-1/sqrt(units) and its
        bias the sum of two such draws (``nn.LSTM``'s two biases), the output
        layer on +-1/sqrt(units). Then, whatever the scheme, the forget gates'
        biases get ``forget_bias`` added (Gers et al. 2000: remember by
        default; +1 after Jozefowicz et al. 2015), and the peepholes start at
        zero, so training starts from the plain LSTM.
        """
        dtype = params["output_weights_"].dtype
        scheme = self.weight_init
        for layer, (n_in, n) in enumerate(zip(self.layer_inputs, self.hidden_sizes)):
            W, R, b = self.split_gate_weights(params[f"gate_weights_[{layer}]"], layer)
            for gate in range(4):
                block = slice(gate * n, (gate + 1) * n)
                W[:, block] = input_matrix(rng, scheme, n_in, n, "tanh", dtype)
                R[:, block] = recurrent_matrix(rng, scheme, n, "tanh", dtype)
            b[...] = 0
            if scheme == "uniform":
                b[...] = torch_uniform(rng, n, 4 * n, dtype) + torch_uniform(rng, n, 4 * n, dtype)
            b[n:2 * n] += self.forget_bias
            if self.peepholes:
                params[f"peephole_weights_[{layer}]"][...] = 0
        n_last = self.hidden_sizes[-1]
        if scheme == "uniform":
            params["output_weights_"][...] = torch_uniform(
                rng, n_last, (n_last, self.n_outputs), dtype)
            params["output_bias_"][...] = torch_uniform(rng, n_last, self.n_outputs, dtype)
            return
        params["output_weights_"][...] = glorot_uniform(
            rng, n_last, self.n_outputs, self.output_activation, dtype)
        params["output_bias_"][...] = 0

    # -- state ---------------------------------------------------------------
    @property
    def state_size(self):
        """Per-sequence state carried between calls: [h, c] of every layer."""
        return 2 * sum(self.hidden_sizes)

    def initial_state(self, n_sequences, dtype):
        return np.zeros((n_sequences, self.state_size), dtype=dtype)

    def _split_state(self, state):
        """Contiguous copies of (h, c) of every layer."""
        parts, start = [], 0
        for n in self.hidden_sizes:
            parts.append((np.ascontiguousarray(state[:, start:start + n]),
                          np.ascontiguousarray(state[:, start + n:start + 2 * n])))
            start += 2 * n
        return parts

    def _work(self, n_steps):
        """Multiply-adds of the widest layer's time loop over ``n_steps`` steps."""
        return n_steps * max(4 * n * (n_in + n + 1)
                             for n_in, n in zip(self.layer_inputs, self.hidden_sizes))

    def _peepholes(self, params, layer, n, dtype):
        if self.peepholes:
            return params[f"peephole_weights_[{layer}]"]
        return np.empty((0, n), dtype=dtype)

    # -- forward and gradient ------------------------------------------------
    def forward(self, params, seqs, state, forced=None, need_cache=True,
                workspace=NO_WORKSPACE):
        """Run the network over ``seqs`` from ``state``.

        The layers work on the batch packed time-major (see
        :mod:`skrnn._packing`); only the inputs and outputs are reordered.

        Parameters
        ----------
        params : dict of ndarray
        seqs : Sequences
        state : ndarray of shape (n_sequences, state_size)
        forced : None
            LSTM networks have no teacher forcing; accepted for the shared
            interface.
        need_cache : bool, default=True
            Whether :meth:`gradient` will follow. Without it, the gates and
            cell states of every step are not kept, which saves memory
            traffic.
        workspace : Workspace, default=NO_WORKSPACE
            Where the arrays kept for :meth:`gradient` come from (see
            :mod:`skrnn.utils._workspace`): a fit reuses them from batch to
            batch.

        Returns
        -------
        Y : ndarray of shape (n_steps, n_outputs)
        cache : tuple
            What :meth:`gradient` needs.
        state : ndarray of shape (n_sequences, state_size)
            [h, c] of every layer after each sequence's last step.
        """
        dtype = seqs.X.dtype
        packing = Packing.from_offsets(seqs.offsets, seqs.order)
        state = packing.sort_state(np.asarray(state, dtype=dtype))
        blocks = _blocks(packing, self._work(seqs.n_steps))
        inputs, layers, final = None, [], []
        Y = np.empty((seqs.n_steps, self.n_outputs), dtype=dtype)
        W_out = np.ascontiguousarray(params["output_weights_"])
        b_out = np.ascontiguousarray(params["output_bias_"])
        no_outputs = np.empty((0, self.n_outputs), dtype=dtype)
        top = len(self.hidden_sizes) - 1
        for layer, (n, (h0, c0)) in enumerate(zip(self.hidden_sizes, self._split_state(state))):
            n_in = self.layer_inputs[layer]
            X = packing.pack(seqs.X) if layer == 0 else inputs
            if need_cache:
                # rows [x_t, h_{t-1}, 1], packed; the kernel fills in h_{t-1} after step 0
                XH = workspace.empty(f"XH{layer}", (seqs.n_steps, n_in + n + 1), dtype)
                XH[:, :n_in] = X
                XH[:h0.shape[0], n_in:n_in + n] = h0
                XH[:, -1] = 1
            else:
                XH = np.empty((0, n_in + n + 1), dtype=dtype)
            n_kept = seqs.n_steps if need_cache else 0
            # predicting, the top layer runs the output layer itself and
            # keeps no hidden states
            in_kernel = not need_cache and layer == top
            H = workspace.empty(f"H{layer}", (0 if in_kernel else seqs.n_steps, n), dtype)
            A = workspace.empty(f"A{layer}", (n_kept, 4 * n), dtype)
            C = workspace.empty(f"C{layer}", (n_kept, n), dtype)
            TC = workspace.empty(f"TC{layer}", (n_kept, n), dtype)
            h_last, c_last = np.empty_like(h0), np.empty_like(c0)
            # the kernel's products are skrnn's own (_rowgemm.h), not BLAS,
            # so no BLAS thread count is set around it (threadpoolctl costs
            # tens of microseconds a call)
            run_in_parallel([
                partial(lstm_forward, X, XH, params[f"gate_weights_[{layer}]"],
                        self._peepholes(params, layer, n, dtype), packing.starts, h0, c0,
                        H, A, C, TC, h_last, c_last, W_out, b_out,
                        Y if in_kernel else no_outputs, lo, hi)
                for lo, hi in blocks])
            layers.append((XH, A, C, TC, c0))
            final += [h_last, c_last]
            inputs = H
        if need_cache:
            # the batch-invariant product of the prediction kernel, outside it
            Y[...] = b_out
            rowwise_matmul_add(inputs, W_out, Y)
        apply_output(self.output_activation, Y)
        return (packing.unpack(Y), (packing, layers, inputs),
                packing.unsort_state(np.hstack(final)))

    def gradient(self, params, seqs, cache, dO, grads, state0, workspace=NO_WORKSPACE):
        """Backpropagate ``dO`` (loss gradient at the output pre-activations).

        Parameters
        ----------
        params : dict of ndarray
        seqs : Sequences
        cache : tuple from :meth:`forward`
        dO : ndarray of shape (n_steps, n_outputs)
        grads : dict of ndarray
            Views into the flat gradient, overwritten.
        state0 : ndarray of shape (n_sequences, state_size)
            Unused: the starting states are in the cache.
        workspace : Workspace, default=NO_WORKSPACE
            Where the gradients of every step come from.
        """
        dtype = seqs.X.dtype
        packing, layers, H_top = cache
        dO = packing.pack(np.asarray(dO, dtype=dtype))
        blocks = _blocks(packing, self._work(seqs.n_steps))
        grads["output_weights_"][...] = H_top.T @ dO
        grads["output_bias_"][...] = dO.sum(axis=0)
        W_out = params["output_weights_"]
        top = len(self.hidden_sizes) - 1
        dH = workspace.empty(f"dH{top}", (dO.shape[0], W_out.shape[0]), dtype)
        # one output: an outer product, which NumPy's matmul does without
        # BLAS, slowly, and einsum twice as fast as a broadcast multiply
        if W_out.shape[1] == 1:
            np.einsum("i,j->ij", dO[:, 0], W_out[:, 0], out=dH)
        else:
            np.matmul(dO, W_out.T, out=dH)
        for layer in range(top, -1, -1):
            XH, A, C, TC, c0 = layers[layer]
            n = self.hidden_sizes[layer]
            G = params[f"gate_weights_[{layer}]"]
            dZ = workspace.empty(f"dZ{layer}", A.shape, dtype)
            # R^T, read by every block: a step's dZ @ R^T is then a product
            # of row-major operands (no BLAS inside, as in forward)
            R_T = np.ascontiguousarray(self.split_gate_weights(G, layer)[1].T)
            run_in_parallel([
                partial(lstm_backward, A, C, TC, c0, R_T,
                        self._peepholes(params, layer, n, dtype), packing.starts, dH,
                        self.bptt_steps or 0, dZ, lo, hi)
                for lo, hi in blocks])
            # [x_t, h_{t-1}, 1]^T dZ: the input, recurrent and bias gradients at once
            np.matmul(XH.T, dZ, out=grads[f"gate_weights_[{layer}]"])
            if self.peepholes:
                C_prev = packing.previous(C, c0)
                dP = grads[f"peephole_weights_[{layer}]"]
                dP[0] = np.einsum("ij,ij->j", dZ[:, :n], C_prev)
                dP[1] = np.einsum("ij,ij->j", dZ[:, n:2 * n], C_prev)
                dP[2] = np.einsum("ij,ij->j", dZ[:, 3 * n:], C)
            if layer > 0:
                dH = workspace.empty(f"dH{layer - 1}", (dZ.shape[0], self.layer_inputs[layer]),
                                     dtype)
                np.matmul(dZ, self.split_gate_weights(G, layer)[0].T, out=dH)

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

        Returns
        -------
        Y : ndarray of shape (n_sequences * n_steps, n_outputs)
            Generated outputs, sequence after sequence.
        """
        dtype = params["output_weights_"].dtype
        parts = self._split_state(np.asarray(state, dtype=dtype))
        out = np.empty((state.shape[0], n_steps, self.n_outputs), dtype=dtype)
        # the loop over generated steps runs in the kernel: each step needs the last output
        with single_threaded_blas():
            lstm_generate([params[f"gate_weights_[{layer}]"]
                           for layer in range(len(self.hidden_sizes))],
                          [self._peepholes(params, layer, n, dtype)
                           for layer, n in enumerate(self.hidden_sizes)],
                          params["output_weights_"], params["output_bias_"],
                          [h for h, _ in parts], [c for _, c in parts],
                          np.array(y_last, dtype=dtype, order="C"),
                          ACTIVATION_CODES[self.output_activation], out)
        return out.reshape(-1, self.n_outputs)


    # the population kernel runs on the lane products of _lanes.h, not BLAS
    population_blas_free = True

    def population_loss(self, thetas, seqs, state0, targets, target_rows, loss_code, lo, hi,
                        out, weights=None):
        """Data losses of candidates ``lo:hi`` of ``thetas`` (compiled, nogil).

        ``weights`` (one per target, or None) make the loss the targets'
        weighted mean.

        The sequences start from zero states (``state0`` is the network's
        initial state, zeros). See
        :func:`skrnn._kernels._lstm.lstm_population_loss`.
        """
        position = {}
        start = 0
        for name, shape in self.layout():
            position[name] = start
            start += math.prod(shape)
        n_layers = len(self.hidden_sizes)
        gate_starts = np.array([position[f"gate_weights_[{layer}]"]
                                for layer in range(n_layers)], dtype=np.intp)
        peephole_starts = np.array([position.get(f"peephole_weights_[{layer}]", -1)
                                    for layer in range(n_layers)], dtype=np.intp)

        if seqs.n_sequences < LANES // 2:
            # few sequences: the lanes run across candidates instead
            target_of_row = np.full(seqs.n_steps, -1, dtype=np.intp)
            target_of_row[target_rows] = np.arange(target_rows.shape[0])
            lstm_population_loss_candidates(
                thetas, gate_starts, peephole_starts,
                np.array(self.hidden_sizes, dtype=np.intp), position["output_weights_"],
                seqs.X, seqs.offsets, target_of_row, targets,
                np.empty(0) if weights is None else weights,
                ACTIVATION_CODES[self.output_activation], loss_code, lo, hi, out)
            return

        def build():
            packing = Packing.from_offsets(seqs.offsets, seqs.order)
            packed_row = np.empty(seqs.n_steps, dtype=np.intp)
            packed_row[packing.rows] = np.arange(seqs.n_steps, dtype=np.intp)
            return packed_lane_layout(packing.pack(seqs.X), packing.starts,
                                      packed_row[target_rows], targets, LANES)

        batch = cached_layout("packed", seqs, state0, target_rows, targets, build)
        lstm_population_loss(
            thetas, gate_starts, peephole_starts, np.array(self.hidden_sizes, dtype=np.intp),
            position["output_weights_"], batch.starts, batch.X, batch.T, batch.mask,
            batch.any_target, batch.lane_weights(weights),
            batch.n_targets if weights is None else float(weights.sum()),
            ACTIVATION_CODES[self.output_activation],
            loss_code, lo, hi, out)


def _blocks(packing, work):
    """(lo, hi) ranges of sequence positions of equal work, one per allowed thread."""
    n_threads = kernel_threads(work)
    if n_threads == 1:  # the common case, without NumPy calls: this runs per batch
        return [(0, packing.n_sequences)]
    bounds = plan_packed_blocks(packing.starts, n_threads)
    return list(zip(bounds[:-1], bounds[1:]))
