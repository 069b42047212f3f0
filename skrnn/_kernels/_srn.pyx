"""Forward pass and backpropagation through time of simple recurrent networks.

One kernel serves Elman's network (hidden-to-hidden recurrence), Jordan's
network (output-to-context feedback with self-decay) and free-running
generation (outputs fed back as inputs). Every sequence of a batch advances in
lockstep: the sequences are visited in order of decreasing length, so that the
ones still running at step t are the first ``n_active`` rows of the state
buffers, and each step costs one matrix product per weight matrix for the
whole batch. Sequences never interact, so a batch can be cut into blocks of
sequences (``order`` lists the block's) that run in parallel threads.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.stdlib cimport free
from libc.string cimport memcpy, memset

from ._alloc cimport check_taken, take
from ._activations cimport LOGISTIC, SOFTMAX, activate, scale_by_derivative
from ._blas cimport gemm_rm
from ._rowgemm cimport row_gemm
from ._lockstep cimport _consecutive, _length, intp_t


cdef inline void _gather_states(const intp_t* order, Py_ssize_t n_seq,
                                const floating[:, ::1] h_state,
                                const floating[:, ::1] c_state,
                                floating* hbuf, floating* cbuf) noexcept nogil:
    """The block's starting states, in ``order``, into contiguous rows."""
    cdef Py_ssize_t b, n_hidden = h_state.shape[1], n_context = c_state.shape[1]
    for b in range(n_seq):
        memcpy(&hbuf[b * n_hidden], &h_state[order[b], 0], n_hidden * sizeof(floating))
        if n_context > 0:
            memcpy(&cbuf[b * n_context], &c_state[order[b], 0],
                   n_context * sizeof(floating))


cdef inline void _feed_context(floating* c, const floating* v, const floating[::1] mu,
                               Py_ssize_t n_context, Py_ssize_t n_out) noexcept nogil:
    """Jordan's context step c[k] = mu[k] c[k] + v[k mod n_out] of one sequence."""
    cdef Py_ssize_t k
    for k in range(n_context):
        c[k] = mu[k] * c[k] + v[k % n_out]


cdef size_t _forward_block(const floating[:, ::1] U,
                         const floating[::1] b_h,
                         const floating[:, ::1] W_rec,
                         const floating[:, ::1] W_ctx,
                         const floating[:, ::1] W_out,
                         const floating[::1] b_out,
                         const floating[::1] mu,
                         const intp_t[::1] offsets,
                         const intp_t* order,
                         Py_ssize_t n_seq,
                         floating[:, ::1] h_state,
                         floating[:, ::1] c_state,
                         const floating[:, ::1] forced,
                         int activation,
                         int out_activation,
                         floating[:, ::1] H,
                         floating[:, ::1] C,
                         floating[:, ::1] Y) noexcept nogil:
    """:func:`srn_forward` over the ``n_seq`` sequences listed in ``order``.

    Returns 0, or the bytes of a scratch buffer it could not allocate (then
    it has written nothing).
    """
    cdef Py_ssize_t n_hidden = H.shape[1]
    cdef Py_ssize_t n_context = W_ctx.shape[0]
    cdef Py_ssize_t n_out = W_out.shape[1]
    cdef bint has_rec = W_rec.shape[0] > 0
    cdef bint has_ctx = n_context > 0
    cdef bint forcing = forced.shape[0] > 0
    cdef Py_ssize_t t, b, k, j, row, t_max, n_active
    cdef floating* Z
    cdef floating* hbuf
    cdef floating* cbuf
    cdef floating* obuf
    cdef floating* zp
    cdef floating* zb
    cdef const floating* bh = &b_h[0]
    cdef const floating* hp
    cdef const floating* v
    cdef int ldz, ldh
    cdef int stride = 0
    cdef Py_ssize_t base = offsets[order[0]]
    t_max = _length(offsets, order[0])
    # Equal lengths (3D input): step t of every sequence lies in H at a
    # fixed stride, so the matrix products read and write H in place
    # instead of gathering rows into buffers.
    if _consecutive(offsets, order, n_seq):
        stride = <int> (t_max * n_hidden)
    cdef size_t failed = 0
    Z = <floating*> take(n_seq * n_hidden, sizeof(floating), &failed)
    hbuf = <floating*> take(n_seq * n_hidden, sizeof(floating), &failed)
    cbuf = <floating*> take(n_seq * n_context + 1, sizeof(floating), &failed)
    obuf = <floating*> take(n_seq * n_out + 1, sizeof(floating), &failed)
    if failed:
        free(Z)
        free(hbuf)
        free(cbuf)
        free(obuf)
        return failed
    _gather_states(order, n_seq, h_state, c_state, hbuf, cbuf)
    if stride and &H[0, 0] != &U[0, 0]:
        memcpy(&H[base, 0], &U[base, 0], n_seq * t_max * n_hidden * sizeof(floating))
    n_active = n_seq
    for t in range(t_max):
        while _length(offsets, order[n_active - 1]) <= t:
            n_active -= 1
        if stride:
            zp, ldz = &H[base + t, 0], stride
            hp, ldh = (hbuf, <int> n_hidden) if t == 0 else (&H[base + t - 1, 0], stride)
        else:
            zp, ldz = Z, <int> n_hidden
            hp, ldh = hbuf, <int> n_hidden
            for b in range(n_active):
                row = offsets[order[b]] + t
                memcpy(&Z[b * n_hidden], &U[row, 0], n_hidden * sizeof(floating))
        if has_ctx:
            for b in range(n_active):
                row = offsets[order[b]] + t
                memcpy(&C[row, 0], &cbuf[b * n_context], n_context * sizeof(floating))
        if has_rec:
            gemm_rm(False, n_active, n_hidden, n_hidden, <floating> 1, hp, ldh,
                    &W_rec[0, 0], n_hidden, <floating> 1, zp, ldz)
        if has_ctx:
            gemm_rm(False, n_active, n_hidden, n_context, <floating> 1, cbuf, n_context,
                    &W_ctx[0, 0], n_hidden, <floating> 1, zp, ldz)
        # the bias here, on rows still in cache, not in a pass over U
        for b in range(n_active):
            zb = zp + b * ldz
            for k in range(n_hidden):
                zb[k] = zb[k] + bh[k]
        if stride:
            for b in range(n_active):
                activate(activation, zp + b * ldz, 1, n_hidden)
        else:
            activate(activation, Z, n_active, n_hidden)
            memcpy(hbuf, Z, n_active * n_hidden * sizeof(floating))
            for b in range(n_active):
                row = offsets[order[b]] + t
                memcpy(&H[row, 0], &Z[b * n_hidden], n_hidden * sizeof(floating))
        if not has_ctx:
            continue
        for b in range(n_active):
            memcpy(&obuf[b * n_out], &b_out[0], n_out * sizeof(floating))
        gemm_rm(False, n_active, n_out, n_hidden, <floating> 1, zp, ldz,
                &W_out[0, 0], n_out, <floating> 1, obuf, n_out)
        activate(out_activation, obuf, n_active, n_out)
        for b in range(n_active):
            row = offsets[order[b]] + t
            memcpy(&Y[row, 0], &obuf[b * n_out], n_out * sizeof(floating))
            v = &forced[row, 0] if forcing else &obuf[b * n_out]
            _feed_context(&cbuf[b * n_context], v, mu, n_context, n_out)
    for b in range(n_seq):
        if stride:
            row = offsets[order[b] + 1] - 1
            memcpy(&h_state[order[b], 0], &H[row, 0], n_hidden * sizeof(floating))
        else:
            memcpy(&h_state[order[b], 0], &hbuf[b * n_hidden], n_hidden * sizeof(floating))
        if has_ctx:
            memcpy(&c_state[order[b], 0], &cbuf[b * n_context],
                   n_context * sizeof(floating))
    free(Z)
    free(hbuf)
    free(cbuf)
    free(obuf)
    return 0




