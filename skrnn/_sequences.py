"""Parsing of sequence input: the one place where the data layouts are read.

Every layout of the data contract becomes ``(X2d, offsets)``: the time steps
of all sequences stacked into one C-contiguous 2D array, and CSR-style
offsets so that sequence ``s`` occupies rows ``offsets[s]:offsets[s + 1]``.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from sklearn.utils.validation import check_array

from .utils._compat import _assert_all_finite, _check_feature_names, validate_data

FLOAT_DTYPES = (np.float64, np.float32)

SEQUENCE_LAYOUTS_DOC = """\
    Sequence layouts: a 2D ``X`` of shape (n_timesteps, n_features) is one
    time-ordered series (regressors) or a batch of univariate sequences, one
    per row (classifiers); a 3D ``X`` of shape
    (n_sequences, n_timesteps, n_features) is a batch of equal-length
    sequences; a list of arrays of shape (n_timesteps_i, n_features) holds
    sequences of different lengths."""


@dataclass
class Sequences:
    """Sequences stacked as ``(X, offsets)``, with their targets when fitting.

    Parameters
    ----------
    X : ndarray of shape (n_steps, n_features)
        Time steps of all sequences, stacked, C-contiguous.
    offsets : ndarray of shape (n_sequences + 1,), dtype=intp
        Sequence ``s`` occupies rows ``offsets[s]:offsets[s + 1]``.
    layout : {'series', 'rows', 'batch', 'list'}
        The input layout, so that predictions come back in it.
    Y : ndarray of shape (n_targets, n_outputs), default=None
        Encoded targets: one per step (``per_step``) or one per sequence.
    per_step : bool, default=True
        Whether ``Y`` has a row per time step or per sequence.
    W : ndarray of shape (n_targets,), default=None
        Weight of each target row (sample and class weights); None when
        every row weighs 1.
    """

    X: np.ndarray
    offsets: np.ndarray
    layout: str
    Y: np.ndarray = None
    per_step: bool = True
    W: np.ndarray = None

    @property
    def n_sequences(self):
        return self.offsets.shape[0] - 1

    @property
    def n_steps(self):
        return self.X.shape[0]

    @cached_property
    def lengths(self):
        return np.diff(self.offsets)

    @cached_property
    def order(self):
        """Sequence indices by decreasing length, as the kernels need them."""
        return np.argsort(-self.lengths, kind="stable").astype(np.intp)

    @cached_property
    def last_rows(self):
        return self.offsets[1:] - 1

    @property
    def n_targets(self):
        return 0 if self.Y is None else self.Y.shape[0]

    @property
    def total_weight(self):
        """The weight of all targets: their number when unweighted."""
        return self.n_targets if self.W is None else float(self.W.sum())

    @property
    def target_rows(self):
        """Rows of ``X`` whose output is compared with ``Y``."""
        return slice(None) if self.per_step else self.last_rows

    def take(self, seq_idx):
        """The sequences ``seq_idx``, in that order, with their targets."""
        seq_idx = np.asarray(seq_idx, dtype=np.intp)
        if self.layout == "batch" and self.n_steps:
            return self._take_equal_lengths(seq_idx)
        lengths = self.lengths[seq_idx]
        offsets = np.zeros(seq_idx.shape[0] + 1, dtype=np.intp)
        np.cumsum(lengths, out=offsets[1:])
        # row indices of the chosen sequences, built without a Python loop
        rows = np.repeat(self.offsets[seq_idx] - offsets[:-1], lengths)
        rows += np.arange(offsets[-1], dtype=np.intp)
        Y = W = None
        if self.Y is not None:
            Y = self.Y[rows] if self.per_step else self.Y[seq_idx]
        if self.W is not None:
            W = self.W[rows] if self.per_step else self.W[seq_idx]
        return Sequences(np.ascontiguousarray(self.X[rows]), offsets, self.layout,
                         Y, self.per_step, W)

    def _take_equal_lengths(self, seq_idx):
        """:meth:`take` for a 3D batch: whole blocks of T rows, and the
        lengths and order known without sorting (once per mini-batch)."""
        T = int(self.offsets[1])
        k = seq_idx.shape[0]

        def blocks(V):
            return np.take(V.reshape(-1, T, V.shape[1]), seq_idx, axis=0).reshape(k * T, -1)

        Y = W = None
        if self.Y is not None:
            Y = blocks(self.Y) if self.per_step else self.Y[seq_idx]
        if self.W is not None:
            W = blocks(self.W[:, None])[:, 0] if self.per_step else self.W[seq_idx]
        taken = Sequences(blocks(self.X), np.arange(0, (k + 1) * T, T, dtype=np.intp),
                          self.layout, Y, self.per_step, W)
        taken.__dict__["lengths"] = np.full(k, T, dtype=np.intp)
        taken.__dict__["order"] = np.arange(k, dtype=np.intp)
        return taken

    def segment(self, start, stop):
        """Steps ``start:stop`` of a single series (a view, no copy)."""
        Y = None if self.Y is None else self.Y[start:stop]
        W = None if self.W is None else self.W[start:stop]
        offsets = np.array([0, stop - start], dtype=np.intp)
        return Sequences(self.X[start:stop], offsets, self.layout, Y, True, W)

    def format_steps(self, P, squeeze):
        """Per-step outputs ``P`` (n_steps, n_outputs) in the input's layout."""
        if squeeze:
            P = P[:, 0]
        if self.layout == "series":
            return P
        if self.layout in ("batch", "rows"):
            return P.reshape(self.n_sequences, -1, *P.shape[1:])
        return np.split(P, self.offsets[1:-1])


