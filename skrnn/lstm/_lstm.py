"""Long short-term memory networks as a regressor and a classifier."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from functools import partial
from numbers import Integral, Real

import numpy as np

from .._base import BaseRecurrent
from .._docs import BPTT_STEPS, TRAINING_ATTRIBUTES, LSTM_TRAINING_PARAMETERS
from .._losses import LOSSES, error_entropy_loss
from .._sequences import SEQUENCE_LAYOUTS_DOC
from .._tasks import SequenceClassifierMixin, SequenceRegressorMixin
from .._weights import add_class_weight
from ..utils._compat import Interval, StrOptions
from ._network import LSTMNetwork


def _hidden_sizes(n_hidden):
    """``n_hidden`` as a tuple of layer sizes, or a ValueError."""
    if isinstance(n_hidden, Integral) and not isinstance(n_hidden, bool):
        sizes = (int(n_hidden),)
    else:
        sizes = tuple(np.ravel(np.asarray(n_hidden, dtype=object)))
    if not sizes or not all(isinstance(n, Integral) and not isinstance(n, bool) and n >= 1
                            for n in sizes):
        raise ValueError("n_hidden must be a positive integer or a non-empty sequence of "
                         f"positive integers (one per layer); got {n_hidden!r}.")
    return tuple(int(n) for n in sizes)


class _BaseLSTM(BaseRecurrent):
    """LSTM layers with forget gates, optional peepholes, stacked."""

    _parameter_constraints: dict = {
        **BaseRecurrent._parameter_constraints,
        "n_hidden": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "peepholes": ["boolean"],
        "forget_bias": [Real],
        "entropy_bandwidth": [Interval(Real, 0, None, closed="neither")],
        "entropy_mean_weight": [Interval(Real, 0, None, closed="left")],
    }
    # forget_bias only sets the first weights, as weight_init does
    _architecture_params = ("n_hidden", "peepholes")

    def __init__(
        self,
        n_hidden=32,
        *,
        loss=None,
        peepholes=False,
        forget_bias=1.0,
        entropy_bandwidth=1.5,
        entropy_mean_weight=0.0,
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
        weight_init="uniform",
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
        self.loss = loss
        self.peepholes = peepholes
        self.forget_bias = forget_bias
        self.entropy_bandwidth = entropy_bandwidth
        self.entropy_mean_weight = entropy_mean_weight

    def _build_network(self, n_inputs, n_outputs):
        return LSTMNetwork(
            n_inputs, _hidden_sizes(self.n_hidden), n_outputs,
            output_activation=self._output_activation(n_outputs), peepholes=self.peepholes,
            forget_bias=self.forget_bias, bptt_steps=self.bptt_steps,
            weight_init=self.weight_init)

    def _check_targets(self, seqs):
        _hidden_sizes(self.n_hidden)  # a bad n_hidden fails before anything is fitted
        # one logistic output stands for two class probabilities (see the loss)
        if (self.loss == "error_entropy" and seqs.Y.shape[1] < 2
                and self._output_activation(1) != "logistic"):
            raise ValueError(
                "loss='error_entropy' takes the entropy of the errors over the output units "
                "of each step, so it needs at least two outputs; y has one. "
                "Use loss='squared_error' for a single output.")

    def _link_weights(self):
        """Also expose each layer's input weights, recurrent weights and bias,
        as views into its stacked ``gate_weights_``."""
        super()._link_weights()
        parts = [self._network.split_gate_weights(G, layer)
                 for layer, G in enumerate(self.gate_weights_)]
        self.input_weights_, self.recurrent_weights_, self.bias_ = (
            [part[i] for part in parts] for i in range(3))

    def _loss_function(self):
        if self.loss == "error_entropy":
            return partial(error_entropy_loss, bandwidth=self.entropy_bandwidth,
                           output_activation=self._network.output_activation,
                           mean_weight=self.entropy_mean_weight)
        return LOSSES[self.loss or self._loss]


_LSTM_DOC = """{summary}

    Each layer is the LSTM with forget gates (Gers, Schmidhuber & Cummins,
    2000), with optional peephole connections (Gers & Schmidhuber, 2000)::

        i_t = s(x_t W_i + h_{{t-1}} R_i + p_i * c_{{t-1}} + b_i)
        f_t = s(x_t W_f + h_{{t-1}} R_f + p_f * c_{{t-1}} + b_f)
        g_t = tanh(x_t W_g + h_{{t-1}} R_g + b_g)
        c_t = f_t * c_{{t-1}} + i_t * g_t
        o_t = s(x_t W_o + h_{{t-1}} R_o + p_o * c_t + b_o)
        h_t = o_t * tanh(c_t)

    with s the logistic function; the output is
    ``y_t = g(h_t @ output_weights_ + output_bias_)`` on the last layer.

    {task}

