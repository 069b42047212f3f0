"""The compiled simple-recurrent-network kernels against a NumPy reference."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

import skrnn.elman._network as network_module
from skrnn._kernels._blocks import plan_blocks
from skrnn._layers import previous_rows_product
from skrnn._sequences import Sequences
from skrnn.elman._network import SimpleRecurrentNetwork

from .._reference import srn_reference
from ._parallel import assert_blocks_match_one_thread

RTOL = {np.float32: 1e-5, np.float64: 1e-12}
ATOL = {np.float32: 1e-6, np.float64: 1e-13}


def _network(recurrence, activation, output_activation, n_outputs=2):
    return SimpleRecurrentNetwork(
        3, 5, n_outputs, recurrence=recurrence, activation=activation,
        output_activation=output_activation, initial_context=0.25, context_decay=0.7)


def _weights(net, dtype, seed=0):
    rng = np.random.RandomState(seed)
    n = sum(int(np.prod(shape)) for _, shape in net.layout())
    theta = rng.uniform(-1, 1, n).astype(dtype)
    views, start = {}, 0
    for name, shape in net.layout():
        size = int(np.prod(shape))
        views[name] = theta[start:start + size].reshape(shape)
        start += size
    return views


def _sequences(lengths, dtype, seed=0):
    rng = np.random.RandomState(seed)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.intp)
    X = rng.uniform(-1, 1, (offsets[-1], 3)).astype(dtype)
    return Sequences(X, offsets, "list")


LENGTHS = {
    "uneven": [4, 1, 7, 3],
    "one-sequence": [6],
    "length-one": [1, 1],
    "equal": [5, 5, 5],
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lengths", list(LENGTHS))
@pytest.mark.parametrize("recurrence,output", [("hidden", "identity"), ("output", "identity"),
                                               ("output", "softmax"), ("output", "logistic")])
@pytest.mark.parametrize("activation", ["tanh", "logistic", "relu", "identity"])
def test_forward_matches_reference(dtype, lengths, recurrence, output, activation):
    n_outputs = 1 if output == "logistic" else 2
    net = _network(recurrence, activation, output, n_outputs)
    params = _weights(net, dtype)
    seqs = _sequences(LENGTHS[lengths], dtype)
    state0 = np.random.RandomState(1).uniform(-1, 1, (seqs.n_sequences, net.state_size))
    Y, (H, C, _, _), state = net.forward(params, seqs, state0.astype(dtype))
    Y_ref, H_ref, entering = srn_reference(net, params, seqs.X.astype(np.float64),
                                           seqs.offsets, state0)
    assert Y.dtype == H.dtype == state.dtype == dtype
    np.testing.assert_allclose(H, H_ref, rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(Y, Y_ref, rtol=RTOL[dtype], atol=ATOL[dtype])
    # the final state is what the step after each sequence's last would see
    last = seqs.last_rows
    expected_state = (net.context_decay * entering[last] + Y_ref[last] if net.is_jordan
                      else H_ref[last])
    np.testing.assert_allclose(state, expected_state, rtol=RTOL[dtype], atol=ATOL[dtype])
    if net.is_jordan:
        np.testing.assert_allclose(C, entering, rtol=RTOL[dtype], atol=ATOL[dtype])
    # prediction (no cache): its own kernel, which keeps no hidden state per step
    Y_pred, cache, state_pred = net.forward(params, seqs, state0.astype(dtype),
                                            need_cache=False)
    assert cache is None and Y_pred.dtype == state_pred.dtype == dtype
    np.testing.assert_allclose(Y_pred, Y_ref, rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(state_pred, expected_state, rtol=RTOL[dtype], atol=ATOL[dtype])


def test_teacher_forcing_feeds_the_given_values():
    net = _network("output", "tanh", "identity")
    params = _weights(net, np.float64)
    seqs = _sequences([4, 6], np.float64)
    forced = np.random.RandomState(3).uniform(-1, 1, (seqs.n_steps, 2))
    state0 = net.initial_state(2, np.float64)
    Y, _, _ = net.forward(params, seqs, state0, forced=forced)
    Y_ref, _, _ = srn_reference(net, params, seqs.X, seqs.offsets, state0, forced=forced)
    np.testing.assert_allclose(Y, Y_ref, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_accepts_read_only_inputs(dtype):
    net = _network("hidden", "tanh", "identity")
    params = _weights(net, dtype)
    for view in params.values():
        view.flags.writeable = False
    seqs = _sequences([3, 2], dtype)
    seqs.X.flags.writeable = False
    Y_ref, _, _ = srn_reference(net, params, seqs.X.astype(np.float64), seqs.offsets,
                                net.initial_state(2, np.float64))
    for need_cache in (True, False):
        Y, _, _ = net.forward(params, seqs, net.initial_state(2, dtype), need_cache=need_cache)
        np.testing.assert_allclose(Y, Y_ref, rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("recurrence", ["hidden", "output"])
def test_generate_matches_feeding_outputs_back_by_hand(recurrence):
    """Free-running generation equals running the network with y_{t-1} as input."""
    net = SimpleRecurrentNetwork(2, 6, 2, recurrence=recurrence, activation="tanh",
                                 output_activation="identity", context_decay=0.4)
    params = _weights(net, np.float64, seed=5)
    rng = np.random.RandomState(2)
    history = Sequences(rng.uniform(-1, 1, (5, 2)), np.array([0, 5], dtype=np.intp), "series")
    Y, _, state = net.forward(params, history, net.initial_state(1, np.float64))
    generated = net.generate(params, state, Y[-1:], 4)
    # by hand: one step at a time through the same forward pass
    y, by_hand = Y[-1:], []
    for _ in range(4):
        step = Sequences(y.copy(), np.array([0, 1], dtype=np.intp), "series")
        y, _, state = net.forward(params, step, state)
        by_hand.append(y[0])
    np.testing.assert_allclose(generated, np.array(by_hand), rtol=1e-12)


@pytest.mark.parametrize("lengths", [[5] * 7, [4, 1, 7, 3, 9, 2, 2, 6]])
def test_plan_blocks_partitions_the_batch_into_sorted_balanced_blocks(lengths):
    seqs = _sequences(lengths, np.float64)
    members, bounds = plan_blocks(seqs.offsets, seqs.order, 3)
    assert sorted(members) == list(range(len(lengths)))
    sizes = np.diff(bounds)
    assert len(sizes) == 3 and sizes.max() - sizes.min() <= 1
    for j in range(3):
        block_lengths = np.diff(seqs.offsets)[members[bounds[j]:bounds[j + 1]]]
        assert np.all(np.diff(block_lengths) <= 0)
    assert list(plan_blocks(seqs.offsets, seqs.order, 1)[1]) == [0, len(lengths)]


@pytest.mark.parametrize("lengths", ["uneven", "equal"])
@pytest.mark.parametrize("recurrence,output", [("hidden", "identity"), ("output", "softmax")])
@pytest.mark.parametrize("n_threads", [2, 3, 8])
def test_parallel_blocks_give_the_single_thread_results(lengths, recurrence, output,
                                                        n_threads, monkeypatch):
    net = _network(recurrence, "tanh", output)
    params = _weights(net, np.float64)
    seqs = _sequences(LENGTHS[lengths] * 3, np.float64)
    assert_blocks_match_one_thread(net, params, seqs, n_threads, network_module, monkeypatch)


@pytest.mark.parametrize("lengths", [[4, 1, 7, 3], [6], [1], [1, 1], [5, 5, 5]])
def test_previous_rows_product_equals_the_product_with_the_shifted_rows(lengths):
    rng = np.random.RandomState(0)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.intp)
    V = rng.uniform(-1, 1, (offsets[-1], 3))
    D = rng.uniform(-1, 1, (offsets[-1], 2))
    start = rng.uniform(-1, 1, (len(lengths), 3))
    shifted = np.empty_like(V)  # v_{t-1}: the row above, or start at a first step
    for s, (a, b) in enumerate(zip(offsets[:-1], offsets[1:])):
        shifted[a] = start[s]
        shifted[a + 1:b] = V[a:b - 1]
    np.testing.assert_allclose(previous_rows_product(V, D, offsets, start), shifted.T @ D,
                               rtol=1e-12, atol=1e-14)
