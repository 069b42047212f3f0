"""RNN-ELM against the extreme learning machine a user would write otherwise.

Two parts, each side by side in one run:

``digits``
    scikit-learn's ``load_digits`` (X / 16), 5-fold stratified CV (seed 0):
    accuracy and fit time of RNNELMClassifier (ridge and pseudo-inverse
    readouts, stacked autoencoder variants) and of a scikit-learn pipeline of
    a random tanh layer of the same size and a RidgeClassifier (same ridge).

``stream``
    a covertype-shaped stream (581,012 rows, 54 features in [0, 1]: 10
    continuous, 4 + 40 one-hot; 7 classes from a fixed random teacher
    network; generated chunk by chunk, nothing is downloaded) through
    ``partial_fit``, against a plain NumPy ELM of the same size (tanh layer,
    same ridge, the same chunked H^T H / H^T Y sums). Rows per second,
    traced peak memory in each tenth of the stream (it must stay flat), and
    held-out accuracy of both.

Ratios are skrnn / other (speed: > 1 means skrnn is faster). Both sides run
with the same number of BLAS threads (``--threads``, default 1: skrnn's
``n_jobs`` and a threadpoolctl limit around everything).

Run::

    python benchmarks/bench_rnn_elm.py digits [--repeats 3]
    python benchmarks/bench_rnn_elm.py stream [--hidden 2000 5000] [--n-rows 581012]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import tracemalloc
from functools import partial

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import load_digits
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from skrnn import RNNELMClassifier

N_COVERTYPE = 581_012
N_CLASSES = 7


# -- the comparators ----------------------------------------------------------
class RandomTanhLayer(TransformerMixin, BaseEstimator):
    """The usual ELM hidden layer: tanh(X W + b), W ~ N(0, 1 / n_features)."""

    def __init__(self, n_hidden=1000, random_state=0):
        self.n_hidden = n_hidden
        self.random_state = random_state

    def fit(self, X, y=None):
        rng = np.random.RandomState(self.random_state)
        self.W_ = rng.normal(0, 1 / np.sqrt(X.shape[1]), (X.shape[1], self.n_hidden))
        self.b_ = rng.normal(0, 1, self.n_hidden)
        return self

    def transform(self, X):
        return np.tanh(X @ self.W_ + self.b_)


class NumpyELM:
    """A plain streaming ELM: tanh layer, ridge readout from chunked Gram sums."""

    def __init__(self, n_features, n_hidden, n_classes, alpha, seed=0):
        rng = np.random.RandomState(seed)
        self.W = rng.normal(0, 1 / np.sqrt(n_features), (n_features, n_hidden))
        self.b = rng.normal(0, 1, n_hidden)
        self.phi = np.zeros((n_hidden, n_hidden))
        self.psi = np.zeros((n_hidden, n_classes))
        self.h_sum, self.y_sum, self.n = np.zeros(n_hidden), np.zeros(n_classes), 0
        self.alpha = alpha

    def partial_fit(self, X, y):
        H = np.tanh(X @ self.W + self.b)
        Y = np.eye(self.psi.shape[1])[y]
        self.phi += H.T @ H
        self.psi += H.T @ Y
        self.h_sum += H.sum(axis=0)
        self.y_sum += Y.sum(axis=0)
        self.n += len(X)

    def solve(self):
        mu, ybar = self.h_sum / self.n, self.y_sum / self.n
        A = self.phi - self.n * np.outer(mu, mu) + self.alpha * np.eye(len(mu))
        self.coef = scipy.linalg.cho_solve(scipy.linalg.cho_factor(A),
                                           self.psi - self.n * np.outer(mu, ybar))
        self.intercept = ybar - mu @ self.coef

    def predict(self, X):
        return np.argmax(np.tanh(X @ self.W + self.b) @ self.coef + self.intercept, axis=1)


# -- digits -------------------------------------------------------------------
def digits(repeats, threads):
    X, y = load_digits(return_X_y=True)
    X = X / 16
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    models = {
        "RNNELMClassifier(2000), ridge (default alpha)": lambda: RNNELMClassifier(
            2000, random_state=0, n_jobs=threads),
        "RNNELMClassifier(2000), alpha='cv'": lambda: RNNELMClassifier(
            2000, alpha="cv", random_state=0, n_jobs=threads),
        "RNNELMClassifier(2000), alpha=1e-10 (nearest the pinv)": lambda: RNNELMClassifier(
            2000, alpha=1e-10, random_state=0, n_jobs=threads),
        "RNNELMClassifier(1000), ridge": lambda: RNNELMClassifier(
            1000, random_state=0, n_jobs=threads),
        "RNNELMClassifier((200, 2000)), Classifier-2 (ridge AE)": lambda: RNNELMClassifier(
            (200, 2000), random_state=0, n_jobs=threads),
        "RNNELMClassifier((200, 2000)), Classifier-1 (FISTA AE)": lambda: RNNELMClassifier(
            (200, 2000), autoencoder="fista", random_state=0, n_jobs=threads),
        "RNNELMClassifier((400, 2000)), Classifier-2 (ridge AE)": lambda: RNNELMClassifier(
            (400, 2000), random_state=0, n_jobs=threads),
        "sklearn tanh layer(2000) + RidgeClassifier(alpha=1e-4)": lambda: make_pipeline(
            RandomTanhLayer(2000), RidgeClassifier(alpha=1e-4)),
        "sklearn tanh layer(2000) + RidgeClassifier(alpha=1)": lambda: make_pipeline(
            RandomTanhLayer(2000), RidgeClassifier(alpha=1.0)),
        "sklearn SVC (RBF), for reference": lambda: SVC(),
    }
    times = {name: [] for name in models}
    scores = {}
    for _ in range(repeats):
        for name, make in models.items():           # interleaved repeats
            accs, spent = [], 0.0
            for train, test in folds:
                model = make()
                start = time.perf_counter()
                model.fit(X[train], y[train])
                spent += time.perf_counter() - start
                accs.append(model.score(X[test], y[test]))
            times[name].append(spent)
            scores[name] = float(np.mean(accs))
    base = float(np.median(times["sklearn tanh layer(2000) + RidgeClassifier(alpha=1e-4)"]))
    print(f"\nload_digits, 5-fold stratified CV; fit time = median over {repeats} repeats "
          "of the 5 fits\n")
    print("| model | accuracy | fit time (s) | speed ratio vs sklearn tanh ELM |")
    print("|---|---|---|---|")
    for name in models:
        t = float(np.median(times[name]))
        print(f"| {name} | {scores[name]:.4f} | {t:.2f} | {base / t:.2f}x |")


# -- the covertype-shaped stream ---------------------------------------------
class Teacher:
    """Fixed random network that labels covertype-shaped rows (7 classes)."""

    def __init__(self, seed=12345):
        rng = np.random.RandomState(seed)
        self.A = rng.normal(0, 3, (54, 64))
        self.c = rng.normal(0, 1, 64)
        self.B = rng.normal(0, 1, (64, N_CLASSES))
        self.prior = np.log([0.36, 0.49, 0.06, 0.005, 0.016, 0.03, 0.035])  # covertype's

    def rows(self, n, seed):
        rng = np.random.RandomState(seed)
        X = np.zeros((n, 54))
        X[:, :10] = rng.beta(2, 2, (n, 10))                 # elevation, slope, distances...
        X[np.arange(n), 10 + rng.randint(0, 4, n)] = 1      # wilderness area, one-hot
        X[np.arange(n), 14 + rng.randint(0, 40, n)] = 1     # soil type, one-hot
        logits = np.tanh(X @ self.A + self.c) @ self.B + 2 * self.prior
        y = np.argmax(logits + rng.gumbel(0, 0.5, logits.shape), axis=1)
        return X, y


def stream(hidden, n_rows, chunk, alpha, dtype, threads):
    teacher = Teacher()
    X_test, y_test = teacher.rows(50_000, seed=10**6)
    n_chunks = -(-n_rows // chunk)
    print(f"\ncovertype-shaped stream: {n_rows} rows in chunks of {chunk}, 54 features, "
          f"{N_CLASSES} classes; held-out 50,000 rows; ridge alpha={alpha}; {dtype}\n")
    print("| hidden | model | rows/s | traced peak MB per tenth of the stream | "
          "accuracy |")
    print("|---|---|---|---|---|")
    results = {}
    for n_hidden in hidden:
        for name in ("skrnn RNNELMClassifier", "NumPy tanh ELM"):
            if name.startswith("skrnn"):
                model = RNNELMClassifier(n_hidden, alpha=alpha, negative_inputs="raise",
                                         random_state=0, n_jobs=threads)
                feed = partial(model.partial_fit, classes=np.arange(N_CLASSES))
            else:
                model = NumpyELM(54, n_hidden, N_CLASSES, alpha)
                feed = model.partial_fit
            spent, peaks = 0.0, []
            tracemalloc.start()
            for i in range(n_chunks):
                X, y = teacher.rows(min(chunk, n_rows - i * chunk), seed=i)
                X = X.astype(dtype)
                start = time.perf_counter()
                feed(X, y)
                spent += time.perf_counter() - start
                if (10 * (i + 1)) // n_chunks > (10 * i) // n_chunks:   # a tenth is done
                    peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
                    tracemalloc.reset_peak()
            tracemalloc.stop()
            start = time.perf_counter()
            if name.startswith("skrnn"):
                accuracy = model.score(X_test.astype(dtype), y_test)
            else:
                model.solve()
                accuracy = float(np.mean(model.predict(X_test) == y_test))
            solve_predict = time.perf_counter() - start
            rate = n_rows / spent
            results[n_hidden, name] = rate
            peak_text = " ".join(f"{p:.0f}" for p in peaks)
            print(f"| {n_hidden} | {name} | {rate:.0f} | {peak_text} | {accuracy:.4f} |"
                  f"  (solve + predict {solve_predict:.1f} s)", flush=True)
    for n_hidden in hidden:
        ratio = results[n_hidden, "skrnn RNNELMClassifier"] / results[n_hidden, "NumPy tanh ELM"]
        print(f"hidden {n_hidden}: partial_fit rows/s ratio skrnn / NumPy ELM = {ratio:.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=["digits", "stream"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hidden", type=int, nargs="+", default=[2000, 5000])
    parser.add_argument("--n-rows", type=int, default=N_COVERTYPE)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--alpha", type=float, default=1e-4)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    print(f"BLAS threads: {args.threads} on both sides")
    with threadpool_limits(limits=args.threads, user_api="blas"):
        if args.part == "digits":
            digits(args.repeats, args.threads)
        else:
            stream(args.hidden, args.n_rows, args.chunk, args.alpha, np.dtype(args.dtype),
                   args.threads)


if __name__ == "__main__":
    main()
