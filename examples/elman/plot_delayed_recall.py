"""
==========================================
Remembering the past: Elman delayed recall
==========================================

The delayed-recall task asks for the input of ``delay`` steps ago,
``y[t] = x[t - delay]``, with inputs drawn independently: nothing in the
current input tells the answer, so a model without memory cannot do better
than predicting zero. An :class:`~skrnn.ElmanRegressor` keeps a copy of its
hidden state as context and learns to carry the input forward.

The second part shows what backpropagation through time buys: with the
gradient truncated every k steps (``bptt_steps=k``), or not flowing through
time at all (``bptt_steps=1``, Elman's own 1990 training rule), the network
stops learning delays longer than its gradient can see.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# One series, one delay
# ---------------------
# A 2D ``X`` of shape ``(n_timesteps, n_features)`` is one time-ordered
# series; the first 2,500 steps train, the last 500 test.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.neural_network import MLPRegressor

from skrnn import ElmanRegressor
from skrnn.datasets import make_delayed_recall

X, y = make_delayed_recall(3000, delay=3, random_state=0)
X_train, y_train, X_test, y_test = X[:2500], y[:2500], X[2500:], y[2500:]

elman = ElmanRegressor(n_hidden=16, random_state=0).fit(X_train, y_train)
mlp = MLPRegressor(hidden_layer_sizes=(16,), max_iter=500, random_state=0)
mlp.fit(X_train, y_train)
print(f"Elman network, test R^2: {elman.score(X_test, y_test):.3f}")
print(f"memoryless MLP, test R^2: {mlp.score(X_test, y_test):.3f}")

# %%
# Each prediction is the input of three steps before. ``predict`` runs the
# whole test stretch from the initial (zero) state, so its first steps,
# whose inputs lie before the stretch, cannot be known.
t = np.arange(40)
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(t, X_test[:40, 0], "o-", color="0.7", ms=3, label="input x[t]")
ax.plot(t, y_test[:40], "k-", lw=2, label="target x[t - 3]")
ax.plot(t, elman.predict(X_test)[:40], "--", color="C0", lw=2, label="Elman network")
ax.plot(t, mlp.predict(X_test)[:40], ":", color="C3", lw=2, label="memoryless MLP")
ax.set_xlabel("test time step")
ax.set_ylim(-1.1, 1.7)
ax.legend(loc="upper center", ncol=4, fontsize="small")
ax.set_title("Delayed recall, delay 3")
fig.tight_layout()

# %%
# How far back can it remember?
# -----------------------------
# Full backpropagation through time (``bptt_steps=None``) against a gradient
# truncated every 4 steps and Elman's one-step rule. Within segments of 4
# steps, the truncated gradient never links an output to the input 4 or more
# steps back, so recall collapses once the delay reaches the truncation
# length. The one-step rule degrades more gently: its recurrent weights,
# barely trained, still hold a fading echo of the inputs that the trained
# output layer can read, as in an echo state network.
delays = [1, 2, 3, 4, 6, 8, 12, 16]
variants = {"full BPTT": None, "BPTT truncated at 4 steps": 4, "one-step rule (Elman, 1990)": 1}
scores = {name: [] for name in variants}
for delay in delays:
    X, y = make_delayed_recall(3000, delay=delay, random_state=0)
    for name, bptt_steps in variants.items():
        model = ElmanRegressor(n_hidden=16, bptt_steps=bptt_steps, random_state=0)
        model.fit(X[:2500], y[:2500])
        scores[name].append(model.score(X[2500:], y[2500:]))

fig, ax = plt.subplots(figsize=(6, 3.5))
for name, marker in zip(variants, "osd"):
    ax.plot(delays, scores[name], marker=marker, label=name)
ax.axhline(0, color="grey", lw=0.5)
ax.set_xlabel("delay (steps)")
ax.set_ylabel("test R$^2$")
ax.set_ylim(-0.1, 1.05)
ax.legend(loc="lower left", fontsize="small")
ax.set_title("Elman network, 16 hidden units")
fig.tight_layout()
plt.show()
