"""The kernels built by two compilers (say GCC and clang), side by side in one run.

Two source trees, each with its kernels built in place by one compiler, are
timed on the same workloads: backpropagation through time of the Elman and
LSTM networks (one forward and backward pass over a batch), their
predictions (the batch-invariant product and the fused LSTM cell), the echo
state reservoir's states, the genetic search's population loss, the
dense-cluster activation of RNN-ELM, and Hopfield recall. A tree is timed
in a process of its own (two builds of one package cannot share a process),
on one thread, and the trees alternate round after round so that a change
in the machine's load falls on both. Each timing is the processor time of
the process, not the wall clock, so that time spent waiting for a core
another program holds is not counted (this machine is shared); a round
keeps the best of its repeats. The table gives, for each workload, the
median over the rounds and the second tree's ratio to the first (> 1: the
second build is slower).

Build the trees, then run::

    git archive --prefix=skrnn-gcc/ HEAD | tar -x -C /tmp
    git archive --prefix=skrnn-clang/ HEAD | tar -x -C /tmp
    (cd /tmp/skrnn-gcc && CC=gcc python setup.py build_ext --inplace)
    (cd /tmp/skrnn-clang && CC=clang python setup.py build_ext --inplace)
    python benchmarks/bench_compilers.py /tmp/skrnn-gcc /tmp/skrnn-clang [--rounds 7]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np


def _workloads():
    """Name -> callable, each a few tens of milliseconds of one kernel."""
    from sklearn.exceptions import ConvergenceWarning

    from skrnn import (
        EchoStateRegressor,
        ElmanRegressor,
        GeneticOptimizer,
        HopfieldMemory,
        LSTMRegressor,
    )
    from skrnn.rnn_elm import cluster_activation

    warnings.simplefilter("ignore", ConvergenceWarning)
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (64, 50, 8))
    y = rng.uniform(-1, 1, (64, 50))
    X_many = rng.uniform(-1, 1, (512, 50, 8))  # prediction is cheaper: more of it
    work = {}

    def bptt(est, X, y):
        # one forward and backward pass over the batch, as an epoch runs it
        seqs = est._prepare(X, y, reset=True)
        est._initialize(seqs)
        state0 = est._initial_state(seqs)
        return lambda: est._objective(est._theta, seqs, state0)

    for dtype in (np.float64, np.float32):
        Xd, yd = X.astype(dtype), y.astype(dtype)
        bits = 64 if dtype == np.float64 else 32
        work[f"Elman BPTT, hidden 64, float{bits}"] = bptt(
            ElmanRegressor(n_hidden=64, random_state=0), Xd, yd)
        work[f"LSTM BPTT, hidden 64, float{bits}"] = bptt(
            LSTMRegressor(n_hidden=64, random_state=0), Xd, yd)
        elman = ElmanRegressor(n_hidden=64, max_iter=1, random_state=0).fit(Xd, yd)
        X_pred = X_many.astype(dtype)
        work[f"Elman predict, hidden 64, float{bits}"] = lambda m=elman, X=X_pred: m.predict(X)
        lstm = LSTMRegressor(n_hidden=64, max_iter=1, random_state=0).fit(Xd, yd)
        work[f"LSTM predict, hidden 64, float{bits}"] = lambda m=lstm, X=X_pred: m.predict(X)

    series = np.sin(0.1 * np.arange(2000))[:, None]
    target = np.roll(series[:, 0], -1)
    for n in (200, 1000):
        esn = EchoStateRegressor(n_reservoir=n, random_state=0).fit(series, target)
        work[f"Echo state predict, {n} units, 2000 steps"] = \
            lambda m=esn: m.predict(series)

    short = series[:300]

    def search():
        GeneticOptimizer(ElmanRegressor(n_hidden=8), population_size=50, max_iter=4,
                         random_state=0).fit(short, target[:300])
    work["Population loss (GA), Elman hidden 8, 50 x 4"] = search

    inputs = rng.uniform(0, 50, 1_000_000)
    work["RNN-ELM cluster activation, 1e6 float64"] = lambda: cluster_activation(inputs)

    patterns = np.sign(rng.randn(40, 1000))
    probes = np.repeat(patterns, 5, axis=0) * np.sign(rng.rand(200, 1000) - 0.15)
    memory = HopfieldMemory(update="async", random_state=0).fit(patterns)
    work["Hopfield async recall, 1000 units, 200 probes"] = lambda: memory.predict(probes)
    return work


def _worker(repeats):
    """Time every workload in this process; print {name: best seconds} as JSON."""
    import skrnn

    times = {}
    for name, run in _workloads().items():
        run()  # warm up: first-call allocations, the ISA level, caches
        samples = []
        for _ in range(repeats):
            start = time.process_time()
            run()
            samples.append(time.process_time() - start)
        times[name] = min(samples)
    print(json.dumps({"skrnn": os.path.dirname(skrnn.__file__), "times": times}))


def _compiler(tree):
    """Who built a tree's kernels, read from an extension's .comment section."""
    kernels = os.path.join(tree, "skrnn", "_kernels")
    so = sorted(f for f in os.listdir(kernels) if f.startswith("_lstm.") and f.endswith(".so"))
    if not so:
        raise SystemExit(f"{tree}: no built kernels (build it in place first)")
    comment = subprocess.run(["readelf", "-p", ".comment", os.path.join(kernels, so[0])],
                             capture_output=True, text=True).stdout
    for line in comment.splitlines():
        if "clang version" in line:
            return line.split("]", 1)[-1].strip()
    for line in comment.splitlines():
        if "GCC:" in line:
            return line.split("]", 1)[-1].strip()
    return "unknown compiler"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", help="two source trees with kernels built in place")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=5, help="timings per round")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.repeats)
        return
    if len(args.trees) != 2:
        parser.error("give two trees")

    trees = [os.path.abspath(t) for t in args.trees]
    labels = [_compiler(t) for t in trees]
    rounds = [[], []]
    with tempfile.TemporaryDirectory() as elsewhere:  # no skrnn/ in the working folder
        for r in range(args.rounds):
            for i in (0, 1) if r % 2 == 0 else (1, 0):
                env = {**os.environ, "PYTHONPATH": trees[i], "OMP_NUM_THREADS": "1",
                       "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
                out = subprocess.run(
                    [sys.executable, os.path.abspath(__file__), "--worker",
                     "--repeats", str(args.repeats)],
                    env=env, cwd=elsewhere, capture_output=True, text=True, check=True)
                result = json.loads(out.stdout.splitlines()[-1])
                assert result["skrnn"].startswith(trees[i]), result["skrnn"]
                rounds[i].append(result["times"])
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    print(f"A: {trees[0]} ({labels[0]})")
    print(f"B: {trees[1]} ({labels[1]})")
    print(f"processor seconds, one thread: median over {args.rounds} rounds of the best "
          f"of {args.repeats}\n")
    width = max(len(name) for name in rounds[0][0])
    print(f"{'workload':<{width}}  {'A (s)':>9}  {'B (s)':>9}  {'B / A':>6}")
    for name in rounds[0][0]:
        a = float(np.median([t[name] for t in rounds[0]]))
        b = float(np.median([t[name] for t in rounds[1]]))
        print(f"{name:<{width}}  {a:9.4f}  {b:9.4f}  {b / a:6.2f}")


if __name__ == "__main__":
    main()
