"""SequenceScaler against the StandardScaler code a user would otherwise write.

Without :class:`skrnn.SequenceScaler`, standardising sequences per feature
across time steps means reshaping by hand: ``X.reshape(-1, n_features)``
for a 3D batch, ``np.concatenate`` and a loop of ``transform`` calls for a
list of sequences. This script times both, side by side in one run, for
``fit`` + ``transform`` and for ``partial_fit`` over chunks, and checks that
they agree. Times are medians over interleaved repeats; ratio = the
hand-written StandardScaler code's time / SequenceScaler's (above 1: the
scaler is faster).

Run::

    python benchmarks/bench_preprocessing.py --repeats 5
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skrnn import SequenceScaler


def by_hand_3d(X):
    n_features = X.shape[-1]
    scaler = StandardScaler().fit(X.reshape(-1, n_features))
    return scaler.transform(X.reshape(-1, n_features)).reshape(X.shape)


def by_hand_list(X):
    scaler = StandardScaler().fit(np.concatenate(X))
    return [scaler.transform(x) for x in X]


def by_hand_stream(chunks):
    scaler = StandardScaler()
    for chunk in chunks:
        scaler.partial_fit(chunk.reshape(-1, chunk.shape[-1]))
    return scaler


def ours(X):
    return SequenceScaler().fit_transform(X)


def ours_stream(chunks):
    scaler = SequenceScaler()
    for chunk in chunks:
        scaler.partial_fit(chunk)
    return scaler


def _median_times(funcs, repeats):
    times = {name: [] for name in funcs}
    for _ in range(repeats):  # interleaved, so that machine noise hits both
        for name, f in funcs.items():
            start = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def _gap(a, b):
    if isinstance(a, list):
        a, b = np.concatenate(a), np.concatenate(b)
    return float(np.max(np.abs(a - b)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    print("| data | dtype | StandardScaler by hand (s) | SequenceScaler (s) | ratio "
          "| max abs gap |")
    print("|---|---|---|---|---|---|")
    cases = []
    for dtype in (np.float64, np.float32):
        X3 = (rng.randn(1000, 100, 8) * 50 + 1000).astype(dtype)
        lengths = rng.randint(10, 190, size=1000)
        XL = [(rng.randn(n, 8) * 50 + 1000).astype(dtype) for n in lengths]
        chunks = np.array_split(X3, 50)
        cases += [
            ("3D (1000, 100, 8), fit + transform", dtype, lambda X3=X3: by_hand_3d(X3),
             lambda X3=X3: ours(X3), lambda a, b: _gap(a, b)),
            ("list of 1000, lengths 10-189, 8 features, fit + transform", dtype,
             lambda XL=XL: by_hand_list(XL), lambda XL=XL: ours(XL), lambda a, b: _gap(a, b)),
            ("3D in 50 chunks, partial_fit", dtype, lambda c=chunks: by_hand_stream(c),
             lambda c=chunks: ours_stream(c),
             lambda a, b: float(np.max(np.abs(a.var_ - b.var_) / a.var_))),
        ]
    with threadpool_limits(1):
        for label, dtype, hand, mine, gap in cases:
            t = _median_times({"hand": hand, "ours": mine}, args.repeats)
            print(f"| {label} | {np.dtype(dtype).name} | {t['hand']:.4f} | {t['ours']:.4f} "
                  f"| **{t['hand'] / t['ours']:.2f}x** | {gap(hand(), mine()):.1e} |", flush=True)


if __name__ == "__main__":
    main()
