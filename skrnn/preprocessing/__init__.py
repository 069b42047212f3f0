"""Preprocessing of sequence input: scaling per feature across time steps."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._encoder import SequenceOneHotEncoder
from ._scaler import SequenceScaler
from ._target import SequenceTransformedTargetRegressor

__all__ = ["SequenceOneHotEncoder", "SequenceScaler", "SequenceTransformedTargetRegressor"]
