"""Real-time recurrent learning: the online solver of the simple recurrent networks.

``solver='rtrl'`` (gradient descent with momentum) and ``solver='rtrl_adam'``
train an Elman or Jordan network by Williams and Zipser's real-time
recurrent learning. The compiled kernel (:mod:`skrnn._kernels._rtrl`) runs
a whole epoch, or a whole ``partial_fit`` chunk, in one call and updates the
weights inside its time loop; this module prepares its arguments, keeps the
stream (state, sensitivities and the unfinished update window) between
calls, and does the bookkeeping of the epoch loop.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import math
import warnings
from numbers import Integral

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._activations import ACTIVATION_CODES
from ._kernels._rtrl import rtrl_run
from ._solvers import AdamOptimizer, SGDOptimizer
from .utils._progress import Progress, warn_interrupted

#: solver name -> optimizer code of the kernel (0: momentum, 1: Adam, 2: DEKF)
RTRL_SOLVERS = {"rtrl": 0, "rtrl_adam": 1, "dekf": 2}

#: DEKF's initial error covariance (times the identity) and process noise,
#: in the range Puskorius and Feldkamp (1994) use
DEKF_INITIAL_COVARIANCE = 100.0
DEKF_PROCESS_NOISE = 1e-4

#: the largest hidden layer solver='rtrl' runs without a warning (an Elman
#: network with one input and one output: about 400 steps per second on one
#: core, see BENCHMARKS.md); a network whose step costs more warns
RTRL_MAX_HIDDEN = 64


def rtrl_sizes(n_inputs, n_hidden, n_outputs, jordan):
    """(n_weights, sensitivity rows, state size) of an Elman or Jordan network."""
    n_hid = (n_inputs + (n_outputs if jordan else n_hidden) + 1) * n_hidden
    n_weights = n_hid + (n_hidden + 1) * n_outputs
    if jordan:
        return n_weights, n_weights, n_outputs
    return n_weights, n_hid, n_hidden


def rtrl_cost(n_inputs, n_hidden, n_outputs, jordan, itemsize=8):
    """(bytes of sensitivities and buffers, multiply-adds per step) of RTRL."""
    _, n_sens, n_state = rtrl_sizes(n_inputs, n_hidden, n_outputs, jordan)
    if jordan:
        # S (n_w, n_o), and the per-step Dh (n_w, n_h), Do and Dy (n_w, n_o)
        floats = n_sens * (3 * n_outputs + n_hidden)
        ops = n_sens * n_hidden * n_outputs * 2
    else:
        floats = 2 * n_sens * n_hidden  # S and its next value
        ops = n_sens * n_hidden * n_hidden
    return floats * itemsize, ops


#: the work of a step at that limit, in multiply-adds
RTRL_MAX_WORK = rtrl_cost(1, RTRL_MAX_HIDDEN, 1, False)[1]


def _format_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def check_rtrl_settings(estimator):
    """The settings solver='rtrl' cannot run with, as ValueErrors.

    Needs no data: the estimator calls it before it validates the data or
    builds a network, so that a refused setting leaves a fitted model as it was.
    """
    solver = estimator.solver
    if not isinstance(estimator.n_hidden, Integral):
        raise ValueError(f"solver={solver!r} trains one hidden layer; got "
                         f"n_hidden={estimator.n_hidden!r}.")
    if estimator.bptt_steps is not None:
        raise ValueError(
            f"bptt_steps truncates backpropagation through time; solver={solver!r} carries "
            f"the exact gradient of the whole past forward and truncates nothing. Leave "
            f"bptt_steps=None (got {estimator.bptt_steps}).")
    if estimator.update_every != "batch":
        raise ValueError(
            f"solver={solver!r} updates the weights after every batch_size targets "
            "(batch_size='auto': after every target), inside its time loop; "
            "update_every='step' is for the BPTT solvers. Leave update_every='batch'.")


def warn_rtrl_size(estimator, seqs, first_pass):
    """The warning of a network past RTRL's practical size."""
    solver = estimator.solver
    net = estimator._network
    memory, ops = rtrl_cost(net.n_inputs, net.n_hidden, net.n_outputs, net.is_jordan,
                            seqs.X.dtype.itemsize)
    if first_pass and ops > RTRL_MAX_WORK:
        warnings.warn(
            f"solver={solver!r} with n_hidden={estimator.n_hidden} is past its practical "
            f"limit (n_hidden={RTRL_MAX_HIDDEN} for an Elman network with one input): its "
            "sensitivities take "
            f"{_format_bytes(memory)} and each time step costs {ops:.2g} multiply-adds "
            "(real-time recurrent learning grows as n_hidden**4). Use a smaller n_hidden, "
            "or solver='adam' (truncated backpropagation through time).",
            UserWarning, stacklevel=5)


