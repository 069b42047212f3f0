"""Forward pass and backpropagation through time of continuous-time recurrent networks.

The network integrates Beer's equation ``tau dy/dt = -y + f(y + theta) @ W + I``
over discrete steps. Every step has the form

    y_t = y_{t-1} + a_t * (s_t - y_{t-1}),   s_t = f(y_{t-1} + theta) @ W + I_t

where the step factor a_t (per unit) is dt / tau for a forward Euler step and
1 - exp(-dt_t / tau) for a step that integrates the decay exactly; the caller
computes it, so the same kernels serve both and any elapsed time per step.
As in the simple recurrent networks' kernel, the sequences of a batch advance
in lockstep, ordered by decreasing length, one matrix product per step for
the whole batch.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.stdlib cimport free
from libc.string cimport memcpy, memset

from ._activations cimport activate, scale_by_derivative
from ._alloc cimport check_taken, take
from ._blas cimport gemm_rm
from ._lockstep cimport _length, intp_t


cdef inline void _rates(int activation, const floating* y, const floating* theta,
                        floating* r, Py_ssize_t n_rows, Py_ssize_t n_hidden) noexcept nogil:
    """r = f(y + theta) over a (n_rows, n_hidden) block."""
    cdef Py_ssize_t b, k
    for b in range(n_rows):
        for k in range(n_hidden):
            r[b * n_hidden + k] = y[b * n_hidden + k] + theta[k]
    activate(activation, r, n_rows, n_hidden)


cdef inline Py_ssize_t _chunk(Py_ssize_t n_hidden) noexcept nogil:
    """Sequences run together: their state buffers (a few of n_chunk x n_hidden)
    stay in cache for the whole time loop. Sequences never interact, so a
    large batch runs as consecutive chunks; at 512 sequences of hidden 64 a
    single chunk ran 4x slower per sequence than chunks of 64."""
    return max(4, 4096 // n_hidden)


cdef void _forward_block(const floating[:, ::1] I,
                         const floating[:, ::1] A,
                         const floating[:, ::1] W,
                         const floating[::1] theta,
                         const intp_t[::1] offsets,
                         const intp_t* order,
                         Py_ssize_t n_seq,
                         floating[:, ::1] y_state,
                         int activation,
                         const floating[:, ::1] W_out,
                         const floating[::1] b_out,
                         int out_activation,
                         floating[:, ::1] S,
                         floating[:, ::1] R,
                         floating[:, ::1] Y,
                         floating* ybuf,
                         floating* rbuf,
                         floating* zbuf,
                         floating* obuf) noexcept nogil:
    """:func:`ctrnn_forward` over the ``n_seq`` sequences of ``order``, in the
    caller's scratch (``n_seq`` rows of n_hidden each, ``obuf`` of n_outputs)."""
    cdef Py_ssize_t n_hidden = W.shape[0]
    cdef Py_ssize_t n_out = W_out.shape[1]
    cdef bint per_step = A.shape[0] > 1
    cdef bint keep = S.shape[0] > 0
    cdef bint outputs = Y.shape[0] > 0
    cdef Py_ssize_t t, b, k, row, t_max, n_active
    cdef const floating* a
    cdef floating* y
    cdef floating* z
    t_max = _length(offsets, order[0])
    for b in range(n_seq):
        memcpy(&ybuf[b * n_hidden], &y_state[order[b], 0], n_hidden * sizeof(floating))
    _rates(activation, ybuf, &theta[0], rbuf, n_seq, n_hidden)
    n_active = n_seq
    for t in range(t_max):
        while _length(offsets, order[n_active - 1]) <= t:
            n_active -= 1
        # z = I_t + r_{t-1} @ W: the drive s_t of every active sequence
        for b in range(n_active):
            row = offsets[order[b]] + t
            memcpy(&zbuf[b * n_hidden], &I[row, 0], n_hidden * sizeof(floating))
        gemm_rm(False, n_active, n_hidden, n_hidden, <floating> 1, rbuf, <int> n_hidden,
                &W[0, 0], <int> n_hidden, <floating> 1, zbuf, <int> n_hidden)
        for b in range(n_active):
            row = offsets[order[b]] + t
            a = &A[row, 0] if per_step else &A[0, 0]
            y = &ybuf[b * n_hidden]
            z = &zbuf[b * n_hidden]
            for k in range(n_hidden):
                y[k] = y[k] + a[k] * (z[k] - y[k])
            if keep:
                memcpy(&S[row, 0], y, n_hidden * sizeof(floating))
        _rates(activation, ybuf, &theta[0], rbuf, n_active, n_hidden)
        if keep:
            for b in range(n_active):
                row = offsets[order[b]] + t
                memcpy(&R[row, 0], &rbuf[b * n_hidden], n_hidden * sizeof(floating))
        if outputs:  # prediction: the outputs here, on rates still in cache
            for b in range(n_active):
                memcpy(&obuf[b * n_out], &b_out[0], n_out * sizeof(floating))
            gemm_rm(False, n_active, n_out, n_hidden, <floating> 1, rbuf, <int> n_hidden,
                    &W_out[0, 0], <int> n_out, <floating> 1, obuf, <int> n_out)
            activate(out_activation, obuf, n_active, n_out)
            for b in range(n_active):
                row = offsets[order[b]] + t
                memcpy(&Y[row, 0], &obuf[b * n_out], n_out * sizeof(floating))
    for b in range(n_seq):
        memcpy(&y_state[order[b], 0], &ybuf[b * n_hidden], n_hidden * sizeof(floating))


