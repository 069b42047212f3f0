"""Batches laid out for the lane kernels: sequences side by side, one per lane.

The population kernels (gradient-free weight search) run a small network on
blocks of ``lanes`` sequences at once, one sequence per vector lane (see
_lanes.h). Their inputs are laid out here once per batch, and read by every
candidate: step t of block b is a slab holding the inputs of the block's
sequences as a (n_inputs, lanes) row-major array, the targets likewise, and
a mask of the lanes whose output at that step has a target. Sequences go to lanes in order of
decreasing length, so that a block runs as many steps as its first sequence
and pads little.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
import numpy as np


class LaneLayout:
    """Inputs, targets and initial states of a batch, blocked by lanes.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_inputs)
    positions, steps : ndarray of shape (n_rows,), intp
        The sequence position (0 for the longest sequence, then by
        decreasing length) and the step of every row of ``X``.
    target_rows : ndarray of shape (n_targets,), intp
        The rows of ``X`` whose outputs have targets.
    T : ndarray of shape (n_targets, n_outputs)
    state0 : ndarray of shape (n_positions, state_size) or None
        Initial states by position; None for zeros.
    lanes : int
        Sequences per block (SKRNN_LANES of the kernels).

    Attributes
    ----------
    starts : ndarray of shape (n_blocks + 1,), intp
        Block b runs steps 0 .. starts[b + 1] - starts[b] - 1 (its longest
        sequence); step t of block b is slab starts[b] + t of the arrays
        below, so that a block of short sequences takes no room for the
        steps of the longest one.
    X : ndarray of shape (n_slabs, n_inputs, lanes)
    T : ndarray of shape (n_slabs, n_outputs, lanes)
    mask : ndarray of shape (n_slabs, lanes), uint8
        1 where the step's output has a target.
    any_target : ndarray of shape (n_slabs,), uint8
        Whether any lane of the block has a target at the step.
    state0 : ndarray of shape (n_blocks, state_size, lanes)
    n_targets : int
    """

    def __init__(self, X, positions, steps, target_rows, T, state0, lanes):
        dtype = X.dtype
        n_pos = int(positions.max()) + 1 if positions.size else 0
        n_blocks = -(-n_pos // lanes)
        block, lane = np.divmod(positions, lanes)
        n_steps = np.zeros(n_blocks, dtype=np.intp)
        np.maximum.at(n_steps, block, steps + 1)
        self.starts = np.concatenate([[0], np.cumsum(n_steps)]).astype(np.intp)
        slab = self.starts[block] + steps
        n_slabs = int(self.starts[-1])
        self.X = np.zeros((n_slabs, X.shape[1], lanes), dtype=dtype)
        self.X[slab, :, lane] = X
        self.T = np.zeros((n_slabs, T.shape[1], lanes), dtype=dtype)
        self.mask = np.zeros((n_slabs, lanes), dtype=np.uint8)
        self.T[slab[target_rows], :, lane[target_rows]] = T
        self.mask[slab[target_rows], lane[target_rows]] = 1
        self._target_cells = (slab[target_rows], lane[target_rows])
        self.any_target = np.ascontiguousarray(self.mask.any(axis=1).astype(np.uint8))
        size = 0 if state0 is None else state0.shape[1]
        self.state0 = np.zeros((n_blocks, size, lanes), dtype=dtype)
        if state0 is not None and n_pos:
            pos = np.arange(n_pos)
            self.state0[pos // lanes, :, pos % lanes] = state0[:n_pos]
        self.n_targets = int(target_rows.shape[0])

    def lane_weights(self, weights):
        """The weight of every target at its slab and lane, 0 where none:
        (n_slabs, lanes) float64 for the population kernels; none (0 rows)
        for equal weights."""
        if weights is None:
            return np.zeros((0, self.mask.shape[1]))
        out = np.zeros(self.mask.shape)
        out[self._target_cells] = weights
        return out


def srn_lane_layout(X, offsets, order, target_rows, T, state0, lanes):
    """The :class:`LaneLayout` of a stacked batch (sequence s at rows
    offsets[s]:offsets[s + 1]; ``order`` by decreasing length; ``state0`` by
    sequence)."""
    lengths = np.diff(offsets)
    seq_of_row = np.repeat(np.arange(lengths.shape[0]), lengths)
    rank = np.empty(lengths.shape[0], dtype=np.intp)
    rank[order] = np.arange(order.shape[0])
    positions = rank[seq_of_row]
    steps = np.arange(X.shape[0]) - offsets[seq_of_row]
    return LaneLayout(X, positions, steps, target_rows, T,
                      None if state0 is None else state0[order], lanes)


def packed_lane_layout(X, starts, target_rows, T, lanes):
    """The :class:`LaneLayout` of a time-major packed batch (skrnn._packing:
    step t is rows starts[t]:starts[t + 1], positions in order), from zero states."""
    counts = np.diff(starts)
    steps = np.repeat(np.arange(counts.shape[0]), counts)
    positions = np.arange(X.shape[0]) - starts[steps]
    return LaneLayout(X, positions, steps, target_rows, T, None, lanes)


def cached_layout(kind, seqs, state0, target_rows, T, build):
    """``build()``, or the layout of ``kind`` kept from the last call on ``seqs``.

    The weight searches evaluate population after population on one batch:
    laying it out once saves a few NumPy passes per call, a noticeable share
    of a call at a few hidden units. The layout is kept on the Sequences
    object (which lives as long as the search's batch, and is not part of a
    fitted model), for the same values of the states and targets. Threads
    evaluating blocks of one population at once may each build it; the
    results are the same.
    """
    kept = getattr(seqs, "_lane_layouts", None)
    if kept is None:
        kept = seqs._lane_layouts = {}
    entry = kept.get(kind)
    if (entry is not None and np.array_equal(entry[0], state0)
            and np.array_equal(entry[1], target_rows) and np.array_equal(entry[2], T)):
        return entry[3]
    layout = build()
    kept[kind] = (np.copy(state0), np.copy(target_rows), np.copy(T), layout)
    return layout
