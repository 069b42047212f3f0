"""The random reservoir of an echo state network: its weights, and running it over sequences."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackNoConvergence, eigs

from .._kernels._blocks import plan_blocks
from .._kernels._reservoir import project_inputs, reservoir_states
from ..utils._threads import kernel_threads, limit_threads, single_threaded_blas

# Below this size the dense eigenvalue solver is cheap and ARPACK is not
# applicable (it needs k < n - 1) or not worth it.
_DENSE_EIG_MAX = 100
# Arnoldi basis size for the spectral radius. A random reservoir's
# eigenvalues fill a disc (the circular law), so the largest moduli are
# nearly tied; with ARPACK's default basis (20 vectors) it settled on an
# eigenvalue 0.3-0.7 % below the largest for 500 and 1000 units. 120 found
# the largest to 1e-10 in every case tried (100 to 2000 units), in about as
# many matrix products.
_ARNOLDI_BASIS = 120
# Up to this many input features the input projection is a fused loop, not a GEMM.
_FUSED_PROJECTION_MAX = 8
# Density above which one dense GEMM per step beats the sparse gather.
_DENSE_ABOVE = 0.3
# Least sequences per parallel block: below it a block leaves the vectorised
# batch product (which runs 4-16 sequences per instruction) for the
# one-sequence gather, and would gain little from its thread.
_MIN_BLOCK_SEQUENCES = 8
# Elements of a state buffer per kernel call (32 MB in float64): long series
# are run in chunks of time steps so that memory stays O(n_units) per step
# of a chunk, not O(n_steps).
CHUNK_ELEMENTS = 1 << 22


def sparse_recurrent_matrix(n_units, connectivity, rng):
    """A random (n_units, n_units) CSR matrix, float64, entries U[-1, 1].

    Every unit receives exactly ``max(1, round(connectivity * n_units))``
    connections from distinct units (a fixed in-degree, so no unit is cut off
    from the others, and the number of weights does not depend on chance).
    """
    k = max(1, round(connectivity * n_units))
    sources = np.empty((n_units, k), dtype=np.int64)
    for j in range(n_units):
        sources[j] = np.sort(rng.choice(n_units, k, replace=False))
    values = rng.uniform(-1.0, 1.0, (n_units, k))
    # row j of W^T lists the units feeding unit j; W = (W^T)^T
    W_T = sp.csr_array((values.ravel(), sources.ravel(), np.arange(0, n_units * k + 1, k)),
                       shape=(n_units, n_units))
    return W_T.T.tocsr()


def spectral_radius(W, rng):
    """Largest eigenvalue modulus of the square matrix ``W`` (sparse or dense).

    Dense LAPACK for small matrices; ARPACK (implicitly restarted Arnoldi)
    otherwise, with a basis wide enough to separate the nearly tied largest
    eigenvalues of a random matrix (see ``_ARNOLDI_BASIS``), from a start
    vector drawn from ``rng`` so that the result is reproducible, with the
    dense solver as a fallback if it does not converge.
    """
    n = W.shape[0]
    v0 = rng.uniform(-1.0, 1.0, n)
    def dense():
        return W.toarray() if sp.issparse(W) else np.asarray(W)

    if n <= _DENSE_EIG_MAX:
        return float(np.abs(np.linalg.eigvals(dense())).max()) if n else 0.0
    try:
        with limit_threads(1):
            values = eigs(sp.csr_array(W, dtype=np.float64), k=1, which="LM", v0=v0,
                          ncv=min(n - 1, _ARNOLDI_BASIS), tol=1e-10,
                          maxiter=max(1000, 20 * n), return_eigenvectors=False)
        return float(np.abs(values).max())
    except ArpackNoConvergence:
        return float(np.abs(np.linalg.eigvals(dense())).max())


def float32_exact(W):
    """W with its values rounded to float32, kept in float64.

    The kernel stores the recurrent weights in float32 (half the memory
    traffic); drawing them exactly representable makes that storage exact,
    so float64 states still see exactly the weights of
    ``recurrent_weights_``.
    """
    W = sp.csr_array(W, dtype=np.float64, copy=True)
    W.data = W.data.astype(np.float32).astype(np.float64)
    return W


def _index_arrays(indices, narrow):
    """(uint16 indices, int32 indices), the one not used empty."""
    if narrow:
        return indices.astype(np.uint16), np.zeros(0, dtype=np.intc)
    return np.zeros(0, dtype=np.uint16), indices.astype(np.intc)


# no ELLPACK copy: (data, uint16 indices, int32 indices, weights per row)
_NO_ELL = (np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.uint16),
           np.zeros(0, dtype=np.intc), 0)


def sliced_ellpack(W_T, narrow, lanes=8):
    """W^T (CSR) in sliced ELLPACK, when every row has the same number of weights.

    Rows go in slices of ``lanes``; within a slice, the c-th weight of each
    of its rows is stored side by side, so that the kernel gathers the
    states for ``lanes`` units with one instruction. The reservoir draws a
    fixed in-degree (:func:`sparse_recurrent_matrix`), so every row qualifies;
    any other matrix gets ``_NO_ELL`` and the row-wise CSR product.

    Returns
    -------
    (data, indices16, indices32, width) : float32 values, the column
        indices in the layout's order (one of the two arrays empty, as for
        the CSR), and the number of weights per row.
    """
    n = W_T.shape[0]
    degree = np.diff(W_T.indptr)
    width = int(degree[0]) if n else 0
    if width == 0 or np.any(degree != width):
        return _NO_ELL
    n_slices = -(-n // lanes)
    data = np.zeros((n_slices * lanes, width), dtype=np.float32)
    indices = np.zeros((n_slices * lanes, width), dtype=np.int64)
    data[:n] = W_T.data.reshape(n, width)
    indices[:n] = W_T.indices.reshape(n, width)

    def interleave(a):  # (slice, lane, c) -> (slice, c, lane)
        return np.ascontiguousarray(a.reshape(n_slices, lanes, width).transpose(0, 2, 1)).ravel()

    return (interleave(data), *_index_arrays(interleave(indices), narrow), width)


class Reservoir:
    """A leaky-integrator tanh reservoir with fixed random weights.

    ::

        x_t = (1 - a) x_{t-1} + a tanh(b + u_t @ W_in + x_{t-1} @ W + y_{t-1} @ W_fb)

    Parameters
    ----------
    W_in : ndarray of shape (n_inputs, n_units)
    bias : ndarray of shape (n_units,)
    W : sparse matrix of shape (n_units, n_units)
    W_fb : ndarray of shape (n_outputs, n_units) or None
    leaking_rate : float
    """

    def __init__(self, W_in, bias, W, W_fb, leaking_rate):
        self.W_in = np.ascontiguousarray(W_in)
        self.bias = np.ascontiguousarray(bias)
        self.W = W
        self.W_fb = W_fb
        self.leaking_rate = leaking_rate
        dtype = W_in.dtype
        n = W.shape[0]
        if W.nnz == 0 or W.nnz < _DENSE_ABOVE * n * n:
            # the kernel gathers along rows of W^T: the inputs of each unit;
            # values in float32 (exact: see float32_exact), narrow indices
            W_T = sp.csr_array(W.T)
            W_T.sort_indices()
            narrow = n <= 65536
            self._csr = (np.ascontiguousarray(W_T.data, dtype=np.float32),
                         *_index_arrays(W_T.indices, narrow), W_T.indptr.astype(np.intc))
            self._ell = sliced_ellpack(W_T, narrow)
            self._dense = np.zeros((0, 0), dtype=dtype)
        else:
            self._csr = (np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.uint16),
                         np.zeros(0, dtype=np.intc), np.zeros(n + 1, dtype=np.intc))
            self._ell = _NO_ELL
            self._dense = np.ascontiguousarray(W.toarray(), dtype=dtype)

    @property
    def n_units(self):
        return self.W.shape[0]

    @property
    def dtype(self):
        return self.W_in.dtype

    def project(self, X, out=None):
        """b + X @ W_in, C-contiguous (the kernel overwrites it with the states).

        ``out`` is a buffer of shape (len(X), n_units) to reuse (a chunked run
        then allocates, and page-faults, only once).
        """
        if out is None:
            out = np.empty((X.shape[0], self.n_units), dtype=self.dtype)
        if X.shape[1] <= _FUSED_PROJECTION_MAX:
            # bound by writing ``out``: one fused pass instead of two
            project_inputs(np.ascontiguousarray(X, dtype=self.dtype), self.W_in, self.bias, out)
            return out
        U = np.matmul(X, self.W_in, out=out)
        U += self.bias
        return U

    def blocks(self, offsets, order):
        """The sequences in blocks of equal work, one per allowed kernel thread.

        Independent sequences can run on parallel threads when the
        enclosing :func:`~skrnn.utils._threads.limit_threads` allows
        parallel kernels (prediction with ``n_jobs`` >= 2): each sequence's
        arithmetic is the same in any block. ``order`` lists the sequences
        by decreasing length; each block is at least
        ``_MIN_BLOCK_SEQUENCES`` wide.
        """
        weights = self._dense.size or self._csr[0].size
        n_threads = kernel_threads((offsets[-1] - offsets[0]) * (weights + self.n_units))
        n_threads = min(n_threads, order.shape[0] // _MIN_BLOCK_SEQUENCES)
        if n_threads <= 1:
            return [order]
        members, bounds = plan_blocks(offsets, order, n_threads)
        return [members[start:stop] for start, stop in zip(bounds[:-1], bounds[1:])]

    def run(self, U, offsets, order, x_state, *, feedback=None, noise=0.0, seed=1):
        """Open loop: states of every step, written into ``U`` (see :meth:`project`).

        ``feedback`` is the teacher-forced y_{t-1} of every row, if any; it is
        added to ``U`` through ``W_fb`` before the run. Returns the noise
        generator's state after the run.
        """
        dtype = self.dtype
        if feedback is not None:
            U += feedback @ self.W_fb
        empty = np.zeros((0, 0), dtype=dtype)
        n_seq = offsets.shape[0] - 1
        no_fb = np.zeros((0, self.n_units), dtype=dtype)
        no_out = np.zeros((n_seq, 0), dtype=dtype)
        # per-step products are small: one thread (and no thread-count change
        # at all when the caller has BLAS on one thread already, as the
        # fit's sums pipeline does while another thread runs BLAS)
        with single_threaded_blas():
            return reservoir_states(U, *self._csr, *self._ell, self._dense, no_fb,
                                    np.zeros((self.n_units, 0), dtype=dtype), empty,
                                    np.zeros((U.shape[0], 0), dtype=dtype),
                                    np.zeros((U.shape[0], 0), dtype=dtype),
                                    offsets, order, self.leaking_rate, noise,
                                    np.uint64(seed), x_state, no_out)

    def run_closed(self, U, V, offsets, order, x_state, y_state, *, W_fb, R, G):
        """Closed loop: the readout runs at every step and its output feeds back.

        ``y_t = V_t + x_t @ R + y_{t-1} @ G`` is fed to the next step through
        ``W_fb``. Returns ``(states, outputs)``; the states overwrite ``U``.
        """
        dtype = self.dtype
        Y = np.empty(V.shape, dtype=dtype)
        G = np.zeros((0, 0), dtype=dtype) if G is None else np.ascontiguousarray(G, dtype=dtype)
        with single_threaded_blas():
            reservoir_states(U, *self._csr, *self._ell, self._dense,
                             np.ascontiguousarray(W_fb, dtype=dtype),
                             np.ascontiguousarray(R, dtype=dtype), G,
                             np.ascontiguousarray(V, dtype=dtype), Y, offsets, order,
                             self.leaking_rate, 0.0, np.uint64(1), x_state, y_state)
        return U, Y
