"""Semeion's back-propagation rules on real and synthetic series, and online speed.

Three parts, each in one run:

``quality``
    One-step forecasts of four series that statsmodels ships (yearly
    sunspots; monthly Mauna Loa CO2, weekly readings averaged by month;
    monthly El Nino sea temperatures; quarterly US unemployment) and two
    synthetic ones (Mackey-Glass with 2% noise; two sines with 20% noise).
    Each series is standardised on its first 70 %, which trains; the last
    30 % tests (CO2, which trends, is modelled by its monthly changes, and
    scored on the levels they forecast). Six rules -- plain
    back-propagation, momentum, self-momentum, Jung, Freud, Jung + Freud --
    are each tuned by a grid search of four settings (eight for Jung +
    Freud; ``GridSearchCV``, ``TimeSeriesSplit(3)`` on the training part,
    mean squared error, or the critical-point skill with ``--scoring
    skill``), then refitted with five seeds. On the test part:
    the critical-point hit rate (changes of trend the forecast anticipated),
    the false-alarm rate (trend continuations where it announced a change)
    and the mean squared error relative to persistence (the forecast "same
    as last value"), mean and standard deviation over the seeds.

``speed``
    Online training (one update per window) against scikit-learn's
    ``MLPRegressor(solver='sgd', batch_size=1)`` on the same windows (the
    MLP gets them as a table, built once), same sizes, rate, momentum and
    epochs; windows per second, medians of ``--repeats`` runs.

``self-momentum``
    Epochs until the training loss first falls below 1.5 times that of the
    least-squares linear autoregression on the same windows, at Rate = 1, in
    Semeion's setting: logistic hidden and output units, each series scaled
    into [0.1, 0.9] by its training range. Self-momentum against momentum
    k = 0.5 and 0.9, and plain back-propagation; five seeds.

Run::

    python benchmarks/bench_semeion.py quality
    python benchmarks/bench_semeion.py speed [--repeats 3]
    python benchmarks/bench_semeion.py self-momentum
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.neural_network import MLPRegressor

from skrnn import BackPropagationRegressor
from skrnn.datasets import make_mackey_glass
from skrnn.metrics import critical_point_scorer, critical_point_scores

SEEDS = range(5)
TRAIN_FRACTION = 0.7


def load_series():
    """name -> (series, n_lags, difference): the trending CO2 is modelled by its
    monthly changes (a network fed standardised levels meets test values
    beyond anything it trained on)."""
    import statsmodels.api as sm

    out = {}
    out["sunspots"] = (sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(), 8,
                       False)
    co2 = sm.datasets.co2.load_pandas().data["co2"]
    out["co2"] = (co2.resample("MS").mean().interpolate().to_numpy(), 12, True)
    elnino = sm.datasets.elnino.load_pandas().data.drop(columns="YEAR")
    out["elnino"] = (elnino.to_numpy().ravel(), 12, False)
    out["unemployment"] = (sm.datasets.macrodata.load_pandas().data["unemp"].to_numpy(), 8,
                           False)
    rng = np.random.RandomState(0)
    mg = make_mackey_glass(600, random_state=0)
    mg = np.asarray(mg[0] if isinstance(mg, tuple) else mg, dtype=float).ravel()[:600]
    out["mackey-glass"] = (mg + 0.02 * mg.std() * rng.randn(mg.shape[0]), 8, False)
    t = np.arange(600)
    sines = np.sin(2 * np.pi * t / 23) + 0.6 * np.sin(2 * np.pi * t / 9)
    out["two sines"] = (sines + 0.2 * sines.std() * rng.randn(600), 8, False)
    return out


def rule_grids(n_inputs):
    """Rule name -> (fixed parameters, grid of four settings)."""
    rates = [0.01, 0.05]
    return {
        "plain": ({}, {"learning_rate_init": [0.003, 0.01, 0.03, 0.05]}),
        "momentum": ({}, {"learning_rate_init": rates, "momentum": [0.5, 0.9]}),
        "self-momentum": ({"momentum": "self"},
                          {"learning_rate_init": [0.01, 0.05, 0.3, 1.0]}),
        "jung": ({}, {"learning_rate_init": rates, "jung": [n_inputs / 2, 2 * n_inputs]}),
        "freud": ({}, {"learning_rate_init": rates, "freud": [1.0, 3.0]}),
        "jung+freud": ({}, {"learning_rate_init": rates,
                            "jung": [n_inputs / 2, 2 * n_inputs], "freud": [1.0, 3.0]}),
    }


def prepare(series, difference=False, low=None):
    """(X, y, n_train, to_level): one-step windows of the standardised series
    (or of its changes), and the map from predictions to forecast levels.

    ``low`` scales into [low, 1 - low] by the training range instead.
    """
    level = series
    if difference:
        series = np.diff(series)
    n_train = int(TRAIN_FRACTION * series.shape[0])
    if low is None:
        shift, scale = series[:n_train].mean(), series[:n_train].std()
    else:
        lo, hi = series[:n_train].min(), series[:n_train].max()
        scale = (hi - lo) / (1 - 2 * low)
        shift = lo - low * scale
    s = (series - shift) / scale

    def to_level(pred):
        """Forecast levels of steps 1.. of the scaled series' targets."""
        if not difference:
            return pred
        # the prediction at row t is the change to level[t + 2]
        return level[1:-1] + pred * scale + shift

    return s[:-1, None], s[1:], n_train - 1, to_level, (level[2:] if difference else s[1:])


