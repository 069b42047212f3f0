"""Stacked Elman and Jordan layers against one layer of about the same weight count.

The tasks of ``bench_generalisation.py`` (fixed data, numpy seed 0), each
fitted with skrnn's defaults by one layer (16 units for Elman, 64 for
Jordan, whose single layer has no hidden-to-hidden matrix) and by a stack of
two layers of (11, 8) units, whose weights number about the same (printed
per task). Held-out accuracy or R^2, median [min, max] over the
seeds, and the stack's median minus the single layer's.

``--stack-skip-connections`` fits the stack with ``skip_connections=True``
(the input fed to every layer), or with the value given (``input``,
``output``: the output reads every layer, ``both``). ``--match-weights``
sizes the single layer per task so that its weight count is the closest to
the stack's (the stack is fitted first): with the shortcuts' extra weights,
and with many inputs or outputs, the fixed sizes above drift apart.

Run::

    python benchmarks/bench_stacked.py [--tasks early parity ...] [--seeds 0 1 2 3 4]
        [--models elman jordan] [--stack-alpha 0.01] [--stack-lr 0.003]
        [--stack-max-grad-norm 1] [--stack-early-stopping]
        [--stack-skip-connections [{input,output,both}]] [--match-weights]
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time
import warnings

import numpy as np
from bench_generalisation import TASKS
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

import skrnn

# Jordan's single layer has no hidden-to-hidden matrix: 64 units weigh about
# what the (11, 8) stack does
LAYERS = {"elman": {"one layer": 16, "stack": (11, 8)},
          "jordan": {"one layer": 64, "stack": (11, 8)}}
MODELS = {"elman": "Elman", "jordan": "Jordan"}


def one_layer_size(model, stack, n_weights):
    """The single layer's size whose weight count is the closest to ``n_weights``,
    for the inputs and outputs of the fitted ``stack``."""
    n_in, n_out = stack.input_weights_[0].shape[0], stack.output_weights_.shape[1]
    context = (lambda h: n_out * h) if model == "jordan" else (lambda h: h * h)
    counts = {h: n_in * h + context(h) + h + h * n_out + n_out for h in range(1, 513)}
    return min(counts, key=lambda h: abs(counts[h] - n_weights))


def fit_seeds(cls, n_hidden, params, seeds, task):
    """Held-out scores and total seconds over the seeds, and the last model fitted."""
    scores, seconds = [], 0.0
    for seed in seeds:
        start = time.perf_counter()
        est = cls(n_hidden=n_hidden, random_state=seed, **params)
        est.fit(task.X_tr, task.y_tr)
        scores.append(task.score(est.predict(task.X_te)))
        seconds += time.perf_counter() - start
    return scores, seconds, est


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS))
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--stack-alpha", type=float, default=None,
                        help="the stack's L2 penalty (the default's otherwise)")
    parser.add_argument("--stack-lr", type=float, default=None,
                        help="the stack's learning_rate_init (the default's otherwise)")
    parser.add_argument("--stack-max-grad-norm", type=float, default=None,
                        help="the stack's max_grad_norm (the default's otherwise)")
    parser.add_argument("--stack-early-stopping", action="store_true",
                        help="the stack with early_stopping=True")
    parser.add_argument("--stack-skip-connections", nargs="?", const=True, default=None,
                        choices=[True, "input", "output", "both"],
                        help="the stack's skip_connections (True without a value)")
    parser.add_argument("--match-weights", action="store_true",
                        help="size the single layer to the stack's weight count, per task")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"seeds {args.seeds}; n_hidden: {LAYERS}; stack alpha: "
          f"{args.stack_alpha or 'default'}; stack learning rate: "
          f"{args.stack_lr or 'default'}; stack max_grad_norm: "
          f"{args.stack_max_grad_norm or 'default'}; stack early stopping: "
          f"{args.stack_early_stopping}; stack skip connections: "
          f"{args.stack_skip_connections}; weights matched: {args.match_weights}; "
          "one thread\n")
    print("| task | model | weights (one (size) / stack) | one layer | stack | diff | "
          "seconds (one / stack) |")
    print("|---|---|---|---|---|---|---|")
    for key in args.tasks:
        task = TASKS[key](np.random.RandomState(0))
        kind = "Classifier" if task.classify else "Regressor"
        for model in args.models:
            cls = getattr(skrnn, MODELS[model] + kind)
            stack_params = {param: value for param, value in (
                ("alpha", args.stack_alpha), ("learning_rate_init", args.stack_lr),
                ("max_grad_norm", args.stack_max_grad_norm),
                ("early_stopping", args.stack_early_stopping or None),
                ("skip_connections", args.stack_skip_connections)) if value is not None}
            scores, weights, seconds = {}, {}, {}
            # the stack first: with --match-weights its count sizes the single layer
            scores["stack"], seconds["stack"], stack = fit_seeds(
                cls, LAYERS[model]["stack"], stack_params, args.seeds, task)
            weights["stack"] = stack.get_flat_weights().shape[0]
            n_hidden = LAYERS[model]["one layer"]
            if args.match_weights:
                n_hidden = one_layer_size(model, stack, weights["stack"])
            scores["one layer"], seconds["one layer"], one = fit_seeds(
                cls, n_hidden, {}, args.seeds, task)
            weights["one layer"] = one.get_flat_weights().shape[0]
            med = {k: np.median(v) for k, v in scores.items()}
            cells = {k: f"{med[k]:.3f} [{min(v):.3f}, {max(v):.3f}]" for k, v in scores.items()}
            print(f"| {task.name} | {MODELS[model]} | {weights['one layer']} ({n_hidden}) / "
                  f"{weights['stack']} "
                  f"| {cells['one layer']} | {cells['stack']} | "
                  f"{med['stack'] - med['one layer']:+.3f} | {seconds['one layer']:.1f} / "
                  f"{seconds['stack']:.1f} |", flush=True)


if __name__ == "__main__":
    with threadpool_limits(1):
        main()