{layouts} Sequences of a list are never padded: each one ends at its own
    length and a classifier reads its own last state.

    Each layer's loop over time steps, all four gates, forward and backward,
    runs in one compiled call per batch, with all sequences of the batch
    advancing together.

    Parameters
    ----------
    n_hidden : int or tuple of int, default=32
        Memory cells per layer: ``64`` is one layer, ``(64, 32)`` two
        stacked layers, the first of 64 cells.

    loss : {losses} or None, default=None
        Training loss; None means {default_loss!r}. 'error_entropy' is Error Entropy Minimization
        (Alexandre & Marques de Sa, 2006): at each step, the errors
        e_k = t_k - y_k over the output units are smoothed by a Gaussian
        Parzen window of width ``entropy_bandwidth``, and the loss is Renyi's
        quadratic entropy of that estimate, ``-log V`` with the information
        potential ``V = 1 / (n^2 h) sum_i sum_u K((e_i - e_u) / h)``. Its
        gradient replaces the error signal at the output; the rest of
        backpropagation is unchanged. Entropy ignores a shift of all
        errors: with the softmax or logistic outputs of a classifier the
        errors' mean is pinned anyway, but a regressor's identity outputs
        keep the mean they start with (see ``entropy_mean_weight``). Needs
        two outputs or more per step (or a binary classifier).

    peepholes : bool, default=False
        Diagonal connections from the cell state to the input, forget and
        output gates (p_i, p_f, p_o above). PyTorch's LSTM has none.

    forget_bias : float, default=1.0
        Initial bias of the forget gates: positive, so that the cells
        remember by default (Gers et al., 2000; Jozefowicz et al., 2015).

    entropy_bandwidth : float, default=1.5
        Parzen window width h of ``loss='error_entropy'`` (the paper uses
        1.3 to 1.6).

    entropy_mean_weight : float, default=0.0
        Weight lambda of a term ``lambda * mean_k(e_k)^2 / 2`` added to the
        entropy at each step with ``loss='error_entropy'``. It pins the mean
        error at zero and acts on nothing else; the paper's loss has none
        (0). A regressor whose targets' mean over the outputs is far from
        where the outputs start (zero) needs it: with 1, the term is the
        squared error of the outputs' mean.

