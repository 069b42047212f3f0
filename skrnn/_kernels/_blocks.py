"""How a batch of sequences is split into blocks that run in parallel."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


def plan_blocks(offsets, order, n_threads):
    """Split a batch into at most ``n_threads`` blocks of sequences of equal work.

    Parameters
    ----------
    offsets : ndarray of shape (n_sequences + 1,), intp
        Sequence s occupies rows offsets[s]:offsets[s + 1].
    order : ndarray of shape (n_sequences,), intp
        The sequences sorted by decreasing length.
    n_threads : int

    Returns
    -------
    members : ndarray of shape (n_sequences,), intp
        A permutation of ``order``; block j is ``members[bounds[j]:bounds[j + 1]]``,
        itself sorted by decreasing length.
    bounds : ndarray of shape (n_blocks + 1,), intp

    Notes
    -----
    Equal-length sequences lying one after the other in memory are cut into
    contiguous runs, which keeps the kernels' strided fast path; otherwise
    every n_blocks-th sequence of ``order`` goes to the same block, which
    balances the number of steps.
    """
    order = np.asarray(order, dtype=np.intp)
    n_seq = order.shape[0]
    n_blocks = max(1, min(int(n_threads), n_seq))
    if n_blocks == 1:
        return order, np.array([0, n_seq], dtype=np.intp)
    lengths = np.diff(offsets)[order]
    consecutive = (np.array_equal(order, order[0] + np.arange(n_seq))
                   and np.all(lengths == lengths[0]))
    members = order
    if n_blocks > 1 and not consecutive:
        members = np.concatenate([order[j::n_blocks] for j in range(n_blocks)])
    sizes = np.full(n_blocks, n_seq // n_blocks, dtype=np.intp)
    sizes[:n_seq % n_blocks] += 1
    bounds = np.zeros(n_blocks + 1, dtype=np.intp)
    np.cumsum(sizes, out=bounds[1:])
    return np.ascontiguousarray(members), bounds


def plan_packed_blocks(starts, n_threads):
    """Split the positions of a time-major packed batch into blocks of equal work.

    Parameters
    ----------
    starts : ndarray of shape (t_max + 1,), intp
        Block t of the packing holds positions 0 .. starts[t + 1] - starts[t] - 1
        (see skrnn._packing).
    n_threads : int

    Returns
    -------
    bounds : ndarray of shape (n_blocks + 1,), intp
        Block j is positions bounds[j]:bounds[j + 1]; each holds about the
        same number of steps (positions are sorted by decreasing length).
    """
    n_active = np.diff(starts)
    n_seq = int(n_active[0]) if n_active.size else 0
    n_blocks = max(1, min(int(n_threads), n_seq))
    if n_blocks == 1:
        return np.array([0, n_seq], dtype=np.intp)
    # length of position b: the steps t with more than b sequences running
    lengths = np.searchsorted(-n_active, -np.arange(n_seq), side="left")
    work = np.cumsum(lengths)
    cuts = np.searchsorted(work, work[-1] * np.arange(1, n_blocks) / n_blocks) + 1
    bounds = np.unique(np.concatenate([[0], np.minimum(cuts, n_seq), [n_seq]]))
    return bounds.astype(np.intp)
