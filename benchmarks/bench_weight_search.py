"""Gradient-free weight search: skrnn against PyGAD and pyswarms, side by side in one run.

All search the 89 weights of the same Elman network (1 input, 8 tanh units,
linear output) on the same series. PyGAD and pyswarms call a fitness
function per candidate (PyGAD) or per swarm (pyswarms) that runs a NumPy
forward pass over the series, the way their documentation trains networks;
skrnn evaluates the whole population in one compiled call. Two tables:
fitness evaluations per second (medians over repeats) with skrnn's ratio,
and the best training loss each reaches within the same evaluation budget
(medians over seeds). Everything on ``--threads`` threads (BLAS included).

Run::

    pip install pygad==3.9.2 pyswarms==1.3.0
    python benchmarks/bench_weight_search.py [--repeats 5] [--steps 200] [--budget 20000]
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

from skrnn import ElmanRegressor, GeneticOptimizer, ParticleSwarmOptimizer

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
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
