"""Stacked simple recurrent layers (a recurrent multilayer perceptron) over the srn kernel."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import partial
from numbers import Integral

import numpy as np

from .._activations import ACTIVATION_CODES
from .._architecture import architecture
from .._kernels._srn import srn_bptt, srn_forward
from .._kernels._stacked import stacked_generate
from .._layers import (
    apply_output,
    glorot_uniform,
    input_matrix,
    previous_rows_product,
    recurrent_matrix,
    torch_uniform,
)
from .._sequences import Sequences
from ..utils._threads import run_in_parallel, single_threaded_blas
from ..utils._workspace import NO_WORKSPACE
from ._network import SimpleRecurrentNetwork, _blocks


class _Named:
    """A workspace whose arrays carry a prefix, and which remembers what it lent.

    The top layer is a :class:`SimpleRecurrentNetwork` that takes its
    arrays from a workspace; this keeps its names apart from the lower
    layers' and lets the stack read the top layer's gradient dZ back.
    """

    def __init__(self, inner, prefix):
        self.inner, self.prefix, self.lent = inner, prefix, {}

    def empty(self, name, shape, dtype):
        array = self.inner.empty(self.prefix + name, shape, dtype)
        self.lent[name] = array
        return array


class StackedRecurrentNetwork:
    """Simple recurrent layers stacked: each recurrent to itself and feeding the next.

    The lower layers are Elman layers::

        h^l_t = f(h^{l-1}_t @ W_in^l + h^l_{t-1} @ W_rec^l + b^l),   h^{-1}_t = x_t

    and the top layer is Elman's or Jordan's (``recurrence``), fed by the
    layer below it, with the output read from it. With ``skip_connections``
    every layer above the first also sees the input (Graves, 2013)::

        h^l_t = f([h^{l-1}_t, x_t] @ W_in^l + h^l_{t-1} @ W_rec^l + b^l)

    so an input can reach the output through the top layer's recurrence
    alone, without crossing every layer's; the first ``sizes[l-1]`` rows of
    ``W_in^l`` read the layer below, the last ``n_inputs`` the input. With a
    deep output (Pascanu et al., 2014; an Elman top layer only) the output
    reads every layer::

        y_t = g([h^0_t, ..., h^L_t] @ W_out + b_out)

    so a lower layer's memory reaches it without crossing the layers above;
    the rows of ``W_out`` read the layers bottom up. The
    weights of layer l are ``input_weights_[l]``, ``recurrent_weights_[l]``
    and ``hidden_bias_[l]`` (Jordan's top layer has ``context_weights_``
    instead of recurrent weights). The state is the lower layers' hidden
    states followed by the top layer's state.

    Parameters
    ----------
    n_inputs, n_outputs : int
    sizes : tuple of int
        Units per layer, from the input up (at least two layers).
    recurrence, activation, output_activation, initial_context, context_decay,
    bptt_steps, weight_init
        As for :class:`SimpleRecurrentNetwork` (the top layer's recurrence).
    skip_connections : {False, True, 'input', 'output', 'both'}, default=False
        True or 'input': the input also feeds every layer above the first.
        'output': the output reads every layer (an Elman top layer only).
        'both': the two.
    """

    def __init__(self, n_inputs, sizes, n_outputs, *, recurrence, activation,
                 output_activation, initial_context=0.0, context_decay=0.0,
                 bptt_steps=None, weight_init="orthogonal", skip_connections=False):
        self.n_inputs = n_inputs
        self.skip_connections = skip_connections
        # True keeps its meaning from before 'output' existed: the input shortcut
        self.skip_input = skip_connections in (True, "input", "both")
        self.deep_output = skip_connections in ("output", "both")
        if self.deep_output and recurrence == "output":
            raise ValueError("skip_connections='output' or 'both' needs Elman layers: a "
                             "Jordan top layer feeds its output back, so its output reads "
                             "the top layer alone; use skip_connections=True or 'input'.")
        self.sizes = tuple(sizes)
        self.n_outputs = n_outputs
        self.activation = activation
        self.initial_context = initial_context
        self.bptt_steps = bptt_steps
        self.weight_init = weight_init
        self.top = SimpleRecurrentNetwork(
            self._lower_inputs(len(self.sizes) - 1), self.sizes[-1], n_outputs,
            recurrence=recurrence, activation=activation, output_activation=output_activation,
            initial_context=initial_context, context_decay=context_decay,
            bptt_steps=bptt_steps, weight_init=weight_init)
        self.output_activation = output_activation
        self.recurrence = recurrence

    @property
    def is_jordan(self):
        return self.top.is_jordan

    @property
    def n_lower(self):
        return len(self.sizes) - 1

    def _lower_inputs(self, layer):
        """Inputs of layer ``layer``: the input, or the layer below (and the input)."""
        if layer == 0:
            return self.n_inputs
        return self.sizes[layer - 1] + (self.n_inputs if self.skip_input else 0)

    def _layer_rows(self, H, seqs):
        """The rows a layer above the first reads: ``H`` below, then the input if skipped."""
        return np.hstack([H, seqs.X]) if self.skip_input else H

    def _output_rows(self, layer):
        """The rows of the deep output's ``output_weights_`` that read layer ``layer``."""
        start = sum(self.sizes[:layer])
        return slice(start, start + self.sizes[layer])

    def layout(self):
        """Names and shapes of the weights, in their order in the flat vector."""
        names = []
        for layer in range(self.n_lower):
            n = self.sizes[layer]
            names += [(f"input_weights_[{layer}]", (self._lower_inputs(layer), n)),
                      (f"recurrent_weights_[{layer}]", (n, n)),
                      (f"hidden_bias_[{layer}]", (n,))]
        top = self.n_lower
        for name, shape in self.top.layout():
            if name in ("input_weights_", "recurrent_weights_", "hidden_bias_"):
                name = f"{name}[{top}]"
            elif name == "output_weights_" and self.deep_output:
                shape = (sum(self.sizes), self.n_outputs)  # every layer's state, bottom up
            names.append((name, shape))
        return names

    def _top_params(self, params):
        """The top layer's weights under the names :class:`SimpleRecurrentNetwork` uses."""
        top = self.n_lower
        named = {name: params[f"{name}[{top}]" if f"{name}[{top}]" in params else name]
                 for name, _ in self.top.layout()}
        if self.deep_output:  # the top layer's rows, the last: a contiguous view
            named["output_weights_"] = named["output_weights_"][self._output_rows(top)]
        return named

    def penalised(self, params):
        return [params[name] for name, shape in self.layout() if len(shape) == 2]

    def initialize(self, params, rng):
        """Every lower layer as an Elman layer, then the top layer as its own network."""
        dtype = params["input_weights_[0]"].dtype
        if self.weight_init == "small_uniform":
            # WEKA's: every weight and bias of every layer on +-0.05, drawn in
            # the order of the flat vector, as SimpleRecurrentNetwork does
            for name, shape in self.layout():
                params[name][...] = rng.uniform(-0.05, 0.05, shape)
            return
        for layer in range(self.n_lower):
            n = self.sizes[layer]
            params[f"input_weights_[{layer}]"][...] = input_matrix(
                rng, self.weight_init, self._lower_inputs(layer), n, self.activation, dtype)
            params[f"recurrent_weights_[{layer}]"][...] = recurrent_matrix(
                rng, self.weight_init, n, self.activation, dtype)
            if self.weight_init == "uniform":
                params[f"hidden_bias_[{layer}]"][...] = (torch_uniform(rng, n, n, dtype)
                                                         + torch_uniform(rng, n, n, dtype))
            else:
                params[f"hidden_bias_[{layer}]"][...] = 0
        self.top.initialize(self._top_params(params), rng)
        if self.deep_output:
            # the output's fan-in is every layer's units, not the top layer's
            n = sum(self.sizes)
            params["output_weights_"][...] = (
                torch_uniform(rng, n, (n, self.n_outputs), dtype)
                if self.weight_init == "uniform"
                else glorot_uniform(rng, n, self.n_outputs, self.output_activation, dtype))

    # -- state ---------------------------------------------------------------
    @property
    def state_size(self):
        return sum(self.sizes[:-1]) + self.top.state_size

    def initial_state(self, n_sequences, dtype):
        return np.full((n_sequences, self.state_size), self.initial_context, dtype=dtype)

    def _lower_forward(self, layer, params, X, offsets, order, h_state, workspace):
        """Run lower layer ``layer`` over its input rows ``X``: its hidden states."""
        dtype = X.dtype
        n = self.sizes[layer]
        H = workspace.empty(f"stack_H{layer}", (X.shape[0], n), dtype)
        np.dot(X, params[f"input_weights_[{layer}]"], out=H)
        no_context = np.empty((h_state.shape[0], 0), dtype=dtype)
        unused_out = np.zeros((n, 1), dtype=dtype)  # Elman mode reads no output weights
        with single_threaded_blas():
            run_in_parallel([
                partial(srn_forward, H, params[f"hidden_bias_[{layer}]"],
                        params[f"recurrent_weights_[{layer}]"], np.empty((0, n), dtype=dtype),
                        unused_out, np.zeros(1, dtype=dtype), np.empty(0, dtype=dtype),
                        offsets, block, h_state, no_context, np.empty((0, 1), dtype=dtype),
                        ACTIVATION_CODES[self.activation], ACTIVATION_CODES["identity"], H,
                        np.empty((X.shape[0], 0), dtype=dtype), np.empty((0, 1), dtype=dtype))
                for block in _blocks(offsets, order, X.shape[0] * n * n)])
        return H

    def forward(self, params, seqs, state, forced=None, need_cache=True,
                workspace=NO_WORKSPACE):
        """Run the stack over ``seqs`` from ``state``: (Y, cache, final state)."""
        dtype = seqs.X.dtype
        X, start, lower, finals = seqs.X, 0, [], []
        for layer in range(self.n_lower):
            n = self.sizes[layer]
            h0 = np.array(state[:, start:start + n], dtype=dtype, order="C")
            h_state = h0.copy()
            H = self._lower_forward(layer, params, X, seqs.offsets, seqs.order, h_state,
                                    workspace)
            lower.append((X, H, h0))
            finals.append(h_state)
            X, start = self._layer_rows(H, seqs), start + n
        top_seqs = _with_inputs(seqs, X)
        named = _Named(workspace, "stack_top_")
        top_state0 = np.ascontiguousarray(state[:, start:], dtype=dtype)
        top_params = self._top_params(params)
        Y, top_cache, top_state = self.top.forward(top_params, top_seqs, top_state0,
                                                   forced=forced,
                                                   need_cache=need_cache or self.deep_output,
                                                   workspace=named)
        if self.deep_output:
            # y_t = g([h^0_t, ..., h^L_t] @ W_out + b_out): the top layer's H is in its cache
            H_top, C, _, feedback = top_cache
            Y = H_top @ top_params["output_weights_"]
            Y += params["output_bias_"]
            for layer, (_, H, _) in enumerate(lower):
                Y += H @ params["output_weights_"][self._output_rows(layer)]
            apply_output(self.output_activation, Y)
            top_cache = (H_top, C, Y, feedback) if need_cache else None
        final = np.hstack(finals + [top_state])
        if top_cache is None:
            return Y, None, final
        return Y, (lower, top_seqs, top_cache, top_state0), final

    def gradient(self, params, seqs, cache, dO, grads, state0, workspace=NO_WORKSPACE):
        """Backpropagate ``dO`` through the top layer, then down the stack."""
        lower, top_seqs, top_cache, top_state0 = cache
        named = _Named(workspace, "stack_top_")
        self.top.gradient(self._top_params(params), top_seqs, top_cache, dO,
                          self._top_params(grads), top_state0, workspace=named)
        dZ_above = named.lent["dZ"]
        # only the rows of W_in^{l+1} that read layer l carry its gradient back
        W_above = params[f"input_weights_[{self.n_lower}]"][:self.sizes[-2]]
        for layer in reversed(range(self.n_lower)):
            X, H, h0 = lower[layer]
            dtype = H.dtype
            n = self.sizes[layer]
            if self.deep_output:
                # the output reads h^l too: dO @ W_out^l^T joins the gradient from above,
                # as more output columns of the same kernel call
                W_out = params["output_weights_"][self._output_rows(layer)]
                grads["output_weights_"][self._output_rows(layer)] = H.T @ dO
                dZ_above, W_above = np.hstack([dZ_above, dO]), np.hstack([W_above, W_out])
            dZ = workspace.empty(f"stack_dZ{layer}", H.shape, dtype)
            # the gradient at h^l_t from above, dZ^{l+1}_t @ W_in^{l+1}^T, enters the
            # kernel as an output gradient with W_in^{l+1} for output weights
            with single_threaded_blas():
                run_in_parallel([
                    partial(srn_bptt, H, np.empty((0, W_above.shape[1]), dtype=dtype),
                            np.ascontiguousarray(dZ_above), params[f"recurrent_weights_[{layer}]"],
                            np.empty((0, n), dtype=dtype), np.ascontiguousarray(W_above),
                            np.empty(0, dtype=dtype), seqs.offsets, block,
                            ACTIVATION_CODES[self.activation], ACTIVATION_CODES["identity"],
                            False, self.bptt_steps or 0, dZ,
                            np.empty((0, W_above.shape[1]), dtype=dtype))
                    for block in _blocks(seqs.offsets, seqs.order, H.shape[0] * n * n)])
            grads[f"input_weights_[{layer}]"][...] = X.T @ dZ
            grads[f"hidden_bias_[{layer}]"][...] = dZ.sum(axis=0)
            grads[f"recurrent_weights_[{layer}]"][...] = previous_rows_product(
                H, dZ, seqs.offsets, h0)
            if layer:
                below = self.sizes[layer - 1]
                dZ_above, W_above = dZ, params[f"input_weights_[{layer}]"][:below]

    def generate(self, params, state, y_last, n_steps):
        """Free-running generation (each output the next input), in one compiled call.

        Returns
        -------
        Y : ndarray of shape (n_sequences * n_steps, n_outputs)
        """
        dtype = params["input_weights_[0]"].dtype
        layout = self.layout()
        theta = np.concatenate([params[name].ravel() for name, _ in layout]).astype(dtype)
        ends = np.cumsum([0] + [int(np.prod(shape)) for _, shape in layout])
        # the layout's order: (W_in, W_rec or W_ctx, b) per layer, then W_out, b_out
        starts = np.asarray(ends[:-1], dtype=np.intp)
        state = np.array(state, dtype=dtype, order="C")
        out = np.empty((state.shape[0], n_steps, self.n_outputs), dtype=dtype)
        stacked_generate(theta, np.asarray(self.sizes, dtype=np.intp), starts,
                         self.skip_input, self.is_jordan,
                         dtype.type(self.top.context_decay), ACTIVATION_CODES[self.activation],
                         ACTIVATION_CODES[self.output_activation], state,
                         np.ascontiguousarray(y_last, dtype=dtype), out, self.deep_output)
        return out.reshape(-1, self.n_outputs)


def _with_inputs(seqs, X):
    """``seqs`` with the rows ``X`` in place of its inputs (targets, order kept)."""
    new = Sequences(X, seqs.offsets, seqs.layout, seqs.Y, seqs.per_step)
    new.__dict__["order"] = seqs.order
    new.__dict__["lengths"] = seqs.lengths
    return new


def hidden_sizes(n_hidden):
    """``n_hidden`` as a tuple of layer sizes, or a ValueError."""
    if isinstance(n_hidden, Integral) and not isinstance(n_hidden, bool):
        sizes = (n_hidden,)
    else:
        sizes = tuple(np.ravel(np.asarray(n_hidden, dtype=object)))
    if not sizes or not all(isinstance(n, Integral) and not isinstance(n, bool) and n >= 1
                            for n in sizes):
        raise ValueError("n_hidden must be a positive integer or a non-empty sequence of "
                         f"positive integers (one per layer); got {n_hidden!r}.")
    return tuple(int(n) for n in sizes)


def stacked_or_single(n_inputs, n_hidden, n_outputs, **params):
    """One :class:`SimpleRecurrentNetwork` for one layer, a stack for a tuple of sizes."""
    sizes = hidden_sizes(n_hidden)
    if len(sizes) == 1:
        params.pop("skip_connections", None)  # one layer has nothing to skip
        return SimpleRecurrentNetwork(n_inputs, sizes[0], n_outputs, **params)
    return StackedRecurrentNetwork(n_inputs, sizes, n_outputs, **params)


def srn_architecture(estimator):
    """The architecture parameters of an Elman or Jordan estimator, as compared
    by :func:`skrnn._architecture.check_architecture`.

    ``skip_connections`` shapes a stack only (one layer has nothing to skip),
    and True is 'input'.
    """
    params = architecture(estimator)
    if len(hidden_sizes(estimator.n_hidden)) == 1:
        del params["skip_connections"]
    elif params["skip_connections"] is True:
        params["skip_connections"] = "input"
    return params
