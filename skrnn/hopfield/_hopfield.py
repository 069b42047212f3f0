"""Hopfield associative memory: classical binary networks and the modern continuous one."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from joblib import effective_n_jobs
from scipy.special import logsumexp, softmax
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted

from .._kernels._hopfield import (
    FIXED_POINT_CODE,
    MAX_ITER_CODE,
    hopfield_recall,
    max_abs_row_sum,
)
from ..utils._compat import Interval, StrOptions, _fit_context, validate_data
from ..utils._progress import Progress
from ..utils._threads import limit_threads
from ._encoding import check_encoding, decode, encode, infer_encoding
from ._rules import hebbian_update, projection_update, storkey_update

STATUS_NAMES = np.array(["fixed_point", "two_cycle", "max_iter"])


class HopfieldMemory(BaseEstimator):
    """Hopfield associative memory: store patterns, recall them from corrupted probes.

    ``fit(X)`` stores the rows of ``X``; ``partial_fit(X)`` stores more
    without forgetting; ``predict(X)`` runs the network from each probe row
    and returns the pattern it settles on. The classical rules store binary
    patterns in a symmetric weight matrix and recall by flipping units to
    agree with their local field; the modern rule (Ramsauer et al., 2021)
    keeps the patterns themselves and retrieves by a softmax over them,
    also for real-valued patterns.

    Read more in the :ref:`User Guide <hopfield>`.

    Parameters
    ----------
    rule : {'hebbian', 'storkey', 'pseudoinverse', 'modern'}, default='hebbian'
        How patterns are stored.

        - 'hebbian': outer products, ``W = (1/n) sum xi xi^T`` with a zero
          diagonal; holds about 0.138 n random patterns with few errors,
          n / (2 ln n) without any.
        - 'storkey': Storkey's (1997) local and incremental rule; about
          n / sqrt(2 ln n) random patterns.
        - 'pseudoinverse': the projection rule of Personnaz et al. (1985),
          W the projection onto the span of the patterns (diagonal set to
          zero for recall); every linearly independent set of up to n
          patterns, correlated or not, is stored as fixed points, but the
          basins of attraction shrink as the load grows. ``partial_fit``
          extends the projection by the new patterns' components outside
          the span, without recomputing it.
        - 'modern': the continuous modern Hopfield network; the patterns
          are kept in ``patterns_`` and a state xi is updated by
          ``xi <- patterns_^T softmax(beta patterns_ xi)``. Its capacity
          grows exponentially with n.

    update : {'async', 'sync'}, default='async'
        Recall dynamics of the classical rules. 'async' updates one unit at
        a time, in a new random order every sweep, until a whole sweep
        changes nothing; the energy never increases, so it always ends at a
        fixed point. 'sync' updates all units at once from the same state;
        it can end in a 2-cycle, which is detected (the lower-energy state
        of the two is returned). The modern rule always updates the whole
        state at once and ignores this.

    encoding : {'auto', 'binary', 'bipolar', 'real'}, default='auto'
        Values of the patterns: 'binary' is {0, 1}, 'bipolar' {-1, +1},
        'real' any finite value (``rule='modern'`` only). 'auto' takes
        'bipolar' when X holds only -1 and +1 (or only 1), 'binary' when it
        holds only 0 and 1, and otherwise 'real' for the modern rule or an
        error for the classical ones. Probes, targets and answers all use
        the encoding of the stored patterns; binary patterns are handled
        as s = 2 x - 1 inside.

    beta : float, default=1.0
        Inverse temperature of the modern rule. A pattern is retrieved on
        its own when beta times the gap between its dot product with the
        state and those of the other patterns is large (a few units);
        smaller values average similar patterns into metastable states.
        For -1/+1 patterns of n units, 1.0 separates patterns that differ
        in a few bits; attention layers use ``1 / sqrt(n)``, which averages
        much more. Ignored by the classical rules.

    max_iter : int, default=100
        Maximum number of sweeps (async), steps (sync) or modern updates
        per probe. Probes still moving after it raise a ConvergenceWarning
        in ``predict``.

    tol : float, default=1e-6
        The modern rule stops when no entry of the state moves by more than
        ``tol`` times the largest absolute entry of the stored patterns.

    random_state : int, RandomState instance or None, default=None
        Seeds the unit orders of asynchronous recall. An int makes
        ``predict`` return the same answers at every call.

    n_jobs : int, default=None
        Threads for recall: the probes are split between them, and the
        first fields of all probes come from one threaded matrix product.
        None means 1, -1 all cores. Answers do not depend on it.

    verbose : bool or int, default=False
        ``fit`` and ``partial_fit`` print the patterns stored and the time
        taken; ``recall`` and ``predict`` print how the probes ended (fixed
        points, two-cycles, still changing) and the mean number of
        iterations. 2 also prints a line per update of the modern rule with
        the probes still moving.

    Attributes
    ----------
    weights_ : ndarray of shape (`n_features_in_`, `n_features_in_`)
        Symmetric weight matrix with a zero diagonal (classical rules).

    patterns_ : ndarray of shape (`n_patterns_`, `n_features_in_`)
        The stored patterns (modern rule), binary ones as -1/+1.

    n_patterns_ : int
        Number of patterns stored so far.

    encoding_ : {'binary', 'bipolar', 'real'}
        Encoding of the stored patterns, used for probes and answers.

    n_features_in_ : int
        Number of units (features of a pattern).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined only when ``X`` has feature names that are all strings.

    See Also
    --------
    sklearn.neighbors.NearestNeighbors : Exact nearest stored pattern, without dynamics.

    Notes
    -----
    A unit follows s_i <- sgn(h_i), h = W s, and keeps its state when its
    field is zero (to rounding). With a symmetric W and zero diagonal every
    asynchronous flip lowers E(s) = -s W s / 2, so asynchronous recall ends
    at a local minimum of E. The modern network has the energy
    E(xi) = -lse(beta, X xi) + xi^T xi / 2 + log(P) / beta + M^2 / 2, with
    lse(beta, z) = log(sum exp(beta z)) / beta and M the largest pattern
    norm; its update is the attention of transformers with the patterns as
    keys and values, and typically converges in one step.

    Recall runs in compiled code that keeps every probe's fields up to
    date as units flip, so a sweep costs O(k n) for k flips rather than
    O(n^2).

    References
    ----------
    J. J. Hopfield, "Neural networks and physical systems with emergent
    collective computational abilities", PNAS 79(8), 1982.

    A. Storkey, "Increasing the capacity of a Hopfield network without
    sacrificing functionality", ICANN 1997.

    L. Personnaz, I. Guyon and G. Dreyfus, "Information storage and
    retrieval in spin-glass like neural networks", J. Physique Lett. 46,
    1985.

    H. Ramsauer et al., "Hopfield Networks is All You Need", ICLR 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import HopfieldMemory
    >>> rng = np.random.RandomState(0)
    >>> patterns = rng.choice([-1, 1], size=(5, 100))
    >>> memory = HopfieldMemory(rule="storkey", random_state=0).fit(patterns)
    >>> probes = patterns.copy()
    >>> probes[:, :10] *= -1                      # 10% of the bits flipped
    >>> memory.score(probes, patterns)
    1.0
    """

    _parameter_constraints: ClassVar[dict] = {
        "rule": [StrOptions({"hebbian", "storkey", "pseudoinverse", "modern"})],
        "update": [StrOptions({"async", "sync"})],
        "encoding": [StrOptions({"auto", "binary", "bipolar", "real"})],
        "beta": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [None, Integral],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        rule="hebbian",
        *,
        update="async",
        encoding="auto",
        beta=1.0,
        max_iter=100,
        tol=1e-6,
        random_state=None,
        n_jobs=None,
        verbose=False,
    ):
        self.rule = rule
        self.update = update
        self.encoding = encoding
        self.beta = beta
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.non_deterministic = False
        return tags

    # -- storage ----------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Store the rows of X as patterns, forgetting anything stored before.

        Takes no ``sample_weight``: the memory learns no targets and has no
        loss to weigh; its storage rules (Hebbian outer products, the
        pseudo-inverse, Storkey's, the modern rule's stored rows) treat every
        pattern alike, and a pattern's weight in the Hebbian sum would only
        deepen its basin while crowding the others.

        Parameters
        ----------
        X : array-like of shape (n_patterns, n_features)
            Patterns in {0, 1} or {-1, +1} (any finite values for
            ``rule='modern'``).

        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._check_rule_encoding()
        # validate_data(reset=True) overwrites n_features_in_ before the
        # encoding is checked: a failed fit must leave a fitted memory as it was
        before = dict(self.__dict__)
        try:
            X = validate_data(self, X, dtype=(np.float64, np.float32), reset=True)
            encoding = infer_encoding(X, self.encoding, self.rule)
        except ValueError:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        self._reset(X.shape[1], X.dtype, encoding)
        self._store(encode(X, encoding))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Store more patterns, keeping the ones stored before.

        The weights are updated, never recomputed: storing X in one call or
        in several gives the same memory (to rounding).

        Parameters
        ----------
        X : array-like of shape (n_patterns, n_features)
            Patterns in the encoding of the first call.

        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        if not hasattr(self, "n_patterns_"):
            return self.fit(X)
        self._check_rule_encoding()
        if self.rule != self._fitted_rule:
            raise ValueError(
                f"partial_fit cannot switch rule from {self._fitted_rule!r} to "
                f"{self.rule!r}; call fit to start a new memory."
            )
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        check_encoding(X, self.encoding_, "X")
        X = encode(X, self.encoding_).astype(self._dtype, copy=False)
        self._store(X)
        return self

    def _check_rule_encoding(self):
        if self.encoding == "real" and self.rule != "modern":
            raise ValueError(
                f"encoding='real' needs rule='modern'; rule={self.rule!r} stores "
                "binary patterns only."
            )

    def _reset(self, n_features, dtype, encoding):
        self._fitted_rule = self.rule
        self._dtype = dtype
        self.encoding_ = encoding
        self.n_patterns_ = 0
        for name in ("weights_", "patterns_", "_projection_diagonal"):
            self.__dict__.pop(name, None)
        if self.rule == "modern":
            self.patterns_ = np.empty((0, n_features), dtype=dtype)
        else:
            self.weights_ = np.zeros((n_features, n_features), dtype=dtype)
            if self.rule == "pseudoinverse":
                self._projection_diagonal = np.zeros(n_features, dtype=dtype)

    def _store(self, patterns):
        """Add a block of encoded (+-1 or real) patterns to the memory.

        The new weights are computed on a copy and put in place at the end:
        Ctrl-C during a long storage (Storkey's rule adds patterns one by
        one) leaves the memory as it was.
        """
        progress = Progress(self.verbose)
        if self.rule == "modern":
            self.patterns_ = np.vstack([self.patterns_, patterns])
        else:
            W = self.weights_.copy()
            if self.rule == "hebbian":
                hebbian_update(W, patterns)
            elif self.rule == "storkey":
                storkey_update(W, patterns)
            else:
                diagonal = self._projection_diagonal.copy()
                projection_update(W, diagonal, patterns)
                self._projection_diagonal = diagonal
            self.weights_ = W
        self.n_patterns_ += patterns.shape[0]
        progress.note(f"Stored {patterns.shape[0]} patterns of {patterns.shape[1]} units "
                      f"({self.rule} rule, {self.n_patterns_} in all)")

    # -- recall -----------------------------------------------------------
    def _probes(self, X, name="X"):
        """Validated probes, encoded, in the dtype of the memory."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        check_encoding(X, self.encoding_, name)
        return np.array(encode(X, self.encoding_), dtype=self._dtype, order="C")

    def recall(self, X):
        """Run the network from each probe and say how each run ended.

        Parameters
        ----------
        X : array-like of shape (n_probes, n_features)
            Probes in the encoding of the stored patterns.

        Returns
        -------
        states : ndarray of shape (n_probes, n_features)
            The recalled states, in the encoding of the stored patterns.

        n_iter : ndarray of shape (n_probes,)
            Sweeps (async), steps (sync) or updates (modern) run for each
            probe, the last, unchanging one included.

        status : ndarray of shape (n_probes,) of str
            'fixed_point', 'two_cycle' (sync only) or 'max_iter'.
        """
        S = self._probes(X)
        progress = Progress(self.verbose)
        if self._fitted_rule == "modern":
            states, n_iter, codes = self._recall_modern(S, progress)
        else:
            states, n_iter, codes = self._recall_classical(S)
        if self.verbose:
            counts = np.bincount(codes, minlength=len(STATUS_NAMES))
            unit = "updates" if self._fitted_rule == "modern" else (
                "steps" if self.update == "sync" else "sweeps")
            progress.note(f"Recalled {len(codes)} probes: {counts[0]} fixed points, "
                          f"{counts[1]} two-cycles, {counts[2]} still changing after "
                          f"max_iter={self.max_iter}; {float(np.mean(n_iter)):.3g} {unit} "
                          "on average")
        return decode(states, self.encoding_), n_iter, STATUS_NAMES[codes]

    def _recall_classical(self, S):
        W = self.weights_
        n_threads = effective_n_jobs(self.n_jobs)
        with limit_threads(self.n_jobs):
            H = S @ W
        rng = check_random_state(self.random_state)
        seed = rng.randint(np.iinfo(np.int32).max)
        # fields that differ from 0 by rounding only count as 0: a few ulps
        # of the largest sum of |w_ij| a field can reach
        tie = 8 * np.finfo(W.dtype).eps * max_abs_row_sum(W)
        n_iter = np.zeros(S.shape[0], dtype=np.int32)
        status = np.zeros(S.shape[0], dtype=np.int8)
        hopfield_recall(W, S, H, self.update == "sync", self.max_iter, tie, seed,
                        n_threads, n_iter, status)
        return S, n_iter, status

    def _recall_modern(self, S, progress=None):
        patterns, beta = self.patterns_, float(self.beta)
        probes = S.copy()
        n_iter = np.full(S.shape[0], self.max_iter, dtype=np.int32)
        status = np.full(S.shape[0], MAX_ITER_CODE, dtype=np.int8)
        threshold = self.tol * float(np.abs(patterns).max(initial=0))
        active = np.arange(S.shape[0])
        with limit_threads(self.n_jobs):
            for it in range(self.max_iter):
                if active.size == 0:
                    break
                xi = S[active]
                new = softmax(beta * (xi @ patterns.T), axis=1).astype(S.dtype) @ patterns
                S[active] = new
                done = np.abs(new - xi).max(axis=1) <= threshold
                n_iter[active[done]] = it + 1
                status[active[done]] = FIXED_POINT_CODE
                active = active[~done]
                if progress is not None and progress.detailed:
                    progress.step("Update", it + 1, self.max_iter, probes_moving=int(active.size))
        if self.encoding_ != "real":
            # binary patterns: read the state out by its signs; a unit at
            # exactly 0 keeps the probe's value
            S = np.where(S > 0, 1, np.where(S < 0, -1, probes)).astype(S.dtype)
        return S, n_iter, status

    def predict(self, X):
        """Recall a stored pattern for each probe row.

        Parameters
        ----------
        X : array-like of shape (n_probes, n_features)
            Probes in the encoding of the stored patterns.

        Returns
        -------
        recalled : ndarray of shape (n_probes, n_features)
            The state each probe settles on, in the encoding of the stored
            patterns. Use :meth:`recall` to see how each run ended.
        """
        states, _, status = self.recall(X)
        stuck = int(np.sum(status == "max_iter"))
        if stuck:
            warnings.warn(
                f"{stuck} of {len(status)} probes were still changing after "
                f"max_iter={self.max_iter} iterations; increase max_iter.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return states

    def energy(self, X):
        """Energy of each state: -s W s / 2 (classical), Ramsauer's E (modern).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            States in the encoding of the stored patterns.

        Returns
        -------
        energy : ndarray of shape (n_samples,)
        """
        S = self._probes(X)
        if self._fitted_rule != "modern":
            return -0.5 * np.einsum("ij,ij->i", S @ self.weights_, S)
        patterns, beta = self.patterns_, float(self.beta)
        lse = logsumexp(beta * (S @ patterns.T), axis=1) / beta
        largest = float(np.max(np.einsum("ij,ij->i", patterns, patterns), initial=0))
        energy = (-lse + 0.5 * np.einsum("ij,ij->i", S, S)
                  + np.log(len(patterns)) / beta + 0.5 * largest)
        return energy.astype(S.dtype, copy=False)

    def score(self, X, y):
        """Fraction of the entries of y recalled correctly from the probes X.

        For binary and bipolar patterns an entry is a bit; for real-valued
        patterns (modern rule) an entry counts when it is within 1% of the
        largest absolute value of the stored patterns.

        Parameters
        ----------
        X : array-like of shape (n_probes, n_features)
            Probes, e.g. stored patterns with some bits flipped.

        y : array-like of shape (n_probes, n_features)
            The patterns the probes should recall.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        y = check_array(y, dtype=(np.float64, np.float32), ensure_2d=False,
                        input_name="y")
        if y.shape != X.shape:
            raise ValueError(
                f"y must hold the target pattern of each probe, with the shape of X "
                f"{X.shape}; got {y.shape}."
            )
        check_encoding(y, self.encoding_, "y")
        recalled = self.predict(X)
        if self.encoding_ == "real":
            scale = float(np.abs(self.patterns_).max(initial=0))
            return float(np.mean(np.abs(recalled - y) <= 0.01 * scale))
        return float(np.mean(recalled == y))
