"""The ridge readout's penalty choice: alpha='gcv' and 'cv' against every fixed alpha.

Subcommands (each prints a markdown table, headed by the command that makes it):

``penalty``
    Held-out error with ``alpha='gcv'``, with ``alpha='cv'`` and with every
    fixed alpha in ``np.logspace(-10, 2, 13)``, on:

    - NARMA10 as in the issue: ``EchoStateRegressor(100, input_scaling=0.1,
      spectral_radius=0.8)`` fitted on the first n = 500, 1000, 1500 steps of
      ``make_narma(n + 500)``, scored on ``predict(X[n:n + 500])`` (a fresh
      run from the zero state, as ``GridSearchCV`` scores it);
    - Mackey-Glass (tanh(s - 1), one step ahead), 300 units, leaky, 100
      washout steps, 2000 training steps, scored on the next 500 after their
      first 100;
    - a noisy sine (sin(0.05 t) + 0.01 N(0, 1), one step ahead), 100 units,
      100 washout steps, 4000 training steps, scored on the rest after
      their first 100;
    - a noisy nonlinear memory task, y_t = sin(3 u_t) u_{t-2} + 0.05 N(0, 1)
      with u_t uniform on [-1, 1], 200 units, 20 washout steps, 2000
      training steps, scored on the next 1000 after their first 20;
    - digits (X / 16) through ``RNNELMClassifier(1000)``: train on the first
      1000 rows, error = 1 - accuracy on the rest (the "variance" column is
      then the error of always predicting the training set's majority class;
      the data do not depend on the seed, so the seed is the network's);
    - Friedman #1 (1500 rows, noise 1) through ``RNNELMRegressor(1000)``:
      train on the first 1000 rows, MSE on the rest.

    Columns: the held-out target variance, the best fixed alpha's error (and
    that alpha), the error of 'gcv' and of 'cv' with the alpha they chose and
    their ratio to the best fixed error, the ReadoutWarnings each raised, and
    how many of the fixed alphas raised one. "n/a" marks a setting that
    raised (the messages are listed under the table).
``gridsearch``
    ``GridSearchCV`` of ``EchoStateRegressor(100, alpha=A)`` over spectral
    radius x input scaling (16 candidates), ``TimeSeriesSplit(3)``, negative
    MSE, on the first 1500 steps of NARMA10, for A in 'gcv', 'cv' and 1e-6:
    the worst and the best candidate's mean test MSE against the variance of
    y. The target: no candidate worse than predicting the mean.
``stream``
    A noisy sine of 30,000 steps, 100 and 1000 units, alpha in 'cv', 'gcv'
    and 1e-6: ``fit`` at once against ``partial_fit`` over 6 equal chunks
    and over a random chunking (10 seeded random cut points). Max relative
    difference (max |a - b| / max |a|) of the predictions on X and of
    ``output_weights_``, and the alpha each chose.
``fit-time``
    CPU time of ``EchoStateRegressor.fit`` (one BLAS thread; least of
    ``--repeats``) on one Mackey-Glass series of 10,000 steps and on a
    batch of 100 sequences of 1000 steps, at ``--fit-units`` units and
    ``--fit-alpha``, for this checkout and, with ``--baseline PATH``, for
    another built checkout of skrnn (e.g. ``git worktree add /tmp/base
    <commit>`` and ``python setup.py build_ext --inplace`` there), each in
    its own process, interleaved; the ratio is baseline / this.
``elm-alpha``
    The RNN-ELMs' penalty on six tasks (scikit-learn's digits, breast
    cancer, wine, diabetes, Friedman #1 and a smooth 2D function; inputs
    min-max scaled): 5-fold CV score of ``RNNELMClassifier(1000)`` /
    ``RNNELMRegressor(1000)`` for fixed alphas and 'gcv' / 'cv', the
    evidence behind their default.
``solver``
    How much the normal equations lose against a QR factorisation of the
    rows, on ill-conditioned states (a noisy sine, 30,000 steps, 100 and
    300 units): the readout's predictions at several alphas against a
    reference ridge by SVD of the standardised rows, and the same by QR of
    ``[Z; sqrt(alpha) I]``.
``all``
    The first three above.

Everything runs on one BLAS thread. ReadoutWarnings are recorded and
counted, not printed.

Run::

    python benchmarks/bench_readout.py penalty [--seeds 0 1 2]
    python benchmarks/bench_readout.py gridsearch [--seeds 0 1 2]
    python benchmarks/bench_readout.py stream [--units 100 1000]
    python benchmarks/bench_readout.py all
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import subprocess
import sys
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits, make_friedman1
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from threadpoolctl import threadpool_limits

from skrnn import EchoStateRegressor, RNNELMClassifier, RNNELMRegressor
from skrnn._readout import ReadoutWarning
from skrnn.datasets import make_mackey_glass, make_narma

FIXED_ALPHAS = np.logspace(-10, 2, 13)
SEARCHED = ("gcv", "cv")


# -- helpers ------------------------------------------------------------------------------
def command(what, args):
    """The command line that prints the table of ``what``."""
    options = {"penalty": ["--seeds", *map(str, args.seeds)],
               "gridsearch": ["--seeds", *map(str, args.seeds)],
               "stream": ["--units", *map(str, args.units), "--steps", str(args.steps)],
               "elm-alpha": [],
               "solver": ["--steps", str(args.steps)],
               "fit-time": ["--fit-units", *map(str, args.fit_units), "--fit-alpha",
                            str(args.fit_alpha), "--repeats", str(args.repeats)]
               + (["--baseline", args.baseline] if args.baseline else [])}
    return " ".join(["python benchmarks/bench_readout.py", what, *options[what]])


def header(what, args, text=""):
    print(f"\n`{command(what, args)}`\n")
    if text:
        print(text + "\n")


def short(message):
    """A few words that say which ReadoutWarning this is."""
    message = str(message)
    if "ill-conditioned" in message:
        return "ill-conditioned"
    if "not exchangeable" in message:
        return "GCV vs held-out blocks"
    if "smallest" in message:
        return "grid's low edge"
    if "largest" in message:
        return "grid's high edge"
    return message[:40]


def warning_text(caught):
    """'0', or the count of ReadoutWarnings and what they said."""
    ours = [w for w in caught if issubclass(w.category, ReadoutWarning)]
    if not ours:
        return "0"
    kinds = sorted({short(w.message) for w in ours})
    return f"{len(ours)} ({', '.join(kinds)})"


def n_readout_warnings(caught):
    return sum(issubclass(w.category, ReadoutWarning) for w in caught)


def mse(pred, truth):
    return float(np.mean((np.ravel(pred) - np.ravel(truth)) ** 2))


def fmt(value):
    return "n/a" if value is None else f"{value:.3g}"


# -- penalty --------------------------------------------------------------------------------
class Case:
    """One fit-and-score setting: a model for any alpha, a split and a metric."""

    def __init__(self, name, seed, model, X_tr, y_tr, X_te, y_te, skip=0, classify=False):
        self.name, self.seed, self.model = name, seed, model
        self.X_tr, self.y_tr, self.X_te, self.y_te = X_tr, y_tr, X_te, y_te
        self.skip, self.classify = skip, classify

    def baseline(self):
        truth = self.y_te[self.skip:]
        if self.classify:
            values, counts = np.unique(self.y_tr, return_counts=True)
            return float(np.mean(truth != values[np.argmax(counts)]))
        return float(np.var(truth))

    def error(self, pred):
        pred, truth = pred[self.skip:], self.y_te[self.skip:]
        return float(np.mean(pred != truth)) if self.classify else mse(pred, truth)

    def run(self, alpha):
        """(held-out error, alpha chosen, recorded warnings), or the exception raised."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model = clone(self.model).set_params(alpha=alpha).fit(self.X_tr, self.y_tr)
                pred = model.predict(self.X_te)
            except Exception as exc:  # a port not yet done prints n/a
                return exc
        chosen = getattr(model, "alpha_", alpha)
        return self.error(pred), float(chosen), caught