def srn_forward(const floating[:, ::1] U,
                const floating[::1] b_h,
                const floating[:, ::1] W_rec,
                const floating[:, ::1] W_ctx,
                const floating[:, ::1] W_out,
                const floating[::1] b_out,
                const floating[::1] mu,
                const intp_t[::1] offsets,
                const intp_t[::1] order,
                floating[:, ::1] h_state,
                floating[:, ::1] c_state,
                const floating[:, ::1] forced,
                int activation,
                int out_activation,
                floating[:, ::1] H,
                floating[:, ::1] C,
                floating[:, ::1] Y):
    """Run a simple recurrent network over every sequence of a batch.

    For each sequence, with h and c starting from ``h_state`` and
    ``c_state``::

        z_t = U_t + b_h + h_{t-1} @ W_rec + c_t @ W_ctx
        h_t = f(z_t)
        y_t = g(h_t @ W_out + b_out)                  (only if W_ctx has rows)
        c_{t+1}[k] = mu[k] * c_t[k] + v_t[k mod n_outputs]

    where v_t = y_t, or ``forced[t]`` when teacher forcing. A weight
    matrix with zero rows switches its term off (Elman: no W_ctx; Jordan:
    no W_rec).

    Parameters
    ----------
    U : ndarray of shape (n_steps, n_hidden)
        Input projection x_t @ W_in of every step, sequences stacked. May
        be the same array as ``H``: each row is read before it is
        overwritten.
    b_h : ndarray of shape (n_hidden,)
        Hidden bias, added inside the loop (on rows in cache).
    W_rec : ndarray of shape (n_hidden, n_hidden) or (0, 0)
    W_ctx : ndarray of shape (n_context, n_hidden); n_context may be 0
    W_out : ndarray of shape (n_hidden, n_outputs)
    b_out : ndarray of shape (n_outputs,)
    mu : ndarray of shape (n_context,)
        Self-decay of each context unit.
    offsets : ndarray of shape (n_sequences + 1,), intp
        Sequence s occupies rows offsets[s]:offsets[s + 1]; lengths >= 1.
    order : ndarray of shape (n_block,), intp
        The sequences to run, sorted by decreasing length: all of them, or
        one block of them (the other rows of the outputs are left alone).
    h_state : ndarray of shape (n_sequences, n_hidden)
        In: h_{-1} of every sequence. Out: its last hidden state.
    c_state : ndarray of shape (n_sequences, n_context)
        In: c_0. Out: the context the next step would see.
    forced : ndarray of shape (n_steps, n_outputs) or (0, n_outputs)
        Teacher-forcing values fed to the context instead of y_t.
    activation, out_activation : int
        Codes of f and g (skrnn._activations).
    H : ndarray of shape (n_steps, n_hidden)
        Out: h_t.
    C : ndarray of shape (n_steps, n_context)
        Out: c_t, the context each step used.
    Y : ndarray of shape (n_steps, n_outputs)
        Out: y_t; written only when W_ctx has rows.
    """
    cdef size_t failed
    if order.shape[0] == 0:
        return
    with nogil:
        failed = _forward_block(U, b_h, W_rec, W_ctx, W_out, b_out, mu, offsets, &order[0],
                                order.shape[0], h_state, c_state, forced, activation,
                                out_activation, H, C, Y)
    check_taken(failed, "srn_forward")


