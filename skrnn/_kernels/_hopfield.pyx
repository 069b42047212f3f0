"""Recall in classical (binary) Hopfield networks, many probes at once.

Every probe keeps its local fields h = W s up to date as units flip: a flip
of unit i changes every field by 2 s_i W[i, :], so a sweep that flips k
units costs O(k n) instead of the O(n^2) of recomputing h. Python computes
the first fields of all probes with one matrix product; the kernel runs the
updates. Probes are independent, so they are spread over threads with
``prange``; the unit orders of the asynchronous sweeps are drawn once per
call (the first 64 sweeps; later ones continue the same stream) and shared
by all probes, so a probe's answer depends neither on the thread count nor
on the other probes of the call.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
from cython cimport floating
from cython.parallel cimport parallel, prange, threadid
from libc.stdint cimport int32_t, int8_t, uint32_t, uint64_t
from libc.math cimport fabs
from libc.stdlib cimport free
from scipy.linalg.cython_blas cimport daxpy, saxpy

import numpy as np

from ._alloc cimport check_taken, take

ctypedef Py_ssize_t intp_t

# what ended the recall of a probe (status array)
cdef enum:
    FIXED_POINT = 0
    TWO_CYCLE = 1
    MAX_ITER = 2

FIXED_POINT_CODE = FIXED_POINT
TWO_CYCLE_CODE = TWO_CYCLE
MAX_ITER_CODE = MAX_ITER


cdef inline uint32_t _xorshift(uint32_t* state) noexcept nogil:
    """Marsaglia's xorshift32; the state must never be 0."""
    cdef uint32_t x = state[0]
    x ^= x << 13
    x ^= x >> 17
    x ^= x << 5
    state[0] = x
    return x


cdef inline uint32_t _below(uint32_t n, uint32_t* state) noexcept nogil:
    """A draw from {0, ..., n - 1} (Lemire's multiply-shift; bias below 2^-32 n)."""
    return <uint32_t> ((<uint64_t> _xorshift(state) * n) >> 32)


cdef void _sweep_orders(int32_t* orders, Py_ssize_t n_sweeps, Py_ssize_t n,
                        uint32_t* state) noexcept nogil:
    """Fill ``orders`` (n_sweeps, n) with independent random permutations.

    Fisher-Yates from one stream, sweep after sweep, continuing ``state``:
    the first k rows do not depend on n_sweeps, so a recall stopped after k
    sweeps saw the same orders as a longer one (the energy tests rely on
    it), and the stream can be resumed from a saved state.
    """
    cdef Py_ssize_t t, i, j
    cdef int32_t tmp
    cdef int32_t* row
    for t in range(n_sweeps):
        row = &orders[t * n]
        for i in range(n):
            row[i] = <int32_t> i
        for i in range(n - 1, 0, -1):
            j = _below(<uint32_t> (i + 1), state)
            tmp = row[i]
            row[i] = row[j]
            row[j] = tmp


cdef inline uint32_t _initial_state(uint32_t seed) noexcept nogil:
    return seed if seed != 0 else 0x9E3779B9u


def _py_sweep_orders(Py_ssize_t n_sweeps, Py_ssize_t n, uint32_t seed):
    """The unit orders ``hopfield_recall`` uses for a seed (for tests)."""
    orders = np.empty((n_sweeps, n), dtype=np.int32)
    cdef int32_t[:, ::1] view = orders
    cdef uint32_t state = _initial_state(seed)
    if n_sweeps > 0 and n > 0:
        _sweep_orders(&view[0, 0], n_sweeps, n, &state)
    return orders