{bptt_steps}
{training}
    Attributes
    ----------
    gate_weights_ : list of ndarray of shape (n_inputs_l + n_hidden_l + 1, 4 * n_hidden_l)
        Per layer, the input weights, the recurrent weights and the bias
        stacked, as one step of the kernel multiplies them with
        [x_t, h_{{t-1}}, 1]. The three attributes below are views into it.

    input_weights_ : list of ndarray of shape (n_inputs_l, 4 * n_hidden_l)
        Per layer, the weights from its input to the gates, in the order
        [i, f, g, o] along the columns.

    recurrent_weights_ : list of ndarray of shape (n_hidden_l, 4 * n_hidden_l)
        Per layer, the weights from h_{{t-1}} to the gates.

    bias_ : list of ndarray of shape (4 * n_hidden_l,)
        Per layer, the gate biases (one vector, not PyTorch's two).

    peephole_weights_ : list of ndarray of shape (3, n_hidden_l)
        Per layer, p_i, p_f and p_o; only with ``peepholes=True``.

    output_weights_ : ndarray of shape (n_hidden_last, n_outputs)

    output_bias_ : ndarray of shape (n_outputs,)

{fitted}{extra_attributes}
    See Also
    --------
    ElmanRegressor, ElmanClassifier : the simple recurrent network.

    Notes
    -----
    The state carried by ``predict(..., return_state=True)`` and by
    ``partial_fit`` on 2D chunks is [h, c] of every layer, in order, of
    size ``2 * sum(n_hidden)``.

    References
    ----------
    Hochreiter, S. & Schmidhuber, J. (1997). Long short-term memory. Neural
    Computation, 9(8), 1735-1780.

    Gers, F. A., Schmidhuber, J. & Cummins, F. (2000). Learning to forget:
    continual prediction with LSTM. Neural Computation, 12(10), 2451-2471.

    Alexandre, L. A. & Marques de Sa, J. P. (2006). Error entropy
    minimization for LSTM training. ICANN 2006, LNCS 4131, 244-253.

    Examples
    --------
{example}
"""

_REGRESSOR_TASK = """A linear output gives a value at every time step (or, for 3D or list
    ``X`` with one target per sequence, at each sequence's last step)."""

_CLASSIFIER_TASK = """The label of a sequence is read from its last hidden state through a
    logistic (two classes) or softmax output."""


class LSTMRegressor(SequenceRegressorMixin, _BaseLSTM):
    __doc__ = _LSTM_DOC.format(
        summary="Long short-term memory network for sequence regression.",
        task=_REGRESSOR_TASK, layouts=SEQUENCE_LAYOUTS_DOC,
        losses="{'squared_error', 'error_entropy'}", default_loss="squared_error",
        bptt_steps=BPTT_STEPS, training=LSTM_TRAINING_PARAMETERS, fitted=TRAINING_ATTRIBUTES,
        extra_attributes="",
        example="""\
    Add the two marked numbers of each sequence (the adding problem):

    >>> from skrnn import LSTMRegressor
    >>> from skrnn.datasets import make_adding_problem
    >>> X, y = make_adding_problem(600, n_timesteps=10, random_state=0)
    >>> model = LSTMRegressor(n_hidden=16, tol=1e-3, random_state=0).fit(X[:500], y[:500])
    >>> model.score(X[500:], y[500:]) > 0.9
    True""")

    _parameter_constraints: dict = {
        **_BaseLSTM._parameter_constraints,
        "loss": [None, StrOptions({"squared_error", "error_entropy"})],
    }


@add_class_weight
class LSTMClassifier(SequenceClassifierMixin, _BaseLSTM):
    __doc__ = _LSTM_DOC.format(
        summary="Long short-term memory network for sequence classification.",
        task=_CLASSIFIER_TASK, layouts=SEQUENCE_LAYOUTS_DOC,
        losses="{'log_loss', 'error_entropy'}", default_loss="log_loss",
        bptt_steps=BPTT_STEPS, training=LSTM_TRAINING_PARAMETERS, fitted=TRAINING_ATTRIBUTES,
        extra_attributes="""
    classes_ : ndarray of shape (n_classes,)
        Class labels.
""",
        example="""\
    Tell strings of the Reber grammar from strings with one wrong symbol:

    >>> from skrnn import LSTMClassifier
    >>> from skrnn.datasets import make_reber_classification
    >>> X, y = make_reber_classification(400, random_state=0)
    >>> model = LSTMClassifier(n_hidden=12, batch_size=20, random_state=0).fit(X[:300], y[:300])
    >>> print(f"{model.score(X[300:], y[300:]):.2f}")
    0.9...""")

    _parameter_constraints: dict = {
        **_BaseLSTM._parameter_constraints,
        "loss": [None, StrOptions({"log_loss", "error_entropy"})],
    }
