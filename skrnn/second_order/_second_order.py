"""Pollack's sequential cascaded network as a regressor and a classifier."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import re

from .._base import SRN_PARAMETER_CONSTRAINTS, BaseRecurrent
from .._docs import BPTT_STEPS, SRN_TRAINING_PARAMETERS, TRAINING_ATTRIBUTES
from .._sequences import SEQUENCE_LAYOUTS_DOC
from .._tasks import SequenceClassifierMixin, SequenceRegressorMixin
from .._weights import add_class_weight
from ._network import SecondOrderNetwork

# the training parameters of the other networks, less weight_init: V has one
# initialisation of its own (see SecondOrderNetwork.initialize)
_TRAINING = re.sub(r"    weight_init : .*?(?=    update_every :)", "",
                   SRN_TRAINING_PARAMETERS, flags=re.S)


class _BaseSecondOrder(BaseRecurrent):
    """Pollack's network: the state's weights are computed from the previous state."""

    _parameter_constraints: dict = {
        **BaseRecurrent._parameter_constraints,
        **SRN_PARAMETER_CONSTRAINTS,
    }
    del _parameter_constraints["weight_init"]
    _architecture_params = ("n_hidden", "activation", "initial_context")

    def __init__(
        self,
        n_hidden=8,
        *,
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
        update_every="batch",
    ):
        # BaseRecurrent.__init__ would set weight_init, which is no parameter here
        self.n_hidden = n_hidden
        self.activation = activation
        self.initial_context = initial_context
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

    def _build_network(self, n_inputs, n_outputs):
        return SecondOrderNetwork(
            n_inputs, self.n_hidden, n_outputs, activation=self.activation,
            output_activation=self._output_activation(n_outputs),
            initial_context=self.initial_context, bptt_steps=self.bptt_steps)


_DOC = """{summary}

    Pollack's sequential cascaded network (1991): a function network
    computes, from the previous state, the weights with which a context
    network maps the current input to the new state::

        W(s) = reshape(V @ [s, 1]),      s_t = f([x_t, 1] @ W(s_{{t-1}}))

    that is, every input multiplies every state unit, a second-order
    recurrence::

        s_t[j] = f(sum over i, k of [x_t, 1][i] [s_{{t-1}}, 1][k] V[i (n_hidden + 1) + k, j])
        y_t = g(s_t @ output_weights_ + output_bias_)

    with ``V = second_order_weights_``. The input chooses which map the
    state goes through, so the network can hold the transition table of a
    finite-state machine: the classic test is Tomita's seven regular
    languages of binary strings.

    {task}

{layouts}

    The forward pass and backpropagation through time run in one compiled
    call per batch. :meth:`get_flat_weights` and :meth:`population_loss`
    give the weight search (:class:`GeneticOptimizer` and the others) the
    whole network as one vector.

    Parameters
    ----------
    n_hidden : int, default=8
        Number of state units. V has (n_inputs + 1) (n_hidden + 1) n_hidden
        weights.

    activation : {{'tanh', 'logistic', 'relu', 'identity'}}, default='tanh'
        Activation f of the state (Pollack used the logistic function).

    initial_context : float, default=0.0
        Value of every state unit before a sequence's first step.

{bptt}
{training}
    Attributes
    ----------
    second_order_weights_ : ndarray of shape ((n_inputs + 1) * (n_hidden + 1), n_hidden)
        V: row i (n_hidden + 1) + k weighs input i times state unit k (the
        last input and the last state unit are the constant 1).

    output_weights_ : ndarray of shape (n_hidden, n_outputs)

    output_bias_ : ndarray of shape (n_outputs,)

{fitted}{extra_attributes}
    See Also
    --------
    ElmanClassifier, ElmanRegressor : first-order recurrence, input and
        state added.

    Notes
    -----
    Pollack read the network's decision from one of its state units; here a
    readout layer gives it, as in the other networks, so one estimator
    serves classification and regression. V starts uniform on
    ``+-sqrt(3 / ((n_inputs + 1) (n_hidden + 1)))``, which gives the state's
    pre-activations unit variance for inputs and states of order one.

    References
    ----------
    Pollack, J. B. (1991). The induction of dynamical recognizers. Machine
    Learning, 7(2-3), 227-252.

    Tomita, M. (1982). Dynamic construction of finite automata from examples
    using hill-climbing. Proceedings of the Fourth Annual Conference of the
    Cognitive Science Society, 105-108.

    Examples
    --------
{example}
"""


@add_class_weight
class SecondOrderClassifier(SequenceClassifierMixin, _BaseSecondOrder):
    __doc__ = _DOC.format(
        summary="Second-order recurrent network (Pollack's) for sequence classification.",
        task="""The label of a sequence is read from its last state through a logistic
    (two classes) or softmax output, trained on the log loss.""",
        layouts=SEQUENCE_LAYOUTS_DOC, bptt=BPTT_STEPS, training=_TRAINING,
        fitted=TRAINING_ATTRIBUTES, extra_attributes="""
    classes_ : ndarray of shape (n_classes,)
        Class labels.
""",
        example="""\
    Parity: is the number of ones in a binary string odd?

    >>> import numpy as np
    >>> from skrnn import SecondOrderClassifier
    >>> X = np.random.RandomState(0).randint(0, 2, (300, 8)).astype(float)
    >>> y = X.sum(axis=1) % 2
    >>> model = SecondOrderClassifier(n_hidden=2, max_iter=300, random_state=0)
    >>> model.fit(X[:200], y[:200]).score(X[200:], y[200:]) > 0.9
    True""")


class SecondOrderRegressor(SequenceRegressorMixin, _BaseSecondOrder):
    __doc__ = _DOC.format(
        summary="Second-order recurrent network (Pollack's) for sequence regression.",
        task="""A linear output gives a value at every time step (or, for 3D or list
    ``X`` with one target per sequence, at each sequence's last step),
    trained on the squared error.""",
        layouts=SEQUENCE_LAYOUTS_DOC, bptt=BPTT_STEPS, training=_TRAINING,
        fitted=TRAINING_ATTRIBUTES, extra_attributes="",
        example="""\
    Remember the input of two steps ago:

    >>> from skrnn import SecondOrderRegressor
    >>> from skrnn.datasets import make_delayed_recall
    >>> X, y = make_delayed_recall(600, delay=2, random_state=0)
    >>> model = SecondOrderRegressor(n_hidden=8, random_state=0).fit(X[:500], y[:500])
    >>> print(f"{model.score(X[500:], y[500:]):.2f}")
    0.9...""")
