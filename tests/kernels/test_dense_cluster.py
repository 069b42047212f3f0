"""The dense-cluster kernel against references: the steady-state equation, NumPy."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from scipy.optimize import brentq

from skrnn._kernels import _dense_cluster
from skrnn.rnn_elm import cluster_activation, cluster_activation_derivative
from skrnn.rnn_elm._cluster import check_cluster_params, cluster_layer

DEFAULTS = {"n_cells": 20, "trigger_probability": 0.05, "firing_rate": 0.001,
            "lambda_plus": 0.005, "lambda_minus": 0.005}
# (n, p, r, lambda_plus, lambda_minus): the paper's Fig. 2 settings, the
# edges of the validity region (n = 2, p = 0 where a = 0, p = 1), and
# lambda_minus > lambda_plus
PARAMS = [
    (20, 0.05, 0.001, 0.005, 0.005),
    (20, 0.05, 10.0, 0.5, 0.5),
    (2, 0.5, 1.0, 0.1, 0.3),
    (20, 0.0, 0.001, 0.005, 0.005),
    (50, 1.0, 0.01, 0.002, 0.002),
    (5, 0.3, 0.2, 0.01, 1.0),
]
XS = np.concatenate([[0.0], np.logspace(-8, 8, 65)])
RTOL = {np.float32: 2e-6, np.float64: 1e-13}


def steady_state_root(x, n, p, r, lp, lm):
    """q in (0, 1) solving the cluster's fixed-point equation (eq. 3) directly."""
    def excess(q):
        trig = n - q * p * (n - 1)
        rate_in = lp + r * q * (n - 1) * (1 - p) / trig
        return q - rate_in / (r + lm + x + r * q * p * (n - 1) / trig)
    return brentq(excess, 0.0, 1.0, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)


def conjugate_root_longdouble(x, n, p, r, lp, lm):
    """The quadratic's small root, 2c / (-b + sqrt(b^2 - 4ac)), in long double."""
    x, n, p, r, lp, lm = (np.longdouble(v) for v in (x, n, p, r, lp, lm))
    a = p * (n - 1) * (lm + x)
    b = -(n - 1) * p * (lp + r) - n * (lm + x) - r
    c = n * lp
    return 2 * c / (-b + np.sqrt(b * b - 4 * a * c))


def kernel_zeta(x, params, dtype=np.float64):
    out = np.array(x, dtype=dtype)
    _dense_cluster.cluster_activation(out.reshape(-1), *map(float, params))
    return out


