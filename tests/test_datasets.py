"""Tests for the synthetic sequence data sets."""

# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skrnn.datasets import (
    is_reber_string,
    make_delayed_recall,
    make_reber,
    make_reber_classification,
    make_sine_sequences,
    make_sine_series,
    make_temporal_xor,
    reber_strings,
)
from skrnn.datasets._generators import REBER_ALPHABET, sine_period_bands


@pytest.mark.parametrize(
    "make",
    [
        lambda rs: make_delayed_recall(50, delay=4, n_features=3, random_state=rs),
        lambda rs: make_temporal_xor(60, random_state=rs),
        lambda rs: make_sine_series(40, noise=0.1, random_state=rs),
        lambda rs: make_sine_sequences(8, n_timesteps=20, random_state=rs),
    ],
)
def test_array_generators_reproducible(make):
    a, b, c = make(0), make(0), make(1)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])
    # a RandomState instance is used and advanced, not the global RNG
    rng = np.random.RandomState(0)
    state = np.random.get_state()[1].copy()
    d, e = make(rng), make(rng)
    np.testing.assert_array_equal(d[0], a[0])
    assert not np.array_equal(d[0], e[0])
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("make", [make_reber, make_reber_classification])
@pytest.mark.parametrize("embedded", [False, True])
def test_reber_generators_reproducible(make, embedded):
    (Xa, ya), (Xb, yb) = (make(20, embedded=embedded, random_state=3) for _ in range(2))
    Xc, _ = make(20, embedded=embedded, random_state=4)
    assert len(Xa) == len(Xb) == 20
    for u, v in zip(Xa, Xb):
        np.testing.assert_array_equal(u, v)
    for u, v in zip(ya, yb):
        np.testing.assert_array_equal(u, v)
    assert any(u.shape != v.shape or not np.array_equal(u, v) for u, v in zip(Xa, Xc))
    assert reber_strings(5, embedded=embedded, random_state=3) == reber_strings(
        5, embedded=embedded, random_state=3
    )


@pytest.mark.parametrize("delay", [0, 1, 7])
def test_delayed_recall(delay):
    X, y = make_delayed_recall(200, delay=delay, n_features=2, random_state=0)
    assert X.shape == (200, 2) and y.shape == (200,)
    assert X.dtype == y.dtype == np.float64
    assert X.min() >= -1 and X.max() <= 1 and X.std() > 0.5
    np.testing.assert_array_equal(y[delay:], X[: 200 - delay, 0])
    np.testing.assert_array_equal(y[:delay], 0.0)


def test_temporal_xor():
    X, y, mask = make_temporal_xor(3001, random_state=0)  # rounded down to 3000
    assert X.shape == (2999, 1) and y.shape == (2999,) and mask.shape == (2999,)
    assert X.dtype == y.dtype == np.float64 and mask.dtype == bool
    bits = np.append(X[:, 0], y[-1]).astype(int)
    np.testing.assert_array_equal(bits[1:], y)
    np.testing.assert_array_equal(X[1:, 0], y[:-1])
    assert set(np.unique(bits)) == {0, 1}
    triples = bits.reshape(-1, 3)
    np.testing.assert_array_equal(triples[:, 2], triples[:, 0] ^ triples[:, 1])
    # the first two bits of a triple are unconstrained
    assert 0.4 < triples[:, :2].mean() < 0.6
    expected = np.zeros(2999, dtype=bool)
    expected[1::3] = True
    np.testing.assert_array_equal(mask, expected)
    # where the mask holds, y is the XOR of the two previous inputs
    t = np.flatnonzero(mask)
    np.testing.assert_array_equal(y[t], X[t - 1, 0].astype(int) ^ X[t, 0].astype(int))