def quality(args):
    print(f"{'series':<13} {'rule':<14} {'best setting':<44} {'hit rate':>12} "
          f"{'false alarms':>12} {'MSE/persist.':>12}")
    for name, (series, n_lags, difference) in load_series().items():
        X, y, n_train, to_level, truth = prepare(series, difference)
        test = slice(n_train, None)
        # persistence: no change (of the level)
        persist = to_level(np.zeros_like(y)) if difference else X[:, 0]
        mse_persist = np.mean((truth[test] - persist[test]) ** 2)
        scoring = critical_point_scorer("skill") if args.scoring == "skill" else \
            "neg_mean_squared_error"

        def score(pred, to_level=to_level, truth=truth, test=test, mse_persist=mse_persist):
            """Critical points and MSE / persistence on the test part; pred has a row per y."""
            lev = to_level(pred)
            sc = critical_point_scores(truth[test], lev[test])
            mse = np.mean((truth[test] - lev[test]) ** 2) / mse_persist
            return sc, mse

        # the linear autoregression on the same windows, for reference
        W = np.lib.stride_tricks.sliding_window_view(X[:, 0], n_lags)[:, ::-1]
        A = np.c_[W, np.ones(W.shape[0])]
        coef = np.linalg.lstsq(A[:n_train - n_lags + 1], y[n_lags - 1:n_train], rcond=None)[0]
        ar = np.r_[np.zeros(n_lags - 1), A @ coef]
        s, mse = score(ar)
        print(f"{name:<13} {'linear AR':<14} {'least squares':<44} {s['hit_rate']:>12.2f} "
              f"{s['false_alarm_rate']:>12.2f} {mse:>12.2f}")
        n_crit = s["n_critical"]
        for rule, (fixed, grid) in rule_grids(n_lags).items():
            base = BackPropagationRegressor(n_lags=n_lags, hidden_layer_sizes=(16,),
                                            max_iter=args.max_iter, random_state=0, **fixed)
            search = GridSearchCV(base, grid, cv=TimeSeriesSplit(3), scoring=scoring)
            with warnings.catch_warnings():
                # a setting that diverges in a fold scores -inf there and loses;
                # its warnings (non-finite scores, overflow) would only clutter
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                warnings.filterwarnings("ignore", "One or more of the test scores")
                search.fit(X[:n_train], y[:n_train])
                hits, false, mse = [], [], []
                for seed in SEEDS:
                    model = base.set_params(**search.best_params_, random_state=seed)
                    model.fit(X[:n_train], y[:n_train])
                    sc, m = score(model.predict(X))
                    hits.append(sc["hit_rate"])
                    false.append(sc["false_alarm_rate"])
                    mse.append(m)
            setting = ", ".join(f"{k.replace('learning_rate_init', 'rate')}={v:g}"
                                for k, v in search.best_params_.items())
            # a run whose weights blew up (finite, but huge) forecasts nonsense
            mse_text = (f"{np.mean(mse):>6.2f}±{np.std(mse):.2f}" if max(mse) < 1e3
                        else f"{'>1000 (' + str(sum(m >= 1e3 for m in mse)) + '/5)':>12}")
            print(f"{'':<13} {rule:<14} {setting:<44} "
                  f"{np.mean(hits):>6.2f}±{np.std(hits):.2f} "
                  f"{np.mean(false):>6.2f}±{np.std(false):.2f} {mse_text}")
        print(f"{'':<13} ({y[test].shape[0]} test steps, {n_crit} critical points)")


