"""One-hot encoding of nominal features of sequences, in every layout."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.validation import check_is_fitted

from .._sequences import _is_ragged_list
from ..utils._compat import StrOptions, _fit_context


def _check_finite(rows):
    """NaN or infinity is refused, as by every skrnn estimator (not a category)."""
    if rows.dtype.kind in "fc":
        bad = not np.all(np.isfinite(rows))
    elif rows.dtype.kind == "O":
        bad = any(isinstance(v, (float, np.floating)) and not np.isfinite(v)
                  for v in rows.ravel())
    else:
        bad = False
    if bad:
        raise ValueError("Input X contains NaN or infinity; impute missing steps (or give "
                         "them a category of their own) before encoding.")


def _stack_steps(X, univariate_rows):
    """The time steps of ``X`` as rows (any dtype), and how to give back the layout.

    Returns (rows of shape (n_steps, n_features), rebuild(encoded rows)). As
    everywhere in skrnn, a list is a list of sequences when its sequences
    differ in length; otherwise it is read as the array it makes.
    """
    if sp.issparse(X):
        raise TypeError("SequenceOneHotEncoder takes dense sequences of labels; sparse input "
                        "is not supported.")
    if _is_ragged_list(X):
        if len(X) == 0:
            raise ValueError("X is an empty list: there are no sequences to encode.")
        parts = [np.asarray(x) for x in X]
        parts = [p.reshape(-1, 1) if p.ndim == 1 else p for p in parts]
        if any(p.ndim != 2 for p in parts):
            raise ValueError("Each sequence of a list X must be a 2D array of shape "
                             "(n_timesteps, n_features) (or 1D for one feature).")
        if len({p.shape[1] for p in parts}) > 1:
            raise ValueError("All sequences of a list X must have the same number of "
                             f"features; got {sorted({p.shape[1] for p in parts})}.")
        bounds = np.cumsum([0] + [p.shape[0] for p in parts])

        def rebuild(E):
            return [E[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

        return np.concatenate(parts), rebuild
    X = np.asarray(X)
    if X.ndim == 3:
        n_seq, n_steps, _ = X.shape
        return X.reshape(n_seq * n_steps, -1), lambda E: E.reshape(n_seq, n_steps, -1)
    if X.ndim == 2:
        if univariate_rows:
            # one symbol per step: each row becomes a (n_timesteps, n_categories) sequence
            n_seq, n_steps = X.shape
            return X.reshape(-1, 1), lambda E: E.reshape(n_seq, n_steps, -1)
        return X, lambda E: E
    raise ValueError(f"X must be a 2D series, a 3D batch or a list of sequences; got an "
                     f"array of {X.ndim} dimensions. Reshape your data: a single feature "
                     "as X.reshape(-1, 1).")


class SequenceOneHotEncoder(TransformerMixin, BaseEstimator):
    """Encode nominal features of sequences as one-hot features, in every layout.

    Each nominal feature of a time step (strings, integers, any labels)
    becomes one binary feature per category, as
    :class:`~sklearn.preprocessing.OneHotEncoder` does for tabular data
    (and WEKA's ``NominalToBinary`` filter for its networks), with the
    categories taken over every time step of every sequence. It takes what
    ``OneHotEncoder`` cannot: 3D batches and lists of sequences of different
    lengths, given back in the same layout with the encoded features on the
    last axis.

    Read more in the :ref:`User Guide <preprocessing>`.

    Parameters
    ----------
    features : list of int or None, default=None
        The nominal features (indices on the last axis). None: every
        feature. The others pass through unchanged as floats, after the
        encoded ones.
    categories : 'auto' or list of array-like, default='auto'
        The categories of each nominal feature, as in ``OneHotEncoder``.
    handle_unknown : {'error', 'ignore'}, default='error'
        A category unseen in ``fit``: an error, or all zeros.
    univariate_rows : bool, default=False
        How a 2D ``X`` is read: ``False``, one series of shape
        (n_timesteps, n_features); ``True``, a batch of univariate sequences
        of shape (n_sequences, n_timesteps), one per row, as the sequence
        classifiers read it: the output is then 3D, (n_sequences,
        n_timesteps, n_categories), a layout the classifiers take.

    Attributes
    ----------
    categories_ : list of ndarray
        The categories of each nominal feature.
    n_features_in_ : int
        Features per time step.

    See Also
    --------
    SequenceScaler : Scaling of numeric features of sequences.

    Examples
    --------
    Two symbol sequences of different lengths:

    >>> from skrnn import SequenceOneHotEncoder
    >>> X = [[["a"], ["b"]], [["c"], ["a"], ["a"]]]
    >>> out = SequenceOneHotEncoder().fit_transform(X)
    >>> [x.shape for x in out]
    [(2, 3), (3, 3)]
    >>> out[1]
    array([[0., 0., 1.],
           [1., 0., 0.],
           [1., 0., 0.]])
    """

    _parameter_constraints: dict = {
        "features": [None, list, tuple],
        "categories": [StrOptions({"auto"}), list],
        "handle_unknown": [StrOptions({"error", "ignore"})],
        "univariate_rows": ["boolean"],
    }

    def __init__(self, *, features=None, categories="auto", handle_unknown="error",
                 univariate_rows=False):
        self.features = features
        self.categories = categories
        self.handle_unknown = handle_unknown
        self.univariate_rows = univariate_rows

    def _nominal(self, n_features):
        if self.features is None:
            return np.arange(n_features)
        idx = np.asarray(self.features, dtype=np.intp)
        if idx.ndim != 1 or np.any((idx < 0) | (idx >= n_features)) \
                or len(set(idx.tolist())) != len(idx):
            raise ValueError(f"features must list distinct feature indices in "
                             f"[0, {n_features}); got {self.features!r}.")
        return idx

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Find the categories of every nominal feature over every time step.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or \
                (n_sequences, n_timesteps, n_features), or list of array-like
            The sequences, in any layout.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        rows, _ = _stack_steps(X, self.univariate_rows)
        _check_finite(rows)
        if rows.shape[0] == 0:
            raise ValueError("X holds no time step to encode.")
        nominal = self._nominal(rows.shape[1])
        encoder = OneHotEncoder(categories=self.categories, sparse_output=False,
                                handle_unknown=self.handle_unknown, dtype=np.float64)
        encoder.fit(rows[:, nominal])
        # set together once everything succeeded: a failing fit leaves a
        # fitted encoder as it was
        self.n_features_in_ = rows.shape[1]
        self._encoder = encoder
        self.categories_ = encoder.categories_
        return self

    def transform(self, X):
        """Encode ``X``, in its layout.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in the layout seen in ``fit``.

        Returns
        -------
        X_encoded : ndarray or list of ndarray
            The one-hot features of every step (then the features passed
            through), float64, in the layout of ``X``.
        """
        check_is_fitted(self)
        rows, rebuild = _stack_steps(X, self.univariate_rows)
        _check_finite(rows)
        if rows.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {rows.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input (per time "
                             "step).")
        nominal = self._nominal(rows.shape[1])
        encoded = self._encoder.transform(rows[:, nominal])
        rest = np.setdiff1d(np.arange(rows.shape[1]), nominal)
        if rest.size:
            passed = np.asarray(rows[:, rest], dtype=np.float64)
            if not np.all(np.isfinite(passed)):
                raise ValueError("The features passed through must be finite numbers.")
            encoded = np.hstack([encoded, passed])
        return rebuild(encoded)

    def get_feature_names_out(self, input_features=None):
        """Names of the encoded features, then of those passed through.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Names of the input features; ``x0``, ``x1``... by default.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        if input_features is None:
            input_features = [f"x{i}" for i in range(self.n_features_in_)]
        input_features = np.asarray(input_features, dtype=object)
        nominal = self._nominal(self.n_features_in_)
        names = self._encoder.get_feature_names_out(input_features[nominal])
        rest = np.setdiff1d(np.arange(self.n_features_in_), nominal)
        return np.concatenate([names, input_features[rest]]).astype(object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = False
        return tags
