"""What regression and classification add to a recurrent network: targets in, predictions out."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from ._sequences import warn_if_per_step_labels
from ._weights import check_partial_fit_class_weight, target_weights, with_class_weights
from .forecasting._closed_loop import check_n_steps, forecast_from, squeeze_forecast
from .utils._compat import _fit_context


def _not_lbfgs(estimator):
    """partial_fit exists for the stochastic solvers only, as in MLP."""
    if estimator.solver == "lbfgs":
        raise AttributeError("partial_fit is only available for stochastic optimizers. "
                             f"{estimator.solver} is not stochastic.")
    return True


def check_classes_on_first_call(first, classes):
    """A classifier's first ``partial_fit`` must be told every class there will be."""
    if first and classes is None:
        raise ValueError("classes must be passed on the first call to partial_fit.")


def _is_list_of_sequences(y):
    return isinstance(y, (list, tuple)) and any(np.ndim(v) >= 1 for v in y)


class SequenceRegressorMixin(RegressorMixin):
    """Per-step or per-sequence regression with a linear output and squared loss."""

    _loss = "squared_error"
    _univariate_rows = False
    #: whether NaN in y marks a step with no target (the readout regressors)
    _missing_targets = False

    def _output_activation(self, n_outputs):
        return "identity"

    def _encode_targets(self, seqs, y, *, reset, classes=None):
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None.")
        dtype = seqs.X.dtype
        if seqs.layout == "list" and _is_list_of_sequences(y):
            if len(y) != seqs.n_sequences:
                raise ValueError(f"y holds {len(y)} sequences but X holds {seqs.n_sequences}.")
            finite = "allow-nan" if self._missing_targets else True
            parts = [check_array(v, ensure_2d=False, dtype=dtype, input_name="y",
                                 ensure_all_finite=finite)
                     for v in y]
            squeeze = all(v.ndim == 1 for v in parts)
            parts = [v.reshape(v.shape[0], -1) for v in parts]
            if not np.array_equal([v.shape[0] for v in parts], seqs.lengths):
                raise ValueError("Each target sequence in y must have as many steps as its "
                                 "sequence in X.")
            if len({v.shape[1] for v in parts}) > 1:
                raise ValueError("All target sequences in y must have the same number of outputs.")
            Y, per_step = np.concatenate(parts), True
        else:
            y = check_array(y, ensure_2d=False, allow_nd=True, dtype=dtype, input_name="y",
                            ensure_all_finite="allow-nan" if self._missing_targets else True)
            Y, per_step, squeeze = self._parse_array_targets(seqs, y)
        if reset:
            self.n_outputs_ = Y.shape[1]
            self._per_step = per_step
            self._squeeze = squeeze
        elif Y.shape[1] != self.n_outputs_ or per_step != self._per_step:
            raise ValueError(
                f"y has {Y.shape[1]} outputs {'per step' if per_step else 'per sequence'}, "
                f"but {type(self).__name__} was fitted with {self.n_outputs_} outputs "
                f"{'per step' if self._per_step else 'per sequence'}."
            )
        seqs.Y, seqs.per_step = np.ascontiguousarray(Y), per_step

    @staticmethod
    def _parse_array_targets(seqs, y):
        """(Y, per_step, squeeze) from an array ``y`` for the layout of ``seqs``."""
        n_seq = seqs.n_sequences
        if seqs.layout == "series":
            if y.ndim not in (1, 2) or y.shape[0] != seqs.n_steps:
                raise ValueError(
                    f"For a 2D series X of {seqs.n_steps} time steps, y must have shape "
                    f"({seqs.n_steps},) or ({seqs.n_steps}, n_outputs); got {y.shape}."
                )
            return y.reshape(y.shape[0], -1), True, y.ndim == 1
        if seqs.layout == "batch":
            n_timesteps = seqs.n_steps // max(n_seq, 1)
            if y.ndim == 1 and y.shape[0] == n_seq:
                return y.reshape(-1, 1), False, True
            if y.ndim in (2, 3) and y.shape[:2] == (n_seq, n_timesteps):
                return y.reshape(n_seq * n_timesteps, -1), True, y.ndim == 2
            raise ValueError(
                f"For 3D X of shape ({n_seq}, {n_timesteps}, n_features), y must have shape "
                f"({n_seq},) (one target per sequence), ({n_seq}, {n_timesteps}) or "
                f"({n_seq}, {n_timesteps}, n_outputs) (a target per step); got {y.shape}."
            )
        if y.ndim in (1, 2) and y.shape[0] == n_seq:  # list X, one target per sequence
            return y.reshape(n_seq, -1), False, y.ndim == 1
        raise ValueError(
            f"For a list of {n_seq} sequences, y must be a list of per-step target arrays or "
            f"an array with one row per sequence; got shape {y.shape}."
        )

    def _score_outputs(self, P, Y, sample_weight=None):
        return r2_score(Y, P, sample_weight=sample_weight)

    def _target_weights(self, seqs, sample_weight, allow_all_zero=False):
        return target_weights(seqs, sample_weight, allow_all_zero)

    def _format_outputs(self, seqs, Y):
        if self._per_step:
            return seqs.format_steps(Y, self._squeeze)
        P = Y[seqs.last_rows]
        return P[:, 0] if self._squeeze else P

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features) or \
                (n_sequences, n_timesteps, n_features), or list of array-like
            A single series, a batch of equal-length sequences, or a list of
            sequences of different lengths.
        y : array-like or list of array-like
            A target per time step, in the layout of ``X`` (with an optional
            last axis of outputs), or one target per sequence for 3D or list
            ``X``.
        sample_weight : array-like or list of array-like, default=None
            Weights of the targets, in the layout of ``y``: one per sequence
            for per-sequence targets; for per-step targets, one per step
            (or one per sequence, carried by each of its steps). The loss
            is the weighted average of the targets' losses, so an integer
            weight counts a target that many times. None weighs every
            target 1.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight)

    @available_if(_not_lbfgs)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One pass of the solver over ``(X, y)``.

        Consecutive 2D chunks are consecutive pieces of one long series: the
        recurrent state carries over from the previous call (stateful
        streaming). 3D and list chunks are independent sequences. Streaming
        a dask array with ``dask_ml.wrappers.Incremental``, pass
        ``shuffle_blocks=False`` so that the chunks arrive in time order.

        It continues the fitted network: a parameter that shapes it (see
        ``warm_start``), set since it was fitted, is refused with a
        ValueError, the model unchanged.

        Parameters
        ----------
        X : array-like or list of array-like
            As in :meth:`fit`.
        y : array-like or list of array-like
            As in :meth:`fit`.
        sample_weight : array-like or list of array-like, default=None
            As in :meth:`fit`, except that a 2D chunk may weigh all its
            steps 0: the state moves on through it and nothing is learned
            or counted (see :ref:`weights`).

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    def predict(self, X, *, initial_state=None, return_state=False, return_std=False):
        """Predict with every sequence starting from the initial state.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout :meth:`fit` accepts.
        initial_state : array-like of shape (n_sequences, state_size), default=None
            Start from this state instead (streaming: pass the state
            returned by the previous call). A 1D state applies to every
            sequence.
        return_state : bool, default=False
            Also return the state after each sequence's last step.
        return_std : bool, default=False
            Also return the standard deviation of the predictive
            distribution at every step: the Bayesian reading of a ridge
            readout (:class:`~skrnn.EchoStateRegressor`, per-step targets),
            see :ref:`forecasting`. Other models raise ``ValueError``; for
            intervals on any model, use
            :class:`~skrnn.forecasting.ConformalForecaster`.

        Returns
        -------
        y_pred : ndarray or list of ndarray
            A prediction per time step in the layout of ``X``, or one per
            sequence if the model was fitted with one target per sequence.
        y_std : ndarray or list of ndarray
            Only when ``return_std``, in the layout of ``y_pred``.
        state : ndarray of shape (n_sequences, state_size)
            Only when ``return_state``.
        """
        if return_std:
            if not hasattr(self, "_predict_std"):
                raise ValueError(
                    f"return_std is the Bayesian posterior of a ridge readout, which "
                    f"{type(self).__name__} does not have; for intervals on any model, use "
                    "skrnn.forecasting.ConformalForecaster.")
            seqs, Y, std, state = self._predict_std(X, initial_state)
            out = (self._format_outputs(seqs, Y), self._format_outputs(seqs, std))
        else:
            seqs, Y, state = self._run(X, initial_state)
            out = (self._format_outputs(seqs, Y),)
        out = out + (state,) if return_state else out
        return out if len(out) > 1 else out[0]

    def forecast(self, X, n_steps, *, covariates=None, feedback=None, strategy="recursive",
                 initial_state=None):
        """Forecast ``n_steps`` past the history ``X``, feeding the outputs back as inputs.

        The recursive strategy (the default) runs a closed loop: each
        forecast output is written into the input column it stands for
        (``feedback``), the other input columns take their known future
        values (``covariates``: calendar, weather forecasts, control
        signals), and the network steps on. The direct strategy reads every
        horizon off the last step of a model fitted with one output per
        horizon (:func:`skrnn.forecasting.direct_targets`).

        Parameters
        ----------
        X : array-like or list of array-like
            The observed history, which warms the state up.
        n_steps : int
            Number of future steps to generate; the first is the model's
            prediction after the last observed step.
        covariates : array-like of shape (n_steps - 1, n_covariates) or \
                (n_steps - 1, n_features), default=None
            The input rows that follow the history, which the steps after
            the first read: the columns not fed back, in input order, or
            whole rows whose fed-back columns are ignored (they may be NaN).
            A DataFrame is matched by column name. For 3D or list ``X``, one
            such block per sequence, shape (n_sequences, n_steps - 1, ...).
            Required when some input column is not fed back and
            ``n_steps > 1``.
        feedback : None, int, str or list, default=None
            Which input column each output feeds: entry j is the position
            (or, for a model fitted on a DataFrame, the name) of output j's
            column, or None for an output that is not fed back. None maps
            output j to column j and needs as many outputs as inputs.
        strategy : {'recursive', 'direct'}, default='recursive'
            The closed loop, or one output per horizon step.
        initial_state : array-like, default=None
            State to start the history from, as in :meth:`predict`.

        Returns
        -------
        y_forecast : ndarray of shape (n_steps,) or (n_steps, n_outputs) for a \
                2D series, else (n_sequences, n_steps[, n_outputs])
        """
        check_n_steps(n_steps)
        if X is None:
            # only the echo state networks keep the end of their training series
            raise ValueError(
                f"{type(self).__name__}.forecast needs the history X to run over before "
                "forecasting (such as the last stretch of the series, or the training "
                "series itself); X=None is not supported.")
        seqs, Y, state = self._run(X, initial_state)
        series = seqs.layout == "series"
        y_last = Y[seqs.last_rows]
        if (covariates is None and feedback is None and strategy == "recursive"
                and self._per_step and self.n_outputs_ == self._n_inputs):
            # every input fed back: the network's compiled generation loop
            out = np.empty((seqs.n_sequences, n_steps, self.n_outputs_), dtype=Y.dtype)
            out[:, 0] = y_last
            if n_steps > 1:
                generated = self._network.generate(self._views(self._theta), state, y_last,
                                                   n_steps - 1)
                out[:, 1:] = generated.reshape(seqs.n_sequences, n_steps - 1, -1)
        else:
            out = forecast_from(self, state, y_last, n_steps, covariates=covariates,
                                feedback=feedback, strategy=strategy, series=series)
        return squeeze_forecast(out, self._squeeze or strategy == "direct", series)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 over every predicted step.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout :meth:`fit` accepts.
        y : array-like or list of array-like
            True targets, as for :meth:`fit`.
        sample_weight : array-like, default=None
            Weights of the flattened target rows.

        Returns
        -------
        score : float
        """
        seqs, Y, _ = self._run(X)
        self._encode_targets(seqs, y, reset=False)
        y_true, y_pred = seqs.Y, Y[seqs.target_rows]
        if y_true.shape[1] == 1:
            y_true, y_pred = y_true[:, 0], y_pred[:, 0]
        return r2_score(y_true, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class SequenceClassifierMixin(ClassifierMixin):
    """One label per sequence, read from its last step, with log loss."""

    _loss = "log_loss"
    _univariate_rows = True

    def _output_activation(self, n_outputs):
        return "logistic" if n_outputs == 1 else "softmax"

    def _encode_targets(self, seqs, y, *, reset, classes=None):
        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        # per-step targets are the regressors': say so before NumPy meets a ragged list
        per_step_hint = ("a classifier gives one label per sequence; for a target at every "
                         "time step, use a sequence regressor (one-hot targets for classes)")
        if _is_list_of_sequences(y):
            raise ValueError(f"{name} takes one label per sequence, but y is a list of "
                             f"arrays (a target per time step?): {per_step_hint}.")
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim == 2 and y.shape[1] > 1:
            steps = (f"; y has a column per time step of X, as a per-step target would: "
                     f"{per_step_hint}" if seqs.layout == "batch"
                     and y.shape == (seqs.n_sequences, seqs.n_steps // seqs.n_sequences)
                     else "")
            raise ValueError(f"{name} takes one label per sequence; y has shape {y.shape} "
                             f"(multilabel targets are not supported){steps}.")
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if y.shape[0] != seqs.n_sequences:
            per_step = (y.shape[0] == seqs.n_steps and seqs.n_steps > seqs.n_sequences)
            raise ValueError(
                f"y has {y.shape[0]} labels but X holds {seqs.n_sequences} sequences"
                + (": one label per time step, but a classifier takes one label per "
                   "sequence (use a sequence regressor for per-step targets)."
                   if per_step else "."))
        if reset:
            warn_if_per_step_labels(self, seqs, y)
            self.classes_ = unique_labels(y if classes is None else classes)
            if self.classes_.shape[0] < 2:
                raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes "
                                 "in the data, but the data contains only one class: "
                                 f"{self.classes_[0]!r}.")
            self.n_outputs_ = 1 if self.classes_.shape[0] == 2 else self.classes_.shape[0]
        elif classes is not None and not np.array_equal(self.classes_, unique_labels(classes)):
            raise ValueError(f"classes={classes!r} differs from the classes of the first call "
                             f"to partial_fit, {self.classes_!r}.")
        unseen = np.setdiff1d(unique_labels(y), self.classes_)
        if unseen.size:
            raise ValueError(f"y contains labels not seen in the first fit: {unseen!r}; "
                             f"expected labels in {self.classes_!r}.")
        idx = np.searchsorted(self.classes_, y)
        Y = np.zeros((y.shape[0], self.n_outputs_), dtype=seqs.X.dtype)
        if self.n_outputs_ == 1:
            Y[:, 0] = idx == 1
        else:
            Y[np.arange(y.shape[0]), idx] = 1
        seqs.Y, seqs.per_step = Y, False

    def _target_weights(self, seqs, sample_weight, allow_all_zero=False):
        """``sample_weight`` times the weight of each sequence's class.

        Labels are per sequence, never a streamed series: all-zero weights
        are refused whatever ``allow_all_zero`` says.
        """
        return with_class_weights(self, target_weights(seqs, sample_weight),
                                  self._class_indices(seqs.Y))

    @staticmethod
    def _class_indices(Y):
        """Class indices of one-hot (or one logistic column of) targets."""
        return (Y[:, 0] > 0.5).astype(np.intp) if Y.shape[1] == 1 else Y.argmax(axis=1)

    def _stratify_labels(self, seqs):
        return seqs.Y[:, 0] if seqs.Y.shape[1] == 1 else seqs.Y.argmax(axis=1)

    @staticmethod
    def _class_index(P):
        return (P[:, 0] > 0.5).astype(np.intp) if P.shape[1] == 1 else P.argmax(axis=1)

    def _score_outputs(self, P, Y, sample_weight=None):
        return accuracy_score(self._class_index(Y), self._class_index(P),
                              sample_weight=sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences ``X`` with one label per sequence.

        Parameters
        ----------
        X : array-like of shape (n_sequences, n_timesteps) or \
                (n_sequences, n_timesteps, n_features), or list of array-like
            Univariate sequences one per row, a batch of equal-length
            sequences, or a list of sequences of different lengths.
        y : array-like of shape (n_sequences,)
            Labels, of any type.
        sample_weight : array-like of shape (n_sequences,), default=None
            Weight of each sequence: the loss is the weighted average of
            the sequences' losses, so an integer weight counts a sequence
            that many times. Multiplied with ``class_weight``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight)

    @available_if(_not_lbfgs)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One pass of the solver over ``(X, y)``.

        It continues the fitted network: a parameter that shapes it (see
        ``warm_start``), set since it was fitted, is refused with a
        ValueError, the model unchanged.

        Parameters
        ----------
        X : array-like or list of array-like
            As in :meth:`fit`.
        y : array-like of shape (n_sequences,)
            Labels.
        classes : array-like of shape (n_classes,), default=None
            All labels there will ever be; required on the first call.
        sample_weight : array-like of shape (n_sequences,), default=None
            As in :meth:`fit`.

        Returns
        -------
        self : object
            The updated estimator.

        Raises
        ------
        ValueError
            With ``class_weight='balanced'``, which would be computed from
            each call's labels alone: pass the dict of
            :func:`~sklearn.utils.class_weight.compute_class_weight` instead.
        """
        check_classes_on_first_call(not hasattr(self, "classes_"), classes)
        check_partial_fit_class_weight(self)
        return self._fit(X, y, incremental=True, classes=classes,
                         sample_weight=sample_weight)

    def predict_proba(self, X):
        """Probability of each class for every sequence.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout :meth:`fit` accepts.

        Returns
        -------
        proba : ndarray of shape (n_sequences, n_classes)
        """
        seqs, Y, _ = self._run(X)
        P = Y[seqs.last_rows]
        if P.shape[1] == 1:
            P = np.hstack([1 - P, P])
        return P

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout :meth:`fit` accepts.

        Returns
        -------
        log_proba : ndarray of shape (n_sequences, n_classes)
        """
        P = self.predict_proba(X)
        return np.log(np.clip(P, np.finfo(P.dtype).tiny, None))

    def predict(self, X):
        """Predict the label of every sequence.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout :meth:`fit` accepts.

        Returns
        -------
        y_pred : ndarray of shape (n_sequences,)
        """
        check_is_fitted(self)
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