cdef inline void _flip(floating* s, floating* h, const floating* w_row,
                       Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    """Flip unit i and move every field by 2 s_i W[i, :] (W is symmetric).

    BLAS axpy rather than a C loop: it uses the widest vector units of the
    CPU, which the portable build of this module does not.
    """
    cdef int n_ = <int> n, one = 1
    cdef floating step
    s[i] = -s[i]
    step = 2 * s[i]
    if floating is double:
        daxpy(&n_, &step, <double*> w_row, &one, h, &one)
    else:
        saxpy(&n_, &step, <float*> w_row, &one, h, &one)


cdef inline bint _wants(floating s_i, floating h_i, floating tie) noexcept nogil:
    """Whether unit i disagrees with its field; |h_i| <= tie keeps the state.

    With s_i = +-1 this is sgn(h_i) != s_i and |h_i| > tie in one comparison:
    the sign of h_i is a coin toss the branch predictor would lose.
    """
    return s_i * h_i < -tie


cdef void _async_block(const floating[:, ::1] W, floating[:, ::1] S,
                       floating[:, ::1] H, Py_ssize_t first, Py_ssize_t last,
                       const int32_t* orders, int n_orders, uint32_t stream,
                       int32_t* extra, int max_iter, floating tie,
                       intp_t* active, Py_ssize_t* changed,
                       int32_t[::1] n_iter, int8_t[::1] status) noexcept nogil:
    """Asynchronous recall of probes first..last-1, in lockstep.

    All probes visit the units in the same order, so when several of them
    flip unit i they all read row i of W while it is in cache: a block of
    probes reads W from memory about once per sweep instead of once per
    probe. Each probe still sees exactly its own sequence of updates.

    The first ``n_orders`` sweeps use the shared ``orders``; later ones
    (rare: asynchronous recall settles in a few sweeps) continue the same
    random stream from its saved state ``stream`` into ``extra``.
    """
    cdef Py_ssize_t n = W.shape[0], n_active = last - first, k, b, i, p, kept
    cdef int sweep
    cdef const int32_t* order
    cdef const floating* w_row
    for b in range(n_active):
        active[b] = first + b
    for sweep in range(max_iter):
        if n_active == 0:
            return
        if sweep < n_orders:
            order = &orders[sweep * n]
        else:
            _sweep_orders(extra, 1, n, &stream)
            order = extra
        for b in range(n_active):
            changed[b] = 0
        for k in range(n):
            i = order[k]
            w_row = &W[i, 0]
            for b in range(n_active):
                p = active[b]
                if _wants(S[p, i], H[p, i], tie):
                    _flip(&S[p, 0], &H[p, 0], w_row, i, n)
                    changed[b] += 1
        # probes whose sweep changed nothing are at a fixed point: done
        kept = 0
        for b in range(n_active):
            p = active[b]
            if changed[b] == 0:
                n_iter[p] = sweep + 1
                status[p] = FIXED_POINT
            else:
                active[kept] = p
                kept += 1
        n_active = kept
    for b in range(n_active):
        n_iter[active[b]] = max_iter
        status[active[b]] = MAX_ITER


cdef inline floating _half_overlap(const floating* s, const floating* h,
                                   Py_ssize_t n) noexcept nogil:
    """s . h = -2 E(s) (summed in index order, so reproducible)."""
    cdef Py_ssize_t j
    cdef floating acc = 0
    for j in range(n):
        acc += s[j] * h[j]
    return acc


cdef int _sync_probe(const floating[:, ::1] W, floating* s, floating* h,
                     intp_t* flips, intp_t* prev_flips, Py_ssize_t n,
                     int max_iter, floating tie, int8_t* status) noexcept nogil:
    cdef int it
    cdef Py_ssize_t i, n_flips, n_prev = -1
    cdef bint same
    cdef floating before, after
    cdef intp_t* swap
    for it in range(max_iter):
        # every unit decides from the fields of the same state
        n_flips = 0
        for i in range(n):
            if _wants(s[i], h[i], tie):
                flips[n_flips] = i
                n_flips += 1
        if n_flips == 0:
            status[0] = FIXED_POINT
            return it + 1
        # s_{t+1} = s_{t-1} exactly when this step flips the units the last
        # one flipped (both lists are in increasing order)
        same = n_flips == n_prev
        if same:
            for i in range(n_flips):
                if flips[i] != prev_flips[i]:
                    same = False
                    break
        before = _half_overlap(s, h, n)
        for i in range(n_flips):
            _flip(s, h, &W[flips[i], 0], flips[i], n)
        if same:
            # a 2-cycle: keep the lower-energy state of the two (E = -s.h/2);
            # energies equal to rounding (as of s and -s) keep the newer one
            after = _half_overlap(s, h, n)
            if after < before - n * tie:
                for i in range(n_flips):
                    _flip(s, h, &W[flips[i], 0], flips[i], n)
            status[0] = TWO_CYCLE
            return it + 1
        swap = prev_flips
        prev_flips = flips
        flips = swap
        n_prev = n_flips
    status[0] = MAX_ITER
    return max_iter


def all_in_pair(const floating[:, :] X, double a, double b):
    """Whether every entry of X is a or b (one pass, no temporary arrays)."""
    cdef Py_ssize_t i, j
    cdef floating x, a_ = <floating> a, b_ = <floating> b
    cdef bint ok = True
    with nogil:
        for i in range(X.shape[0]):
            for j in range(X.shape[1]):
                x = X[i, j]
                if x != a_ and x != b_:
                    ok = False
                    break
            if not ok:
                break
    return ok


def max_abs_row_sum(const floating[:, ::1] W):
    """max_i sum_j |W[i, j]|, the largest field a +-1 state can meet (no copy of W)."""
    cdef Py_ssize_t i, j
    cdef double row, best = 0
    with nogil:
        for i in range(W.shape[0]):
            row = 0
            for j in range(W.shape[1]):
                row += fabs(W[i, j])
            if row > best:
                best = row
    return best


def hopfield_recall(const floating[:, ::1] W,
                    floating[:, ::1] S,
                    floating[:, ::1] H,
                    bint synchronous,
                    int max_iter,
                    double tie,
                    uint32_t seed,
                    int n_threads,
                    int32_t[::1] n_iter,
                    int8_t[::1] status,
                    int n_precomputed=64):
    """Recall every probe of ``S`` in a Hopfield network, in place.

    Each unit follows s_i <- sgn(h_i) with h = W s, and keeps its state
    when |h_i| <= ``tie``. Asynchronous: units are updated one at a time,
    in a new random order every sweep, until a sweep changes nothing or
    ``max_iter`` sweeps. Synchronous: s_{t+1} = sgn(W s_t) for all units at
    once, until s_{t+1} = s_t (fixed point), s_{t+1} = s_{t-1} (2-cycle:
    the lower-energy state of the two is kept, s_{t+1} when their energies
    differ by less than n * tie / 2) or ``max_iter`` steps.

    Parameters
    ----------
    W : ndarray of shape (n, n)
        Symmetric weights with zero diagonal (so that E = -s W s / 2 falls
        at every asynchronous flip).
    S : ndarray of shape (n_probes, n)
        In: the probes in {-1, +1}. Out: the recalled states.
    H : ndarray of shape (n_probes, n)
        In: the fields S @ W. Out: the fields of the recalled states.
    synchronous : bool
    max_iter : int
        Maximum number of sweeps (asynchronous) or steps (synchronous).
    tie : float
        Fields of absolute value up to ``tie`` count as zero (rounding).
    seed : uint32
        Seeds the unit orders of the asynchronous sweeps.
    n_threads : int
        Threads over probes; the result does not depend on it.
    n_iter : ndarray of shape (n_probes,), int32
        Out: the sweeps or steps run for each probe, the last one included.
    status : ndarray of shape (n_probes,), int8
        Out: 0 fixed point, 1 two-cycle, 2 ``max_iter`` reached.
    n_precomputed : int, default=64
        Asynchronous sweeps whose orders are drawn up front and shared; the
        orders of later sweeps are drawn as needed, from the same stream
        (so the answers do not depend on it), keeping memory bounded
        whatever ``max_iter``.
    """
    cdef Py_ssize_t n_probes = S.shape[0], n = S.shape[1], p
    cdef floating tie_ = <floating> tie
    cdef int32_t* orders = NULL
    cdef int32_t* extra = NULL
    cdef uint32_t stream = _initial_state(seed)
    cdef int n_orders = max(1, min(max_iter, n_precomputed))
    cdef intp_t* flips = NULL
    cdef Py_ssize_t* changed = NULL
    # probes per asynchronous block: their fields (block * n values) stay
    # within a few hundred kB, in L2 next to the row of W being read
    cdef Py_ssize_t block = max(1, min(64, (256 * 1024) // (n * <Py_ssize_t> sizeof(floating) + 1)))
    cdef Py_ssize_t n_blocks = (n_probes + block - 1) // block, blk
    cdef int n_team = n_threads if n_threads > 0 else 1
    cdef Py_ssize_t n_flips = 2 * max(n, block)
    cdef intp_t* all_flips = NULL
    cdef Py_ssize_t* all_changed = NULL
    cdef int32_t* all_extra = NULL
    cdef size_t failed = 0
    if n_probes == 0 or n == 0 or max_iter <= 0:
        return
    with nogil:
        # per-thread scratch, taken for the whole team before any probe
        # changes: the sync flip lists (this step's and the last one's), or
        # the async block's active probes and counts
        all_flips = <intp_t*> take(n_team * n_flips, sizeof(intp_t), &failed)
        all_changed = <Py_ssize_t*> take(n_team * block, sizeof(Py_ssize_t), &failed)
        all_extra = <int32_t*> take(n_team * n, sizeof(int32_t), &failed)
        if not synchronous:
            orders = <int32_t*> take(n_orders * n, sizeof(int32_t), &failed)
        if failed:
            free(all_flips)
            free(all_changed)
            free(all_extra)
            free(orders)
            with gil:
                check_taken(failed, "hopfield_recall")
        if not synchronous:
            _sweep_orders(orders, n_orders, n, &stream)
        with parallel(num_threads=n_team):
            flips = all_flips + threadid() * n_flips
            changed = all_changed + threadid() * block
            extra = all_extra + threadid() * n
            if synchronous:
                for p in prange(n_probes, schedule="dynamic"):
                    n_iter[p] = _sync_probe(W, &S[p, 0], &H[p, 0], flips, flips + n,
                                            n, max_iter, tie_, &status[p])
            else:
                for blk in prange(n_blocks, schedule="dynamic"):
                    _async_block(W, S, H, blk * block, min((blk + 1) * block, n_probes),
                                 orders, n_orders, stream, extra, max_iter, tie_,
                                 flips, changed, n_iter, status)
        free(all_flips)
        free(all_changed)
        free(all_extra)
        free(orders)
