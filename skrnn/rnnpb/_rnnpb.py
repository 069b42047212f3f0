"""The recurrent neural network with parametric bias (RNNPB) as an estimator."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from .._architecture import check_architecture, continued_call, follow_training_settings
from .._base import SRN_PARAMETER_CONSTRAINTS, BaseRecurrent
from .._docs import NETWORK_PARAMETERS, SRN_TRAINING_PARAMETERS, TRAINING_ATTRIBUTES
from .._sequences import SEQUENCE_LAYOUTS_DOC, Sequences, check_sequences
from .._weights import _some_positive, target_weights
from ..utils._compat import Interval, StrOptions, _fit_context
from ..utils._threads import limit_threads
from ..utils._workspace import Workspace
from ._network import CODES, ParametricBiasNetwork, sigmoid, with_code_index


def next_step_sequences(seqs, sample_weight=None):
    """Inputs x_0..x_{T-2} and targets x_1..x_{T-1} of every sequence of ``seqs``.

    ``sample_weight``, in the layout of ``seqs`` (one weight per sequence, or
    per step), becomes the weight ``W`` of each target: step t's weight
    weighs the prediction of step t, so a sequence's first step, never
    predicted, carries none.
    """
    lengths = seqs.lengths
    if np.any(lengths < 2):
        raise ValueError(
            "An RNNPB learns to predict each step of a sequence from the steps before, "
            "so every sequence needs at least 2 time steps; got a sequence of "
            f"{int(lengths.min())} sample.")
    is_last = np.zeros(seqs.n_steps, dtype=bool)
    is_last[seqs.offsets[1:] - 1] = True
    is_first = np.zeros(seqs.n_steps, dtype=bool)
    is_first[seqs.offsets[:-1]] = True
    offsets = seqs.offsets - np.arange(seqs.n_sequences + 1)
    W = None
    if sample_weight is not None:
        # all-zero weights are refused after the first steps are dropped
        W = target_weights(replace(seqs, per_step=True), sample_weight, allow_all_zero=True)
        W = _some_positive(W[~is_first])
    return Sequences(np.ascontiguousarray(seqs.X[~is_last]), offsets.astype(np.intp),
                     seqs.layout, np.ascontiguousarray(seqs.X[~is_first]), True, W)


def _windows(X, window):
    """Every window of ``window`` steps (fewer at the start) ending at steps 1.. of ``X``."""
    ends = np.arange(1, X.shape[0])
    starts = np.maximum(ends - window + 1, 0)
    return [X[a:b + 1] for a, b in zip(starts, ends)]


class RNNPBRegressor(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseRecurrent):
    _parameter_constraints: dict = {
        **BaseRecurrent._parameter_constraints,
        **SRN_PARAMETER_CONSTRAINTS,
        "n_pb": [Interval(Integral, 1, None, closed="left")],
        "recurrence": [StrOptions({"elman", "jordan"})],
        "context_decay": [Interval(Real, 0, 1, closed="both")],
        "recognition_max_iter": [Interval(Integral, 1, None, closed="left")],
        "recognition_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "recognition_window": [Interval(Integral, 2, None, closed="left")],
        "input_noise": [Interval(Real, 0, None, closed="left")],
    }
    _architecture_params = ("n_hidden", "n_pb", "recurrence", "activation", "initial_context",
                            "context_decay")

    _loss = "squared_error"
    _univariate_rows = False

    def __init__(
        self,
        n_hidden=32,
        *,
        n_pb=2,
        recurrence="elman",
        context_decay=0.3,
        recognition_max_iter=100,
        recognition_learning_rate=0.1,
        recognition_window=20,
        input_noise=0.0,
        activation="tanh",
        initial_context=0.0,
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
        super().__init__(
            n_hidden, bptt_steps=bptt_steps, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change,
            max_fun=max_fun, max_grad_norm=max_grad_norm, n_jobs=n_jobs,
            callbacks=callbacks, weight_init=weight_init, update_every=update_every)
        self.n_pb = n_pb
        self.recurrence = recurrence
        self.context_decay = context_decay
        self.recognition_max_iter = recognition_max_iter
        self.recognition_learning_rate = recognition_learning_rate
        self.recognition_window = recognition_window
        self.input_noise = input_noise
        self.activation = activation
        self.initial_context = initial_context

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- network -------------------------------------------------------------
    def _output_activation(self, n_outputs):
        return "identity"

    def _build_network(self, n_inputs, n_outputs):
        return ParametricBiasNetwork(
            n_inputs, self.n_hidden, n_outputs, self.n_pb, self._n_new_codes,
            recurrence="hidden" if self.recurrence == "elman" else "output",
            activation=self.activation, initial_context=self.initial_context,
            context_decay=self.context_decay, bptt_steps=self.bptt_steps,
            weight_init=self.weight_init)

    @property
    def codes_(self):
        """Parametric-bias values p of the training sequences, in (0, 1)."""
        if "_theta" not in self.__dict__:
            raise AttributeError("codes_ exists once the RNNPB is fitted.")
        return sigmoid(self._pb_logits)

    @property
    def _n_features_out(self):
        # absent until fitted, so that get_feature_names_out raises NotFittedError
        if "_theta" not in self.__dict__:
            raise AttributeError("_n_features_out exists once the RNNPB is fitted.")
        return self._network.n_pb

    # -- data ----------------------------------------------------------------
    def _sequences(self, X, *, reset, sample_weight=None):
        seqs = check_sequences(self, X, reset=reset, univariate_rows=False,
                               dtype=None if reset else self._theta.dtype)
        return seqs, next_step_sequences(seqs, sample_weight)

    def _prepare(self, X, y, reset, classes=None, sample_weight=None, incremental=False):
        """The training sequences of ``X`` (y is ignored), each with its code
        (and the weight of each target step, see :func:`next_step_sequences`).

        Used by :meth:`evaluate_loss` and :meth:`population_loss` too: there,
        ``X`` must be the training sequences, in their order, since the
        loss uses their codes.
        """
        saved = self.__dict__.copy()
        try:
            _, seqs = self._sequences(X, reset=reset, sample_weight=sample_weight)
            if reset:
                self.n_outputs_ = self._n_inputs
                self._n_new_codes = seqs.n_sequences
            elif seqs.n_sequences != self._network.n_codes:
                raise ValueError(
                    f"X holds {seqs.n_sequences} sequences but the RNNPB holds "
                    f"{self._network.n_codes} codes: pass the training sequences, in "
                    "order (use transform to find the codes of new sequences).")
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return with_code_index(seqs, 0)

    # -- fitting -------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Learn the weights and one code per sequence of ``X``.

        At every step the network predicts the next step of the sequence,
        from the steps before and the sequence's code.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or \
                (n_sequences, n_timesteps, n_features), or list of array-like
            One series (one sequence, one code), a batch of equal-length
            sequences, or a list of sequences of different lengths; every
            sequence at least 2 steps long.
        y : None
            Ignored: the targets are the sequences' own next steps.
        sample_weight : array-like or list of array-like, default=None
            Weights of the sequences: one per sequence of a 3D or list
            ``X``, or one per step (shape (n_timesteps,) for a 2D series,
            (n_sequences, n_timesteps) for 3D ``X``, a list of per-step
            arrays for a list). The weight of step t weighs the prediction
            of step t, so a sequence's first step, never predicted, carries
            none. The loss is the weighted average of the predictions'
            losses: an integer weight counts a sequence that many times.
            A sequence's code learns from its own weighted loss only: a
            sequence of weight 0 leaves the shared weights as if it were
            absent, and its code is not learned (``codes_`` keeps 0.5, where
            a fit from scratch starts it).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sample_weight=None):
        """Add the sequences of ``X`` with codes of their own, and train one epoch.

        The new codes start from what :meth:`transform` recognises with the
        current weights; then one pass of the solver on the new sequences
        updates the shared weights and the new codes. The codes already held
        stay as they are: their sequences are not in this call's data. Each
        call adds sequences: a 2D
        ``X`` is one new sequence (its state does not carry over from the
        previous call).

        It continues the fitted network: a parameter that shapes it (see
        ``warm_start``), set since it was fitted, is refused with a
        ValueError, the model unchanged.

        Parameters
        ----------
        X : array-like or list of array-like
            As in :meth:`fit`.
        y : None
            Ignored.
        sample_weight : array-like or list of array-like, default=None
            Weights of the new sequences (or of their steps), as in
            :meth:`fit`. A new sequence of weight 0 keeps the code
            :meth:`transform` recognised for it.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if self.solver == "lbfgs":
            raise ValueError("partial_fit is only available for stochastic optimizers; "
                             "solver='lbfgs' is not stochastic.")
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    def _fit(self, X, y=None, incremental=False, classes=None, sample_weight=None):
        for i, callback in enumerate(self.callbacks or ()):
            if not callable(callback):
                raise ValueError(f"callbacks[{i}] must be callable (called after each epoch as "
                                 f"callback(estimator, info)); got {callback!r}.")
        if self.input_noise > 0 and self.solver == "lbfgs":
            raise ValueError("input_noise draws new noise for every gradient, which "
                             "solver='lbfgs' cannot follow; use solver='adam' or 'sgd'.")
        if self.early_stopping:
            raise ValueError(
                "early_stopping=True is not supported by RNNPBRegressor: the codes of "
                "held-out sequences would never be learned. Hold out sequences yourself "
                "and score them through transform.")
        first_pass = not hasattr(self, "_theta") or (not self.warm_start and not incremental)
        if not first_pass:
            check_architecture(self, continued_call(incremental))
        # every check before the model changes: a call that fails leaves a
        # fitted model as it was (no codes added, no attributes of the new X)
        saved = self.__dict__.copy()
        try:
            if incremental and not first_pass:
                _, seqs = self._sequences(X, reset=False, sample_weight=sample_weight)
                self._check_update_every(seqs)
                seqs = with_code_index(seqs, self._network.n_codes)
                self._add_codes(seqs)
            else:
                seqs = self._prepare(X, y, reset=first_pass, sample_weight=sample_weight)
                self._check_update_every(seqs)
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        if first_pass:
            self._initialize(seqs)
        else:
            follow_training_settings(self)
        # every call brings sequences of its own: no state carries over
        self.__dict__.pop("_stream_state", None)
        workspace = Workspace()
        with limit_threads(self.n_jobs, parallel_kernels=True):
            if self.solver == "lbfgs":
                self._fit_lbfgs(seqs, workspace)
            else:
                self._fit_stochastic(seqs, incremental, workspace)
        return self

    def _objective_unguarded(self, theta, seqs, state0, need_grad, workspace):
        if need_grad and self.input_noise > 0:
            # a fresh draw for every gradient: training sees noisy inputs and
            # clean targets, so the network cannot lean on its inputs alone
            X = seqs.X.copy()
            X[:, :-1] += self.input_noise * self._random_state.standard_normal(
                (X.shape[0], X.shape[1] - 1)).astype(X.dtype)
            noisy = Sequences(X, seqs.offsets, seqs.layout, seqs.Y, seqs.per_step, seqs.W)
            noisy.__dict__.update({k: v for k, v in seqs.__dict__.items()
                                   if k in ("lengths", "order", "last_rows")})
            seqs = noisy
        return super()._objective_unguarded(theta, seqs, state0, need_grad, workspace)

    def _add_codes(self, seqs):
        """Grow the weight vector by the codes of ``seqs`` (recognised first)."""
        n_old = self._network.n_codes
        shifted = with_code_index(seqs.__class__(seqs.X[:, :-1], seqs.offsets, seqs.layout,
                                                 seqs.Y, seqs.per_step), 0)
        logits = self._recognise(shifted)
        # generate's default start, the mean first step of every sequence held
        first = seqs.X[seqs.offsets[:-1], :-1]
        self._first_step = ((n_old * self._first_step + first.sum(axis=0))
                            / (n_old + seqs.n_sequences)).astype(self._first_step.dtype)
        self._network = self._network.with_codes(n_old + seqs.n_sequences)
        self._theta = np.concatenate([self._theta, logits.ravel().astype(self._theta.dtype)])
        self._link_weights()
        n_new = logits.size
        optimizer = getattr(self, "_optimizer", None)
        if optimizer is not None:
            # a copy: the optimizer of the model as it was is left alone
            optimizer = copy.copy(optimizer)
            optimizer.__dict__.pop("_scratch", None)
            for name in ("velocity", "m", "v"):  # SGD's and Adam's state, zero for the new codes
                if hasattr(optimizer, name):
                    state = getattr(optimizer, name).copy()
                    if name != "v":
                        # the old codes' sequences are not in this call's data, so
                        # their gradient is zero: a momentum left from earlier calls
                        # would move them with nothing to support it. Adam's second
                        # moment only scales steps and is kept.
                        state[state.shape[0] - n_old * self._network.n_pb:] = 0
                    setattr(optimizer, name, np.concatenate(
                        [state, np.zeros(n_new, dtype=self._theta.dtype)]))
            self._optimizer = optimizer

    def _score_outputs(self, P, Y):
        return r2_score(Y, P)

    # -- recognition ---------------------------------------------------------
    def _recognise(self, seqs):
        """Logits of the codes of ``seqs`` (code index column 0..K-1), weights frozen.

        Gradient descent (Adam) on the codes alone, from p = 0.5, minimising
        each sequence's mean squared next-step prediction error. The codes
        of different sequences do not interact: each code follows the path
        it would follow alone.
        """
        dtype = self._theta.dtype
        n_codes = seqs.n_sequences
        net = self._network.with_codes(n_codes)
        params = dict(self._views(self._theta))
        rho = np.zeros((n_codes, net.n_pb), dtype=dtype)
        params[CODES] = rho
        grads = {name: np.empty(shape, dtype=dtype) for name, shape in net.layout()}
        state0 = net.initial_state(n_codes, dtype)
        m = np.zeros_like(rho)
        v = np.zeros_like(rho)
        beta_1, beta_2, eps = 0.9, 0.999, 1e-8
        lr = self.recognition_learning_rate
        # each sequence's own mean squared error: its code's gradient does
        # not depend on what else is recognised with it
        scale = np.repeat(1.0 / seqs.lengths, seqs.lengths).astype(dtype)[:, None]
        workspace = Workspace()
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(1, self.recognition_max_iter + 1):
                Y, cache, _ = net.forward(params, seqs, state0, workspace=workspace)
                dO = (Y - seqs.Y) * scale
                net.gradient(params, seqs, cache, dO, grads, state0, workspace=workspace)
                g = grads[CODES]
                if not np.all(np.isfinite(g)):
                    break
                m = beta_1 * m + (1 - beta_1) * g
                v = beta_2 * v + (1 - beta_2) * g * g
                step = lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
                rho -= step * m / (np.sqrt(v) + eps)
        return rho

    def _recognition_sequences(self, X):
        """(next-step Sequences with code indices, whether X was one series)."""
        seqs = check_sequences(self, X, reset=False, univariate_rows=False,
                               dtype=self._theta.dtype)
        series = seqs.layout == "series"
        if series:
            if seqs.n_steps < 2:
                raise ValueError("transform needs a series of at least 2 time steps; got 1 "
                                 "sample.")
            windows = _windows(seqs.X, self.recognition_window)
            lengths = np.array([len(w) for w in windows], dtype=np.intp)
            offsets = np.zeros(len(windows) + 1, dtype=np.intp)
            np.cumsum(lengths, out=offsets[1:])
            seqs = Sequences(np.ascontiguousarray(np.concatenate(windows)), offsets, "list")
        return with_code_index(next_step_sequences(seqs), 0), series

    def transform(self, X):
        """Recognise the code of every sequence of ``X``, the weights frozen.

        For each sequence, the code p that lets the network predict the
        sequence's next steps best is found by gradient descent on the
        squared prediction error (``recognition_max_iter`` steps of Adam at
        ``recognition_learning_rate``, from p = 0.5), backpropagated through
        time to the parametric-bias units.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or \
                (n_sequences, n_timesteps, n_features), or list of array-like
            Sequences of at least 2 steps; or one 2D series, whose every
            step gets the code of the window of ``recognition_window``
            steps ending there (step 0 that of the window ending at step 1).

        Returns
        -------
        codes : ndarray of shape (n_sequences, n_pb), or (n_timesteps, n_pb) \
                for a 2D series
            Parametric-bias values, in (0, 1).
        """
        check_is_fitted(self)
        seqs, series = self._recognition_sequences(X)
        with limit_threads(self.n_jobs, parallel_kernels=True):
            codes = sigmoid(self._recognise(seqs))
        if series:
            codes = np.concatenate([codes[:1], codes])
        return codes

    def fit_transform(self, X, y=None, sample_weight=None):
        """Fit, then recognise the codes of ``X`` with the fitted weights.

        The same as ``fit(X).transform(X)``: recognition, not the codes
        learned in training (``codes_``), so that a pipeline sees the
        codes of training and of new data found the same way.

        Parameters
        ----------
        X : array-like or list of array-like
            As in :meth:`fit`.
        y : None
            Ignored.
        sample_weight : array-like or list of array-like, default=None
            As in :meth:`fit` (recognition itself is unweighted).

        Returns
        -------
        codes : ndarray of shape (n_sequences, n_pb) or (n_timesteps, n_pb)
        """
        return self.fit(X, y, sample_weight=sample_weight).transform(X)

    # -- prediction and generation -------------------------------------------
    def _check_codes(self, codes, n_expected=None):
        codes = np.asarray(codes, dtype=self._theta.dtype)
        if codes.ndim == 1:
            codes = codes[None, :]
        n_pb = self._network.n_pb  # of the fitted network, whatever set_params did since
        if codes.ndim != 2 or codes.shape[1] != n_pb:
            raise ValueError(f"codes must have shape (n_codes, {n_pb}) (n_pb={n_pb}); "
                             f"got an array of shape {np.shape(codes)}.")
        if n_expected is not None and codes.shape[0] != n_expected:
            raise ValueError(f"codes has {codes.shape[0]} rows but X holds {n_expected} "
                             "sequences.")
        if not np.all(np.isfinite(codes)):
            raise ValueError("codes must be finite.")
        return codes

    def predict(self, X, codes=None):
        """One-step-ahead prediction at every step of every sequence.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout :meth:`fit` accepts; a 2D series is one
            sequence here.
        codes : array-like of shape (n_sequences, n_pb), default=None
            The code of each sequence, values p as :meth:`generate` takes
            them (used as given, even outside (0, 1)); recognised from ``X``
            when None (the whole series, for 2D ``X``).

        Returns
        -------
        y_pred : ndarray or list of ndarray, in the layout of ``X``
            At step t, the prediction of step t + 1.
        """
        check_is_fitted(self)
        seqs = check_sequences(self, X, reset=False, univariate_rows=False,
                               dtype=self._theta.dtype)
        if codes is None:
            logits = self._recognise(with_code_index(next_step_sequences(seqs), 0))
            codes = sigmoid(logits)
        codes = self._check_codes(codes, seqs.n_sequences)
        params = dict(self._views(self._theta))
        net = self._network.with_codes(seqs.n_sequences)
        marked = with_code_index(seqs, 0)
        # the values p themselves, as generate takes them (no round trip
        # through logits, which would clip codes outside (0, 1))
        with limit_threads(self.n_jobs, parallel_kernels=True, blas_free=True):
            Y, _, _ = net.forward(params, marked, net.initial_state(seqs.n_sequences,
                                                                    self._theta.dtype),
                                  need_cache=False, codes=codes)
        return seqs.format_steps(Y, False)

    def score(self, X, y=None):
        """R^2 of the one-step-ahead predictions, codes recognised from ``X``.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout :meth:`fit` accepts (a 2D series is one
            sequence).
        y : None
            Ignored: the targets are the sequences' own next steps.

        Returns
        -------
        score : float
            R^2 over every predicted step and feature (the last step of each
            sequence has nothing to predict). Each code is recognised from
            the sequence it scores: a measure of fit under the best code,
            not of forecasting.
        """
        check_is_fitted(self)
        seqs = check_sequences(self, X, reset=False, univariate_rows=False,
                               dtype=self._theta.dtype)
        pred = self.predict(X)
        P = np.concatenate(pred) if isinstance(pred, list) else pred.reshape(seqs.n_steps, -1)
        keep = np.ones(seqs.n_steps, dtype=bool)
        keep[seqs.offsets[1:] - 1] = False
        target = np.roll(seqs.X, -1, axis=0)
        return r2_score(target[keep], P.reshape(seqs.n_steps, -1)[keep])

    def generate(self, codes, n_steps, *, start=None):
        """Run the network in closed loop from each code: its outputs become its inputs.

        Parameters
        ----------
        codes : array-like of shape (n_codes, n_pb) or (n_pb,)
            Parametric-bias values: rows of ``codes_``, of :meth:`transform`'s
            output, or any mixture of them.
        n_steps : int
            Steps to generate.
        start : array-like of shape (n_codes, n_features) or (n_features,), default=None
            The first input of each run; the mean first step of the training
            sequences when None.

        Returns
        -------
        sequences : ndarray of shape (n_codes, n_steps, n_features)
            The steps that follow ``start``.
        """
        check_is_fitted(self)
        codes = self._check_codes(codes)
        if not isinstance(n_steps, Integral) or n_steps < 1:
            raise ValueError(f"n_steps must be a positive integer; got {n_steps!r}.")
        if start is None:
            start = self._first_step
        start = np.asarray(start, dtype=self._theta.dtype)
        if start.ndim == 1:
            start = np.broadcast_to(start, (codes.shape[0], start.shape[0]))
        if start.shape != (codes.shape[0], self._n_inputs) or not np.all(np.isfinite(start)):
            raise ValueError(f"start must be finite, of shape ({codes.shape[0]}, "
                             f"{self._n_inputs}) or ({self._n_inputs},); got {start.shape}.")
        with limit_threads(self.n_jobs, parallel_kernels=True):
            return self._network.generate(self._views(self._theta), codes,
                                          np.ascontiguousarray(start), n_steps)

    def _initialize(self, seqs):
        super()._initialize(seqs)
        first = seqs.X[seqs.offsets[:-1], :-1]
        self._first_step = first.mean(axis=0)


