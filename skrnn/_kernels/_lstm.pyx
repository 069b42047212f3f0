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
projection. Each step starts its rows from the bias b and adds rows
[x_t, h_{t-1}] times the stacked gate weights [W; R] in one product (the
batch-invariant product of _rowgemm.h, in training as in prediction). The four
gates of a unit block sit side by side in the order [i, f, g, o] (PyTorch's
order).

The batch is packed time-major (see skrnn._packing): the rows of step t of
every running sequence are contiguous, and the sequences running at step t
are a prefix of those at step t - 1. Every operand of a step is then a block
of contiguous rows: one matrix product and one vectorised activation per step
for the whole batch, with no gathering. A call can also run one block of
sequence positions (``lo``, ``hi``), so that blocks run in parallel threads.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.stdlib cimport free
from libc.string cimport memcpy, memset

from ._activations cimport activate, vtanh
from ._alloc cimport check_taken, take
from ._blas cimport gemm_rm
from ._rowgemm cimport row_gemm

ctypedef Py_ssize_t intp_t

cdef extern from "_lstm_cell.h" nogil:
    void skrnn_lstm_cell_backward_d(const double* a, const double* c_prev, const double* tc,
                                    const double* dh_above, const double* dh_next,
                                    double* dc, double* d, const double* p, Py_ssize_t m,
                                    Py_ssize_t n)
    void skrnn_lstm_cell_backward_f(const float* a, const float* c_prev, const float* tc,
                                    const float* dh_above, const float* dh_next, float* dc,
                                    float* d, const float* p, Py_ssize_t m, Py_ssize_t n)
    void skrnn_lstm_cells_d(double* z, const double* c_prev, double* c, double* tc,
                            double* h, Py_ssize_t m, Py_ssize_t n, int keep_tc)
    void skrnn_lstm_cells_f(float* z, const float* c_prev, float* c, float* tc, float* h,
                            Py_ssize_t m, Py_ssize_t n, int keep_tc)
    void skrnn_logistic_f(float* x, Py_ssize_t n)
    void skrnn_cell_tanh_f(float* x, Py_ssize_t n)


cdef inline void _cell_forward(floating* z, const floating* c_prev, floating* c,
                               floating* tc, floating* h, const floating* p,
                               Py_ssize_t n) noexcept nogil:
    """One step of one sequence with peepholes: ``z`` holds [z_i z_f z_g z_o]
    (bias included) and receives [i f g o].

    The logistic gates use s(z) = (1 + tanh(z / 2)) / 2, so every gate goes
    through the one vectorised tanh; i, f and g are contiguous and take one
    call; o waits for c_t, which its peephole sees.
    """
    cdef Py_ssize_t j
    cdef floating* zi = z
    cdef floating* zf = z + n
    cdef floating* zg = z + 2 * n
    cdef floating* zo = z + 3 * n
    for j in range(n):
        zi[j] = 0.5 * (zi[j] + p[j] * c_prev[j])
    for j in range(n):
        zf[j] = 0.5 * (zf[j] + p[n + j] * c_prev[j])
    vtanh(z, 3 * n)
    for j in range(2 * n):
        z[j] = 0.5 + 0.5 * z[j]
    for j in range(n):
        c[j] = zf[j] * c_prev[j] + zi[j] * zg[j]
    for j in range(n):
        zo[j] = 0.5 * (zo[j] + p[2 * n + j] * c[j])
    memcpy(tc, c, n * sizeof(floating))
    vtanh(zo, n)
    vtanh(tc, n)
    for j in range(n):
        zo[j] = 0.5 + 0.5 * zo[j]
    for j in range(n):
        h[j] = zo[j] * tc[j]


cdef inline void _cells_backward(const floating* a, const floating* c_prev,
                                 const floating* tc, const floating* dh_above,
                                 const floating* dh_next, floating* dc, floating* d,
                                 const floating* p, Py_ssize_t m, Py_ssize_t n) noexcept nogil:
    """Gradients of one step of ``m`` contiguous rows (see _lstm_cell.h).

    In: ``a`` the gates [i f g o], ``dh_above`` the gradient reaching h_t
    from the output or the layer above, ``dh_next`` the one from step t + 1
    (through R), ``dc`` the one reaching c_t from step t + 1. Out: ``d`` the
    gradient at [z_i z_f z_g z_o]; ``dc`` becomes the gradient reaching
    c_{t-1}. ``p`` is NULL without peepholes.
    """
    if floating is double:
        skrnn_lstm_cell_backward_d(a, c_prev, tc, dh_above, dh_next, dc, d, p, m, n)
    else:
        skrnn_lstm_cell_backward_f(a, c_prev, tc, dh_above, dh_next, dc, d, p, m, n)


cdef inline void _cells(floating* z, const floating* c_prev, floating* c, floating* tc,
                        floating* h, Py_ssize_t m, Py_ssize_t n, bint keep_tc) noexcept nogil:
    """Gates, c_t and h_t of ``m`` contiguous rows without peepholes (_lstm_cell.h).

    ``z`` holds m rows of [z_i z_f z_g z_o] (bias included) and receives
    [i f g o]; ``tc`` receives tanh(c_t) if ``keep_tc``, else is scratch.
    """
    if floating is double:
        skrnn_lstm_cells_d(z, c_prev, c, tc, h, m, n, keep_tc)
    else:
        skrnn_lstm_cells_f(z, c_prev, c, tc, h, m, n, keep_tc)


cdef inline void _cells_forward(floating* z, const floating* c_prev, floating* c,
                                floating* tc, floating* h, const floating* p, Py_ssize_t m,
                                Py_ssize_t n) noexcept nogil:
    """Gates, c_t, tanh(c_t) and h_t of ``m`` contiguous rows; ``p`` is NULL
    without peepholes."""
    cdef Py_ssize_t r
    if p != NULL:
        for r in range(m):
            _cell_forward(z + r * 4 * n, c_prev + r * n, c + r * n, tc + r * n, h + r * n,
                          p, n)
    else:
        _cells(z, c_prev, c, tc, h, m, n, True)


