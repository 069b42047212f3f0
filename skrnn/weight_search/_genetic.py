"""Real-coded genetic algorithm over a network's flat weight vector."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np

from ..utils._compat import Interval, StrOptions
from ._base import _SHARED_ATTRIBUTES, _BaseWeightSearch, _shared_doc


class GeneticOptimizer(_BaseWeightSearch):
    __doc__ = f"""Genetic algorithm searching the weights of an skrnn network.

    A real-coded genetic algorithm (Montana & Davis, 1989, evolved the weights
    of neural networks this way): the genome is the network's flat weight
    vector, the fitness its training loss. Each generation keeps the
    ``n_elites`` best unchanged, and breeds the rest of the new population
    from parents chosen by tournament or by rank: their genes are crossed
    (uniform, one-point or blend) and each gene is mutated with probability
    ``mutation_rate`` by Gaussian noise of scale ``mutation_scale``. The
    whole new generation is evaluated in one compiled call.

    Parameters
    ----------
    {_shared_doc("Individuals per generation.")}
    selection : {{'tournament', 'rank'}}, default='tournament'
        How parents are chosen: the best of ``tournament_size`` individuals
        drawn at random, or with probability decreasing linearly with the
        rank (the best twice the mean, the worst never).
    tournament_size : int, default=3
        Individuals per tournament.
    crossover : {{'uniform', 'one_point', 'blend'}}, default='uniform'
        Uniform: each gene from either parent. One-point: the genes before a
        random cut from one parent, the rest from the other. Blend (BLX-a,
        Eshelman & Schaffer 1993): each gene drawn uniformly from the
        interval between the parents' genes widened by ``blend_alpha`` times
        its length on both sides.
    crossover_rate : float, default=0.9
        Probability that a pair of parents is crossed (otherwise the children
        are copies of the parents).
    blend_alpha : float, default=0.5
        Widening of the blend crossover.
    mutation_rate : float, default=0.1
        Probability that each gene of a child is mutated.
    mutation_scale : float, default=0.1
        Standard deviation of the Gaussian mutation.
    n_elites : int, default=2
        The best individuals copied unchanged into the next generation.

    Attributes
    ----------
    {_SHARED_ATTRIBUTES}
    population_ : ndarray of shape (population_size, n_weights)
        The current generation.
    population_losses_ : ndarray of shape (population_size,)
        Its losses.

    See Also
    --------
    ParticleSwarmOptimizer, SimulatedAnnealingOptimizer

    References
    ----------
    Montana, D. J. and Davis, L. (1989). Training feedforward neural networks
    using genetic algorithms. IJCAI, 762-767.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import ElmanRegressor, GeneticOptimizer
    >>> t = np.linspace(0, 6 * np.pi, 120)
    >>> X, y = np.sin(t)[:, None], np.sin(t + 0.3)
    >>> search = GeneticOptimizer(ElmanRegressor(n_hidden=4), population_size=30,
    ...                           max_iter=40, random_state=0).fit(X, y)
    >>> bool(search.best_loss_ < search.initial_loss_)
    True
    >>> search.predict(X).shape
    (120,)
    """

    _parameter_constraints: dict = {
        **_BaseWeightSearch._parameter_constraints,
        "selection": [StrOptions({"tournament", "rank"})],
        "tournament_size": [Interval(Integral, 1, None, closed="left")],
        "crossover": [StrOptions({"uniform", "one_point", "blend"})],
        "crossover_rate": [Interval(Real, 0, 1, closed="both")],
        "blend_alpha": [Interval(Real, 0, None, closed="left")],
        "mutation_rate": [Interval(Real, 0, 1, closed="both")],
        "mutation_scale": [Interval(Real, 0, None, closed="left")],
        "n_elites": [Interval(Integral, 0, None, closed="left")],
    }

    _min_population = 2
    _iteration_name = "Generation"

    def __init__(self, estimator, *, population_size=50, max_iter=100, target_loss=None,
                 n_iter_no_change=None, tol=1e-8, init_scale=0.1, refine=False,
                 random_state=None, verbose=False, n_jobs=None, selection="tournament",
                 tournament_size=3, crossover="uniform", crossover_rate=0.9,
                 blend_alpha=0.5, mutation_rate=0.1, mutation_scale=0.1, n_elites=2):
        super().__init__(estimator, population_size=population_size, max_iter=max_iter,
                         target_loss=target_loss, n_iter_no_change=n_iter_no_change, tol=tol,
                         init_scale=init_scale, refine=refine, random_state=random_state,
                         verbose=verbose, n_jobs=n_jobs)
        self.selection = selection
        self.tournament_size = tournament_size
        self.crossover = crossover
        self.crossover_rate = crossover_rate
        self.blend_alpha = blend_alpha
        self.mutation_rate = mutation_rate
        self.mutation_scale = mutation_scale
        self.n_elites = n_elites

    def _check_settings(self):
        super()._check_settings()
        if self.n_elites >= self.population_size:
            raise ValueError(f"n_elites={self.n_elites} leaves no room for children in a "
                             f"population of {self.population_size}; use "
                             "n_elites < population_size.")
        if self.tournament_size > self.population_size:
            raise ValueError(f"tournament_size={self.tournament_size} exceeds "
                             f"population_size={self.population_size}.")

    @property
    def population_(self):
        return self._state["population"]

    @property
    def population_losses_(self):
        return self._state["losses"]

    def _start(self, thetas, losses, rng, evaluate):
        return {"population": thetas, "losses": losses}

    def _reevaluate(self, state, evaluate):
        state["losses"] = evaluate(state["population"])
        return state["population"], state["losses"]

    def _parents(self, losses, n, rng):
        """Indices of ``n`` parents."""
        size = losses.shape[0]
        if self.selection == "tournament":
            entrants = rng.randint(size, size=(n, self.tournament_size))
            return entrants[np.arange(n), np.argmin(losses[entrants], axis=1)]
        # linear ranking: weight 2 (size - 1 - rank) / (size - 1), rank 0 the best
        rank = np.empty(size, dtype=np.intp)
        rank[np.argsort(losses, kind="stable")] = np.arange(size)
        weights = (size - 1 - rank).astype(np.float64)
        if weights.sum() == 0:
            weights[:] = 1
        return rng.choice(size, size=n, p=weights / weights.sum())

    def _cross(self, A, B, rng):
        """Children of the parent rows A[i], B[i] (two per pair)."""
        n_pairs, n_genes = A.shape
        crossed = rng.random_sample(n_pairs) < self.crossover_rate
        C1, C2 = A.copy(), B.copy()
        if self.crossover == "uniform":
            swap = (rng.random_sample((n_pairs, n_genes)) < 0.5) & crossed[:, None]
        elif self.crossover == "one_point":
            cut = rng.randint(1, max(n_genes, 2), size=n_pairs)
            swap = (np.arange(n_genes)[None, :] >= cut[:, None]) & crossed[:, None]
        else:
            a = self.blend_alpha
            U1 = rng.uniform(-a, 1 + a, size=(n_pairs, n_genes))
            U2 = rng.uniform(-a, 1 + a, size=(n_pairs, n_genes))
            D = B - A
            C1[crossed] = (A + U1 * D)[crossed]
            C2[crossed] = (A + U2 * D)[crossed]
            return C1, C2
        C1[swap], C2[swap] = B[swap], A[swap]
        return C1, C2

    def _iterate(self, state, rng, evaluate, iteration):
        population, losses = state["population"], state["losses"]
        size = population.shape[0]
        n_children = size - self.n_elites
        n_pairs = (n_children + 1) // 2
        parents = self._parents(losses, 2 * n_pairs, rng)
        C1, C2 = self._cross(population[parents[:n_pairs]], population[parents[n_pairs:]], rng)
        children = np.vstack([C1, C2])[:n_children]
        mutate = rng.random_sample(children.shape) < self.mutation_rate
        children[mutate] += self.mutation_scale * rng.standard_normal(int(mutate.sum()))
        child_losses = evaluate(children)
        elites = np.argsort(losses, kind="stable")[:self.n_elites]
        state["population"] = np.vstack([population[elites], children])
        state["losses"] = np.concatenate([losses[elites], child_losses])
        return children, child_losses
