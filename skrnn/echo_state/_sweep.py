"""Running a reservoir over many sequences in windows of bounded memory.

A sweep cuts sequences into groups that advance together (the kernel's batch
path) and each group into windows of time steps (so memory stays bounded
however long the sequences); :class:`Pooling` turns the step features of a
window into one row per sequence; :func:`overlap_window` and
:func:`run_beside` let the readout's sums of one window run on a second
thread while the reservoir runs over the next.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from joblib import effective_n_jobs

from ..utils._threads import run_in_parallel
from ._reservoir import CHUNK_ELEMENTS

#: sequences advanced together in one kernel call (wide enough to fill the
#: vectorised batch product, small enough to keep the per-sequence buffers small)
GROUP = 256

#: overlapped accumulation (n_jobs >= 2): windows per run, and their least
#: size in states (below it the per-window overhead outweighs the overlap;
#: above, each window's Gram update re-reads the whole (p, p) sum, which at
#: 2000 units and 1000-step windows costs about a tenth of the update)
_OVERLAP_WINDOWS = 8
_MIN_WINDOW_ELEMENTS = 1 << 18


def sweep(seqs, n_units, chunk_elements=None, align=None, members=None):
    """Cut the sequences into pieces the kernel runs in one call each.

    Yields, for every group of at most ``GROUP`` consecutive sequences,
    ``(ids, pieces)`` where ``pieces`` yields ``(act, sub_offsets, rows,
    t_in)``: the group's sequences still running (local indices, by
    decreasing length), a window of their next time steps (at most about
    ``chunk_elements`` states in all, default CHUNK_ELEMENTS), the rows of
    ``seqs.X`` it covers, and each row's time index within its sequence. All
    sequences of a group advance together, their state carried from one
    window to the next by the caller.

    ``align=(leaf, offset)`` cuts a single series into whole leaves of the
    readout's sums (positions ``[k leaf, (k + 1) leaf)``, counted from
    ``offset``, the position of its first step in the stream; as many as fit
    the budget, at least one), which then read its states in place.

    ``members`` (indices of sequences, default all) sweeps only those, in
    groups of consecutive members.
    """
    budget = max(1, (chunk_elements or CHUNK_ELEMENTS) // n_units)
    lengths, offsets = seqs.lengths, seqs.offsets
    if members is None:
        members = np.arange(seqs.n_sequences)
    for g0 in range(0, members.size, GROUP):
        ids = members[g0:g0 + GROUP]
        yield ids, _windows(offsets[ids], lengths[ids], budget,
                            align if seqs.n_sequences == 1 else None)


def state_buffer(seqs, n_units, chunk_elements=None, align=None):
    """One buffer for the states of every window of a sweep (allocated once)."""
    # a window holds at most the budget, or one step of each of a group's
    # sequences when the group is wider than the budget, or one leaf
    rows = max((chunk_elements or CHUNK_ELEMENTS) // n_units, min(GROUP, seqs.n_sequences), 1,
               align[0] if align is not None else 1)
    return np.empty((min(rows, seqs.n_steps), n_units), dtype=seqs.X.dtype)


def _windows(starts, lengths, budget, align=None):
    order = np.argsort(-lengths, kind="stable")
    t0, t_max = 0, lengths.max()
    while t0 < t_max:
        act = order[lengths[order] > t0]
        width = max(1, budget // act.size)
        if align is not None:
            leaf, offset = align
            width = max(1, width // leaf) * leaf - (offset + t0) % leaf
        sub = np.minimum(lengths[act] - t0, width)  # decreasing, as the kernel needs
        sub_offsets = np.zeros(act.size + 1, dtype=np.intp)
        np.cumsum(sub, out=sub_offsets[1:])
        local = np.arange(sub_offsets[-1], dtype=np.intp) - np.repeat(sub_offsets[:-1], sub)
        rows = np.repeat(starts[act] + t0, sub) + local
        yield act, sub_offsets, rows, local + t0
        t0 += width


def overlap_window(n_steps, n_units, n_jobs):
    """The window size (in states) for overlapped accumulation, or None for none.

    Overlapping needs two threads (``n_jobs`` >= 2) and several windows: the
    run is cut into at least ``_OVERLAP_WINDOWS`` of them (no more than
    CHUNK_ELEMENTS, no fewer than ``_MIN_WINDOW_ELEMENTS`` states each), so
    that the first window's run and the last one's sums, the parts with
    nothing beside them, are a small part of the whole.
    """
    if effective_n_jobs(n_jobs) < 2:
        return None
    total = n_steps * n_units
    chunk = min(CHUNK_ELEMENTS, max(_MIN_WINDOW_ELEMENTS, total // _OVERLAP_WINDOWS))
    return chunk if total > chunk else None


def run_beside(main, beside):
    """``main()`` in this thread while ``beside()`` runs on another; main's result."""
    result = []
    run_in_parallel([lambda: result.append(main()), beside])
    return result[0]


def selection(mask):
    """The rows where ``mask`` holds: a slice (a view, no copy) when they are contiguous.

    After the washout of a single series they are, and copying the states of
    a whole window just to drop its first steps cost as much as their Gram
    matrix.
    """
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return slice(0, 0)
    if rows[-1] - rows[0] + 1 == rows.size:
        return slice(rows[0], rows[-1] + 1)
    return rows


class Pooling:
    """Running per-sequence pooling of step features over the windows of a sweep.

    'last' keeps each sequence's last step; 'mean' sums the steps from
    ``min(n_washout, length - 1)`` on (at least the last step counts);
    'both' is the two side by side.
    """

    def __init__(self, pooling, n_washout, lengths):
        self.pooling = pooling
        self.lengths = lengths
        self.skip = np.minimum(n_washout, lengths - 1)
        self.last = self.total = None

    def add(self, F, act, sub_offsets, t_in):
        if self.last is None:
            self.last = np.zeros((self.lengths.size, F.shape[1]))
            self.total = np.zeros((self.lengths.size, F.shape[1]))
        sub = np.diff(sub_offsets)
        ends = t_in[sub_offsets[1:] - 1] == self.lengths[act] - 1
        self.last[act[ends]] = F[sub_offsets[1:][ends] - 1]
        if self.pooling != "last":
            kept = t_in >= np.repeat(self.skip[act], sub)
            self.total[act] += np.add.reduceat(F * kept[:, None], sub_offsets[:-1], axis=0)

    def features(self):
        if self.pooling == "last":
            return self.last
        mean = self.total / (self.lengths - self.skip)[:, None]
        return mean if self.pooling == "mean" else np.hstack([self.last, mean])