def penalty_cases(seeds):
    for seed in seeds:
        for n in (500, 1000, 1500):
            X, y = make_narma(n + 500, random_state=seed)
            model = EchoStateRegressor(100, input_scaling=0.1, spectral_radius=0.8,
                                       random_state=0)
            yield Case(f"NARMA10 n={n}", seed, model, X[:n], y[:n], X[n:n + 500],
                       y[n:n + 500])
    for seed in seeds:
        z = np.tanh(make_mackey_glass(3000, random_state=seed) - 1.0)
        X, y = z[:-1, None], z[1:]
        model = EchoStateRegressor(300, spectral_radius=1.25, leaking_rate=0.3,
                                   input_scaling=0.5, bias_scaling=0.5, connectivity=0.05,
                                   n_washout=100, random_state=0)
        yield Case("Mackey-Glass", seed, model, X[:2000], y[:2000], X[2000:2500],
                   y[2000:2500], skip=100)
    for seed in seeds:
        X, y = noisy_sine(5000, seed)
        yield Case("noisy sine", seed, EchoStateRegressor(100, n_washout=100, random_state=0),
                   X[:4000], y[:4000], X[4000:], y[4000:], skip=100)
    for seed in seeds:
        rng = np.random.RandomState(seed)
        u = rng.uniform(-1, 1, 3000)
        lagged = np.concatenate([np.zeros(2), u[:-2]])
        y = np.sin(3 * u) * lagged + 0.05 * rng.randn(u.size)
        yield Case("sin(3u_t) u_{t-2}", seed,
                   EchoStateRegressor(200, n_washout=20, random_state=0),
                   u[:2000, None], y[:2000], u[2000:, None], y[2000:], skip=20)
    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    for seed in seeds:
        yield Case("digits (RNN-ELM, error)", seed, RNNELMClassifier(1000, random_state=seed),
                   X[:1000], y[:1000], X[1000:], y[1000:], classify=True)
    for seed in seeds:
        X, y = make_friedman1(1500, noise=1.0, random_state=seed)
        yield Case("Friedman #1 (RNN-ELM)", seed, RNNELMRegressor(1000, random_state=0),
                   X[:1000], y[:1000], X[1000:], y[1000:])


