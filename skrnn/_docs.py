"""Docstring fragments shared by the gradient-trained networks (written once)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import textwrap

_SRN_PARAMETERS = """\
    n_hidden : int or tuple of int, default=32
        Number of hidden (and, for Elman, context) units. A tuple stacks
        recurrent layers, from the input up (a recurrent multilayer
        perceptron): each lower layer is an Elman layer, recurrent to itself
        and feeding the next, and the top layer is the family's own (Elman's,
        or Jordan's with the output context), with the output read from it.
        The weights of layer l are then ``input_weights_[l]``,
        ``recurrent_weights_[l]`` and ``hidden_bias_[l]`` (lists), and the
        carried state holds every layer's.

@SKIP@    activation : {'tanh', 'logistic', 'relu', 'identity'}, default='tanh'
        Activation f of the hidden layer.

    initial_context : float, default=0.0
        Value of every context unit before a sequence's first step (WEKA's
        Elman uses 0.5 with logistic units).

"""

BPTT_STEPS = """\
    bptt_steps : int, default=None
        Truncated backpropagation through time BPTT(k; k): the gradient
        does not flow back across every k-th step of a sequence (the state
        still does). ``None`` is full BPTT; ``1`` is the one-step rule of
        Elman (1990), where the context units are treated as extra inputs.
"""

_TRAINING_PARAMETERS = """\
    solver : {%(solvers)s}, default='adam'
        Weight optimiser. 'sgd' is stochastic gradient descent with
        momentum; 'adam' is Kingma and Ba's method; 'lbfgs' is SciPy's
        L-BFGS-B on the whole training set at once (no mini-batches, no
        ``partial_fit``).
