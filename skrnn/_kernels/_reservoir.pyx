"""State update of leaky-integrator echo state reservoirs, over whole series per call.

The recurrent matrix is either sparse (CSR of its transpose, so that each
unit gathers from the units that feed it) or dense (one GEMM per step for all
the sequences of a batch). Sequences advance in lockstep, visited in order of
decreasing length so that the ones still running at step t are the first
``n_active`` rows of the state buffers. In closed loop the readout runs inside
the loop too, and its output is fed back (output feedback, or free-running
generation where the output becomes the next input).
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from libc.stdint cimport uint64_t
from libc.stdlib cimport free
from libc.string cimport memcpy

from ._activations cimport vtanh
from ._alloc cimport check_taken, take
from ._blas cimport gemm_rm

ctypedef Py_ssize_t intp_t


cdef inline uint64_t _xorshift(uint64_t* s) noexcept nogil:
    """Marsaglia's xorshift64*: a fast, reproducible stream for the state noise."""
    cdef uint64_t x = s[0]
    x ^= x >> 12
    x ^= x << 25
    x ^= x >> 27
    s[0] = x
    return x * <uint64_t> 2685821657736338717


cdef inline double _uniform_pm1(uint64_t* s) noexcept nogil:
    """Uniform on [-1, 1) from the top 53 bits."""
    return (_xorshift(s) >> 11) * (2.0 / 9007199254740992.0) - 1.0


cdef extern from "_spmv.h" nogil:
    void skrnn_spmv_d_i16(Py_ssize_t n_units, const float* data, const unsigned short* indices,
                          const int* indptr, const double* x, double* z)
    void skrnn_spmv_d_i32(Py_ssize_t n_units, const float* data, const int* indices,
                          const int* indptr, const double* x, double* z)
    void skrnn_spmv_f_i16(Py_ssize_t n_units, const float* data, const unsigned short* indices,
                          const int* indptr, const float* x, float* z)
    void skrnn_spmv_f_i32(Py_ssize_t n_units, const float* data, const int* indices,
                          const int* indptr, const float* x, float* z)
    void skrnn_ell_spmv_d_i16(Py_ssize_t n_units, Py_ssize_t width, const float* data,
                              const unsigned short* indices, const double* x, double* z)
    void skrnn_ell_spmv_d_i32(Py_ssize_t n_units, Py_ssize_t width, const float* data,
                              const int* indices, const double* x, double* z)
    void skrnn_ell_spmv_f_i16(Py_ssize_t n_units, Py_ssize_t width, const float* data,
                              const unsigned short* indices, const float* x, float* z)
    void skrnn_ell_spmv_f_i32(Py_ssize_t n_units, Py_ssize_t width, const float* data,
                              const int* indices, const float* x, float* z)
    void skrnn_spmm_t_d_i16(Py_ssize_t n_units, Py_ssize_t n_rows, const float* data,
                            const unsigned short* indices, const int* indptr,
                            const double* xT, double* zT)
    void skrnn_spmm_t_d_i32(Py_ssize_t n_units, Py_ssize_t n_rows, const float* data,
                            const int* indices, const int* indptr,
                            const double* xT, double* zT)
    void skrnn_spmm_t_f_i16(Py_ssize_t n_units, Py_ssize_t n_rows, const float* data,
                            const unsigned short* indices, const int* indptr,
                            const float* xT, float* zT)
    void skrnn_spmm_t_f_i32(Py_ssize_t n_units, Py_ssize_t n_rows, const float* data,
                            const int* indices, const int* indptr,
                            const float* xT, float* zT)


cdef struct SparseW:
    # CSR of W^T: float32 values, uint16 (narrow) or int32 column indices
    const float* data
    const unsigned short* idx16
    const int* idx32
    const int* indptr
    bint narrow
    # the same weights in sliced ELLPACK (ell_width weights per row), or
    # ell_width = 0 when the rows differ in length
    const float* ell_data
    const unsigned short* ell_idx16
    const int* ell_idx32
    Py_ssize_t ell_width


