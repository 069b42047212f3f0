"""
========================================================
A second-order network learns a regular language exactly
========================================================

Tomita's sixth language holds the binary strings whose numbers of 0s and
of 1s differ by a multiple of 3: a three-state machine counting modulo 3.
A second-order network (Pollack's sequential cascaded network), an Elman
network and an LSTM of about the same number of weights learn it from
strings of at most 10 symbols; all are then tested on strings up to 60
symbols long. The second-order network's
input picks which map its state goes through, one map per symbol, which is
how a finite-state machine works.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Strings and labels
# ------------------
# Symbols are one-hot. Half the training strings are drawn from the language,
# half at random (about a third of those belong too).
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skrnn import ElmanClassifier, LSTMClassifier, SecondOrderClassifier


def in_language(s):
    return (s.count(0) - s.count(1)) % 3 == 0


def strings(n, lengths, rng):
    out = []
    while len(out) < n:
        s = list(rng.randint(0, 2, rng.randint(*lengths)))
        if len(out) % 2 == 0 and not in_language(s):
            continue  # every other string from the language
        out.append(s)
    X = [np.eye(2)[s] for s in out]
    return X, np.array([in_language(s) for s in out]).astype(int)


rng = np.random.RandomState(0)
X_train, y_train = strings(600, (2, 11), rng)

# %%
# Two networks of about 100 weights
# ---------------------------------
models = {
    "second order, 5 units": SecondOrderClassifier(n_hidden=5, random_state=0),
    "Elman, 8 units": ElmanClassifier(n_hidden=8, random_state=0),
    "LSTM, 4 units": LSTMClassifier(n_hidden=4, random_state=0),
}
for name, model in models.items():
    with warnings.catch_warnings():
        # the default budget of 200 epochs: some fits stop there, and that is the test
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    print(f"{name}: {model.get_flat_weights().shape[0]} weights, "
          f"training accuracy {model.score(X_train, y_train):.3f}")

# %%
# Accuracy against string length
# -------------------------------
# Every test length is longer than any training string.
lengths = np.arange(12, 61, 6)
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, model in models.items():
    scores = []
    for length in lengths:
        X, y = strings(200, (length, length + 1), np.random.RandomState(length))
        scores.append(model.score(X, y))
    ax.plot(lengths, scores, "o-", label=name)
ax.axvline(10, color="0.6", ls=":")  # the longest training string
ax.set_xlim(8, 62)
ax.set_xlabel("string length (training: at most 10)")
ax.set_ylabel("test accuracy")
ax.set_ylim(0.45, 1.02)
ax.legend(loc="upper right", bbox_to_anchor=(1, 0.95), fontsize=8)
ax.set_title("#0s - #1s divisible by 3 (Tomita 6)")
fig.tight_layout()
plt.show()
