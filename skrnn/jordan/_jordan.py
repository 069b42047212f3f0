"""Jordan's recurrent network as a regressor and a classifier."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

from .._base import SRN_PARAMETER_CONSTRAINTS, SRN_TRAINING_CONSTRAINTS, BaseRecurrent
from .._docs import FITTED_ATTRIBUTES, SRN_TRAINING_PARAMETERS, STACKED_NETWORK_PARAMETERS
from .._sequences import SEQUENCE_LAYOUTS_DOC
from .._tasks import SequenceClassifierMixin, SequenceRegressorMixin
from .._weights import add_class_weight
from ..elman._stacked import hidden_sizes, srn_architecture, stacked_or_single
from ..utils._compat import Interval, StrOptions


class _BaseJordan(BaseRecurrent):
    """Jordan's network: context units decay and add up the previous outputs."""

    _parameter_constraints: dict = {
        **BaseRecurrent._parameter_constraints,
        **SRN_PARAMETER_CONSTRAINTS,
        **SRN_TRAINING_CONSTRAINTS,
        "context_decay": [Interval(Real, 0, 1, closed="both")],
        "teacher_forcing": ["boolean"],
        # a tuple stacks recurrent layers
        "n_hidden": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "skip_connections": ["boolean", StrOptions({"input", "output", "both"})],
    }
    _architecture_params = ("n_hidden", "skip_connections", "activation", "initial_context",
                            "context_decay")
    _architecture = srn_architecture

    def __init__(
        self,
        n_hidden=32,
        *,
        skip_connections=False,
        context_decay=0.3,
        teacher_forcing=False,
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
        keep_training_state=False,
    ):
        super().__init__(
            n_hidden, bptt_steps=bptt_steps, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle, random_state=random_state,
            tol=tol, verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            max_grad_norm=max_grad_norm, n_jobs=n_jobs,
            callbacks=callbacks, weight_init=weight_init, update_every=update_every)
        self.context_decay = context_decay
        self.teacher_forcing = teacher_forcing
        self.skip_connections = skip_connections
        self.activation = activation
        self.initial_context = initial_context
        self.keep_training_state = keep_training_state

    def _build_network(self, n_inputs, n_outputs):
        return stacked_or_single(
            n_inputs, self.n_hidden, n_outputs, recurrence="output",
            activation=self.activation, output_activation=self._output_activation(n_outputs),
            initial_context=self.initial_context, context_decay=self.context_decay,
            bptt_steps=self.bptt_steps,
            weight_init=self.weight_init, skip_connections=self.skip_connections)

    def _check_targets(self, seqs):
        hidden_sizes(self.n_hidden)  # a bad n_hidden fails before anything is fitted
        if self.teacher_forcing and not seqs.per_step:
            raise ValueError(
                "teacher_forcing=True feeds the true previous target to the context, so it "
                "needs a target at every time step; got one target per sequence.")

    def _forced(self, seqs):
        # during training only: the true targets y*_t enter c_{t+1}
        return seqs.Y if self.teacher_forcing and seqs.Y is not None else None


_JORDAN_DOC = """{summary}

    The context units decay and add up the network's previous outputs
    (Jordan, 1986)::

        c_t = context_decay * c_{{t-1}} + y_{{t-1}}
        h_t = f(x_t @ input_weights_ + c_t @ context_weights_ + hidden_bias_)
        y_t = g(h_t @ output_weights_ + output_bias_)

    {task}

{layouts}

    The loop over time steps, forward and backward, runs in one compiled
    call per batch, with all sequences of the batch advancing together.

    Parameters
    ----------
{network}
    context_decay : float, default=0.3
        Self-decay mu of the context units, in [0, 1] (0.3 is the context
        self-weight of SNNS's Jordan-Elman initialisation).

    teacher_forcing : bool, default=False
        During training, feed the true previous target y*_{{t-1}} into the
        context instead of the network's own output; prediction always uses
        its own outputs. Needs a target at every time step, so it is an
        error with one target per sequence (and with the classifier).

{training}
    Attributes
    ----------
{fitted}
    context_weights_ : ndarray of shape (n_outputs, n_hidden)
        Weights from the context units to the hidden layer.
{extra_attributes}
    See Also
    --------
    ElmanRegressor, ElmanClassifier : context copied from the hidden layer.

    Notes
    -----
    The output layer is computed inside the time loop, since the next step
    needs it; its activation g also shapes the context (probabilities for
    the classifier). The state carried by ``predict(..., return_state=True)``
    and by ``partial_fit`` on 2D chunks is the context, of size
    ``n_outputs_``.

    References
    ----------
    Jordan, M. I. (1986). Serial order: a parallel distributed processing
    approach. Technical report 8604, Institute for Cognitive Science,
    University of California, San Diego.

    Examples
    --------
{example}
"""


class JordanRegressor(SequenceRegressorMixin, _BaseJordan):
    __doc__ = _JORDAN_DOC.format(
        summary="Jordan recurrent network for sequence regression.",
        task="""A linear output gives a value at every time step (or one per sequence
    for 3D or list ``X`` with 1D ``y``), trained on the squared error.""",
        layouts=SEQUENCE_LAYOUTS_DOC, network=STACKED_NETWORK_PARAMETERS,
        training=SRN_TRAINING_PARAMETERS, fitted=FITTED_ATTRIBUTES, extra_attributes="",
        example="""\
    Forecast a sine wave one step ahead, then let the network run free:

    >>> from skrnn import JordanRegressor
    >>> from skrnn.datasets import make_sine_series
    >>> X, y = make_sine_series(400, period=20, random_state=0)
    >>> model = JordanRegressor(n_hidden=16, max_iter=100, random_state=0).fit(X, y)
    >>> bool(model.score(X, y) > 0.95)
    True
    >>> model.forecast(X, 5).shape
    (5,)""")


@add_class_weight
class JordanClassifier(SequenceClassifierMixin, _BaseJordan):
    __doc__ = _JORDAN_DOC.format(
        summary="Jordan recurrent network for sequence classification.",
        task="""The label of a sequence is the output at its last step, a logistic (two
    classes) or softmax output trained on the log loss.""",
        layouts=SEQUENCE_LAYOUTS_DOC, network=STACKED_NETWORK_PARAMETERS,
        training=SRN_TRAINING_PARAMETERS, fitted=FITTED_ATTRIBUTES,
        extra_attributes="""
    classes_ : ndarray of shape (n_classes,)
        Class labels.
""",
        example="""\
    Is the running total of a sequence positive at its end? The context
    accumulates the network's own running verdict:

    >>> import numpy as np
    >>> from skrnn import JordanClassifier
    >>> X = np.random.RandomState(0).uniform(-1, 1, (200, 10))
    >>> y = (X.sum(axis=1) > 0).astype(int)
    >>> model = JordanClassifier(n_hidden=16, random_state=0)
    >>> model.fit(X[:150], y[:150]).score(X[150:], y[150:]) > 0.8
    True""")
