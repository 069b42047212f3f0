"""Gradient-free weight search: skrnn against PyGAD and pyswarms, side by side in one run.

Two comparisons. The default one: all search the 89 weights of the same
Elman network (1 input, 8 tanh units, linear output) on the same series.
PyGAD and pyswarms call a fitness function per candidate (PyGAD) or per
swarm (pyswarms) that runs a NumPy forward pass over the series, the way
their documentation trains networks; skrnn evaluates the whole population in
one compiled call. Two tables: fitness evaluations per second (medians over
repeats) with skrnn's ratio, and the best training loss each reaches within
the same evaluation budget (medians over seeds). Everything on
``--threads`` threads (BLAS included).

With ``--batch``: populations of small networks over a batch of 64
sequences, Elman and LSTM at 4, 8, 16 and 32 hidden units, sequences of 20
and 200 steps. The comparator is what a competent user writes: a NumPy
forward pass vectorised over the 64 sequences (one matrix product and one
activation per step for the whole batch), called per candidate by PyGAD and
per particle of the swarm's function by pyswarms. For each network the
table prints evaluations per second of the loss alone (skrnn's
``population_loss`` of 60 candidates against the NumPy loss), their ratio,
skrnn's effective rate in multiply-adds per second and its share of the
machine's DGEMM rate (measured in the same run), the bound on that share
(the share if the multiply-adds ran at the DGEMM rate and the activations,
one tanh per Elman unit, two tanh and three logistic functions per LSTM
unit, at the rate the kernels' own activations reach alone, measured in the
same run) and the share's fraction of it, and the ceiling of the
ratio (DGEMM's rate over the NumPy loss's), then the evaluations per second
of whole searches (skrnn's GeneticOptimizer and ParticleSwarmOptimizer
against PyGAD and pyswarms, population 60). Rates are per second of the
process's processor time (``time.process_time``), so that a shared machine's
varying load does not favour one side; run it with ``--threads 1``.

Run::

    pip install pygad==3.9.2 pyswarms==1.3.0
    python benchmarks/bench_weight_search.py [--repeats 5] [--steps 200] [--budget 20000]
    python benchmarks/bench_weight_search.py --batch [--repeats 5]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import warnings

import numpy as np
import pygad
import pyswarms
from threadpoolctl import threadpool_limits

from skrnn import ElmanRegressor, GeneticOptimizer, LSTMRegressor, ParticleSwarmOptimizer
from skrnn._kernels._lstm import _lane_activation_float64

N_HIDDEN = 8
GA_POPULATION, PSO_PARTICLES = 50, 30


def make_data(n_steps, seed=0):
    t = np.arange(n_steps) * 0.1
    rng = np.random.RandomState(seed)
    x = np.sin(t) + 0.05 * rng.randn(n_steps)
    return x[:, None], np.sin(t + 0.4) * np.cos(0.3 * t)


class NumpyElman:
    """The loss of one flat weight vector, in skrnn's layout, by a NumPy forward pass."""

    def __init__(self, X, y, n_hidden, alpha):
        self.X, self.y, self.n_hidden, self.alpha = X, y, n_hidden, alpha
        n_in, n = X.shape[1], n_hidden
        sizes = [n_in * n, n * n, n, n, 1]
        self.bounds = np.cumsum([0] + sizes)
        self.n_weights = int(self.bounds[-1])
        self.calls = 0

    def loss(self, w):
        self.calls += 1
        b, n = self.bounds, self.n_hidden
        W_in = w[b[0]:b[1]].reshape(-1, n)
        W_rec = w[b[1]:b[2]].reshape(n, n)
        b_h, W_out, b_out = w[b[2]:b[3]], w[b[3]:b[4]], w[b[4]]
        U = self.X @ W_in + b_h
        h = np.zeros(n)
        out = np.empty(len(self.y))
        for t in range(len(self.y)):
            h = np.tanh(U[t] + h @ W_rec)
            out[t] = h @ W_out + b_out
        m = len(self.y)
        penalty = 0.5 * self.alpha / m * (W_in.ravel() @ W_in.ravel() + W_rec.ravel()
                                          @ W_rec.ravel() + W_out @ W_out)
        return 0.5 * np.mean((out - self.y) ** 2) + penalty


