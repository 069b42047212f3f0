"""Continuous-time recurrent networks, with one or several timescales."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._ctrnn import CTRNNClassifier, CTRNNRegressor

__all__ = ["CTRNNClassifier", "CTRNNRegressor"]
