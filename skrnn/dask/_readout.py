"""Readouts of echo state networks and RNN-ELMs fitted from dask arrays, block by block.

Both families fix their hidden layer at random and train only a ridge
readout, which needs nothing of the data but the centred sums of its rows
(:class:`skrnn._readout.ReadoutSums`). Sums merge exactly, so each block of a
dask array can be reduced to its sums on the worker that holds it, and the
sums merged in a tree: the readout is the one a local ``fit`` solves, to
rounding. The fixed weights are never shipped: each worker draws them again
from ``random_state``, in the estimator's own code. Everything here goes
through the readout hook of :class:`skrnn._readout.ReadoutMixin`; nothing
depends on the family.
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

from .._readout import ReadoutMixin, ReadoutSums, check_alpha, copy_stream
from .._weights import _as_weights


def _import_dask():
    try:
        import dask
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - the test extra installs dask
        raise ImportError("skrnn.dask.fit_distributed needs dask: "
                          "pip install 'skrnn[dask]'.") from exc
    return dask, da


def fit_distributed(estimator, X, y, *, classes=None, sample_weight=None):
    """Fit the readout of an echo state network or RNN-ELM from dask arrays, in parallel.

    Each block of ``X`` is sent through the fixed random layer on the
    worker that holds it, which reduces it to the readout's sufficient
    statistics (counts, means and centred cross-products); the ridge
    readout is solved once, on the client. The random layer is never shipped: every
    worker rebuilds it from ``random_state`` with the estimator's own code.
    The result is the model that ``estimator.fit(X.compute(), y.compute())``
    gives: bit for bit for one series, to rounding for independent blocks,
    whose sums are merged in a tree (exactly, in any order; see
    :ref:`readout`); it can go on learning with ``partial_fit``.

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
      Each block runs on the worker that holds it, in order, from the state
      and the sums the block before handed on (the sums travel, n_features^2
      values): ``partial_fit`` over the blocks, on the workers, and the very
      model ``fit`` gives, bit for bit. The state run is sequential anyway,
      and for a sparse reservoir costs about as much as the sums: summing
      the blocks apart would run it twice for at most twice the speed.
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
    sample_weight : dask.array.Array or array-like, default=None
        Weights as ``fit`` takes them, with as many rows as ``X`` (one
        weight per sequence, per row, or per step of the series, or
        ``(n_sequences, n_timesteps)`` for per-step targets of 3D ``X``).
        They are brought to the client (one number per row) and cut into
        the blocks of ``X``. A block of one series may have weights that
        are all zero (the state runs through it); a block of independent
        sequences or rows must hold a positive weight. A
        classifier's ``class_weight='balanced'`` is refused (it would be
        computed block by block): pass the class weights as a dict.

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
    dask, da = _import_dask()
    if not isinstance(estimator, ReadoutMixin):
        raise TypeError("fit_distributed fits EchoStateRegressor, EchoStateClassifier, "
                        "RNNELMRegressor and RNNELMClassifier (readouts solved from sums); got "
                        f"{type(estimator).__name__}. Other estimators stream through "
                        "partial_fit with dask_ml.wrappers.Incremental.")
    estimator._validate_params()
    check_alpha(estimator.alpha, estimator.alphas)  # before any work is sent out
    template = _worker_template(estimator)
    template._check_distributed(X)
    X_blocks, y_blocks = _row_blocks(da, X, y)
    w_blocks = _weight_blocks(da, X, sample_weight, getattr(estimator, "class_weight", None),
                              template._readout_chained(X))
    if classes is None and is_classifier(estimator):
        classes = _distinct(da, y)
    fitted = _fit_blocks(dask, template, X, X_blocks, y_blocks, w_blocks, classes)
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


def _weight_blocks(da, X, sample_weight, class_weight, chained):
    """The weights of each block of X (in memory: one number per row), or Nones."""
    if isinstance(class_weight, str) and class_weight == "balanced":
        raise ValueError("fit_distributed would compute class_weight='balanced' block by "
                         "block, not over all the labels as fit does; pass the class "
                         "weights as a dict (sklearn.utils.class_weight."
                         "compute_class_weight gives them).")
    if sample_weight is None:
        return [None] * len(X.chunks[0])
    w = sample_weight.compute() if isinstance(sample_weight, da.Array) else sample_weight
    w = _as_weights(w, "sample_weight")
    if w.ndim == 0 or w.shape[0] != X.shape[0]:
        raise ValueError(f"sample_weight must have as many rows as X ({X.shape[0]}); got "
                         f"shape {w.shape}.")
    edges = np.cumsum((0,) + X.chunks[0])
    blocks = [w[a:b] for a, b in zip(edges[:-1], edges[1:])]
    if not np.any(w > 0):
        raise ValueError("sample_weight is zero everywhere: there is nothing to fit.")
    # a block of a series is a chunk of its stream, which the state runs through
    # whatever its weights; an independent block is fitted as fit fits its data,
    # which refuses weights that are all zero
    empty = [] if chained else [i for i, b in enumerate(blocks) if not np.any(b > 0)]
    if empty:
        raise ValueError(f"sample_weight is zero everywhere in block {empty[0]} of X (rows "
                         f"{edges[empty[0]]} to {edges[empty[0] + 1]}): every block must "
                         "hold a positive weight; rechunk X, or drop those rows.")
    return blocks


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
    return a.copy().merge(b)