def ctrnn_forward(const floating[:, ::1] I,
                  const floating[:, ::1] A,
                  const floating[:, ::1] W,
                  const floating[::1] theta,
                  const intp_t[::1] offsets,
                  const intp_t[::1] order,
                  floating[:, ::1] y_state,
                  int activation,
                  const floating[:, ::1] W_out,
                  const floating[::1] b_out,
                  int out_activation,
                  floating[:, ::1] S,
                  floating[:, ::1] R,
                  floating[:, ::1] Y):
    """Integrate a continuous-time recurrent network over every sequence of a batch.

    For each sequence, with y starting from ``y_state``::

        s_t = f(y_{t-1} + theta) @ W + I_t
        y_t = y_{t-1} + a_t * (s_t - y_{t-1})
        r_t = f(y_t + theta)

    Parameters
    ----------
    I : ndarray of shape (n_steps, n_hidden)
        External input x_t @ W_in of every step, sequences stacked.
    A : ndarray of shape (n_steps, n_hidden) or (1, n_hidden)
        Step factors a_t; one row is used for every step.
    W : ndarray of shape (n_hidden, n_hidden)
        Recurrent weights, ``W[j, i]`` from unit j to unit i.
    theta : ndarray of shape (n_hidden,)
        Biases inside the activation.
    offsets : ndarray of shape (n_sequences + 1,), intp
        Sequence s occupies rows ``offsets[s]:offsets[s + 1]``.
    order : ndarray of shape (n_block,), intp
        The sequences to run, by decreasing length.
    y_state : ndarray of shape (n_sequences, n_hidden)
        In: the states before the first step. Out: after the last one
        (rows of ``order`` only).
    activation : int
        Code of f (skrnn._activations.ACTIVATION_CODES).
    W_out : ndarray of shape (n_hidden, n_outputs)
    b_out : ndarray of shape (n_outputs,)
    out_activation : int
        Code of the output activation g.
    S : ndarray of shape (n_steps, n_hidden) or (0, n_hidden)
        Out: the states y_t (not kept with zero rows).
    R : ndarray of shape (n_steps, n_hidden) or (0, n_hidden)
        Out: the firing rates r_t (not kept with zero rows).
    Y : ndarray of shape (n_steps, n_outputs) or (0, n_outputs)
        Out, with rows: the outputs g(r_t @ W_out + b_out), computed in the
        loop (prediction keeps no states).
    """
    cdef Py_ssize_t start = 0, n = order.shape[0], chunk = _chunk(W.shape[0])
    cdef Py_ssize_t m = min(chunk, n), n_hidden = W.shape[0]
    cdef size_t failed = 0
    cdef floating* ybuf
    cdef floating* rbuf
    cdef floating* zbuf
    cdef floating* obuf
    with nogil:
        # scratch for the largest chunk, taken before any chunk writes
        ybuf = <floating*> take(m * n_hidden, sizeof(floating), &failed)
        rbuf = <floating*> take(m * n_hidden, sizeof(floating), &failed)
        zbuf = <floating*> take(m * n_hidden, sizeof(floating), &failed)
        obuf = <floating*> take(m * W_out.shape[1] + 1, sizeof(floating), &failed)
        while start < n and not failed:
            _forward_block(I, A, W, theta, offsets, &order[start], min(chunk, n - start),
                           y_state, activation, W_out, b_out, out_activation, S, R, Y,
                           ybuf, rbuf, zbuf, obuf)
            start += chunk
        free(ybuf)
        free(rbuf)
        free(zbuf)
        free(obuf)
    check_taken(failed, "ctrnn_forward")


