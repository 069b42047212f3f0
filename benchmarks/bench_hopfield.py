"""HopfieldMemory: recall against load for every rule, and recall speed against NumPy.

Two parts, printed as markdown tables:

- ``capacity``: random -1/+1 patterns in networks of N = 200 and N = 1000
  units, loads P / N from 0.05 to 0.5 (and 1 and 2 for the modern rule),
  every stored pattern probed with 10% of its bits flipped; the fraction of
  probes recalled exactly and the mean overlap m = s . xi / N of the answer
  with the pattern, averaged over trials.
- ``speed``: recall of 1,000 probes in a 1,000-unit network, skrnn's
  compiled kernel against the straightforward NumPy implementation of the
  same rule, vectorised over probes (asynchronous: one unit at a time for
  all probes, in the same random orders; synchronous: one matrix product
  per step), side by side in one run, with the same thread count on both
  sides. Medians over repeats; ratio = NumPy time / skrnn time. Both sides
  are checked to give the same answers.

Run::

    python benchmarks/bench_hopfield.py [--part all|capacity|speed]
                                        [--trials 3] [--repeats 5] [--threads 1 2]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from skrnn import HopfieldMemory
from skrnn._kernels._hopfield import _py_sweep_orders

RULES = ["hebbian", "storkey", "pseudoinverse", "modern"]
LOADS = [0.05, 0.1, 0.138, 0.15, 0.2, 0.3, 0.4, 0.5]
MODERN_ONLY_LOADS = [1.0, 2.0]


def flip(X, fraction, rng):
    """Flip exactly ``fraction`` of the bits of every row."""
    X = X.copy()
    k = round(fraction * X.shape[1])
    for row in X:
        row[rng.choice(X.shape[1], k, replace=False)] *= -1
    return X


# -- capacity ----------------------------------------------------------------
def recall_at_load(rule, n, load, trials):
    exact, overlap = [], []
    for trial in range(trials):
        rng = np.random.RandomState(1000 * trial + n)
        X = rng.choice([-1.0, 1.0], (max(1, round(load * n)), n))
        probes = flip(X, 0.1, rng)
        memory = HopfieldMemory(rule, max_iter=200, random_state=trial).fit(X)
        states, _, _ = memory.recall(probes)
        exact.append(np.mean(np.all(states == X, axis=1)))
        overlap.append(np.mean(np.einsum("ij,ij->i", states, X) / n))
    return float(np.mean(exact)), float(np.mean(overlap))


def capacity(trials):
    for n, n_trials in ((200, trials * 2), (1000, trials)):
        hebb, storkey = n / (2 * np.log(n)), n / np.sqrt(2 * np.log(n))
        print(f"\n### N = {n} ({n_trials} trials; exact recall / mean overlap)\n")
        print(f"theory: Hebbian n/(2 ln n) = {hebb:.0f} patterns (load {hebb / n:.3f}), "
              f"0.138 n = {0.138 * n:.0f} with ~1.6% wrong bits; Storkey n/sqrt(2 ln n) = "
              f"{storkey:.0f} (load {storkey / n:.2f})\n")
        print("| load | patterns | " + " | ".join(RULES) + " |")
        print("|---|---|" + "---|" * len(RULES))
        for load in LOADS + MODERN_ONLY_LOADS:
            cells = []
            for rule in RULES:
                if load in MODERN_ONLY_LOADS and rule != "modern":
                    cells.append("-")
                    continue
                e, m = recall_at_load(rule, n, load, n_trials)
                cells.append(f"{e:.2f} / {m:.3f}")
            print(f"| {load} | {round(load * n)} | " + " | ".join(cells) + " |", flush=True)


# -- speed -------------------------------------------------------------------
def numpy_async(W, S, orders, tie, active_only=True):
    """One unit at a time for all probes: h_i = S @ W[i], then the sign rule.

    ``active_only`` sweeps only the probes that changed in the previous
    sweep (the others are at fixed points); without it every probe is swept
    until none changes, the most literal version.
    """
    S = S.copy()
    active = np.arange(len(S))
    for order in orders:
        block = S[active]
        changed = np.zeros(len(active), dtype=bool)
        for i in order:
            h = block @ W[i]
            new = np.where(h > tie, 1.0, np.where(h < -tie, -1.0, block[:, i]))
            changed |= new != block[:, i]
            block[:, i] = new
        S[active] = block
        if not changed.any():
            break
        if active_only:
            active = active[changed]
    return S


def numpy_sync(W, S, max_iter, tie):
    """All units at once for all probes still moving; stops rows at fixed points or 2-cycles."""
    S, previous = S.copy(), None
    active = np.arange(len(S))
    for _ in range(max_iter):
        H = S[active] @ W
        new = np.where(H > tie, 1.0, np.where(H < -tie, -1.0, S[active]))
        fixed = np.all(new == S[active], axis=1)
        cycled = (np.all(new == previous, axis=1) if previous is not None
                  else np.zeros(len(active), dtype=bool))
        previous = S[active][~(fixed | cycled)]
        S[active[~fixed]] = new[~fixed]
        active = active[~(fixed | cycled)]
        if active.size == 0:
            break
    return S


def median_time(repeats, fn, *args, **kwargs):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def speed(repeats, threads_list, n=1000, n_probes=1000):
    print("\n| threads | dtype | load | update | skrnn (ms) | NumPy (ms) | ratio "
          "| NumPy, all probes every sweep (ms) | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for threads in threads_list:
        for dtype in (np.float64, np.float32):
            for load in (0.05, 0.138):
                rng = np.random.RandomState(0)
                X = rng.choice([-1.0, 1.0], (round(load * n), n)).astype(dtype)
                probes = flip(X[rng.randint(len(X), size=n_probes)], 0.1, rng).astype(dtype)
                for update in ("async", "sync"):
                    memory = HopfieldMemory("hebbian", update=update, random_state=0,
                                            n_jobs=threads).fit(X)
                    W = memory.weights_
                    tie = 8 * np.finfo(dtype).eps * float(np.abs(W).sum(axis=1).max())
                    # the orders skrnn draws for random_state=0
                    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)
                    orders = _py_sweep_orders(memory.max_iter, n, seed)
                    literal = "-"
                    with threadpool_limits(threads, user_api="blas"):
                        t_ours, ours = median_time(repeats, memory.recall, probes)
                        if update == "async":
                            t_np, theirs = median_time(
                                repeats, numpy_async, W, probes, orders, tie)
                            if load < 0.1:  # the literal version is slow: low load only
                                t_lit, _ = median_time(repeats, numpy_async, W, probes,
                                                       orders, tie, active_only=False)
                                literal = f"{1e3 * t_lit:.0f} | **{t_lit / t_ours:.1f}x**"
                        else:
                            t_np, theirs = median_time(
                                repeats, numpy_sync, W, probes, memory.max_iter, tie)
                    if literal == "-":
                        literal = "- | -"
                    states, _, status = ours
                    fixed = status == "fixed_point"
                    agree = np.mean(np.all(states[fixed] == theirs[fixed], axis=1))
                    assert agree == 1.0, f"answers differ ({agree:.3f} agree)"
                    print(f"| {threads} | {np.dtype(dtype).name} | {load} | {update} | "
                          f"{1e3 * t_ours:.0f} | {1e3 * t_np:.0f} | "
                          f"**{t_np / t_ours:.1f}x** | {literal} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "capacity", "speed"], default="all")
    parser.add_argument("--trials", type=int, default=3,
                        help="trials per cell at N=1000 (twice as many at N=200)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1],
                        help="thread counts for both sides (n_jobs and BLAS threads)")
    args = parser.parse_args()
    if args.part in ("all", "speed"):
        speed(args.repeats, args.threads)
    if args.part in ("all", "capacity"):
        capacity(args.trials)


if __name__ == "__main__":
    main()