def noisy_sine(n_steps, seed):
    """sin(0.05 t) + 0.01 N(0, 1), one step ahead: X = s[:-1, None], y = s[1:]."""
    rng = np.random.RandomState(seed)
    s = np.sin(0.05 * np.arange(n_steps)) + 0.01 * rng.randn(n_steps)
    return s[:-1, None], s[1:]


def penalty(args):
    header("penalty", args,
           f"Held-out error (MSE; 1 - accuracy for digits) with alpha='gcv', 'cv' and each of "
           f"the {FIXED_ALPHAS.size} fixed alphas 1e-10 ... 1e2. ratio = error / best fixed "
           "error; warnings = ReadoutWarnings raised.")
    print("| setting | seed | variance | best fixed | at alpha | gcv | gcv alpha_ | gcv ratio | "
          "gcv warnings | cv | cv alpha_ | cv ratio | cv warnings | fixed alphas warned |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    ratios = {a: [] for a in SEARCHED}
    failures = {}
    start = time.perf_counter()
    for case in penalty_cases(args.seeds):
        fixed = [case.run(a) for a in FIXED_ALPHAS]
        errors = [r[0] if not isinstance(r, Exception) else np.inf for r in fixed]
        best = int(np.argmin(errors))
        best_error = errors[best]
        warned = sum(not isinstance(r, Exception) and n_readout_warnings(r[2]) > 0
                     for r in fixed)
        cells = []
        for alpha in SEARCHED:
            result = case.run(alpha)
            if isinstance(result, Exception):
                failures.setdefault(f"{type(result).__name__}: {result}", set()).add(
                    f"{case.name} alpha={alpha!r}")
                cells += ["n/a"] * 4
                continue
            error, chosen, caught = result
            ratio = error / best_error if best_error > 0 else np.inf
            ratios[alpha].append(ratio)
            cells += [f"{error:.3g}", f"{chosen:.2g}", f"**{ratio:.2f}**", warning_text(caught)]
        print(f"| {case.name} | {case.seed} | {case.baseline():.3g} | {best_error:.3g} | "
              f"{FIXED_ALPHAS[best]:.0e} | " + " | ".join(cells)
              + f" | {warned}/{len(fixed)} |", flush=True)
    for alpha in SEARCHED:
        if ratios[alpha]:
            r = np.array(ratios[alpha])
            print(f"\nalpha={alpha!r}: median ratio to the best fixed alpha "
                  f"{np.median(r):.2f}, worst {r.max():.2f}, ratio > 1.5 in "
                  f"{int(np.sum(r > 1.5))} of {r.size} settings.", end="")
    print(f"\n\n({time.perf_counter() - start:.0f} s)")
    for message, where in failures.items():
        print(f"\nn/a: {', '.join(sorted(where))}: {message[:300]}")


# -- gridsearch -----------------------------------------------------------------------------
def gridsearch(args):
    grid = {"spectral_radius": [0.5, 0.8, 0.95, 1.1], "input_scaling": [0.05, 0.1, 0.5, 1.0]}
    n_candidates = len(grid["spectral_radius"]) * len(grid["input_scaling"])
    header("gridsearch", args,
           f"GridSearchCV of EchoStateRegressor(100, alpha=A) over {n_candidates} candidates "
           "(spectral radius x input scaling), TimeSeriesSplit(3), neg MSE, first 1500 steps "
           "of NARMA10. worse than mean = candidates whose mean test MSE exceeds var(y).")
    print("| seed | A | var(y) | worst mean test MSE | worst / var(y) | best mean test MSE | "
          "best params (rho, sigma) | worse than mean | ReadoutWarnings | other warnings | "
          "time (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        X, y = make_narma(1500, random_state=seed)
        var = float(np.var(y))
        for alpha in ("gcv", "cv", 1e-6):
            search = GridSearchCV(EchoStateRegressor(100, alpha=alpha, random_state=0), grid,
                                  cv=TimeSeriesSplit(3), scoring="neg_mean_squared_error")
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    search.fit(X, y)
                except Exception as exc:
                    print(f"| {seed} | {alpha!r} | {var:.3g} | n/a | n/a | n/a | "
                          f"{type(exc).__name__}: {str(exc)[:100]} | n/a | n/a | n/a | n/a |")
                    continue
            elapsed = time.perf_counter() - start
            test_mse = -search.cv_results_["mean_test_score"]
            best = search.best_params_
            others = len(caught) - n_readout_warnings(caught)
            print(f"| {seed} | {alpha!r} | {var:.3g} | {np.nanmax(test_mse):.3g} | "
                  f"**{np.nanmax(test_mse) / var:.2f}** | {np.nanmin(test_mse):.3g} | "
                  f"({best['spectral_radius']}, {best['input_scaling']}) | "
                  f"{int(np.sum(~(test_mse <= var)))} | {warning_text(caught)} | {others} | "
                  f"{elapsed:.1f} |", flush=True)


# -- stream ---------------------------------------------------------------------------------
def max_relative(a, b):
    a, b = np.asarray(a), np.asarray(b)
    scale = np.max(np.abs(a))
    return float(np.max(np.abs(a - b)) / scale) if scale > 0 else float(np.max(np.abs(b)))


def stream(args):
    X, y = noisy_sine(args.steps + 1, 0)
    n = X.shape[0]
    rng = np.random.RandomState(0)
    chunkings = {
        "6 equal chunks": np.linspace(0, n, 7).astype(int),
        "10 random cuts": np.concatenate([[0], np.sort(rng.choice(np.arange(1, n), 10,
                                                                  replace=False)), [n]]),
    }
    header("stream", args,
           f"Noisy sine, {n:,} steps: fit at once against partial_fit over chunks. Max "
           "relative difference (max |a - b| / max |a|) of predict(X) and of "
           "output_weights_; alpha_ of fit and of the chunked fit.")
    print("| units | alpha | chunking | predictions | output_weights_ | alpha_ fit | "
          "alpha_ chunked | ReadoutWarnings fit | ReadoutWarnings chunked | time fit (s) | "
          "time chunked (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n_units in args.units:
        for alpha in ("cv", "gcv", 1e-6):
            model = EchoStateRegressor(n_units, alpha=alpha, random_state=0)
            with warnings.catch_warnings(record=True) as caught_fit:
                warnings.simplefilter("always")
                start = time.perf_counter()
                whole = clone(model).fit(X, y)
                t_fit = time.perf_counter() - start
                pred_whole = whole.predict(X)
            for name, cuts in chunkings.items():
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    start = time.perf_counter()
                    chunked = clone(model)
                    for lo, hi in zip(cuts[:-1], cuts[1:]):
                        chunked.partial_fit(X[lo:hi], y[lo:hi])
                    t_chunked = time.perf_counter() - start
                    pred_chunked = chunked.predict(X)
                print(f"| {n_units} | {alpha!r} | {name} | "
                      f"{max_relative(pred_whole, pred_chunked):.1e} | "
                      f"{max_relative(whole.output_weights_, chunked.output_weights_):.1e} | "
                      f"{whole.alpha_:.3g} | {chunked.alpha_:.3g} | {warning_text(caught_fit)} "
                      f"| {warning_text(caught)} | {t_fit:.1f} | {t_chunked:.1f} |", flush=True)


# -- the RNN-ELMs' default penalty ------------------------------------------------------------
def elm_alpha(args):
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    rng = np.random.RandomState(0)
    U = rng.uniform(0, 1, (600, 2))
    smooth = np.sin(3 * U[:, 0]) + U[:, 1] ** 2 + 0.01 * rng.randn(600)
    tasks = [("digits (accuracy)", *load_digits(return_X_y=True), True),
             ("breast cancer (accuracy)", *load_breast_cancer(return_X_y=True), True),
             ("wine (accuracy)", *load_wine(return_X_y=True), True),
             ("diabetes (R^2)", *load_diabetes(return_X_y=True), False),
             ("Friedman #1 (R^2)", *make_friedman1(1000, noise=1.0, random_state=0), False),
             ("sin(3 u1) + u2^2 (R^2)", U, smooth, False)]
    alphas = [1e-3, 1e-2, 0.1, 0.3, 1.0, "gcv", "cv"]
    header("elm-alpha", args, "5-fold CV score (shuffled, seed 0), RNN-ELM of 1000 clusters "
           "after a MinMaxScaler, by penalty.")
    print("| task | " + " | ".join(map(str, alphas)) + " |")
    print("|---" * (len(alphas) + 1) + "|")
    for name, X, y, classify in tasks:
        cv = (StratifiedKFold if classify else KFold)(5, shuffle=True, random_state=0)
        row = []
        for alpha in alphas:
            model = (RNNELMClassifier if classify else RNNELMRegressor)(
                1000, alpha=alpha, random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ReadoutWarning)
                row.append(cross_val_score(make_pipeline(MinMaxScaler(), model), X, y,
                                           cv=cv).mean())
        print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in row) + " |", flush=True)


# -- normal equations against QR ---------------------------------------------------------------
class _Rows:
    """Stands for the readout's sums and keeps the rows (for the solver comparison)."""

    folds, leaf_size, n = False, 1 << 30, 0

    def __init__(self):
        self.H, self.Y = [], []

    def reserve(self, n_positions):
        return self

    def add(self, H, Y, positions=None, ordered=True):
        self.H.append(np.hstack([np.asarray(B, dtype=np.float64) for B in H]))
        self.Y.append(np.asarray(Y, dtype=np.float64))


def solver(args):
    import scipy.linalg

    header("solver", args, "Max relative difference of the readout's predictions on its "
           "training rows from a ridge solved by SVD of the standardised rows: skrnn's "
           "normal equations, and a QR factorisation of [Z; sqrt(alpha) I].")
    print("| units | cond(Z)^2 | alpha | normal equations | QR |")
    print("|---|---|---|---|---|")
    X, y = noisy_sine(args.steps, 0)
    for n_units in (100, 300):
        model = EchoStateRegressor(n_units, alpha=1.0, random_state=0).fit(X, y)
        rows = _Rows()
        model._readout_rows(model._readout_prepare(X, y, reset=False), rows,
                            model._readout_new_stream())
        H, Y = np.vstack(rows.H), np.vstack(rows.Y)[:, 0]
        mean, scale = H.mean(axis=0), H.std(axis=0)
        scale[scale == 0] = 1.0
        Z, yc = (H - mean) / scale, Y - Y.mean()
        U, S, Vt = np.linalg.svd(Z, full_matrices=False)
        for alpha in (1e-8, 1e-6, 1e-4, 1e-2, 1.0):
            reference = Z @ (Vt.T @ (S / (S ** 2 + alpha) * (U.T @ yc)))
            Q, R = np.linalg.qr(np.vstack([Z, np.sqrt(alpha) * np.eye(Z.shape[1])]))
            qr = Z @ scipy.linalg.solve_triangular(R, Q[:Z.shape[0]].T @ yc)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ReadoutWarning)
                ours = EchoStateRegressor(n_units, alpha=alpha, random_state=0).fit(X, y)
            normal = Z @ (ours.output_weights_[:, 0] * scale)
            top = np.abs(reference).max()
            print(f"| {n_units} | {(S[0] / S[-1]) ** 2:.1e} | {alpha:g} | "
                  f"{np.abs(normal - reference).max() / top:.1e} | "
                  f"{np.abs(qr - reference).max() / top:.1e} |", flush=True)