cdef void _bptt_block(const floating[:, ::1] R,
                      const floating[:, ::1] A,
                      const floating[:, ::1] dR,
                      const floating[:, ::1] W,
                      const intp_t[::1] offsets,
                      const intp_t* order,
                      Py_ssize_t n_seq,
                      int activation,
                      Py_ssize_t bptt_steps,
                      floating[:, ::1] G,
                      floating[:, ::1] Qz,
                      floating* ebuf,
                      floating* cbuf,
                      floating* qbuf) noexcept nogil:
    """:func:`ctrnn_bptt` over the ``n_seq`` sequences of ``order``, in the
    caller's scratch (``n_seq`` rows of n_hidden each).

    ``ebuf`` holds e_{t+1} = g_{t+1} * a_{t+1}, the gradient at the drive
    s_{t+1}; ``cbuf`` holds g_{t+1} * (1 - a_{t+1}), the leak's path to y_t.
    """
    cdef Py_ssize_t n_hidden = W.shape[0]
    cdef bint per_step = A.shape[0] > 1
    cdef Py_ssize_t t, b, k, row, t_max, n_active
    cdef const floating* a
    cdef floating* q
    cdef floating g
    t_max = _length(offsets, order[0])
    # a sequence joins with no gradient carried in
    memset(ebuf, 0, n_seq * n_hidden * sizeof(floating))
    memset(cbuf, 0, n_seq * n_hidden * sizeof(floating))
    n_active = 0
    for t in range(t_max - 1, -1, -1):
        # sequences whose last step is t join with no gradient carried in
        while n_active < n_seq and _length(offsets, order[n_active]) > t:
            n_active += 1
        if bptt_steps > 0 and (t + 1) % bptt_steps == 0:
            memset(ebuf, 0, n_active * n_hidden * sizeof(floating))
            memset(cbuf, 0, n_active * n_hidden * sizeof(floating))
        # q_t = dR_t + e_{t+1} @ W^T: gradient at the rates r_t
        for b in range(n_active):
            row = offsets[order[b]] + t
            memcpy(&qbuf[b * n_hidden], &dR[row, 0], n_hidden * sizeof(floating))
        gemm_rm(True, n_active, n_hidden, n_hidden, <floating> 1, ebuf, <int> n_hidden,
                &W[0, 0], <int> n_hidden, <floating> 1, qbuf, <int> n_hidden)
        for b in range(n_active):
            row = offsets[order[b]] + t
            q = &qbuf[b * n_hidden]
            scale_by_derivative(activation, q, &R[row, 0], n_hidden)
            memcpy(&Qz[row, 0], q, n_hidden * sizeof(floating))
            a = &A[row, 0] if per_step else &A[0, 0]
            for k in range(n_hidden):
                g = q[k] + cbuf[b * n_hidden + k]
                G[row, k] = g
                ebuf[b * n_hidden + k] = g * a[k]
                cbuf[b * n_hidden + k] = g - g * a[k]


