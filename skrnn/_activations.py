"""Activation functions: their names and the integer codes the kernels take."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# Keep in sync with the enum in skrnn/_kernels/_activations.pxd
ACTIVATION_CODES = {"identity": 0, "tanh": 1, "logistic": 2, "relu": 3, "softmax": 4}

HIDDEN_ACTIVATIONS = ("tanh", "logistic", "relu", "identity")
