"""
===========================================================
Tuning an echo state network on Mackey-Glass by grid search
===========================================================

An echo state network trains in one pass, so its reservoir can be tuned the
scikit-learn way: a :class:`~sklearn.model_selection.GridSearchCV` over the
spectral radius, the leaking rate and the input scaling, with
:class:`~sklearn.model_selection.TimeSeriesSplit` so that every fold is
validated on the stretch of the series that follows its training part, on a
:class:`~sklearn.pipeline.Pipeline` that standardises the input first. The
best settings then forecast the series free-running, each output fed back as
the next input, and the forecast is plotted against the truth.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The Mackey-Glass series (tau=17), one sample per time unit. The task of the
# search is one-step-ahead prediction: y[t] = s[t + 1].
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import EchoStateRegressor
from skrnn.datasets import make_mackey_glass

s = make_mackey_glass(2700, random_state=0)
X, y = s[:-1, None], s[1:]
X_train, y_train = X[:2500], y[:2500]

# %%
# The search: 8 reservoirs, 3 time-ordered folds each. ``n_washout`` leaves
# the start of every training fold (the reservoir warming up) out of the
# readout.
pipe = make_pipeline(StandardScaler(),
                     EchoStateRegressor(n_reservoir=200, connectivity=0.05, n_washout=100,
                                        alpha=1e-8, random_state=0))
grid = GridSearchCV(pipe, {
    "echostateregressor__spectral_radius": [0.8, 1.25],
    "echostateregressor__leaking_rate": [0.3, 1.0],
    "echostateregressor__input_scaling": [0.2, 1.0],
}, cv=TimeSeriesSplit(n_splits=3))
grid.fit(X_train, y_train)
print("best parameters:", grid.best_params_)
print(f"best one-step validation R^2: 1 - {1 - grid.best_score_:.1e}")

# %%
# The validation error of every candidate, averaged over the folds: the
# one-step R^2 of all of them is close to 1, so the figure shows 1 - R^2 on a
# log scale. Short labels: spectral radius / leaking rate / input scaling.
results = grid.cv_results_
labels = [f"{p['echostateregressor__spectral_radius']}/"
          f"{p['echostateregressor__leaking_rate']}/"
          f"{p['echostateregressor__input_scaling']}" for p in results["params"]]
fig, ax = plt.subplots(figsize=(9, 3.2))
ax.bar(labels, 1 - results["mean_test_score"], color="C0")
ax.bar(grid.best_index_, 1 - grid.best_score_, color="C1", label="best")
ax.set_yscale("log")
ax.set_ylabel("1 - validation R$^2$")
ax.set_xlabel("spectral radius / leaking rate / input scaling")
ax.tick_params(axis="x", labelsize="small")
ax.legend()
ax.set_title("Grid search, 3 time-ordered folds per candidate")
fig.tight_layout()

# %%
# Free-running forecast. Feeding each output back as the next input needs
# inputs and targets on the same scale, so the series itself is standardised
# (with the training part's statistics) and a model with the chosen settings
# is refitted on it; ``forecast(None, n)`` continues from the end of the
# training series.
best = {k.split("__")[1]: v for k, v in grid.best_params_.items()}
mean, std = s[:2500].mean(), s[:2500].std()
z = (s - mean) / std
esn = EchoStateRegressor(n_reservoir=200, connectivity=0.05, n_washout=100, alpha=1e-8,
                         random_state=0, **best).fit(z[:2500, None], z[1:2501])
horizon = 150
forecast = esn.forecast(None, horizon) * std + mean  # forecast[k] is s[2500 + k]
truth = s[2500:2500 + horizon]
nrmse = np.sqrt(np.mean((forecast - truth) ** 2)) / s.std()
print(f"{horizon}-step free-running NRMSE: {nrmse:.4f}")

# %%
# The forecast against the truth.
t = np.arange(2400, 2500 + horizon)
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(t, s[2400:2500 + horizon], color="k", lw=1, label="Mackey-Glass series")
ax.plot(t[100:], forecast, "--", color="C1", lw=2, label="free-running forecast")
ax.axvline(2500, color="grey", lw=0.5)
ax.set_xlabel("time step")
ax.legend(loc="lower left")
ax.set_title(f"Echo state network, {horizon} steps ahead (NRMSE {nrmse:.3f})")
fig.tight_layout()
plt.show()