def ctrnn_bptt(const floating[:, ::1] R,
               const floating[:, ::1] A,
               const floating[:, ::1] dR,
               const floating[:, ::1] W,
               const intp_t[::1] offsets,
               const intp_t[::1] order,
               int activation,
               Py_ssize_t bptt_steps,
               floating[:, ::1] G,
               floating[:, ::1] Qz):
    """Backpropagate through time the recurrence of :func:`ctrnn_forward`.

    Going backwards over each sequence, with e_{T+1} = 0 and g_{T+1} = 0::

        q_t = dR_t + e_{t+1} @ W^T          (gradient at r_t)
        qz_t = q_t * f'(y_t + theta)        (gradient at y_t + theta)
        g_t = qz_t + (1 - a_{t+1}) * g_{t+1}    (gradient at y_t)
        e_t = a_t * g_t                     (gradient at the drive s_t)

    With ``bptt_steps = k > 0`` no gradient crosses from step t + 1 to step
    t when t + 1 is a multiple of k (truncated BPTT(k; k), counted from each
    sequence's first step). The caller forms the weight gradients from G:
    ``dW_in = X^T E``, ``dW = R_{t-1}^T E``, ``dtheta = sum qz_t`` (plus the
    initial state's rates), and the time constants' from ``g_t (y_t - y_{t-1})``.

    Parameters
    ----------
    R : ndarray of shape (n_steps, n_hidden)
        Firing rates r_t from the forward pass.
    A, W, offsets, order, activation
        As in :func:`ctrnn_forward`.
    dR : ndarray of shape (n_steps, n_hidden)
        Gradient of the loss with respect to r_t through the outputs alone.
    bptt_steps : int
        Truncation length; 0 for full backpropagation through time.
    G : ndarray of shape (n_steps, n_hidden)
        Out: gradient g_t with respect to the states y_t.
    Qz : ndarray of shape (n_steps, n_hidden)
        Out: gradient qz_t with respect to y_t + theta.
    """
    cdef Py_ssize_t start = 0, n = order.shape[0], chunk = _chunk(W.shape[0])
    cdef Py_ssize_t m = min(chunk, n), n_hidden = W.shape[0]
    cdef size_t failed = 0
    cdef floating* ebuf
    cdef floating* cbuf
    cdef floating* qbuf
    with nogil:
        # scratch for the largest chunk, taken before any chunk writes
        ebuf = <floating*> take(m * n_hidden, sizeof(floating), &failed)
        cbuf = <floating*> take(m * n_hidden, sizeof(floating), &failed)
        qbuf = <floating*> take(m * n_hidden, sizeof(floating), &failed)
        while start < n and not failed:
            _bptt_block(R, A, dR, W, offsets, &order[start], min(chunk, n - start),
                        activation, bptt_steps, G, Qz, ebuf, cbuf, qbuf)
            start += chunk
        free(ebuf)
        free(cbuf)
        free(qbuf)
    check_taken(failed, "ctrnn_bptt")