cdef size_t _predict_block(const floating[:, ::1] X,
                         const floating[:, ::1] W_in,
                         const floating[::1] b_h,
                         const floating[:, ::1] W_rec,
                         const floating[:, ::1] W_ctx,
                         const floating[:, ::1] W_out,
                         const floating[::1] b_out,
                         const floating[::1] mu,
                         const intp_t[::1] offsets,
                         const intp_t* order,
                         Py_ssize_t n_seq,
                         floating[:, ::1] h_state,
                         floating[:, ::1] c_state,
                         int activation,
                         int out_activation,
                         floating[:, ::1] Y) noexcept nogil:
    """:func:`srn_predict` over the ``n_seq`` sequences listed in ``order``;
    returns 0 or the bytes it could not allocate, as :func:`_forward_block`."""
    cdef Py_ssize_t n_features = X.shape[1]
    cdef Py_ssize_t n_hidden = W_in.shape[1]
    cdef Py_ssize_t n_context = W_ctx.shape[0]
    cdef Py_ssize_t n_out = W_out.shape[1]
    cdef bint has_rec = W_rec.shape[0] > 0
    cdef bint has_ctx = n_context > 0
    cdef Py_ssize_t t, b, k, row, t_max, n_active
    cdef floating* h_prev
    cdef floating* h_next
    cdef floating* swap
    cdef floating* xbuf
    cdef floating* cbuf
    cdef floating* obuf
    cdef const floating* xp
    cdef const floating* bh = &b_h[0]
    cdef const floating* bo = &b_out[0]
    cdef floating* zp
    cdef Py_ssize_t ldx
    cdef Py_ssize_t stride = 0
    cdef Py_ssize_t base = offsets[order[0]]
    t_max = _length(offsets, order[0])
    # Equal lengths (3D input): step t of every sequence lies in X at a fixed
    # stride, so the input product reads X in place instead of gathering rows
    if _consecutive(offsets, order, n_seq):
        stride = t_max
    cdef size_t failed = 0
    h_prev = <floating*> take(n_seq * n_hidden, sizeof(floating), &failed)
    h_next = <floating*> take(n_seq * n_hidden, sizeof(floating), &failed)
    xbuf = <floating*> take(n_seq * n_features + 1, sizeof(floating), &failed)
    cbuf = <floating*> take(n_seq * n_context + 1, sizeof(floating), &failed)
    obuf = <floating*> take(n_seq * n_out + 1, sizeof(floating), &failed)
    if failed:
        free(h_prev)
        free(h_next)
        free(xbuf)
        free(cbuf)
        free(obuf)
        return failed
    _gather_states(order, n_seq, h_state, c_state, h_prev, cbuf)
    n_active = n_seq
    for t in range(t_max):
        # a sequence that has ended keeps its last hidden state in h_prev,
        # which the buffer swap below would overwrite: hand it out now
        while _length(offsets, order[n_active - 1]) <= t:
            n_active -= 1
            memcpy(&h_state[order[n_active], 0], &h_prev[n_active * n_hidden],
                   n_hidden * sizeof(floating))
        if stride:
            xp, ldx = &X[base + t, 0], stride * n_features
        else:
            for b in range(n_active):
                memcpy(&xbuf[b * n_features], &X[offsets[order[b]] + t, 0],
                       n_features * sizeof(floating))
            xp, ldx = xbuf, n_features
        # plain loops, not a memcpy per row: rows are short and many
        for b in range(n_active):
            zp = h_next + b * n_hidden
            for k in range(n_hidden):
                zp[k] = bh[k]
        row_gemm(n_active, n_hidden, n_features, xp, ldx, &W_in[0, 0], n_hidden,
                 h_next, n_hidden)
        if has_rec:
            row_gemm(n_active, n_hidden, n_hidden, h_prev, n_hidden, &W_rec[0, 0],
                     n_hidden, h_next, n_hidden)
        if has_ctx:
            row_gemm(n_active, n_hidden, n_context, cbuf, n_context, &W_ctx[0, 0],
                     n_hidden, h_next, n_hidden)
        activate(activation, h_next, n_active, n_hidden)
        swap = h_prev
        h_prev = h_next
        h_next = swap
        for b in range(n_active):
            zp = obuf + b * n_out
            for k in range(n_out):
                zp[k] = bo[k]
        row_gemm(n_active, n_out, n_hidden, h_prev, n_hidden, &W_out[0, 0], n_out,
                 obuf, n_out)
        activate(out_activation, obuf, n_active, n_out)
        for b in range(n_active):
            row = offsets[order[b]] + t
            for k in range(n_out):
                Y[row, k] = obuf[b * n_out + k]
            _feed_context(&cbuf[b * n_context], &obuf[b * n_out], mu, n_context, n_out)
    for b in range(n_active):
        memcpy(&h_state[order[b], 0], &h_prev[b * n_hidden], n_hidden * sizeof(floating))
    if has_ctx:
        for b in range(n_seq):
            memcpy(&c_state[order[b], 0], &cbuf[b * n_context],
                   n_context * sizeof(floating))
    free(h_prev)
    free(h_next)
    free(xbuf)
    free(cbuf)
    free(obuf)
    return 0


