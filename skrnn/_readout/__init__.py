"""The ridge readout shared by the echo state networks, the RNN-ELMs and ``skrnn.dask``.

A readout family (a fixed random layer whose outputs feed a linear readout)
supplies its features through one hook, ``_readout_rows``; everything else
lives here:

- :class:`Moments` and :class:`ReadoutSums`: centred sums of the readout rows,
  kept in float64, summed leaf by leaf in position order (bit-identical for
  any chunking of a stream) and merged exactly (Chan, Golub and LeVeque's
  pairwise update), with per-block sums for cross-validation;
- :func:`solve_readout`: the ridge solve on standardised features, by a
  checked Cholesky factorisation (a penalty below float64's resolution
  warns), and the penalty choice (``'gcv'`` or blocked
  ``'cv'``) over a grid relative to the spectrum of the standardised Gram
  matrix;
- :class:`ReadoutMixin`: the all-or-nothing ``fit`` / ``partial_fit`` (validate,
  compute features, add to a copy of the sums, solve, then commit).
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._mixin import WEIGHTS_NOTES, ReadoutMixin, copy_stream
from ._solve import (
    GRID_RELATIVE,
    ReadoutSolution,
    ReadoutWarning,
    alpha_grid,
    check_alpha,
    cv_curve,
    gcv_curve,
    held_out_error,
    solve_fixed,
    solve_readout,
)
from ._sums import LEAF_ELEMENTS, N_FOLDS, Moments, ReadoutSums, leaf_size_for

__all__ = [
    "GRID_RELATIVE",
    "LEAF_ELEMENTS",
    "N_FOLDS",
    "Moments",
    "ReadoutMixin",
    "ReadoutSolution",
    "ReadoutSums",
    "ReadoutWarning",
    "WEIGHTS_NOTES",
    "alpha_grid",
    "check_alpha",
    "copy_stream",
    "cv_curve",
    "gcv_curve",
    "held_out_error",
    "leaf_size_for",
    "solve_fixed",
    "solve_readout",
]
