"""The scratch arrays a fit reuses from batch to batch (skrnn.utils._workspace)."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skrnn._sequences import Sequences
from skrnn.elman._network import SimpleRecurrentNetwork
from skrnn.lstm._network import LSTMNetwork
from skrnn.utils._workspace import NO_WORKSPACE, Workspace


def test_a_name_gets_its_memory_back_and_grows_when_asked_for_more():
    ws = Workspace()
    a = ws.empty("A", (4, 5), np.float32)
    assert a.shape == (4, 5) and a.dtype == np.float32 and a.flags.c_contiguous
    smaller = ws.empty("A", (3, 5), np.float32)
    assert np.shares_memory(a, smaller)
    other_dtype = ws.empty("A", (3, 5), np.float64)
    assert not np.shares_memory(a, other_dtype)
    assert not np.shares_memory(a, ws.empty("B", (4, 5), np.float32))
    larger = ws.empty("A", (10, 5), np.float32)
    assert larger.shape == (10, 5) and not np.shares_memory(a, larger)
    assert not np.shares_memory(NO_WORKSPACE.empty("A", (2,), float),
                                NO_WORKSPACE.empty("A", (2,), float))


def _batch(lengths, n_features, dtype, seed):
    rng = np.random.RandomState(seed)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.intp)
    X = rng.uniform(-1, 1, (offsets[-1], n_features)).astype(dtype)
    return Sequences(X, offsets, "list")


NETWORKS = {
    "lstm-stacked-peepholes": lambda: LSTMNetwork(3, (6, 5), 2, output_activation="identity",
                                                  peepholes=True),
    "elman": lambda: SimpleRecurrentNetwork(3, 7, 2, recurrence="hidden", activation="tanh",
                                            output_activation="identity"),
}


@pytest.mark.parametrize("name", list(NETWORKS))
def test_training_steps_through_a_workspace_equal_fresh_arrays(name):
    """Batches of other sizes one after the other, as in a fit: what a batch
    leaves in the buffers must not leak into the next one's loss or gradient."""
    net = NETWORKS[name]()
    rng = np.random.RandomState(0)
    params = {key: rng.uniform(-0.5, 0.5, shape) for key, shape in net.layout()}
    ws = Workspace()
    for seed, lengths in enumerate([[9, 4, 7], [3, 12], [9, 4, 7, 8, 8], [2]]):
        seqs = _batch(lengths, 3, np.float64, seed)
        state0 = net.initial_state(len(lengths), np.float64)
        dO = np.random.RandomState(seed).normal(size=(seqs.n_steps, 2))
        results = []
        for workspace in (NO_WORKSPACE, ws):
            Y, cache, state = net.forward(params, seqs, state0, workspace=workspace)
            grads = {key: np.empty_like(value) for key, value in params.items()}
            net.gradient(params, seqs, cache, dO, grads, state0, workspace=workspace)
            results.append((Y, state, grads))
        (Y0, s0, g0), (Y1, s1, g1) = results
        np.testing.assert_array_equal(Y1, Y0)
        np.testing.assert_array_equal(s1, s0)
        for key in g0:
            np.testing.assert_array_equal(g1[key], g0[key])
