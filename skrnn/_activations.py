"""Activation functions: names, kernel codes and NumPy versions."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.special import expit, softmax

# Keep in sync with the enum in skrnn/_kernels/_activations.pxd
ACTIVATION_CODES = {"identity": 0, "tanh": 1, "logistic": 2, "relu": 3, "softmax": 4}

HIDDEN_ACTIVATIONS = ("tanh", "logistic", "relu", "identity")


def _relu(z):
    return np.maximum(z, 0)


ACTIVATIONS = {
    "identity": lambda z: z,
    "tanh": np.tanh,
    "logistic": expit,
    "relu": _relu,
    "softmax": lambda z: softmax(z, axis=1),
}
