"""Forecasting with known covariates, conformal intervals and one-pass backtests.

Three series, none downloaded at run time:

* ``co2``: weekly Mauna Loa CO2 (statsmodels' shipped dataset, 2284 weeks,
  the 59 missing weeks interpolated); covariates: the calendar (sine and
  cosine of the week of the year, known for any future week).
* ``elnino``: monthly Nino 1+2 sea surface temperature, 1950-2010
  (statsmodels, 732 months); covariates: the calendar month.
* ``control``: a synthetic nonlinear system driven by a control input u
  that is known ahead (a planned set point: a daily cycle of period 24 plus
  a random schedule), 6000 steps::

      s[t+1] = 0.75 s[t] + 0.15 sin(2 s[t-1]) + 0.5 tanh(u[t+1]) + 0.1 e[t]

For each, an EchoStateRegressor reads ``[s_t, covariates of t+1]`` and
predicts ``s_{t+1}``; its forecasts are run in closed loop from every step of
the held-out tail by :func:`skrnn.forecasting.backtest` (the covariates of
the future steps given), against the same model without covariate inputs
and against the seasonal-naive forecast (the value one season earlier;
seasons 52, 12 and 24). RMSE is averaged over horizons 1..H.

Coverage: adaptive conformal intervals
(:func:`skrnn.forecasting.conformal_intervals`, gamma 0.005) along the
backtest, the first ``n_calibration`` origins only calibrating; the
empirical coverage of nominal 80 % and 90 % intervals for horizons 1 and
10 over the origins after them.

Speed: the one-pass backtest against re-running the network from the start
of the series at every origin (``forecast(X[:o], ...)``), and against
refitting from scratch at every origin (``fit(X[:o])`` then forecast), the
last two timed on 20 evenly spaced origins and scaled to all origins.

Run::

    python benchmarks/bench_forecasting.py            # all three series
    python benchmarks/bench_forecasting.py --series control
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
from sklearn.base import clone

from skrnn import EchoStateRegressor
from skrnn.forecasting import backtest, conformal_intervals

HORIZON = 10


def co2():
    import statsmodels.api as sm

    data = sm.datasets.co2.load_pandas().data["co2"].interpolate().to_numpy()
    week = np.arange(data.shape[0]) % 52.18 / 52.18
    return data, np.column_stack([np.sin(2 * np.pi * week), np.cos(2 * np.pi * week)]), 52


def elnino():
    import statsmodels.api as sm

    frame = sm.datasets.elnino.load_pandas().data
    data = frame.drop(columns="YEAR").to_numpy().ravel()
    month = np.arange(data.shape[0]) % 12 / 12
    return data, np.column_stack([np.sin(2 * np.pi * month), np.cos(2 * np.pi * month)]), 12


def control(n=6000, seed=0):
    rng = np.random.RandomState(seed)
    plan = np.repeat(rng.uniform(-1, 1, n // 6 + 2), 6)[:n + 1]
    u = np.sin(2 * np.pi * np.arange(n + 1) / 24) + plan
    s = np.zeros(n + 1)
    for t in range(1, n):
        s[t + 1] = (0.75 * s[t] + 0.15 * np.sin(2 * s[t - 1]) + 0.5 * np.tanh(u[t + 1])
                    + 0.1 * rng.normal())
    return s, u[:, None], 24


SERIES = {
    # name: (loader, training steps, calibration origins, model)
    "co2": (co2, 1200, 300, dict(n_reservoir=200, spectral_radius=0.5, leaking_rate=0.5,
                                 input_scaling=0.5, n_washout=50, alpha=1e-4)),
    "elnino": (elnino, 360, 120, dict(n_reservoir=100, spectral_radius=0.8, leaking_rate=0.7,
                                      input_scaling=0.5, n_washout=24, alpha=1e-2)),
    "control": (control, 2500, 500, dict(n_reservoir=200, spectral_radius=0.8,
                                         input_scaling=0.5, n_washout=50, alpha=1e-4)),
}


def design(series, covariates, with_covariates):
    """Inputs [s_t, covariates of t + 1] (or [s_t]) and targets s_{t+1}, standardised."""
    X = series[:-1, None]
    if with_covariates:
        X = np.hstack([X, covariates[1:series.shape[0]]])
    return X, series[1:]


def seasonal_naive(series, origins, horizon, season):
    """From origin o (last value seen: series[o - 1]... target of step h: series[o + h - 1])."""
    index = origins[:, None] + np.arange(horizon)[None, :]
    return series[index - season * (1 + (np.arange(horizon)[None, :] // season))]


def run(name):
    loader, n_train, n_cal, params = SERIES[name]
    raw, covariates, season = loader()
    mean, std = raw[:n_train].mean(), raw[:n_train].std()
    series = (raw - mean) / std
    model = EchoStateRegressor(random_state=0, **params)
    rows = {}
    results = {}
    for label, with_cov in (("ESN + covariates", True), ("ESN, no covariates", False)):
        X, y = design(series, covariates, with_cov)
        t0 = time.perf_counter()
        result = backtest(model, X, y, start=n_train, horizon=HORIZON, feedback=[0])
        seconds = time.perf_counter() - t0
        results[label] = (result, X, y, seconds)
        err = (result.forecasts - result.y_true)[..., 0] * std
        rows[label] = np.sqrt(np.mean(err ** 2, axis=0))
    origins = results["ESN + covariates"][0].origins
    truth = results["ESN + covariates"][0].y_true[..., 0]
    naive = seasonal_naive(series, origins, HORIZON, season)
    rows[f"seasonal naive ({season})"] = np.sqrt(np.mean(((naive - truth) * std) ** 2, axis=0))

    print(f"\n### {name}: {raw.shape[0]} steps, trained on {n_train}, "
          f"{len(origins)} forecast origins, horizons 1-{HORIZON}\n")
    print("| forecaster | RMSE h=1 | RMSE h=5 | RMSE h=10 | mean RMSE 1-10 |")
    print("|---|---|---|---|---|")
    for label, r in rows.items():
        print(f"| {label} | {r[0]:.4g} | {r[4]:.4g} | {r[9]:.4g} | {r.mean():.4g} |")

    result, X, y, one_pass = results["ESN + covariates"]
    print(f"\nConformal (ACI) coverage over {len(origins) - n_cal} test origins "
          f"({n_cal} calibrating):\n")
    print("| nominal | h=1 | h=10 | mean width h=1 | mean width h=10 |")
    print("|---|---|---|---|---|")
    for coverage in (0.8, 0.9):
        bands = conformal_intervals(result, coverage, n_calibration=n_cal)
        width = np.mean(bands.upper - bands.lower, axis=(0, 2)) * std
        print(f"| {coverage:.0%} | {bands.coverage[0]:.3f} | {bands.coverage[9]:.3f} | "
              f"{width[0]:.3g} | {width[9]:.3g} |")

    # speed: one pass against the network re-run, or refitted, at every origin
    sample = origins[np.linspace(0, len(origins) - 1, 20).astype(int)]
    fitted = clone(model).fit(X[:n_train], y[:n_train])
    t0 = time.perf_counter()
    for o in sample:
        fitted.forecast(X[:o], HORIZON, covariates=X[o:o + HORIZON - 1, 1:], feedback=[0])
    rerun = (time.perf_counter() - t0) * len(origins) / len(sample)
    t0 = time.perf_counter()
    for o in sample:
        clone(model).fit(X[:o], y[:o]).forecast(X[:o], HORIZON, covariates=X[o:o + HORIZON - 1, 1:],
                                                feedback=[0])
    refit = (time.perf_counter() - t0) * len(origins) / len(sample)
    print(f"\nBacktest of {len(origins)} origins x {HORIZON} steps: one pass {one_pass:.2f} s "
          f"(fit included); re-running from the start at every origin {rerun:.1f} s "
          f"({rerun / one_pass:.1f}x); refitting at every origin {refit:.1f} s "
          f"({refit / one_pass:.1f}x).")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", choices=list(SERIES), nargs="*", default=list(SERIES))
    args = parser.parse_args()
    for name in args.series:
        run(name)


if __name__ == "__main__":
    main()
