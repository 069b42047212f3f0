"""Semeion's back-propagation networks over lag windows, as a regressor and a classifier."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._activations import ACTIVATION_CODES
from .._architecture import check_architecture, continued_call, record_architecture
from .._kernels._lagnet import lagnet_forward, lagnet_generate, lagnet_train
from .._sequences import SEQUENCE_LAYOUTS_DOC, check_sequences
from .._tasks import SequenceClassifierMixin, SequenceRegressorMixin, check_classes_on_first_call
from .._weights import CLASS_WEIGHT_DOC, check_partial_fit_class_weight
from ..utils._compat import Interval, StrOptions, _fit_context
from ._windows import training_windows, window_firsts

#: an epoch whose mean loss is this many times that of predicting 0 has diverged
DIVERGED = 1e6


def _glorot(rng, n_in, n_out, activation, dtype):
    """Glorot uniform weights and zero biases, scaled for logistic units as in MLP."""
    factor = 2.0 if activation == "logistic" else 6.0
    bound = np.sqrt(factor / (n_in + n_out))
    W = rng.uniform(-bound, bound, (n_in, n_out))
    return np.concatenate([W.ravel(), np.zeros(n_out)]).astype(dtype)


class _BaseBackPropagation(BaseEstimator):
    """A layered feed-forward network whose inputs are the last ``n_lags`` steps."""

    _parameter_constraints: dict = {
        "n_lags": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"logistic", "tanh"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "momentum": [Interval(Real, 0, 1, closed="left"), StrOptions({"self"})],
        "jung": [Interval(Real, 0, None, closed="left")],
        "freud": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_lags=5,
        hidden_layer_sizes=(16,),
        *,
        activation="tanh",
        learning_rate_init=0.01,
        momentum=0.0,
        jung=0.0,
        freud=0.0,
        batch_size=1,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        random_state=None,
        warm_start=False,
        verbose=False,
    ):
        self.n_lags = n_lags
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate_init = learning_rate_init
        self.momentum = momentum
        self.jung = jung
        self.freud = freud
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        return tags

    # -- sizes, rates, weights --------------------------------------------
    def _hidden_sizes(self):
        sizes = np.atleast_1d(np.asarray(self.hidden_layer_sizes))
        if (sizes.ndim != 1 or sizes.shape[0] not in (1, 2)
                or not np.issubdtype(sizes.dtype, np.integer) or np.any(sizes < 1)):
            raise ValueError("hidden_layer_sizes must be one or two positive integers (one "
                             "or two hidden layers); got "
                             f"{self.hidden_layer_sizes!r}.")
        return [int(s) for s in sizes]

    def _layer_rates(self, n_layers):
        rates = np.atleast_1d(np.asarray(self.learning_rate_init, dtype=np.float64))
        if rates.shape == (1,):
            rates = np.repeat(rates, n_layers)
        if rates.ndim != 1 or rates.shape[0] != n_layers:
            raise ValueError(
                f"learning_rate_init must be a float or one rate per weight layer "
                f"({n_layers} here: input to hidden, ..., hidden to output); got "
                f"{self.learning_rate_init!r}.")
        if not np.all(np.isfinite(rates)) or np.any(rates <= 0):
            raise ValueError("learning_rate_init must hold positive finite rates; got "
                             f"{self.learning_rate_init!r}.")
        return np.ascontiguousarray(rates)

    def _layer_slices(self):
        """(weights, bias) slices of every layer in the flat vector."""
        out, start = [], 0
        for n_in, n_out in zip(self._sizes[:-1], self._sizes[1:]):
            out.append((slice(start, start + n_in * n_out),
                        slice(start + n_in * n_out, start + (n_in + 1) * n_out)))
            start += (n_in + 1) * n_out
        return out

    def _link_weights(self):
        """``coefs_`` and ``intercepts_`` as views into the flat weights."""
        self.coefs_, self.intercepts_ = [], []
        for (w, b), n_in, n_out in zip(self._layer_slices(), self._sizes[:-1],
                                       self._sizes[1:]):
            self.coefs_.append(self._theta[w].reshape(n_in, n_out))
            self.intercepts_.append(self._theta[b])

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_theta" in state:  # views do not survive pickling as views
            self._link_weights()

    def _initialize(self, seqs, rng):
        hidden = self._hidden_sizes()
        if self.n_lags is None:  # the classifier's default: its shortest sequence
            self.n_lags_ = int(seqs.lengths.min())
        else:
            self.n_lags_ = int(self.n_lags)
        record_architecture(self)
        self._sizes = np.array([self.n_lags_ * self._n_inputs, *hidden, self.n_outputs_],
                               dtype=np.intp)
        dtype = seqs.X.dtype  # float32 in, float32 weights
        self._theta = np.concatenate([
            _glorot(rng, n_in, n_out, self.activation, dtype)
            for n_in, n_out in zip(self._sizes[:-1], self._sizes[1:])])
        self._velocity = np.zeros_like(self._theta)
        self._history = seqs.X[:0]
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self._best_loss = np.inf
        self._no_improvement_count = 0
        self._link_weights()

    # -- training -----------------------------------------------------------
    def _fit(self, X, y, incremental=False, classes=None, sample_weight=None):
        # a refit resets n_features_in_, the targets' encoding and the weights
        # before all of its checks have passed: a failing call puts them back,
        # so that the fitted model is never left half replaced
        before = dict(self.__dict__)
        try:
            seqs, rng = self._validate_and_initialize(X, y, incremental, classes,
                                                      sample_weight)
            rates = self._layer_rates(len(self._sizes) - 1)
            # a series streamed in chunks: the last rows of the previous chunk
            # complete the first windows of this one
            series = seqs.layout == "series" and self._per_step
            n_history = self._history.shape[0] if incremental and series else 0
            if seqs.lengths.min() + n_history < self.n_lags_ and not (incremental and series):
                self._raise_too_short(seqs, n_history)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

        Xrun = np.concatenate([self._history, seqs.X]) if n_history else seqs.X
        offsets = seqs.offsets + np.intp(n_history) * (np.arange(seqs.offsets.shape[0]) > 0)
        rows, target_rows = training_windows(offsets, self.n_lags_, seqs.per_step, n_history)
        # a window's pattern takes the weight of the target it learns
        weights = None if seqs.W is None else seqs.W[target_rows]
        # (a chunk of a streamed series may have none: its steps wait in the history)
        if weights is not None and not (incremental and series) and not np.any(weights > 0):
            n_lags = self.n_lags_  # (a first fit's, gone once the model is put back)
            self.__dict__.clear()
            self.__dict__.update(before)
            raise ValueError(
                f"sample_weight is zero at every step that ends a whole window of "
                f"n_lags={n_lags} steps (the first n_lags - 1 steps of a sequence "
                "end none): there is nothing to fit.")
        if series:
            self._history = Xrun[max(Xrun.shape[0] - self.n_lags_ + 1, 0):].copy()
        if rows.shape[0] == 0:
            # the first rows of a stream, fewer than n_lags in all: they wait in
            # the history for the chunks that make them whole windows
            return self

        # an epoch whose mean loss passes this bound has blown up, even if every
        # number is still finite: a network starts near the loss of predicting 0
        bound = DIVERGED * max(0.5 * float(np.mean(np.sum(seqs.Y.astype(np.float64) ** 2,
                                                           axis=1))), 1.0)
        n_epochs = 1 if incremental else self.max_iter
        for _ in range(n_epochs):
            order = rng.permutation(rows.shape[0]) if self.shuffle else np.arange(rows.shape[0])
            if weights is not None:
                # a pattern of weight 0 is left out: it would still count in
                # its batch's mean and in self-momentum
                order = order[weights[order] > 0]
                if order.shape[0] == 0:  # (this call's weighted steps have no window)
                    return self
            if not self._epoch(Xrun, seqs.Y, rows[order], target_rows[order],
                               None if weights is None else weights[order], rates, bound):
                break
            if not incremental and self._converged():
                break
        else:
            if not incremental and self.max_iter > 0:
                warnings.warn(
                    f"Stochastic back-propagation: maximum iterations ({self.max_iter}) "
                    "reached and the optimization hasn't converged yet.", ConvergenceWarning,
                    stacklevel=3)
        return self

    def _validate_and_initialize(self, X, y, incremental, classes, sample_weight):
        keep = hasattr(self, "_theta") and (incremental or self.warm_start)
        if keep:  # before anything of the fitted model changes
            check_architecture(self, continued_call(incremental))
        seqs = check_sequences(self, X, reset=not keep, univariate_rows=self._univariate_rows,
                               dtype=self._theta.dtype if keep else None)
        self._encode_targets(seqs, y, reset=not keep, classes=classes)
        # a chunk of a streamed series may weigh everything 0: it only
        # carries the lag history on
        seqs.W = self._target_weights(
            seqs, sample_weight,
            allow_all_zero=incremental and seqs.layout == "series" and self._per_step)
        rng = check_random_state(self.random_state)
        # a stream of a series may start with fewer rows than a window
        streamed = incremental and seqs.layout == "series"
        if not keep:
            self._layer_rates(len(self._hidden_sizes()) + 1)  # validate before the data
            if self.n_lags is not None and seqs.lengths.min() < self.n_lags and not streamed:
                self._raise_too_short(seqs)
            self._initialize(seqs, rng)
        return seqs, rng

    def _architecture(self):
        """Name -> value of each parameter that shapes the network's weights or
        equations; ``n_lags=None`` stands for the window length it fitted."""
        return {"n_lags": self.n_lags_ if self.n_lags is None else int(self.n_lags),
                "hidden_layer_sizes": tuple(self._hidden_sizes()),
                "activation": self.activation}

    def _hidden_code(self):
        return ACTIVATION_CODES[self._fitted_setting("activation")]

    def _fitted_setting(self, name):
        """An architecture parameter as fitted: one set since takes effect at the
        next fit, and the fitted weights keep the network they were fitted in."""
        fitted = getattr(self, "_fitted_architecture", None)  # None: pickled before it was kept
        return getattr(self, name) if fitted is None else fitted[name]

    def _raise_too_short(self, seqs, n_history=0):
        T = int(seqs.lengths.min()) + n_history
        what = "series" if seqs.layout == "series" else "shortest sequence"
        raise ValueError(
            f"n_lags={self.n_lags if self.n_lags is not None else self.n_lags_} is longer "
            f"than the {what}: it has {T} time step(s) ({T} sample(s)), and a window "
            "needs n_lags steps. Pass a longer series or a smaller n_lags.")

    def _epoch(self, X, Y, rows, target_rows, weights, rates, bound):
        """One pass over the windows; False (weights restored) if training diverged.

        ``weights`` (one per window, or None) scale each window's error.
        """
        theta, velocity = self._theta.copy(), self._velocity.copy()
        momentum = 0.0 if self.momentum == "self" else float(self.momentum)
        loss = lagnet_train(
            X, Y, np.ascontiguousarray(rows), np.ascontiguousarray(target_rows), self.n_lags_,
            self._theta, self._velocity, self._sizes, rates, momentum,
            self.momentum == "self", float(self.jung), float(self.freud),
            ACTIVATION_CODES[self.activation], self._output_code(), self.batch_size,
            self._loss == "squared_error", weights)
        mean_loss = loss / (max(rows.shape[0], 1) if weights is None else weights.sum())
        if not mean_loss <= bound or not np.all(np.isfinite(self._theta)):
            self._theta[:] = theta
            self._velocity[:] = velocity
            warnings.warn(
                f"{type(self).__name__}: training diverged (the loss blew up) in epoch "
                f"{self.n_iter_ + 1}; the weights of the epoch before are kept. Lower "
                "learning_rate_init (or momentum, jung, freud).", ConvergenceWarning,
                stacklevel=4)
            return False
        self.n_iter_ += 1
        self.t_ += rows.shape[0]
        self.loss_ = mean_loss
        self.loss_curve_.append(self.loss_)
        if self.verbose:
            print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
        return True

    def _converged(self):
        """MLP's rule: no improvement by ``tol`` for ``n_iter_no_change`` epochs."""
        if self.loss_ > self._best_loss - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        self._best_loss = min(self._best_loss, self.loss_)
        if self._no_improvement_count >= self.n_iter_no_change:
            if self.verbose:
                print(f"Training loss did not improve more than tol={self.tol} for "
                      f"{self.n_iter_no_change} consecutive epochs. Stopping.")
            return True
        return False

    # -- prediction -----------------------------------------------------------
    def _forward(self, X, rows, firsts):
        out = np.empty((rows.shape[0], self._sizes[-1]), dtype=self._theta.dtype)
        lagnet_forward(X, rows, firsts, self.n_lags_, self._theta, self._sizes,
                       self._hidden_code(), self._output_code(), out)
        return out

    def _run(self, X, initial_state=None):
        """Outputs at every row of ``X`` (or at each sequence's last row for one
        target per sequence); state = each sequence's last ``n_lags - 1`` rows."""
        check_is_fitted(self)
        seqs = check_sequences(self, X, reset=False, univariate_rows=self._univariate_rows,
                               dtype=self._theta.dtype)
        Xrun, offsets, n_history = seqs.X, seqs.offsets, 0
        if initial_state is not None:
            if seqs.layout != "series":
                raise ValueError("initial_state is supported for a 2D series only.")
            history = np.asarray(initial_state, dtype=self._theta.dtype)
            shape = (self.n_lags_ - 1, self._n_inputs)
            flat = shape[0] * shape[1]
            # the rows in time order, or flattened as return_state gives them; a
            # mere size check would take the transposed rows as a silent garble
            if history.shape not in (shape, (flat,), (1, flat)):
                raise ValueError(
                    f"initial_state must hold the last n_lags - 1 = {shape[0]} rows of "
                    f"the series before X, shape {shape}, ({flat},) or (1, {flat}) (as "
                    f"return_state gives it); got shape {history.shape}.")
            if not np.all(np.isfinite(history)):
                raise ValueError("initial_state must be finite.")
            n_history = shape[0]
            Xrun = np.concatenate([history.reshape(shape), seqs.X])
            offsets = np.array([0, Xrun.shape[0]], dtype=np.intp)
        firsts = window_firsts(offsets)
        per_step = getattr(self, "_per_step", False)
        Y = np.zeros((seqs.n_steps, self._sizes[-1]), dtype=self._theta.dtype)
        if per_step:
            rows = np.arange(n_history, Xrun.shape[0], dtype=np.intp)
            Y[:] = self._forward(Xrun, rows, firsts[rows])
        else:
            rows = (offsets[1:] - 1).astype(np.intp)
            Y[seqs.last_rows] = self._forward(Xrun, rows, firsts[rows])
        # the state is what the next call needs: the last n_lags - 1 rows, in time order
        starts, stops = offsets[:-1, None], offsets[1:, None]
        idx = np.maximum(stops - self.n_lags_ + 1 + np.arange(self.n_lags_ - 1), starts)
        state = Xrun[idx].reshape(seqs.n_sequences, -1)
        return seqs, Y, state

    def _last_window(self, X, offsets, s):
        """Rows of sequence ``s``'s last window, oldest first, the first row
        repeated when the sequence is shorter."""
        start, stop = offsets[s], offsets[s + 1]
        idx = np.maximum(np.arange(stop - self.n_lags_, stop), start)
        return X[idx]


