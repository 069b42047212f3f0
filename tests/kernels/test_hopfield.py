"""The compiled Hopfield recall kernel against a NumPy reference."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest

from skrnn._kernels._hopfield import (
    _py_sweep_orders,
    all_in_pair,
    hopfield_recall,
    max_abs_row_sum,
)

from .._hopfield_reference import TWO_CYCLE, async_recall, sync_recall


def _network(n, dtype, seed=0, integer=False):
    """Random symmetric couplings with a zero diagonal.

    Gaussian ones never tie; small integers (for large n) keep every field
    exact in float32 too, so the kernel and the float64 reference agree
    bit for bit, zero fields (ties) included.
    """
    rng = np.random.RandomState(seed)
    if integer:
        A = rng.randint(-3, 4, size=(n, n)).astype(np.float64)
        W = A + A.T
        np.fill_diagonal(W, 0)
        return W.astype(dtype)
    A = rng.normal(size=(n, n))
    W = (A + A.T) / np.sqrt(2 * n)
    np.fill_diagonal(W, 0)
    return W.astype(dtype)


def _probes(n_probes, n, dtype, seed=1):
    return np.random.RandomState(seed).choice([-1.0, 1.0], (n_probes, n)).astype(dtype)


def _tie(W):
    """The rounding band the estimator uses."""
    return 8 * np.finfo(W.dtype).eps * float(np.abs(W).sum(axis=1).max())


def _run(W, S, synchronous, max_iter=50, seed=3, n_threads=1, tie=None, n_precomputed=64):
    tie = _tie(W) if tie is None else tie
    S = S.copy()
    H = S @ W
    n_iter = np.zeros(len(S), dtype=np.int32)
    status = np.zeros(len(S), dtype=np.int8)
    hopfield_recall(W, S, H, synchronous, max_iter, tie, seed, n_threads, n_iter, status,
                    n_precomputed)
    return S, H, n_iter, status


def test_sweep_orders_are_permutations_with_stable_prefix():
    orders = _py_sweep_orders(20, 13, 7)
    assert np.array_equal(np.sort(orders, axis=1), np.tile(np.arange(13), (20, 1)))
    assert len({tuple(row) for row in orders}) == 20   # a new order every sweep
    assert np.array_equal(_py_sweep_orders(5, 13, 7), orders[:5])
    assert not np.array_equal(_py_sweep_orders(5, 13, 8), orders[:5])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,n_probes", [(1, 12), (2, 12), (30, 12), (400, 70)])
def test_async_matches_reference(dtype, n, n_probes):
    # 400 units: probes run in lockstep blocks of 64, so 70 probes span two
    # blocks, the second one partial
    W, S0 = _network(n, dtype, integer=n > 100), _probes(n_probes, n, dtype)
    S, H, n_iter, status = _run(W, S0, synchronous=False, max_iter=50, seed=3)
    orders = _py_sweep_orders(50, n, 3)
    for p in range(len(S0)):
        s, it, st = async_recall(W.astype(np.float64), S0[p].astype(np.float64), orders,
                                 tie=_tie(W))
        assert np.array_equal(S[p], s)
        assert (n_iter[p], status[p]) == (it, st)
    # the fields handed back are those of the recalled states
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(H, S @ W, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(4))
def test_sync_matches_reference(dtype, seed):
    W, S0 = _network(25, dtype, seed), _probes(20, 25, dtype, seed + 10)
    S, _, n_iter, status = _run(W, S0, synchronous=True, max_iter=40)
    for p in range(len(S0)):
        s, it, st = sync_recall(W.astype(np.float64), S0[p].astype(np.float64), 40,
                                tie=_tie(W))
        assert np.array_equal(S[p], s)
        assert (n_iter[p], status[p]) == (it, st)
    # random couplings make 2-cycles common: the detection is exercised
    assert np.any(status == TWO_CYCLE)


@pytest.mark.parametrize("n_precomputed", [1, 2])
def test_orders_drawn_on_the_fly_continue_the_stream(n_precomputed):
    """Sweeps past the shared, precomputed orders draw theirs from the same stream."""
    W, S0 = _network(30, np.float64, seed=5), _probes(40, 30, np.float64, seed=6)
    S, _, n_iter, _ = _run(W, S0, synchronous=False, n_precomputed=n_precomputed)
    assert n_iter.max() > n_precomputed          # the on-the-fly path ran
    reference = _run(W, S0, synchronous=False)
    np.testing.assert_array_equal(S, reference[0])
    np.testing.assert_array_equal(n_iter, reference[2])
    orders = _py_sweep_orders(50, 30, 3)
    for p in range(len(S0)):
        s, it, _ = async_recall(W, S0[p], orders, tie=_tie(W))
        assert np.array_equal(S[p], s) and n_iter[p] == it


def test_sync_two_cycle_of_antiferromagnetic_pair():
    W = np.array([[0.0, -1.0], [-1.0, 0.0]])
    S, _, n_iter, status = _run(W, np.array([[1.0, 1.0]]), synchronous=True)
    assert status[0] == TWO_CYCLE and n_iter[0] == 2
    # (1, 1) -> (-1, -1) -> (1, 1): equal energies, the newer state is returned
    assert np.array_equal(S, [[1.0, 1.0]])


def test_ties_keep_the_state():
    W = np.zeros((3, 3))
    S, _, n_iter, status = _run(W, np.array([[1.0, -1.0, 1.0]]), synchronous=False, tie=0.0)
    assert np.array_equal(S, [[1.0, -1.0, 1.0]]) and status[0] == 0 and n_iter[0] == 1
    # a field inside the tie band keeps the state too
    W = np.array([[0.0, 1e-9], [1e-9, 0.0]])
    S, *_ = _run(W, np.array([[1.0, -1.0]]), synchronous=False, tie=1e-8)
    assert np.array_equal(S, [[1.0, -1.0]])


@pytest.mark.parametrize("synchronous", [False, True])
def test_threads_do_not_change_the_answer(synchronous):
    W, S0 = _network(40, np.float64), _probes(64, 40, np.float64)
    one = _run(W, S0, synchronous, n_threads=1)
    two = _run(W, S0, synchronous, n_threads=2)
    for a, b in zip(one, two):
        assert np.array_equal(a, b)


def test_read_only_weights():
    W, S0 = _network(10, np.float64), _probes(3, 10, np.float64)
    W.setflags(write=False)
    S, *_ = _run(W, S0, synchronous=False)
    assert np.all(np.abs(S) == 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_helpers_match_numpy(dtype):
    W = _network(17, dtype, seed=2)
    assert np.isclose(max_abs_row_sum(W), np.abs(W).sum(axis=1).max(), rtol=1e-6)
    X = _probes(6, 9, dtype)
    for values in [(-1, 1), (0, 1)]:
        for Z in (X, np.asfortranarray(X), X[:, ::2], (X + 1) / 2):
            assert all_in_pair(Z, *values) == bool(np.all(np.isin(Z, values)))
    assert not all_in_pair(np.array([[1.0, 0.5]], dtype=dtype), 0, 1)
