"""EchoStateRegressor: speed against reservoirpy, streaming, and the classic accuracy benchmarks.

Subcommands (each prints a markdown table):

``speed``
    One series (Mackey-Glass, squashed as tanh(s - 1), one-step-ahead
    prediction), skrnn and reservoirpy side by side in one run: the same
    reservoir size and settings (leaky tanh, uniform W with 10 % connectivity
    rescaled to spectral radius 0.9, dense uniform W_in, no bias, ridge 1e-8,
    100 washout steps), fit on n steps and predict the next n, for 500, 1000
    and 2000 units and n = 10,000 and 100,000. Times are medians over
    repeats; ratio = reservoirpy time / skrnn time. NRMSE is over the
    predicted steps after the first 1000 (the test run starts afresh).
``batch``
    100 sequences advanced together (skrnn: one kernel call, the sparse
    product vectorised across sequences) against reservoirpy on the same 3D
    array.
``bound``
    The batch fit alone, split into its parts (reservoir states, input
    product, the readout's Gram sums, construction, the rest), beside
    reservoirpy's fit in the same repeats: the fit ratio, its Amdahl bound
    (reservoirpy's fit / skrnn's Gram time) and the share of the bound
    reached.
``split``
    skrnn's prediction of the batch with ``n_jobs=1`` against ``n_jobs=2``
    (the batch in two blocks of sequences run in parallel), wall and
    processor time.
``stream``
    10 million steps through ``partial_fit`` in chunks: steps per second and
    the peak resident memory as the stream goes on.
``mackey-glass``
    Jaeger's 84-step free-run protocol (NRMSE84) with 1000 units.
``narma``
    NARMA10 with 100 units, normalised MSE on held-out data.

``speed`` and ``batch`` run at 1 and 2 threads (``--threads``): both
libraries' BLAS limited to that many threads (threadpoolctl), and skrnn's
``n_jobs`` set to it. With ``n_jobs=2`` skrnn's fit is a pipeline: the
reservoir fills a ring of three state buffers while a second thread adds
each window's readout rows to the sums as they come (BLAS on one thread
each); reservoirpy's BLAS may use both threads. The
other subcommands run on one thread. ``--clock cpu`` times ``speed``,
``batch`` and ``bound`` by this process's processor time instead of the wall
clock: on a machine shared with other jobs, what the work itself cost (on
one thread only, since processor time adds up the threads).

Run::

    pip install "reservoirpy>=0.4,<0.5"     # or: pip install -e ".[benchmark]"
    python benchmarks/bench_esn.py speed --repeats 3
    python benchmarks/bench_esn.py batch --repeats 3
    python benchmarks/bench_esn.py bound --repeats 3
    python benchmarks/bench_esn.py split --repeats 3
    python benchmarks/bench_esn.py stream
    python benchmarks/bench_esn.py mackey-glass
    python benchmarks/bench_esn.py narma
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import os
import resource
import time

import numpy as np
from threadpoolctl import threadpool_limits

from skrnn import EchoStateRegressor
from skrnn.datasets import make_mackey_glass, make_narma

#: what the timings read: wall time, or with ``--clock cpu`` this process's
#: processor time (on a machine shared with other jobs, the time the work
#: itself took; one thread only, since it adds up the threads)
clock = time.perf_counter

SETTINGS = {"spectral_radius": 0.9, "leaking_rate": 0.3, "input_scaling": 0.5,
            "connectivity": 0.1, "alpha": 1e-8, "n_washout": 100}


def skrnn_model(n_units, seed=0, n_jobs=None):
    return EchoStateRegressor(
        n_units, spectral_radius=SETTINGS["spectral_radius"],
        leaking_rate=SETTINGS["leaking_rate"], input_scaling=SETTINGS["input_scaling"],
        bias_scaling=0.0, connectivity=SETTINGS["connectivity"], alpha=SETTINGS["alpha"],
        n_washout=SETTINGS["n_washout"], random_state=seed, n_jobs=n_jobs)


def reservoirpy_model(n_units, seed=0):
    from reservoirpy.mat_gen import uniform
    from reservoirpy.nodes import Reservoir, Ridge

    reservoir = Reservoir(
        n_units, lr=SETTINGS["leaking_rate"], sr=SETTINGS["spectral_radius"],
        input_scaling=SETTINGS["input_scaling"], input_connectivity=1.0,
        rc_connectivity=SETTINGS["connectivity"], W=uniform(low=-1, high=1),
        Win=uniform(low=-1, high=1), bias=0.0, seed=seed)
    return reservoir >> Ridge(ridge=SETTINGS["alpha"])


def load():
    """The machine's load average over the last minute (others' jobs included)."""
    return f"{os.getloadavg()[0]:.1f}"


def nrmse(pred, truth):
    pred, truth = np.ravel(pred), np.ravel(truth)
    return float(np.sqrt(np.mean((pred - truth) ** 2)) / np.std(truth))


def squashed_mackey_glass(n, seed=0):
    return np.tanh(make_mackey_glass(n, random_state=seed) - 1.0)


def run_skrnn(n_units, X_tr, y_tr, X_te, n_jobs=None):
    """(fit time, predict time, predictions) of skrnn; per-step targets."""
    start = clock()
    model = skrnn_model(n_units, n_jobs=n_jobs).fit(X_tr, y_tr[..., 0])
    t_fit = clock() - start
    start = clock()
    pred = model.predict(X_te)
    return t_fit, clock() - start, pred


def run_reservoirpy(n_units, X_tr, y_tr, X_te):
    """The same for reservoirpy; its test run starts afresh, as skrnn's does."""
    start = clock()
    model = reservoirpy_model(n_units).fit(X_tr, y_tr, warmup=SETTINGS["n_washout"])
    t_fit = clock() - start
    start = clock()
    model.reset()
    pred = np.asarray(model.run(X_te))
    return t_fit, clock() - start, pred