_PARAMETERS = """\
    n_lags : int{lags_type}, default={lags_default}
        Length of the window: the input layer holds the values of every
        feature at the current step t0 and the ``n_lags - 1`` steps before,
        ordered from t0 to the oldest (``n_lags * n_features`` input nodes).{lags_extra}
    hidden_layer_sizes : array-like of shape (n_layers,), default=(16,)
        Units of the one or two hidden layers.
    activation : {{'tanh', 'logistic'}}, default='tanh'
        Activation of the hidden units.{output_doc}
    learning_rate_init : float or array-like of shape (n_layers + 1,), default=0.01
        Learning rate of every weight layer (input to hidden, [hidden to
        hidden,] hidden to output), or one rate for all.
    momentum : float in [0, 1) or 'self', default=0.0
        Momentum coefficient k: each change of a weight adds k times its
        previous change. ``'self'`` is Semeion's self-momentum, where the
        coefficient of the weights into a unit is set, at every update, by
        the error that unit makes: ``|delta| / (1 + |delta|)``.
    jung : float >= 0, default=0.0
        The Jung rule's coefficient JR: the correction of the weight from
        input node i to first-layer hidden unit j is scaled by
        ``1 + JR / (1 + |u_j - x_i|) / n_inputs``, larger the closer the
        hidden value u_j is to the input value x_i. 0 turns the rule off.
    freud : float >= 0, default=0.0
        The Freud rule's coefficient F: the corrections of every weight out
        of an input node of lag k (k = 0 for t0) are scaled by
        ``1 + F (k + 1) / n_lags``, so older inputs learn faster. 0 turns
        the rule off.
    batch_size : int, default=1
        Windows per update; 1 is online (per-pattern) learning.
    max_iter : int, default=200
        Maximum number of epochs (passes over the windows).
    tol : float, default=1e-4
        Training stops when the epoch's loss has not improved by ``tol`` for
        ``n_iter_no_change`` consecutive epochs.
    n_iter_no_change : int, default=10
        See ``tol``.
    shuffle : bool, default=True
        Visit the windows in a new random order every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights and the shuffling.
    warm_start : bool, default=False
        Continue from the weights of the previous fit. ``n_lags``,
        ``hidden_layer_sizes``, ``activation`` (and the regressor's
        ``output_activation``) must then stay as they were fitted (a change
        is a ValueError, as in ``partial_fit``); refit with
        ``warm_start=False`` to take one.
    verbose : bool, default=False
        Print the loss of every epoch.
"""