def test_sine_series():
    X, y = make_sine_series(300, period=20.0, random_state=0)
    assert X.shape == (300, 1) and y.shape == (300,)
    assert X.dtype == y.dtype == np.float64
    np.testing.assert_array_equal(y[:-1], X[1:, 0])
    np.testing.assert_allclose(X[20:, 0], X[:-20, 0], atol=1e-12)  # periodic
    np.testing.assert_allclose(np.abs(X).max(), 1.0, atol=1e-2)
    # noise has the requested scale and is also in the target
    Xn, yn = make_sine_series(300, period=20.0, noise=0.5, random_state=0)
    np.testing.assert_array_equal(yn[:-1], Xn[1:, 0])
    assert 0.4 < np.std(Xn[:, 0] - X[:, 0]) < 0.6


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_sine_sequences_classes_and_bands(n_classes):
    n, T = 31, 256
    X, y = make_sine_sequences(n, n_timesteps=T, n_classes=n_classes, noise=0.0, random_state=0)
    assert X.shape == (n, T, 1) and X.dtype == np.float64
    assert y.shape == (n,) and np.issubdtype(y.dtype, np.integer)
    counts = np.bincount(y, minlength=n_classes)
    assert counts.size == n_classes and counts.max() - counts.min() <= 1
    assert not np.array_equal(y, np.sort(y))  # shuffled
    amplitude = np.abs(X[:, :, 0]).max(axis=1)
    assert amplitude.min() >= 0.45 and amplitude.max() <= 1.5
    # dominant frequency lies in the class band, up to one FFT bin
    edges = sine_period_bands(n_classes)
    assert edges[0] == pytest.approx(40.0) and edges[-1] == pytest.approx(4.0)
    spectrum = np.abs(np.fft.rfft(X[:, :, 0] - X[:, :, 0].mean(axis=1, keepdims=True)))
    freq = np.fft.rfftfreq(T)[spectrum.argmax(axis=1)]
    low, high = 1 / edges[y], 1 / edges[y + 1]
    assert np.all(freq >= low - 1 / T) and np.all(freq <= high + 1 / T)


def test_sine_sequences_noise():
    X0, _ = make_sine_sequences(10, noise=0.0, random_state=0)
    X1, _ = make_sine_sequences(10, noise=0.3, random_state=0)
    assert 0.25 < np.std(X1 - X0) < 0.35


def _next_symbols_by_hand(s):
    """Allowed successors in the standard grammar, from a hand-made table."""
    # state reached after each symbol depends on the symbol and previous state
    succ = {1: "TP", 2: "SX", 3: "TV", 4: "XS", 5: "PV", 6: "E"}
    table = {
        (0, "B"): 1, (1, "T"): 2, (1, "P"): 3, (2, "S"): 2, (2, "X"): 4,
        (3, "T"): 3, (3, "V"): 5, (4, "X"): 3, (4, "S"): 6, (5, "P"): 4,
        (5, "V"): 6,
    }  # fmt: skip
    state, out = 0, []
    for c in s[:-1]:
        state = table[state, c]
        out.append(set(succ[state]))
    return out


@pytest.mark.parametrize("embedded", [False, True])
def test_make_reber(embedded):
    strings = reber_strings(200, embedded=embedded, random_state=0)
    X, y = make_reber(200, embedded=embedded, random_state=0)
    assert len(X) == len(y) == 200
    lengths = set()
    for s, Xi, yi in zip(strings, X, y):
        assert is_reber_string(s, embedded=embedded)
        assert s[0] == "B" and s[-1] == "E" and set(s) <= set(REBER_ALPHABET)
        assert Xi.shape == yi.shape == (len(s) - 1, 7)
        assert Xi.dtype == yi.dtype == np.float64
        np.testing.assert_array_equal(Xi.sum(axis=1), 1.0)
        assert "".join(REBER_ALPHABET[i] for i in Xi.argmax(axis=1)) == s[:-1]
        allowed = [{REBER_ALPHABET[i] for i in np.flatnonzero(row)} for row in yi]
        assert all(nxt in a for nxt, a in zip(s[1:], allowed))
        if embedded:
            assert s[1] in "TP" and s[-2] == s[1]
            assert allowed[:2] == [{"T", "P"}, {"B"}]
            assert allowed[-2:] == [{s[1]}, {"E"}]  # one-hot after the inner E
            assert allowed[2:-2] == _next_symbols_by_hand(s[2:-2])
        else:
            assert allowed == _next_symbols_by_hand(s)
        lengths.add(len(s))
    assert len(lengths) > 5  # strings of varied length
    if embedded:
        assert {s[1] for s in strings} == {"T", "P"}


