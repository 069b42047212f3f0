"""The echo state fit with n_jobs=2: the readout's sums on a second thread, fed by a ring
of state buffers. Same bits as one thread; a failure on either side stops both."""
# Authors: The skrnn developers
# SPDX-License-Identifier: BSD-3-Clause

import threading
import time

import numpy as np
import pytest

from skrnn import EchoStateRegressor
from skrnn._readout import _sums
from skrnn.echo_state import _sweep
from skrnn.echo_state._reservoir import Reservoir

PARAMS = {"n_reservoir": 30, "spectral_radius": 0.9, "random_state": 0, "n_washout": 10,
          "output_feedback": True}


def _data(layout, seed=0):
    rng = np.random.RandomState(seed)
    if layout == "series":
        X = rng.uniform(-1, 1, (300, 2))
        y = np.column_stack([np.roll(X[:, 0], 2), np.sin(np.roll(X[:, 1], 1))])
        w = rng.uniform(0, 2, 300)
        w[40:60] = 0
    else:
        X = [rng.uniform(-1, 1, (n, 1)) for n in (40, 25, 60, 3, 51)]
        y = [np.sin(3 * x[:, 0]) for x in X]
        w = [rng.uniform(0, 2, x.shape[0]) for x in X]
        w[1][:] = 0
    return X, y, w


@pytest.fixture
def small_windows(monkeypatch):
    """Windows of 16 steps (30 units) and leaves of 16 steps, three sequences per group:
    many windows, and groups that end in the middle of the ring."""
    monkeypatch.setattr(_sums, "LEAF_ELEMENTS", 33 * 16)
    monkeypatch.setattr(_sweep, "_MIN_WINDOW_ELEMENTS", 30 * 16)
    monkeypatch.setattr(_sweep, "GROUP", 3)


@pytest.fixture
def adds(monkeypatch):
    """Record the thread of every ReadoutSums.add, and make each slow, so that the
    reservoir runs ahead of the sums until the ring is full."""
    threads = []
    real = _sums.ReadoutSums.add

    def slow_add(self, *args, **kwargs):
        threads.append(threading.current_thread())
        time.sleep(0.002)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(_sums.ReadoutSums, "add", slow_add)
    return threads