class DEKFState:
    """The decoupled extended Kalman filter's error covariances, one block per unit.

    Takes the place of an optimizer: the kernel updates ``covariances`` in
    place. The blocks: n_hidden of (n_inputs + state_size + 1)^2 (the
    weights into each hidden unit), then n_outputs of (n_hidden + 1)^2.
    ``learning_rate`` is the filter's rate, the inverse of its measurement
    noise.
    """

    def __init__(self, net, learning_rate, dtype):
        n_v = net.n_inputs + (net.n_outputs if net.is_jordan else net.n_hidden) + 1
        blocks = [n_v] * net.n_hidden + [net.n_hidden + 1] * net.n_outputs
        self.covariances = np.concatenate(
            [DEKF_INITIAL_COVARIANCE * np.eye(n, dtype=dtype).ravel() for n in blocks])
        self.learning_rate = self.learning_rate_init = learning_rate

    @property
    def base_learning_rate(self):
        return self.learning_rate

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, msg, verbose):
        if verbose:
            print(msg + " Stopping.")
        return True


#: the optimizer each solver's kernel steps (see fit_rtrl)
_OPTIMIZER_KINDS = {"rtrl": SGDOptimizer, "rtrl_adam": AdamOptimizer, "dekf": DEKFState}


def _new_stream(estimator):
    """Stream state: the state, its sensitivities, the unfinished update window."""
    net = estimator._network
    dtype = estimator._theta.dtype
    n_weights, n_sens, n_state = rtrl_sizes(net.n_inputs, net.n_hidden, net.n_outputs,
                                            net.is_jordan)
    return {
        "state": np.full(n_state, net.initial_context, dtype=dtype),
        "sensitivities": np.zeros((n_sens, n_state), dtype=dtype),
        "gradient": np.zeros(n_weights, dtype=dtype),
        # targets in the window, Adam's step count, whether a series continues
        "counters": np.zeros(3, dtype=np.int64),
    }


def _penalties(estimator):
    """alpha for every penalised weight, 0 for the biases, as a flat vector."""
    net = estimator._network
    positions = np.arange(estimator._theta.shape[0], dtype=np.float64)
    penalty = np.zeros(estimator._theta.shape[0], dtype=estimator._theta.dtype)
    for W in net.penalised(estimator._views(positions)):
        penalty[W.ravel().astype(np.intp)] = estimator.alpha
    return penalty


def _targets_of_steps(seqs):
    """Row of the targets for every step, -1 where a step has none.

    A target of weight 0 is no target: it adds no loss, no gradient and no
    count to its update window, while its step still runs and carries the
    state and sensitivities on.
    """
    if seqs.per_step:
        target_of = np.arange(seqs.n_steps, dtype=np.intp)
    else:
        target_of = np.full(seqs.n_steps, -1, dtype=np.intp)
        target_of[seqs.last_rows] = np.arange(seqs.n_sequences, dtype=np.intp)
    if seqs.W is not None:
        has = target_of >= 0
        target_of[has] = np.where(seqs.W[target_of[has]] > 0, target_of[has], -1)
    return target_of


def rtrl_pass(estimator, seqs, stream, order, *, continue_stream, flush, outputs=False):
    """One run of the kernel over the sequences ``order`` of ``seqs``.

    Returns (loss sum, diverged step or -1, outputs before each update or None).
    """
    net = estimator._network
    opt = estimator._optimizer
    theta = estimator._theta
    dtype = theta.dtype
    stream["counters"][2] = 1 if continue_stream else 0
    if RTRL_SOLVERS[estimator.solver] == 2:
        m1 = m2 = opt.covariances
        counters_t = 0
    elif RTRL_SOLVERS[estimator.solver] == 0:
        m1, m2 = opt.velocity, opt.velocity
        counters_t = 0
    else:
        m1, m2 = opt.m, opt.v
        counters_t = opt.t
    stream["counters"][1] = counters_t
    forced = estimator._forced(seqs)
    forced = (np.empty((0, net.n_outputs), dtype=dtype) if forced is None
              else np.ascontiguousarray(forced, dtype=dtype))
    Y = np.empty((seqs.n_steps if outputs else 0, net.n_outputs), dtype=dtype)
    initial = np.full(stream["state"].shape[0], net.initial_context, dtype=dtype)
    loss_sum, diverged = rtrl_run(
        seqs.X, seqs.offsets, np.ascontiguousarray(order, dtype=np.intp), initial,
        stream["state"], stream["sensitivities"], np.ascontiguousarray(seqs.Y, dtype=dtype),
        _targets_of_steps(seqs),
        np.empty(0) if seqs.W is None else np.ascontiguousarray(seqs.W, dtype=np.float64),
        forced, theta, _penalties(estimator), net.n_inputs,
        net.n_hidden, net.n_outputs, net.is_jordan, float(net.context_decay),
        ACTIVATION_CODES[net.activation], ACTIVATION_CODES[net.output_activation],
        RTRL_SOLVERS[estimator.solver],
        # Adam's bias correction is the kernel's: it takes the base rate
        float(opt.learning_rate if RTRL_SOLVERS[estimator.solver] != 1
              else opt.learning_rate_init),
        float(estimator.momentum), bool(estimator.nesterovs_momentum),
        float(estimator.beta_1), float(estimator.beta_2), float(estimator.epsilon),
        float(estimator.max_grad_norm or 0.0), DEKF_PROCESS_NOISE, _window(estimator, seqs),
        flush, m1, m2,
        stream["counters"], stream["gradient"], Y)
    if RTRL_SOLVERS[estimator.solver] == 1:
        opt.t = int(stream["counters"][1])
        opt.learning_rate = (opt.learning_rate_init * math.sqrt(1 - opt.beta_2**opt.t)
                             / (1 - opt.beta_1**opt.t)) if opt.t else opt.learning_rate
    return loss_sum, diverged, (Y if outputs else None)


