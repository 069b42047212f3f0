"""Continuous-time recurrent networks: four tasks and training speed against PyTorch.

* ``cpg``: a central pattern generator. A 3-unit CTRNN (tanh) with no input must
  oscillate at a target period; found by GeneticOptimizer and by BPTT, then
  run freely for ten times the training length, where its period is
  measured from the output's upward zero crossings.
* ``irregular``: a damped oscillator driven by a random input, observed at
  random times (exponential gaps). The CTRNN takes the elapsed times as its
  time column (also with ``max_step=0.1``: long gaps in sub-steps); Elman and
  LSTM networks get the gap as an extra input. R^2 of
  the oscillator's position on held-out sequences.
* ``timescales``: a fast task (the input of two steps ago) whose sign switches
  at random times (every 30-70 steps, then every 100-200 steps in longer
  sequences), announced by a one-step cue. The multiple-timescale
  network against a single-timescale CTRNN and an LSTM of about the same
  number of trained weights. R^2 on held-out sequences.
* ``speed``: sequences per second of training (Adam, 5 epochs) and
  prediction, against a PyTorch module of the same equations (an explicit
  loop over time steps, autograd for the gradient), at hidden 16, 64, 128.

Run::

    python benchmarks/bench_ctrnn.py [--tasks cpg irregular timescales speed]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import warnings

import numpy as np
import torch
from _compare import make_data, time_skrnn, time_torch
from scipy.linalg import expm
from sklearn.exceptions import ConvergenceWarning

from skrnn import CTRNNRegressor, ElmanRegressor, GeneticOptimizer, LSTMRegressor

warnings.simplefilter("ignore", ConvergenceWarning)


# -- central pattern generator ------------------------------------------------------
def measured_period(signal):
    """Mean distance between upward zero crossings of ``signal`` minus its mean."""
    s = signal - signal.mean()
    ups = np.flatnonzero((s[:-1] < 0) & (s[1:] >= 0))
    if len(ups) < 3:
        return np.inf
    return float(np.diff(ups).mean())


def cpg(seeds):
    period, n_train = 20.0, 100
    t = np.arange(n_train)
    X = np.zeros((n_train, 1))
    y = np.sin(2 * np.pi * t / period)
    X_long = np.zeros((10 * n_train, 1))
    print(f"target period {period:.0f} steps; trained on {n_train} steps, period measured "
          f"on a free run of {10 * n_train}")
    print(f"{'method':>10} {'seed':>4} | {'R^2 train':>9} {'period':>7} {'error':>7} "
          f"{'seconds':>7}")
    for seed in seeds:
        for name in ("bptt", "bptt, exp", "genetic"):
            net = CTRNNRegressor(n_hidden=3, time_constant=2.0, random_state=seed)
            if name == "bptt, exp":
                net.set_params(integration="exponential")
            start = time.perf_counter()
            if name.startswith("bptt"):
                model = net.set_params(max_iter=2000, tol=0.0, n_iter_no_change=2000,
                                       batch_size=n_train).fit(X, y)
            else:
                model = GeneticOptimizer(net, population_size=60, max_iter=150,
                                         init_scale=1.0, refine=True,
                                         random_state=seed).fit(X, y)
            seconds = time.perf_counter() - start
            p = measured_period(model.predict(X_long)[n_train:])
            print(f"{name:>10} {seed:>4} | {model.score(X, y):>9.3f} {p:>7.2f} "
                  f"{abs(p - period) / period:>6.1%} {seconds:>7.1f}", flush=True)


# -- irregularly sampled damped oscillator ---------------------------------------------
def make_irregular(n_sequences, n_obs, mean_gap, rng):
    """Position of y'' + 2 zeta w y' + w^2 y = u, u held between observations."""
    w, zeta = 1.5, 0.1
    M = np.array([[0, 1, 0], [-w * w, -2 * zeta * w, 1], [0, 0, 0]])
    X = np.empty((n_sequences, n_obs, 2))
    Y = np.empty((n_sequences, n_obs))
    for s in range(n_sequences):
        gaps = rng.exponential(mean_gap, n_obs)
        u = rng.choice([-1.0, 0.0, 1.0], n_obs)
        z = np.zeros(3)
        for k in range(n_obs):
            z[2] = u[k]
            z = expm(M * gaps[k]) @ z
            Y[s, k] = z[0]
        X[s, :, 0], X[s, :, 1] = u, gaps
    return X, Y


def irregular(seeds, gaps=(0.4, 0.1)):
    for mean_gap in gaps:
        irregular_at(seeds, mean_gap)


