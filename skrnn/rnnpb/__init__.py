"""Recurrent neural networks with parametric bias (RNNPB)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._rnnpb import RNNPBRegressor

__all__ = ["RNNPBRegressor"]