def skrnn_search(cls, X, y, population, n_iter, seed, threads):
    est = ElmanRegressor(n_hidden=N_HIDDEN)
    search = cls(est, population_size=population, max_iter=n_iter, random_state=seed,
                 n_jobs=threads, init_scale=0.0)
    start = time.perf_counter()
    search.fit(X, y)
    return search.n_evaluations_, time.perf_counter() - start, search.best_loss_


def pygad_search(net, population, n_gen, seed):
    net.calls = 0

    def fitness(ga, solution, index):
        return -net.loss(solution)

    ga = pygad.GA(num_generations=n_gen, num_parents_mating=population // 2,
                  fitness_func=fitness, sol_per_pop=population, num_genes=net.n_weights,
                  init_range_low=-1, init_range_high=1, mutation_percent_genes=10,
                  random_seed=seed, suppress_warnings=True)
    start = time.perf_counter()
    ga.run()
    elapsed = time.perf_counter() - start
    solution, _, _ = ga.best_solution(ga.last_generation_fitness)
    return net.calls, elapsed, net.loss(solution)


def pyswarms_search(net, particles, n_iter, seed):
    net.calls = 0
    np.random.seed(seed)  # pyswarms draws from NumPy's global generator

    def swarm_loss(P):
        return np.array([net.loss(p) for p in P])

    optimizer = pyswarms.single.GlobalBestPSO(
        n_particles=particles, dimensions=net.n_weights,
        options={"c1": 1.49618, "c2": 1.49618, "w": 0.7298},
        init_pos=np.random.uniform(-1, 1, (particles, net.n_weights)))
    start = time.perf_counter()
    best, _ = optimizer.optimize(swarm_loss, iters=n_iter, verbose=False)
    elapsed = time.perf_counter() - start
    return net.calls, elapsed, best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--budget", type=int, default=20000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", action="store_true",
                        help="populations over a batch of 64 sequences (see the docstring)")
    args = parser.parse_args()
    if args.batch:
        return main_batch(args)
    X, y = make_data(args.steps)
    net = NumpyElman(X, y, N_HIDDEN, alpha=1e-4)

    # the NumPy forward pass computes skrnn's loss (same layout, same penalty)
    ref = ElmanRegressor(n_hidden=N_HIDDEN, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref.fit(X, y)
    w = np.random.RandomState(0).randn(net.n_weights) * 0.5
    assert abs(net.loss(w) - ref.evaluate_loss(X, y, weights=w)) < 1e-10 * net.loss(w)

    ga_gens = args.budget // GA_POPULATION
    pso_iters = args.budget // PSO_PARTICLES
    rows = {}
    with threadpool_limits(args.threads):
        for seed in range(args.repeats):
            for name, run in [
                ("skrnn GeneticOptimizer", lambda s: skrnn_search(
                    GeneticOptimizer, X, y, GA_POPULATION, ga_gens, s, args.threads)),
                ("PyGAD GA", lambda s: pygad_search(net, GA_POPULATION, ga_gens, s)),
                ("skrnn ParticleSwarmOptimizer", lambda s: skrnn_search(
                    ParticleSwarmOptimizer, X, y, PSO_PARTICLES, pso_iters, s, args.threads)),
                ("pyswarms GlobalBestPSO", lambda s: pyswarms_search(
                    net, PSO_PARTICLES, pso_iters, s)),
            ]:
                rows.setdefault(name, []).append(run(seed))

    print(f"Elman 1-{N_HIDDEN}-1 ({net.n_weights} weights), one series of {args.steps} steps, "
          f"budget ~{args.budget} evaluations, {args.threads} thread(s), "
          f"medians over {args.repeats} seeds")
    print(f"{'search':30s} {'evals':>7s} {'evals/s':>10s} {'best loss':>10s}")
    rate = {}
    for name, results in rows.items():
        evals, seconds, losses = (np.array(v, dtype=float) for v in zip(*results))
        rate[name] = np.median(evals / seconds)
        print(f"{name:30s} {np.median(evals):7.0f} {rate[name]:10.0f} "
              f"{np.median(losses):10.5f}")
    print(f"ratio GA  (skrnn / PyGAD):    "
          f"{rate['skrnn GeneticOptimizer'] / rate['PyGAD GA']:.1f}x")
    print(f"ratio PSO (skrnn / pyswarms): "
          f"{rate['skrnn ParticleSwarmOptimizer'] / rate['pyswarms GlobalBestPSO']:.1f}x")


# -- populations over a batch of sequences (--batch) --------------------------------------

N_SEQ, POPULATION = 64, 60
# processor time of this process, not wall time: on a shared machine a
# process gets a varying share of the cores, which wall time would count
# against whichever side ran while the others were busy (every side here
# runs on the one thread the benchmark allows)
CLOCK = time.process_time


def make_batch(n_steps, seed=0):
    """64 noisy phase-shifted sine waves, 1 input, next-step-like target."""
    rng = np.random.RandomState(seed)
    t = np.arange(n_steps) * 0.1 + rng.uniform(0, 6, (N_SEQ, 1))
    X = np.sin(t) + 0.05 * rng.randn(N_SEQ, n_steps)
    return X[:, :, None], np.sin(t + 0.4) * np.cos(0.3 * t)


class NumpyBatchElman:
    """Loss of one flat Elman weight vector, forward pass vectorised over sequences."""

    def __init__(self, X, y, n_hidden, alpha):
        self.X, self.y, self.n, self.alpha = X, y, n_hidden, alpha
        n_in, n = X.shape[2], n_hidden
        self.bounds = np.cumsum([0, n_in * n, n * n, n, n, 1])
        self.n_weights = int(self.bounds[-1])
        self.macs = X.shape[0] * X.shape[1] * (n * (n_in + n) + n)
        # activations per evaluation: tanh, logistic
        self.activations = X.shape[0] * X.shape[1] * n, 0

    def loss(self, w):
        b, n = self.bounds, self.n
        W_in, W_rec = w[b[0]:b[1]].reshape(-1, n), w[b[1]:b[2]].reshape(n, n)
        b_h, W_out, b_out = w[b[2]:b[3]], w[b[3]:b[4]], w[b[4]]
        U = self.X @ W_in + b_h
        h = np.zeros((self.X.shape[0], n))
        H = np.empty((self.X.shape[1],) + h.shape)
        for t in range(self.X.shape[1]):
            h = np.tanh(U[:, t] + h @ W_rec)
            H[t] = h
        out = H @ W_out + b_out
        penalty = (W_in.ravel() @ W_in.ravel() + W_rec.ravel() @ W_rec.ravel()
                   + W_out @ W_out)
        return 0.5 * np.mean((out - self.y.T) ** 2) + 0.5 * self.alpha / self.y.size * penalty


class NumpyBatchLSTM:
    """Loss of one flat LSTM weight vector (gates [i f g o]), vectorised over sequences."""

    def __init__(self, X, y, n_hidden, alpha):
        self.X, self.y, self.n, self.alpha = X, y, n_hidden, alpha
        n_in, n = X.shape[2], n_hidden
        self.bounds = np.cumsum([0, (n_in + n + 1) * 4 * n, n, 1])
        self.n_weights = int(self.bounds[-1])
        self.macs = X.shape[0] * X.shape[1] * (4 * n * (n_in + n) + n)
        # g and tanh(c); the gates i, f, o
        self.activations = X.shape[0] * X.shape[1] * 2 * n, X.shape[0] * X.shape[1] * 3 * n

    def loss(self, w):
        b, n, n_in = self.bounds, self.n, self.X.shape[2]
        G = w[b[0]:b[1]].reshape(n_in + n + 1, 4 * n)
        W, R, bias = G[:n_in], G[n_in:n_in + n], G[-1]
        W_out, b_out = w[b[1]:b[2]], w[b[2]]
        U = self.X @ W + bias
        h = np.zeros((self.X.shape[0], n))
        c = np.zeros_like(h)
        H = np.empty((self.X.shape[1],) + h.shape)
        for t in range(self.X.shape[1]):
            z = U[:, t] + h @ R
            s = 1 / (1 + np.exp(-z[:, :2 * n]))
            o = 1 / (1 + np.exp(-z[:, 3 * n:]))
            c = s[:, n:] * c + s[:, :n] * np.tanh(z[:, 2 * n:3 * n])
            h = o * np.tanh(c)
            H[t] = h
        out = H @ W_out + b_out
        WR = G[:-1].ravel()
        penalty = WR @ WR + W_out @ W_out
        return 0.5 * np.mean((out - self.y.T) ** 2) + 0.5 * self.alpha / self.y.size * penalty


def dgemm_rate(repeats, n=1500):
    """Multiply-adds per second of NumPy's float64 matrix product (on the threads allowed)."""
    rng = np.random.RandomState(0)
    A, B = rng.randn(n, n), rng.randn(n, n)
    A @ B
    times = []
    for _ in range(repeats):
        start = CLOCK()
        A @ B
        times.append(CLOCK() - start)
    return n ** 3 / np.median(times)


def activation_rates(repeats, size=16384):
    """Elements per second of the population kernels' own float64 tanh and
    logistic function alone, on a buffer in cache."""
    x = np.random.RandomState(0).randn(size)
    return [_median_rate(lambda logistic=logistic: _lane_activation_float64(x, logistic),
                         size, repeats)
            for logistic in (False, True)]


def dgemm_bound(macs, activations, dgemm, act_rates):
    """The share of DGEMM a kernel that does nothing but its multiply-adds at
    the DGEMM rate and its activations at their own rate would reach."""
    t_macs = macs / dgemm
    return t_macs / (t_macs + sum(a / r for a, r in zip(activations, act_rates)))


def _median_rate(fn, n_evals, repeats, min_time=0.2):
    """Median evaluations per second of ``fn`` (which makes ``n_evals``), each
    repeat running it enough times to last ``min_time``."""
    rates = []
    for _ in range(repeats):
        count, start = 0, CLOCK()
        while True:
            fn()
            count += 1
            elapsed = CLOCK() - start
            if elapsed >= min_time:
                break
        rates.append(count * n_evals / elapsed)
    return float(np.median(rates))


def batch_case(kind, n_hidden, n_steps, repeats, threads):
    X, y = make_batch(n_steps)
    alpha = 1e-4
    if kind == "Elman":
        est = ElmanRegressor(n_hidden=n_hidden, max_iter=1, alpha=alpha, random_state=0,
                             n_jobs=threads)
        net = NumpyBatchElman(X, y, n_hidden, alpha)
    else:
        est = LSTMRegressor(n_hidden=n_hidden, max_iter=1, alpha=alpha,
                            random_state=0, n_jobs=threads)
        net = NumpyBatchLSTM(X, y, n_hidden, alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    rng = np.random.RandomState(1)
    thetas = rng.randn(POPULATION, net.n_weights) * (0.5 / np.sqrt(n_hidden))
    # the NumPy loss is skrnn's loss (same layout, same penalty)
    ours = est.population_loss(thetas[:3], X, y)
    theirs = np.array([net.loss(w) for w in thetas[:3]])
    assert np.allclose(ours, theirs, rtol=1e-9), (ours, theirs)
    seqs = est._prepare(X, y, reset=False)  # as the searches call it: validated once
    skrnn_rate = _median_rate(lambda: est._population_loss(thetas, seqs), POPULATION, repeats)
    numpy_rate = _median_rate(lambda: net.loss(thetas[0]), 1, repeats)

    def search_rate(cls, **params):
        rates = []
        for seed in range(max(1, repeats // 2)):
            search = cls(est, population_size=POPULATION, max_iter=10, random_state=seed,
                         n_jobs=threads, **params)
            start = CLOCK()
            search.fit(X, y)
            rates.append(search.n_evaluations_ / (CLOCK() - start))
        return float(np.median(rates))

    def pygad_rate():
        calls = [0]

        def fitness(ga, solution, index):
            calls[0] += 1
            return -net.loss(solution)

        ga = pygad.GA(num_generations=2, num_parents_mating=POPULATION // 2,
                      fitness_func=fitness, sol_per_pop=POPULATION, num_genes=net.n_weights,
                      init_range_low=-0.3, init_range_high=0.3, mutation_percent_genes=10,
                      random_seed=0, suppress_warnings=True)
        start = CLOCK()
        ga.run()
        return calls[0] / (CLOCK() - start)

    def pyswarms_rate():
        calls = [0]

        def swarm_loss(P):
            calls[0] += len(P)
            return np.array([net.loss(p) for p in P])

        np.random.seed(0)
        optimizer = pyswarms.single.GlobalBestPSO(
            n_particles=POPULATION, dimensions=net.n_weights,
            options={"c1": 1.49618, "c2": 1.49618, "w": 0.7298},
            init_pos=np.random.uniform(-0.3, 0.3, (POPULATION, net.n_weights)))
        start = CLOCK()
        optimizer.optimize(swarm_loss, iters=2, verbose=False)
        return calls[0] / (CLOCK() - start)

    return dict(
        skrnn=skrnn_rate, numpy=numpy_rate, macs=net.macs, activations=net.activations,
        ga=search_rate(GeneticOptimizer, init_scale=0.0), pygad=pygad_rate(),
        pso=search_rate(ParticleSwarmOptimizer, init_scale=0.0), pyswarms=pyswarms_rate())


def main_batch(args):
    with threadpool_limits(args.threads):
        dgemm = dgemm_rate(args.repeats)
        act_rates = activation_rates(args.repeats)
        print(f"DGEMM (NumPy, 1500 x 1500, float64): {dgemm / 1e9:.1f} GMAC/s on "
              f"{args.threads} thread(s); rates per second of processor time")
        print(f"the kernels' activations alone: tanh {act_rates[0] / 1e9:.2f}, logistic "
              f"{act_rates[1] / 1e9:.2f} G elements/s; bound: the share of DGEMM with the "
              f"multiply-adds at the DGEMM rate and the activations at these")
        print(f"population {POPULATION}, {N_SEQ} sequences, 1 input, 1 output (every step), "
              f"medians of {args.repeats}")
        print(f"{'net':5s} {'hid':>3s} {'steps':>5s} | {'skrnn ev/s':>10s} {'NumPy ev/s':>10s} "
              f"{'ratio':>6s} {'GMAC/s':>6s} {'%DGEMM':>6s} {'bound':>6s} {'%bound':>6s} "
              f"{'ceiling':>7s} | "
              f"{'GA ev/s':>8s} {'PyGAD':>7s} {'ratio':>6s} | {'PSO ev/s':>8s} "
              f"{'pyswarms':>8s} {'ratio':>6s}")
        for kind in ("Elman", "LSTM"):
            for n_steps in (20, 200):
                for n_hidden in (4, 8, 16, 32):
                    r = batch_case(kind, n_hidden, n_steps, args.repeats, args.threads)
                    gmac = r["skrnn"] * r["macs"]
                    ceiling = dgemm / (r["numpy"] * r["macs"])
                    bound = dgemm_bound(r["macs"], r["activations"], dgemm, act_rates)
                    print(f"{kind:5s} {n_hidden:3d} {n_steps:5d} | {r['skrnn']:10.0f} "
                          f"{r['numpy']:10.1f} {r['skrnn'] / r['numpy']:5.1f}x "
                          f"{gmac / 1e9:6.2f} {100 * gmac / dgemm:5.1f}% {100 * bound:5.1f}% "
                          f"{100 * gmac / dgemm / bound:5.0f}% {ceiling:6.0f}x | "
                          f"{r['ga']:8.0f} {r['pygad']:7.0f} {r['ga'] / r['pygad']:5.1f}x | "
                          f"{r['pso']:8.0f} {r['pyswarms']:8.0f} "
                          f"{r['pso'] / r['pyswarms']:5.1f}x", flush=True)


if __name__ == "__main__":
    main()
