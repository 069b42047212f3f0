"""Readouts of echo state networks and RNN-ELMs from block-wise sufficient statistics.

Both families fix their hidden layer at random and train only a ridge
readout, which needs nothing of the data but sums over the rows
(``H^T H``, ``H^T Y``, column sums, counts). Sums are associative, so each
block of a dask array can be reduced to its sums on the worker that holds
it, and the sums added up in a tree: the readout is the one a local ``fit``
solves, to rounding. The fixed weights are never shipped: each worker
draws them again from ``random_state``, in the estimator's own code.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
from collections import OrderedDict
from numbers import Integral

import joblib
import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.utils import check_random_state

from .._sequences import check_sequences
from ..echo_state._echo_state import _BaseEchoState
from ..echo_state._readout import NormalEquations
from ..rnn_elm._rnn_elm import _BaseRNNELM


def _import_dask():
    try:
        import dask
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - the test extra installs dask
        raise ImportError("skrnn.dask.fit_distributed needs dask: "
                          "pip install 'skrnn[dask]'.") from exc
    return dask, da


def fit_distributed(estimator, X, y, *, classes=None):
    """Fit the readout of an echo state network or RNN-ELM from dask arrays, in parallel.

    Each block of ``X`` is sent through the fixed random layer on the
    worker that holds it, which reduces it to the readout's sufficient
    statistics (``H^T H``, ``H^T Y``, column sums and counts); the
    statistics of all blocks are added up in a tree and the ridge readout
    is solved once, on the client. The random layer is never shipped: every
    worker rebuilds it from ``random_state`` with the estimator's own code.
    The result is the model that ``estimator.fit(X.compute(), y.compute())``
    gives, to rounding, and it can go on learning with ``partial_fit``.

    What a block is depends on the layout:

    - **independent sequences**: a 3D ``X`` of shape
      (n_sequences, n_timesteps, n_features), or the 2D
      (n_sequences, n_timesteps) rows of univariate sequences that
      :class:`~skrnn.EchoStateClassifier` takes, chunked along the first
      axis only. Each block is a batch of whole sequences, each starting
      from the zero state as in ``fit``: one parallel pass. Not with
      ``state_noise > 0``: ``fit`` draws the noise of a batch from one
      generator, sequences interleaved step by step, which blocks cannot
      reproduce (a ``ValueError`` says so).
    - **one long series**: the 2D (n_timesteps, n_features) ``X`` of
      :class:`~skrnn.EchoStateRegressor`, chunked along time. The reservoir
      state (with the washout count, teacher-forced feedback and state-noise
      generator) carries across the blocks, so blocks are not independent.
      Two passes keep the result exact: a first pass runs the reservoir
      over the blocks in order on the workers and hands each block's end
      state to the next (only a state vector travels), then every block is
      run again from its start state and reduced to its sums, all in
      parallel. The state runs are sequential (and done twice): for a sparse
      reservoir, whose state run costs about as much as the sums, a single
      series gains little time; the model is exact all the same.
    - **rows** (RNN-ELM): a 2D (n_samples, n_features) ``X`` chunked along
      the rows; rows are independent.

    Parameters
    ----------
    estimator : EchoStateRegressor, EchoStateClassifier, RNNELMRegressor or \
            RNNELMClassifier
        Fitted in place, as ``fit`` would. An RNN-ELM must have a single
        hidden layer (stacked autoencoder layers are trained on all the
        rows at once, which does not split into blocks). If
        ``random_state`` is None or a ``RandomState``, one seed is drawn
        from it on the client and every worker uses that seed.
    X : dask.array.Array
        Training input in a layout above, chunked along the first axis (the
        other axes are merged into one chunk if they are not). Chunk sizes
        must be known.
    y : dask.array.Array or array-like
        Targets as ``fit`` takes them, with as many rows as ``X``; rechunked
        to the row chunks of ``X``.
    classes : array-like, default=None
        Classifiers: all the class labels. By default the distinct values of
        ``y`` (one extra pass over ``y``).

    Returns
    -------
    estimator : object
        The fitted estimator.

    Notes
    -----
    The computation runs on dask's current scheduler: a
    ``dask.distributed.Client`` if one is active, otherwise dask's local
    threads. On a cluster of separate processes or machines the workers
    must import the same skrnn as the client.

    Ragged lists of sequences are not taken: pad them to a 3D array, or
    stream them with ``partial_fit``.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from skrnn import EchoStateRegressor
    >>> from skrnn.dask import fit_distributed
    >>> t = np.arange(2000)
    >>> X = np.sin(0.05 * t)[:, None]
    >>> y = np.sin(0.05 * (t + 1))
    >>> Xd = da.from_array(X, chunks=(500, 1))   # one series in 4 blocks
    >>> yd = da.from_array(y, chunks=500)
    >>> esn = EchoStateRegressor(50, n_washout=50, alpha=1e-4, random_state=0)
    >>> esn = fit_distributed(esn, Xd, yd)  # on dask's current scheduler
    >>> local = EchoStateRegressor(50, n_washout=50, alpha=1e-4, random_state=0).fit(X, y)
    >>> bool(np.allclose(esn.predict(X), local.predict(X)))
    True
    """
    _, da = _import_dask()
    if isinstance(estimator, _BaseEchoState):
        fit_blocks = _fit_echo_state
    elif isinstance(estimator, _BaseRNNELM):
        fit_blocks = _fit_rnn_elm
    else:
        raise TypeError("fit_distributed fits EchoStateRegressor, EchoStateClassifier, "
                        "RNNELMRegressor and RNNELMClassifier (readouts solved from sums); got "
                        f"{type(estimator).__name__}. Other estimators stream through "
                        "partial_fit with dask_ml.wrappers.Incremental.")
    estimator._validate_params()
    X_blocks, y_blocks = _row_blocks(da, X, y)
    if classes is None and is_classifier(estimator):
        classes = _distinct(da, y)
    fitted = fit_blocks(_worker_template(estimator), X, X_blocks, y_blocks, classes)
    # adopt the fitted state in place of any earlier fit's (as fit would: no
    # stale feature_names_in_ and the like), keeping the caller's parameters
    # (random_state may have been replaced by a drawn seed for the workers)
    # and its set_output configuration
    params = estimator.get_params(deep=False)
    kept = {k: v for k, v in vars(estimator).items()
            if k in params or k == "_sklearn_output_config"}
    estimator.__dict__.clear()
    estimator.__dict__.update(kept)
    estimator.__dict__.update({k: v for k, v in vars(fitted).items() if k not in params})
    return estimator


# -- blocks ---------------------------------------------------------------------
def _row_blocks(da, X, y):
    """Delayed blocks of X and y, split alike along the first axis."""
    if not isinstance(X, da.Array):
        raise TypeError(f"X must be a dask array, chunked along its first axis; got "
                        f"{type(X).__name__}. Wrap in-memory data with dask.array.from_array.")
    if X.ndim not in (2, 3):
        raise ValueError(f"X must be a 2D or 3D dask array; got {X.ndim} dimensions.")
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError("X has unknown chunk sizes; call X.compute_chunk_sizes() first.")
    y = y if isinstance(y, da.Array) else da.asarray(np.asarray(y))
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have as many rows as X ({X.shape[0]}); got shape {y.shape}.")
    rows = X.chunks[0]
    X = X.rechunk((rows,) + (-1,) * (X.ndim - 1))
    y = y.rechunk((rows,) + (-1,) * (y.ndim - 1))
    return list(X.to_delayed().ravel()), list(y.to_delayed().ravel())


def _distinct(da, y):
    y = y if isinstance(y, da.Array) else da.asarray(np.asarray(y))
    return da.unique(y.ravel()).compute()


def _worker_template(estimator):
    """An unfitted copy whose random_state every worker turns into the same weights."""
    template = clone(estimator)
    if not isinstance(estimator.random_state, Integral):
        seed = check_random_state(estimator.random_state).randint(np.iinfo(np.int32).max)
        template.set_params(random_state=int(seed))
    return template


def _tree_sum(dask, parts):
    """Delayed sum of delayed sums, pairwise, so that no worker adds them all."""
    merge = dask.delayed(_merged)
    while len(parts) > 1:
        parts = [merge(*parts[i:i + 2]) if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]
    return parts[0]


def _merged(a, b):
    # a copy: dask may hand the same result to other tasks
    return copy.deepcopy(a).merge(b)


# -- echo state networks -----------------------------------------------------------
class _NoSums:
    """Stands for the normal equations when only a block's end state is wanted."""

    def update(self, blocks, Y):
        pass


