"""
===================================================================
Forecasting a controlled system with known future inputs and a band
===================================================================

A tank's level ``s`` follows a nonlinear response to a valve setting ``u``
that is planned ahead: the operator knows tomorrow's settings, not
tomorrow's level. An echo state network reads ``[s_t, u_{t+1}]`` and
predicts ``s_{t+1}``; ``forecast`` then runs it in closed loop, writing each
predicted level back into the level column (``feedback=[0]``) while the
planned settings fill the other column (``covariates``).

:class:`~skrnn.forecasting.ConformalForecaster` wraps the model with
adaptive conformal intervals: it holds out the end of the series, forecasts
from every step there, and turns the residuals of each horizon into an
interval whose level adaptive conformal inference keeps honest on a time
series.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The system
# ----------
# A daily cycle of period 24 plus a random schedule of set points drives
# the level, with noise.
import matplotlib.pyplot as plt
import numpy as np

from skrnn import EchoStateRegressor
from skrnn.forecasting import ConformalForecaster

rng = np.random.RandomState(0)
n = 2600
u = np.sin(2 * np.pi * np.arange(n + 1) / 24) + np.repeat(rng.uniform(-1, 1, n // 6 + 1),
                                                          6)[:n + 1]
s = np.zeros(n + 1)
for t in range(1, n):
    s[t + 1] = 0.75 * s[t] + 0.15 * np.sin(2 * s[t - 1]) + 0.5 * np.tanh(u[t + 1]) \
        + 0.1 * rng.normal()
X, y = np.column_stack([s[:-1], u[1:]]), s[1:]  # inputs [s_t, u_{t+1}], target s_{t+1}
n_history, horizon = 2400, 48

# %%
# Fit, calibrate, forecast
# ------------------------
# ``fit`` trains on the first three quarters of the history and calibrates
# 48-step forecasts on the last quarter. The forecast reads the 47 planned
# settings that follow the history.
esn = EchoStateRegressor(200, spectral_radius=0.8, input_scaling=0.5, n_washout=50,
                         alpha=1e-4, random_state=0)
model = ConformalForecaster(esn, horizon=horizon, coverage=0.9, feedback=[0])
model.fit(X[:n_history], y[:n_history])
plan = X[n_history:n_history + horizon - 1, 1:]
future, lower, upper = model.forecast(X[:n_history], horizon, covariates=plan,
                                      return_interval=True)
_, lower80, upper80 = model.forecast(X[:n_history], horizon, covariates=plan,
                                     return_interval=True, coverage=0.8)
# the same model blind to the plan: the future settings held at zero
blind = model.estimator_.forecast(X[:n_history], horizon, covariates=np.zeros_like(plan),
                                  feedback=[0])
truth = y[n_history - 1:n_history - 1 + horizon]
rmse = {name: np.sqrt(np.mean((f - truth) ** 2)) for name, f in
        [("known plan", future), ("plan unknown", blind)]}
print({name: round(float(v), 3) for name, v in rmse.items()})

# %%
# The forecast and its bands
# --------------------------
# The band widens with the horizon: each horizon has its own residuals.
steps = np.arange(1, horizon + 1)
fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(np.arange(-48, 0), y[n_history - 49:n_history - 1], color="0.3", label="history")
ax.fill_between(steps, lower, upper, alpha=0.25, color="C0", label="90 % interval")
ax.fill_between(steps, lower80, upper80, alpha=0.35, color="C0", label="80 % interval")
ax.plot(steps, future, color="C0", label=f"forecast, plan known (RMSE {rmse['known plan']:.2f})")
ax.plot(steps, blind, color="C1", ls="--",
        label=f"forecast, plan unknown (RMSE {rmse['plan unknown']:.2f})")
ax.plot(steps, truth, color="k", lw=1, label="what happened")
ax.axvline(0.5, color="0.7")
ax.set_xlabel("steps after the last observation")
ax.set_ylabel("level")
ax.legend(loc="upper left", fontsize=8, ncol=2)
fig.tight_layout()
plt.show()