%(solver_more)s
    alpha : float, default=1e-4
        Strength of the L2 penalty on the weight matrices (not the biases),
        ``alpha / (2 n) ||W||^2`` with n the number of targets in a batch.

    batch_size : int or 'auto', default='auto'
        For a single 2D series, the number of consecutive time steps per
        update: the series is cut into segments that keep their order, and
        the state carries from one segment to the next (stateful truncated
        BPTT). For 3D or list input, the number of sequences per update.
        'auto' is ``min(32, n)`` sequences (Keras' default; on a suite of
        sequence tasks, batches of 32 generalised better than batches of
        200, for PyTorch's networks too) and ``min(200, n)`` steps of a
        series.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule, as in MLPRegressor: 'invscaling' (for 'sgd')
        divides the rate by ``t ** power_t``; 'adaptive' (for 'sgd' and
        'adam') reduces it on a plateau: each time the training loss (the
        validation score with ``early_stopping``) has not improved by ``tol``
        for ``n_iter_no_change`` epochs, the rate is divided by 5, and
        training stops once it is below 1e-6 instead of at the first plateau.

    learning_rate_init : float, default=0.01
        Initial step size of 'sgd' and 'adam'. Larger than MLP's 0.001:
        recurrent nets reach the same loss several times sooner here, and
        ``max_grad_norm`` keeps them stable.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations
        ('lbfgs').

    shuffle : bool, default=True
        Whether to shuffle the sequences of 3D or list input at every epoch.
        The steps inside a sequence, and a single 2D series, are never
        shuffled.

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling and the validation
        split. An int makes ``fit`` reproducible bit for bit.

    tol : float, default=1e-4
        Training stops when the loss (or validation score) has not improved
        by at least ``tol`` for ``n_iter_no_change`` epochs.

    verbose : bool, default=False
        Print a line per epoch (per L-BFGS iteration) with the training loss,
        the validation score when ``early_stopping``, and the elapsed time;
        ``partial_fit`` prints a line per chunk with the steps seen so far.
        Whatever ``verbose``, Ctrl-C (KeyboardInterrupt) stops ``fit`` with a
        warning and keeps the best-validation weights (``early_stopping``),
        the weights of the last finished epoch, or L-BFGS's best point.

    warm_start : bool, default=False
        Start ``fit`` from the weights of the previous fit. The parameters
        that shape the network or its equations (sizes, activation, skip
        connections, context and time-step settings) must stay as they were
        fitted: a change is refused with a ValueError, as in
        ``partial_fit``. Refit with ``warm_start=False`` to take it. Those
        that steer training, or only draw the first weights (``weight_init``
        and initial values such as ``forget_bias`` or ``time_constant``),
        may change.

    momentum : float, default=0.9
        Momentum of 'sgd'.

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with 'sgd'.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data and stop when
        its score stops improving; at the end the weights of the epoch with
        the best validation score are restored, bit for bit. For a single
        2D series the held-out part is its tail; for 3D or list input, a
        random set of sequences (stratified for classifiers).

    validation_fraction : float, default=0.1
        Fraction held out when ``early_stopping``.

    beta_1 : float, default=0.9
        Decay of Adam's first-moment estimate.

    beta_2 : float, default=0.999
        Decay of Adam's second-moment estimate.

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=50
        Epochs without improvement of at least ``tol`` before stopping.
        Larger than scikit-learn's 10 for its MLPs: a recurrent network can
        sit on a plateau for tens of epochs before it finds a long-range
        dependency (the adding problem is the classic case), and stopping
        there leaves it at chance.

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.

    max_grad_norm : float or None, default=5.0
        Rescale the gradient of a batch to this Euclidean norm when it is
        larger (Pascanu et al., 2013); None disables clipping.

    n_jobs : int, default=None
        Threads to use. None means 1 (the default: the machines are often
        shared, and small parallel kernels lose badly to contention); -1
        means all cores. The sequences of a batch are split into up to
        ``n_jobs`` blocks of equal work whose time loops run in parallel
        threads that wait without spinning; BLAS stays on one thread (its
        spinning workers would take the cores the blocks need). A batch is
        only split when each block gets at least 8 million multiply-adds.
        Results agree with ``n_jobs=1`` up to rounding. Pays off for large
        batches and hidden layers on an otherwise idle machine.

    weight_init : {%(inits)s}, default=%(default_init)r
        How the weights start. 'orthogonal': Glorot-uniform input and output
        weights and an orthogonal recurrent matrix (Saxe et al., 2014), zero
        biases. 'glorot': Glorot-uniform everywhere. 'uniform': PyTorch's,
        every weight and bias of the recurrent layers on +-1/sqrt(units), the
        output layer on +-1/sqrt(its inputs). An LSTM's forget gates get
        ``forget_bias`` added whatever the scheme.
%(init_more)s%(init_choice)s

    update_every : {'batch', 'step'}, default='batch'
        When the weights move. 'batch': after every mini-batch. 'step':
        online, after every step that has a target, as the classic online
        algorithms do (one update per symbol): the sequences are taken one
        at a time, and each update follows the exact gradient of that step's
        error through the sequence so far, at the current weights
        (real-time backpropagation through time; ``bptt_steps`` truncates
        it). A sequence of T steps costs about T^2 / 2 steps of forward and
        backward pass, so keep it to short sequences; it needs 3D or list
        input, and ``batch_size='auto'``.

    callbacks : list of callable, default=None
        Called after every epoch of 'sgd' and 'adam' (every iteration of
        'lbfgs') as ``callback(estimator, info)``, with the estimator holding
        the weights of that epoch and ``info`` a dict: ``epoch`` (epochs run
        in all), ``loss`` (the epoch's training loss), ``validation_score``
        (with ``early_stopping``, else None) and ``learning_rate`` (the base
        rate of the schedule; None for 'lbfgs'). A callback that returns
        True stops the fit after that epoch, as Keras' and skorch's do; one
        that raises stops it and the error propagates, the estimator keeping
        the weights of the last finished epoch. Use it to log, checkpoint
        (``get_flat_weights``) or stop on a condition of your own.
"""

_SRN_WEIGHTS = """\
    input_weights_ : ndarray of shape (n_inputs, n_hidden)
        Weights from the inputs of one time step to the hidden layer.

    hidden_bias_ : ndarray of shape (n_hidden,)

    output_weights_ : ndarray of shape (n_hidden, n_outputs)

    output_bias_ : ndarray of shape (n_outputs,)

"""

TRAINING_ATTRIBUTES = """\
    n_outputs_ : int
        Number of output units.

    loss_ : float
        Training loss of the last epoch, including the L2 penalty.

    loss_curve_ : list of shape (`n_iter_`,)
        Training loss of every epoch.

    best_loss_ : float or None
        Lowest training loss seen (None with ``early_stopping``).

    validation_scores_ : list or None
        Validation score of every epoch with ``early_stopping``.

    best_validation_score_ : float or None
        Best validation score with ``early_stopping``.

    n_iter_ : int
        Number of epochs (or L-BFGS iterations) run.

    t_ : int
        Number of targets seen by the solver.

    n_features_in_ : int
        Features of a row of the layout seen in ``fit``: the columns of 2D
        input (time steps for a classifier's univariate rows), the last axis
        of 3D or list input.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined only when ``X`` has feature names that are all strings (a
        DataFrame, or a list of DataFrames with the same columns).
"""



def _paragraph(text):
    """``text`` as docstring lines under a parameter, each ending in a newline."""
    return textwrap.fill(text, width=80, initial_indent=" " * 8,
                         subsequent_indent=" " * 8) + "\n"


def training_parameters(default_init, init_choice, *, solvers=("sgd", "adam", "lbfgs"),
                        solver_more="", inits=("orthogonal", "glorot", "uniform"),
                        init_more=""):
    """The training parameters' docs, with a family's default ``weight_init``
    and a sentence on why it is the default.

    A family with solvers or initialisations of its own names them in
    ``solvers`` and ``inits`` and describes them in ``solver_more`` and
    ``init_more`` (text to wrap under the entry): the entries are generated
    from the same template, so a change to the shared text reaches every
    family and cannot break the extension.
    """
    return _TRAINING_PARAMETERS % {
        "default_init": default_init,
        "init_choice": _paragraph(init_choice).rstrip("\n"),
        "solvers": ", ".join(map(repr, solvers)),
        "solver_more": _paragraph(solver_more) if solver_more else "",
        "inits": ", ".join(map(repr, inits)),
        "init_more": _paragraph(init_more) if init_more else "",
    }


# the simple networks also learn online by real-time recurrent learning, and
# draw WEKA's small uniform weights
SRN_TRAINING_PARAMETERS = training_parameters(
    "orthogonal", "The default generalised best of the three for Elman's and Jordan's "
    "networks on a suite of sequence tasks.",
    solvers=("sgd", "adam", "lbfgs", "rtrl", "rtrl_adam", "dekf"),
    solver_more=(
        "'rtrl' and 'rtrl_adam' are real-time recurrent learning (Williams and Zipser, "
        "1989): the sensitivity of the state to every weight is carried forward in time, "
        "so the gradient of each step's error runs through the whole past, however long "
        "the stream, in memory that does not grow with it; the weights move after every "
        "``batch_size`` targets ('auto': after every target), by gradient descent with "
        "``momentum`` ('rtrl') or by Adam ('rtrl_adam'). State, sensitivities and an "
        "unfinished update window carry across ``partial_fit`` calls on a 2D series. "
        "``fit`` runs the same online algorithm over the data in order, every epoch; "
        "``loss_curve_`` then holds each epoch's online loss, every target's loss taken "
        "before its update. A step costs O(n_hidden^4) (Elman) or "
        "O(n_hidden^2 n_outputs (n_inputs + n_outputs)) (Jordan): practical up to "
        "n_hidden=64 for an Elman network with one input; a network whose step costs "
        "more than that one's warns. ``bptt_steps`` and ``update_every='step'`` do not "
        "apply. 'dekf' is the decoupled extended Kalman filter (Puskorius and Feldkamp, "
        "1994) on the same sensitivities: an update after every target, one error "
        "covariance per unit's incoming weights (started at 100 times the identity, "
        "process noise 1e-4), ``learning_rate_init`` its rate (the inverse of the "
        "measurement noise; 0.1 to 1 is typical); ``batch_size``, ``momentum``, "
        "``alpha`` and ``max_grad_norm`` do not apply to it."),
    inits=("orthogonal", "glorot", "uniform", "small_uniform"),
    init_more=("'small_uniform': every weight and bias on +-0.05, as WEKA's Elman "
               "network draws them."))
SRN_TRAINING_PARAMETERS += """
    keep_training_state : bool, default=False
        Whether ``predict`` (and ``score``) on a 2D series start, when no
        ``initial_state`` is given, from the state the network had after the
        last step it trained on, rather than from the initial state: the new
        series is read as the continuation of the training series (WEKA's
        ``resetAfterTraining=False``). That state is the one ``partial_fit``
        carries, left by the last epoch of ``fit`` (with early stopping, the
        state after the whole series, its validation tail included, under
        the weights kept); 3D and list input always start from the initial
        state.
"""
LSTM_TRAINING_PARAMETERS = training_parameters(
    "uniform", "The default generalised best of the three for the LSTM on a suite of "
    "sequence tasks (remembering a symbol for ten steps most of all).")

SKIP_CONNECTIONS = """\
    skip_connections : {False, True, 'input', 'output', 'both'}, default=False
        With a tuple ``n_hidden``, the shortcuts of the stack. True or
        'input': the input also feeds every layer above the first (Graves,
        2013): layer l then reads ``[h^{l-1}_t, x_t]``, the first rows of
        ``input_weights_[l]`` the layer below and the last ``n_features``
        rows the input; an early input reaches the output through the top
        layer's recurrence alone. 'output' (Elman's stack only): the output
        reads every layer, ``y_t = g([h^0_t, ..., h^L_t] @ output_weights_
        + output_bias_)`` (Pascanu et al., 2014), so a lower layer's memory
        reaches the output without crossing the layers above;
        ``output_weights_`` has a row per unit of every layer, lowest layer
        first. 'both': the two. A Jordan top layer feeds its output back, so
        a Jordan stack takes 'output' and 'both' as a ValueError. Ignored for
        one layer.

"""

NETWORK_PARAMETERS = _SRN_PARAMETERS.replace("@SKIP@", "") + BPTT_STEPS
#: the same, for the networks whose ``n_hidden`` may stack Elman layers
STACKED_NETWORK_PARAMETERS = _SRN_PARAMETERS.replace("@SKIP@", SKIP_CONNECTIONS) + BPTT_STEPS
FITTED_ATTRIBUTES = _SRN_WEIGHTS + TRAINING_ATTRIBUTES