_DOC = """Recurrent neural network with parametric bias (RNNPB).

    A recurrent network learns several sequences at once and gives each a
    code of its own: ``n_pb`` parametric-bias (PB) units whose values p_s,
    constant along sequence s, join the inputs of every step (Tani and Ito,
    2003; Tani, 2003)::

        h_t = f(x_t @ input_weights_ + p_s @ pb_weights_ + h_{{t-1}} @ recurrent_weights_
                + hidden_bias_)
        x^_{{t+1}} = h_t @ output_weights_ + output_bias_

    (``recurrence='jordan'``: the context is the decaying sum of the past
    outputs instead of h_{{t-1}}, as in :class:`JordanRegressor`). At every
    step the network predicts the next step of its sequence. The weights
    are shared; the codes, p_s = sigmoid(rho_s), are learned with them by
    backpropagation through time, the error reaching rho_s through every
    step of its sequence::

        dL/drho_s = p_s (1 - p_s) * sum over t of dL/dz_t @ pb_weights_^T

    with z_t the hidden pre-activations. Similar sequences end with nearby
    codes, so the codes are features of the sequences. Once trained, the
    network works both ways:

    - **recognition** (:meth:`transform`): with the weights frozen, the
      code of a new sequence is found by the same gradient, on the codes
      alone, so an RNNPB drops into a :class:`~sklearn.pipeline.Pipeline`
      in front of a classifier or a clustering of sequences;
    - **generation** (:meth:`generate`): from a code (learned, recognised,
      or a mixture of codes), the network runs in closed loop, each output
      the next input.

    ``y`` is never used: the targets are the sequences' own next steps.
    Despite its name (it regresses each step on the steps before), the
    estimator is a scikit-learn *transformer*, not a regressor
    (``sklearn.base.is_regressor`` is False): its output in a pipeline is
    :meth:`transform`'s codes. Its three outputs:

    - :meth:`transform` ``(X)``: one code per sequence, shape
      (n_sequences, n_pb); for a 2D series, one code per step, each
      recognised from the window of ``recognition_window`` steps ending at
      that step;
    - :meth:`predict` ``(X, codes=None)``: the one-step-ahead predictions,
      in the layout of ``X``, under the given codes or, when None, under
      the code recognised from the whole of each sequence (a 2D series is
      one sequence here, not windows);
    - :meth:`score` ``(X)``: R^2 of those predictions. The codes are
      recognised from the very steps being predicted, so the score says
      how well the network explains a sequence under its best code, not
      how well it forecasts unseen steps.

    The forward pass and backpropagation through time are the compiled
    kernels of :class:`ElmanRegressor` and :class:`JordanRegressor`.

{layouts}

    Parameters
    ----------
{network}
    n_pb : int, default=2
        Number of parametric-bias units, the width of a code.

    recurrence : {{'elman', 'jordan'}}, default='elman'
        Context from the previous hidden state (Elman) or from the decaying
        sum of the previous outputs (Jordan; Tani's networks feed context
        units back from the output layer).

    context_decay : float, default=0.3
        Self-decay of Jordan's context units (unused by 'elman').

    recognition_max_iter : int, default=100
        Steps of gradient descent (Adam) on the codes in :meth:`transform`
        and :meth:`predict`, and when :meth:`partial_fit` adds sequences.

    recognition_learning_rate : float, default=0.1
        Step size of that descent, on the logits rho.

    recognition_window : int, default=20
        For a 2D series in :meth:`transform`: the length in steps of the
        window, ending at each step, whose next-step prediction errors
        (``recognition_window - 1`` of them; fewer in the first windows)
        define that step's code.

    input_noise : float, default=0.0
        Standard deviation of Gaussian noise added to the inputs (not the
        targets) of every training step, drawn anew for every gradient
        ('sgd' and 'adam' only). With clean inputs the network can predict
        the next step from the inputs alone and the codes carry little;
        noisy inputs make it rely on the code. On five Lissajous figures
        (amplitude 0.8, three seeds), 0.2 raised nearest-code recognition
        of noisy instances from 0.41 to 0.89 and cut the closed-loop
        generation error from 1.17 to 0.25 of the signal's variance. In
        units of the data: scale the sequences first.

{training}
    ``early_stopping=True`` is not supported (a ValueError): the codes of
    held-out sequences would not be learned.

    Attributes
    ----------
    codes_ : ndarray of shape (n_sequences, n_pb)
        The parametric-bias values p of the training sequences, in the
        order they were given (sequences added by :meth:`partial_fit`
        after them). A sequence of ``sample_weight`` 0 keeps the code it
        started from (0.5; in :meth:`partial_fit`, the recognised code).

    input_weights_ : ndarray of shape (n_features, n_hidden)

    pb_weights_ : ndarray of shape (n_pb, n_hidden)
        Weights from the parametric-bias units to the hidden layer.

    recurrent_weights_ : ndarray of shape (n_hidden, n_hidden)
        Elman's context weights (``recurrence='elman'``).

    context_weights_ : ndarray of shape (n_features, n_hidden)
        Jordan's context weights (``recurrence='jordan'``).

    hidden_bias_ : ndarray of shape (n_hidden,)

    output_weights_ : ndarray of shape (n_hidden, n_features)

    output_bias_ : ndarray of shape (n_features,)

{fitted}
    See Also
    --------
    ElmanRegressor : the same network without codes, for a target y.

    Notes
    -----
    :meth:`get_flat_weights` holds the weights, then the logits rho of the
    codes (one row per training sequence): a weight search
    (:class:`GeneticOptimizer`...) searches the codes too. The L2 penalty
    ``alpha`` leaves the codes alone.

    ``sample_weight`` (:meth:`fit`) weighs the next-step predictions: the
    loss is their weighted mean, the penalty divided by the weights'
    total, so an integer weight counts a sequence that many times in the
    shared weights' gradient; a code's gradient, from its own sequence
    alone, scales with its weight, and a code of weight 0 is not learned.
    :meth:`transform` (recognition) takes no weights.

    Recognition is a non-convex search: two codes can explain a short
    window equally well. More PB units than needed give the codes room to
    spread; longer sequences and ``recognition_max_iter`` make them
    sharper. Each window of a series in :meth:`transform` starts from the
    initial state, as the training sequences did: to recognise windows that
    start at any phase of a pattern, train on windows at many phases.

    References
    ----------
    Tani, J., and Ito, M. (2003). Self-organization of behavioral primitives
    as multiple attractor dynamics: a robot experiment. IEEE Transactions on
    Systems, Man, and Cybernetics, Part A, 33(4), 481-488.

    Tani, J. (2003). Learning to generate articulated behavior through the
    bottom-up and the top-down interaction processes. Neural Networks,
    16(1), 11-23.

    Examples
    --------
    Learn a sine and a square wave, then recognise noisy copies:

    >>> import numpy as np
    >>> from skrnn import RNNPBRegressor
    >>> t = np.arange(40)
    >>> sine = np.sin(2 * np.pi * t / 10)[:, None]
    >>> square = np.sign(np.sin(2 * np.pi * t / 10) + 0.1)[:, None]
    >>> model = RNNPBRegressor(n_hidden=16, n_pb=1, max_iter=300, random_state=0)
    >>> model.fit([sine, square]).codes_.shape
    (2, 1)
    >>> model.generate(model.codes_, 5).shape
    (2, 5, 1)
"""

RNNPBRegressor.__doc__ = _DOC.format(layouts=SEQUENCE_LAYOUTS_DOC, network=NETWORK_PARAMETERS,
                                     training=SRN_TRAINING_PARAMETERS,
                                     fitted=TRAINING_ATTRIBUTES)
