"""Losses on network outputs, with their gradients through the output link."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


def squared_loss(P, T):
    """Half the squared error, summed over outputs and averaged over rows.

    Returns the loss and its gradient with respect to the output
    pre-activations (identity output, so the same as with respect to P).
    """
    n = max(P.shape[0], 1)
    diff = P - T
    return 0.5 * float(np.einsum("ij,ij->", diff, diff)) / n, diff / n


def log_loss(P, T):
    """Cross-entropy of probabilities ``P`` against one-hot ``T``.

    With one column, ``P`` is the probability of the positive class
    (logistic output); with several, a softmax. The gradient with respect to
    the output pre-activations is (P - T) / n for both canonical links.
    """
    n = max(P.shape[0], 1)
    eps = np.finfo(P.dtype).eps
    Pc = np.clip(P, eps, 1 - eps)
    if P.shape[1] == 1:
        loss = -(T * np.log(Pc) + (1 - T) * np.log1p(-Pc)).sum()
    else:
        loss = -(T * np.log(Pc)).sum()
    return float(loss) / n, (P - T) / n


LOSSES = {"squared_error": squared_loss, "log_loss": log_loss}