def speed(args):
    print(f"One series (times in s, {args.clock} clock, medians of {args.repeats}).\n")
    print("| threads | units | steps | fit skrnn (s) | fit reservoirpy (s) | fit ratio | "
          "predict skrnn (s) | predict reservoirpy (s) | predict ratio | "
          "NRMSE skrnn | NRMSE reservoirpy | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n_steps in args.steps:
        z = squashed_mackey_glass(2 * n_steps + 1)
        X, y = z[:-1, None], z[1:, None]
        X_tr, y_tr, X_te, y_te = X[:n_steps], y[:n_steps], X[n_steps:], y[n_steps:]
        skip = min(1000, n_steps // 10)  # the test run starts from a fresh state
        for n_units in args.units:
            for threads in args.threads:
                times = {"skrnn": [], "rpy": []}
                errors = {}
                with threadpool_limits(threads):
                    for _ in range(args.repeats):
                        # interleaved, so that both see the same machine load
                        f, p, pred = run_skrnn(n_units, X_tr, y_tr, X_te, n_jobs=threads)
                        times["skrnn"].append((f, p))
                        errors["skrnn"] = nrmse(pred[skip:], y_te[skip:])
                        f, p, pred = run_reservoirpy(n_units, X_tr, y_tr, X_te)
                        times["rpy"].append((f, p))
                        errors["rpy"] = nrmse(pred[skip:], y_te[skip:])
                s = np.median(times["skrnn"], axis=0)
                r = np.median(times["rpy"], axis=0)
                print(f"| {threads} | {n_units} | {n_steps} | {s[0]:.2f} | {r[0]:.2f} | "
                      f"**{r[0] / s[0]:.1f}x** | {s[1]:.2f} | {r[1]:.2f} | "
                      f"**{r[1] / s[1]:.1f}x** | {errors['skrnn']:.2e} | {errors['rpy']:.2e} | "
                      f"{load()} |",
                      flush=True)


def batch(args):
    n_seq = args.sequences
    print(f"Batch of {n_seq} sequences advanced together (times in s, {args.clock} clock, "
          f"medians of {args.repeats}).\n")
    print("| threads | units | steps per sequence | fit skrnn | fit reservoirpy | fit ratio | "
          "predict skrnn | predict reservoirpy | predict ratio | NRMSE skrnn | "
          "NRMSE reservoirpy | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for length in args.lengths:
        z = squashed_mackey_glass(n_seq * (length + 1) * 2 + 1)
        windows = z[: 2 * n_seq * (length + 1)].reshape(2 * n_seq, length + 1)
        X, Y = windows[:, :-1, None], windows[:, 1:, None]
        X_tr, Y_tr, X_te, Y_te = X[:n_seq], Y[:n_seq], X[n_seq:], Y[n_seq:]
        for n_units in args.units:
            for threads in args.threads:
                times = {"skrnn": [], "rpy": []}
                errors = {}
                with threadpool_limits(threads):
                    for _ in range(args.repeats):
                        f, p, pred = run_skrnn(n_units, X_tr, Y_tr, X_te, n_jobs=threads)
                        times["skrnn"].append((f, p))
                        errors["skrnn"] = nrmse(pred[:, 100:], Y_te[:, 100:])
                        f, p, pred = run_reservoirpy(n_units, X_tr, Y_tr, X_te)
                        times["rpy"].append((f, p))
                        errors["rpy"] = nrmse(np.asarray(pred)[:, 100:], Y_te[:, 100:])
                s = np.median(times["skrnn"], axis=0)
                r = np.median(times["rpy"], axis=0)
                print(f"| {threads} | {n_units} | {length} | {s[0]:.2f} | {r[0]:.2f} | "
                      f"**{r[0] / s[0]:.1f}x** | {s[1]:.2f} | {r[1]:.2f} | "
                      f"**{r[1] / s[1]:.1f}x** | {errors['skrnn']:.2e} | {errors['rpy']:.2e} | "
                      f"{load()} |",
                      flush=True)


def split(args):
    """skrnn's batch prediction on one thread against ``n_jobs=2`` (blocks of sequences)."""
    n_seq, length = args.sequences, args.lengths[0]
    z = squashed_mackey_glass(2 * n_seq * (length + 1) + 1)
    windows = z[: 2 * n_seq * (length + 1)].reshape(2 * n_seq, length + 1)
    X, Y = windows[:, :-1, None], windows[:, 1:, None]
    print(f"Predicting a batch of {n_seq} sequences of {length} steps, n_jobs=1 against 2 "
          f"(s, medians of {args.repeats} interleaved repeats; wall and processor time).\n")
    print("| units | predict, n_jobs=1 | processor time | predict, n_jobs=2 | processor time | "
          "speed-up | load |")
    print("|---|---|---|---|---|---|---|")
    for n_units in args.units:
        model = skrnn_model(n_units).fit(X[:n_seq], Y[:n_seq, :, 0])
        times = {1: [], 2: []}
        for _ in range(args.repeats):
            for n_jobs in (1, 2):
                model.set_params(n_jobs=n_jobs)
                with threadpool_limits(n_jobs):
                    wall, cpu = time.perf_counter(), time.process_time()
                    model.predict(X[n_seq:])
                    times[n_jobs].append((time.perf_counter() - wall,
                                          time.process_time() - cpu))
        one, two = np.median(times[1], axis=0), np.median(times[2], axis=0)
        print(f"| {n_units} | {one[0]:.2f} | {one[1]:.2f} | {two[0]:.2f} | {two[1]:.2f} | "
              f"{one[0] / two[0]:.2f}x | {load()} |", flush=True)


class Breakdown:
    """Wall time spent in the parts of skrnn's fit, while the context is open.

    ``gram`` is the readout's sums (:class:`skrnn._readout._sums.Moments`'s
    ``add``: shifting the rows, the rank-k update of the Gram matrix and the
    cross-products with the targets), the same BLAS work reservoirpy does;
    ``states`` the reservoir kernel, ``project`` the input product, ``build``
    the reservoir's construction (spectral radius included). With
    ``n_jobs=2`` the sums run on a second thread beside the states of the
    next windows, so the parts can add up to more than the fit.
    """

    def __init__(self):
        from skrnn._readout._sums import Moments
        from skrnn.echo_state._echo_state import _BaseEchoState
        from skrnn.echo_state._reservoir import Reservoir

        self.targets = {"gram": (Moments, "add"), "states": (Reservoir, "run"),
                        "project": (Reservoir, "project"),
                        "build": (_BaseEchoState, "_build_reservoir")}
        self.times = dict.fromkeys(self.targets, 0.0)

    def _timed(self, name, method):
        def timed(*args, **kwargs):
            start = clock()
            try:
                return method(*args, **kwargs)
            finally:
                self.times[name] += clock() - start
        return timed

    def __enter__(self):
        self.saved = {}
        for name, (owner, attr) in self.targets.items():
            self.saved[name] = owner.__dict__[attr]
            setattr(owner, attr, self._timed(name, self.saved[name]))
        return self

    def __exit__(self, *exc):
        for name, (owner, attr) in self.targets.items():
            setattr(owner, attr, self.saved[name])


def bound(args):
    """Where skrnn's batch fit goes, and the Amdahl bound of its ratio to reservoirpy.

    The bound is reservoirpy's fit divided by skrnn's own Gram time (the
    readout's sums), both from the same repeat: the ratio skrnn's fit would
    reach if everything but the sums cost nothing. Target of issue #26: a
    ratio of at least 85 % of that bound.
    """
    n_seq, length = args.sequences, args.lengths[0]
    z = squashed_mackey_glass(n_seq * (length + 1) + 1)
    windows = z[: n_seq * (length + 1)].reshape(n_seq, length + 1)
    X, Y = windows[:, :-1, None], windows[:, 1:, None]
    # float32 input: skrnn's reservoir runs in float32, its sums stay float64
    X_s, Y_s = (X.astype(np.float32), Y.astype(np.float32)) if args.float32 else (X, Y)
    print(f"Batch of {n_seq} sequences of {length} steps, fit only; medians of "
          f"{args.repeats} interleaved repeats (s, {args.clock} clock); skrnn on {X_s.dtype} "
          "input.\n")
    print("| threads | units | fit skrnn | states | project | Gram (sums) | build | rest | "
          "fit reservoirpy | fit ratio | bound | share of bound | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n_units in args.units:
        for threads in args.threads:
            rows = []
            with threadpool_limits(threads):
                for _ in range(args.repeats):
                    with Breakdown() as parts:
                        start = clock()
                        skrnn_model(n_units, n_jobs=threads).fit(X_s, Y_s[..., 0])
                        t_fit = clock() - start
                    start = clock()
                    reservoirpy_model(n_units).fit(X, Y, warmup=SETTINGS["n_washout"])
                    t_rpy = clock() - start
                    p = parts.times
                    rest = t_fit - p["states"] - p["project"] - p["gram"] - p["build"]
                    rows.append((t_fit, p["states"], p["project"], p["gram"], p["build"],
                                 rest, t_rpy, t_rpy / t_fit, t_rpy / p["gram"]))
            m = np.median(rows, axis=0)
            ratio, limit = m[7], m[8]
            # on two threads the parts overlap: what is left of the fit is not "the rest"
            rest = f"{m[5]:.2f}" if threads == 1 else "(overlap)"
            print(f"| {threads} | {n_units} | {m[0]:.2f} | {m[1]:.2f} | {m[2]:.2f} | "
                  f"{m[3]:.2f} | {m[4]:.2f} | {rest} | {m[6]:.2f} | **{ratio:.1f}x** | "
                  f"{limit:.1f}x | {100 * ratio / limit:.0f} % | {load()} |", flush=True)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stream(args):
    """Delayed recall over a long stream: y[t] = u[t - 5], u uniform on [-1, 1]."""
    rng = np.random.RandomState(0)
    model = EchoStateRegressor(args.stream_units, spectral_radius=0.9, connectivity=0.1,
                               n_washout=100, alpha=1e-6, random_state=0)
    history = np.zeros(5)
    done, start = 0, time.perf_counter()
    print(f"Streaming {args.total:,} steps in chunks of {args.chunk:,} through partial_fit, "
          f"{args.stream_units} units.\n")
    print("| steps seen | elapsed (s) | steps/s | peak RSS (MB) |")
    print("|---|---|---|---|")
    report_at = {int(args.total * f) for f in (0.01, 0.1, 0.5, 1.0)}
    while done < args.total:
        u = rng.uniform(-1, 1, args.chunk)
        full = np.concatenate([history, u])
        y = full[:-5]
        history = full[-5:]
        model.partial_fit(u[:, None], y)
        done += args.chunk
        if done in report_at:
            elapsed = time.perf_counter() - start
            print(f"| {done:,} | {elapsed:.1f} | {done / elapsed:,.0f} | {peak_rss_mb():.0f} |",
                  flush=True)
    u = rng.uniform(-1, 1, 5000)
    full = np.concatenate([history, u])
    pred = model.predict(u[:, None], initial_state=model._stream["x"])
    print(f"\nHeld-out R^2 of the streamed readout on the next 5000 steps: "
          f"{1 - np.mean((pred - full[:-5]) ** 2) / np.var(full[:-5]):.4f}")


def mackey_glass(args):
    """Jaeger's protocol: teacher-force 1000 steps, run free 84 steps, 50 windows."""
    s = make_mackey_glass(args.n_train + 1000 + 50 * 1084 + 10, random_state=0)
    z = np.tanh(s - 1.0)
    X, y = z[:-1, None], z[1:]
    print(f"Mackey-Glass tau=17, NRMSE84 over 50 windows, {args.mg_units} units, "
          f"{args.n_train} training steps (the first 1000 washed out).\n")
    print("| connectivity | spectral radius | leaking rate | input scaling | bias scaling | "
          "alpha | seed | fit (s) | NRMSE84 |")
    print("|---|---|---|---|---|---|---|---|---|")
    # alpha on standardised states (1e-8 there is about the 1e-10 on raw states
    # that these settings used before the readout standardised its features)
    configs = [(0.01, 1.25, 0.3, 0.5, 0.5, args.mg_alpha),
               (0.1, 1.25, 0.3, 0.5, 0.5, args.mg_alpha)]
    for conn, rho, a, sigma, bias, alpha in configs:
        for seed in args.seeds:
            model = EchoStateRegressor(args.mg_units, spectral_radius=rho, leaking_rate=a,
                                       input_scaling=sigma, bias_scaling=bias,
                                       connectivity=conn, n_washout=1000, alpha=alpha,
                                       random_state=seed)
            start = time.perf_counter()
            model.fit(X[:args.n_train], y[:args.n_train])
            t_fit = time.perf_counter() - start
            errors = []
            for r in range(50):
                w0 = args.n_train + 1000 + r * 1084
                free = model.forecast(X[w0:w0 + 1000], 84)  # free[k] predicts z[w0 + 1000 + k]
                pred = np.arctanh(np.clip(free[-1], -1 + 1e-15, 1 - 1e-15)) + 1.0
                errors.append(pred - s[w0 + 1000 + 83])
            value = np.sqrt(np.mean(np.square(errors)) / np.var(s))
            print(f"| {conn} | {rho} | {a} | {sigma} | {bias} | {alpha:g} | {seed} | "
                  f"{t_fit:.1f} | {value:.2e} |", flush=True)


def narma(args):
    print("NARMA10, 100 units, 200 washout + 2000 training steps, 2000 test steps, "
          f"alpha={args.narma_alpha!r}.\n")
    print("| seed | NMSE skrnn | alpha chosen | NMSE linear (ridge on 10 input lags) |")
    print("|---|---|---|---|")
    from sklearn.linear_model import RidgeCV

    values = []
    alpha = args.narma_alpha if args.narma_alpha in ("gcv", "cv") else float(args.narma_alpha)
    for seed in args.seeds:
        X, y = make_narma(4200, random_state=seed)
        model = EchoStateRegressor(100, spectral_radius=0.95, input_scaling=0.1,
                                   bias_scaling=0.1, connectivity=0.1, n_washout=200,
                                   alpha=alpha, random_state=seed)
        model.fit(X[:2200], y[:2200])
        pred = model.predict(X)[2200:]
        nmse = float(np.mean((pred - y[2200:]) ** 2) / np.var(y[2200:]))
        values.append(nmse)
        # a linear reference on a tapped delay line of the inputs
        lags = np.column_stack([np.roll(X[:, 0], k) for k in range(10)])[10:]
        lin = RidgeCV(alphas=np.logspace(-8, 2, 11)).fit(lags[190:2190], y[200:2200])
        nmse_lin = float(np.mean((lin.predict(lags[2190:]) - y[2200:]) ** 2)
                         / np.var(y[2200:]))
        print(f"| {seed} | {nmse:.3f} | {model.alpha_:g} | {nmse_lin:.3f} |", flush=True)
    print(f"\nmean NMSE {np.mean(values):.3f} +- {np.std(values):.3f} over {len(values)} seeds")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["speed", "batch", "bound", "split", "stream",
                                         "mackey-glass", "narma"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--units", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--steps", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--sequences", type=int, default=100)
    parser.add_argument("--lengths", type=int, nargs="+", default=[1000])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="speed and batch: BLAS threads of both libraries, and skrnn's "
                             "n_jobs")
    parser.add_argument("--float32", action="store_true",
                        help="bound: give skrnn float32 input (its reservoir then runs in "
                             "float32)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="time by the wall clock, or by processor time (a shared "
                             "machine; meaningful on one thread only)")
    parser.add_argument("--total", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument("--stream-units", type=int, default=200)
    parser.add_argument("--mg-units", type=int, default=1000)
    parser.add_argument("--mg-alpha", type=float, default=1e-8)
    parser.add_argument("--narma-alpha", default="gcv", help="'gcv', 'cv' or a float")
    parser.add_argument("--n-train", type=int, default=21000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    if args.clock == "cpu":
        global clock
        clock = time.process_time
    with threadpool_limits(1):
        {"speed": speed, "batch": batch, "bound": bound, "split": split, "stream": stream,
         "mackey-glass": mackey_glass, "narma": narma}[args.what](args)


if __name__ == "__main__":
    main()
