"""The all-or-nothing fit and partial_fit of a readout family, through its hook."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils._threads import limit_threads
from ._solve import ReadoutSolution, check_alpha, solve_readout
from ._sums import ReadoutSums

#: the Notes paragraph on sample weights of every readout family
WEIGHTS_NOTES = """\
    **Sample weights** are frequency weights, as in scikit-learn: a readout
    row of weight w counts as the row w times. Its features and target are
    scaled by sqrt(w) in the cross-products, its sums are w-weighted, and
    the count n of the means, of the standardisation and of the penalty
    choice becomes the weight total sum(w). So integer weights give the
    readout of repeated rows (to rounding), zero weights that of the rows
    dropped, and weighted ``partial_fit`` over chunks weighted ``fit``.
    ``alpha='gcv'`` takes n = sum(w) in RSS/n and df/n; with ``alpha='cv'``
    a row stays in the block of its position, counting w times there, and
    each fold's error is a weighted mean; ``return_std`` estimates the noise
    variance of a row of weight 1. Multiplying every weight by c multiplies
    the sums by c, so a fixed ``alpha`` then weighs 1 / c as much, as in
    scikit-learn's ``Ridge``.
"""


class ReadoutMixin:
    """The all-or-nothing ``fit`` / ``partial_fit`` of a readout family.

    A family (a fixed random layer whose features feed a linear readout)
    supplies one hook, made of these methods, and nothing else reaches inside
    it (``skrnn.dask`` drives the same hook):

    ``_readout_prepare(X, y, *, reset, classes, sample_weight=None, chunk=False) -> batch``
        Validate the input, encode the targets and check ``sample_weight``
        into one weight per target row, times the class weights of a
        classifier (on ``reset``, draw the fixed layer and set what ``fit``
        resets). ``chunk`` says that X is one chunk of a stream
        (``partial_fit``, or a block of ``skrnn.dask``): a chunk of a series
        may then have weights that are all zero, since the state still runs
        through it. Returns what ``_readout_rows`` needs.
    ``_readout_shape(batch) -> (n_features, n_outputs)``
        Width of the readout rows and of the targets.
    ``_readout_new_stream(position=0) -> dict``
        What carries over from one call to the next, starting at
        ``position``: at least ``"position"`` (the next row's position, see
        :class:`ReadoutSums`) and ``"n_seen"`` (input rows seen).
    ``_readout_rows(batch, sums, stream)``
        Run the fixed layer over the batch and add its readout rows to
        ``sums`` (``sums.reserve`` first, then ``sums.add`` with positions
        and the rows' weights). Updates ``stream``.
    ``_readout_chained(X) -> bool``
        Whether consecutive blocks of ``X`` (split along the first axis)
        carry state from one to the next (a series), or are independent.
    ``_readout_dtype``
        The dtype of the readout's weights (that of the data seen by ``fit``).
    ``_readout_leaf_size()`` (optional)
        Positions per leaf of the sums (see :class:`ReadoutSums`), for a
        family whose runs over the data are cut in windows it can align to
        leaves.
    ``_check_distributed(X)``
        Raise ``ValueError`` for what cannot be fitted block by block.

    The estimator has ``alpha`` and ``alphas`` parameters; the mixin gives it
    ``output_weights_``, ``output_bias_``, ``alpha_`` (and ``alphas_`` with
    ``gcv_scores_`` or ``cv_scores_`` when the penalty is chosen).
    """

    #: partial_fit leaves the solve to the first use of the readout
    _solve_lazily = False

    def _readout_leaf_size(self):
        """Positions per leaf of the sums (None: :func:`leaf_size_for` the features)."""
        return None

    def slim(self):
        """Drop the running sums that only further ``partial_fit`` calls need.

        A fitted model keeps the readout's sufficient statistics (means and
        centred cross-products of its features: O(n_features^2) numbers,
        73 MB for a 3,000-unit reservoir) so that ``partial_fit`` can go on
        learning. Prediction needs only the solved readout. ``slim`` solves
        it if needed, keeps it, and drops the sums: the model then predicts,
        scores and forecasts bit for bit as before, pickles small, and
        refuses ``partial_fit`` (``fit`` starts afresh as usual). Changing
        ``alpha`` after ``slim`` has no effect until the next ``fit``.

        Returns
        -------
        self : object
            The slimmed estimator.
        """
        check_is_fitted(self, "_readout_sums")
        if not isinstance(self._readout_sums, _DroppedSums):
            self._readout_solution()
            self._readout_sums = _DroppedSums(self._readout_sums)
        return self

    def _readout_fit(self, X, y, *, incremental, classes=None, sample_weight=None):
        """fit (reset) or partial_fit: the model changes only if everything succeeds."""
        reset = not incremental or not hasattr(self, "_readout_sums")
        if not reset and isinstance(self._readout_sums, _DroppedSums):
            raise ValueError(
                f"This {type(self).__name__} was slimmed (slim() dropped the running sums "
                "that partial_fit adds to), so it can predict but not learn more. Call fit "
                "to train afresh, or keep an unslimmed copy for streaming.")
        check_alpha(self.alpha, self.alphas)
        saved = self.__dict__.copy()
        try:
            batch = self._readout_prepare(X, y, reset=reset, classes=classes,
                                          sample_weight=sample_weight, chunk=incremental)
            if reset:
                sums = ReadoutSums(*self._readout_shape(batch), folds=isinstance(self.alpha, str),
                                   leaf_size=self._readout_leaf_size())
                stream = self._readout_new_stream()
            else:
                sums = self._readout_sums.copy()
                stream = copy_stream(self._readout_stream)
            self._readout_rows(batch, sums, stream)
            self._readout_finish(sums, stream, allow_empty=incremental,
                                 solve=not (incremental and self._solve_lazily))
        # a failed call, or one interrupted by Ctrl-C (the sums would be half
        # updated), leaves a fitted model as it was
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return self

    def _readout_finish(self, sums, stream, *, allow_empty=False, solve=True):
        """Keep ``sums`` and ``stream``, and solve the readout (or, with ``solve=False``,
        when it is first needed: streaming many small chunks then pays no O(p^3)
        solve per chunk)."""
        if sums.n == 0 and not allow_empty:
            washout = getattr(self, "n_washout", 0)
            raise ValueError(
                "No readout rows to train on: every row seen so far "
                + (f"is inside the washout (n_washout={washout}) or " if washout else "")
                + "has a NaN target or zero weight. Pass more rows"
                + (", lower n_washout" if washout else "") + ", or targets that are not NaN.")
        if self.alpha == "cv" and not sums.folds:
            raise ValueError("alpha='cv' needs the per-block sums, which are kept only when "
                             "alpha is 'cv' or 'gcv' at the first fit; refit with it set.")
        self._readout_sums = sums
        self._readout_stream = stream
        # what the solve depends on, as of this call (a lazy solve may come later)
        self._readout_params = {"alpha": self.alpha, "alphas": self.alphas,
                                "fit_intercept": getattr(self, "fit_intercept", True),
                                "n_jobs": getattr(self, "n_jobs", None)}
        # filled in place on first use, so that predicting leaves __dict__ as it was
        self._readout_cache = []
        if solve:
            self._readout_solution()

    def _readout_solution(self):
        """The solved readout (solved now if it has not been since the last fit)."""
        if not self._readout_cache:
            sums, params = self._readout_sums, self._readout_params
            if sums.n == 0:
                # a stream still inside its washout: no readout yet, outputs 0
                solution = ReadoutSolution(np.zeros((sums.n_features, sums.n_outputs)),
                                           np.zeros(sums.n_outputs),
                                           np.nan if isinstance(params["alpha"], str)
                                           else float(params["alpha"]))
            else:
                with limit_threads(params["n_jobs"]):
                    solution = solve_readout(sums, params["alpha"], params["alphas"],
                                             params["fit_intercept"])
            dtype = self._readout_dtype
            solution.coef = np.ascontiguousarray(solution.coef, dtype=dtype)
            solution.intercept = np.asarray(solution.intercept, dtype=dtype)
            self._readout_cache.append(solution)
        return self._readout_cache[0]

    def _solved(self, name):
        if "_readout_sums" not in self.__dict__:
            raise AttributeError(name)
        return self._readout_solution()

    @property
    def output_weights_(self):
        return self._solved("output_weights_").coef

    @property
    def output_bias_(self):
        return self._solved("output_bias_").intercept

    @property
    def alpha_(self):
        return self._solved("alpha_").alpha

    @property
    def alphas_(self):
        solution = self._solved("alphas_")
        if solution.alphas is None:
            raise AttributeError("alphas_ exists only when alpha is 'gcv' or 'cv'")
        return solution.alphas

    @property
    def gcv_scores_(self):
        solution = self._solved("gcv_scores_")
        if solution.method != "gcv":
            raise AttributeError("gcv_scores_ exists only with alpha='gcv'")
        return solution.scores

    @property
    def cv_scores_(self):
        solution = self._solved("cv_scores_")
        if solution.method != "cv":
            raise AttributeError("cv_scores_ exists only when alpha='cv' cross-validated (rows "
                                 "in a single block fall back to GCV: see gcv_scores_)")
        return solution.scores


class _DroppedSums:
    """Stands for the readout's sums after ``slim()``: their counts, no statistics.

    The solved readout is kept beside it (``_readout_cache``), so nothing
    needs the statistics again until the next ``fit`` replaces this.
    """

    def __init__(self, sums):
        self.n = sums.n
        self.n_rows = sums.n_rows
        self.n_features = sums.n_features
        self.n_outputs = sums.n_outputs
        self.folds = sums.folds


def copy_stream(stream):
    """A copy of a stream dict whose arrays the next call may change in place."""
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in stream.items()}
