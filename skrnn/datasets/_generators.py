"""Synthetic sequence data sets for benchmarking recurrent networks."""

# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state, check_scalar

__all__ = [
    "make_adding_problem",
    "is_reber_string",
    "make_delayed_recall",
    "make_reber",
    "make_reber_classification",
    "make_sine_sequences",
    "make_sine_series",
    "make_temporal_xor",
    "reber_strings",
]

#: Symbols of the Reber grammar, in the order of the one-hot columns.
REBER_ALPHABET = "BTSXPVE"
_SYMBOL_INDEX = {c: i for i, c in enumerate(REBER_ALPHABET)}

# Transition graph of the Reber grammar: node -> ((symbol, next node), ...).
# Every choice at a node is taken with probability 1/2; ``None`` ends the string.
_REBER_GRAPH = {
    0: (("B", 1),),
    1: (("T", 2), ("P", 3)),
    2: (("S", 2), ("X", 4)),
    3: (("T", 3), ("V", 5)),
    4: (("X", 3), ("S", 6)),
    5: (("P", 4), ("V", 6)),
    6: (("E", None),),
}


def _check_n(value, name, min_val=1):
    return check_scalar(value, name, Integral, min_val=min_val)


def make_delayed_recall(n_timesteps=1000, *, delay=3, n_features=1, random_state=None):
    """Generate a delayed-recall (short-term memory) regression task.

    Parameters
    ----------
    n_timesteps : int, default=1000
        Length of the sequence.
    delay : int, default=3
        How many steps back the target looks; ``0 <= delay < n_timesteps``.
    n_features : int, default=1
        Number of input channels. Only the first one is to be recalled, the
        others are distractors.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_timesteps, n_features)
        Inputs drawn i.i.d. uniformly on [-1, 1].
    y : ndarray of shape (n_timesteps,)
        The first input channel delayed by ``delay`` steps, zero-padded.

    Notes
    -----
    The target is :math:`y_t = x_{t-d,0}` for :math:`t \\ge d` and
    :math:`y_t = 0` otherwise. Solving it requires remembering the last
    :math:`d` inputs, as in the memory-capacity measure of Jaeger (2001),
    "Short term memory in echo state networks", GMD Report 152.

    Examples
    --------
    >>> from skrnn.datasets import make_delayed_recall
    >>> X, y = make_delayed_recall(10, delay=2, random_state=0)
    >>> X.shape, y.shape
    ((10, 1), (10,))
    >>> bool((y[2:] == X[:-2, 0]).all() and (y[:2] == 0).all())
    True
    """
    _check_n(n_timesteps, "n_timesteps")
    check_scalar(
        delay, "delay", Integral, min_val=0, max_val=n_timesteps, include_boundaries="left"
    )
    _check_n(n_features, "n_features")
    rng = check_random_state(random_state)

    X = rng.uniform(-1.0, 1.0, size=(n_timesteps, n_features))
    y = np.zeros(n_timesteps)
    y[delay:] = X[: n_timesteps - delay, 0]
    return X, y


