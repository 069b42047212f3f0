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

``multisource``
    Gelenbe and Yin's five classifiers and single-source RNN-ELMs on data
    split into sources, five seeds (a stratified split and the model's
    seed each), accuracy (mean and spread) and fit time: scikit-learn's
    digits as its left and right halves, digits as the image and a noisy
    copy of it, and a real multi-channel set a package ships, sktime's
    BasicMotions (accelerometer and gyroscope, 3 axes x 100 steps each;
    read from the installed package's data folder when sktime is
    installed, skipped otherwise). Then the reconstruction error of
    RNNAutoencoder's linear and spiking decoders on digits.

Ratios are skrnn / other (speed: > 1 means skrnn is faster). Both sides run
with the same number of BLAS threads (``--threads``, default 1: skrnn's
``n_jobs`` and a threadpoolctl limit around everything).

Run::

    python benchmarks/bench_rnn_elm.py digits [--repeats 3]
    python benchmarks/bench_rnn_elm.py stream [--hidden 2000 5000] [--n-rows 581012]
    python benchmarks/bench_rnn_elm.py stream --hidden 2000 --encoder 100
    python benchmarks/bench_rnn_elm.py multisource [--seeds 5]

``--encoder`` puts autoencoder layers before the streamed random layer: the
stream then goes by once per autoencoder layer (``end_pass`` after each),
then once for the readout, and memory is traced over every pass.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import importlib.util
import pathlib
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

from skrnn import RNNAutoencoder, RNNELMClassifier

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


