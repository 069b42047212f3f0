"""Stochastic solvers updating one flat weight vector in place."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np


class SGDOptimizer:
    """Stochastic gradient descent with momentum or Nesterov's momentum.

    Parameters
    ----------
    n_params : int
    learning_rate_init : float
    learning_rate : {'constant', 'invscaling', 'adaptive'}
        As in :class:`~sklearn.neural_network.MLPRegressor`: 'invscaling'
        divides by ``t ** power_t`` (t counts samples seen); 'adaptive'
        divides by 5 whenever training stops improving.
    momentum : float
    nesterov : bool
    power_t : float
    dtype : dtype
    """

    def __init__(self, n_params, learning_rate_init, learning_rate, momentum,
                 nesterov, power_t, dtype):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate_init
        self.schedule = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros(n_params, dtype=dtype)

    def update(self, theta, grad):
        v = self.velocity
        v *= self.momentum
        v -= self.learning_rate * grad
        if self.nesterov:
            theta += self.momentum * v - self.learning_rate * grad
        else:
            theta += v

    def iteration_ends(self, time_step):
        if self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (time_step + 1) ** self.power_t

    @property
    def base_learning_rate(self):
        """The rate the schedule sets."""
        return self.learning_rate

    def trigger_stopping(self, msg, verbose):
        """Whether to stop when no longer improving ('adaptive': lower the rate first)."""
        return _reduce_on_plateau(self, "learning_rate", msg, verbose)


def _reduce_on_plateau(optimizer, attribute, msg, verbose):
    """The 'adaptive' schedule: divide the rate by 5 on a plateau; stop below 1e-6."""
    rate = getattr(optimizer, attribute)
    if optimizer.schedule != "adaptive" or rate <= 1e-6:
        if verbose:
            print(msg + " Stopping.")
        return True
    setattr(optimizer, attribute, rate / 5.0)
    if verbose:
        print(msg + f" Setting learning rate to {rate / 5.0:f}")
    return False


class AdamOptimizer:
    """Adam (Kingma & Ba, 2015) with bias-corrected moment estimates.

    ``schedule='adaptive'`` divides the base rate by 5 whenever training
    stops improving (reduce on plateau), as 'sgd' does; other schedules keep
    it constant.
    """

    def __init__(self, n_params, learning_rate_init, beta_1, beta_2, epsilon, dtype,
                 schedule="constant"):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate_init
        self.schedule = schedule
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)

    def __getstate__(self):
        # the scratch is not state: pickles and copies go without it
        state = self.__dict__.copy()
        state.pop("_scratch", None)
        return state

    def update(self, theta, grad):
        # scratch for the update: with a few thousand weights, its
        # temporaries cost as much as its arithmetic (a fit updates once
        # per mini-batch); the operations and their order are unchanged
        if "_scratch" not in self.__dict__:
            self._scratch = (np.empty_like(self.m), np.empty_like(self.m))
        step, denom = self._scratch
        self.t += 1
        self.m *= self.beta_1
        self.m += np.multiply(grad, 1 - self.beta_1, out=step)
        self.v *= self.beta_2
        np.multiply(grad, 1 - self.beta_2, out=step)
        step *= grad
        self.v += step
        self.learning_rate = (self.learning_rate_init * np.sqrt(1 - self.beta_2**self.t)
                              / (1 - self.beta_1**self.t))
        np.sqrt(self.v, out=denom)
        denom += self.epsilon
        np.multiply(self.m, self.learning_rate, out=step)
        step /= denom
        theta -= step

    @property
    def base_learning_rate(self):
        """The rate the schedule sets (before Adam's bias correction)."""
        return self.learning_rate_init

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, msg, verbose):
        """Whether to stop when no longer improving ('adaptive': lower the rate first)."""
        return _reduce_on_plateau(self, "learning_rate_init", msg, verbose)
