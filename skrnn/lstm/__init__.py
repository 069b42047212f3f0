"""Long short-term memory networks."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._lstm import LSTMClassifier, LSTMRegressor

__all__ = ["LSTMClassifier", "LSTMRegressor"]
