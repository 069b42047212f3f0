"""Readouts on a Dask cluster: ``skrnn.dask.fit_distributed`` against a local ``fit``.

In one run, for each problem: a local ``fit`` in this process (one BLAS
thread), :func:`skrnn.dask.fit_distributed` on a ``LocalCluster`` of
``--workers`` worker processes (one thread each), and dask-ml's
``Incremental`` (``shuffle_blocks=False``), which streams the same blocks
through ``partial_fit`` one after another on the workers. Times are medians
over repeats (the local fits run first, before the cluster starts; the
cluster is started once, outside the timings; the data
are in the workers' memory, as dask arrays of a real job would be);
ratio = local time / time. "max abs diff" is the largest difference
between that model's predictions and the local model's on 2000 rows: 0 where
the sums go through the same operations (a series, whose blocks run in
order; ``Incremental``), else the rounding of a merge in another order,
amplified by the condition number of the penalised Gram matrix.

Problems: an echo state network over one long series (the blocks in order,
handing on state and sums), the same over a 3D batch of independent
sequences (one parallel pass, sums merged in a tree), and an RNN-ELM over
rows.

Run::

    pip install "dask[distributed]" dask-ml      # or: pip install -e ".[dask]"
    PYTHONPATH=. python benchmarks/bench_dask.py --repeats 3   # from a checkout
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import sys
import time
from pathlib import Path

import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster
from dask_ml.wrappers import Incremental
from threadpoolctl import threadpool_limits

import skrnn
from skrnn import EchoStateRegressor, RNNELMRegressor
from skrnn.dask import fit_distributed
from skrnn.datasets import make_mackey_glass


def problems(scale):
    s = np.tanh(make_mackey_glass(int(200_000 * scale) + 1, random_state=0) - 1)
    series = (s[:-1, None], s[1:])
    rng = np.random.RandomState(0)
    n_seq = int(16000 * scale)
    X3 = rng.uniform(-1, 1, (n_seq, 50, 3))
    batch = (X3, X3[:, -5:, 0].sum(axis=1) * X3[:, :, 1].mean(axis=1))
    Xr = rng.uniform(0, 1, (int(200_000 * scale), 20))
    rows = (Xr, np.sin(3 * Xr[:, 0]) + Xr[:, 1] * Xr[:, 2])
    return [
        # alpha on standardised states: 1e-6 is below float64's resolution for 1000
        # units over 200,000 steps, where only a sum in the same order (partial_fit,
        # Incremental) gives the same readout; 1e-2 is resolved
        ("ESN 1000 units, one series", EchoStateRegressor(1000, n_washout=100, alpha=1e-6,
                                                          random_state=0), series),
        ("ESN 1000 units, one series, alpha=1e-2",
         EchoStateRegressor(1000, n_washout=100, alpha=1e-2, random_state=0), series),
        ("ESN 300 units, 3D batch", EchoStateRegressor(300, alpha=1e-4, random_state=0), batch),
        ("RNN-ELM 1000 clusters, rows", RNNELMRegressor(1000, random_state=0), rows),
    ]


def median_time(repeats, fn, *args, client=None, n_keep=0):
    times = []
    for _ in range(repeats):
        if client is not None:
            settle(client, n_keep)
        t0 = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def _n_tasks(dask_scheduler):
    return len(dask_scheduler.tasks)


def settle(client, n_keep, timeout=30):
    """Wait until the scheduler has let go of the previous repeat's results.

    dask-ml names its tasks after their inputs, so a repeat started at once
    would be handed the previous repeat's results, still in memory.
    """
    deadline = time.monotonic() + timeout
    while client.run_on_scheduler(_n_tasks) > n_keep:  # only the persisted blocks
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)


def clone_of(est):
    return est.__class__(**est.get_params())


def local_fit(est, X, y):
    with threadpool_limits(1):
        return clone_of(est).fit(X, y)


def incremental_fit(est, Xd, yd):
    return Incremental(clone_of(est), shuffle_blocks=False).fit(Xd, yd).estimator_


def run_problem(client, name, est, X, y, local, t_local, args):
    chunk = -(-X.shape[0] // args.blocks)
    Xd = da.from_array(X, chunks=(chunk,) + X.shape[1:]).persist()
    yd = da.from_array(y, chunks=chunk).persist()
    n_keep = len(Xd.__dask_graph__()) + len(yd.__dask_graph__())
    probe = X[:2000]
    t_dist, dist = median_time(args.repeats, fit_distributed, clone_of(est), Xd, yd,
                               client=client, n_keep=n_keep)
    diff = np.abs(dist.predict(probe) - local.predict(probe)).max()
    if X.ndim == 2:  # dask-ml's Incremental takes 2D blocks only
        t_inc, inc = median_time(args.repeats, incremental_fit, est, Xd, yd,
                                   client=client, n_keep=n_keep)
        inc_diff = np.abs(inc.predict(probe) - local.predict(probe)).max()
        inc = f"{t_inc:.2f} | {t_local / t_inc:.2f} | {inc_diff:.1e}"
    else:
        inc = "n/a (3D) | - | -"
    print(f"| {name} | {X.shape} | {t_local:.2f} | {t_dist:.2f} | {t_local / t_dist:.2f} | "
          f"{diff:.1e} | {inc} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--blocks", type=int, default=8, help="blocks per problem")
    parser.add_argument("--scale", type=float, default=1.0, help="data size factor")
    args = parser.parse_args()
    cases = problems(args.scale)
    # local fits first, before the cluster's processes and the scheduler's
    # thread in this process compete with them
    local = [median_time(args.repeats, local_fit, est, X, y) for _, est, (X, y) in cases]
    root = str(Path(skrnn.__file__).resolve().parents[1])
    if root not in sys.path:  # spawned workers copy sys.path: same skrnn as here
        sys.path.insert(0, root)
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        print(f"{args.workers} workers x 1 thread; {args.blocks} blocks; medians of "
              f"{args.repeats}\n")
        print("| problem | data | local fit (s) | fit_distributed (s) | ratio | max abs diff | "
              "Incremental (s) | ratio | max abs diff |")
        print("|---|---|---|---|---|---|---|---|---|")
        for (name, est, (X, y)), (t_local, fitted) in zip(cases, local):
            run_problem(client, name, est, X, y, fitted, t_local, args)


if __name__ == "__main__":
    main()