def _window(estimator, seqs):
    """Targets per update: ``batch_size``, and 1 for 'auto' (real-time learning)."""
    return 1 if estimator.batch_size == "auto" else int(estimator.batch_size)


def fit_rtrl(estimator, seqs, incremental, first_pass):
    """The epoch loop of solver='rtrl' (fit), or one pass of partial_fit."""
    est = estimator
    warn_rtrl_size(est, seqs, first_pass)
    early_stopping = est.early_stopping and not incremental
    validation = None
    if early_stopping:
        seqs, validation = est._split_validation(seqs)
    if (not incremental or not hasattr(est, "_optimizer")
            or type(est._optimizer) is not _OPTIMIZER_KINDS[est.solver]):
        # partial_fit after set_params(solver=...) to a solver whose
        # optimizer is of another kind (the kernel reads its moments) starts one
        est._optimizer = (DEKFState(est._network, est.learning_rate_init, est._theta.dtype)
                          if est.solver == "dekf" else est._make_optimizer())
    is_series = seqs.layout == "series"
    stream = getattr(est, "_rtrl_stream", None)
    if first_pass or stream is None or stream["gradient"].shape != est._theta.shape:
        stream = _new_stream(est)
        carried = getattr(est, "_stream_state", None)
        if incremental and not first_pass and carried is not None:
            # a series another solver has been streaming continues from its
            # state (the sensitivities to the weights start at zero there)
            stream["state"][...] = carried[0]
    # 3D and list input start every sequence afresh and must not leave their
    # last sequence's state as the one a 2D series continues from
    held = None if is_series else (stream["state"].copy(), stream["sensitivities"].copy())
    theta = est._theta
    finished = theta.copy()
    finished_optimizer = copy.deepcopy(est._optimizer)
    finished_stream = copy.deepcopy(stream)
    progress = Progress(est.verbose, *(getattr(est, "_stream_clock", (0.0, None))
                                       if incremental else (0.0, None)))
    try:
        for epoch in range(1, est.max_iter + 1):
            order = (est._random_state.permutation(seqs.n_sequences)
                     if est.shuffle and not is_series else np.arange(seqs.n_sequences))
            # a series continues the stream in partial_fit; fit starts each epoch afresh
            loss_sum, diverged, _ = rtrl_pass(
                est, seqs, stream, order, continue_stream=incremental and is_series,
                flush=not incremental)
            if diverged >= 0:
                # the weights are those of the last finite update; the state
                # and sensitivities may not be finite: the stream restarts
                stream = _new_stream(est)
                est._warn_divergence()
                break
            if held is not None:
                stream["state"][...], stream["sensitivities"][...] = held
            finished[...] = theta
            finished_optimizer = copy.deepcopy(est._optimizer)
            finished_stream = copy.deepcopy(stream)
            if is_series:
                est._stream_state = stream["state"][None].copy()
            if est._end_epoch(loss_sum, seqs, epoch, progress, incremental, early_stopping,
                              validation):
                break
            if incremental:
                break
        else:
            if not incremental:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) reached "
                    "and the optimization hasn't converged yet.", ConvergenceWarning,
                    stacklevel=5)  # the caller of fit
    except KeyboardInterrupt:
        theta[...] = finished
        est._optimizer = finished_optimizer
        stream = finished_stream
        warn_interrupted(f"the weights of the last finished epoch are kept (after "
                         f"{est.n_iter_} epochs in all).", stacklevel=6)
    est._rtrl_stream = stream
    if early_stopping and est._best_theta is not None:
        theta[...] = est._best_theta
    if incremental:
        est._stream_clock = (progress.elapsed, progress.last_line)
    else:
        est.__dict__.pop("_stream_clock", None)
