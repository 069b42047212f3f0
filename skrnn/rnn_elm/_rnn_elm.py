"""Extreme learning machines of dense random-neural-network clusters (RNN-ELM)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_regressor
from sklearn.metrics import r2_score
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from .._readout import ReadoutMixin
from .._readout._posterior import predictive_std
from .._tasks import check_classes_on_first_call
from ..utils._compat import Interval, StrOptions, _fit_context, validate_data
from ..utils._progress import Progress
from ..utils._threads import limit_threads
from ._autoencoder import INPUT_PARAMETERS_DOC, check_nonnegative_inputs
from ._cluster import (
    CLUSTER_CONSTRAINTS,
    CLUSTER_PARAMETERS_DOC,
    ClusterParamsMixin,
    cluster_layer,
    random_input_weights,
)
from ._solvers import fista_nonnegative, ridge_decoder


def _check_targets(estimator, X, y):
    """y of a classifier (1D labels) or regressor (numbers; NaN marks a row with no target)."""
    if y is None:
        raise ValueError(f"{type(estimator).__name__} requires y to be passed, but the target y "
                         "is None.")
    if is_regressor(estimator):
        y = check_array(y, ensure_2d=False, dtype="numeric", ensure_all_finite="allow-nan",
                        input_name="y")
        if y.ndim > 2:
            raise ValueError(f"y must be 1D or 2D; got shape {y.shape}.")
    else:
        # labels of any type; numbers must be finite
        y = column_or_1d(check_array(y, ensure_2d=False, dtype=None, input_name="y"), warn=True)
    check_consistent_length(X, y)
    return y


class _BaseRNNELM(ReadoutMixin, ClusterParamsMixin, BaseEstimator):
    """Layers of clusters, then the shared ridge readout (skrnn._readout)."""

    _parameter_constraints: ClassVar[dict] = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="neither"), StrOptions({"gcv", "cv"})],
        "alphas": [None, "array-like"],
        "autoencoder": [StrOptions({"ridge", "fista"})],
        "encoder_alpha": [Interval(Real, 0, None, closed="neither")],
        "encoder_l1": [Interval(Real, 0, None, closed="left")],
        "encoder_max_iter": [Interval(Integral, 1, None, closed="left")],
        "input_scaling": [Interval(Real, 0, None, closed="neither")],
        "negative_inputs": [StrOptions({"split", "raise"})],
        **CLUSTER_CONSTRAINTS,
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
    }

    def __init__(self, hidden_layer_sizes=(1000,), *, alpha=0.3, alphas=None, autoencoder="ridge",
                 encoder_alpha=1.0, encoder_l1=1e-3, encoder_max_iter=150,
                 input_scaling=0.1, negative_inputs="split", n_cells=20,
                 trigger_probability=0.05, firing_rate=0.001, lambda_plus=0.005,
                 lambda_minus=0.005, batch_size=1024, random_state=None, n_jobs=None,
                 verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.alphas = alphas
        self.autoencoder = autoencoder
        self.encoder_alpha = encoder_alpha
        self.encoder_l1 = encoder_l1
        self.encoder_max_iter = encoder_max_iter
        self.input_scaling = input_scaling
        self.negative_inputs = negative_inputs
        self.n_cells = n_cells
        self.trigger_probability = trigger_probability
        self.firing_rate = firing_rate
        self.lambda_plus = lambda_plus
        self.lambda_minus = lambda_minus
        self.batch_size = batch_size
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    # -- layers ----------------------------------------------------------
    def _layer_sizes(self):
        sizes = np.atleast_1d(np.asarray(self.hidden_layer_sizes))
        if (sizes.ndim != 1 or sizes.size == 0 or not np.issubdtype(sizes.dtype, np.integer)
                or np.any(sizes < 1)):
            raise ValueError("hidden_layer_sizes must be a positive int or a non-empty "
                             f"sequence of positive ints; got {self.hidden_layer_sizes!r}.")
        return [int(s) for s in sizes]

    def _encoder_layer(self, X, size, rng, args):
        """Weights of one stacked autoencoder layer, trained on X (paper IV-A/B).

        A random non-negative layer H = zeta(X W) is decoded linearly,
        H D ~ X; the decoder's transpose becomes the next layer's weights.
        'fista' (Classifier-1) constrains D >= 0 with an L1 penalty;
        'ridge' (Classifier-2) solves the ridge problem and keeps both signs
        as two blocks of clusters, [max(D, 0)^T, -min(D, 0)^T].
        """
        W = random_input_weights(rng, X.shape[1], size, self.input_scaling, X.dtype)
        H = cluster_layer(X, W, args).astype(np.float64)
        if self.autoencoder == "fista":
            E = fista_nonnegative(H, X, self.encoder_l1, self.encoder_max_iter).T
        else:
            D = ridge_decoder(H, X, self.encoder_alpha)
            E = np.hstack([np.maximum(D, 0).T, np.maximum(-D, 0).T])
        # rescale so the largest total input over the training rows is
        # input_scaling, as the authors do: zeta is flat beyond a few tenths
        largest = float(np.max(X @ E)) if E.size else 0.0
        if largest > 0:
            E *= self.input_scaling / largest
        return np.ascontiguousarray(E, dtype=X.dtype)

    def _build_layers(self, Xs, rng, args, progress=None):
        progress = progress or Progress(False)
        sizes = self._layer_sizes()
        layers = []
        for k, size in enumerate(sizes[:-1], start=1):
            E = self._encoder_layer(Xs, size, rng, args)
            layers.append(E)
            Xs = cluster_layer(Xs, E, args)
            progress.note(f"Layer {k}/{len(sizes)}: {self.autoencoder} autoencoder of "
                          f"{E.shape[1]} clusters trained on {Xs.shape[0]} rows")
        layers.append(random_input_weights(rng, Xs.shape[1], sizes[-1], self.input_scaling,
                                           Xs.dtype))
        return layers

    def _hidden(self, X, layers, args):
        """Last hidden layer for a chunk of rows (split into input cells here,
        so that not even the doubled input is held for all of X)."""
        Xs = check_nonnegative_inputs(self, X)
        for W in layers:
            Xs = cluster_layer(Xs, W, args)
        return Xs

    # -- the readout hook (see skrnn._readout.ReadoutMixin) ----------------
    def _readout_prepare(self, X, y, *, reset, classes=None):
        self._layer_sizes()
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=reset)
        y = _check_targets(self, X, y)
        if self.negative_inputs == "raise":
            check_nonnegative_inputs(self, X)       # before anything changes
        n_input_cells = X.shape[1] * (2 if self.negative_inputs == "split" else 1)
        if not reset and n_input_cells != self.layer_weights_[0].shape[0]:
            raise ValueError(
                f"the first layer has {self.layer_weights_[0].shape[0]} input cells, but "
                f"negative_inputs={self.negative_inputs!r} gives {n_input_cells}: "
                "negative_inputs cannot change between partial_fit calls.")
        Y = self._encode_targets(X, y, first=reset, classes=classes)
        if reset:
            # autoencoder layers train on all the rows at once (see Notes); a
            # lone random layer only needs the number of input cells
            rows = X if len(self._layer_sizes()) > 1 else X[:0]
            Xs = check_nonnegative_inputs(self, rows)
            with limit_threads(self.n_jobs):
                self.layer_weights_ = self._build_layers(
                    Xs, check_random_state(self.random_state), self._cluster_args(),
                    getattr(self, "_progress", None))
        return X, Y

    def _readout_shape(self, batch):
        return self.layer_weights_[-1].shape[1], batch[1].shape[1]

    def _readout_new_stream(self, position=0):
        return {"position": position, "n_seen": 0}

    def _readout_chained(self, X):
        return False

    def _check_distributed(self, X):
        if len(self._layer_sizes()) > 1:
            raise ValueError(
                f"fit_distributed needs a single, random hidden layer; hidden_layer_sizes="
                f"{self.hidden_layer_sizes!r} stacks autoencoder layers, which are trained on "
                "all the rows at once. Fit those locally, or use one layer.")
        if X.ndim != 2:
            raise ValueError(f"X must be a 2D dask array of rows for {type(self).__name__}; "
                             f"got {X.ndim} dimensions.")

    def _readout_rows(self, batch, sums, stream):
        """The last hidden layer of every chunk of ``batch_size`` rows, added to ``sums``."""
        X, Y = batch
        first = stream["position"]
        sums.reserve(first + X.shape[0])
        args, progress = self._cluster_args(), getattr(self, "_progress", None)
        # batches of at most batch_size rows, cut at the leaves of the sums
        # (positions k * leaf), so that each is summed in place
        leaf = sums.leaf_size
        cuts = np.arange(leaf - first % leaf, X.shape[0], leaf)
        edges = np.unique(np.concatenate([[0], cuts, [X.shape[0]]]))
        batches = [slice(a, min(a + self.batch_size, hi))
                   for lo, hi in zip(edges[:-1], edges[1:])
                   for a in range(lo, hi, self.batch_size)]
        with limit_threads(self.n_jobs):
            for rows in batches:
                H = self._hidden(X[rows], self.layer_weights_, args)
                sums.add([H], Y[rows], first + np.arange(rows.start, rows.stop))
                if progress is not None and progress.detailed:
                    progress.step("Rows", rows.stop, X.shape[0], rows_seen=sums.n)
        stream["position"] = first + X.shape[0]
        stream["n_seen"] += X.shape[0]

    #: a stream of many small chunks pays no O(n_hidden^3) solve per chunk
    _solve_lazily = True

    def _readout_leaf_size(self):
        # a leaf of the sums is a batch of rows: fit's batches are summed in place
        return self.batch_size

    @property
    def _readout_dtype(self):
        return self.layer_weights_[-1].dtype

    @property
    def n_samples_seen_(self):
        check_is_fitted(self, "_readout_stream")
        return self._readout_stream["n_seen"]

    def _fit(self, X, y, *, incremental, classes=None):
        """fit or partial_fit through the readout engine; prints what it did."""
        # partial_fit's lines count the time of the whole stream, not of this call
        offset, last_line = (getattr(self, "_stream_clock", (0.0, None)) if incremental
                             else (0.0, None))
        self._progress = progress = Progress(self.verbose, offset=offset, last_line=last_line)
        before = self.n_samples_seen_ if incremental and hasattr(self, "_readout_sums") else 0
        try:
            self._readout_fit(X, y, incremental=incremental, classes=classes)
        finally:
            del self._progress
        if incremental:
            first = before == 0
            self._chunks_seen = 1 if first else getattr(self, "_chunks_seen", 1) + 1
            progress.step("Chunk", self._chunks_seen, summary=True,
                          rows=self.n_samples_seen_ - before, rows_seen=self.n_samples_seen_)
        else:
            self.__dict__.pop("_chunks_seen", None)
            progress.step("Chunk", 1, rows=self.n_samples_seen_, rows_seen=self.n_samples_seen_)
            progress.note(f"Readout of {self.output_weights_.shape[0]} clusters solved from "
                          f"{self._readout_sums.n} rows, alpha={self.alpha_:.3g}")
        # a partial_fit stream's seconds so far, and when its last line was printed
        # (fit starts no stream: it leaves only what fit_distributed's model has)
        if incremental:
            self._stream_clock = (progress.elapsed, progress.last_line)
        else:
            self.__dict__.pop("_stream_clock", None)
        return self

    def _decision(self, X, features=None):
        """Readout outputs of every row; a list ``features`` receives the readout rows."""
        check_is_fitted(self, "_readout_sums")
        args = self._cluster_args()
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        if self.negative_inputs == "raise":
            check_nonnegative_inputs(self, X)
        n_input_cells = X.shape[1] * (2 if self.negative_inputs == "split" else 1)
        if n_input_cells != self.layer_weights_[0].shape[0]:
            raise ValueError(f"negative_inputs={self.negative_inputs!r} was not the value "
                             "used in fit; set it back.")
        dtype = X.dtype
        W = self.output_weights_.astype(dtype, copy=False)
        b = self.output_bias_.astype(dtype, copy=False)
        layers = [L.astype(dtype, copy=False) for L in self.layer_weights_]
        out = np.empty((X.shape[0], W.shape[1]), dtype=dtype)
        with limit_threads(self.n_jobs):
            for rows in gen_batches(X.shape[0], self.batch_size):
                H = self._hidden(X[rows], layers, args)
                out[rows] = H @ W + b
                if features is not None:
                    features.append(H)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


_RNN_ELM_DOC = """{summary}

    A feed-forward network of Gelenbe's dense clusters trained the
    extreme-learning-machine way (Gelenbe and Yin). Each hidden unit is a
    cluster of ``n_cells`` spiking cells; its output is the probability
    zeta(x) that its cells are excited, given the total inhibitory input x
    from the layer before. The last hidden layer has random non-negative
    weights; the readout is the ridge solution::

        H = zeta(zeta(... zeta(X E_1) ...) W)         (all weights >= 0)
        output_weights_ = (I / kappa + H^T H)^-1 H^T Y   (alpha = 1 / kappa;
                                                          H centred, standardised)

    computed from the sums Phi = H^T H and Psi = H^T Y (centred, and the
    clusters standardised, see :ref:`readout`), which are accumulated over
    chunks of ``batch_size`` rows: all of H is never held in memory, and
    :meth:`partial_fit` adds further chunks to the same sums (the paper's
    incremental rule), so that fitting in one call or streaming any
    chunking of the same rows gives the same readout, bit for bit.
    :class:`RNNELMRegressor` takes NaN in ``y`` as "no target for this
    row": the row is left out of the sums.

    {task}

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(1000,)
        Clusters per hidden layer. The last layer is random (the ELM layer);
        the ones before it, if any, are stacked autoencoder layers trained
        on the data (see ``autoencoder``). ``(500, 5000)`` is the paper's
        784-500-5000-10 structure on MNIST.

    alpha : float, 'gcv' or 'cv', default=0.3
        Ridge penalty of the readout on standardised clusters (each
        cluster's output divided by its standard deviation, so that one
        penalty means the same whatever the layer's scale; the intercept is
        not penalised): 1 / kappa of the paper in those units. 'gcv' or
        'cv' choose it from ``alphas`` (see :ref:`readout`). Between 0.1
        and 1 did best on six tasks (scikit-learn's digits, breast cancer,
        wine, diabetes, Friedman #1, a smooth 2D function; BENCHMARKS.md);
        a smooth, noise-free target wants less (1e-2 or below). The
        authors' pseudo-inverse readout (no penalty) overfits; a tiny
        penalty such as 1e-10 is the nearest to it.

    alphas : array-like of shape (n_alphas,), default=None
        Grid searched when ``alpha`` is 'gcv' or 'cv'; None is a grid of 61
        values relative to the spectrum of the standardised Gram matrix.

    autoencoder : {{'ridge', 'fista'}}, default='ridge'
        How a stacked layer is trained. 'ridge' is the paper's Classifier-2:
        a random layer's ridge decoder (penalty ``encoder_alpha``), split
        into its positive and negative parts, which gives a layer of
        ``2 * size`` clusters. 'fista' is Classifier-1: a non-negative
        decoder with an L1 penalty (``encoder_l1``) by FISTA
        (``encoder_max_iter`` iterations); ``size`` clusters. Either way the
        weights are rescaled so that the largest total input over the
        training rows is ``input_scaling``.

    encoder_alpha : float, default=1.0
        Ridge penalty of the 'ridge' autoencoders (1 / kappa of the paper's
        eq. 23; 1.0 did best of 1e-3 ... 10 on scikit-learn's digits).

    encoder_l1 : float, default=1e-3
        L1 penalty of the 'fista' autoencoders (the authors' value).

    encoder_max_iter : int, default=150
        FISTA iterations per 'fista' autoencoder (the authors' value).

{input_params}
{cluster_params}
    batch_size : int, default=1024
        Rows per chunk when accumulating the Gram sums and predicting.
        Memory grows as batch_size * max(hidden_layer_sizes).

    random_state : int, RandomState instance or None, default=None
        Seed of the random layers.

    n_jobs : int, default=None
        Threads for the BLAS products and solves (None: one; the machines
        this runs on are often shared, where threaded BLAS on products of
        this size loses badly).

    verbose : bool or int, default=False
        Print what each call did, with the time taken: the autoencoder
        layers trained, a line per call with the rows seen so far (a chunk,
        for :meth:`partial_fit`), the readout solved. 2 also prints a line
        per ``batch_size`` rows added to the Gram sums.

    Attributes
    ----------
    layer_weights_ : list of ndarray
        Non-negative weights into each hidden layer, ``(n_in, n_clusters)``;
        the last is the random ELM layer.

    output_weights_ : ndarray of shape (n_hidden, n_outputs)
        Readout weights from the last hidden layer.

    output_bias_ : ndarray of shape (n_outputs,)
        Readout intercept.

    alpha_ : float
        Ridge penalty: ``alpha``, or the one 'gcv' or 'cv' chose (if the
        penalised Gram matrix is not positive definite in float64, the solve
        raises the penalty, with a ``ReadoutWarning``; ``alpha_`` keeps the
        one asked for).

    alphas_ : ndarray of shape (n_alphas,)
        The grid searched; only when ``alpha`` is 'gcv' or 'cv'.

    gcv_scores_, cv_scores_ : ndarray of shape (n_alphas,)
        GCV score, or blocked cross-validation error, of every alpha of the
        grid; only with ``alpha='gcv'`` or ``alpha='cv'`` respectively.

    n_samples_seen_ : int
        Rows seen by ``fit`` and later ``partial_fit`` calls.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.
{extra_attributes}
    See Also
    --------
    RNNAutoencoder : the paper's autoencoder of clusters, as a transformer.

    Notes
    -----
    With stacked autoencoder layers, :meth:`fit` trains them on all of X
    (so it holds their activations, ``n_samples * size`` values), and
    :meth:`partial_fit` trains them on the first chunk only, then keeps
    them; ``fit`` and ``partial_fit`` agree exactly only without them.
    The sums are formed and kept in float64 whatever the input dtype (for
    float32 input the layers run in float32). :meth:`partial_fit` leaves
    the readout's O(n_hidden^3) solve to its first use (``predict``, or
    reading ``output_weights_``), so a stream of many small chunks does not
    pay it per chunk.

    References
    ----------
    Gelenbe, E. and Yin, Y. (2016). Deep learning with random neural
    networks. IJCNN, 1633-1638. Yin, Y. and Gelenbe, E. (2016). Deep
    learning in multi-layer architectures of dense nuclei.
    arXiv:1609.07160.

    Examples
    --------
{example}
"""


class RNNELMClassifier(ClassifierMixin, _BaseRNNELM):
    __doc__ = _RNN_ELM_DOC.format(
        summary="Random neural network extreme learning machine classifier.",
        task="""Classes are one-hot targets; the predicted class is the largest output.""",
        input_params=INPUT_PARAMETERS_DOC, cluster_params=CLUSTER_PARAMETERS_DOC,
        extra_attributes="""
    classes_ : ndarray of shape (n_classes,)
        Class labels.
""",
        example="""\
    >>> from sklearn.datasets import load_digits
    >>> from skrnn import RNNELMClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> model = RNNELMClassifier(500, random_state=0).fit(X[:1000] / 16, y[:1000])
    >>> print(f"{model.score(X[1000:] / 16, y[1000:]):.2f}")
    0.9...""")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the layers and the readout on all of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        return self._fit(X, y, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Add a chunk of rows to the readout's sums (solved when next used).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call, ignored after.

        Returns
        -------
        self : object
        """
        check_classes_on_first_call(not hasattr(self, "_readout_sums"), classes)
        return self._fit(X, y, incremental=True, classes=classes)

    def _encode_targets(self, X, y, *, first, classes):
        check_classification_targets(y)
        if first:
            labels = unique_labels(y) if classes is None else unique_labels(classes)
        else:
            labels = self.classes_
        unseen = np.setdiff1d(unique_labels(y), labels)
        if unseen.size:
            raise ValueError(f"y has classes {unseen.tolist()} that are not in classes "
                             f"{labels.tolist()}.")
        self.classes_ = labels
        return (y[:, None] == labels[None, :]).astype(X.dtype)

    def decision_function(self, X):
        """Readout of each class (for two classes, the second minus the first).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
        """
        scores = self._decision(X)
        if len(self.classes_) == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def predict(self, X):
        """Class of the largest readout.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        scores = self._decision(X)
        return self.classes_[np.argmax(scores, axis=1)]


class RNNELMRegressor(RegressorMixin, _BaseRNNELM):
    __doc__ = _RNN_ELM_DOC.format(
        summary="Random neural network extreme learning machine regressor.",
        task="""The outputs are linear in the last layer; y may have several columns.""",
        input_params=INPUT_PARAMETERS_DOC, cluster_params=CLUSTER_PARAMETERS_DOC,
        extra_attributes="",
        example="""\
    >>> import numpy as np
    >>> from skrnn import RNNELMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(0, 1, (400, 2))
    >>> y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    >>> model = RNNELMRegressor(200, alpha=1e-3, random_state=0).fit(X[:300], y[:300])
    >>> print(f"{model.score(X[300:], y[300:]):.2f}")
    0.9...""")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the layers and the readout on all of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self : object
        """
        return self._fit(X, y, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """Add a chunk of rows to the readout's sums (solved when next used).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self : object
        """
        return self._fit(X, y, incremental=True)

    def _encode_targets(self, X, y, *, first, classes=None):
        Y = y.reshape(y.shape[0], -1).astype(X.dtype)
        if not first and (Y.shape[1] != self._n_outputs or (y.ndim == 1) != self._y_1d):
            raise ValueError(f"y must have the shape of the targets seen before "
                             f"({self._n_outputs} outputs, "
                             f"{'1D' if self._y_1d else '2D'}); got shape {y.shape}.")
        self._y_1d, self._n_outputs = y.ndim == 1, Y.shape[1]
        return np.ascontiguousarray(Y)

    def predict(self, X, return_std=False):
        """Predicted targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        return_std : bool, default=False
            Also return the standard deviation of the predictive
            distribution of each target: the Bayesian reading of the ridge
            readout (see the forecasting user guide), from the sums it
            keeps. Not available after ``slim()``.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        y_std : ndarray of the same shape
            Only when ``return_std``.
        """
        if not return_std:
            out = self._decision(X)
            return out.ravel() if self._y_1d else out
        sums = self._readout_sums
        if not hasattr(sums, "total"):
            raise ValueError("return_std needs the readout's sums, which slim() dropped; "
                             "refit to get standard deviations.")
        pieces = []
        out = self._decision(X, features=pieces)
        std = predictive_std(sums.total, self._readout_solution().coef, self.alpha_,
                             self._readout_params["fit_intercept"], np.vstack(pieces))
        std = std.astype(out.dtype)
        return (out.ravel(), std.ravel()) if self._y_1d else (out, std)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 over the rows that have a target.

        Rows whose target has a NaN (no target, as in :meth:`fit`) are not
        scored.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        y = _check_targets(self, X, y)
        keep = ~np.isnan(y.reshape(y.shape[0], -1)).any(axis=1)
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)[keep]
        return r2_score(y[keep], self.predict(X)[keep], sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
