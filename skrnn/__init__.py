"""skrnn: classic recurrent neural networks as scikit-learn estimators."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from .echo_state import EchoStateClassifier, EchoStateRegressor
from .elman import ElmanClassifier, ElmanRegressor
from .jordan import JordanClassifier, JordanRegressor

__version__ = "0.1.0.dev0"

__all__ = [
    "EchoStateClassifier",
    "EchoStateRegressor",
    "ElmanClassifier",
    "ElmanRegressor",
    "JordanClassifier",
    "JordanRegressor",
    "__version__",
]