cdef void _sparse_product(const floating* x, Py_ssize_t n_rows, Py_ssize_t n_units,
                          SparseW* W, floating* out) noexcept nogil:
    """out (n_rows, n_units) += x (n_rows, n_units) @ W, one state vector at a time.

    Each unit gathers from the units feeding it (see _spmv.h): eight units at
    once from the sliced ELLPACK copy when every unit has as many inputs.
    """
    cdef Py_ssize_t b
    for b in range(n_rows):
        if W.ell_width > 0:
            if floating is double:
                if W.narrow:
                    skrnn_ell_spmv_d_i16(n_units, W.ell_width, W.ell_data, W.ell_idx16,
                                         x + b * n_units, out + b * n_units)
                else:
                    skrnn_ell_spmv_d_i32(n_units, W.ell_width, W.ell_data, W.ell_idx32,
                                         x + b * n_units, out + b * n_units)
            else:
                if W.narrow:
                    skrnn_ell_spmv_f_i16(n_units, W.ell_width, W.ell_data, W.ell_idx16,
                                         x + b * n_units, out + b * n_units)
                else:
                    skrnn_ell_spmv_f_i32(n_units, W.ell_width, W.ell_data, W.ell_idx32,
                                         x + b * n_units, out + b * n_units)
        elif floating is double:
            if W.narrow:
                skrnn_spmv_d_i16(n_units, W.data, W.idx16, W.indptr, x + b * n_units,
                                 out + b * n_units)
            else:
                skrnn_spmv_d_i32(n_units, W.data, W.idx32, W.indptr, x + b * n_units,
                                 out + b * n_units)
        else:
            if W.narrow:
                skrnn_spmv_f_i16(n_units, W.data, W.idx16, W.indptr, x + b * n_units,
                                 out + b * n_units)
            else:
                skrnn_spmv_f_i32(n_units, W.data, W.idx32, W.indptr, x + b * n_units,
                                 out + b * n_units)


# Sequences per tile of the batch transposes (eight doubles: one cache line).
cdef enum:
    _TILE = 8


cdef void _sparse_product_batch(const floating* x, Py_ssize_t n_rows, Py_ssize_t n_units,
                                SparseW* W, floating* out,
                                floating* xT, floating* zT) noexcept nogil:
    """out (n_rows, n_units) += x @ W for a batch, through transposed buffers.

    With the batch on the fast axis (xT of shape (n_units, n_rows)), every
    weight w_ij updates a whole row zT[j] += w_ij * xT[i]: a contiguous
    loop over the sequences that vectorises, instead of one gather per
    sequence and weight.
    """
    cdef Py_ssize_t b, b0, b1, i, j
    # Both transposes go in tiles of _TILE sequences: each unit's tile row of
    # xT (zT) is one cache line, written (read) whole while the _TILE state
    # rows are streamed, instead of touching a different line per element.
    b0 = 0
    while b0 < n_rows:
        b1 = min(b0 + _TILE, n_rows)
        for i in range(n_units):
            for b in range(b0, b1):
                xT[i * n_rows + b] = x[b * n_units + i]
        b0 = b1
    if floating is double:
        if W.narrow:
            skrnn_spmm_t_d_i16(n_units, n_rows, W.data, W.idx16, W.indptr, xT, zT)
        else:
            skrnn_spmm_t_d_i32(n_units, n_rows, W.data, W.idx32, W.indptr, xT, zT)
    else:
        if W.narrow:
            skrnn_spmm_t_f_i16(n_units, n_rows, W.data, W.idx16, W.indptr, xT, zT)
        else:
            skrnn_spmm_t_f_i32(n_units, n_rows, W.data, W.idx32, W.indptr, xT, zT)
    b0 = 0
    while b0 < n_rows:
        b1 = min(b0 + _TILE, n_rows)
        for j in range(n_units):
            for b in range(b0, b1):
                out[b * n_units + j] += zT[j * n_rows + b]
        b0 = b1


