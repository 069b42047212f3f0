"""
=========================================================
Yearly sunspots from a pandas DataFrame: Jordan and Elman
=========================================================

The yearly sunspot numbers from 1700 to 2008, which statsmodels ships, are
a classic of time-series analysis: a cycle of about eleven years whose
height changes from one cycle to the next. Here a Jordan network and an
Elman network learn to predict next year's number from this year's, fed the
series as a pandas DataFrame, and are compared on the last 58 years with
the naive forecast "next year as this year".

The two networks differ in their memory. An Elman network feeds back its
hidden state; a Jordan network feeds back its previous *output* (here,
its own forecast of this year's number) through a context that decays by
``context_decay``. Both keep the feature names of the DataFrame, and both
sit in a scikit-learn ``Pipeline`` behind a ``StandardScaler``, which works
on a 2D series because its rows are time steps.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The data
# --------
# One row per year. ``X`` holds this year's number, ``y`` next year's: the
# DataFrame ``X`` and the array ``y`` are aligned on their rows, as
# everywhere in scikit-learn.
import matplotlib.pyplot as plt
import numpy as np
import statsmodels.api as sm
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skrnn import ElmanRegressor, JordanRegressor

data = sm.datasets.sunspots.load_pandas().data
series = data.set_index(data["YEAR"].astype(int))["SUNACTIVITY"]
X = series.to_frame("sunspots").iloc[:-1]     # years 1700..2007
y = series.to_numpy()[1:]                      # the following year
years = series.index[1:]
n_train = 250                                  # up to 1950; the rest is held out
print(X.head(3))

# %%
# The models
# ----------
# The inputs are standardised by the pipeline and the target by
# ``TransformedTargetRegressor``: both networks assume values of unit scale.
# ``set_output(transform="pandas")`` keeps the DataFrame through the scaler,
# so the networks record the feature names and check them at prediction.
# The training series is one sequence of 250 steps; prediction runs the
# network over the whole series, so that the held-out years start from the
# state the past left.
models = {
    "Jordan": JordanRegressor(n_hidden=16, max_iter=1000, random_state=0),
    "Elman": ElmanRegressor(n_hidden=16, max_iter=1000, random_state=0),
}
predictions = {}
for name, network in models.items():
    # the scaler hands the network a DataFrame, so the names reach it
    scaled = make_pipeline(StandardScaler(), network).set_output(transform="pandas")
    model = TransformedTargetRegressor(scaled, transformer=StandardScaler())
    model.fit(X.iloc[:n_train], y[:n_train])
    predictions[name] = model.predict(X)[n_train:]
    fitted = model.regressor_[-1]
    print(f"{name}: features {list(fitted.feature_names_in_)}, "
          f"{fitted.n_iter_} epochs")

# %%
# Held-out error
# --------------
# Root mean squared error on the years after 1950, against the naive
# forecast.
truth = y[n_train:]
naive = X["sunspots"].to_numpy()[n_train:]
errors = {"naive (same as last year)": np.sqrt(np.mean((naive - truth) ** 2))}
for name, pred in predictions.items():
    errors[name] = np.sqrt(np.mean((pred - truth) ** 2))
for name, error in errors.items():
    print(f"{name:>26}: RMSE {error:5.1f}")

# %%
# Both networks beat the naive forecast by a wide margin; they have learnt
# where in the cycle a year sits from more than its own number. The figure
# shows the held-out years.
fig, ax = plt.subplots(figsize=(9, 3.5))
ax.plot(years[n_train:], truth, color="black", lw=2, label="observed")
ax.plot(years[n_train:], naive, color="grey", ls=":", label="naive")
for name, pred in predictions.items():
    ax.plot(years[n_train:], pred, label=name)
ax.set_xlabel("year")
ax.set_ylabel("sunspot number")
ax.set_title("Next year's sunspots, held-out years")
ax.legend(ncol=4, fontsize="small")
fig.tight_layout()
plt.show()