def srn_predict(const floating[:, ::1] X,
                const floating[:, ::1] W_in,
                const floating[::1] b_h,
                const floating[:, ::1] W_rec,
                const floating[:, ::1] W_ctx,
                const floating[:, ::1] W_out,
                const floating[::1] b_out,
                const floating[::1] mu,
                const intp_t[::1] offsets,
                const intp_t[::1] order,
                floating[:, ::1] h_state,
                floating[:, ::1] c_state,
                int activation,
                int out_activation,
                floating[:, ::1] Y):
    """Outputs of a simple recurrent network, keeping no hidden states.

    The equations of :func:`srn_forward` without teacher forcing, with the
    input projection x_t @ W_in + b_h done step by step inside the loop:
    only the current and previous hidden states of the batch are held (in
    cache), instead of a hidden state per step written to and read back
    from memory, which prediction does not need. The products are the
    batch-invariant ones of ``_rowgemm.h``: a sequence's outputs are the
    same, bit for bit, alone or in any batch and any thread block.

    Parameters
    ----------
    X : ndarray of shape (n_steps, n_features)
        Inputs of every step, sequences stacked.
    W_in : ndarray of shape (n_features, n_hidden)
    b_h : ndarray of shape (n_hidden,)
    W_rec, W_ctx, W_out, b_out, mu, offsets, order, h_state, c_state, \
activation, out_activation
        As in :func:`srn_forward`.
    Y : ndarray of shape (n_steps, n_outputs)
        Out: y_t (rows of sequences outside ``order`` are left alone).
    """
    cdef size_t failed
    if order.shape[0] == 0:
        return
    with nogil:
        failed = _predict_block(X, W_in, b_h, W_rec, W_ctx, W_out, b_out, mu, offsets,
                                &order[0], order.shape[0], h_state, c_state, activation,
                                out_activation, Y)
    check_taken(failed, "srn_predict")


