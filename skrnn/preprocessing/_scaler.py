"""Standardisation of sequences, per feature across every time step."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._sequences import check_sequences
from ..utils._compat import _check_sample_weight, _fit_context
from ._output import in_input_layout, wrap_output


class SequenceScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator,
                     auto_wrap_output_keys=None):
    """Standardise sequences per feature, across every time step of every sequence.

    Each feature ``j`` becomes ``(x_j - mean_j) / std_j``, where the mean and
    the standard deviation are taken over all the time steps of all the
    sequences seen in :meth:`fit` (or streamed through :meth:`partial_fit`).
    This is :class:`~sklearn.preprocessing.StandardScaler` for sequence
    input: it also takes 3D batches and lists of sequences of different
    lengths, which ``StandardScaler`` refuses, and gives them back in the
    same layout, so that a :class:`~sklearn.pipeline.Pipeline` in front of a
    skrnn network works on every layout.

    Read more in the :ref:`User Guide <preprocessing>`.

    Parameters
    ----------
    univariate_rows : bool, default=False
        How a 2D ``X`` is read. ``False``: one time-ordered series of shape
        (n_timesteps, n_features), as the sequence regressors read it; each
        column is standardised on its own (exactly what ``StandardScaler``
        does). ``True``: a batch of univariate sequences of shape
        (n_sequences, n_timesteps), one per row, as the sequence classifiers
        read it; the single feature is standardised with one mean and one
        standard deviation over every value, so that the shape of each
        sequence over time is kept (a ``StandardScaler`` would give every
        time step its own mean and scale). 3D and list input are read the
        same way either way.

    with_mean : bool, default=True
        Whether to subtract the mean.

    with_std : bool, default=True
        Whether to divide by the standard deviation.

    copy : bool, default=True
        If False, scale in place where the input allows it (a C-contiguous
        float32 or float64 array); a copy is still made otherwise, e.g. for
        a list of sequences or another dtype.

    feature_range : tuple (min, max) or None, default=None
        ``None``: standardise. A range such as ``(-1, 1)`` (what WEKA's
        neural networks do to their inputs): map each feature's minimum and
        maximum over every time step seen onto it instead, as
        :class:`~sklearn.preprocessing.MinMaxScaler` does for tabular data
        (a constant feature goes to the range's minimum). ``with_mean`` and
        ``with_std`` are then ignored, and ``sample_weight`` only leaves out
        the steps of zero weight.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,) or None
        Mean of each feature per time step (float64). ``None`` when both
        ``with_mean`` and ``with_std`` are False. With ``feature_range``,
        the value that maps to 0, so that the transform is still
        ``(x - mean_) / scale_``.

    data_min_, data_max_ : ndarray of shape (n_features,)
        With ``feature_range`` only: each feature's minimum and maximum over
        every time step seen (float64).

    var_ : ndarray of shape (n_features,) or None
        Variance of each feature per time step (float64, ``ddof=0``).
        ``None`` when ``with_std=False``.

    scale_ : ndarray of shape (n_features,) or None
        What each feature is divided by: ``sqrt(var_)``, or 1 for a feature
        that is constant up to rounding. ``None`` when ``with_std=False``.
        With ``feature_range``, ``(data_max_ - data_min_) / (max - min)``
        (1 for a constant feature).

    n_steps_seen_ : int
        Time steps seen, summed over every sequence and every
        :meth:`partial_fit` call (those of zero weight included).

    n_features_in_ : int
        Features of a row of the layout seen in ``fit``: the columns of 2D
        input (time steps, with ``univariate_rows=True``), the last axis of
        3D or list input.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined only when ``X`` has feature names that are all strings (a
        DataFrame, or a list of DataFrames with the same columns).

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The same standardisation for
        tabular data, a statistic per column.

    Notes
    -----
    Sequence layouts: a 2D ``X`` of shape (n_timesteps, n_features) is one
    time-ordered series, or with ``univariate_rows=True`` a batch of
    univariate sequences, one per row; a 3D ``X`` of shape
    (n_sequences, n_timesteps, n_features) is a batch of equal-length
    sequences; a list of arrays of shape (n_timesteps_i, n_features) holds
    sequences of different lengths. The output has the layout of the input:
    2D in, 2D out; 3D in, 3D out; list in, list of arrays of the same shapes
    out.

    With ``set_output(transform="pandas")``, 2D output is a DataFrame and
    list output a list of DataFrames (keeping each input frame's index);
    3D output stays an ndarray, since pandas has no 3D frame.

    Every time step weighs the same (unless ``sample_weight`` says
    otherwise), so a long sequence weighs more than a short one. The
    statistics are accumulated in float64 and combined across
    :meth:`partial_fit` calls with the pairwise update of Chan, Golub and
    LeVeque, so that any chunking of the data gives the statistics of
    one :meth:`fit` to rounding. Float32 input is scaled and returned in
    float32.

    NaN and infinite values are rejected with a ``ValueError``, as by every
    skrnn estimator: no network of the library can take them, and a NaN
    fed to a recurrent state would spread to every later time step. Impute
    missing steps before scaling.

    References
    ----------
    .. [1] T. F. Chan, G. H. Golub and R. J. LeVeque, "Algorithms for
       computing the sample variance: analysis and recommendations", The
       American Statistician 37(3), 242-247, 1983.

    Examples
    --------
    Two sequences of different lengths, two features each:

    >>> import numpy as np
    >>> from skrnn import SequenceScaler
    >>> X = [np.array([[0., 10.], [2., 10.]]),
    ...      np.array([[4., 40.], [6., 40.], [8., 40.]])]
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_
    array([ 4., 28.])
    >>> Xt = scaler.transform(X)
    >>> [x.shape for x in Xt]
    [(2, 2), (3, 2)]
    >>> np.round(Xt[0], 2)
    array([[-1.41, -1.22],
           [-0.71, -1.22]])

    A batch of univariate sequences, one per row, as a classifier reads it:
    one mean and one scale for all of them.

    >>> rows = np.array([[1., 2., 3.], [5., 6., 7.]])
    >>> SequenceScaler(univariate_rows=True).fit(rows).mean_
    array([4.])
    """

    _parameter_constraints: dict = {
        "univariate_rows": ["boolean"],
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
        "copy": ["boolean"],
        "feature_range": [None, tuple],
    }

    def __init__(self, *, univariate_rows=False, with_mean=True, with_std=True, copy=True,
                 feature_range=None):
        self.univariate_rows = univariate_rows
        self.with_mean = with_mean
        self.with_std = with_std
        self.copy = copy
        self.feature_range = feature_range

    @property
    def _min_max(self):
        return self.feature_range is not None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Compute the mean and standard deviation of each feature.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or \
                (n_sequences, n_timesteps, n_features), or list of array-like
            The sequences, in any layout (see Notes).
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples along the first axis of ``X``: one per
            time step of a 2D series, one per sequence otherwise (each step
            of a sequence then takes its weight). Integer weights act as
            repeating the samples.

        Returns
        -------
        self : object
            The fitted scaler.
        """
        return self._accumulate(X, sample_weight, reset=True)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sample_weight=None):
        """Add the time steps of ``X`` to the running mean and variance.

        Chunks may come in any layout and any order; the statistics after
        the last call equal those of one :meth:`fit` on all the chunks
        together, to rounding.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or \
                (n_sequences, n_timesteps, n_features), or list of array-like
            More sequences, with the features of the previous calls.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples along the first axis of ``X``, as in
            :meth:`fit`.

        Returns
        -------
        self : object
            The updated scaler.
        """
        return self._accumulate(X, sample_weight, reset=not hasattr(self, "n_steps_seen_"))

    def _accumulate(self, X, sample_weight, reset):
        # a failed call (bad input) leaves an already fitted scaler as it was
        saved = self.__dict__.copy()
        try:
            if self._min_max:
                _range(self.feature_range)  # before anything is learnt
            seqs = check_sequences(self, X, reset=reset, univariate_rows=self.univariate_rows)
            if self._min_max:
                self._update_min_max(seqs.X, _step_weights(seqs, sample_weight), reset)
            else:
                self._update(seqs.X, _step_weights(seqs, sample_weight), reset)
        except Exception:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return self

    def _update_min_max(self, X, w, reset):
        """Running minimum and maximum, and the affine map onto ``feature_range``."""
        low, high = _range(self.feature_range)
        self.n_steps_seen_ = X.shape[0] + (0 if reset else self.n_steps_seen_)
        if w is not None:
            X = X[w > 0]
        if X.shape[0] == 0:
            if reset or getattr(self, "data_min_", None) is None:
                raise ValueError("sample_weight is zero at every step: there is no minimum "
                                 "or maximum to compute.")
            return
        data_min = X.min(axis=0).astype(np.float64)
        data_max = X.max(axis=0).astype(np.float64)
        if not reset and getattr(self, "data_min_", None) is not None:
            data_min = np.minimum(data_min, self.data_min_)
            data_max = np.maximum(data_max, self.data_max_)
        self.data_min_, self.data_max_ = data_min, data_max
        span = data_max - data_min
        span[span == 0] = high - low  # a constant feature goes to ``low``
        self.scale_ = span / (high - low)
        self.mean_ = data_min - low * self.scale_
        self.var_ = None

    def _update(self, X, w, reset):
        if reset:  # a refit without feature_range standardises again
            self.__dict__.pop("data_min_", None)
            self.__dict__.pop("data_max_", None)
        self.n_steps_seen_ = X.shape[0] + (0 if reset else self.n_steps_seen_)
        if not (self.with_mean or self.with_std):
            self.mean_ = self.var_ = self.scale_ = None
            return
        # float64 accumulation, whatever the input dtype (float32 sums drift);
        # X - mean is the one float64 temporary, squared in place
        if w is None:
            weight_new = float(X.shape[0])
            mean_new = X.mean(axis=0, dtype=np.float64)
            dev = np.subtract(X, mean_new, dtype=np.float64)
            m2_new = np.square(dev, out=dev).sum(axis=0)
        else:
            X64 = X.astype(np.float64, copy=False)
            weight_new = w.sum()
            if weight_new == 0:
                if reset or self.mean_ is None:
                    raise ValueError("sample_weight sums to zero: there is nothing to "
                                     "compute a mean and a variance from.")
                return  # a chunk of zero weight leaves the statistics as they are
            mean_new = (w @ X64) / weight_new
            m2_new = w @ np.square(X64 - mean_new)
        if reset or self.mean_ is None:  # (None: fitted before with neither option)
            weight, mean, m2 = weight_new, mean_new, m2_new
        else:
            weight, mean, m2 = _combine(self._weight_sum, self.mean_, self._m2,
                                        weight_new, mean_new, m2_new)
        self.mean_ = mean
        # total weight and sum of squared deviations, kept so that later
        # chunks combine exactly
        self._weight_sum, self._m2 = weight, m2
        if self.with_std:
            self.var_ = m2 / weight
            self.scale_ = _scale_from(self.var_, self.mean_, self.n_steps_seen_)
        else:
            self.var_ = self.scale_ = None

    def transform(self, X, copy=None):
        """Standardise ``X`` with the fitted statistics.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or \
                (n_sequences, n_timesteps, n_features), or list of array-like
            The sequences, in any layout (see Notes).
        copy : bool, default=None
            Overrides ``self.copy`` for this call.

        Returns
        -------
        X_tr : ndarray, list of ndarray, or DataFrame(s)
            ``X`` standardised, in the layout of ``X`` (and in the container
            chosen with ``set_output`` for 2D and list output).
        """
        check_is_fitted(self)
        seqs, Xt = self._parse(X, copy)
        min_max = getattr(self, "data_min_", None) is not None
        if self.with_mean or min_max:
            Xt -= self.mean_.astype(Xt.dtype)
        if self.with_std or min_max:
            Xt /= self.scale_.astype(Xt.dtype)
        return wrap_output(self, X, in_input_layout(X, seqs, Xt))

    def inverse_transform(self, X, copy=None):
        """Undo the standardisation: back to the original units.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or \
                (n_sequences, n_timesteps, n_features), or list of array-like
            Standardised sequences, in any layout.
        copy : bool, default=None
            Overrides ``self.copy`` for this call.

        Returns
        -------
        X_original : ndarray or list of ndarray
            ``X`` in the original units, in the layout of ``X``.
        """
        check_is_fitted(self)
        seqs, Xt = self._parse(X, copy)
        min_max = getattr(self, "data_min_", None) is not None
        if self.with_std or min_max:
            Xt *= self.scale_.astype(Xt.dtype)
        if self.with_mean or min_max:
            Xt += self.mean_.astype(Xt.dtype)
        return in_input_layout(X, seqs, Xt)

    def _parse(self, X, copy):
        """The stacked time steps of ``X``, writable, and their layout."""
        copy = self.copy if copy is None else copy
        seqs = check_sequences(self, X, reset=False, univariate_rows=self.univariate_rows)
        Xt = seqs.X
        # a list was stacked into a fresh array already; an array may be a view
        # of the caller's data, written only when copy=False asked for it
        if (copy and not isinstance(X, (list, tuple))) or not Xt.flags.writeable:
            Xt = Xt.copy()
        return seqs, Xt

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # 3D batches and lists of sequences; 2D stays on, or the common
        # checks would silently skip every test
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def set_output(self, *, transform=None):
        """Set the output container of :meth:`transform` and ``fit_transform``.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"}, default=None
            ``"pandas"`` (or ``"polars"``): 2D output as a DataFrame, list
            output as a list of DataFrames, columns named by
            :meth:`get_feature_names_out`; 3D output stays an ndarray.
            ``"default"``: arrays. ``None``: unchanged.

        Returns
        -------
        self : object
            The scaler.
        """
        # written here rather than inherited: scikit-learn's automatic
        # wrapping would try to make a DataFrame of 3D or list output
        if transform is not None:
            self._sklearn_output_config = {"transform": transform}
        return self


