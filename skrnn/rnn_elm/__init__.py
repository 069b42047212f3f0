"""Random neural network extreme learning machines (Gelenbe and Yin's dense clusters)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from ._autoencoder import RNNAutoencoder
from ._cluster import cluster_activation, cluster_activation_derivative
from ._rnn_elm import RNNELMClassifier, RNNELMRegressor

__all__ = [
    "RNNAutoencoder",
    "RNNELMClassifier",
    "RNNELMRegressor",
    "cluster_activation",
    "cluster_activation_derivative",
]
