"""Cross-validation on one long series that keeps the recurrent state warm."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral

import numpy as np
from sklearn.metrics import r2_score
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils.validation import _num_samples

from ._backtest import _check_series, forecasts_from_origins
from ._closed_loop import check_n_steps
from ._feedback import resolve_feedback


class SeriesSplit(BaseCrossValidator):
    """Expanding-window splits of one series whose test folds bring their warm-up.

    Like :class:`~sklearn.model_selection.TimeSeriesSplit`, fold k trains on
    every step before its test block. A recurrent network scored on the
    test block alone would start it from the zero state and be judged on
    its transient; here each test fold also holds the ``warmup`` steps before
    the block (or the whole series before it, ``warmup='all'``), and the
    scorer of :meth:`scorer` leaves them out of the score. The state is
    thus carried into the block the way it would be in use.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds (at least 2).
    test_size : int, default=None
        Steps per test block; None is ``n_timesteps // (n_splits + 1)``.
        Required with ``warmup='all'``.
    warmup : int or 'all', default=0
        Steps before each test block that the test fold runs over first
        (at most the steps before the first block, so that every fold has
        the same warm-up and the scorer skips exactly it).
    gap : int, default=0
        Steps left out between the training steps and the test block.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.forecasting import SeriesSplit
    >>> cv = SeriesSplit(n_splits=3, warmup=2)
    >>> for train, test in cv.split(np.zeros((12, 1))):
    ...     print(train[-1], test)
    2 [1 2 3 4 5]
    5 [4 5 6 7 8]
    8 [ 7  8  9 10 11]
    """

    def __init__(self, n_splits=5, *, test_size=None, warmup=0, gap=0):
        self.n_splits = n_splits
        self.test_size = test_size
        self.warmup = warmup
        self.gap = gap

    def _check(self):
        if not isinstance(self.n_splits, Integral) or self.n_splits < 2:
            raise ValueError(f"n_splits must be an integer of at least 2; got {self.n_splits!r}.")
        if self.warmup != "all" and (not isinstance(self.warmup, Integral) or self.warmup < 0):
            raise ValueError(f"warmup must be a non-negative integer or 'all'; "
                             f"got {self.warmup!r}.")
        if self.warmup == "all" and self.test_size is None:
            raise ValueError("warmup='all' needs test_size, so that the scorer knows which "
                             "steps are the test block.")
        if self.test_size is not None:
            check_n_steps(self.test_size)
        if not isinstance(self.gap, Integral) or self.gap < 0:
            raise ValueError(f"gap must be a non-negative integer; got {self.gap!r}.")

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds.

        Parameters
        ----------
        X, y, groups : ignored

        Returns
        -------
        n_splits : int
        """
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Indices of the training steps and of the warm-up plus test block of each fold.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features)
        y, groups : ignored

        Yields
        ------
        train, test : ndarray
        """
        self._check()
        n = _num_samples(X)
        test_size = self.test_size or n // (self.n_splits + 1)
        first = n - self.n_splits * test_size
        if test_size < 1 or first - self.gap < 1:
            raise ValueError(f"{self.n_splits} test blocks of {test_size} steps and a gap of "
                             f"{self.gap} leave no training steps in a series of {n}.")
        if self.warmup != "all" and self.warmup > first:
            # a shorter warm-up in the first fold would leave the scorer, which
            # skips `warmup` steps of every fold, skipping part of that test block
            raise ValueError(f"warmup={self.warmup} is longer than the {first} steps before "
                             f"the first test block; lower it, or pass warmup='all' with "
                             f"test_size.")
        for k in range(self.n_splits):
            start = first + k * test_size
            lead = start if self.warmup == "all" else self.warmup
            yield (np.arange(start - self.gap), np.arange(start - lead, start + test_size))

    def _iter_test_indices(self, X=None, y=None, groups=None):  # pragma: no cover
        for _, test in self.split(X):
            yield test

    def scorer(self, *, horizon=1, feedback=None):
        """A scorer for ``GridSearchCV`` that scores each test block only.

        Parameters
        ----------
        horizon : int, default=1
            1 scores the one-step predictions by R^2. More scores the
            closed-loop forecasts of 1 to ``horizon`` steps from every step
            of the block by minus their root mean squared error, the
            covariates read from the fold's rows (as in :func:`backtest`).
        feedback : None, int, str or list, default=None
            Which input column each output feeds (``horizon > 1``). A
            :class:`ConformalForecaster` is scored by its fitted model, with
            its own ``feedback`` when this is None.

        Returns
        -------
        scorer : callable
            ``scorer(estimator, X, y)``; greater is better.
        """
        self._check()
        check_n_steps(horizon)
        return _BlockScorer(self.warmup, self.test_size, horizon, feedback)


class _BlockScorer:
    """Scores the last steps of a test fold: its block after the warm-up."""

    def __init__(self, warmup, test_size, horizon, feedback):
        self.warmup, self.test_size = warmup, test_size
        self.horizon, self.feedback = horizon, feedback

    def _skip(self, n):
        return n - self.test_size if self.warmup == "all" else min(self.warmup, n - 1)

    def __call__(self, estimator, X, y):
        X, Y = _check_series(X, y)
        skip = self._skip(X.shape[0])
        if self.horizon == 1:
            pred = np.asarray(estimator.predict(X)).reshape(Y.shape)
            return r2_score(Y[skip:], pred[skip:])
        model, fed = _sequence_model(estimator, self.feedback)
        # the first forecast from origin o is row o - 1's: from skip + 1 on, every
        # scored row is in the test block (origin skip would score a warm-up row)
        origins = np.arange(skip + 1, X.shape[0] - self.horizon + 2)
        if origins.size == 0:
            raise ValueError(f"The test block of {X.shape[0] - skip} steps is shorter than "
                             f"horizon={self.horizon}: no forecast fits in it.")
        forecasts = forecasts_from_origins(model, X, origins, self.horizon, fed)
        index = origins[:, None] + np.arange(self.horizon)[None, :] - 1
        return -float(np.sqrt(np.mean((forecasts - Y[index]) ** 2)))


def _sequence_model(estimator, feedback):
    """The sequence regressor whose closed loop is scored, and its feedback columns.

    A :class:`ConformalForecaster` is scored by its fitted model, with its
    own mapping unless ``feedback`` is given.
    """
    if hasattr(estimator, "estimator_") and hasattr(estimator, "_feedback"):
        model = estimator.estimator_
        if feedback is None:
            feedback = estimator._feedback
    else:
        model = estimator
    if not hasattr(model, "_run"):
        raise ValueError(f"scorer(horizon > 1) forecasts in closed loop, which needs a fitted "
                         f"skrnn sequence regressor or ConformalForecaster; got "
                         f"{type(estimator).__name__}.")
    return model, resolve_feedback(model, feedback)
