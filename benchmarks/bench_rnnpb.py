"""RNNPBRegressor: five Lissajous patterns in one network; recognition, generation, speed.

Five 2D Lissajous patterns (a circle, a diagonal, two figure-eights, a 1:3
curve). Each instance starts near the same phase, as a behaviour starts
from its home posture in Tani's experiments, with its period jittered by
+-10 %, its amplitude in [0.7, 0.9] and its start by up to 2 steps. One RNNPB
learns 4 instances of 60 steps per pattern, one code each. Then:

- recognition: 20 held-out instances per pattern, with Gaussian noise of
  standard deviation sigma, get their code from ``transform``; the label of
  the nearest training code (the training sequences' codes recognised the
  same way) is the answer. Beside it, what a user would do without codes:
  1-nearest-neighbour on the raw sequences, and on their magnitude spectra.
- generation: from each learned code, 119 closed-loop steps from the
  sequence's first step, against the instance itself (steps 1-59, what was
  learned) and its continuation (steps 60-119, never seen): error /
  variance, median over the 20 training sequences.
- speed: the same network and epochs (Adam, full batch, gradient clipping)
  in PyTorch, the codes a trained embedding through a sigmoid; seconds per
  fit, medians over the seeds.

Run::

    python benchmarks/bench_rnnpb.py [--repeats 3] [--epochs 1500]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier

from skrnn import RNNPBRegressor

PATTERNS = [  # (a, b, delta): x = sin(a w t), y = sin(b w t + delta)
    (1, 1, np.pi / 2),   # circle
    (1, 1, 0.0),         # diagonal
    (1, 2, 0.0),         # figure-eight
    (2, 1, 0.0),         # figure-eight on its side
    (1, 3, np.pi / 2),   # 1:3
]
PERIOD = 30
LENGTH = 60
CONFIGS = {  # name -> parameters of RNNPBRegressor
    "full BPTT": dict(n_hidden=16),
    "bptt_steps=1": dict(n_hidden=16, bptt_steps=1),
    "input_noise=0.1": dict(n_hidden=16, input_noise=0.1),
    "input_noise=0.2": dict(n_hidden=16, input_noise=0.2),
}


def lissajous(k, rng, noise=0.0, length=LENGTH):
    """An instance of pattern k: jittered period, amplitude and start; noisy."""
    a, b, delta = PATTERNS[k]
    w = 2 * np.pi / (PERIOD * rng.uniform(0.9, 1.1))
    t = np.arange(length) + rng.uniform(0, 2)
    X = rng.uniform(0.7, 0.9) * np.column_stack([np.sin(a * w * t), np.sin(b * w * t + delta)])
    return X + noise * rng.standard_normal(X.shape)


def make_set(n_per_pattern, noise, rng, length=LENGTH):
    X, y = [], []
    for k in range(len(PATTERNS)):
        for _ in range(n_per_pattern):
            X.append(lissajous(k, rng, noise, length))
            y.append(k)
    return np.array(X), np.array(y)


def nearest_code_accuracy(model, codes_train, y_train, X, y):
    codes = model.transform(X)
    nearest = np.linalg.norm(codes[:, None] - codes_train[None], axis=2).argmin(axis=1)
    return float(np.mean(y_train[nearest] == y))


def spectrum(X):
    return np.abs(np.fft.rfft(X, axis=1)).reshape(X.shape[0], -1)


def fit_skrnn(X, params, epochs, seed):
    model = RNNPBRegressor(n_pb=2, max_iter=epochs, tol=0.0, random_state=seed, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X)
    return model, time.perf_counter() - start


def fit_torch(X, n_hidden, epochs, seed):
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    n_seq, _, n_features = X.shape

    class RNNPB(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.RNN(n_features + 2, n_hidden, batch_first=True)
            self.out = torch.nn.Linear(n_hidden, n_features)
            self.rho = torch.nn.Parameter(torch.zeros(n_seq, 2))

        def forward(self, x):
            p = torch.sigmoid(self.rho)[:, None, :].expand(-1, x.shape[1], -1)
            h, _ = self.rnn(torch.cat([x, p], dim=2))
            return self.out(h)

    net = RNNPB().double()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    Xt = torch.from_numpy(X)
    start = time.perf_counter()
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = 0.5 * ((net(Xt[:, :-1]) - Xt[:, 1:]) ** 2).sum(dim=2).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        optimizer.step()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1500)
    args = parser.parse_args()

    rng = np.random.RandomState(0)
    X_long, y_train = make_set(4, 0.0, rng, length=2 * LENGTH)
    X_train = X_long[:, :LENGTH]
    tests = {sigma: make_set(20, sigma, rng) for sigma in (0.05, 0.1, 0.2)}

    print(__doc__.splitlines()[0])
    print(f"{len(PATTERNS)} patterns x 4 training sequences of {LENGTH} steps; "
          f"{args.epochs} epochs; 100 held-out instances per noise level; seeds 0-"
          f"{args.repeats - 1}\n")
    print("Recognition accuracy (nearest code), mean over seeds:")
    print(f"{'':>24}" + "".join(f"{'sigma=' + str(s):>12}" for s in tests))
    raw = KNeighborsClassifier(1).fit(X_train.reshape(len(X_train), -1), y_train)
    spec = KNeighborsClassifier(1).fit(spectrum(X_train), y_train)
    times, models = {}, {}
    for name, params in CONFIGS.items():
        accs = []
        for seed in range(args.repeats):
            model, seconds = fit_skrnn(X_train, params, args.epochs, seed)
            times.setdefault(name, []).append(seconds)
            models.setdefault(name, []).append(model)
            codes_train = model.transform(X_train)
            accs.append([nearest_code_accuracy(model, codes_train, y_train, X, y)
                         for X, y in tests.values()])
        accs = np.array(accs)
        print(f"{'RNNPB ' + name:>24}" + "".join(
            f"{m:>7.2f}+-{s:.2f}" for m, s in zip(accs.mean(0), accs.std(0))))
    print(f"{'1-NN raw sequences':>24}" + "".join(
        f"{raw.score(X.reshape(len(X), -1), y):>12.2f}" for X, y in tests.values()))
    print(f"{'1-NN spectra':>24}" + "".join(
        f"{spec.score(spectrum(X), y):>12.2f}" for X, y in tests.values()))

    print("\nGeneration from the learned codes (closed loop from each sequence's first "
          "step):\nerror / variance, median over the 20 training sequences, mean over seeds")
    for name in CONFIGS:
        seen, unseen = [], []
        for model in models[name]:
            out = model.generate(model.codes_, 2 * LENGTH - 1, start=X_long[:, 0])
            err = ((out - X_long[:, 1:]) ** 2).mean(axis=2) / X_long.var(axis=(1, 2))[:, None]
            seen.append(np.median(err[:, :LENGTH - 1].mean(axis=1)))
            unseen.append(np.median(err[:, LENGTH - 1:].mean(axis=1)))
        print(f"  RNNPB {name:>14}: steps 1-59 {np.mean(seen):.3f}, "
              f"steps 60-119 {np.mean(unseen):.3f}")

    torch_times = [fit_torch(X_train, 16, args.epochs, seed) for seed in range(args.repeats)]
    t_sk, t_pt = np.median(times["full BPTT"]), np.median(torch_times)
    print(f"\nfit, {args.epochs} epochs, full BPTT (median of {args.repeats}): skrnn "
          f"{t_sk:.2f} s, PyTorch (1 thread) {t_pt:.2f} s, ratio PyTorch / skrnn "
          f"{t_pt / t_sk:.1f}x")
    model = models["full BPTT"][0]
    start = time.perf_counter()
    model.transform(tests[0.1][0])
    print(f"recognition of 100 sequences ({model.recognition_max_iter} descent steps): "
          f"{time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
