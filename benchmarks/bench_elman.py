"""ElmanRegressor against PyTorch's nn.RNN + nn.Linear, side by side in one run.

Both train the same network (tanh hidden layer, linear output per step) on the
same float32 data with Adam, the same batch size and the same number of
epochs, with the same number of threads, and predict the same sequences. The
table gives sequences per second (medians over repeats) and skrnn's ratio.

Run::

    pip install torch==2.13.0    # the CPU build
    python benchmarks/bench_elman.py [--repeats 5] [--epochs 5]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

from skrnn import ElmanRegressor

SIZES = [  # (n_features, n_hidden, n_timesteps, batch_size)
    (1, 32, 50, 32),
    (8, 64, 100, 64),
    (16, 128, 100, 64),
]
N_BATCHES = 8


def make_data(n_features, n_timesteps, n_sequences, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n_sequences, n_timesteps, n_features)).astype(np.float32)
    # a target that needs memory: the first feature two steps back
    y = np.zeros((n_sequences, n_timesteps), dtype=np.float32)
    y[:, 2:] = X[:, :-2, 0]
    return X, y


def time_skrnn(X, y, n_hidden, batch_size, epochs, threads):
    model = ElmanRegressor(n_hidden=n_hidden, batch_size=batch_size, max_iter=epochs,
                           tol=0.0, n_iter_no_change=epochs + 1, max_grad_norm=None,
                           alpha=0.0, shuffle=True, random_state=0, n_jobs=threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        train = time.perf_counter() - start
    start = time.perf_counter()
    model.predict(X)
    predict = time.perf_counter() - start
    return train, predict


class TorchElman(torch.nn.Module):
    def __init__(self, n_features, n_hidden):
        super().__init__()
        self.rnn = torch.nn.RNN(n_features, n_hidden, nonlinearity="tanh", batch_first=True)
        self.out = torch.nn.Linear(n_hidden, 1)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h).squeeze(-1)


def time_torch(X, y, n_hidden, batch_size, epochs, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = TorchElman(X.shape[2], n_hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(Xt.shape[0], generator=generator)
        for i in range(0, Xt.shape[0], batch_size):
            idx = perm[i:i + batch_size]
            optimizer.zero_grad()
            loss = 0.5 * ((model(Xt[idx]) - yt[idx]) ** 2).mean()
            loss.backward()
            optimizer.step()
    train = time.perf_counter() - start
    with torch.no_grad():
        start = time.perf_counter()
        model(Xt)
        predict = time.perf_counter() - start
    return train, predict


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    print(f"torch {torch.__version__}; float32; {args.epochs} epochs of {N_BATCHES} batches; "
          f"medians of {args.repeats} repeats; sequences/second")
    header = (f"{'threads':>7} {'features':>8} {'hidden':>6} {'length':>6} {'batch':>5} | "
              f"{'train skrnn':>11} {'train torch':>11} {'ratio':>6} | "
              f"{'pred skrnn':>10} {'pred torch':>10} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    for threads in args.threads:
        for n_features, n_hidden, n_timesteps, batch_size in SIZES:
            n_seq = N_BATCHES * batch_size
            X, y = make_data(n_features, n_timesteps, n_seq)
            results = {"skrnn": [], "torch": []}
            for _ in range(args.repeats):  # interleaved, so both see the same noise
                results["skrnn"].append(time_skrnn(X, y, n_hidden, batch_size, args.epochs,
                                                   threads))
                results["torch"].append(time_torch(X, y, n_hidden, batch_size, args.epochs,
                                                   threads))
            med = {k: np.median(np.array(v), axis=0) for k, v in results.items()}
            train = {k: args.epochs * n_seq / med[k][0] for k in med}
            pred = {k: n_seq / med[k][1] for k in med}
            print(f"{threads:>7} {n_features:>8} {n_hidden:>6} {n_timesteps:>6} "
                  f"{batch_size:>5} | {train['skrnn']:>11.0f} {train['torch']:>11.0f} "
                  f"{train['skrnn'] / train['torch']:>5.1f}x | {pred['skrnn']:>10.0f} "
                  f"{pred['torch']:>10.0f} {pred['skrnn'] / pred['torch']:>5.1f}x", flush=True)


if __name__ == "__main__":
    main()