def _range(feature_range):
    """(low, high) of a valid ``feature_range``, or a ValueError."""
    try:
        low, high = (float(v) for v in feature_range)
    except (TypeError, ValueError):
        raise ValueError(f"feature_range must be a pair (min, max) of numbers; got "
                         f"{feature_range!r}.") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"feature_range must be finite with min < max; got "
                         f"{feature_range!r}.")
    return low, high


def _step_weights(seqs, sample_weight):
    """One weight per time step, from one per sample of the layout (or None)."""
    if sample_weight is None:
        return None
    series = seqs.layout == "series"
    n_samples = seqs.n_steps if series else seqs.n_sequences
    # weights validated against the first axis of X, as scikit-learn does
    w = _check_sample_weight(sample_weight, np.empty((n_samples, 0)), dtype=np.float64,
                             ensure_non_negative=True, allow_all_zero_weights=True)
    return w if series else np.repeat(w, seqs.lengths)


def _combine(n_a, mean_a, m2_a, n_b, mean_b, m2_b):
    """Mean and sum of squared deviations of two (weighted) sets from theirs.

    The pairwise update of Chan, Golub and LeVeque; ``n`` is the count, or
    the total weight, of each set.
    """
    n = n_a + n_b
    delta = mean_b - mean_a
    mean = mean_a + delta * (n_b / n)
    m2 = m2_a + m2_b + np.square(delta) * (n_a * n_b / n)
    return n, mean, m2


def _scale_from(var, mean, n):
    """Standard deviations, with 1 for features that are constant up to rounding.

    The computed variance of a constant feature is not always exactly 0:
    its computed mean can be off by about ``n * eps * |mean|``, and so can
    every deviation. Below that bound a feature is taken as constant and
    left unscaled rather than divided by noise.
    """
    scale = np.sqrt(var)
    constant = scale <= n * np.finfo(np.float64).eps * np.abs(mean)
    scale[constant | (scale == 0)] = 1.0
    return scale
