"""The lane kernels' own float64 tanh and logistic function against NumPy.

They run at the machine's SIMD level here, and at the lower levels through
tests/kernels/test_isa_levels.py (the baseline uses libmvec's or libm's
tanh)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
import os
import platform
import sys

import numpy as np
from scipy.special import expit

from skrnn._kernels._lstm import _lane_activation_float64


def _simd_level():
    """The level _isa.h picks: 2 AVX-512, 1 AVX2 + FMA, 0 baseline (always
    off x86-64, and on Windows, where MSVC builds the kernels)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # NumPy 1
        from numpy.core._multiarray_umath import __cpu_features__ as features
    if platform.machine().lower() not in ("x86_64", "amd64") or sys.platform == "win32":
        return 0
    detected = (2 if features.get("AVX512F")
                else 1 if features.get("AVX2") and features.get("FMA3") else 0)
    forced = os.environ.get("SKRNN_ISA_LEVEL", "")
    return min(detected, int(forced)) if forced in ("0", "1", "2") else detected


def _grid():
    """A dense grid over [-40, 40] (an odd length: a tail after the vectors),
    with both signs of tiny and large values."""
    tiny = np.logspace(-300, 0, 3001)
    large = np.array([19.9, 20.0, 20.1, 36.0, 699.0, 700.0, 701.0, 745.0, 1e3, 1e300])
    return np.concatenate([np.linspace(-40, 40, 800_001), tiny, -tiny, large, -large])


def _run(x, logistic):
    y = np.ascontiguousarray(x, dtype=np.float64).copy()
    _lane_activation_float64(y, logistic)
    return y


def test_lane_tanh_is_accurate():
    """Within 4.5e-16 absolute of libm's tanh everywhere, odd, and saturated
    to exactly +-1 beyond the clamp."""
    x = _grid()
    y = _run(x, False)
    assert np.max(np.abs(y - np.tanh(x))) <= 4.5e-16
    positive = x > 0
    np.testing.assert_array_equal(_run(-x[positive], False), -y[positive])
    np.testing.assert_array_equal(_run([25.0, 1e3, 1e300], False), [1.0, 1.0, 1.0])


def test_lane_logistic_is_accurate():
    """Within 3e-16 absolute of scipy's expit; with SIMD also within a few
    ulp relative (5 measured) where the value is tiny (the baseline's
    (1 + tanh(x / 2)) / 2 is accurate in absolute terms only)."""
    x = _grid()
    y = _run(x, True)
    exact = expit(x)
    assert np.max(np.abs(y - exact)) <= 3e-16
    if _simd_level() > 0:
        inside = np.abs(x) <= 700
        relative = np.abs(y - exact)[inside] / np.spacing(exact[inside])
        assert np.max(relative) <= 6


def test_lane_activations_keep_special_values():
    """Signed zeros, infinities and NaN (a diverging candidate's loss must
    show it, not saturate it away)."""
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, np.nan, 1.0, -1.0] * 2)
    t = _run(special, False)
    np.testing.assert_array_equal(t[:4], [0.0, -0.0, 1.0, -1.0])
    assert not np.signbit(t[0]) and np.signbit(t[1])
    assert np.isnan(t[4:6]).all() and np.isnan(t[12:14]).all()
    s = _run(special, True)
    np.testing.assert_allclose(s[:4], [0.5, 0.5, 1.0, 0.0], rtol=0, atol=1e-300)
    assert np.isnan(s[4:6]).all() and np.isnan(s[12:14]).all()


def test_lane_activations_do_not_depend_on_the_position():
    """An element gives the same value inside a vector as in a buffer's
    padded tail, for every length and offset across a vector."""
    x = 10 * np.random.RandomState(0).randn(40)
    for logistic in (False, True):
        whole = _run(x, logistic)
        for start in range(3):
            for n in range(1, 38):
                np.testing.assert_array_equal(_run(x[start:start + n], logistic),
                                              whole[start:start + n])
