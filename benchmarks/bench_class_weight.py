"""class_weight='balanced' on an imbalanced sequence task (1:20), held-out balanced accuracy.

Noisy sine sequences told apart by their frequency band, the minority class
kept at one sequence in 21 for training; the test set is balanced. Three
ways of fitting the same classifier (an ElmanClassifier trained by
backpropagation through time, an EchoStateClassifier whose ridge readout
weighs its sums): unweighted, ``class_weight='balanced'``, and random
oversampling of the minority class to parity (what a user does without
weights). Medians over seeds; run with::

    PYTHONPATH=. python benchmarks/bench_class_weight.py [--model elman|esn|all]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score

from skrnn import EchoStateClassifier, ElmanClassifier
from skrnn.datasets import make_sine_sequences

N_MAJORITY, RATIO, N_TEST, SEEDS = 1000, 20, 400, (0, 1, 2, 3, 4)
MODELS = {
    "elman": (ElmanClassifier, dict(n_hidden=16, max_iter=150, n_iter_no_change=150)),
    # the default alpha='cv' chooses the readout's penalty on each fit
    "esn": (EchoStateClassifier, dict(n_reservoir=100)),
}


def imbalanced(seed):
    X, y = make_sine_sequences(4 * N_MAJORITY + 2 * N_TEST, n_timesteps=20, noise=0.4,
                               random_state=seed)
    major, minor = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    train = np.r_[major[:N_MAJORITY], minor[:N_MAJORITY // RATIO]]
    test = np.r_[major[N_MAJORITY:N_MAJORITY + N_TEST // 2],
                 minor[N_MAJORITY:N_MAJORITY + N_TEST // 2]]
    return X[train], y[train], X[test], y[test]


def compare(model):
    cls, params = MODELS[model]
    scores = {"unweighted": [], "class_weight='balanced'": [], "random oversampling": []}
    seconds = {name: [] for name in scores}
    for seed in SEEDS:
        X, y, X_test, y_test = imbalanced(seed)
        rng = np.random.default_rng(seed)
        minor = np.flatnonzero(y == 1)
        extra = rng.choice(minor, size=(y == 0).sum() - minor.size, replace=True)
        over = np.r_[np.arange(y.size), extra]
        fits = {
            "unweighted": lambda: cls(**params, random_state=seed).fit(X, y),
            "class_weight='balanced'": lambda: cls(
                **params, class_weight="balanced", random_state=seed).fit(X, y),
            "random oversampling": lambda: cls(
                **params, random_state=seed).fit(X[over], y[over]),
        }
        for name, fit in fits.items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model = fit()
            seconds[name].append(time.perf_counter() - start)
            scores[name].append(balanced_accuracy_score(y_test, model.predict(X_test)))
    print(f"{cls.__name__}: imbalance 1:{RATIO} ({N_MAJORITY} vs {N_MAJORITY // RATIO} "
          f"training sequences), balanced test set of {N_TEST}; medians over seeds {SEEDS}")
    print(f"{'fit':<26}{'balanced accuracy':>18}{'per seed':>32}{'fit seconds':>13}")
    for name in scores:
        per_seed = " ".join(f"{s:.3f}" for s in scores[name])
        print(f"{name:<26}{np.median(scores[name]):>18.3f}{per_seed:>32}"
              f"{np.median(seconds[name]):>13.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=[*MODELS, "all"], default="all")
    chosen = parser.parse_args().model
    for model in MODELS if chosen == "all" else [chosen]:
        compare(model)


if __name__ == "__main__":
    main()