def _is_ragged_list(X):
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    shapes = {np.shape(x) for x in X}
    return len(shapes) > 1 and all(len(s) >= 1 for s in shapes)


def _float_dtype(arrays):
    if all(getattr(a, "dtype", None) == np.float32 for a in arrays):
        return np.float32
    return np.float64


def check_sequences(estimator, X, *, reset, univariate_rows, dtype=None):
    """Validate sequence input ``X`` and stack it as :class:`Sequences`.

    Parameters
    ----------
    estimator : estimator instance
        Receives ``n_features_in_`` (and ``feature_names_in_``) when
        ``reset``; otherwise they are checked against it.
    X : array-like of shape (n_timesteps, n_features) or \
            (n_sequences, n_timesteps, n_features), or list of arrays
        The sequences, in one of the layouts of the data contract.
    reset : bool
        Whether this is the first look at the data (``fit``).
    univariate_rows : bool
        Whether a 2D ``X`` is a batch of univariate sequences, one per row
        (classifiers), rather than one series (regressors).
    dtype : dtype, default=None
        Force this floating dtype (a fitted model computes in its own);
        by default float32 is kept and everything else becomes float64.

    Returns
    -------
    sequences : Sequences
        Targets unset.
    """
    seqs = _check_sequences(estimator, X, reset=reset, univariate_rows=univariate_rows,
                            dtype=dtype)
    if reset:
        # what the later checks of a 2D X need: a classifier reads it as rows
        # of univariate sequences whatever layout it was fitted on
        estimator._fit_layout = seqs.layout
    return seqs


def _check_sequences(estimator, X, *, reset, univariate_rows, dtype):
    dtype = FLOAT_DTYPES if dtype is None else dtype
    names = _names_of_frames(X)
    if _is_ragged_list(X):
        return _check_sequence_list(estimator, X, reset=reset, dtype=dtype, names=names)
    if not hasattr(X, "ndim") or getattr(X, "ndim", 2) > 2:
        X_arr = np.asarray(X) if not hasattr(X, "ndim") else X
        if getattr(X_arr, "ndim", 0) == 3:
            X_arr = _check_3d(X_arr, dtype)
            n_seq, n_timesteps, n_features = X_arr.shape
            if n_timesteps < 1 or n_features < 1:
                raise ValueError(
                    f"3D X needs at least one time step and one feature; got shape {X_arr.shape}."
                )
            _set_or_check_n_inputs(estimator, n_features, reset, "3D X", names=names)
            offsets = np.arange(0, (n_seq + 1) * n_timesteps, n_timesteps, dtype=np.intp)
            X2d = np.ascontiguousarray(X_arr.reshape(n_seq * n_timesteps, n_features))
            return Sequences(X2d, offsets, "batch")
        if getattr(X_arr, "ndim", 0) > 3:
            raise ValueError(
                f"X must be 2D (n_timesteps, n_features), 3D (n_sequences, n_timesteps, "
                f"n_features) or a list of 2D sequences; got an array with {X_arr.ndim} "
                "dimensions."
            )
    if univariate_rows and not reset:
        _check_rows_after_fit(estimator, X)
    X2d = validate_data(estimator, X, reset=reset, dtype=dtype, ensure_min_samples=1)
    if univariate_rows:
        n_seq, n_timesteps = X2d.shape
        offsets = np.arange(0, (n_seq + 1) * n_timesteps, n_timesteps, dtype=np.intp)
        _set_or_check_n_inputs(estimator, 1, reset, "2D X", check=False)
        return Sequences(np.ascontiguousarray(X2d.reshape(-1, 1)), offsets, "rows")
    _set_or_check_n_inputs(estimator, X2d.shape[1], reset, "2D X", check=False)
    offsets = np.array([0, X2d.shape[0]], dtype=np.intp)
    return Sequences(np.ascontiguousarray(X2d), offsets, "series")


