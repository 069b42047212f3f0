"""Prediction is batch-invariant: a sequence's outputs are the same, bit for bit,
alone or inside any batch, in any thread block.

The prediction kernels use their own matrix product (``_rowgemm.h``), in
which row r of the result depends on row r of the input alone, and a tanh in
which an element does not depend on where it sits in the buffer. A BLAS
makes no such promise (another batch size can pick another kernel or GEMV,
which round differently). These tests run again at the lower SIMD levels
(``test_isa_levels.py``), so every variant of the product is checked.
"""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

import skrnn.utils._threads as threads_module
from skrnn._kernels._rowgemm import rowwise_matmul_add
from skrnn._sequences import Sequences
from skrnn.elman._network import SimpleRecurrentNetwork
from skrnn.lstm._network import LSTMNetwork
from skrnn.utils._threads import limit_threads

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 1e-5, np.float64: 1e-12}


def _rowwise(A, B, C):
    out = C.copy()
    rowwise_matmul_add(A, B, out)
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k,n", [(1, 13), (5, 9), (33, 128), (70, 37), (200, 70),
                                 (300, 17), (32, 1), (33, 3), (7, 2), (300, 2)])
def test_rowwise_product_rows_do_not_depend_on_the_batch(dtype, k, n):
    rng = np.random.RandomState(0)
    A = rng.uniform(-1, 1, (23, k)).astype(dtype)
    B = rng.uniform(-1, 1, (k, n)).astype(dtype)
    C = rng.uniform(-1, 1, (23, n)).astype(dtype)
    full = _rowwise(A, B, C)
    np.testing.assert_allclose(full, C + A.astype(np.float64) @ B, rtol=TOL[dtype],
                               atol=TOL[dtype])
    # every row, computed alone and in batches of every size and offset
    for size in (1, 2, 3, 5, 6, 7, 13):
        for start in range(0, 23 - size + 1, 4):
            rows = slice(start, start + size)
            np.testing.assert_array_equal(_rowwise(A[rows], B, C[rows]), full[rows])


def test_rowwise_product_checks_shapes():
    A, B = np.ones((3, 2)), np.ones((4, 5))
    with pytest.raises(ValueError, match="shapes"):
        rowwise_matmul_add(A, B, np.zeros((3, 5)))


def _sequences(lengths, n_features, dtype, seed):
    rng = np.random.RandomState(seed)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.intp)
    X = rng.uniform(-1, 1, (offsets[-1], n_features)).astype(dtype)
    return Sequences(X, offsets, "list")


NETWORKS = {
    "elman": lambda: SimpleRecurrentNetwork(3, 9, 2, recurrence="hidden", activation="tanh",
                                            output_activation="identity"),
    "jordan-softmax": lambda: SimpleRecurrentNetwork(
        3, 7, 3, recurrence="output", activation="logistic", output_activation="softmax",
        context_decay=0.5),
    "lstm": lambda: LSTMNetwork(3, (10,), 2, output_activation="identity"),
    "lstm-peepholes-stacked": lambda: LSTMNetwork(3, (6, 5), 1, output_activation="logistic",
                                                  peepholes=True),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(NETWORKS))
@pytest.mark.parametrize("n_threads", [1, 3])
def test_a_sequence_predicts_the_same_alone_and_in_any_batch(dtype, name, n_threads,
                                                             monkeypatch):
    net = NETWORKS[name]()
    rng = np.random.RandomState(0)
    params = {key: rng.uniform(-1, 1, shape).astype(dtype) for key, shape in net.layout()}
    # even tiny batches are split over threads: the split must change nothing
    monkeypatch.setattr(threads_module, "MIN_WORK_PER_BLOCK", 1)
    seq = _sequences([11], 3, dtype, seed=1)

    def predict(seqs):
        state = net.initial_state(seqs.n_sequences, dtype)
        with limit_threads(n_threads, parallel_kernels=True):
            Y, _, final = net.forward(params, seqs, state, need_cache=False)
        return Y, final

    Y_alone, final_alone = predict(seq)
    for lengths in ([11, 11, 11], [3, 11, 20], [25, 1, 11, 7, 7, 16, 2], [11] * 9):
        batch = _sequences(lengths, 3, dtype, seed=2)
        position = lengths.index(11)
        start = batch.offsets[position]
        batch.X[start:start + 11] = seq.X
        Y, final = predict(batch)
        np.testing.assert_array_equal(Y[start:start + 11], Y_alone)
        np.testing.assert_array_equal(final[position], final_alone[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("peepholes", [False, True])
def test_every_sequence_of_a_batch_wider_than_a_tile_predicts_as_alone(dtype, peepholes):
    """The LSTM predicts a step in tiles of rows that stay in the L1 cache
    (6 to 12 rows at 40 units): every row of every tile, and of the tail
    tile, must give what the sequence gives alone."""
    net = LSTMNetwork(3, (40,), 2, output_activation="identity", peepholes=peepholes)
    rng = np.random.RandomState(0)
    params = {key: rng.uniform(-0.5, 0.5, shape).astype(dtype) for key, shape in net.layout()}
    lengths = [9, 4, 9, 1, 7, 9, 3, 8, 9, 2, 9, 6, 9, 5, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]
    batch = _sequences(lengths, 3, dtype, seed=3)
    Y, _, final = net.forward(params, batch, net.initial_state(len(lengths), dtype),
                              need_cache=False)
    for s, (start, stop) in enumerate(zip(batch.offsets[:-1], batch.offsets[1:])):
        alone = Sequences(batch.X[start:stop], np.array([0, stop - start], dtype=np.intp),
                          "list")
        Y_alone, _, final_alone = net.forward(params, alone, net.initial_state(1, dtype),
                                              need_cache=False)
        np.testing.assert_array_equal(Y[start:stop], Y_alone)
        np.testing.assert_array_equal(final[s], final_alone[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("peepholes", [False, True])
def test_the_lstm_trains_on_the_outputs_it_predicts(dtype, peepholes):
    """Training's forward pass (which keeps the gates for the gradient) runs
    the same product and cell as prediction: the same outputs and final
    states bit for bit, on a stacked network over sequences of mixed lengths."""
    net = LSTMNetwork(3, (10, 7), 2, output_activation="identity", peepholes=peepholes)
    rng = np.random.RandomState(0)
    params = {key: rng.uniform(-0.5, 0.5, shape).astype(dtype) for key, shape in net.layout()}
    batch = _sequences([9, 4, 13, 1, 9, 7, 20, 2, 9], 3, dtype, seed=4)
    state = rng.uniform(-0.5, 0.5, (9, net.initial_state(1, dtype).shape[1])).astype(dtype)
    Y_fit, _, final_fit = net.forward(params, batch, state, need_cache=True)
    Y_pred, _, final_pred = net.forward(params, batch, state, need_cache=False)
    np.testing.assert_array_equal(Y_fit, Y_pred)
    np.testing.assert_array_equal(final_fit, final_pred)