cdef size_t _bptt_block(const floating[:, ::1] H,
                      const floating[:, ::1] Y,
                      const floating[:, ::1] dO,
                      const floating[:, ::1] W_rec,
                      const floating[:, ::1] W_ctx,
                      const floating[:, ::1] W_out,
                      const floating[::1] mu,
                      const intp_t[::1] offsets,
                      const intp_t* order,
                      Py_ssize_t n_seq,
                      int activation,
                      int out_activation,
                      bint feedback,
                      Py_ssize_t bptt_steps,
                      floating[:, ::1] dZ,
                      floating[:, ::1] dO_total) noexcept nogil:
    """:func:`srn_bptt` over the ``n_seq`` sequences listed in ``order``;
    returns 0 or the bytes it could not allocate, as :func:`_forward_block`."""
    cdef Py_ssize_t n_hidden = H.shape[1]
    cdef Py_ssize_t n_context = W_ctx.shape[0]
    cdef Py_ssize_t n_out = W_out.shape[1]
    cdef bint has_rec = W_rec.shape[0] > 0
    cdef bint through_ctx = feedback and n_context > 0
    cdef Py_ssize_t t, b, k, j, row, t_max, n_active
    cdef floating* D
    cdef floating* gh
    cdef floating* gc
    cdef floating* G
    cdef floating* g
    cdef floating* dy
    cdef floating* dp
    cdef const floating* gp
    cdef const floating* y
    cdef floating s
    cdef int ldd, ldg
    cdef int stride = 0
    cdef Py_ssize_t base = offsets[order[0]]
    t_max = _length(offsets, order[0])
    # Equal lengths: work in dZ in place at a fixed stride (see srn_forward);
    # the carry dz_t @ W_rec^T is written straight into the rows of step t - 1.
    if _consecutive(offsets, order, n_seq):
        stride = <int> (t_max * n_hidden)
    cdef size_t failed = 0
    D = <floating*> take(n_seq * n_hidden, sizeof(floating), &failed)
    gh = <floating*> take(n_seq * n_hidden, sizeof(floating), &failed)
    gc = <floating*> take(n_seq * n_context + 1, sizeof(floating), &failed)
    G = <floating*> take(n_seq * n_out + 1, sizeof(floating), &failed)
    dy = <floating*> take(n_out + 1, sizeof(floating), &failed)
    if failed:
        free(D)
        free(gh)
        free(gc)
        free(G)
        free(dy)
        return failed
    if stride:
        for b in range(n_seq):
            memset(&dZ[offsets[order[b]] + t_max - 1, 0], 0, n_hidden * sizeof(floating))
    n_active = 0
    for t in range(t_max - 1, -1, -1):
        # sequences whose last step is t join with no gradient carried in
        while n_active < n_seq and _length(offsets, order[n_active]) > t:
            n_active += 1
        if bptt_steps > 0 and (t + 1) % bptt_steps == 0:
            memset(gh, 0, n_active * n_hidden * sizeof(floating))
            memset(gc, 0, n_active * n_context * sizeof(floating))
            if stride and t + 1 < t_max:
                for b in range(n_active):
                    memset(&dZ[offsets[order[b]] + t, 0], 0, n_hidden * sizeof(floating))
        # G: the gradient at the output pre-activations of step t
        if stride and not through_ctx:
            gp, ldg = &dO[base + t, 0], <int> (t_max * n_out)
        else:
            gp, ldg = G, <int> n_out
            for b in range(n_active):
                row = offsets[order[b]] + t
                g = &G[b * n_out]
                memcpy(g, &dO[row, 0], n_out * sizeof(floating))
                if not through_ctx:
                    continue
                # dy_t from the context, through the output activation
                y = &Y[row, 0]
                for j in range(n_out):
                    dy[j] = 0
                for k in range(n_context):
                    dy[k % n_out] += gc[b * n_context + k]
                if out_activation == LOGISTIC:
                    for j in range(n_out):
                        dy[j] = dy[j] * y[j] * (1 - y[j])
                elif out_activation == SOFTMAX:
                    s = 0
                    for j in range(n_out):
                        s = s + y[j] * dy[j]
                    for j in range(n_out):
                        dy[j] = y[j] * (dy[j] - s)
                for j in range(n_out):
                    g[j] += dy[j]
                memcpy(&dO_total[row, 0], g, n_out * sizeof(floating))
        # D: the carry from step t + 1 (already in place when strided)
        if stride:
            dp, ldd = &dZ[base + t, 0], stride
            if not has_rec:
                for b in range(n_active):
                    memset(dp + b * ldd, 0, n_hidden * sizeof(floating))
        else:
            dp, ldd = D, <int> n_hidden
            if has_rec:
                memcpy(D, gh, n_active * n_hidden * sizeof(floating))
            else:
                memset(D, 0, n_active * n_hidden * sizeof(floating))
        gemm_rm(True, n_active, n_hidden, n_out, <floating> 1, gp, ldg,
                &W_out[0, 0], n_out, <floating> 1, dp, ldd)
        for b in range(n_active):
            row = offsets[order[b]] + t
            scale_by_derivative(activation, dp + b * ldd, &H[row, 0], n_hidden)
            if not stride:
                memcpy(&dZ[row, 0], &D[b * n_hidden], n_hidden * sizeof(floating))
        if has_rec:
            if stride:
                if t > 0:
                    gemm_rm(True, n_active, n_hidden, n_hidden, <floating> 1, dp, ldd,
                            &W_rec[0, 0], n_hidden, <floating> 0, &dZ[base + t - 1, 0], stride)
            else:
                gemm_rm(True, n_active, n_hidden, n_hidden, <floating> 1, D, n_hidden,
                        &W_rec[0, 0], n_hidden, <floating> 0, gh, n_hidden)
        if through_ctx:
            for b in range(n_active):
                for k in range(n_context):
                    gc[b * n_context + k] *= mu[k]
            gemm_rm(True, n_active, n_context, n_hidden, <floating> 1, dp, ldd,
                    &W_ctx[0, 0], n_hidden, <floating> 1, gc, n_context)
    free(D)
    free(gh)
    free(gc)
    free(G)
    free(dy)
    return 0


def srn_bptt(const floating[:, ::1] H,
             const floating[:, ::1] Y,
             const floating[:, ::1] dO,
             const floating[:, ::1] W_rec,
             const floating[:, ::1] W_ctx,
             const floating[:, ::1] W_out,
             const floating[::1] mu,
             const intp_t[::1] offsets,
             const intp_t[::1] order,
             int activation,
             int out_activation,
             bint feedback,
             Py_ssize_t bptt_steps,
             floating[:, ::1] dZ,
             floating[:, ::1] dO_total):
    """Backpropagate through time the recurrence of :func:`srn_forward`.

    Going backwards over each sequence::

        do_t = dO_t + J_g(o_t)^T dy_t,  dy_t[j] = sum over k = j mod n_outputs of dc_{t+1}[k]
        dz_t = (do_t @ W_out^T + dz_{t+1} @ W_rec^T) * f'(z_t)
        dc_t = dz_t @ W_ctx^T + mu * dc_{t+1}

    where the dy_t term exists only with ``feedback`` (the context was fed
    from the outputs). With ``bptt_steps = k > 0`` no gradient crosses from
    step t + 1 to step t when t + 1 is a multiple of k (truncated
    BPTT(k; k), counted from each sequence's first step; k = 1 is Elman's
    one-step rule).

    Parameters
    ----------
    H : ndarray of shape (n_steps, n_hidden)
        Hidden states from the forward pass.
    Y : ndarray of shape (n_steps, n_outputs)
        Outputs y_t from the forward pass (read only with ``feedback``).
    dO : ndarray of shape (n_steps, n_outputs)
        Gradient of the loss with respect to the output pre-activations
        o_t, through the loss alone.
    W_rec, W_ctx, W_out, mu, offsets, order, activation, out_activation
        As in :func:`srn_forward`.
    feedback : bool
        Whether the context was fed from the network's own outputs (false
        under teacher forcing, where the context is data).
    bptt_steps : int
        Truncation length; 0 for full backpropagation through time.
    dZ : ndarray of shape (n_steps, n_hidden)
        Out: gradient with respect to the pre-activations z_t.
    dO_total : ndarray of shape (n_steps, n_outputs) or (0, n_outputs)
        Out: do_t, including the path through the context (written only
        with ``feedback``; otherwise it equals ``dO``).
    """
    cdef size_t failed
    if order.shape[0] == 0:
        return
    with nogil:
        failed = _bptt_block(H, Y, dO, W_rec, W_ctx, W_out, mu, offsets, &order[0],
                             order.shape[0], activation, out_activation, feedback, bptt_steps,
                             dZ, dO_total)
    check_taken(failed, "srn_bptt")