#: reservoirs built in this (worker) process, most recent last: a worker
#: usually gets several blocks of one fit, and drawing a large reservoir
#: (its spectral radius by ARPACK) costs as much as running a block
_RESERVOIRS = OrderedDict()
_RESERVOIRS_KEPT = 4


def _with_reservoir(est, dtype, n_outputs):
    """Build ``est``'s reservoir from its random_state, or reuse the one built for these settings.

    The cache holds exactly what ``_build_reservoir`` set, keyed by
    everything it depends on (all the parameters, the input width, dtype
    and number of outputs), so a hit is the same draw.
    """
    key = (joblib.hash(est.get_params(deep=False)), est._n_inputs, np.dtype(dtype).str,
           n_outputs)
    built = _RESERVOIRS.get(key)
    if built is None:
        before = dict(vars(est))
        est._build_reservoir(dtype, n_outputs)
        built = {k: v for k, v in vars(est).items() if k not in before or v is not before[k]}
        _RESERVOIRS[key] = built
        while len(_RESERVOIRS) > _RESERVOIRS_KEPT:
            _RESERVOIRS.popitem(last=False)
    else:
        _RESERVOIRS.move_to_end(key)
        est.__dict__.update(built)  # read only from here on: shared safely


def _esn_start(template, X, y, classes):
    """A fresh copy with its reservoir drawn from random_state and the block validated."""
    est = clone(template)
    seqs = check_sequences(est, X, reset=True, univariate_rows=est._univariate_rows)
    est._encode_targets(seqs, y, reset=True, classes=classes)
    if est._feedback and not seqs.per_step:
        raise ValueError("output_feedback needs a target per time step; y has one "
                         "value per sequence.")
    _with_reservoir(est, seqs.X.dtype, est.n_outputs_)
    return est, seqs