def irregular_at(seeds, mean_gap):
    rng = np.random.RandomState(0)
    X, Y = make_irregular(300, 60, mean_gap, rng)
    train, test = slice(0, 240), slice(240, 300)
    print(f"\ndamped oscillator (w=1.5, zeta=0.1) driven by a random held input, observed at "
          f"exponential gaps (mean {mean_gap}); 240 training sequences of 60 observations, "
          "60 held out")
    models = {
        "CTRNN, elapsed times": lambda s: CTRNNRegressor(n_hidden=24, time_column=1,
                                                         time_constant=1.0, random_state=s),
        "CTRNN, max_step 0.1": lambda s: CTRNNRegressor(n_hidden=24, time_column=1,
                                                        time_constant=1.0, max_step=0.1,
                                                        random_state=s),
        "CTRNN, gap as input": lambda s: CTRNNRegressor(n_hidden=24, time_constant=1.0,
                                                        random_state=s),
        "Elman, gap as input": lambda s: ElmanRegressor(n_hidden=24, random_state=s),
        "LSTM, gap as input": lambda s: LSTMRegressor(n_hidden=12, random_state=s),
    }
    print(f"{'model':>22} | {'weights':>7} {'R^2 (held out, per seed)':>30} {'seconds':>7}")
    for name, make in models.items():
        scores, seconds, n_weights = [], 0.0, 0
        for seed in seeds:
            start = time.perf_counter()
            model = make(seed).fit(X[train], Y[train])
            seconds += time.perf_counter() - start
            scores.append(model.score(X[test], Y[test]))
            n_weights = model.get_flat_weights().shape[0]
        print(f"{name:>22} | {n_weights:>7} {'  '.join(f'{s:.3f}' for s in scores):>30} "
              f"{seconds / len(seeds):>7.1f}", flush=True)


# -- two timescales ---------------------------------------------------------------------
def make_switching(n_sequences, n_steps, rng, durations=(30, 70)):
    """y_t = m_t x_{t-2}: a fast delay whose sign m switches at random times.

    Inputs: a random signal x, and two cue channels with a 1 at the step where
    the mode becomes +1 (first channel) or -1 (second). The mode lasts
    ``durations`` steps (30 to 70 by default), so a model must hold it far
    longer than the two-step delay.
    """
    X = np.zeros((n_sequences, n_steps, 3))
    Y = np.zeros((n_sequences, n_steps))
    X[:, :, 0] = rng.uniform(-1, 1, (n_sequences, n_steps))
    for s in range(n_sequences):
        mode, k = rng.randint(2), 0
        while k < n_steps:
            X[s, k, 1 + mode] = 1
            stop = min(n_steps, k + rng.randint(durations[0], durations[1] + 1))
            sign = 1.0 if mode == 0 else -1.0
            rows = np.arange(max(k, 2), stop)
            Y[s, rows] = sign * X[s, rows - 2, 0]
            k, mode = stop, 1 - mode
    return X, Y


def trained_weights(model):
    """Weights a model trains: a multiple-timescale network's absent connections not counted."""
    masks = model._network.masks(np.float64) if hasattr(model._network, "masks") else None
    n = model.get_flat_weights().shape[0]
    if masks is not None:
        n -= sum(int((m == 0).sum()) for m in masks.values())
    return n


def timescales(seeds, batch_size="auto", lengths=("short", "long")):
    settings = {"short": ((30, 70), 200, 200), "long": ((100, 200), 100, 500)}
    for length in lengths:
        timescales_at(seeds, *settings[length], batch_size)


def timescales_at(seeds, durations, n_sequences, n_steps, batch_size):
    rng = np.random.RandomState(1)
    X, Y = make_switching(n_sequences, n_steps, rng, durations)
    n_train = int(0.8 * n_sequences)
    train, test = slice(0, n_train), slice(n_train, n_sequences)
    print(f"\ny_t = m_t x_(t-2), the sign m switched by a one-step cue every "
          f"{durations[0]}-{durations[1]} steps; {n_train} training sequences of {n_steps} "
          f"steps, {n_sequences - n_train} held out; batch_size={batch_size!r}")
    models = {
        "MTRNN (20, 8), tau (2, 30)": lambda s: CTRNNRegressor(
            n_hidden=(20, 8), time_constant=(2.0, 30.0), random_state=s),
        "CTRNN 28, tau 2": lambda s: CTRNNRegressor(n_hidden=28, time_constant=2.0,
                                                    random_state=s),
        "LSTM 13": lambda s: LSTMRegressor(n_hidden=13, random_state=s),
    }
    print(f"{'model':>27} | {'weights':>7} {'R^2 (held out, per seed)':>30} {'seconds':>7}")
    for name, make in models.items():
        scores, seconds, n_weights = [], 0.0, 0
        for seed in seeds:
            start = time.perf_counter()
            model = make(seed).set_params(batch_size=batch_size).fit(X[train], Y[train])
            seconds += time.perf_counter() - start
            scores.append(model.score(X[test], Y[test]))
            n_weights = trained_weights(model)
        print(f"{name:>27} | {n_weights:>7} {'  '.join(f'{s:.3f}' for s in scores):>30} "
              f"{seconds / len(seeds):>7.1f}", flush=True)


