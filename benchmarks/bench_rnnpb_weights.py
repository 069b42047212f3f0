"""RNNPB with integer sample weights against the same sequences repeated.

Without ``sample_weight`` a user counts a sequence k times by repeating it
k times, which gives each copy a code of its own and makes every epoch run
over the copies. With weights, each sequence runs once. Full batches, no
shuffling and Adam with a negligible ``epsilon``: the two fits follow the
same path, so the shared weights agree to rounding (printed: the largest
relative difference) while the weighted fit runs fewer steps. Printed:
seconds per fit (medians), the ratio repeated / weighted, and the cost of
the weights themselves (weights of 1 against no weights). Run with::

    PYTHONPATH=. python benchmarks/bench_rnnpb_weights.py [--repeats 3]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skrnn import RNNPBRegressor

PARAMS = dict(n_hidden=16, n_pb=2, solver="adam", shuffle=False, max_iter=100, tol=0,
              epsilon=1e-300, batch_size=200, random_state=0)


def _median_time(fit, repeats):
    times, model = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        model = fit()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), model


def _shared(model):
    return model.get_flat_weights()[:-model._network.n_codes * model._network.n_pb]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    rng = np.random.RandomState(0)
    t = np.arange(50)
    seqs = [np.c_[np.sin(2 * np.pi * t / rng.uniform(6, 20) + rng.uniform(0, 6)),
                  np.cos(2 * np.pi * t / rng.uniform(6, 20))] for _ in range(20)]
    w = rng.randint(1, 5, size=20)
    repeated = [s for s, k in zip(seqs, w) for _ in range(k)]
    print(f"20 sequences x 50 steps, integer weights 1-4 ({len(repeated)} repeated "
          f"sequences), {PARAMS['max_iter']} epochs of full-batch Adam; medians of "
          f"{args.repeats}")
    t_w, weighted = _median_time(
        lambda: RNNPBRegressor(**PARAMS).fit(seqs, sample_weight=w), args.repeats)
    t_r, rep = _median_time(lambda: RNNPBRegressor(**PARAMS).fit(repeated), args.repeats)
    t_1, _ = _median_time(
        lambda: RNNPBRegressor(**PARAMS).fit(seqs, sample_weight=np.ones(20)), args.repeats)
    t_0, _ = _median_time(lambda: RNNPBRegressor(**PARAMS).fit(seqs), args.repeats)
    a, b = _shared(weighted), _shared(rep)
    print(f"weighted fit      {t_w:8.3f} s")
    print(f"repeated fit      {t_r:8.3f} s   repeated / weighted = {t_r / t_w:.2f}x")
    print(f"weights of 1      {t_1:8.3f} s   no weights          {t_0:8.3f} s   "
          f"ratio {t_1 / t_0:.2f}")
    print(f"shared weights, largest relative difference: "
          f"{np.max(np.abs(a - b)) / np.max(np.abs(b)):.1e}")


if __name__ == "__main__":
    main()
