"""
=====================================
Changes of trend in the sunspot cycle
=====================================

A one-step forecast can be close to the series on average and still miss
every turn. This example fits :class:`~skrnn.BackPropagationRegressor` to
the yearly sunspot numbers with plain back-propagation and with Semeion's
Jung and Freud rules, and scores each forecast at the *critical points* of
the test years, the years where the series turns from rising to falling or
back (:func:`skrnn.metrics.critical_point_scores`): how many turns each
forecast anticipated, and how many turns it announced that did not come.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The series and its windows
# --------------------------
# statsmodels ships the yearly sunspot numbers, 1700-2008. The network reads
# the last eight years (``n_lags=8``) and forecasts the next; the first 70 %
# of the years train, standardised by their own mean and spread.
import matplotlib.pyplot as plt
import numpy as np
import statsmodels.api as sm

from skrnn import BackPropagationRegressor
from skrnn.metrics import critical_point_scores

data = sm.datasets.sunspots.load_pandas().data
years, spots = data["YEAR"].to_numpy(), data["SUNACTIVITY"].to_numpy()
n_train = int(0.7 * spots.shape[0])
s = (spots - spots[:n_train].mean()) / spots[:n_train].std()
X, y = s[:-1, None], s[1:]            # y[t] = X[t + 1]: the next year

# %%
# Three rules, five seeds each
# ----------------------------
# The same network (16 tanh units, online updates at rate 0.01) with plain
# back-propagation, the Jung rule and the Freud rule. The predictions of the
# whole series are computed in one call, so the test years' windows reach
# back into the training years.
rules = {"plain": {}, "Jung (JR=16)": {"jung": 16.0}, "Freud (F=1)": {"freud": 1.0}}
test = slice(n_train - 1, None)
forecasts, table = {}, {}
for name, params in rules.items():
    scores, preds = [], []
    for seed in range(5):
        model = BackPropagationRegressor(n_lags=8, learning_rate_init=0.01,
                                         random_state=seed, **params)
        model.fit(X[:n_train - 1], y[:n_train - 1])
        pred = model.predict(X)[test]
        preds.append(pred)
        scores.append(critical_point_scores(y[test], pred))
    forecasts[name] = np.mean(preds, axis=0)
    table[name] = {key: np.mean([sc[key] for sc in scores])
                   for key in ("hit_rate", "false_alarm_rate")}
    print(f"{name:<13} anticipated {table[name]['hit_rate']:.0%} of the turns, "
          f"false alarms at {table[name]['false_alarm_rate']:.0%} of the other years")

# %%
# Where the turns are
# -------------------
# The black dots are the critical points of the test years. The sunspot
# cycle turns regularly, so every rule anticipates most turns: here the
# rules change little, as on the other series of the benchmark
# (``benchmarks/bench_semeion.py``).
t = years[1:][test]
truth = y[test]
d = np.sign(np.diff(truth))
turns = np.flatnonzero(d[1:] != d[:-1]) + 2
fig, (ax, bar) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[3, 1])
ax.plot(t, truth, color="black", lw=1.5, label="sunspots (standardised)")
for name, f in forecasts.items():
    ax.plot(t, f, lw=1, label=name)
ax.plot(t[turns], truth[turns], "o", color="black", ms=4, label="critical points")
ax.set_xlabel("year")
ax.legend(fontsize=8, loc="upper left")
ax.set_title("one-year-ahead forecasts, test years")
names = list(table)
x = np.arange(len(names))
bar.bar(x - 0.2, [table[n]["hit_rate"] for n in names], 0.4, label="hit rate")
bar.bar(x + 0.2, [table[n]["false_alarm_rate"] for n in names], 0.4, label="false alarms")
bar.set_xticks(x, names, rotation=20, fontsize=8)
bar.set_ylim(0, 1)
bar.legend(fontsize=8)
bar.set_title("critical points, 5 seeds")
fig.tight_layout()
plt.show()