#: what the first call of the readout hook set in this (worker) process, most
#: recent last: a worker usually gets several blocks of one fit, and drawing a
#: large random layer (a reservoir's spectral radius by ARPACK) costs as much as
#: running a block
_FIXED_LAYERS = OrderedDict()
_FIXED_LAYERS_KEPT = 4


def _prepared(template, X, y, classes, sample_weight, chunk=False):
    """A fresh copy with its fixed layer drawn from random_state, and the block validated.

    The first block of a fit on a worker is prepared as ``fit`` prepares its
    data (``reset=True``); later blocks with the same settings reuse what that
    set (the same draw) and are validated against it, as ``partial_fit`` does.
    """
    est = clone(template)
    key = (type(est).__name__, joblib.hash(est.get_params(deep=False)), np.shape(X)[1:],
           np.asarray(X).dtype.str, np.shape(y)[1:], np.asarray(y).dtype.str,
           joblib.hash(classes))
    built = _FIXED_LAYERS.get(key)
    if built is None:
        before = dict(vars(est))
        batch = est._readout_prepare(X, y, reset=True, classes=classes,
                                     sample_weight=sample_weight, chunk=chunk)
        _FIXED_LAYERS[key] = {k: v for k, v in vars(est).items()
                              if k not in before or v is not before[k]}
        while len(_FIXED_LAYERS) > _FIXED_LAYERS_KEPT:
            _FIXED_LAYERS.popitem(last=False)
    else:
        _FIXED_LAYERS.move_to_end(key)
        est.__dict__.update(built)  # read only from here on: shared safely
        batch = est._readout_prepare(X, y, reset=False, classes=classes,
                                     sample_weight=sample_weight, chunk=chunk)
    return est, batch


def _chained_block(template, X, y, w, classes, carried):
    """A block of a series, added to the sums and stream that the block before handed on.

    The first block (``carried`` None) starts them. This is ``partial_fit``
    on the worker that holds the block: the same operations in the same
    order as a local ``fit``, so the same bits.
    """
    est, batch = _prepared(template, X, y, classes, w, chunk=True)
    if carried is None:
        sums = ReadoutSums(*est._readout_shape(batch), folds=isinstance(est.alpha, str),
                           leaf_size=est._readout_leaf_size())
        stream = est._readout_new_stream()
    else:  # copies: dask may hand the same result to other tasks
        sums, stream = carried[0].copy(), copy_stream(carried[1])
    est._readout_rows(batch, sums, stream)
    return est, (sums, stream)


def _block_sums(template, X, y, w, classes, start, n_positions):
    """The readout sums of a block of independent rows or sequences, from position ``start``."""
    est, batch = _prepared(template, X, y, classes, w)
    sums = ReadoutSums(*est._readout_shape(batch), folds=isinstance(est.alpha, str),
                       leaf_size=est._readout_leaf_size())
    # the block size of a stream that ends after the last block
    sums.reserve(n_positions)
    stream = est._readout_new_stream(position=start)
    seen = stream["n_seen"]
    est._readout_rows(batch, sums, stream)
    return est, sums, stream, stream["n_seen"] - seen


def _fit_blocks(dask, template, X, X_blocks, y_blocks, w_blocks, classes):
    if template._readout_chained(X):
        # a series: its state runs through the blocks in order, and the sums with
        # it, block to block (summing them apart, in parallel, would run the
        # state twice for at most twice the speed, and lose the bits of fit)
        carried = None
        block = dask.delayed(_chained_block, nout=2)
        for Xb, yb, wb in zip(X_blocks, y_blocks, w_blocks):
            est, carried = block(template, Xb, yb, wb, classes, carried)
        est, (sums, stream) = dask.compute(est, carried)
    else:  # independent blocks, each from its first row's position, summed in a tree
        starts = np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(int).tolist()
        block = dask.delayed(_block_sums, nout=4)
        parts = [block(template, Xb, yb, wb, classes, start, X.shape[0])
                 for Xb, yb, wb, start in zip(X_blocks, y_blocks, w_blocks, starts)]
        est, sums, stream, *seen = dask.compute(
            parts[0][0], _tree_sum(dask, [p[1] for p in parts]), parts[-1][2],
            *[p[3] for p in parts])
        stream["n_seen"] = int(sum(seen))
    est = copy.deepcopy(est)  # on a local scheduler it shares its fixed layer with the cache
    est._readout_finish(sums, stream)
    return est
