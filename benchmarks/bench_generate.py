"""Free-running generation (``forecast``): compiled kernels against Python step loops.

The CTRNN and the stacked Elman / Jordan networks generate in one compiled
call; before, they ran a Python loop over the steps. This times both on
untrained networks of a few sizes (the cost does not depend on the weights'
values), one thread, median of the repeats:

- CTRNN: the kernel against the NumPy loop the library used before (one
  matrix product per step for the whole batch) and against the compiled
  forward pass called once per step;
- stacks of two layers: the kernel against the compiled forward pass called
  once per step (the library's loop before).

Run::

    python benchmarks/bench_generate.py [--steps 500] [--repeats 9]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import pathlib
import sys
import time
from functools import partial

import numpy as np
from threadpoolctl import threadpool_limits

from skrnn import CTRNNRegressor, ElmanRegressor, JordanRegressor

# the Python loops are the test suite's references of the compiled generation
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from tests._reference import ctrnn_generate_numpy, generate_step_by_step  # noqa: E402

MODELS = {
    "CTRNN": lambda n: CTRNNRegressor(n_hidden=n),
    "Elman stack": lambda n: ElmanRegressor(n_hidden=(n, n)),
    "Elman stack, skip connections": lambda n: ElmanRegressor(n_hidden=(n, n),
                                                              skip_connections=True),
    "Jordan stack": lambda n: JordanRegressor(n_hidden=(n, n)),
}


def median_ms(loops, repeats):
    """Median milliseconds of each callable, after one warm-up call.

    Each side's repeats run as a block: a compiled call timed right after
    the step-by-step loop ran 2-3x slower (the loop's worker threads and
    cache traffic still about), which would flatter the loop.
    """
    times = {}
    for key, fun in loops.items():
        fun()
        times[key] = []
        for _ in range(repeats):
            start = time.perf_counter()
            fun()
            times[key].append(1e3 * (time.perf_counter() - start))
    return {key: float(np.median(t)) for key, t in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    print(f"{args.steps} generated steps, two inputs fed back, float64, one thread, "
          f"median of {args.repeats}\n")
    print("| network | hidden | sequences | compiled (ms) | step-by-step forward (ms) "
          "| ratio | NumPy loop (ms) | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for name, make in MODELS.items():
        for n_hidden in (16, 64):
            est = make(n_hidden)
            X = rng.uniform(-1, 1, (40, 2))
            est._initialize(est._prepare(X, np.tanh(X), reset=True))
            net, params = est._network, est._views(est._theta)
            for n_seq in (1, 32):
                state = rng.uniform(-0.5, 0.5, (n_seq, net.state_size))
                y_last = rng.uniform(-1, 1, (n_seq, 2))
                run = (params, state, y_last, args.steps)
                loops = {"kernel": partial(net.generate, *run),
                         "forward": partial(generate_step_by_step, net, *run)}
                if name == "CTRNN":
                    loops["numpy"] = partial(ctrnn_generate_numpy, net, *run)
                ms = median_ms(loops, args.repeats)
                numpy = (f"{ms['numpy']:.1f} | {ms['numpy'] / ms['kernel']:.1f}x"
                         if "numpy" in ms else "- | -")
                print(f"| {name} | {n_hidden} | {n_seq} | {ms['kernel']:.2f} | "
                      f"{ms['forward']:.1f} | {ms['forward'] / ms['kernel']:.1f}x | {numpy} |",
                      flush=True)


if __name__ == "__main__":
    with threadpool_limits(1):
        main()
