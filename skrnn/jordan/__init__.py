"""Jordan's recurrent network, whose context is fed from its outputs."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._jordan import JordanClassifier, JordanRegressor

__all__ = ["JordanClassifier", "JordanRegressor"]
