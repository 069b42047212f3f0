"""Learning from a stream: RTRL against truncated BPTT and an echo state network.

Three parts, in one process run:

1. **Speed**: steps per second of ``ElmanRegressor(solver='rtrl')`` at hidden
   sizes 4 to 64 (one input, one output, an update at every step) against a
   NumPy RTRL written as a competent user would (the same transposed
   sensitivities, one BLAS product per step for the O(n^4) term), with the
   machine's single-thread GEMM rate beside it as the bound of the O(n^4)
   product.
2. **Prequential error** on three streams: every chunk of ``--chunk`` steps is
   first predicted by the current model (its state carried from the previous
   chunk's prediction), then learnt from with ``partial_fit``. Compared:
   RTRL ('rtrl_adam', an update per step, and an update every ``--bptt``
   steps), the decoupled extended Kalman filter on the same sensitivities
   ('dekf', an update per step), truncated BPTT through ``partial_fit`` ('adam', updates every
   ``--bptt`` steps, the gradient truncated there) and an echo state
   network's ``partial_fit`` (its ridge readout re-solved after every
   chunk), each at three learning rates (reservoir: three spectral radii).
   The streams: a delayed recall of 3 steps whose recalled input switches
   from one channel to the other halfway (drift: the same difficulty, other
   weights), a sine whose period drifts from 15 to 45 steps (one-step-ahead
   prediction), and NARMA-10.
3. **Memory**: peak memory (tracemalloc) of streaming 10^4, 10^5 and 10^6
   steps through ``partial_fit`` in chunks of 1000 generated on the fly.

Run::

    python benchmarks/bench_online.py [--steps 100000] [--chunk 100] [--bptt 10]
    python benchmarks/bench_online.py --parts prequential --steps 1000000 --chunk 1000 \
        --streams "delayed recall" --only "lr=0.001, every step;DEKF lr=1.0;adam lr=0.003;rho=0.9"
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import sys
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skrnn import EchoStateRegressor, ElmanRegressor
from skrnn.datasets import make_narma

HIDDEN = 16
LEARNING_RATES = (0.001, 0.003, 0.01)
RTRL_STEP_RATES = (0.0003, 0.001, 0.003)
DEKF_RATES = (0.01, 0.1, 1.0)
SPECTRAL_RADII = (0.5, 0.9, 1.1)


# -- 1. speed ------------------------------------------------------------------
def numpy_rtrl(X, y, W_in, W_rec, b_h, W_out, b_out, lr):
    """Elman RTRL with plain SGD, one update per step, vectorised with NumPy."""
    n_in, n_h = W_in.shape
    W_hid = np.vstack([W_in, W_rec, b_h[None]])  # (n_v, n_h), applied to [x, h, 1]
    n_v = W_hid.shape[0]
    S = np.zeros((n_v * n_h, n_h))  # S[(i, j), k] = dh_k / dW_hid[i, j]
    diagonal = np.arange(n_h)
    h = np.zeros(n_h)
    for t in range(X.shape[0]):
        v = np.concatenate([X[t], h, [1.0]])
        h = np.tanh(v @ W_hid)
        S = S @ W_hid[n_in:n_in + n_h]
        S.reshape(n_v, n_h, n_h)[:, diagonal, diagonal] += v[:, None]
        S *= 1 - h * h
        e = h @ W_out + b_out[0] - y[t]
        g_hid = S @ (W_out * e)
        W_out -= lr * e * h
        b_out -= lr * e
        W_hid -= lr * g_hid.reshape(n_v, n_h)
    return W_hid


def gemm_rate(n=512, repeats=3):
    """Multiply-adds per second of a single-threaded n x n product."""
    from threadpoolctl import threadpool_limits

    A = np.random.RandomState(0).normal(size=(n, n))
    with threadpool_limits(1):
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            A @ A
            best = min(best, time.perf_counter() - start)
    return n**3 / best


def speed(repeats):
    print("\n## Steps per second, Elman, 1 input, 1 output, an update per step")
    print("| n_hidden | skrnn rtrl | NumPy RTRL | ratio | multiply-adds per step | "
          "GEMM bound (steps/s) |")
    print("|---|---|---|---|---|---|")
    rate = gemm_rate()
    from threadpoolctl import threadpool_limits

    rng = np.random.RandomState(0)
    for n in (4, 8, 16, 32, 64):
        n_steps = int(min(20000, max(200, 4e7 / n**4)))
        X = rng.uniform(-1, 1, (n_steps, 1))
        y = np.roll(X[:, 0], 2)
        ours, theirs = [], []
        for _ in range(repeats):
            model = ElmanRegressor(n_hidden=n, solver="rtrl", momentum=0.0,
                                   learning_rate_init=0.001, max_grad_norm=None, alpha=0.0,
                                   random_state=0)
            model.partial_fit(X[:5], y[:5])
            start = time.perf_counter()
            model.partial_fit(X, y)
            ours.append(n_steps / (time.perf_counter() - start))
            p = [w.copy() for w in (model.input_weights_, model.recurrent_weights_,
                                    model.hidden_bias_, model.output_weights_[:, 0],
                                    model.output_bias_)]
            n_numpy = min(n_steps, 3000)
            with threadpool_limits(1):
                start = time.perf_counter()
                numpy_rtrl(X[:n_numpy], y[:n_numpy], *p, 0.001)
                theirs.append(n_numpy / (time.perf_counter() - start))
        ops = (n + 2) * n * n * n
        print(f"| {n} | {np.median(ours):,.0f} | {np.median(theirs):,.0f} | "
              f"{np.median(ours) / np.median(theirs):.1f} | {ops:,} | {rate / ops:,.0f} |")
    print(f"\nGEMM rate, one thread, 512 x 512: {rate / 1e9:.1f} G multiply-adds/s")


# -- 2. prequential error --------------------------------------------------------
def delayed_recall_drift(n, rng):
    """Two input channels; recall channel 0 three steps back, then channel 1."""
    x = rng.uniform(-1, 1, (n, 2))
    y = np.zeros(n)
    half = n // 2
    y[3:half] = x[:half - 3, 0]
    y[half:] = x[half - 3:n - 3, 1]
    return x, y, half


def drifting_sine(n, rng):
    period = np.linspace(15, 45, n + 1)
    phase = np.cumsum(2 * np.pi / period)
    s = np.sin(phase) + 0.02 * rng.normal(size=n + 1)
    return s[:-1, None], s[1:], None


def narma(n, rng):
    X, y = make_narma(n, order=10, random_state=0)  # a seed whose series stays bounded
    return X, y, None


STREAMS = {"delayed recall, delay 3, recalled channel 0 -> 1 halfway": delayed_recall_drift,
           "sine, period 15 -> 45": drifting_sine,
           "NARMA-10": narma}


def prequential(model, X, y, chunk):
    """Squared error of every chunk's prediction, made before learning from it."""
    errors = np.empty(X.shape[0] // chunk)
    state = None
    for c in range(errors.shape[0]):
        Xc, yc = X[c * chunk:(c + 1) * chunk], y[c * chunk:(c + 1) * chunk]
        if state is None:  # nothing learnt yet: the targets' mean is the prediction
            errors[c] = np.mean((yc - yc.mean()) ** 2)
            model.partial_fit(Xc, yc)
            state = model.predict(Xc, return_state=True)[1]
            continue
        pred, state = model.predict(Xc, initial_state=state, return_state=True)
        errors[c] = np.mean((pred - yc) ** 2)
        model.partial_fit(Xc, yc)
    return errors


def models(bptt):
    # an update per step, as Williams and Zipser; then every ``bptt`` steps,
    # the update schedule of the truncated-BPTT baseline with the exact gradient
    for lr in RTRL_STEP_RATES:
        yield f"RTRL, rtrl_adam lr={lr}, every step", ElmanRegressor(
            n_hidden=HIDDEN, solver="rtrl_adam", learning_rate_init=lr, random_state=0)
    for lr in LEARNING_RATES:
        yield f"RTRL, rtrl_adam lr={lr}, every {bptt} steps", ElmanRegressor(
            n_hidden=HIDDEN, solver="rtrl_adam", learning_rate_init=lr, batch_size=bptt,
            random_state=0)
    for lr in DEKF_RATES:
        yield f"DEKF lr={lr}, every step", ElmanRegressor(
            n_hidden=HIDDEN, solver="dekf", learning_rate_init=lr, random_state=0)
    for lr in LEARNING_RATES:
        yield f"truncated BPTT, adam lr={lr}", "bptt", lr
    for rho in SPECTRAL_RADII:
        yield f"echo state, 100 units, rho={rho}", EchoStateRegressor(
            n_reservoir=100, spectral_radius=rho, n_washout=0, random_state=0)


def recovery(errors, half_chunk, chunk, window=10):
    """Steps after the drift until the moving error is back to its level before it.

    The level before: the mean error of the 50 chunks before the drift; back
    to it: the mean over ``window`` chunks is within 10 % of it.
    """
    smooth = np.convolve(errors, np.ones(window) / window, mode="valid")
    before = np.mean(errors[half_chunk - 5 * window:half_chunk])
    after = smooth[half_chunk:]
    back = np.nonzero(after <= 1.1 * before)[0]
    return before, (int((back[0] + window) * chunk) if back.size else None)


def prequential_table(n_steps, chunk, bptt, streams=None, only=None):
    rng = np.random.RandomState(0)
    for name, make in STREAMS.items():
        if streams and not any(part in name for part in streams):
            continue
        X, y, half = make(n_steps, rng)
        var = y.var()
        print(f"\n## {name}: {n_steps} steps; prequential MSE / var(y), chunks of {chunk}")
        cols = "| model | whole stream | first 10 % | last 10 % | seconds |"
        if half:
            cols += " error before drift | steps to recover |"
        print(cols)
        print("|---" * (cols.count("|") - 1) + "|")
        for label, model, *lr in models(bptt):
            if only and not any(part in label for part in only):
                continue
            if model == "bptt":
                model = ElmanRegressor(n_hidden=HIDDEN, solver="adam",
                                       learning_rate_init=lr[0], batch_size=bptt,
                                       random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                start = time.perf_counter()
                errors = prequential(model, X, y, chunk)
                seconds = time.perf_counter() - start
            tenth = max(1, errors.shape[0] // 10)
            row = (f"| {label} | {errors.mean() / var:.3f} | {errors[:tenth].mean() / var:.3f} "
                   f"| {errors[-tenth:].mean() / var:.3f} | {seconds:.1f} |")
            if half:
                before, steps = recovery(errors, half // chunk, chunk)
                row += f" {before / var:.3f} | {steps if steps is not None else 'never'} |"
            print(row, flush=True)


# -- 3. memory -----------------------------------------------------------------------
def memory():
    print("\n## Peak memory of streaming through partial_fit (tracemalloc), chunks of 1000")
    print("| steps | rtrl, n_hidden=8 | rtrl, n_hidden=32 | loss_curve_ (n_hidden=8) | "
          "data streamed |")
    print("|---|---|---|---|---|")
    for n_steps in (10**4, 10**5, 10**6):
        peaks, curve = [], 0
        for n in (8, 32):
            steps = n_steps if n == 8 else min(n_steps, 10**5)
            model = ElmanRegressor(n_hidden=n, solver="rtrl", random_state=0)
            rng = np.random.RandomState(0)
            tracemalloc.start()
            for _ in range(steps // 1000):
                X = rng.uniform(-1, 1, (1000, 1))
                model.partial_fit(X, np.roll(X[:, 0], 1))
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
            if n == 8:  # one float per partial_fit call, as MLP's; the only growth
                curve = sys.getsizeof(model.loss_curve_) + sum(
                    sys.getsizeof(v) for v in model.loss_curve_)
            if steps < n_steps:
                peaks[-1] = None
        cells = [f"{p / 1024:,.0f} KB" if p is not None else "(not run)" for p in peaks]
        print(f"| {n_steps:,} | {cells[0]} | {cells[1]} | {curve / 1024:,.0f} KB | "
              f"{n_steps * 16 / 1024:,.0f} KB |", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--bptt", type=int, default=10,
                        help="steps per update (and truncation) of the BPTT baseline")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parts", default="speed,prequential,memory")
    parser.add_argument("--streams", default=None,
                        help="comma-separated parts of the names of the streams to run")
    parser.add_argument("--only", default=None, help="semicolon-separated parts of the "
                        "labels of the models to run")
    args = parser.parse_args()
    parts = args.parts.split(",")
    if "speed" in parts:
        speed(args.repeats)
    if "prequential" in parts:
        prequential_table(args.steps, args.chunk, args.bptt,
                          args.streams.split(",") if args.streams else None,
                          args.only.split(";") if args.only else None)
    if "memory" in parts:
        memory()