_OUTPUT_DOC = """
    output_activation : {'identity', 'logistic'}, default='identity'
        Activation of the output units, trained on half the squared error
        either way. 'logistic' is the all-sigmoid network of Semeion's
        experiments, for targets scaled into (0, 1); it keeps the updates
        bounded at large rates (such as Rate = 1 with self-momentum)."""

_ATTRIBUTES = """\
    n_lags_ : int
        Length of the window used.
    coefs_ : list of ndarray of shape (n_in, n_out)
        Weights of every layer, input first; the rows of ``coefs_[0]`` are
        the input nodes, lag by lag from t0 (all features of t0, then all of
        t-1, ...).
    intercepts_ : list of ndarray of shape (n_out,)
        Biases of every layer.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
    n_outputs_ : int
        Number of output units.
    n_iter_ : int
        Epochs run.
    t_ : int
        Windows seen in training (updates, for ``batch_size=1``); windows of
        weight 0 are not seen.
    loss_ : float
        Mean loss of the windows of the last epoch, each taken before its own
        update (the weighted mean, with ``sample_weight``).
    loss_curve_ : list of shape (`n_iter_`,)
        ``loss_`` after every epoch."""

_DOC = """{summary}

    A layered feed-forward network trained by back-propagation on windows of
    the last ``n_lags`` steps of a time series, with the learning rules of
    Semeion's back-propagation networks (Buscema, 1998): a learning rate per
    layer, momentum or self-momentum, and the Jung and Freud rules. The
    windows are read in place from the series, never copied, and the
    forward pass and the per-pattern updates run in one compiled call per
    epoch. The update equations of self-momentum and of the Jung and Freud
    rules are reconstructions from the published prose description; the
    user guide gives each equation beside the sentence it implements.

    {task}

{layouts}

    Parameters
    ----------
{parameters}
    Attributes
    ----------
{attributes}{extra_attributes}

    See Also
    --------
    sklearn.neural_network.MLPRegressor : the same network on a table of
        features, trained without these rules.
    skrnn.metrics.critical_point_scores : how often a forecast anticipates
        a change of trend.

    Notes
    -----
    A window that would reach before the start of its sequence repeats the
    sequence's first row (the series is taken as constant before it
    starts); training uses whole windows only, so every training sequence
    needs at least ``n_lags`` steps.

    References
    ----------
    Buscema, M. (1998). Back propagation neural networks. Substance Use &
    Misuse, 33(2), 233-270.

    Rumelhart, D. E., Hinton, G. E., & Williams, R. J. (1986). Learning
    representations by back-propagating errors. Nature, 323, 533-536.

    Examples
    --------
{example}
"""


