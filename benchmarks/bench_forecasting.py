"""Forecasting with known covariates, conformal intervals and one-pass backtests.

Three series, none downloaded at run time:

* ``co2``: weekly Mauna Loa CO2 (statsmodels' shipped dataset, 2284 weeks,
  the 59 missing weeks interpolated); covariates: the calendar (sine and
  cosine of the week of the year, known for any future week). The rising
  trend takes the test weeks out of the range the reservoir was trained
  on, so the model forecasts the weekly changes, and their sums from the
  last level are scored as levels.
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
refitting from scratch at every origin (``fit(X[:o - 1])`` then forecast), the
last two timed on 20 evenly spaced origins and scaled to all origins.

Run::

    python benchmarks/bench_forecasting.py            # all three series
    python benchmarks/bench_forecasting.py --series control
    python benchmarks/bench_forecasting.py --series elnino control --model elman
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch

from skrnn import EchoStateRegressor, ElmanRegressor
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
    # name: (loader, model the weekly changes?, training steps, calibration origins, model)
    "co2": (co2, True, 1200, 300, dict(n_reservoir=200, spectral_radius=0.5, leaking_rate=0.5,
                                       input_scaling=0.5, n_washout=50, alpha=1e-2)),
    "elnino": (elnino, False, 360, 120, dict(n_reservoir=100, spectral_radius=0.8,
                                             leaking_rate=0.7, input_scaling=0.5, n_washout=24,
                                             alpha=1e-2)),
    "control": (control, False, 2500, 500, dict(n_reservoir=200, spectral_radius=0.8,
                                                input_scaling=0.5, n_washout=50, alpha=1e-4)),
}


def design(series, covariates, with_covariates):
    """Inputs [s_t, covariates of t + 1] (or [s_t]) and targets s_{t+1}."""
    X = series[:-1, None]
    if with_covariates:
        X = np.hstack([X, covariates[1:series.shape[0]]])
    return X, series[1:]


def to_levels(result, raw, series_scale, differenced):
    """Forecasts and outcomes of the raw series from a backtest of the modelled one.

    From origin o the modelled history is series[:o] and step h forecasts
    series[o + h - 1]; for the weekly changes (series[t] = raw[t + 1] -
    raw[t]), the level forecast of raw[o + h] is raw[o] plus the forecast
    changes summed.
    """
    f = result.forecasts[..., 0] * series_scale[1] + series_scale[0]
    o = result.origins[:, None]
    h = np.arange(1, f.shape[1] + 1)[None, :]
    if differenced:
        return Bunch(origins=result.origins, forecasts=(raw[o] + np.cumsum(f, axis=1))[..., None],
                     y_true=raw[o + h][..., None], target=o + h)
    return Bunch(origins=result.origins, forecasts=f[..., None],
                 y_true=raw[o + h - 1][..., None], target=o + h - 1)


def make_model(kind, params):
    if kind == "esn":
        return "ESN", EchoStateRegressor(random_state=0, **params)
    # a gradient-trained network: the per-origin path of the backtest
    return "Elman", ElmanRegressor(n_hidden=32, max_iter=100, random_state=0)


def run(name, kind="esn"):
    loader, differenced, n_train, n_cal, params = SERIES[name]
    raw, covariates, season = loader()
    modelled = np.diff(raw) if differenced else raw
    scale = (modelled[:n_train].mean(), modelled[:n_train].std())
    series = (modelled - scale[0]) / scale[1]
    short, model = make_model(kind, params)
    rows, results = {}, {}
    for label, with_cov in ((f"{short} + covariates", True), (f"{short}, no covariates", False)):
        X, y = design(series, covariates, with_cov)
        t0 = time.perf_counter()
        result = backtest(model, X, y, start=n_train, horizon=HORIZON, feedback=[0])
        seconds = time.perf_counter() - t0
        levels = to_levels(result, raw, scale, differenced)
        results[label] = (levels, X, y, seconds)
        rows[label] = np.sqrt(np.mean((levels.forecasts - levels.y_true)[..., 0] ** 2, axis=0))
    levels = results[f"{short} + covariates"][0]
    naive = raw[levels.target - season * (1 + (np.arange(HORIZON)[None, :] // season))]
    rows[f"seasonal naive ({season})"] = np.sqrt(np.mean((naive - levels.y_true[..., 0]) ** 2,
                                                         axis=0))
    origins = levels.origins

    what = "weekly changes modelled, levels scored; " if differenced else ""
    print(f"\n### {name}: {raw.shape[0]} steps ({what}trained on {n_train}), "
          f"{len(origins)} forecast origins, horizons 1-{HORIZON}\n")
    print("| forecaster | RMSE h=1 | RMSE h=5 | RMSE h=10 | mean RMSE 1-10 |")
    print("|---|---|---|---|---|")
    for label, r in rows.items():
        print(f"| {label} | {r[0]:.4g} | {r[4]:.4g} | {r[9]:.4g} | {r.mean():.4g} |")

    levels, X, y, one_pass = results[f"{short} + covariates"]
    print(f"\nConformal (ACI) coverage of the {short} + covariates forecasts over "
          f"{len(origins) - n_cal} test origins ({n_cal} calibrating):\n")
    print("| nominal | h=1 | h=10 | median width h=1 | median width h=10 |")
    print("|---|---|---|---|---|")
    for coverage in (0.8, 0.9):
        bands = conformal_intervals(levels, coverage, n_calibration=n_cal)
        width = np.median(bands.upper - bands.lower, axis=(0, 2))
        print(f"| {coverage:.0%} | {bands.coverage[0]:.3f} | {bands.coverage[9]:.3f} | "
              f"{width[0]:.3g} | {width[9]:.3g} |")

    # speed: one pass against the network re-run, or refitted, at every origin
    sample = origins[np.linspace(0, len(origins) - 1, 20).astype(int)]
    t0 = time.perf_counter()
    fitted = clone(model).fit(X[:n_train - 1], y[:n_train - 1])  # as backtest fits
    for o in sample:
        fitted.forecast(X[:o], HORIZON, covariates=X[o:o + HORIZON - 1, 1:], feedback=[0])
    rerun = (time.perf_counter() - t0) * len(origins) / len(sample)
    t0 = time.perf_counter()
    for o in sample:
        clone(model).fit(X[:o - 1], y[:o - 1]).forecast(X[:o], HORIZON,
                                                covariates=X[o:o + HORIZON - 1, 1:],
                                                feedback=[0])
    refit = (time.perf_counter() - t0) * len(origins) / len(sample)
    print(f"\nBacktest of {len(origins)} origins x {HORIZON} steps: one pass {one_pass:.2f} s "
          f"(fit included); re-running from the start at every origin {rerun:.1f} s "
          f"({rerun / one_pass:.1f}x); refitting at every origin {refit:.1f} s "
          f"({refit / one_pass:.1f}x).")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", choices=list(SERIES), nargs="*", default=list(SERIES))
    parser.add_argument("--model", choices=["esn", "elman"], default="esn",
                        help="the echo state network (default) or an Elman network "
                             "(32 units, Adam, 100 epochs)")
    args = parser.parse_args()
    for name in args.series:
        run(name, args.model)


if __name__ == "__main__":
    main()
