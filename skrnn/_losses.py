"""Losses on network outputs, with their gradients through the output link."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


def _row_weights(P, sample_weight):
    """(weights as a column or 1, their total): averages over rows become weighted."""
    if sample_weight is None:
        return 1, max(P.shape[0], 1)
    total = float(np.sum(sample_weight))
    # all-zero weights in a mini-batch: nothing to fit there, a zero loss
    return sample_weight.astype(P.dtype, copy=False)[:, None], total if total > 0 else 1.0


def squared_loss(P, T, sample_weight=None):
    """Half the squared error, summed over outputs and averaged over rows.

    Returns the loss and its gradient with respect to the output
    pre-activations (identity output, so the same as with respect to P).
    With ``sample_weight`` (one per row) the average is weighted.
    """
    w, n = _row_weights(P, sample_weight)
    diff = P - T
    if sample_weight is None:
        return 0.5 * float(np.einsum("ij,ij->", diff, diff)) / n, diff / n
    wdiff = w * diff
    return 0.5 * float(np.einsum("ij,ij->", wdiff, diff)) / n, wdiff / n


def log_loss(P, T, sample_weight=None):
    """Cross-entropy of probabilities ``P`` against one-hot ``T``.

    With one column, ``P`` is the probability of the positive class
    (logistic output); with several, a softmax. The gradient with respect to
    the output pre-activations is (P - T) / n for both canonical links.
    With ``sample_weight`` (one per row) the average is weighted.
    """
    w, n = _row_weights(P, sample_weight)
    eps = np.finfo(P.dtype).eps
    Pc = np.clip(P, eps, 1 - eps)
    if P.shape[1] == 1:
        loss = -(w * (T * np.log(Pc) + (1 - T) * np.log1p(-Pc))).sum()
    else:
        loss = -(w * (T * np.log(Pc))).sum()
    return float(loss) / n, w * (P - T) / n


LOSSES = {"squared_error": squared_loss, "log_loss": log_loss}


def error_entropy_loss(P, T, sample_weight=None, *, bandwidth, output_activation,
                       mean_weight=0.0):
    """Error Entropy Minimization (Alexandre & Marques de Sa, 2006), per row.

    At each row (time step) the errors e_k = t_k - y_k over the n output
    units are smoothed by a Gaussian Parzen window of width h; the loss is
    Renyi's quadratic entropy of that estimate, ``-log V`` with the
    information potential ``V = 1 / (n^2 h) sum_i sum_u K((e_i - e_u) / h)``,
    averaged over rows: the paper's loss. Entropy does not change when every
    error moves by the same amount, so it leaves the outputs' common offset
    where it is: its gradient sums to zero over the output units, and with
    an identity output the mean of the outputs never moves from where the
    initialisation put it. ``mean_weight`` adds ``mean_weight *
    mean_k(e_k)^2 / 2`` per row, which pins the mean error at zero and acts
    on nothing else (for an identity output its gradient is uniform over
    the units).

    Parameters
    ----------
    P : ndarray of shape (n_rows, n_outputs)
        Outputs. One logistic column (a binary classifier) stands for the
        two class probabilities (1 - p, p).
    T : ndarray of shape (n_rows, n_outputs)
        Targets.
    bandwidth : float
        Parzen window width h (the paper uses 1.3 to 1.6).
    output_activation : {'identity', 'logistic', 'softmax'}
        The output link, to return the gradient at its pre-activations.
    sample_weight : ndarray of shape (n_rows,), default=None
        Weights of the rows: the average over rows is weighted.
    mean_weight : float, default=0.0
        Weight of the mean-error term; 0 is the entropy alone.

    Returns
    -------
    loss : float
    dO : ndarray of shape (n_rows, n_outputs)
        Gradient of the loss with respect to the output pre-activations.
    """
    w, n_rows = _row_weights(P, sample_weight)
    binary = P.shape[1] == 1 and output_activation == "logistic"
    E = (np.hstack([-T, T]) - np.hstack([-P, P])) if binary else T - P
    n, h = E.shape[1], bandwidth
    D = E[:, :, None] - E[:, None, :]  # e_i - e_u
    K = np.exp(-0.5 * (D / h) ** 2) / np.sqrt(2 * np.pi)
    V = K.sum(axis=(1, 2)) / (n * n * h)
    row_w = w if sample_weight is None else w[:, 0]
    loss = float(np.sum(-np.log(V) * row_w))
    # dH/de_k = 2 / (V n^2 h^3) sum_u (e_k - e_u) K((e_k - e_u) / h)
    dE = (2 / (V * n * n * h ** 3))[:, None] * np.einsum("rku,rku->rk", D, K)
    if mean_weight:
        mean_error = E.mean(axis=1)
        loss += mean_weight * 0.5 * float(np.sum(row_w * mean_error ** 2))
        dE += (mean_weight / n) * mean_error[:, None]
    loss /= n_rows
    dP = -w * dE / n_rows  # e = t - y
    if binary:  # the columns were (1 - p, p)
        dP = dP[:, 1:] - dP[:, :1]
    if output_activation == "logistic":
        dP = dP * P * (1 - P)
    elif output_activation == "softmax":
        dP = P * (dP - np.sum(P * dP, axis=1, keepdims=True))
    return loss, dP.astype(P.dtype, copy=False)