@pytest.mark.parametrize("layout", ["series", "sequences"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_two_threads_give_the_same_bits(small_windows, adds, layout, weighted):
    X, y, w = _data(layout)
    sample_weight = w if weighted else None
    one = EchoStateRegressor(**PARAMS).fit(X, y, sample_weight=sample_weight)
    assert adds and all(t is threading.main_thread() for t in adds)
    n_windows = len(adds)
    adds.clear()
    two = EchoStateRegressor(**PARAMS, n_jobs=2).fit(X, y, sample_weight=sample_weight)
    # every window's sums were added on the worker thread, in as many adds
    assert len(adds) == n_windows >= 6
    assert all(t is not threading.main_thread() for t in adds)
    # the ring was reused while the slow sums lagged behind: had a buffer been
    # overwritten before its rows were summed, the sums would differ
    for name in ("t_hh", "t_hy", "sum_h", "sum_y", "shift_h"):
        np.testing.assert_array_equal(getattr(two._readout_sums.total, name),
                                      getattr(one._readout_sums.total, name))
    np.testing.assert_array_equal(two.output_weights_, one.output_weights_)
    np.testing.assert_array_equal(two.output_bias_, one.output_bias_)
    assert two.n_readout_rows_ == one.n_readout_rows_
    for key, value in one._stream.items():  # the stream goes on from the same place
        if value is not None:
            np.testing.assert_array_equal(two._stream[key], value)


def test_partial_fit_on_two_threads_gives_the_same_bits(small_windows):
    X, y, w = _data("series")
    one, two = EchoStateRegressor(**PARAMS), EchoStateRegressor(**PARAMS, n_jobs=2)
    for a, b in ((0, 130), (130, 300)):
        one.partial_fit(X[a:b], y[a:b], sample_weight=w[a:b])
        two.partial_fit(X[a:b], y[a:b], sample_weight=w[a:b])
    np.testing.assert_array_equal(two._readout_sums.total.t_hh, one._readout_sums.total.t_hh)
    np.testing.assert_array_equal(two.predict(X), one.predict(X))


def _fails_at(monkeypatch, owner, name, call, error):
    """Make ``owner.name`` raise ``error`` at its ``call``-th call (0: never); the
    list of calls."""
    calls = []
    real = getattr(owner, name)

    def failing(self, *args, **kwargs):
        calls.append(threading.current_thread())
        if len(calls) == call:
            raise error
        return real(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, failing)
    return calls


@pytest.mark.parametrize("error", [MemoryError, RuntimeError("boom")],
                         ids=["MemoryError", "RuntimeError"])
def test_a_failure_in_the_sums_thread_reaches_the_caller(small_windows, monkeypatch, error):
    X, y, _ = _data("series")
    model = EchoStateRegressor(**PARAMS, n_jobs=2).partial_fit(X[:150], y[:150])
    before = (model._readout_sums.total.t_hh.copy(), model.output_weights_.copy(),
              model.n_steps_seen_)
    runs = _fails_at(monkeypatch, Reservoir, "run", 0, None)
    adds = []
    real_add = _sums.ReadoutSums.add

    def failing_add(self, *args, **kwargs):
        adds.append(threading.current_thread())
        if len(adds) == 3:
            # the reservoir fills the two buffers the first adds gave back
            # (windows 4 and 5) and waits for a third; then the sums fail
            deadline = time.monotonic() + 10
            while len(runs) < 5 and time.monotonic() < deadline:
                time.sleep(0.001)
            raise error
        return real_add(self, *args, **kwargs)

    monkeypatch.setattr(_sums.ReadoutSums, "add", failing_add)
    with pytest.raises(type(error) if isinstance(error, BaseException) else error):
        model.partial_fit(X[150:], y[150:])
    assert adds[2] is not threading.main_thread()  # it was raised on the worker
    assert len(runs) == 5  # the reservoir ran ahead by the ring, no further
    assert len(adds) == 3  # the windows queued after the failure were dropped
    np.testing.assert_array_equal(model._readout_sums.total.t_hh, before[0])
    np.testing.assert_array_equal(model.output_weights_, before[1])
    assert model.n_steps_seen_ == before[2]


@pytest.mark.parametrize("error", [KeyboardInterrupt, MemoryError])
def test_an_interrupted_reservoir_stops_the_sums_and_keeps_the_model(small_windows, adds,
                                                                      monkeypatch, error):
    X, y, _ = _data("series")
    model = EchoStateRegressor(**PARAMS, n_jobs=2).partial_fit(X[:150], y[:150])
    before = (model._readout_sums.total.t_hh.copy(), model.output_weights_.copy())
    adds.clear()
    _fails_at(monkeypatch, Reservoir, "run", 4, error)
    with pytest.raises(error):
        model.partial_fit(X[150:], y[150:])
    n_adds = len(adds)
    assert n_adds <= 3  # at most the windows run before the failure were summed
    time.sleep(0.05)
    assert len(adds) == n_adds  # and nothing is summed after the call returned
    np.testing.assert_array_equal(model._readout_sums.total.t_hh, before[0])
    np.testing.assert_array_equal(model.output_weights_, before[1])
    model.partial_fit(X[150:], y[150:])  # the model goes on as if nothing happened
    reference = EchoStateRegressor(**PARAMS).partial_fit(X[:150], y[:150])
    reference.partial_fit(X[150:], y[150:])
    np.testing.assert_array_equal(model.output_weights_, reference.output_weights_)


def test_one_window_runs_without_a_second_thread(adds):
    X, y, _ = _data("series")
    EchoStateRegressor(**PARAMS, n_jobs=2).fit(X, y)  # 300 steps: one window
    assert adds and all(t is threading.main_thread() for t in adds)


@pytest.mark.parametrize("beside", [False, True])
def test_the_pipeline_counts_rows_queued_and_summed(beside):
    rng = np.random.RandomState(0)
    sums = _sums.ReadoutSums(4, 1)
    buffers = [np.empty((10, 4)) for _ in range(3 if beside else 1)]
    with _sweep.SumsPipeline(sums, buffers, beside) as pipeline:
        for k in range(1, 8):
            H = pipeline.buffer()
            H[:] = rng.normal(size=H.shape)
            Y = rng.normal(size=(10, 1))
            Y[0] = np.nan  # a row without a target is queued but not summed
            pipeline.add([H], Y, None, False, None)
            # rows still queued count as they were put, before any are dropped
            assert 9 * k <= pipeline.n_rows <= 10 * k
    assert sums.n_rows == pipeline.n_rows == 63


def test_the_gram_update_releases_the_gil_and_keeps_the_bits():
    """The sums' rank-k update is scipy's dsyrk called without the GIL (scipy's own
    wrapper keeps it, which held the reservoir's thread up at every window)."""
    from scipy.linalg import blas

    rng = np.random.RandomState(0)
    H = rng.normal(size=(4000, 601))
    C = np.asfortranarray(rng.normal(size=(601, 601)))
    expected = blas.dsyrk(1.0, H.T, beta=1.0, c=C.copy(order="F"), trans=0, lower=1,
                          overwrite_c=1)
    span, ticks = [], []

    def update():
        span.append(time.perf_counter())
        _sums._syrk_lower(H.T, C)
        span.append(time.perf_counter())

    worker = threading.Thread(target=update)
    worker.start()
    while worker.is_alive():  # Python runs here while BLAS runs there
        ticks.append(time.perf_counter())
    worker.join()
    np.testing.assert_array_equal(C, expected)
    t0, t1 = span
    middle = [t for t in ticks if t0 + 0.25 * (t1 - t0) < t < t0 + 0.75 * (t1 - t0)]
    assert middle, "the main thread did not run while dsyrk did"
