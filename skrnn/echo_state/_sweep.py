"""Running a reservoir over many sequences in windows of bounded memory.

A sweep cuts sequences into groups that advance together (the kernel's batch
path) and each group into windows of time steps (so memory stays bounded
however long the sequences); :class:`Pooling` turns the step features of a
window into one row per sequence; :class:`SumsPipeline` adds the readout's
sums of each window on a second thread while the reservoir runs over the
next ones.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import queue
import threading

import numpy as np

from ..utils._threads import submit
from ._reservoir import CHUNK_ELEMENTS

#: sequences advanced together in one kernel call (wide enough to fill the
#: vectorised batch product, small enough to keep the per-sequence buffers small)
GROUP = 256

#: state buffers in the ring of a :class:`SumsPipeline` (n_jobs >= 2): the
#: reservoir can run two windows ahead of the sums before it waits
PIPELINE_BUFFERS = 3

#: windows of a sweep whose steps feed the readout: windows per run (the first
#: window's states and the last one's sums run with nothing beside them, about
#: 1 / _OVERLAP_WINDOWS of each), and their least size in states (below it the
#: per-window overhead outweighs the overlap; each window's Gram update re-reads
#: the whole (p, p) sum, which at 2000 units and 1000-row windows costs about a
#: tenth of the update)
_OVERLAP_WINDOWS = 32
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


def sums_window(n_steps, n_units):
    """The window size (in states) of a sweep whose steps feed the readout, or None.

    The run is cut into at least ``_OVERLAP_WINDOWS`` windows (no more than
    CHUNK_ELEMENTS, no fewer than ``_MIN_WINDOW_ELEMENTS`` states each), so
    that in a :class:`SumsPipeline` the first window's run and the last
    one's sums, the parts with nothing beside them, are a small part of the
    whole. The windows do not depend on ``n_jobs``: the sums are added in
    the same pieces, in the same order, and come out the same bits on one
    thread or two. None: one window (default size) holds the whole run.
    """
    total = n_steps * n_units
    chunk = min(CHUNK_ELEMENTS, max(_MIN_WINDOW_ELEMENTS, total // _OVERLAP_WINDOWS))
    return chunk if total > chunk else None


class SumsPipeline:
    """The readout's sums of a sweep's windows, added as the reservoir runs them.

    Beside (``beside=True``, n_jobs >= 2), the reservoir thread (the
    caller) fills a ring of state buffers in turn and queues each window's
    rows; a worker thread adds them to the sums in the order they were
    queued and hands the buffer back. The reservoir waits only when every
    buffer still holds rows not yet summed, and the sums only when nothing
    is queued, so neither waits for the other at every window (a join per
    window made both threads wait for whichever a loaded machine
    descheduled). Otherwise each window's rows are added at once, in one
    buffer.

    Use as a context manager. An exception on either side stops both: the
    worker's is raised in the caller (at the next :meth:`buffer` or on
    exit), and one in the caller (Ctrl-C, MemoryError) drops the rows still
    queued; on exit the worker has stopped touching the sums either way.

    Parameters
    ----------
    sums : ReadoutSums
        What the rows are added to (only by the worker when beside).
    buffers : list of ndarray
        The state buffers: one, or a ring of ``PIPELINE_BUFFERS`` when beside.
    beside : bool
    """

    def __init__(self, sums, buffers, beside):
        self.sums, self.buffers, self.beside = sums, buffers, beside
        self._n_taken = 0
        self._n_queued = 0  # rows queued (written by the caller only)
        # the sums' rows after the last add, and the queued rows it had taken
        # (written by the worker only, as one tuple)
        self._summed = (sums.n_rows, 0)
        self._error = None
        self._stop = False

    @property
    def n_rows(self):
        """Readout rows so far, counting those queued (for progress lines)."""
        n_rows, n_taken = self._summed
        return n_rows + self._n_queued - n_taken

    def __enter__(self):
        if self.beside:
            self._free = threading.Semaphore(len(self.buffers))
            self._queue = queue.SimpleQueue()
            self._worker = submit(self._consume)
        return self

    def buffer(self):
        """The next state buffer, once the sums are done with its last rows."""
        if self.beside:
            self._free.acquire()
            if self._error is not None:
                raise self._error
        buffer = self.buffers[self._n_taken % len(self.buffers)]
        self._n_taken += 1
        return buffer

    def add(self, *args, **kwargs):
        """Add rows (``ReadoutSums.add``'s arguments) from the last buffer taken."""
        self._n_queued += args[1].shape[0]
        if not self.beside:
            self.sums.add(*args, **kwargs)
            self._summed = (self.sums.n_rows, self._n_queued)
            return
        self._queue.put((args, kwargs, self._n_queued))

    def _consume(self):
        while (item := self._queue.get()) is not None:
            args, kwargs, n_queued = item
            try:
                if self._error is None and not self._stop:
                    self.sums.add(*args, **kwargs)
                    self._summed = (self.sums.n_rows, n_queued)
            except BaseException as error:  # raised in the reservoir's thread
                self._error = error
            finally:
                self._free.release()

    def __exit__(self, kind, value, traceback):
        if not self.beside:
            return False
        self._stop = kind is not None  # failed: the rows still queued are dropped
        self._queue.put(None)
        self._worker.result()
        if kind is None and self._error is not None:
            raise self._error
        return False


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
