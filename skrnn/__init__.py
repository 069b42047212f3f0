"""skrnn: classic recurrent neural networks as scikit-learn estimators."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from .backprop import BackPropagationClassifier, BackPropagationRegressor
from .ctrnn import CTRNNClassifier, CTRNNRegressor
from .echo_state import EchoStateClassifier, EchoStateRegressor
from .elman import ElmanClassifier, ElmanRegressor
from .hopfield import HopfieldMemory
from .jordan import JordanClassifier, JordanRegressor
from .lstm import LSTMClassifier, LSTMRegressor
from .preprocessing import (
    SequenceOneHotEncoder,
    SequenceScaler,
    SequenceTransformedTargetRegressor,
)
from .rnn_elm import RNNAutoencoder, RNNELMClassifier, RNNELMRegressor
from .rnnpb import RNNPBRegressor
from .second_order import SecondOrderClassifier, SecondOrderRegressor
from .utils._public import publish
from .weight_search import GeneticOptimizer, ParticleSwarmOptimizer, SimulatedAnnealingOptimizer

__version__ = "0.1.0.dev0"

__all__ = [
    "BackPropagationClassifier",
    "BackPropagationRegressor",
    "CTRNNClassifier",
    "CTRNNRegressor",
    "EchoStateClassifier",
    "EchoStateRegressor",
    "ElmanClassifier",
    "ElmanRegressor",
    "GeneticOptimizer",
    "HopfieldMemory",
    "JordanClassifier",
    "JordanRegressor",
    "LSTMClassifier",
    "LSTMRegressor",
    "ParticleSwarmOptimizer",
    "RNNAutoencoder",
    "RNNELMClassifier",
    "RNNELMRegressor",
    "RNNPBRegressor",
    "SecondOrderClassifier",
    "SecondOrderRegressor",
    "SequenceOneHotEncoder",
    "SequenceScaler",
    "SequenceTransformedTargetRegressor",
    "SimulatedAnnealingOptimizer",
    "__version__",
]

# every exported estimator names itself in its errors and stamps its pickles
# with this version (skrnn/utils/_public.py)
for _name in __all__[:-1]:
    publish(globals()[_name])
del _name
