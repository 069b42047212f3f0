"""The reservoir-computing benchmark series: Mackey-Glass and NARMA."""

# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state, check_scalar

__all__ = ["make_mackey_glass", "make_narma"]


def make_mackey_glass(n_timesteps=10000, *, tau=17, delta=0.1, subsample=10, a=0.2, b=0.1,
                      power=10, x0=1.2, n_discard=1000, random_state=None):
    """Generate the Mackey-Glass chaotic time series (Jaeger's protocol).

    Parameters
    ----------
    n_timesteps : int, default=10000
        Number of samples returned.
    tau : float, default=17
        Delay of the equation, in time units; 17 gives the classic mildly
        chaotic attractor, 30 a harder one.
    delta : float, default=0.1
        Euler integration step, in time units.
    subsample : int, default=10
        Keep one integration step in ``subsample``: with the defaults,
        one sample per time unit.
    a, b : float, default=0.2, 0.1
        Coefficients of the equation.
    power : float, default=10
        Exponent of the equation.
    x0 : float, default=1.2
        Initial value of the history.
    n_discard : int, default=1000
        Samples dropped at the start, while the trajectory settles on the
        attractor.
    random_state : int, RandomState instance or None, default=None
        The history before t=0 is ``x0`` plus uniform noise of amplitude 0.1
        drawn from it, so that different seeds give different stretches of
        the attractor.

    Returns
    -------
    s : ndarray of shape (n_timesteps,)
        The series.

    Notes
    -----
    The delay differential equation

    .. math:: \\frac{dx}{dt} = a \\frac{x(t - \\tau)}{1 + x(t - \\tau)^{p}} - b x(t)

    is integrated by Euler's method with step ``delta`` and subsampled,
    the protocol of Jaeger (2001), "The echo state approach to analysing
    and training recurrent neural networks", GMD Report 148, and of Jaeger
    and Haas (2004), Science 304:78-80. Those works also squash the series
    as ``tanh(s - 1)`` before feeding it to a reservoir.

    Examples
    --------
    >>> from skrnn.datasets import make_mackey_glass
    >>> s = make_mackey_glass(500, random_state=0)
    >>> s.shape, bool(0.2 < s.min() < s.max() < 1.5)
    ((500,), True)
    """
    _check_int(n_timesteps, "n_timesteps", 1)
    check_scalar(tau, "tau", Real, min_val=0, include_boundaries="neither")
    check_scalar(delta, "delta", Real, min_val=0, include_boundaries="neither")
    _check_int(subsample, "subsample", 1)
    _check_int(n_discard, "n_discard", 0)
    rng = check_random_state(random_state)
    lag = max(1, round(tau / delta))
    n_steps = (n_timesteps + n_discard) * subsample
    x = np.empty(lag + n_steps + 1)
    x[:lag + 1] = x0 + 0.1 * rng.uniform(-1, 1, lag + 1)
    # a plain loop over Python floats: the recursion is sequential, and this
    # is much faster than indexing NumPy scalars one at a time
    hist = x[:lag + 1].tolist()
    for i in range(lag, lag + n_steps):
        xl = hist[i - lag]
        xi = hist[i]
        hist.append(xi + delta * (a * xl / (1.0 + xl ** power) - b * xi))
    x = np.asarray(hist[lag + 1:])
    return np.ascontiguousarray(x[subsample - 1::subsample][n_discard:])


def make_narma(n_timesteps=2000, *, order=10, random_state=None):
    """Generate the NARMA (nonlinear autoregressive moving average) task.

    Parameters
    ----------
    n_timesteps : int, default=2000
        Number of steps.
    order : int, default=10
        Order n of the system; 10 is the classic NARMA10.
    random_state : int, RandomState instance or None, default=None
        Seed of the input sequence.

    Returns
    -------
    X : ndarray of shape (n_timesteps, 1)
        Inputs u(t), i.i.d. uniform on [0, 0.5].
    y : ndarray of shape (n_timesteps,)
        Targets ``y[t] = s(t + 1)``, which depends on the inputs up to step
        t only.

    Notes
    -----
    .. math::

        s(t+1) = 0.3 s(t) + 0.05 s(t) \\sum_{i=0}^{n-1} s(t-i)
                 + 1.5 u(t-n+1) u(t) + 0.1

    with s(t) = 0 and u(t) = 0 before the start (Atiya and Parlos, 2000,
    IEEE Trans. Neural Networks 11(3):697-709). The first n steps have no
    full history: leave them out of training (``n_washout``). The
    coefficients are those of NARMA10 whatever the order (reservoirpy's
    ``narma`` uses other ones); for orders above 10 the series may diverge.

    Examples
    --------
    >>> from skrnn.datasets import make_narma
    >>> X, y = make_narma(100, random_state=0)
    >>> X.shape, y.shape, bool(0 <= X.min() and X.max() <= 0.5)
    ((100, 1), (100,), True)
    """
    _check_int(n_timesteps, "n_timesteps", 1)
    _check_int(order, "order", 1)
    rng = check_random_state(random_state)
    u = rng.uniform(0.0, 0.5, n_timesteps)
    s = np.zeros(n_timesteps + 1)
    uu = [0.0] * order + u.tolist()  # zero-padded so u(t - n + 1) exists
    ss = [0.0] * (order - 1) + [0.0]
    window = 0.0  # running sum of the last `order` values of s
    for t in range(n_timesteps):
        st = ss[-1]
        nxt = 0.3 * st + 0.05 * st * window + 1.5 * uu[t + 1] * uu[t + order] + 0.1
        ss.append(nxt)
        window += nxt - ss[-1 - order]
        s[t + 1] = nxt
    if not np.all(np.isfinite(s)):
        raise ValueError(f"The NARMA{order} series diverged for this seed; use order <= 10.")
    return u.reshape(-1, 1), s[1:].copy()


def _check_int(value, name, min_val):
    return check_scalar(value, name, Integral, min_val=min_val)
