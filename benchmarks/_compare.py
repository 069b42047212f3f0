"""What the PyTorch comparisons share: data, timing loops and the printed table."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

SIZES = [  # (n_features, n_hidden, n_timesteps, batch_size)
    (1, 32, 50, 32),
    (8, 64, 100, 64),
    (16, 128, 100, 64),
]
N_BATCHES = 8


def make_data(n_features, n_timesteps, n_sequences, dtype=np.float32, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n_sequences, n_timesteps, n_features)).astype(dtype)
    # a target that needs memory: the first feature two steps back
    y = np.zeros((n_sequences, n_timesteps), dtype=dtype)
    y[:, 2:] = X[:, :-2, 0]
    return X, y


def time_skrnn(cls, X, y, n_hidden, batch_size, epochs, threads):
    """Seconds to fit ``cls`` for ``epochs`` epochs of Adam, and to predict X."""
    model = cls(n_hidden=n_hidden, batch_size=batch_size, max_iter=epochs, tol=0.0,
                n_iter_no_change=epochs + 1, max_grad_norm=None, alpha=0.0, shuffle=True,
                random_state=0, n_jobs=threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X, y)
        train = time.perf_counter() - start
    start = time.perf_counter()
    model.predict(X)
    predict = time.perf_counter() - start
    return train, predict


def time_torch(module, X, y, batch_size, epochs, threads):
    """The same for a PyTorch module mapping (batch, time, features) to (batch, time)."""
    torch.set_num_threads(threads)
    if X.dtype == np.float64:
        module = module.double()
    optimizer = torch.optim.Adam(module.parameters(), lr=0.01)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(Xt.shape[0], generator=generator)
        for i in range(0, Xt.shape[0], batch_size):
            idx = perm[i:i + batch_size]
            optimizer.zero_grad()
            loss = 0.5 * ((module(Xt[idx]) - yt[idx]) ** 2).mean()
            loss.backward()
            optimizer.step()
    train = time.perf_counter() - start
    with torch.no_grad():
        start = time.perf_counter()
        module(Xt)
        predict = time.perf_counter() - start
    return train, predict


def parse_args(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--dtypes", nargs="+", default=["float32"],
                        choices=["float32", "float64"])
    return parser.parse_args()


def run(description, skrnn_cls, torch_module):
    """Print the side-by-side table: skrnn_cls against torch_module(n_features, n_hidden)."""
    args = parse_args(description)
    print(f"torch {torch.__version__}; {args.epochs} epochs of {N_BATCHES} batches; "
          f"medians of {args.repeats} repeats; sequences/second")
    header = (f"{'dtype':>7} {'threads':>7} {'features':>8} {'hidden':>6} {'length':>6} "
              f"{'batch':>5} | {'train skrnn':>11} {'train torch':>11} {'ratio':>6} | "
              f"{'pred skrnn':>10} {'pred torch':>10} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    for dtype in args.dtypes:
        for threads in args.threads:
            for n_features, n_hidden, n_timesteps, batch_size in SIZES:
                n_seq = N_BATCHES * batch_size
                X, y = make_data(n_features, n_timesteps, n_seq, dtype=np.dtype(dtype))
                results = {"skrnn": [], "torch": []}
                for _ in range(args.repeats):  # interleaved, so both see the same noise
                    results["skrnn"].append(time_skrnn(skrnn_cls, X, y, n_hidden, batch_size,
                                                       args.epochs, threads))
                    torch.manual_seed(0)
                    results["torch"].append(time_torch(torch_module(n_features, n_hidden), X,
                                                       y, batch_size, args.epochs, threads))
                med = {k: np.median(np.array(v), axis=0) for k, v in results.items()}
                train = {k: args.epochs * n_seq / med[k][0] for k in med}
                pred = {k: n_seq / med[k][1] for k in med}
                print(f"{dtype:>7} {threads:>7} {n_features:>8} {n_hidden:>6} {n_timesteps:>6} "
                      f"{batch_size:>5} | {train['skrnn']:>11.0f} {train['torch']:>11.0f} "
                      f"{train['skrnn'] / train['torch']:>5.1f}x | {pred['skrnn']:>10.0f} "
                      f"{pred['torch']:>10.0f} {pred['skrnn'] / pred['torch']:>5.1f}x",
                      flush=True)