# Batches at least this large take the transposed (vectorised) sparse path.
cdef Py_ssize_t _BATCH_SPARSE = 4


def reservoir_states(floating[:, ::1] U,
                     const float[::1] w_data,
                     const unsigned short[::1] w_idx16,
                     const int[::1] w_idx32,
                     const int[::1] w_indptr,
                     const float[::1] ell_data,
                     const unsigned short[::1] ell_idx16,
                     const int[::1] ell_idx32,
                     Py_ssize_t ell_width,
                     const floating[:, ::1] W_dense,
                     const floating[:, ::1] W_fb,
                     const floating[:, ::1] R,
                     const floating[:, ::1] G,
                     const floating[:, ::1] V,
                     floating[:, ::1] Y,
                     const intp_t[::1] offsets,
                     const intp_t[::1] order,
                     double leaking_rate,
                     double noise,
                     uint64_t seed,
                     floating[:, ::1] x_state,
                     floating[:, ::1] y_state):
    """Run the reservoir over every sequence of a batch; states overwrite ``U``.

    For each sequence, with x and y starting from ``x_state`` and ``y_state``::

        z_t = U_t + x_{t-1} @ W + y_{t-1} @ W_fb
        x_t = (1 - a) x_{t-1} + a tanh(z_t) + noise * e_t,   e_t ~ U[-1, 1)^N
        y_t = V_t + x_t @ R + y_{t-1} @ G                   (closed loop only)

    The loop is closed (the readout runs at every step and y feeds back)
    when ``R`` has columns; otherwise y_{t-1} is the constant ``y_state``
    and ``W_fb`` should have no rows (open loop: teacher-forced feedback is
    already part of ``U``).

    Parameters
    ----------
    U : ndarray of shape (n_steps, n_units)
        In: the input projection ``[1, u_t] @ W_in`` (plus the teacher-forced
        feedback) of every step, sequences stacked. Out: the states x_t.
    w_data : ndarray of float32
        Values of W^T in CSR, when W is sparse (empty means W = 0). float32
        whatever the states' dtype: the reservoir draws W exactly
        representable in float32, and half the bytes halve the memory
        traffic that bounds a large reservoir's step.
    w_idx16, w_idx32 : ndarray of uint16 / int32
        Column indices of W^T in CSR: uint16 for reservoirs of at most 65536
        units (then ``w_idx32`` is empty), int32 otherwise.
    w_indptr : ndarray of int32 of shape (n_units + 1,)
        Row pointers of W^T in CSR. The sparse arrays are ignored when
        ``W_dense`` has rows.
    ell_data, ell_idx16, ell_idx32 : ndarray of float32 / uint16 / int32
        The same weights in sliced ELLPACK (see ``_spmv.h``), with the same
        index width as the CSR, when every row of W^T has ``ell_width``
        weights; a single sequence's step then gathers for eight units at
        once. Empty, with ``ell_width`` 0, otherwise.
    ell_width : int
        Weights per row of the ELLPACK copy (0: none).
    W_dense : ndarray of shape (n_units, n_units) or (0, 0)
        The recurrent matrix when dense, oriented so that z = x @ W.
    W_fb : ndarray of shape (n_outputs, n_units) or (0, n_units)
        Output feedback weights (closed loop).
    R : ndarray of shape (n_units, n_outputs) or (n_units, 0)
        Readout weights from the state; no columns means open loop.
    G : ndarray of shape (n_outputs, n_outputs) or (0, 0)
        Readout weights from the previous output (free-running generation,
        where the previous output is the current input).
    V : ndarray of shape (n_steps, n_outputs)
        Readout part that does not depend on the state (intercept and input
        term) of every step; read in closed loop only.
    Y : ndarray of shape (n_steps, n_outputs)
        Out: y_t, closed loop only.
    offsets : ndarray of shape (n_sequences + 1,), intp
        Sequence s occupies rows offsets[s]:offsets[s + 1]; lengths >= 1.
    order : ndarray of shape (n_sequences,), intp
        The sequences sorted by decreasing length.
    leaking_rate : float
        a in (0, 1].
    noise : float
        Amplitude of the uniform state noise (0 for none).
    seed : uint64
        State of the noise generator (nonzero).
    x_state : ndarray of shape (n_sequences, n_units)
        In: x_{-1}. Out: the last state of every sequence.
    y_state : ndarray of shape (n_sequences, n_outputs)
        In: y_{-1}. Out: the last output (closed loop).

    Returns
    -------
    seed : int
        The noise generator's state after the run, to continue the stream.
    """
    cdef Py_ssize_t n_seq = order.shape[0]
    cdef Py_ssize_t n = U.shape[1]
    cdef Py_ssize_t n_out = y_state.shape[1]
    cdef bint dense = W_dense.shape[0] > 0
    cdef bint sparse = (not dense) and w_data.shape[0] > 0
    cdef bint feedback = W_fb.shape[0] > 0
    cdef bint closed = R.shape[1] > 0
    cdef bint gen = G.shape[0] > 0
    cdef floating a = <floating> leaking_rate
    cdef floating keep = <floating> (1.0 - leaking_rate)
    cdef floating amp = <floating> noise
    cdef uint64_t rng = seed if seed != 0 else 88172645463325252ULL
    cdef Py_ssize_t t, b, j, row, t_max, n_active
    cdef floating* Z
    cdef floating* xbuf
    cdef floating* ybuf
    cdef floating* ynew
    cdef floating* xT = NULL
    cdef floating* zT = NULL
    cdef size_t failed = 0
    cdef SparseW sw
    sw.narrow = w_idx16.shape[0] > 0 or w_idx32.shape[0] == 0
    sw.data = &w_data[0] if w_data.shape[0] > 0 else NULL
    sw.idx16 = &w_idx16[0] if w_idx16.shape[0] > 0 else NULL
    sw.idx32 = &w_idx32[0] if w_idx32.shape[0] > 0 else NULL
    sw.indptr = &w_indptr[0]
    sw.ell_width = ell_width if ell_data.shape[0] > 0 else 0
    if sw.ell_width > 0 and (
            ell_data.shape[0] != (n + 7) // 8 * 8 * ell_width
            or (ell_idx16.shape[0] if sw.narrow else ell_idx32.shape[0])
            != ell_data.shape[0]):
        raise ValueError("the ELLPACK arrays do not hold ell_width weights for every unit")
    sw.ell_data = &ell_data[0] if ell_data.shape[0] > 0 else NULL
    sw.ell_idx16 = &ell_idx16[0] if ell_idx16.shape[0] > 0 else NULL
    sw.ell_idx32 = &ell_idx32[0] if ell_idx32.shape[0] > 0 else NULL
    if n_seq == 0:
        return rng
    with nogil:
        t_max = offsets[order[0] + 1] - offsets[order[0]]
        Z = <floating*> take(n_seq * n, sizeof(floating), &failed)
        xbuf = <floating*> take(n_seq * n, sizeof(floating), &failed)
        ybuf = <floating*> take(n_seq * n_out + 1, sizeof(floating), &failed)
        ynew = <floating*> take(n_seq * n_out + 1, sizeof(floating), &failed)
        if sparse and n_seq >= _BATCH_SPARSE:
            xT = <floating*> take(n_seq * n, sizeof(floating), &failed)
            zT = <floating*> take(n_seq * n, sizeof(floating), &failed)
        if failed:
            # nothing written yet: the states and outputs are as they were
            free(Z)
            free(xbuf)
            free(ybuf)
            free(ynew)
            free(xT)
            free(zT)
            with gil:
                check_taken(failed, "reservoir_states")
        for b in range(n_seq):
            memcpy(&xbuf[b * n], &x_state[order[b], 0], n * sizeof(floating))
            if n_out:
                memcpy(&ybuf[b * n_out], &y_state[order[b], 0], n_out * sizeof(floating))
        n_active = n_seq
        for t in range(t_max):
            while offsets[order[n_active - 1] + 1] - offsets[order[n_active - 1]] <= t:
                n_active -= 1
            for b in range(n_active):
                row = offsets[order[b]] + t
                memcpy(&Z[b * n], &U[row, 0], n * sizeof(floating))
            if dense:
                gemm_rm(False, n_active, n, n, <floating> 1, xbuf, n,
                        &W_dense[0, 0], n, <floating> 1, Z, n)
            elif sparse and n_active >= _BATCH_SPARSE:
                _sparse_product_batch(xbuf, n_active, n, &sw, Z, xT, zT)
            elif sparse:
                _sparse_product(xbuf, n_active, n, &sw, Z)
            if feedback:
                gemm_rm(False, n_active, n, n_out, <floating> 1, ybuf, n_out,
                        &W_fb[0, 0], n, <floating> 1, Z, n)
            vtanh(Z, n_active * n)
            # leaky integration; the noise is drawn in a fixed order (sequence
            # by sequence, unit by unit) so that a run is reproducible
            if amp != 0:
                for j in range(n_active * n):
                    xbuf[j] = keep * xbuf[j] + a * Z[j] + amp * <floating> _uniform_pm1(&rng)
            else:
                for j in range(n_active * n):
                    xbuf[j] = keep * xbuf[j] + a * Z[j]
            for b in range(n_active):
                row = offsets[order[b]] + t
                memcpy(&U[row, 0], &xbuf[b * n], n * sizeof(floating))
            if not closed:
                continue
            for b in range(n_active):
                row = offsets[order[b]] + t
                memcpy(&ynew[b * n_out], &V[row, 0], n_out * sizeof(floating))
            gemm_rm(False, n_active, n_out, n, <floating> 1, xbuf, n,
                    &R[0, 0], n_out, <floating> 1, ynew, n_out)
            if gen:
                gemm_rm(False, n_active, n_out, n_out, <floating> 1, ybuf, n_out,
                        &G[0, 0], n_out, <floating> 1, ynew, n_out)
            memcpy(ybuf, ynew, n_active * n_out * sizeof(floating))
            for b in range(n_active):
                row = offsets[order[b]] + t
                memcpy(&Y[row, 0], &ybuf[b * n_out], n_out * sizeof(floating))
        for b in range(n_seq):
            memcpy(&x_state[order[b], 0], &xbuf[b * n], n * sizeof(floating))
            if n_out:
                memcpy(&y_state[order[b], 0], &ybuf[b * n_out], n_out * sizeof(floating))
        free(Z)
        free(xbuf)
        free(ybuf)
        free(ynew)
        free(xT)
        free(zT)
    return rng


def project_inputs(const floating[:, ::1] X, const floating[:, ::1] W_in,
                   const floating[::1] bias, floating[:, ::1] out):
    """out = bias + X @ W_in in one pass over ``out``, for a few input features.

    A GEMM with so small an inner dimension is bound by writing ``out``;
    NumPy's product followed by adding the bias writes it twice. Here each
    row is built in cache (the bias, then one AXPY per input) and written
    once.
    """
    cdef Py_ssize_t n_rows = X.shape[0], n_in = X.shape[1], n = W_in.shape[1]
    cdef Py_ssize_t r, i, j
    cdef floating u
    cdef floating* row
    if W_in.shape[0] != n_in or bias.shape[0] != n or out.shape[0] != n_rows \
            or out.shape[1] != n:
        raise ValueError("project_inputs: shapes do not match")
    with nogil:
        for r in range(n_rows):
            row = &out[r, 0] if n else NULL
            for j in range(n):
                row[j] = bias[j]
            for i in range(n_in):
                u = X[r, i]
                for j in range(n):
                    row[j] += u * W_in[i, j]
