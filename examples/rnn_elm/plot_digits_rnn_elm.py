"""
===========================================================
Classifying handwritten digits with a random neural network
===========================================================

:class:`~skrnn.RNNELMClassifier` is an extreme learning machine whose hidden
units are dense clusters of spiking random-neural-network cells (Gelenbe and
Yin, 2016): each unit outputs the cluster's steady-state excitation
probability zeta(x) of its total inhibitory input x, through random,
non-negative weights. Only the linear readout is trained, by one ridge
regression, so a fit on scikit-learn's digits takes a fraction of a second.

We look at the activation zeta first, then at the test accuracy as the number
of clusters grows, against a linear classifier on the raw pixels, and finally
check that streaming the data through ``partial_fit`` gives the same model.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The activation of a dense cluster
# ---------------------------------
# zeta decreases with the inhibitory input: 0.98 at x = 0 with the paper's
# cluster parameters, 0.05 at x = 0.1, and almost 0 beyond: its whole
# transition lies below x = 0.1 (note the log scale). That is why the random
# weights are scaled so that each cluster's total input stays small
# (``input_scaling``) and the pixels are scaled to [0, 1].
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import train_test_split

from skrnn import RNNELMClassifier
from skrnn.rnn_elm import cluster_activation, cluster_activation_derivative

x = np.logspace(-4, 0, 200)
zeta = cluster_activation(x)
eta = cluster_activation_derivative(x)
zeta_0, zeta_01 = cluster_activation([0.0, 0.1])
print(f"zeta(0) = {zeta_0:.3f}, zeta(0.1) = {zeta_01:.3f}")

# %%
# Accuracy against the number of clusters
# ---------------------------------------
# 70% of the 1,797 digits train, 30% test, stratified.
X, y = load_digits(return_X_y=True)
X = X / 16  # pixel intensities as rates in [0, 1]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y,
                                                    random_state=0)
linear = RidgeClassifier().fit(X_train, y_train).score(X_test, y_test)
print(f"ridge classifier on the pixels: {linear:.3f}")

sizes = [25, 50, 100, 200, 500, 1000, 2000]
accuracy = []
for n_clusters in sizes:
    model = RNNELMClassifier(n_clusters, random_state=0).fit(X_train, y_train)
    accuracy.append(model.score(X_test, y_test))
    print(f"RNN-ELM, {n_clusters:>4} clusters: {accuracy[-1]:.3f}")

# %%
# Streaming
# ---------
# ``partial_fit`` only adds each chunk's H^T H and H^T Y to running sums;
# the readout solved from them is the one ``fit`` finds on all the rows.
stream = RNNELMClassifier(1000, random_state=0)
for start in range(0, len(X_train), 200):
    stream.partial_fit(X_train[start:start + 200], y_train[start:start + 200],
                       classes=np.arange(10))
batch = RNNELMClassifier(1000, random_state=0).fit(X_train, y_train)
gap = np.max(np.abs(stream.output_weights_ - batch.output_weights_))
print(f"largest readout difference, streamed in chunks of 200 versus fit: {gap:.1e}")

# %%
# The figure.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
ax1.semilogx(x, zeta, label="zeta(x), excitation probability")
ax1.semilogx(x, -eta / np.abs(eta).max(), "--",
             label="slope -eta(x) = -d zeta / dx (scaled)")
ax1.set_xlabel("total inhibitory input x")
ax1.set_title("Dense cluster (n=20, p=0.05)")
ax1.legend(fontsize="small")

ax2.semilogx(sizes, accuracy, "o-", label="RNN-ELM")
ax2.axhline(linear, color="k", ls="--", lw=1, label="ridge classifier on the pixels")
ax2.set_xlabel("number of clusters")
ax2.set_ylabel("test accuracy")
ax2.set_title("Digits (8 x 8 pixels), 30% held out")
ax2.legend(loc="lower right", fontsize="small")
fig.tight_layout()
plt.show()
