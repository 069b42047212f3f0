"""Forward pass and backpropagation through time of one LSTM layer.

The layer is the LSTM with forget gates (Gers, Schmidhuber & Cummins, 2000)
and optional peephole connections (Gers & Schmidhuber, 2000)::

    i_t = s(z_i),  z_i = a_i + h_{t-1} @ R_i + p_i * c_{t-1}
    f_t = s(z_f),  z_f = a_f + h_{t-1} @ R_f + p_f * c_{t-1}
    g_t = tanh(z_g),  z_g = a_g + h_{t-1} @ R_g
    c_t = f_t * c_{t-1} + i_t * g_t
    o_t = s(z_o),  z_o = a_o + h_{t-1} @ R_o + p_o * c_t
    h_t = o_t * tanh(c_t)

where s is the logistic function and a = x_t @ W + b is the input
projection, computed for all steps at once outside the kernel. The four
gates of a unit block sit side by side in the order [i, f, g, o] (PyTorch's
order). As in the simple recurrent kernel, the sequences of a batch advance
in lockstep in order of decreasing length, one matrix product per step for
the whole batch, and ``n_threads > 1`` runs blocks of sequences in parallel.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from cython.parallel cimport prange
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy, memset

from ._activations cimport vtanh
from ._blas cimport gemm_rm
from ._lockstep cimport _length, intp_t

from ._blocks import plan_blocks


cdef inline void _cell_forward(floating* z, const floating* c_prev, floating* c,
                               floating* tc, floating* h, const floating* p, bint peep,
                               Py_ssize_t n) noexcept nogil:
    """One step of one sequence: ``z`` holds [z_i z_f z_g z_o] and receives [i f g o].

    The logistic gates use s(z) = (1 + tanh(z / 2)) / 2, so every gate goes
    through the one vectorised tanh; i, f and g are contiguous and take one
    call. o waits for c_t when the output peephole is on.
    """
    cdef Py_ssize_t j
    cdef floating* zi = z
    cdef floating* zf = z + n
    cdef floating* zg = z + 2 * n
    cdef floating* zo = z + 3 * n
    if peep:
        for j in range(n):
            zi[j] = zi[j] + p[j] * c_prev[j]
        for j in range(n):
            zf[j] = zf[j] + p[n + j] * c_prev[j]
    for j in range(2 * n):
        z[j] = 0.5 * z[j]
    vtanh(z, 3 * n)
    for j in range(2 * n):
        z[j] = 0.5 + 0.5 * z[j]
    for j in range(n):
        c[j] = zf[j] * c_prev[j] + zi[j] * zg[j]
    if peep:
        for j in range(n):
            zo[j] = zo[j] + p[2 * n + j] * c[j]
    for j in range(n):
        zo[j] = 0.5 * zo[j]
    memcpy(tc, c, n * sizeof(floating))
    vtanh(zo, n)
    vtanh(tc, n)
    for j in range(n):
        zo[j] = 0.5 + 0.5 * zo[j]
    for j in range(n):
        h[j] = zo[j] * tc[j]


cdef inline void _cell_backward(const floating* a, const floating* c_prev,
                                const floating* tc, const floating* dh_above,
                                const floating* dh_next, floating* dc, floating* d,
                                const floating* p, bint peep, Py_ssize_t n) noexcept nogil:
    """Gradients of one step of one sequence.

    In: ``a`` the gates [i f g o], ``dh_above`` the gradient reaching h_t
    from the output or the layer above, ``dh_next`` the one from step t + 1
    (through R), ``dc`` the one reaching c_t from step t + 1. Out: ``d`` the
    gradient at [z_i z_f z_g z_o]; ``dc`` becomes the gradient reaching
    c_{t-1}.
    """
    cdef Py_ssize_t j
    cdef const floating* i = a
    cdef const floating* f = a + n
    cdef const floating* g = a + 2 * n
    cdef const floating* o = a + 3 * n
    cdef floating* di = d
    cdef floating* df = d + n
    cdef floating* dg = d + 2 * n
    cdef floating* do = d + 3 * n
    cdef floating dhj, dcj
    if peep:
        for j in range(n):
            dhj = dh_above[j] + dh_next[j]
            do[j] = dhj * tc[j] * o[j] * (1 - o[j])
            dcj = dc[j] + dhj * o[j] * (1 - tc[j] * tc[j]) + do[j] * p[2 * n + j]
            di[j] = dcj * g[j] * i[j] * (1 - i[j])
            dg[j] = dcj * i[j] * (1 - g[j] * g[j])
            df[j] = dcj * c_prev[j] * f[j] * (1 - f[j])
            dc[j] = dcj * f[j] + di[j] * p[j] + df[j] * p[n + j]
    else:
        for j in range(n):
            dhj = dh_above[j] + dh_next[j]
            do[j] = dhj * tc[j] * o[j] * (1 - o[j])
            dcj = dc[j] + dhj * o[j] * (1 - tc[j] * tc[j])
            di[j] = dcj * g[j] * i[j] * (1 - i[j])
            dg[j] = dcj * i[j] * (1 - g[j] * g[j])
            df[j] = dcj * c_prev[j] * f[j] * (1 - f[j])
            dc[j] = dcj * f[j]


cdef void _forward_block(floating[:, ::1] Z,
                         const floating[:, ::1] R,
                         const floating[:, ::1] P,
                         const intp_t[::1] offsets,
                         const intp_t* order,
                         Py_ssize_t n_seq,
                         floating[:, ::1] h_state,
                         floating[:, ::1] c_state,
                         floating[:, ::1] H,
                         floating[:, ::1] C,
                         floating[:, ::1] TC) noexcept nogil:
    """:func:`lstm_forward` over the ``n_seq`` sequences listed in ``order``."""
    cdef Py_ssize_t n = H.shape[1]
    cdef Py_ssize_t n4 = 4 * n
    cdef bint peep = P.shape[0] > 0
    cdef const floating* p = &P[0, 0] if peep else NULL
    cdef Py_ssize_t t, b, row, n_active = n_seq
    cdef Py_ssize_t t_max = _length(offsets, order[0])
    cdef floating* buf = <floating*> calloc(n_seq * n4, sizeof(floating))
    cdef floating* hbuf = <floating*> calloc(n_seq * n, sizeof(floating))
    cdef floating* cbuf = <floating*> calloc(n_seq * n, sizeof(floating))
    for b in range(n_seq):
        memcpy(&hbuf[b * n], &h_state[order[b], 0], n * sizeof(floating))
        memcpy(&cbuf[b * n], &c_state[order[b], 0], n * sizeof(floating))
    for t in range(t_max):
        while _length(offsets, order[n_active - 1]) <= t:
            n_active -= 1
        for b in range(n_active):
            row = offsets[order[b]] + t
            memcpy(&buf[b * n4], &Z[row, 0], n4 * sizeof(floating))
        gemm_rm(False, n_active, n4, n, <floating> 1, hbuf, n, &R[0, 0], n4,
                <floating> 1, buf, n4)
        for b in range(n_active):
            row = offsets[order[b]] + t
            _cell_forward(&buf[b * n4], &cbuf[b * n], &C[row, 0], &TC[row, 0], &H[row, 0],
                          p, peep, n)
            memcpy(&Z[row, 0], &buf[b * n4], n4 * sizeof(floating))
            memcpy(&hbuf[b * n], &H[row, 0], n * sizeof(floating))
            memcpy(&cbuf[b * n], &C[row, 0], n * sizeof(floating))
    for b in range(n_seq):
        memcpy(&h_state[order[b], 0], &hbuf[b * n], n * sizeof(floating))
        memcpy(&c_state[order[b], 0], &cbuf[b * n], n * sizeof(floating))
    free(buf)
    free(hbuf)
    free(cbuf)


def lstm_forward(floating[:, ::1] Z,
                 const floating[:, ::1] R,
                 const floating[:, ::1] P,
                 const intp_t[::1] offsets,
                 const intp_t[::1] order,
                 floating[:, ::1] h_state,
                 floating[:, ::1] c_state,
                 floating[:, ::1] H,
                 floating[:, ::1] C,
                 floating[:, ::1] TC,
                 int n_threads=1):
    """Run one LSTM layer over every sequence of a batch.

    Parameters
    ----------
    Z : ndarray of shape (n_steps, 4 * n_units)
        In: the input projection x_t @ W + b of every step, sequences
        stacked. Out: the gate values [i f g o].
    R : ndarray of shape (n_units, 4 * n_units)
        Recurrent weights.
    P : ndarray of shape (3, n_units) or (0, n_units)
        Peephole weights p_i, p_f, p_o; no rows for a layer without them.
    offsets : ndarray of shape (n_sequences + 1,), intp
        Sequence s occupies rows offsets[s]:offsets[s + 1]; lengths >= 1.
    order : ndarray of shape (n_sequences,), intp
        The sequences sorted by decreasing length.
    h_state, c_state : ndarray of shape (n_sequences, n_units)
        In: h_{-1} and c_{-1} of every sequence. Out: its last h and c.
    H, C, TC : ndarray of shape (n_steps, n_units)
        Out: h_t, c_t and tanh(c_t).
    n_threads : int, default=1
        Up to ``n_threads`` blocks of sequences run in parallel (OpenMP),
        each on single-threaded BLAS.
    """
    cdef intp_t[::1] members, bounds
    cdef Py_ssize_t j, n_blocks
    if order.shape[0] == 0:
        return
    members, bounds = plan_blocks(offsets, order, n_threads)
    n_blocks = bounds.shape[0] - 1
    with nogil:
        if n_blocks == 1:
            _forward_block(Z, R, P, offsets, &members[0], members.shape[0], h_state, c_state,
                           H, C, TC)
        else:
            for j in prange(n_blocks, num_threads=n_blocks, schedule="static", chunksize=1):
                _forward_block(Z, R, P, offsets, &members[bounds[j]],
                               bounds[j + 1] - bounds[j], h_state, c_state, H, C, TC)


cdef void _backward_block(const floating[:, ::1] A,
                          const floating[:, ::1] C,
                          const floating[:, ::1] TC,
                          const floating[:, ::1] c_start,
                          const floating[:, ::1] R,
                          const floating[:, ::1] P,
                          const intp_t[::1] offsets,
                          const intp_t* order,
                          Py_ssize_t n_seq,
                          const floating[:, ::1] dH,
                          Py_ssize_t bptt_steps,
                          floating[:, ::1] dZ) noexcept nogil:
    """:func:`lstm_backward` over the ``n_seq`` sequences listed in ``order``."""
    cdef Py_ssize_t n = C.shape[1]
    cdef Py_ssize_t n4 = 4 * n
    cdef bint peep = P.shape[0] > 0
    cdef const floating* p = &P[0, 0] if peep else NULL
    cdef const floating* c_prev
    cdef Py_ssize_t t, b, row, n_active = 0
    cdef Py_ssize_t t_max = _length(offsets, order[0])
    cdef floating* D = <floating*> calloc(n_seq * n4, sizeof(floating))
    cdef floating* gh = <floating*> calloc(n_seq * n, sizeof(floating))
    cdef floating* gc = <floating*> calloc(n_seq * n, sizeof(floating))
    for t in range(t_max - 1, -1, -1):
        # sequences whose last step is t join with no gradient carried in
        while n_active < n_seq and _length(offsets, order[n_active]) > t:
            n_active += 1
        if bptt_steps > 0 and (t + 1) % bptt_steps == 0:
            memset(gh, 0, n_active * n * sizeof(floating))
            memset(gc, 0, n_active * n * sizeof(floating))
        for b in range(n_active):
            row = offsets[order[b]] + t
            c_prev = &C[row - 1, 0] if t > 0 else &c_start[order[b], 0]
            _cell_backward(&A[row, 0], c_prev, &TC[row, 0], &dH[row, 0], &gh[b * n],
                           &gc[b * n], &D[b * n4], p, peep, n)
            memcpy(&dZ[row, 0], &D[b * n4], n4 * sizeof(floating))
        # the gradient reaching h_{t-1} through the recurrent weights
        gemm_rm(True, n_active, n, n4, <floating> 1, D, n4, &R[0, 0], n4,
                <floating> 0, gh, n)
    free(D)
    free(gh)
    free(gc)


def lstm_backward(const floating[:, ::1] A,
                  const floating[:, ::1] C,
                  const floating[:, ::1] TC,
                  const floating[:, ::1] c_start,
                  const floating[:, ::1] R,
                  const floating[:, ::1] P,
                  const intp_t[::1] offsets,
                  const intp_t[::1] order,
                  const floating[:, ::1] dH,
                  Py_ssize_t bptt_steps,
                  floating[:, ::1] dZ,
                  int n_threads=1):
    """Backpropagate through time one LSTM layer of :func:`lstm_forward`.

    Parameters
    ----------
    A : ndarray of shape (n_steps, 4 * n_units)
        Gate values [i f g o] from the forward pass.
    C, TC : ndarray of shape (n_steps, n_units)
        c_t and tanh(c_t) from the forward pass.
    c_start : ndarray of shape (n_sequences, n_units)
        The cell state each sequence started from.
    R, P, offsets, order
        As in :func:`lstm_forward`.
    dH : ndarray of shape (n_steps, n_units)
        Gradient of the loss reaching h_t from above (the output layer or
        the next layer), not through the recurrence.
    bptt_steps : int
        Truncation BPTT(k; k): no gradient crosses from step t + 1 to step
        t when t + 1 is a multiple of k, counted from each sequence's first
        step; 0 for full backpropagation through time.
    dZ : ndarray of shape (n_steps, 4 * n_units)
        Out: the gradient at the gate pre-activations [z_i z_f z_g z_o].
    n_threads : int, default=1
        As in :func:`lstm_forward`.
    """
    cdef intp_t[::1] members, bounds
    cdef Py_ssize_t j, n_blocks
    if order.shape[0] == 0:
        return
    members, bounds = plan_blocks(offsets, order, n_threads)
    n_blocks = bounds.shape[0] - 1
    with nogil:
        if n_blocks == 1:
            _backward_block(A, C, TC, c_start, R, P, offsets, &members[0], members.shape[0],
                            dH, bptt_steps, dZ)
        else:
            for j in prange(n_blocks, num_threads=n_blocks, schedule="static", chunksize=1):
                _backward_block(A, C, TC, c_start, R, P, offsets, &members[bounds[j]],
                                bounds[j + 1] - bounds[j], dH, bptt_steps, dZ)
