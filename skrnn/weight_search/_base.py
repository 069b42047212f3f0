"""What the gradient-free weight searches share: the wrapped network, the loop, the stops.

A search wraps an skrnn network trained by gradient (:class:`~skrnn._base.
BaseRecurrent`): it builds that network's structure from the data, then
searches its flat weight vector for the lowest training loss (data loss +
L2 penalty, as the network's own solvers minimise it). A whole population
of weight vectors is evaluated in one compiled call
(:meth:`~skrnn._base.BaseRecurrent.population_loss`). A subclass says how a
population starts its search state and how one iteration moves it.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
from abc import ABC, abstractmethod
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._architecture import check_architecture
from .._base import BaseRecurrent
from .._weights import check_partial_fit_class_weight
from ..utils._compat import HasMethods, Interval, _fit_context
from ..utils._progress import Progress, warn_interrupted


def _wrapped_has(method):
    """available_if check: the wrapped network has ``method``."""
    def check(self):
        return hasattr(self.estimator, method)
    return check


class _BaseWeightSearch(MetaEstimatorMixin, BaseEstimator, ABC):
    """Base class of the gradient-free weight searches.

    Not meant to be used directly: see :class:`~skrnn.GeneticOptimizer`,
    :class:`~skrnn.ParticleSwarmOptimizer` and
    :class:`~skrnn.SimulatedAnnealingOptimizer`.
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "population_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "target_loss": [None, Real],
        "n_iter_no_change": [None, Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "init_scale": [Interval(Real, 0, None, closed="left")],
        "refine": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "n_jobs": [None, Integral],
    }

    # the smallest population an algorithm works with
    _min_population = 1
    # what one iteration is called in the verbose lines
    _iteration_name = "Iteration"

    def __init__(self, estimator, *, population_size, max_iter, target_loss, n_iter_no_change,
                 tol, init_scale, refine, random_state, verbose, n_jobs):
        self.estimator = estimator
        self.population_size = population_size
        self.max_iter = max_iter
        self.target_loss = target_loss
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.init_scale = init_scale
        self.refine = refine
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    # -- what an algorithm defines -------------------------------------------
    @abstractmethod
    def _start(self, thetas, losses, rng, evaluate):
        """The search state (a dict) from the initial population and its losses."""

    @abstractmethod
    def _iterate(self, state, rng, evaluate, iteration):
        """One iteration; returns the candidates it evaluated and their losses."""

    @abstractmethod
    def _reevaluate(self, state, evaluate):
        """Losses of the state's candidates on new data (partial_fit); returns
        the candidates and their losses."""

    def _check_settings(self):
        """Checks across parameters (none by default)."""
        if self.population_size < self._min_population:
            raise ValueError(f"{type(self).__name__} needs population_size >= "
                             f"{self._min_population}; got {self.population_size}.")

    # -- tags and delegation ---------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        # classifier or regressor as the wrapped network: GridSearchCV
        # stratifies and scores as it would for the network itself
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = copy.deepcopy(inner.classifier_tags)
        tags.regressor_tags = copy.deepcopy(inner.regressor_tags)
        tags.input_tags = copy.deepcopy(inner.input_tags)
        tags.target_tags = copy.deepcopy(inner.target_tags)
        tags.non_deterministic = inner.non_deterministic
        return tags

    @property
    def classes_(self):
        """Class labels of the wrapped classifier (after fit)."""
        check_is_fitted(self)
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self):
        """Number of features seen during fit."""
        check_is_fitted(self)
        return self.best_estimator_.n_features_in_

    @property
    def feature_names_in_(self):
        """Names of the features seen during fit, when ``X`` had string column names."""
        check_is_fitted(self)
        # AttributeError when the network was fitted without names, as in scikit-learn
        return self.best_estimator_.feature_names_in_

    def __sklearn_is_fitted__(self):
        return hasattr(self, "best_estimator_")

    def predict(self, X, **kwargs):
        """Predict with the best network found (see the wrapped estimator's ``predict``).

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout the wrapped estimator accepts.
        **kwargs : dict
            Passed on to the wrapped estimator's ``predict``.

        Returns
        -------
        y : ndarray or list of ndarray
        """
        check_is_fitted(self)
        return self.best_estimator_.predict(X, **kwargs)

    @available_if(_wrapped_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the best network found.

        Parameters
        ----------
        X : array-like or list of array-like

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)

    def score(self, X, y, sample_weight=None):
        """The wrapped estimator's score (accuracy or R^2) of the best network found.

        Parameters
        ----------
        X : array-like or list of array-like
        y : array-like or list of array-like
        sample_weight : array-like, default=None

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        return self.best_estimator_.score(X, y, sample_weight=sample_weight)

    # -- fitting -------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Search the weights of a fresh copy of ``estimator`` on ``(X, y)``.

        Parameters
        ----------
        X : array-like or list of array-like
            Sequences in any layout the wrapped estimator accepts.
        y : array-like or list of array-like
            Targets, as for the wrapped estimator's ``fit``.
        sample_weight : array-like or list of array-like, default=None
            Weights of the targets, as for the wrapped estimator's ``fit``:
            the population loss is their weighted average (the compiled
            population kernels weigh the targets themselves), and
            ``refine`` fits with them.

        Returns
        -------
        self : object
        """
        saved = self.__dict__.copy()
        try:
            self._check_settings()
            net, seqs = self._build(X, y, sample_weight=sample_weight)
            interrupted = self._search(net, seqs, self._start_population(net, seqs),
                                       self.max_iter)
            if self.refine and not interrupted:  # Ctrl-C stops the whole fit
                self._refine(X, y, sample_weight)
        # a failed fit, or one interrupted before it found anything, leaves a
        # fitted model as it was
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One more iteration of the search, on ``(X, y)``.

        The population, swarm or temperature carry over from the previous
        call; their losses are first recomputed on the new data (so each call
        costs one population evaluation more than an iteration of
        :meth:`fit`). ``refine`` is not applied.

        Parameters
        ----------
        X : array-like or list of array-like
        y : array-like or list of array-like
        classes : array-like, default=None
            All class labels (classifiers, first call only).
        sample_weight : array-like or list of array-like, default=None
            Weights of the targets, as in :meth:`fit`.

        Returns
        -------
        self : object
        """
        # balanced over one call, the searched network's class weights are not the stream's
        check_partial_fit_class_weight(self.estimator)
        saved = copy.deepcopy(self.__dict__)
        try:
            self._partial_fit(X, y, classes, sample_weight)
        except BaseException:  # a failed (or interrupted) call leaves a fitted model as it was
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        return self

    def _partial_fit(self, X, y, classes, sample_weight=None):
        if not hasattr(self, "_state"):
            self._validate_params()
            self._check_settings()
            net, seqs = self._build(X, y, classes=classes, sample_weight=sample_weight)
            self._search(net, seqs, self._start_population(net, seqs), 1)
            return
        net = self.best_estimator_
        self._check_same_network(net)
        seqs = net._prepare(X, y, reset=False, classes=classes, sample_weight=sample_weight)
        evaluate = self._evaluator(net, seqs)
        with self._threads(net):
            thetas, losses = self._reevaluate(self._state, evaluate)
            # the best so far is judged again on the data it must now fit
            best = evaluate(self._best_theta[None, :])[0]
        self.best_loss_ = best
        self._record(thetas, losses)
        self._search(net, seqs, None, 1)

    def _check_same_network(self, net):
        """partial_fit searches the weights of the network fitted from ``estimator``:
        a changed architecture of ``estimator`` is refused, not silently ignored."""
        if type(self.estimator) is not type(net):
            raise ValueError(
                f"estimator changed since the search was fitted: fitted with a "
                f"{type(net).__name__}, now a {type(self.estimator).__name__}. partial_fit "
                "continues the search over the fitted network's weights. Set estimator back, "
                "or start a new search with fit.")
        check_architecture(self.estimator, "partial_fit",
                           fitted=getattr(net, "_fitted_architecture", None),
                           prefix="estimator__", refit="fit")

    def _build(self, X, y, classes=None, sample_weight=None):
        if not isinstance(self.estimator, BaseRecurrent):
            raise ValueError(
                f"estimator must be an skrnn network trained by gradient (ElmanRegressor, "
                f"JordanClassifier, LSTMRegressor...); got {type(self.estimator).__name__}.")
        net = clone(self.estimator)
        seqs = net._prepare(X, y, reset=True, classes=classes, sample_weight=sample_weight)
        net._initialize(seqs)
        return net, seqs

    def _start_population(self, net, seqs):
        """Draws of the network's own initialiser, one seed each, plus Gaussian noise."""
        rng = check_random_state(self.random_state)
        self._rng = rng
        n_weights = net._theta.shape[0]
        thetas = np.empty((self.population_size, n_weights), dtype=np.float64)
        buffer = np.empty(n_weights, dtype=net._theta.dtype)
        for i in range(self.population_size):
            seed = rng.randint(np.iinfo(np.int32).max)
            net._network.initialize(net._views(buffer), np.random.RandomState(seed))
            thetas[i] = buffer
        thetas += self.init_scale * rng.standard_normal(thetas.shape)
        return thetas

    def _evaluator(self, net, seqs):
        def evaluate(thetas):
            self.n_evaluations_ += thetas.shape[0]
            return net._population_loss(thetas, seqs)
        return evaluate

    @contextmanager
    def _threads(self, net):
        """Run the population kernel on ``n_jobs`` threads (the wrapped
        estimator's own ``n_jobs`` when None)."""
        saved = net.n_jobs
        if self.n_jobs is not None:
            net.n_jobs = self.n_jobs
        try:
            yield
        finally:
            net.n_jobs = saved

    def _print_iteration(self, progress, losses, done, n_iter, evaluations, last):
        """A summary line: at verbose=1 at most one a second (and the last), all at 2."""
        finite = losses[np.isfinite(losses)]
        total = n_iter if n_iter > 1 else None  # none for partial_fit
        elapsed = max(progress.elapsed, 1e-9)
        progress.step(self._iteration_name, self.n_iter_ if total is None else done, total,
                      summary=True, last=last, best_loss=self.best_loss_,
                      mean_loss=float(finite.mean()) if finite.size else np.inf,
                      evaluations=self.n_evaluations_,
                      evals_per_s=int(round(evaluations / elapsed)))

    def _record(self, thetas, losses):
        """Keep the best candidate seen."""
        i = int(np.argmin(losses))
        if losses[i] < self.best_loss_:
            self.best_loss_ = float(losses[i])
            self._best_theta = np.array(thetas[i], dtype=np.float64)

    def _search(self, net, seqs, thetas, n_iter):
        """Start (``thetas`` given) or continue the search for ``n_iter`` iterations.

        Returns whether Ctrl-C (KeyboardInterrupt) stopped it; the best
        weights found so far are then kept, as after a normal end.
        """
        evaluate = self._evaluator(net, seqs)
        progress = Progress(self.verbose)
        interrupted = False
        with self._threads(net):
            if thetas is not None:
                self.n_evaluations_ = 0
                self.n_iter_ = 0
                self.loss_curve_ = []
                self.best_loss_ = np.inf
                self._best_theta = thetas[0].copy()
                self._no_improvement = 0
                losses = evaluate(thetas)
                self._record(thetas, losses)
                self.initial_loss_ = self.best_loss_
                self._state = self._start(thetas, losses, self._rng, evaluate)
            try:
                evaluations_before = self.n_evaluations_
                for i in range(n_iter):
                    previous = self.best_loss_
                    thetas, losses = self._iterate(self._state, self._rng, evaluate, self.n_iter_)
                    self._record(thetas, losses)
                    self.n_iter_ += 1
                    self.loss_curve_.append(self.best_loss_)
                    reached = (self.target_loss is not None
                               and self.best_loss_ <= self.target_loss)
                    if not reached:
                        if self.best_loss_ > previous - self.tol:
                            self._no_improvement += 1
                        else:
                            self._no_improvement = 0
                    stalled = (self.n_iter_no_change is not None
                               and self._no_improvement >= self.n_iter_no_change)
                    if self.verbose:
                        self._print_iteration(progress, losses, i + 1, n_iter,
                                              self.n_evaluations_ - evaluations_before,
                                              last=reached or stalled or i + 1 == n_iter)
                    if reached or stalled:
                        break
            except KeyboardInterrupt:
                # _record only ever replaces the best with a finished, better
                # candidate: the best so far is whole whatever was interrupted
                interrupted = True
                warn_interrupted(f"the best weights found are kept (loss {self.best_loss_:.6g} "
                                 f"after {self.n_iter_} iterations).", stacklevel=4)
        if not np.isfinite(self.best_loss_):
            raise ValueError("Every candidate's loss overflowed: scale the inputs, or lower "
                             "init_scale and the search's step sizes.")
        net.set_flat_weights(self._best_theta.astype(net._theta.dtype))
        net.loss_ = self.best_loss_
        self.best_estimator_ = net
        return interrupted

    def _refine(self, X, y, sample_weight=None):
        """The network's own solver, started from the best weights found."""
        net = self.best_estimator_
        warm = net.warm_start
        net.set_params(warm_start=True)
        try:
            # (RNNPBRegressor, which learns no targets, takes no sample_weight)
            net.fit(X, y, **({} if sample_weight is None else {"sample_weight": sample_weight}))
        finally:
            net.set_params(warm_start=warm)
        self.refined_loss_ = float(net.evaluate_loss(X, y, sample_weight=sample_weight))


