"""
=========================================================
Forecasting the chaotic Mackey-Glass series, free-running
=========================================================

Jaeger's classic demonstration (Jaeger and Haas, 2004): an echo state network
learns one-step-ahead prediction of the Mackey-Glass series (delay tau = 17,
a chaotic regime), then runs on its own, each prediction fed back as the next
input, and stays on the true trajectory for hundreds of steps. Only the
linear readout is trained, by one ridge regression: the fit takes well under
a second even for a reservoir of 1,000 units.

The error of a free run grows with the horizon, since the series is chaotic;
larger reservoirs push it back.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The series and the task
# -----------------------
# Jaeger's protocol: the series shifted and squashed by ``tanh(s - 1)``,
# 2,500 steps for training of which the first 1,000 are washout (the
# reservoir forgetting its zero initial state), then a free run. The model
# learns ``y[t] = s[t + 1]`` from ``X[t] = s[t]``.
import matplotlib.pyplot as plt
import numpy as np

from skrnn import EchoStateRegressor
from skrnn.datasets import make_mackey_glass

s = np.tanh(make_mackey_glass(3000, random_state=0) - 1)
X, y = s[:-1, None], s[1:]
n_train, horizon = 2500, 500

# %%
# Three reservoir sizes
# ---------------------
# The same settings, a sparse reservoir of about 10 connections per unit.
# ``forecast(None, n)`` continues from the end of the training series: its
# first value predicts ``s[2500]``.
truth = s[n_train:n_train + horizon]
forecasts = {}
for n_reservoir in [200, 500, 1000]:
    esn = EchoStateRegressor(n_reservoir, spectral_radius=1.25, leaking_rate=0.3,
                             input_scaling=0.5, bias_scaling=0.5,
                             connectivity=10 / n_reservoir, n_washout=1000, alpha=1e-8,
                             random_state=0)
    esn.fit(X[:n_train], y[:n_train])
    forecasts[n_reservoir] = esn.forecast(None, horizon)
    nrmse84 = np.sqrt(np.mean((forecasts[n_reservoir][:84] - truth[:84]) ** 2)) / s.std()
    print(f"{n_reservoir:>5} units: NRMSE over the first 84 free-running steps {nrmse84:.2e}")

# %%
# The forecast of the largest reservoir against the truth, and the error of
# each reservoir along the free run (relative to the series' spread).
t = np.arange(n_train - 200, n_train + horizon)
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 5.5))
ax1.plot(t, s[t], color="k", lw=1, label="Mackey-Glass series")
ax1.plot(t[200:], forecasts[1000], "--", color="C1", lw=2,
         label="echo state network, free-running")
ax1.axvline(n_train, color="grey", lw=0.5)
ax1.set_xlabel("time step")
ax1.legend(loc="lower left", fontsize="small")
ax1.set_title("1,000-unit reservoir; the free run starts at the grey line")

steps = np.arange(1, horizon + 1)
for n_reservoir, forecast in forecasts.items():
    ax2.semilogy(steps, np.abs(forecast - truth) / s.std() + 1e-16, lw=1,
                 label=f"{n_reservoir} units")
ax2.set_xlabel("steps ahead")
ax2.set_ylabel("|error| / std of the series")
ax2.legend(loc="lower right", fontsize="small")
fig.tight_layout()
plt.show()
