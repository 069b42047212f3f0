"""
======================================================================
Genetic algorithm, particle swarm and simulated annealing side by side
======================================================================

The three gradient-free searches train the same small Elman network (4
hidden units, 29 weights) on the same delayed-recall series, with the same
budget of about 6,000 loss evaluations, and their ``loss_curve_`` (the best
training loss after each iteration) is drawn against the number of networks
evaluated so far. Adam, which follows the gradient, is the reference.

Each search evaluates its whole population in one compiled call, so a budget
of thousands of networks takes a fraction of a second.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# The task and the network
# ------------------------
# ``y[t] = x[t - 2]`` on a series of 600 steps; the first 500 train.
import matplotlib.pyplot as plt
import numpy as np

from skrnn import (
    ElmanRegressor,
    GeneticOptimizer,
    ParticleSwarmOptimizer,
    SimulatedAnnealingOptimizer,
)
from skrnn.datasets import make_delayed_recall

X, y = make_delayed_recall(600, delay=2, random_state=0)
X_train, y_train, X_test, y_test = X[:500], y[:500], X[500:], y[500:]
network = ElmanRegressor(n_hidden=4)

# %%
# Three searches, one budget
# --------------------------
# ``population_size`` times ``max_iter`` is the budget; the genetic algorithm
# does not re-evaluate its elites, so it spends slightly less. Every search
# starts from the network's own weight initialiser plus noise.
budget = 6000
searches = {
    "genetic algorithm": GeneticOptimizer(
        network, population_size=40, max_iter=budget // 40, random_state=0),
    "particle swarm": ParticleSwarmOptimizer(
        network, population_size=30, max_iter=budget // 30, random_state=0),
    "simulated annealing": SimulatedAnnealingOptimizer(
        network, population_size=8, max_iter=budget // 8, random_state=0),
}
for name, search in searches.items():
    search.fit(X_train, y_train)
    print(f"{name:>20}: best training loss {search.best_loss_:.4f} after "
          f"{search.n_evaluations_} evaluations, test R^2 {search.score(X_test, y_test):.3f}")

adam = ElmanRegressor(n_hidden=4, random_state=0).fit(X_train, y_train)
print(f"{'Adam':>20}: training loss {adam.loss_curve_[-1]:.4f} after {adam.n_iter_} epochs, "
      f"test R^2 {adam.score(X_test, y_test):.3f}")

# %%
# The loss curves
# ---------------
# The x axis spreads each search's evaluations evenly over its iterations.
fig, ax = plt.subplots(figsize=(7, 4))
for name, search in searches.items():
    curve = search.loss_curve_
    evaluations = np.linspace(search.n_evaluations_ / len(curve), search.n_evaluations_,
                              len(curve))
    ax.plot(evaluations, curve, label=name)
ax.axhline(adam.loss_curve_[-1], color="k", ls="--", lw=1,
           label=f"Adam, {adam.n_iter_} epochs (gradient)")
ax.set_yscale("log")
ax.set_xlabel("networks evaluated")
ax.set_ylabel("best training loss")
ax.set_title(f"Elman network ({adam.get_flat_weights().size} weights), delayed recall")
ax.legend()
fig.tight_layout()
plt.show()