def stream(hidden, n_rows, chunk, alpha, dtype, threads, encoder=()):
    teacher = Teacher()
    X_test, y_test = teacher.rows(50_000, seed=10**6)
    n_chunks = -(-n_rows // chunk)
    print(f"\ncovertype-shaped stream: {n_rows} rows in chunks of {chunk}, 54 features, "
          f"{N_CLASSES} classes; held-out 50,000 rows; ridge alpha={alpha}; {dtype}; "
          f"skrnn's autoencoder layers: {list(encoder) or 'none'}\n")
    print("| hidden | model | rows/s | traced peak MB per tenth of the stream | "
          "accuracy |")
    print("|---|---|---|---|---|")
    results = {}
    for n_hidden in hidden:
        for name in ("skrnn RNNELMClassifier", "NumPy tanh ELM"):
            n_passes = 1
            if name.startswith("skrnn"):
                model = RNNELMClassifier((*encoder, n_hidden), alpha=alpha,
                                         negative_inputs="raise", random_state=0,
                                         n_jobs=threads)
                feed = partial(model.partial_fit, classes=np.arange(N_CLASSES))
                n_passes += len(encoder)
            else:
                model = NumpyELM(54, n_hidden, N_CLASSES, alpha)
                feed = model.partial_fit
            spent, peaks = 0.0, []
            tracemalloc.start()
            for k in range(n_passes):     # the autoencoder layers' passes, then the readout's
                for i in range(n_chunks):
                    X, y = teacher.rows(min(chunk, n_rows - i * chunk), seed=i)
                    X = X.astype(dtype)
                    start = time.perf_counter()
                    feed(X, y)
                    spent += time.perf_counter() - start
                    if (10 * (i + 1)) // n_chunks > (10 * i) // n_chunks:  # a tenth is done
                        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
                        tracemalloc.reset_peak()
                if k < n_passes - 1:
                    start = time.perf_counter()
                    model.end_pass()
                    spent += time.perf_counter() - start
            tracemalloc.stop()
            start = time.perf_counter()
            if name.startswith("skrnn"):
                accuracy = model.score(X_test.astype(dtype), y_test)
            else:
                model.solve()
                accuracy = float(np.mean(model.predict(X_test) == y_test))
            solve_predict = time.perf_counter() - start
            rate = n_rows / spent       # rows of the stream per second, all passes counted
            results[n_hidden, name] = rate
            peak_text = " | ".join(" ".join(f"{p:.0f}" for p in peaks[j:j + 10])
                                   for j in range(0, len(peaks), 10))
            print(f"| {n_hidden} | {name} | {rate:.0f} | {peak_text} | {accuracy:.4f} |"
                  f"  (solve + predict {solve_predict:.1f} s)", flush=True)
    for n_hidden in hidden:
        ratio = results[n_hidden, "skrnn RNNELMClassifier"] / results[n_hidden, "NumPy tanh ELM"]
        print(f"hidden {n_hidden}: partial_fit rows/s ratio skrnn / NumPy ELM = {ratio:.2f}x")


# -- multi-source classifiers -------------------------------------------------
def _basic_motions():
    """sktime's BasicMotions from the installed package's data folder (no import of
    sktime, no download): (X_train, y_train, X_test, y_test), X of shape
    (n, 6 * 100), the channels (3 accelerometer, then 3 gyroscope axes) side by side."""
    spec = importlib.util.find_spec("sktime")
    if spec is None:
        return None
    folder = pathlib.Path(spec.submodule_search_locations[0]) / "datasets/data/BasicMotions"

    def read(part):
        rows, labels, data = [], [], False
        for line in (folder / f"BasicMotions_{part}.ts").read_text().splitlines():
            line = line.strip()
            if data and line:
                *channels, label = line.split(":")
                rows.append(np.concatenate([np.array(c.split(","), float) for c in channels]))
                labels.append(label)
            data = data or line.lower() == "@data"
        return np.array(rows), np.array(labels)

    return (*read("TRAIN"), *read("TEST"))


def _min_max(train, test):
    low, high = train.min(axis=0), train.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return (train - low) / span, (test - low) / span


def _multisource_models(halves, threads, n_hidden=1000):
    """Classifiers 1-5 and single-source RNN-ELMs, with about the same widths: the
    autoencoder layers give 200 clusters (Classifier-4 and -5: 400) to the random
    layer (or the readout)."""
    common = dict(negative_inputs="clip", n_jobs=threads)
    return {
        f"RNN-ELM ({n_hidden}), one source": lambda s: RNNELMClassifier(
            n_hidden, random_state=s, **common),
        "RNN-ELM (400), one source": lambda s: RNNELMClassifier(400, random_state=s, **common),
        f"Classifier-1 (100 FISTA, {n_hidden})": lambda s: RNNELMClassifier(
            (100, n_hidden), autoencoder="fista", random_state=s, **common),
        f"Classifier-2 (100 ridge -> 200, {n_hidden})": lambda s: RNNELMClassifier(
            (100, n_hidden), random_state=s, **common),
        f"Classifier-2 by FISTA (100 -> 200, {n_hidden})": lambda s: RNNELMClassifier(
            (100, n_hidden), autoencoder="fista_signed", random_state=s, **common),
        f"Classifier-3 (2 x 50 ridge -> 200, {n_hidden})": lambda s: RNNELMClassifier(
            (50, n_hidden), sources=halves, random_state=s, **common),
        f"Classifier-4 (2 x 4 x 25 ridge -> 400, {n_hidden})": lambda s: RNNELMClassifier(
            (25, n_hidden), sources=halves, n_stacks=4, random_state=s, **common),
        "Classifier-5 (2 x 4 x 25 ridge -> 400)": lambda s: RNNELMClassifier(
            (25,), sources=halves, n_stacks=4, random_layer=False, random_state=s, **common),
    }


def _multisource_table(title, data, halves, seeds, threads):
    print(f"\n{title}\n")
    print("| model | accuracy (mean +- sd over seeds) | fit time (s, median) |")
    print("|---|---|---|")
    for name, make in _multisource_models(halves, threads).items():
        accs, times = [], []
        for seed in range(seeds):
            X_train, y_train, X_test, y_test = data(seed)
            model = make(seed)
            start = time.perf_counter()
            model.fit(X_train, y_train)
            times.append(time.perf_counter() - start)
            accs.append(model.score(X_test, y_test))
        print(f"| {name} | {np.mean(accs):.4f} +- {np.std(accs):.4f} | "
              f"{np.median(times):.2f} |", flush=True)


def multisource(seeds, threads):
    X, y = load_digits(return_X_y=True)
    X = X / 16
    left = [r * 8 + c for r in range(8) for c in range(4)]
    right = [r * 8 + c for r in range(8) for c in range(4, 8)]
    noisy = np.clip(X + np.random.RandomState(99).normal(0, 0.25, X.shape), 0, 1)

    def split(X, seed):
        train, test = next(StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y))
        return X[train], y[train], X[test], y[test]

    _multisource_table("digits, sources = left and right halves (32 + 32 columns); "
                       "train 2/3, test 1/3", lambda s: split(X[:, left + right], s),
                       2, seeds, threads)
    _multisource_table("digits, sources = the image and a noisy copy (noise sd 0.25, "
                       "clipped to [0, 1]); 64 + 64 columns",
                       lambda s: split(np.hstack([X, noisy]), s), 2, seeds, threads)
    motions = _basic_motions()
    if motions is None:
        print("\nBasicMotions: sktime is not installed; skipped")
    else:
        X_train, y_train, X_test, y_test = motions
        X_train, X_test = _min_max(X_train, X_test)
        _multisource_table(
            f"sktime's BasicMotions (accelerometer and gyroscope, 300 + 300 columns; the "
            f"package's split, {len(X_train)} train / {len(X_test)} test; seeds vary the "
            "model only)", lambda s: (X_train, y_train, X_test, y_test), 2, seeds, threads)
    # the autoencoders, side by side on digits
    train, test = next(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    print("\nRNNAutoencoder on digits (64 -> 50 -> 64), train 2/3; mean squared "
          "reconstruction error of the pixels in [0, 1]\n")
    print("| autoencoder | iterations | train error | held-out error | fit time (s) |")
    print("|---|---|---|---|---|")
    for decoder, max_iter in (("linear", 0), ("linear", 20), ("spiking", 0), ("spiking", 20),
                              ("spiking", 100)):
        model = RNNAutoencoder(50, decoder=decoder, max_iter=max_iter, tol=0,
                               negative_inputs="raise", random_state=0, n_jobs=threads)
        start = time.perf_counter()
        model.fit(X[train])
        spent = time.perf_counter() - start
        held_out = np.mean((model.inverse_transform(model.transform(X[test])) - X[test]) ** 2)
        print(f"| {decoder} decoder | {model.n_iter_} | {model.reconstruction_err_:.4f} | "
              f"{held_out:.4f} | {spent:.2f} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=["digits", "stream", "multisource"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--encoder", type=int, nargs="*", default=[])
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
        elif args.part == "multisource":
            multisource(args.seeds, args.threads)
        else:
            stream(args.hidden, args.n_rows, args.chunk, args.alpha, np.dtype(args.dtype),
                   args.threads, tuple(args.encoder))


if __name__ == "__main__":
    main()