# -- fit time against a baseline checkout --------------------------------------------------
_FIT_TIMER = """
import sys, time
sys.path.insert(0, sys.argv[1])
import warnings
import numpy as np
from threadpoolctl import threadpool_limits
from skrnn import EchoStateRegressor
from skrnn.datasets import make_mackey_glass
warnings.simplefilter("ignore")
layout, units, alpha, repeats = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
s = np.tanh(make_mackey_glass(110_000 if layout == "batch" else 10_001, random_state=0) - 1)
if layout == "batch":
    X = np.stack([s[i * 1000:(i + 1) * 1000] for i in range(100)])[..., None]
    y = np.stack([s[i * 1000 + 1:(i + 1) * 1000 + 1] for i in range(100)])
else:
    X, y = s[:-1, None], s[1:]
times = []
with threadpool_limits(1):
    for _ in range(repeats):
        start = time.process_time()
        EchoStateRegressor(units, spectral_radius=0.9, leaking_rate=0.3, input_scaling=0.5,
                           bias_scaling=0.0, connectivity=0.1, alpha=alpha, n_washout=100,
                           random_state=0).fit(X, y)
        times.append(time.process_time() - start)
print(min(times))
"""


def fit_time(args):
    import os

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    trees = [("this", here)] + ([("baseline", args.baseline)] if args.baseline else [])
    header("fit-time", args, "CPU seconds of `fit` (least of the repeats), one BLAS thread.")
    print("| layout | units | this (s) | baseline (s) | baseline / this |")
    print("|---|---|---|---|---|")
    for layout in ("series", "batch"):
        for units in args.fit_units:
            best = {}
            for _ in range(2):  # interleaved: this, baseline, this, baseline
                for name, path in trees:
                    out = subprocess.run(
                        [sys.executable, "-c", _FIT_TIMER, path, layout, str(units),
                         str(args.fit_alpha), str(args.repeats)],
                        capture_output=True, text=True, check=True).stdout
                    best[name] = min(best.get(name, np.inf), float(out.split()[-1]))
            base = best.get("baseline")
            print(f"| {layout} | {units} | {best['this']:.3f} | "
                  + (f"{base:.3f} | {base / best['this']:.2f} |" if base else "- | - |"),
                  flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["penalty", "gridsearch", "stream", "fit-time",
                                         "elm-alpha", "solver", "all"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="penalty and gridsearch: data seeds")
    parser.add_argument("--units", type=int, nargs="+", default=[100, 1000],
                        help="stream: reservoir sizes")
    parser.add_argument("--steps", type=int, default=30_000, help="stream: series length")
    parser.add_argument("--baseline", default=None,
                        help="fit-time: path of another built skrnn checkout")
    parser.add_argument("--fit-units", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--fit-alpha", type=float, default=1e-4)
    parser.add_argument("--repeats", type=int, default=5, help="fit-time: repeats per process")
    args = parser.parse_args()
    if args.what == "fit-time":
        fit_time(args)
        return
    commands = {"penalty": penalty, "gridsearch": gridsearch, "stream": stream}
    with threadpool_limits(1):
        if args.what in ("elm-alpha", "solver"):
            {"elm-alpha": elm_alpha, "solver": solver}[args.what](args)
            return
        for what in commands if args.what == "all" else [args.what]:
            commands[what](args)


if __name__ == "__main__":
    main()
