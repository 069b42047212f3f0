"""The lane-blocked population kernels against the networks' own loss.

Many ragged sequences (several blocks of lanes, the last one partial), unit
counts that leave remainders in the kernels' row tiles, per-step and
per-sequence targets, regression and classification; at every SIMD level
the machine has (``SKRNN_ISA_LEVEL``, in a subprocess: the level is read
once per process).
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skrnn import (
    ElmanClassifier,
    ElmanRegressor,
    JordanRegressor,
    LSTMClassifier,
    LSTMRegressor,
)
from skrnn._kernels._lane_layout import srn_lane_layout
from skrnn._kernels._srn import LANES

NETWORKS = [
    ("elman", lambda: ElmanRegressor(n_hidden=9, alpha=0.1)),
    ("elman_relu", lambda: ElmanRegressor(n_hidden=5, activation="relu")),
    ("elman_logistic", lambda: ElmanRegressor(n_hidden=5, activation="logistic", alpha=0.1)),
    ("jordan", lambda: JordanRegressor(n_hidden=6, context_decay=0.4, alpha=0.1)),
    ("lstm", lambda: LSTMRegressor(n_hidden=5, alpha=0.1)),
    ("lstm_stacked", lambda: LSTMRegressor(n_hidden=(3, 7), peepholes=True)),
    ("elman_classifier", lambda: ElmanClassifier(n_hidden=7)),
    ("lstm_classifier", lambda: LSTMClassifier(n_hidden=3)),
]
RTOL = {np.float64: 1e-10, np.float32: 2e-5}


def _data(name, per_step, dtype, seed=0):
    """37 sequences of 1 to 12 steps (three blocks of 16 lanes, the last partial).

    The first three include every class of the classifiers."""
    rng = np.random.RandomState(seed)
    lengths = rng.randint(1, 13, size=37)
    X = [rng.randn(n, 2).astype(dtype) for n in lengths]
    if "classifier" in name:
        y = rng.randint(3, size=len(lengths))
        y[:3] = np.arange(3)
        return X, y
    if per_step:
        return X, [rng.randn(n, 2) for n in lengths]
    return X, rng.randn(len(lengths))


def _check(name, make, per_step, dtype, n_seq=37, n_candidates=5):
    X, y = _data(name, per_step, dtype)
    X, y = X[:n_seq], y[:n_seq]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = make().set_params(max_iter=1, random_state=0).fit(X, y)
    thetas = 0.6 * np.random.RandomState(1).randn(n_candidates,
                                                  est.get_flat_weights().shape[0])
    expected = [est.evaluate_loss(X, y, weights=theta) for theta in thetas]
    np.testing.assert_allclose(est.population_loss(thetas, X, y), expected,
                               rtol=RTOL[dtype], err_msg=name)


# the classifiers take one label per sequence
CASES = [(name, make, per_step) for name, make in NETWORKS for per_step in (True, False)
         if not ("classifier" in name and per_step)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, make, per_step", CASES,
                         ids=[f"{n}-{'step' if p else 'seq'}" for n, _, p in CASES])
def test_population_loss_many_ragged_sequences(name, make, per_step, dtype):
    _check(name, make, per_step, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, make, per_step", CASES,
                         ids=[f"{n}-{'step' if p else 'seq'}" for n, _, p in CASES])
def test_population_loss_few_sequences(name, make, per_step, dtype):
    """Three sequences: the lanes run across candidates, in groups of 16, the
    last one partial."""
    _check(name, make, per_step, dtype, n_seq=3, n_candidates=37)


def test_lane_layout_places_every_row():
    """Each row of the batch lands in its sequence's lane, at its step, and a
    block of short sequences takes only its own steps."""
    rng = np.random.RandomState(0)
    lengths = np.array([3, 1, 5, 2] * 5 + [40])
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.intp)
    X = rng.randn(offsets[-1], 2)
    order = np.argsort(-lengths, kind="stable").astype(np.intp)
    rows = np.arange(0, offsets[-1], 2, dtype=np.intp)
    T = rng.randn(rows.shape[0], 1)
    state0 = rng.randn(lengths.shape[0], 4)
    layout = srn_lane_layout(X, offsets, order, rows, T, state0, LANES)
    # the first block runs the longest sequence's 40 steps, the second its own
    np.testing.assert_array_equal(np.diff(layout.starts),
                                  [40, lengths[order[LANES:]].max()])
    assert layout.X.shape == (layout.starts[-1], 2, LANES)
    for position, s in enumerate(order):
        block, lane = divmod(position, LANES)
        for t in range(lengths[s]):
            np.testing.assert_array_equal(layout.X[layout.starts[block] + t, :, lane],
                                          X[offsets[s] + t])
        np.testing.assert_array_equal(layout.state0[block, :, lane], state0[s])
    assert layout.mask.sum() == rows.shape[0] == layout.n_targets
    for i, r in enumerate(rows):
        s = np.searchsorted(offsets, r, side="right") - 1
        block, lane = divmod(int(np.flatnonzero(order == s)[0]), LANES)
        slab = layout.starts[block] + r - offsets[s]
        assert layout.mask[slab, lane] == 1
        assert layout.T[slab, 0, lane] == T[i, 0]
        assert layout.any_target[slab] == 1


@pytest.mark.parametrize("isa_level", ["0", "1", "2"])
def test_population_loss_every_isa_level(isa_level):
    """The kernels' AVX-512, AVX2 and baseline products (a level the machine
    lacks runs the highest it has)."""
    import skrnn

    root = os.path.dirname(os.path.dirname(os.path.abspath(skrnn.__file__)))
    env = dict(os.environ, SKRNN_ISA_LEVEL=isa_level, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, os.path.abspath(__file__)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.split().count("ok") == len(NETWORKS) + 1, done.stdout


if __name__ == "__main__":
    for name, make in NETWORKS:
        _check(name, make, "classifier" not in name, np.float64)
        _check(name, make, "classifier" not in name, np.float64, n_seq=3, n_candidates=37)
        print(name, "ok", flush=True)
    _check("elman", NETWORKS[0][1], False, np.float64)
    print("per-sequence ok", flush=True)
