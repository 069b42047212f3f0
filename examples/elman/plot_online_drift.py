"""
=============================================================
Learning from a drifting stream: real-time recurrent learning
=============================================================

A stream arrives 100 steps at a time. Each chunk is first predicted by the
current model, then learnt from with ``partial_fit``: the prequential error,
the error a deployed model would make. The task is delayed recall across two
input channels: the target is channel 0 three steps back, until halfway
through the stream it becomes channel 1 three steps back. The network must
notice, and relearn what to keep in its state.

``solver='rtrl_adam'`` trains an :class:`~skrnn.ElmanRegressor` by real-time
recurrent learning: it carries the sensitivity of the hidden state to every
weight from step to step (and from chunk to chunk), and updates the weights
at every step with the gradient of that step's error through the whole past.
The comparison is truncated backpropagation through time through
``partial_fit`` (``solver='adam'``), updating every 10 steps with the
gradient cut there.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The stream
# ----------
import matplotlib.pyplot as plt
import numpy as np

from skrnn import ElmanRegressor

rng = np.random.RandomState(0)
n_steps, chunk, delay = 20_000, 100, 3
half = n_steps // 2
X = rng.uniform(-1, 1, (n_steps, 2))
y = np.zeros(n_steps)
y[delay:half] = X[:half - delay, 0]
y[half:] = X[half - delay:n_steps - delay, 1]


# %%
# Predict each chunk, then learn from it
# --------------------------------------
# The prediction state is carried from chunk to chunk with
# ``return_state=True`` and ``initial_state=``.
def prequential(model):
    errors = []
    state = None
    for start in range(0, n_steps, chunk):
        Xc, yc = X[start:start + chunk], y[start:start + chunk]
        if state is None:  # nothing learnt yet
            errors.append(np.mean((yc - yc.mean()) ** 2))
            model.partial_fit(Xc, yc)
            state = model.predict(Xc, return_state=True)[1]
            continue
        pred, state = model.predict(Xc, initial_state=state, return_state=True)
        errors.append(np.mean((pred - yc) ** 2))
        model.partial_fit(Xc, yc)
    return np.array(errors) / y.var()


rtrl = prequential(ElmanRegressor(n_hidden=16, solver="rtrl_adam",
                                  learning_rate_init=0.001, random_state=0))
bptt = prequential(ElmanRegressor(n_hidden=16, solver="adam", batch_size=10,
                                  learning_rate_init=0.003, random_state=0))


# %%
# How fast each recovers
# ----------------------
# The error before the drift, and the steps after it until the error
# (averaged over 1,000 steps) is back within 10 % of that level.
def recovery(errors, window=10):
    before = errors[half // chunk - 50:half // chunk].mean()
    smooth = np.convolve(errors, np.ones(window) / window, mode="valid")[half // chunk:]
    back = np.nonzero(smooth <= 1.1 * before)[0]
    return before, (back[0] + window) * chunk if back.size else None


for name, errors in [("RTRL", rtrl), ("truncated BPTT", bptt)]:
    before, steps = recovery(errors)
    print(f"{name:15s} error before the drift {before:.3f}, back to it after {steps} steps")

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
steps = np.arange(len(rtrl)) * chunk
for name, errors in [("RTRL, an update per step", rtrl),
                     ("truncated BPTT, an update per 10 steps", bptt)]:
    ax.plot(steps, np.convolve(errors, np.ones(10) / 10, mode="same"), label=name)
ax.axvline(half, color="grey", linestyle=":", label="the target switches channel")
ax.set_yscale("log")
ax.set_xlabel("time step")
ax.set_ylabel("prequential MSE / var(y)")
ax.legend()
fig.tight_layout()
plt.show()