class BackPropagationRegressor(SequenceRegressorMixin, _BaseBackPropagation):
    __doc__ = _DOC.format(
        summary="Back-propagation network over lag windows for time-series regression.",
        task="""The output is linear (or logistic), trained on half the squared error; a target per
    time step is learnt from the window ending at that step (y[t] = X[t + 1]
    makes it a one-step forecaster, and :meth:`forecast` then runs it
    freely). On 2D chunks, :meth:`partial_fit` carries the last
    ``n_lags - 1`` rows over, so that windows span the chunks.""",
        layouts=SEQUENCE_LAYOUTS_DOC,
        parameters=_PARAMETERS.format(lags_type="", lags_default=5, lags_extra="",
                                      output_doc=_OUTPUT_DOC),
        attributes=_ATTRIBUTES, extra_attributes="",
        example="""\
    Forecast a noisy sine one step ahead from its last six values:

    >>> import numpy as np
    >>> from skrnn import BackPropagationRegressor
    >>> s = np.sin(np.arange(400) * 0.2) + 0.05 * np.random.RandomState(0).randn(400)
    >>> X, y = s[:-1, None], s[1:]
    >>> model = BackPropagationRegressor(n_lags=6, momentum=0.5, random_state=0)
    >>> model = model.fit(X[:300], y[:300])
    >>> print(f"{model.score(X[300:], y[300:]):.2f}")
    0.9...""")

    _parameter_constraints: dict = {
        **_BaseBackPropagation._parameter_constraints,
        "output_activation": [StrOptions({"identity", "logistic"})],
    }

    def __init__(
        self,
        n_lags=5,
        hidden_layer_sizes=(16,),
        *,
        activation="tanh",
        output_activation="identity",
        learning_rate_init=0.01,
        momentum=0.0,
        jung=0.0,
        freud=0.0,
        batch_size=1,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        random_state=None,
        warm_start=False,
        verbose=False,
    ):
        super().__init__(
            n_lags, hidden_layer_sizes, activation=activation,
            learning_rate_init=learning_rate_init, momentum=momentum, jung=jung, freud=freud,
            batch_size=batch_size, max_iter=max_iter, tol=tol,
            n_iter_no_change=n_iter_no_change, shuffle=shuffle, random_state=random_state,
            warm_start=warm_start, verbose=verbose)
        self.output_activation = output_activation

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to the lag windows of ``(X, y)``.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout the estimator accepts.
        y : array-like or list of array-like
            A target per time step, or one per sequence.
        sample_weight : array-like or list of array-like, default=None
            Weights of the targets, in the layout of ``y``: one per step
            (or one per sequence, spread over its steps) for a target per
            step, one per sequence for a target per sequence. The window
            ending at a step takes that step's weight, which multiplies the
            window's output error: its share of the update and of ``loss_``
            scale by it, and a window of weight 0 is left out. In
            per-pattern learning an integer weight k is one update k times
            as large, not k updates (each would start from the weights the
            one before left), so it equals repeating the window only to
            first order in the learning rate.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over the windows of ``(X, y)``.

        Consecutive 2D chunks are consecutive pieces of one series: the last
        ``n_lags - 1`` rows of the previous chunks complete the first windows
        of the next, so streaming a series in chunks of any length (without
        shuffling, with ``batch_size=1``) makes the same updates as one epoch
        over the whole series; a chunk that completes no window yet only
        joins that history. With ``batch_size > 1`` every call ends with an
        update on its last, possibly partial, batch, so the stream matches
        the epoch only when each chunk completes a multiple of ``batch_size``
        windows.

        It continues the fitted network: a parameter that shapes it (see
        ``warm_start``), set since it was fitted, is refused with a
        ValueError, the model unchanged.

        Parameters
        ----------
        X : array-like or list of array-like
            As in :meth:`fit`.
        y : array-like or list of array-like
            As in :meth:`fit`.
        sample_weight : array-like or list of array-like, default=None
            As in :meth:`fit`, for the targets of this chunk. A 2D chunk may
            weigh all its steps 0: it then only carries the lag history on
            (nothing is learned or counted, see :ref:`weights`).

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    def _output_code(self):
        return ACTIVATION_CODES[self._fitted_setting("output_activation")]

    def _architecture(self):
        return {**super()._architecture(), "output_activation": self.output_activation}

    def forecast(self, X, n_steps):
        """Free-running forecast: each output becomes the next row of the series.

        Needs a model whose outputs predict its next inputs (a target per
        step with as many outputs as input features, such as
        y[t] = X[t + 1]).

        Parameters
        ----------
        X : array-like or list of array-like
            The observed history; its last ``n_lags`` rows start the forecast.
        n_steps : int
            Number of future steps; the first is the prediction at the last
            row of ``X``.

        Returns
        -------
        y_forecast : ndarray of shape (n_steps,) or (n_steps, n_outputs) for a \
                2D series, else (n_sequences, n_steps[, n_outputs])
        """
        if not isinstance(n_steps, Integral) or n_steps < 1:
            raise ValueError(f"n_steps must be a positive integer; got {n_steps!r}.")
        check_is_fitted(self)
        if not self._per_step or self.n_outputs_ != self._n_inputs:
            raise ValueError(
                "forecast feeds each output back as the next input, so the model must have "
                f"a target per step and as many outputs as input features; it has "
                f"{self.n_outputs_} outputs {'per step' if self._per_step else 'per sequence'} "
                f"and {self._n_inputs} input features.")
        seqs = check_sequences(self, X, reset=False, univariate_rows=False,
                               dtype=self._theta.dtype)
        out = np.empty((seqs.n_sequences, n_steps, self.n_outputs_), dtype=self._theta.dtype)
        for s in range(seqs.n_sequences):
            buffer = np.empty((self.n_lags_ + n_steps, self._n_inputs), dtype=self._theta.dtype)
            buffer[:self.n_lags_] = self._last_window(seqs.X, seqs.offsets, s)
            lagnet_generate(buffer, self.n_lags_, self._theta, self._sizes,
                            self._hidden_code(), self._output_code())
            out[s] = buffer[self.n_lags_:]
        if self._squeeze:
            out = out[..., 0]
        return out[0] if seqs.layout == "series" else out


