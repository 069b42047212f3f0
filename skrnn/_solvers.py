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

    def trigger_stopping(self, msg, verbose):
        """Whether to stop when no longer improving (adaptive lowers the rate)."""
        if self.schedule != "adaptive" or self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + f" Setting learning rate to {self.learning_rate:f}")
        return False


class AdamOptimizer:
    """Adam (Kingma & Ba, 2015) with bias-corrected moment estimates."""

    def __init__(self, n_params, learning_rate_init, beta_1, beta_2, epsilon, dtype):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate_init
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)

    def update(self, theta, grad):
        self.t += 1
        self.m *= self.beta_1
        self.m += (1 - self.beta_1) * grad
        self.v *= self.beta_2
        self.v += (1 - self.beta_2) * grad * grad
        self.learning_rate = (self.learning_rate_init * np.sqrt(1 - self.beta_2**self.t)
                              / (1 - self.beta_1**self.t))
        theta -= self.learning_rate * self.m / (np.sqrt(self.v) + self.epsilon)

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, msg, verbose):
        if verbose:
            print(msg + " Stopping.")
        return True
