"""Second-order (Pollack) networks against Elman and LSTM on Tomita's seven grammars.

Tomita's seven regular languages of binary strings, one-hot symbols:

1. 1*
2. (10)*
3. no run of 1s of odd length directly followed by a run of 0s of odd length
4. no three 0s in a row
5. an even number of 0s and an even number of 1s
6. (number of 0s - number of 1s) divisible by 3
7. 0*1*0*1*

Training: 500 strings drawn from the language and 500 uniformly random
strings (labelled), lengths 1-10. Test, on lengths never seen: 11-20 and
21-50, each a third strings of the language, a third uniformly random
strings, a third near misses (a string of the language with one symbol
flipped; labelled by the grammar, most fall outside). Each network has
about 225 weights: a second-order network of 8 state units, an Elman
network of 13 hidden units, an LSTM of 6. Adam with the estimators'
defaults (and at most ``--epochs`` epochs); five seeds.
The table gives the test accuracy (mean +- standard deviation over seeds)
and the fit time.

With ``--speed``, the fit time instead: the same second-order network in
PyTorch (a padded batch; per step the outer product of input and state
and one product with V; the state read at each
string's last symbol; Adam, batches of 32, log loss) against skrnn's, for
the same epochs on grammar 4's training set, medians of interleaved repeats.

Run::

    python benchmarks/bench_second_order.py [--seeds 5] [--epochs 200]
    python benchmarks/bench_second_order.py --speed [--repeats 3]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import re
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skrnn import ElmanClassifier, LSTMClassifier, SecondOrderClassifier


def _runs(s):
    return [(m.group()[0], len(m.group())) for m in re.finditer(r"0+|1+", s)]


def tomita(k, s):
    """Whether the binary string ``s`` belongs to Tomita's language ``k``."""
    if k == 1:
        return "0" not in s
    if k == 2:
        return len(s) % 2 == 0 and s == "10" * (len(s) // 2)
    if k == 3:
        runs = _runs(s)
        return not any(a == ("1", runs[i][1]) and runs[i][1] % 2 and b[0] == "0" and b[1] % 2
                       for i, (a, b) in enumerate(zip(runs, runs[1:])))
    if k == 4:
        return "000" not in s
    if k == 5:
        return s.count("0") % 2 == 0 and s.count("1") % 2 == 0
    if k == 6:
        return (s.count("0") - s.count("1")) % 3 == 0
    if k == 7:
        return re.fullmatch("0*1*0*1*", s) is not None
    raise ValueError(k)


def positive(k, length, rng):
    """A string of the language of about ``length`` symbols."""
    if k == 1:
        return "1" * length
    if k == 2:
        return "10" * max(length // 2, 1)
    if k == 7:
        cuts = np.sort(rng.randint(0, length + 1, 3))
        parts = np.diff(np.concatenate([[0], cuts, [length]]))
        return "".join(c * n for c, n in zip("0101", parts))
    if k in (3, 4):  # rare among long random strings: built symbol by symbol
        while True:
            s = _grow(k, length, rng)
            if tomita(k, s):
                return s
    for attempt in range(10_000):  # rejection: these languages hold a fair share
        # of all strings (of some lengths none: an even count of each symbol
        # needs an even length; then one step longer)
        s = "".join(rng.choice(["0", "1"], length + attempt // 100))
        if tomita(k, s):
            return s
    raise RuntimeError(f"no string of language {k} found near length {length}")


def _grow(k, length, rng):
    """A random string of ``length`` symbols that avoids the language's
    forbidden patterns as it grows (4: '000'; 3: an odd run of 1s directly
    followed by an odd run of 0s, avoided by giving such a run of 0s even
    length)."""
    if k == 4:
        s = ""
        while len(s) < length:
            s += "1" if s.endswith("00") else rng.choice(["0", "1"])
        return s
    runs, symbol = [], rng.choice(["0", "1"])
    while sum(n for _, n in runs) < length:
        n = rng.randint(1, 5)
        if symbol == "0" and runs and runs[-1][1] % 2:
            n = 2 * rng.randint(1, 3)
        runs.append((symbol, n))
        symbol = "1" if symbol == "0" else "0"
    return "".join(c * n for c, n in runs)[:length]


def near_miss(k, length, rng):
    s = list(positive(k, length, rng))
    i = rng.randint(len(s))
    s[i] = "1" if s[i] == "0" else "0"
    return "".join(s)


def make_set(k, n, lengths, rng, near_misses=False):
    strings = [positive(k, rng.randint(*lengths), rng) for _ in range(n)]
    strings += ["".join(rng.choice(["0", "1"], rng.randint(*lengths))) for _ in range(n)]
    if near_misses:
        strings += [near_miss(k, rng.randint(*lengths), rng) for _ in range(n)]
    X = [np.eye(2)[[int(c) for c in s]] for s in strings]
    y = np.array([tomita(k, s) for s in strings]).astype(int)
    return X, y


MODELS = {  # name -> (class, parameters): about 225 weights each
    "second order (8)": (SecondOrderClassifier, dict(n_hidden=8)),
    "Elman (13)": (ElmanClassifier, dict(n_hidden=13)),
    "LSTM (6)": (LSTMClassifier, dict(n_hidden=6)),
}


def torch_fit_seconds(X, y, n_hidden, epochs, seed):
    """Seconds for ``epochs`` epochs of a PyTorch second-order network."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    lengths = torch.tensor([len(x) for x in X])
    padded = torch.zeros(len(X), int(lengths.max()), X[0].shape[1], dtype=torch.float64)
    for i, x in enumerate(X):
        padded[i, :len(x)] = torch.from_numpy(x)
    target = torch.from_numpy(y.astype(np.float64))
    n_in = X[0].shape[1]

    class SecondOrder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            bound = np.sqrt(3.0 / ((n_in + 1) * (n_hidden + 1)))
            self.V = torch.nn.Parameter(
                (torch.rand(n_in + 1, n_hidden + 1, n_hidden, dtype=torch.float64) * 2 - 1)
                * bound)
            self.out = torch.nn.Linear(n_hidden, 1).double()

        def forward(self, x, last):
            ones = torch.ones(x.shape[0], 1, dtype=x.dtype)
            V = self.V.reshape(-1, n_hidden)
            s = torch.zeros(x.shape[0], n_hidden, dtype=x.dtype)
            states = []
            for t in range(x.shape[1]):
                # the outer product of input and state, then one product with V
                outer = (torch.cat([x[:, t], ones], 1)[:, :, None]
                         * torch.cat([s, ones], 1)[:, None])
                s = torch.tanh(outer.reshape(x.shape[0], -1) @ V)
                states.append(s)
            S = torch.stack(states, 1)
            return self.out(S[torch.arange(x.shape[0]), last - 1])[:, 0]

    net = SecondOrder()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(len(X), generator=generator)
        for i in range(0, len(X), 32):
            idx = perm[i:i + 32]
            batch_len = int(lengths[idx].max())  # pad only to the batch's longest
            optimizer.zero_grad()
            logits = net(padded[idx, :batch_len], lengths[idx])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            optimizer.step()
    return time.perf_counter() - start


def speed(repeats, epochs):
    rng = np.random.RandomState(4)
    X, y = make_set(4, 500, (1, 11), rng)
    print(f"Fit time, grammar 4's 1000 training strings (lengths 1-10), {epochs} epochs, "
          "Adam, batches of 32, one thread")
    for n_hidden in (8, 32):
        ours, theirs = [], []
        for seed in range(repeats):
            model = SecondOrderClassifier(n_hidden=n_hidden, max_iter=epochs, tol=0,
                                          n_iter_no_change=epochs + 1, batch_size=32,
                                          random_state=seed, n_jobs=1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                start = time.perf_counter()
                model.fit(X, y)
                ours.append(time.perf_counter() - start)
            theirs.append(torch_fit_seconds(X, y, n_hidden, epochs, seed))
        a, b = np.median(ours), np.median(theirs)
        print(f"  {n_hidden:>3} state units: skrnn {a:.2f} s, PyTorch {b:.2f} s, "
              f"ratio PyTorch / skrnn {b / a:.1f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.speed:
        speed(args.repeats, 10)
        return
    print(__doc__.splitlines()[0])
    print(f"{args.seeds} seeds, at most {args.epochs} epochs; test accuracy on lengths "
          "11-20 | 21-50\n")
    header = f"{'grammar':>8} " + "".join(f"{name:>26}" for name in MODELS)
    print(header)
    totals = {name: [] for name in MODELS}
    seconds = {name: 0.0 for name in MODELS}
    n_weights = {}
    for k in range(1, 8):
        rng = np.random.RandomState(k)
        X_train, y_train = make_set(k, 500, (1, 11), rng)
        tests = [make_set(k, 300, (11, 21), rng, near_misses=True),
                 make_set(k, 300, (21, 51), rng, near_misses=True)]
        row = f"{k:>8} "
        for name, (cls, params) in MODELS.items():
            scores = []
            for seed in range(args.seeds):
                model = cls(max_iter=args.epochs, random_state=seed, **params)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    start = time.perf_counter()
                    model.fit(X_train, y_train)
                    seconds[name] += time.perf_counter() - start
                scores.append([model.score(X, y) for X, y in tests])
                n_weights[name] = model.get_flat_weights().shape[0]
            scores = np.array(scores)
            totals[name].append(scores.mean(axis=0))
            row += (f"{scores[:, 0].mean():>9.3f}+-{scores[:, 0].std():.2f} |"
                    f"{scores[:, 1].mean():>6.3f}+-{scores[:, 1].std():.2f}")
        print(row, flush=True)
    print(f"{'mean':>8} " + "".join(
        f"{np.mean(v, axis=0)[0]:>15.3f} |{np.mean(v, axis=0)[1]:>9.3f}"
        for v in totals.values()))
    print(f"{'weights':>8} " + "".join(f"{n_weights[n]:>26}" for n in MODELS))
    print(f"{'fit s':>8} " + "".join(f"{seconds[n]:>26.1f}" for n in MODELS)
          + "   (all fits, shared 2-core machine)")


if __name__ == "__main__":
    main()
