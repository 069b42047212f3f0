"""Extreme learning machines of dense random-neural-network clusters (RNN-ELM)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from .._architecture import architecture, check_architecture, record_architecture
from .._readout import WEIGHTS_NOTES, ReadoutMixin
from .._readout._posterior import predictive_std
from .._tasks import check_classes_on_first_call
from .._weights import (
    add_class_weight,
    check_partial_fit_class_weight,
    row_weights,
    with_class_weights,
)
from ..utils._compat import Interval, StrOptions, _fit_context, validate_data
from ..utils._progress import Progress
from ..utils._threads import limit_threads
from ._autoencoder import INPUT_PARAMETERS_DOC
from ._cluster import CLUSTER_CONSTRAINTS, CLUSTER_PARAMETERS_DOC, ClusterParamsMixin
from ._network import Network, input_cells, parse_sources


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
    """Sources, autoencoder stacks and a random layer, then the shared ridge readout."""

    # what the network is drawn and its layers trained with; partial_fit refuses a
    # change of these (the readout's alpha stays free: it is solved from the sums;
    # negative_inputs has its own check, in predict too: _check_inputs)
    _architecture_params = ("hidden_layer_sizes", "sources", "n_stacks", "random_layer",
                            "autoencoder", "encoder_alpha", "encoder_l1", "encoder_max_iter",
                            "input_scaling")
    _architecture = architecture

    _parameter_constraints: ClassVar[dict] = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="neither"), StrOptions({"gcv", "cv"})],
        "alphas": [None, "array-like"],
        "sources": [None, Interval(Integral, 1, None, closed="left"), "array-like"],
        "n_stacks": [Interval(Integral, 1, None, closed="left")],
        "random_layer": ["boolean"],
        "autoencoder": [StrOptions({"ridge", "fista", "fista_signed"})],
        "encoder_alpha": [Interval(Real, 0, None, closed="neither")],
        "encoder_l1": [Interval(Real, 0, None, closed="left")],
        "encoder_max_iter": [Interval(Integral, 1, None, closed="left")],
        "input_scaling": [Interval(Real, 0, None, closed="neither")],
        "negative_inputs": [StrOptions({"split", "clip", "raise"})],
        **CLUSTER_CONSTRAINTS,
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
    }

    def __init__(self, hidden_layer_sizes=(1000,), *, alpha=0.3, alphas=None, sources=None,
                 n_stacks=1, random_layer=True, autoencoder="ridge", encoder_alpha=1.0,
                 encoder_l1=1e-3, encoder_max_iter=150, input_scaling=0.1,
                 negative_inputs="split", n_cells=20, trigger_probability=0.05,
                 firing_rate=0.001, lambda_plus=0.005, lambda_minus=0.005, batch_size=1024,
                 random_state=None, n_jobs=None, verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.alphas = alphas
        self.sources = sources
        self.n_stacks = n_stacks
        self.random_layer = random_layer
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

    # -- the network ------------------------------------------------------
    def _layer_sizes(self):
        sizes = np.atleast_1d(np.asarray(self.hidden_layer_sizes))
        if (sizes.ndim != 1 or sizes.size == 0 or not np.issubdtype(sizes.dtype, np.integer)
                or np.any(sizes < 1)):
            raise ValueError("hidden_layer_sizes must be a positive int or a non-empty "
                             f"sequence of positive ints; got {self.hidden_layer_sizes!r}.")
        return [int(s) for s in sizes]

    def _n_encoder_layers(self):
        return len(self._layer_sizes()) - (1 if self.random_layer else 0)

    def _new_network(self, X):
        """The network for rows like X, its random weights drawn (nothing trained yet)."""
        sizes = self._layer_sizes()
        encoder_sizes, random_size = ((sizes[:-1], sizes[-1]) if self.random_layer
                                      else (sizes, None))
        if self.n_stacks > 1 and not encoder_sizes:
            # stacks without layers would be copies of the input cells, read by a
            # larger random layer: another model, not independent encodings
            raise ValueError(
                f"n_stacks={self.n_stacks} needs autoencoder layers to stack, but "
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} with random_layer=True "
                "is the random layer alone; add autoencoder layers (e.g. (50, 1000)) or "
                "set n_stacks=1.")
        network = Network(parse_sources(self.sources, X.shape[1],
                                        getattr(self, "feature_names_in_", None)),
                          2 if self.negative_inputs == "split" else 1, encoder_sizes,
                          self.n_stacks, random_size, self.autoencoder, self.negative_inputs,
                          X.dtype)
        network.draw(check_random_state(self.random_state), self.input_scaling)
        # what trains the layers, fixed with the random weights: every pass of a stream
        # solves its depth with the settings the network was drawn with
        network.encoder_settings = self._encoder_settings()
        record_architecture(self)
        return network

    def _encoder_settings(self):
        return {"encoder_alpha": self.encoder_alpha, "encoder_l1": self.encoder_l1,
                "encoder_max_iter": self.encoder_max_iter,
                "input_scaling": self.input_scaling}

    def _check_inputs(self, X, *, fitting):
        """negative_inputs applied to X, and kept as it was when the network was drawn."""
        if self.negative_inputs == "raise" and np.any(X < 0):
            input_cells(X, "raise")     # raises, before anything changes
        network = self.__dict__.get("_network")
        if network is not None and network.negative_inputs != self.negative_inputs:
            if fitting:
                raise ValueError(
                    f"the network's input cells were made with negative_inputs="
                    f"{network.negative_inputs!r}, not {self.negative_inputs!r}: "
                    "negative_inputs cannot change between partial_fit calls.")
            raise ValueError(f"negative_inputs={self.negative_inputs!r} was not the value "
                             f"used in fit ({network.negative_inputs!r}); set it back.")

    def _check_stream_dtype(self, X):
        """Every chunk after the first has the network's dtype: the layers run in it,
        and a chunk of another would be encoded differently from fit's."""
        if X.dtype != self._network.dtype:
            raise ValueError(f"X is {X.dtype}, but this model's layers are "
                             f"{self._network.dtype}: keep the dtype of the first chunk "
                             "(or of fit's X) in every partial_fit call.")

    def _train_encoders(self, network, X, weights=None, progress=None):
        """Train every autoencoder depth of ``network`` on X (rows weighted by
        ``weights``), one pass over X per depth, ``batch_size`` rows at a time:
        exactly what the passes of partial_fit do."""
        args = self._cluster_args()
        while not network.trained:
            state = network.new_depth_sums()
            for rows in gen_batches(X.shape[0], self.batch_size):
                network.add_rows(X[rows], state, args,
                                 None if weights is None else weights[rows])
            network.solve_depth(state, self._encoder_params_for(network),
                                network.encoder_settings["input_scaling"])
            if progress is not None:
                stacks = f" in each of {network.n_blocks} stacks" if network.n_blocks > 1 else ""
                progress.note(f"Layer {network.depth}/{len(self._layer_sizes())}: "
                              f"{network.autoencoder} autoencoder of "
                              f"{network.block_width(0, network.depth)} clusters{stacks} "
                              f"trained on {X.shape[0]} rows")

    def _encoder_params_for(self, network):
        return {"autoencoder": network.autoencoder, **network.encoder_settings}

    def _fitted_network(self, name):
        network = self.__dict__.get("_network")
        if network is None:
            raise AttributeError(name)
        return network

    @property
    def sources_(self):
        """Column indices of each source."""
        return self._fitted_network("sources_").columns

    @property
    def stack_weights_(self):
        """Autoencoder weights of each stack, source by source."""
        return self._fitted_network("stack_weights_").stacks

    @property
    def random_weights_(self):
        """Weights into the random layer (None without one)."""
        return self._fitted_network("random_weights_").random_weights

    @property
    def layer_weights_(self):
        """Weights into each hidden layer, for one source and one stack."""
        network = self._fitted_network("layer_weights_")
        if network.n_blocks > 1:
            raise AttributeError("layer_weights_ exists for one source and one stack; with "
                                 "several, see stack_weights_ and random_weights_.")
        return [*network.stacks[0], *([] if network.random_weights is None
                                      else [network.random_weights])]

    # -- the readout hook (see skrnn._readout.ReadoutMixin) ----------------
    def _readout_prepare(self, X, y, *, reset, classes=None, sample_weight=None, chunk=False):
        # (rows are independent: a chunk of zero weights is refused, as in fit)
        # the readout pass of a partial_fit stream keeps the layers its passes trained
        streamed = reset and self.__dict__.get("_readout_after_passes", False)
        if reset and not streamed:
            # a new network: dropped here, inside the engine's all-or-nothing window, so
            # that a fit which fails leaves the fitted model (or the open stream) as it was
            for name in ("_network", "_encoder_pass", "_pass_rows"):
                self.__dict__.pop(name, None)
        self._layer_sizes()
        X = validate_data(self, X, dtype=(np.float64, np.float32),
                          reset=reset and not streamed)
        if not (reset and not streamed):
            self._check_stream_dtype(X)
        y = _check_targets(self, X, y)
        self._check_inputs(X, fitting=True)
        # (the targets were checked against the first chunk of the stream's first pass)
        Y = self._encode_targets(X, y, first=reset and not streamed, classes=classes)
        w = self._row_weights(Y, sample_weight)
        if reset and not streamed:
            network = self._new_network(X)
            with limit_threads(self.n_jobs):
                self._train_encoders(network, X, w, getattr(self, "_progress", None))
            self._network = network
        self.__dict__.pop("_readout_after_passes", None)
        return X, Y, w

    def _row_weights(self, Y, sample_weight):
        """One weight per row (None: all 1); the classifier multiplies in class weights."""
        return row_weights(sample_weight, Y.shape[0])

    def _readout_shape(self, batch):
        return self._network.n_features_out, batch[1].shape[1]

    def _readout_new_stream(self, position=0):
        return {"position": position, "n_seen": 0}

    def _readout_chained(self, X):
        return False

    def _check_distributed(self, X):
        if self._n_encoder_layers() > 0:
            raise ValueError(
                f"fit_distributed needs a single, random hidden layer; hidden_layer_sizes="
                f"{self.hidden_layer_sizes!r} (random_layer={self.random_layer}) has "
                "autoencoder layers, which are trained in passes of their own. Fit those "
                "locally (fit, or the passes of partial_fit), or use one random layer.")
        if X.ndim != 2:
            raise ValueError(f"X must be a 2D dask array of rows for {type(self).__name__}; "
                             f"got {X.ndim} dimensions.")

    def _readout_rows(self, batch, sums, stream):
        """The readout features of every chunk of ``batch_size`` rows, added to ``sums``."""
        X, Y, w = batch
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
                sums.add(self._network.features(X[rows], args), Y[rows],
                         first + np.arange(rows.start, rows.stop),
                         weights=None if w is None else w[rows])
                if progress is not None and progress.detailed:
                    progress.step("Rows", rows.stop, X.shape[0], rows_seen=sums.n_rows)
        stream["position"] = first + X.shape[0]
        stream["n_seen"] += X.shape[0]

    #: a stream of many small chunks pays no O(n_hidden^3) solve per chunk
    _solve_lazily = True

    def _readout_leaf_size(self):
        # a leaf of the sums is a batch of rows: fit's batches are summed in place
        return self.batch_size

    @property
    def _readout_dtype(self):
        return self._network.dtype

    @property
    def n_samples_seen_(self):
        check_is_fitted(self, "_readout_stream")
        return self._readout_stream["n_seen"]

    # -- the passes of partial_fit over the autoencoder layers --------------
    def _encoder_pass_fit(self, X, y, classes, sample_weight=None):
        """Add a chunk to the sums of the autoencoder depth being trained."""
        first = "_network" not in self.__dict__
        saved = self.__dict__.copy()
        try:
            self._layer_sizes()
            args = self._cluster_args()
            X = validate_data(self, X, dtype=(np.float64, np.float32), reset=first)
            y = _check_targets(self, X, y)
            self._check_inputs(X, fitting=True)
            w = self._row_weights(self._encode_targets(X, y, first=first, classes=classes),
                                  sample_weight)
            if first:
                self._network = self._new_network(X)
                state = self._network.new_depth_sums()
            else:
                self._check_stream_dtype(X)
                old = self._encoder_pass
                state = {"sums": [s.copy() for s in old["sums"]],
                         "maxima": [m.copy() for m in old["maxima"]],
                         "position": old["position"]}
            with limit_threads(self.n_jobs):
                for rows in gen_batches(X.shape[0], self.batch_size):
                    self._network.add_rows(X[rows], state, args,
                                           None if w is None else w[rows])
            self._encoder_pass = state
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def end_pass(self):
        """Close a pass of :meth:`partial_fit` over the stream.

        The autoencoder layers at the depth being trained are solved from the
        sums of every row of the pass and fixed. The next :meth:`partial_fit`
        calls, from the stream's first chunk again, train the next depth, or,
        after the last, the readout. A network with L autoencoder layers
        streams in L + 1 passes, with ``end_pass()`` after each of the first
        L; the result equals ``fit`` on the rows of a pass (see the Notes).

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            When no autoencoder depth is being trained (no layers, every
            layer already trained, or no ``partial_fit`` since the last
            ``end_pass``), when the pass's row count differs from the first
            pass's, or when a parameter that trains the layers
            (``encoder_alpha``, ``encoder_l1``, ``encoder_max_iter``,
            ``input_scaling``) changed since the stream's first call.
        """
        state = self.__dict__.get("_encoder_pass")
        if state is None or state["position"] == 0:
            if "_network" not in self.__dict__:
                why = "partial_fit has not been called"
            elif state is None:
                why = ("every autoencoder layer is trained: partial_fit adds to the "
                       "readout, which needs no end_pass")
            else:
                why = "this pass has no rows yet"
            raise ValueError(f"end_pass closes a pass of partial_fit over the autoencoder "
                             f"layers, but {why}.")
        network = self._network
        changed = {name: value for name, value in self._encoder_settings().items()
                   if value != network.encoder_settings[name]}
        if changed:
            raise ValueError(
                f"{', '.join(f'{k}={v!r}' for k, v in changed.items())} changed since the "
                "stream's first partial_fit call (which drew the layers with "
                f"{', '.join(f'{k}={network.encoder_settings[k]!r}' for k in changed)}): "
                "every pass must train its layers with the same settings. Set them back, "
                "or start again with fit.")
        # the sums do not care in what order or chunking the rows came, but each pass
        # must see the same rows: their count, at least, is cheap to check
        expected = self.__dict__.get("_pass_rows")
        if expected is not None and state["position"] != expected:
            raise ValueError(
                f"pass {network.depth + 1} of partial_fit went over {state['position']} "
                f"rows, but pass 1 went over {expected}: each pass must go over the same "
                "rows (in any order and chunking). "
                + ("Add the missing rows before end_pass()." if state["position"] < expected
                   else "Start the stream again (a new model, or fit)."))
        with limit_threads(self.n_jobs):
            network.solve_depth(state, self._encoder_params_for(network),
                                network.encoder_settings["input_scaling"])
        self._pass_rows = state["position"]
        if network.trained:
            del self._encoder_pass
        else:
            self._encoder_pass = network.new_depth_sums()
        return self

    def _fit(self, X, y, *, incremental, classes=None, sample_weight=None):
        """fit or partial_fit through the readout engine; prints what it did."""
        if incremental and "_network" in self.__dict__:
            check_architecture(self, "partial_fit", refit="fit")
        if incremental and "_readout_sums" not in self.__dict__:
            passes_open = "_encoder_pass" in self.__dict__
            if passes_open or ("_network" not in self.__dict__ and self._n_encoder_layers()):
                return self._encoder_pass_fit(X, y, classes, sample_weight)
            if "_network" in self.__dict__:
                # the first chunk of the readout pass, after the autoencoder passes
                self._readout_after_passes = True
        # partial_fit's lines count the time of the whole stream, not of this call
        offset, last_line = (getattr(self, "_stream_clock", (0.0, None)) if incremental
                             else (0.0, None))
        self._progress = progress = Progress(self.verbose, offset=offset, last_line=last_line)
        before = self.n_samples_seen_ if incremental and hasattr(self, "_readout_sums") else 0
        try:
            self._readout_fit(X, y, incremental=incremental, classes=classes,
                              sample_weight=sample_weight)
        finally:
            del self._progress
            self.__dict__.pop("_readout_after_passes", None)
        if incremental:
            first = before == 0
            self._chunks_seen = 1 if first else getattr(self, "_chunks_seen", 1) + 1
            progress.step("Chunk", self._chunks_seen, summary=True,
                          rows=self.n_samples_seen_ - before, rows_seen=self.n_samples_seen_)
        else:
            self.__dict__.pop("_chunks_seen", None)
            progress.step("Chunk", 1, rows=self.n_samples_seen_, rows_seen=self.n_samples_seen_)
            progress.note(f"Readout of {self.output_weights_.shape[0]} clusters solved from "
                          f"{self._readout_sums.n_rows} rows, alpha={self.alpha_:.3g}")
        # a partial_fit stream's seconds so far, and when its last line was printed
        # (fit starts no stream: it leaves only what fit_distributed's model has)
        if incremental:
            self._stream_clock = (progress.elapsed, progress.last_line)
        else:
            self.__dict__.pop("_stream_clock", None)
        return self

    def _decision(self, X, features=None):
        """Readout outputs of every row; a list ``features`` receives the readout rows."""
        if "_encoder_pass" in self.__dict__:
            network = self._network
            raise NotFittedError(
                f"This {type(self).__name__} is still training its autoencoder layers: "
                f"pass {network.depth + 1} of {len(network.encoder_sizes) + 1} over the "
                "stream is open. Call end_pass() after each pass of partial_fit, then stream "
                "the readout's pass, before predicting.")
        if "_network" in self.__dict__ and "_readout_sums" not in self.__dict__:
            raise NotFittedError(
                f"This {type(self).__name__}'s autoencoder layers are trained, but its "
                "readout is not: stream the readout's pass (partial_fit over every row "
                "once more) before predicting.")
        check_is_fitted(self, "_readout_sums")
        expected = self.__dict__.get("_pass_rows")
        if expected is not None and self._readout_stream["n_seen"] < expected:
            warnings.warn(
                f"The readout's pass of partial_fit has gone over "
                f"{self._readout_stream['n_seen']} rows, but the autoencoder passes went "
                f"over {expected}: the readout is trained on part of the stream. Stream "
                "every row through partial_fit once more before predicting.", UserWarning,
                stacklevel=3)
        args = self._cluster_args()
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        self._check_inputs(X, fitting=False)
        dtype = X.dtype
        W = self.output_weights_.astype(dtype, copy=False)
        b = self.output_bias_.astype(dtype, copy=False)
        out = np.empty((X.shape[0], W.shape[1]), dtype=dtype)
        with limit_threads(self.n_jobs):
            for rows in gen_batches(X.shape[0], self.batch_size):
                blocks = self._network.features(X[rows], args)
                H = blocks[0] if len(blocks) == 1 else np.hstack(blocks)
                out[rows] = H @ W + b
                if features is not None:
                    features.append(H)
        return out

    def __sklearn_is_fitted__(self):
        # classes_ and n_features_in_ exist from the stream's first chunk on, but the
        # model predicts only once the readout's pass has begun
        return "_readout_sums" in self.__dict__ and "_encoder_pass" not in self.__dict__

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
    chunking of the same rows gives the same readout: bit for bit without
    autoencoder layers, to rounding with them (their outputs for batches of
    different shapes may differ in the last bits of the BLAS products).
    :class:`RNNELMRegressor` takes NaN in ``y`` as "no target for this
    row": the row is left out of the sums.

    The input may come in ``sources`` (groups of columns: the two camera
    images of a stereo pair, say), each encoded by ``n_stacks`` stacks of
    autoencoder layers of its own; the stacks' outputs are joined only at
    the random layer, or, with ``random_layer=False``, at the readout. These
    are the paper's five classifiers:

    ============  ==========================================================
    Classifier-1  one source, ``autoencoder='fista'``
    Classifier-2  one source, ``autoencoder='ridge'`` or ``'fista_signed'``
    Classifier-3  several ``sources``, ``n_stacks=1``
    Classifier-4  several ``sources``, ``n_stacks > 1``
    Classifier-5  Classifier-4 with ``random_layer=False``
    ============  ==========================================================

    Every autoencoder layer is solved from sums of its own rows too (its
    Gram matrices), so the whole network streams: :meth:`partial_fit` goes
    over the stream once per autoencoder depth, :meth:`end_pass` closing
    each pass, then once more for the readout (see Notes).

    {task}

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(1000,)
        Clusters per hidden layer. The last layer is random (the ELM layer);
        the ones before it, if any, are stacked autoencoder layers trained
        on the data (see ``autoencoder``). ``(500, 5000)`` is the paper's
        784-500-5000-10 structure on MNIST. With ``random_layer=False``
        every entry is an autoencoder layer. With several sources or
        stacks, each stack has these autoencoder layers.

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

    sources : None, int or list of (list of int or str, or slice), default=None
        How the columns of X group into sources, each encoded by stacks of
        its own. None: one source of every column. An int k: k equal
        blocks of consecutive columns (the width must be a multiple of k).
        A list: the columns of each source (indices, negative ones counted
        from the end, slices, or names for a DataFrame with string column
        names, a single name being a source of one column; a dict or set
        is rejected); every column must be in exactly one source, or fit
        raises a ValueError naming the columns in more than
        one, or in none. Being columns of X, sources go through a
        :class:`~sklearn.pipeline.Pipeline` and
        :class:`~sklearn.model_selection.GridSearchCV` unchanged (sources
        by name need the steps before to output DataFrames:
        ``set_output(transform="pandas")``).

    n_stacks : int, default=1
        Independent autoencoder stacks per source (different random layers,
        the same input): 1 is Classifier-3, more is Classifier-4. More than
        one needs at least one autoencoder layer (fit raises a ValueError
        otherwise).

    random_layer : bool, default=True
        Whether the last entry of ``hidden_layer_sizes`` is a random layer
        over the joined stacks. False reads the stacks' outputs directly
        (Classifier-5: an ELM on the encodings).

    autoencoder : {{'ridge', 'fista', 'fista_signed'}}, default='ridge'
        How a stacked layer is trained, from a random layer of ``size``
        clusters H = zeta(Z W) and its decoder D, H D ~ Z (Z the layer's
        input). 'ridge' is the paper's Classifier-2: D by ridge (eq. 23,
        penalty ``encoder_alpha``), split into its positive and negative
        parts, which gives a layer of ``2 * size`` clusters.
        'fista_signed' is Classifier-2 with D solved by FISTA under an L1
        penalty ``encoder_l1`` (eq. 22, ``encoder_max_iter`` iterations),
        split the same way. 'fista' is Classifier-1: a non-negative D with
        the L1 penalty by FISTA (eq. 21); ``size`` clusters. The weights
        are then rescaled so that the largest total input a training row
        could give, its inputs at most their maxima over the rows, is
        ``input_scaling``.

    encoder_alpha : float, default=1.0
        Ridge penalty of the 'ridge' autoencoders (1 / kappa of the paper's
        eq. 23; 1.0 did best of 1e-3 ... 10 on scikit-learn's digits).

    encoder_l1 : float, default=1e-3
        L1 penalty of the 'fista' and 'fista_signed' autoencoders (the
        authors' value).

    encoder_max_iter : int, default=150
        FISTA iterations per 'fista' or 'fista_signed' autoencoder (the
        authors' value).

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
        the last is the random ELM layer (unless ``random_layer=False``).
        Only for one source and one stack.

    sources_ : list of ndarray
        Column indices of each source.

    stack_weights_ : list of list of ndarray
        Weights of the autoencoder layers of each stack, the stacks of the
        first source first.

    random_weights_ : ndarray of shape (n_joined, n_clusters) or None
        Weights into the random layer from the stacks' outputs side by side;
        None when ``random_layer=False``.

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
    **Streaming autoencoder layers.** An autoencoder layer at depth k is
    fixed by the Gram matrices H^T H and H^T Z of its random layer's
    clusters H against its input Z, summed over the rows; its input comes
    through the layers at depths 1 ... k - 1, which must be fixed first.
    So a network with L autoencoder layers (per stack) learns in L + 1
    passes over the data: pass k (k <= L) trains every stack's layer at
    depth k from every row of the pass, the last pass the readout.
    :meth:`fit` makes these passes over X, ``batch_size`` rows at a time,
    holding a batch's activations and, per stack, the sums of its layer
    (O(n_clusters * (n_clusters + n_inputs)) numbers) and at most one
    incomplete leaf of rows (about 2 MB) waiting to be summed. A stream does the same with
    :meth:`partial_fit` over its chunks, calling :meth:`end_pass` after
    each of the first L passes (the stream's chunks must be the same rows
    in every pass; their order and chunking may differ: :meth:`end_pass`
    raises a ValueError when a pass's row count differs from the first
    pass's, and predicting warns while the readout's pass has seen fewer
    rows than that). The layers and readout then
    equal those ``fit`` gives on the rows of a pass, to rounding (1e-8 in
    the tests). ``classes`` is passed on the very first call; predicting
    before the readout's pass has begun raises ``NotFittedError`` (and
    ``check_is_fitted`` reports the model unfitted). The layers are solved
    with the ``encoder_*`` and ``input_scaling`` values of the stream's
    first call. A driver that calls :meth:`partial_fit` once per block
    and never :meth:`end_pass` (``dask_ml.wrappers.Incremental``,
    ``learning_curve(exploit_incremental_learning=True)``) trains only
    networks without autoencoder layers. :meth:`partial_fit` after
    :meth:`fit` adds rows to the readout only.

    The sums are formed and kept in float64 whatever the input dtype (for
    float32 input the layers run in float32); every :meth:`partial_fit`
    chunk must have the dtype of the first chunk, or of ``fit``'s X. :meth:`partial_fit` leaves
    the readout's O(n_hidden^3) solve to its first use (``predict``, or
    reading ``output_weights_``), so a stream of many small chunks does not
    pay it per chunk.

{weights_notes}
    Row weights (``sample_weight``) weigh the autoencoder layers' sums as
    they weigh the readout's, so a row of weight 2 is the row twice in every
    layer; a row of weight 0 also sets no input maximum of the layers'
    rescaling. A stream passes each row the same weight in every pass.

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


@add_class_weight
class RNNELMClassifier(ClassifierMixin, _BaseRNNELM):
    __doc__ = _RNN_ELM_DOC.format(
        summary="Random neural network extreme learning machine classifier.",
        task="""Classes are one-hot targets; the predicted class is the largest output.""",
        input_params=INPUT_PARAMETERS_DOC, cluster_params=CLUSTER_PARAMETERS_DOC,
        weights_notes=WEIGHTS_NOTES,
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
    def fit(self, X, y, sample_weight=None):
        """Fit the layers and the readout on all of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the readout's sums and in the autoencoder
            layers' (see Notes), multiplied with ``class_weight``.

        Returns
        -------
        self : object
        """
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Add a chunk of rows to the sums of the pass under way.

        Without autoencoder layers, or once they are trained, the pass is
        the readout's: the chunk is added to its sums (solved when next
        used). Before that, the chunk is added to the sums of the
        autoencoder layers being trained; :meth:`end_pass` closes each such
        pass (see Notes).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call, ignored after.
        sample_weight : array-like of shape (n_samples,), default=None
            As in :meth:`fit` (pass each row the same weight in every pass).

        Returns
        -------
        self : object

        Raises
        ------
        ValueError
            With ``class_weight='balanced'``, which would be computed from
            each call's labels alone: pass the dict of
            :func:`~sklearn.utils.class_weight.compute_class_weight` instead.
            Or if a parameter that draws the network or trains its
            autoencoder layers (``hidden_layer_sizes``, ``sources``,
            ``n_stacks``, ``random_layer``, ``autoencoder``, the
            ``encoder_*`` settings, ``input_scaling``) changed since the
            stream began: set it back, or start again with :meth:`fit`.
        """
        check_classes_on_first_call(
            not hasattr(self, "_readout_sums") and not hasattr(self, "_network"), classes)
        check_partial_fit_class_weight(self)
        return self._fit(X, y, incremental=True, classes=classes, sample_weight=sample_weight)

    def _row_weights(self, Y, sample_weight):
        return with_class_weights(self, row_weights(sample_weight, Y.shape[0]),
                                  Y.argmax(axis=1))

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
        weights_notes=WEIGHTS_NOTES,
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
    def fit(self, X, y, sample_weight=None):
        """Fit the layers and the readout on all of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each row in the readout's sums and in the autoencoder
            layers' (see Notes).

        Returns
        -------
        self : object
        """
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Add a chunk of rows to the sums of the pass under way.

        Without autoencoder layers, or once they are trained, the pass is
        the readout's: the chunk is added to its sums (solved when next
        used). Before that, the chunk is added to the sums of the
        autoencoder layers being trained; :meth:`end_pass` closes each such
        pass (see Notes).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
            As in :meth:`fit` (pass each row the same weight in every pass).

        Returns
        -------
        self : object
        """
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

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
