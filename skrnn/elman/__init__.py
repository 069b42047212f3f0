"""Elman's simple recurrent network."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._elman import ElmanClassifier, ElmanRegressor

__all__ = ["ElmanClassifier", "ElmanRegressor"]
