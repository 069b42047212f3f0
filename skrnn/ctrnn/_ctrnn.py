"""Continuous-time recurrent networks (and multiple timescales) as a regressor and a classifier."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._activations import HIDDEN_ACTIVATIONS
from .._architecture import architecture
from .._base import BaseRecurrent
from .._docs import BPTT_STEPS, FITTED_ATTRIBUTES, SRN_TRAINING_PARAMETERS
from .._sequences import SEQUENCE_LAYOUTS_DOC, check_sequences
from .._tasks import SequenceClassifierMixin, SequenceRegressorMixin
from .._weights import add_class_weight
from ..utils._compat import Interval, StrOptions
from ..utils._threads import limit_threads
from ._network import ContinuousTimeNetwork


def _positive_tuple(value, name):
    """``value`` (a number or a sequence of them) as a tuple of positive floats."""
    if isinstance(value, (Integral, Real)) and not isinstance(value, bool):
        values = (value,)
    else:
        values = tuple(np.ravel(np.asarray(value, dtype=object)))
    if not values or not all(isinstance(v, (Integral, Real)) and not isinstance(v, bool)
                             and np.isfinite(v) and v > 0 for v in values):
        raise ValueError(f"{name} must be a positive number or a non-empty sequence of "
                         f"positive numbers (one per group of units); got {value!r}.")
    return tuple(values)


def _group_sizes(n_hidden):
    """``n_hidden`` as a tuple of group sizes, or a ValueError."""
    if isinstance(n_hidden, Integral) and not isinstance(n_hidden, bool):
        sizes = (n_hidden,)
    else:
        sizes = tuple(np.ravel(np.asarray(n_hidden, dtype=object)))
    if not sizes or not all(isinstance(n, Integral) and not isinstance(n, bool) and n >= 1
                            for n in sizes):
        raise ValueError("n_hidden must be a positive integer or a non-empty sequence of "
                         f"positive integers (one per group of units); got {n_hidden!r}.")
    return tuple(int(n) for n in sizes)


class _BaseCTRNN(BaseRecurrent):
    """Beer's continuous-time network, one or several groups of time constants."""

    _parameter_constraints: dict = {
        **BaseRecurrent._parameter_constraints,
        "n_hidden": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "time_constant": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "dt": [Interval(Real, 0, None, closed="neither")],
        "integration": [StrOptions({"euler", "exponential"})],
        "time_column": [None, Integral, str],
        "max_step": [None, Interval(Real, 0, None, closed="neither")],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
    }
    # time_constant gives the first time constants, trained since: its groups
    # are those of n_hidden (a count that does not match is refused by
    # _check_targets, on every fit)
    _architecture_params = ("n_hidden", "dt", "integration", "max_step", "time_column",
                            "activation")

    def __init__(
        self,
        n_hidden=32,
        *,
        time_constant=2.0,
        dt=1.0,
        integration="euler",
        time_column=None,
        max_step=None,
        activation="tanh",
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
        self.time_constant = time_constant
        self.dt = dt
        self.integration = integration
        self.time_column = time_column
        self.max_step = max_step
        self.activation = activation

    # -- hyperparameters that validation cannot express ----------------------
    def _sizes_and_taus(self):
        sizes = _group_sizes(self.n_hidden)
        taus = _positive_tuple(self.time_constant, "time_constant")
        if len(taus) == 1:
            taus = taus * len(sizes)
        if len(taus) != len(sizes):
            raise ValueError(
                "time_constant must give one value per group of units: "
                f"n_hidden={self.n_hidden!r} has {len(sizes)} groups, "
                f"time_constant={self.time_constant!r} has {len(taus)}.")
        return sizes, taus

    def _time_index(self):
        """The time column as a non-negative index into a row of X, or None."""
        if self.time_column is None:
            return None
        n = self._n_inputs
        if isinstance(self.time_column, bool):  # an Integral, but surely not a column
            raise ValueError(f"time_column must be a column's index or name; got "
                             f"{self.time_column!r}.")
        if isinstance(self.time_column, str):
            names = list(getattr(self, "feature_names_in_", ()))
            if self.time_column not in names:
                raise ValueError(
                    f"time_column={self.time_column!r} names no column of X: "
                    + (f"its columns are {names}." if names else
                       "X has no column names (pass a DataFrame, or the column's index)."))
            return names.index(self.time_column)
        if not -n <= self.time_column < n:
            raise ValueError(f"time_column={self.time_column} is not a column of X, which has "
                             f"{n} feature(s) per time step.")
        return self.time_column % n

    def _architecture(self):
        params = architecture(self)
        # by name, by negative or by positive index: the same column is no change
        params["time_column"] = self._time_index()
        return params

    def _build_network(self, n_inputs, n_outputs):
        sizes, taus = self._sizes_and_taus()
        column = self._time_index()
        return ContinuousTimeNetwork(
            n_inputs - (column is not None), sizes, n_outputs, time_constants=taus,
            activation=self.activation, output_activation=self._output_activation(n_outputs),
            dt=self.dt, integration=self.integration, time_column=column,
            max_step=self.max_step, bptt_steps=self.bptt_steps, weight_init=self.weight_init)

    def _prepare(self, X, y, reset, classes=None, sample_weight=None, incremental=False):
        # without reset the pass runs the fitted network, which keeps the time
        # column it was built with even if time_column was set since: that
        # column's elapsed times are the ones to check
        self._fitted_column = not reset
        try:
            return super()._prepare(X, y, reset, classes=classes, sample_weight=sample_weight,
                                    incremental=incremental)
        finally:
            self.__dict__.pop("_fitted_column", None)

    def _check_elapsed(self, seqs, fitted=False):
        """A ValueError unless the time column holds finite, non-negative elapsed times.

        The column is ``time_column``'s, or with ``fitted`` the fitted network's.
        """
        network = self._network if fitted else self
        column = network.time_column if fitted else self._time_index()
        if column is None:
            lengths = np.array([network.dt])
        else:
            lengths = elapsed = seqs.X[:, column]
            if not np.all(np.isfinite(elapsed)) or np.any(elapsed < 0):
                bad = elapsed[~(np.isfinite(elapsed) & (elapsed >= 0))][0]
                raise ValueError(
                    f"The time column (column {column} of X) holds the time elapsed since "
                    f"the previous step, which must be finite and non-negative; got {bad}.")
        # max_step's sub-steps are counted in integers: a count beyond them would
        # overflow into a meaningless error rather than run out of memory
        if network.max_step is not None and lengths.size:
            most = float(np.max(lengths)) / network.max_step
            if not most * seqs.X.shape[0] < np.iinfo(np.intp).max:
                raise ValueError(
                    f"max_step={network.max_step} splits a step of length "
                    f"{float(np.max(lengths))} into {most:.3g} sub-steps: far too many. "
                    "Raise max_step.")

    def _check_targets(self, seqs):
        # bad group settings and elapsed times fail before anything is fitted
        self._sizes_and_taus()
        self._check_elapsed(seqs, fitted=getattr(self, "_fitted_column", False))

    def _run(self, X, initial_state=None):
        # BaseRecurrent._run, with the elapsed times checked before the pass
        check_is_fitted(self)
        seqs = check_sequences(self, X, reset=False, univariate_rows=self._univariate_rows,
                               dtype=self._theta.dtype)
        self._check_elapsed(seqs, fitted=True)
        state = self._check_state(initial_state, seqs)
        # unlike Elman's prediction kernel, this one's per-step products are BLAS
        # calls: BLAS is held to one thread (its spinning workers lose on shared cores)
        with limit_threads(self.n_jobs, parallel_kernels=True):
            Y, _, state = self._network.forward(self._views(self._theta), seqs, state,
                                                need_cache=False)
        return seqs, Y, state

    @property
    def time_constants_(self):
        """ndarray of shape (n_hidden,): the fitted time constant of every unit."""
        return np.exp(self.log_time_constants_)


class _RegularStepForecastMixin:
    """``forecast`` at the regular step only: generated steps have no elapsed time."""

    def forecast(self, X, n_steps, *, initial_state=None):
        # the fitted network's column, whatever time_column was set to since
        network = getattr(self, "_network", self)
        if network.time_column is not None:
            raise ValueError(
                "forecast feeds each output back as the next input at the regular step dt; "
                "a model fitted with a time column has no elapsed time for the generated "
                "steps. Fit without time_column to forecast.")
        return super().forecast(X, n_steps, initial_state=initial_state)

    forecast.__doc__ = SequenceRegressorMixin.forecast.__doc__.replace(
        "target with as many outputs as input features, such as y[t] = X[t+1]).",
        "target with as many outputs as input features, such as y[t] = X[t+1]).\n"
        "        The generated steps are steps of ``dt`` (in ``max_step`` sub-steps\n"
        "        if set); a model fitted with a ``time_column`` cannot forecast.", 1)


_CTRNN_PARAMETERS = """\
    n_hidden : int or tuple of int, default=32
        Number of units; a tuple makes groups of units with time constants
        of their own, fastest first (a multiple-timescale network, see the
        description above), for example ``(60, 20)``.

    time_constant : float or tuple of float, default=2.0
        Initial time constant tau of every unit, or of each group of
        ``n_hidden`` (one value per group). Trained with the other weights,
        through its logarithm, so it stays positive.

    dt : float, default=1.0
        Length of one time step (in the units of ``time_constant``) when no
        ``time_column`` is given.

    integration : {'euler', 'exponential'}, default='euler'
        How a regular step of length ``dt`` is taken: 'euler' is forward
        Euler, ``a = dt / tau`` (Beer, 1995), stable while ``dt < 2 tau``;
        'exponential' integrates the decay exactly over the step with the
        drive held, ``a = 1 - exp(-dt / tau)``, stable for any ``dt``. Steps
        whose elapsed time comes from ``time_column`` are always taken the
        exponential way, since a gap in the data can be of any length.

    time_column : int or str, default=None
        Column of ``X`` (its index, or its name in a DataFrame) that holds, at
        every step, the time elapsed since the previous step (for the first
        step, since the initial state), for
        series sampled at irregular times. It is not an input to the
        network: the other columns are. Its values must be finite and
        non-negative (0 leaves the state where it is).

    max_step : float, default=None
        Longest time integrated in one step. A longer step (``dt``, or an
        elapsed time of ``time_column``) is split into equal sub-steps of at
        most ``max_step``, the step's input held over them, and the output is
        read after the last: more accurate over long gaps, at the cost of the
        extra steps. ``bptt_steps`` then counts sub-steps. None integrates
        every step at once.

    activation : {'tanh', 'logistic', 'relu', 'identity'}, default='tanh'
        Activation f of the units' firing rates (Beer's networks use
        'logistic'; 'identity' makes the network linear).

"""

_CTRNN_DOC = """{summary}

    Beer's (1995) continuous-time recurrent network: every unit i has a
    state y_i that relaxes with its own time constant tau_i towards the
    drive of the others' firing rates and the input::

        tau_i dy_i/dt = -y_i + sum_j W[j, i] f(y_j + theta_j) + I_i,   I = x @ input_weights_
        out = g(f(y + theta) @ output_weights_ + output_bias_)

    with ``W = recurrent_weights_`` and ``theta = hidden_bias_``. One step
    of length dt takes ``y <- y + a (s - y)``, where ``s`` is the drive at
    the start of the step and ``a = dt / tau`` (forward Euler) or
    ``1 - exp(-dt / tau)`` (see ``integration``). The time constants are
    trained with the weights, through their logarithm
    (``log_time_constants_``). Elapsed times per step (``time_column``)
    handle series sampled at irregular times.

    With ``n_hidden`` a tuple, the units form groups ordered from fast to
    slow, each with its own ``time_constant``: the multiple-timescale
    network of Yamashita and Tani (2008). Only the first (fastest) group
    sees the input and feeds the output; each group is connected to itself
    and to the groups next to it in the tuple, so that a slow group acts on
    the world only through the faster one beside it. Absent connections are
    masked out of the forward pass (and stay at zero under gradient
    solvers).

    {task}

{layouts}

    The loop over time steps, forward and backward, runs in one compiled
    call per batch, with all sequences of the batch advancing together.

    Parameters
    ----------
{network}
{training}
    Attributes
    ----------
{fitted}
    recurrent_weights_ : ndarray of shape (n_hidden, n_hidden)
        Weights W[j, i] from the firing rate of unit j to the drive of unit i.

    log_time_constants_ : ndarray of shape (n_hidden,)
        Logarithm of every unit's time constant, as trained.

    time_constants_ : ndarray of shape (n_hidden,)
        ``exp(log_time_constants_)``.
{extra_attributes}
    See Also
    --------
    ElmanRegressor, ElmanClassifier : discrete-time recurrent networks.
    GeneticOptimizer : gradient-free search of the flat weight vector, as
        used to evolve central pattern generators.

    Notes
    -----
    With ``dt = tau`` and forward Euler the state becomes the drive at every
    step, ``y_t = f(y_{{t-1}} + theta) @ W + I_t``: a discrete-time network
    whose activation is applied on the way out rather than on the way in.
    Larger time constants make units integrate their input over about tau /
    dt steps.

    The state carried by ``predict(..., return_state=True)`` and by
    ``partial_fit`` on 2D chunks is the vector of unit states y.

    References
    ----------
    Beer, R. D. (1995). On the dynamics of small continuous-time recurrent
    neural networks. Adaptive Behavior, 3(4), 469-509.

    Yamashita, Y. and Tani, J. (2008). Emergence of functional hierarchy in a
    multiple timescale neural network model: a humanoid robot experiment.
    PLoS Computational Biology, 4(11), e1000220.

    Mathayomchan, B. and Beer, R. D. (2002). Center-crossing recurrent
    neural networks for the evolution of rhythmic behavior. Neural
    Computation, 14(9), 2043-2051.

    Examples
    --------
{example}
"""

_REGRESSOR_TASK = """A linear output gives a value at every time step (or, for 3D or list
    ``X`` with one target per sequence, at each sequence's last step),
    trained on the squared error."""

_CLASSIFIER_TASK = """The label of a sequence is read from its last firing rates through a
    logistic (two classes) or softmax output, trained on the log loss."""


class CTRNNRegressor(_RegularStepForecastMixin, SequenceRegressorMixin, _BaseCTRNN):
    __doc__ = _CTRNN_DOC.format(
        summary="Continuous-time recurrent network for sequence regression.",
        task=_REGRESSOR_TASK, layouts=SEQUENCE_LAYOUTS_DOC,
        network=_CTRNN_PARAMETERS + BPTT_STEPS, training=SRN_TRAINING_PARAMETERS,
        fitted=FITTED_ATTRIBUTES, extra_attributes="",
        example="""\
    Remember the input of three steps ago:

    >>> from skrnn import CTRNNRegressor
    >>> from skrnn.datasets import make_delayed_recall
    >>> X, y = make_delayed_recall(600, delay=3, random_state=0)
    >>> model = CTRNNRegressor(n_hidden=16, random_state=0).fit(X[:500], y[:500])
    >>> print(f"{model.score(X[500:], y[500:]):.2f}")
    0.9...""")


@add_class_weight
class CTRNNClassifier(SequenceClassifierMixin, _BaseCTRNN):
    __doc__ = _CTRNN_DOC.format(
        summary="Continuous-time recurrent network for sequence classification.",
        task=_CLASSIFIER_TASK, layouts=SEQUENCE_LAYOUTS_DOC,
        network=_CTRNN_PARAMETERS + BPTT_STEPS, training=SRN_TRAINING_PARAMETERS,
        fitted=FITTED_ATTRIBUTES,
        extra_attributes="""
    classes_ : ndarray of shape (n_classes,)
        Class labels.
""",
        example="""\
    Tell slow sine waves from fast ones:

    >>> from skrnn import CTRNNClassifier
    >>> from skrnn.datasets import make_sine_sequences
    >>> X, y = make_sine_sequences(120, n_timesteps=30, random_state=0)
    >>> model = CTRNNClassifier(n_hidden=16, max_iter=500, random_state=0)
    >>> model = model.fit(X[:80], y[:80])
    >>> model.score(X[80:], y[80:]) > 0.9
    True""")