def make_temporal_xor(n_bits=3000, *, random_state=None):
    """Generate Elman's temporal XOR next-bit prediction task.

    Parameters
    ----------
    n_bits : int, default=3000
        Length of the bit stream, rounded down to a multiple of 3; at least 6.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for reproducible output.

    Returns
    -------
    X : ndarray of shape (n - 1, 1)
        Bits ``0 .. n-2`` of the stream as floats, with ``n`` the rounded length.
    y : ndarray of shape (n - 1,)
        The next bit, ``y[t] = bit[t + 1]``, as float.
    mask : ndarray of bool of shape (n - 1,)
        True where ``y[t]`` is predictable, i.e. it is the XOR bit of its triple.

    Notes
    -----
    The stream is a concatenation of triples :math:`(a, b, a \\oplus b)` with
    :math:`a, b` independent fair bits, so only every third bit can be
    predicted from the past (J. L. Elman, "Finding structure in time",
    Cognitive Science 14(2):179-211, 1990).

    Examples
    --------
    >>> from skrnn.datasets import make_temporal_xor
    >>> X, y, mask = make_temporal_xor(9, random_state=0)
    >>> X.shape, y.shape, mask.tolist()
    ((8, 1), (8,), [False, True, False, False, True, False, False, True])
    """
    _check_n(n_bits, "n_bits", min_val=6)
    rng = check_random_state(random_state)

    ab = rng.randint(0, 2, size=(n_bits // 3, 2))
    bits = np.column_stack([ab, ab[:, 0] ^ ab[:, 1]]).ravel().astype(np.float64)
    X = bits[:-1, np.newaxis]
    y = bits[1:].copy()
    mask = np.arange(bits.size - 1) % 3 == 1
    return X, y, mask


def make_sine_series(n_timesteps=500, *, period=25.0, noise=0.0, random_state=None):
    """Generate a noisy sine series for one-step-ahead forecasting.

    Parameters
    ----------
    n_timesteps : int, default=500
        Number of input steps.
    period : float, default=25.0
        Period of the sine in steps; must be positive.
    noise : float, default=0.0
        Standard deviation of the additive Gaussian noise.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_timesteps, 1)
        Observations :math:`s_0, \\dots, s_{n-1}`.
    y : ndarray of shape (n_timesteps,)
        Next observations :math:`s_1, \\dots, s_n` (noisy, like the inputs).

    Notes
    -----
    :math:`s_t = \\sin(2 \\pi t / P + \\phi) + \\varepsilon_t` with phase
    :math:`\\phi \\sim U[0, 2\\pi)` and :math:`\\varepsilon_t \\sim
    N(0, \\sigma^2)`, :math:`\\sigma` = ``noise``. The target is the next
    observed value, so with noise it is not perfectly predictable.

    Examples
    --------
    >>> from skrnn.datasets import make_sine_series
    >>> X, y = make_sine_series(20, period=5.0, random_state=0)
    >>> X.shape, y.shape, bool((y[:-1] == X[1:, 0]).all())
    ((20, 1), (20,), True)
    """
    _check_n(n_timesteps, "n_timesteps")
    check_scalar(period, "period", Real, min_val=0, include_boundaries="neither")
    check_scalar(noise, "noise", Real, min_val=0)
    rng = check_random_state(random_state)

    phase = rng.uniform(0.0, 2 * np.pi)
    t = np.arange(n_timesteps + 1)
    s = np.sin(2 * np.pi * t / period + phase)
    if noise > 0:
        s += noise * rng.standard_normal(s.shape)
    return s[:-1, np.newaxis], s[1:]


def sine_period_bands(n_classes, period_range=(4.0, 40.0)):
    """Return the edges of the period bands used by :func:`make_sine_sequences`.

    Parameters
    ----------
    n_classes : int
        Number of classes (bands).
    period_range : tuple of float, default=(4.0, 40.0)
        Smallest and largest period, in steps.

    Returns
    -------
    edges : ndarray of shape (n_classes + 1,)
        Band edges, log-spaced and decreasing, so that class ``k`` has periods
        between ``edges[k + 1]`` and ``edges[k]`` (class 0 is the slowest).

    Examples
    --------
    >>> from skrnn.datasets._generators import sine_period_bands
    >>> sine_period_bands(2).round(2).tolist()
    [40.0, 12.65, 4.0]
    """
    return np.geomspace(period_range[1], period_range[0], n_classes + 1)


def make_sine_sequences(
    n_sequences=100, *, n_timesteps=50, n_classes=2, noise=0.1, random_state=None
):
    """Generate sine sequences classified by their frequency band.

    Parameters
    ----------
    n_sequences : int, default=100
        Number of sequences; at least ``n_classes``.
    n_timesteps : int, default=50
        Length of every sequence.
    n_classes : int, default=2
        Number of frequency bands (classes); at least 2.
    noise : float, default=0.1
        Standard deviation of the additive Gaussian noise.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_sequences, n_timesteps, 1)
        The sequences.
    y : ndarray of int64 of shape (n_sequences,)
        Class labels in ``0 .. n_classes - 1``, balanced (class sizes differ
        by at most one) and in random order.

    Notes
    -----
    Sequence :math:`i` is :math:`x_t = A_i \\sin(2 \\pi t / P_i + \\phi_i) +
    \\varepsilon_t` with :math:`A_i \\sim U[0.5, 1.5]`,
    :math:`\\phi_i \\sim U[0, 2\\pi)` and :math:`\\varepsilon_t \\sim N(0,
    \\sigma^2)`. The period range [4, 40] steps is split into ``n_classes``
    disjoint bands of equal width on a log scale (see
    :func:`~skrnn.datasets._generators.sine_period_bands`); class 0 holds
    the longest periods, and :math:`P_i` is log-uniform within the band of
    its class.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.datasets import make_sine_sequences
    >>> X, y = make_sine_sequences(6, n_timesteps=30, n_classes=3, random_state=0)
    >>> X.shape, np.bincount(y).tolist()
    ((6, 30, 1), [2, 2, 2])
    """
    _check_n(n_classes, "n_classes", min_val=2)
    _check_n(n_sequences, "n_sequences", min_val=n_classes)
    _check_n(n_timesteps, "n_timesteps")
    check_scalar(noise, "noise", Real, min_val=0)
    rng = check_random_state(random_state)

    y = rng.permutation(np.arange(n_sequences, dtype=np.int64) % n_classes)
    log_edges = np.log(sine_period_bands(n_classes))
    period = np.exp(rng.uniform(log_edges[y + 1], log_edges[y]))
    amplitude = rng.uniform(0.5, 1.5, size=n_sequences)
    phase = rng.uniform(0.0, 2 * np.pi, size=n_sequences)
    t = np.arange(n_timesteps)
    X = amplitude[:, None] * np.sin(2 * np.pi * t / period[:, None] + phase[:, None])
    if noise > 0:
        X += noise * rng.standard_normal(X.shape)
    return X[:, :, np.newaxis], y


def _reber_core(rng):
    """Draw one string of the standard Reber grammar."""
    symbols, node = [], 0
    while node is not None:
        edges = _REBER_GRAPH[node]
        symbol, node = edges[rng.randint(len(edges))] if len(edges) > 1 else edges[0]
        symbols.append(symbol)
    return "".join(symbols)


def reber_strings(n_sequences, *, embedded=False, random_state=None):
    """Draw strings from the (embedded) Reber grammar.

    Parameters
    ----------
    n_sequences : int
        Number of strings.
    embedded : bool, default=False
        Whether to use the embedded Reber grammar.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for reproducible output.

    Returns
    -------
    strings : list of str
        Grammatical strings over the alphabet ``'BTSXPVE'``.

    Notes
    -----
    See :func:`make_reber` for the grammar.

    Examples
    --------
    >>> from skrnn.datasets import is_reber_string, reber_strings
    >>> strings = reber_strings(3, embedded=True, random_state=0)
    >>> all(is_reber_string(s, embedded=True) for s in strings)
    True
    """
    _check_n(n_sequences, "n_sequences")
    rng = check_random_state(random_state)
    strings = []
    for _ in range(n_sequences):
        s = _reber_core(rng)
        if embedded:
            branch = "TP"[rng.randint(2)]
            s = "B" + branch + s + branch + "E"
        strings.append(s)
    return strings


def _reber_walk(s):
    """Follow the standard grammar; return the allowed-next sets, or None."""
    node, allowed = 0, []
    for symbol in s:
        if node is None:
            return None
        node = dict(_REBER_GRAPH[node]).get(symbol, -1)
        if node == -1:
            return None
        if node is not None:
            allowed.append("".join(c for c, _ in _REBER_GRAPH[node]))
    return allowed if node is None else None


def is_reber_string(s, *, embedded=False):
    """Tell whether a string belongs to the (embedded) Reber grammar.

    Parameters
    ----------
    s : str
        The string to check.
    embedded : bool, default=False
        Whether to check against the embedded Reber grammar.

    Returns
    -------
    grammatical : bool
        True if ``s`` can be generated by the grammar.

    Examples
    --------
    >>> from skrnn.datasets import is_reber_string
    >>> is_reber_string("BTXSE"), is_reber_string("BTE")
    (True, False)
    >>> is_reber_string("BTBPVVETE", embedded=True)
    True
    """
    if not isinstance(s, str):
        raise TypeError(f"s must be a str, got {type(s).__name__}.")
    if embedded:
        if len(s) < 4 or s[0] != "B" or s[-1] != "E" or s[1] not in "TP" or s[-2] != s[1]:
            return False
        s = s[2:-2]
    return _reber_walk(s) is not None


def _allowed_next(s, embedded):
    """Allowed next symbols after each position of a grammatical string but the last."""
    if not embedded:
        return _reber_walk(s)
    return ["TP", "B"] + _reber_walk(s[2:-2]) + [s[1], "E"]


def _one_hot(s):
    return np.eye(len(REBER_ALPHABET))[[_SYMBOL_INDEX[c] for c in s]]


def _multi_hot(sets):
    out = np.zeros((len(sets), len(REBER_ALPHABET)))
    for t, symbols in enumerate(sets):
        out[t, [_SYMBOL_INDEX[c] for c in symbols]] = 1.0
    return out


def make_reber(n_sequences=100, *, embedded=False, random_state=None):
    """Generate the Reber grammar next-symbol prediction task.

    Parameters
    ----------
    n_sequences : int, default=100
        Number of strings.
    embedded : bool, default=False
        Whether to use the embedded Reber grammar.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for reproducible output.

    Returns
    -------
    X : list of ndarray of shape (T_i, 7)
        One-hot encoding (columns in the order ``'BTSXPVE'``) of every
        string without its final ``'E'``; ``T_i`` is the string length minus 1.
    y : list of ndarray of shape (T_i, 7)
        Multi-hot encoding of the symbols that may legally follow each input
        symbol.

    Notes
    -----
    The Reber grammar (A. S. Reber, "Implicit learning of artificial
    grammars", J. Verbal Learning and Verbal Behavior 6:855-863, 1967) is
    the finite-state automaton below; from every node each outgoing edge is
    taken with probability 1/2::

        0 -B-> 1;  1 -T-> 2, 1 -P-> 3;  2 -S-> 2, 2 -X-> 4;
        3 -T-> 3, 3 -V-> 5;  4 -X-> 3, 4 -S-> 6;  5 -P-> 4, 5 -V-> 6;
        6 -E-> end

    It was used to study simple recurrent networks by Cleeremans,
    Servan-Schreiber and McClelland, "Finite state automata and simple
    recurrent networks", Neural Computation 1(3):372-381, 1989. The embedded
    grammar ``B (T|P) <Reber string> (same T|P) E`` needs a long memory of the
    second symbol, which fixes the symbol after the inner ``E`` (S. Hochreiter
    and J. Schmidhuber, "Long short-term memory", Neural Computation
    9(8):1735-1780, 1997); the target there is one-hot.

    Examples
    --------
    >>> from skrnn.datasets import make_reber
    >>> X, y = make_reber(2, random_state=0)
    >>> len(X), X[0].shape == y[0].shape, X[0].shape[1]
    (2, True, 7)
    >>> y[0][0].tolist()  # after 'B' comes 'T' or 'P'
    [0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    """
    strings = reber_strings(n_sequences, embedded=embedded, random_state=random_state)
    X = [_one_hot(s[:-1]) for s in strings]
    y = [_multi_hot(_allowed_next(s, embedded)) for s in strings]
    return X, y


def make_reber_classification(n_sequences=200, *, embedded=False, random_state=None):
    """Generate a grammatical versus ungrammatical Reber string classification task.

    Parameters
    ----------
    n_sequences : int, default=200
        Number of strings; at least 2. ``(n_sequences + 1) // 2`` are
        grammatical and the rest are not.
    embedded : bool, default=False
        Whether to use the embedded Reber grammar.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for reproducible output.

    Returns
    -------
    X : list of ndarray of shape (T_i, 7)
        One-hot encoding (columns in the order ``'BTSXPVE'``) of every whole
        string; ``T_i`` is the string length.
    y : ndarray of int64 of shape (n_sequences,)
        1 for grammatical strings, 0 for ungrammatical ones, in random order.

    Notes
    -----
    Ungrammatical strings are grammatical strings with one symbol, at any
    position but the first and the last, replaced by a different symbol
    from ``'TSXPV'``; a replacement that happens to be grammatical is
    redrawn. See :func:`make_reber` for the grammar.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.datasets import make_reber_classification
    >>> X, y = make_reber_classification(10, random_state=0)
    >>> len(X), np.bincount(y).tolist()
    (10, [5, 5])
    """
    _check_n(n_sequences, "n_sequences", min_val=2)
    rng = check_random_state(random_state)
    n_pos = (n_sequences + 1) // 2
    strings = reber_strings(n_sequences, embedded=embedded, random_state=rng)
    for i in range(n_pos, n_sequences):
        s = strings[i]
        while is_reber_string(s, embedded=embedded):
            pos = rng.randint(1, len(s) - 1)
            choices = [c for c in "TSXPV" if c != strings[i][pos]]
            s = strings[i][:pos] + choices[rng.randint(len(choices))] + strings[i][pos + 1 :]
        strings[i] = s
    y = (np.arange(n_sequences) < n_pos).astype(np.int64)
    order = rng.permutation(n_sequences)
    return [_one_hot(strings[i]) for i in order], y[order]


def make_adding_problem(n_sequences=1000, *, n_timesteps=50, random_state=None):
    """Generate the adding problem (Hochreiter & Schmidhuber, 1997, experiment 4).

    Each sequence has two features per step: a value drawn uniformly from
    [0, 1] and a marker. Exactly two steps are marked, one in each half of
    the sequence; the target is the sum of their two values, read after the
    last step. This is the variant of Le et al. (2015) and Arjovsky et al.
    (2016): always predicting 1 gives a mean squared error of about 0.167,
    and a model must carry the first marked value across at least half the
    sequence to do better.

    Parameters
    ----------
    n_sequences : int, default=1000
        Number of sequences.
    n_timesteps : int, default=50
        Length T of every sequence; at least 2.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_sequences, n_timesteps, 2)
        Values in column 0, markers (0 or 1) in column 1.
    y : ndarray of shape (n_sequences,)
        The sum of the two marked values.

    Examples
    --------
    >>> from skrnn.datasets import make_adding_problem
    >>> X, y = make_adding_problem(3, n_timesteps=10, random_state=0)
    >>> X.shape, X[:, :, 1].sum(axis=1).tolist()
    ((3, 10, 2), [2.0, 2.0, 2.0])
    >>> bool(abs(y[0] - X[0, X[0, :, 1] == 1, 0].sum()) < 1e-12)
    True
    """
    _check_n(n_sequences, "n_sequences")
    _check_n(n_timesteps, "n_timesteps", min_val=2)
    rng = check_random_state(random_state)
    X = np.zeros((n_sequences, n_timesteps, 2))
    X[:, :, 0] = rng.uniform(0, 1, (n_sequences, n_timesteps))
    half = n_timesteps // 2
    rows = np.arange(n_sequences)
    first = rng.randint(0, half, n_sequences)
    second = rng.randint(half, n_timesteps, n_sequences)
    X[rows, first, 1] = 1
    X[rows, second, 1] = 1
    y = X[rows, first, 0] + X[rows, second, 0]
    return X, y
