"""Derive the coefficients of the float32 LSTM cell's rational tanh.

``skrnn/_kernels/_lstm_cell.h`` computes tanh(x) = x P(x^2) / Q(x^2) for
|x| <= 9.02 (past it tanh rounds to +-1 in float32), with P and Q of degree
4 and P(0) = Q(0) = 1. This script finds P and Q by Lawson's iteration on a
linearised least-squares problem: at each step it solves for the P, Q that
minimise sum_i w_i (P(s_i) - f_i Q(s_i))^2 / (f_i Q_prev(s_i))^2, with
f = tanh(x) / x and s = x^2 (the linearisation of the relative error of
P / Q against f), then reweights the points by their error, which drives
the fit towards the minimax one. It prints the largest relative error of
the fit in float64, the error in ulp of a float32 evaluation (Horner with
fused multiply-adds, emulated in float64), and the C definitions.

Run::

    python benchmarks/derive_tanh_rational.py
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

X_MAX = 9.02
DEGREE = 4


def fit(degree=DEGREE, x_max=X_MAX, n_iter=200):
    """(max relative error, P, Q) in powers of s = x^2, lowest first."""
    # points dense near both ends (Chebyshev) and evenly in between
    x = x_max * (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, 6000)))
    x = np.unique(np.concatenate([x, np.linspace(0, x_max, 6000)]))[1:]
    f = np.tanh(x) / x
    scale = x_max ** 2  # fit in t = s / x_max^2 on [0, 1], for conditioning
    V = np.vander(x * x / scale, degree + 1, increasing=True)
    weights, q_prev, best = np.full(x.size, 1.0 / x.size), np.ones_like(x), None
    for _ in range(n_iter):
        # unknowns p_1..p_d and q_1..q_d; p_0 = q_0 = 1
        A = np.hstack([V[:, 1:], -f[:, None] * V[:, 1:]])
        b = f - 1.0
        row = np.sqrt(weights) / (f * np.abs(q_prev))
        sol = np.linalg.lstsq(A * row[:, None], b * row, rcond=None)[0]
        p = np.concatenate([[1.0], sol[:degree]])
        q = np.concatenate([[1.0], sol[degree:]])
        q_prev = V @ q
        error = np.abs((V @ p) / q_prev / f - 1.0)
        if best is None or error.max() < best[0]:
            best = (error.max(), p, q)
        weights = weights * error
        weights = 0.5 * weights / weights.sum() + 0.5 / x.size
    error, p, q = best
    powers = scale ** -np.arange(degree + 1)
    return error, p * powers, q * powers


def float32_ulp_error(p, q, x_max=X_MAX):
    """Largest error in ulp of the float32 evaluation, over a dense grid."""
    f32 = np.float32

    def fma(a, b, c):  # a float32 FMA: one rounding (products of floats are exact in double)
        return (np.float64(a) * np.float64(b) + np.float64(c)).astype(f32)

    x = np.concatenate([np.linspace(0, 12, 2_000_001), np.logspace(-30, 1, 200_001)]).astype(f32)
    y = np.minimum(f32(x_max), x)
    s = (y * y).astype(f32)
    p32, q32 = p.astype(f32), q.astype(f32)
    P, Q = np.full_like(s, p32[-1]), np.full_like(s, q32[-1])
    for i in range(len(p) - 2, -1, -1):
        P, Q = fma(P, s, p32[i]), fma(Q, s, q32[i])
    t = ((y * P).astype(f32) / Q).astype(f32)
    exact = np.tanh(x.astype(np.float64))
    ulp = np.spacing(exact.astype(f32)).astype(np.float64)
    return float(np.max(np.abs(t - exact) / ulp))


def main():
    error, p, q = fit()
    print(f"relative error of the fit (float64): {error:.2e}")
    print(f"float32 evaluation: within {float32_ulp_error(p, q):.2f} ulp")
    for name, coefs in (("P", p), ("Q", q)):
        for i, c in enumerate(coefs[1:], start=1):
            print(f"#define SKRNN_TANH_{name}{i} {np.float32(c)!r}f".replace("np.float32(", "")
                  .replace(")f", "f"))


if __name__ == "__main__":
    main()
