"""The weighted population loss: compiled kernel against the per-candidate NumPy loop.

What a weight search evaluates every generation, with ``sample_weight``:
the weighted loss of 60 candidate weight vectors. The compiled population
kernels weigh the targets themselves; before, a weighted loss fell back to
a loop over the candidates in Python, each a NumPy forward pass (the loop
timed here, which is also what a user would write around
``evaluate_loss``). Printed: milliseconds per population (medians), the
kernel's speed-up over that loop, the cost of the weights in the kernel
(weighted over unweighted), and the largest relative difference of the
two losses. Run with::

    PYTHONPATH=. python benchmarks/bench_weighted_population.py [--repeats 5]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skrnn import ElmanRegressor, LSTMClassifier, LSTMRegressor

N_CANDIDATES = 60


def _cases(rng):
    series = rng.normal(size=(2000, 1))
    batch = rng.normal(size=(64, 20, 2))
    labels = (batch[:, :, 0].sum(axis=1) > 0).astype(int)
    yield ("Elman, 8 units, one series of 2000 steps", ElmanRegressor(n_hidden=8),
           series, series[:, 0], rng.uniform(0, 2, size=2000))
    yield ("Elman, 8 units, 64 sequences x 20 steps", ElmanRegressor(n_hidden=8),
           batch, batch.sum(axis=2), rng.uniform(0, 2, size=(64, 20)))
    yield ("LSTM, 8 units, one series of 2000 steps", LSTMRegressor(n_hidden=8),
           series, series[:, 0], rng.uniform(0, 2, size=2000))
    yield ("LSTM classifier, 8 units, 64 sequences", LSTMClassifier(n_hidden=8),
           batch, labels, rng.uniform(0, 2, size=64))


def _median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def main(repeats):
    rng = np.random.RandomState(0)
    print(f"{'case':<42} {'loop ms':>8} {'kernel ms':>9} {'speed-up':>8} "
          f"{'weights cost':>12} {'max rel diff':>12}")
    for name, model, X, y, w in _cases(rng):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.set_params(solver="lbfgs", max_iter=1, random_state=0).fit(X, y)
        thetas = model.get_flat_weights() + 0.1 * rng.normal(
            size=(N_CANDIDATES, model._theta.size))
        seqs = model._prepare(X, y, reset=False, sample_weight=w)
        plain = model._prepare(X, y, reset=False)

        def loop(model=model, X=X, y=y, w=w, thetas=thetas):
            return np.array([model.evaluate_loss(X, y, weights=t, sample_weight=w)
                             for t in thetas])

        def kernel(model=model, thetas=thetas, seqs=seqs):
            return model._population_loss(thetas, seqs)

        def unweighted(model=model, thetas=thetas, plain=plain):
            return model._population_loss(thetas, plain)

        numpy = loop()
        diff = float(np.max(np.abs(kernel() - numpy) / np.abs(numpy)))
        t_loop = _median_ms(loop, repeats)
        t_kernel = _median_ms(kernel, repeats)
        t_plain = _median_ms(unweighted, repeats)
        print(f"{name:<42} {t_loop:8.1f} {t_kernel:9.2f} {t_loop / t_kernel:7.1f}x "
              f"{t_kernel / t_plain:11.2f}x {diff:12.1e}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    main(parser.parse_args().repeats)
