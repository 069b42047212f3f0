"""Particle swarm optimisation over a network's flat weight vector."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np

from ..utils._compat import Interval, StrOptions
from ._base import _SHARED_ATTRIBUTES, _BaseWeightSearch, _shared_doc


class ParticleSwarmOptimizer(_BaseWeightSearch):
    __doc__ = f"""Particle swarm optimisation of the weights of an skrnn network.

    Each particle is a flat weight vector x with a velocity v; it remembers
    the best position it has visited (p) and sees the best position of its
    neighbourhood (g: the whole swarm, or its two neighbours on a ring).
    Every iteration (Kennedy & Eberhart, 1995, with the inertia weight of
    Shi & Eberhart, 1998)::

        v <- w v + c1 r1 (p - x) + c2 r2 (g - x),    x <- x + v

    with r1, r2 uniform on [0, 1] for every component. The defaults are
    Clerc & Kennedy's (2002) constriction values, which make the swarm
    converge without velocity clamping. The whole swarm is evaluated in one
    compiled call.

    Parameters
    ----------
    {_shared_doc("Particles in the swarm.")}
    inertia : float, default=0.7298
        w, the share of its velocity a particle keeps.
    cognitive : float, default=1.49618
        c1, the pull towards the particle's own best position.
    social : float, default=1.49618
        c2, the pull towards the neighbourhood's best position.
    velocity_clamp : float, default=None
        Largest absolute value of a velocity component; None for no limit.
    topology : {{'global', 'ring'}}, default='global'
        Whose best position a particle follows: the swarm's (fast, may
        converge early) or the best of itself and its two neighbours on a
        ring (slower, explores more).

    Attributes
    ----------
    {_SHARED_ATTRIBUTES}
    positions_ : ndarray of shape (population_size, n_weights)
        Where the particles are.
    velocities_ : ndarray of shape (population_size, n_weights)

    See Also
    --------
    GeneticOptimizer, SimulatedAnnealingOptimizer

    References
    ----------
    Kennedy, J. and Eberhart, R. (1995). Particle swarm optimization. Proc.
    ICNN, 1942-1948.

    Clerc, M. and Kennedy, J. (2002). The particle swarm: explosion,
    stability, and convergence in a multidimensional complex space. IEEE
    Trans. Evolutionary Computation 6(1), 58-73.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import ElmanRegressor, ParticleSwarmOptimizer
    >>> t = np.linspace(0, 6 * np.pi, 120)
    >>> X, y = np.sin(t)[:, None], np.sin(t + 0.3)
    >>> search = ParticleSwarmOptimizer(ElmanRegressor(n_hidden=4), population_size=20,
    ...                                 max_iter=40, random_state=0).fit(X, y)
    >>> bool(search.best_loss_ < search.initial_loss_)
    True
    """

    _parameter_constraints: dict = {
        **_BaseWeightSearch._parameter_constraints,
        "inertia": [Interval(Real, 0, None, closed="left")],
        "cognitive": [Interval(Real, 0, None, closed="left")],
        "social": [Interval(Real, 0, None, closed="left")],
        "velocity_clamp": [None, Interval(Real, 0, None, closed="neither")],
        "topology": [StrOptions({"global", "ring"})],
    }

    def __init__(self, estimator, *, population_size=30, max_iter=100, target_loss=None,
                 n_iter_no_change=None, tol=1e-8, init_scale=0.1, refine=False,
                 random_state=None, verbose=False, n_jobs=None, inertia=0.7298,
                 cognitive=1.49618, social=1.49618, velocity_clamp=None, topology="global"):
        super().__init__(estimator, population_size=population_size, max_iter=max_iter,
                         target_loss=target_loss, n_iter_no_change=n_iter_no_change, tol=tol,
                         init_scale=init_scale, refine=refine, random_state=random_state,
                         verbose=verbose, n_jobs=n_jobs)
        self.inertia = inertia
        self.cognitive = cognitive
        self.social = social
        self.velocity_clamp = velocity_clamp
        self.topology = topology

    @property
    def positions_(self):
        return self._state["x"]

    @property
    def velocities_(self):
        return self._state["v"]

    def _start(self, thetas, losses, rng, evaluate):
        # first velocities: half the way to another particle, so their scale
        # is that of the spread of the initial swarm
        v = 0.5 * (thetas[rng.permutation(thetas.shape[0])] - thetas)
        self._clamp(v)
        return {"x": thetas.copy(), "v": v, "p": thetas.copy(), "p_loss": losses.copy()}

    def _clamp(self, v):
        if self.velocity_clamp is not None:
            np.clip(v, -self.velocity_clamp, self.velocity_clamp, out=v)

    def _guides(self, state):
        """The best position each particle follows."""
        p, p_loss = state["p"], state["p_loss"]
        if self.topology == "global" or p.shape[0] < 3:
            return p[np.argmin(p_loss)][None, :]
        n = p.shape[0]
        neighbours = (np.arange(n)[:, None] + np.array([-1, 0, 1])[None, :]) % n
        best = neighbours[np.arange(n), np.argmin(p_loss[neighbours], axis=1)]
        return p[best]

    def _reevaluate(self, state, evaluate):
        state["p_loss"] = evaluate(state["p"])
        return state["p"], state["p_loss"]

    def _iterate(self, state, rng, evaluate, iteration):
        x, v, p = state["x"], state["v"], state["p"]
        g = self._guides(state)
        r1 = rng.random_sample(x.shape)
        r2 = rng.random_sample(x.shape)
        v *= self.inertia
        v += self.cognitive * r1 * (p - x) + self.social * r2 * (g - x)
        self._clamp(v)
        x += v
        losses = evaluate(x)
        better = losses < state["p_loss"]
        p[better] = x[better]
        state["p_loss"][better] = losses[better]
        return x, losses