# -- speed against PyTorch ------------------------------------------------------------
class TorchCTRNN(torch.nn.Module):
    """The same equations as CTRNNRegressor (tanh, Euler at dt = 1), autograd for BPTT."""

    def __init__(self, n_features, n_hidden, tau=2.0):
        super().__init__()
        self.inp = torch.nn.Linear(n_features, n_hidden, bias=False)
        self.W = torch.nn.Parameter(torch.nn.init.orthogonal_(torch.empty(n_hidden, n_hidden)))
        self.theta = torch.nn.Parameter(torch.zeros(n_hidden))
        self.log_tau = torch.nn.Parameter(torch.full((n_hidden,), float(np.log(tau))))
        self.out = torch.nn.Linear(n_hidden, 1)

    def forward(self, x):
        drive = self.inp(x)
        a = torch.exp(-self.log_tau)
        y = torch.zeros(x.shape[0], self.W.shape[0], dtype=x.dtype)
        r = torch.tanh(y + self.theta)
        rates = []
        for t in range(x.shape[1]):
            y = y + a * (r @ self.W + drive[:, t] - y)
            r = torch.tanh(y + self.theta)
            rates.append(r)
        return self.out(torch.stack(rates, dim=1)).squeeze(-1)


def speed(repeats, epochs=5):
    sizes = [(1, 16, 50, 32), (8, 64, 100, 64), (16, 128, 100, 64)]
    n_batches = 8
    print(f"torch {torch.__version__}; float32, 1 thread, {epochs} epochs of {n_batches} "
          f"batches; medians of {repeats} interleaved repeats; sequences/second")
    header = (f"{'features':>8} {'hidden':>6} {'length':>6} {'batch':>5} | {'train skrnn':>11} "
              f"{'train torch':>11} {'ratio':>6} | {'pred skrnn':>10} {'pred torch':>10} "
              f"{'ratio':>6}")
    print(header)
    print("-" * len(header))
    for n_features, n_hidden, n_timesteps, batch_size in sizes:
        n_seq = n_batches * batch_size
        X, y = make_data(n_features, n_timesteps, n_seq, dtype=np.float32)
        results = {"skrnn": [], "torch": []}
        for _ in range(repeats):
            results["skrnn"].append(time_skrnn(CTRNNRegressor, X, y, n_hidden, batch_size,
                                               epochs, 1))
            torch.manual_seed(0)
            results["torch"].append(time_torch(TorchCTRNN(n_features, n_hidden), X, y,
                                               batch_size, epochs, 1))
        med = {k: np.median(np.array(v), axis=0) for k, v in results.items()}
        train = {k: epochs * n_seq / med[k][0] for k in med}
        pred = {k: n_seq / med[k][1] for k in med}
        print(f"{n_features:>8} {n_hidden:>6} {n_timesteps:>6} {batch_size:>5} | "
              f"{train['skrnn']:>11.0f} {train['torch']:>11.0f} "
              f"{train['skrnn'] / train['torch']:>5.1f}x | {pred['skrnn']:>10.0f} "
              f"{pred['torch']:>10.0f} {pred['skrnn'] / pred['torch']:>5.1f}x", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["cpg", "irregular", "timescales",
                                                       "speed"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", default="auto",
                        type=lambda v: v if v == "auto" else int(v),
                        help="batch size of the timescales task's models")
    parser.add_argument("--lengths", nargs="+", default=["short", "long"],
                        choices=["short", "long"], help="mode lengths of the timescales task")
    parser.add_argument("--gaps", type=float, nargs="+", default=[0.4, 0.1],
                        help="mean gaps of the irregular task")
    args = parser.parse_args()
    tasks = {"cpg": lambda: cpg(args.seeds), "irregular": lambda: irregular(args.seeds, args.gaps),
             "timescales": lambda: timescales(args.seeds, args.batch_size, args.lengths),
             "speed": lambda: speed(args.repeats)}
    for task in args.tasks:
        print(f"\n== {task} ==")
        tasks[task]()
