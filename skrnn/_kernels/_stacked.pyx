"""Free-running generation of stacked simple recurrent layers, each output the next input.

Training and prediction of a stack run the simple recurrent networks' kernel
layer by layer over the whole batch; generation cannot, since every step's
input is the output of the step before, which has crossed every layer. This
kernel runs the whole stack one step at a time, all sequences together, one
matrix product per weight matrix and step.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.stdlib cimport free
from libc.string cimport memcpy

from ._activations cimport activate
from ._alloc cimport check_taken, take
from ._blas cimport gemm_rm
from ._lockstep cimport intp_t


cdef inline void _add_product(Py_ssize_t n_seq, Py_ssize_t n, Py_ssize_t k,
                              const floating* A, Py_ssize_t lda,
                              const floating* B, floating* Z) noexcept nogil:
    """Z (n_seq, n) += A (n_seq, k; rows lda apart) @ B (k, n)."""
    gemm_rm(False, <int> n_seq, <int> n, <int> k, <floating> 1, A, <int> lda, B, <int> n,
            <floating> 1, Z, <int> n)


cdef inline void _fill_rows(floating* Z, const floating* b, Py_ssize_t n_seq,
                            Py_ssize_t n) noexcept nogil:
    """Every row of Z (n_seq, n) set to ``b``."""
    cdef Py_ssize_t i
    for i in range(n_seq):
        memcpy(&Z[i * n], b, n * sizeof(floating))


def stacked_generate(const floating[::1] theta,
                     const intp_t[::1] sizes,
                     const intp_t[::1] starts,
                     bint skip_connections,
                     bint jordan,
                     floating context_decay,
                     int activation,
                     int out_activation,
                     floating[:, ::1] state,
                     const floating[:, ::1] x_last,
                     floating[:, :, ::1] out,
                     bint deep_output=False):
    """Run a stack free for ``out.shape[1]`` steps, each output the next input.

    Layer l (of L) at each step, from the input up, with h^{-1} = x::

        h^l = f([h^{l-1}, x] @ W_in^l + h^l @ W_rec^l + b^l)   (x only with skip connections)

    the top layer's recurrence being Jordan's ``c @ W_ctx`` when ``jordan``,
    with ``c <- context_decay * c + y`` after the output; then
    ``y = g(h^L @ W_out + b_out)`` becomes the next step's x (so the network
    has as many inputs as outputs). With ``deep_output`` (Elman layers only)
    the output reads every layer, ``y = g([h^0, ..., h^L] @ W_out + b_out)``.

    Parameters
    ----------
    theta : ndarray of shape (n_weights,)
        Every weight, in the layout's order.
    sizes : ndarray of shape (n_layers,), intp
        Units per layer, from the input up.
    starts : ndarray of shape (3 * n_layers + 2,), intp
        Where in ``theta`` each matrix starts (row-major): per layer W_in,
        W_rec (W_ctx for a Jordan top) and the bias; then W_out and b_out.
    skip_connections : bool
        Whether the input also feeds every layer above the first (the last
        n_inputs rows of its W_in).
    jordan : bool
        Whether the top layer's context is its decaying past outputs.
    context_decay : float
        Jordan's decay of the context.
    activation, out_activation : int
        Codes of the hidden and output activations.
    state : ndarray of shape (n_sequences, state_size)
        In: every layer's state after the history (the lower layers' hidden
        states, then the top layer's hidden state or context). Out: after
        generation.
    x_last : ndarray of shape (n_sequences, n_outputs)
        The last output, the first generated step's input.
    out : ndarray of shape (n_sequences, n_steps, n_outputs)
        Out: the generated outputs.
    deep_output : bool, default=False
        Whether W_out reads every layer's units (its rows bottom up, as the
        state's columns) rather than the top layer's; not with ``jordan``.
    """
    cdef Py_ssize_t n_seq = state.shape[0], n_steps = out.shape[1]
    cdef Py_ssize_t n_out = x_last.shape[1], n_layers = sizes.shape[0]
    cdef Py_ssize_t ld = state.shape[1], n_max = 0, t, i, k, l, n, below, offset
    cdef Py_ssize_t top = n_layers - 1, n_top = sizes[n_layers - 1]
    cdef size_t failed = 0
    cdef floating* xbuf
    cdef floating* zbuf
    cdef const floating* w = &theta[0]
    cdef floating* c
    for l in range(n_layers):
        n_max = max(n_max, sizes[l])
    with nogil:
        xbuf = <floating*> take(n_seq * n_out + 1, sizeof(floating), &failed)
        zbuf = <floating*> take(n_seq * n_max + 1, sizeof(floating), &failed)
        if not failed and n_seq > 0:
            for i in range(n_seq):
                memcpy(&xbuf[i * n_out], &x_last[i, 0], n_out * sizeof(floating))
            for t in range(n_steps):
                offset, below = 0, 0
                for l in range(n_layers):
                    n = sizes[l]
                    _fill_rows(zbuf, w + starts[3 * l + 2], n_seq, n)
                    if l == 0:
                        _add_product(n_seq, n, n_out, xbuf, n_out, w + starts[0], zbuf)
                    else:  # the layer below, already at this step
                        _add_product(n_seq, n, below, &state[0, offset - below], ld,
                                     w + starts[3 * l], zbuf)
                        if skip_connections:
                            _add_product(n_seq, n, n_out, xbuf, n_out,
                                         w + starts[3 * l] + below * n, zbuf)
                    if l == top and jordan:
                        _add_product(n_seq, n, n_out, &state[0, offset], ld,
                                     w + starts[3 * l + 1], zbuf)
                    else:  # its own state, still the last step's
                        _add_product(n_seq, n, n, &state[0, offset], ld,
                                     w + starts[3 * l + 1], zbuf)
                    activate(activation, zbuf, n_seq, n)
                    if not (l == top and jordan):
                        for i in range(n_seq):
                            memcpy(&state[i, offset], &zbuf[i * n], n * sizeof(floating))
                        offset += n
                    below = n
                # the output, from the top layer's units (left in zbuf), or from
                # every layer's, all in the state by now
                _fill_rows(xbuf, w + starts[3 * n_layers + 1], n_seq, n_out)
                if deep_output:
                    _add_product(n_seq, n_out, ld, &state[0, 0], ld,
                                 w + starts[3 * n_layers], xbuf)
                else:
                    _add_product(n_seq, n_out, n_top, zbuf, n_top, w + starts[3 * n_layers],
                                 xbuf)
                activate(out_activation, xbuf, n_seq, n_out)
                for i in range(n_seq):
                    memcpy(&out[i, t, 0], &xbuf[i * n_out], n_out * sizeof(floating))
                    if jordan:
                        c = &state[i, offset]
                        for k in range(n_out):
                            c[k] = context_decay * c[k] + xbuf[i * n_out + k]
        free(xbuf)
        free(zbuf)
    check_taken(failed, "stacked_generate")