# -- population loss (gradient-free weight search) ---------------------------------

from ._lanes cimport (SKRNN_LANES, lane_activate, lane_each, lane_gemm, lane_loss, lane_losses,
                      lane_losses_weighted, lane_outputs)

LANES = SKRNN_LANES


def srn_population_loss(const floating[:, ::1] thetas,
                        const intp_t[::1] blocks,
                        bint jordan,
                        floating context_decay,
                        const intp_t[::1] starts,
                        const floating[:, :, ::1] X,
                        const floating[:, :, ::1] state0,
                        const floating[:, :, ::1] T,
                        const unsigned char[:, ::1] mask,
                        const unsigned char[::1] any_target,
                        const double[:, ::1] weights,
                        double n_targets,
                        int activation,
                        int out_activation,
                        int loss_kind,
                        Py_ssize_t lo,
                        Py_ssize_t hi,
                        double[::1] out):
    """Data loss of candidates ``lo:hi`` of a population of flat weight vectors.

    The batch comes blocked by lanes (skrnn._kernels._lane_layout): ``LANES``
    sequences side by side, one per vector lane. For each candidate c, in C
    without the GIL, its weights are transposed once into scratch, then every
    block of sequences runs the recurrence of :func:`srn_forward` (Jordan's
    context fed by the network's own outputs: no teacher forcing) with one
    lane product (_lanes.h) per layer and step for the whole block:

        z_t = b_h + [x_t, s_{t-1}] @ [W_in; W_rec or W_ctx],  h_t = f(z_t)
        y_t = g(b_out + h_t @ W_out)

    where s is h (Elman) or the context c (Jordan, c_{t+1} = mu c_t + y_t),
    and the loss of skrnn._losses is summed over the lanes whose step has a
    target (each times its weight, if weights are given). ``out[c]``
    receives it averaged over the targets (or divided by their total weight;
    without the L2 penalty, added by the caller). A candidate is computed whole by one call
    and a lane's arithmetic does not depend on the other lanes, so the
    result does not depend on how candidates or sequences are grouped.

    Parameters
    ----------
    thetas : ndarray of shape (n_candidates, n_weights)
        Flat weight vectors in the layout of SimpleRecurrentNetwork.layout.
    blocks : ndarray of shape (6,), intp
        Start of each weight block in a flat vector: W_in, W_rec (Elman) or
        W_ctx (Jordan), b_h, W_out, b_out, and the end.
    jordan : bool
        Context from the outputs (Jordan) rather than the hidden state (Elman).
    context_decay : float
        Jordan's mu.
    starts : ndarray of shape (n_blocks + 1,), intp
        Step t of block b is slab starts[b] + t of the arrays below; the
        block runs starts[b + 1] - starts[b] steps.
    X : ndarray of shape (n_slabs, n_inputs, LANES)
    state0 : ndarray of shape (n_blocks, state_size, LANES)
        The initial state (h for Elman, c for Jordan).
    T : ndarray of shape (n_slabs, n_outputs, LANES)
        Encoded targets.
    mask : ndarray of shape (n_slabs, LANES), uint8
        The lanes and steps with a target.
    any_target : ndarray of shape (n_slabs,), uint8
    weights : ndarray of shape (n_slabs, LANES) or (0, LANES), float64
        The weight of the target of each lane and step (0 where none); no
        rows for equal weights (``mask`` then says which lanes count).
    n_targets : float
        The number of targets, or their total weight, the loss is divided by.
    activation, out_activation : int
        Codes of f and g (skrnn._activations).
    loss_kind : int
        0 squared error, 1 log loss.
    lo, hi : int
        The candidates to evaluate.
    out : ndarray of shape (n_candidates,), float64
        Out: rows lo:hi receive the losses.
    """
    cdef Py_ssize_t L = SKRNN_LANES
    cdef Py_ssize_t n_blocks = starts.shape[0] - 1, n_in = X.shape[1], n_out = T.shape[1]
    cdef Py_ssize_t n = blocks[3] - blocks[2]
    cdef Py_ssize_t n_state = n_out if jordan else n
    cdef Py_ssize_t k = n_in + n_state
    cdef Py_ssize_t c, bk, t, i, j, o, l, row
    cdef size_t failed = 0
    cdef floating* Wh
    cdef floating* Wo
    cdef floating* A
    cdef floating* A_next
    cdef floating* swap
    cdef floating* Hbuf
    cdef floating* Y
    cdef floating* h
    cdef const floating* src
    cdef const floating* b_h
    cdef const floating* b_o
    cdef double total
    cdef double* lane_totals
    cdef double* scratch
    cdef bint weighted = weights.shape[0] > 0
    if hi <= lo:
        return
    if X.shape[2] != L or T.shape[2] != L or state0.shape[1] != n_state or (
            weighted and weights.shape[0] != X.shape[0]):
        raise ValueError("the batch is not laid out for this kernel")
    with nogil:
        Wh = <floating*> take(n * k, sizeof(floating), &failed)
        Wo = <floating*> take(n_out * n, sizeof(floating), &failed)
        A = <floating*> take(k * L, sizeof(floating), &failed)
        A_next = <floating*> take(k * L, sizeof(floating), &failed)
        Hbuf = <floating*> take(n * L, sizeof(floating), &failed)
        Y = <floating*> take(n_out * L, sizeof(floating), &failed)
        lane_totals = <double*> take(L, sizeof(double), &failed)
        scratch = <double*> take(L, sizeof(double), &failed)
        if not failed:
            for c in range(lo, hi):
                # the weights of the layers, transposed: row j of Wh holds
                # what unit j reads ([W_in; W_rec or W_ctx] column j)
                src = &thetas[c, 0]
                for j in range(n):
                    for i in range(n_in):
                        Wh[j * k + i] = src[blocks[0] + i * n + j]
                    for i in range(n_state):
                        Wh[j * k + n_in + i] = src[blocks[1] + i * n + j]
                for o in range(n_out):
                    for j in range(n):
                        Wo[o * n + j] = src[blocks[3] + j * n_out + o]
                b_h = src + blocks[2]
                b_o = src + blocks[4]
                total = 0
                for l in range(L):
                    lane_totals[l] = 0
                for bk in range(n_blocks):
                    memcpy(A, &X[starts[bk], 0, 0], n_in * L * sizeof(floating))
                    memcpy(A + n_in * L, &state0[bk, 0, 0], n_state * L * sizeof(floating))
                    for t in range(starts[bk + 1] - starts[bk]):
                        row = starts[bk] + t
                        # Elman's h_t goes straight into the next step's rows
                        h = Hbuf if jordan else A_next + n_in * L
                        lane_gemm(n, k, Wh, b_h, A, h)
                        lane_activate(activation, h, n * L)
                        if jordan or any_target[row]:
                            lane_gemm(n_out, n, Wo, b_o, h, Y)
                            lane_outputs(out_activation, Y, n_out)
                            if any_target[row] and weighted:
                                lane_losses_weighted(loss_kind, Y, &T[row, 0, 0], n_out,
                                                     &weights[row, 0], scratch, lane_totals)
                            elif any_target[row]:
                                total += lane_loss(loss_kind, Y, &T[row, 0, 0], &mask[row, 0],
                                                   n_out)
                        if jordan:
                            for i in range(n_out * L):
                                A_next[n_in * L + i] = (context_decay * A[n_in * L + i]
                                                        + Y[i])
                        if row + 1 < starts[bk + 1]:
                            memcpy(A_next, &X[row + 1, 0, 0], n_in * L * sizeof(floating))
                        swap = A
                        A = A_next
                        A_next = swap
                for l in range(L):
                    total += lane_totals[l]
                out[c] = total / n_targets if n_targets > 0 else 0
        free(Wh)
        free(Wo)
        free(A)
        free(A_next)
        free(Hbuf)
        free(Y)
        free(lane_totals)
        free(scratch)
    check_taken(failed, "srn_population_loss")


