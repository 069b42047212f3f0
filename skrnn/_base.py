"""The machinery every gradient-trained skrnn network shares.

:class:`BaseRecurrent` owns the hyperparameters of training, the flat weight
vector, the epoch loop of the stochastic solvers, L-BFGS, early stopping,
warm starts and streaming. A network family only says how to build its
network (:meth:`BaseRecurrent._build_network`); a task (regression or
classification, in :mod:`skrnn._tasks`) says how targets are encoded,
scored and decoded.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import math
import warnings
from abc import ABC, abstractmethod
from functools import partial
from numbers import Integral, Real

import numpy as np
import scipy.optimize
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._activations import HIDDEN_ACTIVATIONS
from ._architecture import (
    architecture,
    check_architecture,
    continued_call,
    follow_training_settings,
    record_architecture,
)
from ._layers import WEIGHT_INITS
from ._losses import LOSSES
from ._rtrl import RTRL_SOLVERS, check_rtrl_settings, fit_rtrl
from ._sequences import Sequences, check_sequences
from ._solvers import AdamOptimizer, SGDOptimizer
from ._weights import target_weights
from .utils._compat import Interval, StrOptions, _check_optimize_result
from .utils._progress import Progress, warn_interrupted
from .utils._threads import kernel_threads, limit_threads, run_in_parallel
from .utils._workspace import NO_WORKSPACE, Workspace

# loss name -> its code in the compiled population kernels (skrnn/_kernels/_fitness.pxd)
POPULATION_LOSS_CODES = {"squared_error": 0, "log_loss": 1}

# the two parameters of the simple recurrent units (Elman, Jordan, and the
# networks built on their kernels or their units: RNNPB, second order)
SRN_PARAMETER_CONSTRAINTS = {
    "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
    "initial_context": [Real],
}

# Elman's and Jordan's own training options; the networks built on them do
# not take these (the RTRL kernel knows only Elman's and Jordan's equations)
SRN_TRAINING_CONSTRAINTS = {
    # real-time recurrent learning (skrnn._rtrl) as well as BPTT's solvers
    "solver": [StrOptions({"sgd", "adam", "lbfgs", "rtrl", "rtrl_adam", "dekf"})],
    # WEKA's initialisation, for its recipe, beside the shared schemes
    "weight_init": [StrOptions(set(WEIGHT_INITS) | {"small_uniform"})],
    # WEKA's resetAfterTraining=False
    "keep_training_state": ["boolean"],
}


#: ``batch_size='auto'``: sequences per update (Keras' default; chosen on the
#: generalisation benchmark), and steps per update of a single series
AUTO_SEQUENCES = 32
AUTO_SERIES_STEPS = 200


def auto_batch_size(n, series=False):
    """What ``batch_size='auto'`` means for ``n`` sequences (or ``n`` steps of a series)."""
    return min(AUTO_SERIES_STEPS if series else AUTO_SEQUENCES, n)


class _SplitRefused(ValueError):
    """Early stopping's validation split is refused (before any training)."""


