"""Held-out score of skrnn's recurrent networks with their defaults against PyTorch's.

Issue #19, item 1: does each network, with skrnn's defaults, generalise as well
as the same network trained the PyTorch way with PyTorch's defaults?

For every task, ``ElmanClassifier/Regressor``, ``JordanClassifier/Regressor``
and ``LSTMClassifier/Regressor`` are fitted with their defaults except
``n_hidden`` (16 on every task) and ``random_state`` (plus whatever
``--skrnn-params`` gives), on float64 inputs. The comparators are what a PyTorch user would write: ``nn.RNN``
(tanh) for Elman, ``nn.LSTM`` for the LSTM, each with an ``nn.Linear``
readout from the last hidden state, and for Jordan (PyTorch has no Jordan
layer) ``nn.Linear`` layers stepped in a Python loop with the same
equations and context decay as skrnn's; PyTorch's default initialisation,
float32. Both sides train alike: Adam at skrnn's learning rate, for skrnn's
number of epochs (all of them on PyTorch's side; skrnn may stop earlier on
its own) and with skrnn's batch size (``batch_size='auto'`` resolved as
skrnn resolves it), sequences reshuffled every epoch; cross-entropy for
classification (the logistic loss of one output for a binary Jordan, as
skrnn's) and MSE for regression. So when skrnn's defaults change, PyTorch's
training changes with them, and only the networks' own choices
(initialisation, penalty, clipping, stopping, parametrisation) differ. The
data of a task are fixed (numpy seed 0); the seed drives the initialisation
and the shuffling, on both sides.

``--torch-one-bias`` gives ``nn.RNN`` / ``nn.LSTM`` one bias vector per
layer, as skrnn's networks have, instead of PyTorch's two (``b_ih + b_hh``,
which Adam moves twice as fast as one). ``--torch-cache`` keeps PyTorch's
scores in a JSON file, so that runs comparing skrnn settings fit PyTorch's
networks once.

Tasks (train / test split 2/3 - 1/3 unless noted; one target per sequence):

``early``
    300 sequences x 20 steps x 2 features, uniform on [-1, 1]; label = sign
    of the sum of feature 0 over the first 5 steps.
``product``
    600 x 15 x 1, uniform on [-1, 1]; regression, y = x[2] * x[12].
``parity``
    500 x 8 x 1 bits; label = parity of the 8 bits.
``adding``
    600 x 30 x 2 (value uniform on [0, 1], marker: one 1 in each half);
    regression, y = sum of the two marked values.
``recall``
    400 x 12 x 4 one-hot symbols; label = symbol at step index 2 (the third).
``sine``
    ``make_sine_sequences(400, n_timesteps=40, n_classes=3, random_state=0)``.
``digits``
    ``load_digits`` as 8 steps of 8 pixel rows, / 16, labels 0-9; the first
    1200 train, the rest (597) test.
``forecast``
    800 windows of 30 steps of sin(2 pi t / 25) + 0.5 sawtooth(t / 17) +
    0.1 N(0, 1); regression, y = the next value; the first 2/3 of the
    windows (in time order) train, the last 1/3 test.
``ragged``
    400 sequences of 10-30 steps x 1 feature, uniform on [-1, 1], as a list
    of arrays; label = sign of the sum of the last 3 steps (PyTorch packs
    each batch with ``pack_padded_sequence``).

Score: accuracy (classification) or R^2 (regression) on the test part;
median and [min, max] over the seeds, and skrnn's median minus PyTorch's.
"chance" is the accuracy of predicting the training set's majority class,
or R^2 = 0. Flags: ``worse`` when skrnn's median is below PyTorch's by more
than 0.02; ``AT CHANCE`` when PyTorch's median is above chance + 0.1 but
skrnn's is below chance + 0.05. ConvergenceWarnings of the skrnn fits are
counted per row; times are the total seconds of the row's fits (fit plus
predict). Everything runs on one thread (threadpoolctl, ``torch.set_num_threads``).

Run::

    python benchmarks/bench_generalisation.py [--tasks early parity ...]
        [--models elman jordan lstm] [--seeds 0 1 2 3 4]
        [--skrnn-params key=value ...] [--torch-one-bias] [--torch-cache PATH]

``--skrnn-params`` values are read with ``ast.literal_eval`` (a string when
that fails); ``lstm.peepholes=True`` sets a parameter for one model only.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import ast
import json
import os
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from threadpoolctl import threadpool_limits

import skrnn
from skrnn._base import auto_batch_size
from skrnn.datasets import make_sine_sequences

N_HIDDEN = 16
MODELS = {"elman": "Elman", "jordan": "Jordan", "lstm": "LSTM"}


# -- tasks ------------------------------------------------------------------------------------
class Task:
    """Fixed data: train and test parts, and whether the target is a class."""

    def __init__(self, name, X, y, classify, n_train=None):
        n = len(X)
        n_train = (2 * n) // 3 if n_train is None else n_train
        self.name, self.classify = name, classify
        self.X_tr, self.y_tr = X[:n_train], y[:n_train]
        self.X_te, self.y_te = X[n_train:], y[n_train:]

    def chance(self):
        if not self.classify:
            return 0.0
        values, counts = np.unique(self.y_tr, return_counts=True)
        return float(np.mean(self.y_te == values[np.argmax(counts)]))

    def score(self, pred):
        if self.classify:
            return float(accuracy_score(self.y_te, pred))
        return float(r2_score(self.y_te, np.ravel(pred)))


def task_early(rng):
    X = rng.uniform(-1, 1, (300, 20, 2))
    return Task("early-steps label", X, (X[:, :5, 0].sum(axis=1) > 0).astype(int), True)


def task_product(rng):
    X = rng.uniform(-1, 1, (600, 15, 1))
    return Task("product x[2] x[12]", X, X[:, 2, 0] * X[:, 12, 0], False)


def task_parity(rng):
    X = rng.randint(0, 2, (500, 8, 1)).astype(float)
    return Task("parity of 8 bits", X, X[:, :, 0].sum(axis=1).astype(int) % 2, True)


def task_adding(rng):
    n, steps = 600, 30
    X = np.zeros((n, steps, 2))
    X[:, :, 0] = rng.uniform(0, 1, (n, steps))
    rows = np.arange(n)
    first, second = rng.randint(0, steps // 2, n), rng.randint(steps // 2, steps, n)
    X[rows, first, 1] = X[rows, second, 1] = 1.0
    return Task("adding problem", X, X[rows, first, 0] + X[rows, second, 0], False)


def task_recall(rng):
    symbols = rng.randint(0, 4, (400, 12))
    return Task("delayed recall (step 2)", np.eye(4)[symbols], symbols[:, 2], True)


def task_sine(rng):
    X, y = make_sine_sequences(400, n_timesteps=40, n_classes=3, random_state=0)
    return Task("sine frequency (3 classes)", X, y, True)


def task_digits(rng):
    digits = load_digits()
    return Task("digits rows", digits.data.reshape(-1, 8, 8) / 16.0, digits.target, True,
                n_train=1200)


def task_forecast(rng):
    n_windows, width = 800, 30
    t = np.arange(n_windows + width)
    s = (np.sin(2 * np.pi * t / 25) + 0.5 * (2 * ((t / 17) % 1) - 1)
         + 0.1 * rng.randn(t.size))
    X = np.stack([s[i:i + width] for i in range(n_windows)])[:, :, None]
    return Task("noisy series forecast", X, s[width:width + n_windows], False)


def task_ragged(rng):
    lengths = rng.randint(10, 31, 400)
    X = [rng.uniform(-1, 1, (n, 1)) for n in lengths]
    return Task("ragged lengths (last 3)", X,
                np.array([int(x[-3:, 0].sum() > 0) for x in X]), True)


TASKS = {"early": task_early, "product": task_product, "parity": task_parity,
         "adding": task_adding, "recall": task_recall, "sine": task_sine,
         "digits": task_digits, "forecast": task_forecast, "ragged": task_ragged}


# -- the two sides ----------------------------------------------------------------------------
def fit_skrnn(model, task, seed, params):
    """(held-out score, epochs run, ConvergenceWarnings, seconds)."""
    kind = "Classifier" if task.classify else "Regressor"
    cls = getattr(skrnn, MODELS[model] + kind)
    estimator = cls(n_hidden=N_HIDDEN, random_state=seed, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        estimator.fit(task.X_tr, task.y_tr)
        pred = estimator.predict(task.X_te)
        elapsed = time.perf_counter() - start
    n_warnings = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return task.score(pred), estimator.n_iter_, n_warnings, elapsed


class TorchJordan(torch.nn.Module):
    """Jordan's network written in PyTorch, as skrnn defines it.

    ``c_t = mu c_{t-1} + g(o_{t-1})``, ``h_t = tanh(x_t W + c_t U + b)``,
    ``o_t = h_t V + d``; g is the identity (regression), the logistic function
    of one output (two classes) or the softmax (more classes); mu = 0.3 and
    c_0 = 0, skrnn's defaults. PyTorch has no Jordan layer, so this is what a
    PyTorch user would write: ``nn.Linear`` layers (their default
    initialisation) stepped in a Python loop.
    """

    def __init__(self, n_features, n_outputs, feedback, context_decay=0.3):
        super().__init__()
        self.inp = torch.nn.Linear(n_features, N_HIDDEN)
        self.ctx = torch.nn.Linear(n_outputs, N_HIDDEN, bias=False)
        self.out = torch.nn.Linear(N_HIDDEN, n_outputs)
        self.feedback, self.mu = feedback, context_decay

    def forward(self, x, lengths=None):
        context = x.new_zeros(x.shape[0], self.out.out_features)
        fed = context
        outputs = []
        for t in range(x.shape[1]):
            context = self.mu * context + fed
            o = self.out(torch.tanh(self.inp(x[:, t]) + self.ctx(context)))
            fed = self.feedback(o)
            outputs.append(o)
        outputs = torch.stack(outputs, dim=1)
        if lengths is None:
            return outputs[:, -1]
        return outputs[torch.arange(x.shape[0]), lengths - 1]


class TorchNet(torch.nn.Module):
    """nn.RNN (tanh) or nn.LSTM, and nn.Linear from the last hidden state."""

    def __init__(self, model, n_features, n_outputs, one_bias=False):
        super().__init__()
        if model == "lstm":
            self.rnn = torch.nn.LSTM(n_features, N_HIDDEN, batch_first=True)
        else:
            self.rnn = torch.nn.RNN(n_features, N_HIDDEN, nonlinearity="tanh",
                                    batch_first=True)
        self.out = torch.nn.Linear(N_HIDDEN, n_outputs)
        if one_bias:
            # one bias vector, as skrnn's: b_ih starts at the sum of the two
            # draws and b_hh stays at zero, so the start is unchanged but each
            # step moves the bias once where PyTorch's two vectors move it twice
            with torch.no_grad():
                self.rnn.bias_ih_l0 += self.rnn.bias_hh_l0
                self.rnn.bias_hh_l0.zero_()
            self.rnn.bias_hh_l0.requires_grad_(False)

    def forward(self, x, lengths=None):
        if lengths is not None:
            x = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True,
                                                        enforce_sorted=False)
        _, h = self.rnn(x)
        if isinstance(h, tuple):  # LSTM: (h_n, c_n)
            h = h[0]
        return self.out(h[-1])


class TorchData:
    """Sequences as one padded float32 tensor and their lengths (all equal for 3D X)."""

    def __init__(self, X):
        if isinstance(X, np.ndarray):
            self.X, self.lengths = torch.from_numpy(X.astype(np.float32)), None
        else:
            lengths = np.array([len(x) for x in X])
            padded = np.zeros((len(X), lengths.max(), X[0].shape[1]), dtype=np.float32)
            for i, x in enumerate(X):
                padded[i, :len(x)] = x
            self.X, self.lengths = torch.from_numpy(padded), torch.from_numpy(lengths)

    def __len__(self):
        return self.X.shape[0]

    def batch(self, idx):
        """(padded inputs, lengths or None) of the sequences ``idx``."""
        return self.X[idx], None if self.lengths is None else self.lengths[idx]


def training_protocol(model, task, params):
    """(learning rate, epochs, batch size) of the skrnn fit, which PyTorch's copies.

    skrnn's defaults for ``model`` with ``params`` over them, and the batch
    size that ``batch_size='auto'`` resolves to on the task's training set.
    """
    kind = "Classifier" if task.classify else "Regressor"
    settings = {**getattr(skrnn, MODELS[model] + kind)().get_params(), **params}
    batch = settings["batch_size"]
    n = len(task.X_tr)
    batch = auto_batch_size(n) if batch == "auto" else min(int(batch), n)
    return float(settings["learning_rate_init"]), int(settings["max_iter"]), batch


def fit_torch(model, task, seed, protocol, one_bias=False):
    """(held-out score, seconds), trained with ``protocol`` (see training_protocol)."""
    learning_rate, epochs, batch_size = protocol
    start = time.perf_counter()
    classes, codes = (np.unique(task.y_tr, return_inverse=True) if task.classify
                      else (np.empty(0), None))
    n_classes = len(classes)
    binary_jordan = model == "jordan" and n_classes == 2  # one logistic output, as skrnn's
    if task.classify:
        if binary_jordan:
            target = torch.from_numpy(codes.astype(np.float32))
            criterion = torch.nn.BCEWithLogitsLoss()
        else:
            target = torch.from_numpy(codes.astype(np.int64))
            criterion = torch.nn.CrossEntropyLoss()
    else:
        target = torch.from_numpy(np.asarray(task.y_tr, dtype=np.float32))
        criterion = torch.nn.MSELoss()
    train, test = TorchData(task.X_tr), TorchData(task.X_te)
    torch.manual_seed(seed)
    n_outputs = 1 if (binary_jordan or not task.classify) else n_classes
    if model == "jordan":
        feedback = (torch.sigmoid if binary_jordan
                    else (lambda o: torch.softmax(o, dim=1)) if task.classify
                    else (lambda o: o))
        net = TorchJordan(train.X.shape[2], n_outputs, feedback)
    else:
        net = TorchNet(model, train.X.shape[2], n_outputs, one_bias)
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad],
                                 lr=learning_rate)
    generator = torch.Generator().manual_seed(seed)
    squeeze = binary_jordan or not task.classify
    for _ in range(epochs):
        perm = torch.randperm(len(train), generator=generator)
        for i in range(0, len(train), batch_size):
            idx = perm[i:i + batch_size]
            optimizer.zero_grad()
            out = net(*train.batch(idx))
            loss = criterion(out[:, 0] if squeeze else out, target[idx])
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        out = net(*test.batch(torch.arange(len(test)))).numpy()
    if binary_jordan:
        pred = classes[(out[:, 0] > 0).astype(int)]
    else:
        pred = classes[out.argmax(axis=1)] if task.classify else out[:, 0]
    return task.score(pred), time.perf_counter() - start


def torch_scores(model, task_key, task, seed, protocol, cache, one_bias=False):
    """fit_torch, or its result from ``cache`` (a dict saved as JSON) when there."""
    lr, epochs, batch = protocol
    key = f"{task_key}/{model}/{seed}/lr{lr}/epochs{epochs}/batch{batch}/torch-{torch.__version__}"
    if one_bias:
        key += "/one-bias"
    if key not in cache:
        cache[key] = fit_torch(model, task, seed, protocol, one_bias)
    return cache[key]


# -- the table --------------------------------------------------------------------------------
def parse_params(items):
    """{model or None: {key: value}} from key=value and model.key=value."""
    params = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep:
            raise SystemExit(f"--skrnn-params wants key=value, got {item!r}")
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        model, dot, name = key.rpartition(".")
        if dot and model not in MODELS:
            raise SystemExit(f"--skrnn-params: {model!r} is not one of {list(MODELS)}")
        params.setdefault(model or None, {})[name] = value
    return params


def command(args):
    parts = ["python benchmarks/bench_generalisation.py", "--tasks", *args.tasks, "--models",
             *args.models, "--seeds", *map(str, args.seeds)]
    if args.skrnn_params:
        parts += ["--skrnn-params", *args.skrnn_params]
    if args.torch_one_bias:
        parts.append("--torch-one-bias")
    return " ".join(parts)


def summary(scores):
    s = np.asarray(scores)
    return float(np.median(s)), f"{np.median(s):.3f} [{s.min():.3f}, {s.max():.3f}]"


def run(args):
    params = parse_params(args.skrnn_params)
    print(f"\n`{command(args)}`\n")
    print(f"torch {torch.__version__}, skrnn {getattr(skrnn, '__version__', '?')}; "
          f"n_hidden={N_HIDDEN}; {len(args.seeds)} seeds; score = accuracy or R^2 on the test "
          "part, median [min, max]; diff = skrnn median - torch median; skrnn epochs = "
          "median n_iter_; times are totals over the seeds (s).\n")
    print("| task | model | metric | chance | skrnn | torch | diff | flag | skrnn epochs | "
          "ConvergenceWarnings | skrnn time | torch time |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    failures = {}
    cache = {}
    if args.torch_cache and os.path.exists(args.torch_cache):
        with open(args.torch_cache) as f:
            cache = json.load(f)
    start = time.perf_counter()
    for key in args.tasks:
        task = TASKS[key](np.random.RandomState(0))
        chance = task.chance()
        metric = "accuracy" if task.classify else "R^2"
        for model in args.models:
            kwargs = {**params.get(None, {}), **params.get(model, {})}
            ours, epochs, n_warn, t_ours, theirs, t_theirs = [], [], 0, 0.0, [], 0.0
            for seed in args.seeds:
                try:
                    score, n_iter, caught, elapsed = fit_skrnn(model, task, seed, kwargs)
                except Exception as exc:  # an API change prints n/a and the message below
                    failures.setdefault(f"{type(exc).__name__}: {exc}", set()).add(
                        f"{key}/{model}")
                else:
                    ours.append(score)
                    epochs.append(n_iter)
                    n_warn += caught
                    t_ours += elapsed
                score, elapsed = torch_scores(model, key, task, seed,
                                              training_protocol(model, task, kwargs), cache,
                                              args.torch_one_bias and model != "jordan")
                theirs.append(score)
                t_theirs += elapsed
            torch_median, torch_cell = summary(theirs)
            if ours:
                our_median, our_cell = summary(ours)
                diff = f"{our_median - torch_median:+.3f}"
                flags = []
                if our_median < torch_median - 0.02:
                    flags.append("worse")
                if torch_median > chance + 0.1 and our_median < chance + 0.05:
                    flags.append("**AT CHANCE**")
                flag = ", ".join(flags)
                if flags:
                    diff = f"**{diff}**"
                epoch_cell = f"{np.median(epochs):.0f}"
            else:
                our_cell, diff, flag, epoch_cell = "n/a", "n/a", "", "n/a"
            print(f"| {task.name} | {MODELS[model]} | {metric} | {chance:.3f} | {our_cell} | "
                  f"{torch_cell} | {diff} | {flag} | {epoch_cell} | {n_warn}/{len(ours)} | "
                  f"{t_ours:.2f} | {t_theirs:.2f} |", flush=True)
    if args.torch_cache:
        with open(args.torch_cache, "w") as f:
            json.dump(cache, f, indent=0, sort_keys=True)
    print(f"\n({time.perf_counter() - start:.0f} s)")
    for message, where in failures.items():
        print(f"\nn/a: {', '.join(sorted(where))}: {message[:300]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS))
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4],
                        help="network initialisation and shuffling seeds (both sides)")
    parser.add_argument("--skrnn-params", nargs="*", default=[], metavar="KEY=VALUE",
                        help="extra skrnn parameters (model.key=value for one model only)")
    parser.add_argument("--torch-one-bias", action="store_true",
                        help="nn.RNN / nn.LSTM with one bias vector per layer, as skrnn's, "
                        "instead of PyTorch's two (which Adam moves twice as fast)")
    parser.add_argument("--torch-cache", metavar="PATH",
                        help="JSON file of PyTorch's scores, read if present and updated, so "
                        "that runs comparing skrnn settings fit PyTorch's networks once")
    args = parser.parse_args()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        run(args)


if __name__ == "__main__":
    main()