def speed(args):
    print(f"{'lags':>5} {'hidden':>6} {'windows':>8} {'momentum':>8} {'skrnn w/s':>11} "
          f"{'MLP w/s':>9} {'ratio':>7}")
    rng = np.random.RandomState(0)
    s = np.cumsum(rng.randn(args.n_windows + 64))
    s = (s - s.mean()) / s.std()
    for n_lags, hidden in [(8, 16), (32, 64)]:
        for momentum in (0.0, 0.9):
            X, y = s[:args.n_windows + n_lags - 1, None], s[1:args.n_windows + n_lags]
            W = np.lib.stride_tricks.sliding_window_view(X[:, 0], n_lags)[:, ::-1].copy()
            yy = y[n_lags - 1:]
            t_ours, t_mlp = [], []
            for _ in range(args.repeats):
                ours = BackPropagationRegressor(
                    n_lags=n_lags, hidden_layer_sizes=(hidden,), learning_rate_init=0.002,
                    momentum=momentum, max_iter=args.epochs, tol=0.0,
                    n_iter_no_change=args.epochs + 1, random_state=0)
                mlp = MLPRegressor(
                    hidden_layer_sizes=(hidden,), solver="sgd", batch_size=1,
                    learning_rate_init=0.002, momentum=momentum, nesterovs_momentum=False,
                    alpha=0.0, max_iter=args.epochs, tol=0.0,
                    n_iter_no_change=args.epochs + 1, random_state=0)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    start = time.perf_counter()
                    ours.fit(X, y)
                    t_ours.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    mlp.fit(W, yy)
                    t_mlp.append(time.perf_counter() - start)
                # a diverged fit stops early and would flatter its side
                assert ours.n_iter_ == mlp.n_iter_ == args.epochs, "a fit diverged"
            n = args.n_windows * args.epochs
            a, b = n / np.median(t_ours), n / np.median(t_mlp)
            print(f"{n_lags:>5} {hidden:>6} {args.n_windows:>8} {momentum:>8} {a:>11.0f} "
                  f"{b:>9.0f} {a / b:>6.0f}x")


def self_momentum(args):
    rules = {"self-momentum": "self", "momentum 0.5": 0.5, "momentum 0.9": 0.9, "plain": 0.0}
    print(f"{'series':<13} {'target':>8} " + " ".join(f"{r:>16}" for r in rules))
    for name, (series, n_lags, difference) in load_series().items():
        X, y, n_train, _, _ = prepare(series, difference, low=0.1)
        W = np.lib.stride_tricks.sliding_window_view(X[:n_train, 0], n_lags)[:, ::-1]
        A = np.c_[W, np.ones(W.shape[0])]
        yt = y[n_lags - 1:n_train]
        resid = yt - A @ np.linalg.lstsq(A, yt, rcond=None)[0]
        target = 1.5 * 0.5 * np.mean(resid ** 2)
        cells = []
        for momentum in rules.values():
            epochs = []
            for seed in SEEDS:
                model = BackPropagationRegressor(
                    n_lags=n_lags, hidden_layer_sizes=(16,), activation="logistic",
                    output_activation="logistic", learning_rate_init=args.rate,
                    momentum=momentum, max_iter=args.max_epochs, tol=0.0,
                    n_iter_no_change=args.max_epochs + 1, random_state=seed)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    model.fit(X[:n_train], y[:n_train])
                curve = np.asarray(model.loss_curve_)
                reached = np.flatnonzero(curve <= target)
                diverged = model.n_iter_ < args.max_epochs and not reached.size
                epochs.append(reached[0] + 1 if reached.size else
                              (-1 if diverged else np.inf))
            epochs = np.array(epochs, dtype=float)
            n_div = int(np.sum(epochs == -1))
            ok = epochs[epochs > 0]
            med = np.median(ok) if ok.size else np.inf
            text = (f"{med:.0f}" if np.isfinite(med) else f">{args.max_epochs}")
            text += f" ({int(np.sum(np.isfinite(ok)))}/5)"
            if n_div:
                text += f" {n_div} div."
            cells.append(text)
        print(f"{name:<13} {target:>8.4f} " + " ".join(f"{c:>16}" for c in cells))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="part", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--max-iter", type=int, default=200)
    q.add_argument("--scoring", choices=["mse", "skill"], default="mse",
                   help="what the grid search maximises: -MSE or the critical-point skill")
    s = sub.add_parser("speed")
    s.add_argument("--repeats", type=int, default=3)
    s.add_argument("--epochs", type=int, default=5)
    s.add_argument("--n-windows", type=int, default=2000)
    m = sub.add_parser("self-momentum")
    m.add_argument("--max-epochs", type=int, default=300)
    m.add_argument("--rate", type=float, default=1.0)
    args = parser.parse_args()
    {"quality": quality, "speed": speed, "self-momentum": self_momentum}[args.part](args)


if __name__ == "__main__":
    main()