@pytest.mark.parametrize("params", PARAMS)
def test_zeta_solves_the_steady_state_equation(params):
    # brentq's root is accurate to a few ulp in absolute terms; compare
    # where it resolves the value (zeta >= 1e-12 covers x up to ~1e8)
    expected = np.array([steady_state_root(x, *params) for x in XS])
    got = kernel_zeta(XS, params)
    assert np.all((got > 0) & (got < 1))
    resolved = expected > 1e-12
    np.testing.assert_allclose(got[resolved], expected[resolved], rtol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", PARAMS)
def test_zeta_matches_long_double_reference(params, dtype):
    xs = XS.astype(dtype)
    expected = np.array([conjugate_root_longdouble(x, *params) for x in xs.astype(float)])
    np.testing.assert_allclose(kernel_zeta(xs, params, dtype), expected.astype(float),
                               rtol=RTOL[dtype])


def test_textbook_formula_cancels_but_the_kernel_does_not():
    params = PARAMS[0]
    n, p, r, lp, lm = params
    x = 1e9
    a = p * (n - 1) * (lm + x)
    b = -(n - 1) * p * (lp + r) - n * (lm + x) - r
    c = n * lp
    textbook = (-b - np.sqrt(b * b - 4 * a * c)) / (2 * a)
    reference = float(conjugate_root_longdouble(x, *params))
    # the direct formula loses most digits here; the kernel keeps them all
    assert abs(textbook - reference) > 1e-5 * reference
    np.testing.assert_allclose(_dense_cluster._py_zeta(x, *params), reference, rtol=1e-14)
    np.testing.assert_allclose(kernel_zeta([x], params), [reference], rtol=1e-14)


def test_vectorised_loop_agrees_with_the_scalar_form():
    # the buffer loop (unscaled conjugate form, _dense_cluster.h) and the scalar
    # helper (scaled form) across the whole range, including past s^2 overflow
    xs = np.concatenate([XS, [1e100, 1e149, 1e151, 1e200, 1e300]])
    for params in PARAMS:
        scalar = [_dense_cluster._py_zeta(x, *params) for x in xs]
        np.testing.assert_allclose(kernel_zeta(xs, params), scalar, rtol=1e-14)


def test_a_to_zero_limit_is_c_over_minus_b():
    # p = 0 makes a = 0 for every x: zeta = c / (-b) = n lambda_plus / (n (lambda_minus + x) + r)
    n, p, r, lp, lm = 20, 0.0, 0.001, 0.005, 0.005
    expected = n * lp / (n * (lm + XS) + r)
    np.testing.assert_allclose(kernel_zeta(XS, (n, p, r, lp, lm)), expected, rtol=1e-14)
    # and p -> 0 approaches it continuously
    np.testing.assert_allclose(kernel_zeta(XS, (n, 1e-12, r, lp, lm)), expected, rtol=1e-9)


def test_huge_inputs_neither_overflow_nor_vanish():
    for dtype in (np.float32, np.float64):
        big = np.array([1e30], dtype=dtype)
        z = cluster_activation(big)
        expected = 20 * 0.005 / (20 * 1e30)     # c / (-b) as x -> infinity
        assert z.dtype == dtype
        np.testing.assert_allclose(z, expected, rtol=1e-5)


def test_value_at_zero_as_in_the_authors_code():
    assert round(float(cluster_activation(0.0)), 2) == 0.98
    assert np.all(np.diff(cluster_activation(XS)) < 0)  # decreasing


@pytest.mark.parametrize("params", PARAMS)
def test_eta_matches_central_differences(params):
    names = list(DEFAULTS)
    kwargs = dict(zip(names, params))
    xs = np.logspace(-6, 4, 41)
    # a step relative to the scale zeta varies on, and never past x = 0
    h = np.minimum(1e-4 * (xs + kwargs["lambda_minus"]), xs / 2)
    fd = (cluster_activation(xs + h, **kwargs) - cluster_activation(xs - h, **kwargs)) / (2 * h)
    eta = cluster_activation_derivative(xs, **kwargs)
    assert np.all(eta < 0)
    np.testing.assert_allclose(eta, fd, rtol=1e-6)
    # and at x = 0 a one-sided difference
    h0 = 1e-9
    one_sided = (cluster_activation(h0, **kwargs) - cluster_activation(0.0, **kwargs)) / h0
    np.testing.assert_allclose(cluster_activation_derivative(0.0, **kwargs), one_sided,
                               rtol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_derivative_kernel_writes_both_outputs(dtype):
    x = np.linspace(0, 2, 50).astype(dtype)
    z, d = np.empty_like(x), np.empty_like(x)
    _dense_cluster.cluster_activation_derivative(x, z, d, *map(float, PARAMS[0]))
    np.testing.assert_allclose(z, kernel_zeta(x.astype(float), PARAMS[0]), rtol=RTOL[dtype])
    expected = [_dense_cluster._py_eta(float(v), *PARAMS[0]) for v in x]
    np.testing.assert_allclose(d, expected, rtol=10 * RTOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 1, 1), (7, 3, 5), (40, 13, 30)])
def test_cluster_layer_matches_numpy(dtype, shape):
    rng = np.random.RandomState(0)
    m, k, n = shape
    X = rng.uniform(0, 1, (m, k)).astype(dtype)
    W = rng.uniform(0, 0.1, (k, n)).astype(dtype)
    X.setflags(write=False)      # read-only input works
    W.setflags(write=False)
    args = check_cluster_params(**DEFAULTS)
    expected = kernel_zeta(X.astype(float) @ W.astype(float), args)
    H = cluster_layer(X, W, args)
    assert H.dtype == dtype
    np.testing.assert_allclose(H, expected, rtol=10 * RTOL[dtype])


@pytest.mark.parametrize("bad, match", [
    ({"n_cells": 1}, "n_cells must be >= 2"),
    ({"trigger_probability": 1.5}, r"trigger_probability must be in \[0, 1\]"),
    ({"firing_rate": 0.0}, "firing_rate must be > 0"),
    ({"lambda_plus": -1.0}, "lambda_plus must be > 0"),
    ({"lambda_minus": 0.0}, "lambda_minus must be > 0"),
    ({"lambda_plus": 0.01, "lambda_minus": 0.005}, "lambda_minus must be >= lambda_plus"),
    ({"firing_rate": float("nan")}, "firing_rate must be > 0"),
    ({"firing_rate": float("inf")}, "must be finite"),
])
def test_validity_conditions(bad, match):
    with pytest.raises(ValueError, match=match):
        cluster_activation(0.5, **{**DEFAULTS, **bad})
    with pytest.raises(ValueError, match=match):
        cluster_activation_derivative(0.5, **{**DEFAULTS, **bad})


def test_inputs_must_be_non_negative_and_finite():
    with pytest.raises(ValueError, match="x must be >= 0"):
        cluster_activation([0.1, -0.2])
    with pytest.raises(ValueError, match="finite"):
        cluster_activation_derivative([np.nan])


def test_public_function_keeps_shape_and_dtype_and_input():
    x = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    before = x.copy()
    z = cluster_activation(x)
    assert z.shape == (3, 4) and z.dtype == np.float32
    np.testing.assert_array_equal(x, before)
    assert cluster_activation([0, 1]).dtype == np.float64
