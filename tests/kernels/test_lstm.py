"""The compiled LSTM kernels against a NumPy reference."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

import skrnn.lstm._network as network_module
from skrnn._packing import Packing
from skrnn._sequences import Sequences
from skrnn.lstm._network import LSTMNetwork

from .._reference import lstm_reference
from ._parallel import assert_blocks_match_one_thread

RTOL = {np.float32: 2e-5, np.float64: 1e-12}
ATOL = {np.float32: 2e-6, np.float64: 1e-13}

LENGTHS = {
    "uneven": [4, 1, 7, 3],
    "one-sequence": [6],
    "equal": [5, 5, 5],
}


def _network(hidden_sizes, peepholes, output_activation="identity", n_outputs=2):
    return LSTMNetwork(3, hidden_sizes, n_outputs, output_activation=output_activation,
                       peepholes=peepholes)


def _weights(net, dtype, seed=0):
    rng = np.random.RandomState(seed)
    views = {}
    for name, shape in net.layout():
        views[name] = rng.uniform(-1, 1, shape).astype(dtype)
    return views


def _sequences(lengths, dtype, seed=0):
    rng = np.random.RandomState(seed)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.intp)
    return Sequences(rng.uniform(-1, 1, (offsets[-1], 3)).astype(dtype), offsets, "list")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("lengths", list(LENGTHS))
@pytest.mark.parametrize("hidden_sizes", [(4,), (4, 3), (20,)])  # 20: SIMD blocks and a tail
@pytest.mark.parametrize("peepholes", [False, True])
@pytest.mark.parametrize("output", ["identity", "softmax"])
def test_forward_matches_reference(dtype, lengths, hidden_sizes, peepholes, output):
    net = _network(hidden_sizes, peepholes, output)
    params = _weights(net, dtype)
    seqs = _sequences(LENGTHS[lengths], dtype)
    state0 = np.random.RandomState(1).uniform(-1, 1, (seqs.n_sequences, net.state_size))
    Y, cache, state = net.forward(params, seqs, state0.astype(dtype))
    Y_ref, entering = lstm_reference(net, params, seqs.X.astype(np.float64), seqs.offsets,
                                     state0)
    assert Y.dtype == state.dtype == dtype
    np.testing.assert_allclose(Y, Y_ref, rtol=RTOL[dtype], atol=ATOL[dtype])
    # prediction keeps no gates, and sums the three terms of z_t in another order
    Y_lean, _, state_lean = net.forward(params, seqs, state0.astype(dtype), need_cache=False)
    np.testing.assert_allclose(Y_lean, Y_ref, rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(state_lean, state, rtol=RTOL[dtype], atol=ATOL[dtype])
    # the state after each sequence's last step is what its next step would enter with
    one_more = [np.vstack([seqs.X[seqs.offsets[s]:seqs.offsets[s + 1]], np.zeros((1, 3))])
                    for s in range(seqs.n_sequences)]
    longer = Sequences(np.vstack(one_more).astype(np.float64),
                       seqs.offsets + np.arange(seqs.n_sequences + 1), "list")
    _, entering_longer = lstm_reference(net, params, longer.X, longer.offsets, state0)
    expected_state = entering_longer[longer.offsets[1:] - 1]
    np.testing.assert_allclose(state, expected_state, rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hidden_states_match_reference(dtype):
    """h_t of every layer, read off the states the reference enters the next step with."""
    net = _network((4, 3), True)
    params = _weights(net, dtype, seed=2)
    seqs = _sequences([6, 3, 5], dtype)
    state0 = np.zeros((3, net.state_size))
    _, (packing, layers, H_top), _ = net.forward(params, seqs, state0.astype(dtype))
    # layer 1 reads h_t of layer 0 as its input x_t
    H0, C0, H1 = (packing.unpack(layers[1][0][:, :4]), packing.unpack(layers[0][2]),
                  packing.unpack(H_top))
    _, entering = lstm_reference(net, params, seqs.X.astype(np.float64), seqs.offsets, state0)
    # inside a sequence, the state entering step t + 1 holds h_t and c_t
    inner = np.setdiff1d(np.arange(seqs.n_steps - 1), seqs.offsets[1:-1] - 1)
    for computed, columns in ((H0, slice(0, 4)), (C0, slice(4, 8)), (H1, slice(8, 11))):
        np.testing.assert_allclose(computed[inner], entering[inner + 1, columns],
                                   rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_accepts_read_only_inputs(dtype):
    net = _network((3,), True)
    params = _weights(net, dtype)
    for view in params.values():
        view.flags.writeable = False
    seqs = _sequences([3, 2], dtype)
    seqs.X.flags.writeable = False
    state0 = net.initial_state(2, dtype)
    state0.flags.writeable = False
    Y, _, _ = net.forward(params, seqs, state0)
    Y_ref, _ = lstm_reference(net, params, seqs.X.astype(np.float64), seqs.offsets,
                              np.zeros((2, net.state_size)))
    np.testing.assert_allclose(Y, Y_ref, rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("lengths", ["uneven", "equal"])
@pytest.mark.parametrize("n_threads", [2, 3, 8])
def test_parallel_blocks_give_the_single_thread_results(lengths, n_threads,
                                                        monkeypatch):
    net = _network((4, 3), True)
    params = _weights(net, np.float64)
    seqs = _sequences(LENGTHS[lengths] * 3, np.float64)
    assert_blocks_match_one_thread(net, params, seqs, n_threads, network_module, monkeypatch)


def test_generate_matches_feeding_outputs_back_by_hand():
    net = LSTMNetwork(2, (5, 3), 2, output_activation="identity", peepholes=True)
    params = _weights(net, np.float64, seed=5)
    rng = np.random.RandomState(2)
    history = Sequences(rng.uniform(-1, 1, (5, 2)), np.array([0, 5], dtype=np.intp), "series")
    Y, _, state = net.forward(params, history, net.initial_state(1, np.float64))
    generated = net.generate(params, state, Y[-1:], 4)
    # by hand, through the reference: the whole history plus the fed-back outputs
    X = history.X
    for _ in range(5):
        Y_ref, _ = lstm_reference(net, params, X, np.array([0, X.shape[0]]),
                                  np.zeros((1, net.state_size)))
        X = np.vstack([X, Y_ref[-1:]])
    # rows 5.. of X are y_4 (the last observed output), then the generated ones
    np.testing.assert_allclose(generated, X[6:], rtol=1e-12)
    assert generated.shape == (4, 2)


@pytest.mark.parametrize("lengths", [[3, 3, 3], [5, 1, 4, 4], [7]])
def test_packing_orders_rows_time_major(lengths):
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.intp)
    order = np.argsort(-np.array(lengths), kind="stable")
    packing = Packing.from_offsets(offsets, order)
    # by hand: step t of every sequence still running, longest first
    expected = [offsets[s] + t for t in range(max(lengths)) for s in order if lengths[s] > t]
    np.testing.assert_array_equal(packing.rows, expected)
    assert packing.starts[-1] == offsets[-1]
    V = np.arange(offsets[-1], dtype=float)[:, None]
    np.testing.assert_array_equal(packing.unpack(packing.pack(V)), V)


def test_reused_packing_of_equal_lengths_is_never_stale():
    """Equal-length packings are cached by shape: a new layout must not get an old one."""
    first = Packing.from_offsets(np.array([0, 4, 8]), np.array([0, 1]))
    again = Packing.from_offsets(np.array([0, 4, 8]), np.array([0, 1]))
    swapped = Packing.from_offsets(np.array([0, 4, 8]), np.array([1, 0]))
    np.testing.assert_array_equal(again.rows, first.rows)
    np.testing.assert_array_equal(swapped.rows, [4, 0, 5, 1, 6, 2, 7, 3])
    np.testing.assert_array_equal(swapped.order, [1, 0])


def test_the_fused_cells_logistic_function_is_accurate():
    """The prediction cell's own logistic function (AVX-512; libm elsewhere):
    within 3 ulp of float64 where the result is a normal float, tiny beyond
    its clamp, saturating without overflow, and NaN kept."""
    from skrnn._kernels._lstm import _logistic_float32

    x = np.concatenate([np.linspace(-87, 88, 2_000_003, dtype=np.float32),
                        np.float32([0.0, -0.0, 1e-30, -1e-30, 5e-4, -3.2])])
    y = x.copy()
    _logistic_float32(y)
    exact = 1 / (1 + np.exp(-x.astype(np.float64)))
    ulp = np.spacing(exact.astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(y - exact) / ulp) <= 3
    far = np.float32([-1e30, -300.0, -100.0, 100.0, 300.0, 1e30, np.inf, -np.inf, np.nan])
    _logistic_float32(far)
    np.testing.assert_allclose(far[:-1], [0, 0, 0, 1, 1, 1, 1, 0], rtol=0, atol=1e-38)
    assert np.isnan(far[-1])


def test_the_fused_cells_tanh_is_accurate():
    """The float32 cell's own rational tanh (AVX-512; libm elsewhere): within
    6 ulp of float64 over [-12, 12] and down to the subnormals, odd, exact at
    0 with its sign, saturating at +-1, and NaN kept (training must see a
    diverging fit)."""
    from skrnn._kernels._lstm import _tanh_float32

    small = np.logspace(-44, 1, 20_001).astype(np.float32)
    x = np.concatenate([np.linspace(-12, 12, 2_400_001, dtype=np.float32), small, -small])
    y = x.copy()
    _tanh_float32(y)
    exact = np.tanh(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(y - exact) / ulp) <= 6
    positive, negative = y[-2 * small.size:-small.size], y[-small.size:]
    np.testing.assert_array_equal(positive, -negative)
    far = np.float32([0.0, -0.0, 1e30, -1e30, np.inf, -np.inf, np.nan])
    _tanh_float32(far)
    np.testing.assert_array_equal(far[:-1], [0, 0, 1, -1, 1, -1])
    assert np.signbit(far[1]) and not np.signbit(far[0])
    assert np.isnan(far[-1])
