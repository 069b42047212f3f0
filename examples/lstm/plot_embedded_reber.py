"""
==================================
LSTM on the embedded Reber grammar
==================================

Strings of the Reber grammar are walks through a small finite-state
automaton (``B``, then ``T`` or ``P``, ..., ``E``). The *embedded* grammar
wraps one Reber string as ``B T <Reber string> T E`` or
``B P <Reber string> P E``: the symbol before the final ``E`` repeats the
second symbol of the string, often ten or more steps back, across an inner
string that says nothing about it. Hochreiter and Schmidhuber (1997) used it
to show that an LSTM learns such a long memory where simple recurrent
networks do not.

The task is next-symbol prediction: at every step the network outputs, for
each of the 7 symbols, whether it may legally come next (several may). A
string counts as right when every one of these sets is predicted exactly
(outputs thresholded at 0.5).
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The data: lists of variable-length strings
# ------------------------------------------
# ``make_reber`` returns a list of one-hot encoded strings, each of shape
# ``(length, 7)``, and the multi-hot legal successors of every symbol. The
# strings keep their own lengths: no padding.
import matplotlib.pyplot as plt
import numpy as np

from skrnn import ElmanRegressor, LSTMRegressor
from skrnn.datasets import make_reber

X_train, y_train = make_reber(1000, embedded=True, random_state=100)
X_test, y_test = make_reber(200, embedded=True, random_state=101)
print("string lengths:", min(map(len, X_train)), "to", max(map(len, X_train)))


def fraction_right(model, X, y):
    """Fraction of the strings whose every legal-successor set is predicted exactly."""
    return np.mean([np.array_equal(p > 0.5, t > 0.5) for p, t in zip(model.predict(X), y)])


# %%
# Training, one epoch per ``partial_fit``
# ---------------------------------------
# An LSTM and an Elman network of the same size (16 units), both trained by
# Adam on batches of 20 strings. The Elman network learns the inner grammar
# but not the long dependency: it can do no better than guessing ``T`` or
# ``P`` at the end, so about half of the strings stay wrong.
models = {
    "LSTM, 16 cells": LSTMRegressor(n_hidden=16, batch_size=20, random_state=0),
    "Elman, 16 units": ElmanRegressor(n_hidden=16, batch_size=20, random_state=0),
}
n_epochs = 12
curves = {name: [] for name in models}
for name, model in models.items():
    for _ in range(n_epochs):
        model.partial_fit(X_train, y_train)
        curves[name].append(fraction_right(model, X_test, y_test))
    print(f"{name}: {curves[name][-1]:.0%} of held-out strings entirely right")

# %%
# The learning curves, and what the LSTM predicts along one test string:
# at each step (column), the predicted probability that each symbol (row)
# comes next (circles: the symbols that may). The last column is the step
# that needs the long memory: only the second symbol of the string may come.
symbols = list("BTSXPVE")
x, target = next((x, t) for x, t in zip(X_test, y_test) if len(x) >= 14)
string = "".join(symbols[i] for i in x.argmax(axis=1)) + "E"
proba = models["LSTM, 16 cells"].predict([x])[0]

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5), width_ratios=[1, 1.6])
epochs = np.arange(1, n_epochs + 1)
for (name, curve), marker in zip(curves.items(), "os"):
    ax1.plot(epochs, curve, marker=marker, label=name)
ax1.set_xlabel("epoch (1,000 strings)")
ax1.set_ylabel("held-out strings entirely right")
ax1.set_ylim(-0.02, 1.02)
ax1.legend(loc="lower right")

ax2.imshow(proba.T, cmap="Blues", vmin=0, vmax=1, aspect="auto")
rows, cols = np.nonzero(target.T)
ax2.plot(cols, rows, "o", mfc="none", mec="C1")
ax2.set_yticks(range(7), symbols)
ax2.set_xticks(range(len(x)), string[:-1])
ax2.set_xlabel("current symbol")
ax2.set_ylabel("next symbol")
ax2.set_title(f"LSTM's predictions along {string} (circles: legal)", fontsize="medium")
fig.tight_layout()
plt.show()