def _esn_stream(est, stream):
    if stream is None:
        return est._new_stream(est.n_outputs_)
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in stream.items()}


def _esn_end_state(template, X, y, classes, stream):
    """First pass over a series: the stream (state, feedback, step count, noise) after a block."""
    est, seqs = _esn_start(template, X, y, classes)
    stream = _esn_stream(est, stream)
    est._accumulate(seqs, _NoSums(), stream)
    return stream


def _esn_block(template, X, y, classes, stream):
    """A block's normal equations, from the stream it starts with (None: the zero state)."""
    est, seqs = _esn_start(template, X, y, classes)
    eqs = NormalEquations(est._n_readout_features(seqs.per_step), est.n_outputs_)
    stream = _esn_stream(est, stream)
    est._accumulate(seqs, eqs, stream)
    return est, eqs, stream, seqs.n_steps


def _fit_echo_state(template, X, X_blocks, y_blocks, classes):
    dask, _ = _import_dask()
    if template.alpha == "gcv" and template.alphas is not None:
        template._check_alphas()  # before any work is sent out
    series = X.ndim == 2 and not template._univariate_rows
    if not series and template.state_noise > 0:
        raise ValueError(
            "fit_distributed cannot reproduce fit's state noise on a batch of sequences: "
            "fit draws it from one generator across the whole batch, step by step. Use "
            "state_noise=0 (noise is for closed-loop generation, which a batch model does "
            "not run), or fit one series."
        )
    block = dask.delayed(_esn_block, nout=4)
    end_state = dask.delayed(_esn_end_state)
    starts = [None]
    if series:  # pass 1: the state each block starts from, handed on block to block
        # the chain is the critical path: ahead of the sums on a busy worker
        with dask.annotate(priority=10):
            for Xb, yb in zip(X_blocks[:-1], y_blocks[:-1]):
                starts.append(end_state(template, Xb, yb, classes, starts[-1]))
    else:
        starts *= len(X_blocks)
    parts = [block(template, Xb, yb, classes, s)
             for Xb, yb, s in zip(X_blocks, y_blocks, starts)]
    first, total, last_stream = parts[0][0], _tree_sum(dask, [p[1] for p in parts]), parts[-1][2]
    est, eqs, stream, *n_steps = dask.compute(first, total, last_stream, *[p[3] for p in parts])
    est = copy.deepcopy(est)  # on a local scheduler it shares its reservoir with the cache
    # the end of _BaseEchoState._fit, on the summed equations
    if eqs.n == 0:
        raise ValueError(
            f"No training rows are left after the washout: n_washout={est.n_washout} "
            "discards every step seen so far; pass longer sequences or lower n_washout."
        )
    est._solve(eqs)
    est._equations = eqs
    est._stream = stream if series else est._new_stream(est.n_outputs_)
    est.n_steps_seen_ = int(sum(n_steps))
    est.n_readout_rows_ = eqs.n
    return est


# -- RNN-ELM -----------------------------------------------------------------------
def _elm_block(template, X, y, classes):
    """A block's Gram sums, and the estimator without them (its layers and metadata)."""
    est = clone(template)
    est._fit(X, y, first=True, classes=classes)
    gram = est._gram
    del est._gram  # travels separately, summed with the others
    return est, gram


def _fit_rnn_elm(template, X, X_blocks, y_blocks, classes):
    dask, _ = _import_dask()
    if len(template._layer_sizes()) > 1:
        raise ValueError(
            f"fit_distributed needs a single, random hidden layer; hidden_layer_sizes="
            f"{template.hidden_layer_sizes!r} stacks autoencoder layers, which are trained on "
            "all the rows at once. Fit those locally, or use one layer.")
    if X.ndim != 2:
        raise ValueError(f"X must be a 2D dask array of rows for {type(template).__name__}; "
                         f"got {X.ndim} dimensions.")
    block = dask.delayed(_elm_block, nout=2)
    parts = [block(template, Xb, yb, classes) for Xb, yb in zip(X_blocks, y_blocks)]
    est, gram = dask.compute(parts[0][0], _tree_sum(dask, [p[1] for p in parts]))
    # the end of RNNELM fit: sums in place, readout solved once
    est._gram = gram
    est.n_samples_seen_ = gram.n_samples
    est._readout = []
    est._solved_readout()
    return est