@pytest.mark.parametrize(
    "s, embedded, expected",
    [
        ("BTXSE", False, True),
        ("BPVVE", False, True),
        ("BTSSXXTVPSE", False, True),
        ("BPTTVPXVVE", False, True),
        ("BTE", False, False),
        ("BPVVX", False, False),
        ("", False, False),
        ("TXSE", False, False),
        ("BTXSEE", False, False),
        ("BTXSXE", False, False),
        ("BPVPE", False, False),
        ("BTBPVVETE", True, True),
        ("BPBTXSEPE", True, True),
        ("BTBPVVEPE", True, False),
        ("BPVVE", True, False),
        ("BTBPVVXTE", True, False),
        ("BTXSE", True, False),
    ],
)
def test_is_reber_string(s, embedded, expected):
    assert is_reber_string(s, embedded=embedded) is expected


@pytest.mark.parametrize("embedded", [False, True])
@pytest.mark.parametrize("n", [2, 101])
def test_make_reber_classification(embedded, n):
    X, y = make_reber_classification(n, embedded=embedded, random_state=0)
    assert len(X) == n and y.shape == (n,) and np.issubdtype(y.dtype, np.integer)
    assert np.bincount(y).tolist() == [n // 2, n - n // 2]
    if n > 2:
        assert not np.array_equal(y, np.sort(y))
    for Xi, label in zip(X, y):
        assert Xi.dtype == np.float64 and Xi.shape[1] == 7
        np.testing.assert_array_equal(Xi.sum(axis=1), 1.0)
        s = "".join(REBER_ALPHABET[i] for i in Xi.argmax(axis=1))
        assert s[0] == "B" and s[-1] == "E"
        assert is_reber_string(s, embedded=embedded) is bool(label)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: make_delayed_recall(0), "n_timesteps == 0, must be >= 1"),
        (lambda: make_delayed_recall(10, delay=-1), "delay == -1, must be >= 0"),
        (lambda: make_delayed_recall(10, delay=10), "delay == 10, must be < 10"),
        (lambda: make_delayed_recall(10, n_features=0), "n_features == 0"),
        (lambda: make_temporal_xor(5), "n_bits == 5, must be >= 6"),
        (lambda: make_sine_series(0), "n_timesteps == 0"),
        (lambda: make_sine_series(10, period=0.0), "period == 0.0, must be > 0"),
        (lambda: make_sine_series(10, noise=-1.0), "noise == -1.0, must be >= 0"),
        (lambda: make_sine_sequences(10, n_classes=1), "n_classes == 1, must be >= 2"),
        (lambda: make_sine_sequences(2, n_classes=3), "n_sequences == 2, must be >= 3"),
        (lambda: make_sine_sequences(10, n_timesteps=0), "n_timesteps == 0"),
        (lambda: make_sine_sequences(10, noise=-0.1), "noise == -0.1"),
        (lambda: reber_strings(0), "n_sequences == 0"),
        (lambda: make_reber(0), "n_sequences == 0"),
        (lambda: make_reber_classification(1), "n_sequences == 1, must be >= 2"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_types():
    with pytest.raises(TypeError, match="n_timesteps"):
        make_delayed_recall(10.5)
    with pytest.raises(TypeError, match="must be a str"):
        is_reber_string(["B", "E"])
