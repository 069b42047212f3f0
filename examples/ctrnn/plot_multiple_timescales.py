"""
==============================================
Multiple timescales: fast units and slow units
==============================================

A multiple-timescale network (``n_hidden`` and ``time_constant`` as tuples)
has a group of fast units, which see the input and drive the output, and a
group of slow units connected to the fast ones only. Here the output must
repeat the input of two steps ago, with a sign that a one-step cue flips
every 30 to 70 steps: a fast memory under a slow one. After training, the
slow units' states follow the sign, while the fast units jump at every
step.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The task
# --------
# Channel 0 is the signal; channels 1 and 2 carry a 1 at the step where the
# sign becomes +1 or -1.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skrnn import CTRNNRegressor

# the fits are kept short for the gallery: they stop at max_iter, and say so
warnings.filterwarnings("ignore", category=ConvergenceWarning)

rng = np.random.RandomState(0)


def make_task(n_sequences, n_steps):
    X = np.zeros((n_sequences, n_steps, 3))
    X[:, :, 0] = rng.uniform(-1, 1, (n_sequences, n_steps))
    sign = np.empty((n_sequences, n_steps))
    for s in range(n_sequences):
        mode, k = rng.randint(2), 0
        while k < n_steps:
            X[s, k, 1 + mode] = 1
            stop = min(n_steps, k + rng.randint(30, 71))
            sign[s, k:stop] = 1 - 2 * mode
            k, mode = stop, 1 - mode
    y = np.zeros((n_sequences, n_steps))
    y[:, 2:] = sign[:, 2:] * X[:, :-2, 0]
    return X, y, sign


X, y, sign = make_task(60, 150)

# %%
# A fast group of 12 units (time constant 2 steps) and a slow group of 4
# (time constant 30 steps). Only the fast group receives the input and
# feeds the output.
model = CTRNNRegressor(n_hidden=(12, 4), time_constant=(2.0, 30.0), batch_size=5, max_iter=100,
                       random_state=0).fit(X[:50], y[:50])
print(f"held-out R^2: {model.score(X[50:], y[50:]):.3f}")
taus = model.time_constants_
print(f"time constants after training: fast {taus[:12].mean():.1f}, slow {taus[12:].mean():.1f}")
print("input weights into the slow units:", np.abs(model.input_weights_[:, 12:]).max())

# %%
# The states of both groups on a held-out sequence: the states y of the
# units are the network's carried state, returned by ``return_state`` at the
# end of a sequence; here the sequence is run one prefix at a time.
sequence = X[55]
states = np.array([model.predict(sequence[None, :t + 1], return_state=True)[1][0]
                   for t in range(len(sequence))])
fig, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True, layout="constrained")
axes[0].plot(sign[55], "k")
axes[0].set_ylabel("sign")
axes[0].set_title("The slow sign flipped by the cues")
axes[1].plot(states[:, :12], lw=0.8)
axes[1].set_ylabel("fast units")
axes[2].plot(states[:, 12:])
axes[2].set_ylabel("slow units")
axes[2].set_xlabel("step")
plt.show()