def srn_population_loss_candidates(const floating[:, ::1] thetas,
                                   const intp_t[::1] blocks,
                                   bint jordan,
                                   floating context_decay,
                                   const floating[:, ::1] X,
                                   const intp_t[::1] offsets,
                                   const floating[:, ::1] state0,
                                   const intp_t[::1] target_of_row,
                                   const floating[:, ::1] T,
                                   const double[::1] weights,
                                   int activation,
                                   int out_activation,
                                   int loss_kind,
                                   Py_ssize_t lo,
                                   Py_ssize_t hi,
                                   double[::1] out):
    """:func:`srn_population_loss` with the lanes across candidates, for few sequences.

    Over a batch of fewer sequences than lanes (one long series, say), lanes
    across sequences would mostly compute nothing. Here each group of
    ``LANES`` candidates runs side by side, each lane with its own weights
    (the lane product of _lanes.h that reads a weight per lane), through the
    sequences one after the other; the equations, the loss and ``out`` are
    those of :func:`srn_population_loss`.

    Parameters
    ----------
    thetas, blocks, jordan, context_decay
        As in :func:`srn_population_loss`.
    X : ndarray of shape (n_steps, n_inputs)
        Sequences stacked; sequence s at rows offsets[s]:offsets[s + 1].
    offsets : ndarray of shape (n_sequences + 1,), intp
    state0 : ndarray of shape (n_sequences, state_size)
        The initial state (h for Elman, c for Jordan).
    target_of_row : ndarray of shape (n_steps,), intp
        The row of ``T`` each row of ``X`` has for target, or -1.
    T : ndarray of shape (n_targets, n_outputs)
    weights : ndarray of shape (n_targets,) or (0,), float64
        The weight of each target; none for equal weights.
    activation, out_activation, loss_kind, lo, hi, out
        As in :func:`srn_population_loss`.
    """
    cdef Py_ssize_t L = SKRNN_LANES
    cdef Py_ssize_t n_seq = offsets.shape[0] - 1, n_in = X.shape[1], n_out = T.shape[1]
    cdef Py_ssize_t n_t = T.shape[0]
    cdef Py_ssize_t n = blocks[3] - blocks[2]
    cdef Py_ssize_t n_state = n_out if jordan else n
    cdef Py_ssize_t k = n_in + n_state
    cdef Py_ssize_t g0, m, c, l, s, t, i, j, o, r, row0
    cdef size_t failed = 0
    cdef floating* W
    cdef floating* Wo
    cdef floating* b_h
    cdef floating* b_o
    cdef floating* A
    cdef floating* A_next
    cdef floating* swap
    cdef floating* Hbuf
    cdef floating* Y
    cdef floating* Tl
    cdef floating* h
    cdef double* totals
    cdef double* scratch
    cdef double* w_lanes
    cdef const floating* src
    cdef bint weighted = weights.shape[0] > 0
    cdef double norm = n_t
    if hi <= lo:
        return
    if state0.shape[1] != n_state or target_of_row.shape[0] != X.shape[0] or (
            weighted and weights.shape[0] != n_t):
        raise ValueError("the batch does not match this kernel")
    if weighted:
        norm = 0
        for r in range(n_t):
            norm += weights[r]
    with nogil:
        W = <floating*> take(n * k * L, sizeof(floating), &failed)
        Wo = <floating*> take(n_out * n * L, sizeof(floating), &failed)
        b_h = <floating*> take(n * L, sizeof(floating), &failed)
        b_o = <floating*> take(n_out * L, sizeof(floating), &failed)
        A = <floating*> take(k * L, sizeof(floating), &failed)
        A_next = <floating*> take(k * L, sizeof(floating), &failed)
        Hbuf = <floating*> take(n * L, sizeof(floating), &failed)
        Y = <floating*> take(n_out * L, sizeof(floating), &failed)
        Tl = <floating*> take(n_out * L, sizeof(floating), &failed)
        totals = <double*> take(L, sizeof(double), &failed)
        scratch = <double*> take(L, sizeof(double), &failed)
        w_lanes = <double*> take(L, sizeof(double), &failed)
        if not failed:
            g0 = lo
            while g0 < hi:
                m = min(L, hi - g0)
                # the weights of the group, lane l holding candidate g0 + l (the
                # lanes past the last candidate repeat it; their losses are dropped)
                for l in range(L):
                    src = &thetas[g0 + min(l, m - 1), 0]
                    for j in range(n):
                        for i in range(n_in):
                            W[(j * k + i) * L + l] = src[blocks[0] + i * n + j]
                        for i in range(n_state):
                            W[(j * k + n_in + i) * L + l] = src[blocks[1] + i * n + j]
                        b_h[j * L + l] = src[blocks[2] + j]
                    for o in range(n_out):
                        for j in range(n):
                            Wo[(o * n + j) * L + l] = src[blocks[3] + j * n_out + o]
                        b_o[o * L + l] = src[blocks[4] + o]
                    totals[l] = 0
                for s in range(n_seq):
                    row0 = offsets[s]
                    for i in range(n_in):
                        for l in range(L):
                            A[i * L + l] = X[row0, i]
                    for i in range(n_state):
                        for l in range(L):
                            A[(n_in + i) * L + l] = state0[s, i]
                    for t in range(offsets[s + 1] - row0):
                        h = Hbuf if jordan else A_next + n_in * L
                        lane_each(n, k, W, b_h, A, h)
                        lane_activate(activation, h, n * L)
                        r = target_of_row[row0 + t]
                        if jordan or r >= 0:
                            lane_each(n_out, n, Wo, b_o, h, Y)
                            lane_outputs(out_activation, Y, n_out)
                            if r >= 0:
                                for o in range(n_out):
                                    for l in range(L):
                                        Tl[o * L + l] = T[r, o]
                                if weighted:
                                    for l in range(L):
                                        w_lanes[l] = weights[r]
                                    lane_losses_weighted(loss_kind, Y, Tl, n_out, w_lanes,
                                                         scratch, totals)
                                else:
                                    lane_losses(loss_kind, Y, Tl, n_out, totals)
                        if jordan:
                            for i in range(n_out * L):
                                A_next[n_in * L + i] = (context_decay * A[n_in * L + i]
                                                        + Y[i])
                        if row0 + t + 1 < offsets[s + 1]:
                            for i in range(n_in):
                                for l in range(L):
                                    A_next[i * L + l] = X[row0 + t + 1, i]
                        swap = A
                        A = A_next
                        A_next = swap
                for l in range(m):
                    out[g0 + l] = totals[l] / norm if norm > 0 else 0
                g0 += L
        free(W)
        free(Wo)
        free(b_h)
        free(b_o)
        free(A)
        free(A_next)
        free(Hbuf)
        free(Y)
        free(Tl)
        free(totals)
        free(scratch)
        free(w_lanes)
    check_taken(failed, "srn_population_loss_candidates")