def _check_rows_after_fit(estimator, X):
    """Explain, before scikit-learn's feature count does, a 2D ``X`` a fitted classifier
    cannot read.

    A classifier reads a 2D ``X`` as univariate sequences, one per row, so
    its columns are time steps: ``n_features_in_`` counts them, and a 2D
    ``X`` must keep the row length of fit. scikit-learn's check would say
    "X has 7 features", which hides both facts. After a fit on 3D or list
    input, a 2D ``X`` would be read as rows too: one sequence of shape
    (n_timesteps, n_features) given as 2D would silently become
    n_timesteps sequences, so it is refused (pass 3D or a list).
    """
    name = type(estimator).__name__
    fitted = getattr(estimator, "_fit_layout", None)
    # not np.shape: array-likes that refuse NumPy's array functions still convert
    shape = getattr(X, "shape", None) or np.asarray(X).shape
    if len(shape) != 2 or fitted is None:
        return
    n_rows, n_cols = shape
    if fitted in ("batch", "list"):
        what = "3D X" if fitted == "batch" else "a list of sequences"
        raise ValueError(
            f"{name} was fitted on {what} with {estimator._n_inputs} feature(s) per time "
            f"step, but got a 2D X of shape {shape}. {name} reads a 2D X as "
            f"univariate sequences, one per row: this would be {n_rows} sequences of "
            f"{n_cols} time steps. To classify one sequence of shape (n_timesteps, "
            "n_features), pass X[np.newaxis] (3D) or [X] (a list); for univariate rows, "
            "pass X[:, :, np.newaxis]."
        )
    expected = getattr(estimator, "n_features_in_", None)
    if fitted == "rows" and expected is not None and n_cols != expected:
        raise ValueError(
            # the first sentence is scikit-learn's, which its common checks match
            f"X has {n_cols} features, but {name} is expecting {expected} features as "
            f"input. {name} reads a 2D X as univariate sequences, one per row, so these "
            f"features are time steps: rows of {n_cols} time steps, where fit saw rows of "
            f"{expected}, and 2D rows must keep the length seen in fit. For sequences of "
            "another length, pass a 3D X of shape (n_sequences, n_timesteps, 1), such as "
            "X[:, :, np.newaxis], or a list of 1D arrays (one per sequence, any length)."
        )


# A 2D X given to a classifier whose rows are this short and this many looks
# like one series of per-step labels (rows are then time steps and columns
# features), not like a batch of univariate sequences (which has tens of steps).
_SHORT_ROWS, _MANY_ROWS = 10, 30


def warn_if_per_step_labels(estimator, seqs, y):
    """Warn when a classifier's 2D ``X`` and ``y`` look like one series labelled per step.

    ``ElmanClassifier().fit(X, y)`` with a series ``X`` of shape
    (n_timesteps, n_features) and a label per step fits n_timesteps
    sequences of n_features steps, silently. Two signs together give it
    away: short rows, and labels that run in long stretches from one row to
    the next, far more often than the class frequencies would give in a
    random order (the labels of consecutive steps of a series do, the labels
    of independent sequences do not), and come back to a class after
    another (unlike a data set sorted by class).
    """
    if seqs.layout != "rows" or y.shape[0] < _MANY_ROWS:
        return
    n_rows, n_cols = y.shape[0], seqs.n_steps // y.shape[0]
    if n_cols > _SHORT_ROWS:
        return
    _, counts = np.unique(y, return_counts=True)
    by_chance = np.sum((counts / n_rows) ** 2)
    same_as_next = np.mean(y[1:] == y[:-1])
    # data sets sorted by class (load_iris) also run in long stretches, but
    # each class in one stretch; the labels of a series come back to a class
    n_runs = 1 + np.count_nonzero(y[1:] != y[:-1])
    if same_as_next >= 0.9 and same_as_next - by_chance >= 0.25 and n_runs > counts.size:
        warnings.warn(
            f"{type(estimator).__name__} reads a 2D X as univariate sequences, one per row, "
            f"with one label each: X of shape ({n_rows}, {n_cols}) is {n_rows} sequences "
            f"of {n_cols} time steps. Yet {same_as_next:.0%} of the rows share the label of "
            "the next row, as the labels of consecutive steps of one series do. If X is one "
            "series with a label per time step, a classifier is the wrong tool: give one "
            "label per sequence (3D X of shape (n_sequences, n_timesteps, n_features), or a "
            "list of 2D arrays), or fit a sequence regressor on one-hot targets per step. "
            "If these rows are short univariate sequences, pass X[:, :, np.newaxis] (3D) "
            "to silence this warning.",
            UserWarning,
            stacklevel=4,
        )


