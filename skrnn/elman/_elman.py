"""Elman's simple recurrent network as a regressor and a classifier."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

from .._base import SRN_PARAMETER_CONSTRAINTS, SRN_TRAINING_CONSTRAINTS, BaseRecurrent
from .._docs import FITTED_ATTRIBUTES, SRN_TRAINING_PARAMETERS, STACKED_NETWORK_PARAMETERS
from .._sequences import SEQUENCE_LAYOUTS_DOC
from .._tasks import SequenceClassifierMixin, SequenceRegressorMixin
from .._weights import add_class_weight
from ..utils._compat import Interval, StrOptions
from ._stacked import hidden_sizes, srn_architecture, stacked_or_single


class _BaseElman(BaseRecurrent):
    """Elman's network: the context units hold a copy of the last hidden state."""

    _parameter_constraints: dict = {
        **BaseRecurrent._parameter_constraints,
        **SRN_PARAMETER_CONSTRAINTS,
        **SRN_TRAINING_CONSTRAINTS,
        # a tuple stacks recurrent layers
        "n_hidden": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "skip_connections": ["boolean", StrOptions({"input", "output", "both"})],
    }
    _architecture_params = ("n_hidden", "skip_connections", "activation", "initial_context")
    _architecture = srn_architecture

    def __init__(
        self,
        n_hidden=32,
        *,
        skip_connections=False,
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
            n_hidden, bptt_steps=bptt_steps, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change,
            max_fun=max_fun, max_grad_norm=max_grad_norm, n_jobs=n_jobs,
            callbacks=callbacks, weight_init=weight_init, update_every=update_every)
        self.skip_connections = skip_connections
        self.activation = activation
        self.initial_context = initial_context
        self.keep_training_state = keep_training_state

    def _build_network(self, n_inputs, n_outputs):
        return stacked_or_single(
            n_inputs, self.n_hidden, n_outputs, recurrence="hidden",
            activation=self.activation, output_activation=self._output_activation(n_outputs),
            initial_context=self.initial_context, bptt_steps=self.bptt_steps,
            weight_init=self.weight_init, skip_connections=self.skip_connections)

    def _check_targets(self, seqs):
        hidden_sizes(self.n_hidden)  # a bad n_hidden fails before anything is fitted


_ELMAN_DOC = """{summary}

    The hidden layer sees the current input and a copy of its own previous
    state (Elman, 1990)::

        h_t = f(x_t @ input_weights_ + h_{{t-1}} @ recurrent_weights_ + hidden_bias_)
        y_t = g(h_t @ output_weights_ + output_bias_)

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
        Weights from the context (the previous hidden state) to the hidden
        layer.
{extra_attributes}
    See Also
    --------
    JordanRegressor, JordanClassifier : context fed from the outputs.
    sklearn.neural_network.MLPRegressor : the feed-forward network whose
        parameter names these follow.

    Notes
    -----
    Elman's original training treats the context as extra inputs and
    backpropagates one step (``bptt_steps=1``), online. WEKA's Elman does the
    same with logistic units, a 0.5 initial context, learning rate 0.3 and
    plain momentum 0.2, and nothing else; on a 2D series its training is
    reproduced by ``activation='logistic', initial_context=0.5,
    solver='sgd', learning_rate_init=0.3, momentum=0.2,
    nesterovs_momentum=False, batch_size=1, bptt_steps=1, alpha=0,
    max_grad_norm=None, tol=0, weight_init='small_uniform', max_iter=500``
    and ``keep_training_state=True`` (WEKA's ``resetAfterTraining=False``);
    WEKA's scaling of inputs and numeric targets to [-1, 1] is
    ``SequenceScaler(feature_range=(-1, 1))`` in a pipeline and
    :class:`SequenceTransformedTargetRegressor` with
    ``MinMaxScaler(feature_range=(-1, 1))``. Full backpropagation through
    time is the default here.

    The state carried by ``predict(..., return_state=True)`` and by
    ``partial_fit`` on 2D chunks is the hidden state, of size ``n_hidden``.

    References
    ----------
    Elman, J. L. (1990). Finding structure in time. Cognitive Science,
    14(2), 179-211.

    Examples
    --------
{example}
"""

_REGRESSOR_TASK = """A linear output g gives a value at every time step (or, for 3D or list
    ``X`` with one target per sequence, at each sequence's last step),
    trained on the squared error."""

_CLASSIFIER_TASK = """The label of a sequence is read from its last hidden state through a
    logistic (two classes) or softmax output, trained on the log loss."""


class ElmanRegressor(SequenceRegressorMixin, _BaseElman):
    __doc__ = _ELMAN_DOC.format(
        summary="Elman simple recurrent network for sequence regression.",
        task=_REGRESSOR_TASK, layouts=SEQUENCE_LAYOUTS_DOC, network=STACKED_NETWORK_PARAMETERS,
        training=SRN_TRAINING_PARAMETERS, fitted=FITTED_ATTRIBUTES, extra_attributes="",
        example="""\
    Remember the input of three steps ago:

    >>> from skrnn import ElmanRegressor
    >>> from skrnn.datasets import make_delayed_recall
    >>> X, y = make_delayed_recall(600, delay=3, random_state=0)
    >>> model = ElmanRegressor(n_hidden=16, random_state=0).fit(X[:500], y[:500])
    >>> print(f"{model.score(X[500:], y[500:]):.2f}")
    0.9...""")


@add_class_weight
class ElmanClassifier(SequenceClassifierMixin, _BaseElman):
    __doc__ = _ELMAN_DOC.format(
        summary="Elman simple recurrent network for sequence classification.",
        task=_CLASSIFIER_TASK, layouts=SEQUENCE_LAYOUTS_DOC, network=STACKED_NETWORK_PARAMETERS,
        training=SRN_TRAINING_PARAMETERS, fitted=FITTED_ATTRIBUTES,
        extra_attributes="""
    classes_ : ndarray of shape (n_classes,)
        Class labels.
""",
        example="""\
    Tell slow sine waves from fast ones:

    >>> from skrnn import ElmanClassifier
    >>> from skrnn.datasets import make_sine_sequences
    >>> X, y = make_sine_sequences(120, n_timesteps=30, random_state=0)
    >>> model = ElmanClassifier(n_hidden=16, random_state=0).fit(X[:80], y[:80])
    >>> model.score(X[80:], y[80:]) > 0.9
    True""")
