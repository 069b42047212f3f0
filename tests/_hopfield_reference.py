"""Plain NumPy Hopfield recall and Storkey storage, written from the equations."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

FIXED_POINT, TWO_CYCLE, MAX_ITER = 0, 1, 2


def _decide(h, s, tie):
    return 1.0 if h > tie else (-1.0 if h < -tie else s)


def async_recall(W, s, orders, tie=0.0):
    """Units one at a time in the given orders, each field computed afresh."""
    s = s.copy()
    for sweep, order in enumerate(orders):
        changed = False
        for i in order:
            new = _decide(W[i] @ s, s[i], tie)
            if new != s[i]:
                s[i], changed = new, True
        if not changed:
            return s, sweep + 1, FIXED_POINT
    return s, len(orders), MAX_ITER


def sync_recall(W, s, max_iter, tie=0.0):
    """All units at once; a 2-cycle keeps the lower-energy state (near-ties: the newer)."""
    previous = None
    for it in range(max_iter):
        h = W @ s
        new = np.array([_decide(h[i], s[i], tie) for i in range(len(s))])
        if np.array_equal(new, s):
            return s, it + 1, FIXED_POINT
        if previous is not None and np.array_equal(new, previous):
            older_lower = -0.5 * s @ W @ s < -0.5 * new @ W @ new - len(s) * tie / 2
            return (s if older_lower else new), it + 1, TWO_CYCLE
        previous, s = s, new
    return s, max_iter, MAX_ITER


def storkey_weights(patterns):
    """Storkey's rule element by element: h_ij = sum_{k != i, j} w_ik xi_k."""
    n = patterns.shape[1]
    W = np.zeros((n, n))
    for xi in patterns:
        h = np.array([[sum(W[i, k] * xi[k] for k in range(n) if k not in (i, j))
                       for j in range(n)] for i in range(n)])
        new = W.copy()
        for i in range(n):
            for j in range(n):
                if i != j:
                    new[i, j] += (xi[i] * xi[j] - xi[i] * h[j, i] - h[i, j] * xi[j]) / n
        W = new
    return W