class BackPropagationClassifier(SequenceClassifierMixin, _BaseBackPropagation):
    __doc__ = _DOC.format(
        summary="Back-propagation network over lag windows for sequence classification.",
        task="""The label of a sequence is read from the window of its last ``n_lags``
    steps through a logistic (two classes) or softmax output, trained on the
    log loss.""",
        layouts=SEQUENCE_LAYOUTS_DOC,
        parameters=_PARAMETERS.format(
            lags_type=" or None", lags_default="None",
            lags_extra="\n        None takes the length of the shortest training sequence.",
            output_doc="") + CLASS_WEIGHT_DOC.lstrip("\n"),
        attributes=_ATTRIBUTES, extra_attributes="""
    classes_ : ndarray of shape (n_classes,)
        Class labels.""",
        example="""\
    Tell slow sine waves from fast ones:

    >>> from skrnn import BackPropagationClassifier
    >>> from skrnn.datasets import make_sine_sequences
    >>> X, y = make_sine_sequences(120, n_timesteps=30, random_state=0)
    >>> model = BackPropagationClassifier(learning_rate_init=0.05, random_state=0)
    >>> model = model.fit(X[:80], y[:80])
    >>> model.score(X[80:], y[80:]) > 0.9
    True""")

    _parameter_constraints: dict = {
        **_BaseBackPropagation._parameter_constraints,
        "n_lags": [None, Interval(Integral, 1, None, closed="left")],
        "class_weight": [None, dict, StrOptions({"balanced"})],
    }

    def __init__(
        self,
        n_lags=None,
        hidden_layer_sizes=(16,),
        *,
        activation="tanh",
        learning_rate_init=0.01,
        momentum=0.0,
        jung=0.0,
        freud=0.0,
        batch_size=1,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        shuffle=True,
        random_state=None,
        warm_start=False,
        verbose=False,
        class_weight=None,
    ):
        super().__init__(
            n_lags, hidden_layer_sizes, activation=activation,
            learning_rate_init=learning_rate_init, momentum=momentum, jung=jung, freud=freud,
            batch_size=batch_size, max_iter=max_iter, tol=tol,
            n_iter_no_change=n_iter_no_change, shuffle=shuffle, random_state=random_state,
            warm_start=warm_start, verbose=verbose)
        self.class_weight = class_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences ``X`` with one label per sequence.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout the estimator accepts.
        y : array-like of shape (n_sequences,)
            Labels.
        sample_weight : array-like of shape (n_sequences,), default=None
            Weight of each sequence, multiplied with ``class_weight``: it
            multiplies the output error of the sequence's window, so its
            share of the update and of ``loss_`` scale by it, and a
            sequence of weight 0 is left out. In per-pattern learning an
            integer weight k is one update k times as large, not k updates,
            so it equals repeating the sequence only to first order in the
            learning rate.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over the sequences ``(X, y)``.

        It continues the fitted network: a parameter that shapes it (see
        ``warm_start``), set since it was fitted, is refused with a
        ValueError, the model unchanged.

        Parameters
        ----------
        X : array-like or list of array-like
            As in :meth:`fit`.
        y : array-like of shape (n_sequences,)
            Labels.
        classes : array-like of shape (n_classes,), default=None
            All labels there will ever be; required on the first call.
        sample_weight : array-like of shape (n_sequences,), default=None
            As in :meth:`fit`.

        Returns
        -------
        self : object
            The updated estimator.

        Raises
        ------
        ValueError
            With ``class_weight='balanced'``, which would be computed from
            each call's labels alone (see :ref:`weights`).
        """
        check_classes_on_first_call(not hasattr(self, "classes_"), classes)
        check_partial_fit_class_weight(self)
        return self._fit(X, y, incremental=True, classes=classes, sample_weight=sample_weight)

    def _output_code(self):
        return ACTIVATION_CODES["logistic" if self.n_outputs_ == 1 else "softmax"]
