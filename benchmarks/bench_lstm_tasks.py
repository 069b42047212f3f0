"""What the LSTM learns: the benchmark tasks of the literature, over many seeds.

- Embedded Reber grammar (Hochreiter & Schmidhuber, 1997, experiment 1): at
  every step, predict the set of legal next symbols; a run solves the task
  when every prediction on 500 held-out strings is right.
- Reber grammar, squared error versus error entropy (Alexandre & Marques de
  Sa, 2006), the paper's protocol: 500 training and 500 test strings, online
  SGD with one update per symbol (``update_every='step'``, no momentum), at
  learning rates 0.1, 0.2 and 0.3, a small network (3 cells); a run
  converges when every legal-next-symbol prediction on both sets is right,
  checked after every epoch. The entropy leaves the outputs' mean where the
  initialisation puts it, so these runs start from zero biases
  (``weight_init='orthogonal'``).
- The adding problem, T = 50: mean squared error on held-out sequences.

Run::

    python benchmarks/bench_lstm_tasks.py [--seeds 20] [--epochs 50]
        [--learning-rates 0.1 0.2 0.3] [--bandwidths 1.3 1.6] [--embedded] [--jobs 2]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skrnn import LSTMRegressor
from skrnn.datasets import make_adding_problem, make_reber


def solved(model, X, y):
    """Whether every legal-next-symbol set of every string is predicted exactly."""
    return all(np.array_equal(p > 0.5, t > 0.5) for p, t in zip(model.predict(X), y))


def embedded_reber(seeds):
    X, y = make_reber(1000, embedded=True, random_state=100)
    X_test, y_test = make_reber(500, embedded=True, random_state=101)
    wins, epochs_needed = 0, []
    for seed in range(seeds):
        model = LSTMRegressor(n_hidden=16, batch_size=20, random_state=seed)
        for epoch in range(1, 31):
            model.partial_fit(X, y)
            if solved(model, X_test, y_test):
                wins += 1
                epochs_needed.append(epoch)
                break
    mean = np.mean(epochs_needed) * len(X) if epochs_needed else float("nan")
    print(f"embedded Reber, 16 cells, adam, batches of 20: solved in {wins}/{seeds} seeds "
          f"within 30 epochs; mean {mean:,.0f} training strings to solution", flush=True)


def _converges(loss, h, learning_rate, seed, max_epochs, data):
    """Epochs to convergence of one online run (None if it does not), as the paper counts."""
    X, y, X_test, y_test = data
    model = LSTMRegressor(n_hidden=3, loss=loss, entropy_bandwidth=h or 1.5,
                          solver="sgd", momentum=0.0, learning_rate_init=learning_rate,
                          update_every="step", max_grad_norm=None, alpha=0.0,
                          weight_init="orthogonal", random_state=seed)
    for epoch in range(1, max_epochs + 1):
        model.partial_fit(X, y)
        if solved(model, X, y) and solved(model, X_test, y_test):
            return epoch
    return None


def reber_mse_vs_eem(seeds, max_epochs, bandwidths, learning_rates, embedded, n_jobs):
    """The paper's comparison: how often online training converges, MSE against EEM."""
    from joblib import Parallel, delayed

    X, y = make_reber(500, embedded=embedded, random_state=200)
    X_test, y_test = make_reber(500, embedded=embedded, random_state=201)
    data = (X, y, X_test, y_test)
    grammar = "embedded Reber" if embedded else "Reber"
    print(f"\n{grammar} grammar, 3 cells, online SGD (one update per symbol), "
          f"{seeds} seeds, at most {max_epochs} epochs of 500 strings:\n")
    print("| loss | learning rate | converged | mean strings to converge |")
    print("|---|---|---|---|")
    for loss, h in [("squared_error", None)] + [("error_entropy", h) for h in bandwidths]:
        for learning_rate in learning_rates:
            epochs = Parallel(n_jobs=n_jobs)(
                delayed(_converges)(loss, h, learning_rate, seed, max_epochs, data)
                for seed in range(seeds))
            done = [e for e in epochs if e is not None]
            name = "squared error" if h is None else f"error entropy, h = {h}"
            mean = f"{np.mean(done) * len(X):,.0f}" if done else "-"
            print(f"| {name} | {learning_rate} | {len(done)}/{seeds} "
                  f"({100 * len(done) / seeds:.0f}%) | {mean} |", flush=True)


def adding(seeds):
    X, y = make_adding_problem(3000, n_timesteps=50, random_state=300)
    X_test, y_test = make_adding_problem(1000, n_timesteps=50, random_state=301)
    mses = []
    for seed in range(seeds):
        model = LSTMRegressor(n_hidden=16, batch_size=50, max_iter=30, tol=0,
                              random_state=seed).fit(X, y)
        mses.append(np.mean((model.predict(X_test) - y_test) ** 2))
    print(f"adding problem T=50, 16 cells, adam, 30 epochs: held-out MSE median "
          f"{np.median(mses):.4f}, worst {np.max(mses):.4f} over {seeds} seeds "
          f"(predicting 1 scores 0.167)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--bandwidths", type=float, nargs="+", default=[1.3, 1.6])
    parser.add_argument("--learning-rates", type=float, nargs="+", default=[0.1, 0.2, 0.3])
    parser.add_argument("--embedded", action="store_true",
                        help="the embedded Reber grammar instead of the Reber grammar")
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel (processes)")
    parser.add_argument("--only", choices=["reber-eem", "classic"], default=None,
                        help="'classic': the embedded Reber grammar and the adding problem")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    start = time.perf_counter()
    if args.only in (None, "classic"):
        embedded_reber(min(args.seeds, 10))
        adding(min(args.seeds, 5))
    if args.only != "classic":
        reber_mse_vs_eem(args.seeds, args.epochs, args.bandwidths, args.learning_rates,
                         args.embedded, args.jobs)
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
