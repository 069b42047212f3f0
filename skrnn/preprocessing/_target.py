"""Scaling of numeric targets for sequence regressors, in every layout."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause


import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.metrics import r2_score
from sklearn.preprocessing import StandardScaler
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted

from .._weights import weight_kwargs
from ..utils._compat import HasMethods, _fit_context


def _stack_targets(X, y):
    """y as a 2D array of rows (n_rows, n_outputs), and how to give it back its layout.

    A list of per-step arrays is stacked; an array keeps its last axis as the
    outputs, except a 2D ``y`` of shape (n_sequences, n_timesteps) beside a 3D
    ``X``, which is one output per step.
    """
    if y is None:
        raise ValueError("SequenceTransformedTargetRegressor requires y to be passed, but the "
                         "target y is None.")
    if isinstance(y, (list, tuple)) and any(np.ndim(v) >= 1 for v in y):
        # finite real numbers, as the regressors check them
        parts = [check_array(v, ensure_2d=False, dtype=np.float64, input_name="y")
                 for v in y]
        shapes = [v.shape for v in parts]
        stacked = np.concatenate([v.reshape(v.shape[0], -1) for v in parts])
        bounds = np.cumsum([0] + [s[0] for s in shapes])

        def rebuild(Y):
            return [Y[a:b].reshape(s) for a, b, s in zip(bounds[:-1], bounds[1:], shapes)]

        return stacked, rebuild
    y = check_array(y, ensure_2d=False, allow_nd=True, dtype=np.float64, input_name="y")
    if y.ndim == 0:
        raise ValueError(f"y must hold a target per step or per sequence; got a scalar {y!r}.")
    shape = y.shape
    per_step_univariate = (y.ndim == 2 and np.ndim(X) == 3 and y.shape == np.shape(X)[:2])
    if y.ndim == 1 or per_step_univariate:
        stacked = y.reshape(-1, 1)
    else:
        stacked = y.reshape(-1, shape[-1])
    return stacked, lambda Y: Y.reshape(shape)


def _has_partial_fit(estimator):
    return hasattr(estimator._new_regressor(), "partial_fit")


class SequenceTransformedTargetRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """A sequence regressor trained on scaled targets, its predictions scaled back.

    :class:`~sklearn.compose.TransformedTargetRegressor` for sequence
    regressors: the targets, in any layout a sequence regressor takes (a 1D
    or 2D target per step of a series, a target per step of a 3D batch, a
    list of per-step target arrays, or one target per sequence), are
    stacked into rows of outputs, scaled by ``transformer`` (each output on
    its own, over every time step), and the regressor is trained on them;
    its predictions are scaled back to the original units. WEKA's networks
    scale a numeric class to [-1, 1] this way
    (``transformer=MinMaxScaler(feature_range=(-1, 1))``).

    Parameters
    ----------
    regressor : estimator, default=None
        A sequence regressor, cloned in ``fit``. None:
        :class:`~skrnn.ElmanRegressor` with its defaults.
    transformer : transformer, default=None
        A transformer of 2D arrays with ``inverse_transform``, fitted on the
        stacked targets, such as :class:`~sklearn.preprocessing.MinMaxScaler`.
        None: :class:`~sklearn.preprocessing.StandardScaler`.

    Attributes
    ----------
    regressor_ : estimator
        The fitted regressor.
    transformer_ : transformer
        The fitted transformer.
    n_features_in_ : int
        As the regressor's.

    See Also
    --------
    SequenceScaler : The same for the inputs.

    Notes
    -----
    With :meth:`partial_fit`, the transformer is fitted on the first chunk
    and kept: a scale that moved with every chunk would change the meaning
    of the targets the network has already learnt.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from skrnn import ElmanRegressor, SequenceTransformedTargetRegressor
    >>> X = np.random.RandomState(0).uniform(-1, 1, (300, 1))
    >>> y = 1000 + 500 * np.roll(X[:, 0], 1)
    >>> model = SequenceTransformedTargetRegressor(
    ...     ElmanRegressor(n_hidden=8, random_state=0),
    ...     transformer=MinMaxScaler(feature_range=(-1, 1))).fit(X, y)
    >>> bool(model.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        "regressor": [None, HasMethods(["fit", "predict"])],
        "transformer": [None, HasMethods(["fit", "transform", "inverse_transform"])],
    }

    def __init__(self, regressor=None, *, transformer=None):
        self.regressor = regressor
        self.transformer = transformer

    def _new_regressor(self):
        if self.regressor is None:
            from ..elman import ElmanRegressor  # the package imports preprocessing first

            return ElmanRegressor()
        return clone(self.regressor)

    def _scaled(self, X, y, transformer):
        """(y scaled by ``transformer``, fitted on it first if None; the transformer)."""
        stacked, rebuild = _stack_targets(X, y)
        if transformer is None:
            transformer = clone(self.transformer if self.transformer is not None
                                else StandardScaler())
            transformer.fit(stacked)
        return rebuild(transformer.transform(stacked)), transformer

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit the transformer on the stacked targets, and the regressor on them scaled.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout the regressor accepts.
        y : array-like or list of array-like
            Targets in any layout the regressor accepts.
        sample_weight : array-like or list of array-like, default=None
            Passed to the regressor's ``fit`` (the transformer is fitted
            unweighted); a ``ValueError`` if the regressor takes none.

        Returns
        -------
        self : object
        """
        # the fitted attributes are set together, once both fits succeeded:
        # a failing fit leaves a fitted model as it was
        regressor = self._new_regressor()
        weights = weight_kwargs(regressor, "fit", sample_weight)
        y_scaled, transformer = self._scaled(X, y, None)
        regressor.fit(X, y_scaled, **weights)
        self.transformer_, self.regressor_ = transformer, regressor
        self._set_n_features()
        return self

    @available_if(_has_partial_fit)
    def partial_fit(self, X, y, sample_weight=None):
        """One step of the regressor's streaming on scaled targets.

        The transformer is fitted on the first call only (see Notes).

        Parameters
        ----------
        X : array-like or list of array-like
        y : array-like or list of array-like
        sample_weight : array-like or list of array-like, default=None
            Passed to the regressor's ``partial_fit``, as in :meth:`fit`.

        Returns
        -------
        self : object
        """
        first = not hasattr(self, "regressor_")
        if first:
            self._validate_params()
        # a first call that fails leaves no transformer fitted on its chunk
        regressor = self._new_regressor() if first else self.regressor_
        weights = weight_kwargs(regressor, "partial_fit", sample_weight)
        y_scaled, transformer = self._scaled(X, y, None if first else self.transformer_)
        regressor.partial_fit(X, y_scaled, **weights)
        self.transformer_, self.regressor_ = transformer, regressor
        self._set_n_features()
        return self

    def _set_n_features(self):
        if hasattr(self.regressor_, "n_features_in_"):
            self.n_features_in_ = self.regressor_.n_features_in_
        if hasattr(self.regressor_, "feature_names_in_"):
            self.feature_names_in_ = self.regressor_.feature_names_in_

    def _unscale(self, X, P):
        stacked, rebuild = _stack_targets(X, P)
        return rebuild(self.transformer_.inverse_transform(stacked))

    def predict(self, X, **predict_params):
        """Predict with the regressor and scale back to the targets' units.

        Parameters
        ----------
        X : array-like or list of array-like
        **predict_params : dict
            Passed to the regressor's ``predict`` (``initial_state``,
            ``return_state``).

        Returns
        -------
        y_pred : ndarray or list of ndarray
            In the layout the regressor gives (and its state too with
            ``return_state=True``).
        """
        check_is_fitted(self)
        out = self.regressor_.predict(X, **predict_params)
        if predict_params.get("return_state"):
            pred, state = out
            return self._unscale(X, pred), state
        return self._unscale(X, out)

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictions over every predicted step, in the targets' units.

        Parameters
        ----------
        X : array-like or list of array-like
        y : array-like or list of array-like
        sample_weight : array-like, default=None
            Weights of the stacked target rows.

        Returns
        -------
        score : float
        """
        y_true = _stack_targets(X, y)[0]
        y_pred = _stack_targets(X, self.predict(X))[0]
        if y_true.shape[1] == 1:
            y_true, y_pred = y_true[:, 0], y_pred[:, 0]
        return r2_score(y_true, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self._new_regressor().__sklearn_tags__()
        tags.input_tags = inner.input_tags
        tags.target_tags.multi_output = True
        tags.non_deterministic = inner.non_deterministic
        return tags
