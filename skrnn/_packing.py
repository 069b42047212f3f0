"""Time-major packing of a batch of sequences (what PyTorch calls a PackedSequence).

The rows of a batch are stacked sequence after sequence. Packed, they are
stacked time step after time step: block t holds step t of every sequence
still running, the sequences sorted by decreasing length. The sequences
running at step t are then a prefix of those running at step t - 1, so a
kernel finds every operand of step t (its inputs, h_{t-1}, c_{t-1}) as
contiguous rows, with no gathering.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass
from functools import cached_property

import numpy as np

# (n_sequences, n_timesteps) -> the last packing of equal-length sequences
_LAST_TRANSPOSE = {}


@dataclass(frozen=True)
class Packing:
    """Where each row of a batch goes when packed time-major.

    Attributes
    ----------
    order : ndarray of shape (n_sequences,), intp
        Sequences by decreasing length: packed position b is sequence order[b].
    starts : ndarray of shape (t_max + 1,), intp
        Block t is packed rows starts[t]:starts[t + 1]; it holds positions
        0 .. starts[t + 1] - starts[t] - 1.
    rows : ndarray of shape (n_steps,), intp
        Packed row r is row ``rows[r]`` of the batch.
    """

    order: np.ndarray
    starts: np.ndarray
    rows: np.ndarray

    @classmethod
    def from_offsets(cls, offsets, order):
        """The packing of sequences s at rows offsets[s]:offsets[s + 1]."""
        lengths = np.diff(offsets)[order]
        t_max = int(lengths[0]) if lengths.size else 0
        n_seq = lengths.size
        if n_seq and lengths[-1] == t_max:  # equal lengths (3D input): a transpose
            order = np.asarray(order, dtype=np.intp)
            return cls._transpose(order, t_max, np.asarray(offsets, dtype=np.intp)[:-1][order])
        # n_active[t]: sequences longer than t
        n_active = lengths.size - np.searchsorted(np.sort(lengths), np.arange(t_max),
                                                  side="right")
        starts = np.zeros(t_max + 1, dtype=np.intp)
        np.cumsum(n_active, out=starts[1:])
        step = np.repeat(np.arange(t_max, dtype=np.intp), n_active)
        position = np.arange(starts[-1], dtype=np.intp) - starts[step]
        rows = np.asarray(offsets, dtype=np.intp)[order[position]] + step
        return cls(np.asarray(order, dtype=np.intp), starts, rows)

    @classmethod
    def _transpose(cls, order, t_max, first):
        """Packing of equal-length sequences ``order`` starting at rows ``first``.

        The mini-batches of a 3D batch are all alike (sequences 0, 1, ...
        at rows 0, T, 2T, ...), so the last packing of each size is kept
        and reused: this runs once per batch.
        """
        n_seq = order.shape[0]
        cached = _LAST_TRANSPOSE.get((n_seq, t_max))
        if (cached is not None and np.array_equal(cached.order, order)
                and np.array_equal(cached.rows[:n_seq], first)):
            return cached
        starts = np.arange(0, n_seq * t_max + 1, n_seq, dtype=np.intp)
        rows = (np.arange(t_max, dtype=np.intp)[:, None] + first[None, :]).ravel()
        packing = cls(order, starts, rows)
        if len(_LAST_TRANSPOSE) >= 8:  # a handful of batch shapes, never a growing pile
            _LAST_TRANSPOSE.clear()
        _LAST_TRANSPOSE[(n_seq, t_max)] = packing
        return packing

    @property
    def n_sequences(self):
        return self.order.shape[0]

    @cached_property
    def unpacked_rows(self):
        """Row r of the batch is packed row ``unpacked_rows[r]``."""
        inverse = np.empty_like(self.rows)
        inverse[self.rows] = np.arange(self.rows.shape[0], dtype=np.intp)
        return inverse

    # np.take, not fancy indexing: for short rows (a few features or outputs)
    # it copies without a memmove call per row, three times faster
    def pack(self, V):
        """Rows of a batch-ordered array, packed."""
        return np.take(V, self.rows, axis=0)

    def unpack(self, V_packed):
        """The inverse of :meth:`pack`."""
        return np.take(V_packed, self.unpacked_rows, axis=0)

    def sort_state(self, state):
        """Per-sequence rows in packed position order."""
        return np.ascontiguousarray(state[self.order])

    def unsort_state(self, state_sorted):
        """The inverse of :meth:`sort_state`."""
        state = np.empty_like(state_sorted)
        state[self.order] = state_sorted
        return state

    def previous(self, V_packed, start_sorted):
        """v_{t-1} for every packed row: block t - 1's row at the same
        position, or ``start_sorted`` (in packed position order) at t = 0."""
        V_prev = np.empty_like(V_packed)
        n0 = self.starts[1] if self.starts.shape[0] > 1 else 0
        V_prev[:n0] = start_sorted[:n0]
        step_rows = np.arange(n0, V_packed.shape[0])
        step = np.searchsorted(self.starts, step_rows, side="right") - 1
        V_prev[n0:] = V_packed[self.starts[step - 1] + (step_rows - self.starts[step])]
        return V_prev
