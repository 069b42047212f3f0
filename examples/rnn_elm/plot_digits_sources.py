"""
=======================================================================
Several sources: Gelenbe and Yin's five classifiers, and streaming them
=======================================================================

When an instance is made of several parts (the two images of a stereo pair,
two sensors), Gelenbe and Yin encode each *source* with autoencoders of its
own and join the encodings only near the top of the network (their
Classifier-3, -4 and -5). :class:`~skrnn.RNNELMClassifier` takes the sources
as groups of the columns of X (``sources``), several independent autoencoder
stacks per source (``n_stacks``), and can leave out the random layer
(``random_layer=False``).

Here the sources are the left and right halves of scikit-learn's 8 x 8
digits. We compare the five classifiers with a single-source network, then
stream a two-layer network through ``partial_fit``: one pass over the data
for the autoencoder layer, closed by ``end_pass()``, and one for the
readout, which gives what ``fit`` gives.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Two sources: the halves of each image
# -------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skrnn import RNNELMClassifier

X, y = load_digits(return_X_y=True)
X = X / 16  # pixel intensities as rates in [0, 1]
left = [r * 8 + c for r in range(8) for c in range(4)]
right = [r * 8 + c for r in range(8) for c in range(4, 8)]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                    random_state=0)

# %%
# The five classifiers
# --------------------
# Classifier-1 and -2 encode all 64 pixels in one autoencoder layer
# (non-negative FISTA decoder, or ridge decoder split into its two signs);
# Classifier-3 encodes each half apart; Classifier-4 with four stacks per
# half; Classifier-5 is Classifier-4 without the random layer: the readout
# reads the 2 x 4 encodings directly.
models = {
    "one source,\nno autoencoder": RNNELMClassifier(1000),
    "Classifier-1": RNNELMClassifier((100, 1000), autoencoder="fista"),
    "Classifier-2": RNNELMClassifier((100, 1000)),
    "Classifier-3": RNNELMClassifier((50, 1000), sources=[left, right]),
    "Classifier-4": RNNELMClassifier((25, 1000), sources=[left, right], n_stacks=4),
    "Classifier-5": RNNELMClassifier((25,), sources=[left, right], n_stacks=4,
                                     random_layer=False),
}
scores = {}
for name, model in models.items():
    model.set_params(random_state=0).fit(X_train, y_train)
    scores[name] = model.score(X_test, y_test)
    print(f"{name.replace(chr(10), ' '):28s} accuracy {scores[name]:.3f}")

fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(list(scores), list(scores.values()), color="tab:blue")
ax.set_ylim(0.9, 1.0)
ax.set_ylabel("test accuracy")
ax.set_title("Digits, left and right halves as two sources")
ax.tick_params(axis="x", labelsize=8)
fig.tight_layout()

# %%
# Streaming the autoencoder layers
# --------------------------------
# Each autoencoder layer is solved from the Gram sums of its own random
# layer against its input, which add up over chunks like the readout's. The
# layer must be fixed before the next layer (or the readout) can see its
# output, so the stream goes by twice: ``end_pass()`` after the first pass
# fixes the autoencoder layers of both sources.
c3 = models["Classifier-3"]
stream = RNNELMClassifier((50, 1000), sources=[left, right], random_state=0)
chunks = np.array_split(np.arange(len(X_train)), 7)
for n_pass in range(2):
    for rows in chunks:
        stream.partial_fit(X_train[rows], y_train[rows], classes=np.arange(10))
    if n_pass == 0:
        stream.end_pass()
gap = np.abs(stream.decision_function(X_test) - c3.decision_function(X_test)).max()
print(f"largest difference between the streamed and the fitted model: {gap:.1e}")