def _shared_doc(population):
    """The parameters and attributes every search shares, for the docstrings."""
    return f"""estimator : estimator object
        An unfitted skrnn network trained by gradient (ElmanRegressor,
        ElmanClassifier, JordanRegressor, JordanClassifier, LSTMRegressor,
        LSTMClassifier). Its structure (``n_hidden``...), loss and ``alpha``
        define the problem; its solver settings are used only by ``refine``.
    population_size : int
        {population}
    max_iter : int
        Maximum number of iterations (generations).
    target_loss : float, default=None
        Stop as soon as the best loss is at or below this value.
    n_iter_no_change : int, default=None
        Stop after this many iterations without the best loss improving by
        more than ``tol``; None never stops for that.
    tol : float, default=1e-8
        The least improvement that counts, for ``n_iter_no_change``.
    init_scale : float, default=0.1
        Standard deviation of the Gaussian noise added to each draw of the
        network's own weight initialiser in the starting population.
    refine : bool, default=False
        After the search, train the best network found with its own
        (gradient) solver, starting from the weights found.
    random_state : int, RandomState instance or None, default=None
        Seeds the starting population and every random choice of the search.
    verbose : bool, default=False
        Print, after each iteration (generation), the best loss so far, the
        mean loss of the candidates it evaluated, the evaluations made and
        the elapsed time.
    n_jobs : int, default=None
        Threads evaluating the population (None: the wrapped estimator's
        ``n_jobs``). The losses do not depend on it."""


_SHARED_ATTRIBUTES = """best_estimator_ : estimator
        A fitted copy of ``estimator`` holding the best weights found.
    best_loss_ : float
        Training loss of the best weights found (before ``refine``).
    initial_loss_ : float
        Best training loss of the starting population.
    refined_loss_ : float
        Training loss after ``refine`` (only when ``refine=True``).
    loss_curve_ : list of float
        Best loss after each iteration.
    n_iter_ : int
        Iterations run.
    n_evaluations_ : int
        Candidate weight vectors evaluated.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classifiers).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit. Defined only when ``X`` has
        feature names that are all strings (a DataFrame, or a list of
        DataFrames)."""
