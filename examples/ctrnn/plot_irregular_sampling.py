"""
==========================================================
Continuous time: irregular samples and a pattern generator
==========================================================

A :class:`~skrnn.CTRNNRegressor` integrates a differential equation between
its steps, so the time that passed between two observations is part of the
model rather than one more input to learn from. The first part follows a
damped oscillator observed at random times; the second evolves a
three-unit central pattern generator with a genetic algorithm.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# A driven oscillator observed at random times
# ----------------------------------------------
# The oscillator ``y'' + 2 zeta w y' + w^2 y = u`` is pushed by an input u
# that changes at each observation and is observed after gaps drawn from an
# exponential distribution. Each row of ``X`` holds the input and the time
# since the previous observation; the target is the position.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy.linalg import expm
from sklearn.exceptions import ConvergenceWarning

from skrnn import CTRNNRegressor, ElmanRegressor, GeneticOptimizer

# the fits are kept short for the gallery: they stop at max_iter, and say so
warnings.filterwarnings("ignore", category=ConvergenceWarning)

rng = np.random.RandomState(0)
w, zeta = 1.5, 0.1
M = np.array([[0, 1, 0], [-w * w, -2 * zeta * w, 1], [0, 0, 0]])


def observe(n_sequences, n_obs):
    X, Y = np.empty((n_sequences, n_obs, 2)), np.empty((n_sequences, n_obs))
    for s in range(n_sequences):
        z = np.zeros(3)
        for k in range(n_obs):
            u, gap = rng.choice([-1.0, 0.0, 1.0]), rng.exponential(0.4)
            z[2] = u
            z = expm(M * gap) @ z
            X[s, k], Y[s, k] = (u, gap), z[0]
    return X, Y


X, Y = observe(80, 40)
X_train, Y_train, X_test, Y_test = X[:60], Y[:60], X[60:], Y[60:]

# %%
# The CTRNN names the gap column with ``time_column``: each step integrates
# over that much time, in sub-steps of at most ``max_step`` (the other
# units' rates change during a long gap). Elman's network gets the gap as a
# second input and has to learn what a gap does.
ctrnn = CTRNNRegressor(n_hidden=16, time_column=1, time_constant=1.0, max_step=0.1,
                       max_iter=60, random_state=0).fit(X_train, Y_train)
elman = ElmanRegressor(n_hidden=16, max_iter=60, random_state=0).fit(X_train, Y_train)
print(f"CTRNN with elapsed times, held-out R^2: {ctrnn.score(X_test, Y_test):.3f}")
print(f"Elman with the gap as input, held-out R^2: {elman.score(X_test, Y_test):.3f}")

times = np.cumsum(X_test[0, :, 1])
fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), layout="constrained")
top.plot(times, Y_test[0], "ko", label="observed")
top.plot(times, ctrnn.predict(X_test[:1])[0], "-", label="CTRNN, elapsed times")
top.plot(times, elman.predict(X_test[:1])[0], "--", label="Elman, gap as input")
top.set_xlabel("time")
top.set_title("Held-out sequence, observed at random times")
top.legend(loc="upper right")

# %%
# A central pattern generator
# ---------------------------
# With no input at all, three units must oscillate with a period of 20
# steps. :class:`~skrnn.GeneticOptimizer` searches the flat weight vector
# (time constants included) of the network; run freely for much longer than
# it was trained on, the network keeps its rhythm.
n_train = 100
silence = np.zeros((n_train, 1))
target = np.sin(2 * np.pi * np.arange(n_train) / 20)
cpg = GeneticOptimizer(CTRNNRegressor(n_hidden=3, random_state=0), population_size=60,
                       max_iter=150, init_scale=1.0, refine=True, random_state=0)
cpg.fit(silence, target)
free_run = cpg.predict(np.zeros((400, 1)))
print("time constants found:", np.round(cpg.best_estimator_.time_constants_, 2))

bottom.plot(free_run, label="CTRNN, free run")
bottom.plot(np.arange(n_train), target, "k:", label="target (training steps)")
bottom.set_xlabel("step")
bottom.set_title("Three-unit pattern generator found by a genetic algorithm")
bottom.legend(loc="upper right")
plt.show()
