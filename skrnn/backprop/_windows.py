"""Which windows of stacked sequences a lag-window network trains on and predicts from.

A window is named by the row at which it ends (its current time step t0) and
the first row of its sequence; the kernels read its rows ``t0, t0 - 1, ...``
in place, so no window is ever copied.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


def window_firsts(offsets):
    """First row of the sequence of every row: (n_steps,) intp."""
    return np.repeat(offsets[:-1], np.diff(offsets)).astype(np.intp, copy=False)


def training_windows(offsets, n_lags, per_step, n_history=0):
    """(rows, target_rows) of the whole windows of every sequence.

    Parameters
    ----------
    offsets : ndarray of shape (n_sequences + 1,)
        Sequence ``s`` occupies rows ``offsets[s]:offsets[s + 1]``.
    n_lags : int
        Window length.
    per_step : bool
        A target per time step (every whole window learns the target of its
        last row) or per sequence (only the sequence's last window learns).
    n_history : int, default=0
        Rows of carried history in front of a single series: they complete
        the first windows but have no target of their own.

    Returns
    -------
    rows : ndarray of shape (n_patterns,), intp
        Last row of each window.
    target_rows : ndarray of shape (n_patterns,), intp
        Row of the target each window learns.
    """
    starts, ends = offsets[:-1], offsets[1:]
    if not per_step:
        rows = (ends - 1).astype(np.intp)
        return rows, np.arange(rows.shape[0], dtype=np.intp)
    firsts = starts + n_lags - 1
    if n_history:  # one series: its history makes the first rows whole windows
        firsts = np.maximum(starts + n_history, firsts)
    counts = np.maximum(ends - firsts, 0)
    total = int(counts.sum())
    rows = np.repeat(firsts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    rows = (rows + np.arange(total)).astype(np.intp)
    return rows, rows - n_history