class BaseRecurrent(BaseEstimator, ABC):
    """Base class of the networks trained by backpropagation through time.

    Not meant to be used directly: see :class:`~skrnn.ElmanRegressor` and
    the other estimators, whose docstrings document every parameter.
    """

    _parameter_constraints: dict = {
        "n_hidden": [Interval(Integral, 1, None, closed="left")],
        "bptt_steps": [None, Interval(Integral, 1, None, closed="left")],
        "solver": [StrOptions({"sgd", "adam", "lbfgs"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "max_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "n_jobs": [None, Integral],
        "callbacks": [None, list, tuple],
        "weight_init": [StrOptions(set(WEIGHT_INITS))],
        "update_every": [StrOptions({"batch", "step"})],
    }

    def __init__(
        self,
        n_hidden=32,
        *,
        bptt_steps=None,
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.01,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=50,
        max_fun=15000,
        max_grad_norm=5.0,
        n_jobs=None,
        callbacks=None,
        weight_init="orthogonal",
        update_every="batch",
    ):
        self.n_hidden = n_hidden
        self.bptt_steps = bptt_steps
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.max_grad_norm = max_grad_norm
        self.n_jobs = n_jobs
        self.callbacks = callbacks
        self.update_every = update_every
        self.weight_init = weight_init

    # set by the task mixins
    _loss: str
    _univariate_rows: bool

    #: the parameters that shape the network or its equations: a continued
    #: fit (partial_fit, warm_start) refuses a change of any of them
    _architecture_params = ("n_hidden",)

    @abstractmethod
    def _build_network(self, n_inputs, n_outputs):
        """The network for this family and these sizes (weights not included)."""

    def _architecture(self):
        """Name -> canonical value of each architecture parameter."""
        return architecture(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # 3D batches and lists of sequences; 2D stays on, or the common
        # checks would silently skip every test
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        tags.non_deterministic = False
        return tags

    # -- the flat weight vector --------------------------------------------
    def _views(self, theta):
        """Name -> view into ``theta`` for every weight of the network."""
        views, start = {}, 0
        for name, shape in self._network.layout():
            size = math.prod(shape)  # np.prod costs microseconds, this is per batch
            views[name] = theta[start:start + size].reshape(shape)
            start += size
        return views

    def _link_weights(self):
        """Make the fitted weight attributes views into ``self._theta``.

        A layout name ``"name_[l]"`` is layer l of the list attribute ``name_``.
        """
        layers = {}
        for name, view in self._views(self._theta).items():
            if name.endswith("]"):
                layers.setdefault(name[:name.index("[")], []).append(view)
            else:
                setattr(self, name, view)
        for name, views in layers.items():
            setattr(self, name, views)

    def __setstate__(self, state):
        super().__setstate__(state)
        # pickling copies views into arrays of their own: link them again
        if "_theta" in self.__dict__:
            self._link_weights()

    def get_flat_weights(self):
        """All weights of the fitted network as one flat vector (a copy).

        The order is that of the fitted attributes: input weights, recurrent
        (Elman) or context (Jordan) weights, hidden bias, output weights,
        output bias, each flattened in C order.

        Returns
        -------
        weights : ndarray of shape (n_weights,)
        """
        check_is_fitted(self)
        return self._theta.copy()

    def set_flat_weights(self, weights):
        """Replace all weights of the fitted network by a flat vector.

        Parameters
        ----------
        weights : array-like of shape (n_weights,)
            As returned by :meth:`get_flat_weights`.

        Returns
        -------
        self : object
        """
        check_is_fitted(self)
        weights = np.asarray(weights)
        if weights.shape != self._theta.shape:
            raise ValueError(
                f"weights must have shape {self._theta.shape}; got {weights.shape}."
            )
        if not np.all(np.isfinite(weights)):
            raise ValueError("weights must be finite.")
        self._theta[...] = weights
        return self

    def evaluate_loss(self, X, y, weights=None, sample_weight=None):
        """Training loss (data loss + L2 penalty) of ``weights`` on ``(X, y)``.

        Every sequence starts from the initial state. The fitted model is
        left unchanged.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout the estimator accepts.
        y : array-like or list of array-like
            Targets, as for :meth:`fit`.
        weights : array-like of shape (n_weights,), default=None
            Flat weight vector; the fitted weights when None.
        sample_weight : array-like or list of array-like, default=None
            Weights of the targets, as for :meth:`fit` (a classifier's
            ``class_weight`` applies too).

        Returns
        -------
        loss : float
        """
        check_is_fitted(self)
        seqs = self._prepare(X, y, reset=False, sample_weight=sample_weight)
        theta = self._theta if weights is None else np.asarray(weights, dtype=self._theta.dtype)
        if theta.shape != self._theta.shape:
            raise ValueError(f"weights must have shape {self._theta.shape}; got {theta.shape}.")
        with limit_threads(self.n_jobs, parallel_kernels=True):
            return self._objective(theta, seqs, self._initial_state(seqs), need_grad=False)[0]

    # -- population losses (gradient-free weight search) -----------------------
    def population_loss(self, thetas, X, y, sample_weight=None):
        """Training loss (data loss + L2 penalty) of many flat weight vectors at once.

        The loss of each row of ``thetas``, as :meth:`evaluate_loss` would
        give it, computed for the whole population in one compiled call
        (Elman and Jordan networks; other networks loop over the candidates
        in Python). Jordan's context is always fed by the network's own
        outputs here, as when it predicts, even with ``teacher_forcing=True``.
        The candidates are split into blocks run in parallel threads
        (``n_jobs``); each candidate is computed whole by one thread, so the
        losses do not depend on the number of threads.

        Parameters
        ----------
        thetas : array-like of shape (n_candidates, n_weights)
            Flat weight vectors, as returned by :meth:`get_flat_weights`.
        X : array-like or list of array-like
            Sequences in any layout the estimator accepts.
        y : array-like or list of array-like
            Targets, as for :meth:`fit`.
        sample_weight : array-like or list of array-like, default=None
            Weights of the targets, as for :meth:`fit` (a classifier's
            ``class_weight`` applies too): the loss is the weighted mean.

        Returns
        -------
        losses : ndarray of shape (n_candidates,)
            The losses, float64; ``inf`` where the forward pass overflowed.
        """
        check_is_fitted(self)
        seqs = self._prepare(X, y, reset=False, sample_weight=sample_weight)
        thetas = np.asarray(thetas)
        if thetas.ndim != 2 or thetas.shape[1] != self._theta.shape[0]:
            raise ValueError(f"thetas must have shape (n_candidates, {self._theta.shape[0]}); "
                             f"got {thetas.shape}.")
        if not np.all(np.isfinite(thetas)):
            raise ValueError("thetas must be finite.")
        return self._population_loss(thetas, seqs)

    def _population_loss(self, thetas, seqs):
        """:meth:`population_loss` on validated Sequences (no checks)."""
        thetas = np.ascontiguousarray(thetas, dtype=self._theta.dtype)
        n_cand = thetas.shape[0]
        out = np.empty(n_cand, dtype=np.float64)
        net = self._network
        loss_name = getattr(self, "loss", None) or self._loss
        state0 = self._initial_state(seqs)
        # a network whose population kernel calls no BLAS says so: setting
        # and restoring BLAS's threads is then skipped (tens of microseconds
        # a call, a tenth of a population's time at a few hidden units)
        blas_free = getattr(net, "population_blas_free", False)
        with limit_threads(self.n_jobs, parallel_kernels=True, blas_free=blas_free), \
                np.errstate(over="ignore", invalid="ignore"):
            if hasattr(net, "population_loss") and loss_name in POPULATION_LOSS_CODES:
                if seqs.per_step:
                    target_rows = np.arange(seqs.n_steps, dtype=np.intp)
                else:
                    target_rows = np.ascontiguousarray(seqs.last_rows, dtype=np.intp)
                targets = np.ascontiguousarray(seqs.Y, dtype=thetas.dtype)
                weights = (None if seqs.W is None
                           else np.ascontiguousarray(seqs.W, dtype=np.float64))
                # blocks of candidates, one per thread: a candidate never spans two
                n_blocks = max(1, min(kernel_threads(), n_cand))
                bounds = [n_cand * i // n_blocks for i in range(n_blocks + 1)]
                run_in_parallel([
                    partial(net.population_loss, thetas, seqs, state0, targets, target_rows,
                            POPULATION_LOSS_CODES[loss_name], lo, hi, out, weights)
                    for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo])
            else:
                loss_fn = self._loss_function()
                for c in range(n_cand):
                    params = self._views(thetas[c])
                    Y, _, _ = net.forward(params, seqs, state0, need_cache=False)
                    out[c] = (loss_fn(Y[seqs.target_rows], seqs.Y)[0] if seqs.W is None else
                              loss_fn(Y[seqs.target_rows], seqs.Y, sample_weight=seqs.W)[0])
            # the L2 penalty, for all candidates at once: the positions the
            # network penalises are found by asking it about a vector of indices
            positions = np.arange(thetas.shape[1], dtype=np.float64)
            penalised = np.concatenate([W.ravel() for W in net.penalised(self._views(positions))])
            block = thetas[:, penalised.astype(np.intp)]
            n = max(seqs.n_targets, 1) if seqs.W is None else (seqs.total_weight or 1.0)
            out += (0.5 * self.alpha / n
                    * np.einsum("ij,ij->i", block, block, dtype=np.float64))
        out[~np.isfinite(out)] = np.inf
        return out

    # -- loss and gradient ---------------------------------------------------
    def _initial_state(self, seqs):
        return self._network.initial_state(seqs.n_sequences, self._theta.dtype)

    def _forced(self, seqs):
        """Values fed to the context instead of the outputs (teacher forcing)."""
        return None

    def _loss_function(self):
        """``(P, T) -> (loss, gradient at the output pre-activations)``, see _losses."""
        return LOSSES[self._loss]

    def _objective(self, theta, seqs, state0, need_grad=True, workspace=NO_WORKSPACE):
        """Loss (with the L2 penalty), its gradient, and the final state.

        ``workspace`` (see :mod:`skrnn.utils._workspace`) lends the network
        its per-batch arrays; a fit passes one for all its batches.
        """
        # a diverging fit overflows; the callers detect the non-finite loss
        # and say what to change, so NumPy's own warnings would only repeat it
        with np.errstate(over="ignore", invalid="ignore"):
            return self._objective_unguarded(theta, seqs, state0, need_grad, workspace)

    def _objective_unguarded(self, theta, seqs, state0, need_grad, workspace):
        net = self._network
        params = self._views(theta)
        Y, cache, state = net.forward(params, seqs, state0, forced=self._forced(seqs),
                                      need_cache=need_grad, workspace=workspace)
        loss_fn = self._loss_function()
        if seqs.W is None:
            loss, dP = loss_fn(Y[seqs.target_rows], seqs.Y)
            n = max(seqs.n_targets, 1)
        else:
            # the weighted average; the penalty over the weights' total, so
            # that an integer weight is the sequence repeated
            loss, dP = loss_fn(Y[seqs.target_rows], seqs.Y, sample_weight=seqs.W)
            n = seqs.total_weight if seqs.total_weight > 0 else 1.0
        penalised = net.penalised(params) if self.alpha else []
        loss += 0.5 * self.alpha / n * sum(float(np.einsum("ij,ij->", W, W)) for W in penalised)
        if not need_grad:
            return loss, None, state
        if seqs.per_step:
            dO = dP
        else:
            dO = np.zeros_like(Y)
            dO[seqs.last_rows] = dP
        grad = np.empty_like(theta)
        grads = self._views(grad)
        net.gradient(params, seqs, cache, dO, grads, state0, workspace=workspace)
        for W, dW in zip(penalised, net.penalised(grads) if self.alpha else []):
            dW += (self.alpha / n) * W
        return loss, grad, state

    # -- fitting -------------------------------------------------------------
    def _prepare(self, X, y, reset, classes=None, sample_weight=None, incremental=False):
        """Validate ``(X, y)`` into Sequences with encoded targets (and weights).

        A chunk of a streamed series (``incremental``, 2D) may weigh all its
        targets 0: it then only advances the stream.

        Validation records what it learns of the data (``n_features_in_``,
        ``classes_``...) as it goes; if it fails half-way, the attributes of
        the previous fit are put back, so a fitted model is never left
        inconsistent by bad input.
        """
        saved = self.__dict__.copy()
        try:
            dtype = None if reset else self._theta.dtype
            seqs = check_sequences(self, X, reset=reset,
                                   univariate_rows=self._univariate_rows, dtype=dtype)
            self._encode_targets(seqs, y, reset=reset, classes=classes)
            self._check_targets(seqs)
            seqs.W = self._target_weights(
                seqs, sample_weight, allow_all_zero=incremental and seqs.layout == "series")
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return seqs

    def _check_targets(self, seqs):
        """Family-specific checks of the encoded targets (none by default)."""

    def _target_weights(self, seqs, sample_weight, allow_all_zero=False):
        """One weight per target row, or None (the classifiers add class weights)."""
        return target_weights(seqs, sample_weight, allow_all_zero)

    def _check_update_every(self, seqs):
        """The settings ``update_every='step'`` cannot run with, as ValueErrors."""
        if self.update_every != "step":
            return
        if self.solver == "lbfgs":
            raise ValueError("update_every='step' updates the weights after every step; "
                             "solver='lbfgs' fits all the data at once. Use solver='sgd' or "
                             "'adam'.")
        if seqs.layout == "series":
            raise ValueError(
                "update_every='step' needs sequences (3D or a list): the gradient of each "
                "step runs back to the start of its sequence, which on one long series "
                "would cost the square of its length. For one update per step of a single "
                "series (the state carried, the gradient truncated to that step), use "
                "batch_size=1.")
        if self.batch_size not in ("auto", 1):
            raise ValueError(f"update_every='step' takes the sequences one at a time; got "
                             f"batch_size={self.batch_size!r}. Leave batch_size='auto'.")

    def _fit(self, X, y, incremental=False, classes=None, sample_weight=None):
        for i, callback in enumerate(self.callbacks or ()):
            if not callable(callback):
                raise ValueError(f"callbacks[{i}] must be callable (called after each epoch as "
                                 f"callback(estimator, info)); got {callback!r}.")
        if self.solver in RTRL_SOLVERS:
            # before anything is validated or built: a refused setting changes nothing
            check_rtrl_settings(self)
        first_pass = not hasattr(self, "_theta") or (not self.warm_start and not incremental)
        if not first_pass:
            check_architecture(self, continued_call(incremental))
        saved = self.__dict__.copy()
        seqs = self._prepare(X, y, reset=first_pass, classes=classes,
                             sample_weight=sample_weight, incremental=incremental)
        try:
            self._check_update_every(seqs)
        except ValueError:  # refused: the fitted model keeps the attributes of its own data
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        if first_pass:
            self._initialize(seqs)
        else:
            follow_training_settings(self)
        try:
            self._train(seqs, incremental, first_pass)
        except _SplitRefused:
            # refused before any step, but after a refit drew new weights: the
            # fitted model is put back whole
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return self

    def _train(self, seqs, incremental, first_pass):
        """The solver's training over validated ``seqs`` (the body of :meth:`_fit`)."""
        # the arrays of a training step, reused from batch to batch
        workspace = Workspace()
        with limit_threads(self.n_jobs, parallel_kernels=True):
            if self.solver in RTRL_SOLVERS:
                fit_rtrl(self, seqs, incremental, first_pass)
            else:
                # the RTRL stream (state, sensitivities) no longer follows the
                # weights: after set_params(solver=...) back, RTRL continues
                # from _stream_state, where this solver leaves the series
                self.__dict__.pop("_rtrl_stream", None)
                if self.solver == "lbfgs":
                    self._fit_lbfgs(seqs, workspace)
                else:
                    self._fit_stochastic(seqs, incremental, workspace)
            if (self.early_stopping and not incremental and self.solver != "lbfgs"
                    and seqs.layout == "series"):
                self._state_after_validation_tail(seqs)
            if (self.solver == "lbfgs" and getattr(self, "keep_training_state", False)
                    and seqs.layout == "series"):
                # L-BFGS keeps no state of its own: that of its final weights
                # (Jordan's teacher forcing: the context the targets fed, as
                # the stochastic solvers leave it)
                _, _, self._stream_state = self._network.forward(
                    self._views(self._theta), seqs, self._initial_state(seqs),
                    forced=self._forced(seqs), need_cache=False)

    def _state_after_validation_tail(self, seqs):
        """The series' state after a fit with early stopping: past the tail held out.

        The epochs ran over the series without its validation tail, and the
        weights kept are the best epoch's, not the last's: the state a
        continuation of the series (``partial_fit``, ``keep_training_state``)
        starts from is that of the kept weights over the whole series.
        """
        _, _, state = self._network.forward(
            self._views(self._theta), seqs, self._initial_state(seqs),
            forced=self._forced(seqs), need_cache=False)
        self._stream_state = state
        stream = getattr(self, "_rtrl_stream", None)
        if stream is not None:
            # RTRL continues from there, its sensitivities started afresh
            stream["state"][...] = state[0]
            stream["sensitivities"][...] = 0

    def _initialize(self, seqs):
        self._random_state = check_random_state(self.random_state)
        network = self._build_network(self._n_inputs, self.n_outputs_)
        self._network = network
        record_architecture(self)
        dtype = seqs.X.dtype  # dtype preserved: float32 in, float32 weights
        n_weights = sum(math.prod(shape) for _, shape in network.layout())
        self._theta = np.empty(n_weights, dtype=dtype)
        network.initialize(self._views(self._theta), self._random_state)
        self._link_weights()
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self._best_theta = None
        self._chunks_seen = self._steps_seen = 0
        if self.early_stopping and self.solver != "lbfgs":
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf
        self.__dict__.pop("_stream_state", None)
        self.__dict__.pop("_optimizer", None)

    def _make_optimizer(self):
        n, dtype = self._theta.shape[0], self._theta.dtype
        if self.solver in ("sgd", "rtrl"):
            return SGDOptimizer(n, self.learning_rate_init, self.learning_rate, self.momentum,
                                self.nesterovs_momentum, self.power_t, dtype)
        return AdamOptimizer(n, self.learning_rate_init, self.beta_1, self.beta_2,
                             self.epsilon, dtype, schedule=self.learning_rate)

    def _split_validation(self, seqs):
        """Hold out the tail of a single series, or a random set of sequences."""
        rng = self._random_state
        if seqs.layout == "series":
            n_val = int(round(self.validation_fraction * seqs.n_steps))
            if n_val < 1 or n_val >= seqs.n_steps:
                raise _SplitRefused(
                    f"validation_fraction={self.validation_fraction} leaves no validation "
                    f"or no training steps out of {seqs.n_steps}."
                )
            train, validation = seqs.segment(0, seqs.n_steps - n_val), (seqs, seqs.n_steps - n_val)
        else:
            stratify = self._stratify_labels(seqs) if self._univariate_rows else None
            try:
                train_idx, val_idx = train_test_split(
                    np.arange(seqs.n_sequences), test_size=self.validation_fraction,
                    random_state=rng, stratify=stratify)
            except ValueError as error:  # (too few sequences, or of a class, to split)
                raise _SplitRefused(str(error)) from error
            train, validation = seqs.take(train_idx), (seqs.take(val_idx), 0)
        held, start = validation
        if held.W is not None and not np.any(held.W[start:] > 0):
            raise _SplitRefused(
                "The validation set that early_stopping holds out has weight 0 everywhere, "
                "so it cannot score an epoch. Change validation_fraction or random_state, "
                "or give those samples weight.")
        return train, validation

    def _validation_score(self, validation):
        """The score of the held-out targets, weighted by their weights."""
        seqs, start = validation
        Y, _, _ = self._network.forward(self._views(self._theta), seqs, self._initial_state(seqs),
                                        need_cache=False)
        rows = np.arange(seqs.n_steps)[seqs.target_rows][start:]
        if seqs.W is None:
            return self._score_outputs(Y[rows], seqs.Y[start:])
        return self._score_outputs(Y[rows], seqs.Y[start:], sample_weight=seqs.W[start:])

    def _batches(self, seqs):
        """Mini-batches of one epoch.

        A single series is cut into consecutive segments of ``batch_size``
        steps that keep their order (the state carries from one to the
        next); a batch of sequences is shuffled and cut into groups of
        ``batch_size`` sequences.
        """
        if self.update_every == "step":
            yield from self._step_updates(seqs)
            return
        if seqs.layout == "series":
            n = seqs.n_steps
            size = (auto_batch_size(n, series=True) if self.batch_size == "auto"
                    else min(self.batch_size, n))
            for start in range(0, n, size):
                yield seqs.segment(start, min(start + size, n))
            return
        n = seqs.n_sequences
        size = auto_batch_size(n) if self.batch_size == "auto" else min(self.batch_size, n)
        if size >= n and not self.shuffle:
            yield seqs
            return
        idx = self._random_state.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, size):
            yield seqs.take(idx[start:start + size])

    def _step_updates(self, seqs):
        """The updates of an epoch with ``update_every='step'``.

        Sequences one at a time (shuffled with ``shuffle``); within each, one
        update per target: the steps up to that target, as a sequence whose
        only target is its last step, so that the gradient is the exact
        gradient of that step's error through everything before it, at the
        current weights (real-time backpropagation through time).
        """
        n = seqs.n_sequences
        order = self._random_state.permutation(n) if self.shuffle else range(n)
        for s in order:
            start, stop = int(seqs.offsets[s]), int(seqs.offsets[s + 1])
            ends = range(start, stop) if seqs.per_step else (stop - 1,)
            for end in ends:
                row = end if seqs.per_step else s
                yield Sequences(seqs.X[start:end + 1],
                                np.array([0, end + 1 - start], dtype=np.intp), "list",
                                seqs.Y[row][None], per_step=False,
                                W=None if seqs.W is None else seqs.W[row:row + 1])

    def _fit_stochastic(self, seqs, incremental, workspace):
        early_stopping = self.early_stopping and not incremental
        validation = None
        if early_stopping:
            seqs, validation = self._split_validation(seqs)
        if (not incremental or not hasattr(self, "_optimizer")
                or not hasattr(self._optimizer, "update")):
            # (partial_fit after set_params(solver=...) from 'dekf', whose
            # filter is no gradient step)
            self._optimizer = self._make_optimizer()
        theta = self._theta
        theta_before = theta.copy()
        # the weights and optimizer state (Adam's moments and step count,
        # SGD's velocity) of the last finished epoch, put back on Ctrl-C: the
        # epoch it interrupted has moved them by only some of its batches
        finished = theta.copy()
        finished_optimizer = copy.deepcopy(self._optimizer)
        is_series = seqs.layout == "series"
        # partial_fit's lines count the time of the whole stream, not of this call
        progress = Progress(self.verbose,
                            *(getattr(self, "_stream_clock", (0.0, None)) if incremental
                              else (0.0, None)))
        diverged = False
        try:
            for epoch in range(1, self.max_iter + 1):
                state = None
                if is_series and incremental:
                    state = getattr(self, "_stream_state", None)
                total_loss = 0.0
                targets_done = 0  # for the progress lines within a long epoch
                for batch in self._batches(seqs):
                    if state is None or not is_series:
                        state = self._initial_state(batch)
                    loss, grad, state = self._objective(theta, batch, state,
                                                        workspace=workspace)
                    if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
                        theta[...] = theta_before
                        diverged = True
                        break
                    total_loss += loss * batch.total_weight
                    targets_done += batch.n_targets
                    if batch.W is not None and batch.total_weight == 0:
                        # nothing to learn: the L2 penalty alone would pull the
                        # weights (a step of Adam's full size); the state moved on
                        continue
                    progress.tick("targets", targets_done, seqs.n_targets,
                                  context=f"Epoch {epoch}: ",
                                  whole=(epoch - 1 + targets_done / seqs.n_targets)
                                  / self.max_iter)
                    if self.max_grad_norm is not None:
                        norm = np.linalg.norm(grad)
                        if norm > self.max_grad_norm:
                            grad *= self.max_grad_norm / norm
                    theta_before[...] = theta
                    self._optimizer.update(theta, grad)
                if diverged:
                    self._warn_divergence()
                    break
                finished[...] = theta
                finished_optimizer = copy.deepcopy(self._optimizer)
                if is_series:
                    self._stream_state = state
                if self._end_epoch(total_loss, seqs, epoch, progress, incremental,
                                   early_stopping, validation):
                    break
                if incremental:
                    break
            else:
                if not incremental:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                        "and the optimization hasn't converged yet.", ConvergenceWarning,
                        stacklevel=4)  # the caller of fit
        except KeyboardInterrupt:
            theta[...] = finished
            self._optimizer = finished_optimizer
            kept = ("the best-validation weights"
                    if early_stopping and self._best_theta is not None
                    else "the weights of the last finished epoch")
            warn_interrupted(f"{kept} are kept (after {self.n_iter_} epochs in all).",
                             stacklevel=5)  # the caller of fit (past _fit_context)
        if early_stopping and self._best_theta is not None:
            theta[...] = self._best_theta
        if incremental:  # partial_fit's stream: its seconds, when its last line came
            self._stream_clock = (progress.elapsed, progress.last_line)
        else:
            self.__dict__.pop("_stream_clock", None)

    def _end_epoch(self, loss_sum, seqs, epoch, progress, incremental, early_stopping,
                   validation):
        """The bookkeeping after an epoch of any stochastic solver; whether to stop.

        Counts the epoch and its targets, records the loss (``loss_sum`` over
        the epoch's targets), updates the stopping counters, prints the
        verbose line and calls the callbacks; True when a callback or the
        plateau rule (``n_iter_no_change``, after the optimizer's own say)
        stops the fit.
        """
        if seqs.W is not None and seqs.total_weight == 0:
            # a chunk of a streamed series weighted 0 everywhere (partial_fit):
            # it moved the stream on and learned nothing, so it is no epoch,
            # has no loss and must not look like one that stopped improving
            return False
        self.n_iter_ += 1
        self.t_ += seqs.n_targets
        self.loss_ = loss_sum / (seqs.total_weight or 1)
        self.loss_curve_.append(self.loss_)
        if incremental:  # counted for the verbose lines of partial_fit
            self._chunks_seen = getattr(self, "_chunks_seen", 0) + 1
            self._steps_seen = getattr(self, "_steps_seen", 0) + seqs.n_steps
        self._optimizer.iteration_ends(self.t_)
        self._update_no_improvement_count(early_stopping, validation)
        self._print_epoch(progress, epoch, seqs, incremental, early_stopping)
        if self._callbacks_stop(
                loss=self.loss_, learning_rate=self._optimizer.base_learning_rate,
                validation_score=self.validation_scores_[-1] if early_stopping else None):
            return True
        if self._no_improvement_count > self.n_iter_no_change:
            what = "Validation score" if early_stopping else "Training loss"
            msg = (f"{what} did not improve more than tol={self.tol} for "
                   f"{self.n_iter_no_change} consecutive epochs.")
            if self._optimizer.trigger_stopping(msg, self.verbose):
                return True
            self._no_improvement_count = 0
        return False

    def _callbacks_stop(self, *, loss, learning_rate, validation_score, epoch=None):
        """Call every callback after an epoch; whether one of them asked to stop.

        ``callback(estimator, info)`` sees the weights of the epoch just
        finished; ``info`` holds ``epoch`` (epochs run in all), ``loss`` (its
        training loss), ``validation_score`` (with ``early_stopping``, else
        None) and ``learning_rate`` (the base rate of 'sgd' or 'adam', None
        for 'lbfgs'). A callback that returns True stops the fit after this
        epoch; one that raises stops it too, and the error propagates.
        """
        if not self.callbacks:
            return False
        info = {"epoch": self.n_iter_ if epoch is None else epoch, "loss": float(loss),
                "validation_score": validation_score, "learning_rate": learning_rate}
        stop = False
        for callback in self.callbacks:
            stop = bool(callback(self, dict(info))) or stop
        return stop

    def _print_epoch(self, progress, epoch, seqs, incremental, early_stopping):
        """One verbose line per epoch of fit, or per chunk of partial_fit."""
        if not self.verbose:
            return
        if incremental:
            progress.step("Chunk", self._chunks_seen, summary=True, loss=self.loss_,
                          steps_seen=self._steps_seen)
        elif early_stopping:
            progress.step("Epoch", epoch, self.max_iter, loss=self.loss_,
                          val_score=self.validation_scores_[-1])
        else:
            progress.step("Epoch", epoch, self.max_iter, loss=self.loss_)

    def _update_no_improvement_count(self, early_stopping, validation):
        if early_stopping:
            score = self._validation_score(validation)
            self.validation_scores_.append(score)
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_theta = self._theta.copy()
            return
        if self.best_loss_ is None:
            # partial_fit after a fit with early stopping (which tracks no
            # training loss): the stream's own best starts here
            self.best_loss_ = np.inf
        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if self.loss_curve_[-1] < self.best_loss_:
            self.best_loss_ = self.loss_curve_[-1]

    def _warn_divergence(self):
        hint = (f"lower learning_rate_init (now {self.learning_rate_init})"
                if self.solver != "lbfgs" else "raise alpha or scale the inputs")
        warnings.warn(
            "Training diverged: the loss or its gradient is not finite. The weights of the "
            f"last finite step are kept; {hint}, or set max_grad_norm.", ConvergenceWarning,
            stacklevel=5)  # the caller of fit or partial_fit

    def _fit_lbfgs(self, seqs, workspace):
        dtype = self._theta.dtype
        state0 = self._initial_state(seqs)
        # the best point L-BFGS has evaluated: its result, and what Ctrl-C keeps
        best = {"loss": np.inf, "theta": self._theta.copy()}
        progress = Progress(self.verbose)
        n_iter = 0
        stopped = []  # by a callback

        def fun(w):
            theta = w.astype(dtype)
            loss, grad, _ = self._objective(theta, seqs, state0, workspace=workspace)
            if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
                return np.inf, np.zeros_like(w)
            if loss < best["loss"]:
                best["loss"], best["theta"] = loss, theta
            return loss, grad.astype(np.float64)

        def callback(intermediate_result):
            nonlocal n_iter
            n_iter += 1
            self.loss_curve_.append(float(intermediate_result.fun))
            progress.step("Iteration", n_iter, self.max_iter, loss=self.loss_curve_[-1])
            # the estimator's weights are the best point so far while a callback looks
            self._theta[...] = best["theta"]
            if self._callbacks_stop(epoch=self.n_iter_ + n_iter, loss=self.loss_curve_[-1],
                                    learning_rate=None, validation_score=None):
                stopped.append(True)
                raise StopIteration  # L-BFGS ends here, with its result so far

        try:
            result = scipy.optimize.minimize(
                fun, self._theta.astype(np.float64), method="L-BFGS-B", jac=True,
                callback=callback,
                options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol})
        except KeyboardInterrupt:
            self.n_iter_ += n_iter
            warn_interrupted(f"the best weights evaluated are kept (after {n_iter} L-BFGS "
                             "iterations).", stacklevel=5)  # the caller of fit
        else:
            if stopped:
                self.n_iter_ += n_iter
            else:
                self.n_iter_ += _check_optimize_result("lbfgs", result, self.max_iter)
            if not np.isfinite(result.fun):
                self._warn_divergence()
        self._theta[...] = best["theta"]
        self.loss_ = float(best["loss"])
        self.best_loss_ = min(self.best_loss_, self.loss_)
        self.t_ += seqs.n_targets

    # -- prediction ------------------------------------------------------------
    def _run(self, X, initial_state=None):
        """Forward pass over new data: (sequences, outputs, final state)."""
        check_is_fitted(self)
        seqs = check_sequences(self, X, reset=False, univariate_rows=self._univariate_rows,
                               dtype=self._theta.dtype)
        if (initial_state is None and getattr(self, "keep_training_state", False)
                and seqs.layout == "series" and getattr(self, "_stream_state", None) is not None):
            # the series continues from where training left it (WEKA's
            # resetAfterTraining=False), as the parameter asks
            initial_state = self._stream_state
        state = self._check_state(initial_state, seqs)
        # prediction's kernels (and products) call no BLAS
        with limit_threads(self.n_jobs, parallel_kernels=True, blas_free=True):
            Y, _, state = self._network.forward(self._views(self._theta), seqs, state,
                                                need_cache=False)
        return seqs, Y, state

    def _check_state(self, state, seqs):
        if state is None:
            return self._initial_state(seqs)
        state = np.asarray(state, dtype=self._theta.dtype)
        expected = (seqs.n_sequences, self._network.state_size)
        if state.ndim == 1 and state.shape[0] == expected[1]:
            state = np.broadcast_to(state, expected)
        if state.shape != expected:
            raise ValueError(f"initial_state must have shape {expected} (or "
                             f"({expected[1]},) for every sequence); got {state.shape}.")
        if not np.all(np.isfinite(state)):
            raise ValueError("initial_state must be finite.")
        return np.ascontiguousarray(state)