def _check_3d(X, dtype):
    """A validated 3D float array: ``check_array``'s result, sooner when ``X`` is
    already a finite float ndarray of an accepted dtype.

    That is the usual 3D batch, and for a small one (a predict of a few
    hundred short sequences) ``check_array``'s generic path took a fifth of
    the whole call. The shortcut makes the same checks with the same errors.
    """
    accepted = dtype if isinstance(dtype, tuple) else (dtype,)
    if type(X) is np.ndarray and X.dtype in accepted and X.shape[0] >= 1:
        _assert_all_finite(X, input_name="X")
        return X
    return check_array(X, dtype=dtype, allow_nd=True, ensure_min_samples=1, input_name="X")


def _names_of_frames(X):
    """What the feature names of 3D or list input are read from.

    A list of DataFrames (one per sequence) names its features by their
    common columns; other 3D or list input has no names.
    """
    if not isinstance(X, (list, tuple)) or not X or not all(hasattr(x, "columns") for x in X):
        return _NO_NAMES
    columns = list(X[0].columns)
    for i, x in enumerate(X[1:], start=1):
        if list(x.columns) != columns:
            raise ValueError(
                f"All DataFrames of a list of sequences must have the same columns in the "
                f"same order; X[0] has {columns}, X[{i}] has {list(x.columns)}."
            )
    return X[0]


# stands for input without feature names in _check_feature_names
_NO_NAMES = np.empty((0, 0))


def _check_sequence_list(estimator, X, *, reset, dtype, names=_NO_NAMES):
    if not isinstance(dtype, tuple):
        target = dtype
    else:
        target = _float_dtype([np.asarray(x) for x in X])
    seqs = []
    for i, x in enumerate(X):
        x = check_array(x, dtype=target, ensure_2d=False, ensure_min_samples=1,
                        input_name=f"X[{i}]")
        if x.ndim == 1:
            x = x.reshape(-1, 1)
        if x.ndim != 2:
            raise ValueError(
                f"Each sequence of a list must be 2D (n_timesteps, n_features) or 1D "
                f"(univariate); X[{i}] has {x.ndim} dimensions."
            )
        seqs.append(x)
    n_features = {x.shape[1] for x in seqs}
    if len(n_features) > 1:
        raise ValueError(
            f"All sequences must have the same number of features; got {sorted(n_features)}."
        )
    _set_or_check_n_inputs(estimator, n_features.pop(), reset, "the sequences of X",
                           names=names)
    lengths = np.array([x.shape[0] for x in seqs], dtype=np.intp)
    offsets = np.zeros(len(seqs) + 1, dtype=np.intp)
    np.cumsum(lengths, out=offsets[1:])
    return Sequences(np.ascontiguousarray(np.concatenate(seqs)), offsets, "list")


def _set_or_check_n_inputs(estimator, n_inputs, reset, what, check=True, names=_NO_NAMES):
    """Record or check the number of features per time step.

    ``n_features_in_`` counts what a row of the layout holds (set by
    ``validate_data`` for 2D input); ``_n_inputs`` is the network's input
    size, the features per time step, whatever the layout. For 3D or list
    input (``check``), ``validate_data`` did not run, so the feature names
    are recorded or checked here, from ``names`` (see ``_names_of_frames``).
    """
    if reset:
        estimator._n_inputs = n_inputs
        if check:
            _check_feature_names(estimator, names, reset=True)
            estimator.n_features_in_ = n_inputs
        return
    # mismatched names raise, missing ones warn, as in scikit-learn; with no
    # names on either side there is nothing to check, and scikit-learn's
    # dataframe detection would cost a tenth of a small predict call
    if check and not (names is _NO_NAMES and not hasattr(estimator, "feature_names_in_")):
        _check_feature_names(estimator, names, reset=False)
    expected = getattr(estimator, "_n_inputs", None)
    if expected is not None and n_inputs != expected:
        raise ValueError(
            f"{what} has {n_inputs} features per time step, but "
            f"{type(estimator).__name__} was fitted with {expected} features per time step."
        )
