"""Simulated annealing over a network's flat weight vector."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral, Real

import numpy as np

from ..utils._compat import Interval, StrOptions
from ._base import _SHARED_ATTRIBUTES, _BaseWeightSearch, _shared_doc

# acceptance rates the step sizes are steered to: 0.44 is the optimal
# acceptance of a one-dimensional Gaussian random walk (Gelman, Roberts &
# Gilks, 1996); 1/5 the success rate of Rechenberg's rule (1973)
_TARGET_RATE = {"acceptance": 0.44, "one_fifth": 0.2}


class SimulatedAnnealingOptimizer(_BaseWeightSearch):
    __doc__ = f"""Simulated annealing of the weights of an skrnn network.

    ``population_size`` independent chains anneal at once (Kirkpatrick,
    Gelatt & Vecchi, 1983), so that each iteration evaluates all their
    proposals in one compiled call. At each iteration every chain proposes
    x' = x + s N(0, I), with its own step size s, and moves there if the loss
    goes down, or else with probability exp(-(L(x') - L(x)) / T). The
    temperature T falls by the cooling schedule; every ``adapt_interval``
    iterations each step size is steered towards a target rate (x 1.2 above
    it, / 1.2 below). With ``n_restarts`` > 0, the iterations are cut into
    ``n_restarts + 1`` cycles; each new cycle reheats to the initial
    temperature, resets the steps and starts every chain from the best
    weights found.

    Parameters
    ----------
    {_shared_doc("Chains annealed in parallel.")}
    initial_temperature : float or 'auto', default='auto'
        T at the start of each cycle. 'auto': such that an uphill move of
        the mean size seen in a first round of proposals is accepted with
        probability 0.8.
    cooling : {{'exponential', 'linear', 'logarithmic'}}, default='exponential'
        T_k = T_0 r^k; T_0 (1 - k / K) over the K iterations of a cycle;
        or T_0 log 2 / log(k + 2), k counted from the start of the cycle.
    cooling_rate : float, default=0.95
        r of the exponential schedule.
    step_size : float, default=0.1
        Initial standard deviation of the proposals.
    step_adaptation : {{'acceptance', 'one_fifth', 'none'}}, default='acceptance'
        Steer each chain's step to 44 % accepted moves, or to 1/5 of the
        proposals improving the loss (Rechenberg's rule), or keep it fixed.
    adapt_interval : int, default=10
        Iterations between step adaptations.
    n_restarts : int, default=0
        Reheats (see above).

    Attributes
    ----------
    {_SHARED_ATTRIBUTES}
    temperature_ : float
        The current temperature.
    step_sizes_ : ndarray of shape (population_size,)
        The current step size of each chain.

    See Also
    --------
    GeneticOptimizer, ParticleSwarmOptimizer

    References
    ----------
    Kirkpatrick, S., Gelatt, C. D. and Vecchi, M. P. (1983). Optimization by
    simulated annealing. Science 220(4598), 671-680.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn import ElmanRegressor, SimulatedAnnealingOptimizer
    >>> t = np.linspace(0, 6 * np.pi, 120)
    >>> X, y = np.sin(t)[:, None], np.sin(t + 0.3)
    >>> search = SimulatedAnnealingOptimizer(ElmanRegressor(n_hidden=4), max_iter=60,
    ...                                      random_state=0).fit(X, y)
    >>> bool(search.best_loss_ < search.initial_loss_)
    True
    """

    _parameter_constraints: dict = {
        **_BaseWeightSearch._parameter_constraints,
        "initial_temperature": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "cooling": [StrOptions({"exponential", "linear", "logarithmic"})],
        "cooling_rate": [Interval(Real, 0, 1, closed="neither")],
        "step_size": [Interval(Real, 0, None, closed="neither")],
        "step_adaptation": [StrOptions({"acceptance", "one_fifth", "none"})],
        "adapt_interval": [Interval(Integral, 1, None, closed="left")],
        "n_restarts": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, estimator, *, population_size=8, max_iter=200, target_loss=None,
                 n_iter_no_change=None, tol=1e-8, init_scale=0.1, refine=False,
                 random_state=None, verbose=False, n_jobs=None, initial_temperature="auto",
                 cooling="exponential", cooling_rate=0.95, step_size=0.1,
                 step_adaptation="acceptance", adapt_interval=10, n_restarts=0):
        super().__init__(estimator, population_size=population_size, max_iter=max_iter,
                         target_loss=target_loss, n_iter_no_change=n_iter_no_change, tol=tol,
                         init_scale=init_scale, refine=refine, random_state=random_state,
                         verbose=verbose, n_jobs=n_jobs)
        self.initial_temperature = initial_temperature
        self.cooling = cooling
        self.cooling_rate = cooling_rate
        self.step_size = step_size
        self.step_adaptation = step_adaptation
        self.adapt_interval = adapt_interval
        self.n_restarts = n_restarts

    @property
    def temperature_(self):
        return self._state["T"]

    @property
    def step_sizes_(self):
        return self._state["step"]

    def _start(self, thetas, losses, rng, evaluate):
        n = thetas.shape[0]
        state = {"x": thetas.copy(), "loss": losses.copy(),
                 "step": np.full(n, self.step_size), "accepted": np.zeros(n),
                 "improved": np.zeros(n), "k": 0}
        if self.initial_temperature == "auto":
            # one round of proposals measures the size of an uphill move
            proposals = thetas + self.step_size * rng.standard_normal(thetas.shape)
            delta = evaluate(proposals) - losses
            uphill = delta[np.isfinite(delta) & (delta > 0)]
            mean = float(uphill.mean()) if uphill.size else float(np.mean(np.abs(losses)))
            state["T0"] = max(mean, 1e-12) / -math.log(0.8)
        else:
            state["T0"] = float(self.initial_temperature)
        state["T"] = state["T0"]
        return state

    def _reevaluate(self, state, evaluate):
        state["loss"] = evaluate(state["x"])
        return state["x"], state["loss"]

    def _cycle_length(self):
        return max(1, math.ceil(self.max_iter / (self.n_restarts + 1)))

    def _temperature(self, T0, k):
        if self.cooling == "exponential":
            return T0 * self.cooling_rate ** k
        if self.cooling == "linear":
            return T0 * max(1 - k / self._cycle_length(), 1e-3)
        return T0 * math.log(2) / math.log(k + 2)

    def _iterate(self, state, rng, evaluate, iteration):
        x, loss, step = state["x"], state["loss"], state["step"]
        cycle = self._cycle_length()
        if iteration > 0 and iteration % cycle == 0 and self.n_restarts > 0:
            # reheat: every chain starts again from the best weights found
            x[...] = self._best_theta
            loss[...] = self.best_loss_
            step[...] = self.step_size
            state["k"] = 0
        T = state["T"] = self._temperature(state["T0"], state["k"])
        proposals = x + step[:, None] * rng.standard_normal(x.shape)
        new = evaluate(proposals)
        delta = new - loss
        with np.errstate(over="ignore", invalid="ignore"):
            accept = (delta <= 0) | (rng.random_sample(delta.shape) < np.exp(-delta / T))
        accept &= np.isfinite(new)
        x[accept] = proposals[accept]
        loss[accept] = new[accept]
        state["accepted"] += accept
        state["improved"] += delta < 0
        state["k"] += 1
        if self.step_adaptation != "none" and state["k"] % self.adapt_interval == 0:
            counts = state["accepted" if self.step_adaptation == "acceptance" else "improved"]
            rate = counts / self.adapt_interval
            step *= np.where(rate > _TARGET_RATE[self.step_adaptation], 1.2, 1 / 1.2)
            state["accepted"][:] = 0
            state["improved"][:] = 0
        return proposals, new