def ctrnn_generate(const floating[:, ::1] W_in,
                   const floating[::1] a,
                   const floating[:, ::1] W,
                   const floating[::1] theta,
                   const floating[:, ::1] W_out,
                   const floating[::1] b_out,
                   int activation,
                   int out_activation,
                   Py_ssize_t substeps,
                   floating[:, ::1] y_state,
                   const floating[:, ::1] x_last,
                   floating[:, :, ::1] out):
    """Run a continuous-time recurrent network free, each output the next input.

    Every generated step integrates ``substeps`` steps of :func:`ctrnn_forward`
    with the input x held (its drive ``x @ W_in`` computed once), then reads
    the output, which is the next step's x::

        s = f(y + theta) @ W + x @ W_in,   y <- y + a * (s - y)   (substeps times)
        x <- g(f(y + theta) @ W_out + b_out)

    Parameters
    ----------
    W_in : ndarray of shape (n_outputs, n_hidden)
        Input weights (the input is the fed-back output).
    a : ndarray of shape (n_hidden,)
        Step factors of a regular (sub-)step.
    W, theta, activation, W_out, b_out, out_activation
        As in :func:`ctrnn_forward`.
    substeps : int
        Integration steps per generated step (at least 1).
    y_state : ndarray of shape (n_sequences, n_hidden)
        In: the states after the observed history. Out: after generation.
    x_last : ndarray of shape (n_sequences, n_outputs)
        The last observed output, the first generated step's input.
    out : ndarray of shape (n_sequences, n_steps, n_outputs)
        Out: the generated outputs.
    """
    cdef Py_ssize_t n = y_state.shape[0], n_hidden = W.shape[0], n_out = W_out.shape[1]
    cdef Py_ssize_t n_steps = out.shape[1], chunk = _chunk(n_hidden)
    cdef Py_ssize_t m = min(chunk, n), first = 0, n_seq, t, s, b, k
    cdef size_t failed = 0
    cdef floating* ybuf
    cdef floating* rbuf
    cdef floating* zbuf
    cdef floating* dbuf
    cdef floating* obuf
    cdef floating* y
    cdef floating* z
    with nogil:
        ybuf = <floating*> take(m * n_hidden, sizeof(floating), &failed)
        rbuf = <floating*> take(m * n_hidden, sizeof(floating), &failed)
        zbuf = <floating*> take(m * n_hidden, sizeof(floating), &failed)
        dbuf = <floating*> take(m * n_hidden, sizeof(floating), &failed)
        obuf = <floating*> take(m * n_out + 1, sizeof(floating), &failed)
        # sequences first:first + n_seq at a time, their buffers kept in cache
        while first < n and not failed:
            n_seq = min(chunk, n - first)
            for b in range(n_seq):
                memcpy(&ybuf[b * n_hidden], &y_state[first + b, 0],
                       n_hidden * sizeof(floating))
                memcpy(&obuf[b * n_out], &x_last[first + b, 0], n_out * sizeof(floating))
            _rates(activation, ybuf, &theta[0], rbuf, n_seq, n_hidden)
            for t in range(n_steps):
                # the last output is this step's input, its drive held over the sub-steps
                gemm_rm(False, <int> n_seq, <int> n_hidden, <int> n_out, <floating> 1, obuf,
                        <int> n_out, &W_in[0, 0], <int> n_hidden, <floating> 0, dbuf,
                        <int> n_hidden)
                for s in range(substeps):
                    memcpy(zbuf, dbuf, n_seq * n_hidden * sizeof(floating))
                    gemm_rm(False, <int> n_seq, <int> n_hidden, <int> n_hidden, <floating> 1,
                            rbuf, <int> n_hidden, &W[0, 0], <int> n_hidden, <floating> 1,
                            zbuf, <int> n_hidden)
                    for b in range(n_seq):
                        y = &ybuf[b * n_hidden]
                        z = &zbuf[b * n_hidden]
                        for k in range(n_hidden):
                            y[k] = y[k] + a[k] * (z[k] - y[k])
                    _rates(activation, ybuf, &theta[0], rbuf, n_seq, n_hidden)
                for b in range(n_seq):
                    memcpy(&obuf[b * n_out], &b_out[0], n_out * sizeof(floating))
                gemm_rm(False, <int> n_seq, <int> n_out, <int> n_hidden, <floating> 1, rbuf,
                        <int> n_hidden, &W_out[0, 0], <int> n_out, <floating> 1, obuf,
                        <int> n_out)
                activate(out_activation, obuf, n_seq, n_out)
                for b in range(n_seq):
                    memcpy(&out[first + b, t, 0], &obuf[b * n_out], n_out * sizeof(floating))
            for b in range(n_seq):
                memcpy(&y_state[first + b, 0], &ybuf[b * n_hidden],
                       n_hidden * sizeof(floating))
            first += chunk
        free(ybuf)
        free(rbuf)
        free(zbuf)
        free(dbuf)
        free(obuf)
    check_taken(failed, "ctrnn_generate")