cdef inline void _fill_rows(floating* dst, const floating* row, Py_ssize_t m,
                            Py_ssize_t n) noexcept nogil:
    """Each of ``m`` contiguous rows of ``n`` set to ``row`` (the bias a
    product then adds to; plain loops, not a memcpy per short row: the calls
    cost more than the copies)."""
    cdef Py_ssize_t r, j
    for r in range(m):
        for j in range(n):
            dst[r * n + j] = row[j]


cdef Py_ssize_t _tile_rows(Py_ssize_t n4, Py_ssize_t itemsize) noexcept nogil:
    """Rows of a prediction tile: gates of about 8 KiB, a multiple of the
    product's 6-row tiles, so that a tile's operands stay in the L1 cache
    from the product to h_t."""
    cdef Py_ssize_t rows = (8192 // (n4 * itemsize)) // 6 * 6
    return max(rows, 6)


cdef size_t _forward_block(const floating[:, ::1] X,
                         floating[:, ::1] XH,
                         const floating[:, ::1] G,
                         const floating[:, ::1] P,
                         const intp_t[::1] starts,
                         const floating[:, ::1] h0,
                         const floating[:, ::1] c0,
                         floating[:, ::1] H,
                         floating[:, ::1] A,
                         floating[:, ::1] C,
                         floating[:, ::1] TC,
                         floating[:, ::1] h_last,
                         floating[:, ::1] c_last,
                         const floating[:, ::1] W_out,
                         const floating[::1] b_out,
                         floating[:, ::1] Y,
                         Py_ssize_t lo,
                         Py_ssize_t hi) noexcept nogil:
    """:func:`lstm_forward` over the sequence positions lo .. hi - 1; returns 0,
    or the bytes of a scratch buffer it could not allocate (then it has
    written nothing)."""
    cdef Py_ssize_t n = H.shape[1]
    cdef Py_ssize_t n4 = 4 * n
    cdef Py_ssize_t k = G.shape[0]
    cdef Py_ssize_t n_in = k - n - 1
    cdef Py_ssize_t n_out = Y.shape[1]
    cdef Py_ssize_t width = hi - lo
    cdef bint keep = A.shape[0] > 0
    cdef bint store_h = H.shape[0] > 0
    cdef bint outputs = Y.shape[0] > 0
    cdef const floating* p = &P[0, 0] if P.shape[0] > 0 else NULL
    cdef Py_ssize_t t_max = starts.shape[0] - 1
    cdef Py_ssize_t t, r, r0, b, m, mt, n_t, n_next, row
    cdef Py_ssize_t tile = _tile_rows(n4, sizeof(floating))
    cdef const floating* hp
    cdef const floating* cp
    cdef const floating* src
    cdef const floating* bias = &G[k - 1, 0]
    cdef floating* ct
    cdef floating* ht
    cdef floating* dst
    cdef Py_ssize_t j
    # without training, a step runs in tiles of rows whose inputs
    # [x_t, h_{t-1}], gates and tanh(c_t) live in scratch buffers that stay
    # in the L1 cache; h_t and c_t alternate between two buffers of the
    # block, and the output layer runs on each tile's h_t, so that the top
    # layer writes no hidden states at all (reading them back from the
    # other thread's cache would cost more than the output layer itself)
    cdef floating* zbuf = NULL
    cdef floating* cbuf = NULL
    cdef floating* hbuf = NULL
    cdef floating* tcbuf = NULL
    cdef floating* xhbuf = NULL
    cdef size_t failed = 0
    if not keep:
        xhbuf = <floating*> take(tile * (k - 1), sizeof(floating), &failed)
        zbuf = <floating*> take(tile * n4, sizeof(floating), &failed)
        cbuf = <floating*> take(2 * width * n, sizeof(floating), &failed)
        hbuf = <floating*> take(2 * width * n, sizeof(floating), &failed)
        tcbuf = <floating*> take(tile * n, sizeof(floating), &failed)
        if failed:
            free(xhbuf)
            free(zbuf)
            free(cbuf)
            free(hbuf)
            free(tcbuf)
            return failed
    for t in range(t_max):
        n_t = starts[t + 1] - starts[t]
        if n_t <= lo:
            break
        m = min(hi, n_t) - lo
        row = starts[t] + lo
        if keep:
            # z_t = b + [x_t, h_{t-1}] @ [W; R], one product on the rows
            # kept for the gradient (their column of ones is for XH.T @ dZ).
            # The product is the batch-invariant one of prediction, not
            # BLAS, which packs both operands again at every step (7 % less
            # time at hidden 32, even at 64, 3 % more at 128); and training's
            # forward pass gives prediction's h_t bit for bit
            ct, ht = &C[row, 0], &H[row, 0]
            cp = <const floating*> &C[starts[t - 1] + lo, 0] if t > 0 else &c0[lo, 0]
            _fill_rows(&A[row, 0], bias, m, n4)
            row_gemm(m, n4, k - 1, &XH[row, 0], k, &G[0, 0], n4, &A[row, 0], n4)
            _cells_forward(&A[row, 0], cp, ct, &TC[row, 0], ht, p, m, n)
        else:
            ct = cbuf + (t % 2) * width * n
            ht = hbuf + (t % 2) * width * n
            cp = <const floating*> (cbuf + ((t + 1) % 2) * width * n) if t > 0 else &c0[lo, 0]
            hp = <const floating*> (hbuf + ((t + 1) % 2) * width * n) if t > 0 else &h0[lo, 0]
            r0 = 0
            while r0 < m:
                mt = min(tile, m - r0)
                # rows [x_t, h_{t-1}], the bias in z_t, and the
                # batch-invariant product (_rowgemm.h): a sequence predicts
                # the same, bit for bit, alone or in any batch
                for r in range(mt):
                    src = &X[row + r0 + r, 0]
                    dst = xhbuf + r * (k - 1)
                    for j in range(n_in):
                        dst[j] = src[j]
                    src = hp + (r0 + r) * n
                    dst = dst + n_in
                    for j in range(n):
                        dst[j] = src[j]
                _fill_rows(zbuf, bias, mt, n4)
                row_gemm(mt, n4, k - 1, xhbuf, k - 1, &G[0, 0], n4, zbuf, n4)
                if p != NULL:
                    _cells_forward(zbuf, cp + r0 * n, ct + r0 * n, tcbuf, ht + r0 * n, p,
                                   mt, n)
                else:
                    _cells(zbuf, cp + r0 * n, ct + r0 * n, tcbuf, ht + r0 * n, mt, n, False)
                if store_h:  # the input of the layer above
                    memcpy(&H[row + r0, 0], ht + r0 * n, mt * n * sizeof(floating))
                if outputs:  # y_t = b + h_t @ W_out, batch-invariant too
                    _fill_rows(&Y[row + r0, 0], &b_out[0], mt, n_out)
                    row_gemm(mt, n_out, n, ht + r0 * n, n, &W_out[0, 0], n_out,
                             &Y[row + r0, 0], n_out)
                r0 += mt
        n_next = starts[t + 2] - starts[t + 1] if t + 1 < t_max else 0
        # h_t of the sequences still running goes into their next row
        for b in range(lo, min(lo + m, n_next) if keep else lo):
            memcpy(&XH[starts[t + 1] + b, n_in], ht + (b - lo) * n, n * sizeof(floating))
        # the sequences whose last step is t: positions n_next .. n_t - 1
        for b in range(max(lo, n_next), lo + m):
            memcpy(&h_last[b, 0], ht + (b - lo) * n, n * sizeof(floating))
            memcpy(&c_last[b, 0], ct + (b - lo) * n, n * sizeof(floating))
    free(xhbuf)
    free(zbuf)
    free(cbuf)
    free(hbuf)
    free(tcbuf)
    return 0


def _logistic_float32(float[::1] x):
    """The logistic function of the fused prediction cell, in place (for the tests)."""
    with nogil:
        skrnn_logistic_f(&x[0], x.shape[0])


def _tanh_float32(float[::1] x):
    """The tanh of the fused float32 cell, in place (for the tests)."""
    with nogil:
        skrnn_cell_tanh_f(&x[0], x.shape[0])


def lstm_forward(const floating[:, ::1] X,
                 floating[:, ::1] XH,
                 const floating[:, ::1] G,
                 const floating[:, ::1] P,
                 const intp_t[::1] starts,
                 const floating[:, ::1] h0,
                 const floating[:, ::1] c0,
                 floating[:, ::1] H,
                 floating[:, ::1] A,
                 floating[:, ::1] C,
                 floating[:, ::1] TC,
                 floating[:, ::1] h_last,
                 floating[:, ::1] c_last,
                 const floating[:, ::1] W_out,
                 const floating[::1] b_out,
                 floating[:, ::1] Y,
                 Py_ssize_t lo=0,
                 Py_ssize_t hi=-1):
    """Run one LSTM layer over a time-major packed batch.

    Parameters
    ----------
    X : ndarray of shape (n_steps, n_in)
        The inputs x_t, packed; read only when ``A`` has no rows.
    XH : ndarray of shape (n_steps, n_in + n_units + 1) or (0, ...)
        For training: rows [x_t, h_{t-1}, 1], packed. In: the inputs x_t,
        the initial states h_{-1} in the rows of step 0, and the ones. Out:
        h_{t-1} filled in for every later step, so that ``XH.T @ dZ`` is the
        whole weight gradient. No rows for prediction.
    G : ndarray of shape (n_in + n_units + 1, 4 * n_units)
        Gate weights [W; R; b] (input, recurrent, bias), gates [i f g o].
    P : ndarray of shape (3, n_units) or (0, n_units)
        Peephole weights p_i, p_f, p_o; no rows for a layer without them.
    starts : ndarray of shape (t_max + 1,), intp
        Step t is packed rows starts[t]:starts[t + 1] (skrnn._packing).
    h0, c0 : ndarray of shape (n_sequences, n_units)
        h_{-1} and c_{-1} of every sequence, in packed position order (h0
        is read only for prediction; training finds it in ``XH``).
    H : ndarray of shape (n_steps, n_units) or (0, n_units)
        Out: h_t, packed. Prediction may give it no rows (the top layer,
        whose outputs go to ``Y``); training needs it.
    A : ndarray of shape (n_steps, 4 * n_units) or (0, 4 * n_units)
        Out: the gate values [i f g o] for backpropagation. With no rows
        (prediction), the gates, c_t and tanh(c_t) are not kept.
    C, TC : ndarray of shape (n_steps, n_units) or (0, n_units)
        Out: c_t and tanh(c_t), packed; no rows when ``A`` has none.
    h_last, c_last : ndarray of shape (n_sequences, n_units)
        Out: the last h and c of every sequence, in packed position order.
    W_out, b_out : ndarray of shape (n_units, n_outputs) and (n_outputs,)
        The output layer, read when ``Y`` has rows.
    Y : ndarray of shape (n_steps, n_outputs) or (0, n_outputs)
        Prediction only: out, b_out + h_t @ W_out of every step, packed
        (before the output activation). No rows: no output layer here.
    lo, hi : int, default=0, -1
        Run the sequence positions lo .. hi - 1 only (hi = -1: to the last);
        blocks of positions are independent and may run in parallel threads.
    """
    if starts.shape[0] < 2:
        return
    if hi < 0:
        hi = starts[1] - starts[0]
    if A.shape[0] > 0 and (H.shape[0] == 0 or Y.shape[0] > 0):
        raise ValueError("Training keeps H and runs the output layer outside the kernel.")
    cdef size_t failed
    with nogil:
        failed = _forward_block(X, XH, G, P, starts, h0, c0, H, A, C, TC, h_last, c_last,
                                W_out, b_out, Y, lo, hi)
    check_taken(failed, "lstm_forward")


cdef size_t _backward_block(const floating[:, ::1] A,
                          const floating[:, ::1] C,
                          const floating[:, ::1] TC,
                          const floating[:, ::1] c0,
                          const floating[:, ::1] R_T,
                          const floating[:, ::1] P,
                          const intp_t[::1] starts,
                          const floating[:, ::1] dH,
                          Py_ssize_t bptt_steps,
                          floating[:, ::1] dZ,
                          Py_ssize_t lo,
                          Py_ssize_t hi) noexcept nogil:
    """:func:`lstm_backward` over the sequence positions lo .. hi - 1; returns 0
    or the bytes it could not allocate, as :func:`_forward_block`."""
    cdef Py_ssize_t n = C.shape[1]
    cdef Py_ssize_t n4 = 4 * n
    cdef bint peep = P.shape[0] > 0
    cdef const floating* p = &P[0, 0] if peep else NULL
    cdef Py_ssize_t t_max = starts.shape[0] - 1
    cdef Py_ssize_t t, m, n_t, row
    cdef const floating* cp
    # the gradients carried from step t + 1 into h_t and c_t, by position;
    # a sequence whose last step is t joins with zeros (take zeroes)
    cdef size_t failed = 0
    cdef floating* gh = <floating*> take((hi - lo) * n + 1, sizeof(floating), &failed)
    cdef floating* gc = <floating*> take((hi - lo) * n + 1, sizeof(floating), &failed)
    if failed:
        free(gh)
        free(gc)
        return failed
    for t in range(t_max - 1, -1, -1):
        n_t = starts[t + 1] - starts[t]
        if n_t <= lo:
            continue
        m = min(hi, n_t) - lo
        row = starts[t] + lo
        if bptt_steps > 0 and (t + 1) % bptt_steps == 0:
            memset(gh, 0, m * n * sizeof(floating))
            memset(gc, 0, m * n * sizeof(floating))
        cp = <const floating*> &C[starts[t - 1] + lo, 0] if t > 0 else &c0[lo, 0]
        _cells_backward(&A[row, 0], cp, &TC[row, 0], &dH[row, 0], gh, gc, &dZ[row, 0], p,
                        m, n)
        # the gradient reaching h_{t-1}: dZ @ R^T through the row product of
        # _rowgemm.h (a BLAS call packed both operands again at every step,
        # which cost as much as the product: 27 % less time at hidden 32)
        memset(gh, 0, m * n * sizeof(floating))
        row_gemm(m, n, n4, &dZ[row, 0], n4, &R_T[0, 0], n, gh, n)
    free(gh)
    free(gc)
    return 0


def lstm_backward(const floating[:, ::1] A,
                  const floating[:, ::1] C,
                  const floating[:, ::1] TC,
                  const floating[:, ::1] c0,
                  const floating[:, ::1] R_T,
                  const floating[:, ::1] P,
                  const intp_t[::1] starts,
                  const floating[:, ::1] dH,
                  Py_ssize_t bptt_steps,
                  floating[:, ::1] dZ,
                  Py_ssize_t lo=0,
                  Py_ssize_t hi=-1):
    """Backpropagate through time one LSTM layer of :func:`lstm_forward`.

    Parameters
    ----------
    A : ndarray of shape (n_steps, 4 * n_units)
        Gate values [i f g o] from the forward pass, packed.
    C, TC : ndarray of shape (n_steps, n_units)
        c_t and tanh(c_t) from the forward pass, packed.
    c0 : ndarray of shape (n_sequences, n_units)
        The cell state each sequence started from, in packed position order.
    R_T : ndarray of shape (4 * n_units, n_units)
        The recurrent weights R of the gate weights [W; R; b], transposed
        (and contiguous: a step's ``dZ @ R^T`` reads its rows).
    P, starts
        As in :func:`lstm_forward`.
    dH : ndarray of shape (n_steps, n_units)
        Gradient of the loss reaching h_t from above (the output layer or
        the next layer), not through the recurrence; packed.
    bptt_steps : int
        Truncation BPTT(k; k): no gradient crosses from step t + 1 to step
        t when t + 1 is a multiple of k, counted from each sequence's first
        step; 0 for full backpropagation through time.
    dZ : ndarray of shape (n_steps, 4 * n_units)
        Out: the gradient at the gate pre-activations [z_i z_f z_g z_o].
    lo, hi : int, default=0, -1
        As in :func:`lstm_forward`.
    """
    if starts.shape[0] < 2:
        return
    if hi < 0:
        hi = starts[1] - starts[0]
    if R_T.shape[0] != 4 * C.shape[1] or R_T.shape[1] != C.shape[1]:
        raise ValueError("R_T must have shape (4 * n_units, n_units).")
    cdef size_t failed
    with nogil:
        failed = _backward_block(A, C, TC, c0, R_T, P, starts, dH, bptt_steps, dZ, lo, hi)
    check_taken(failed, "lstm_backward")


# -- population loss (gradient-free weight search) ---------------------------------

import numpy as np

from ._lanes cimport (SKRNN_LANES, lane_each, lane_gemm, lane_logistic, lane_loss, lane_losses,
                      lane_losses_weighted, lane_outputs, lane_tanh, skrnn_lane_cells_d)


cdef void _lane_cells(floating* z, const floating* c_prev, floating* c, floating* tc,
                      floating* h, const floating* p, Py_ssize_t m) noexcept nogil:
    """The cells of a block of lanes: ``z`` holds the slabs [z_i z_f z_g z_o]
    of ``m`` values each (m = units x lanes) and receives the gates; ``p``
    is the peepholes spread over the lanes (3 slabs) or NULL. As
    :func:`_cell_forward`, with the lanes' activations: in float64 with SIMD
    in one pass (_lanes.h), else in passes over the slabs."""
    cdef Py_ssize_t j
    cdef floating* zi = z
    cdef floating* zf = z + m
    cdef floating* zg = z + 2 * m
    cdef floating* zo = z + 3 * m
    if floating is double:
        if skrnn_lane_cells_d(z, c_prev, c, tc, h, p, m):
            return
    if p != NULL:
        for j in range(m):
            zi[j] = zi[j] + p[j] * c_prev[j]
        for j in range(m):
            zf[j] = zf[j] + p[m + j] * c_prev[j]
    lane_logistic(z, 2 * m)
    lane_tanh(zg, m)
    for j in range(m):
        c[j] = zf[j] * c_prev[j] + zi[j] * zg[j]
    if p != NULL:
        for j in range(m):
            zo[j] = zo[j] + p[2 * m + j] * c[j]
    memcpy(tc, c, m * sizeof(floating))
    lane_logistic(zo, m)
    lane_tanh(tc, m)
    for j in range(m):
        h[j] = zo[j] * tc[j]


def _lane_activation_float64(double[::1] x, bint logistic):
    """The lanes' float64 tanh or logistic function, in place (for the tests)."""
    with nogil:
        if logistic:
            lane_logistic(&x[0], x.shape[0])
        else:
            lane_tanh(&x[0], x.shape[0])

LANES = SKRNN_LANES


def lstm_population_loss(const floating[:, ::1] thetas,
                         const intp_t[::1] gate_starts,
                         const intp_t[::1] peephole_starts,
                         const intp_t[::1] hidden_sizes,
                         Py_ssize_t out_start,
                         const intp_t[::1] starts,
                         const floating[:, :, ::1] X,
                         const floating[:, :, ::1] T,
                         const unsigned char[:, ::1] mask,
                         const unsigned char[::1] any_target,
                         const double[:, ::1] weights,
                         double n_targets,
                         int out_activation,
                         int loss_kind,
                         Py_ssize_t lo,
                         Py_ssize_t hi,
                         double[::1] out):
    """Data loss of candidates ``lo:hi`` of a population of flat LSTM weight vectors.

    The batch comes blocked by lanes (skrnn._kernels._lane_layout): ``LANES``
    sequences side by side, one per vector lane. For each candidate, in C
    without the GIL, the gate weights of every layer are transposed once
    into scratch; then every block of sequences runs, step by step and layer
    by layer from zero states, the cell of :func:`lstm_forward` with one lane
    product (_lanes.h) [x_t, h_{t-1}] @ [W; R] + b for the four gates of the
    whole block and the gates of the whole block at once (:func:`_lane_cells`),
    and the dense output layer on the steps with a target. ``out[c]`` receives the loss of
    skrnn._losses averaged over the targets, or weighted by their weights
    (without the L2 penalty, added by the caller). A lane's arithmetic does
    not depend on the other lanes, so the result does not depend on how
    candidates or sequences are grouped.

    Parameters
    ----------
    thetas : ndarray of shape (n_candidates, n_weights)
        Flat weight vectors in the layout of LSTMNetwork.layout.
    gate_starts : ndarray of shape (n_layers,), intp
        Start of each layer's stacked gate weights [W; R; b] in a vector.
    peephole_starts : ndarray of shape (n_layers,), intp
        Start of each layer's peephole weights (3, n_l), or -1 without them.
    hidden_sizes : ndarray of shape (n_layers,), intp
    out_start : int
        Start of the output weights (n_top, n_outputs), followed by the bias.
    starts : ndarray of shape (n_blocks + 1,), intp
    X : ndarray of shape (n_slabs, n_inputs, LANES)
    T : ndarray of shape (n_slabs, n_outputs, LANES)
    mask : ndarray of shape (n_slabs, LANES), uint8
    any_target : ndarray of shape (n_slabs,), uint8
    weights : ndarray of shape (n_slabs, LANES) or (0, LANES), float64
    n_targets : float
        As in skrnn._kernels._srn.srn_population_loss.
    out_activation, loss_kind : int
        Code of the output activation; 0 squared error, 1 log loss.
    lo, hi : int
        The candidates to evaluate.
    out : ndarray of shape (n_candidates,), float64
        Out: rows lo:hi receive the losses.
    """
    cdef Py_ssize_t L = SKRNN_LANES
    cdef Py_ssize_t n_layers = hidden_sizes.shape[0]
    cdef Py_ssize_t n_blocks = starts.shape[0] - 1, n_out = T.shape[1]
    cdef Py_ssize_t n_top = hidden_sizes[n_layers - 1]
    cdef Py_ssize_t c, bk, t, layer, i, j, g, n, k, n_in, row, widest = 1
    cdef size_t failed = 0
    # per layer: the transposed gate weights (4n, k), the rows [x_t; h_{t-1}]
    # (k, L), the cell states c_{t-1} and c_t (n, L) and the peepholes
    # spread over the lanes (3 n, L), all at offsets into one buffer
    offsets = np.zeros((n_layers, 5), dtype=np.intp)
    cdef Py_ssize_t total = 0
    n_in = X.shape[1]
    for layer in range(n_layers):
        n = hidden_sizes[layer]
        k = n_in + n
        widest = max(widest, n)
        offsets[layer] = (total, total + 4 * n * k, total + 4 * n * k + k * L,
                          total + 4 * n * k + k * L + n * L,
                          total + 4 * n * k + k * L + 2 * n * L)
        total += 4 * n * k + k * L + (5 if peephole_starts[layer] >= 0 else 2) * n * L
        n_in = n
    cdef const intp_t[:, ::1] off = offsets
    cdef floating* buf = NULL
    cdef floating* Z = NULL
    cdef floating* TC = NULL
    cdef floating* Hb = NULL
    cdef floating* Y = NULL
    cdef floating* Wo = NULL
    cdef floating* Wt
    cdef floating* Al
    cdef floating* cp
    cdef floating* cn
    cdef floating* swap
    cdef floating* pl
    cdef const floating* src
    cdef const floating* pin
    cdef double loss
    cdef double* lane_totals = NULL
    cdef double* scratch = NULL
    cdef bint weighted = weights.shape[0] > 0
    if hi <= lo:
        return
    if X.shape[2] != L or T.shape[2] != L or (weighted and weights.shape[0] != X.shape[0]):
        raise ValueError("the batch is not laid out for this kernel")
    with nogil:
        buf = <floating*> take(total, sizeof(floating), &failed)
        Z = <floating*> take(4 * widest * L, sizeof(floating), &failed)
        TC = <floating*> take(widest * L, sizeof(floating), &failed)
        Hb = <floating*> take(widest * L, sizeof(floating), &failed)
        Y = <floating*> take(n_out * L, sizeof(floating), &failed)
        Wo = <floating*> take(n_out * n_top, sizeof(floating), &failed)
        lane_totals = <double*> take(L, sizeof(double), &failed)
        scratch = <double*> take(L, sizeof(double), &failed)
        if not failed:
            for c in range(lo, hi):
                src = &thetas[c, 0]
                n_in = X.shape[1]
                for layer in range(n_layers):
                    n = hidden_sizes[layer]
                    k = n_in + n
                    Wt = buf + off[layer, 0]
                    for j in range(4 * n):
                        for i in range(k):
                            Wt[j * k + i] = src[gate_starts[layer] + i * 4 * n + j]
                    if peephole_starts[layer] >= 0:
                        pl = buf + off[layer, 4]
                        pin = src + peephole_starts[layer]
                        for g in range(3 * n):
                            for i in range(L):
                                pl[g * L + i] = pin[g]
                    n_in = n
                for g in range(n_out):
                    for j in range(n_top):
                        Wo[g * n_top + j] = src[out_start + j * n_out + g]
                loss = 0
                for i in range(L):
                    lane_totals[i] = 0
                for bk in range(n_blocks):
                    # zero states: h_{-1} in the rows of A, c_{-1}
                    n_in = X.shape[1]
                    for layer in range(n_layers):
                        n = hidden_sizes[layer]
                        memset(buf + off[layer, 1], 0, ((n_in + n) * L + n * L)
                               * sizeof(floating))
                        n_in = n
                    for t in range(starts[bk + 1] - starts[bk]):
                        row = starts[bk] + t
                        n_in = X.shape[1]
                        memcpy(buf + off[0, 1], &X[row, 0, 0], n_in * L * sizeof(floating))
                        for layer in range(n_layers):
                            n = hidden_sizes[layer]
                            k = n_in + n
                            Al = buf + off[layer, 1]
                            # c_{t-1} and c_t alternate between two slabs
                            cp = buf + off[layer, 2 + t % 2]
                            cn = buf + off[layer, 2 + (t + 1) % 2]
                            lane_gemm(4 * n, k, buf + off[layer, 0],
                                      src + gate_starts[layer] + k * 4 * n, Al, Z)
                            _lane_cells(Z, cp, cn, TC, Hb, buf + off[layer, 4]
                                        if peephole_starts[layer] >= 0 else NULL, n * L)
                            memcpy(Al + n_in * L, Hb, n * L * sizeof(floating))
                            if layer + 1 < n_layers:
                                memcpy(buf + off[layer + 1, 1], Hb, n * L * sizeof(floating))
                            n_in = n
                        if any_target[row]:
                            lane_gemm(n_out, n_top, Wo, src + out_start + n_top * n_out,
                                      Hb, Y)
                            lane_outputs(out_activation, Y, n_out)
                            if weighted:
                                lane_losses_weighted(loss_kind, Y, &T[row, 0, 0], n_out,
                                                     &weights[row, 0], scratch, lane_totals)
                            else:
                                loss += lane_loss(loss_kind, Y, &T[row, 0, 0], &mask[row, 0],
                                                  n_out)
                for i in range(L):
                    loss += lane_totals[i]
                out[c] = loss / n_targets if n_targets > 0 else 0
        free(buf)
        free(Z)
        free(TC)
        free(Hb)
        free(Y)
        free(Wo)
        free(lane_totals)
        free(scratch)
    check_taken(failed, "lstm_population_loss")


def lstm_population_loss_candidates(const floating[:, ::1] thetas,
                                    const intp_t[::1] gate_starts,
                                    const intp_t[::1] peephole_starts,
                                    const intp_t[::1] hidden_sizes,
                                    Py_ssize_t out_start,
                                    const floating[:, ::1] X,
                                    const intp_t[::1] offsets,
                                    const intp_t[::1] target_of_row,
                                    const floating[:, ::1] T,
                                    const double[::1] weights,
                                    int out_activation,
                                    int loss_kind,
                                    Py_ssize_t lo,
                                    Py_ssize_t hi,
                                    double[::1] out):
    """:func:`lstm_population_loss` with the lanes across candidates, for few sequences.

    Each group of ``LANES`` candidates runs side by side, each lane with its
    own weights (the lane product of _lanes.h that reads a weight per lane),
    through the sequences one after the other, from zero states; the
    equations, the loss and ``out`` are those of :func:`lstm_population_loss`.

    Parameters
    ----------
    thetas, gate_starts, peephole_starts, hidden_sizes, out_start
        As in :func:`lstm_population_loss`.
    X : ndarray of shape (n_steps, n_inputs)
        Sequences stacked; sequence s at rows offsets[s]:offsets[s + 1].
    offsets : ndarray of shape (n_sequences + 1,), intp
    target_of_row : ndarray of shape (n_steps,), intp
        The row of ``T`` each row of ``X`` has for target, or -1.
    T : ndarray of shape (n_targets, n_outputs)
    weights : ndarray of shape (n_targets,) or (0,), float64
        The weight of each target; none for equal weights.
    out_activation, loss_kind, lo, hi, out
        As in :func:`lstm_population_loss`.
    """
    cdef Py_ssize_t L = SKRNN_LANES
    cdef Py_ssize_t n_layers = hidden_sizes.shape[0]
    cdef Py_ssize_t n_seq = offsets.shape[0] - 1, n_out = T.shape[1], n_t = T.shape[0]
    cdef Py_ssize_t n_top = hidden_sizes[n_layers - 1]
    cdef Py_ssize_t g0, m, c, l, s, t, layer, i, j, g, n, k, n_in, r, row0, widest = 1
    cdef size_t failed = 0
    # per layer: the gate weights lane by lane (4n, k, L), their biases
    # (4n, L), the rows [x_t; h_{t-1}] (k, L), the cell states c_{t-1} and c_t
    # (n, L) and the peepholes (3n, L), at offsets into one buffer
    offsets_l = np.zeros((n_layers, 6), dtype=np.intp)
    cdef Py_ssize_t total = 0
    n_in = X.shape[1]
    for layer in range(n_layers):
        n = hidden_sizes[layer]
        k = n_in + n
        widest = max(widest, n)
        offsets_l[layer, 0] = total
        offsets_l[layer, 1] = total + 4 * n * k * L
        offsets_l[layer, 2] = offsets_l[layer, 1] + 4 * n * L
        offsets_l[layer, 3] = offsets_l[layer, 2] + k * L
        offsets_l[layer, 4] = offsets_l[layer, 3] + n * L
        offsets_l[layer, 5] = offsets_l[layer, 4] + n * L
        total = offsets_l[layer, 5] + (3 * n * L if peephole_starts[layer] >= 0 else 0)
        n_in = n
    cdef const intp_t[:, ::1] off = offsets_l
    cdef floating* buf = NULL
    cdef floating* Z = NULL
    cdef floating* TC = NULL
    cdef floating* Hb = NULL
    cdef floating* Y = NULL
    cdef floating* Tl = NULL
    cdef floating* Wo = NULL
    cdef floating* bo = NULL
    cdef double* totals = NULL
    cdef double* scratch = NULL
    cdef double* w_lanes = NULL
    cdef floating* Al
    cdef floating* cp
    cdef floating* cn
    cdef const floating* src
    cdef const floating* G
    cdef bint weighted = weights.shape[0] > 0
    cdef double norm = n_t
    if hi <= lo:
        return
    if target_of_row.shape[0] != X.shape[0] or (weighted and weights.shape[0] != n_t):
        raise ValueError("the batch does not match this kernel")
    if weighted:
        norm = 0
        for r in range(n_t):
            norm += weights[r]
    with nogil:
        buf = <floating*> take(total, sizeof(floating), &failed)
        Z = <floating*> take(4 * widest * L, sizeof(floating), &failed)
        TC = <floating*> take(widest * L, sizeof(floating), &failed)
        Hb = <floating*> take(widest * L, sizeof(floating), &failed)
        Y = <floating*> take(n_out * L, sizeof(floating), &failed)
        Tl = <floating*> take(n_out * L, sizeof(floating), &failed)
        Wo = <floating*> take(n_out * n_top * L, sizeof(floating), &failed)
        bo = <floating*> take(n_out * L, sizeof(floating), &failed)
        totals = <double*> take(L, sizeof(double), &failed)
        scratch = <double*> take(L, sizeof(double), &failed)
        w_lanes = <double*> take(L, sizeof(double), &failed)
        if not failed:
            g0 = lo
            while g0 < hi:
                m = min(L, hi - g0)
                # lane l holds candidate g0 + l (the lanes past the last
                # candidate repeat it; their losses are dropped)
                for l in range(L):
                    src = &thetas[g0 + min(l, m - 1), 0]
                    n_in = X.shape[1]
                    for layer in range(n_layers):
                        n = hidden_sizes[layer]
                        k = n_in + n
                        G = src + gate_starts[layer]
                        for j in range(4 * n):
                            for i in range(k):
                                buf[off[layer, 0] + (j * k + i) * L + l] = G[i * 4 * n + j]
                            buf[off[layer, 1] + j * L + l] = G[k * 4 * n + j]
                        if peephole_starts[layer] >= 0:
                            for g in range(3 * n):
                                buf[off[layer, 5] + g * L + l] = src[peephole_starts[layer] + g]
                        n_in = n
                    for g in range(n_out):
                        for j in range(n_top):
                            Wo[(g * n_top + j) * L + l] = src[out_start + j * n_out + g]
                        bo[g * L + l] = src[out_start + n_top * n_out + g]
                    totals[l] = 0
                for s in range(n_seq):
                    row0 = offsets[s]
                    # zero states: h_{-1} in the rows of A, c_{-1}
                    n_in = X.shape[1]
                    for layer in range(n_layers):
                        n = hidden_sizes[layer]
                        memset(buf + off[layer, 2], 0, ((n_in + n) * L + n * L)
                               * sizeof(floating))
                        n_in = n
                    for t in range(offsets[s + 1] - row0):
                        n_in = X.shape[1]
                        Al = buf + off[0, 2]
                        for i in range(n_in):
                            for l in range(L):
                                Al[i * L + l] = X[row0 + t, i]
                        for layer in range(n_layers):
                            n = hidden_sizes[layer]
                            k = n_in + n
                            Al = buf + off[layer, 2]
                            cp = buf + off[layer, 3 + t % 2]
                            cn = buf + off[layer, 3 + (t + 1) % 2]
                            lane_each(4 * n, k, buf + off[layer, 0], buf + off[layer, 1], Al, Z)
                            _lane_cells(Z, cp, cn, TC, Hb, buf + off[layer, 5]
                                        if peephole_starts[layer] >= 0 else NULL, n * L)
                            memcpy(Al + n_in * L, Hb, n * L * sizeof(floating))
                            if layer + 1 < n_layers:
                                memcpy(buf + off[layer + 1, 2], Hb, n * L * sizeof(floating))
                            n_in = n
                        r = target_of_row[row0 + t]
                        if r >= 0:
                            lane_each(n_out, n_top, Wo, bo, Hb, Y)
                            lane_outputs(out_activation, Y, n_out)
                            for g in range(n_out):
                                for l in range(L):
                                    Tl[g * L + l] = T[r, g]
                            if weighted:
                                for l in range(L):
                                    w_lanes[l] = weights[r]
                                lane_losses_weighted(loss_kind, Y, Tl, n_out, w_lanes, scratch,
                                                     totals)
                            else:
                                lane_losses(loss_kind, Y, Tl, n_out, totals)
                for l in range(m):
                    out[g0 + l] = totals[l] / norm if norm > 0 else 0
                g0 += L
        free(buf)
        free(Z)
        free(TC)
        free(Hb)
        free(Y)
        free(Tl)
        free(Wo)
        free(bo)
        free(totals)
        free(scratch)
        free(w_lanes)
    check_taken(failed, "lstm_population_loss_candidates")


def lstm_generate(list gate_weights,
                  list peepholes,
                  const floating[:, ::1] W_out,
                  const floating[::1] b_out,
                  list h_states,
                  list c_states,
                  floating[:, ::1] x,
                  int out_activation,
                  floating[:, :, ::1] out):
    """Free-running generation of a stacked LSTM: each output is the next input.

    The whole loop over generated steps runs here; every step takes, for the
    ``n_seq`` sequences at once, the layers in turn and then the output layer.

    Parameters
    ----------
    gate_weights : list of ndarray of shape (n_in_l + n_l + 1, 4 * n_l)
        Stacked [W; R; b] of every layer (see skrnn._lstm.LSTMNetwork).
    peepholes : list of ndarray of shape (3, n_l) or (0, n_l)
    W_out : ndarray of shape (n_last, n_outputs)
    b_out : ndarray of shape (n_outputs,)
    h_states, c_states : list of ndarray of shape (n_seq, n_l)
        In: every layer's state after the observed steps. Out: after the
        generated ones.
    x : ndarray of shape (n_seq, n_outputs)
        In: the last output, the first generated step's input (n_outputs
        equals the first layer's inputs). Used as scratch.
    out_activation : int
        Code of the output activation (skrnn._activations).
    out : ndarray of shape (n_seq, n_steps, n_outputs)
        Out: the generated outputs.
    """
    cdef Py_ssize_t n_layers = len(gate_weights)
    cdef Py_ssize_t m = x.shape[0], n_steps = out.shape[1], n_out = W_out.shape[1]
    cdef Py_ssize_t layer, t, r, n, n_in, k, widest = 1
    cdef floating[:, ::1] view
    # raw pointers taken once: the lists keep the arrays alive
    cdef size_t failed = 0
    cdef floating** G = <floating**> take(n_layers, sizeof(floating*), &failed)
    cdef floating** Pp = <floating**> take(n_layers, sizeof(floating*), &failed)
    cdef floating** Hs = <floating**> take(n_layers, sizeof(floating*), &failed)
    cdef floating** Cs = <floating**> take(n_layers, sizeof(floating*), &failed)
    cdef Py_ssize_t* sizes = <Py_ssize_t*> take(n_layers, sizeof(Py_ssize_t), &failed)
    cdef Py_ssize_t* inputs = <Py_ssize_t*> take(n_layers, sizeof(Py_ssize_t), &failed)
    cdef floating* z = NULL
    cdef floating* c_new = NULL
    cdef floating* tc = NULL
    cdef const floating* xin
    try:
        check_taken(failed, "lstm_generate")
        for layer in range(n_layers):
            view = h_states[layer]
            Hs[layer], sizes[layer] = &view[0, 0], view.shape[1]
            view = c_states[layer]
            Cs[layer] = &view[0, 0]
            view = gate_weights[layer]
            G[layer] = &view[0, 0]
            inputs[layer] = view.shape[0] - sizes[layer] - 1
            view = peepholes[layer]
            Pp[layer] = &view[0, 0] if view.shape[0] > 0 else NULL
            widest = max(widest, sizes[layer])
        z = <floating*> take(m * 4 * widest, sizeof(floating), &failed)
        c_new = <floating*> take(m * widest, sizeof(floating), &failed)
        tc = <floating*> take(m * widest, sizeof(floating), &failed)
        check_taken(failed, "lstm_generate")
        with nogil:
            for t in range(n_steps):
                xin = &x[0, 0]
                for layer in range(n_layers):
                    n, n_in = sizes[layer], inputs[layer]
                    k = n_in + n + 1
                    # z = x @ W + h @ R + b, the bias row first
                    for r in range(m):
                        memcpy(z + r * 4 * n, G[layer] + (k - 1) * 4 * n,
                               4 * n * sizeof(floating))
                    gemm_rm(False, m, 4 * n, n_in, <floating> 1, xin, n_in, G[layer], 4 * n,
                            <floating> 1, z, 4 * n)
                    gemm_rm(False, m, 4 * n, n, <floating> 1, Hs[layer], n,
                            G[layer] + n_in * 4 * n, 4 * n, <floating> 1, z, 4 * n)
                    # h is no longer read: the gates write the new one in place
                    if Pp[layer] != NULL:
                        for r in range(m):
                            _cell_forward(z + r * 4 * n, Cs[layer] + r * n, c_new + r * n,
                                          tc + r * n, Hs[layer] + r * n, Pp[layer], n)
                    else:
                        _cells(z, Cs[layer], c_new, tc, Hs[layer], m, n, False)
                    memcpy(Cs[layer], c_new, m * n * sizeof(floating))
                    xin = Hs[layer]
                n = sizes[n_layers - 1]
                for r in range(m):
                    memcpy(&out[r, t, 0], &b_out[0], n_out * sizeof(floating))
                gemm_rm(False, m, n_out, n, <floating> 1, xin, n, &W_out[0, 0], n_out,
                        <floating> 1, &out[0, t, 0], n_steps * n_out)
                for r in range(m):
                    activate(out_activation, &out[r, t, 0], 1, n_out)
                    memcpy(&x[r, 0], &out[r, t, 0], n_out * sizeof(floating))
    finally:
        free(G)
        free(Pp)
        free(Hs)
        free(Cs)
        free(sizes)
        free(inputs)
        free(z)
        free(c_new)
        free(tc)
